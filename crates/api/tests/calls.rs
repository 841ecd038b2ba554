//! Calls, transcripts (segments, export, search), recordings (with range requests) and
//! analyses over HTTP: the happy paths and every failure mode (401, 403, 404 across
//! organizations and for other reps' calls, 409, 413, 415, 422 naming the field).

#![allow(clippy::unwrap_used)]

mod common;

use callbridge_api::Limits;
use callbridge_audio::wav::{self, Wav};
use callbridge_store::analyses::AnalysisStatus;
use callbridge_store::settings::SettingsPatch;
use common::{Org, TestApp, oversized_json};
use serde_json::{Value, json};

const T0: i64 = 1_768_478_400_000;

fn record(user: Option<&str>, direction: &str) -> Value {
    let mut v = json!({
        "direction": direction,
        "from_number": "+1 (555) 010-0100",
        "to_number": "+15550100199",
        "started_at": T0,
        "ended_at": T0 + 90_000,
        "outcome": "booked",
        "consent": [{"kind": "recording", "granted": true, "method": "announcement",
                     "detail": "This call is recorded"}],
    });
    if let Some(u) = user {
        v["user_id"] = json!(u);
    }
    v
}

/// Imports a call as the org's manager; returns its id.
async fn import(app: &TestApp, org: &Org, user: Option<&str>) -> String {
    let r = app
        .call(
            "POST",
            "/api/v1/calls/records",
            Some(&org.manager),
            Some(record(user, "outbound")),
        )
        .await
        .ok(201);
    r["call"]["id"].as_str().unwrap().to_owned()
}

async fn enable_transcripts(app: &TestApp, org: &Org) {
    app.store
        .update_settings(
            &org.id,
            &SettingsPatch {
                store_transcripts: Some(true),
                ..SettingsPatch::default()
            },
        )
        .await
        .unwrap();
}

fn segments(items: &[(i64, &str)]) -> Value {
    let list: Vec<Value> = items
        .iter()
        .map(|(seq, text)| {
            json!({"seq": seq, "speaker": "caller", "start_ms": seq * 1000,
                   "end_ms": seq * 1000 + 500, "text": text, "confidence": 0.5})
        })
        .collect();
    json!({ "segments": list })
}

fn wav_bytes(frames: usize) -> Vec<u8> {
    let samples = (0..frames * 2).map(|i| (i % 200) as i16 * 50).collect();
    wav::write(&Wav {
        sample_rate: 8000,
        channels: 2,
        samples,
    })
}

