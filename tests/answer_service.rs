//! The answer service end to end in process: extractive and LLM answers,
//! streaming order, the latency budget and fallbacks, escalation rules,
//! persistence, and the error contract of every endpoint.

mod common;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::fake_llm::{FakeLlm, Script};
use common::service::Service;
use docent::store::{QueueFilter, Table, now_ms};
use serde_json::{Value, json};

const ANSWERABLE: &str = "why do my webhook signatures not verify?";

fn events(stream: &[(String, Value)]) -> Vec<&str> {
    stream.iter().map(|(e, _)| e.as_str()).collect()
}

async fn count(service: &Service, table: Table) -> i64 {
    service.state.engine.store.count(table).await.unwrap()
}

#[tokio::test]
async fn extractive_answers_quote_and_cite_the_corpus() {
    let service = Service::start(None, |_| {}).await;
    let (status, body) = service.ask(json!({ "question": ANSWERABLE })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["mode"], "extractive");
    assert_eq!(body["escalated"], false);
    assert!(
        body["answer"]
            .as_str()
            .unwrap()
            .starts_with("These excerpts"),
        "{body}"
    );
    let citations = body["citations"].as_array().unwrap();
    assert!(
        citations.iter().any(|c| c["path"] == "docs/webhooks.md"),
        "{body}"
    );
    for (i, c) in citations.iter().enumerate() {
        assert_eq!(c["n"], i + 1);
        assert_eq!(c["release"], "2.1.0");
        assert!(c["start_line"].as_u64().unwrap() <= c["end_line"].as_u64().unwrap());
    }
    assert!(body["confidence"].as_f64().unwrap() >= 0.4);
    assert!(body["timings"]["total_ms"].is_u64());
    assert!(body["timings"]["first_token_ms"].is_null());
    assert!(body.get("escalation_id").is_none());
    assert_eq!(count(&service, Table::Answers).await, 1);
    assert_eq!(count(&service, Table::Messages).await, 2);
}

#[tokio::test]
async fn streams_citations_then_deltas_then_done() {
    let service = Service::start(None, |_| {}).await;
    let (status, stream) = service.ask_stream(json!({ "question": ANSWERABLE })).await;
    assert_eq!(status, StatusCode::OK);
    let names = events(&stream);
    assert_eq!(names.first(), Some(&"citations"), "{names:?}");
    assert_eq!(names.last(), Some(&"done"), "{names:?}");
    assert!(names.contains(&"delta"));
    let streamed: String = stream
        .iter()
        .filter(|(e, _)| e == "delta")
        .map(|(_, d)| d["text"].as_str().unwrap())
        .collect();
    let done = &stream.last().unwrap().1;
    assert_eq!(done["answer"].as_str().unwrap(), streamed);
    assert_eq!(done["citations"], stream[0].1["citations"]);
}

#[tokio::test]
async fn the_model_answer_streams_token_by_token_with_the_prompt_recorded() {
    let llm = FakeLlm::start(Script::tokens(&["Verify ", "the raw ", "body [1]", "."])).await;
    let service = Service::start(Some(&llm), |_| {}).await;
    let (status, stream) = service.ask_stream(json!({ "question": ANSWERABLE })).await;
    assert_eq!(status, StatusCode::OK);
    let deltas: Vec<&str> = stream
        .iter()
        .filter(|(e, _)| e == "delta")
        .map(|(_, d)| d["text"].as_str().unwrap())
        .collect();
    assert_eq!(deltas, ["Verify ", "the raw ", "body [1]", "."]);
    assert_eq!(events(&stream)[0], "citations");
    let done = &stream.last().unwrap().1;
    assert_eq!(done["mode"], "llm");
    assert_eq!(done["answer"], "Verify the raw body [1].");
    assert!(done["timings"]["first_token_ms"].is_u64());
    assert!(done["prompt_version"].as_str().unwrap().starts_with("p-"));

    let requests = llm.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["model"], "fake-model");
    assert_eq!(requests[0]["stream"], true);
    assert!(
        requests[0]["max_tokens"].is_u64(),
        "max_tokens, which local servers honour"
    );
    let user = requests[0]["messages"][1]["content"].as_str().unwrap();
    assert!(
        user.contains("[1] ") && user.contains("Question: why do my webhook"),
        "{user}"
    );
}

