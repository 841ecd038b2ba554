//! The `callbridge` binary: parse arguments, load configuration, start telemetry, run.
//!
//! Errors before logging is up go to stderr with a non-zero exit code; after that they are
//! logged. `anyhow` is used here and in start-up code only.

mod call_test;
mod cli;
mod config;
mod engines;
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
        cli::Command::CallTest { config, org, wav } => match call_test_main(config, &org, &wav) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&format!("{e:#}")),
        },
    }
}

fn fail(msg: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "callbridge: {msg}");
    ExitCode::from(2)
}

/// The environment's `CALLBRIDGE_*` variables and the loaded configuration.
fn load_config(
    config_path: Option<PathBuf>,
) -> anyhow::Result<(HashMap<String, String>, config::Config)> {
    let env: HashMap<String, String> = std::env::vars()
        .filter(|(k, _)| k.starts_with("CALLBRIDGE_"))
        .collect();
    let explicit = config_path.or_else(|| env.get("CALLBRIDGE_CONFIG").map(PathBuf::from));
    let file_text = read_config_file(explicit.as_deref())?;
    let cfg = config::Config::load(
        file_text.as_ref().map(|(p, t)| (p.as_str(), t.as_str())),
        &env,
    )?;
    Ok((env, cfg))
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("callbridge")
        .build()
        .context("cannot start the async runtime")
}

fn serve_main(config_path: Option<PathBuf>) -> anyhow::Result<()> {
    let (_, cfg) = load_config(config_path)?;
    telemetry::init_logging(&cfg)?;
    runtime()?.block_on(serve::run(cfg))
}

fn call_test_main(config_path: Option<PathBuf>, org: &str, wav: &Path) -> anyhow::Result<()> {
    let (env, cfg) = load_config(config_path)?;
    telemetry::init_logging(&cfg)?;
    runtime()?.block_on(call_test::run(cfg, &env, org, wav))
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
