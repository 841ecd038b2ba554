//! Calls, transcript segments and their search, consent, recordings, analyses and retention,
//! on both backends.

#![allow(clippy::unwrap_used)]

mod common;

use callbridge_store::analyses::{AnalysisFilter, AnalysisStatus};
use callbridge_store::calls::{
    CallFilter, CallMode, CallStatus, Direction, NewCall, StatusUpdate, Transport,
};
use callbridge_store::consent::{ConsentKind, ConsentMethod, NewConsent};
use callbridge_store::recordings::NewRecording;
use callbridge_store::settings::SettingsPatch;
use callbridge_store::transcripts::{NewSegment, SearchRequest, SegmentError, Speaker};
use callbridge_store::users::{NewUser, Role};
use callbridge_store::{PageRequest, Store, StoreError};
use common::TestDb;
use serde_json::json;

/// An organization with transcripts on (or off), and one rep.
struct Org {
    id: String,
    rep: String,
}

async fn org(s: &Store, name: &str, transcripts: bool) -> Org {
    let o = s.create_org(name).await.unwrap();
    s.update_settings(
        &o.id,
        &SettingsPatch {
            store_transcripts: Some(transcripts),
            ..SettingsPatch::default()
        },
    )
    .await
    .unwrap();
    let rep = s
        .create_user(
            &o.id,
            &NewUser {
                email: format!("rep@{name}.example"),
                name: "Rep".into(),
                role: Role::Rep,
                platform_admin: false,
            },
        )
        .await
        .unwrap();
    Org {
        id: o.id,
        rep: rep.id,
    }
}

fn new_call(started_at: i64) -> NewCall {
    NewCall {
        direction: Direction::Outbound,
        transport: Transport::Twilio,
        mode: CallMode::Outbound,
        status: CallStatus::Queued,
        from_number: "+15550100".into(),
        to_number: "+15550199".into(),
        user_id: None,
        campaign_id: None,
        lead_id: None,
        persona_id: None,
        script_id: None,
        script_version: None,
        external_id: None,
        started_at,
        answered_at: None,
        ended_at: None,
        outcome: None,
        end_reason: None,
    }
}

fn seg(seq: i64, text: &str) -> NewSegment {
    NewSegment {
        seq,
        speaker: if seq % 2 == 0 {
            Speaker::Caller
        } else {
            Speaker::Agent
        },
        start_ms: seq * 1000,
        end_ms: seq * 1000 + 900,
        text: text.into(),
        confidence: Some(0.875),
    }
}

fn recording(path: &str, method: ConsentMethod) -> NewRecording {
    NewRecording {
        path: path.into(),
        channels: 2,
        sample_rate: 8000,
        duration_ms: 1500,
        bytes: 24_044,
        consent: NewConsent {
            kind: ConsentKind::Recording,
            granted: true,
            method,
            detail: "test".into(),
        },
    }
}

fn page(cursor: Option<String>, limit: u32) -> PageRequest {
    PageRequest {
        cursor,
        limit: Some(limit),
    }
}

async fn insert_campaign(db: &TestDb, org_id: &str, id: &str) {
    db.store
        .execute_for_tests(&format!(
            "INSERT INTO campaigns (id, org_id, name, status, settings, created_at, updated_at) \
             VALUES ('{id}', '{org_id}', 'C', 'draft', '{{}}', 1, 1)"
        ))
        .await
        .unwrap();
}

