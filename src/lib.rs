//! Docent: a self-hostable support assistant that answers questions from a
//! product's own docs and code, with citations.
//!
//! This crate is the service and the CLI; indexing lives in `docent-indexer`.

pub mod accounts;
pub mod answer;
pub mod auth;
pub mod clock;
pub mod config;
pub mod escalation;
pub mod eval;
pub mod http;
pub mod llm;
pub mod metrics;
pub mod prompts;
pub mod reindex;
pub mod retrieval;
pub mod serve;
pub mod store;
