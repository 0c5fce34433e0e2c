//! Contracts (partner users, except `get`; `ecl-sss.md` §2.7).

use crate::client::{false_if_missing, none_if_missing, EclSssClient};
use crate::ids::{ChannelId, ContractId};
use crate::models::{expose_opt, wire, Contract};
use crate::users::require;
use serde::de::IgnoredAny;
use serde::Serialize;
use tenantry_core::pipeline::Decl;
use tenantry_core::{Result, Secret};

const CREATE: Decl = Decl::post("ecl-sss.create_contract", "/contracts");
const LIST: Decl = Decl::get("ecl-sss.list_contracts", "/contracts");
const GET: Decl = Decl::get("ecl-sss.get_contract", "/contracts/{contract_id}");
const DELETE: Decl = Decl::delete("ecl-sss.delete_contract", "/contracts/{contract_id}");

/// Contracts. From [`EclSssClient::contracts`].
#[derive(Debug, Clone, Copy)]
pub struct ContractsHandler<'a> {
    pub(crate) client: &'a EclSssClient,
}

impl<'a> ContractsHandler<'a> {
    /// `POST /contracts` (partner): a builder; `login_id`, `mail_address`
    /// and `channel_id` are required. Sends `mail_address` (the reference
    /// misspells it `mail_addresss`, §6.2.1). The answer carries the owner
    /// user's credentials.
    ///
    /// ```no_run
    /// # async fn run() -> ecl_sss::Result<()> {
    /// # let client = ecl_sss::EclSssClient::from_env()?;
    /// let c = client
    ///     .contracts()
    ///     .create()
    ///     .login_id("owner")
    ///     .mail_address("owner@example.com")
    ///     .channel_id(&"ch0001".parse()?)
    ///     .send()
    ///     .await?;
    /// # let _ = c; Ok(()) }
    /// ```
    pub fn create(&self) -> CreateContract<'a> {
        CreateContract {
            client: self.client,
            body: NewContract::default(),
        }
    }

    /// `GET /contracts?channel_id=…&include_deleted=…` (partner): a
    /// builder; both parameters are always sent (`include_deleted` default
    /// `false`).
    pub fn list(&self, channel: &ChannelId) -> ListContracts<'a> {
        ListContracts {
            client: self.client,
            query: ContractsQuery {
                channel_id: channel.clone(),
                include_deleted: false,
            },
        }
    }

    /// `GET /contracts/{id}`; a 404 is an error.
    pub async fn get(&self, id: &ContractId) -> Result<Contract> {
        self.client
            .pipeline
            .call(&GET.op().param("contract_id", id.as_str()))
            .await
    }

    /// [`get`](Self::get), with a 404 as `None`.
    pub async fn get_opt(&self, id: &ContractId) -> Result<Option<Contract>> {
        none_if_missing(self.get(id).await)
    }

    /// `DELETE /contracts/{id}` (partner); a 404 is an error.
    pub async fn delete(&self, id: &ContractId) -> Result<()> {
        let _: IgnoredAny = self
            .client
            .pipeline
            .call(&DELETE.op().param("contract_id", id.as_str()))
            .await?;
        Ok(())
    }

    /// [`delete`](Self::delete), `Ok(false)` when there was no such contract.
    pub async fn delete_if_exists(&self, id: &ContractId) -> Result<bool> {
        false_if_missing(self.delete(id).await)
    }
}

#[derive(Debug, Default, Serialize)]
struct NewContract {
    login_id: Option<String>,
    mail_address: Option<String>,
    channel_id: Option<ChannelId>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "expose_opt")]
    password: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_reference_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notify_password: Option<&'static str>,
}

/// Builder of `POST /contracts` (from [`ContractsHandler::create`]).
#[derive(Debug)]
#[must_use = "does nothing until `.send().await`"]
pub struct CreateContract<'a> {
    client: &'a EclSssClient,
    body: NewContract,
}

impl CreateContract<'_> {
    /// The owner's login id (required).
    pub fn login_id(mut self, v: impl Into<String>) -> Self {
        self.body.login_id = Some(v.into());
        self
    }
    /// The owner's e-mail (required).
    pub fn mail_address(mut self, v: impl Into<String>) -> Self {
        self.body.mail_address = Some(v.into());
        self
    }
    /// The channel the contract belongs to (required).
    pub fn channel_id(mut self, v: &ChannelId) -> Self {
        self.body.channel_id = Some(v.clone());
        self
    }
    /// The owner's password (default: the server makes one).
    pub fn password(mut self, v: Secret) -> Self {
        self.body.password = Some(v);
        self
    }
    /// The partner's own reference (default: the contract id).
    pub fn external_reference_id(mut self, v: impl Into<String>) -> Self {
        self.body.external_reference_id = Some(v.into());
        self
    }
    /// Mail the credentials (sent only when set: `"true"` or `"false"`).
    pub fn notify_password(mut self, v: bool) -> Self {
        self.body.notify_password = Some(if v { "true" } else { "false" });
        self
    }
    /// Sends it; a missing required field fails before anything is sent.
    pub async fn send(self) -> Result<Contract> {
        require("login_id", &self.body.login_id)?;
        require("mail_address", &self.body.mail_address)?;
        if self.body.channel_id.is_none() {
            return Err(tenantry_core::Error::invalid_input(
                "channel_id",
                "is required",
            ));
        }
        self.client
            .pipeline
            .call(&CREATE.op().json(&self.body))
            .await
    }
}

#[derive(Debug, Serialize)]
struct ContractsQuery {
    channel_id: ChannelId,
    include_deleted: bool,
}

/// Builder of `GET /contracts` (from [`ContractsHandler::list`]).
#[derive(Debug)]
#[must_use = "does nothing until `.send().await`"]
pub struct ListContracts<'a> {
    client: &'a EclSssClient,
    query: ContractsQuery,
}

impl ListContracts<'_> {
    /// Include deleted contracts.
    pub fn include_deleted(mut self, v: bool) -> Self {
        self.query.include_deleted = v;
        self
    }
    /// Sends it.
    pub async fn send(self) -> Result<Vec<Contract>> {
        let w: wire::Contracts<Contract> = self
            .client
            .pipeline
            .call(&LIST.op().query_from(&self.query))
            .await?;
        Ok(w.items)
    }
}
