//! A chunk's prior: how likely a passage of this sort is to answer a support
//! question, before looking at the question. Tests and benchmarks rarely do;
//! examples and docs often do. Stored as a percentage in a fast field and
//! multiplied into the retrieval score.

use crate::chunk::Chunk;
use crate::lang::Kind;

/// Neutral prior, in percent.
pub const NEUTRAL: u64 = 100;

/// Directory names whose files are tests, benchmarks or fixtures.
const TEST_DIRS: &[&str] = &[
    "test",
    "tests",
    "__tests__",
    "spec",
    "specs",
    "testdata",
    "test-data",
    "fixtures",
    "bench",
    "benches",
    "benchmarks",
    "fuzz",
    "testing",
];

/// Directory names whose files show how to use the product.
const EXAMPLE_DIRS: &[&str] = &[
    "examples",
    "example",
    "demo",
    "demos",
    "samples",
    "tutorial",
    "tutorials",
];

/// Whether a file is test or benchmark code by its path.
pub fn is_test_path(path: &str) -> bool {
    let mut parts = path.split('/');
    let file = parts.next_back().unwrap_or("");
    if parts.any(|dir| TEST_DIRS.contains(&dir)) {
        return true;
    }
    let stem = file.split('.').next().unwrap_or(file);
    file.ends_with("_test.go")
        || stem.starts_with("test_")
        || stem.ends_with("_test")
        || stem.ends_with("_tests")
        || stem == "tests"
        || stem == "conftest"
        || file.contains(".test.")
        || file.contains(".spec.")
}

fn is_example_path(path: &str) -> bool {
    let mut parts = path.split('/');
    parts.next_back();
    parts.any(|dir| EXAMPLE_DIRS.contains(&dir))
}

/// Whether a code chunk is a test by its symbol path (`mod tests > fn ...`).
fn is_test_symbol(symbol: &str) -> bool {
    symbol.split(" > ").any(|part| {
        let name = part.rsplit(' ').next().unwrap_or(part);
        part == "mod tests"
            || part == "mod test"
            || name.starts_with("test_")
            || name.starts_with("Test") && part.starts_with("func") && !name.starts_with("Testing")
    })
}

/// The prior of a chunk of the file at `path`, in percent.
pub fn prior(path: &str, chunk: &Chunk) -> u64 {
    if is_test_path(path) || chunk.symbol.as_deref().is_some_and(is_test_symbol) {
        return 30;
    }
    if is_example_path(path) {
        return 140;
    }
    match chunk.kind {
        Kind::Doc => 125,
        Kind::Code | Kind::Config => NEUTRAL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_test_paths_across_languages() {
        for path in [
            "tests/router.rs",
            "src/foo/tests.rs",
            "benches/merge.rs",
            "pkg/client_test.go",
            "tests/test_client.py",
            "src/app.spec.ts",
            "src/__tests__/a.js",
        ] {
            assert!(is_test_path(path), "{path}");
        }
        for path in [
            "src/testament.rs",
            "src/lib.rs",
            "examples/test.md",
            "latest.md",
        ] {
            assert!(!is_test_path(path), "{path}");
        }
    }

    #[test]
    fn recognises_test_symbols() {
        assert!(is_test_symbol("mod tests > fn merges"));
        assert!(is_test_symbol("fn test_merge"));
        assert!(is_test_symbol("func TestClient"));
        assert!(!is_test_symbol("impl Router > fn testable"));
        assert!(!is_test_symbol("fn contest"));
    }
}
