//! Organizations, users, tokens, settings and provider keys, on both backends.

#![allow(clippy::unwrap_used)]

mod common;

use callbridge_store::secrets::{MasterKey, Provider};
use callbridge_store::settings::SettingsPatch;
use callbridge_store::users::{NewUser, Role, UserPatch};
use callbridge_store::{PageRequest, StoreError};
use common::TestDb;

fn user(email: &str, role: Role) -> NewUser {
    NewUser {
        email: email.to_owned(),
        name: "Pat".to_owned(),
        role,
        platform_admin: false,
    }
}

async fn orgs_and_pagination(db: &TestDb) {
    let s = &db.store;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(s.create_org(&format!("Org {i}")).await.unwrap().id);
    }
    let first = s
        .list_orgs(&PageRequest {
            cursor: None,
            limit: Some(2),
        })
        .await
        .unwrap();
    assert_eq!(first.items.len(), 2);
    let mut seen: Vec<String> = first.items.iter().map(|o| o.id.clone()).collect();
    let mut cursor = first.next_cursor;
    while let Some(c) = cursor {
        let p = s
            .list_orgs(&PageRequest {
                cursor: Some(c),
                limit: Some(2),
            })
            .await
            .unwrap();
        seen.extend(p.items.iter().map(|o| o.id.clone()));
        cursor = p.next_cursor;
    }
    assert_eq!(seen, ids, "every org once, in creation order");
    assert!(matches!(
        s.list_orgs(&PageRequest {
            cursor: Some("junk".into()),
            limit: None
        })
        .await,
        Err(StoreError::Invalid {
            field: "cursor",
            ..
        })
    ));
    assert!(matches!(
        s.list_orgs(&PageRequest {
            cursor: None,
            limit: Some(0)
        })
        .await,
        Err(StoreError::Invalid { field: "limit", .. })
    ));
    let renamed = s.rename_org(&ids[0], "Renamed").await.unwrap();
    assert_eq!(renamed.name, "Renamed");
    s.delete_org(&ids[1]).await.unwrap();
    assert!(matches!(
        s.get_org(&ids[1]).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.delete_org(&ids[1]).await,
        Err(StoreError::NotFound)
    ));
}

