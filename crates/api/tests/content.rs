//! Content over HTTP: personas, scenarios, versioned scripts, routing rules and phone numbers
//! (knowledge documents are in `content_knowledge.rs`). Happy paths and every failure mode:
//! 401 without a token, 403 for a rep writing, 404 for another organization's object exactly
//! like a missing one, 422 naming the field, 413 over the body limit, 409 for taken numbers.

#![allow(clippy::unwrap_used)]

mod common;

use callbridge_api::Limits;
use common::{Org, TestApp, oversized_json};
use serde_json::{Value, json};

fn persona_body() -> Value {
    json!({"role": "VP of Operations", "company": "Globex", "industry": "logistics",
           "facts": ["Team of 40 dispatchers"], "objections": ["Too expensive"]})
}

async fn persona(app: &TestApp, org: &Org) -> String {
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

fn script_body() -> Value {
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
fn set(body: &mut Value, pointer: &str, value: Value) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    match body.pointer_mut(parent).unwrap() {
        Value::Object(map) => {
            map.insert(key.to_owned(), value);
        }
        other => *other.pointer_mut(&format!("/{key}")).unwrap() = value,
    }
}

async fn script(app: &TestApp, org: &Org) -> Value {
    app.call(
        "POST",
        "/api/v1/scripts",
        Some(&org.manager),
        Some(json!({"name": "Qualify", "kind": "outbound", "body": script_body()})),
    )
    .await
    .ok(201)
}

#[tokio::test]
async fn personas_crud_roles_and_isolation() {
    let app = TestApp::new().await;
    let (a, b) = (app.org("A").await, app.org("B").await);
    let created = app
        .call(
            "POST",
            "/api/v1/personas",
            Some(&a.manager),
            Some(json!({"name": " Dana ", "body": persona_body()})),
        )
        .await
        .ok(201);
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["name"], "Dana");
    // Stored normalized: defaults filled in.
    assert_eq!(created["body"]["voice"], "slt");
    assert_eq!(created["body"]["hidden_needs"], json!([]));
    let path = format!("/api/v1/personas/{id}");
    assert_eq!(app.get(&path, &a.rep).await.ok(200), created, "reps read");
    let list = app.get("/api/v1/personas", &a.rep).await.ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    let bad = |body: Value| json!({"name": "X", "body": body});
    let mut no_role = persona_body();
    no_role.as_object_mut().unwrap().remove("role");
    for (body, field) in [
        (
            bad(merge(persona_body(), json!({"voice": "robot"}))),
            "body.voice",
        ),
        (
            bad(merge(persona_body(), json!({"company": "  "}))),
            "body.company",
        ),
        (
            bad(merge(persona_body(), json!({"facts": ["ok", ""]}))),
            "body.facts[1]",
        ),
        (bad(no_role), "body"),
        (json!({"name": "", "body": persona_body()}), "name"),
        (json!({"name": 7, "body": persona_body()}), "name"),
    ] {
        app.call("POST", "/api/v1/personas", Some(&a.manager), Some(body))
            .await
            .invalid(field);
    }
    app.call(
        "POST",
        "/api/v1/personas",
        Some(&a.manager),
        Some(bad(merge(persona_body(), json!({"mood": "grumpy"})))),
    )
    .await
    .error(422, "validation_failed");
    app.call(
        "POST",
        "/api/v1/personas",
        Some(&a.rep),
        Some(json!({"name": "X", "body": persona_body()})),
    )
    .await
    .error(403, "forbidden");

    let patched = app
        .call(
            "PATCH",
            &path,
            Some(&a.manager),
            Some(json!({"name": "Dana W."})),
        )
        .await
        .ok(200);
    assert_eq!(
        (patched["name"].as_str(), &patched["body"]),
        (Some("Dana W."), &created["body"])
    );
    app.call("PATCH", &path, Some(&a.rep), Some(json!({"name": "x"})))
        .await
        .error(403, "forbidden");
    // Another organization: 404, exactly like a missing id.
    for (m, body) in [
        ("GET", None),
        ("PATCH", Some(json!({"name": "x"}))),
        ("DELETE", None),
    ] {
        let r = app.call(m, &path, Some(&b.admin), body).await;
        assert_eq!(
            r.error(404, "not_found")["error"]["message"],
            "persona not found"
        );
    }
    app.get("/api/v1/personas/prs_junk", &a.rep)
        .await
        .error(404, "not_found");
    app.call("DELETE", &path, Some(&a.manager), None)
        .await
        .ok(204);
    app.get(&path, &a.rep).await.error(404, "not_found");
}

