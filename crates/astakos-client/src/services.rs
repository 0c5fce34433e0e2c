//! Services, resources and feedback (#13–#15 of the reference).

use crate::client::{bare_op, join, urlencode, AstakosClient};
use crate::error::{AstakosError, Result};
use crate::models::catalog::{Resource, Service};
use http::Method;
use std::collections::BTreeMap;
use tenantry_core::pipeline::Operation;

/// Registered services; see [`AstakosClient::services`].
#[derive(Debug, Clone, Copy)]
pub struct Services<'a> {
    client: &'a AstakosClient,
}

/// Quota resources; see [`AstakosClient::resources`].
#[derive(Debug, Clone, Copy)]
pub struct Resources<'a> {
    client: &'a AstakosClient,
}

/// Feedback; see [`AstakosClient::feedback`].
#[derive(Debug, Clone, Copy)]
pub struct Feedback<'a> {
    client: &'a AstakosClient,
}

impl AstakosClient {
    /// The registered services (`get_services`).
    pub fn services(&self) -> Services<'_> {
        Services { client: self }
    }
    /// The quota resources (`get_resources`).
    pub fn resources(&self) -> Resources<'_> {
        Resources { client: self }
    }
    /// Feedback to the operators (`send_feedback`).
    pub fn feedback(&self) -> Feedback<'_> {
        Feedback { client: self }
    }
}

impl Services<'_> {
    /// `get_services()`: `GET {UI}/get_services`, the component descriptors.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// for s in client.services().list().await? {
    ///     println!("{:?} {:?}", s.name, s.url);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list(&self) -> Result<Vec<Service>> {
        let c = self.client;
        let path = join(&c.ui_prefix().await?, "get_services");
        c.call(bare_op(
            "astakos.get_services",
            Method::GET,
            "{UI}/get_services",
            path,
        ))
        .await
    }
}

impl Resources<'_> {
    /// `get_resources()`: `GET {ACCOUNT}/resources`, resource name →
    /// description.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// let resources = client.resources().list().await?;
    /// let ram_unit = resources.get("cyclades.ram").and_then(|r| r.unit.clone());
    /// # let _ = ram_unit; Ok(()) }
    /// ```
    pub async fn list(&self) -> Result<BTreeMap<String, Resource>> {
        let c = self.client;
        let path = c.account_path("resources").await?;
        c.call(bare_op(
            "astakos.get_resources",
            Method::GET,
            "{ACCOUNT}/resources",
            path,
        ))
        .await
    }
}

impl Feedback<'_> {
    /// `send_feedback(message, data)`: `POST {ACCOUNT}/feedback` with the
    /// form `feedback_data=…&feedback_msg=…`. An empty message is refused
    /// before sending. Unlike the reference, the body is labelled
    /// `application/x-www-form-urlencoded` (see the crate docs).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// client.feedback().send("the VM console is slow", "vm=42").await?;
    /// # Ok(()) }
    /// ```
    pub async fn send(&self, message: &str, data: &str) -> Result<()> {
        if message.is_empty() {
            return Err(AstakosError::bad_value("message", "must not be empty"));
        }
        let c = self.client;
        let path = c.account_path("feedback").await?;
        let body = urlencode(&[("feedback_data", data), ("feedback_msg", message)]);
        let op = Operation::new("astakos.send_feedback", Method::POST, "{ACCOUNT}/feedback")
            .raw_path(path)
            .body("application/x-www-form-urlencoded", body.into_bytes());
        c.call_unit(op).await
    }
}
