//! Search latency in process: p50, p90, p99 and max over a question set.
//!
//! ```text
//! cargo bench --bench search_latency -- [INDEX_DIR] [QUESTIONS.jsonl...]
//! ```
//! Without arguments it indexes `corpus/` into a temporary directory and uses
//! both dev question sets. Each question is searched once to warm up, then
//! `DOCENT_BENCH_ROUNDS` (default 20) times; every search is one sample.
//! `DOCENT_BENCH_SET=name=value,...` overrides ranking parameters.

use std::path::PathBuf;
use std::time::Instant;

use docent::eval::load_questions;
use docent::retrieval::Retriever;
use docent_indexer::indexing::{IndexOptions, NoProgress};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let _scratch;
    let index = match args.first() {
        Some(dir) => PathBuf::from(dir),
        None => {
            _scratch = tempfile::tempdir().expect("tempdir");
            let dir = _scratch.path().join("index");
            docent_indexer::index(
                &dir,
                &[manifest.join("corpus")],
                &IndexOptions::default(),
                &NoProgress,
            )
            .expect("index corpus");
            dir
        }
    };
    let question_files: Vec<PathBuf> = if args.len() > 1 {
        args[1..].iter().map(PathBuf::from).collect()
    } else {
        vec![
            manifest.join("tests/questions/corpus.jsonl"),
            manifest.join("tests/questions/tantivy.jsonl"),
        ]
    };
    let mut questions = Vec::new();
    for file in &question_files {
        questions.extend(
            load_questions(file)
                .expect("questions")
                .into_iter()
                .map(|q| q.q),
        );
    }
    let rounds: usize = std::env::var("DOCENT_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20);
    // DOCENT_BENCH_SET="candidates=0,depth=50" overrides ranking parameters.
    let mut ranking = docent::retrieval::Ranking::default();
    for setting in std::env::var("DOCENT_BENCH_SET")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
    {
        let (name, value) = setting.split_once('=').expect("NAME=VALUE");
        ranking.set(name, value).expect("ranking parameter");
    }
    let retriever = Retriever::open(&index)
        .expect("open index")
        .with_ranking(ranking);
    for q in &questions {
        retriever.search(q, 10).expect("search");
    }
    let mut samples = Vec::with_capacity(questions.len() * rounds);
    for _ in 0..rounds {
        for q in &questions {
            let started = Instant::now();
            let hits = retriever.search(q, 10).expect("search");
            samples.push(started.elapsed().as_secs_f64() * 1e3);
            std::hint::black_box(hits);
        }
    }
    samples.sort_by(f64::total_cmp);
    println!(
        "search latency over {} chunks, {} questions x {rounds} rounds ({} samples), top 10:",
        retriever.chunk_count(),
        questions.len(),
        samples.len()
    );
    println!(
        "  p50 {:.3} ms  p90 {:.3} ms  p99 {:.3} ms  max {:.3} ms",
        percentile(&samples, 0.50),
        percentile(&samples, 0.90),
        percentile(&samples, 0.99),
        samples[samples.len() - 1]
    );
}
