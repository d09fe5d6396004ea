//! Docent: a self-hostable support assistant that answers questions from a
//! product's own docs and code, with citations.
//!
//! This crate is the service and the CLI; indexing lives in `docent-indexer`.

pub mod eval;
pub mod retrieval;
