//! An indexing run: walk, diff against the previous generation's manifest, chunk
//! what changed in parallel, write a new generation, publish it.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rayon::prelude::*;
use serde::Serialize;
use tantivy::schema::Term;
use tantivy::{Index, IndexWriter};

use crate::chunk::{ChunkOptions, chunk_file};
use crate::document::{document, file_card, file_document, included_docs};
use crate::error::{Error, Result};
use crate::manifest::{FileEntry, Manifest, content_hash};
use crate::schema::{self, Fields, SCHEMA_VERSION};
use crate::store::{GenerationMeta, IndexDir, RootMeta};
use crate::walk::{self, Root, SkipReason, Skips, SourceFile};

/// Test hook: when set, the run aborts the process after committing its new
/// generation and before publishing it, as a crash there would.
pub const ABORT_BEFORE_PUBLISH_ENV: &str = "DOCENT_TEST_ABORT_BEFORE_PUBLISH";

/// How to run the indexer.
#[derive(Debug, Clone)]
pub struct IndexOptions {
    /// Release label of the new generation; `None` keeps the previous label.
    pub release: Option<String>,
    /// Files larger than this are skipped.
    pub max_file_bytes: u64,
    pub chunk: ChunkOptions,
    /// Worker threads for reading and chunking (0: one per core).
    pub threads: usize,
    /// Memory budget of the tantivy writer, in bytes.
    pub writer_memory: usize,
    /// Published generations to keep for rollback.
    pub keep_generations: usize,
    /// An older generation is removed only this long after it was superseded
    /// (readers that opened it just before finish on it).
    pub prune_grace: std::time::Duration,
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions {
            release: None,
            max_file_bytes: 1024 * 1024,
            chunk: ChunkOptions::default(),
            threads: 0,
            writer_memory: 192 * 1024 * 1024,
            keep_generations: 3,
            prune_grace: std::time::Duration::from_secs(60),
        }
    }
}

/// Progress notifications; the CLI draws a bar from them.
pub trait Progress: Sync {
    /// Chunking starts: this many files and bytes will be read.
    fn start(&self, _files: u64, _bytes: u64) {}
    /// One file was read (and chunked when it changed).
    fn advance(&self, _bytes: u64) {}
    /// Chunking is done; committing and publishing follow.
    fn finish(&self) {}
}

/// A progress sink that draws nothing.
pub struct NoProgress;
impl Progress for NoProgress {}

/// A problem with one file that did not stop the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileWarning {
    pub path: String,
    pub message: String,
}

/// What a run did.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The generation now served.
    pub generation: u64,
    pub release: String,
    /// Nothing changed: no generation was written.
    pub up_to_date: bool,
    /// Files in the served generation.
    pub files: u64,
    /// Files read and chunked in this run.
    pub files_parsed: u64,
    /// Files found unchanged (by size and time, or by content hash).
    pub files_unchanged: u64,
    /// Files removed from the index because they are gone.
    pub files_removed: u64,
    /// Chunks in the served generation.
    pub chunks: u64,
    /// Chunks written in this run.
    pub chunks_written: u64,
    /// Bytes read and chunked in this run.
    pub bytes_parsed: u64,
    pub seconds: f64,
    pub skips: Skips,
    pub warnings: Vec<FileWarning>,
    /// What this run changed against the generation it built on (none for a
    /// first build or when nothing changed).
    pub changes: Option<crate::release::Changes>,
}

impl Report {
    /// Throughput of this run in MB/s (10^6 bytes).
    pub fn mb_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.bytes_parsed as f64 / 1e6 / self.seconds
        } else {
            0.0
        }
    }
}

/// Decodes file bytes: lossy when not UTF-8, with a warning naming the first bad line.
fn decode(bytes: Vec<u8>) -> (String, Option<String>) {
    match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let bytes = err.into_bytes();
            let line = bytes[..valid].iter().filter(|&&b| b == b'\n').count() + 1;
            let text = String::from_utf8_lossy(&bytes).into_owned();
            (
                text,
                Some(format!(
                    "not valid UTF-8 (first bad byte on line {line}); invalid bytes replaced"
                )),
            )
        }
    }
}

/// The outcome of reading one candidate file.
enum FileOutcome {
    Unchanged(FileEntry),
    Indexed(FileEntry),
    Skipped(SkipReason),
}

