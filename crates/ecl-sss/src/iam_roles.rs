//! IAM roles (`ecl-sss.md` §2.9; the reference cannot reach them at all).

use crate::client::{false_if_missing, none_if_missing, EclSssClient};
use crate::iam_groups::{check_iam_name, ContractQuery};
use crate::ids::{ContractId, IamRoleId};
use crate::models::{wire, IamResource, IamRole};
use serde::de::IgnoredAny;
use serde::Serialize;
use tenantry_core::pipeline::Decl;
use tenantry_core::Result;

const LIST: Decl = Decl::get("ecl-sss.iam_roles", "/iam/roles");
const GET: Decl = Decl::get("ecl-sss.get_iam_role", "/iam/roles/{iam_role_id}");
const CREATE: Decl = Decl::post("ecl-sss.create_iam_role", "/iam/roles");
const DELETE: Decl = Decl::delete("ecl-sss.delete_iam_role", "/iam/roles/{iam_role_id}");

/// IAM roles. From [`EclSssClient::iam_roles`].
#[derive(Debug, Clone, Copy)]
pub struct IamRolesHandler<'a> {
    pub(crate) client: &'a EclSssClient,
}

impl<'a> IamRolesHandler<'a> {
    /// `GET /iam/roles[?contract_id=…]`: a builder.
    pub fn list(&self) -> ListIamRoles<'a> {
        ListIamRoles {
            client: self.client,
            query: ContractQuery::default(),
        }
    }

    /// `GET /iam/roles/{id}`; a 404 is an error.
    pub async fn get(&self, id: &IamRoleId) -> Result<IamRole> {
        self.client
            .pipeline
            .call(&GET.op().param("iam_role_id", id.as_str()))
            .await
    }

    /// [`get`](Self::get), with a 404 as `None`.
    pub async fn get_opt(&self, id: &IamRoleId) -> Result<Option<IamRole>> {
        none_if_missing(self.get(id).await)
    }

    /// `POST /iam/roles` (super user only): a builder; `iam_role_name` is
    /// required, `resources` is always sent (`[]` when none was added).
    ///
    /// ```no_run
    /// # async fn run() -> ecl_sss::Result<()> {
    /// # let client = ecl_sss::EclSssClient::from_env()?;
    /// use ecl_sss::models::{IamResource, IamVerb};
    /// let role = client
    ///     .iam_roles()
    ///     .create()
    ///     .iam_role_name("sss_get_role")
    ///     .resource(IamResource::new("/ecl-sss", "*", "*", IamVerb::Get))
    ///     .send()
    ///     .await?;
    /// # let _ = role; Ok(()) }
    /// ```
    pub fn create(&self) -> CreateIamRole<'a> {
        CreateIamRole {
            client: self.client,
            body: NewIamRole::default(),
        }
    }

    /// `DELETE /iam/roles/{id}`; a 404 is an error.
    pub async fn delete(&self, id: &IamRoleId) -> Result<()> {
        let _: IgnoredAny = self
            .client
            .pipeline
            .call(&DELETE.op().param("iam_role_id", id.as_str()))
            .await?;
        Ok(())
    }

    /// [`delete`](Self::delete), `Ok(false)` when there was no such role.
    pub async fn delete_if_exists(&self, id: &IamRoleId) -> Result<bool> {
        false_if_missing(self.delete(id).await)
    }
}

/// Builder of `GET /iam/roles` (from [`IamRolesHandler::list`]).
#[derive(Debug)]
#[must_use = "does nothing until `.send().await`"]
pub struct ListIamRoles<'a> {
    client: &'a EclSssClient,
    query: ContractQuery,
}

impl ListIamRoles<'_> {
    /// Another contract's roles (default: the caller's).
    pub fn contract_id(mut self, v: &ContractId) -> Self {
        self.query.contract_id = Some(v.clone());
        self
    }
    /// Sends it.
    pub async fn send(self) -> Result<Vec<IamRole>> {
        let w: wire::IamRoles<IamRole> = self
            .client
            .pipeline
            .call(&LIST.op().query_from(&self.query))
            .await?;
        Ok(w.items)
    }
}

#[derive(Debug, Default, Serialize)]
struct NewIamRole {
    #[serde(skip_serializing_if = "Option::is_none")]
    contract_id: Option<ContractId>,
    iam_role_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    resources: Vec<IamResource>,
}

/// Builder of `POST /iam/roles` (from [`IamRolesHandler::create`]).
#[derive(Debug)]
#[must_use = "does nothing until `.send().await`"]
pub struct CreateIamRole<'a> {
    client: &'a EclSssClient,
    body: NewIamRole,
}

impl CreateIamRole<'_> {
    /// The name (required; letters, digits and `@ - . _`).
    pub fn iam_role_name(mut self, v: impl Into<String>) -> Self {
        self.body.iam_role_name = Some(v.into());
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
    /// Adds a whitelist rule.
    pub fn resource(mut self, r: IamResource) -> Self {
        self.body.resources.push(r);
        self
    }
    /// Sends it; a missing or bad name fails before anything is sent.
    pub async fn send(self) -> Result<IamRole> {
        check_iam_name("iam_role_name", &self.body.iam_role_name)?;
        self.client
            .pipeline
            .call(&CREATE.op().json(&self.body))
            .await
    }
}
