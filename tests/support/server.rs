//! Starts the real `callbridge` binary and follows its JSON log on stdout.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running server process. Killed on drop if the test did not stop it.
pub struct Server {
    pub child: Child,
    pub http: SocketAddr,
    pub data_dir: PathBuf,
    logs: Receiver<Value>,
    /// Every log line seen so far.
    pub seen: Vec<Value>,
    /// Whether dropping the server deletes `data_dir` (not when the test owns it).
    remove_data_dir: bool,
}

/// A fresh, empty directory under the system temp dir.
pub fn temp_dir(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("callbridge-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

impl Server {
    /// Starts the binary with JSON logs on a free port and waits for its "listening" line.
    pub fn start(extra_env: &[(&str, &str)]) -> Server {
        Self::launch(temp_dir("data"), extra_env, true)
    }

    /// Like [`Server::start`] on the given data directory, which the caller owns: it stays
    /// when the server is dropped, so a second server can start on it (restart tests).
    pub fn start_in(data_dir: PathBuf, extra_env: &[(&str, &str)]) -> Server {
        Self::launch(data_dir, extra_env, false)
    }

    fn launch(data_dir: PathBuf, extra_env: &[(&str, &str)], remove_data_dir: bool) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_callbridge"));
        cmd.arg("serve")
            .current_dir(&data_dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("CALLBRIDGE_HTTP_ADDR", "127.0.0.1:0")
            .env("CALLBRIDGE_DATA_DIR", &data_dir)
            .env("CALLBRIDGE_LOG_FORMAT", "json")
            .env("CALLBRIDGE_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn callbridge");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                match serde_json::from_str::<Value>(&line) {
                    Ok(v) => {
                        if tx.send(v).is_err() {
                            break;
                        }
                    }
                    Err(_) => panic!("a log line is not JSON: {line}"),
                }
            }
        });
        let mut server = Server {
            child,
            http: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            logs: rx,
            seen: Vec::new(),
            remove_data_dir,
        };
        let line = server
            .wait_for_log(Duration::from_secs(60), |v| {
                v["message"] == "callbridge listening"
            })
            .expect("server never logged `callbridge listening`");
        server.http = line["http_addr"]
            .as_str()
            .expect("http_addr")
            .parse()
            .expect("addr");
        server
    }

    /// Waits until a log line matches `pred`, returning it.
    pub fn wait_for_log(
        &mut self,
        timeout: Duration,
        pred: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        if let Some(v) = self.seen.iter().find(|v| pred(v)) {
            return Some(v.clone());
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.logs.recv_timeout(left) {
                Ok(v) => {
                    self.seen.push(v.clone());
                    if pred(&v) {
                        return Some(v);
                    }
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    /// Sends a signal (e.g. "TERM") to the process.
    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .expect("run kill")
            .success();
        assert!(ok, "kill -{sig} failed");
    }

    /// Waits for the process to exit.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if self.remove_data_dir {
            let _ = std::fs::remove_dir_all(&self.data_dir);
        }
    }
}