struct Run<'a> {
    roots: &'a [Root],
    fields: Fields,
    options: &'a IndexOptions,
    previous: &'a Manifest,
    writer: &'a IndexWriter,
    warnings: Mutex<Vec<FileWarning>>,
    chunks_written: AtomicU64,
    bytes_parsed: AtomicU64,
}

impl Run<'_> {
    fn warn(&self, path: String, message: String) {
        tracing::warn!(%path, %message, "indexing warning");
        if let Ok(mut warnings) = self.warnings.lock() {
            warnings.push(FileWarning { path, message });
        }
    }

    /// Reads a file; when its content changed, replaces its chunks in the index.
    fn process(&self, file: &SourceFile, key: &str) -> Result<FileOutcome> {
        let root = &self.roots[file.root].label;
        let shown = format!("{root}/{}", file.path);
        let bytes = match fs::read(&file.abs) {
            Ok(bytes) => bytes,
            Err(e) => {
                self.warn(shown, format!("unreadable: {e}"));
                return Ok(FileOutcome::Skipped(SkipReason::Unreadable));
            }
        };
        if bytes.len() as u64 > self.options.max_file_bytes {
            return Ok(FileOutcome::Skipped(SkipReason::TooLarge));
        }
        if bytes[..bytes.len().min(8192)].contains(&0) {
            return Ok(FileOutcome::Skipped(SkipReason::Binary));
        }
        let hash = content_hash(&bytes);
        let mut entry = FileEntry {
            size: bytes.len() as u64,
            mtime_ns: file.mtime_ns,
            hash,
            chunks: 0,
            skipped: None,
            symbols: Default::default(),
        };
        if let Some(previous) = self.previous.files.get(key)
            && previous.hash == entry.hash
        {
            entry.chunks = previous.chunks;
            entry.symbols = previous.symbols.clone();
            return Ok(FileOutcome::Unchanged(entry));
        }
        let (text, warning) = decode(bytes);
        if let Some(message) = warning {
            self.warn(shown.clone(), message);
        }
        let chunked = chunk_file(&file.path, file.lang, &text, &self.options.chunk);
        for message in &chunked.warnings {
            self.warn(shown.clone(), message.clone());
        }
        entry.chunks = chunked.chunks.len() as u32;
        entry.symbols = crate::manifest::symbol_hashes(&chunked.chunks);
        // Old chunks of this file go first; the delete's opstamp precedes the adds.
        self.writer
            .delete_term(Term::from_field_text(self.fields.file, key));
        let summary = chunked.summary.as_deref();
        let mut included = HashMap::new();
        for chunk in &chunked.chunks {
            let docs =
                if file.lang == crate::lang::Lang::Rust && chunk.text.contains("include_str!") {
                    included_docs(
                        &self.roots[file.root].path,
                        &file.abs,
                        &chunk.text,
                        &mut included,
                    )
                } else {
                    String::new()
                };
            let doc = document(&self.fields, root, &file.path, key, summary, &docs, chunk);
            self.writer.add_document(doc)?;
        }
        if !chunked.chunks.is_empty() {
            let card = file_card(&file.path, &chunked);
            let doc = file_document(&self.fields, root, &file.path, key, &card);
            self.writer.add_document(doc)?;
        }
        self.chunks_written
            .fetch_add(chunked.chunks.len() as u64, Ordering::Relaxed);
        self.bytes_parsed
            .fetch_add(text.len() as u64, Ordering::Relaxed);
        Ok(FileOutcome::Indexed(entry))
    }
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Decides whether a written generation may be published: it is complete on
/// disk (open it with [`IndexDir::open_generation`]) but not served. An `Err`
/// says why not; the generation is then removed and the served one stays.
pub trait Gate {
    fn check(&self, index: &IndexDir, candidate: &Path) -> std::result::Result<(), String>;
}

/// Indexes `roots` into the index directory `dir`: writes and publishes a new
/// generation unless nothing changed.
pub fn index(
    dir: &Path,
    roots: &[PathBuf],
    options: &IndexOptions,
    progress: &dyn Progress,
) -> Result<Report> {
    index_gated(dir, roots, options, progress, None)
}

