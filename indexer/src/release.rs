//! What a release changed: each generation records its source commit (when a
//! root is a git checkout) and the files and code symbols added, changed and
//! removed since the generation it was built on, so "what changed in 2.1?"
//! has an answer even where the changelog is silent.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

use crate::manifest::{FileEntry, Manifest};

/// Entries kept per list; the rest are counted in `*_total`.
pub const LIST_CAP: usize = 200;
/// Releases remembered in a generation's history.
pub const HISTORY: usize = 20;

/// The change one generation made to the one before it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    pub release: String,
    pub generation: u64,
    pub previous_release: Option<String>,
    pub previous_generation: Option<u64>,
    pub commit: Option<String>,
    /// Seconds since the epoch.
    pub published_unix: u64,
    pub files_added: Vec<String>,
    pub files_changed: Vec<String>,
    pub files_removed: Vec<String>,
    /// `path: symbol`.
    pub symbols_added: Vec<String>,
    pub symbols_changed: Vec<String>,
    pub symbols_removed: Vec<String>,
    /// Sizes of the lists before they were capped at [`LIST_CAP`].
    pub totals: [usize; 6],
}

fn indexed(m: &Manifest) -> impl Iterator<Item = (&String, &FileEntry)> {
    m.files.iter().filter(|(_, f)| f.skipped.is_none())
}

fn capped(mut items: Vec<String>) -> (Vec<String>, usize) {
    let total = items.len();
    items.truncate(LIST_CAP);
    (items, total)
}

/// The files and symbols `current` adds, changes and removes against
/// `previous` (keys are `root/path`, shown without the root label).
pub fn diff(previous: &Manifest, current: &Manifest) -> Changes {
    let show = |key: &str| key.split_once('/').map_or(key, |(_, p)| p).to_string();
    let before: BTreeSet<&String> = indexed(previous).map(|(k, _)| k).collect();
    let after: BTreeSet<&String> = indexed(current).map(|(k, _)| k).collect();
    let (mut fa, mut fc, mut fr) = (Vec::new(), Vec::new(), Vec::new());
    let (mut sa, mut sc, mut sr) = (Vec::new(), Vec::new(), Vec::new());
    let symbols = |key: &str, entry: &FileEntry, out: &mut Vec<String>| {
        out.extend(entry.symbols.keys().map(|s| format!("{}: {s}", show(key))));
    };
    for key in after.difference(&before) {
        fa.push(show(key));
        symbols(key, &current.files[*key], &mut sa);
    }
    for key in before.difference(&after) {
        fr.push(show(key));
        symbols(key, &previous.files[*key], &mut sr);
    }
    for key in after.intersection(&before) {
        let (old, new) = (&previous.files[*key], &current.files[*key]);
        if old.hash == new.hash {
            continue;
        }
        fc.push(show(key));
        for (symbol, hash) in &new.symbols {
            match old.symbols.get(symbol) {
                None => sa.push(format!("{}: {symbol}", show(key))),
                Some(h) if h != hash => sc.push(format!("{}: {symbol}", show(key))),
                Some(_) => {}
            }
        }
        for symbol in old.symbols.keys().filter(|s| !new.symbols.contains_key(*s)) {
            sr.push(format!("{}: {symbol}", show(key)));
        }
    }
    let mut totals = [0; 6];
    let mut lists = [fa, fc, fr, sa, sc, sr];
    for (i, l) in lists.iter_mut().enumerate() {
        l.sort();
        let (kept, total) = capped(std::mem::take(l));
        *l = kept;
        totals[i] = total;
    }
    let [
        files_added,
        files_changed,
        files_removed,
        symbols_added,
        symbols_changed,
        symbols_removed,
    ] = lists;
    Changes {
        files_added,
        files_changed,
        files_removed,
        symbols_added,
        symbols_changed,
        symbols_removed,
        totals,
        ..Changes::default()
    }
}

/// The commit checked out at `root`, when it is in a git work tree.
pub fn commit_of(root: &Path) -> Option<String> {
    let dir = if root.is_dir() { root } else { root.parent()? };
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--verify", "HEAD"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let commit = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && commit.len() >= 40 && commit.bytes().all(|b| b.is_ascii_hexdigit()))
        .then_some(commit)
}

