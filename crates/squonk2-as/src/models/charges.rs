//! Charges and actions.

use super::Extra;
use serde::{Deserialize, Serialize};

/// The charges of a period (`GET /charges…`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Charges {
    /// First day of the period (inclusive).
    pub from: Option<String>,
    /// Last day of the period (exclusive).
    pub until: Option<String>,
    /// The currency (`COIN`).
    pub currency: Option<String>,
    /// The charges.
    #[serde(default)]
    pub items: Vec<Charge>,
    /// Every other field (totals, …).
    #[serde(flatten)]
    pub extra: Extra,
}

/// One charge record.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Charge {
    /// When it was charged.
    pub date: Option<String>,
    /// How many coins.
    pub coins: Option<serde_json::Number>,
    /// Every other field (product, merchant, …).
    #[serde(flatten)]
    pub extra: Extra,
}

/// One entry of the action log (`GET /action`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Action {
    /// When it happened.
    pub timestamp: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}
