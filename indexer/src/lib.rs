//! Docent's indexer: walks a product's source roots, chunks code by syntax tree and
//! docs by heading, and writes versioned generations of a tantivy index.
//!
//! It knows nothing of HTTP, LLMs or SQL. The service reads what this crate writes
//! through [`store::IndexDir::open_current`] and the field map in [`schema`].

pub mod chunk;
pub mod document;
pub mod error;
pub mod indexing;
pub mod lang;
pub mod manifest;
pub mod prose;
pub mod release;
pub mod role;
pub mod schema;
pub mod store;
pub mod tokenizer;
pub mod walk;

pub use chunk::{Chunk, ChunkOptions, Chunked, chunk_file};
pub use error::{Error, Result};
pub use indexing::{Gate, IndexOptions, Progress, Report, index, index_gated};
pub use lang::{Kind, Lang};
pub use store::{Generation, GenerationMeta, IndexDir, OpenIndex};