/// [`index`], with a gate the new generation must pass before it is published.
pub fn index_gated(
    dir: &Path,
    roots: &[PathBuf],
    options: &IndexOptions,
    progress: &dyn Progress,
    gate: Option<&dyn Gate>,
) -> Result<Report> {
    let started = Instant::now();
    let roots = Root::label_all(roots)?;
    let store = IndexDir::new(dir);
    let lock = store.lock()?;

    // The previous generation, when it is one this version can extend.
    let previous = match store.current() {
        Ok(Some(generation)) if generation.meta.schema_version == SCHEMA_VERSION => {
            match Manifest::load(&generation.dir) {
                Ok(manifest) => Some((generation, manifest)),
                Err(err) => {
                    tracing::warn!(error = %err, "previous manifest unreadable; full re-index");
                    None
                }
            }
        }
        Ok(Some(generation)) => {
            tracing::info!(
                found = generation.meta.schema_version,
                expected = SCHEMA_VERSION,
                "schema version changed; full re-index"
            );
            None
        }
        Ok(None) => None,
        Err(err) => {
            tracing::warn!(error = %err, "previous generation unreadable; full re-index");
            None
        }
    };
    let empty = Manifest::default();
    let previous_manifest = previous.as_ref().map_or(&empty, |(_, m)| m);
    let release = options
        .release
        .clone()
        .or_else(|| previous.as_ref().map(|(g, _)| g.meta.release.clone()))
        .unwrap_or_else(|| "dev".to_string());

    let walked = walk::walk(&roots, options.max_file_bytes, Some(dir))?;
    let mut skips = walked.skips;
    let keys: Vec<String> = walked
        .files
        .iter()
        .map(|f| schema::file_key(&roots[f.root].label, &f.path))
        .collect();
    let seen: HashSet<&str> = keys.iter().map(String::as_str).collect();
    let removed: Vec<&String> = previous_manifest
        .files
        .iter()
        .filter(|(k, entry)| !seen.contains(k.as_str()) && entry.skipped.is_none())
        .map(|(k, _)| k)
        .collect();
    // Files whose size or time changed, or that are new, are read; the rest are not.
    let mut manifest = Manifest::default();
    let mut candidates: Vec<(&SourceFile, &String)> = Vec::new();
    for (file, key) in walked.files.iter().zip(&keys) {
        match previous_manifest.files.get(key) {
            Some(entry) if entry.size == file.size && entry.mtime_ns == file.mtime_ns => {
                if let Some(reason) = entry.skipped {
                    *skips.entry(reason).or_default() += 1;
                }
                manifest.files.insert(key.clone(), entry.clone());
            }
            _ => candidates.push((file, key)),
        }
    }
    let unchanged_by_stat = manifest.indexed().count() as u64;
    let same_release = previous
        .as_ref()
        .is_some_and(|(g, _)| g.meta.release == release);
    if let Some((generation, _)) = &previous
        && candidates.is_empty()
        && removed.is_empty()
        && same_release
    {
        let manifest = previous_manifest;
        return Ok(Report {
            generation: generation.meta.generation,
            release,
            up_to_date: true,
            files: manifest.indexed().count() as u64,
            files_parsed: 0,
            files_unchanged: unchanged_by_stat,
            files_removed: 0,
            chunks: manifest.chunks(),
            chunks_written: 0,
            bytes_parsed: 0,
            seconds: started.elapsed().as_secs_f64(),
            skips,
            warnings: Vec::new(),
            changes: None,
        });
    }

    let (number, gen_dir) =
        store.create_generation(&lock, previous.as_ref().map(|(g, _)| g.dir.as_path()))?;
    let index = if previous.is_some() {
        Index::open_in_dir(&gen_dir)?
    } else {
        let (schema, _) = schema::build();
        Index::create_in_dir(&gen_dir, schema)?
    };
    schema::register_analyzers(&index);
    let fields = schema::fields_of(&index.schema())?;
    let threads = if options.threads == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        options.threads
    };
    let writer: IndexWriter =
        index.writer_with_num_threads(threads.clamp(1, 8), options.writer_memory)?;
    for key in &removed {
        writer.delete_term(Term::from_field_text(fields.file, key));
    }

    let run = Run {
        roots: &roots,
        fields,
        options,
        previous: previous_manifest,
        writer: &writer,
        warnings: Mutex::new(Vec::new()),
        chunks_written: AtomicU64::new(0),
        bytes_parsed: AtomicU64::new(0),
    };
    progress.start(
        candidates.len() as u64,
        candidates.iter().map(|(f, _)| f.size).sum(),
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Io {
            path: gen_dir.clone(),
            source: std::io::Error::other(e),
        })?;
    let outcomes: Vec<Result<FileOutcome>> = pool.install(|| {
        candidates
            .par_iter()
            .map(|(file, key)| {
                let outcome = run.process(file, key);
                progress.advance(file.size);
                outcome
            })
            .collect()
    });
    progress.finish();
    let mut files_parsed = 0;
    let mut files_unchanged = unchanged_by_stat;
    for ((file, key), outcome) in candidates.iter().zip(outcomes) {
        match outcome? {
            FileOutcome::Unchanged(entry) => {
                files_unchanged += 1;
                manifest.files.insert((*key).clone(), entry);
            }
            FileOutcome::Indexed(entry) => {
                files_parsed += 1;
                manifest.files.insert((*key).clone(), entry);
            }
            FileOutcome::Skipped(reason) => {
                // A file that was indexed before and is now binary or too big leaves.
                writer.delete_term(Term::from_field_text(fields.file, key));
                *skips.entry(reason).or_default() += 1;
                // Remember the skip so the unchanged file is not read again; an
                // unreadable file is retried next time.
                if reason != SkipReason::Unreadable {
                    let entry = FileEntry {
                        size: file.size,
                        mtime_ns: file.mtime_ns,
                        hash: String::new(),
                        chunks: 0,
                        skipped: Some(reason),
                        symbols: Default::default(),
                    };
                    manifest.files.insert((*key).clone(), entry);
                }
            }
        }
    }
    let Run {
        warnings,
        chunks_written,
        bytes_parsed,
        ..
    } = run;
    let mut writer = writer;
    writer.commit()?;
    if previous.is_none() {
        // A fresh index is merged into one segment: searches then look each term
        // up once and prune across the whole index (about 30% faster). Later
        // incremental runs add small segments that tantivy's policy merges.
        let ids = index.searchable_segment_ids()?;
        if ids.len() > 1 {
            writer.merge(&ids).wait()?;
        }
    }
    writer.wait_merging_threads()?;
    manifest.save(&gen_dir)?;

    if std::env::var_os(ABORT_BEFORE_PUBLISH_ENV).is_some() {
        eprintln!("{ABORT_BEFORE_PUBLISH_ENV} is set: aborting before publish");
        std::process::abort();
    }

    let bytes_parsed = bytes_parsed.into_inner();
    let commit = roots
        .first()
        .and_then(|r| crate::release::commit_of(&r.path));
    let created_unix = now_unix();
    let changes = previous
        .as_ref()
        .map(|(generation, old)| crate::release::Changes {
            release: release.clone(),
            generation: number,
            previous_release: Some(generation.meta.release.clone()),
            previous_generation: Some(generation.meta.generation),
            commit: commit.clone(),
            published_unix: created_unix,
            ..crate::release::diff(old, &manifest)
        });
    let mut releases = previous
        .as_ref()
        .map(|(g, _)| g.meta.releases.clone())
        .unwrap_or_default();
    releases.extend(changes.clone());
    let excess = releases.len().saturating_sub(crate::release::HISTORY);
    releases.drain(..excess);
    let meta = GenerationMeta {
        schema_version: SCHEMA_VERSION,
        generation: number,
        release: release.clone(),
        created_unix,
        files: manifest.indexed().count() as u64,
        chunks: manifest.chunks(),
        bytes: manifest.indexed().map(|f| f.size).sum(),
        roots: roots
            .iter()
            .map(|r| RootMeta {
                label: r.label.clone(),
                path: r.path.display().to_string(),
            })
            .collect(),
        commit,
        releases,
    };
    store.write_meta(&gen_dir, &meta)?;
    if let Some(gate) = gate
        && let Err(why) = gate.check(&store, &gen_dir)
    {
        // Refused: the candidate goes; `CURRENT` never named it.
        if let Err(err) = std::fs::remove_dir_all(&gen_dir) {
            tracing::warn!(error = %err, dir = %gen_dir.display(), "could not remove the refused generation");
        }
        return Err(Error::GateRefused(why));
    }
    store.point_at(&lock, number)?;
    if let Err(err) = store.prune(&lock, options.keep_generations, options.prune_grace) {
        tracing::warn!(error = %err, "could not remove old generations");
    }
    let mut warnings = warnings.into_inner().unwrap_or_default();
    warnings.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Report {
        generation: number,
        release,
        up_to_date: false,
        files: meta.files,
        files_parsed,
        files_unchanged,
        files_removed: removed.len() as u64,
        chunks: meta.chunks,
        chunks_written: chunks_written.into_inner(),
        bytes_parsed,
        seconds: started.elapsed().as_secs_f64(),
        skips,
        warnings,
        changes,
    })
}