#[tokio::test]
async fn import_validates_and_returns_the_detail() {
    let app = TestApp::new().await;
    let a = app.org("A").await;
    let b = app.org("B").await;
    let r = app
        .call(
            "POST",
            "/api/v1/calls/records",
            Some(&a.manager),
            Some(record(Some(&a.rep_user), "inbound")),
        )
        .await
        .ok(201);
    let call = &r["call"];
    assert_eq!(call["transport"], "upload");
    assert_eq!(call["status"], "completed");
    assert_eq!(call["from_number"], "+15550100100");
    assert_eq!(call["duration_ms"], 90_000);
    assert_eq!(call["user_id"], a.rep_user.as_str());
    assert_eq!(r["segment_count"], 0);
    assert_eq!(r["consent"][0]["method"], "announcement");
    assert!(r["recording"].is_null() && r["analysis"].is_null());

    let path = "/api/v1/calls/records";
    app.call("POST", path, None, Some(record(None, "inbound")))
        .await
        .error(401, "unauthorized");
    app.call("POST", path, Some(&a.rep), Some(record(None, "inbound")))
        .await
        .error(403, "forbidden");
    let mut cases: Vec<(Value, &str)> = Vec::new();
    let mut v = record(None, "sideways");
    cases.push((v.clone(), "direction"));
    v = record(None, "inbound");
    v["from_number"] = json!("call me");
    cases.push((v.clone(), "from_number"));
    v = record(None, "inbound");
    v["ended_at"] = json!(T0 - 1);
    cases.push((v.clone(), "ended_at"));
    v = record(None, "inbound");
    v["started_at"] = json!("yesterday");
    cases.push((v.clone(), "started_at"));
    v = record(None, "inbound");
    v.as_object_mut().unwrap().remove("to_number");
    cases.push((v.clone(), "to_number"));
    cases.push((record(Some(&b.rep_user), "inbound"), "user_id"));
    v = record(None, "inbound");
    v["consent"][0]["kind"] = json!("telepathy");
    cases.push((v.clone(), "consent[0].kind"));
    v = record(None, "inbound");
    v["outcome"] = json!("Booked!");
    cases.push((v.clone(), "outcome"));
    v = record(None, "inbound");
    v["campaign_id"] = json!("cmp_01ARZ3NDEKTSV4RRFFQ69G5FAV");
    cases.push((v.clone(), "campaign_id"));
    for (body, field) in cases {
        app.call("POST", path, Some(&a.manager), Some(body))
            .await
            .invalid(field);
    }
    let mut extra = record(None, "inbound");
    extra["transport"] = json!("sip");
    app.call("POST", path, Some(&a.manager), Some(extra))
        .await
        .error(422, "validation_failed");
    app.raw(
        "POST",
        path,
        Some(&a.manager),
        Some(("text/plain", b"x".to_vec())),
    )
    .await
    .error(415, "unsupported_media_type");
    let small = TestApp::with_limits(Limits {
        json_body: 512,
        ..Limits::default()
    })
    .await;
    let s = small.org("S").await;
    small
        .call("POST", path, Some(&s.manager), Some(oversized_json(2048)))
        .await
        .error(413, "payload_too_large");
}

#[tokio::test]
async fn list_filters_scope_and_detail() {
    let app = TestApp::new().await;
    let a = app.org("A").await;
    let b = app.org("B").await;
    let reps = import(&app, &a, Some(&a.rep_user)).await;
    let other = import(&app, &a, None).await;
    let foreign = import(&app, &b, None).await;
    let ids = |v: Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };
    // Newest first; reps see their own calls only.
    let all = app.get("/api/v1/calls", &a.manager).await.ok(200);
    assert_eq!(ids(all), vec![other.clone(), reps.clone()]);
    let mine = app.get("/api/v1/calls", &a.rep).await.ok(200);
    assert_eq!(ids(mine), vec![reps.clone()]);
    let page = app.get("/api/v1/calls?limit=1", &a.manager).await.ok(200);
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let next = app
        .get(
            &format!("/api/v1/calls?limit=1&cursor={cursor}"),
            &a.manager,
        )
        .await
        .ok(200);
    assert_eq!(ids(next), vec![reps.clone()]);
    let q = format!(
        "/api/v1/calls?direction=outbound&transport=upload&status=completed&outcome=booked\
         &from={T0}&to={}&user_id={}",
        T0 + 1,
        a.rep_user
    );
    assert_eq!(
        ids(app.get(&q, &a.manager).await.ok(200)),
        vec![reps.clone()]
    );
    let none = app
        .get(&format!("/api/v1/calls?from={}", T0 + 1), &a.manager)
        .await
        .ok(200);
    assert!(ids(none).is_empty());
    for (query, field) in [
        ("direction=sideways", "direction"),
        ("transport=fax", "transport"),
        ("status=done", "status"),
        ("outcome=No%20Answer", "outcome"),
        ("from=yesterday", "from"),
        ("from=-5", "from"),
        ("from=10&to=5", "to"),
        ("user_id=a%20b", "user_id"),
        ("campaign_id=%27%3B", "campaign_id"),
        ("cursor=junk", "cursor"),
        ("limit=0", "limit"),
    ] {
        app.get(&format!("/api/v1/calls?{query}"), &a.manager)
            .await
            .invalid(field);
    }
    app.get("/api/v1/calls?bogus=1", &a.manager)
        .await
        .error(422, "validation_failed");
    app.call("GET", "/api/v1/calls", None, None)
        .await
        .error(401, "unauthorized");
    // Detail: the rep's own call yes, another rep's or org's call is a 404 like a missing one.
    let d = app
        .get(&format!("/api/v1/calls/{reps}"), &a.rep)
        .await
        .ok(200);
    assert_eq!(d["call"]["id"], reps.as_str());
    assert_eq!(d["consent"].as_array().unwrap().len(), 1);
    for (id, token) in [
        (&other, &a.rep),
        (&foreign, &a.manager),
        (&"call_01ARZ3NDEKTSV4RRFFQ69G5FAV".to_owned(), &a.manager),
        (&"nope".to_owned(), &a.manager),
    ] {
        app.get(&format!("/api/v1/calls/{id}"), token)
            .await
            .error(404, "not_found");
    }
}