/// Asserts an answer fell back to extractive mode because the model failed
/// (`llm_unavailable`) or ran out of time (`llm_timeout`).
fn assert_fell_back(done: &Value, reason: &str) {
    assert_eq!(done["mode"], "extractive", "{done}");
    assert!(
        done["answer"]
            .as_str()
            .unwrap()
            .starts_with("These excerpts"),
        "{done}"
    );
    assert!(
        done["reasons"].as_array().unwrap().contains(&json!(reason)),
        "{done}"
    );
}

#[tokio::test]
async fn a_slow_first_token_falls_back_within_the_budget() {
    let llm = FakeLlm::start(Script::Tokens {
        tokens: vec!["late [1]".into()],
        first: Duration::from_secs(5),
        between: Duration::ZERO,
    })
    .await;
    let service = Service::start(Some(&llm), |_| {}).await;
    let started = Instant::now();
    let (status, body) = service.ask(json!({ "question": ANSWERABLE })).await;
    let waited = started.elapsed();
    assert_eq!(status, StatusCode::OK);
    assert_fell_back(&body, "llm_timeout");
    // The first-token deadline is 400 ms and the budget 1500 ms; generous slack for CI.
    assert!(
        waited < Duration::from_millis(1_500 + 250 + 1_000),
        "waited {waited:?}"
    );
    let (_, metrics) = service.get("/metrics").await;
    assert!(
        metrics.contains("docent_llm_failures_total{kind=\"first_token_timeout\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_model_that_streams_past_the_budget_is_cut_off() {
    let llm = FakeLlm::start(Script::Tokens {
        tokens: (0..100).map(|i| format!("word{i} ")).collect(),
        first: Duration::from_millis(10),
        between: Duration::from_millis(50),
    })
    .await;
    let service = Service::start(Some(&llm), |_| {}).await;
    let started = Instant::now();
    let (status, stream) = service.ask_stream(json!({ "question": ANSWERABLE })).await;
    let waited = started.elapsed();
    assert_eq!(status, StatusCode::OK);
    let names = events(&stream);
    assert!(
        names.contains(&"reset"),
        "streamed text is withdrawn: {names:?}"
    );
    assert_fell_back(&stream.last().unwrap().1, "llm_timeout");
    assert!(
        waited < Duration::from_millis(1_500 + 250 + 1_000),
        "waited {waited:?}"
    );
}

#[tokio::test]
async fn server_errors_broken_and_malformed_streams_fall_back() {
    let llm = FakeLlm::start(Script::Status(500)).await;
    let service = Service::start(Some(&llm), |_| {}).await;
    for script in [
        Script::Status(500),
        Script::Status(429),
        Script::Disconnect(vec!["Half an ".into(), "answer".into()]),
        Script::Malformed,
    ] {
        llm.set(script.clone());
        let (status, stream) = service.ask_stream(json!({ "question": ANSWERABLE })).await;
        assert_eq!(status, StatusCode::OK, "{script:?}");
        assert_fell_back(&stream.last().unwrap().1, "llm_unavailable");
    }
    let (_, metrics) = service.get("/metrics").await;
    assert!(
        metrics.contains("docent_llm_failures_total{kind=\"api\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("docent_answers_total{mode=\"extractive\"} 4"),
        "{metrics}"
    );
}

#[tokio::test]
async fn the_model_saying_it_cannot_answer_escalates_with_its_draft() {
    let llm = FakeLlm::start(Script::tokens(&["[[NO-ANSWER]]"])).await;
    let service = Service::start(Some(&llm), |_| {}).await;
    let (status, body) = service.ask(json!({ "question": ANSWERABLE })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["escalated"], true, "{body}");
    assert!(
        body["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("model_no_answer"))
    );
    assert!(body["escalation_id"].as_str().unwrap().starts_with("e_"));
    assert!(
        body["answer"]
            .as_str()
            .unwrap()
            .contains("A person will follow up")
    );
    let store = &service.state.engine.store;
    let page = store
        .queue(&QueueFilter::default(), now_ms())
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].reason, "model_no_answer");
    let detail = store
        .escalation(&page.items[0].id, now_ms())
        .await
        .unwrap()
        .unwrap();
    assert!(
        detail.draft.starts_with("These excerpts"),
        "the CSM gets the passages as a draft"
    );
}

#[tokio::test]
async fn asking_for_a_person_escalates_at_once_without_the_model() {
    let llm = FakeLlm::start(Script::tokens(&["never used"])).await;
    let service = Service::start(Some(&llm), |_| {}).await;
    let (status, body) = service
        .ask(json!({ "question": "Can I talk to a human please?" }))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["escalated"], true);
    assert_eq!(body["reasons"][0], "asked_for_human");
    assert!(llm.requests().is_empty(), "the model is not asked");
    assert_eq!(count(&service, Table::Escalations).await, 1);
}

#[tokio::test]
async fn account_and_off_topic_questions_are_not_answered_from_loose_matches() {
    let service = Service::start(None, |_| {}).await;
    let weak_evidence = ["low_retrieval_evidence", "no_passages"];
    for (question, reasons) in [
        (
            "Can I get a refund for last month's invoice?",
            &["account_question"][..],
        ),
        (
            "What does the enterprise plan cost per month?",
            &["account_question"][..],
        ),
        ("How do I center a div with CSS?", &weak_evidence[..]),
        ("What is the capital of Australia?", &weak_evidence[..]),
    ] {
        let (status, body) = service.ask(json!({ "question": question })).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["escalated"], true, "{question}: {body}");
        let reason = body["reasons"][0].as_str().unwrap();
        assert!(reasons.contains(&reason), "{question}: {body}");
        assert!(
            !body["answer"].as_str().unwrap().contains("These excerpts"),
            "{question}"
        );
    }
}

