//! Async client for the Squonk2 Account Server (AS) with Keycloak bearer
//! auth.
//!
//! This crate is being built (issue #17): every operation of the reference
//! is declared and tested; the simulator, CLI and conformance come later.
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod assets;
pub mod charges;
pub mod client;
pub mod error;
pub mod event_streams;
pub mod ids;
pub mod merchants;
pub mod models;
pub mod organisations;
pub mod products;
pub mod units;

pub use assets::AssetsHandler;
pub use charges::{ActionsHandler, ChargesHandler};
pub use client::{Squonk2Client, Squonk2ClientBuilder};
pub use event_streams::EventStreamsHandler;
pub use ids::{AssetId, EventStreamId, IsoDate, MerchantId, OrgId, ProductId, UnitId, Username};
pub use merchants::MerchantsHandler;
pub use organisations::OrganisationsHandler;
pub use products::ProductsHandler;
pub use tenantry_core::{Error, Result, RetryConfig, Secret, TransportConfig};
pub use units::UnitsHandler;
