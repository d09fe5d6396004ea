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
