//! The indexer's error type.

use std::path::PathBuf;

/// Everything that can stop an indexing run or the opening of an index.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("source root {0} does not exist or is not readable")]
    MissingRoot(PathBuf),
    #[error(
        "another `docent index` is already writing to {0}; wait for it to finish (lock held on {0}/LOCK)"
    )]
    Locked(PathBuf),
    #[error("no index at {0}; create one with `docent index ROOT... --index {0}`")]
    NoIndex(PathBuf),
    #[error(
        "the index at {dir} has schema version {found}, this docent reads version {expected}; re-index with `docent index ROOT... --index {dir}`"
    )]
    SchemaMismatch {
        dir: PathBuf,
        found: u32,
        expected: u32,
    },
    #[error(
        "the index at {dir} is damaged ({detail}); re-index with `docent index ROOT... --index {dir}`"
    )]
    Corrupt { dir: PathBuf, detail: String },
    #[error("index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("interrupted")]
    Interrupted,
    #[error(
        "the quality gate refused the new generation (not published; the served one stays): {0}"
    )]
    GateRefused(String),
    #[error("cannot roll back the index at {dir}: {detail}")]
    Rollback { dir: PathBuf, detail: String },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Attaches a path to an I/O error.
pub(crate) trait IoContext<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T> {
        self.map_err(|source| Error::Io {
            path: path.into(),
            source,
        })
    }
}
