//! Which changelog passages belong to which release, so a question that names
//! a release ("what changed in 2.0?") or asks for the newest gets that
//! release's entries rather than whichever section shares the most words.
//!
//! Built once per generation, on the first question that needs it: the
//! passages of changelog files (by role), each with the versions its heading
//! path and its own Markdown headings name.

use std::collections::{HashMap, HashSet};

use docent_indexer::role::Role;
use docent_indexer::schema::Fields;
use tantivy::schema::Value;
use tantivy::{DocAddress, Searcher, TantivyDocument};

use super::question::{WantedRelease, version_parts};
use super::{FastColumns, RetrievalError};

/// Entries of one release taken from one changelog file, at most.
pub(super) const PER_RELEASE: usize = 3;

/// Changelog files a release's entries are taken from, at most.
const FILES: usize = 2;

/// A changelog passage that names at least one version.
#[derive(Debug, Clone)]
struct Entry {
    address: DocAddress,
    file: u64,
    start_line: u64,
    /// Versions its heading path names (the release it sits in).
    under: Vec<Vec<u64>>,
    /// Those and the versions of the release headings inside it.
    versions: Vec<Vec<u64>>,
}

/// The versioned changelog passages of a generation.
#[derive(Debug, Default)]
pub(super) struct Changelogs {
    entries: Vec<Entry>,
    addresses: HashSet<DocAddress>,
    /// Path depth (number of `/`) of each changelog file, by file hash.
    depth: HashMap<u64, usize>,
}

impl Changelogs {
    /// Reads every live changelog passage of the searcher's segments.
    pub(super) fn load(searcher: &Searcher, fields: &Fields) -> Result<Changelogs, RetrievalError> {
        let mut changelogs = Changelogs::default();
        let mut columns = FastColumns::new(searcher);
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            for doc in segment.doc_ids_alive() {
                let address = DocAddress::new(ord as u32, doc);
                let (role, file) = columns.get(address)?;
                if role != Role::Changelog {
                    continue;
                }
                let stored: TantivyDocument = searcher.doc(address)?;
                let text = |field| {
                    stored
                        .get_first(field)
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_string()
                };
                let heading = text(fields.heading);
                let under = heading_versions(&heading);
                let versions = versions_of(&heading, &text(fields.body));
                let depth = text(fields.path).matches('/').count();
                changelogs.depth.insert(file, depth);
                if versions.is_empty() {
                    continue;
                }
                let start_line = stored
                    .get_first(fields.start_line)
                    .and_then(|v| v.as_u64())
                    .unwrap_or(0);
                changelogs.entries.push(Entry {
                    address,
                    file,
                    start_line,
                    under,
                    versions,
                });
            }
        }
        changelogs
            .entries
            .sort_by_key(|e| (e.file, e.start_line, e.address));
        changelogs.addresses = changelogs.entries.iter().map(|e| e.address).collect();
        Ok(changelogs)
    }

    /// Whether a passage is a changelog entry of some release.
    pub(super) fn is_entry(&self, address: DocAddress) -> bool {
        self.addresses.contains(&address)
    }

    /// The passages of the wanted release, at most [`PER_RELEASE`] per file,
    /// those that sit under its heading before those where it starts part way,
    /// each group in file order. They come from the first [`FILES`] changelogs
    /// that have the release among `candidates` (the files the question
    /// retrieved, best first), else from the shallowest changelog when only
    /// one or two sit at that depth (a product's own changelog, not every
    /// vendored dependency's).
    pub(super) fn select(
        &self,
        wanted: &WantedRelease,
        candidates: &[u64],
    ) -> Vec<(DocAddress, u64)> {
        let mut files: Vec<u64> = Vec::new();
        for file in candidates {
            if self.depth.contains_key(file) && !files.contains(file) {
                files.push(*file);
            }
        }
        if files.is_empty() {
            let Some(shallowest) = self.depth.values().min() else {
                return Vec::new();
            };
            files = self
                .depth
                .iter()
                .filter(|(_, d)| *d == shallowest)
                .map(|(f, _)| *f)
                .collect();
            if files.len() > FILES {
                return Vec::new();
            }
            files.sort_unstable();
        }
        let mut picked = Vec::new();
        for file in files {
            let from_file = self.release_in(file, wanted);
            if !from_file.is_empty() {
                picked.extend(from_file);
                if picked.len() >= FILES * PER_RELEASE {
                    break;
                }
            }
        }
        picked.truncate(FILES * PER_RELEASE);
        picked
    }

    /// The entries of the wanted release in one changelog file.
    fn release_in(&self, file: u64, wanted: &WantedRelease) -> Vec<(DocAddress, u64)> {
        let entries: Vec<&Entry> = self.entries.iter().filter(|e| e.file == file).collect();
        let latest = entries.iter().flat_map(|e| e.versions.iter()).max();
        let wanted_in = |versions: &[Vec<u64>]| match wanted {
            WantedRelease::Named(named) => versions
                .iter()
                .any(|v| named.iter().any(|n| v.starts_with(n))),
            WantedRelease::Latest => latest.is_some_and(|l| versions.contains(l)),
        };
        let mut matching: Vec<&Entry> = entries
            .into_iter()
            .filter(|e| wanted_in(&e.versions))
            .collect();
        // Stable: file order within each group.
        matching.sort_by_key(|e| !wanted_in(&e.under));
        matching
            .into_iter()
            .take(PER_RELEASE)
            .map(|e| (e.address, e.file))
            .collect()
    }
}