fn merge(mut base: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

#[tokio::test]
async fn scenarios_link_only_their_orgs_personas() {
    let app = TestApp::new().await;
    let (a, b) = (app.org("A").await, app.org("B").await);
    let pa = persona(&app, &a).await;
    let pb = persona(&app, &b).await;
    let body = json!({"difficulty": "hard", "focus": "objection",
                      "objections": ["price", "timing"], "win_conditions": ["books a demo"]});
    let create = |persona_id: Value| json!({"name": "Price pushback", "persona_id": persona_id, "body": body.clone()});
    let sc = app
        .call(
            "POST",
            "/api/v1/scenarios",
            Some(&a.manager),
            Some(create(json!(pa))),
        )
        .await
        .ok(201);
    assert_eq!(sc["persona_id"], pa.as_str());
    assert_eq!(
        sc["body"]["objections"],
        json!(["price", "timing"]),
        "order kept"
    );
    assert_eq!(sc["body"]["context"], "");
    for foreign in [json!(pb), json!("prs_nope"), json!("")] {
        app.call(
            "POST",
            "/api/v1/scenarios",
            Some(&a.manager),
            Some(create(foreign)),
        )
        .await
        .invalid("persona_id");
    }
    for (bad, field) in [
        (
            merge(body.clone(), json!({"difficulty": "insane"})),
            "body.difficulty",
        ),
        (
            merge(body.clone(), json!({"focus": "cold_calling"})),
            "body.focus",
        ),
        (
            merge(body.clone(), json!({"objections": [""]})),
            "body.objections[0]",
        ),
    ] {
        app.call(
            "POST",
            "/api/v1/scenarios",
            Some(&a.manager),
            Some(json!({"name": "x", "body": bad})),
        )
        .await
        .invalid(field);
    }
    let path = format!("/api/v1/scenarios/{}", sc["id"].as_str().unwrap());
    let cleared = app
        .call(
            "PATCH",
            &path,
            Some(&a.manager),
            Some(json!({"persona_id": null})),
        )
        .await
        .ok(200);
    assert_eq!(cleared["persona_id"], Value::Null);
    assert_eq!(cleared["body"], sc["body"]);
    app.call(
        "PATCH",
        &path,
        Some(&a.manager),
        Some(json!({"persona_id": pb})),
    )
    .await
    .invalid("persona_id");
    app.get(&path, &a.rep).await.ok(200);
    app.call("DELETE", &path, Some(&a.rep), None)
        .await
        .error(403, "forbidden");
    app.get(&path, &b.manager).await.error(404, "not_found");
    app.call("DELETE", &path, Some(&b.manager), None)
        .await
        .error(404, "not_found");
    app.call("DELETE", &path, Some(&a.manager), None)
        .await
        .ok(204);
}

#[tokio::test]
async fn scripts_version_on_every_body_edit() {
    let app = TestApp::new().await;
    let (a, b) = (app.org("A").await, app.org("B").await);
    let v1 = script(&app, &a).await;
    assert_eq!(v1["current_version"], 1);
    assert_eq!(v1["body"]["steps"][1]["retries"], 1, "defaults filled in");
    let id = v1["id"].as_str().unwrap();
    let path = format!("/api/v1/scripts/{id}");
    let mut body2 = script_body();
    body2["steps"][0]["prompt"] = json!("Hello again. Do you have a minute?");
    let v2 = app
        .call(
            "PATCH",
            &path,
            Some(&a.manager),
            Some(json!({"body": body2})),
        )
        .await
        .ok(200);
    assert_eq!(v2["current_version"], 2);
    let renamed = app
        .call(
            "PATCH",
            &path,
            Some(&a.manager),
            Some(json!({"name": "Qualify (EU)"})),
        )
        .await
        .ok(200);
    assert_eq!(renamed["current_version"], 2, "a rename is not a version");
    assert_eq!(app.get(&path, &a.rep).await.ok(200)["body"], v2["body"]);

    let versions = app.get(&format!("{path}/versions"), &a.rep).await.ok(200);
    let numbers: Vec<i64> = versions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [1, 2]);
    assert_eq!(versions["items"][0]["created_by"], a.manager_user.as_str());
    let old = app.get(&format!("{path}/versions/1"), &a.rep).await.ok(200);
    assert_eq!(old["body"], v1["body"], "old versions never change");
    for missing in ["3", "0", "-1", "abc", "99999999999999999999"] {
        app.get(&format!("{path}/versions/{missing}"), &a.rep)
            .await
            .error(404, "not_found");
    }
    app.get(&format!("{path}/versions?cursor=x"), &a.rep)
        .await
        .invalid("cursor");

    // Another organization sees nothing, on every sub-resource.
    for p in [
        path.clone(),
        format!("{path}/versions"),
        format!("{path}/versions/1"),
    ] {
        app.get(&p, &b.admin).await.error(404, "not_found");
    }
    app.call("PATCH", &path, Some(&b.manager), Some(json!({"name": "x"})))
        .await
        .error(404, "not_found");
    app.call("PATCH", &path, Some(&a.rep), Some(json!({"name": "x"})))
        .await
        .error(403, "forbidden");
    app.call("DELETE", &path, Some(&b.manager), None)
        .await
        .error(404, "not_found");
    app.call("DELETE", &path, Some(&a.manager), None)
        .await
        .ok(204);
    app.get(&format!("{path}/versions/1"), &a.rep)
        .await
        .error(404, "not_found");
}

