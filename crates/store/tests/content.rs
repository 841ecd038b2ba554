//! Content resources on both backends: personas, scenarios, versioned scripts, knowledge
//! documents, routing rules and phone numbers. Each is scoped to its organization (another
//! organization's object is `NotFound`, like a missing one).

#![allow(clippy::unwrap_used)]

mod common;

use callbridge_store::knowledge::{KnowledgeDocPatch, NewKnowledgeDoc, SourceKind};
use callbridge_store::numbers::{NewPhoneNumber, NumberProvider, PhoneNumberPatch};
use callbridge_store::personas::{NewPersona, PersonaPatch};
use callbridge_store::routing::{NewRoutingRule, RoutingRulePatch};
use callbridge_store::scenarios::{NewScenario, ScenarioPatch};
use callbridge_store::scripts::{NewScript, ScriptKind, ScriptPatch};
use callbridge_store::{PageRequest, StoreError};
use common::TestDb;
use serde_json::json;

fn page(cursor: Option<String>, limit: u32) -> PageRequest {
    PageRequest {
        cursor,
        limit: Some(limit),
    }
}

fn is_not_found<T: std::fmt::Debug>(r: Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::NotFound))
}

fn invalid_field<T: std::fmt::Debug>(r: Result<T, StoreError>) -> &'static str {
    match r {
        Err(StoreError::Invalid { field, .. }) => field,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

async fn personas_crud_and_scoping(db: &TestDb) {
    let s = &db.store;
    let a = s.create_org("A").await.unwrap().id;
    let b = s.create_org("B").await.unwrap().id;
    let new = |name: &str| NewPersona {
        name: name.to_owned(),
        body: json!({"role": "CFO", "voice": "slt"}),
    };
    let p1 = s.create_persona(&a, &new("Dana")).await.unwrap();
    let p2 = s.create_persona(&a, &new("Sam")).await.unwrap();
    s.create_persona(&b, &new("Other")).await.unwrap();
    assert_eq!(s.get_persona(&a, &p1.id).await.unwrap(), p1);
    let first = s.list_personas(&a, &page(None, 1)).await.unwrap();
    assert_eq!(first.items, vec![p1.clone()]);
    let second = s
        .list_personas(&a, &page(first.next_cursor, 1))
        .await
        .unwrap();
    assert_eq!(second.items, vec![p2.clone()]);
    assert_eq!(second.next_cursor, None);
    assert_eq!(
        invalid_field(s.list_personas(&a, &page(Some("scn_x".into()), 5)).await),
        "cursor"
    );

    db.advance_ms(1000);
    let renamed = s
        .update_persona(
            &a,
            &p1.id,
            &PersonaPatch {
                name: Some("Dana W.".into()),
                body: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.name, "Dana W.");
    assert_eq!(renamed.body, p1.body, "an absent body stays");
    assert_eq!(renamed.updated_at, p1.updated_at + 1000);
    let rebodied = s
        .update_persona(
            &a,
            &p1.id,
            &PersonaPatch {
                name: None,
                body: Some(json!({"role": "CEO"})),
            },
        )
        .await
        .unwrap();
    assert_eq!(rebodied.body["role"], "CEO");
    assert_eq!(rebodied.name, "Dana W.");

    // Another organization sees nothing.
    assert!(is_not_found(s.get_persona(&b, &p1.id).await));
    assert!(is_not_found(
        s.update_persona(&b, &p1.id, &PersonaPatch::default()).await
    ));
    assert!(is_not_found(s.delete_persona(&b, &p1.id).await));
    s.delete_persona(&a, &p1.id).await.unwrap();
    assert!(is_not_found(s.get_persona(&a, &p1.id).await));
    assert!(is_not_found(s.delete_persona(&a, &p1.id).await));
}

async fn scenarios_link_personas_of_their_org(db: &TestDb) {
    let s = &db.store;
    let a = s.create_org("A").await.unwrap().id;
    let b = s.create_org("B").await.unwrap().id;
    let body = || NewPersona {
        name: "Dana".into(),
        body: json!({}),
    };
    let pa = s.create_persona(&a, &body()).await.unwrap();
    let pb = s.create_persona(&b, &body()).await.unwrap();
    let new = |persona_id: Option<&str>| NewScenario {
        name: "Discovery".into(),
        persona_id: persona_id.map(str::to_owned),
        body: json!({"difficulty": "hard"}),
    };
    let sc = s.create_scenario(&a, &new(Some(&pa.id))).await.unwrap();
    assert_eq!(sc.persona_id.as_deref(), Some(pa.id.as_str()));
    assert_eq!(s.get_scenario(&a, &sc.id).await.unwrap(), sc);
    // Another org's persona, a junk id and a missing one are all "no such persona".
    for bad in [pb.id.as_str(), "junk", "prs_00000000000000000000000000"] {
        assert_eq!(
            invalid_field(s.create_scenario(&a, &new(Some(bad))).await),
            "persona_id"
        );
    }
    let bare = s.create_scenario(&a, &new(None)).await.unwrap();
    assert_eq!(bare.persona_id, None);

    let patched = s
        .update_scenario(
            &a,
            &bare.id,
            &ScenarioPatch {
                persona_id: Some(Some(pa.id.clone())),
                ..ScenarioPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(patched.persona_id.as_deref(), Some(pa.id.as_str()));
    assert_eq!(patched.body, bare.body);
    let cleared = s
        .update_scenario(
            &a,
            &bare.id,
            &ScenarioPatch {
                persona_id: Some(None),
                name: Some("Renamed".into()),
                ..ScenarioPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (cleared.persona_id, cleared.name.as_str()),
        (None, "Renamed")
    );
    let foreign = ScenarioPatch {
        persona_id: Some(Some(pb.id.clone())),
        ..ScenarioPatch::default()
    };
    assert_eq!(
        invalid_field(s.update_scenario(&a, &bare.id, &foreign).await),
        "persona_id"
    );
    // A missing scenario is NotFound even when the persona is bad too.
    assert!(is_not_found(
        s.update_scenario(&b, &bare.id, &foreign).await
    ));

    // Deleting the persona unlinks it.
    s.delete_persona(&a, &pa.id).await.unwrap();
    assert_eq!(s.get_scenario(&a, &sc.id).await.unwrap().persona_id, None);
    let listed = s.list_scenarios(&a, &page(None, 10)).await.unwrap();
    assert_eq!(listed.items.len(), 2);
    assert!(
        s.list_scenarios(&b, &page(None, 10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(is_not_found(s.get_scenario(&b, &sc.id).await));
    assert!(is_not_found(s.delete_scenario(&b, &sc.id).await));
    s.delete_scenario(&a, &sc.id).await.unwrap();
    assert!(is_not_found(s.get_scenario(&a, &sc.id).await));
}

fn new_script(body: serde_json::Value) -> NewScript {
    NewScript {
        name: "Qualify".into(),
        kind: ScriptKind::Outbound,
        body,
        created_by: Some("usr_1".into()),
    }
}

fn body_patch(n: i64) -> ScriptPatch {
    ScriptPatch {
        body: Some(json!({"steps": [{"id": format!("s{n}")}]})),
        created_by: Some("usr_2".into()),
        ..ScriptPatch::default()
    }
}

async fn scripts_keep_every_version(db: &TestDb) {
    let s = &db.store;
    let a = s.create_org("A").await.unwrap().id;
    let b = s.create_org("B").await.unwrap().id;
    let v1_body = json!({"steps": [{"id": "s1"}]});
    let sc = s
        .create_script(&a, &new_script(v1_body.clone()))
        .await
        .unwrap();
    assert_eq!(sc.current_version, 1);
    assert_eq!(s.get_script(&a, &sc.id).await.unwrap(), sc);

    db.advance_ms(10);
    let v2 = s.update_script(&a, &sc.id, &body_patch(2)).await.unwrap();
    assert_eq!(v2.current_version, 2);
    assert_eq!(v2.body["steps"][0]["id"], "s2");
    // Name and kind change the script in place, without a version.
    let renamed = s
        .update_script(
            &a,
            &sc.id,
            &ScriptPatch {
                name: Some("Qualify v2".into()),
                kind: Some(ScriptKind::Inbound),
                ..ScriptPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (renamed.current_version, renamed.kind, renamed.name.as_str()),
        (2, ScriptKind::Inbound, "Qualify v2")
    );
    assert_eq!(renamed.body, v2.body);

    let old = s.get_script_version(&a, &sc.id, 1).await.unwrap();
    assert_eq!(old.body, v1_body, "old versions never change");
    assert_eq!(old.created_by.as_deref(), Some("usr_1"));
    let cur = s.get_script_version(&a, &sc.id, 2).await.unwrap();
    assert_eq!(cur.created_by.as_deref(), Some("usr_2"));
    assert!(is_not_found(s.get_script_version(&a, &sc.id, 3).await));

    let p1 = s
        .list_script_versions(&a, &sc.id, &page(None, 1))
        .await
        .unwrap();
    assert_eq!(p1.items[0].version, 1);
    let p2 = s
        .list_script_versions(&a, &sc.id, &page(p1.next_cursor, 1))
        .await
        .unwrap();
    assert_eq!((p2.items[0].version, p2.next_cursor), (2, None));
    assert_eq!(
        invalid_field(
            s.list_script_versions(&a, &sc.id, &page(Some("x".into()), 1))
                .await
        ),
        "cursor"
    );
    let listed = s.list_scripts(&a, &page(None, 10)).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].current_version, 2);

    // Another organization sees nothing.
    assert!(is_not_found(s.get_script(&b, &sc.id).await));
    assert!(is_not_found(s.get_script_version(&b, &sc.id, 1).await));
    assert!(is_not_found(
        s.list_script_versions(&b, &sc.id, &page(None, 10)).await
    ));
    assert!(is_not_found(
        s.update_script(&b, &sc.id, &body_patch(3)).await
    ));
    assert!(is_not_found(s.delete_script(&b, &sc.id).await));
    assert_eq!(s.get_script(&a, &sc.id).await.unwrap().current_version, 2);

    s.delete_script(&a, &sc.id).await.unwrap();
    assert!(is_not_found(s.get_script(&a, &sc.id).await));
    assert!(is_not_found(s.get_script_version(&a, &sc.id, 1).await));
    assert!(is_not_found(s.delete_script(&a, &sc.id).await));
}

async fn concurrent_script_edits_get_distinct_versions(db: &TestDb) {
    let s = &db.store;
    let a = s.create_org("A").await.unwrap().id;
    let sc = s.create_script(&a, &new_script(json!({}))).await.unwrap();
    let edits = (0..12).map(|n| {
        let (s, a, id) = (s.clone(), a.clone(), sc.id.clone());
        tokio::spawn(async move { s.update_script(&a, &id, &body_patch(n)).await })
    });
    // Spawn them all before awaiting any: a lazy map would run the edits one at a time.
    let edits: Vec<_> = edits.collect();
    let mut got = Vec::new();
    for h in edits {
        got.push(h.await.unwrap().unwrap().current_version);
    }
    got.sort_unstable();
    got.dedup();
    assert_eq!(got.len(), 12, "each edit saw its own version number");
    let versions = s
        .list_script_versions(&a, &sc.id, &page(None, 50))
        .await
        .unwrap();
    let numbers: Vec<i64> = versions.items.iter().map(|v| v.version).collect();
    assert_eq!(numbers, (1..=13).collect::<Vec<_>>());
    assert_eq!(s.get_script(&a, &sc.id).await.unwrap().current_version, 13);
}

async fn knowledge_docs_bump_versions_on_content(db: &TestDb) {
    let s = &db.store;
    let a = s.create_org("A").await.unwrap().id;
    let b = s.create_org("B").await.unwrap().id;
    let d = s
        .create_knowledge_doc(
            &a,
            &NewKnowledgeDoc {
                title: "Pricing".into(),
                source_kind: SourceKind::Pdf,
                source: "pricing.pdf".into(),
                content: "Starter: 49 € per seat".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(d.version, 1);
    assert_eq!(s.get_knowledge_doc(&a, &d.id).await.unwrap(), d);
    let list = s.list_knowledge_docs(&a, &page(None, 10)).await.unwrap();
    assert_eq!(list.items.len(), 1);
    // Characters, not bytes (the euro sign is three bytes).
    assert_eq!(list.items[0].content_length, 22);
    assert_eq!(list.items[0].source_kind, SourceKind::Pdf);

    let titled = s
        .update_knowledge_doc(
            &a,
            &d.id,
            &KnowledgeDocPatch {
                title: Some("Prices".into()),
                content: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (titled.version, titled.content.as_str()),
        (1, d.content.as_str())
    );
    let edits = (0..5).map(|n| {
        let (s, a, id) = (s.clone(), a.clone(), d.id.clone());
        tokio::spawn(async move {
            let patch = KnowledgeDocPatch {
                title: None,
                content: Some(format!("edit {n}")),
            };
            s.update_knowledge_doc(&a, &id, &patch).await
        })
    });
    // Spawn them all before awaiting any: a lazy map would run the edits one at a time.
    let edits: Vec<_> = edits.collect();
    let mut got = Vec::new();
    for (n, h) in edits.into_iter().enumerate() {
        let doc = h.await.unwrap().unwrap();
        assert_eq!(
            doc.content,
            format!("edit {n}"),
            "each edit sees its own write"
        );
        got.push(doc.version);
    }
    got.sort_unstable();
    assert_eq!(got, [2, 3, 4, 5, 6], "each edit saw its own version number");
    let after = s.get_knowledge_doc(&a, &d.id).await.unwrap();
    assert_eq!(after.version, 6, "every content edit counted");
    assert_eq!(after.title, "Prices");

    assert!(is_not_found(s.get_knowledge_doc(&b, &d.id).await));
    assert!(is_not_found(
        s.update_knowledge_doc(&b, &d.id, &KnowledgeDocPatch::default())
            .await
    ));
    assert!(is_not_found(s.delete_knowledge_doc(&b, &d.id).await));
    assert!(
        s.list_knowledge_docs(&b, &page(None, 10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    s.delete_knowledge_doc(&a, &d.id).await.unwrap();
    assert!(is_not_found(s.get_knowledge_doc(&a, &d.id).await));
}

fn rule(name: &str, priority: i64) -> NewRoutingRule {
    NewRoutingRule {
        name: name.to_owned(),
        priority,
        enabled: true,
        conditions: json!({"business_hours": "closed"}),
        action: json!({"type": "voicemail"}),
    }
}

async fn routing_rules_list_in_priority_order(db: &TestDb) {
    let s = &db.store;
    let a = s.create_org("A").await.unwrap().id;
    let b = s.create_org("B").await.unwrap().id;
    let mut ids = Vec::new();
    for (name, p) in [("late", 50), ("first", 10), ("late2", 50), ("zero", 0)] {
        ids.push(s.create_routing_rule(&a, &rule(name, p)).await.unwrap().id);
    }
    s.create_routing_rule(&b, &rule("b", 1)).await.unwrap();
    let mut names = Vec::new();
    let mut cursor = None;
    loop {
        let p = s.list_routing_rules(&a, &page(cursor, 1)).await.unwrap();
        names.extend(p.items.iter().map(|r| r.name.clone()));
        cursor = p.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(names, ["zero", "first", "late", "late2"]);
    for junk in ["5", "x:rule_1", "5:num_00000000000000000000000000"] {
        assert_eq!(
            invalid_field(s.list_routing_rules(&a, &page(Some(junk.into()), 1)).await),
            "cursor"
        );
    }

    let moved = s
        .update_routing_rule(
            &a,
            &ids[2],
            &RoutingRulePatch {
                priority: Some(-1),
                enabled: Some(false),
                ..RoutingRulePatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((moved.priority, moved.enabled), (-1, false));
    assert_eq!(moved.action, json!({"type": "voicemail"}));
    let all = s.list_routing_rules(&a, &page(None, 10)).await.unwrap();
    assert_eq!(all.items[0].name, "late2");
    assert_eq!(s.get_routing_rule(&a, &ids[2]).await.unwrap(), moved);

    assert!(is_not_found(s.get_routing_rule(&b, &ids[0]).await));
    assert!(is_not_found(
        s.update_routing_rule(&b, &ids[0], &RoutingRulePatch::default())
            .await
    ));
    assert!(is_not_found(s.delete_routing_rule(&b, &ids[0]).await));
    s.delete_routing_rule(&a, &ids[0]).await.unwrap();
    assert!(is_not_found(s.get_routing_rule(&a, &ids[0]).await));
}

fn number(e164: &str) -> NewPhoneNumber {
    NewPhoneNumber {
        e164: e164.to_owned(),
        label: "Main line".into(),
        provider: NumberProvider::Twilio,
        profile: json!({"routing": "rules"}),
    }
}

async fn numbers_are_unique_across_orgs(db: &TestDb) {
    let s = &db.store;
    let a = s.create_org("A").await.unwrap().id;
    let b = s.create_org("B").await.unwrap().id;
    let n = s.create_number(&a, &number("+14155550100")).await.unwrap();
    // Taken in the same org or in another: the same answer, naming no organization.
    for org in [&a, &b] {
        match s.create_number(org, &number("+14155550100")).await {
            Err(StoreError::Conflict(m)) => {
                assert!(m.contains("+14155550100") && !m.contains(&a), "{m}");
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
    }
    let found = s.find_number_by_e164("+14155550100").await.unwrap();
    assert_eq!(found.as_ref().map(|f| f.org_id.as_str()), Some(a.as_str()));
    assert_eq!(s.find_number_by_e164("+4930123456").await.unwrap(), None);

    let nb = s.create_number(&b, &number("+4930123456")).await.unwrap();
    let to_taken = PhoneNumberPatch {
        e164: Some("+4930123456".into()),
        ..PhoneNumberPatch::default()
    };
    assert!(matches!(
        s.update_number(&a, &n.id, &to_taken).await,
        Err(StoreError::Conflict(_))
    ));
    let relabelled = s
        .update_number(
            &a,
            &n.id,
            &PhoneNumberPatch {
                label: Some("Sales".into()),
                provider: Some(NumberProvider::Sip),
                ..PhoneNumberPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (
            relabelled.label.as_str(),
            relabelled.provider,
            relabelled.e164.as_str()
        ),
        ("Sales", NumberProvider::Sip, "+14155550100")
    );
    assert_eq!(s.get_number(&a, &n.id).await.unwrap(), relabelled);
    let list = s.list_numbers(&a, &page(None, 10)).await.unwrap();
    assert_eq!(list.items, vec![relabelled]);

    assert!(is_not_found(s.get_number(&a, &nb.id).await));
    assert!(is_not_found(s.update_number(&a, &nb.id, &to_taken).await));
    assert!(is_not_found(s.delete_number(&a, &nb.id).await));
    // A released number can be registered again, by anyone.
    s.delete_number(&a, &n.id).await.unwrap();
    assert!(is_not_found(s.get_number(&a, &n.id).await));
    s.create_number(&b, &number("+14155550100")).await.unwrap();
}

both_backends!(
    personas_crud_and_scoping,
    scenarios_link_personas_of_their_org,
    scripts_keep_every_version,
    concurrent_script_edits_get_distinct_versions,
    knowledge_docs_bump_versions_on_content,
    routing_rules_list_in_priority_order,
    numbers_are_unique_across_orgs,
);
