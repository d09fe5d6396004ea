//! API resources.

pub mod shipments;
pub mod tracking;