#[tokio::test]
async fn follow_ups_use_the_conversation_and_survive_a_restart() {
    let llm = FakeLlm::start(Script::tokens(&["Use cursors [1]."])).await;
    let service = Service::start(Some(&llm), |_| {}).await;
    let (_, first) = service
        .ask(json!({ "question": "how do I get the next page of shipments?" }))
        .await;
    let conversation = first["conversation_id"].as_str().unwrap().to_string();
    assert!(conversation.starts_with("c_"));

    // Restart: a new engine over the same data directory.
    let Service {
        dir, config, state, ..
    } = service;
    state.engine.store.close().await;
    drop(state);
    let service = Service::open(dir, config).await;
    let (status, second) = service
        .ask(json!({ "question": "and in python?", "conversation_id": conversation }))
        .await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second["conversation_id"], conversation.as_str());
    let history = service
        .state
        .engine
        .store
        .history(&conversation, 10)
        .await
        .unwrap();
    assert_eq!(history.len(), 4);
    assert_eq!(history[0].text, "how do I get the next page of shipments?");
    // The follow-up prompt carries the earlier turns.
    let last = llm.requests().pop().unwrap();
    let user = last["messages"][1]["content"].as_str().unwrap();
    assert!(
        user.contains("customer: how do I get the next page of shipments?"),
        "{user}"
    );
    assert!(user.contains("assistant: Use cursors [1]."), "{user}");
}

/// Sends a raw `/v1/ask` request and checks the JSON error contract.
async fn expect_error(service: &Service, request: Request<Body>, status: StatusCode, code: &str) {
    let (got, headers, body) = service.send(request).await;
    assert_eq!(got, status, "{}", String::from_utf8_lossy(&body));
    assert_eq!(
        headers.get(header::CONTENT_TYPE).unwrap(),
        "application/json",
        "{code}"
    );
    let json: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["code"], code, "{json}");
    assert!(!json["message"].as_str().unwrap().is_empty());
    assert_eq!(
        json.as_object().unwrap().len(),
        2,
        "exactly code and message: {json}"
    );
}

fn post(body: impl Into<Body>, content_type: &str) -> Request<Body> {
    Request::post("/v1/ask")
        .header(header::CONTENT_TYPE, content_type)
        .body(body.into())
        .unwrap()
}

