//! The service itself: `/version`, `/user/account`.

use super::Extra;
use serde::{Deserialize, Serialize};

/// `GET /version` (and `GET /event-stream/version`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Version {
    /// The server's version (semver text).
    pub version: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `GET /user/account`: the caller.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Account {
    /// The caller's user name.
    pub username: Option<String>,
    /// Whether the caller is an AS administrator.
    pub caller_has_admin_privilege: Option<bool>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}
