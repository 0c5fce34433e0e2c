//! # tenantry-core
//!
//! The shared core of the tenantry SDKs:
//!
//! - [`transport`]: the [`HttpTransport`] trait and its reqwest (rustls)
//!   implementation, with pool, timeouts, a streaming body cap and TLS settings;
//! - [`auth`]: CAS SSO, Keystone v3, bearer (static or Keycloak) and
//!   static-header strategies;
//! - [`retry`]: attempts, backoff with full jitter, `Retry-After`, the
//!   rule that a request that may have reached the server is sent again only
//!   when it is idempotent, and a retry token bucket shared by clones;
//! - [`pipeline`]: the single request path: an operation declared once
//!   ([`Decl`]), then [`Pipeline::call`] does path, auth, send, retry,
//!   status → [`Error::Api`] through the service's [`ErrorParser`],
//!   decoding with the field path, scrubbing;
//! - [`error`]: one error type that keeps status, code, message, a redacted
//!   body excerpt, the request id and typed service detail;
//! - [`endpoint`]: a base discovered from a catalog, resolved once,
//!   single-flight, shared by clones;
//! - [`encode`]: query strings from serde builders, Python-style JSON;
//! - [`ids`]: `id_type!`, `int_id_type!` and `string_enum!`;
//! - [`Secret`] and [`redact`]: secrets never show in Debug, Display, logs
//!   or errors;
//! - [`page`]: paged and chunked listings as streams;
//! - [`multipart`]: streamed request bodies (a `multipart/form-data` form
//!   whose files are read while it is sent; never re-sent after a failure
//!   once bytes may have been sent, re-sent from its paths after a refused
//!   credential and a fresh login).
//!
//! ```no_run
//! use std::sync::Arc;
//! use tenantry_core::{auth::header::HeaderToken, Decl, Pipeline, RetryConfig, Secret};
//! const GET_QUOTAS: Decl = Decl::get("astakos.get_quotas", "/quotas");
//! # async fn run() -> tenantry_core::Result<()> {
//! let pipeline = Pipeline::builder("astakos")
//!     .base_url("https://accounts.example.com/account/v1.0")
//!     .auth(Arc::new(HeaderToken::x_auth_token(Secret::new("token"))?))
//!     .retry(RetryConfig::standard())
//!     .build()?;
//! let quotas: serde_json::Value = pipeline.call(&GET_QUOTAS.op()).await?;
//! # let _ = quotas; Ok(()) }
//! ```
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod auth;
pub mod encode;
pub mod endpoint;
pub mod error;
pub mod ids;
pub mod multipart;
pub mod page;
pub mod pipeline;
pub mod redact;
pub mod retry;
pub mod secret;
pub mod transport;

pub use error::{ApiError, AuthError, AuthErrorKind, Error, ErrorParser, ParsedError, Result};
pub use pipeline::{Decl, Operation, Pipeline};
pub use retry::{Idempotency, RetryConfig};
pub use secret::Secret;
pub use transport::{HttpTransport, ReqwestTransport, TransportConfig};

// Re-exported so service crates and users need no direct dependency.
pub use http;
pub use url;
