//! Releases: each generation records its source commit and what changed
//! since the one before (files and symbols), and questions about releases
//! are answered from that summary and the changelog.

mod common;

use std::process::Command;

use common::service::Service;
use common::{Scratch, docent, stderr, stdout};
use docent::answer::confidence;
use docent::retrieval::Retriever;
use docent_indexer::IndexDir;
use serde_json::{Value, json};

fn git(root: &std::path::Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn index(scratch: &Scratch, release: &str) -> Value {
    let out = docent(&[
        "index",
        scratch.root.to_str().unwrap(),
        "--index",
        scratch.index.to_str().unwrap(),
        "--release",
        release,
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[tokio::test]
async fn a_release_records_its_commit_and_changes_and_answers_what_changed() {
    let scratch = Scratch::with_corpus();
    git(&scratch.root, &["init", "-q"]);
    git(&scratch.root, &["add", "."]);
    git(&scratch.root, &["commit", "-q", "-m", "2.0.0"]);
    let first = index(&scratch, "2.0.0");
    assert_eq!(
        first["changes"],
        Value::Null,
        "a first build has nothing to compare"
    );

    // Release 2.1.0: a new function, a removed one, a rewritten one, a new
    // doc page and a deleted one.
    let shipments = scratch.root.join("sdk/rust/src/resources/shipments.rs");
    let source = std::fs::read_to_string(&shipments).unwrap();
    let start = source.find("    /// Cancels a shipment").unwrap();
    let end = source[start..].find("    }\n").unwrap() + start + 6;
    let source = format!(
        "{}    /// Splits a shipment into parcels that travel separately.\n    \
         pub async fn split(&self, id: &str) -> Result<Shipment, Error> {{\n        \
         self.client.request::<(), _>(Method::POST, &format!(\"/shipments/{{id}}/split\"), None).await\n    }}\n{}",
        &source[..start],
        &source[end..]
    );
    std::fs::write(&shipments, source).unwrap();
    scratch.write(
        "docs/splitting.md",
        "# Splitting shipments\n\nSplit a shipment into parcels.\n",
    );
    std::fs::remove_file(scratch.root.join("docs/quickstart.md")).unwrap();
    git(&scratch.root, &["add", "-A"]);
    git(&scratch.root, &["commit", "-q", "-m", "2.1.0"]);
    let report = index(&scratch, "2.1.0");
    let changes = &report["changes"];
    assert_eq!(changes["previous_release"], "2.0.0");
    assert_eq!(changes["files_added"], json!(["docs/splitting.md"]));
    assert_eq!(changes["files_removed"], json!(["docs/quickstart.md"]));
    assert!(
        changes["files_changed"]
            .as_array()
            .unwrap()
            .contains(&json!("sdk/rust/src/resources/shipments.rs"))
    );
    let names = |list: &str| -> Vec<String> {
        changes[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        names("symbols_added")
            .iter()
            .any(|s| s.ends_with("fn split")),
        "{changes}"
    );
    assert!(
        names("symbols_removed")
            .iter()
            .any(|s| s.ends_with("fn cancel")),
        "{changes}"
    );
    let commit = changes["commit"].as_str().unwrap();
    assert_eq!(commit.len(), 40);

    // The generation keeps it, with the history before it.
    let served = IndexDir::new(&scratch.index).current().unwrap().unwrap();
    assert_eq!(served.meta.commit.as_deref(), Some(commit));
    assert_eq!(served.meta.releases.len(), 1);
    assert_eq!(served.meta.releases[0].release, "2.1.0");

    // "What changed in 2.1?" is answered from the summary, cited as such.
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::service::test_config(&dir.path().join("data"), None);
    config.index = Some(scratch.index.clone());
    let service = Service::open(dir, config).await;
    let (_, answer) = service
        .ask(json!({"question": "what changed in 2.1?"}))
        .await;
    assert_eq!(
        answer["citations"][0]["path"], "RELEASES/2.1.0.md",
        "{answer}"
    );
    assert_eq!(answer["citations"][0]["release"], "2.1.0");
    let text = answer["answer"].as_str().unwrap();
    assert!(
        text.contains("fn split") || text.contains("splitting.md"),
        "{text}"
    );
    // "Is X deprecated?" finds that it is gone.
    let (_, answer) = service
        .ask(json!({"question": "is the cancel function deprecated in the rust sdk?"}))
        .await;
    assert_eq!(
        answer["citations"][0]["path"], "RELEASES/2.1.0.md",
        "{answer}"
    );
    assert!(
        answer["answer"].as_str().unwrap().contains("fn cancel"),
        "{answer}"
    );
    // Ordinary questions get no release notes, "new" or not.
    for question in [
        "why do my webhook signatures not verify?",
        "how do I add a new webhook endpoint?",
    ] {
        let (_, answer) = service.ask(json!({ "question": question })).await;
        let paths = common::strs(&answer["citations"], "path");
        assert!(
            !paths.iter().any(|p| p.starts_with("RELEASES/")),
            "{question}: {paths:?}"
        );
    }
}

/// The changelog passages among the first five for `question`, each as the
/// releases (`2.1.0`, or `intro` above the first) at least two of its lines
/// fall under.
fn changelog_releases(retriever: &Retriever, question: &str) -> Vec<Vec<String>> {
    let changelog = include_str!("../corpus/docs/CHANGELOG.md");
    let release_at = |line: u32| {
        changelog
            .lines()
            .take(line as usize)
            .filter(|l| l.starts_with("## "))
            .last()
            .map_or("intro".to_string(), |l| l[3..8].to_string())
    };
    retriever
        .search(question, 5)
        .unwrap()
        .into_iter()
        .filter(|h| h.path == "docs/CHANGELOG.md")
        .map(|h| {
            let lines: Vec<String> = (h.start_line..=h.end_line).map(release_at).collect();
            let mut releases: Vec<String> = lines
                .iter()
                .filter(|r| lines.iter().filter(|l| l == r).count() >= 2)
                .cloned()
                .collect();
            releases.dedup();
            releases
        })
        .collect()
}

#[test]
fn a_question_naming_a_release_gets_that_releases_changelog_entries() {
    let scratch = Scratch::with_corpus();
    scratch.index(Some("2.1.0"));
    let retriever = Retriever::open(&scratch.index).unwrap();

    // Word overlap alone puts the 2.1.0 section first for any "what changed".
    let covers = |passage: &Vec<String>, release: &str| passage.iter().any(|r| r == release);
    let passages = changelog_releases(&retriever, "what changed in 2.0?");
    assert!(covers(&passages[0], "2.0.0"), "{passages:?}");
    assert!(!passages.iter().any(|p| covers(p, "2.1.0")), "{passages:?}");
    let passages = changelog_releases(&retriever, "what was fixed in v1.4.2");
    assert!(covers(&passages[0], "1.4.2"), "{passages:?}");

    // The newest release, with all of its entries (not one per file).
    let passages = changelog_releases(&retriever, "what's new in the latest release?");
    assert!(passages.len() >= 2, "{passages:?}");
    assert!(passages.iter().all(|p| covers(p, "2.1.0")), "{passages:?}");
    let first = retriever
        .search("what's new in the latest release?", 1)
        .unwrap();
    assert_eq!(first[0].path, "docs/CHANGELOG.md");

    // The entries are the evidence for "latest release"; a release nothing
    // mentions is missing evidence (below the default threshold 0.45).
    let confidence = |question: &str| {
        let hits = retriever.search(question, 5).unwrap();
        let coverage = retriever.coverage(question, &hits, 3).unwrap();
        confidence::from_retrieval(&coverage, hits.len()).0
    };
    assert!(confidence("what's new in the latest release?") > 0.9);
    assert!(confidence("what changed in 2.1?") > 0.9);
    assert!(confidence("what changed in 7.3?") < 0.45);

    // A question that is not about releases keeps its ranking.
    let hits = retriever
        .search("how do I add a new webhook endpoint", 5)
        .unwrap();
    assert!(
        hits.iter().all(|h| h.path != "docs/CHANGELOG.md"),
        "{hits:?}"
    );
}
