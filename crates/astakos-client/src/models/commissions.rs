//! Commissions: provisions, requests, info, batch resolution, `overLimit`.

use crate::ids::Serial;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

super::string_enum!(
    /// The action on one pending commission.
    CommissionAction {
        /// Finalise the commission.
        Accept => "accept",
        /// Undo the commission.
        Reject => "reject",
    }
);

/// One provision: a quantity moved on the holding `(holder, source,
/// resource)`. Holders are `user:<uuid>` or `project:<id>`; the source of a
/// user holding is `project:<id>`, of a project holding `null`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct Provision {
    /// `holder`.
    pub holder: String,
    /// `source` (`null` for project holdings).
    pub source: Option<String>,
    /// `resource`, for example `cyclades.vm`.
    pub resource: String,
    /// `quantity`: positive allocates, negative releases.
    pub quantity: i64,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Provision {
    /// A provision, taken verbatim (no prefixing).
    pub fn new(
        holder: impl Into<String>,
        source: Option<String>,
        resource: impl Into<String>,
        quantity: i64,
    ) -> Self {
        Provision {
            holder: holder.into(),
            source,
            resource: resource.into(),
            quantity,
            extra: Map::new(),
        }
    }
}

/// The body of `POST commissions`. The client always sends all four keys.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CommissionRequest {
    /// Skip the limit check for positive quantities.
    pub force: bool,
    /// Accept the commission in the same transaction.
    pub auto_accept: bool,
    /// Free text.
    pub name: String,
    /// The provisions, in order.
    pub provisions: Vec<Provision>,
}

impl CommissionRequest {
    /// A request with these provisions, `force` and `auto_accept` false and
    /// an empty name.
    pub fn new(provisions: Vec<Provision>) -> Self {
        CommissionRequest {
            provisions,
            ..Default::default()
        }
    }
    /// Sets `name`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }
    /// Sets `force`.
    pub fn force(mut self, yes: bool) -> Self {
        self.force = yes;
        self
    }
    /// Sets `auto_accept`.
    pub fn auto_accept(mut self, yes: bool) -> Self {
        self.auto_accept = yes;
        self
    }
}

/// The answer of `GET commissions/{serial}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct CommissionInfo {
    /// `serial`.
    pub serial: Serial,
    /// `issue_time` (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_time: Option<String>,
    /// `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `provisions`.
    #[serde(default)]
    pub provisions: Vec<Provision>,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The answer of `POST commissions/action` (batch resolution).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[non_exhaustive]
pub struct ResolveResult {
    /// `accepted`.
    #[serde(default)]
    pub accepted: Vec<Serial>,
    /// `rejected`.
    #[serde(default)]
    pub rejected: Vec<Serial>,
    /// `failed`: `[serial, {"<faultName>": {"message", "code"}}]` pairs.
    #[serde(default)]
    pub failed: Vec<FailedCommission>,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One failed serial of a batch resolution (a JSON pair on the wire).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FailedCommission(pub Serial, pub BTreeMap<String, Fault>);

impl FailedCommission {
    /// The serial.
    pub fn serial(&self) -> Serial {
        self.0
    }
    /// The fault name (`badRequest`, `itemNotFound`, …) and its body.
    pub fn fault(&self) -> Option<(&str, &Fault)> {
        self.1.iter().next().map(|(k, v)| (k.as_str(), v))
    }
}

/// A fault object `{"message", "code", "details"?}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[non_exhaustive]
pub struct Fault {
    /// `message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `code` (the HTTP status the fault stands for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    /// `details`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `overLimit` object of a 413 answer to a commission issue.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct OverLimit {
    /// `message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `code` (413).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    /// `data`: the offending provision and its holding's counters.
    pub data: OverLimitData,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `overLimit.data`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct OverLimitData {
    /// The provision that failed.
    pub provision: Provision,
    /// `NoCapacityError` (allocation) or `NoQuantityError` (release).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The holding's limit.
    pub limit: i64,
    /// The holding's usage.
    pub usage: i64,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The message of the reference's `QuotaLimit` exception.
pub const QUOTA_LIMIT_MESSAGE: &str = "Resource Limit Exceeded for your account.";

impl OverLimit {
    /// The details of the reference's `QuotaLimit` exception: `Limit for
    /// resource '<name>' exceeded for your account. Available: <limit −
    /// usage>, Requested: <quantity>` (the name as
    /// [`resource_display_name`] renders it).
    pub fn details(&self) -> String {
        let d = &self.data;
        format!(
            "Limit for resource '{}' exceeded for your account. Available: {}, Requested: {}",
            resource_display_name(&d.provision.resource),
            i128::from(d.limit) - i128::from(d.usage),
            d.provision.quantity
        )
    }
}

impl OverLimitData {
    /// `limit − usage` (saturating).
    pub fn available(&self) -> i64 {
        self.limit.saturating_sub(self.usage)
    }
}

/// The human name of a resource as the reference renders it in quota-limit
/// messages; unknown names are returned unchanged.
pub fn resource_display_name(resource: &str) -> &str {
    match resource {
        "cyclades.disk" => "Disk",
        "cyclades.vm" => "Virtual Machine",
        "cyclades.cpu" => "CPU",
        "cyclades.ram" => "RAM",
        "cyclades.floating_ip" => "Floating IP address",
        "cyclades.network.private" => "Private Network",
        "pithos.diskspace" => "Storage space",
        "astakos.pending_app" => "Pending Applications",
        other => other,
    }
}
