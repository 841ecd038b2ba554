//! The `callbridge` binary: parse arguments, load configuration, start telemetry, run.
//!
//! Errors before logging is up go to stderr with a non-zero exit code; after that they are
//! logged. `anyhow` is used here and in start-up code only.

mod cli;
mod config;
mod master_key;
mod retention;
mod serve;
mod shutdown;
mod telemetry;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

fn main() -> ExitCode {
    let command = match cli::parse(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(msg) => return fail(&msg),
    };
    match command {
        cli::Command::Help => {
            let _ = writeln!(std::io::stdout(), "{}", cli::USAGE);
            ExitCode::SUCCESS
        }
        cli::Command::Version => {
            let _ = writeln!(
                std::io::stdout(),
                "callbridge {}",
                env!("CARGO_PKG_VERSION")
            );
            ExitCode::SUCCESS
        }
        cli::Command::Serve { config } => match serve_main(config) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&format!("{e:#}")),
        },
    }
}

fn fail(msg: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "callbridge: {msg}");
    ExitCode::from(2)
}

fn serve_main(config_path: Option<PathBuf>) -> anyhow::Result<()> {
    let env: HashMap<String, String> = std::env::vars()
        .filter(|(k, _)| k.starts_with("CALLBRIDGE_"))
        .collect();
    let explicit = config_path.or_else(|| env.get("CALLBRIDGE_CONFIG").map(PathBuf::from));
    let file_text = read_config_file(explicit.as_deref())?;
    let cfg = config::Config::load(
        file_text.as_ref().map(|(p, t)| (p.as_str(), t.as_str())),
        &env,
    )?;
    telemetry::init_logging(&cfg)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("callbridge")
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve::run(cfg))
}

/// Reads the configuration file: an explicit path must exist; the default `callbridge.toml`
/// is optional.
fn read_config_file(explicit: Option<&Path>) -> anyhow::Result<Option<(String, String)>> {
    let (path, required) = match explicit {
        Some(p) => (p.to_path_buf(), true),
        None => (PathBuf::from("callbridge.toml"), false),
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some((path.display().to_string(), text))),
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
    }
}