#[tokio::test]
async fn script_bodies_are_checked_step_by_step() {
    let app = TestApp::new().await;
    let a = app.org("A").await;
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "/steps/2/branches/0/goto",
            json!("nowhere"),
            "body.steps[2].branches[0].goto",
        ),
        ("/steps/1/next", json!("nowhere"), "body.steps[1].next"),
        ("/steps/1/id", json!("intro"), "body.steps[1].id"),
        ("/steps/1/id", json!("has space"), "body.steps[1].id"),
        (
            "/steps/0/branches/0/on",
            json!("maybe"),
            "body.steps[0].branches[0].on",
        ),
        (
            "/steps/2/branches/0/on",
            json!("monday"),
            "body.steps[2].branches[0].on",
        ),
        ("/steps/2/choices", json!([]), "body.steps[2].choices"),
        ("/steps/1/choices", json!(["a"]), "body.steps[1].choices"),
        (
            "/steps/3/action/to",
            json!("call bob"),
            "body.steps[3].action.to",
        ),
        (
            "/steps/0/branches/1/action/type",
            json!("explode"),
            "body.steps[0].branches[1].action.type",
        ),
        ("/steps/1/retries", json!(9), "body.steps[1].retries"),
        ("/steps/1/expect", json!("emoji"), "body.steps[1].expect"),
        ("/steps/0/prompt", json!(""), "body.steps[0].prompt"),
        ("/steps", json!([]), "body.steps"),
    ];
    for (pointer, value, field) in cases {
        let mut body = script_body();
        set(&mut body, pointer, value);
        app.call(
            "POST",
            "/api/v1/scripts",
            Some(&a.manager),
            Some(json!({"name": "x", "kind": "inbound", "body": body})),
        )
        .await
        .invalid(field);
    }
    let mut no_target = script_body();
    no_target["steps"][0]["branches"][0] = json!({"on": "yes"});
    let mut no_expect = script_body();
    no_expect["steps"][3]["branches"] = json!([{"on": "x", "goto": "intro"}]);
    for (body, field) in [
        (no_target, "body.steps[0].branches[0]"),
        (no_expect, "body.steps[3].branches"),
    ] {
        app.call(
            "POST",
            "/api/v1/scripts",
            Some(&a.manager),
            Some(json!({"name": "x", "kind": "inbound", "body": body})),
        )
        .await
        .invalid(field);
    }
    app.call(
        "POST",
        "/api/v1/scripts",
        Some(&a.manager),
        Some(json!({"name": "x", "kind": "telemarketing", "body": script_body()})),
    )
    .await
    .invalid("kind");
    // A SIP URI is a transfer target too.
    let mut sip = script_body();
    sip["steps"][3]["action"]["to"] = json!("sip:closer@pbx.example.com");
    app.call(
        "POST",
        "/api/v1/scripts",
        Some(&a.manager),
        Some(json!({"name": "x", "kind": "inbound", "body": sip})),
    )
    .await
    .ok(201);
}

