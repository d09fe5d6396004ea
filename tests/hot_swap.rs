//! Re-indexing under a running service: the admin API's re-index jobs, the
//! watcher that serves whatever `CURRENT` names, rollback, and a service that
//! answers every request while generations change under it.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use common::service::Service;
use common::{Scratch, docent, stderr};
use docent::auth::Role;
use serde_json::{Value, json};

const NEW_DOC: &str = "# Zorblax routing\n\nZorblax routing sends each parcel through the \
                       cheapest carrier that meets its deadline. Turn it on with \
                       `routing: zorblax` in the shipment options.\n";

/// A service over a scratch copy of the corpus, indexed as release 2.0.0.
async fn service() -> (Scratch, Service, String, String) {
    let scratch = Scratch::with_corpus();
    scratch.index(Some("2.0.0"));
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::service::test_config(&dir.path().join("data"), None);
    config.index = Some(scratch.index.clone());
    config.corpus = scratch.root.clone();
    let service = Service::open(dir, config).await;
    let store = &service.state.engine.store;
    let (_, admin) = store.issue_token(Role::Admin, "ops").await.unwrap();
    let (_, csm) = store.issue_token(Role::Csm, "ann").await.unwrap();
    (scratch, service, admin, csm)
}

async fn admin_call(
    service: &Service,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let auth = format!("Bearer {token}");
    let (status, _, body) = service
        .call(method, path, &[("authorization", auth.as_str())], body)
        .await;
    (status, body)
}

