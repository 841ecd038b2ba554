//! Organizations, users, tokens, settings and provider keys over HTTP: the happy paths and
//! every failure mode (401, 403, 404 across organizations, 422 naming the field, 413).

#![allow(clippy::unwrap_used)]

mod common;

use callbridge_api::Limits;
use common::{TestApp, oversized_json};
use serde_json::json;

#[tokio::test]
async fn health_readiness_and_openapi() {
    let app = TestApp::new().await;
    let r = app.call("GET", "/healthz", None, None).await;
    assert_eq!(r.ok(200)["status"], "ok");
    assert_eq!(app.call("GET", "/readyz", None, None).await.status, 200);
    let doc = app.call("GET", "/openapi.json", None, None).await.ok(200);
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(
        doc["paths"]["/api/v1/users"]["get"]["responses"]["401"].is_object(),
        "{doc}"
    );
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    // Unknown routes and methods answer with the JSON error shape.
    app.call("GET", "/api/v1/nope", Some(&app.root), None)
        .await
        .error(404, "not_found");
    app.call("PUT", "/api/v1/users/me", Some(&app.root), None)
        .await
        .error(405, "method_not_allowed");
}

#[tokio::test]
async fn authentication_failures_are_401() {
    let app = TestApp::new().await;
    app.call("GET", "/api/v1/users/me", None, None)
        .await
        .error(401, "unauthorized");
    app.call("GET", "/api/v1/users/me", Some("cb_wrong"), None)
        .await
        .error(401, "unauthorized");
    let r = app
        .raw_with_headers(
            "GET",
            "/api/v1/users/me",
            None,
            None,
            &[("authorization", "Basic YTpi")],
        )
        .await;
    r.error(401, "unauthorized");
    assert_eq!(
        app.get("/api/v1/users/me", &app.root).await.ok(200)["role"],
        "admin"
    );
}

#[tokio::test]
async fn organizations_are_for_platform_admins() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let r = app
        .call(
            "POST",
            "/api/v1/organizations",
            Some(&app.root),
            Some(json!({"name": "Globex", "admin_email": "boss@globex.io", "admin_name": "Boss"})),
        )
        .await
        .ok(201);
    let new_org = r["organization"]["id"].as_str().unwrap().to_owned();
    let token = r["admin_token"].as_str().unwrap().to_owned();
    // The new admin works in the new org only.
    assert_eq!(
        app.get("/api/v1/users/me", &token).await.ok(200)["org_id"],
        new_org.as_str()
    );
    // An org admin is not a platform admin.
    app.get("/api/v1/organizations", &org.admin)
        .await
        .error(403, "forbidden");
    app.call(
        "POST",
        "/api/v1/organizations",
        Some(&app.root),
        Some(json!({"name": "", "admin_email": "a@b.io", "admin_name": "x"})),
    )
    .await
    .invalid("name");
    app.call(
        "POST",
        "/api/v1/organizations",
        Some(&app.root),
        Some(json!({"name": "X", "admin_email": "nope", "admin_name": "x"})),
    )
    .await
    .invalid("admin_email");
    app.call(
        "POST",
        "/api/v1/organizations",
        Some(&app.root),
        Some(json!({"name": 5, "admin_email": "a@b.io", "admin_name": "x"})),
    )
    .await
    .invalid("name");
    let list = app
        .get("/api/v1/organizations?limit=1", &app.root)
        .await
        .ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(list["next_cursor"].is_string());
    app.get("/api/v1/organizations?limit=0", &app.root)
        .await
        .invalid("limit");
    app.get("/api/v1/organizations?limit=abc", &app.root)
        .await
        .invalid("limit");
    app.get("/api/v1/organizations?cursor=zzz", &app.root)
        .await
        .invalid("cursor");
    app.call(
        "PATCH",
        &format!("/api/v1/organizations/{new_org}"),
        Some(&app.root),
        Some(json!({"name": "Globex Inc"})),
    )
    .await
    .ok(200);
    app.call(
        "DELETE",
        &format!("/api/v1/organizations/{new_org}"),
        Some(&app.root),
        None,
    )
    .await
    .ok(204);
    app.get(&format!("/api/v1/organizations/{new_org}"), &app.root)
        .await
        .error(404, "not_found");
    app.get("/api/v1/users/me", &token)
        .await
        .error(401, "unauthorized");
}

