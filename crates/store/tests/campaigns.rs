//! Campaigns, leads (single and bulk import) and the DNC list, on both backends.

#![allow(clippy::unwrap_used)]

mod common;

use callbridge_store::campaigns::{
    CallingWindow, CampaignPatch, CampaignSettings, CampaignStatus, NewCampaign, Pacing,
    TimeZonePolicy, VoicemailPolicy, Weekday,
};
use callbridge_store::dnc::DncSource;
use callbridge_store::leads::{LeadPatch, LeadStatus, NewLead, TimeZoneSource};
use callbridge_store::{PageRequest, StoreError};
use common::TestDb;
use serde_json::json;

fn settings() -> CampaignSettings {
    CampaignSettings {
        calling_window: CallingWindow {
            start: "09:00".into(),
            end: "17:00".into(),
            days: vec![Weekday::Mon, Weekday::Fri],
        },
        time_zone_policy: TimeZonePolicy::Lead,
        max_attempts: 3,
        retry_delay_minutes: 60,
        pacing: Pacing {
            calls_per_minute: 10,
            max_concurrent: 2,
        },
        caller_id: "+14155550100".into(),
        ai_disclosure: "This is an AI assistant calling for Acme.".into(),
        voicemail: VoicemailPolicy::default(),
    }
}

fn page(cursor: Option<String>, limit: u32) -> PageRequest {
    PageRequest {
        cursor,
        limit: Some(limit),
    }
}

/// A script row, written directly (scripts are another module's).
async fn script(db: &TestDb, org: &str) -> String {
    let id = callbridge_store::id::new_id("scr", db.store.now_ms());
    db.store
        .execute_for_tests(&format!(
            "INSERT INTO scripts (id, org_id, name, kind, current_version, created_at, updated_at) \
             VALUES ('{id}', '{org}', 'Intro', 'outbound', 1, 0, 0)"
        ))
        .await
        .unwrap();
    id
}

async fn campaign(db: &TestDb, org: &str, script_id: Option<String>) -> String {
    db.store
        .create_campaign(
            org,
            &NewCampaign {
                name: "Q1 outreach".into(),
                script_id,
                settings: settings(),
            },
        )
        .await
        .unwrap()
        .id
}

fn lead(phone: &str) -> NewLead {
    NewLead {
        phone: phone.into(),
        name: "Pat".into(),
        company: "Acme".into(),
        email: "pat@acme.io".into(),
        time_zone: "America/Los_Angeles".into(),
        time_zone_source: TimeZoneSource::Number,
        fields: json!({"deal": "big"}),
    }
}

