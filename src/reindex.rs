//! Keeping a running service on the newest generation: a watcher that swaps
//! in whatever `CURRENT` names (published by `docent index`, or a rollback),
//! and re-index jobs the admin API starts, with their progress.
//!
//! The swap itself is [`LiveRetriever::refresh`]: requests in flight keep the
//! generation they started on; the next ones get the new one.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use docent_indexer::{IndexOptions, Progress};
use serde::Serialize;

use crate::answer::Engine;
use crate::retrieval::LiveRetriever;
use crate::store::now_ms;

/// How often the watcher looks at `CURRENT`.
pub const WATCH_PERIOD: Duration = Duration::from_millis(500);

/// Serves each new generation as `CURRENT` comes to name it. Runs until the
/// process ends; a generation that cannot be opened is logged and skipped
/// (the one served stays).
pub async fn watch(engine: Arc<Engine>, period: Duration) {
    let live = Arc::clone(&engine.retriever);
    let mut last_error = String::new();
    let mut ticker = tokio::time::interval(period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let l = Arc::clone(&live);
        match tokio::task::spawn_blocking(move || l.refresh()).await {
            Ok(Ok(Some(_))) => {
                announce(&engine).await;
                last_error.clear();
            }
            Ok(Ok(None)) => last_error.clear(),
            Ok(Err(e)) => {
                let e = e.to_string();
                if e != last_error {
                    tracing::error!(error = %e, "the newly published generation cannot be served; keeping the current one");
                    last_error = e;
                }
            }
            Err(e) => tracing::error!(error = %e, "index watcher task failed"),
        }
    }
}

/// After a swap: metrics, a log line, and stale verified answers flagged.
async fn announce(engine: &Engine) {
    let served = engine.retriever.get();
    let g = served.generation();
    engine.metrics.index(g.generation, g.chunks);
    tracing::info!(
        generation = g.generation,
        release = %g.release,
        chunks = g.chunks,
        "now serving a new index generation"
    );
    match engine.check_verified().await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            stale = n,
            "verified answers cite sources this generation changed"
        ),
        Err(e) => tracing::error!(error = %e, "could not check verified answers"),
    }
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Running,
    /// A new generation is published and served.
    Published,
    /// Nothing had changed: no generation was written.
    UpToDate,
    Failed,
}

/// A re-index job as the admin API reports it.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    pub id: String,
    pub status: JobStatus,
    /// `reading` (files chunked so far below), `committing`, then `done`.
    pub phase: &'static str,
    pub release: Option<String>,
    pub roots: Vec<String>,
    pub files_total: u64,
    pub files_done: u64,
    pub bytes_total: u64,
    pub bytes_done: u64,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// The generation served when the job ended.
    pub generation: Option<u64>,
    pub report: Option<docent_indexer::Report>,
    pub error: Option<String>,
}

/// Progress of a running job, updated from the indexer's threads.
struct JobProgress {
    files_total: AtomicU64,
    files_done: AtomicU64,
    bytes_total: AtomicU64,
    bytes_done: AtomicU64,
    committing: std::sync::atomic::AtomicBool,
}

impl Progress for JobProgress {
    fn start(&self, files: u64, bytes: u64) {
        self.files_total.store(files, Ordering::Relaxed);
        self.bytes_total.store(bytes, Ordering::Relaxed);
    }
    fn advance(&self, bytes: u64) {
        self.files_done.fetch_add(1, Ordering::Relaxed);
        self.bytes_done.fetch_add(bytes, Ordering::Relaxed);
    }
    fn finish(&self) {
        self.committing.store(true, Ordering::Relaxed);
    }
}

struct Entry {
    job: Job,
    progress: Option<Arc<JobProgress>>,
}

impl Entry {
    fn view(&self) -> Job {
        let mut job = self.job.clone();
        if let Some(p) = &self.progress {
            job.files_total = p.files_total.load(Ordering::Relaxed);
            job.files_done = p.files_done.load(Ordering::Relaxed);
            job.bytes_total = p.bytes_total.load(Ordering::Relaxed);
            job.bytes_done = p.bytes_done.load(Ordering::Relaxed);
            if p.committing.load(Ordering::Relaxed) {
                job.phase = "committing";
            }
        }
        job
    }
}

/// Why a job was not started.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("re-index job {0} is still running")]
    Running(String),
}

/// Jobs kept for reporting, newest last.
const KEEP_JOBS: usize = 50;

