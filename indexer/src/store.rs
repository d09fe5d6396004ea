//! The index directory: generations, the `CURRENT` pointer, and the writer lock.
//!
//! ```text
//! DIR/
//!   LOCK               held (flock) by the one indexer writing to DIR
//!   CURRENT            name of the served generation, replaced atomically
//!   gen-000007/        a tantivy index + docent.json (meta) + manifest.json
//! ```
//!
//! A generation is published by renaming a new `CURRENT` into place only after its
//! commit and metadata are on disk, so a killed run leaves the previous generation
//! intact and served. Unpublished directories are garbage the next run removes.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tantivy::Index;

use crate::error::{Error, IoContext, Result};
use crate::schema::{self, Fields, SCHEMA_VERSION};

const CURRENT_FILE: &str = "CURRENT";
const LOCK_FILE: &str = "LOCK";
/// File name of the generation metadata.
pub const META_FILE: &str = "docent.json";
const GENERATION_PREFIX: &str = "gen-";

/// A source root as recorded in a generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootMeta {
    pub label: String,
    pub path: String,
}

/// What a generation is: written last, read first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationMeta {
    pub schema_version: u32,
    pub generation: u64,
    /// Release label every chunk of this generation belongs to.
    pub release: String,
    /// Seconds since the epoch when it was published.
    pub created_unix: u64,
    pub files: u64,
    pub chunks: u64,
    pub bytes: u64,
    pub roots: Vec<RootMeta>,
    /// The commit checked out in the first root, when it is a git work tree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// What each generation changed, oldest first, this one's last (up to
    /// [`crate::release::HISTORY`]); empty for a first build.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub releases: Vec<crate::release::Changes>,
}

/// A generation on disk.
#[derive(Debug, Clone)]
pub struct Generation {
    pub dir: PathBuf,
    pub meta: GenerationMeta,
}

/// An opened, schema-checked generation ready for searching.
pub struct OpenIndex {
    pub index: Index,
    pub fields: Fields,
    pub generation: Generation,
}

/// Proof that this process holds the directory's writer lock; released on drop.
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

/// An index directory holding generations.
#[derive(Debug, Clone)]
pub struct IndexDir {
    path: PathBuf,
}

/// Writes a file and syncs it to disk.
pub(crate) fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = File::create(path).at(path)?;
    file.write_all(bytes).at(path)?;
    file.sync_all().at(path)
}

