//! A chunk's role in its project: test, example, doc, changelog, config or
//! plain code. Stored in a fast field; retrieval turns it into a prior (tests
//! rarely answer a support question, examples and docs often do), so priors can
//! be tuned without re-indexing.

use crate::chunk::Chunk;
use crate::lang::Kind;

/// What part a chunk plays in its project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u64)]
pub enum Role {
    Code = 0,
    Test = 1,
    Example = 2,
    Doc = 3,
    Changelog = 4,
    Config = 5,
}

impl Role {
    /// Every role, by its stored number.
    pub const ALL: [Role; 6] = [
        Role::Code,
        Role::Test,
        Role::Example,
        Role::Doc,
        Role::Changelog,
        Role::Config,
    ];

    /// The role stored as `n`; unknown numbers read as plain code.
    pub fn from_u64(n: u64) -> Role {
        Role::ALL.get(n as usize).copied().unwrap_or(Role::Code)
    }
}

/// File stems of release notes.
const CHANGELOG_STEMS: &[&str] = &[
    "changelog",
    "changes",
    "history",
    "news",
    "releases",
    "release-notes",
    "release_notes",
];

/// Whether a file holds release notes (`CHANGELOG.md`, `HISTORY.rst`, `NEWS`).
pub fn is_changelog_path(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let (stem, ext) = file.split_once('.').unwrap_or((&file, ""));
    CHANGELOG_STEMS.contains(&stem)
        && matches!(ext, "" | "md" | "markdown" | "txt" | "rst" | "adoc")
}

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
pub fn is_test_symbol(symbol: &str) -> bool {
    symbol.split(" > ").any(|part| {
        let name = part.rsplit(' ').next().unwrap_or(part);
        part == "mod tests"
            || part == "mod test"
            || name.starts_with("test_")
            || name.starts_with("Test") && part.starts_with("func") && !name.starts_with("Testing")
    })
}

/// The role of a chunk of the file at `path`.
pub fn role(path: &str, chunk: &Chunk) -> Role {
    if is_test_path(path) || chunk.symbol.as_deref().is_some_and(is_test_symbol) {
        return Role::Test;
    }
    if is_changelog_path(path) {
        return Role::Changelog;
    }
    if is_example_path(path) {
        return Role::Example;
    }
    match chunk.kind {
        Kind::Doc => Role::Doc,
        Kind::Config => Role::Config,
        Kind::Code => Role::Code,
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
    fn recognises_changelogs() {
        for path in [
            "CHANGELOG.md",
            "docs/CHANGELOG",
            "HISTORY.rst",
            "crates/a/CHANGES.md",
        ] {
            assert!(is_changelog_path(path), "{path}");
        }
        assert!(!is_changelog_path("RELEASE.md"));
        assert!(!is_changelog_path("src/changes.rs"));
    }

    #[test]
    fn roles_survive_their_stored_number() {
        for role in Role::ALL {
            assert_eq!(Role::from_u64(role as u64), role);
        }
        assert_eq!(Role::from_u64(99), Role::Code);
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
