//! Helpers for end-to-end tests: start the real `callbridge` binary on a free loopback port,
//! read its structured logs, and talk HTTP to it.
#![allow(dead_code, clippy::unwrap_used)]

pub mod http;
pub mod server;
