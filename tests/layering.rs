//! The layering rule of DESIGN.md, checked on the real dependency graph (`cargo metadata`).
//!
//! - Layer 0 (pure cores) depends on no I/O or async-runtime crate, directly or transitively,
//!   and on no workspace crate above it.
//! - A Layer 1 adapter depends on no other adapter and on nothing in Layer 2.
//! - Every workspace crate is classified: a new crate must be added to the table below.
//!
//! Only normal dependencies count; dev-dependencies (test kits) and build scripts do not ship.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    Core,
    Adapter,
    App,
    Support,
}

fn layer_of(package: &str) -> Option<Layer> {
    let short = package.strip_prefix("callbridge-")?;
    Some(match short {
        "audio" | "rtp" | "sdp" | "sip" | "twilio" | "convo" | "dialog" | "dialplan"
        | "analysis" | "voice-api" => Layer::Core,
        "providers" | "twilio-leg" | "sip-stack" | "rtp-leg" | "webrtc-leg" | "agent" | "store"
        | "decode" => Layer::Adapter,
        "api" | "server" => Layer::App,
        "testkit" | "benches" => Layer::Support,
        _ => return None,
    })
}

/// Crates that do I/O or run an async runtime. A Layer 0 crate reaching any of them is a bug.
const IO_CRATES: &[&str] = &[
    "tokio",
    "mio",
    "socket2",
    "async-std",
    "smol",
    "async-io",
    "hyper",
    "reqwest",
    "axum",
    "tower",
    "sqlx",
    "tungstenite",
    "tokio-tungstenite",
    "async-nats",
    "redis",
    "webrtc",
    "webrtc-util",
    "ureq",
    "curl",
    "libsqlite3-sys",
    "opus",
    "symphonia",
];

/// The normal-dependency graph: package name -> names of its normal dependencies.
type Graph = BTreeMap<String, BTreeSet<String>>;

fn metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        // Not --offline: metadata reads the manifests of every platform's dependencies, and a
        // fresh machine has only fetched those of its own platform.
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("metadata json")
}

fn graph(meta: &Value) -> (Graph, BTreeSet<String>) {
    let mut names = BTreeMap::new();
    for p in meta["packages"].as_array().expect("packages") {
        names.insert(
            p["id"].as_str().expect("id").to_owned(),
            p["name"].as_str().expect("name").to_owned(),
        );
    }
    let members: BTreeSet<String> = meta["workspace_members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|id| names[id.as_str().expect("member id")].clone())
        .collect();
    let mut g = Graph::new();
    for node in meta["resolve"]["nodes"].as_array().expect("resolve nodes") {
        let from = names[node["id"].as_str().expect("node id")].clone();
        let entry = g.entry(from).or_default();
        for dep in node["deps"].as_array().expect("deps") {
            let normal = dep["dep_kinds"]
                .as_array()
                .expect("dep_kinds")
                .iter()
                .any(|k| k["kind"].is_null());
            if normal {
                entry.insert(names[dep["pkg"].as_str().expect("dep pkg")].clone());
            }
        }
    }
    (g, members)
}

fn reachable(g: &Graph, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&str> = g
        .get(from)
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    while let Some(n) = stack.pop() {
        if seen.insert(n.to_owned()) {
            stack.extend(g.get(n).into_iter().flatten().map(String::as_str));
        }
    }
    seen
}

/// Every violation of the layering rule in `g`.
fn violations(g: &Graph, members: &BTreeSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    for m in members {
        let Some(layer) = layer_of(m) else {
            out.push(format!(
                "{m}: not in the layer table of tests/layering.rs (and DESIGN.md)"
            ));
            continue;
        };
        let direct = g.get(m).cloned().unwrap_or_default();
        match layer {
            Layer::Core => {
                let all = reachable(g, m);
                for io in IO_CRATES.iter().filter(|c| all.contains(**c)) {
                    out.push(format!("{m} (Layer 0) depends on the I/O crate {io}"));
                }
                for d in direct.iter().filter(|d| members.contains(*d)) {
                    if layer_of(d) != Some(Layer::Core) {
                        out.push(format!(
                            "{m} (Layer 0) depends on {d}, which is not Layer 0"
                        ));
                    }
                }
            }
            Layer::Adapter => {
                for d in direct.iter().filter(|d| members.contains(*d)) {
                    match layer_of(d) {
                        Some(Layer::Adapter) => {
                            out.push(format!("{m} (adapter) depends on the adapter {d}"))
                        }
                        Some(Layer::App) => {
                            out.push(format!("{m} (adapter) depends on {d} (Layer 2)"))
                        }
                        Some(Layer::Support) => {
                            out.push(format!("{m} depends on the test kit {d}"))
                        }
                        _ => {}
                    }
                }
            }
            Layer::App => {
                for d in direct
                    .iter()
                    .filter(|d| layer_of(d) == Some(Layer::Support))
                {
                    out.push(format!("{m} ships with the test-only crate {d}"));
                }
            }
            Layer::Support => {}
        }
    }
    out
}

#[test]
fn workspace_respects_layers() {
    let (g, members) = graph(&metadata());
    assert!(
        members.contains("callbridge-audio"),
        "metadata lists the workspace: {members:?}"
    );
    let v = violations(&g, &members);
    assert!(v.is_empty(), "layering violations:\n  {}", v.join("\n  "));
}

#[test]
fn checker_catches_forbidden_edges() {
    // A synthetic graph with one of each violation proves the checker is not vacuous.
    let mut g = Graph::new();
    let edge = |g: &mut Graph, a: &str, b: &str| {
        g.entry(a.to_owned()).or_default().insert(b.to_owned());
    };
    edge(&mut g, "callbridge-audio", "helper");
    edge(&mut g, "helper", "tokio");
    edge(&mut g, "callbridge-rtp", "callbridge-store");
    edge(&mut g, "callbridge-store", "callbridge-providers");
    edge(&mut g, "callbridge-agent", "callbridge-api");
    let members: BTreeSet<String> = [
        "callbridge-audio",
        "callbridge-rtp",
        "callbridge-store",
        "callbridge-providers",
        "callbridge-agent",
        "callbridge-api",
        "callbridge-mystery",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let v = violations(&g, &members);
    let has = |needle: &str| v.iter().any(|x| x.contains(needle));
    assert!(
        has("callbridge-audio (Layer 0) depends on the I/O crate tokio"),
        "{v:?}"
    );
    assert!(
        has("callbridge-rtp (Layer 0) depends on callbridge-store"),
        "{v:?}"
    );
    assert!(
        has("callbridge-store (adapter) depends on the adapter callbridge-providers"),
        "{v:?}"
    );
    assert!(
        has("callbridge-agent (adapter) depends on callbridge-api (Layer 2)"),
        "{v:?}"
    );
    assert!(has("callbridge-mystery: not in the layer table"), "{v:?}");
    assert_eq!(v.len(), 5, "{v:?}");
}