impl Changes {
    /// Whether anything changed at all.
    pub fn is_empty(&self) -> bool {
        self.totals.iter().all(|&n| n == 0)
    }

    /// The change as Markdown, for a reader (and for retrieval).
    pub fn markdown(&self) -> String {
        let mut out = format!("# Changes in release {}\n\n", self.release);
        match (&self.previous_release, self.previous_generation) {
            (Some(r), Some(g)) => out.push_str(&format!(
                "Generation {} of the index, compared with generation {g} (release {r}).",
                self.generation
            )),
            _ => out.push_str(&format!("Generation {} of the index.", self.generation)),
        }
        if let Some(c) = &self.commit {
            out.push_str(&format!(" Source commit {c}."));
        }
        out.push('\n');
        let sections = [
            ("Files added", &self.files_added, self.totals[0]),
            ("Files changed", &self.files_changed, self.totals[1]),
            ("Files removed", &self.files_removed, self.totals[2]),
            (
                "Symbols added (new API)",
                &self.symbols_added,
                self.totals[3],
            ),
            ("Symbols changed", &self.symbols_changed, self.totals[4]),
            (
                "Symbols removed (no longer available)",
                &self.symbols_removed,
                self.totals[5],
            ),
        ];
        for (title, items, total) in sections {
            if items.is_empty() {
                continue;
            }
            out.push_str(&format!("\n## {title}: {total}\n\n"));
            for item in items {
                out.push_str(&format!("- {item}\n"));
            }
            if total > items.len() {
                out.push_str(&format!("- ... and {} more\n", total - items.len()));
            }
        }
        if self.is_empty() {
            out.push_str("\nNo file changed.\n");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(hash: &str, symbols: &[(&str, &str)]) -> FileEntry {
        FileEntry {
            size: 1,
            mtime_ns: 1,
            hash: hash.to_string(),
            chunks: 1,
            skipped: None,
            symbols: symbols
                .iter()
                .map(|(s, h)| (s.to_string(), h.to_string()))
                .collect(),
        }
    }

    #[test]
    fn files_and_symbols_are_compared() {
        let mut before = Manifest::default();
        before.files.insert(
            "r/a.rs".into(),
            entry(
                "1",
                &[("fn old", "x"), ("fn kept", "k"), ("fn edited", "e1")],
            ),
        );
        before
            .files
            .insert("r/gone.rs".into(), entry("2", &[("fn gone", "g")]));
        before.files.insert("r/same.md".into(), entry("3", &[]));
        let mut after = Manifest::default();
        after.files.insert(
            "r/a.rs".into(),
            entry(
                "9",
                &[("fn kept", "k"), ("fn edited", "e2"), ("fn new", "n")],
            ),
        );
        after.files.insert("r/same.md".into(), entry("3", &[]));
        after
            .files
            .insert("r/new.rs".into(), entry("4", &[("struct Fresh", "f")]));
        let c = diff(&before, &after);
        assert_eq!(c.files_added, ["new.rs"]);
        assert_eq!(c.files_changed, ["a.rs"]);
        assert_eq!(c.files_removed, ["gone.rs"]);
        assert_eq!(c.symbols_added, ["a.rs: fn new", "new.rs: struct Fresh"]);
        assert_eq!(c.symbols_changed, ["a.rs: fn edited"]);
        assert_eq!(c.symbols_removed, ["a.rs: fn old", "gone.rs: fn gone"]);
        assert_eq!(c.totals, [1, 1, 1, 2, 1, 2]);
        let md = c.markdown();
        assert!(md.contains(
            "## Symbols removed (no longer available): 2\n\n- a.rs: fn old\n- gone.rs: fn gone\n"
        ));
        assert!(diff(&after, &after).is_empty());
    }

    #[test]
    fn long_lists_are_capped_and_counted() {
        let before = Manifest::default();
        let mut after = Manifest::default();
        for i in 0..LIST_CAP + 5 {
            after.files.insert(format!("r/f{i:04}.md"), entry("h", &[]));
        }
        let c = diff(&before, &after);
        assert_eq!(c.files_added.len(), LIST_CAP);
        assert_eq!(c.totals[0], LIST_CAP + 5);
        assert!(c.markdown().contains("... and 5 more"));
    }
}
