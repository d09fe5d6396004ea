//! Shipments: create, retrieve, list, buy labels, cancel.

use futures::Stream;
use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::Error;
use crate::pagination::{paginate, HasId, Page, MAX_PAGE_SIZE};

/// Where a shipment is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShipmentStatus {
    /// Created; no label bought yet.
    Draft,
    /// A label was bought and can be printed.
    LabelReady,
    /// The carrier has scanned the parcel.
    InTransit,
    Delivered,
    /// Delivery failed: see the tracking events for the reason.
    Exception,
    Cancelled,
}

/// A postal address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Address {
    pub name: String,
    pub line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code, e.g. `GB`.
    pub country: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl Address {
    pub fn new(name: &str, line1: &str, city: &str, postal_code: &str, country: &str) -> Address {
        Address {
            name: name.into(),
            line1: line1.into(),
            city: city.into(),
            postal_code: postal_code.into(),
            country: country.into(),
            ..Default::default()
        }
    }
}

/// A parcel: weight in grams (1 to 70,000) and dimensions in centimetres.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Parcel {
    pub weight_grams: u32,
    pub length_cm: u32,
    pub width_cm: u32,
    pub height_cm: u32,
}

/// A shipment.
#[derive(Debug, Clone, Deserialize)]
pub struct Shipment {
    pub id: String,
    pub status: ShipmentStatus,
    pub from: Address,
    pub to: Address,
    pub parcels: Vec<Parcel>,
    /// The carrier's tracking number, once a label is bought.
    pub tracking_number: Option<String>,
    /// PDF label, valid for 30 days.
    pub label_url: Option<String>,
    /// Your own reference, searchable with the `reference` filter.
    pub reference: Option<String>,
    /// Unix seconds.
    pub created: i64,
}

impl Shipment {
    /// Deprecated alias of [`Shipment::tracking_number`].
    #[deprecated(since = "2.1.0", note = "use `tracking_number`")]
    pub fn tracking_code(&self) -> Option<&str> {
        self.tracking_number.as_deref()
    }
}

impl HasId for Shipment {
    fn id(&self) -> &str {
        &self.id
    }
}

/// Parameters of `POST /v2/shipments`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CreateShipment {
    pub from: Address,
    pub to: Address,
    pub parcels: Vec<Parcel>,
    /// Service level, e.g. `standard` or `express`; default `standard`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// Filters of `GET /v2/shipments`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ListShipments {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Page size, 1 to 100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starting_after: Option<String>,
}

/// The shipments API.
pub struct Shipments<'c> {
    client: &'c Client,
}

impl<'c> Shipments<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        Shipments { client }
    }

    /// Creates a draft shipment. Validates parcels locally first.
    pub async fn create(&self, params: &CreateShipment) -> Result<Shipment, Error> {
        self.client.request(Method::POST, "/shipments", Some(params)).await
    }

    /// Retrieves a shipment by ID.
    pub async fn get(&self, id: &str) -> Result<Shipment, Error> {
        self.client.request::<(), _>(Method::GET, &format!("/shipments/{id}"), None).await
    }

    /// One page of shipments, newest first.
    pub async fn list(&self, params: ListShipments) -> Result<Page<Shipment>, Error> {
        let mut query = vec![format!("limit={}", params.limit.unwrap_or(20).min(MAX_PAGE_SIZE))];
        if let Some(status) = &params.status {
            query.push(format!("status={status}"));
        }
        if let Some(reference) = &params.reference {
            query.push(format!("reference={reference}"));
        }
        if let Some(cursor) = &params.starting_after {
            query.push(format!("starting_after={cursor}"));
        }
        let path = format!("/shipments?{}", query.join("&"));
        self.client.request::<(), _>(Method::GET, &path, None).await
    }

    /// Every shipment matching the filters, following cursors page by page.
    pub fn list_all(&self, params: ListShipments) -> impl Stream<Item = Result<Shipment, Error>> + 'c {
        let client = self.client;
        paginate(move |cursor| {
            let mut params = params.clone();
            params.limit = Some(MAX_PAGE_SIZE);
            params.starting_after = cursor;
            async move { Shipments { client }.list(params).await }
        })
    }

    /// Buys a label. Without `rate_id` the cheapest rate of the requested service
    /// is used. Some carriers take up to 20 s: keep the timeout above 25 s.
    pub async fn buy_label(&self, id: &str, rate_id: Option<&str>) -> Result<Shipment, Error> {
        #[derive(Serialize)]
        struct Body<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            rate_id: Option<&'a str>,
        }
        self.client
            .request(Method::POST, &format!("/shipments/{id}/label"), Some(&Body { rate_id }))
            .await
    }

    /// Cancels a shipment and voids its label. Fails with
    /// `shipment_not_cancellable` once the carrier has scanned the parcel.
    pub async fn cancel(&self, id: &str) -> Result<Shipment, Error> {
        self.client
            .request::<(), _>(Method::POST, &format!("/shipments/{id}/cancel"), None)
            .await
    }
}
