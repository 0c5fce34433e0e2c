//! Organisations, units and their members.

use super::Extra;
use crate::ids::{OrgId, UnitId};
use serde::{Deserialize, Serialize};

tenantry_core::string_enum!(
    /// Who sees the products of a unit or organisation by default
    /// (`DefaultProductPrivacyEnum`, §5.3).
    DefaultProductPrivacy {
        /// `ALWAYS_PRIVATE`.
        AlwaysPrivate => "ALWAYS_PRIVATE",
        /// `ALWAYS_PUBLIC`.
        AlwaysPublic => "ALWAYS_PUBLIC",
        /// `DEFAULT_PRIVATE`.
        DefaultPrivate => "DEFAULT_PRIVATE",
        /// `DEFAULT_PUBLIC`.
        DefaultPublic => "DEFAULT_PUBLIC",
    }
);

/// An organisation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Organisation {
    /// `org-<uuid>`.
    pub id: Option<OrgId>,
    /// Its (unique) name.
    pub name: Option<String>,
    /// Its owner's user name.
    pub owner_id: Option<String>,
    /// Default product privacy.
    pub default_product_privacy: Option<DefaultProductPrivacy>,
    /// Creation time.
    pub created: Option<String>,
    /// Whether the caller is a member.
    pub caller_is_member: Option<bool>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A unit of an organisation (or a personal unit).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Unit {
    /// `unit-<uuid>`.
    pub id: Option<UnitId>,
    /// Its name.
    pub name: Option<String>,
    /// Its owner's user name.
    pub owner_id: Option<String>,
    /// The day of the month its charges are billed (1–28).
    pub billing_day: Option<u32>,
    /// Default product privacy.
    pub default_product_privacy: Option<DefaultProductPrivacy>,
    /// Whether it is a personal unit.
    pub personal: Option<bool>,
    /// Creation time.
    pub created: Option<String>,
    /// Whether the caller is a member.
    pub caller_is_member: Option<bool>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Units grouped under their organisation (`GET /unit`,
/// `GET /organisation/{id}/unit`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrgUnits {
    /// The organisation.
    pub organisation: Option<Organisation>,
    /// Its units (the ones the caller may see).
    #[serde(default)]
    pub units: Vec<Unit>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A member of an organisation or unit: the server may list a user as a
/// bare name or as an object.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "MemberWire")]
#[non_exhaustive]
pub struct Member {
    /// The user name.
    pub username: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum MemberWire {
    Name(String),
    Full {
        username: Option<String>,
        #[serde(flatten)]
        extra: Extra,
    },
}

impl From<MemberWire> for Member {
    fn from(w: MemberWire) -> Self {
        match w {
            MemberWire::Name(n) => Member {
                username: Some(n),
                extra: Extra::new(),
            },
            MemberWire::Full { username, extra } => Member { username, extra },
        }
    }
}
