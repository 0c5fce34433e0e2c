//! Typed answers and request bodies, one file per family. Every answer
//! struct is `#[non_exhaustive]`, every field the service does not
//! guarantee is an `Option`, and `extra` keeps every field this version
//! does not model (STYLE R6). Credentials in answers are [`Secret`]s: their
//! `Debug`, `Display` and `Serialize` forms are masked; read them with
//! [`Secret::expose`].

pub mod channels;
pub mod contracts;
pub mod iam;
pub mod keys;
pub mod tenants;
pub mod users;
pub(crate) mod wire;

pub use channels::{Channel, ChannelContract, ContractStatus};
pub use contracts::{Billing, ChargeStatus, Contract};
pub use iam::{IamGroup, IamGroupRole, IamGroupUser, IamGroupUsers, IamResource, IamRole, IamVerb};
pub use keys::ApiKey;
pub use tenants::{Role, Tenant};
pub use users::User;

use tenantry_core::Secret;

/// The rest of an object: the fields this version does not model.
pub type Extra = serde_json::Map<String, serde_json::Value>;

/// Serializes a credential of an answer masked (`"***"`), `null` when
/// absent: a model written out (CLI output, logs) never shows it.
pub(crate) fn masked<S: serde::Serializer>(v: &Option<Secret>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(_) => s.serialize_str("***"),
        None => s.serialize_none(),
    }
}

/// Serializes an optional credential of a request body in clear (it is
/// what the service needs); skipped when absent by the field's
/// `skip_serializing_if`.
pub(crate) fn expose_opt<S: serde::Serializer>(
    v: &Option<Secret>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(secret) => tenantry_core::secret::expose(secret, s),
        None => s.serialize_none(),
    }
}
