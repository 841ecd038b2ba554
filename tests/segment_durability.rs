//! Crash durability of transcript segments, end to end: 100 concurrent segment writes to the
//! real server, `kill -9` while they are in flight, a restart on the same data directory, and
//! every write that had answered 201 must be there with its text (and findable by search).
//! Writes that never got an answer may or may not have landed; those that did must be whole.
#![allow(clippy::unwrap_used)] // a test crate: its helpers fail the test by panicking

#[path = "support/api_client.rs"]
mod api_client;
mod support;

use std::collections::HashMap;
use std::sync::mpsc::channel;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use api_client::send;
use serde_json::{Value, json};
use support::server::{Server, temp_dir};

const TOKEN: &str = "durability-admin-token-0123456789";
const WRITES: i64 = 100;
/// Successful writes to wait for before the kill, so that the kill lands mid-burst.
const KILL_AFTER: usize = 10;

fn text_of(seq: i64) -> String {
    format!(
        "durable segment {seq} says the pricing works for quarter {}",
        seq * 7
    )
}

/// Enables transcripts and imports a call; returns the call id.
fn prepare(server: &Server) -> String {
    // A call of today: a fixed date would fall behind the 90-day retention as the calendar
    // moves, and the retention pass at restart would then (rightly) delete its transcript.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let r = send(
        server.http,
        "PATCH",
        "/api/v1/settings",
        TOKEN,
        Some(&json!({"store_transcripts": true})),
    )
    .unwrap();
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let r = send(
        server.http,
        "POST",
        "/api/v1/calls/records",
        TOKEN,
        Some(&json!({
            "direction": "inbound",
            "from_number": "+15550100",
            "to_number": "+15550199",
            "started_at": now - 60_000,
            "ended_at": now,
        })),
    )
    .unwrap();
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    r.json()["call"]["id"].as_str().unwrap().to_owned()
}

/// Fires the writes from `WRITES` threads at once; kills the server with SIGKILL after
/// `KILL_AFTER` successes. Returns each write's outcome: `Some(status)` or `None` (no answer).
fn burst_and_kill(server: &mut Server, call_id: &str) -> HashMap<i64, Option<u16>> {
    let barrier = Arc::new(Barrier::new(WRITES as usize));
    let (tx, rx) = channel();
    let mut threads = Vec::new();
    for seq in 0..WRITES {
        let (barrier, tx, addr) = (barrier.clone(), tx.clone(), server.http);
        let path = format!("/api/v1/calls/{call_id}/segments");
        threads.push(std::thread::spawn(move || {
            let body = json!({"segments": [{
                "seq": seq, "speaker": if seq % 2 == 0 { "caller" } else { "agent" },
                "start_ms": seq * 1000, "end_ms": seq * 1000 + 800,
                "text": text_of(seq), "confidence": 0.9,
            }]});
            barrier.wait();
            let status = send(addr, "POST", &path, TOKEN, Some(&body))
                .ok()
                .map(|r| r.status);
            let _ = tx.send((seq, status));
        }));
    }
    drop(tx);
    let mut outcomes = HashMap::new();
    let mut killed = false;
    for (seq, status) in rx.iter() {
        outcomes.insert(seq, status);
        let ok = outcomes.values().filter(|s| **s == Some(201)).count();
        if !killed && ok >= KILL_AFTER {
            server.signal("KILL");
            killed = true;
        }
    }
    if !killed {
        // Every write answered before ten succeeded: still crash it, the check stands.
        server.signal("KILL");
    }
    for t in threads {
        t.join().unwrap();
    }
    let exit = server.wait_exit(Duration::from_secs(20)).expect("killed");
    assert!(!exit.success(), "SIGKILL, not a clean exit: {exit:?}");
    outcomes
}

fn stored_segments(server: &Server, call_id: &str) -> HashMap<i64, String> {
    let r = send(
        server.http,
        "GET",
        &format!("/api/v1/calls/{call_id}/transcript"),
        TOKEN,
        None,
    )
    .unwrap();
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let v: Value = r.json();
    v["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["seq"].as_i64().unwrap(),
                s["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn kill_9_during_concurrent_segment_writes_loses_no_acknowledged_write() {
    let dir = temp_dir("durability");
    let env = [("CALLBRIDGE_ADMIN_TOKEN", TOKEN)];
    let mut server = Server::start_in(dir.clone(), &env);
    let call_id = prepare(&server);
    let outcomes = burst_and_kill(&mut server, &call_id);
    drop(server);
    let acknowledged: Vec<i64> = outcomes
        .iter()
        .filter(|(_, s)| **s == Some(201))
        .map(|(seq, _)| *seq)
        .collect();
    let unanswered = outcomes.values().filter(|s| s.is_none()).count();
    eprintln!(
        "{} writes acknowledged with 201, {unanswered} unanswered at the kill",
        acknowledged.len()
    );
    for (seq, s) in &outcomes {
        assert!(
            matches!(s, None | Some(201)),
            "write {seq} failed before the kill: {s:?}"
        );
    }
    assert!(acknowledged.len() >= KILL_AFTER.min(WRITES as usize));

    let server = Server::start_in(dir.clone(), &env);
    let stored = stored_segments(&server, &call_id);
    for seq in &acknowledged {
        assert_eq!(
            stored.get(seq),
            Some(&text_of(*seq)),
            "acknowledged segment {seq} lost or changed"
        );
    }
    for (seq, text) in &stored {
        assert_eq!(text, &text_of(*seq), "segment {seq} is not what was sent");
    }
    // The full-text index survived the crash in step with the table.
    let r = send(
        server.http,
        "GET",
        "/api/v1/transcripts/search?q=durable%20pricing&limit=200",
        TOKEN,
        None,
    )
    .unwrap();
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let hits = r.json()["items"].as_array().unwrap().len();
    assert_eq!(hits, stored.len(), "every stored segment is searchable");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