#[tokio::test]
async fn segments_append_idempotently_and_need_the_opt_in() {
    let app = TestApp::new().await;
    let a = app.org("A").await;
    let b = app.org("B").await;
    let call = import(&app, &a, Some(&a.rep_user)).await;
    let path = format!("/api/v1/calls/{call}/segments");
    let body = segments(&[(0, "Hello, is this Pat?"), (1, "Yes, speaking")]);
    app.call("POST", &path, Some(&a.manager), Some(body.clone()))
        .await
        .error(409, "transcripts_disabled");
    enable_transcripts(&app, &a).await;
    let r = app
        .call("POST", &path, Some(&a.manager), Some(body.clone()))
        .await
        .ok(201);
    assert_eq!(r["created"], 2);
    assert_eq!(r["segments"][1]["text"], "Yes, speaking");
    // A retry of the same content is fine; other content under a used seq is not.
    let again = app
        .call("POST", &path, Some(&a.manager), Some(body.clone()))
        .await
        .ok(200);
    assert_eq!(again["created"], 0);
    app.call(
        "POST",
        &path,
        Some(&a.manager),
        Some(segments(&[(1, "No")])),
    )
    .await
    .error(409, "conflict");
    let detail = app
        .get(&format!("/api/v1/calls/{call}"), &a.manager)
        .await
        .ok(200);
    assert_eq!(detail["segment_count"], 2);
    let kinds: Vec<&str> = detail["consent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["recording", "transcript"]);

    let mut bad_speaker = segments(&[(5, "x")]);
    bad_speaker["segments"][0]["speaker"] = json!("narrator");
    let mut backwards = segments(&[(5, "x")]);
    backwards["segments"][0]["end_ms"] = json!(1);
    let mut bad_conf = segments(&[(5, "x")]);
    bad_conf["segments"][0]["confidence"] = json!(2.0);
    for (body, field) in [
        (bad_speaker, "segments[0].speaker"),
        (backwards, "segments[0].end_ms"),
        (bad_conf, "segments[0].confidence"),
        (segments(&[(5, "   ")]), "segments[0].text"),
        (segments(&[(-1, "x")]), "segments[0].seq"),
        (segments(&[(5, "x"), (5, "x")]), "segments[1].seq"),
        (segments(&[]), "segments"),
        (json!({}), "segments"),
    ] {
        app.call("POST", &path, Some(&a.manager), Some(body))
            .await
            .invalid(field);
    }
    app.call("POST", &path, None, Some(body.clone()))
        .await
        .error(401, "unauthorized");
    app.call("POST", &path, Some(&a.rep), Some(body.clone()))
        .await
        .error(403, "forbidden");
    enable_transcripts(&app, &b).await;
    app.call("POST", &path, Some(&b.manager), Some(body.clone()))
        .await
        .error(404, "not_found");
    app.call(
        "POST",
        "/api/v1/calls/junk/segments",
        Some(&a.manager),
        Some(body),
    )
    .await
    .error(404, "not_found");
    let small = TestApp::with_limits(Limits {
        json_body: 512,
        ..Limits::default()
    })
    .await;
    let s = small.org("S").await;
    let small_call = import(&small, &s, None).await;
    small
        .call(
            "POST",
            &format!("/api/v1/calls/{small_call}/segments"),
            Some(&s.manager),
            Some(oversized_json(4096)),
        )
        .await
        .error(413, "payload_too_large");
}

#[tokio::test]
async fn transcript_exports_as_json_and_csv_and_deletes() {
    let app = TestApp::new().await;
    let a = app.org("A").await;
    let b = app.org("B").await;
    enable_transcripts(&app, &a).await;
    let reps = import(&app, &a, Some(&a.rep_user)).await;
    let other = import(&app, &a, None).await;
    let tricky = "He said \"no\", then:\nmaybe, =SUM(1)";
    app.call(
        "POST",
        &format!("/api/v1/calls/{reps}/segments"),
        Some(&a.manager),
        Some(segments(&[(1, "second"), (0, tricky)])),
    )
    .await
    .ok(201);
    let path = format!("/api/v1/calls/{reps}/transcript");
    let j = app.get(&path, &a.rep).await.ok(200);
    assert_eq!(j["call_id"], reps.as_str());
    assert_eq!(j["segments"][0]["text"], tricky);
    assert_eq!(j["segments"][1]["seq"], 1);
    assert_eq!(
        app.get(&format!("{path}?format=json"), &a.rep)
            .await
            .ok(200),
        j
    );
    let csv_resp = app.get(&format!("{path}?format=csv"), &a.manager).await;
    assert_eq!(csv_resp.status, 200);
    assert!(
        csv_resp.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let mut reader = csv::Reader::from_reader(csv_resp.body.as_slice());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        ["seq", "speaker", "start_ms", "end_ms", "confidence", "text"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        &rows[0][5], tricky,
        "quoting keeps commas, quotes and line breaks"
    );
    assert_eq!(&rows[1][0], "1");
    app.get(&format!("{path}?format=xml"), &a.manager)
        .await
        .invalid("format");
    app.get(&format!("/api/v1/calls/{other}/transcript"), &a.rep)
        .await
        .error(404, "not_found");
    app.get(&path, &b.manager).await.error(404, "not_found");
    app.call("GET", &path, None, None)
        .await
        .error(401, "unauthorized");
    // Delete: manager only, another org's call is missing.
    app.call("DELETE", &path, Some(&a.rep), None)
        .await
        .error(403, "forbidden");
    app.call("DELETE", &path, Some(&b.manager), None)
        .await
        .error(404, "not_found");
    app.call("DELETE", &path, None, None)
        .await
        .error(401, "unauthorized");
    app.call("DELETE", &path, Some(&a.manager), None)
        .await
        .ok(204);
    let j = app.get(&path, &a.manager).await.ok(200);
    assert!(j["segments"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn search_highlights_and_stays_in_scope() {
    let app = TestApp::new().await;
    let a = app.org("A").await;
    let b = app.org("B").await;
    enable_transcripts(&app, &a).await;
    enable_transcripts(&app, &b).await;
    let reps = import(&app, &a, Some(&a.rep_user)).await;
    let other = import(&app, &a, None).await;
    let foreign = import(&app, &b, None).await;
    let add = |call: String, org_token: String, text: &'static str| {
        let app = &app;
        async move {
            app.call(
                "POST",
                &format!("/api/v1/calls/{call}/segments"),
                Some(&org_token),
                Some(segments(&[(0, text)])),
            )
            .await
            .ok(201);
        }
    };
    add(reps.clone(), a.manager.clone(), "Our <pricing> is flexible").await;
    // Searchable as soon as the write returned.
    let r = app
        .get("/api/v1/transcripts/search?q=pricing", &a.manager)
        .await
        .ok(200);
    let items = r["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["call_id"], reps.as_str());
    assert_eq!(items[0]["seq"], 0);
    assert_eq!(items[0]["speaker"], "caller");
    let snippet = items[0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("<mark>pricing</mark>"), "{snippet}");
    assert!(snippet.contains("&lt;"), "the text is escaped: {snippet}");
    add(other.clone(), a.manager.clone(), "pricing again").await;
    add(foreign.clone(), b.manager.clone(), "pricing pricing").await;
    let count = |path: String, token: String| {
        let app = &app;
        async move {
            app.get(&path, &token).await.ok(200)["items"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    let q = "/api/v1/transcripts/search?q=pricing".to_owned();
    assert_eq!(count(q.clone(), a.manager.clone()).await, 2);
    assert_eq!(count(q.clone(), a.rep.clone()).await, 1);
    assert_eq!(count(q.clone(), b.manager.clone()).await, 1);
    assert_eq!(
        count(format!("{q}&user_id={}", a.rep_user), a.manager.clone()).await,
        1
    );
    assert_eq!(count(format!("{q}&limit=1"), a.manager.clone()).await, 1);
    // Junk never breaks the search.
    for junk in [
        "%22",
        "%22%22%22",
        "NEAR(",
        "text%3Apricing",
        "-",
        "*",
        "%27%29--",
        "or",
    ] {
        app.get(&format!("/api/v1/transcripts/search?q={junk}"), &a.manager)
            .await
            .ok(200);
    }
    for (query, field) in [
        ("", "q"),
        ("q=", "q"),
        ("q=%00", "q"),
        ("q=pricing&direction=up", "direction"),
        ("q=pricing&cursor=nope", "cursor"),
        ("q=pricing&limit=500", "limit"),
    ] {
        app.get(&format!("/api/v1/transcripts/search?{query}"), &a.manager)
            .await
            .invalid(field);
    }
    app.call("GET", &q, None, None)
        .await
        .error(401, "unauthorized");
}

#[tokio::test]
async fn recordings_upload_range_download_and_delete() {
    let app = TestApp::new().await;
    let a = app.org("A").await;
    let b = app.org("B").await;
    let reps = import(&app, &a, Some(&a.rep_user)).await;
    let other = import(&app, &a, None).await;
    let path = format!("/api/v1/calls/{reps}/recording");
    let file = wav_bytes(4000);
    let len = file.len();
    let r = app
        .raw(
            "PUT",
            &path,
            Some(&a.manager),
            Some(("audio/wav", file.clone())),
        )
        .await
        .ok(201);
    assert_eq!(r["channels"], 2);
    assert_eq!(r["sample_rate"], 8000);
    assert_eq!(r["duration_ms"], 500);
    assert_eq!(r["bytes"], len);
    assert!(r.get("path").is_none(), "file paths stay internal: {r}");
    let on_disk = app.dir.join(format!("recordings/{}/{reps}.wav", a.id));
    assert_eq!(std::fs::read(&on_disk).unwrap(), file);
    let detail = app
        .get(&format!("/api/v1/calls/{reps}"), &a.manager)
        .await
        .ok(200);
    assert_eq!(detail["recording"]["bytes"], len);
    // Range requests.
    let full = app.get(&path, &a.rep).await;
    assert_eq!(full.status, 200);
    assert_eq!(full.body, file);
    assert_eq!(full.headers["accept-ranges"], "bytes");
    assert_eq!(full.headers["content-type"], "audio/wav");
    let ranged = |range: &'static str| {
        let (app, path, token) = (&app, path.clone(), a.rep.clone());
        async move {
            app.raw_with_headers("GET", &path, Some(&token), None, &[("range", range)])
                .await
        }
    };
    let head = ranged("bytes=0-99").await;
    assert_eq!(head.status, 206);
    assert_eq!(
        head.headers["content-range"],
        format!("bytes 0-99/{len}").as_str()
    );
    assert_eq!(head.body, &file[..100]);
    let tail = ranged("bytes=-10").await;
    assert_eq!(tail.status, 206);
    assert_eq!(tail.body, &file[len - 10..]);
    let mid = ranged("bytes=44-").await;
    assert_eq!(mid.status, 206);
    assert_eq!(mid.body, &file[44..]);
    for bad in ["bytes=999999-", "bytes=0-1,5-9", "pages=1-2"] {
        let r = ranged(bad).await;
        assert_eq!(r.status, 416, "{bad}");
        assert_eq!(
            r.headers["content-range"],
            format!("bytes */{len}").as_str()
        );
    }
    // Replacing answers 200; the file is swapped.
    let shorter = wav_bytes(800);
    app.raw(
        "PUT",
        &path,
        Some(&a.manager),
        Some(("audio/x-wav", shorter.clone())),
    )
    .await
    .ok(200);
    assert_eq!(app.get(&path, &a.manager).await.body, shorter);
    // Failure modes.
    app.raw(
        "PUT",
        &path,
        Some(&a.manager),
        Some(("audio/wav", b"RIFFjunk".to_vec())),
    )
    .await
    .invalid("body");
    app.raw(
        "PUT",
        &path,
        Some(&a.manager),
        Some(("application/json", file.clone())),
    )
    .await
    .error(415, "unsupported_media_type");
    app.raw(
        "PUT",
        &path,
        Some(&a.rep),
        Some(("audio/wav", file.clone())),
    )
    .await
    .error(403, "forbidden");
    app.raw("PUT", &path, None, Some(("audio/wav", file.clone())))
        .await
        .error(401, "unauthorized");
    app.raw(
        "PUT",
        &path,
        Some(&b.manager),
        Some(("audio/wav", file.clone())),
    )
    .await
    .error(404, "not_found");
    app.get(&path, &b.manager).await.error(404, "not_found");
    app.get(&format!("/api/v1/calls/{other}/recording"), &a.rep)
        .await
        .error(404, "not_found");
    app.get(&format!("/api/v1/calls/{other}/recording"), &a.manager)
        .await
        .error(404, "not_found");
    let small = TestApp::with_limits(Limits {
        upload_body: 1000,
        ..Limits::default()
    })
    .await;
    let s = small.org("S").await;
    let small_call = import(&small, &s, None).await;
    small
        .raw(
            "PUT",
            &format!("/api/v1/calls/{small_call}/recording"),
            Some(&s.manager),
            Some(("audio/wav", file.clone())),
        )
        .await
        .error(413, "payload_too_large");
    // Delete: the row and the file.
    app.call("DELETE", &path, Some(&a.rep), None)
        .await
        .error(403, "forbidden");
    app.call("DELETE", &path, Some(&b.manager), None)
        .await
        .error(404, "not_found");
    app.call("DELETE", &path, Some(&a.manager), None)
        .await
        .ok(204);
    assert!(!on_disk.exists());
    app.get(&path, &a.manager).await.error(404, "not_found");
    app.call("DELETE", &path, Some(&a.manager), None)
        .await
        .error(404, "not_found");
}

#[tokio::test]
async fn deleting_a_call_removes_transcript_and_recording_file() {
    let app = TestApp::new().await;
    let a = app.org("A").await;
    let b = app.org("B").await;
    enable_transcripts(&app, &a).await;
    let call = import(&app, &a, None).await;
    app.call(
        "POST",
        &format!("/api/v1/calls/{call}/segments"),
        Some(&a.manager),
        Some(segments(&[(0, "unforgettable aardvark")])),
    )
    .await
    .ok(201);
    app.raw(
        "PUT",
        &format!("/api/v1/calls/{call}/recording"),
        Some(&a.manager),
        Some(("audio/wav", wav_bytes(100))),
    )
    .await
    .ok(201);
    let on_disk = app.dir.join(format!("recordings/{}/{call}.wav", a.id));
    assert!(on_disk.exists());
    let path = format!("/api/v1/calls/{call}");
    app.call("DELETE", &path, Some(&a.rep), None)
        .await
        .error(403, "forbidden");
    app.call("DELETE", &path, Some(&b.manager), None)
        .await
        .error(404, "not_found");
    app.call("DELETE", &path, None, None)
        .await
        .error(401, "unauthorized");
    app.call("DELETE", &path, Some(&a.manager), None)
        .await
        .ok(204);
    assert!(!on_disk.exists(), "the recording file is gone");
    app.get(&path, &a.manager).await.error(404, "not_found");
    let hits = app
        .get("/api/v1/transcripts/search?q=aardvark", &a.manager)
        .await
        .ok(200);
    assert!(hits["items"].as_array().unwrap().is_empty());
    assert_eq!(app.store.count_segments(&a.id, &call).await.unwrap(), 0);
    app.call("DELETE", &path, Some(&a.manager), None)
        .await
        .error(404, "not_found");
}

#[tokio::test]
async fn analyses_list_and_get_with_scope() {
    let app = TestApp::new().await;
    let a = app.org("A").await;
    let b = app.org("B").await;
    let reps = import(&app, &a, Some(&a.rep_user)).await;
    let other = import(&app, &a, None).await;
    let mine = app.store.create_analysis(&a.id, Some(&reps)).await.unwrap();
    let theirs = app
        .store
        .create_analysis(&a.id, Some(&other))
        .await
        .unwrap();
    app.store
        .update_analysis(
            &a.id,
            &theirs.id,
            AnalysisStatus::Done,
            &json!({"score": 8}),
        )
        .await
        .unwrap();
    let ids = |v: Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids(app.get("/api/v1/analyses", &a.manager).await.ok(200)),
        vec![theirs.id.clone(), mine.id.clone()]
    );
    assert_eq!(
        ids(app.get("/api/v1/analyses", &a.rep).await.ok(200)),
        vec![mine.id.clone()]
    );
    assert_eq!(
        ids(app
            .get("/api/v1/analyses?status=done", &a.manager)
            .await
            .ok(200)),
        vec![theirs.id.clone()]
    );
    assert_eq!(
        ids(app
            .get(&format!("/api/v1/analyses?call_id={reps}"), &a.manager)
            .await
            .ok(200)),
        vec![mine.id.clone()]
    );
    assert!(ids(app.get("/api/v1/analyses", &b.manager).await.ok(200)).is_empty());
    for (query, field) in [
        ("status=maybe", "status"),
        ("call_id=xyz", "call_id"),
        ("cursor=bad", "cursor"),
        ("limit=201", "limit"),
    ] {
        app.get(&format!("/api/v1/analyses?{query}"), &a.manager)
            .await
            .invalid(field);
    }
    let got = app
        .get(&format!("/api/v1/analyses/{}", theirs.id), &a.manager)
        .await
        .ok(200);
    assert_eq!(got["result"]["score"], 8);
    assert_eq!(got["status"], "done");
    let d = app
        .get(&format!("/api/v1/calls/{other}"), &a.manager)
        .await
        .ok(200);
    assert_eq!(d["analysis"]["id"], theirs.id.as_str());
    app.get(&format!("/api/v1/analyses/{}", mine.id), &a.rep)
        .await
        .ok(200);
    for (id, token) in [
        (theirs.id.as_str(), &a.rep),
        (mine.id.as_str(), &b.manager),
        ("ana_01ARZ3NDEKTSV4RRFFQ69G5FAV", &a.manager),
        ("junk", &a.manager),
    ] {
        app.get(&format!("/api/v1/analyses/{id}"), token)
            .await
            .error(404, "not_found");
    }
    app.call("GET", "/api/v1/analyses", None, None)
        .await
        .error(401, "unauthorized");
}

#[tokio::test]
async fn openapi_documents_these_endpoints() {
    let app = TestApp::new().await;
    let doc = app.call("GET", "/openapi.json", None, None).await.ok(200);
    let p = &doc["paths"];
    assert!(p["/api/v1/calls"]["get"]["responses"]["200"].is_object());
    assert!(p["/api/v1/calls/records"]["post"]["responses"]["201"].is_object());
    assert!(p["/api/v1/calls/{id}"]["delete"]["responses"]["204"].is_object());
    let transcript = &p["/api/v1/calls/{id}/transcript"]["get"]["responses"]["200"]["content"];
    assert!(transcript["text/csv"].is_object() && transcript["application/json"].is_object());
    let rec = &p["/api/v1/calls/{id}/recording"];
    assert!(rec["get"]["responses"]["206"]["content"]["audio/wav"].is_object());
    assert!(rec["get"]["responses"]["416"].is_object());
    assert!(rec["put"]["requestBody"]["content"]["audio/wav"].is_object());
    assert!(p["/api/v1/calls/{id}/segments"]["post"]["responses"]["409"].is_object());
    assert!(p["/api/v1/transcripts/search"]["get"]["responses"]["200"].is_object());
    assert!(p["/api/v1/analyses/{id}"]["get"]["responses"]["200"].is_object());
}
