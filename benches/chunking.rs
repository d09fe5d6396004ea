//! Criterion benchmarks of the CPU-bound indexing steps: chunking and tokenizing.
//!
//! `cargo bench --bench chunking`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use docent_indexer::tokenizer::{self, stem_analyzer};
use docent_indexer::{ChunkOptions, Lang, chunk_file};

fn corpus_file(rel: &str) -> String {
    let path = format!("{}/corpus/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn bench_chunking(c: &mut Criterion) {
    let options = ChunkOptions::default();
    let mut group = c.benchmark_group("chunk");
    for (rel, lang) in [
        ("sdk/rust/src/client.rs", Lang::Rust),
        ("sdk/python/shiplane/client.py", Lang::Python),
        ("sdk/typescript/src/index.ts", Lang::TypeScript),
        ("docs/webhooks.md", Lang::Markdown),
    ] {
        let text = corpus_file(rel);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(rel, |b| b.iter(|| chunk_file(rel, lang, &text, &options)));
    }
    group.finish();
}

fn bench_tokenizer(c: &mut Criterion) {
    let text = corpus_file("sdk/rust/src/client.rs");
    let mut analyzer = stem_analyzer();
    let mut group = c.benchmark_group("tokenize");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("stem_analyzer/client.rs", |b| {
        b.iter(|| tokenizer::tokens(&mut analyzer, &text).len())
    });
    group.finish();
}

criterion_group!(benches, bench_chunking, bench_tokenizer);
criterion_main!(benches);