/// The versions a changelog passage is about: the version of each part of its
/// heading path, and of each of its own Markdown headings (ATX or setext) that
/// has text after it in the passage (a release heading on the last lines starts
/// the next passage's release, not this one's).
fn versions_of(heading: &str, body: &str) -> Vec<Vec<u64>> {
    let mut versions = heading_versions(heading);
    let lines: Vec<&str> = body.lines().collect();
    let underline = |line: &str| {
        let line = line.trim();
        line.len() >= 3 && (line.chars().all(|c| c == '=') || line.chars().all(|c| c == '-'))
    };
    for (i, line) in lines.iter().enumerate() {
        let (title, rest) = if let Some(title) = line.trim_start().strip_prefix('#') {
            (title.trim_start_matches('#'), i + 1)
        } else if lines.get(i + 1).is_some_and(|next| underline(next)) && !line.trim().is_empty() {
            (*line, i + 2)
        } else {
            continue;
        };
        if lines
            .get(rest..)
            .is_some_and(|r| r.iter().any(|l| !l.trim().is_empty()))
        {
            versions.extend(release_version(title));
        }
    }
    versions.sort_unstable();
    versions.dedup();
    versions
}

/// The versions the parts of a heading path name.
fn heading_versions(heading: &str) -> Vec<Vec<u64>> {
    heading.split(" > ").filter_map(release_version).collect()
}

/// The version a release heading names: `2.1.0 - 2026-09-15`, `[v0.27.1]`,
/// `Version 1.4`, `Tantivy 0.27.0 (2026-01-02)`; a heading that merely
/// mentions one (`Python 3.8 support`) names none.
fn release_version(heading: &str) -> Option<Vec<u64>> {
    let heading = heading.split(['(', '–', '—']).next().unwrap_or_default();
    let heading = heading.split(" - ").next().unwrap_or_default();
    let words: Vec<&str> = heading
        .split(|c: char| c.is_whitespace() || matches!(c, '[' | ']'))
        .filter(|w| !w.is_empty())
        .collect();
    let first = words.first().and_then(|w| version_parts(w));
    first.or_else(|| match words.as_slice() {
        [_, second] => version_parts(second),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_passage_is_about_the_releases_its_headings_name() {
        let body = "## 2.1.0 - 2026-09-15\n\n### Added\n- cursors\n\n## [2.0.0]\n";
        assert_eq!(versions_of("Changelog", body), vec![vec![2, 1, 0]]);
        assert_eq!(
            versions_of("Changelog > v2.0.0 (2026-03-02) > Fixed", "- a fix\n"),
            vec![vec![2, 0, 0]]
        );
        assert_eq!(
            versions_of(
                "Changelog > Unreleased",
                "### Python 3.8 support\nremoved\n"
            ),
            Vec::<Vec<u64>>::new()
        );
        let setext = "Tantivy 0.27.0 (2026-01-02)\n==========\n- faster\n\nTantivy 0.26\n======\n";
        assert_eq!(versions_of("CHANGELOG", setext), vec![vec![0, 27, 0]]);
        assert_eq!(release_version("Version 0.3.13"), Some(vec![0, 3, 13]));
        assert_eq!(
            release_version("[0.11.0] - 2023-08-16"),
            Some(vec![0, 11, 0])
        );
    }
}
