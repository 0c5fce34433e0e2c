//! Identity answers: `authenticate`, the service catalog, token validation,
//! OAuth2 tokens.

use crate::ids::{ProjectId, Uuid};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tenantry_core::Secret;

/// The answer of `POST tokens` (authenticate and discovery) and of token
/// validation: `{"access": {...}}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct AuthInfo {
    /// The `access` object.
    pub access: Access,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `access`: the catalog, and with a user token the token and user info.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[non_exhaustive]
pub struct Access {
    /// `serviceCatalog` (absent in token validation answers).
    #[serde(
        rename = "serviceCatalog",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub service_catalog: Option<Vec<ServiceEntry>>,
    /// `token` (absent in public-mode discovery).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<TokenInfo>,
    /// `user` (absent in public-mode discovery).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserInfo>,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One service of the catalog.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[non_exhaustive]
pub struct ServiceEntry {
    /// `name`, for example `astakos_account`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `type`, for example `account`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub service_type: Option<String>,
    /// `endpoints`.
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
    /// `endpoints_links`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints_links: Option<Vec<Value>>,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One endpoint of a catalog entry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[non_exhaustive]
pub struct Endpoint {
    /// `publicURL`.
    #[serde(rename = "publicURL", default, skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// `versionId` (`v1.0`; `""` for `astakos_oauth2` on a real server).
    #[serde(rename = "versionId", default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// `region` (always `default` on a real server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// `SNF:uiURL`.
    #[serde(rename = "SNF:uiURL", default, skip_serializing_if = "Option::is_none")]
    pub ui_url: Option<String>,
    /// Unknown fields (`SNF:webloginURL`, …), kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `access.token`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct TokenInfo {
    /// The token itself (a secret: `Debug` prints `***`).
    #[serde(default, serialize_with = "super::opt_secret::serialize")]
    pub id: Option<Secret>,
    /// `expires` (ISO 8601), on a real server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// `tenant` (`{id, name}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<Tenant>,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `access.token.tenant`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct Tenant {
    /// The user's uuid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// The display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `access.user`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct UserInfo {
    /// The user's uuid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// The display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `roles`.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// `roles_links`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles_links: Option<Vec<Value>>,
    /// `projects`: the projects with an accepted membership (real server,
    /// authenticate only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projects: Option<Vec<ProjectId>>,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A role of the user.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct Role {
    /// The role id, as text (a number in the reference's fixtures, a string
    /// on a real server).
    #[serde(
        default,
        deserialize_with = "super::string_or_number::deserialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    /// The role name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The answer of the OAuth2 token endpoint.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct OAuth2Token {
    /// `access_token` (a secret).
    #[serde(default, serialize_with = "super::opt_secret::serialize")]
    pub access_token: Option<Secret>,
    /// `token_type` (`Bearer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// `expires_in`, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
