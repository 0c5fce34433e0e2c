//! Contracts and billing (`/contracts`, §3.6).

use super::{masked, ContractStatus, Extra};
use crate::ids::{ChannelId, ContractId, UserId};
use serde::{Deserialize, Serialize};
use tenantry_core::Secret;

tenantry_core::string_enum!(
    /// Whether a month's charge is final.
    ChargeStatus {
        /// `estimated`.
        Estimated => "estimated",
        /// `fixed`.
        Fixed => "fixed",
    }
);

/// A contract. Create answers the owner user's credentials too.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Contract {
    /// The contract id (`econ…`).
    pub contract_id: Option<ContractId>,
    /// `enable` or `deleted`.
    pub status: Option<ContractStatus>,
    /// The customer number.
    pub customer_number: Option<String>,
    /// The customer name.
    pub customer_name: Option<String>,
    /// The channel's name.
    pub channel_name: Option<String>,
    /// The channel.
    pub channel_id: Option<ChannelId>,
    /// Whether the channel is a management channel.
    pub management_channel: Option<bool>,
    /// The owner user.
    pub contract_owner_user_id: Option<UserId>,
    /// `YYYY-MM-DD hh:mm:ss`.
    pub start_time: Option<String>,
    /// `YYYY-MM-DD hh:mm:ss`, or empty.
    pub end_time: Option<String>,
    /// Login type (internal).
    pub login_integration: Option<String>,
    /// The owner's login id (create).
    pub login_id: Option<String>,
    /// The owner's e-mail (create).
    pub mail_address: Option<String>,
    /// The owner user (create).
    pub user_id: Option<UserId>,
    /// The owner's API key (create).
    pub keystone_name: Option<String>,
    /// The owner's API secret (create), masked when written out.
    #[serde(default, serialize_with = "masked")]
    pub keystone_password: Option<Secret>,
    /// The owner's initial password (create), masked when written out.
    #[serde(default, serialize_with = "masked")]
    pub password: Option<Secret>,
    /// The Keystone to use.
    pub keystone_endpoint: Option<String>,
    /// The SSS root.
    pub sss_endpoint: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A contract's charges for one month.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Billing {
    /// The contract billed (the target contract, for a partner's request).
    pub contract_id: Option<ContractId>,
    /// The contract that asked (partner requests only).
    pub owner_contract_id: Option<ContractId>,
    /// The customer number.
    pub customer_number: Option<String>,
    /// `estimated` or `fixed`.
    pub charge_status: Option<ChargeStatus>,
    /// Start of the billing period.
    pub cycle_start_time: Option<String>,
    /// End of the billing period.
    pub cycle_end_time: Option<String>,
    /// The billing detail, as the service sends it.
    pub charge_data: Option<serde_json::Value>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}
