//! schemathesis (an independent OpenAPI fuzzer, from PyPI) against the real server: every
//! operation of `/openapi.json` is exercised with generated valid and invalid requests, and the
//! run fails on any 5xx or any response that violates the document (status, content type,
//! body schema). `scripts/setup.sh test` installs schemathesis; without it this test fails with
//! a message saying so (never a silent skip).

mod support;

use std::path::PathBuf;
use std::process::Command;

use support::server::Server;

fn schemathesis() -> PathBuf {
    if let Ok(p) = std::env::var("CALLBRIDGE_SCHEMATHESIS") {
        return PathBuf::from(p);
    }
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".to_owned());
    let tools = std::env::var("CALLBRIDGE_TOOLS_DIR")
        .unwrap_or_else(|_| format!("{home}/.cache/callbridge"));
    PathBuf::from(tools).join("venv/bin/schemathesis")
}

#[test]
fn openapi_document_survives_schemathesis() {
    let bin = schemathesis();
    assert!(
        bin.exists(),
        "schemathesis not found at {} (set CALLBRIDGE_SCHEMATHESIS or run scripts/setup.sh test)",
        bin.display()
    );
    let server = Server::start(&[
        ("CALLBRIDGE_ADMIN_TOKEN", "schemathesis-root-token"),
        // The fuzzer sends thousands of requests; rate limiting has its own tests.
        ("CALLBRIDGE_API_RATE_LIMIT", "0"),
    ]);
    let url = format!("http://{}/openapi.json", server.http);
    let out = Command::new(&bin)
        .args([
            "run",
            &url,
            "--header",
            "Authorization: Bearer schemathesis-root-token",
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--max-examples",
            "25",
            "--seed",
            "20261122",
            "--workers",
            "2",
            "--no-color",
            "--request-timeout",
            "30",
            // PUT /calls/{id}/recording takes a WAV body in two media types; hypothesis
            // filters most generated bodies there, which its health check reports as an
            // error although every generated request is valid.
            "--suppress-health-check",
            "filter_too_much",
        ])
        .env("SCHEMATHESIS_HOOKS", "")
        .current_dir(&server.data_dir)
        .output()
        .expect("run schemathesis");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{stdout}\n{stderr}"
    );
    // It really tested the API (not an empty document).
    assert!(stdout.contains("passed"), "{stdout}");
    assert!(!stdout.contains("Tested: 0"), "{stdout}");
}