async fn calls_create_get_and_references(db: &TestDb) {
    let s = &db.store;
    let a = org(s, "a", false).await;
    let b = org(s, "b", false).await;
    let now = s.now_ms();
    let mut n = new_call(now - 5000);
    n.user_id = Some(a.rep.clone());
    n.script_id = Some("scr_x".into());
    n.script_version = Some(3);
    n.external_id = Some("CA123".into());
    let call = s.create_call(&a.id, &n).await.unwrap();
    assert_eq!(call.status, CallStatus::Queued);
    assert_eq!(call.script_version, Some(3));
    assert_eq!(call.metrics, json!({}));
    assert_eq!(call.duration_ms, None);
    assert_eq!(s.get_call(&a.id, &call.id).await.unwrap(), call);
    // Another organization's call does not exist for b.
    assert!(matches!(
        s.get_call(&b.id, &call.id).await,
        Err(StoreError::NotFound)
    ));
    // References must be the organization's own.
    let mut foreign_user = new_call(now);
    foreign_user.user_id = Some(b.rep.clone());
    assert!(matches!(
        s.create_call(&a.id, &foreign_user).await,
        Err(StoreError::Invalid {
            field: "user_id",
            ..
        })
    ));
    insert_campaign(db, &b.id, "cmp_b").await;
    let mut foreign_campaign = new_call(now);
    foreign_campaign.campaign_id = Some("cmp_b".into());
    assert!(matches!(
        s.create_call(&a.id, &foreign_campaign).await,
        Err(StoreError::Invalid {
            field: "campaign_id",
            ..
        })
    ));
    let mut no_lead = new_call(now);
    no_lead.lead_id = Some("lead_missing".into());
    assert!(matches!(
        s.create_call(&a.id, &no_lead).await,
        Err(StoreError::Invalid {
            field: "lead_id",
            ..
        })
    ));
    // A finished call (an import) with its consent.
    let mut done = new_call(now - 60_000);
    done.transport = Transport::Upload;
    done.status = CallStatus::Completed;
    done.answered_at = Some(now - 60_000);
    done.ended_at = Some(now - 30_000);
    done.outcome = Some("booked".into());
    let consent = [NewConsent {
        kind: ConsentKind::Recording,
        granted: true,
        method: ConsentMethod::Announcement,
        detail: "call recorded notice".into(),
    }];
    let imported = s
        .create_call_with_consent(&a.id, &done, &consent)
        .await
        .unwrap();
    assert_eq!(imported.duration_ms, Some(30_000));
    let listed = s.list_consent(&a.id, &imported.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].method, ConsentMethod::Announcement);
    let mut bad = done.clone();
    bad.ended_at = Some(now - 70_000);
    assert!(matches!(
        s.create_call(&a.id, &bad).await,
        Err(StoreError::Invalid {
            field: "ended_at",
            ..
        })
    ));
    let mut open_end = done.clone();
    open_end.status = CallStatus::Ringing;
    assert!(matches!(
        s.create_call(&a.id, &open_end).await,
        Err(StoreError::Invalid {
            field: "status",
            ..
        })
    ));
}

async fn calls_list_filters_and_pages(db: &TestDb) {
    let s = &db.store;
    let a = org(s, "a", false).await;
    let b = org(s, "b", false).await;
    insert_campaign(db, &a.id, "cmp_a").await;
    let t0 = s.now_ms();
    let mut ids = Vec::new();
    for i in 0..7_i64 {
        let mut n = new_call(t0 + i * 1000);
        n.direction = if i % 2 == 0 {
            Direction::Inbound
        } else {
            Direction::Outbound
        };
        n.transport = if i < 3 {
            Transport::Sip
        } else {
            Transport::Webrtc
        };
        n.user_id = (i == 4).then(|| a.rep.clone());
        n.campaign_id = (i == 5).then(|| "cmp_a".to_owned());
        if i == 6 {
            n.status = CallStatus::Failed;
            n.ended_at = Some(t0 + 6500);
            n.outcome = Some("no_answer".into());
        }
        ids.push(s.create_call(&a.id, &n).await.unwrap().id);
        db.advance_ms(1);
    }
    s.create_call(&b.id, &new_call(t0)).await.unwrap();
    // Newest first, across pages of 3, every call once.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let p = s
            .list_calls(&a.id, &CallFilter::default(), &page(cursor, 3))
            .await
            .unwrap();
        seen.extend(p.items.iter().map(|c| c.id.clone()));
        cursor = p.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    let mut expected = ids.clone();
    expected.reverse();
    assert_eq!(seen, expected);
    let aid = a.id.as_str();
    let ids_of = |f: CallFilter| async move {
        let p = s.list_calls(aid, &f, &page(None, 50)).await.unwrap();
        p.items.into_iter().map(|c| c.id).collect::<Vec<_>>()
    };
    let range = CallFilter {
        from: Some(t0 + 1000),
        to: Some(t0 + 3000),
        ..CallFilter::default()
    };
    assert_eq!(ids_of(range).await, vec![ids[2].clone(), ids[1].clone()]);
    let inbound_sip = CallFilter {
        direction: Some(Direction::Inbound),
        transport: Some(Transport::Sip),
        ..CallFilter::default()
    };
    assert_eq!(
        ids_of(inbound_sip).await,
        vec![ids[2].clone(), ids[0].clone()]
    );
    let by_user = CallFilter {
        user_id: Some(a.rep.clone()),
        ..CallFilter::default()
    };
    assert_eq!(ids_of(by_user).await, vec![ids[4].clone()]);
    let rep_view = CallFilter {
        visible_to: Some(a.rep.clone()),
        ..CallFilter::default()
    };
    assert_eq!(ids_of(rep_view).await, vec![ids[4].clone()]);
    let by_campaign = CallFilter {
        campaign_id: Some("cmp_a".into()),
        ..CallFilter::default()
    };
    assert_eq!(ids_of(by_campaign).await, vec![ids[5].clone()]);
    let failed = CallFilter {
        status: Some(CallStatus::Failed),
        outcome: Some("no_answer".into()),
        ..CallFilter::default()
    };
    assert_eq!(ids_of(failed).await, vec![ids[6].clone()]);
    assert!(matches!(
        s.list_calls(
            &a.id,
            &CallFilter::default(),
            &page(Some("usr_x".into()), 3)
        )
        .await,
        Err(StoreError::Invalid {
            field: "cursor",
            ..
        })
    ));
}