#[tokio::test]
async fn users_crud_roles_and_isolation() {
    let app = TestApp::new().await;
    let a = app.org("A").await;
    let b = app.org("B").await;
    let created = app
        .call(
            "POST",
            "/api/v1/users",
            Some(&a.admin),
            Some(json!({"email": "New@A.io", "name": "New", "role": "rep"})),
        )
        .await
        .ok(201);
    let uid = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["email"], "new@a.io");
    // Duplicate email: 409.
    app.call(
        "POST",
        "/api/v1/users",
        Some(&a.admin),
        Some(json!({"email": "new@a.io", "name": "N", "role": "rep"})),
    )
    .await
    .error(409, "conflict");
    // Wrong role: 403 for manager and rep.
    for t in [&a.manager, &a.rep] {
        app.call(
            "POST",
            "/api/v1/users",
            Some(t),
            Some(json!({"email": "x@a.io", "name": "N", "role": "rep"})),
        )
        .await
        .error(403, "forbidden");
        app.get("/api/v1/users", t).await.error(403, "forbidden");
    }
    // Bad bodies: 422 naming the field; wrong content type 415; junk JSON 400.
    app.call(
        "POST",
        "/api/v1/users",
        Some(&a.admin),
        Some(json!({"email": "x@a.io", "name": "N", "role": "boss"})),
    )
    .await
    .invalid("role");
    app.call(
        "POST",
        "/api/v1/users",
        Some(&a.admin),
        Some(json!({"email": "x@a.io", "role": "rep"})),
    )
    .await
    .invalid("name");
    app.call(
        "POST",
        "/api/v1/users",
        Some(&a.admin),
        Some(json!({"email": "x@a.io", "name": "N", "role": "rep", "extra": 1})),
    )
    .await
    .error(422, "validation_failed");
    app.raw(
        "POST",
        "/api/v1/users",
        Some(&a.admin),
        Some(("text/plain", b"hi".to_vec())),
    )
    .await
    .error(415, "unsupported_media_type");
    app.raw(
        "POST",
        "/api/v1/users",
        Some(&a.admin),
        Some(("application/json", b"{".to_vec())),
    )
    .await
    .error(400, "bad_request");
    // Another org's user: 404, like a missing one.
    app.get(&format!("/api/v1/users/{uid}"), &b.admin)
        .await
        .error(404, "not_found");
    app.call(
        "PATCH",
        &format!("/api/v1/users/{uid}"),
        Some(&b.admin),
        Some(json!({"name": "X"})),
    )
    .await
    .error(404, "not_found");
    app.call(
        "DELETE",
        &format!("/api/v1/users/{uid}"),
        Some(&b.admin),
        None,
    )
    .await
    .error(404, "not_found");
    app.get("/api/v1/users/not-an-id", &a.admin)
        .await
        .error(404, "not_found");
    // A rep reads themself but not others.
    app.get(&format!("/api/v1/users/{}", a.rep_user), &a.rep)
        .await
        .ok(200);
    app.get(&format!("/api/v1/users/{uid}"), &a.rep)
        .await
        .error(403, "forbidden");
    // Update and the last-admin rule.
    let up = app
        .call(
            "PATCH",
            &format!("/api/v1/users/{uid}"),
            Some(&a.admin),
            Some(json!({"role": "manager"})),
        )
        .await
        .ok(200);
    assert_eq!(up["role"], "manager");
    app.call(
        "PATCH",
        &format!("/api/v1/users/{}", a.admin_user),
        Some(&a.admin),
        Some(json!({"role": "rep"})),
    )
    .await
    .error(409, "conflict");
    app.call(
        "DELETE",
        &format!("/api/v1/users/{}", a.admin_user),
        Some(&a.admin),
        None,
    )
    .await
    .error(409, "conflict");
    app.call(
        "DELETE",
        &format!("/api/v1/users/{uid}"),
        Some(&a.admin),
        None,
    )
    .await
    .ok(204);
    let list = app.get("/api/v1/users", &a.admin).await.ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn tokens_own_and_admin() {
    let app = TestApp::new().await;
    let a = app.org("A").await;
    let b = app.org("B").await;
    let t = app
        .call(
            "POST",
            "/api/v1/tokens",
            Some(&a.rep),
            Some(json!({"name": "cli", "expires_in_days": 30})),
        )
        .await
        .ok(201);
    let secret = t["secret"].as_str().unwrap().to_owned();
    let tid = t["token"]["id"].as_str().unwrap().to_owned();
    assert!(t["token"]["expires_at"].is_i64());
    assert_eq!(
        app.get("/api/v1/users/me", &secret).await.ok(200)["role"],
        "rep"
    );
    // A rep cannot mint tokens for others; an admin can.
    app.call(
        "POST",
        "/api/v1/tokens",
        Some(&a.rep),
        Some(json!({"name": "x", "user_id": a.manager_user})),
    )
    .await
    .error(403, "forbidden");
    app.call(
        "POST",
        "/api/v1/tokens",
        Some(&a.admin),
        Some(json!({"name": "x", "user_id": a.manager_user})),
    )
    .await
    .ok(201);
    app.call(
        "POST",
        "/api/v1/tokens",
        Some(&a.admin),
        Some(json!({"name": "x", "user_id": b.admin_user})),
    )
    .await
    .invalid("user_id");
    app.call(
        "POST",
        "/api/v1/tokens",
        Some(&a.rep),
        Some(json!({"name": "x", "expires_in_days": 0})),
    )
    .await
    .invalid("expires_in_days");
    // Listing: a rep sees only their own.
    let mine = app.get("/api/v1/tokens", &a.rep).await.ok(200);
    assert!(
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["user_id"] == a.rep_user.as_str())
    );
    assert!(
        !String::from_utf8_lossy(&app.get("/api/v1/tokens", &a.admin).await.body).contains(&secret)
    );
    // Revoke: another org 404; a manager cannot revoke the rep's token (404, not theirs).
    app.call(
        "DELETE",
        &format!("/api/v1/tokens/{tid}"),
        Some(&b.admin),
        None,
    )
    .await
    .error(404, "not_found");
    app.call(
        "DELETE",
        &format!("/api/v1/tokens/{tid}"),
        Some(&a.manager),
        None,
    )
    .await
    .error(404, "not_found");
    app.call(
        "DELETE",
        &format!("/api/v1/tokens/{tid}"),
        Some(&a.rep),
        None,
    )
    .await
    .ok(200);
    app.get("/api/v1/users/me", &secret)
        .await
        .error(401, "unauthorized");
}

