//! # tenantry
//!
//! Async Rust SDKs for multi-tenant account and identity services,
//! re-exported behind one feature each (all on by default):
//!
//! | module | feature | service |
//! |---|---|---|
//! | [`astakos`] | `astakos-client` | Synnefo Astakos (`X-Auth-Token`) |
//! | [`ecl`] | `ecl` | NTT Enterprise Cloud 2.0 SSS v1 (Keystone v3) |
//! | [`squonk2`] | `squonk2` | Squonk2 Account Server (Keycloak bearer) |
//! | [`etunexus`] | `etunexus` | Etu Nexus: EMC v2, ER v3, EI v3 (CAS SSO) |
//!
//! [`core`] is the shared transport, auth,
//! retry and error layer; its auth strategies already cover all four.
//!
//! ```
//! let secret = tenantry::core::Secret::new("pw");
//! assert_eq!(secret.to_string(), "***");
//! ```
#![warn(missing_docs)]

pub use tenantry_core as core;
pub use tenantry_core::{Error, Result, Secret};

#[cfg(feature = "astakos-client")]
pub use astakos_client as astakos;

#[cfg(feature = "ecl")]
pub use ecl_sss as ecl;

#[cfg(feature = "squonk2")]
pub use squonk2_as as squonk2;

#[cfg(feature = "etunexus")]
pub use etunexus;
