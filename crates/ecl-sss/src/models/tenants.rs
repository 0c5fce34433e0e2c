//! Tenants (`/tenants`, §3.2) and role assignments (`/roles`, §3.3).

use super::Extra;
use crate::ids::{ContractId, TenantId, UserId};
use serde::{Deserialize, Serialize};

/// A tenant (a Keystone project).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Tenant {
    /// The tenant id (32 hex).
    pub tenant_id: Option<TenantId>,
    /// Its name.
    pub tenant_name: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// Its region (`jp1`, …).
    pub region: Option<String>,
    /// Owning contract.
    pub contract_id: Option<ContractId>,
    /// `YYYY-MM-DD hh:mm:ss`.
    pub start_time: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A user's role on a tenant.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Role {
    /// The user.
    pub user_id: Option<UserId>,
    /// The tenant.
    pub tenant_id: Option<TenantId>,
    /// The tenant's name.
    pub tenant_name: Option<String>,
    /// The region id.
    pub region_id: Option<String>,
    /// The region name.
    pub region_name: Option<String>,
    /// The role (`_member_`).
    pub role_name: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}
