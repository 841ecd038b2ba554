//! Shared set-up of the content tests (personas, scenarios, scripts, routing, numbers).

use serde_json::{Value, json};

use super::{Org, TestApp};

pub fn persona_body() -> Value {
    json!({"role": "VP of Operations", "company": "Globex", "industry": "logistics",
           "facts": ["Team of 40 dispatchers"], "objections": ["Too expensive"]})
}

pub async fn persona(app: &TestApp, org: &Org) -> String {
    let r = app
        .call(
            "POST",
            "/api/v1/personas",
            Some(&org.manager),
            Some(json!({"name": "Dana", "body": persona_body()})),
        )
        .await
        .ok(201);
    r["id"].as_str().unwrap().to_owned()
}

pub fn script_body() -> Value {
    json!({"steps": [
        {"id": "intro", "prompt": "Hi, this is an AI assistant calling for Acme. Is now a good time?",
         "expect": "yes_no",
         "branches": [{"on": "yes", "goto": "qualify"}, {"on": "no", "action": {"type": "end"}}]},
        {"id": "qualify", "prompt": "How many agents does your team have?", "expect": "number",
         "next": "book"},
        {"id": "book", "prompt": "Shall we book a demo?", "expect": "choice",
         "choices": ["tuesday", "thursday", "never"],
         "branches": [{"on": "never", "action": {"type": "add_to_dnc"}},
                      {"on": "tuesday", "action": {"type": "book_meeting"}, "goto": "bye"}]},
        {"id": "bye", "prompt": "Thanks, goodbye.", "action": {"type": "transfer", "to": "+14155550100"}}
    ]})
}

/// Sets the value at a JSON pointer, adding the last key when the object lacks it
/// (`pointer_mut` alone only reaches values that exist).
pub fn set(body: &mut Value, pointer: &str, value: Value) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    match body.pointer_mut(parent).unwrap() {
        Value::Object(map) => {
            map.insert(key.to_owned(), value);
        }
        other => *other.pointer_mut(&format!("/{key}")).unwrap() = value,
    }
}

pub async fn script(app: &TestApp, org: &Org) -> Value {
    app.call(
        "POST",
        "/api/v1/scripts",
        Some(&org.manager),
        Some(json!({"name": "Qualify", "kind": "outbound", "body": script_body()})),
    )
    .await
    .ok(201)
}

pub fn merge(mut base: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}