/// Starts and tracks re-index jobs, one at a time.
pub struct Reindexer {
    /// Roots to index when the served generation records none that exist.
    fallback_roots: Vec<PathBuf>,
    options: IndexOptions,
    jobs: Mutex<BTreeMap<String, Entry>>,
}

impl Reindexer {
    pub fn new(fallback_roots: Vec<PathBuf>, options: IndexOptions) -> Reindexer {
        Reindexer {
            fallback_roots,
            options,
            jobs: Mutex::new(BTreeMap::new()),
        }
    }

    /// A job's state, or `None` for an unknown id.
    pub fn job(&self, id: &str) -> Option<Job> {
        let jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        jobs.get(id).map(Entry::view)
    }

    /// The roots the served generation was built from (those that still
    /// exist), else the fallback.
    fn roots(&self, live: &LiveRetriever) -> Vec<PathBuf> {
        let served = live.get();
        let recorded: Vec<PathBuf> = served
            .generation()
            .roots
            .iter()
            .map(|r| PathBuf::from(&r.path))
            .filter(|p| p.is_dir())
            .collect();
        if recorded.is_empty() {
            self.fallback_roots.clone()
        } else {
            recorded
        }
    }

    /// Starts re-indexing in the background; the new generation is served as
    /// soon as it is published.
    pub fn start(
        self: &Arc<Self>,
        release: Option<String>,
        engine: Arc<Engine>,
    ) -> Result<Job, StartError> {
        let live = Arc::clone(&engine.retriever);
        let roots = self.roots(&live);
        let progress = Arc::new(JobProgress {
            files_total: AtomicU64::new(0),
            files_done: AtomicU64::new(0),
            bytes_total: AtomicU64::new(0),
            bytes_done: AtomicU64::new(0),
            committing: Default::default(),
        });
        let job = Job {
            id: crate::store::new_id("j_"),
            status: JobStatus::Running,
            phase: "reading",
            release: release.clone(),
            roots: roots.iter().map(|r| r.display().to_string()).collect(),
            files_total: 0,
            files_done: 0,
            bytes_total: 0,
            bytes_done: 0,
            started_at: now_ms(),
            finished_at: None,
            generation: None,
            report: None,
            error: None,
        };
        {
            let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(running) = jobs.values().find(|e| e.job.status == JobStatus::Running) {
                return Err(StartError::Running(running.job.id.clone()));
            }
            while jobs.len() >= KEEP_JOBS {
                let Some(oldest) = jobs.keys().next().cloned() else {
                    break;
                };
                jobs.remove(&oldest);
            }
            jobs.insert(
                job.id.clone(),
                Entry {
                    job: job.clone(),
                    progress: Some(Arc::clone(&progress)),
                },
            );
        }
        let this = Arc::clone(self);
        let id = job.id.clone();
        let options = IndexOptions {
            release,
            ..self.options.clone()
        };
        tokio::spawn(async move {
            let dir = live.dir().to_path_buf();
            let p = Arc::clone(&progress);
            let ran = tokio::task::spawn_blocking(move || {
                docent_indexer::index(&dir, &roots, &options, p.as_ref())
            })
            .await;
            let outcome = match ran {
                Ok(Ok(report)) => {
                    // Serve it now rather than at the watcher's next look.
                    let l = Arc::clone(&live);
                    match tokio::task::spawn_blocking(move || l.refresh()).await {
                        Ok(Ok(_)) => {
                            announce(&engine).await;
                            Ok(report)
                        }
                        Ok(Err(e)) => Err(format!("published, but it cannot be served: {e}")),
                        Err(e) => Err(e.to_string()),
                    }
                }
                Ok(Err(e)) => Err(e.to_string()),
                Err(e) => Err(format!("the indexing task failed: {e}")),
            };
            let mut jobs = this.jobs.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(entry) = jobs.get_mut(&id) {
                let mut job = entry.view();
                job.finished_at = Some(now_ms());
                job.phase = "done";
                match outcome {
                    Ok(report) => {
                        job.status = if report.up_to_date {
                            JobStatus::UpToDate
                        } else {
                            JobStatus::Published
                        };
                        job.generation = Some(report.generation);
                        job.report = Some(report);
                    }
                    Err(e) => {
                        tracing::error!(job = %id, error = %e, "re-index failed");
                        job.status = JobStatus::Failed;
                        job.error = Some(e);
                    }
                }
                entry.job = job;
                entry.progress = None;
            }
        });
        Ok(job)
    }
}
