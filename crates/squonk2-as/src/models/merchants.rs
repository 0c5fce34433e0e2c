//! Merchants.

use super::Extra;
use crate::ids::MerchantId;
use serde::{Deserialize, Serialize};

/// A merchant (a service that charges products, a Data Manager say).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Merchant {
    /// Its id.
    pub id: Option<MerchantId>,
    /// Its name.
    pub name: Option<String>,
    /// Its kind (`DATA_MANAGER`, …).
    pub kind: Option<String>,
    /// Its API host.
    pub api_hostname: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}