#[tokio::test]
async fn concurrent_script_edits_get_distinct_versions() {
    let app = TestApp::new().await;
    let a = app.org("A").await;
    let id = script(&app, &a).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/scripts/{id}");
    let edits = (0..8).map(|n| {
        let mut body = script_body();
        body["steps"][3]["prompt"] = json!(format!("Goodbye #{n}"));
        app.call(
            "PATCH",
            &path,
            Some(&a.manager),
            Some(json!({"body": body})),
        )
    });
    let mut got: Vec<i64> = futures_util::future::join_all(edits)
        .await
        .iter()
        .map(|r| r.ok(200)["current_version"].as_i64().unwrap())
        .collect();
    got.sort_unstable();
    assert_eq!(
        got,
        (2..=9).collect::<Vec<_>>(),
        "one version per edit, no duplicates"
    );
    let list = app
        .get(&format!("{path}/versions?limit=200"), &a.rep)
        .await
        .ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 9);
}

#[tokio::test]
async fn routing_rules_are_typed_and_ordered() {
    let app = TestApp::new().await;
    let (a, b) = (app.org("A").await, app.org("B").await);
    let pa = persona(&app, &a).await;
    let pb = persona(&app, &b).await;
    let sid = script(&app, &a).await["id"].as_str().unwrap().to_owned();
    let rule = |name: &str, priority: i64, action: Value| {
        json!({"name": name, "priority": priority, "action": action,
               "conditions": {"called_numbers": ["+1 415 555 0100"], "caller_prefixes": ["+1415"],
                              "intents": ["billing"], "business_hours": "closed",
                              "time_ranges": [{"days": ["sat", "sun", "sat"], "start": "22:00", "end": "06:00"}]}})
    };
    let mut ids = Vec::new();
    for (name, p, action) in [
        (
            "after hours",
            50,
            json!({"type": "voicemail", "greeting": "We are closed."}),
        ),
        (
            "vip",
            10,
            json!({"type": "transfer", "to": "sip:vip@pbx.example.com"}),
        ),
        (
            "agent",
            50,
            json!({"type": "agent", "persona_id": pa, "script_id": sid}),
        ),
    ] {
        let r = app
            .call(
                "POST",
                "/api/v1/routing-rules",
                Some(&a.manager),
                Some(rule(name, p, action)),
            )
            .await
            .ok(201);
        assert_eq!(
            r["conditions"]["called_numbers"][0], "+14155550100",
            "normalized"
        );
        assert_eq!(
            r["conditions"]["time_ranges"][0]["days"],
            json!(["sat", "sun"])
        );
        ids.push(r["id"].as_str().unwrap().to_owned());
    }
    let minimal = app
        .call(
            "POST",
            "/api/v1/routing-rules",
            Some(&a.manager),
            Some(json!({"name": "catch-all", "action": {"type": "hang_up"}})),
        )
        .await
        .ok(201);
    assert_eq!(
        (minimal["priority"].as_i64(), minimal["enabled"].as_bool()),
        (Some(100), Some(true))
    );
    let first = app
        .get("/api/v1/routing-rules?limit=2", &a.manager)
        .await
        .ok(200);
    let second = app
        .get(
            &format!(
                "/api/v1/routing-rules?limit=2&cursor={}",
                first["next_cursor"].as_str().unwrap()
            ),
            &a.manager,
        )
        .await
        .ok(200);
    let names: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["items"].as_array().unwrap())
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["vip", "after hours", "agent", "catch-all"]);
    app.get("/api/v1/routing-rules", &a.rep)
        .await
        .error(403, "forbidden");

    let bad_cases = [
        (
            json!({"called_numbers": ["12345"]}),
            json!({"type": "hang_up"}),
            "conditions.called_numbers[0]",
        ),
        // `end_call` is the agent's tool; the rule action that ends a call is `hang_up`.
        (json!({}), json!({"type": "end_call"}), "action.type"),
        (
            json!({"caller_prefixes": ["1415"]}),
            json!({"type": "hang_up"}),
            "conditions.caller_prefixes[0]",
        ),
        (
            json!({"intents": ["Billing!"]}),
            json!({"type": "hang_up"}),
            "conditions.intents[0]",
        ),
        (
            json!({"business_hours": "lunch"}),
            json!({"type": "hang_up"}),
            "conditions.business_hours",
        ),
        (
            json!({"time_ranges": [{"start": "25:00", "end": "26:00"}]}),
            json!({"type": "hang_up"}),
            "conditions.time_ranges[0].start",
        ),
        (
            json!({"time_ranges": [{"start": "09:00", "end": "09:00"}]}),
            json!({"type": "hang_up"}),
            "conditions.time_ranges[0].end",
        ),
        (
            json!({}),
            json!({"type": "agent", "persona_id": pb}),
            "action.persona_id",
        ),
        (
            json!({}),
            json!({"type": "agent", "script_id": "scr_nope"}),
            "action.script_id",
        ),
        (
            json!({}),
            json!({"type": "transfer", "to": "bob"}),
            "action.to",
        ),
    ];
    for (conditions, action, field) in bad_cases {
        let body = json!({"name": "x", "conditions": conditions, "action": action});
        app.call(
            "POST",
            "/api/v1/routing-rules",
            Some(&a.manager),
            Some(body),
        )
        .await
        .invalid(field);
    }
    app.call(
        "POST",
        "/api/v1/routing-rules",
        Some(&a.manager),
        Some(json!({"name": "x", "priority": -1, "action": {"type": "hang_up"}})),
    )
    .await
    .invalid("priority");

    let path = format!("/api/v1/routing-rules/{}", ids[0]);
    let off = app
        .call(
            "PATCH",
            &path,
            Some(&a.manager),
            Some(json!({"enabled": false, "priority": 1})),
        )
        .await
        .ok(200);
    assert_eq!(
        (off["enabled"].as_bool(), off["priority"].as_i64()),
        (Some(false), Some(1))
    );
    assert_eq!(off["action"]["type"], "voicemail");
    for (m, body) in [
        ("GET", None),
        ("PATCH", Some(json!({"enabled": true}))),
        ("DELETE", None),
    ] {
        app.call(m, &path, Some(&b.manager), body)
            .await
            .error(404, "not_found");
    }
    app.call("DELETE", &path, Some(&a.rep), None)
        .await
        .error(403, "forbidden");
    app.call("DELETE", &path, Some(&a.manager), None)
        .await
        .ok(204);
    app.get(&path, &a.manager).await.error(404, "not_found");
}

