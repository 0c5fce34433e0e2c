//! Services, resources and feedback (#13–#15 of the reference).

use crate::models::catalog::{Resource, Service};
use crate::required;
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
        let op = c.bare(&GET_SERVICES).await?;
        c.call(op).await
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
        let op = c.bare(&GET_RESOURCES).await?;
        c.call(op).await
    }
}

impl<'a> FeedbackHandler<'a> {
    /// `send_feedback(message, data)`: `POST {ACCOUNT}/feedback` with the
    /// form `feedback_data=…&feedback_msg=…`. The
    /// [`message`](SendFeedback::message) is required (not empty), the
    /// [`data`](SendFeedback::data) defaults to empty. Unlike the reference,
    /// the body is labelled `application/x-www-form-urlencoded` (see the
    /// crate docs).
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// let f = client.feedback().create();
    /// f.message("the VM console is slow").data("vm=42").send().await?;
    /// # Ok(()) }
    /// ```
    pub fn create(&self) -> SendFeedback<'a> {
        SendFeedback::new(self.client)
    }
}

builder!(
    /// Builder of [`FeedbackHandler::create`].
    SendFeedback {} {
        /// `feedback_msg` (required, not empty).
        message: String,
        /// `feedback_data` (default empty).
        data: String,
    }
);

impl SendFeedback<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        let message = required("message", self.message)?;
        if message.is_empty() {
            return Err(Error::invalid_input("message", "must not be empty"));
        }
        let c = self.client;
        let data = self.data.unwrap_or_default();
        let pairs = [("feedback_data", data.as_str()), ("feedback_msg", &message)];
        let body = encode_pairs(&pairs, QueryStyle::PythonQuotePlus);
        let op = c.op(&SEND_FEEDBACK).await?;
        c.call_unit(op.body("application/x-www-form-urlencoded", body))
            .await
    }
}
