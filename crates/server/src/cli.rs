//! Command-line parsing. Small enough to do by hand; every error names the bad argument.

use std::path::PathBuf;

/// What the binary was asked to do.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Run the server (the default).
    Serve {
        config: Option<PathBuf>,
    },
    /// One local call through the conversation engine with an organization's engines.
    CallTest {
        config: Option<PathBuf>,
        org: String,
        wav: PathBuf,
    },
    Help,
    Version,
}

pub const USAGE: &str = "\
callbridge: self-hosted realtime voice server for sales teams

USAGE:
    callbridge [serve] [--config FILE]
    callbridge call-test --org ORG_ID --wav FILE [--config FILE]
    callbridge --help | --version

call-test plays FILE as the caller of a local call answered by the conversation engine with
the organization's engines (its stored provider keys, else CALLBRIDGE_*_API_KEY), and prints
the conversation and its latency.

Configuration comes from FILE (default ./callbridge.toml when it exists), then from
CALLBRIDGE_* environment variables, which win. See README.md.";

/// Parses `args` (without the program name).
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Command, String> {
    let mut config = None;
    let mut org = None;
    let mut wav = None;
    let mut call_test = false;
    let mut it = args.into_iter();
    let mut saw_command = false;
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-h" | "--help" | "help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "serve" if !saw_command => saw_command = true,
            "call-test" if !saw_command => {
                saw_command = true;
                call_test = true;
            }
            "--config" | "-c" => {
                let path = it.next().ok_or("--config needs a file path")?;
                config = Some(PathBuf::from(path));
            }
            "--org" if call_test => org = Some(it.next().ok_or("--org needs an organization id")?),
            "--wav" if call_test => {
                wav = Some(PathBuf::from(it.next().ok_or("--wav needs a file path")?));
            }
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
        }
    }
    if call_test {
        return Ok(Command::CallTest {
            config,
            org: org.ok_or("call-test needs --org ORG_ID")?,
            wav: wav.ok_or("call-test needs --wav FILE")?,
        });
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
        assert_eq!(
            p(&["call-test", "--org", "o1", "--wav", "a.wav"]),
            Ok(Command::CallTest {
                config: None,
                org: "o1".into(),
                wav: "a.wav".into()
            })
        );
        assert!(
            p(&["call-test", "--wav", "a.wav"])
                .unwrap_err()
                .contains("--org")
        );
        assert!(
            p(&["serve", "--org", "x"]).is_err(),
            "--org belongs to call-test"
        );
    }
}
