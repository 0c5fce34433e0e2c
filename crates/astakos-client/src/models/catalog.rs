//! Services (`get_services`) and resources (`get_resources`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A component descriptor from `{UI}/get_services`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[non_exhaustive]
pub struct Service {
    /// The component name (`cyclades`, `pithos`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The component URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Presentation metadata and unknown fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The description of one resource, from `{ACCOUNT}/resources`
/// (a map resource name → `Resource`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[non_exhaustive]
pub struct Resource {
    /// `unit` (`bytes`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// `description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `service`: the component the resource belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// `ui_visible` (real server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ui_visible: Option<bool>,
    /// `api_visible` (real server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_visible: Option<bool>,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
