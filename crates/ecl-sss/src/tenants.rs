//! Tenants: list, find, create, delete (`ecl-sss.md` §2.3).

use crate::client::{false_if_missing, EclSssClient};
use crate::ids::{ContractId, TenantId};
use crate::models::{wire, Tenant};
use crate::users::{duplicate, require};
use serde::de::IgnoredAny;
use serde::Serialize;
use tenantry_core::pipeline::Decl;
use tenantry_core::Result;

const LIST: Decl = Decl::get("ecl-sss.list_tenants", "/tenants");
const CREATE: Decl = Decl::post("ecl-sss.create_tenant", "/tenants");
const DELETE: Decl = Decl::delete("ecl-sss.delete_tenant", "/tenants/{tenant_id}");

/// Tenants of the contract. From [`EclSssClient::tenants`].
#[derive(Debug, Clone, Copy)]
pub struct TenantsHandler<'a> {
    pub(crate) client: &'a EclSssClient,
}

impl<'a> TenantsHandler<'a> {
    /// `GET /tenants`: every tenant of the contract. The v1 API takes no
    /// filter (the reference drops any it is given).
    pub async fn list(&self) -> Result<Vec<Tenant>> {
        let w: wire::Tenants<Tenant> = self.client.pipeline.call(&LIST.op()).await?;
        Ok(w.items)
    }

    /// The reference's `find_tenant`: `GET /tenants`, then the tenant whose
    /// `tenant_id` is `id` (not its name); `None` when there is none.
    pub async fn find(&self, id: &TenantId) -> Result<Option<Tenant>> {
        let mut found = self
            .list()
            .await?
            .into_iter()
            .filter(|t| t.tenant_id.as_ref() == Some(id));
        let first = found.next();
        if found.next().is_some() {
            return Err(duplicate(LIST.name, "tenant", id.as_str()));
        }
        Ok(first)
    }

    /// `POST /tenants` (super user only): a builder; `tenant_name`,
    /// `description` and `region` are required, `contract_id` optional
    /// (default: the caller's contract).
    ///
    /// ```no_run
    /// # async fn run() -> ecl_sss::Result<()> {
    /// # let client = ecl_sss::EclSssClient::from_env()?;
    /// let t = client
    ///     .tenants()
    ///     .create()
    ///     .tenant_name("jp1_tenant01")
    ///     .description("first tenant")
    ///     .region("jp1")
    ///     .send()
    ///     .await?;
    /// # let _ = t; Ok(()) }
    /// ```
    pub fn create(&self) -> CreateTenant<'a> {
        CreateTenant {
            client: self.client,
            body: NewTenant::default(),
        }
    }

    /// `DELETE /tenants/{id}` (super user only); a 404 is an error.
    pub async fn delete(&self, id: &TenantId) -> Result<()> {
        let _: IgnoredAny = self
            .client
            .pipeline
            .call(&DELETE.op().param("tenant_id", id.as_str()))
            .await?;
        Ok(())
    }

    /// [`delete`](Self::delete) as the reference's default
    /// (`ignore_missing=True`): `Ok(false)` when there was no such tenant.
    pub async fn delete_if_exists(&self, id: &TenantId) -> Result<bool> {
        false_if_missing(self.delete(id).await)
    }
}

#[derive(Debug, Default, Serialize)]
struct NewTenant {
    tenant_name: Option<String>,
    description: Option<String>,
    region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contract_id: Option<ContractId>,
}

/// Builder of `POST /tenants` (from [`TenantsHandler::create`]).
#[derive(Debug)]
#[must_use = "does nothing until `.send().await`"]
pub struct CreateTenant<'a> {
    client: &'a EclSssClient,
    body: NewTenant,
}

impl CreateTenant<'_> {
    /// The name (required).
    pub fn tenant_name(mut self, v: impl Into<String>) -> Self {
        self.body.tenant_name = Some(v.into());
        self
    }
    /// The description (required).
    pub fn description(mut self, v: impl Into<String>) -> Self {
        self.body.description = Some(v.into());
        self
    }
    /// The region, for example `jp1` (required).
    pub fn region(mut self, v: impl Into<String>) -> Self {
        self.body.region = Some(v.into());
        self
    }
    /// The contract (default: the caller's).
    pub fn contract_id(mut self, v: &ContractId) -> Self {
        self.body.contract_id = Some(v.clone());
        self
    }
    /// Sends it; a missing required field fails before anything is sent.
    pub async fn send(self) -> Result<Tenant> {
        require("tenant_name", &self.body.tenant_name)?;
        require("region", &self.body.region)?;
        // An empty description is allowed; a missing one is not.
        if self.body.description.is_none() {
            return Err(tenantry_core::Error::invalid_input(
                "description",
                "is required",
            ));
        }
        self.client
            .pipeline
            .call(&CREATE.op().json(&self.body))
            .await
    }
}
