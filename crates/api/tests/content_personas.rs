//! Personas and scenarios over HTTP: happy paths, roles, and isolation between organizations.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use common::content::{merge, persona, persona_body};
use serde_json::{Value, json};

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
