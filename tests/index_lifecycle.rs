//! Generations, incremental re-indexing, interruption, locking and skips.

mod common;

use common::{Scratch, docent, docent_with_env, stderr};
use docent::retrieval::Retriever;
use docent_indexer::indexing::ABORT_BEFORE_PUBLISH_ENV;
use docent_indexer::walk::SkipReason;
use docent_indexer::{IndexDir, IndexOptions, schema};

fn paths_for(index: &std::path::Path, query: &str) -> Vec<String> {
    Retriever::open(index)
        .unwrap()
        .search(query, 10)
        .unwrap()
        .into_iter()
        .map(|h| h.path)
        .collect()
}

#[test]
fn rerun_on_unchanged_tree_parses_nothing_and_writes_no_generation() {
    let s = Scratch::with_corpus();
    let first = s.index(Some("2.1.0"));
    assert!(!first.up_to_date);
    assert_eq!(first.files_parsed, first.files);
    assert!(first.chunks > 50);

    let second = s.index(None);
    assert!(second.up_to_date);
    assert_eq!(second.files_parsed, 0);
    assert_eq!(second.generation, first.generation);
    assert_eq!(second.release, "2.1.0", "the release label carries over");
    assert_eq!(s.generations().len(), 1);
}

#[test]
fn touched_but_unchanged_files_are_hashed_not_parsed() {
    let s = Scratch::with_corpus();
    let first = s.index(None);
    let path = s.root.join("docs/errors.md");
    let text = std::fs::read_to_string(&path).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&path, text).unwrap();
    let second = s.index(None);
    assert_eq!(second.files_parsed, 0);
    assert_eq!(second.files_unchanged, first.files);
    assert_eq!(second.chunks, first.chunks);
}

#[test]
fn changed_added_and_deleted_files_are_applied() {
    let s = Scratch::with_corpus();
    let first = s.index(None);
    assert!(paths_for(&s.index, "idempotency").contains(&"docs/rate-limits.md".to_string()));

    // Change one file, add one, delete one.
    let errors = s.root.join("docs/errors.md");
    let mut text = std::fs::read_to_string(&errors).unwrap();
    text.push_str("\n## Zanzibarite\n\nThe zanzibarite code means the parcel left the planet.\n");
    std::fs::write(&errors, text).unwrap();
    s.write(
        "docs/returns.md",
        "# Returns\n\nPrint a quokkaform return label from the dashboard.\n",
    );
    std::fs::remove_file(s.root.join("docs/rate-limits.md")).unwrap();

    let second = s.index(None);
    assert!(!second.up_to_date);
    assert_eq!(second.files_parsed, 2);
    assert_eq!(second.files_removed, 1);
    assert_eq!(second.files, first.files);
    assert_eq!(second.generation, first.generation + 1);

    assert_eq!(paths_for(&s.index, "zanzibarite")[0], "docs/errors.md");
    assert_eq!(
        paths_for(&s.index, "quokkaform"),
        vec!["docs/returns.md".to_string()]
    );
    assert!(!paths_for(&s.index, "idempotency").contains(&"docs/rate-limits.md".to_string()));

    // Chunk counts in the index match the manifest.
    let retriever = Retriever::open(&s.index).unwrap();
    assert_eq!(retriever.chunk_count(), second.chunks);
}

