//! IAM groups (`ecl-sss.md` §2.8; the reference cannot reach them at all).

use crate::client::{false_if_missing, EclSssClient};
use crate::ids::{ContractId, IamGroupId, IamRoleId, UserId};
use crate::models::{wire, IamGroup, IamGroupRole, IamGroupUser, IamGroupUsers};
use serde::de::IgnoredAny;
use serde::Serialize;
use tenantry_core::pipeline::Decl;
use tenantry_core::{Error, Result};

const LIST: Decl = Decl::get("ecl-sss.iam_groups", "/iam/groups");
const CREATE: Decl = Decl::post("ecl-sss.create_iam_group", "/iam/groups");
const DELETE: Decl = Decl::delete("ecl-sss.delete_iam_group", "/iam/groups/{iam_group_id}");
// The assignment PUTs send no body and no Content-Type (§6.1.3).
const ASSIGN_ROLE: Decl = Decl::put(
    "ecl-sss.assign_iam_role",
    "/iam/groups/{iam_group_id}/roles/{iam_role_id}",
);
const UNASSIGN_ROLE: Decl = Decl::delete(
    "ecl-sss.delete_assign_iam_role",
    "/iam/groups/{iam_group_id}/roles/{iam_role_id}",
);
const USERS: Decl = Decl::get(
    "ecl-sss.users_designated_iam_group",
    "/iam/groups/{iam_group_id}/users",
);
const ASSIGN_USER: Decl = Decl::put(
    "ecl-sss.assign_user",
    "/iam/groups/{iam_group_id}/users/{user_id}",
);
const UNASSIGN_USER: Decl = Decl::delete(
    "ecl-sss.delete_assign_user",
    "/iam/groups/{iam_group_id}/users/{user_id}",
);

/// IAM groups. From [`EclSssClient::iam_groups`].
#[derive(Debug, Clone, Copy)]
pub struct IamGroupsHandler<'a> {
    pub(crate) client: &'a EclSssClient,
}

/// The `contract_id` query of the IAM listings: left out when unset (the
/// server then uses the caller's contract; the reference sends `None`).
#[derive(Debug, Default, Serialize)]
pub(crate) struct ContractQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) contract_id: Option<ContractId>,
}

/// `iam_group_name` / `iam_role_name`: letters, digits and `@ - . _`.
pub(crate) fn check_iam_name(field: &str, v: &Option<String>) -> Result<()> {
    match v {
        Some(s)
            if !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"@-._".contains(&b)) =>
        {
            Ok(())
        }
        Some(_) => Err(Error::invalid_input(
            field,
            "only letters, digits and `@ - . _` are allowed",
        )),
        None => Err(Error::invalid_input(field, "is required")),
    }
}

