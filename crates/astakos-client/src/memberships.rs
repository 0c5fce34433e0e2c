//! Project memberships (#35–#39 of the reference).

use crate::ids::{MembershipId, ProjectId};
use crate::models::projects::{Membership, MembershipAction, MembershipRef};
use crate::{known_action, required};
use serde_json::json;
use std::collections::BTreeMap;
use tenantry_core::encode::QueryStyle::PythonQuotePlus;
use tenantry_core::pipeline::Decl;
use tenantry_core::{Error, Result};

const LIST: Decl = Decl::get("astakos.get_memberships", "{ACCOUNT}/projects/memberships")
    .query_style(PythonQuotePlus);
const GET: Decl = Decl::get(
    "astakos.get_membership",
    "{ACCOUNT}/projects/memberships/{id}",
);
const ACTION: Decl = Decl::post(
    "astakos.membership_action",
    "{ACCOUNT}/projects/memberships/{id}/action",
);
const JOIN: Decl = Decl::post("astakos.join_project", "{ACCOUNT}/projects/memberships");
const ENROLL: Decl = Decl::post("astakos.enroll_member", "{ACCOUNT}/projects/memberships");

handler!(
    /// Membership calls; see [`AstakosClient::memberships`](crate::AstakosClient::memberships).
    MembershipsHandler,
    /// Membership calls (user token).
    memberships
);

impl<'a> MembershipsHandler<'a> {
    /// `get_memberships(project_id=None)`: `GET
    /// {ACCOUNT}/projects/memberships[?project=…]` (with `content-type:
    /// application/json`, as the reference sends it).
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// let all = client.memberships().list().send().await?;
    /// let some = client
    ///     .memberships()
    ///     .list()
    ///     .project(astakos_client::ProjectId::new("p1")?)
    ///     .send()
    ///     .await?;
    /// # let _ = (all, some); Ok(()) }
    /// ```
    pub fn list(&self) -> ListMemberships<'a> {
        ListMemberships::new(self.client)
    }

    /// `get_membership(memb_id)`: `GET {ACCOUNT}/projects/memberships/{id}`.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// let m = client.memberships().get(astakos_client::MembershipId(3)).await?;
    /// # let _ = m; Ok(()) }
    /// ```
    pub async fn get(&self, id: MembershipId) -> Result<Membership> {
        let c = self.client;
        let op = c.bare(&GET).await?.param("id", &id.to_string());
        c.call(op).await
    }

    /// `membership_action(memb_id, action, reason="")`: `POST
    /// {ACCOUNT}/projects/memberships/{id}/action` with `{"<action>":
    /// "<reason>"}`. The action (required) and the reason go in the
    /// builder. A missing or unknown action is refused before sending.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::{models::MembershipAction, MembershipId};
    /// client
    ///     .memberships()
    ///     .action(MembershipId(3))
    ///     .action(MembershipAction::Accept)
    ///     .reason("welcome")
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn action(&self, id: MembershipId) -> MembershipActionRequest<'a> {
        MembershipActionRequest::new(self.client, id)
    }

    /// `join_project(project_id)`: `POST {ACCOUNT}/projects/memberships`
    /// with `{"join": {"project": id}}`; returns the new membership's id.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// let m = client.memberships().join(&astakos_client::ProjectId::new("p1")?).await?;
    /// println!("membership {}", m.id);
    /// # Ok(()) }
    /// ```
    pub async fn join(&self, project: &ProjectId) -> Result<MembershipRef> {
        let c = self.client;
        let body = json!({"join": {"project": project}});
        let op = c.op(&JOIN).await?.python_json(&body);
        c.call(op).await
    }

    /// `enroll_member(project_id, email)`: `POST
    /// {ACCOUNT}/projects/memberships` with `{"enroll": {"project": id,
    /// "user": email}}`. The email (required, not blank) is checked before
    /// sending.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// let m = client
    ///     .memberships()
    ///     .enroll(&astakos_client::ProjectId::new("p1")?)
    ///     .email("someone@example.org")
    ///     .send()
    ///     .await?;
    /// # let _ = m; Ok(()) }
    /// ```
    pub fn enroll(&self, project: &ProjectId) -> Enroll<'a> {
        Enroll::new(self.client, project.clone())
    }
}

builder!(
    /// Builder of [`MembershipsHandler::list`]; its fields are the query.
    ListMemberships {} {
        /// Only the memberships of this project.
        project: ProjectId,
    }
);

impl ListMemberships<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<Vec<Membership>> {
        let c = self.client;
        let op = c.bare(&LIST).await?.query_from(&self);
        c.call(op.header("content-type", "application/json")).await
    }
}

builder!(
    /// Builder of [`MembershipsHandler::action`].
    MembershipActionRequest { id: MembershipId } {
        /// The action (required).
        action: MembershipAction,
        /// The reason (default empty).
        reason: String,
    }
);

impl MembershipActionRequest<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        let action = known_action(self.action, MembershipAction::is_unknown)?;
        let c = self.client;
        let body = BTreeMap::from([(action.as_str(), self.reason.unwrap_or_default())]);
        let op = c.op(&ACTION).await?.param("id", &self.id.to_string());
        c.call_unit(op.python_json(&body)).await
    }
}

builder!(
    /// Builder of [`MembershipsHandler::enroll`].
    Enroll { project: ProjectId } {
        /// The email of the user to enroll (required).
        email: String,
    }
);

impl Enroll<'_> {
    /// Sends the request; returns the new membership's id.
    pub async fn send(self) -> Result<MembershipRef> {
        let email = required("email", self.email)?;
        if email.trim().is_empty() {
            return Err(Error::invalid_input("email", "must not be empty"));
        }
        let c = self.client;
        let body = json!({"enroll": {"project": self.project, "user": email}});
        let op = c.op(&ENROLL).await?.python_json(&body);
        c.call(op).await
    }
}
