//! Identifier newtypes.
//!
//! Astakos user uuids and project ids are opaque strings to the client: the
//! server issues RFC 4122 uuids, but the reference client accepts any text
//! (its own documentation uses `b3de8eb0-3958-477e-als9-789af8dd352c`, which
//! is not hexadecimal), and a lookup of an unknown value is answered, not
//! refused. So [`Uuid`] and [`ProjectId`] only reject what would change the
//! meaning of a request: an empty value, whitespace or control characters,
//! a `,` (list filters are comma-joined), a `:` (holders are prefixed
//! `user:`/`project:`), or more than 255 bytes.
//!
//! Commission serials, membership ids and application ids are integers on
//! the wire.

use std::fmt;
use std::str::FromStr;

fn check_opaque(v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Err("must not be empty".into());
    }
    if v.len() > 255 {
        return Err("longer than 255 bytes".into());
    }
    if let Some(c) = v
        .chars()
        .find(|c| c.is_control() || c.is_whitespace() || *c == ',' || *c == ':')
    {
        return Err(format!("contains the character {c:?}"));
    }
    Ok(())
}

tenantry_core::id_type!(
    /// A user's uuid (`73917abc-abcd-477e-a1f1-1763abcdefab`).
    Uuid,
    check_opaque
);

tenantry_core::id_type!(
    /// A project id (a uuid on a real server; a user's personal project has
    /// the user's uuid).
    ProjectId,
    check_opaque
);

impl From<&Uuid> for ProjectId {
    /// The personal ("system") project of a user has the user's uuid.
    fn from(u: &Uuid) -> Self {
        ProjectId(u.as_str().to_owned())
    }
}

macro_rules! num_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl $name {
            /// The number.
            pub fn get(self) -> u64 {
                self.0
            }
        }

        impl From<u64> for $name {
            fn from(v: u64) -> Self {
                $name(v)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl FromStr for $name {
            type Err = tenantry_core::Error;
            fn from_str(s: &str) -> tenantry_core::Result<Self> {
                s.parse::<u64>().map($name).map_err(|e| {
                    tenantry_core::Error::invalid_input(stringify!($name), format!("`{s}` is not a non-negative integer: {e}"))
                })
            }
        }
    };
}

num_id!(
    /// A commission serial.
    Serial
);
num_id!(
    /// A project membership id.
    MembershipId
);
num_id!(
    /// A project application id.
    ApplicationId
);
