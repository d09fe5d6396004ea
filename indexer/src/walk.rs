//! Walking source roots: which files to index and why the others were skipped.
//!
//! Honours `.gitignore` and `.ignore` (also outside a git checkout), skips hidden
//! files, build output (`target/`), `node_modules/`, VCS
//! directories, unsupported file types and files over the size cap. Every skip is
//! counted with its reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::lang::Lang;

/// Why a file or directory was not indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// A `target/` build directory.
    BuildDir,
    /// A `node_modules/` directory.
    NodeModules,
    /// A `.git`, `.hg` or `.svn` directory.
    VcsDir,
    /// A hidden file or directory (name starting with `.`).
    Hidden,
    /// The file type is not one Docent chunks.
    Unsupported,
    /// Larger than the size cap.
    TooLarge,
    /// Holds NUL bytes.
    Binary,
    /// Could not be read.
    Unreadable,
}

impl SkipReason {
    /// A short human label.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::BuildDir => "build dir (target/)",
            SkipReason::NodeModules => "node_modules/",
            SkipReason::VcsDir => "VCS dir",
            SkipReason::Hidden => "hidden",
            SkipReason::Unsupported => "unsupported type",
            SkipReason::TooLarge => "over size cap",
            SkipReason::Binary => "binary",
            SkipReason::Unreadable => "unreadable",
        }
    }
}

/// Counts of skipped entries by reason.
pub type Skips = BTreeMap<SkipReason, u64>;

/// A source root: a directory (or single file) and the label its files are filed under.
#[derive(Debug, Clone)]
pub struct Root {
    pub label: String,
    pub path: PathBuf,
}

impl Root {
    /// Labels roots by their directory name, made unique with `~2`, `~3`...
    pub fn label_all(paths: &[PathBuf]) -> Result<Vec<Root>> {
        let mut roots: Vec<Root> = Vec::with_capacity(paths.len());
        for path in paths {
            let path = path
                .canonicalize()
                .map_err(|_| Error::MissingRoot(path.clone()))?;
            let base = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "root".to_string());
            let mut label = base.clone();
            let mut n = 2;
            while roots.iter().any(|r| r.label == label) {
                label = format!("{base}~{n}");
                n += 1;
            }
            roots.push(Root { label, path });
        }
        Ok(roots)
    }
}

/// A file selected for indexing.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Index into the roots slice.
    pub root: usize,
    /// Path relative to its root, `/`-separated.
    pub path: String,
    pub abs: PathBuf,
    pub lang: Lang,
    pub size: u64,
    /// Modification time in nanoseconds since the epoch (0 when unknown).
    pub mtime_ns: u64,
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walked {
    pub files: Vec<SourceFile>,
    pub skips: Skips,
}

/// Why an entry is pruned from the walk by its name alone.
fn skip_by_name(name: &str, is_dir: bool) -> Option<SkipReason> {
    match name {
        "target" if is_dir => Some(SkipReason::BuildDir),
        "node_modules" if is_dir => Some(SkipReason::NodeModules),
        ".git" | ".hg" | ".svn" | ".jj" => Some(SkipReason::VcsDir),
        _ if name.starts_with('.') => Some(SkipReason::Hidden),
        _ => None,
    }
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = match path.strip_prefix(root) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel,
        _ => Path::new(path.file_name().unwrap_or(path.as_os_str())),
    };
    let mut out = String::new();
    for (i, part) in rel.components().enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(&part.as_os_str().to_string_lossy());
    }
    out
}

/// Walks every root and lists the files to index, sorted by root then path.
/// `exclude` (the index directory itself, when it lies inside a root) is not walked.
pub fn walk(roots: &[Root], max_file_bytes: u64, exclude: Option<&Path>) -> Result<Walked> {
    let mut walked = Walked::default();
    let pruned: Arc<Mutex<Skips>> = Arc::default();
    let exclude: Option<PathBuf> = exclude.and_then(|p| p.canonicalize().ok());
    for (root_index, root) in roots.iter().enumerate() {
        let counter = Arc::clone(&pruned);
        let exclude = exclude.clone();
        let walker = ignore::WalkBuilder::new(&root.path)
            .require_git(false)
            .hidden(false)
            .follow_links(false)
            .filter_entry(move |entry| {
                if entry.depth() == 0 {
                    return true;
                }
                if exclude.as_deref().is_some_and(|x| entry.path() == x) {
                    return false;
                }
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                let name = entry.file_name().to_string_lossy();
                match skip_by_name(&name, is_dir) {
                    Some(reason) => {
                        if let Ok(mut skips) = counter.lock() {
                            *skips.entry(reason).or_default() += 1;
                        }
                        false
                    }
                    None => true,
                }
            })
            .build();
        for entry in walker {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    tracing::warn!(error = %err, "walk error");
                    *walked.skips.entry(SkipReason::Unreadable).or_default() += 1;
                    continue;
                }
            };
            let Some(file_type) = entry.file_type() else {
                continue;
            };
            if file_type.is_dir() {
                continue;
            }
            if !file_type.is_file() {
                continue;
            }
            let path = entry.path();
            let rel = relative(&root.path, path);
            let Some(lang) = Lang::detect(path) else {
                *walked.skips.entry(SkipReason::Unsupported).or_default() += 1;
                continue;
            };
            let metadata = match entry.metadata() {
                Ok(m) => m,
                Err(_) => {
                    *walked.skips.entry(SkipReason::Unreadable).or_default() += 1;
                    continue;
                }
            };
            if metadata.len() > max_file_bytes {
                *walked.skips.entry(SkipReason::TooLarge).or_default() += 1;
                continue;
            }
            let mtime_ns = metadata
                .modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as u64);
            walked.files.push(SourceFile {
                root: root_index,
                path: rel,
                abs: path.to_path_buf(),
                lang,
                size: metadata.len(),
                mtime_ns,
            });
        }
    }
    if let Ok(pruned) = pruned.lock() {
        for (reason, n) in pruned.iter() {
            *walked.skips.entry(*reason).or_default() += n;
        }
    }
    walked
        .files
        .sort_by(|a, b| (a.root, &a.path).cmp(&(b.root, &b.path)));
    walked
        .files
        .dedup_by(|a, b| a.root == b.root && a.path == b.path);
    Ok(walked)
}
