//! # Shiplane
//!
//! The official async Rust client for the [Shiplane](https://shiplane.dev) shipping
//! and tracking API.
//!
//! ```no_run
//! # async fn run() -> Result<(), shiplane::Error> {
//! let client = shiplane::Client::from_env()?;
//! let shipment = client.shipments().get("shp_1Nv0").await?;
//! println!("{} is {:?}", shipment.id, shipment.status);
//! # Ok(()) }
//! ```
//!
//! ## Retries
//!
//! Requests that fail with `429`, `500`, `502`, `503` or a network error are retried
//! with exponential backoff (see [`retry`]). `POST` requests carry an idempotency key,
//! so a retried create never creates twice.
//!
//! ## Webhooks
//!
//! Verify deliveries with [`webhooks::verify`], passing the raw request body.

pub mod client;
pub mod error;
pub mod pagination;
pub mod resources;
pub mod retry;
pub mod webhooks;

pub use client::{Client, ClientBuilder};
pub use error::{ApiError, Error};

/// The API version this SDK speaks.
pub const API_VERSION: &str = "v2";

/// The SDK version, sent in the `User-Agent` header.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