async fn users_are_scoped_and_unique(db: &TestDb) {
    let s = &db.store;
    let a = s.create_org("A").await.unwrap();
    let b = s.create_org("B").await.unwrap();
    let u = s
        .create_user(&a.id, &user("Pat@Example.com", Role::Rep))
        .await
        .unwrap();
    assert_eq!(u.email, "pat@example.com");
    // Same email in the same org: conflict; in another org: fine.
    assert!(matches!(
        s.create_user(&a.id, &user("pat@example.com", Role::Admin))
            .await,
        Err(StoreError::Conflict(_))
    ));
    s.create_user(&b.id, &user("pat@example.com", Role::Rep))
        .await
        .unwrap();
    // Another org's user is "not found", exactly like a missing one.
    assert!(matches!(
        s.get_user(&b.id, &u.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.delete_user(&b.id, &u.id).await,
        Err(StoreError::NotFound)
    ));
    let up = s
        .update_user(
            &a.id,
            &u.id,
            &UserPatch {
                role: Some(Role::Manager),
                ..UserPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(up.role, Role::Manager);
    assert_eq!(up.name, "Pat");
    assert_eq!(
        s.list_users(&a.id, &PageRequest::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert_eq!(s.count_admins(&a.id).await.unwrap(), 0);
}

async fn tokens_authenticate_revoke_expire(db: &TestDb) {
    let s = &db.store;
    let org = s.create_org("A").await.unwrap();
    let u = s
        .create_user(&org.id, &user("a@x.io", Role::Manager))
        .await
        .unwrap();
    let (tok, secret) = s.create_token(&org.id, &u.id, "ci", None).await.unwrap();
    assert!(secret.starts_with("cb_") && secret.len() == 43, "{secret}");
    assert!(secret.starts_with(&tok.prefix));
    let p = s.authenticate(&secret).await.unwrap().expect("valid token");
    assert_eq!(
        (p.org_id.as_str(), p.role),
        (org.id.as_str(), Role::Manager)
    );
    assert_eq!(s.authenticate("cb_nope").await.unwrap(), None);
    // The token was marked used.
    assert!(
        s.get_token(&org.id, &tok.id)
            .await
            .unwrap()
            .last_used_at
            .is_some()
    );

    // Expiry.
    let (_, short) = s
        .create_token(&org.id, &u.id, "short", Some(db.store.now_ms() + 1000))
        .await
        .unwrap();
    assert!(s.authenticate(&short).await.unwrap().is_some());
    db.advance_ms(1001);
    assert!(s.authenticate(&short).await.unwrap().is_none());

    // Revocation and disabled users.
    s.revoke_token(&org.id, &tok.id).await.unwrap();
    assert!(s.authenticate(&secret).await.unwrap().is_none());
    let (_, other) = s.create_token(&org.id, &u.id, "again", None).await.unwrap();
    s.update_user(
        &org.id,
        &u.id,
        &UserPatch {
            disabled: Some(true),
            ..UserPatch::default()
        },
    )
    .await
    .unwrap();
    assert!(s.authenticate(&other).await.unwrap().is_none());
    let listed = s
        .list_tokens(&org.id, Some(&u.id), &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 3);
}

async fn seed_admin_creates_then_rotates(db: &TestDb) {
    let s = &db.store;
    let p = s.seed_admin("first-secret").await.unwrap();
    assert!(p.platform_admin);
    assert_eq!(p.role, Role::Admin);
    // Restart with the same secret: nothing new is created.
    let again = s.seed_admin("first-secret").await.unwrap();
    assert_eq!(again.org_id, p.org_id);
    // Rotate: the old secret stops working.
    s.seed_admin("second-secret").await.unwrap();
    assert!(s.authenticate("first-secret").await.unwrap().is_none());
    assert!(s.authenticate("second-secret").await.unwrap().is_some());
    assert_eq!(
        s.list_orgs(&PageRequest::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}

async fn settings_defaults_and_patch(db: &TestDb) {
    let s = &db.store;
    let org = s.create_org("A").await.unwrap();
    let d = s.get_settings(&org.id).await.unwrap();
    assert!(!d.store_transcripts);
    assert_eq!(d.retention_days, 90);
    assert_eq!(d.time_zone, "UTC");
    let p = s
        .update_settings(
            &org.id,
            &SettingsPatch {
                store_transcripts: Some(true),
                time_zone: Some("America/New_York".into()),
                business_hours: Some(serde_json::json!({"mon": [["09:00", "17:00"]]})),
                ..SettingsPatch::default()
            },
        )
        .await
        .unwrap();
    assert!(p.store_transcripts);
    assert_eq!(p.retention_days, 90);
    assert_eq!(p.business_hours["mon"][0][1], "17:00");
}

async fn provider_keys_are_encrypted_and_bound(db: &TestDb) {
    let s = &db.store;
    let org = s.create_org("A").await.unwrap();
    let other = s.create_org("B").await.unwrap();
    let mk = MasterKey::from_hex(&MasterKey::generate_hex()).unwrap();
    let key = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz1234";
    let info = s
        .put_provider_key(&org.id, Provider::Anthropic, &mk, key)
        .await
        .unwrap();
    assert_eq!(info.last4, "1234");
    assert_eq!(
        s.provider_key(&org.id, Provider::Anthropic, &mk)
            .await
            .unwrap()
            .as_deref(),
        Some(key)
    );
    assert_eq!(
        s.provider_key(&other.id, Provider::Anthropic, &mk)
            .await
            .unwrap(),
        None
    );
    // A different master key cannot read it.
    let wrong = MasterKey::from_hex(&MasterKey::generate_hex()).unwrap();
    assert!(matches!(
        s.provider_key(&org.id, Provider::Anthropic, &wrong).await,
        Err(StoreError::Secret(_))
    ));
    // Replacing keeps one row; listing never shows the key.
    s.put_provider_key(
        &org.id,
        Provider::Anthropic,
        &mk,
        "sk-ant-api03-zzzzzzzzzzzzzzzzzzzzzzzz9999",
    )
    .await
    .unwrap();
    let list = s.list_provider_keys(&org.id).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].last4, "9999");
    assert!(!serde_json::to_string(&list).unwrap().contains("zzzz"));
    s.delete_provider_key(&org.id, Provider::Anthropic)
        .await
        .unwrap();
    assert!(matches!(
        s.delete_provider_key(&org.id, Provider::Anthropic).await,
        Err(StoreError::NotFound)
    ));
}

both_backends!(
    orgs_and_pagination,
    users_are_scoped_and_unique,
    tokens_authenticate_revoke_expire,
    seed_admin_creates_then_rotates,
    settings_defaults_and_patch,
    provider_keys_are_encrypted_and_bound,
);