#[tokio::test]
async fn numbers_are_unique_without_leaking_owners() {
    let app = TestApp::new().await;
    let (a, b) = (app.org("A").await, app.org("B").await);
    let pa = persona(&app, &a).await;
    let pb = persona(&app, &b).await;
    let created = app
        .call(
            "POST",
            "/api/v1/numbers",
            Some(&a.manager),
            Some(
                json!({"e164": "+1 (415) 555-0100", "label": "US sales", "provider": "twilio",
                        "profile": {"persona_id": pa, "routing": "agent"}}),
            ),
        )
        .await
        .ok(201);
    assert_eq!(created["e164"], "+14155550100");
    assert_eq!(
        created["profile"],
        json!({"persona_id": pa, "script_id": null, "routing": "agent"})
    );
    // Taken, here or elsewhere: the same 409 without the owner's identity.
    let mut messages = Vec::new();
    for org in [&a, &b] {
        let r = app
            .call(
                "POST",
                "/api/v1/numbers",
                Some(&org.manager),
                Some(json!({"e164": "+14155550100", "provider": "sip"})),
            )
            .await;
        let v = r.error(409, "conflict");
        assert!(!v.to_string().contains(&a.id), "{v}");
        messages.push(v["error"]["message"].clone());
    }
    assert_eq!(messages[0], messages[1]);
    for (body, field) in [
        (json!({"e164": "4155550100", "provider": "twilio"}), "e164"),
        (json!({"e164": "+0155550100", "provider": "twilio"}), "e164"),
        (json!({"e164": "+1234567", "provider": "twilio"}), "e164"),
        (
            json!({"e164": "+14155550199", "provider": "skype"}),
            "provider",
        ),
        (
            json!({"e164": "+14155550199", "provider": "sip", "profile": {"persona_id": pb}}),
            "profile.persona_id",
        ),
        (
            json!({"e164": "+14155550199", "provider": "sip", "profile": {"routing": "random"}}),
            "profile.routing",
        ),
        (
            json!({"e164": "+14155550199", "provider": "sip", "label": "x\u{7}"}),
            "label",
        ),
    ] {
        app.call("POST", "/api/v1/numbers", Some(&a.manager), Some(body))
            .await
            .invalid(field);
    }
    app.call(
        "POST",
        "/api/v1/numbers",
        Some(&a.rep),
        Some(json!({"e164": "+14155550199", "provider": "sip"})),
    )
    .await
    .error(403, "forbidden");
    let other = app
        .call(
            "POST",
            "/api/v1/numbers",
            Some(&b.manager),
            Some(json!({"e164": "+4930123456", "provider": "sip"})),
        )
        .await
        .ok(201);
    let path = format!("/api/v1/numbers/{}", created["id"].as_str().unwrap());
    app.call(
        "PATCH",
        &path,
        Some(&a.manager),
        Some(json!({"e164": "+49 30 123456"})),
    )
    .await
    .error(409, "conflict");
    let relabelled = app
        .call(
            "PATCH",
            &path,
            Some(&a.manager),
            Some(json!({"label": "Sales"})),
        )
        .await
        .ok(200);
    assert_eq!(
        (relabelled["label"].as_str(), &relabelled["profile"]),
        (Some("Sales"), &created["profile"])
    );
    let list = app.get("/api/v1/numbers", &a.manager).await.ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    app.get("/api/v1/numbers", &a.rep)
        .await
        .error(403, "forbidden");
    let foreign = format!("/api/v1/numbers/{}", other["id"].as_str().unwrap());
    for (m, body) in [
        ("GET", None),
        ("PATCH", Some(json!({"label": "x"}))),
        ("DELETE", None),
    ] {
        app.call(m, &foreign, Some(&a.manager), body)
            .await
            .error(404, "not_found");
    }
    app.call("DELETE", &path, Some(&a.manager), None)
        .await
        .ok(204);
    // Released numbers can be registered again.
    app.call(
        "POST",
        "/api/v1/numbers",
        Some(&b.manager),
        Some(json!({"e164": "+14155550100", "provider": "twilio"})),
    )
    .await
    .ok(201);
}

