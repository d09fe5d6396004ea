//! The manifest: what each generation indexed, file by file, so the next run
//! re-parses only what changed.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, IoContext, Result};
use crate::walk::SkipReason;

/// File name of the manifest inside a generation directory.
pub const MANIFEST_FILE: &str = "manifest.json";

/// One indexed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub size: u64,
    pub mtime_ns: u64,
    /// xxh3-128 of the content, hex.
    pub hash: String,
    /// Chunks this file contributed.
    pub chunks: u32,
    /// Set when the file was read but not indexed (binary, over the size cap):
    /// remembered so an unchanged file is not read again on the next run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<SkipReason>,
    /// The code symbols the file defines, each with a hash of its chunks'
    /// text: what a release's change summary compares.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub symbols: BTreeMap<String, String>,
}

/// Every indexed file of a generation, keyed by `root/path`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub files: BTreeMap<String, FileEntry>,
}

impl Manifest {
    /// Reads the manifest of a generation directory.
    pub fn load(generation_dir: &Path) -> Result<Manifest> {
        let path = generation_dir.join(MANIFEST_FILE);
        let bytes = fs::read(&path).at(&path)?;
        serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt {
            dir: generation_dir.to_path_buf(),
            detail: format!("{MANIFEST_FILE}: {e}"),
        })
    }

    /// Writes the manifest into a generation directory and syncs it.
    pub fn save(&self, generation_dir: &Path) -> Result<()> {
        let path = generation_dir.join(MANIFEST_FILE);
        let bytes = serde_json::to_vec(self).map_err(|e| Error::Corrupt {
            dir: generation_dir.to_path_buf(),
            detail: e.to_string(),
        })?;
        crate::store::write_synced(&path, &bytes)
    }

    /// Total chunks across files.
    pub fn chunks(&self) -> u64 {
        self.files.values().map(|f| u64::from(f.chunks)).sum()
    }

    /// The files that are in the index (not remembered skips).
    pub fn indexed(&self) -> impl Iterator<Item = &FileEntry> {
        self.files.values().filter(|f| f.skipped.is_none())
    }
}

/// The content hash used in manifests.
pub fn content_hash(bytes: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes))
}

/// The symbols of a file's chunks, each with a hash of its text (a symbol
/// split into parts hashes all of them).
pub fn symbol_hashes(chunks: &[crate::chunk::Chunk]) -> BTreeMap<String, String> {
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    for chunk in chunks {
        if let Some(label) = chunk.symbol.as_deref() {
            for symbol in split_label(label) {
                texts.entry(symbol).or_default().push_str(&chunk.text);
            }
        }
    }
    texts
        .into_iter()
        .map(|(symbol, text)| {
            (
                symbol,
                format!("{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes())),
            )
        })
        .collect()
}

/// The symbols a chunk label names: merged neighbours are labelled
/// `impl A > fn x, fn y`, which names `impl A > fn x` and `impl A > fn y`.
/// Commas inside generics (`impl<K, V> Map<K, V>`) do not split.
fn split_label(label: &str) -> Vec<String> {
    let (prefix, last) = match label.rfind(" > ") {
        Some(i) => (&label[..i + 3], &label[i + 3..]),
        None => ("", label),
    };
    let mut names: Vec<String> = Vec::new();
    for piece in last.split(", ") {
        let starts_item = piece.split_once(' ').is_some_and(|(word, _)| {
            !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase())
        });
        match names.last_mut() {
            Some(name) if !starts_item => {
                name.push_str(", ");
                name.push_str(piece);
            }
            _ => names.push(piece.to_string()),
        }
    }
    names.into_iter().map(|n| format!("{prefix}{n}")).collect()
}

#[cfg(test)]
mod tests {
    use super::split_label;

    #[test]
    fn merged_labels_name_each_item() {
        assert_eq!(
            split_label("impl Shipments<'c> > fn buy_label, fn cancel"),
            [
                "impl Shipments<'c> > fn buy_label",
                "impl Shipments<'c> > fn cancel"
            ]
        );
        assert_eq!(
            split_label("impl<K, V> Map<K, V>"),
            ["impl<K, V> Map<K, V>"]
        );
        assert_eq!(split_label("fn a, struct B"), ["fn a", "struct B"]);
        assert_eq!(split_label("mod m > fn f"), ["mod m > fn f"]);
    }
}