async fn campaign_crud(db: &TestDb) {
    let s = &db.store;
    let org = s.create_org("A").await.unwrap().id;
    let other = s.create_org("B").await.unwrap().id;
    let scr = script(db, &org).await;
    let foreign_script = script(db, &other).await;
    let c = s
        .create_campaign(
            &org,
            &NewCampaign {
                name: "Q1".into(),
                script_id: Some(scr.clone()),
                settings: settings(),
            },
        )
        .await
        .unwrap();
    assert_eq!(c.status, CampaignStatus::Draft);
    assert_eq!(s.get_campaign(&org, &c.id).await.unwrap(), c);
    assert!(matches!(
        s.get_campaign(&other, &c.id).await,
        Err(StoreError::NotFound)
    ));
    // A script of another organization does not exist here.
    let bad = NewCampaign {
        name: "x".into(),
        script_id: Some(foreign_script.clone()),
        settings: settings(),
    };
    assert!(matches!(
        s.create_campaign(&org, &bad).await,
        Err(StoreError::Invalid {
            field: "script_id",
            ..
        })
    ));
    db.advance_ms(10);
    let mut new_settings = settings();
    new_settings.max_attempts = 5;
    let u = s
        .update_campaign(
            &org,
            &c.id,
            &CampaignPatch {
                name: Some("Q1 renamed".into()),
                script_id: Some(None),
                settings: Some(new_settings.clone()),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (
            u.name.as_str(),
            u.script_id.as_ref(),
            u.settings.max_attempts
        ),
        ("Q1 renamed", None, 5)
    );
    assert!(u.updated_at > c.updated_at);
    let patch = CampaignPatch {
        script_id: Some(Some(foreign_script)),
        ..Default::default()
    };
    assert!(matches!(
        s.update_campaign(&org, &c.id, &patch).await,
        Err(StoreError::Invalid {
            field: "script_id",
            ..
        })
    ));
    assert!(matches!(
        s.update_campaign(&other, &c.id, &CampaignPatch::default())
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.delete_campaign(&other, &c.id).await,
        Err(StoreError::NotFound)
    ));
    s.delete_campaign(&org, &c.id).await.unwrap();
    assert!(matches!(
        s.delete_campaign(&org, &c.id).await,
        Err(StoreError::NotFound)
    ));
}

async fn campaign_status_machine(db: &TestDb) {
    let s = &db.store;
    let org = s.create_org("A").await.unwrap().id;
    let no_script = campaign(db, &org, None).await;
    assert!(matches!(
        s.set_campaign_status(&org, &no_script, CampaignStatus::Running)
            .await,
        Err(StoreError::Conflict(m)) if m.contains("script_id")
    ));
    let id = campaign(db, &org, Some(script(db, &org).await)).await;
    let go = |to| s.set_campaign_status(&org, &id, to);
    assert!(matches!(
        go(CampaignStatus::Paused).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        go(CampaignStatus::Completed).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        go(CampaignStatus::Running).await.unwrap().status,
        CampaignStatus::Running
    );
    assert!(matches!(
        go(CampaignStatus::Running).await,
        Err(StoreError::Conflict(_))
    ));
    // A running campaign cannot be deleted.
    assert!(matches!(
        s.delete_campaign(&org, &id).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        go(CampaignStatus::Paused).await.unwrap().status,
        CampaignStatus::Paused
    );
    assert_eq!(
        go(CampaignStatus::Running).await.unwrap().status,
        CampaignStatus::Running
    );
    assert_eq!(
        go(CampaignStatus::Completed).await.unwrap().status,
        CampaignStatus::Completed
    );
    for to in [
        CampaignStatus::Draft,
        CampaignStatus::Running,
        CampaignStatus::Paused,
    ] {
        assert!(matches!(go(to).await, Err(StoreError::Conflict(_))));
    }
    // Completed is final: no edits, no new leads.
    assert!(matches!(
        s.update_campaign(&org, &id, &CampaignPatch::default())
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.create_lead(&org, &id, &lead("+14155550134")).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.begin_lead_import(&org, &id, true).await,
        Err(StoreError::Conflict(_))
    ));
    let other = s.create_org("B").await.unwrap().id;
    assert!(matches!(
        s.set_campaign_status(&other, &id, CampaignStatus::Paused)
            .await,
        Err(StoreError::NotFound)
    ));
}

async fn campaign_listing(db: &TestDb) {
    let s = &db.store;
    let org = s.create_org("A").await.unwrap().id;
    let scr = script(db, &org).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(campaign(db, &org, Some(scr.clone())).await);
    }
    s.set_campaign_status(&org, &ids[1], CampaignStatus::Running)
        .await
        .unwrap();
    s.set_campaign_status(&org, &ids[3], CampaignStatus::Running)
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let p = s
            .list_campaigns(&org, None, &page(cursor, 2))
            .await
            .unwrap();
        seen.extend(p.items.iter().map(|c| c.id.clone()));
        cursor = p.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, ids);
    let running = s
        .list_campaigns(&org, Some(CampaignStatus::Running), &page(None, 50))
        .await
        .unwrap();
    let running: Vec<String> = running.items.into_iter().map(|c| c.id).collect();
    assert_eq!(running, vec![ids[1].clone(), ids[3].clone()]);
    let other = s.create_org("B").await.unwrap().id;
    assert!(
        s.list_campaigns(&other, None, &page(None, 50))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(matches!(
        s.list_campaigns(&org, None, &page(Some("junk".into()), 5))
            .await,
        Err(StoreError::Invalid {
            field: "cursor",
            ..
        })
    ));
}

async fn lead_crud(db: &TestDb) {
    let s = &db.store;
    let org = s.create_org("A").await.unwrap().id;
    let other = s.create_org("B").await.unwrap().id;
    let c = campaign(db, &org, None).await;
    let l = s
        .create_lead(&org, &c, &lead("+14155550134"))
        .await
        .unwrap();
    assert_eq!(
        (l.status, l.attempts, l.fields["deal"].as_str()),
        (LeadStatus::Pending, 0, Some("big"))
    );
    assert_eq!(s.get_lead(&org, &c, &l.id).await.unwrap(), l);
    assert!(matches!(
        s.get_lead(&other, &c, &l.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.create_lead(&org, &c, &lead("+14155550134")).await,
        Err(StoreError::Conflict(m)) if m.contains("already")
    ));
    assert!(matches!(
        s.create_lead(&other, &c, &lead("+14155550135")).await,
        Err(StoreError::NotFound)
    ));
    // The same number may be a lead of another campaign.
    let c2 = campaign(db, &org, None).await;
    s.create_lead(&org, &c2, &lead("+14155550134"))
        .await
        .unwrap();

    let u = s
        .update_lead(
            &org,
            &c,
            &l.id,
            &LeadPatch {
                name: Some("Sam".into()),
                time_zone: Some("America/Denver".into()),
                status: Some(LeadStatus::Failed),
                fields: Some(json!({"x": "1"})),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (
            u.name.as_str(),
            u.time_zone.as_str(),
            u.time_zone_source,
            u.status
        ),
        (
            "Sam",
            "America/Denver",
            TimeZoneSource::Row,
            LeadStatus::Failed
        )
    );
    assert_eq!(
        (u.company.as_str(), u.fields.clone()),
        ("Acme", json!({"x": "1"}))
    );
    for bad in [LeadStatus::Calling, LeadStatus::Dnc] {
        let patch = LeadPatch {
            status: Some(bad),
            ..Default::default()
        };
        assert!(matches!(
            s.update_lead(&org, &c, &l.id, &patch).await,
            Err(StoreError::Invalid {
                field: "status",
                ..
            })
        ));
    }
    let requeued = s
        .update_lead(
            &org,
            &c,
            &l.id,
            &LeadPatch {
                status: Some(LeadStatus::Pending),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(requeued.status, LeadStatus::Pending);
    assert!(matches!(
        s.update_lead(&other, &c, &l.id, &LeadPatch::default())
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.delete_lead(&other, &c, &l.id).await,
        Err(StoreError::NotFound)
    ));
    // A lead is addressed through its own campaign only.
    assert!(matches!(
        s.get_lead(&org, &c2, &l.id).await,
        Err(StoreError::NotFound)
    ));
    s.delete_lead(&org, &c, &l.id).await.unwrap();
    assert!(matches!(
        s.delete_lead(&org, &c, &l.id).await,
        Err(StoreError::NotFound)
    ));
    // Deleting a campaign deletes its leads.
    s.delete_campaign(&org, &c2).await.unwrap();
    assert!(matches!(
        s.list_leads(&org, &c2, None, &page(None, 5)).await,
        Err(StoreError::NotFound)
    ));
}

async fn lead_listing(db: &TestDb) {
    let s = &db.store;
    let org = s.create_org("A").await.unwrap().id;
    let c = campaign(db, &org, None).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let l = s
            .create_lead(&org, &c, &lead(&format!("+1415555010{i}")))
            .await
            .unwrap();
        ids.push(l.id);
    }
    let done = LeadPatch {
        status: Some(LeadStatus::Done),
        ..Default::default()
    };
    s.update_lead(&org, &c, &ids[2], &done).await.unwrap();
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let p = s
            .list_leads(&org, &c, None, &page(cursor, 2))
            .await
            .unwrap();
        seen.extend(p.items.into_iter().map(|l| l.id));
        cursor = p.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, ids);
    let p = s
        .list_leads(&org, &c, Some(LeadStatus::Done), &page(None, 50))
        .await
        .unwrap();
    assert_eq!(p.items.len(), 1);
    assert_eq!(p.items[0].id, ids[2]);
    let p = s
        .list_leads(&org, &c, Some(LeadStatus::Pending), &page(None, 50))
        .await
        .unwrap();
    assert_eq!(p.items.len(), 4);
    let other = s.create_org("B").await.unwrap().id;
    assert!(matches!(
        s.list_leads(&other, &c, None, &page(None, 5)).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.list_leads(&org, &c, None, &page(Some("cmp_x".into()), 5))
            .await,
        Err(StoreError::Invalid {
            field: "cursor",
            ..
        })
    ));
}

async fn lead_import_batches(db: &TestDb) {
    let s = &db.store;
    let org = s.create_org("A").await.unwrap().id;
    let other = s.create_org("B").await.unwrap().id;
    let c = campaign(db, &org, None).await;
    s.create_lead(&org, &c, &lead("+14155550100"))
        .await
        .unwrap();
    s.add_dnc(&org, "+14155550101", "asked", DncSource::Api)
        .await
        .unwrap();
    // Another org's DNC entry does not apply here.
    s.add_dnc(&other, "+14155550102", "asked", DncSource::Api)
        .await
        .unwrap();
    let phones: Vec<String> = (100..103).map(|i| format!("+14155550{i}")).collect();

    // A dry run sees existing leads and DNC entries and writes nothing.
    let mut dry = s.begin_lead_import(&org, &c, false).await.unwrap();
    assert_eq!(
        dry.existing_phones(&phones).await.unwrap(),
        [phones[0].clone()].into()
    );
    assert_eq!(
        dry.dnc_phones(&phones).await.unwrap(),
        [phones[1].clone()].into()
    );
    assert!(dry.existing_phones(&[]).await.unwrap().is_empty());
    dry.rollback().await.unwrap();

    // 250 leads cross the insert chunk size; a rolled back import leaves nothing.
    let many: Vec<NewLead> = (0..250).map(|i| lead(&format!("+1212555{i:04}"))).collect();
    let mut imp = s.begin_lead_import(&org, &c, true).await.unwrap();
    assert_eq!(imp.insert(&many).await.unwrap().len(), 250);
    imp.rollback().await.unwrap();
    let all = s
        .list_leads(&org, &c, None, &page(None, 200))
        .await
        .unwrap();
    assert_eq!(all.items.len(), 1);

    let mut imp = s.begin_lead_import(&org, &c, true).await.unwrap();
    imp.insert(&many[..120]).await.unwrap();
    imp.insert(&many[120..]).await.unwrap();
    assert_eq!(imp.inserted(), 250);
    assert_eq!(imp.commit().await.unwrap(), 250);
    let mut n = 0;
    let mut cursor = None;
    loop {
        let p = s
            .list_leads(&org, &c, None, &page(cursor, 200))
            .await
            .unwrap();
        n += p.items.len();
        cursor = p.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(n, 251);

    // A duplicate inside an import fails the whole import.
    let mut imp = s.begin_lead_import(&org, &c, true).await.unwrap();
    assert!(matches!(
        imp.insert(&[lead("+13125550100"), lead("+14155550100")])
            .await,
        Err(StoreError::Conflict(_))
    ));
    drop(imp);
    assert!(matches!(
        s.begin_lead_import(&other, &c, true).await,
        Err(StoreError::NotFound)
    ));
}

async fn dnc_list(db: &TestDb) {
    let s = &db.store;
    let org = s.create_org("A").await.unwrap().id;
    let other = s.create_org("B").await.unwrap().id;
    let c1 = campaign(db, &org, None).await;
    let c2 = campaign(db, &org, None).await;
    let l1 = s
        .create_lead(&org, &c1, &lead("+14155550134"))
        .await
        .unwrap();
    let l2 = s
        .create_lead(&org, &c2, &lead("+14155550134"))
        .await
        .unwrap();
    let done = LeadPatch {
        status: Some(LeadStatus::Done),
        ..Default::default()
    };
    s.update_lead(&org, &c2, &l2.id, &done).await.unwrap();
    let oc = campaign(db, &other, None).await;
    let ol = s
        .create_lead(&other, &oc, &lead("+14155550134"))
        .await
        .unwrap();

    let added = s
        .add_dnc(&org, "+14155550134", "asked on call", DncSource::Api)
        .await
        .unwrap();
    assert!(added.created);
    assert_eq!(added.leads_marked, 1, "only the pending lead");
    assert_eq!(added.entry.reason, "asked on call");
    assert_eq!(added.entry.source, DncSource::Api);
    let lead_status = |o: &str, c: &str, l: &str| {
        let (o, c, l) = (o.to_owned(), c.to_owned(), l.to_owned());
        async move { s.get_lead(&o, &c, &l).await.unwrap().status }
    };
    assert_eq!(lead_status(&org, &c1, &l1.id).await, LeadStatus::Dnc);
    assert_eq!(lead_status(&org, &c2, &l2.id).await, LeadStatus::Done);
    assert_eq!(lead_status(&other, &oc, &ol.id).await, LeadStatus::Pending);

    // Idempotent: the first entry stays.
    db.advance_ms(1000);
    let again = s
        .add_dnc(&org, "+14155550134", "other reason", DncSource::Import)
        .await
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.entry, added.entry);

    assert_eq!(
        s.get_dnc(&org, "+14155550134").await.unwrap(),
        Some(added.entry.clone())
    );
    assert_eq!(s.get_dnc(&other, "+14155550134").await.unwrap(), None);
    // A listed number cannot become a lead nor be re-queued.
    assert!(matches!(
        s.create_lead(&org, &c2, &lead("+14155550134")).await,
        Err(StoreError::Conflict(m)) if m.contains("do-not-call")
    ));
    let requeue = LeadPatch {
        status: Some(LeadStatus::Pending),
        ..Default::default()
    };
    assert!(matches!(
        s.update_lead(&org, &c1, &l1.id, &requeue).await,
        Err(StoreError::Conflict(_))
    ));

    assert!(matches!(
        s.remove_dnc(&other, "+14155550134").await,
        Err(StoreError::NotFound)
    ));
    s.remove_dnc(&org, "+14155550134").await.unwrap();
    assert!(matches!(
        s.remove_dnc(&org, "+14155550134").await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.get_dnc(&org, "+14155550134").await.unwrap(), None);
    // Unlisting leaves the lead `dnc` until re-queued by hand, which now works.
    assert_eq!(lead_status(&org, &c1, &l1.id).await, LeadStatus::Dnc);
    let l = s.update_lead(&org, &c1, &l1.id, &requeue).await.unwrap();
    assert_eq!(l.status, LeadStatus::Pending);
}

async fn dnc_listing_and_import(db: &TestDb) {
    let s = &db.store;
    let org = s.create_org("A").await.unwrap().id;
    let c = campaign(db, &org, None).await;
    let pending = s
        .create_lead(&org, &c, &lead("+447911123456"))
        .await
        .unwrap();
    for p in ["+33123456789", "+14155550100", "+4930123456"] {
        s.add_dnc(&org, p, "", DncSource::Api).await.unwrap();
    }
    let entries: Vec<(String, String)> = (0..300)
        .map(|i| (format!("+1212555{i:04}"), "import".to_owned()))
        .chain([("+447911123456".to_owned(), "complaint".to_owned())])
        .collect();
    let mut imp = s.begin_dnc_import(&org, true).await.unwrap();
    let probe = vec!["+14155550100".to_owned(), "+12125550000".to_owned()];
    assert_eq!(
        imp.listed(&probe).await.unwrap(),
        ["+14155550100".to_owned()].into()
    );
    imp.insert(&entries).await.unwrap();
    assert_eq!(imp.commit().await.unwrap(), (301, 1));
    assert_eq!(
        s.get_lead(&org, &c, &pending.id).await.unwrap().status,
        LeadStatus::Dnc
    );
    let e = s.get_dnc(&org, "+447911123456").await.unwrap().unwrap();
    assert_eq!(
        (e.reason.as_str(), e.source),
        ("complaint", DncSource::Import)
    );

    // A dry run writes nothing.
    let mut dry = s.begin_dnc_import(&org, false).await.unwrap();
    dry.insert(&[("+81312345678".to_owned(), String::new())])
        .await
        .unwrap();
    dry.rollback().await.unwrap();
    assert_eq!(s.get_dnc(&org, "+81312345678").await.unwrap(), None);

    // Listed in phone order, page by page.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let p = s.list_dnc(&org, &page(cursor, 64)).await.unwrap();
        seen.extend(p.items.into_iter().map(|e| e.phone));
        cursor = p.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 304);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);
    let other = s.create_org("B").await.unwrap().id;
    assert!(
        s.list_dnc(&other, &page(None, 10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(matches!(
        s.list_dnc(&org, &page(Some("lead_x".into()), 10)).await,
        Err(StoreError::Invalid {
            field: "cursor",
            ..
        })
    ));
}

both_backends!(
    campaign_crud,
    campaign_status_machine,
    campaign_listing,
    lead_crud,
    lead_listing,
    lead_import_batches,
    dnc_list,
    dnc_listing_and_import,
);