#[tokio::test]
async fn every_bad_request_gets_a_json_error_and_stores_nothing() {
    let service = Service::start(None, |c| c.body_limit_bytes = 16 * 1024).await;
    let json = "application/json";
    let cases: Vec<(Request<Body>, StatusCode, &str)> = vec![
        (
            post(r#"{"question": "   "}"#, json),
            StatusCode::BAD_REQUEST,
            "empty_question",
        ),
        (
            post(json!({ "question": "a".repeat(4_001) }).to_string(), json),
            StatusCode::BAD_REQUEST,
            "question_too_long",
        ),
        (
            post(vec![b'{', 0xff, 0xfe, b'}'], json),
            StatusCode::BAD_REQUEST,
            "invalid_utf8",
        ),
        (
            post(r#"{"question": "#, json),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            post(r#"{"q": "wrong field"}"#, json),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            post(r#"{"question": 42}"#, json),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            post(r#"{"question": "hi"}"#, "text/plain"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            post(json!({ "question": "x".repeat(20_000) }).to_string(), json),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (
            post(
                json!({ "question": "hi", "conversation_id": "c_nope" }).to_string(),
                json,
            ),
            StatusCode::NOT_FOUND,
            "conversation_not_found",
        ),
        (
            Request::get("/v1/ask").body(Body::empty()).unwrap(),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            Request::get("/v1/nothing").body(Body::empty()).unwrap(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Request::get("/v1/search").body(Body::empty()).unwrap(),
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
        ),
        (
            Request::get("/v1/search?q=webhooks&limit=0")
                .body(Body::empty())
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
        ),
        (
            Request::get("/v1/search?q=webhooks&limit=ten")
                .body(Body::empty())
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
        ),
        (
            Request::get("/v1/search?q=%3F%21")
                .body(Body::empty())
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
        ),
    ];
    for (request, status, code) in cases {
        expect_error(&service, request, status, code).await;
    }
    assert_eq!(count(&service, Table::Messages).await, 0);
    assert_eq!(count(&service, Table::Conversations).await, 0);

    // A streaming request for an unknown conversation is refused before any stream.
    let (status, stream) = service
        .ask_stream(json!({ "question": "hi", "conversation_id": "c_nope" }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        stream.iter().all(|(e, _)| e == "message"),
        "no SSE events: {stream:?}"
    );
}

#[tokio::test]
async fn clients_over_the_rate_limit_get_429_with_retry_after() {
    let service = Service::start(None, |c| {
        c.rate_limit_per_minute = 6;
        c.rate_limit_burst = 2;
    })
    .await;
    for _ in 0..2 {
        let (status, _) = service.ask(json!({ "question": ANSWERABLE })).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, headers, body) = service
        .send(post(
            json!({ "question": ANSWERABLE }).to_string(),
            "application/json",
        ))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = headers
        .get(header::RETRY_AFTER)
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&wait), "Retry-After {wait}");
    let json: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["code"], "rate_limited");
    assert_eq!(count(&service, Table::Answers).await, 2);
}

#[tokio::test]
async fn search_health_readiness_and_metrics() {
    let service = Service::start(None, |_| {}).await;
    let (status, body) = service
        .get("/v1/search?q=webhook%20signature&limit=3")
        .await;
    assert_eq!(status, StatusCode::OK);
    let json: Value = serde_json::from_str(&body).unwrap();
    let hits = json["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 3);
    common::assert_hit_fields(&hits[0]);

    let (status, body) = service.get("/healthz").await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, r#"{"status":"ok"}"#)
    );
    let (status, body) = service.get("/readyz").await;
    assert_eq!(status, StatusCode::OK);
    let ready: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["index"]["release"], "2.1.0");
    assert!(ready["index"]["chunks"].as_u64().unwrap() > 50);

    service.ask(json!({ "question": ANSWERABLE })).await;
    let (status, metrics) = service.get("/metrics").await;
    assert_eq!(status, StatusCode::OK);
    for needle in [
        "docent_http_requests_total{route=\"/v1/ask\",status=\"200\"} 1",
        "docent_http_requests_total{route=\"/v1/search\",status=\"200\"} 1",
        "docent_http_request_duration_seconds_bucket{route=\"/v1/ask\",le=\"+Inf\"} 1",
        "docent_answers_total{mode=\"extractive\"} 1",
        "docent_index_generation 1",
    ] {
        assert!(metrics.contains(needle), "missing {needle}:\n{metrics}");
    }
    let chunks_line = metrics
        .lines()
        .find(|l| l.starts_with("docent_index_chunks "))
        .unwrap();
    assert_ne!(chunks_line, "docent_index_chunks 0");
}

