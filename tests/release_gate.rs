//! `docent index --gate`: a new generation is scored on a question set before
//! it is published, and refused (previous generation kept) when it falls
//! below the minimum or drops too far from the served one.

mod common;

use common::{Scratch, docent, questions, stderr};
use docent_indexer::IndexDir;

fn run(scratch: &Scratch, extra: &[&str]) -> std::process::Output {
    let gate = questions("corpus.jsonl");
    let mut args = vec![
        "index",
        scratch.root.to_str().unwrap(),
        "--index",
        scratch.index.to_str().unwrap(),
        "--gate",
        gate.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    // `args` borrows `gate`; run before it drops.
    docent(&args)
}

fn served(scratch: &Scratch) -> Option<u64> {
    IndexDir::new(&scratch.index)
        .current()
        .unwrap()
        .map(|g| g.meta.generation)
}

#[test]
fn the_gate_publishes_what_passes_and_keeps_the_served_generation_otherwise() {
    let scratch = Scratch::with_corpus();

    // No index yet and a bar it cannot reach: nothing is published at all.
    let out = run(&scratch, &["--min-hit5", "1.0"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("hit@5 is below the minimum"),
        "{}",
        stderr(&out)
    );
    assert_eq!(served(&scratch), None);
    assert!(
        IndexDir::new(&scratch.index).list().unwrap().is_empty(),
        "the refused generation is removed"
    );

    let out = run(&scratch, &["--min-hit5", "0.9", "--release", "1.0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("passed"), "{}", stderr(&out));
    assert_eq!(served(&scratch), Some(1));

    // A release that loses the docs most questions are about.
    for doc in [
        "docs/webhooks.md",
        "docs/rate-limits.md",
        "docs/pagination.md",
    ] {
        std::fs::remove_file(scratch.root.join(doc)).unwrap();
    }
    let out = run(&scratch, &["--min-hit5", "0.5", "--release", "1.1"]);
    assert!(!out.status.success(), "a drop beyond 0.05 is refused");
    let err = stderr(&out);
    assert!(
        err.contains("fell by") && err.contains("served generation 1"),
        "{err}"
    );
    assert_eq!(served(&scratch), Some(1), "the served generation stays");
    assert_eq!(IndexDir::new(&scratch.index).list().unwrap().len(), 1);

    // A wider margin lets it through.
    let out = run(
        &scratch,
        &["--min-hit5", "0.5", "--max-drop", "0.3", "--release", "1.1"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(served(&scratch), Some(2));

    // Bad gate arguments are refused before any work.
    let out = run(&scratch, &["--min-hit5", "1.5"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not a number from 0 to 1"),
        "{}",
        stderr(&out)
    );
    let out = docent(&[
        "index",
        scratch.root.to_str().unwrap(),
        "--index",
        scratch.index.to_str().unwrap(),
        "--min-hit5",
        "0.5",
    ]);
    assert!(!out.status.success(), "--min-hit5 needs --gate");
}
