//! Chunker snapshots per language, bad inputs, and chunk-boundary properties.

use docent_indexer::{ChunkOptions, Chunked, Lang, chunk_file};
use proptest::prelude::*;

/// Small budgets show the item-level structure; merging is off.
const ITEMS: ChunkOptions = ChunkOptions {
    max_bytes: 600,
    merge_bytes: 0,
    sliver_bytes: 0,
};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// One line per chunk: lines, kind, symbol or heading, header.
fn render(chunked: &Chunked) -> String {
    let mut out = String::new();
    for c in &chunked.chunks {
        out.push_str(&format!(
            "{}-{} {} symbol={} heading={} | {}\n",
            c.start_line,
            c.end_line,
            c.kind.as_str(),
            c.symbol.as_deref().unwrap_or("-"),
            c.heading.as_deref().unwrap_or("-"),
            c.header,
        ));
    }
    for w in &chunked.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out
}

fn snapshot(name: &str, path: &str, options: &ChunkOptions) -> String {
    let lang = Lang::detect(std::path::Path::new(name)).expect("known language");
    render(&chunk_file(path, lang, &fixture(name), options))
}

#[test]
fn rust_items_symbols_and_module_docs() {
    insta::assert_snapshot!(snapshot("router.rs", "src/routing/mod.rs", &ITEMS));
}

#[test]
fn rust_with_default_budget_merges_small_neighbours() {
    insta::assert_snapshot!(snapshot(
        "router.rs",
        "src/routing/mod.rs",
        &ChunkOptions::default()
    ));
}

#[test]
fn slivers_join_their_neighbours() {
    let options = ChunkOptions {
        merge_bytes: 0,
        ..ChunkOptions::default()
    };
    insta::assert_snapshot!(snapshot("router.rs", "src/routing/mod.rs", &options));
}

#[test]
fn python_classes_methods_and_docstrings() {
    insta::assert_snapshot!(snapshot("client.py", "example/client.py", &ITEMS));
}

#[test]
fn typescript_exports_interfaces_and_classes() {
    insta::assert_snapshot!(snapshot("webhooks.ts", "src/webhooks.ts", &ITEMS));
}

#[test]
fn javascript_functions_consts_and_classes() {
    insta::assert_snapshot!(snapshot("retry.js", "lib/retry.js", &ITEMS));
}

#[test]
fn go_functions_methods_and_types() {
    insta::assert_snapshot!(snapshot("client.go", "client.go", &ITEMS));
}

#[test]
fn markdown_sections_with_breadcrumbs() {
    insta::assert_snapshot!(snapshot("guide.md", "docs/guide.md", &ITEMS));
}

#[test]
fn toml_tables_label_their_lines() {
    insta::assert_snapshot!(snapshot("config.toml", "config.toml", &ITEMS));
}

#[test]
fn chunk_text_is_exactly_the_cited_lines() {
    let text = fixture("router.rs");
    let lines: Vec<&str> = text.lines().collect();
    let chunked = chunk_file("src/lib.rs", Lang::Rust, &text, &ChunkOptions::default());
    assert!(!chunked.chunks.is_empty());
    for c in &chunked.chunks {
        let cited = lines[c.start_line as usize - 1..c.end_line as usize].join("\n");
        assert_eq!(c.text, cited, "chunk {}-{}", c.start_line, c.end_line);
    }
}

#[test]
fn long_items_are_split_and_every_piece_keeps_the_symbol() {
    let mut body = String::from("/// Handles everything.\npub fn huge() {\n");
    for i in 0..400 {
        body.push_str(&format!("    let value_{i} = compute({i}) + offset_{i};\n"));
    }
    body.push_str("}\n");
    let chunked = chunk_file("src/huge.rs", Lang::Rust, &body, &ChunkOptions::default());
    assert!(
        chunked.chunks.len() > 5,
        "split into {} pieces",
        chunked.chunks.len()
    );
    let n = chunked.chunks.len();
    for (i, c) in chunked.chunks.iter().enumerate() {
        assert_eq!(c.symbol.as_deref(), Some("fn huge"));
        assert!(
            c.text.len() <= ChunkOptions::default().max_bytes + 200,
            "piece of {} bytes",
            c.text.len()
        );
        assert!(
            c.header.ends_with(&format!("(part {}/{n})", i + 1)),
            "{}",
            c.header
        );
    }
    // Pieces follow each other and cover the function.
    assert_eq!(chunked.chunks[0].start_line, 1);
    assert_eq!(chunked.chunks[n - 1].end_line, 403);
    for pair in chunked.chunks.windows(2) {
        assert!(pair[1].start_line <= pair[0].end_line + 1);
    }
}

#[test]
fn syntax_errors_yield_chunks_and_a_warning() {
    let text =
        "fn ok() -> u32 { 1 }\n\nfn broken( {\n    let = ;\n\n/// Still found.\nfn after() {}\n";
    let chunked = chunk_file("src/broken.rs", Lang::Rust, text, &ITEMS);
    assert!(
        chunked.warnings.iter().any(|w| w.contains("syntax errors")),
        "{:?}",
        chunked.warnings
    );
    let covered: String = chunked.chunks.iter().map(|c| c.text.as_str()).collect();
    assert!(covered.contains("fn ok()"));
    assert!(covered.contains("fn after()"));
}