#[tokio::test]
async fn the_prompt_fits_the_budget_with_the_best_passages_first() {
    let llm = FakeLlm::start(Script::tokens(&["Use cursors [1]."])).await;
    let roomy = Service::start(Some(&llm), |_| {}).await;
    roomy.ask(json!({ "question": ANSWERABLE })).await;
    let tight = Service::start(Some(&llm), |c| c.llm.prompt_tokens = Some(900)).await;
    tight.ask(json!({ "question": ANSWERABLE })).await;
    let requests = llm.requests();
    let prompt = |i: usize| {
        let messages = requests[i]["messages"].as_array().unwrap();
        messages
            .iter()
            .map(|m| m["content"].as_str().unwrap().len())
            .sum::<usize>()
    };
    let user = |i: usize| {
        requests[i]["messages"][1]["content"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        user(0).contains("\n[5] "),
        "a roomy budget takes every passage"
    );
    assert!(
        user(1).contains("\n[1] "),
        "the best passage is always there"
    );
    assert!(
        !user(1).contains("\n[5] "),
        "a tight budget drops the weakest passages"
    );
    assert!(prompt(1) <= 900 * 3 + 64, "prompt of {} bytes", prompt(1));
    assert!(prompt(1) < prompt(0));
}

#[tokio::test]
async fn a_model_that_ignores_the_citation_format_is_flagged() {
    let llm = FakeLlm::start(Script::tokens(&["Just verify ", "the raw body."])).await;
    let service = Service::start(Some(&llm), |_| {}).await;
    let (status, body) = service.ask(json!({ "question": ANSWERABLE })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["mode"], "llm");
    assert!(
        body["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("no_citations")),
        "{body}"
    );
    assert!(body["confidence"].as_f64().unwrap() < 1.0);
}

#[tokio::test]
async fn chunks_without_the_optional_fields_local_servers_omit_still_stream() {
    let llm = FakeLlm::start(Script::Bare(vec![
        "Verify the ".into(),
        "raw body [1].".into(),
    ]))
    .await;
    let service = Service::start(Some(&llm), |_| {}).await;
    let (status, body) = service.ask(json!({ "question": ANSWERABLE })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["mode"], "llm", "{body}");
    assert_eq!(body["answer"], "Verify the raw body [1].");
}

#[tokio::test]
async fn an_answer_that_is_only_a_citation_falls_back_with_its_first_token_time() {
    let llm = FakeLlm::start(Script::tokens(&["[1]"])).await;
    let service = Service::start(Some(&llm), |_| {}).await;
    let (_, body) = service.ask(json!({ "question": ANSWERABLE })).await;
    assert_fell_back(&body, "llm_unavailable");
    assert!(body["timings"]["first_token_ms"].is_u64(), "{body}");
}

#[tokio::test]
async fn a_marker_tacked_onto_a_real_answer_is_removed_not_escalated() {
    let answer =
        "Verify the raw request body with the endpoint secret [1], never a re-serialized copy. ";
    let llm = FakeLlm::start(Script::tokens(&[answer, "[[NO-ANSWER]]"])).await;
    let service = Service::start(Some(&llm), |_| {}).await;
    let (_, stream) = service.ask_stream(json!({ "question": ANSWERABLE })).await;
    let done = &stream.last().unwrap().1;
    assert_eq!(done["escalated"], false, "{done}");
    assert_eq!(done["answer"], answer.trim());
    assert!(
        events(&stream).contains(&"reset"),
        "the streamed marker is withdrawn"
    );
}
