//! The reference point for retrieval quality: plain BM25 over fixed 40-line
//! windows (tantivy's default tokenizer, every question word OR-ed), scored with
//! the same hit@1 / hit@5 / MRR@10 as `docent eval`.
//!
//! ```text
//! cargo bench --bench baseline -- ROOT QUESTIONS.jsonl
//! ```

use std::path::{Path, PathBuf};

use docent::eval::load_questions;
use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::{STORED, STRING, Schema, TEXT, Value};
use tantivy::{Index, TantivyDocument, doc};

const WINDOW: usize = 40;

fn files(root: &Path) -> Vec<PathBuf> {
    ignore::WalkBuilder::new(root)
        .require_git(false)
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .filter(|e| docent_indexer::Lang::detect(e.path()).is_some())
        .map(|e| e.into_path())
        .collect()
}

fn main() -> tantivy::Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let (Some(root), Some(questions)) = (args.first(), args.get(1)) else {
        eprintln!("usage: cargo bench --bench baseline -- ROOT QUESTIONS.jsonl");
        std::process::exit(2);
    };
    let root = PathBuf::from(root);
    let mut builder = Schema::builder();
    let path_field = builder.add_text_field("path", STRING | STORED);
    let body = builder.add_text_field("body", TEXT);
    let index = Index::create_in_ram(builder.build());
    let mut writer = index.writer(100_000_000)?;
    for file in files(&root) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let rel = file
            .strip_prefix(&root)
            .unwrap_or(&file)
            .to_string_lossy()
            .into_owned();
        let lines: Vec<&str> = text.lines().collect();
        for window in lines.chunks(WINDOW) {
            writer.add_document(doc!(path_field => rel.clone(), body => window.join("\n")))?;
        }
    }
    writer.commit()?;
    let searcher = index.reader()?.searcher();
    let parser = QueryParser::for_index(&index, vec![body]);
    let set = load_questions(Path::new(questions)).expect("questions");
    let (mut hit1, mut hit5, mut mrr) = (0.0, 0.0, 0.0);
    for q in &set {
        let words: String =
            q.q.chars()
                .map(|c| if c.is_alphanumeric() { c } else { ' ' })
                .collect();
        let Ok(query) = parser.parse_query(&words) else {
            continue;
        };
        let top = searcher.search(&query, &TopDocs::with_limit(10).order_by_score())?;
        let rank = top.iter().position(|(_, address)| {
            let doc: TantivyDocument = searcher.doc(*address).expect("stored doc");
            let path = doc
                .get_first(path_field)
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            q.gold.iter().any(|g| g == path)
        });
        if let Some(r) = rank {
            hit1 += f64::from(r == 0);
            hit5 += f64::from(r < 5);
            mrr += 1.0 / (r + 1) as f64;
        }
    }
    let n = set.len() as f64;
    println!(
        "baseline (BM25, {WINDOW}-line windows): questions {}  hit@1 {:.3}  hit@5 {:.3}  MRR@10 {:.3}",
        set.len(),
        hit1 / n,
        hit5 / n,
        mrr / n
    );
    Ok(())
}
