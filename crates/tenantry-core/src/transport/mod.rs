//! The HTTP transport: sends one request, returns one answer.
//!
//! The transport knows nothing of auth or retry; [`crate::pipeline`] wraps it
//! with both. Tests swap it for anything that implements [`HttpTransport`].

pub mod mock;
mod reqwest_impl;

pub use reqwest_impl::{ReqwestTransport, TransportConfig};

use bytes::Bytes;
use std::fmt;

/// A request as the transport sends it.
pub type HttpRequest = http::Request<Bytes>;
/// An answer as the transport returns it (body read whole, within the cap).
pub type HttpResponse = http::Response<Bytes>;

/// A request extension marking a request whose URL may carry a credential
/// (a CAS ticket in the path or query, for one): a transport must not keep
/// or log its URL beyond the request. The auth strategies set it on every
/// request they send to an auth server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SensitiveUrl;

/// Sends one HTTP request. Object-safe: used as `Arc<dyn HttpTransport>`.
///
/// ```
/// use tenantry_core::transport::{HttpRequest, HttpResponse, HttpTransport, TransportError};
/// #[derive(Debug)]
/// struct Canned;
/// #[async_trait::async_trait]
/// impl HttpTransport for Canned {
///     async fn send(&self, _req: HttpRequest) -> Result<HttpResponse, TransportError> {
///         Ok(http::Response::new(bytes::Bytes::from_static(b"{}")))
///     }
/// }
/// let t: std::sync::Arc<dyn HttpTransport> = std::sync::Arc::new(Canned);
/// # let _ = t;
/// ```
#[async_trait::async_trait]
pub trait HttpTransport: Send + Sync + fmt::Debug {
    /// Sends the request and reads the answer.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;
}

/// Whether a failed request may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reached {
    /// Surely not (DNS failure, connection refused, TLS handshake): safe to
    /// send again whatever the method.
    Never,
    /// Perhaps: the server may have acted on it.
    Maybe,
}

/// The kind of transport failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// Could not connect.
    Connect,
    /// No (complete) answer within the timeout.
    Timeout,
    /// The connection broke while sending or reading.
    Io,
    /// TLS failed.
    Tls,
    /// The body was larger than the cap.
    BodyTooLarge,
    /// Anything else (a request that could not be built, …).
    Other,
}

/// A failure to send a request or read its answer.
#[derive(Debug, Clone, thiserror::Error)]
#[error("transport error ({kind:?}, reached server: {reached:?}): {message}")]
pub struct TransportError {
    kind: TransportErrorKind,
    reached: Reached,
    message: String,
    status: Option<u16>,
    limit: Option<u64>,
}

impl TransportError {
    /// A new error.
    pub fn new(kind: TransportErrorKind, reached: Reached, message: impl Into<String>) -> Self {
        TransportError {
            kind,
            reached,
            message: message.into(),
            status: None,
            limit: None,
        }
    }

    /// The answer had `status` but its body passed `limit` bytes.
    pub fn body_too_large(status: u16, limit: u64) -> Self {
        TransportError {
            kind: TransportErrorKind::BodyTooLarge,
            reached: Reached::Maybe,
            message: format!("body larger than {limit} bytes"),
            status: Some(status),
            limit: Some(limit),
        }
    }

    /// The kind of failure.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Whether the request may have reached the server.
    pub fn reached_server(&self) -> Reached {
        self.reached
    }

    /// The answer's status, when the failure came after the headers.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The body cap, for [`TransportErrorKind::BodyTooLarge`].
    pub fn limit(&self) -> Option<u64> {
        self.limit
    }
}
