//! The served generation, swapped when a new one is published: each request
//! takes a snapshot (`get`) and keeps it to the end, so a swap never changes
//! the index under a request in flight, and no request waits for one.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;
use docent_indexer::IndexDir;

use super::{RetrievalError, Retriever};

/// An index directory's served generation, as a swappable snapshot.
pub struct LiveRetriever {
    dir: PathBuf,
    current: ArcSwap<Retriever>,
}

impl LiveRetriever {
    /// Serves `retriever`, which was opened from `dir`.
    pub fn new(dir: impl Into<PathBuf>, retriever: Retriever) -> LiveRetriever {
        LiveRetriever {
            dir: dir.into(),
            current: ArcSwap::from_pointee(retriever),
        }
    }

    /// Opens the generation `dir`'s `CURRENT` names.
    pub fn open(dir: &Path) -> Result<LiveRetriever, RetrievalError> {
        Ok(LiveRetriever::new(dir, Retriever::open(dir)?))
    }

    /// The generation to use for one request, start to end.
    pub fn get(&self) -> Arc<Retriever> {
        self.current.load_full()
    }

    /// The index directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Serves the generation `CURRENT` names if it is not the one served
    /// (after a publish or a rollback); returns its number when it changed.
    /// Blocking: opens files. A generation that fails to open is not served.
    pub fn refresh(&self) -> Result<Option<u64>, RetrievalError> {
        let Some(named) = IndexDir::new(&self.dir).current()? else {
            return Ok(None);
        };
        if named.meta.generation == self.current.load().generation().generation {
            return Ok(None);
        }
        let opened = Retriever::open(&self.dir)?;
        let number = opened.generation().generation;
        self.current.store(Arc::new(opened));
        Ok(Some(number))
    }
}
