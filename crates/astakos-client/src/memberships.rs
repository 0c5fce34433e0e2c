//! Project memberships (#35–#39 of the reference).

use crate::client::{bare_op, join, json_op, with_query, AstakosClient};
use crate::error::{AstakosError, Result};
use crate::ids::{MembershipId, ProjectId};
use crate::models::projects::{Membership, MembershipAction, MembershipRef};
use http::Method;
use serde_json::{json, Map, Value};

/// Membership calls; see [`AstakosClient::memberships`].
#[derive(Debug, Clone, Copy)]
pub struct Memberships<'a> {
    client: &'a AstakosClient,
}

impl AstakosClient {
    /// Membership calls (user token).
    pub fn memberships(&self) -> Memberships<'_> {
        Memberships { client: self }
    }
}

impl<'a> Memberships<'a> {
    /// `get_memberships(project_id=None)`: `GET
    /// {ACCOUNT}/projects/memberships[?project=…]` (with `content-type:
    /// application/json`, as the reference sends it).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
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
        ListMemberships {
            client: self.client,
            project: None,
        }
    }

    /// `get_membership(memb_id)`: `GET {ACCOUNT}/projects/memberships/{id}`.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// let m = client.memberships().get(astakos_client::MembershipId(3)).await?;
    /// # let _ = m; Ok(()) }
    /// ```
    pub async fn get(&self, id: MembershipId) -> Result<Membership> {
        let c = self.client;
        let path = join(
            &c.account_path("projects/memberships").await?,
            &id.to_string(),
        );
        c.call(bare_op(
            "astakos.get_membership",
            Method::GET,
            "{ACCOUNT}/projects/memberships/{id}",
            path,
        ))
        .await
    }

    /// `membership_action(memb_id, action, reason="")`: `POST
    /// {ACCOUNT}/projects/memberships/{id}/action` with `{"<action>":
    /// "<reason>"}`. An unknown action is refused before sending.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::{models::MembershipAction, MembershipId};
    /// client
    ///     .memberships()
    ///     .action(MembershipId(3), MembershipAction::Accept)
    ///     .reason("welcome")
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn action(
        &self,
        id: MembershipId,
        action: MembershipAction,
    ) -> MembershipActionRequest<'a> {
        MembershipActionRequest {
            client: self.client,
            id,
            action,
            reason: String::new(),
        }
    }

    /// `join_project(project_id)`: `POST {ACCOUNT}/projects/memberships`
    /// with `{"join": {"project": id}}`; returns the new membership's id.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// let m = client.memberships().join(&astakos_client::ProjectId::new("p1")?).await?;
    /// println!("membership {}", m.id);
    /// # Ok(()) }
    /// ```
    pub async fn join(&self, project: &ProjectId) -> Result<MembershipRef> {
        let c = self.client;
        let path = c.account_path("projects/memberships").await?;
        let op = json_op(
            "astakos.join_project",
            Method::POST,
            "{ACCOUNT}/projects/memberships",
            path,
            &json!({"join": {"project": project}}),
        )?;
        c.call(op).await
    }

    /// `enroll_member(project_id, email)`: `POST
    /// {ACCOUNT}/projects/memberships` with `{"enroll": {"project": id,
    /// "user": email}}`. An empty email is refused before sending.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// let m = client
    ///     .memberships()
    ///     .enroll(&astakos_client::ProjectId::new("p1")?, "someone@example.org")
    ///     .await?;
    /// # let _ = m; Ok(()) }
    /// ```
    pub async fn enroll(&self, project: &ProjectId, email: &str) -> Result<MembershipRef> {
        if email.trim().is_empty() {
            return Err(AstakosError::bad_value("email", "must not be empty"));
        }
        let c = self.client;
        let path = c.account_path("projects/memberships").await?;
        let op = json_op(
            "astakos.enroll_member",
            Method::POST,
            "{ACCOUNT}/projects/memberships",
            path,
            &json!({"enroll": {"project": project, "user": email}}),
        )?;
        c.call(op).await
    }
}

/// Builder of [`Memberships::list`].
#[derive(Debug)]
pub struct ListMemberships<'a> {
    client: &'a AstakosClient,
    project: Option<ProjectId>,
}

impl ListMemberships<'_> {
    /// Only the memberships of this project.
    pub fn project(mut self, v: ProjectId) -> Self {
        self.project = Some(v);
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<Vec<Membership>> {
        let c = self.client;
        let path = c.account_path("projects/memberships").await?;
        let op = bare_op(
            "astakos.get_memberships",
            Method::GET,
            "{ACCOUNT}/projects/memberships",
            with_query(
                path,
                &[("project", self.project.as_ref().map(ProjectId::as_str))],
            ),
        )
        .header("content-type", "application/json");
        c.call(op).await
    }
}

/// Builder of [`Memberships::action`].
#[derive(Debug)]
pub struct MembershipActionRequest<'a> {
    client: &'a AstakosClient,
    id: MembershipId,
    action: MembershipAction,
    reason: String,
}

impl MembershipActionRequest<'_> {
    /// The reason (default empty).
    pub fn reason(mut self, v: impl Into<String>) -> Self {
        self.reason = v.into();
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        if self.action.is_unknown() {
            return Err(AstakosError::bad_value(
                "action",
                format!("`{}` is not a membership action", self.action),
            ));
        }
        let c = self.client;
        let path = join(
            &join(
                &c.account_path("projects/memberships").await?,
                &self.id.to_string(),
            ),
            "action",
        );
        let mut body = Map::new();
        body.insert(self.action.as_str().to_owned(), Value::from(self.reason));
        let op = json_op(
            "astakos.membership_action",
            Method::POST,
            "{ACCOUNT}/projects/memberships/{id}/action",
            path,
            &Value::Object(body),
        )?;
        c.call_unit(op).await
    }
}
