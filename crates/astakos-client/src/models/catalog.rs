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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn resources_round_trip() {
        let j = r#"{"cyclades.ram": {"unit": "bytes", "description": "Virtual machine memory",
                    "service": "cyclades", "allow_in_projects": true}}"#;
        let r: BTreeMap<String, Resource> = serde_json::from_str(j).unwrap();
        let ram = &r["cyclades.ram"];
        assert_eq!(ram.unit.as_deref(), Some("bytes"));
        assert_eq!(ram.extra["allow_in_projects"], true);
        let back: BTreeMap<String, Resource> =
            serde_json::from_value(serde_json::to_value(&r).unwrap()).unwrap();
        assert_eq!(back, r);
        let s: Vec<Service> =
            serde_json::from_str(r#"[{"name": "cyclades", "url": "/ui", "icon": "x.png"}]"#)
                .unwrap();
        assert_eq!(s[0].extra["icon"], "x.png");
    }
}
