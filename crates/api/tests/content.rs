//! Routing rules and phone numbers over HTTP, and the rules every content endpoint shares
//! (401 without a token, 413 over the body limit). Personas and scenarios are in
//! `content_personas.rs`, scripts in `content_scripts.rs`, knowledge in `content_knowledge.rs`.
#![allow(clippy::unwrap_used)]

mod common;

use callbridge_api::Limits;
use common::content::{persona, script};
use common::{TestApp, oversized_json};
use serde_json::{Value, json};

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
