//! API keys (`/keys/{user_id}`, §3.4).

use super::{masked, Extra};
use crate::ids::UserId;
use serde::{Deserialize, Serialize};
use tenantry_core::Secret;

/// A reissued API key and secret. The old pair stops working.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApiKey {
    /// The user.
    pub user_id: Option<UserId>,
    /// The new API key (Keystone user name).
    pub keystone_name: Option<String>,
    /// The new API secret, masked when written out.
    #[serde(default, serialize_with = "masked")]
    pub keystone_password: Option<Secret>,
    /// `Success`.
    pub status: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}
