//! Knowledge documents over HTTP: typed text, PDF uploads (including broken and hostile PDFs
//! from `fixtures/docs`, which must be 422s and never take the server down), captured web
//! pages, and URLs fetched from a local web server on 127.0.0.1. Upload limits are the upload
//! limit (not the JSON one) and answer 413 naming it.

#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use callbridge_api::Limits;
use common::{Org, TestApp};
use serde_json::{Value, json};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/../../fixtures/docs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e} (run scripts/gen-doc-fixtures.py)"))
}

async fn upload(app: &TestApp, token: &str, path: &str, ct: &str, bytes: Vec<u8>) -> common::Resp {
    app.raw("POST", path, Some(token), Some((ct, bytes))).await
}

#[tokio::test]
async fn text_documents_crud_and_versions() {
    let app = TestApp::new().await;
    let (a, b) = (app.org("A").await, app.org("B").await);
    let doc = app
        .call(
            "POST",
            "/api/v1/knowledge",
            Some(&a.manager),
            Some(json!({"kind": "text", "title": "FAQ", "content": "Q: Price?\r\nA: 49 € per seat."})),
        )
        .await
        .ok(201);
    assert_eq!(
        (doc["version"].as_i64(), doc["source_kind"].as_str()),
        (Some(1), Some("text"))
    );
    assert_eq!(doc["content"], "Q: Price?\nA: 49 € per seat.");
    let list = app.get("/api/v1/knowledge", &a.rep).await.ok(200);
    let item = &list["items"][0];
    assert_eq!(item["content_length"], 27);
    assert!(item.get("content").is_none(), "lists carry no text");

    let path = format!("/api/v1/knowledge/{}", doc["id"].as_str().unwrap());
    let edited = app
        .call(
            "PATCH",
            &path,
            Some(&a.manager),
            Some(json!({"content": "A: 59 € now."})),
        )
        .await
        .ok(200);
    assert_eq!(edited["version"], 2);
    let retitled = app
        .call(
            "PATCH",
            &path,
            Some(&a.manager),
            Some(json!({"title": "Pricing FAQ"})),
        )
        .await
        .ok(200);
    assert_eq!(
        (retitled["version"].as_i64(), retitled["title"].as_str()),
        (Some(2), Some("Pricing FAQ"))
    );
    assert_eq!(
        app.get(&path, &a.rep).await.ok(200)["content"],
        "A: 59 € now."
    );

    for (body, field) in [
        (json!({"kind": "text", "title": "x"}), "content"),
        (json!({"kind": "text", "content": "x"}), "title"),
        (
            json!({"kind": "text", "title": "x", "content": "   "}),
            "content",
        ),
        (
            json!({"kind": "text", "title": "x", "content": "y", "url": "https://a.io"}),
            "url",
        ),
        (
            json!({"kind": "url", "url": "https://a.io", "content": "y"}),
            "content",
        ),
        (json!({"kind": "url"}), "url"),
        (json!({"kind": "pdf", "title": "x"}), "kind"),
    ] {
        app.call("POST", "/api/v1/knowledge", Some(&a.manager), Some(body))
            .await
            .invalid(field);
    }
    app.call(
        "POST",
        "/api/v1/knowledge",
        Some(&a.rep),
        Some(json!({"kind": "text", "title": "x", "content": "y"})),
    )
    .await
    .error(403, "forbidden");
    for (m, body) in [
        ("GET", None),
        ("PATCH", Some(json!({"title": "x"}))),
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
    app.get(&path, &a.rep).await.error(404, "not_found");
}

#[tokio::test]
async fn pdf_uploads_extract_text_and_refuse_bad_pdfs() {
    let app = TestApp::new().await;
    let a = app.org("A").await;
    let url = "/api/v1/knowledge/pdf?title=Pricing%20guide&filename=pricing.pdf";
    let doc = upload(
        &app,
        &a.manager,
        url,
        "application/pdf",
        fixture("pricing.pdf"),
    )
    .await
    .ok(201);
    assert_eq!(
        (doc["source_kind"].as_str(), doc["source"].as_str()),
        (Some("pdf"), Some("pricing.pdf"))
    );
    assert_eq!(doc["title"], "Pricing guide");
    let text = doc["content"].as_str().unwrap();
    assert!(
        text.starts_with("Acme Pricing Guide\nThe Starter plan costs 49 dollars"),
        "{text}"
    );
    assert!(text.contains("99.9% uptime SLA"), "{text}");
    for (name, expected) in [
        ("pricing-compressed.pdf", "Compressed streams work too"),
        ("nested-forms.pdf", "Nested form text"),
    ] {
        let d = upload(
            &app,
            &a.manager,
            "/api/v1/knowledge/pdf?title=x",
            "application/octet-stream",
            fixture(name),
        )
        .await
        .ok(201);
        assert!(
            d["content"].as_str().unwrap().contains(expected),
            "{name}: {d}"
        );
    }
    // Broken, textless and hostile PDFs: 422 naming the body. The last three would hang
    // pdf-extract or overflow its stack (aborting the process) if they reached it.
    let mut junk = b"%PDF-1.4\n".to_vec();
    junk.extend((0..4000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let mut cases: Vec<(&str, Vec<u8>)> = [
        "blank.pdf",
        "truncated.pdf",
        "bad-xref.pdf",
        "not-a-pdf.pdf",
        "self-drawing.pdf",
        "parent-loop.pdf",
        "deep-forms.pdf",
    ]
    .into_iter()
    .map(|n| (n, fixture(n)))
    .collect();
    cases.push(("random bytes after a header", junk));
    cases.push(("no header at all", b"just some text".to_vec()));
    for (name, bytes) in cases {
        let r = upload(
            &app,
            &a.manager,
            "/api/v1/knowledge/pdf?title=x",
            "application/pdf",
            bytes,
        )
        .await;
        assert_eq!(
            r.status,
            422,
            "{name}: {}",
            String::from_utf8_lossy(&r.body)
        );
        r.invalid("body");
    }
    // The server is still fine afterwards.
    upload(
        &app,
        &a.manager,
        "/api/v1/knowledge/pdf?title=again",
        "application/pdf",
        fixture("pricing.pdf"),
    )
    .await
    .ok(201);

    upload(
        &app,
        &a.manager,
        "/api/v1/knowledge/pdf?title=x",
        "text/plain",
        fixture("pricing.pdf"),
    )
    .await
    .error(415, "unsupported_media_type");
    upload(
        &app,
        &a.manager,
        "/api/v1/knowledge/pdf",
        "application/pdf",
        fixture("pricing.pdf"),
    )
    .await
    .invalid("title");
    upload(
        &app,
        &a.manager,
        "/api/v1/knowledge/pdf?title=x&author=y",
        "application/pdf",
        fixture("pricing.pdf"),
    )
    .await
    .error(422, "validation_failed");
    upload(
        &app,
        &a.manager,
        "/api/v1/knowledge/pdf?title=x",
        "application/pdf",
        Vec::new(),
    )
    .await
    .invalid("body");
    upload(
        &app,
        &a.rep,
        "/api/v1/knowledge/pdf?title=x",
        "application/pdf",
        fixture("pricing.pdf"),
    )
    .await
    .error(403, "forbidden");
    app.raw(
        "POST",
        "/api/v1/knowledge/pdf?title=x",
        None,
        Some(("application/pdf", fixture("pricing.pdf"))),
    )
    .await
    .error(401, "unauthorized");
}

#[tokio::test]
async fn html_uploads_become_readable_text() {
    let app = TestApp::new().await;
    let a = app.org("A").await;
    let url = "/api/v1/knowledge/html?source_url=https%3A%2F%2Facme.example%2Fpricing";
    let doc = upload(
        &app,
        &a.manager,
        url,
        "text/html; charset=utf-8",
        fixture("pricing.html"),
    )
    .await
    .ok(201);
    assert_eq!(doc["title"], "Acme & Co — Pricing", "from <title>");
    assert_eq!(
        (doc["source_kind"].as_str(), doc["source"].as_str()),
        (Some("web"), Some("https://acme.example/pricing"))
    );
    assert_eq!(
        doc["content"],
        "Plans & pricing\n\nThe Starter plan costs 49 € per seat per month.\n\n\
         Enterprise plans add single sign-on—and a 99.9% uptime SLA.\n\n\
         - Unlimited calls\n- Call recording & transcripts\n\nQuestions? Call +1 415 555 0100."
    );
    let titled = upload(
        &app,
        &a.manager,
        "/api/v1/knowledge/html?title=Prices",
        "text/html",
        fixture("pricing.html"),
    )
    .await
    .ok(201);
    assert_eq!(
        (titled["title"].as_str(), titled["source"].as_str()),
        (Some("Prices"), Some(""))
    );
    let latin = upload(
        &app,
        &a.manager,
        "/api/v1/knowledge/html?title=x",
        "text/html; charset=iso-8859-1",
        b"<p>Men\xfc: caf\xe9</p>".to_vec(),
    )
    .await
    .ok(201);
    assert_eq!(latin["content"], "Menü: café");

    upload(
        &app,
        &a.manager,
        "/api/v1/knowledge/html",
        "text/html",
        b"<p>no title here</p>".to_vec(),
    )
    .await
    .invalid("title");
    upload(
        &app,
        &a.manager,
        "/api/v1/knowledge/html?title=x",
        "text/html",
        b"<script>x()</script>".to_vec(),
    )
    .await
    .invalid("body");
    upload(
        &app,
        &a.manager,
        "/api/v1/knowledge/html?title=x&source_url=ftp%3A%2F%2Fx",
        "text/html",
        b"<p>a</p>".to_vec(),
    )
    .await
    .invalid("source_url");
    upload(
        &app,
        &a.manager,
        "/api/v1/knowledge/html?title=x",
        "application/json",
        b"{}".to_vec(),
    )
    .await
    .error(415, "unsupported_media_type");
    upload(
        &app,
        &a.rep,
        "/api/v1/knowledge/html?title=x",
        "text/html",
        b"<p>a</p>".to_vec(),
    )
    .await
    .error(403, "forbidden");
}

#[tokio::test]
async fn uploads_use_the_upload_limit() {
    let app = TestApp::with_limits(Limits {
        json_body: 1024,
        upload_body: 4096,
        ..Limits::default()
    })
    .await;
    let a = app.org("A").await;
    let page = |n: usize| format!("<title>T</title><p>{}</p>", "word ".repeat(n / 5)).into_bytes();
    // Over the JSON limit but under the upload limit: accepted.
    upload(
        &app,
        &a.manager,
        "/api/v1/knowledge/html",
        "text/html",
        page(3000),
    )
    .await
    .ok(201);
    for (path, ct) in [
        ("/api/v1/knowledge/html", "text/html"),
        ("/api/v1/knowledge/pdf?title=x", "application/pdf"),
    ] {
        let v = upload(&app, &a.manager, path, ct, page(10_000))
            .await
            .error(413, "payload_too_large");
        assert_eq!(v["error"]["details"]["limit_bytes"], 4096, "{v}");
    }
    // JSON bodies keep the JSON limit.
    app.call(
        "POST",
        "/api/v1/knowledge",
        Some(&a.manager),
        Some(json!({"kind": "text", "title": "x", "content": "y".repeat(2000)})),
    )
    .await
    .error(413, "payload_too_large");
}

/// A small web server for the URL imports.
async fn site() -> SocketAddr {
    let html = || async {
        (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            fixture("pricing.html"),
        )
    };
    let router = axum::Router::new()
        .route("/page", get(html))
        .route(
            "/latin1",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/html; charset=iso-8859-1")],
                    b"<title>Caf\xe9</title><p>Men\xfc</p>".to_vec(),
                )
            }),
        )
        .route(
            "/plain",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/plain")],
                    "Plain FAQ\r\nLine two\n",
                )
            }),
        )
        .route(
            "/json",
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], "{}") }),
        )
        .route(
            "/big",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/html")],
                    "<p>x</p>".repeat(700_000),
                )
            }),
        )
        .route(
            "/missing",
            get(|| async { StatusCode::NOT_FOUND.into_response() }),
        )
        .route(
            "/r/{n}",
            // `/r/{n}` is n redirects away from the page.
            get(|Path(n): Path<u32>| async move {
                let to = if n <= 1 {
                    "/page".to_owned()
                } else {
                    format!("/r/{}", n - 1)
                };
                Redirect::temporary(&to)
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

async fn from_url(app: &TestApp, org: &Org, body: Value) -> common::Resp {
    app.call("POST", "/api/v1/knowledge", Some(&org.manager), Some(body))
        .await
}

#[tokio::test]
async fn url_imports_fetch_with_limits() {
    let app = TestApp::new().await;
    let a = app.org("A").await;
    let base = format!("http://{}", site().await);
    let doc = from_url(
        &app,
        &a,
        json!({"kind": "url", "url": format!("{base}/page")}),
    )
    .await
    .ok(201);
    assert_eq!(doc["title"], "Acme & Co — Pricing");
    assert_eq!(
        (doc["source_kind"].as_str(), doc["source"].as_str()),
        (Some("web"), Some(format!("{base}/page").as_str()))
    );
    assert!(
        doc["content"]
            .as_str()
            .unwrap()
            .starts_with("Plans & pricing\n\nThe Starter plan")
    );
    let titled = from_url(
        &app,
        &a,
        json!({"kind": "url", "title": "Ours", "url": format!("{base}/r/5")}),
    )
    .await
    .ok(201);
    assert_eq!(titled["title"], "Ours", "five redirects are followed");
    let latin = from_url(
        &app,
        &a,
        json!({"kind": "url", "url": format!("{base}/latin1")}),
    )
    .await
    .ok(201);
    assert_eq!(
        (latin["title"].as_str(), latin["content"].as_str()),
        (Some("Café"), Some("Menü"))
    );
    let plain = from_url(
        &app,
        &a,
        json!({"kind": "url", "url": format!("{base}/plain")}),
    )
    .await
    .ok(201);
    assert_eq!(plain["content"], "Plain FAQ\nLine two");
    assert_eq!(plain["title"], format!("{base}/plain"), "no title: the URL");

    // A port nobody listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    for url in [
        format!("{base}/r/6"),
        format!("{base}/json"),
        format!("{base}/big"),
        format!("{base}/missing"),
        format!("http://{closed}/"),
        "ftp://127.0.0.1/file".to_owned(),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://user:pw@127.0.0.1/".to_owned(),
        "not a url".to_owned(),
    ] {
        let r = from_url(&app, &a, json!({"kind": "url", "url": url})).await;
        assert_eq!(r.status, 422, "{url}: {}", String::from_utf8_lossy(&r.body));
        r.invalid("url");
    }
}

#[tokio::test]
async fn openapi_documents_the_upload_bodies() {
    let app = TestApp::new().await;
    let doc = app.call("GET", "/openapi.json", None, None).await.ok(200);
    let paths = &doc["paths"];
    let pdf = &paths["/api/v1/knowledge/pdf"]["post"];
    for ct in ["application/pdf", "application/octet-stream"] {
        assert!(pdf["requestBody"]["content"][ct].is_object(), "{pdf}");
    }
    assert!(pdf["responses"]["503"].is_object());
    assert!(
        paths["/api/v1/knowledge/html"]["post"]["requestBody"]["content"]["text/html"].is_object()
    );
    for p in [
        "/api/v1/personas/{id}",
        "/api/v1/scenarios/{id}",
        "/api/v1/scripts/{id}/versions/{version}",
        "/api/v1/routing-rules/{id}",
        "/api/v1/numbers/{id}",
        "/api/v1/knowledge/{id}",
    ] {
        assert!(paths[p].is_object(), "{p} missing");
    }
}
