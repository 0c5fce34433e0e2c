//! Products, their types and the default storage cost.

use super::{Extra, Organisation, Unit};
use crate::ids::ProductId;
use serde::{Deserialize, Serialize};

/// A product with its unit, organisation and coins (list entries and
/// `GET /product/{id}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Product {
    /// The product itself.
    pub product: Option<ProductInfo>,
    /// Its unit.
    pub unit: Option<Unit>,
    /// Its unit's organisation.
    pub organisation: Option<Organisation>,
    /// Allowance, limit and use.
    pub coins: Option<Coins>,
    /// Storage figures (storage products).
    pub storage: Option<serde_json::Value>,
    /// Whether the product can be claimed.
    pub claimable: Option<bool>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The product part of a [`Product`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProductInfo {
    /// `product-<uuid>`.
    pub id: Option<ProductId>,
    /// Its name.
    pub name: Option<String>,
    /// Its type (free text, §5.4: `DATA_MANAGER_PROJECT_TIER_SUBSCRIPTION`, …).
    #[serde(rename = "type")]
    pub product_type: Option<String>,
    /// Its flavour (`BRONZE`, `SILVER`, `GOLD`, `EVALUATION`, …).
    pub flavour: Option<String>,
    /// Creation time.
    pub created: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A product's coins (numbers as the server sends them).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Coins {
    /// The allowance per billing period.
    pub allowance: Option<serde_json::Number>,
    /// The hard limit.
    pub limit: Option<serde_json::Number>,
    /// Used so far in this period.
    pub used: Option<serde_json::Number>,
    /// The billing day.
    pub billing_day: Option<u32>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A product type (`GET /product-type`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProductType {
    /// The type name.
    #[serde(rename = "type")]
    pub product_type: Option<String>,
    /// Its flavours, if it has any.
    pub flavours: Option<Vec<String>>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `GET /product-default-storage-cost`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StorageCost {
    /// The cost, as the server writes it.
    pub cost: Option<serde_json::Value>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}
