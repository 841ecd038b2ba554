//! The do-not-call list over HTTP: add, remove, check and CSV import with its report.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use common::campaigns::{campaign, csv};
use serde_json::{Value, json};

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