#[tokio::test]
async fn settings_read_by_all_written_by_admin() {
    let app = TestApp::new().await;
    let a = app.org("A").await;
    assert_eq!(
        app.get("/api/v1/settings", &a.rep).await.ok(200)["retention_days"],
        90
    );
    app.call(
        "PATCH",
        "/api/v1/settings",
        Some(&a.manager),
        Some(json!({"retention_days": 30})),
    )
    .await
    .error(403, "forbidden");
    let s = app
        .call(
            "PATCH",
            "/api/v1/settings",
            Some(&a.admin),
            Some(json!({"store_transcripts": true, "retention_days": 30, "time_zone": "Europe/Berlin",
                        "business_hours": {"mon": [["09:00", "12:00"], ["13:00", "17:30"]]}})),
        )
        .await
        .ok(200);
    assert_eq!(s["store_transcripts"], true);
    assert_eq!(s["time_zone"], "Europe/Berlin");
    app.call(
        "PATCH",
        "/api/v1/settings",
        Some(&a.admin),
        Some(json!({"retention_days": 0})),
    )
    .await
    .invalid("retention_days");
    app.call(
        "PATCH",
        "/api/v1/settings",
        Some(&a.admin),
        Some(json!({"time_zone": "Berlin time"})),
    )
    .await
    .invalid("time_zone");
    app.call(
        "PATCH",
        "/api/v1/settings",
        Some(&a.admin),
        Some(json!({"business_hours": {"mon": [["17:00", "09:00"]]}})),
    )
    .await
    .invalid("business_hours.mon");
    app.call(
        "PATCH",
        "/api/v1/settings",
        Some(&a.admin),
        Some(json!({"business_hours": {"funday": []}})),
    )
    .await
    .invalid("business_hours.funday");
    app.call(
        "PATCH",
        "/api/v1/settings",
        Some(&a.admin),
        Some(json!({"default_country": "usa"})),
    )
    .await
    .invalid("default_country");
}

