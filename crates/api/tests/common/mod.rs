//! An in-process API over a fresh SQLite database, with organizations, users and tokens of
//! every role ready for permission tests.
#![allow(dead_code, clippy::unwrap_used)]

pub mod campaigns;
pub mod content;

use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use callbridge_api::{AppState, Limits, Readiness};
use callbridge_store::Store;
use callbridge_store::secrets::MasterKey;
use callbridge_store::users::{NewUser, Role};
use http_body_util::BodyExt;
use metrics_exporter_prometheus::PrometheusBuilder;
use serde_json::Value;
use tower::ServiceExt;

pub struct TestApp {
    pub router: Router,
    pub store: Store,
    pub dir: PathBuf,
    /// The platform admin's token (of the default organization).
    pub root: String,
}

/// An organization with one token per role.
pub struct Org {
    pub id: String,
    pub admin: String,
    pub manager: String,
    pub rep: String,
    pub admin_user: String,
    pub manager_user: String,
    pub rep_user: String,
}

#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// Asserts an error response with this status and code.
    pub fn error(&self, status: u16, code: &str) -> Value {
        let v = self.json();
        assert_eq!(self.status.as_u16(), status, "{v}");
        assert_eq!(v["error"]["code"], code, "{v}");
        assert!(v["error"]["message"].is_string(), "{v}");
        v
    }

    /// Asserts a 422 that names `field`.
    pub fn invalid(&self, field: &str) -> Value {
        let v = self.error(422, "validation_failed");
        assert_eq!(v["error"]["details"]["errors"][0]["field"], field, "{v}");
        v
    }

    pub fn ok(&self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        if self.body.is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }
}

impl TestApp {
    pub async fn new() -> TestApp {
        Self::with_limits(Limits::default()).await
    }

    pub async fn with_limits(limits: Limits) -> TestApp {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "cbapi-{}-{}-{}",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::SeqCst),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::connect(&Store::sqlite_url(&dir.join("t.db")))
            .await
            .unwrap();
        store.seed_admin("root-token").await.unwrap();
        let state = AppState::new(
            PrometheusBuilder::new().build_recorder().handle(),
            Readiness::default(),
            "test",
            store.clone(),
            MasterKey::from_hex(&"ab".repeat(32)).unwrap(),
            dir.clone(),
            limits,
        );
        state.readiness.set_ready(true);
        TestApp {
            router: callbridge_api::router(state),
            store,
            dir,
            root: "root-token".to_owned(),
        }
    }

    /// Sends a request. `body`: JSON (sent as application/json) or None.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let bytes = body.map(|b| b.to_string().into_bytes());
        self.raw(method, path, token, bytes.map(|b| ("application/json", b)))
            .await
    }

    /// Sends a request with a raw body of the given content type.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> Resp {
        self.raw_with_headers(method, path, token, body, &[]).await
    }

    pub async fn raw_with_headers(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(path);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = match body {
            Some((ct, b)) => req.header("content-type", ct).body(Body::from(b)).unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call("GET", path, Some(token), None).await
    }

    /// A new organization with an admin, a manager and a rep, each with a token.
    pub async fn org(&self, name: &str) -> Org {
        let org = self.store.create_org(name).await.unwrap();
        let mut tokens = Vec::new();
        let mut users = Vec::new();
        for role in [Role::Admin, Role::Manager, Role::Rep] {
            let u = self
                .store
                .create_user(
                    &org.id,
                    &NewUser {
                        email: format!("{}@{}.example", role.as_str(), org.id.to_lowercase()),
                        name: format!("{} user", role.as_str()),
                        role,
                        platform_admin: false,
                    },
                )
                .await
                .unwrap();
            let (_, secret) = self
                .store
                .create_token(&org.id, &u.id, "test", None)
                .await
                .unwrap();
            tokens.push(secret);
            users.push(u.id);
        }
        Org {
            id: org.id,
            admin: tokens[0].clone(),
            manager: tokens[1].clone(),
            rep: tokens[2].clone(),
            admin_user: users[0].clone(),
            manager_user: users[1].clone(),
            rep_user: users[2].clone(),
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A JSON body of `n` bytes (a long string field), for 413 tests.
pub fn oversized_json(n: usize) -> Value {
    serde_json::json!({ "name": "x".repeat(n) })
}