#[test]
fn a_500_kb_line_is_chunked_as_plain_text_with_a_warning() {
    let line = "var x=[".to_string() + &"1,".repeat(250_000) + "];";
    let chunked = chunk_file(
        "dist/app.min.js",
        Lang::JavaScript,
        &line,
        &ChunkOptions::default(),
    );
    assert!(
        chunked.warnings.iter().any(|w| w.contains("plain text")),
        "{:?}",
        chunked.warnings
    );
    assert!(chunked.chunks.len() > 100);
    assert!(
        chunked
            .chunks
            .iter()
            .all(|c| c.start_line == 1 && c.end_line == 1)
    );
    assert!(chunked.chunks.iter().all(|c| c.text.len() <= 1_800));
    let total: usize = chunked.chunks.iter().map(|c| c.text.len()).sum();
    assert!(
        total >= line.len() * 9 / 10,
        "chunks cover {total} of {} bytes",
        line.len()
    );
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let depth = 20_000;
    let blocks = 3_000;
    let nested_blocks = format!(
        "fn deep() {{\n{}y();\n{}}}\n",
        "if x {\n".repeat(blocks),
        "}\n".repeat(blocks)
    );
    let chunked = chunk_file(
        "src/blocks.rs",
        Lang::Rust,
        &nested_blocks,
        &ChunkOptions::default(),
    );
    assert!(
        chunked.warnings.iter().any(|w| w.contains("levels deep")),
        "{:?}",
        chunked.warnings
    );
    assert!(chunked.chunks.len() > 3);
    let code = format!(
        "fn deep() {{ let x = {}1{}; }}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let chunked = chunk_file("src/deep.rs", Lang::Rust, &code, &ChunkOptions::default());
    assert!(!chunked.chunks.is_empty());
    let json = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let chunked = chunk_file("deep.json", Lang::Json, &json, &ChunkOptions::default());
    assert!(!chunked.chunks.is_empty());
    let nested_mods: String = (0..200)
        .map(|i| format!("mod m{i} {{\n"))
        .collect::<String>()
        + "fn inner() {}\n"
        + &"}\n".repeat(200);
    let chunked = chunk_file("src/mods.rs", Lang::Rust, &nested_mods, &ITEMS);
    assert!(!chunked.chunks.is_empty());
}

#[test]
fn empty_and_blank_files_yield_nothing() {
    for lang in [Lang::Rust, Lang::Markdown, Lang::Text, Lang::Python] {
        assert!(chunk_file("f", lang, "", &ITEMS).chunks.is_empty());
        assert!(chunk_file("f", lang, "\n\n  \n", &ITEMS).chunks.is_empty());
    }
}

fn check_ranges(text: &str, chunked: &Chunked) -> Result<(), TestCaseError> {
    let line_count = text.lines().count().max(1) as u32;
    for c in &chunked.chunks {
        prop_assert!(c.start_line >= 1);
        prop_assert!(c.start_line <= c.end_line);
        prop_assert!(
            c.end_line <= line_count,
            "end {} > {} lines",
            c.end_line,
            line_count
        );
        prop_assert!(!c.text.trim().is_empty());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn markdown_chunks_cover_every_non_blank_line(
        lines in proptest::collection::vec(
            prop_oneof![
                "#{1,4} [a-z ]{0,12}",
                "[a-z ,.]{0,60}",
                Just(String::new()),
                Just("```".to_string()),
                Just("---".to_string()),
            ],
            0..80,
        )
    ) {
        let text = lines.join("\n");
        let chunked = chunk_file("doc.md", Lang::Markdown, &text, &ITEMS);
        check_ranges(&text, &chunked)?;
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let n = i as u32 + 1;
            prop_assert!(
                chunked.chunks.iter().any(|c| c.start_line <= n && n <= c.end_line),
                "line {} ({:?}) is in no chunk", n, line
            );
        }
    }

    #[test]
    fn code_chunking_never_panics_and_ranges_are_valid(
        text in "(fn [a-z]{1,6}\\(\\) \\{[a-z0-9 ;=(){}\n]{0,40}\\}\n|//[a-z ]{0,20}\n|[{}()\\[\\];\n]|struct [A-Z][a-z]{0,5};\n){0,60}",
        lang in prop_oneof![Just(Lang::Rust), Just(Lang::Go), Just(Lang::TypeScript), Just(Lang::Python)],
    ) {
        let chunked = chunk_file("src/x", lang, &text, &ITEMS);
        check_ranges(&text, &chunked)?;
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}", lang in prop_oneof![
        Just(Lang::Rust), Just(Lang::Markdown), Just(Lang::JavaScript), Just(Lang::Toml), Just(Lang::Text)
    ]) {
        let chunked = chunk_file("f", lang, &text, &ITEMS);
        check_ranges(&text, &chunked)?;
    }
}

#[test]
fn one_long_line_in_ordinary_code_keeps_the_syntax_tree() {
    let table = format!("pub const TABLE: &str = \"{}\";\n", "x".repeat(6_000));
    let others: String = (0..200)
        .map(|i| {
            format!(
                "/// Helper number {i}.\npub fn helper_{i}(x: u32) -> u32 {{\n    x + {i}\n}}\n\n"
            )
        })
        .collect();
    let code = format!("/// Looks up.\npub fn lookup() -> u8 {{ 1 }}\n\n{table}\n{others}");
    let chunked = chunk_file("src/table.rs", Lang::Rust, &code, &ChunkOptions::default());
    assert!(chunked.warnings.is_empty(), "{:?}", chunked.warnings);
    let symbols: Vec<&str> = chunked
        .chunks
        .iter()
        .filter_map(|c| c.symbol.as_deref())
        .collect();
    assert!(
        symbols.iter().any(|s| s.contains("fn lookup")),
        "{symbols:?}"
    );
    assert!(
        symbols.iter().any(|s| s.contains("const TABLE")),
        "{symbols:?}"
    );
    assert!(
        chunked.chunks.iter().all(|c| c.text.len() <= 1_800),
        "the long line is split"
    );
}
