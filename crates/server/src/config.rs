//! Server configuration: an optional TOML file, then `CALLBRIDGE_*` environment variables,
//! which win. Parsed and validated into types once at start-up; a bad value stops the server
//! with a message naming the key. Pure: the caller reads the file and the environment.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

/// How log lines are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// A secret value: usable, but never printed (Debug shows only that it is set).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Validated configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub http_addr: SocketAddr,
    pub data_dir: PathBuf,
    /// `sqlite://...` or `postgres://...`; `None`: SQLite file `callbridge.db` in `data_dir`.
    pub database_url: Option<Secret>,
    /// Seeds (or rotates) the bootstrap platform-admin token.
    pub admin_token: Option<Secret>,
    /// 64 hex characters; `None`: a key file `master.key` (mode 0600) in `data_dir`.
    pub master_key: Option<Secret>,
    /// API request limits.
    pub api_rate_per_minute: u32,
    pub max_json_bytes: usize,
    pub max_upload_bytes: usize,
    /// How often the retention job runs.
    pub retention_interval: Duration,
    pub log_format: LogFormat,
    /// A tracing `EnvFilter` directive, e.g. `info,callbridge_api=debug`.
    pub log_filter: String,
    /// How long in-flight work may take to finish after SIGTERM before it is cut.
    pub shutdown_grace: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            http_addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            admin_token: None,
            master_key: None,
            api_rate_per_minute: 1200,
            max_json_bytes: 1024 * 1024,
            max_upload_bytes: 50 * 1024 * 1024,
            retention_interval: Duration::from_secs(3600),
            log_format: LogFormat::Text,
            log_filter: "info".to_owned(),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// The file's shape. Every field is optional; unknown keys are an error so typos surface.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    http_addr: Option<String>,
    data_dir: Option<PathBuf>,
    log_format: Option<LogFormat>,
    log_filter: Option<String>,
    shutdown_grace_secs: Option<u64>,
    database_url: Option<String>,
    api_rate_per_minute: Option<u32>,
    max_json_bytes: Option<usize>,
    max_upload_bytes: Option<usize>,
    retention_interval_secs: Option<u64>,
}

/// A configuration error, naming where the bad value came from.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Builds the configuration from the file's text (if any; `origin` names it in errors)
    /// and the environment.
    pub fn load(
        file: Option<(&str, &str)>,
        env: &HashMap<String, String>,
    ) -> Result<Config, ConfigError> {
        let mut cfg = Config::default();
        if let Some((origin, text)) = file {
            let parsed: FileConfig =
                toml::from_str(text).map_err(|e| ConfigError(format!("{origin}: {e}")))?;
            cfg.apply_file(origin, parsed)?;
        }
        cfg.apply_env(env)?;
        Ok(cfg)
    }

    fn apply_file(&mut self, origin: &str, f: FileConfig) -> Result<(), ConfigError> {
        if let Some(v) = f.http_addr {
            self.http_addr = parse_addr(&format!("{origin}: http_addr"), &v)?;
        }
        if let Some(v) = f.data_dir {
            self.data_dir = v;
        }
        if let Some(v) = f.log_format {
            self.log_format = v;
        }
        if let Some(v) = f.log_filter {
            self.log_filter = v;
        }
        if let Some(v) = f.shutdown_grace_secs {
            self.shutdown_grace = Duration::from_secs(v);
        }
        if let Some(v) = f.database_url {
            self.database_url = Some(Secret(v));
        }
        if let Some(v) = f.api_rate_per_minute {
            self.api_rate_per_minute = v;
        }
        if let Some(v) = f.max_json_bytes {
            self.max_json_bytes = v;
        }
        if let Some(v) = f.max_upload_bytes {
            self.max_upload_bytes = v;
        }
        if let Some(v) = f.retention_interval_secs {
            self.retention_interval = Duration::from_secs(v.max(1));
        }
        Ok(())
    }

    fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<(), ConfigError> {
        if let Some(v) = env.get("CALLBRIDGE_HTTP_ADDR") {
            self.http_addr = parse_addr("CALLBRIDGE_HTTP_ADDR", v)?;
        }
        if let Some(v) = env.get("CALLBRIDGE_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env.get("CALLBRIDGE_LOG_FORMAT") {
            self.log_format = match v.to_ascii_lowercase().as_str() {
                "json" => LogFormat::Json,
                "text" | "" => LogFormat::Text,
                other => {
                    return Err(ConfigError(format!(
                        "CALLBRIDGE_LOG_FORMAT: expected `text` or `json`, got `{other}`"
                    )));
                }
            };
        }
        if let Some(v) = env.get("CALLBRIDGE_LOG") {
            self.log_filter = v.clone();
        }
        if let Some(v) = env.get("CALLBRIDGE_SHUTDOWN_GRACE_SECS") {
            let secs = v.parse::<u64>().map_err(|_| {
                ConfigError(format!(
                    "CALLBRIDGE_SHUTDOWN_GRACE_SECS: expected whole seconds, got `{v}`"
                ))
            })?;
            self.shutdown_grace = Duration::from_secs(secs);
        }
        let secret = |k: &str| {
            env.get(k)
                .filter(|v| !v.is_empty())
                .map(|v| Secret(v.clone()))
        };
        if let Some(v) = secret("CALLBRIDGE_DATABASE_URL") {
            self.database_url = Some(v);
        }
        if let Some(v) = secret("CALLBRIDGE_ADMIN_TOKEN") {
            self.admin_token = Some(v);
        }
        if let Some(v) = secret("CALLBRIDGE_MASTER_KEY") {
            self.master_key = Some(v);
        }
        if let Some(v) = env.get("CALLBRIDGE_API_RATE_LIMIT") {
            self.api_rate_per_minute = parse_num("CALLBRIDGE_API_RATE_LIMIT", v)?;
        }
        if let Some(v) = env.get("CALLBRIDGE_MAX_JSON_BYTES") {
            self.max_json_bytes = parse_num("CALLBRIDGE_MAX_JSON_BYTES", v)?;
        }
        if let Some(v) = env.get("CALLBRIDGE_MAX_UPLOAD_BYTES") {
            self.max_upload_bytes = parse_num("CALLBRIDGE_MAX_UPLOAD_BYTES", v)?;
        }
        if let Some(v) = env.get("CALLBRIDGE_RETENTION_INTERVAL_SECS") {
            let secs: u64 = parse_num("CALLBRIDGE_RETENTION_INTERVAL_SECS", v)?;
            self.retention_interval = Duration::from_secs(secs.max(1));
        }
        Ok(())
    }
}