async fn call_status_moves_forward(db: &TestDb) {
    let s = &db.store;
    let a = org(s, "a", false).await;
    let b = org(s, "b", false).await;
    let t0 = s.now_ms();
    let call = s.create_call(&a.id, &new_call(t0)).await.unwrap();
    let up = |status, at| StatusUpdate {
        status,
        at,
        outcome: None,
        end_reason: None,
    };
    let c = s
        .update_call_status(&a.id, &call.id, &up(CallStatus::Ringing, t0 + 100))
        .await
        .unwrap();
    assert_eq!(c.status, CallStatus::Ringing);
    let c = s
        .update_call_status(&a.id, &call.id, &up(CallStatus::InProgress, t0 + 2000))
        .await
        .unwrap();
    assert_eq!(c.answered_at, Some(t0 + 2000));
    assert!(matches!(
        s.update_call_status(&a.id, &call.id, &up(CallStatus::Ringing, t0 + 2100))
            .await,
        Err(StoreError::Conflict(_))
    ));
    let end = StatusUpdate {
        status: CallStatus::Completed,
        at: t0 + 62_000,
        outcome: Some("booked".into()),
        end_reason: Some("caller hung up".into()),
    };
    let c = s.update_call_status(&a.id, &call.id, &end).await.unwrap();
    assert_eq!(c.ended_at, Some(t0 + 62_000));
    assert_eq!(c.duration_ms, Some(60_000));
    assert_eq!(c.outcome.as_deref(), Some("booked"));
    assert_eq!(c.end_reason.as_deref(), Some("caller hung up"));
    assert!(matches!(
        s.update_call_status(&a.id, &call.id, &up(CallStatus::Failed, t0 + 63_000))
            .await,
        Err(StoreError::Conflict(_))
    ));
    // Unanswered calls have no talk time.
    let missed = s.create_call(&a.id, &new_call(t0)).await.unwrap();
    let c = s
        .update_call_status(&a.id, &missed.id, &up(CallStatus::Failed, t0 + 30_000))
        .await
        .unwrap();
    assert_eq!(c.duration_ms, Some(0));
    assert!(matches!(
        s.update_call_status(&b.id, &missed.id, &up(CallStatus::Ringing, t0))
            .await,
        Err(StoreError::NotFound)
    ));
}

async fn call_metrics(db: &TestDb) {
    let s = &db.store;
    let a = org(s, "a", false).await;
    let b = org(s, "b", false).await;
    let call = s.create_call(&a.id, &new_call(s.now_ms())).await.unwrap();
    let m = json!({"turns": 4, "ttfb_ms": [310, 280]});
    s.set_call_metrics(&a.id, &call.id, &m).await.unwrap();
    assert_eq!(s.get_call(&a.id, &call.id).await.unwrap().metrics, m);
    assert!(matches!(
        s.set_call_metrics(&a.id, &call.id, &json!([1])).await,
        Err(StoreError::Invalid {
            field: "metrics",
            ..
        })
    ));
    assert!(matches!(
        s.set_call_metrics(&b.id, &call.id, &m).await,
        Err(StoreError::NotFound)
    ));
}

