//! Shared set-up of the campaign, lead and DNC tests.

use serde_json::{Value, json};

use super::{Org, TestApp};

pub fn settings() -> Value {
    json!({
        "calling_window": {"start": "09:00", "end": "17:30", "days": ["fri", "mon", "mon"]},
        "max_attempts": 3,
        "retry_delay_minutes": 60,
        "pacing": {"calls_per_minute": 10, "max_concurrent": 2},
        "caller_id": "(415) 555-0100",
        "ai_disclosure": "Hi, this is an AI assistant calling on behalf of Acme."
    })
}

/// A script row of `org`, written directly (scripts are another module's).
pub async fn script(app: &TestApp, org: &str) -> String {
    let id = callbridge_store::id::new_id("scr", app.store.now_ms());
    app.store
        .execute_for_tests(&format!(
            "INSERT INTO scripts (id, org_id, name, kind, current_version, created_at, updated_at) \
             VALUES ('{id}', '{org}', 'Intro', 'outbound', 1, 0, 0)"
        ))
        .await
        .unwrap();
    id
}

pub async fn campaign(app: &TestApp, org: &Org) -> String {
    let r = app
        .call(
            "POST",
            "/api/v1/campaigns",
            Some(&org.manager),
            Some(json!({"name": "Q1", "settings": settings()})),
        )
        .await
        .ok(201);
    r["id"].as_str().unwrap().to_owned()
}

pub async fn csv(app: &TestApp, path: &str, token: &str, body: &[u8]) -> super::Resp {
    app.raw("POST", path, Some(token), Some(("text/csv", body.to_vec())))
        .await
}
