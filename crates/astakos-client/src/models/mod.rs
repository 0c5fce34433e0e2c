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

/// Defines an open enum of server strings: `as_str`, `Display`, `FromStr`,
/// `From<&str>`, serde through the string, and `Unknown(String)`.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this version does not know, kept as sent.
            Unknown(String),
        }

        impl $name {
            /// Every known value.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The wire form.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Unknown(s) => s.as_str(),
                }
            }

            /// True for [`Unknown`](Self::Unknown).
            pub fn is_unknown(&self) -> bool {
                matches!(self, $name::Unknown(_))
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($text => $name::$variant,)+
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok($name::from(s))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok($name::from(s.as_str()))
            }
        }
    };
}
pub(crate) use string_enum;

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
