//! Campaigns over HTTP: CRUD, status actions and every failure mode (401, 403, 404 across
//! organizations, 422 naming the field, 409, 413). Leads are in `leads.rs`, the DNC list in
//! `dnc.rs`.
#![allow(clippy::unwrap_used)]

mod common;

use callbridge_api::Limits;
use common::campaigns::{campaign, script, settings};
use common::{TestApp, oversized_json};
use serde_json::{Value, json};

#[tokio::test]
async fn campaign_crud_and_failures() {
    let app = TestApp::new().await;
    let a = app.org("A").await;
    let b = app.org("B").await;
    let scr = script(&app, &a.id).await;
    let body = json!({"name": " Q1 outreach ", "script_id": scr, "settings": settings()});
    app.call("POST", "/api/v1/campaigns", None, Some(body.clone()))
        .await
        .error(401, "unauthorized");
    app.call(
        "POST",
        "/api/v1/campaigns",
        Some(&a.rep),
        Some(body.clone()),
    )
    .await
    .error(403, "forbidden");
    let c = app
        .call("POST", "/api/v1/campaigns", Some(&a.manager), Some(body))
        .await
        .ok(201);
    assert_eq!(c["name"], "Q1 outreach");
    assert_eq!(c["status"], "draft");
    assert_eq!(c["settings"]["caller_id"], "+14155550100", "normalized");
    assert_eq!(
        c["settings"]["calling_window"]["days"],
        json!(["mon", "fri"])
    );
    assert_eq!(c["settings"]["time_zone_policy"], "lead");
    assert_eq!(c["settings"]["voicemail"]["action"], "hang_up");
    let id = c["id"].as_str().unwrap();
    let path = format!("/api/v1/campaigns/{id}");
    assert_eq!(app.get(&path, &a.admin).await.ok(200), c);
    app.get(&path, &a.rep).await.error(403, "forbidden");
    app.get(&path, &b.manager).await.error(404, "not_found");
    app.get("/api/v1/campaigns/cmp_junk", &a.manager)
        .await
        .error(404, "not_found");

    // Field validation names the field.
    let bad = |f: &dyn Fn(&mut Value)| {
        let mut b = json!({"name": "X", "settings": settings()});
        f(&mut b);
        b
    };
    let cases: Vec<(Value, &str)> = vec![
        (bad(&|b| b["name"] = json!("  ")), "name"),
        (
            bad(&|b| b["settings"]["ai_disclosure"] = json!(" ")),
            "settings.ai_disclosure",
        ),
        (
            bad(&|b| b["settings"]["caller_id"] = json!("call me")),
            "settings.caller_id",
        ),
        (
            bad(&|b| b["settings"]["calling_window"]["start"] = json!("9am")),
            "settings.calling_window.start",
        ),
        (
            bad(&|b| b["settings"]["calling_window"]["end"] = json!("08:00")),
            "settings.calling_window.end",
        ),
        (
            bad(&|b| b["settings"]["calling_window"]["days"] = json!([])),
            "settings.calling_window.days",
        ),
        (
            bad(&|b| b["settings"]["calling_window"]["days"] = json!(["someday"])),
            "settings.calling_window.days[0]",
        ),
        (
            bad(&|b| b["settings"]["max_attempts"] = json!(0)),
            "settings.max_attempts",
        ),
        (
            bad(&|b| b["settings"]["pacing"]["max_concurrent"] = json!(100000)),
            "settings.pacing.max_concurrent",
        ),
        (
            bad(&|b| b["settings"]["voicemail"] = json!({"action": "leave_message"})),
            "settings.voicemail.message",
        ),
        (
            bad(&|b| b["settings"]["time_zone_policy"] = json!("mars")),
            "settings.time_zone_policy",
        ),
        (
            bad(&|b| b["settings"]["surprise"] = json!(1)),
            "settings.surprise",
        ),
        (
            bad(&|b| {
                b.as_object_mut().unwrap().remove("settings");
            }),
            "settings",
        ),
        (bad(&|b| b["script_id"] = json!("scr_nope")), "script_id"),
    ];
    for (body, field) in cases {
        app.call("POST", "/api/v1/campaigns", Some(&a.manager), Some(body))
            .await
            .invalid(field);
    }
    // Another organization's script does not exist here.
    let foreign = script(&app, &b.id).await;
    app.call(
        "PATCH",
        &path,
        Some(&a.manager),
        Some(json!({"script_id": foreign})),
    )
    .await
    .invalid("script_id");

    let u = app
        .call(
            "PATCH",
            &path,
            Some(&a.manager),
            Some(json!({"name": "Renamed", "script_id": null})),
        )
        .await
        .ok(200);
    assert_eq!(
        (u["name"].clone(), u["script_id"].clone()),
        (json!("Renamed"), Value::Null)
    );
    assert_eq!(u["settings"], c["settings"], "absent settings stay");
    app.call("PATCH", &path, Some(&b.manager), Some(json!({"name": "x"})))
        .await
        .error(404, "not_found");
    app.call("PATCH", &path, Some(&a.manager), Some(json!({"nme": "x"})))
        .await
        .invalid("nme");

    // Listing with a status filter, paginated.
    let c2 = campaign(&app, &a).await;
    let list = app
        .get("/api/v1/campaigns?limit=1", &a.manager)
        .await
        .ok(200);
    assert_eq!(list["items"][0]["id"], id);
    let next = list["next_cursor"].as_str().unwrap();
    let list = app
        .get(
            &format!("/api/v1/campaigns?limit=1&cursor={next}"),
            &a.manager,
        )
        .await
        .ok(200);
    assert_eq!(list["items"][0]["id"], c2.as_str());
    let drafts = app
        .get("/api/v1/campaigns?status=draft", &a.manager)
        .await
        .ok(200);
    assert_eq!(drafts["items"].as_array().unwrap().len(), 2);
    let running = app
        .get("/api/v1/campaigns?status=running", &a.manager)
        .await
        .ok(200);
    assert!(running["items"].as_array().unwrap().is_empty());
    app.get("/api/v1/campaigns?status=nope", &a.manager)
        .await
        .invalid("status");
    app.get("/api/v1/campaigns?sort=x", &a.manager)
        .await
        .invalid("sort");
    assert!(
        app.get("/api/v1/campaigns", &b.manager).await.ok(200)["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    app.call("DELETE", &path, Some(&b.manager), None)
        .await
        .error(404, "not_found");
    app.call("DELETE", &path, Some(&a.rep), None)
        .await
        .error(403, "forbidden");
    app.call("DELETE", &path, Some(&a.manager), None)
        .await
        .ok(204);
    app.get(&path, &a.manager).await.error(404, "not_found");
}

#[tokio::test]
async fn oversized_json_is_413() {
    let app = TestApp::with_limits(Limits {
        json_body: 2048,
        ..Limits::default()
    })
    .await;
    let a = app.org("A").await;
    for path in ["/api/v1/campaigns", "/api/v1/dnc"] {
        app.call("POST", path, Some(&a.manager), Some(oversized_json(4096)))
            .await
            .error(413, "payload_too_large");
    }
    let id = campaign(&app, &a).await;
    let r = app
        .call(
            "POST",
            &format!("/api/v1/campaigns/{id}/leads"),
            Some(&a.manager),
            Some(oversized_json(4096)),
        )
        .await;
    r.error(413, "payload_too_large");
    app.call(
        "PATCH",
        &format!("/api/v1/campaigns/{id}"),
        Some(&a.manager),
        Some(oversized_json(4096)),
    )
    .await
    .error(413, "payload_too_large");
}

#[tokio::test]
async fn status_actions() {
    let app = TestApp::new().await;
    let a = app.org("A").await;
    let b = app.org("B").await;
    let id = campaign(&app, &a).await;
    let act = |action: &str, token: &str| {
        let path = format!("/api/v1/campaigns/{id}/{action}");
        let token = token.to_owned();
        let app = &app;
        async move { app.call("POST", &path, Some(&token), None).await }
    };
    let e = act("start", &a.manager).await.error(409, "conflict");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("script_id")
    );
    let scr = script(&app, &a.id).await;
    app.call(
        "PATCH",
        &format!("/api/v1/campaigns/{id}"),
        Some(&a.manager),
        Some(json!({"script_id": scr})),
    )
    .await
    .ok(200);
    act("start", &a.rep).await.error(403, "forbidden");
    act("start", &b.manager).await.error(404, "not_found");
    act("start", "cb_nope").await.error(401, "unauthorized");
    act("pause", &a.manager).await.error(409, "conflict");
    act("resume", &a.manager).await.error(409, "conflict");
    act("complete", &a.manager).await.error(409, "conflict");
    assert_eq!(act("start", &a.manager).await.ok(200)["status"], "running");
    act("start", &a.manager).await.error(409, "conflict");
    app.call(
        "DELETE",
        &format!("/api/v1/campaigns/{id}"),
        Some(&a.manager),
        None,
    )
    .await
    .error(409, "conflict");
    assert_eq!(act("pause", &a.manager).await.ok(200)["status"], "paused");
    act("start", &a.manager).await.error(409, "conflict");
    assert_eq!(act("resume", &a.manager).await.ok(200)["status"], "running");
    assert_eq!(
        act("complete", &a.manager).await.ok(200)["status"],
        "completed"
    );
    for action in ["start", "pause", "resume", "complete"] {
        act(action, &a.manager).await.error(409, "conflict");
    }
    app.call(
        "PATCH",
        &format!("/api/v1/campaigns/{id}"),
        Some(&a.manager),
        Some(json!({"name": "late"})),
    )
    .await
    .error(409, "conflict");
    app.call(
        "POST",
        "/api/v1/campaigns/cmp_x/start",
        Some(&a.manager),
        None,
    )
    .await
    .error(404, "not_found");
    app.call(
        "DELETE",
        &format!("/api/v1/campaigns/{id}"),
        Some(&a.manager),
        None,
    )
    .await
    .ok(204);
}