async fn segments_need_the_opt_in_and_record_consent(db: &TestDb) {
    let s = &db.store;
    let off = org(s, "off", false).await;
    let call = s.create_call(&off.id, &new_call(s.now_ms())).await.unwrap();
    assert!(matches!(
        s.add_segment(&off.id, &call.id, &seg(0, "hello")).await,
        Err(SegmentError::TranscriptsDisabled)
    ));
    assert_eq!(s.count_segments(&off.id, &call.id).await.unwrap(), 0);
    assert!(s.list_consent(&off.id, &call.id).await.unwrap().is_empty());
    s.update_settings(
        &off.id,
        &SettingsPatch {
            store_transcripts: Some(true),
            ..SettingsPatch::default()
        },
    )
    .await
    .unwrap();
    let w = s
        .add_segment(&off.id, &call.id, &seg(0, "hello"))
        .await
        .unwrap();
    assert!(w.created);
    assert_eq!(w.segment.confidence, Some(0.875));
    s.add_segment(&off.id, &call.id, &seg(1, "hi there"))
        .await
        .unwrap();
    let consent = s.list_consent(&off.id, &call.id).await.unwrap();
    assert_eq!(consent.len(), 1, "one transcript consent per call");
    assert_eq!(consent[0].kind, ConsentKind::Transcript);
    assert_eq!(consent[0].method, ConsentMethod::Setting);
    assert!(consent[0].granted);
    // A call that already has its transcript consent keeps it as it is.
    let verbal = s.create_call(&off.id, &new_call(s.now_ms())).await.unwrap();
    s.add_consent(
        &off.id,
        &verbal.id,
        &NewConsent {
            kind: ConsentKind::Transcript,
            granted: true,
            method: ConsentMethod::Verbal,
            detail: "said yes".into(),
        },
    )
    .await
    .unwrap();
    s.add_segment(&off.id, &verbal.id, &seg(0, "yes"))
        .await
        .unwrap();
    let consent = s.list_consent(&off.id, &verbal.id).await.unwrap();
    assert_eq!(consent.len(), 1);
    assert_eq!(consent[0].method, ConsentMethod::Verbal);
}

