//! `docent search` and `docent eval` as users run them.

mod common;

use common::{Scratch, docent, questions, stderr, stdout};
use docent::eval;
use docent::retrieval::Retriever;

#[test]
fn search_json_has_exactly_the_documented_fields() {
    let s = Scratch::with_corpus();
    s.index(Some("2.1.0"));
    let output = docent(&[
        "search",
        "--index",
        s.index.to_str().unwrap(),
        "--json",
        "--limit",
        "8",
        "how do I verify webhook signatures?",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let object = json.as_object().unwrap();
    assert_eq!(object.keys().collect::<Vec<_>>(), vec!["hits"]);
    let hits = json["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 8);
    let mut saw_null_symbol = false;
    let mut saw_null_heading = false;
    for hit in hits {
        common::assert_hit_fields(hit);
        assert_eq!(hit["release"], "2.1.0");
        assert!(hit["score"].as_f64().unwrap() > 0.0);
        saw_null_symbol |= hit["symbol"].is_null();
        saw_null_heading |= hit["heading"].is_null();
        assert!(["code", "doc", "config"].contains(&hit["kind"].as_str().unwrap()));
    }
    assert!(
        saw_null_symbol && saw_null_heading,
        "absent symbol/heading print as null"
    );
}

#[test]
fn every_hit_cites_the_exact_lines_of_its_file() {
    let s = Scratch::with_corpus();
    s.index(None);
    let retriever = Retriever::open(&s.index).unwrap();
    for query in [
        "rate limit retry",
        "webhook signature",
        "pagination cursor",
        "timeout proxy",
    ] {
        for hit in retriever.search(query, 10).unwrap() {
            let file = std::fs::read_to_string(s.root.join(&hit.path)).unwrap();
            let lines: Vec<&str> = file.lines().collect();
            let cited = lines[hit.start_line as usize - 1..hit.end_line as usize].join("\n");
            assert_eq!(
                hit.text, cited,
                "{}:{}-{}",
                hit.path, hit.start_line, hit.end_line
            );
        }
    }
}

#[test]
fn tests_and_benches_do_not_outrank_the_docs() {
    let s = Scratch::empty();
    s.write(
        "docs/retries.md",
        "# Retries\n\nFailed requests are retried with exponential backoff.\n",
    );
    s.write(
        "tests/retries.rs",
        "#[test]\nfn retries_with_exponential_backoff() {\n    // retried requests, exponential backoff, failed requests retried\n}\n",
    );
    s.index(None);
    let hits = Retriever::open(&s.index)
        .unwrap()
        .search("how are failed requests retried?", 5)
        .unwrap();
    assert_eq!(hits[0].path, "docs/retries.md");
}

#[test]
fn eval_on_the_corpus_dev_set_meets_the_targets() {
    let s = Scratch::with_corpus();
    s.index(None);
    let retriever = Retriever::open(&s.index).unwrap();
    let set = eval::load_questions(&questions("corpus.jsonl")).unwrap();
    assert!(set.len() >= 30);
    let scores = eval::evaluate(&retriever, &set).unwrap();
    let misses: Vec<&str> = scores
        .outcomes
        .iter()
        .filter(|o| o.rank.is_none_or(|r| r > 5))
        .map(|o| o.q.as_str())
        .collect();
    assert!(
        scores.hit_at_5 >= 0.90,
        "hit@5 {:.3}; missed: {misses:?}",
        scores.hit_at_5
    );
    assert!(scores.mrr_at_10 >= 0.75, "MRR@10 {:.3}", scores.mrr_at_10);
}

#[test]
fn eval_cli_prints_the_three_scores() {
    let s = Scratch::with_corpus();
    s.index(None);
    let questions = questions("corpus.jsonl");
    let output = docent(&[
        "eval",
        "--index",
        s.index.to_str().unwrap(),
        "--questions",
        questions.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    let last = out.lines().last().unwrap();
    assert!(
        last.contains("hit@1") && last.contains("hit@5") && last.contains("MRR@10"),
        "{last}"
    );
}

#[test]
fn eval_reports_the_line_of_a_malformed_question() {
    let s = Scratch::with_corpus();
    s.index(None);
    let file = s.dir.path().join("bad.jsonl");
    std::fs::write(
        &file,
        "{\"q\": \"ok?\", \"gold\": [\"docs/errors.md\"]}\n\n{\"q\": \"no gold\"}\n",
    )
    .unwrap();
    let output = docent(&[
        "eval",
        "--index",
        s.index.to_str().unwrap(),
        "--questions",
        file.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("bad.jsonl:3:"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn searching_without_an_index_says_how_to_make_one() {
    let s = Scratch::empty();
    let output = docent(&["search", "--index", s.index.to_str().unwrap(), "anything"]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains("no index at") && err.contains("docent index"),
        "{err}"
    );
}

#[test]
fn a_query_of_only_punctuation_is_refused() {
    let s = Scratch::with_corpus();
    s.index(None);
    let output = docent(&["search", "--index", s.index.to_str().unwrap(), "?!"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("no searchable words"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn rust_items_are_found_by_the_markdown_they_include_as_docs() {
    let s = Scratch::empty();
    s.write(
        "src/lib.rs",
        "#[doc = include_str!(\"../docs/nest.md\")]\npub fn nest() {}\n\n#[doc = include_str!(\"../../outside.md\")]\npub fn escape() {}\n",
    );
    s.write(
        "docs/nest.md",
        "Mounts a router under a marsupial prefix.\n",
    );
    std::fs::write(s.dir.path().join("outside.md"), "The platypine secret.\n").unwrap();
    s.index(None);
    let retriever = Retriever::open(&s.index).unwrap();
    let paths: Vec<String> = retriever
        .search("marsupial", 5)
        .unwrap()
        .into_iter()
        .map(|h| h.path)
        .collect();
    assert!(paths.contains(&"src/lib.rs".to_string()), "{paths:?}");
    assert!(paths.contains(&"docs/nest.md".to_string()), "{paths:?}");
    assert!(
        retriever.search("platypine", 5).unwrap().is_empty(),
        "files outside the root are not read"
    );
}

#[test]
fn escalation_on_the_corpus_meets_the_targets_in_extractive_mode() {
    let s = Scratch::with_corpus();
    s.index(None);
    let retriever = Retriever::open(&s.index).unwrap();
    let mut set = eval::load_questions(&questions("corpus.jsonl")).unwrap();
    set.extend(eval::load_questions(&questions("out-of-scope.jsonl")).unwrap());
    let threshold = docent::config::Config::default()
        .tiers
        .ai_assisted
        .confidence_threshold;
    let scores = eval::evaluate_escalation(&retriever, &set, 5, threshold).unwrap();
    assert!(scores.out_of_scope >= 30 && scores.answerable >= 30);
    let wrong: Vec<&str> = scores
        .outcomes
        .iter()
        .filter(|o| o.is_wrong())
        .map(|o| o.q.as_str())
        .collect();
    assert!(
        scores.answerable_escalated <= 0.10,
        "{:.3} escalated; wrong: {wrong:?}",
        scores.answerable_escalated
    );
    assert!(
        scores.out_of_scope_escalated >= 0.90,
        "{:.3} escalated; wrong: {wrong:?}",
        scores.out_of_scope_escalated
    );
}
