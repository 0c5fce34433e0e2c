//! Channels (`/channels`, §3.5).

use super::Extra;
use crate::ids::{ChannelId, ContractId};
use serde::{Deserialize, Serialize};

tenantry_core::string_enum!(
    /// A contract's status.
    ContractStatus {
        /// `enable`.
        Enable => "enable",
        /// `deleted`.
        Deleted => "deleted",
    }
);

/// A channel: a group of contracts a partner manages.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Channel {
    /// The channel id.
    pub channel_id: Option<ChannelId>,
    /// Its name.
    pub channel_name: Option<String>,
    /// The language of the mails ECL sends (`en`, `ja`).
    pub language: Option<String>,
    /// Whether this is the partner's own management channel.
    pub management_channel: Option<bool>,
    /// The partner channel this end-user channel belongs to.
    pub parent_channel_id: Option<ChannelId>,
    /// The contracts, when asked for.
    pub contracts: Option<Vec<ChannelContract>>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A contract as a channel lists it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChannelContract {
    /// The contract.
    pub contract_id: Option<ContractId>,
    /// `enable` or `deleted`.
    pub status: Option<ContractStatus>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}
