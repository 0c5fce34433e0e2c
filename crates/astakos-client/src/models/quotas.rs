//! Quotas: holder → source → resource → counters.

use crate::ids::{ProjectId, Uuid};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The counters of one holding. Values are integers; which ones are present
/// depends on the call (`get_quotas`: `limit`, `usage`, `pending` and, on a
/// real server, the `project_*` trio; `service_get_project_quotas`: only
/// the `project_*` trio).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[non_exhaustive]
pub struct QuotaCounters {
    /// `limit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// `usage` (maximum usage, pending included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<i64>,
    /// `pending`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<i64>,
    /// `project_limit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_limit: Option<i64>,
    /// `project_usage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_usage: Option<i64>,
    /// `project_pending`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_pending: Option<i64>,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A user's quotas: source project → resource → counters (`get_quotas`).
/// The fixture's sources are `system` and `project:1`; a real server uses
/// project uuids.
pub type Quotas = BTreeMap<ProjectId, BTreeMap<String, QuotaCounters>>;

/// `service_get_quotas`: user uuid → source project → resource → counters.
pub type ServiceQuotas = BTreeMap<Uuid, Quotas>;

/// `service_get_project_quotas`: project → resource → counters.
pub type ProjectQuotas = BTreeMap<ProjectId, BTreeMap<String, QuotaCounters>>;
