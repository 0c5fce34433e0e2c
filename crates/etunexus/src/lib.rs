//! Async client for Etu Nexus (EMC v2, ER v3, EI v3) with CAS single sign-on.
//!
//! This crate is being built: the operations land in the issue that covers
//! this service. Today it re-exports the shared core it is built on.
#![warn(missing_docs)]

pub use tenantry_core::{Error, Result, Secret};