/// Every content endpoint: 401 without a token, 413 over the JSON limit.
#[tokio::test]
async fn every_endpoint_needs_a_token_and_bounds_bodies() {
    let app = TestApp::with_limits(Limits {
        json_body: 4096,
        ..Limits::default()
    })
    .await;
    let a = app.org("A").await;
    let sid = script(&app, &a).await["id"].as_str().unwrap().to_owned();
    let reads = [
        "/api/v1/personas".to_owned(),
        "/api/v1/scenarios".to_owned(),
        "/api/v1/scripts".to_owned(),
        format!("/api/v1/scripts/{sid}"),
        format!("/api/v1/scripts/{sid}/versions"),
        format!("/api/v1/scripts/{sid}/versions/1"),
        "/api/v1/knowledge".to_owned(),
        "/api/v1/routing-rules".to_owned(),
        "/api/v1/numbers".to_owned(),
    ];
    for p in &reads {
        app.call("GET", p, None, None)
            .await
            .error(401, "unauthorized");
    }
    for p in [
        "/api/v1/personas",
        "/api/v1/scenarios",
        "/api/v1/scripts",
        "/api/v1/knowledge",
        "/api/v1/routing-rules",
        "/api/v1/numbers",
    ] {
        app.call("POST", p, None, Some(json!({})))
            .await
            .error(401, "unauthorized");
        app.call("POST", p, Some(&a.manager), Some(oversized_json(10_000)))
            .await
            .error(413, "payload_too_large");
    }
    app.call(
        "PATCH",
        &format!("/api/v1/scripts/{sid}"),
        Some(&a.manager),
        Some(oversized_json(10_000)),
    )
    .await
    .error(413, "payload_too_large");
}
