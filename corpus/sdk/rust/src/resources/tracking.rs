//! Tracking events: the carrier's scans of a parcel.

use reqwest::Method;
use serde::Deserialize;

use crate::client::Client;
use crate::error::Error;

/// One carrier scan.
#[derive(Debug, Clone, Deserialize)]
pub struct TrackingEvent {
    /// Unix seconds.
    pub occurred_at: i64,
    /// Normalised status, e.g. `in_transit`, `out_for_delivery`, `delivered`, `exception`.
    pub status: String,
    /// The carrier's own description.
    pub description: String,
    pub location: Option<String>,
    /// For `exception` events: `address_problem`, `damaged`, `customs_hold`, `refused`.
    pub exception_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TrackingResponse {
    events: Vec<TrackingEvent>,
}

/// The tracking API.
pub struct Tracking<'c> {
    client: &'c Client,
}

impl<'c> Tracking<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        Tracking { client }
    }

    /// All tracking events of a shipment, oldest first. Prefer the
    /// `tracking.updated` webhook to polling; poll at most once a minute.
    pub async fn events(&self, shipment_id: &str) -> Result<Vec<TrackingEvent>, Error> {
        let response: TrackingResponse = self
            .client
            .request::<(), _>(Method::GET, &format!("/shipments/{shipment_id}/tracking"), None)
            .await?;
        Ok(response.events)
    }
}
