//! A minimal axum server that verifies Shiplane webhooks.
//!
//! Run with `SHIPLANE_WEBHOOK_SECRET=whsec_... cargo run --example webhook_server`.

use axum::{body::Bytes, http::{HeaderMap, StatusCode}, routing::post, Router};
use shiplane::webhooks::{self, SIGNATURE_HEADER};

async fn webhook(headers: HeaderMap, body: Bytes) -> StatusCode {
    let secret = std::env::var("SHIPLANE_WEBHOOK_SECRET").unwrap_or_default();
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    // Verify the raw bytes: do not take `Json<Event>` here, it re-serializes.
    match webhooks::verify(&body, signature, &secret) {
        Ok(event) => {
            println!("{} {}", event.id, event.event_type);
            StatusCode::OK
        }
        Err(err) => {
            eprintln!("rejected webhook: {err}");
            StatusCode::BAD_REQUEST
        }
    }
}

#[tokio::main]
async fn main() {
    let app = Router::new().route("/webhooks/shiplane", post(webhook));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:4242").await.unwrap();
    axum::serve(listener, app).await.unwrap();
}
