//! Verified answers: a CSM saves a reply for a question; similar questions get
//! it first; a re-index that changes a source it cites flags it stale (not
//! served) until a CSM confirms it; retiring removes it.

mod common;

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use common::Scratch;
use common::desk::Desk;
use serde_json::{Value, json};

const QUESTION: &str = "how do I rotate my API keys?";

async fn reindex(desk: &Desk) -> Value {
    let (status, job) = desk
        .staff(&desk.admin, Method::POST, "/v1/admin/reindex", None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let path = format!("/v1/admin/reindex/{}", job["id"].as_str().unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, job) = desk.staff(&desk.admin, Method::GET, &path, None).await;
        if job["status"] != "running" {
            return job;
        }
        assert!(Instant::now() < deadline, "{job}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn verified_list(desk: &Desk) -> Vec<Value> {
    let (status, body) = desk
        .staff(&desk.ann, Method::GET, "/v1/csm/verified", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    body["verified"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verified_answers_are_served_first_flagged_stale_and_confirmed() {
    let scratch = Scratch::with_corpus();
    scratch.index(Some("2.0.0"));
    let (index, corpus) = (scratch.index.clone(), scratch.root.clone());
    let desk = Desk::start(move |c| {
        c.index = Some(index);
        c.corpus = corpus;
    })
    .await;

    // A customer asks for a person about key rotation; Ann answers.
    let asked = desk
        .ask(
            &desk.acme,
            "I want to talk to a person about rotating API keys",
        )
        .await;
    let id = asked["escalation_id"].as_str().unwrap().to_string();
    let detail = desk.detail(&id).await;
    let cited = detail["passages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["citation"]["path"] == "docs/authentication.md")
        .expect("the auth doc is among the passages")["citation"]
        .clone();
    let n = cited["n"].as_u64().unwrap();

    // Nothing to save before a reply.
    let (status, body) = desk.act(&desk.ann, &id, "verify", None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "no_reply");

    let reply =
        format!("Roll the key under Developers > API keys > Roll key and pick an overlap [{n}].");
    let (status, _) = desk
        .act(&desk.ann, &id, "reply", Some(json!({ "text": reply })))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, saved) = desk
        .act(
            &desk.ann,
            &id,
            "verify",
            Some(json!({ "question": QUESTION })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    assert_eq!(saved["answer"], reply.as_str());
    assert_eq!(
        saved["citations"],
        json!([cited]),
        "only the passage the reply names"
    );
    assert_eq!(
        saved["sources"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["docs/authentication.md"]
    );
    let vid = saved["id"].as_str().unwrap().to_string();

    // A similar question from another account gets it first.
    let answer = desk.ask(&desk.globex, "How do I rotate an API key").await;
    assert_eq!(answer["mode"], "verified", "{answer}");
    assert_eq!(answer["answer"], reply.as_str());
    assert_eq!(answer["citations"][0]["path"], "docs/authentication.md");
    assert_eq!(answer["verified"]["id"], vid.as_str());
    assert_eq!(answer["verified"]["verified_by"], "ann@vendor.test");
    assert_eq!(answer["escalated"], false);
    // A different question does not.
    let other = desk
        .ask(&desk.globex, "how do I verify webhook signatures?")
        .await;
    assert_ne!(other["mode"], "verified");

    // A release that does not touch the cited doc leaves it fresh.
    scratch.write("docs/extra.md", "# Extra\n\nSomething new about parcels.\n");
    assert_eq!(reindex(&desk).await["status"], "published");
    assert_eq!(verified_list(&desk).await[0]["stale_since"], Value::Null);

    // A release that changes it makes it stale: not served, and shown why.
    let auth = scratch.root.join("docs/authentication.md");
    let text = std::fs::read_to_string(&auth).unwrap();
    std::fs::write(&auth, text.replace("7 days", "30 days")).unwrap();
    let (status, job) = desk
        .staff(
            &desk.admin,
            Method::POST,
            "/v1/admin/reindex",
            Some(json!({"release": "2.1.0"})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let path = format!("/v1/admin/reindex/{}", job["id"].as_str().unwrap());
    let mut stale = Value::Null;
    for _ in 0..400 {
        let list = verified_list(&desk).await;
        if list[0]["stale_since"] != Value::Null {
            stale = list[0].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, job) = desk.staff(&desk.admin, Method::GET, &path, None).await;
    assert_eq!(job["status"], "published", "{job}");
    assert_eq!(
        stale["stale_reason"], "docs/authentication.md changed in release 2.1.0",
        "{stale}"
    );
    let again = desk.ask(&desk.globex, "How do I rotate an API key").await;
    assert_ne!(again["mode"], "verified", "a stale answer is not served");

    // The console lists it as stale, and every page's navigation counts it.
    let page = console_page(&desk, "/console/verified").await;
    assert!(
        page.contains("Stale since") && page.contains("changed in release 2.1.0"),
        "{page}"
    );
    let queue = console_page(&desk, "/console/queue").await;
    assert!(queue.contains(">1 stale</span>"), "{queue}");

    // Ann confirms it against the new text: served again.
    let confirm = format!("/v1/csm/verified/{vid}/confirm");
    let (status, confirmed) = desk.staff(&desk.ann, Method::POST, &confirm, None).await;
    assert_eq!(status, StatusCode::OK, "{confirmed}");
    assert_eq!(confirmed["stale_since"], Value::Null);
    let answer = desk.ask(&desk.globex, "How do I rotate an API key").await;
    assert_eq!(answer["mode"], "verified");
    let queue = console_page(&desk, "/console/queue").await;
    assert!(!queue.contains("stale-count"), "{queue}");

    // Retired: gone from the list and from answers; twice is a 404.
    let retire = format!("/v1/csm/verified/{vid}");
    let (status, _) = desk.staff(&desk.ann, Method::DELETE, &retire, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(verified_list(&desk).await.is_empty());
    let answer = desk.ask(&desk.globex, "How do I rotate an API key").await;
    assert_ne!(answer["mode"], "verified");
    let (status, body) = desk.staff(&desk.ann, Method::DELETE, &retire, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "verified_answer_not_found");
    let (status, _) = desk
        .staff(&desk.admin, Method::GET, "/v1/csm/verified", None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// A console page as Ann sees it (200 expected).
async fn console_page(desk: &Desk, path: &str) -> String {
    let request = axum::http::Request::get(path)
        .header("cookie", format!("docent_console={}", desk.ann))
        .body(axum::body::Body::empty())
        .unwrap();
    let (status, _, page) = desk.service.send(request).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    String::from_utf8_lossy(&page).into_owned()
}
