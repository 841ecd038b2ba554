//! Command-line parsing. Small enough to do by hand; every error names the bad argument.

use std::path::PathBuf;

/// What the binary was asked to do.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Run the server (the default).
    Serve {
        config: Option<PathBuf>,
    },
    Help,
    Version,
}

pub const USAGE: &str = "\
callbridge: self-hosted realtime voice server for sales teams

USAGE:
    callbridge [serve] [--config FILE]
    callbridge --help | --version

Configuration comes from FILE (default ./callbridge.toml when it exists), then from
CALLBRIDGE_* environment variables, which win. See README.md.";

/// Parses `args` (without the program name).
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Command, String> {
    let mut config = None;
    let mut it = args.into_iter();
    let mut saw_command = false;
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-h" | "--help" | "help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "serve" if !saw_command => saw_command = true,
            "--config" | "-c" => {
                let path = it.next().ok_or("--config needs a file path")?;
                config = Some(PathBuf::from(path));
            }
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
        }
    }
    Ok(Command::Serve { config })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Command, String> {
        parse(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn parses_commands() {
        assert_eq!(p(&[]), Ok(Command::Serve { config: None }));
        assert_eq!(
            p(&["serve", "--config", "a.toml"]),
            Ok(Command::Serve {
                config: Some("a.toml".into())
            })
        );
        assert_eq!(p(&["--version"]), Ok(Command::Version));
        assert!(p(&["--config"]).is_err());
        assert!(p(&["bogus"]).unwrap_err().contains("bogus"));
    }
}
