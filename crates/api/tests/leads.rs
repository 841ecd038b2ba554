//! Leads over HTTP, with the CSV import and its row-by-row report: happy paths and every
//! failure mode (401, 403, 404 across organizations, 422 naming the field, 413, 415).
#![allow(clippy::unwrap_used)]

mod common;

use callbridge_api::Limits;
use common::TestApp;
use common::campaigns::{campaign, csv};
use serde_json::{Value, json};

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