async fn segments_are_idempotent_and_validated(db: &TestDb) {
    let s = &db.store;
    let a = org(s, "a", true).await;
    let b = org(s, "b", true).await;
    let call = s.create_call(&a.id, &new_call(s.now_ms())).await.unwrap();
    let first = s
        .add_segment(&a.id, &call.id, &seg(0, "same"))
        .await
        .unwrap();
    let again = s
        .add_segment(&a.id, &call.id, &seg(0, "same"))
        .await
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.segment, first.segment);
    assert!(matches!(
        s.add_segment(&a.id, &call.id, &seg(0, "different")).await,
        Err(SegmentError::Store(StoreError::Conflict(_)))
    ));
    // A batch is all or nothing: its conflicting segment keeps the others out too.
    let batch = [seg(1, "one"), seg(2, "two"), seg(0, "different")];
    assert!(s.add_segments(&a.id, &call.id, &batch).await.is_err());
    assert_eq!(s.count_segments(&a.id, &call.id).await.unwrap(), 1);
    let ok = s.add_segments(&a.id, &call.id, &batch[..2]).await.unwrap();
    assert!(ok.iter().all(|w| w.created));
    let mut bad = seg(3, "x");
    bad.end_ms = bad.start_ms - 1;
    let mut bad_conf = seg(3, "x");
    bad_conf.confidence = Some(1.5);
    for (b, field) in [
        (seg(-1, "x"), "seq"),
        (bad, "end_ms"),
        (seg(3, "  "), "text"),
        (seg(3, "forged \u{E000}mark"), "text"),
        (bad_conf, "confidence"),
    ] {
        match s.add_segment(&a.id, &call.id, &b).await {
            Err(SegmentError::Store(StoreError::Invalid { field: f, .. })) => {
                assert_eq!(f, field)
            }
            other => panic!("{field}: {other:?}"),
        }
    }
    assert!(matches!(
        s.add_segment(&b.id, &call.id, &seg(9, "x")).await,
        Err(SegmentError::Store(StoreError::NotFound))
    ));
    let listed = s.list_segments(&a.id, &call.id).await.unwrap();
    let seqs: Vec<i64> = listed.iter().map(|x| x.seq).collect();
    assert_eq!(seqs, vec![0, 1, 2]);
    assert_eq!(listed[1].text, "one");
    assert!(s.list_segments(&b.id, &call.id).await.unwrap().is_empty());
    assert!(matches!(
        s.delete_transcript(&b.id, &call.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.delete_transcript(&a.id, &call.id).await.unwrap(), 3);
    assert_eq!(s.count_segments(&a.id, &call.id).await.unwrap(), 0);
}

async fn concurrent_segment_writes_all_land(db: &TestDb) {
    let s = &db.store;
    let a = org(s, "a", true).await;
    let call = s.create_call(&a.id, &new_call(s.now_ms())).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..40_i64 {
        let (s, org, call) = (s.clone(), a.id.clone(), call.id.clone());
        tasks.push(tokio::spawn(async move {
            s.add_segment(&org, &call, &seg(i, &format!("segment number {i}")))
                .await
                .map(|w| w.created)
        }));
    }
    for t in tasks {
        assert!(t.await.unwrap().unwrap());
    }
    let listed = s.list_segments(&a.id, &call.id).await.unwrap();
    assert_eq!(listed.len(), 40);
    for (i, x) in listed.iter().enumerate() {
        assert_eq!(x.text, format!("segment number {i}"));
    }
    assert_eq!(s.list_consent(&a.id, &call.id).await.unwrap().len(), 1);
}

async fn search_finds_fresh_segments_with_highlights(db: &TestDb) {
    let s = &db.store;
    let a = org(s, "a", true).await;
    let b = org(s, "b", true).await;
    let mine = {
        let mut n = new_call(s.now_ms());
        n.user_id = Some(a.rep.clone());
        n.direction = Direction::Inbound;
        s.create_call(&a.id, &n).await.unwrap()
    };
    let other = s.create_call(&a.id, &new_call(s.now_ms())).await.unwrap();
    let foreign = s.create_call(&b.id, &new_call(s.now_ms())).await.unwrap();
    let search = |org: String, q: &str, calls: CallFilter| {
        let req = SearchRequest {
            q: q.into(),
            calls,
            cursor: None,
            limit: Some(50),
        };
        async move { s.search_transcripts(&org, &req).await.unwrap().items }
    };
    s.add_segment(
        &a.id,
        &mine.id,
        &seg(0, "Your pricing is <b>too</b> high & odd"),
    )
    .await
    .unwrap();
    // Searchable as soon as the write returned.
    let hits = search(a.id.clone(), "pricing", CallFilter::default()).await;
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].call_id, mine.id);
    assert_eq!(hits[0].seq, 0);
    assert_eq!(hits[0].speaker, Speaker::Caller);
    assert!(
        hits[0].snippet.contains("<mark>pricing</mark>"),
        "{:?}",
        hits[0]
    );
    assert!(!hits[0].snippet.contains("<b>"), "escaped: {:?}", hits[0]);
    assert!(hits[0].rank > 0.0);
    s.add_segment(
        &a.id,
        &other.id,
        &seg(1, "We changed the pricing next quarter"),
    )
    .await
    .unwrap();
    s.add_segment(&b.id, &foreign.id, &seg(0, "pricing pricing pricing"))
        .await
        .unwrap();
    assert_eq!(
        search(a.id.clone(), "pricing", CallFilter::default())
            .await
            .len(),
        2
    );
    // Scoped: the other organization's segment never shows; a rep sees their calls only.
    let rep = CallFilter {
        visible_to: Some(a.rep.clone()),
        ..CallFilter::default()
    };
    assert_eq!(search(a.id.clone(), "pricing", rep).await.len(), 1);
    let outbound = CallFilter {
        direction: Some(Direction::Outbound),
        ..CallFilter::default()
    };
    let hits = search(a.id.clone(), "pricing", outbound).await;
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].call_id, other.id);
    // The websearch syntax on both backends.
    let phrase = search(a.id.clone(), "\"next quarter\"", CallFilter::default()).await;
    assert_eq!(phrase.len(), 1);
    let not = search(a.id.clone(), "pricing -quarter", CallFilter::default()).await;
    assert_eq!(not.len(), 1);
    assert_eq!(not[0].call_id, mine.id);
    let either = search(a.id.clone(), "odd or quarter", CallFilter::default()).await;
    assert_eq!(either.len(), 2);
    // Junk and FTS syntax never fail.
    for junk in [
        "\"",
        "\"\"\"",
        "a\"b",
        "text:pricing",
        "NEAR(",
        "*",
        "-",
        "pricing)",
        "')--",
        "^ AND OR",
    ] {
        let req = SearchRequest {
            q: junk.into(),
            ..SearchRequest::default()
        };
        s.search_transcripts(&a.id, &req).await.unwrap();
    }
}

