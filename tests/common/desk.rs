//! A service with accounts, widget keys and staff tokens, for the tests of
//! the CSM side (API and console).

use axum::http::{Method, StatusCode};
use docent::auth::Role;
use docent::config::Config;
use serde_json::{Value, json};

use super::fake_llm::FakeLlm;
use super::service::Service;

pub const ACME_ORIGIN: &str = "https://app.acme.test";
pub const PERSON: &str = "I want to talk to a person please";

/// A service with two accounts (acme high-touch, globex AI-assisted), a key
/// for each, an admin and two CSMs.
pub struct Desk {
    pub service: Service,
    pub admin: String,
    pub ann: String,
    pub bob: String,
    pub acme: String,
    pub globex: String,
}

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

impl Desk {
    pub async fn start(tweak: impl FnOnce(&mut Config)) -> Desk {
        Desk::start_with(None, tweak).await
    }

    /// The same, answering through `llm`.
    pub async fn start_with(llm: Option<&FakeLlm>, tweak: impl FnOnce(&mut Config)) -> Desk {
        let service = Service::start(llm, tweak).await;
        let (_, admin) = service
            .state
            .engine
            .store
            .issue_token(Role::Admin, "ops@vendor.test")
            .await
            .unwrap();
        let auth = bearer(&admin);
        let h = [("authorization", auth.as_str())];
        let (status, _, body) = service
            .call(
                Method::POST,
                "/v1/admin/accounts",
                &h,
                Some(json!([
                    {"id": "acme", "name": "Acme Corp", "tier": "high_touch", "arr": 250000, "csm": "ann@vendor.test"},
                    {"id": "globex", "name": "Globex", "tier": "ai_assisted", "arr": "12,000"}
                ])),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["results"][0]["outcome"], "created");
        let mut tokens = Vec::new();
        for name in ["ann@vendor.test", "bob@vendor.test"] {
            let (status, _, body) = service
                .call(
                    Method::POST,
                    "/v1/admin/tokens",
                    &h,
                    Some(json!({"role": "csm", "name": name})),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            tokens.push(body["token"].as_str().unwrap().to_string());
        }
        let mut keys = Vec::new();
        for (account, origin) in [("acme", ACME_ORIGIN), ("globex", "https://globex.test")] {
            let (status, _, body) = service
                .call(
                    Method::POST,
                    &format!("/v1/admin/accounts/{account}/keys"),
                    &h,
                    Some(json!({"origins": [origin]})),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            keys.push(body["key"].as_str().unwrap().to_string());
        }
        Desk {
            service,
            admin,
            bob: tokens.pop().unwrap(),
            ann: tokens.pop().unwrap(),
            globex: keys.pop().unwrap(),
            acme: keys.pop().unwrap(),
        }
    }

    /// Asks as the customer holding widget `key`.
    pub async fn ask(&self, key: &str, question: &str) -> Value {
        let (status, _, body) = self
            .service
            .call(
                Method::POST,
                "/v1/ask",
                &[("x-docent-key", key)],
                Some(json!({ "question": question })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// A CSM call: `token` as bearer.
    pub async fn staff(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let auth = bearer(token);
        let (status, _, body) = self
            .service
            .call(method, path, &[("authorization", auth.as_str())], body)
            .await;
        (status, body)
    }

    pub async fn act(
        &self,
        token: &str,
        id: &str,
        action: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.staff(
            token,
            Method::POST,
            &format!("/v1/csm/escalations/{id}/{action}"),
            body,
        )
        .await
    }

    pub async fn queue(&self, query: &str) -> Value {
        let (status, body) = self
            .staff(
                &self.ann,
                Method::GET,
                &format!("/v1/csm/escalations{query}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// One escalation as the CSM API shows it (read as Ann).
    pub async fn detail(&self, id: &str) -> Value {
        let path = format!("/v1/csm/escalations/{id}");
        let (status, body) = self.staff(&self.ann, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }
}
