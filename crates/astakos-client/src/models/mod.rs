//! Typed answers and request bodies.
//!
//! Every answer struct is `#[non_exhaustive]`, uses `Option` for what the
//! server does not guarantee, and keeps unknown fields in `extra`. Every
//! enum of server values ends in `Unknown(String)`, which keeps the raw
//! value.

pub mod catalog;
pub mod commissions;
pub mod identity;
pub mod projects;
pub mod quotas;

pub use catalog::{Resource, Service};
pub use commissions::{
    CommissionAction, CommissionInfo, CommissionRequest, FailedCommission, Fault, OverLimit,
    OverLimitData, Provision, ResolveResult,
};
pub use identity::{
    Access, AuthInfo, Endpoint, OAuth2Token, Role, ServiceEntry, TokenInfo, UserInfo,
};
pub use projects::{
    Application, ApplicationAction, ApplicationState, MemberPolicy, Membership, MembershipAction,
    MembershipRef, MembershipState, NewProject, Project, ProjectAction, ProjectApplicationRef,
    ProjectMode, ProjectState, ResourceCapacity,
};
pub use quotas::{ProjectQuotas, QuotaCounters, Quotas, ServiceQuotas};

// The open-enum macro lives in core, next to `id_type!`.
pub(crate) use tenantry_core::string_enum;

/// Accepts a JSON string or number as text (role ids are numbers in the
/// reference's fixtures and strings on a real server).
pub(crate) mod string_or_number {
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Option::<Value>::deserialize(d)? {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(other) => Some(other.to_string()),
        })
    }
}

/// `Option<Secret>` is serialized exposed (only used for answer models that
/// callers may want to store).
pub(crate) mod opt_secret {
    use serde::Serializer;
    use tenantry_core::Secret;

    pub fn serialize<S: Serializer>(v: &Option<Secret>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(secret) => s.serialize_str(secret.expose()),
            None => s.serialize_none(),
        }
    }
}