async fn search_pages(db: &TestDb) {
    let s = &db.store;
    let a = org(s, "a", true).await;
    let call = s.create_call(&a.id, &new_call(s.now_ms())).await.unwrap();
    let batch: Vec<NewSegment> = (0..5).map(|i| seg(i, "budget talk")).collect();
    s.add_segments(&a.id, &call.id, &batch).await.unwrap();
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let req = SearchRequest {
            q: "budget".into(),
            calls: CallFilter::default(),
            cursor,
            limit: Some(2),
        };
        let p = s.search_transcripts(&a.id, &req).await.unwrap();
        seen.extend(p.items.iter().map(|h| h.seq));
        cursor = p.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    seen.sort_unstable();
    assert_eq!(seen, vec![0, 1, 2, 3, 4]);
    let bad = SearchRequest {
        q: "budget".into(),
        cursor: Some("call_x".into()),
        ..SearchRequest::default()
    };
    assert!(matches!(
        s.search_transcripts(&a.id, &bad).await,
        Err(StoreError::Invalid {
            field: "cursor",
            ..
        })
    ));
}

async fn consent_records(db: &TestDb) {
    let s = &db.store;
    let a = org(s, "a", false).await;
    let b = org(s, "b", false).await;
    let call = s.create_call(&a.id, &new_call(s.now_ms())).await.unwrap();
    let new = NewConsent {
        kind: ConsentKind::AiDisclosure,
        granted: true,
        method: ConsentMethod::Announcement,
        detail: "You are speaking with an AI assistant".into(),
    };
    let c = s.add_consent(&a.id, &call.id, &new).await.unwrap();
    assert_eq!(c.kind, ConsentKind::AiDisclosure);
    assert_eq!(c.call_id, call.id);
    let refused = NewConsent {
        kind: ConsentKind::Recording,
        granted: false,
        method: ConsentMethod::Dtmf,
        detail: "pressed 2".into(),
    };
    s.add_consent(&a.id, &call.id, &refused).await.unwrap();
    let list = s.list_consent(&a.id, &call.id).await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0], c);
    assert!(!list[1].granted);
    assert!(matches!(
        s.add_consent(&b.id, &call.id, &new).await,
        Err(StoreError::NotFound)
    ));
    assert!(s.list_consent(&b.id, &call.id).await.unwrap().is_empty());
}