/// A generation directory's metadata, when it is there and readable.
fn read_meta(dir: &Path) -> Option<GenerationMeta> {
    let bytes = fs::read(dir.join(META_FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn sync_dir(path: &Path) -> Result<()> {
    File::open(path).and_then(|d| d.sync_all()).at(path)
}

fn generation_name(number: u64) -> String {
    format!("{GENERATION_PREFIX}{number:06}")
}

fn parse_generation_name(name: &str) -> Option<u64> {
    name.strip_prefix(GENERATION_PREFIX)?.parse().ok()
}

impl IndexDir {
    pub fn new(path: impl Into<PathBuf>) -> IndexDir {
        IndexDir { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Takes the writer lock, creating the directory if needed. A second indexer
    /// gets [`Error::Locked`] at once instead of waiting.
    pub fn lock(&self) -> Result<Lock> {
        fs::create_dir_all(&self.path).at(&self.path)?;
        let path = self.path.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .at(&path)?;
        match file.try_lock() {
            Ok(()) => Ok(Lock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(Error::Locked(self.path.clone())),
            Err(TryLockError::Error(e)) => Err(e).at(&path),
        }
    }

    /// The name of the served generation, if any.
    fn current_name(&self) -> Result<Option<String>> {
        let path = self.path.join(CURRENT_FILE);
        match fs::read_to_string(&path) {
            Ok(name) => {
                let name = name.trim().to_string();
                if parse_generation_name(&name).is_none() {
                    return Err(Error::Corrupt {
                        dir: self.path.clone(),
                        detail: format!("{CURRENT_FILE} names {name:?}"),
                    });
                }
                Ok(Some(name))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).at(&path),
        }
    }

    /// The served generation and its metadata, without checking the schema version.
    pub fn current(&self) -> Result<Option<Generation>> {
        let Some(name) = self.current_name()? else {
            return Ok(None);
        };
        let dir = self.path.join(&name);
        let meta_path = dir.join(META_FILE);
        let bytes = fs::read(&meta_path).map_err(|e| Error::Corrupt {
            dir: self.path.clone(),
            detail: format!("{name}/{META_FILE}: {e}"),
        })?;
        let meta: GenerationMeta = serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt {
            dir: self.path.clone(),
            detail: format!("{name}/{META_FILE}: {e}"),
        })?;
        Ok(Some(Generation { dir, meta }))
    }

    /// Opens the served generation for reading. Refuses an index written with
    /// another schema version.
    pub fn open_current(&self) -> Result<OpenIndex> {
        let generation = self
            .current()?
            .ok_or_else(|| Error::NoIndex(self.path.clone()))?;
        self.open(generation)
    }

    /// Opens a generation directory of this index whether or not it is served
    /// (a candidate being checked before it is published).
    pub fn open_generation(&self, dir: &Path) -> Result<OpenIndex> {
        let meta_path = dir.join(META_FILE);
        let bytes = fs::read(&meta_path).at(&meta_path)?;
        let meta: GenerationMeta = serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt {
            dir: self.path.clone(),
            detail: format!("{}: {e}", meta_path.display()),
        })?;
        self.open(Generation {
            dir: dir.to_path_buf(),
            meta,
        })
    }

    fn open(&self, generation: Generation) -> Result<OpenIndex> {
        if generation.meta.schema_version != SCHEMA_VERSION {
            return Err(Error::SchemaMismatch {
                dir: self.path.clone(),
                found: generation.meta.schema_version,
                expected: SCHEMA_VERSION,
            });
        }
        let index = Index::open_in_dir(&generation.dir).map_err(|e| Error::Corrupt {
            dir: self.path.clone(),
            detail: e.to_string(),
        })?;
        schema::register_analyzers(&index);
        let fields = schema::fields_of(&index.schema()).map_err(|e| Error::Corrupt {
            dir: self.path.clone(),
            detail: e.to_string(),
        })?;
        Ok(OpenIndex {
            index,
            fields,
            generation,
        })
    }

    /// All generation directories, oldest first.
    fn generations(&self) -> Result<Vec<(u64, PathBuf)>> {
        let mut out = Vec::new();
        for entry in fs::read_dir(&self.path).at(&self.path)? {
            let entry = entry.at(&self.path)?;
            if let Some(n) = entry.file_name().to_str().and_then(parse_generation_name) {
                out.push((n, entry.path()));
            }
        }
        out.sort();
        Ok(out)
    }

    /// Creates the directory of the next generation. When `base` is given, its
    /// index files are hard-linked in (tantivy never rewrites a file in place), so
    /// an incremental run costs only what changed.
    pub(crate) fn create_generation(
        &self,
        _lock: &Lock,
        base: Option<&Path>,
    ) -> Result<(u64, PathBuf)> {
        let number = self.generations()?.last().map_or(1, |(n, _)| n + 1);
        let dir = self.path.join(generation_name(number));
        fs::create_dir(&dir).at(&dir)?;
        if let Some(base) = base {
            for entry in fs::read_dir(base).at(base)? {
                let entry = entry.at(base)?;
                let name = entry.file_name();
                let name_str = name.to_string_lossy();
                if name_str == META_FILE
                    || name_str == crate::manifest::MANIFEST_FILE
                    || name_str.ends_with(".lock")
                    || !entry.file_type().at(entry.path())?.is_file()
                {
                    continue;
                }
                let target = dir.join(&name);
                if fs::hard_link(entry.path(), &target).is_err() {
                    fs::copy(entry.path(), &target).at(&target)?;
                }
            }
        }
        Ok((number, dir))
    }

    /// Writes a generation's metadata (making it complete, not yet served).
    pub(crate) fn write_meta(&self, dir: &Path, meta: &GenerationMeta) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(meta).map_err(|e| Error::Corrupt {
            dir: dir.to_path_buf(),
            detail: e.to_string(),
        })?;
        write_synced(&dir.join(META_FILE), &bytes)?;
        sync_dir(dir)
    }

    /// The complete generations kept, oldest first (readable metadata only).
    pub fn list(&self) -> Result<Vec<GenerationMeta>> {
        let mut out = Vec::new();
        if !self.path.is_dir() {
            return Ok(out);
        }
        for (_, dir) in self.generations()? {
            out.extend(read_meta(&dir));
        }
        Ok(out)
    }

    /// Serves an earlier generation again: `to`, or the newest one older
    /// than the served one. Takes the writer lock; the next `docent index`
    /// builds on the generation served after this.
    pub fn rollback(&self, to: Option<u64>) -> Result<GenerationMeta> {
        let lock = self.lock()?;
        let refuse = |detail: String| Error::Rollback {
            dir: self.path.clone(),
            detail,
        };
        let served = self
            .current()?
            .ok_or_else(|| Error::NoIndex(self.path.clone()))?;
        let kept = self.list()?;
        let target = match to {
            Some(n) => kept.iter().find(|m| m.generation == n).ok_or_else(|| {
                let numbers: Vec<String> = kept.iter().map(|m| m.generation.to_string()).collect();
                refuse(format!(
                    "no generation {n} is kept (kept: {})",
                    numbers.join(", ")
                ))
            })?,
            None => kept
                .iter()
                .rev()
                .find(|m| m.generation < served.meta.generation)
                .ok_or_else(|| {
                    refuse(format!(
                        "generation {} is the oldest kept",
                        served.meta.generation
                    ))
                })?,
        };
        if target.generation == served.meta.generation {
            return Err(refuse(format!(
                "generation {} is already served",
                target.generation
            )));
        }
        if target.schema_version != SCHEMA_VERSION {
            return Err(refuse(format!(
                "generation {} has schema version {}; this docent reads {SCHEMA_VERSION}",
                target.generation, target.schema_version
            )));
        }
        let dir = self.path.join(generation_name(target.generation));
        Index::open_in_dir(&dir)
            .map_err(|e| refuse(format!("generation {}: {e}", target.generation)))?;
        self.point_at(&lock, target.generation)?;
        Ok(target.clone())
    }

    /// Replaces `CURRENT` atomically with the name of generation `number`.
    pub(crate) fn point_at(&self, _lock: &Lock, number: u64) -> Result<()> {
        let tmp = self.path.join(format!("{CURRENT_FILE}.tmp"));
        write_synced(&tmp, format!("{}\n", generation_name(number)).as_bytes())?;
        let current = self.path.join(CURRENT_FILE);
        fs::rename(&tmp, &current).at(&current)?;
        sync_dir(&self.path)
    }

    /// Removes unpublished generations and all but the newest `keep` published
    /// ones (the served one is always kept). A generation superseded less than
    /// `grace` ago stays too, so a reader that opened it just before the swap
    /// finds it whole; a later run removes it.
    pub(crate) fn prune(&self, _lock: &Lock, keep: usize, grace: Duration) -> Result<Vec<u64>> {
        let current = self
            .current_name()?
            .as_deref()
            .and_then(parse_generation_name);
        let mut complete: Vec<(u64, PathBuf)> = Vec::new();
        let mut removed = Vec::new();
        for (n, dir) in self.generations()? {
            if Some(n) != current && !dir.join(META_FILE).exists() {
                fs::remove_dir_all(&dir).at(&dir)?;
                removed.push(n);
            } else {
                complete.push((n, dir));
            }
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let excess = complete.len().saturating_sub(keep.max(1));
        for (i, (n, dir)) in complete.iter().enumerate().take(excess) {
            if Some(*n) == current {
                continue;
            }
            // Superseded when the next generation was published.
            let superseded = complete
                .get(i + 1)
                .and_then(|(_, d)| read_meta(d))
                .map(|m| m.created_unix);
            if superseded.is_some_and(|t| now.saturating_sub(t) < grace.as_secs()) {
                continue;
            }
            fs::remove_dir_all(dir).at(dir)?;
            removed.push(*n);
        }
        Ok(removed)
    }
}
