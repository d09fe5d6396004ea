//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod browser;
pub mod desk;
pub mod fake_llm;
pub mod service;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use docent_indexer::indexing::{IndexOptions, NoProgress, Report};

/// The string `field` of each element of a JSON array (panics on another shape).
pub fn strs<'v>(array: &'v serde_json::Value, field: &str) -> Vec<&'v str> {
    array
        .as_array()
        .expect("a JSON array")
        .iter()
        .map(|item| item[field].as_str().expect("a string field"))
        .collect()
}

/// The repository's sample corpus.
pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// A dev question set under `tests/questions/`.
pub fn questions(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/questions")
        .join(name)
}

/// Copies a directory tree.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A scratch copy of the corpus (so tests can edit it) and an index dir path.
pub struct Scratch {
    pub dir: tempfile::TempDir,
    pub root: PathBuf,
    pub index: PathBuf,
}

impl Scratch {
    pub fn with_corpus() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("corpus");
        copy_tree(&corpus(), &root);
        let index = dir.path().join("index");
        Scratch { dir, root, index }
    }

    pub fn empty() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("src-root");
        std::fs::create_dir_all(&root).unwrap();
        let index = dir.path().join("index");
        Scratch { dir, root, index }
    }

    /// Indexes the scratch root in process.
    pub fn index(&self, release: Option<&str>) -> Report {
        self.index_with(IndexOptions {
            release: release.map(str::to_string),
            ..IndexOptions::default()
        })
    }

    /// Indexes the scratch root in process with `options`.
    pub fn index_with(&self, options: IndexOptions) -> Report {
        docent_indexer::index(
            &self.index,
            std::slice::from_ref(&self.root),
            &options,
            &NoProgress,
        )
        .unwrap()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Names of the generation directories present.
    pub fn generations(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.index)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("gen-"))
            .collect();
        names.sort();
        names
    }
}

/// Runs the `docent` binary.
pub fn docent(args: &[&str]) -> Output {
    docent_with_env(args, &[])
}

/// Runs the `docent` binary with extra environment variables.
pub fn docent_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_docent"));
    command.args(args).env_remove("DOCENT_INDEX");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("docent runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts a search hit has exactly the documented JSON fields.
pub fn assert_hit_fields(hit: &serde_json::Value) {
    let mut keys: Vec<&str> = hit
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "end_line",
            "heading",
            "kind",
            "lang",
            "path",
            "release",
            "score",
            "start_line",
            "symbol",
            "text"
        ]
    );
}