#[test]
fn killed_run_leaves_the_previous_generation_served() {
    let s = Scratch::with_corpus();
    let first = s.index(Some("2.0.0"));
    s.write("docs/new.md", "# New\n\nThe wombatic feature.\n");

    let index = s.index.to_str().unwrap();
    let root = s.root.to_str().unwrap();
    let output = docent_with_env(
        &["index", root, "--index", index, "--release", "2.1.0"],
        &[(ABORT_BEFORE_PUBLISH_ENV, "1")],
    );
    assert!(!output.status.success(), "the run was meant to die");

    // The old generation is still the one served, and it does not know the new file.
    let current = IndexDir::new(&s.index).current().unwrap().unwrap();
    assert_eq!(current.meta.generation, first.generation);
    assert_eq!(current.meta.release, "2.0.0");
    assert!(paths_for(&s.index, "wombatic").is_empty());
    assert_eq!(
        s.generations().len(),
        2,
        "the dead run left its unpublished directory"
    );

    // The next run publishes and clears the debris.
    let output = docent(&["index", root, "--index", index, "--release", "2.1.0"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        paths_for(&s.index, "wombatic"),
        vec!["docs/new.md".to_string()]
    );
    let current = IndexDir::new(&s.index).current().unwrap().unwrap();
    assert_eq!(current.meta.release, "2.1.0");
    assert!(
        s.generations()
            .iter()
            .all(|g| s.index.join(g).join("docent.json").exists()),
        "unpublished generations are removed: {:?}",
        s.generations()
    );
}

#[test]
fn a_second_concurrent_indexer_fails_with_a_clear_message() {
    let s = Scratch::with_corpus();
    let _held = IndexDir::new(&s.index).lock().unwrap();
    let output = docent(&[
        "index",
        s.root.to_str().unwrap(),
        "--index",
        s.index.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains("another `docent index` is already writing"),
        "{err}"
    );
}

#[test]
fn an_index_of_another_schema_version_is_refused_with_a_reindex_hint() {
    let s = Scratch::with_corpus();
    s.index(None);
    let current = IndexDir::new(&s.index).current().unwrap().unwrap();
    let meta_path = current.dir.join("docent.json");
    let meta = std::fs::read_to_string(&meta_path).unwrap();
    let bumped = meta.replace(
        &format!("\"schema_version\": {}", schema::SCHEMA_VERSION),
        "\"schema_version\": 999",
    );
    assert_ne!(meta, bumped);
    std::fs::write(&meta_path, bumped).unwrap();

    let output = docent(&["search", "--index", s.index.to_str().unwrap(), "webhooks"]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains("schema version 999") && err.contains("re-index"),
        "{err}"
    );

    // The indexer rebuilds from scratch rather than extending it.
    let report = s.index(None);
    assert_eq!(report.files_parsed, report.files);
    assert!(Retriever::open(&s.index).is_ok());
}

#[test]
fn old_generations_are_pruned_to_the_last_three_after_a_grace_period() {
    let s = Scratch::with_corpus();
    // Superseded a moment ago: within the default grace period, all stay.
    for release in ["1", "2", "3", "4"] {
        s.index(Some(release));
    }
    assert_eq!(s.generations().len(), 4);
    // Past the grace period (none here), the oldest go.
    s.index_with(IndexOptions {
        release: Some("5".to_string()),
        prune_grace: std::time::Duration::ZERO,
        ..IndexOptions::default()
    });
    assert_eq!(
        s.generations(),
        vec!["gen-000003", "gen-000004", "gen-000005"]
    );
    // Keeping one: only the served generation stays.
    s.index_with(IndexOptions {
        release: Some("6".to_string()),
        prune_grace: std::time::Duration::ZERO,
        keep_generations: 1,
        ..IndexOptions::default()
    });
    assert_eq!(s.generations(), vec!["gen-000006"]);
}

#[test]
fn skipped_files_are_counted_by_reason() {
    let s = Scratch::empty();
    s.write("src/lib.rs", "/// Kept.\npub fn kept() {}\n");
    s.write("target/debug/build.rs", "fn built() {}\n");
    s.write("node_modules/pkg/index.js", "function dep() {}\n");
    s.write(".git/HEAD", "ref: refs/heads/main\n");
    s.write(".hidden.md", "# hidden\n");
    s.write("logo.png", "PNG");
    s.write("big.md", &"# big\n".repeat(300_000));
    s.write("ignored.md", "# ignored\n");
    s.write(".gitignore", "ignored.md\n");
    std::fs::write(s.root.join("blob.rs"), b"fn a() {}\0\0\0binary").unwrap();

    let report = s.index(None);
    assert_eq!(report.files, 1, "only src/lib.rs is indexed");
    let skip = |r: SkipReason| report.skips.get(&r).copied().unwrap_or(0);
    assert_eq!(skip(SkipReason::BuildDir), 1);
    assert_eq!(skip(SkipReason::NodeModules), 1);
    assert_eq!(skip(SkipReason::VcsDir), 1);
    assert_eq!(skip(SkipReason::Hidden), 2, ".hidden.md and .gitignore");
    assert_eq!(skip(SkipReason::Unsupported), 1);
    assert_eq!(skip(SkipReason::TooLarge), 1);
    assert_eq!(skip(SkipReason::Binary), 1);
    assert!(paths_for(&s.index, "ignored").is_empty());

    // Skips are remembered: an unchanged tree is up to date, with the same counts.
    let again = s.index(None);
    assert!(
        again.up_to_date,
        "a skipped binary must not force a new generation"
    );
    assert_eq!(again.files, 1);
    assert_eq!(again.skips, report.skips);
}

#[test]
fn bad_files_are_indexed_with_warnings_never_dropped() {
    let s = Scratch::empty();
    let mut latin1 = b"# Caf".to_vec();
    latin1.push(0xe9);
    latin1.extend_from_slice(b"\n\nThe gnomonic menu.\n");
    std::fs::write(s.root.join("menu.md"), latin1).unwrap();
    s.write(
        "broken.rs",
        "fn broken( {\n\n/// The xylophonic helper.\nfn helper() {}\n",
    );
    s.write(
        "app.min.js",
        &("var q=[".to_string() + &"1,".repeat(300_000) + "];"),
    );

    let report = s.index(None);
    assert_eq!(report.files, 3);
    let warned: Vec<&str> = report.warnings.iter().map(|w| w.path.as_str()).collect();
    assert!(warned.iter().any(|p| p.ends_with("menu.md")), "{warned:?}");
    assert!(
        warned.iter().any(|p| p.ends_with("broken.rs")),
        "{warned:?}"
    );
    assert!(
        warned.iter().any(|p| p.ends_with("app.min.js")),
        "{warned:?}"
    );
    assert_eq!(paths_for(&s.index, "gnomonic"), vec!["menu.md".to_string()]);
    assert_eq!(
        paths_for(&s.index, "xylophonic"),
        vec!["broken.rs".to_string()]
    );
}

#[test]
fn a_missing_root_is_a_clear_error() {
    let s = Scratch::empty();
    let output = docent(&[
        "index",
        "/no/such/root",
        "--index",
        s.index.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("/no/such/root does not exist"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_index_inside_its_own_root_is_not_indexed() {
    let s = Scratch::empty();
    s.write("docs/a.md", "# A\n\nThe quillwort page.\n");
    let index = s.root.join("search-index");
    let options = docent_indexer::IndexOptions::default();
    let roots = [s.root.clone()];
    let progress = docent_indexer::indexing::NoProgress;
    docent_indexer::index(&index, &roots, &options, &progress).unwrap();
    std::fs::write(s.root.join("docs/b.md"), "# B\n\nAnother page.\n").unwrap();
    let second = docent_indexer::index(&index, &roots, &options, &progress).unwrap();
    assert_eq!(
        second.files, 2,
        "only the two pages, not the index's own files"
    );
}