async fn recordings(db: &TestDb) {
    let s = &db.store;
    let a = org(s, "a", false).await;
    let b = org(s, "b", false).await;
    let call = s.create_call(&a.id, &new_call(s.now_ms())).await.unwrap();
    assert!(matches!(
        s.get_recording(&a.id, &call.id).await,
        Err(StoreError::NotFound)
    ));
    let saved = s
        .create_recording(
            &a.id,
            &call.id,
            &recording("recordings/a/x.wav", ConsentMethod::Announcement),
        )
        .await
        .unwrap();
    assert!(saved.replaced_paths.is_empty());
    assert_eq!(
        s.get_recording(&a.id, &call.id).await.unwrap(),
        saved.recording
    );
    let consent = s.list_consent(&a.id, &call.id).await.unwrap();
    assert_eq!(consent.len(), 1);
    assert_eq!(consent[0].kind, ConsentKind::Recording);
    assert_eq!(consent[0].method, ConsentMethod::Announcement);
    // A second recording replaces the first and reports the old file.
    let again = s
        .create_recording(
            &a.id,
            &call.id,
            &recording("recordings/a/y.wav", ConsentMethod::Setting),
        )
        .await
        .unwrap();
    assert_eq!(again.replaced_paths, vec!["recordings/a/x.wav".to_owned()]);
    assert_eq!(
        s.get_recording(&a.id, &call.id).await.unwrap().path,
        "recordings/a/y.wav"
    );
    assert_eq!(s.list_consent(&a.id, &call.id).await.unwrap().len(), 1);
    let mut wrong_kind = recording("r.wav", ConsentMethod::Setting);
    wrong_kind.consent.kind = ConsentKind::Transcript;
    assert!(matches!(
        s.create_recording(&a.id, &call.id, &wrong_kind).await,
        Err(StoreError::Invalid {
            field: "consent",
            ..
        })
    ));
    assert!(matches!(
        s.create_recording(&b.id, &call.id, &recording("r.wav", ConsentMethod::Setting))
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.get_recording(&b.id, &call.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.delete_recording(&b.id, &call.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        s.delete_recording(&a.id, &call.id).await.unwrap(),
        vec!["recordings/a/y.wav".to_owned()]
    );
    assert!(matches!(
        s.delete_recording(&a.id, &call.id).await,
        Err(StoreError::NotFound)
    ));
}

async fn analyses(db: &TestDb) {
    let s = &db.store;
    let a = org(s, "a", false).await;
    let b = org(s, "b", false).await;
    let mut n = new_call(s.now_ms());
    n.user_id = Some(a.rep.clone());
    let reps_call = s.create_call(&a.id, &n).await.unwrap();
    let other_call = s.create_call(&a.id, &new_call(s.now_ms())).await.unwrap();
    let first = s.create_analysis(&a.id, Some(&reps_call.id)).await.unwrap();
    assert_eq!(first.status, AnalysisStatus::Pending);
    assert_eq!(first.result, json!({}));
    db.advance_ms(10);
    let result = json!({"talk_ratio": 0.42, "questions": 7});
    let done = s
        .update_analysis(&a.id, &first.id, AnalysisStatus::Done, &result)
        .await
        .unwrap();
    assert_eq!(done.result, result);
    assert_eq!(done.updated_at, first.created_at + 10);
    assert_eq!(s.get_analysis(&a.id, &first.id).await.unwrap(), done);
    let second = s
        .create_analysis(&a.id, Some(&other_call.id))
        .await
        .unwrap();
    let loose = s.create_analysis(&a.id, None).await.unwrap();
    assert_eq!(
        s.latest_analysis(&a.id, &reps_call.id).await.unwrap(),
        Some(done.clone())
    );
    assert_eq!(s.latest_analysis(&b.id, &reps_call.id).await.unwrap(), None);
    let aid = a.id.as_str();
    let ids = |f: AnalysisFilter| async move {
        let p = s.list_analyses(aid, &f, &page(None, 50)).await.unwrap();
        p.items.into_iter().map(|x| x.id).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(AnalysisFilter::default()).await,
        vec![loose.id.clone(), second.id.clone(), first.id.clone()]
    );
    let rep = AnalysisFilter {
        visible_to: Some(a.rep.clone()),
        ..AnalysisFilter::default()
    };
    assert_eq!(ids(rep).await, vec![first.id.clone()]);
    let pending = AnalysisFilter {
        status: Some(AnalysisStatus::Pending),
        call_id: Some(other_call.id.clone()),
        ..AnalysisFilter::default()
    };
    assert_eq!(ids(pending).await, vec![second.id.clone()]);
    let p1 = s
        .list_analyses(&a.id, &AnalysisFilter::default(), &page(None, 2))
        .await
        .unwrap();
    let p2 = s
        .list_analyses(&a.id, &AnalysisFilter::default(), &page(p1.next_cursor, 2))
        .await
        .unwrap();
    assert_eq!(p2.items.len(), 1);
    assert_eq!(p2.next_cursor, None);
    assert!(matches!(
        s.get_analysis(&b.id, &first.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.update_analysis(&b.id, &first.id, AnalysisStatus::Failed, &json!({}))
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.create_analysis(&b.id, Some(&reps_call.id)).await,
        Err(StoreError::Invalid {
            field: "call_id",
            ..
        })
    ));
}

async fn delete_call_removes_its_content(db: &TestDb) {
    let s = &db.store;
    let a = org(s, "a", true).await;
    let b = org(s, "b", true).await;
    let call = s.create_call(&a.id, &new_call(s.now_ms())).await.unwrap();
    let keep = s.create_call(&a.id, &new_call(s.now_ms())).await.unwrap();
    for c in [&call, &keep] {
        s.add_segment(&a.id, &c.id, &seg(0, "unique zebra words"))
            .await
            .unwrap();
        s.create_recording(
            &a.id,
            &c.id,
            &recording(&format!("recordings/{}.wav", c.id), ConsentMethod::Setting),
        )
        .await
        .unwrap();
        s.create_analysis(&a.id, Some(&c.id)).await.unwrap();
    }
    assert!(matches!(
        s.delete_call(&b.id, &call.id).await,
        Err(StoreError::NotFound)
    ));
    let paths = s.delete_call(&a.id, &call.id).await.unwrap();
    assert_eq!(paths, vec![format!("recordings/{}.wav", call.id)]);
    assert!(matches!(
        s.get_call(&a.id, &call.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.count_segments(&a.id, &call.id).await.unwrap(), 0);
    assert!(s.list_consent(&a.id, &call.id).await.unwrap().is_empty());
    assert_eq!(s.latest_analysis(&a.id, &call.id).await.unwrap(), None);
    let req = SearchRequest {
        q: "zebra".into(),
        ..SearchRequest::default()
    };
    let hits = s.search_transcripts(&a.id, &req).await.unwrap().items;
    assert_eq!(
        hits.len(),
        1,
        "only the kept call's segment is still indexed"
    );
    assert_eq!(hits[0].call_id, keep.id);
    assert!(s.get_recording(&a.id, &keep.id).await.is_ok());
    assert!(matches!(
        s.delete_call(&a.id, &call.id).await,
        Err(StoreError::NotFound)
    ));
}

async fn retention_removes_expired_content_only(db: &TestDb) {
    let s = &db.store;
    const DAY: i64 = 86_400_000;
    let short = org(s, "short", true).await;
    let long = org(s, "long", true).await;
    s.update_settings(
        &short.id,
        &SettingsPatch {
            retention_days: Some(7),
            ..SettingsPatch::default()
        },
    )
    .await
    .unwrap();
    let now = s.now_ms();
    // (org, age in days): the 7-day org loses its 8-day-old call's content; the 90-day
    // (default) org keeps its 30-day-old call and loses the 91-day-old one.
    let cases = [
        (&short.id, 8, true),
        (&short.id, 6, false),
        (&long.id, 91, true),
        (&long.id, 30, false),
    ];
    let mut calls = Vec::new();
    for (org_id, age, _) in &cases {
        let c = s
            .create_call(org_id, &new_call(now - age * DAY))
            .await
            .unwrap();
        let batch: Vec<NewSegment> = (0..3).map(|i| seg(i, "retained words")).collect();
        s.add_segments(org_id, &c.id, &batch).await.unwrap();
        s.create_recording(
            org_id,
            &c.id,
            &recording(&format!("recordings/{}.wav", c.id), ConsentMethod::Setting),
        )
        .await
        .unwrap();
        calls.push(c);
    }
    let report = s.apply_retention(s.now_ms()).await.unwrap();
    assert_eq!(report.segments_deleted, 6);
    let mut gone = report.recordings.clone();
    gone.sort();
    let mut expected = vec![
        format!("recordings/{}.wav", calls[0].id),
        format!("recordings/{}.wav", calls[2].id),
    ];
    expected.sort();
    assert_eq!(gone, expected);
    for ((org_id, _, expired), c) in cases.iter().zip(&calls) {
        let n = s.count_segments(org_id, &c.id).await.unwrap();
        assert_eq!(n, if *expired { 0 } else { 3 }, "{}", c.id);
        assert_eq!(s.get_recording(org_id, &c.id).await.is_ok(), !expired);
        // The call and its consent records stay.
        s.get_call(org_id, &c.id).await.unwrap();
        assert_eq!(s.list_consent(org_id, &c.id).await.unwrap().len(), 2);
    }
    // Nothing else is due now; two days later the 6-day-old call expires too.
    assert_eq!(
        s.apply_retention(s.now_ms()).await.unwrap(),
        Default::default()
    );
    db.advance_ms(2 * DAY);
    let later = s.apply_retention(s.now_ms()).await.unwrap();
    assert_eq!(later.segments_deleted, 3);
    assert_eq!(
        later.recordings,
        vec![format!("recordings/{}.wav", calls[1].id)]
    );
    assert_eq!(s.count_segments(&long.id, &calls[3].id).await.unwrap(), 3);
}

both_backends!(
    calls_create_get_and_references,
    calls_list_filters_and_pages,
    call_status_moves_forward,
    call_metrics,
    segments_need_the_opt_in_and_record_consent,
    segments_are_idempotent_and_validated,
    concurrent_segment_writes_all_land,
    search_finds_fresh_segments_with_highlights,
    search_pages,
    consent_records,
    recordings,
    analyses,
    delete_call_removes_its_content,
    retention_removes_expired_content_only,
);
