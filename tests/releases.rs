//! Releases: each generation records its source commit and what changed
//! since the one before (files and symbols), and questions about releases
//! are answered from that summary and the changelog.

mod common;

use std::process::Command;

use common::service::Service;
use common::{Scratch, docent, stderr, stdout};
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
    // An ordinary question gets no release notes.
    let (_, answer) = service
        .ask(json!({"question": "why do my webhook signatures not verify?"}))
        .await;
    let paths: Vec<&str> = answer["citations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    assert!(
        !paths.iter().any(|p| p.starts_with("RELEASES/")),
        "{paths:?}"
    );
}
