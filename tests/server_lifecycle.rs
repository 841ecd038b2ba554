//! The `callbridge` binary end to end: it starts, answers health and metrics on loopback,
//! logs JSON, refuses bad configuration with a clear message, and drains on SIGTERM/SIGINT.

mod support;

use std::process::Command;
use std::time::Duration;

use support::http;
use support::server::Server;

#[test]
fn serves_health_and_metrics_then_stops_on_sigterm() {
    let mut server = Server::start(&[]);

    let health = http::get(server.http, "/healthz").expect("GET /healthz");
    assert_eq!(health.status, 200);
    let body: serde_json::Value = serde_json::from_slice(&health.body).expect("json health");
    assert_eq!(body["status"], "ok");

    let ready = http::get(server.http, "/readyz").expect("GET /readyz");
    assert_eq!(ready.status, 200);

    let missing = http::get(server.http, "/no-such-page").expect("GET 404");
    assert_eq!(missing.status, 404);

    let metrics = http::get(server.http, "/metrics").expect("GET /metrics");
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .header("content-type")
            .unwrap_or("")
            .starts_with("text/plain")
    );
    let text = metrics.text();
    assert!(text.contains("callbridge_build_info{version=\""), "{text}");
    // The earlier requests were counted by route, and the unknown path was not used as a label.
    assert!(
        text.contains(
            "callbridge_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1"
        ),
        "{text}"
    );
    assert!(text.contains("route=\"unmatched\""), "{text}");
    assert!(!text.contains("no-such-page"), "{text}");

    server.signal("TERM");
    let status = server
        .wait_exit(Duration::from_secs(20))
        .expect("exits after SIGTERM");
    assert!(status.success(), "exit status {status:?}");
    assert!(
        server
            .wait_for_log(Duration::from_secs(1), |v| v["message"]
                == "shutdown requested"
                && v["signal"] == "SIGTERM")
            .is_some()
    );
    assert!(
        server
            .wait_for_log(Duration::from_secs(1), |v| v["message"]
                == "shutdown complete")
            .is_some()
    );
}

#[test]
fn stops_on_sigint() {
    let mut server = Server::start(&[]);
    server.signal("INT");
    let status = server
        .wait_exit(Duration::from_secs(20))
        .expect("exits after SIGINT");
    assert!(status.success(), "exit status {status:?}");
}

#[test]
fn json_log_lines_carry_level_and_target() {
    let mut server = Server::start(&[]);
    let line = server
        .wait_for_log(Duration::from_secs(1), |v| {
            v["message"] == "callbridge listening"
        })
        .expect("listening line");
    assert_eq!(line["level"], "INFO");
    assert!(
        line["target"]
            .as_str()
            .unwrap_or("")
            .starts_with("callbridge"),
        "{line}"
    );
    assert!(line["timestamp"].is_string(), "{line}");
}

#[test]
fn bad_configuration_fails_start_up_naming_the_key() {
    let out = Command::new(env!("CARGO_BIN_EXE_callbridge"))
        .env("CALLBRIDGE_HTTP_ADDR", "not-an-address")
        .output()
        .expect("run callbridge");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("CALLBRIDGE_HTTP_ADDR") && err.contains("not-an-address"),
        "{err}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_callbridge"))
        .args(["serve", "--config", "/nonexistent/callbridge.toml"])
        .output()
        .expect("run callbridge");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/callbridge.toml"));
}

#[test]
fn port_in_use_is_a_clear_error() {
    let server = Server::start(&[]);
    // Its own empty working directory: the default data dir (./data) must not land in the
    // source tree.
    let cwd = support::server::temp_dir("port-in-use");
    let out = Command::new(env!("CARGO_BIN_EXE_callbridge"))
        .env("CALLBRIDGE_HTTP_ADDR", server.http.to_string())
        .current_dir(&cwd)
        .output()
        .expect("run callbridge");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot listen on"), "{err}");
    let _ = std::fs::remove_dir_all(&cwd);
}