#[tokio::test]
async fn provider_keys_never_come_back() {
    let app = TestApp::new().await;
    let a = app.org("A").await;
    let b = app.org("B").await;
    let key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123";
    let info = app
        .call(
            "PUT",
            "/api/v1/provider-keys/openai",
            Some(&a.admin),
            Some(json!({"key": key})),
        )
        .await
        .ok(200);
    assert_eq!(info["last4"], "0123");
    let list = app.get("/api/v1/provider-keys", &a.admin).await;
    assert!(!String::from_utf8_lossy(&list.body).contains("abcdefghij"));
    assert_eq!(list.ok(200)["items"][0]["provider"], "openai");
    assert_eq!(
        app.get("/api/v1/provider-keys", &b.admin).await.ok(200)["items"],
        json!([])
    );
    app.call(
        "PUT",
        "/api/v1/provider-keys/openai",
        Some(&a.admin),
        Some(json!({"key": "sk-ant-api03-xxxxxxxxxxxxxxxxxxxxxxx"})),
    )
    .await
    .invalid("key");
    app.call(
        "PUT",
        "/api/v1/provider-keys/openai",
        Some(&a.manager),
        Some(json!({"key": key})),
    )
    .await
    .error(403, "forbidden");
    app.call(
        "PUT",
        "/api/v1/provider-keys/acme",
        Some(&a.admin),
        Some(json!({"key": key})),
    )
    .await
    .error(404, "not_found");
    app.call(
        "DELETE",
        "/api/v1/provider-keys/openai",
        Some(&b.admin),
        None,
    )
    .await
    .error(404, "not_found");
    app.call(
        "DELETE",
        "/api/v1/provider-keys/openai",
        Some(&a.admin),
        None,
    )
    .await
    .ok(204);
    // The stored value is encrypted: the database never holds the plaintext.
    assert!(
        app.store
            .provider_key(
                &a.id,
                callbridge_store::secrets::Provider::OpenAi,
                &callbridge_store::secrets::MasterKey::from_hex(&"ab".repeat(32)).unwrap()
            )
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let app = TestApp::with_limits(Limits {
        json_body: 4096,
        ..Limits::default()
    })
    .await;
    let a = app.org("A").await;
    app.call(
        "POST",
        "/api/v1/users",
        Some(&a.admin),
        Some(oversized_json(10_000)),
    )
    .await
    .error(413, "payload_too_large");
}

#[tokio::test]
async fn rate_limit_is_per_token_with_retry_after() {
    let app = TestApp::with_limits(Limits {
        rate_per_minute: 60,
        ..Limits::default()
    })
    .await;
    let a = app.org("A").await;
    let mut limited = None;
    for _ in 0..30 {
        let r = app.get("/api/v1/users/me", &a.rep).await;
        if r.status == 429 {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("a burst over the limit gets 429");
    r.error(429, "rate_limited");
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry >= 1);
    // Another token is unaffected.
    app.get("/api/v1/users/me", &a.admin).await.ok(200);
}