fn parse_num<T: std::str::FromStr>(origin: &str, v: &str) -> Result<T, ConfigError> {
    v.trim()
        .parse()
        .map_err(|_| ConfigError(format!("{origin}: expected a whole number, got `{v}`")))
}

impl Config {
    /// The database URL in force (the default is a SQLite file in the data directory).
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(s) => s.0.clone(),
            None => format!("sqlite://{}", self.data_dir.join("callbridge.db").display()),
        }
    }
}

fn parse_addr(origin: &str, v: &str) -> Result<SocketAddr, ConfigError> {
    v.parse().map_err(|_| {
        ConfigError(format!(
            "{origin}: expected an address like 127.0.0.1:8080, got `{v}`"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults() {
        let c = Config::load(None, &HashMap::new()).unwrap();
        assert_eq!(c.http_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(c.log_format, LogFormat::Text);
    }

    #[test]
    fn env_overrides_file() {
        let file = "http_addr = \"127.0.0.1:9000\"\nlog_format = \"json\"\n";
        let c = Config::load(
            Some(("callbridge.toml", file)),
            &env(&[("CALLBRIDGE_HTTP_ADDR", "127.0.0.1:9100")]),
        )
        .unwrap();
        assert_eq!(c.http_addr.port(), 9100);
        assert_eq!(c.log_format, LogFormat::Json);
    }

    #[test]
    fn bad_values_name_their_origin() {
        let e = Config::load(None, &env(&[("CALLBRIDGE_HTTP_ADDR", "localhost")])).unwrap_err();
        assert!(e.0.starts_with("CALLBRIDGE_HTTP_ADDR"), "{e}");
        let e = Config::load(Some(("x.toml", "htp_addr = \"a\"")), &HashMap::new()).unwrap_err();
        assert!(e.0.contains("x.toml") && e.0.contains("htp_addr"), "{e}");
        let e = Config::load(None, &env(&[("CALLBRIDGE_LOG_FORMAT", "xml")])).unwrap_err();
        assert!(e.0.contains("xml"), "{e}");
        let e = Config::load(None, &env(&[("CALLBRIDGE_API_RATE_LIMIT", "lots")])).unwrap_err();
        assert!(e.0.starts_with("CALLBRIDGE_API_RATE_LIMIT"), "{e}");
    }

    #[test]
    fn secrets_are_never_printed() {
        let c = Config::load(
            None,
            &env(&[
                ("CALLBRIDGE_ADMIN_TOKEN", "tok-123-secret"),
                ("CALLBRIDGE_DATABASE_URL", "postgres://u:pw@h/db"),
            ]),
        )
        .unwrap();
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("tok-123-secret") && !shown.contains("pw@"),
            "{shown}"
        );
        assert_eq!(c.database_url(), "postgres://u:pw@h/db");
    }
}
