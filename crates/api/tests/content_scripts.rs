//! Versioned scripts over HTTP: a new version per edit (also under concurrency) and bodies
//! checked step by step.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use common::content::{script, script_body, set};
use serde_json::{Value, json};

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
