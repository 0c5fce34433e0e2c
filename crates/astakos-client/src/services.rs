//! Services, resources and feedback (#13–#15 of the reference).

use crate::models::catalog::{Resource, Service};
use std::collections::BTreeMap;
use tenantry_core::encode::{encode_pairs, QueryStyle};
use tenantry_core::pipeline::Decl;
use tenantry_core::{Error, Result};

const GET_SERVICES: Decl = Decl::get("astakos.get_services", "{UI}/get_services");
const GET_RESOURCES: Decl = Decl::get("astakos.get_resources", "{ACCOUNT}/resources");
const SEND_FEEDBACK: Decl = Decl::post("astakos.send_feedback", "{ACCOUNT}/feedback");

handler!(
    /// Registered services; see [`AstakosClient::services`](crate::AstakosClient::services).
    ServicesHandler,
    /// The registered services (`get_services`).
    services
);
handler!(
    /// Quota resources; see [`AstakosClient::resources`](crate::AstakosClient::resources).
    ResourcesHandler,
    /// The quota resources (`get_resources`).
    resources
);
handler!(
    /// Feedback; see [`AstakosClient::feedback`](crate::AstakosClient::feedback).
    FeedbackHandler,
    /// Feedback to the operators (`send_feedback`).
    feedback
);

impl ServicesHandler<'_> {
    /// `get_services()`: `GET {UI}/get_services`, the component descriptors.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// for s in client.services().list().await? {
    ///     println!("{:?} {:?}", s.name, s.url);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list(&self) -> Result<Vec<Service>> {
        let c = self.client;
        c.call(c.bare(&GET_SERVICES).await?).await
    }
}

impl ResourcesHandler<'_> {
    /// `get_resources()`: `GET {ACCOUNT}/resources`, resource name →
    /// description.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// let resources = client.resources().list().await?;
    /// let ram_unit = resources.get("cyclades.ram").and_then(|r| r.unit.clone());
    /// # let _ = ram_unit; Ok(()) }
    /// ```
    pub async fn list(&self) -> Result<BTreeMap<String, Resource>> {
        let c = self.client;
        c.call(c.bare(&GET_RESOURCES).await?).await
    }
}

impl FeedbackHandler<'_> {
    /// `send_feedback(message, data)`: `POST {ACCOUNT}/feedback` with the
    /// form `feedback_data=…&feedback_msg=…`. An empty message is refused
    /// before sending. Unlike the reference, the body is labelled
    /// `application/x-www-form-urlencoded` (see the crate docs).
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// client.feedback().send("the VM console is slow", "vm=42").await?;
    /// # Ok(()) }
    /// ```
    pub async fn send(&self, message: &str, data: &str) -> Result<()> {
        if message.is_empty() {
            return Err(Error::invalid_input("message", "must not be empty"));
        }
        let c = self.client;
        let pairs = [("feedback_data", data), ("feedback_msg", message)];
        let body = encode_pairs(&pairs, QueryStyle::PythonQuotePlus);
        let op = c.op(&SEND_FEEDBACK).await?;
        c.call_unit(op.body("application/x-www-form-urlencoded", body))
            .await
    }
}
