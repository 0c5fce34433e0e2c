//! Users (`/users`, `ecl-sss.md` §3.1).

use super::{masked, Extra};
use crate::ids::{ContractId, UserId};
use serde::{Deserialize, Serialize};
use tenantry_core::Secret;

/// A user. `GET /users/{id}` and create answer the credentials too.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct User {
    /// The user id (`ecid…`).
    pub user_id: Option<UserId>,
    /// Portal login id.
    pub login_id: Option<String>,
    /// E-mail address.
    pub mail_address: Option<String>,
    /// Whether this is the contract's super user.
    pub contract_owner: Option<bool>,
    /// Owning contract.
    pub contract_id: Option<ContractId>,
    /// The API key (the Keystone user name).
    pub keystone_name: Option<String>,
    /// The API secret (the Keystone password), masked when written out.
    #[serde(default, serialize_with = "masked")]
    pub keystone_password: Option<Secret>,
    /// The Keystone to use.
    pub keystone_endpoint: Option<String>,
    /// The recommended SSS root.
    pub sss_endpoint: Option<String>,
    /// The initial password (create answer), masked when written out.
    #[serde(default, serialize_with = "masked")]
    pub password: Option<Secret>,
    /// `icp` when tied to the NTT Com business portal, else empty.
    pub login_integration: Option<String>,
    /// The partner's reference.
    pub external_reference_id: Option<String>,
    /// `YYYY-MM-DD hh:mm:ss`.
    pub start_time: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}
