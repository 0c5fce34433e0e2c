//! Assets.

use super::Extra;
use crate::ids::AssetId;
use serde::{Deserialize, Serialize};

tenantry_core::string_enum!(
    /// An asset's scope (`ScopeEnum`, §5.2; the seed's `AssetScopeEnum`).
    AssetScope {
        /// `USER`.
        User => "USER",
        /// `PRODUCT`.
        Product => "PRODUCT",
        /// `UNIT`.
        Unit => "UNIT",
        /// `ORGANISATION`.
        Organisation => "ORGANISATION",
        /// `GLOBAL`.
        Global => "GLOBAL",
    }
);

/// An asset.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Asset {
    /// `asset-<uuid>`.
    pub id: Option<AssetId>,
    /// Its name (unique per scope).
    pub name: Option<String>,
    /// Its scope.
    pub scope: Option<AssetScope>,
    /// The id the scope refers to (a user name, `unit-…`, …).
    pub scope_id: Option<String>,
    /// Whether its content is secret (then the server hides it).
    pub secret: Option<bool>,
    /// Whether it is disabled.
    pub disabled: Option<bool>,
    /// Its description.
    pub description: Option<String>,
    /// Its content (absent when secret).
    pub content: Option<String>,
    /// Its creator's user name.
    pub creator_id: Option<String>,
    /// Creation time.
    pub created: Option<String>,
    /// Every other field (the merchants it is attached to, …).
    #[serde(flatten)]
    pub extra: Extra,
}