impl<'a> IamGroupsHandler<'a> {
    /// `GET /iam/groups[?contract_id=…]`: a builder.
    pub fn list(&self) -> ListIamGroups<'a> {
        ListIamGroups {
            client: self.client,
            query: ContractQuery::default(),
        }
    }

    /// `POST /iam/groups`: a builder; `iam_group_name` is required.
    ///
    /// ```no_run
    /// # async fn run() -> ecl_sss::Result<()> {
    /// # let client = ecl_sss::EclSssClient::from_env()?;
    /// let g = client.iam_groups().create().iam_group_name("readers").send().await?;
    /// # let _ = g; Ok(()) }
    /// ```
    pub fn create(&self) -> CreateIamGroup<'a> {
        CreateIamGroup {
            client: self.client,
            body: NewIamGroup::default(),
        }
    }

    /// `DELETE /iam/groups/{id}`; a 404 is an error.
    pub async fn delete(&self, id: &IamGroupId) -> Result<()> {
        self.unit(DELETE.op().param("iam_group_id", id.as_str()))
            .await
    }

    /// [`delete`](Self::delete), `Ok(false)` when there was no such group.
    pub async fn delete_if_exists(&self, id: &IamGroupId) -> Result<bool> {
        false_if_missing(self.delete(id).await)
    }

    /// `PUT /iam/groups/{group}/roles/{role}` (no body): assigns the role.
    /// The answer's body is optional (`None` when empty).
    pub async fn assign_role(
        &self,
        group: &IamGroupId,
        role: &IamRoleId,
    ) -> Result<Option<IamGroupRole>> {
        self.client
            .pipeline
            .call(
                &ASSIGN_ROLE
                    .op()
                    .param("iam_group_id", group.as_str())
                    .param("iam_role_id", role.as_str()),
            )
            .await
    }

    /// `DELETE /iam/groups/{group}/roles/{role}`; a 404 is an error.
    pub async fn unassign_role(&self, group: &IamGroupId, role: &IamRoleId) -> Result<()> {
        self.unit(
            UNASSIGN_ROLE
                .op()
                .param("iam_group_id", group.as_str())
                .param("iam_role_id", role.as_str()),
        )
        .await
    }

    /// `GET /iam/groups/{group}/users`: the group with its users.
    pub async fn users(&self, group: &IamGroupId) -> Result<IamGroupUsers> {
        self.client
            .pipeline
            .call(&USERS.op().param("iam_group_id", group.as_str()))
            .await
    }

    /// `PUT /iam/groups/{group}/users/{user}` (no body): adds the user.
    /// The answer's body is optional (`None` when empty).
    pub async fn assign_user(
        &self,
        group: &IamGroupId,
        user: &UserId,
    ) -> Result<Option<IamGroupUser>> {
        self.client
            .pipeline
            .call(
                &ASSIGN_USER
                    .op()
                    .param("iam_group_id", group.as_str())
                    .param("user_id", user.as_str()),
            )
            .await
    }

    /// `DELETE /iam/groups/{group}/users/{user}`; a 404 is an error.
    pub async fn unassign_user(&self, group: &IamGroupId, user: &UserId) -> Result<()> {
        self.unit(
            UNASSIGN_USER
                .op()
                .param("iam_group_id", group.as_str())
                .param("user_id", user.as_str()),
        )
        .await
    }

    async fn unit(&self, op: tenantry_core::Operation) -> Result<()> {
        let _: IgnoredAny = self.client.pipeline.call(&op).await?;
        Ok(())
    }
}

/// Builder of `GET /iam/groups` (from [`IamGroupsHandler::list`]).
#[derive(Debug)]
#[must_use = "does nothing until `.send().await`"]
pub struct ListIamGroups<'a> {
    client: &'a EclSssClient,
    query: ContractQuery,
}

impl ListIamGroups<'_> {
    /// Another contract's groups (default: the caller's).
    pub fn contract_id(mut self, v: &ContractId) -> Self {
        self.query.contract_id = Some(v.clone());
        self
    }
    /// Sends it.
    pub async fn send(self) -> Result<Vec<IamGroup>> {
        let w: wire::IamGroups<IamGroup> = self
            .client
            .pipeline
            .call(&LIST.op().query_from(&self.query))
            .await?;
        Ok(w.items)
    }
}

#[derive(Debug, Default, Serialize)]
struct NewIamGroup {
    iam_group_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contract_id: Option<ContractId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

/// Builder of `POST /iam/groups` (from [`IamGroupsHandler::create`]).
#[derive(Debug)]
#[must_use = "does nothing until `.send().await`"]
pub struct CreateIamGroup<'a> {
    client: &'a EclSssClient,
    body: NewIamGroup,
}

impl CreateIamGroup<'_> {
    /// The name (required; letters, digits and `@ - . _`).
    pub fn iam_group_name(mut self, v: impl Into<String>) -> Self {
        self.body.iam_group_name = Some(v.into());
        self
    }
    /// The contract (default: the caller's).
    pub fn contract_id(mut self, v: &ContractId) -> Self {
        self.body.contract_id = Some(v.clone());
        self
    }
    /// A description (sent only when not empty).
    pub fn description(mut self, v: impl Into<String>) -> Self {
        self.body.description = Some(v.into()).filter(|d: &String| !d.is_empty());
        self
    }
    /// Sends it; a missing or bad name fails before anything is sent.
    pub async fn send(self) -> Result<IamGroup> {
        check_iam_name("iam_group_name", &self.body.iam_group_name)?;
        self.client
            .pipeline
            .call(&CREATE.op().json(&self.body))
            .await
    }
}
