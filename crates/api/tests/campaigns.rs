//! Campaigns, leads (with CSV import) and the DNC list over HTTP: happy paths and every
//! failure mode (401, 403, 404 across organizations, 422 naming the field, 409, 413, 415).

#![allow(clippy::unwrap_used)]

mod common;

use callbridge_api::Limits;
use common::{Org, TestApp, oversized_json};
use serde_json::{Value, json};

fn settings() -> Value {
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
async fn script(app: &TestApp, org: &str) -> String {
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

async fn campaign(app: &TestApp, org: &Org) -> String {
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

async fn csv(app: &TestApp, path: &str, token: &str, body: &[u8]) -> common::Resp {
    app.raw("POST", path, Some(token), Some(("text/csv", body.to_vec())))
        .await
}

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

#[tokio::test]
async fn leads_crud_and_failures() {
    let app = TestApp::new().await;
    let a = app.org("A").await;
    let b = app.org("B").await;
    let id = campaign(&app, &a).await;
    let leads = format!("/api/v1/campaigns/{id}/leads");
    let body = json!({"phone": "415.555.0134", "name": "Pat", "email": "Pat@Acme.io",
        "fields": {"deal": "big"}});
    app.call("POST", &leads, None, Some(body.clone()))
        .await
        .error(401, "unauthorized");
    app.call("POST", &leads, Some(&a.rep), Some(body.clone()))
        .await
        .error(403, "forbidden");
    app.call("POST", &leads, Some(&b.manager), Some(body.clone()))
        .await
        .error(404, "not_found");
    let l = app
        .call("POST", &leads, Some(&a.manager), Some(body.clone()))
        .await
        .ok(201);
    assert_eq!(l["phone"], "+14155550134");
    assert_eq!(l["email"], "pat@acme.io");
    assert_eq!(
        (l["time_zone"].clone(), l["time_zone_source"].clone()),
        (json!("America/Los_Angeles"), json!("number"))
    );
    assert_eq!(l["status"], "pending");
    assert_eq!(l["fields"], json!({"deal": "big"}));
    app.call(
        "POST",
        &leads,
        Some(&a.manager),
        Some(json!({"phone": "+1 415 555 0134"})),
    )
    .await
    .error(409, "conflict");
    for (body, field) in [
        (json!({"phone": "1-800-FLOWERS"}), "phone"),
        (json!({"phone": "555-0134"}), "phone"),
        (json!({"name": "x"}), "phone"),
        (
            json!({"phone": "+12125550100", "time_zone": "Mars/Base"}),
            "time_zone",
        ),
        (json!({"phone": "+12125550100", "email": "nope"}), "email"),
        (
            json!({"phone": "+12125550100", "fields": {"n": 1}}),
            "fields.n",
        ),
        (json!({"phone": "+12125550100", "extra": 1}), "extra"),
    ] {
        app.call("POST", &leads, Some(&a.manager), Some(body))
            .await
            .invalid(field);
    }
    // A given zone wins; a number without zone data gets the organization's.
    let given = app
        .call(
            "POST",
            &leads,
            Some(&a.manager),
            Some(json!({"phone": "+12125550100", "time_zone": "America/Chicago"})),
        )
        .await
        .ok(201);
    assert_eq!(
        (
            given["time_zone"].clone(),
            given["time_zone_source"].clone()
        ),
        (json!("America/Chicago"), json!("row"))
    );
    let org_zone = app
        .call(
            "POST",
            &leads,
            Some(&a.manager),
            Some(json!({"phone": "+800 1234 5678"})),
        )
        .await
        .ok(201);
    assert_eq!(
        (
            org_zone["time_zone"].clone(),
            org_zone["time_zone_source"].clone()
        ),
        (json!("UTC"), json!("org"))
    );

    let lead_path = format!("{leads}/{}", l["id"].as_str().unwrap());
    assert_eq!(app.get(&lead_path, &a.manager).await.ok(200), l);
    app.get(&lead_path, &b.manager)
        .await
        .error(404, "not_found");
    app.get(&lead_path, &a.rep).await.error(403, "forbidden");
    app.get(&format!("{leads}/lead_junk"), &a.manager)
        .await
        .error(404, "not_found");
    let u = app
        .call(
            "PATCH",
            &lead_path,
            Some(&a.manager),
            Some(json!({"status": "done", "time_zone": "America/Denver", "company": "Acme"})),
        )
        .await
        .ok(200);
    assert_eq!(
        (
            u["status"].clone(),
            u["time_zone_source"].clone(),
            u["company"].clone()
        ),
        (json!("done"), json!("row"), json!("Acme"))
    );
    app.call(
        "PATCH",
        &lead_path,
        Some(&a.manager),
        Some(json!({"status": "dnc"})),
    )
    .await
    .invalid("status");
    app.call(
        "PATCH",
        &lead_path,
        Some(&a.manager),
        Some(json!({"status": "asleep"})),
    )
    .await
    .invalid("status");
    app.call(
        "PATCH",
        &lead_path,
        Some(&b.manager),
        Some(json!({"name": "x"})),
    )
    .await
    .error(404, "not_found");

    let done = app
        .get(&format!("{leads}?status=done"), &a.manager)
        .await
        .ok(200);
    assert_eq!(done["items"].as_array().unwrap().len(), 1);
    let all = app
        .get(&format!("{leads}?limit=2"), &a.manager)
        .await
        .ok(200);
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    assert!(all["next_cursor"].is_string());
    app.get(&format!("{leads}?cursor=bad"), &a.manager)
        .await
        .invalid("cursor");
    app.get(&leads, &b.manager).await.error(404, "not_found");

    app.call("DELETE", &lead_path, Some(&b.manager), None)
        .await
        .error(404, "not_found");
    app.call("DELETE", &lead_path, Some(&a.manager), None)
        .await
        .ok(204);
    app.call("DELETE", &lead_path, Some(&a.manager), None)
        .await
        .error(404, "not_found");
}

#[tokio::test]
async fn dnc_endpoints() {
    let app = TestApp::new().await;
    let a = app.org("A").await;
    let b = app.org("B").await;
    let id = campaign(&app, &a).await;
    let leads = format!("/api/v1/campaigns/{id}/leads");
    let lead = app
        .call(
            "POST",
            &leads,
            Some(&a.manager),
            Some(json!({"phone": "4155550134"})),
        )
        .await
        .ok(201);
    let body = json!({"phone": "(415) 555-0134", "reason": "asked"});
    app.call("POST", "/api/v1/dnc", None, Some(body.clone()))
        .await
        .error(401, "unauthorized");
    app.call("POST", "/api/v1/dnc", Some(&a.rep), Some(body.clone()))
        .await
        .error(403, "forbidden");
    let r = app
        .call("POST", "/api/v1/dnc", Some(&a.manager), Some(body.clone()))
        .await
        .ok(201);
    assert_eq!(r["entry"]["phone"], "+14155550134");
    assert_eq!(
        (r["created"].clone(), r["leads_marked"].clone()),
        (json!(true), json!(1))
    );
    let again = app
        .call(
            "POST",
            "/api/v1/dnc",
            Some(&a.manager),
            Some(json!({"phone": "+14155550134", "reason": "other"})),
        )
        .await
        .ok(200);
    assert_eq!(again["entry"], r["entry"]);
    assert_eq!(again["created"], false);
    let lead_path = format!("{leads}/{}", lead["id"].as_str().unwrap());
    assert_eq!(
        app.get(&lead_path, &a.manager).await.ok(200)["status"],
        "dnc"
    );
    app.call(
        "POST",
        &leads,
        Some(&a.manager),
        Some(json!({"phone": "+14155550134"})),
    )
    .await
    .error(409, "conflict");
    app.call(
        "PATCH",
        &lead_path,
        Some(&a.manager),
        Some(json!({"status": "pending"})),
    )
    .await
    .error(409, "conflict");
    for (body, field) in [
        (json!({"phone": "abc"}), "phone"),
        (json!({"reason": "x"}), "phone"),
        (json!({"phone": "+14155550199", "why": "x"}), "why"),
        (
            json!({"phone": "+14155550199", "reason": "x".repeat(501)}),
            "reason",
        ),
    ] {
        app.call("POST", "/api/v1/dnc", Some(&a.manager), Some(body))
            .await
            .invalid(field);
    }

    let check = app
        .get(
            "/api/v1/dnc/check?phone=%2B1%20415%20555%200134",
            &a.manager,
        )
        .await
        .ok(200);
    assert_eq!(
        (check["listed"].clone(), check["reason"].clone()),
        (json!(true), json!("asked"))
    );
    assert!(check["added_at"].is_i64());
    let other = app
        .get("/api/v1/dnc/check?phone=4155550134", &b.manager)
        .await
        .ok(200);
    assert_eq!(
        (
            other["phone_e164"].clone(),
            other["listed"].clone(),
            other["reason"].clone()
        ),
        (json!("+14155550134"), json!(false), Value::Null)
    );
    app.get("/api/v1/dnc/check", &a.manager)
        .await
        .invalid("phone");
    app.get("/api/v1/dnc/check?phone=12", &a.manager)
        .await
        .invalid("phone");
    app.get("/api/v1/dnc/check?phone=4155550134", &a.rep)
        .await
        .error(403, "forbidden");

    for p in ["+442079460958", "+33123456789"] {
        app.call(
            "POST",
            "/api/v1/dnc",
            Some(&a.manager),
            Some(json!({"phone": p})),
        )
        .await
        .ok(201);
    }
    let page = app.get("/api/v1/dnc?limit=2", &a.manager).await.ok(200);
    let phones: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["phone"].as_str().unwrap())
        .collect();
    assert_eq!(phones, ["+14155550134", "+33123456789"]);
    let cursor = page["next_cursor"].as_str().unwrap().replace('+', "%2B");
    let page = app
        .get(&format!("/api/v1/dnc?limit=2&cursor={cursor}"), &a.manager)
        .await
        .ok(200);
    assert_eq!(page["items"][0]["phone"], "+442079460958");
    assert!(page["next_cursor"].is_null());
    app.get("/api/v1/dnc?cursor=lead_x", &a.manager)
        .await
        .invalid("cursor");
    assert!(
        app.get("/api/v1/dnc", &b.manager).await.ok(200)["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    app.call(
        "DELETE",
        "/api/v1/dnc/%2B14155550134",
        Some(&b.manager),
        None,
    )
    .await
    .error(404, "not_found");
    app.call("DELETE", "/api/v1/dnc/%2B14155550134", Some(&a.rep), None)
        .await
        .error(403, "forbidden");
    app.call(
        "DELETE",
        "/api/v1/dnc/%2B14155550134",
        Some(&a.manager),
        None,
    )
    .await
    .ok(204);
    app.call(
        "DELETE",
        "/api/v1/dnc/%2B14155550134",
        Some(&a.manager),
        None,
    )
    .await
    .error(404, "not_found");
    app.call("DELETE", "/api/v1/dnc/nonsense", Some(&a.manager), None)
        .await
        .invalid("phone");
    // Unlisted: the lead may be re-queued by hand.
    app.call(
        "PATCH",
        &lead_path,
        Some(&a.manager),
        Some(json!({"status": "pending"})),
    )
    .await
    .ok(200);
}

#[tokio::test]
async fn lead_import_report() {
    let app = TestApp::new().await;
    let a = app.org("A").await;
    app.call(
        "PATCH",
        "/api/v1/settings",
        Some(&a.admin),
        Some(json!({"time_zone": "America/Denver"})),
    )
    .await
    .ok(200);
    let id = campaign(&app, &a).await;
    let leads = format!("/api/v1/campaigns/{id}/leads");
    app.call(
        "POST",
        &leads,
        Some(&a.manager),
        Some(json!({"phone": "+13125550100"})),
    )
    .await
    .ok(201);
    app.call(
        "POST",
        "/api/v1/dnc",
        Some(&a.manager),
        Some(json!({"phone": "+13125550199"})),
    )
    .await
    .ok(201);
    let file = "\u{feff}Name,PHONE,Email,time_zone,Deal Size,\r\n\
        \"Doe, Jane\",(212) 555-0100,jane@x.io,,\"10,000\",\r\n\
        Sam,+1 208 555 0100,,,,\r\n\
        Kim,+44 (0)20 7946 0958,,Europe/Paris,,\r\n\
        Dup,212.555.0100,,,,\r\n\
        Old,312-555-0100,,,,\r\n\
        Listed,312-555-0199,,,,\r\n\
        Bad,555-0134,nope,Mars/Base,,\r\n\
        Short,+14155550134\r\n\
        \"Multi\nLine\",+1 808 555 0100,,,,\r\n";
    let path = format!("{leads}/import");
    let dry = csv(
        &app,
        &format!("{path}?dry_run=true"),
        &a.manager,
        file.as_bytes(),
    )
    .await
    .ok(200);
    assert_eq!(dry["dry_run"], true);
    let r = csv(&app, &path, &a.manager, file.as_bytes()).await.ok(200);
    for report in [&dry, &r] {
        assert_eq!(
            (
                &report["rows_total"],
                &report["imported"],
                &report["rejected"],
                &report["duplicates"],
                &report["dnc"]
            ),
            (&json!(9), &json!(4), &json!(2), &json!(2), &json!(1)),
            "{report}"
        );
        assert_eq!(report["rows_truncated"], false);
        assert_eq!(report["rows"].as_array().unwrap().len(), 9);
    }
    let rows = r["rows"].as_array().unwrap();
    let row = |line: u64| rows.iter().find(|x| x["row"] == line).unwrap().clone();
    let jane = row(2);
    assert_eq!(
        (
            jane["status"].clone(),
            jane["phone_e164"].clone(),
            jane["time_zone"].clone(),
            jane["time_zone_source"].clone()
        ),
        (
            json!("imported"),
            json!("+12125550100"),
            json!("America/New_York"),
            json!("number")
        )
    );
    // Idaho spans zones; the organization's is one of them.
    let sam = row(3);
    assert_eq!(
        (sam["time_zone"].clone(), sam["time_zone_source"].clone()),
        (json!("America/Denver"), json!("number"))
    );
    assert!(sam["note"].as_str().unwrap().contains("America/Boise"));
    let kim = row(4);
    assert_eq!(
        (
            kim["phone_e164"].clone(),
            kim["time_zone"].clone(),
            kim["time_zone_source"].clone()
        ),
        (json!("+442079460958"), json!("Europe/Paris"), json!("row"))
    );
    assert_eq!(row(5)["status"], "duplicate");
    assert!(
        row(5)["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("line 2")
    );
    assert_eq!(row(5)["errors"][0]["column"], "PHONE");
    assert_eq!(row(6)["status"], "duplicate");
    assert_eq!(row(7)["status"], "dnc");
    let bad = row(8);
    assert_eq!(bad["status"], "rejected");
    let cols: Vec<&str> = bad["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["column"].as_str().unwrap())
        .collect();
    assert_eq!(cols, ["PHONE", "Email", "time_zone"]);
    let short = row(9);
    assert_eq!(
        (
            short["status"].clone(),
            short["errors"][0]["column"].clone()
        ),
        (json!("rejected"), Value::Null)
    );
    assert_eq!(row(10)["time_zone"], "Pacific/Honolulu");

    // The dry run wrote nothing; the import wrote the four rows, extra columns in `fields`.
    let list = app
        .get(&format!("{leads}?limit=200"), &a.manager)
        .await
        .ok(200);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    let jane = items.iter().find(|l| l["phone"] == "+12125550100").unwrap();
    assert_eq!(jane["name"], "Doe, Jane");
    assert_eq!(jane["fields"], json!({"Deal Size": "10,000"}));
    assert_eq!(
        items.iter().find(|l| l["phone"] == "+18085550100").unwrap()["name"],
        "Multi\nLine"
    );
    // Re-importing the same file: every valid number is now a duplicate.
    let again = csv(&app, &path, &a.manager, file.as_bytes()).await.ok(200);
    assert_eq!(
        (again["imported"].clone(), again["duplicates"].clone()),
        (json!(0), json!(6))
    );
    // Header only: nothing to do.
    let empty = csv(&app, &path, &a.manager, b"phone\n").await.ok(200);
    assert_eq!(empty["rows_total"], 0);
}

#[tokio::test]
async fn import_failures() {
    let app = TestApp::with_limits(Limits {
        upload_body: 4096,
        ..Limits::default()
    })
    .await;
    let a = app.org("A").await;
    let b = app.org("B").await;
    let id = campaign(&app, &a).await;
    for path in [
        format!("/api/v1/campaigns/{id}/leads/import"),
        "/api/v1/dnc/import".to_owned(),
    ] {
        let ok = b"phone\n+14155550134\n";
        app.raw("POST", &path, None, Some(("text/csv", ok.to_vec())))
            .await
            .error(401, "unauthorized");
        csv(&app, &path, &a.rep, ok).await.error(403, "forbidden");
        app.raw(
            "POST",
            &path,
            Some(&a.manager),
            Some(("application/json", b"{}".to_vec())),
        )
        .await
        .error(415, "unsupported_media_type");
        let big = format!("phone\n{}", "+14155550134\n".repeat(400));
        let e = csv(&app, &path, &a.manager, big.as_bytes())
            .await
            .error(413, "payload_too_large");
        assert!(
            e["error"]["message"].as_str().unwrap().contains("4096"),
            "{e}"
        );
        csv(&app, &path, &a.manager, b"phone\n\xff\xfe\n")
            .await
            .invalid("body");
        csv(&app, &path, &a.manager, b"").await.invalid("body");
        csv(&app, &path, &a.manager, b"name,email\nPat,p@x.io\n")
            .await
            .invalid("body");
        csv(&app, &path, &a.manager, b"phone,Phone\n1,2\n")
            .await
            .invalid("body");
        app.raw(
            "POST",
            &format!("{path}?dry_run=maybe"),
            Some(&a.manager),
            Some(("text/csv", ok.to_vec())),
        )
        .await
        .invalid("dry_run");
        app.raw(
            "POST",
            &format!("{path}?force=1"),
            Some(&a.manager),
            Some(("text/csv", ok.to_vec())),
        )
        .await
        .invalid("force");
    }
    let path = format!("/api/v1/campaigns/{id}/leads/import");
    csv(&app, &path, &b.manager, b"phone\n+14155550134\n")
        .await
        .error(404, "not_found");
    csv(
        &app,
        "/api/v1/campaigns/cmp_zz/leads/import",
        &a.manager,
        b"phone\n1\n",
    )
    .await
    .error(404, "not_found");
}

#[tokio::test]
async fn dnc_import_report() {
    let app = TestApp::new().await;
    let a = app.org("A").await;
    let b = app.org("B").await;
    let id = campaign(&app, &a).await;
    let leads = format!("/api/v1/campaigns/{id}/leads");
    let lead = app
        .call(
            "POST",
            &leads,
            Some(&a.manager),
            Some(json!({"phone": "+12125550100"})),
        )
        .await
        .ok(201);
    app.call(
        "POST",
        "/api/v1/dnc",
        Some(&a.manager),
        Some(json!({"phone": "+13125550100"})),
    )
    .await
    .ok(201);
    let file = "mobile,Reason\r\n212-555-0100,complaint\r\n312 555 0100,\r\n(212) 555-0100,again\r\nxyz,\r\n+44 20 7946 0958\r\n";
    let dry = csv(
        &app,
        "/api/v1/dnc/import?dry_run=true",
        &a.manager,
        file.as_bytes(),
    )
    .await
    .ok(200);
    assert_eq!(dry["leads_marked"], Value::Null);
    let r = csv(&app, "/api/v1/dnc/import", &a.manager, file.as_bytes())
        .await
        .ok(200);
    for rep in [&dry, &r] {
        assert_eq!(
            (
                &rep["rows_total"],
                &rep["imported"],
                &rep["already_listed"],
                &rep["duplicates"],
                &rep["rejected"]
            ),
            (&json!(5), &json!(1), &json!(1), &json!(1), &json!(2)),
            "{rep}"
        );
    }
    assert_eq!(r["leads_marked"], 1);
    let statuses: Vec<&str> = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "imported",
            "already_listed",
            "duplicate",
            "rejected",
            "rejected"
        ]
    );
    assert_eq!(
        r["rows"][4]["errors"][0]["column"],
        Value::Null,
        "ragged row"
    );
    let lead_path = format!("{leads}/{}", lead["id"].as_str().unwrap());
    assert_eq!(
        app.get(&lead_path, &a.manager).await.ok(200)["status"],
        "dnc"
    );
    let check = app
        .get("/api/v1/dnc/check?phone=2125550100", &a.manager)
        .await
        .ok(200);
    assert_eq!(
        (check["listed"].clone(), check["reason"].clone()),
        (json!(true), json!("complaint"))
    );
    let other = app
        .get("/api/v1/dnc/check?phone=2125550100", &b.manager)
        .await
        .ok(200);
    assert_eq!(other["listed"], false);
}

#[tokio::test]
async fn import_of_100k_rows_streams() {
    let app = TestApp::new().await;
    let a = app.org("A").await;
    let id = campaign(&app, &a).await;
    let mut file = String::from("phone,name,region\n");
    for i in 0..100_000u32 {
        file.push_str(&format!("+1 212 {:07},Lead {i},east\n", 2_000_000 + i));
    }
    file.push_str("not a number,Bad,east\n");
    let r = csv(
        &app,
        &format!("/api/v1/campaigns/{id}/leads/import"),
        &a.manager,
        file.as_bytes(),
    )
    .await
    .ok(200);
    assert_eq!(
        (
            r["rows_total"].clone(),
            r["imported"].clone(),
            r["rejected"].clone()
        ),
        (json!(100_001), json!(100_000), json!(1))
    );
    // Imported rows are listed among the first 1000 rows only; the problem row still is.
    let rows = r["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1001);
    assert_eq!(r["rows_truncated"], true);
    assert_eq!(rows[1000]["status"], "rejected");
    let last = app
        .get(
            &format!("/api/v1/campaigns/{id}/leads?status=pending&limit=1"),
            &a.manager,
        )
        .await
        .ok(200);
    assert_eq!(last["items"][0]["phone"], "+12122000000");
}

#[tokio::test]
async fn openapi_documents_the_csv_uploads() {
    let app = TestApp::new().await;
    let doc = app.call("GET", "/openapi.json", None, None).await.ok(200);
    for path in ["/api/v1/campaigns/{id}/leads/import", "/api/v1/dnc/import"] {
        let op = &doc["paths"][path]["post"];
        assert!(
            op["requestBody"]["content"]["text/csv"].is_object(),
            "{path}: {op}"
        );
        assert!(op["responses"]["200"].is_object());
        assert!(op["responses"]["413"].is_object());
    }
    for path in [
        "/api/v1/campaigns",
        "/api/v1/campaigns/{id}/start",
        "/api/v1/campaigns/{id}/leads/{lead_id}",
        "/api/v1/dnc/check",
        "/api/v1/dnc/{phone}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
}
