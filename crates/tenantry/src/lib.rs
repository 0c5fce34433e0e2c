//! # tenantry
//!
//! Async Rust SDKs for four multi-tenant account and identity services,
//! re-exported behind one feature each (all on by default):
//!
//! | module | feature | service |
//! |---|---|---|
//! | [`etunexus`] | `etunexus` | Etu Nexus EMC v2 / ER v3 / EI v3 (CAS SSO) |
//! | [`ecl_sss`] | `ecl-sss` | NTT Enterprise Cloud 2.0 SSS v1 (Keystone v3) |
//! | [`astakos`] | `astakos-client` | Synnefo Astakos (`X-Auth-Token`) |
//! | [`squonk2_as`] | `squonk2-as` | Squonk2 Account Server (Keycloak bearer) |
//!
//! [`core`] is the shared transport, auth, retry and error layer.
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
#[cfg(feature = "ecl-sss")]
pub use ecl_sss;
#[cfg(feature = "etunexus")]
pub use etunexus;
#[cfg(feature = "squonk2-as")]
pub use squonk2_as;
