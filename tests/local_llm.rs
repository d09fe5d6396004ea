//! End to end against a real model server (llama.cpp's, started by
//! `scripts/local-llm small`): real questions over `corpus/`, streamed.
//!
//! Ignored by a plain `cargo test`, since it needs the server; `scripts/test`
//! starts it and runs this with `--ignored`, passing
//! `DOCENT_TEST_LLM_BASE_URL` and `DOCENT_TEST_LLM_MODEL`.

mod common;

use axum::http::StatusCode;
use common::service::Service;
use serde_json::{Value, json};

fn model() -> (String, String) {
    let base = std::env::var("DOCENT_TEST_LLM_BASE_URL")
        .expect("DOCENT_TEST_LLM_BASE_URL: start a server with scripts/local-llm small");
    let model = std::env::var("DOCENT_TEST_LLM_MODEL").expect("DOCENT_TEST_LLM_MODEL");
    (base, model)
}

/// Every citation names real lines of a real corpus file.
fn assert_citations_are_real(done: &Value) {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let citations = done["citations"].as_array().unwrap();
    assert!(!citations.is_empty(), "{done}");
    for c in citations {
        let text = std::fs::read_to_string(corpus.join(c["path"].as_str().unwrap())).unwrap();
        let lines = text.lines().count() as u64;
        let (start, end) = (
            c["start_line"].as_u64().unwrap(),
            c["end_line"].as_u64().unwrap(),
        );
        assert!(1 <= start && start <= end && end <= lines, "{c}");
    }
}

#[tokio::test]
#[ignore = "needs a model server: run scripts/test, or scripts/local-llm small and pass its settings"]
async fn a_real_local_model_answers_corpus_questions_in_llm_mode() {
    let (base, name) = model();
    let service = Service::start(None, |c| {
        c.llm.base_url = Some(base);
        c.llm.model = Some(name);
        c.llm.max_tokens = 120;
        c.llm.temperature = 0.0;
        c.llm.context_tokens = 4096;
        // Small prompts: on two CPU cores the model reads about 200 tokens/s.
        c.llm.prompt_tokens = Some(900);
        c.budget_ms = 120_000;
        c.first_token_ms = 90_000;
    })
    .await;
    for question in [
        "how do I get the next page of shipments?",
        "how many requests per second am I allowed to make?",
    ] {
        let (status, stream) = service.ask_stream(json!({ "question": question })).await;
        assert_eq!(status, StatusCode::OK);
        let events: Vec<&str> = stream.iter().map(|(e, _)| e.as_str()).collect();
        assert_eq!(events.first(), Some(&"citations"), "{events:?}");
        assert_eq!(events.last(), Some(&"done"), "{events:?}");
        let deltas = events.iter().filter(|e| **e == "delta").count();
        let done = &stream.last().unwrap().1;
        assert_eq!(done["mode"], "llm", "{question}: {done}");
        assert!(
            deltas >= 2,
            "the answer streamed token by token: {events:?}"
        );
        assert!(done["timings"]["first_token_ms"].as_u64().is_some());
        assert!(done["prompt_version"].as_str().is_some());
        assert_citations_are_real(done);
    }
}