/// Follows a job until it ends; returns its last state.
async fn wait_job(service: &Service, admin: &str, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let path = format!("/v1/admin/reindex/{id}");
        let (status, job) = admin_call(service, admin, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{job}");
        if job["status"] != "running" {
            return job;
        }
        assert!(Instant::now() < deadline, "job {id} still running: {job}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The releases the answer's citations come from.
fn releases(answer: &Value) -> Vec<String> {
    answer["citations"]
        .as_array()
        .map(|c| {
            c.iter()
                .map(|c| c["release"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reindexing_under_load_fails_no_request_and_serves_the_new_release() {
    let (scratch, service, admin, csm) = service().await;
    let service = Arc::new(service);

    // Customers keep asking while the index changes under them.
    let stop = Arc::new(AtomicBool::new(false));
    let mut load = Vec::new();
    for worker in 0..4 {
        let service = Arc::clone(&service);
        let stop = Arc::clone(&stop);
        load.push(tokio::spawn(async move {
            let questions = [
                "why do my webhook signatures not verify?",
                "how do I turn on zorblax routing?",
                "how do I get the next page of shipments?",
            ];
            let mut seen = Vec::new();
            let mut i = worker;
            while !stop.load(Ordering::Relaxed) {
                let (status, body) = service
                    .ask(json!({ "question": questions[i % questions.len()] }))
                    .await;
                seen.push((status, releases(&body)));
                i += 1;
            }
            seen
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    // A release adds a document; an admin re-indexes through the API.
    scratch.write("docs/zorblax.md", NEW_DOC);
    let (status, job) = admin_call(
        &service,
        &admin,
        Method::POST,
        "/v1/admin/reindex",
        Some(json!({"release": "2.1.0"})),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    assert_eq!(job["status"], "running");
    let id = job["id"].as_str().unwrap().to_string();
    // One job at a time.
    let (status, body) =
        admin_call(&service, &admin, Method::POST, "/v1/admin/reindex", None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "reindex_running");

    let job = wait_job(&service, &admin, &id).await;
    assert_eq!(job["status"], "published", "{job}");
    assert_eq!(job["phase"], "done");
    assert_eq!(job["generation"], 2);
    assert_eq!(
        job["report"]["files_parsed"], 1,
        "only the new file is read"
    );
    assert_eq!(job["files_done"], job["files_total"]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);

    let mut before = 0;
    let mut after = 0;
    for worker in load {
        for (status, releases) in worker.await.unwrap() {
            assert_eq!(status, StatusCode::OK, "no request fails during the swap");
            if releases.iter().any(|r| r == "2.1.0") {
                after += 1;
                assert!(releases.iter().all(|r| r == "2.1.0"), "{releases:?}");
            } else if !releases.is_empty() {
                before += 1;
            }
        }
    }
    assert!(before > 0 && after > 0, "before {before}, after {after}");

    // The new document is found, and cited as 2.1.0.
    let (_, answer) = service
        .ask(json!({"question": "how do I turn on zorblax routing?"}))
        .await;
    assert_eq!(
        answer["citations"][0]["path"], "docs/zorblax.md",
        "{answer}"
    );
    assert_eq!(answer["citations"][0]["release"], "2.1.0");
    let (_, _, ready) = service.call(Method::GET, "/readyz", &[], None).await;
    assert_eq!(ready["index"]["release"], "2.1.0", "{ready}");

    // Nothing changed: the next job publishes nothing.
    let (_, job) = admin_call(&service, &admin, Method::POST, "/v1/admin/reindex", None).await;
    let job = wait_job(&service, &admin, job["id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "up_to_date", "{job}");

    // A job that cannot finish (another indexer holds the lock) fails and
    // leaves the served generation as it was.
    let lock = docent_indexer::IndexDir::new(&scratch.index)
        .lock()
        .unwrap();
    scratch.write("docs/more.md", "# More\n\nAnother page.\n");
    let (_, job) = admin_call(&service, &admin, Method::POST, "/v1/admin/reindex", None).await;
    let job = wait_job(&service, &admin, job["id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert!(
        job["error"].as_str().unwrap().contains("already writing"),
        "{job}"
    );
    assert_eq!(
        service.state.engine.retriever.get().generation().generation,
        2
    );
    drop(lock);

    // The contract: CSM tokens, bad bodies and unknown jobs.
    let (status, _) = admin_call(&service, &csm, Method::POST, "/v1/admin/reindex", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = admin_call(
        &service,
        &admin,
        Method::POST,
        "/v1/admin/reindex",
        Some(json!({"release": "x".repeat(100)})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = admin_call(
        &service,
        &admin,
        Method::POST,
        "/v1/admin/reindex",
        Some(json!({"label": "2"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = admin_call(
        &service,
        &admin,
        Method::GET,
        "/v1/admin/reindex/j_nope",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "job_not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watcher_serves_what_the_cli_publishes_and_rolls_back() {
    let (scratch, service, _, _) = service().await;
    let state = service.state.clone();
    tokio::spawn(docent::reindex::watch(
        Arc::clone(&state.engine),
        Duration::from_millis(50),
    ));
    let generation = || state.engine.retriever.get().generation().generation;
    assert_eq!(generation(), 1);

    // `docent index` publishes generation 2 from another process.
    scratch.write("docs/zorblax.md", NEW_DOC);
    let index = scratch.index.to_str().unwrap().to_string();
    let root = scratch.root.to_str().unwrap().to_string();
    let out = docent(&["index", &root, "--index", &index, "--release", "2.1.0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    wait_for(|| generation() == 2).await;
    let (_, answer) = service
        .ask(json!({"question": "how do I turn on zorblax routing?"}))
        .await;
    assert_eq!(answer["citations"][0]["path"], "docs/zorblax.md");

    // Roll back: generation 1 is served again, without the new document.
    let out = docent(&["index", "rollback", "--index", &index]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(common::stdout(&out).contains("now serving generation 1 (release 2.0.0"));
    wait_for(|| generation() == 1).await;
    let (_, answer) = service
        .ask(json!({"question": "how do I turn on zorblax routing?"}))
        .await;
    assert_ne!(answer["citations"][0]["path"], "docs/zorblax.md");
    let (_, metrics) = service.get("/metrics").await;
    assert!(metrics.contains("docent_index_generation 1"), "{metrics}");

    // Rolling forward again names the generation; a missing one is refused.
    let out = docent(&["index", "rollback", "--index", &index, "--to", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    wait_for(|| generation() == 2).await;
    let out = docent(&["index", "rollback", "--index", &index, "--to", "7"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no generation 7 is kept (kept: 1, 2)"),
        "{}",
        stderr(&out)
    );

    // The next run builds on the served generation, numbered after the newest.
    let out = docent(&["index", "rollback", "--index", &index]);
    assert!(out.status.success());
    wait_for(|| generation() == 1).await;
    scratch.write(
        "docs/another.md",
        "# Another\n\nMore words about parcels.\n",
    );
    let out = docent(&["index", &root, "--index", &index, "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["generation"], 3);
    assert_eq!(
        report["release"], "2.0.0",
        "the release of the generation it built on"
    );
    wait_for(|| generation() == 3).await;
}

async fn wait_for(done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
