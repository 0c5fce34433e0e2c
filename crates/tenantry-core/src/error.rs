//! The error type shared by every tenantry crate.
//!
//! Where there was an answer, errors keep its HTTP status and an excerpt of
//! its body (at most 1 KiB, secrets redacted), so a failure can always be
//! diagnosed from the error alone.

use crate::transport::TransportError;

/// A `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a tenantry call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be sent, or the answer could not be read
    /// (connect failure, timeout, reset). See [`TransportError::reached_server`].
    #[error(transparent)]
    Transport(TransportError),

    /// The server answered with a status the operation does not accept.
    #[error("{operation}: HTTP {status}: {excerpt}")]
    Status {
        /// Operation name, for example `astakos.get_quotas`.
        operation: String,
        /// HTTP status code.
        status: u16,
        /// At most 1 KiB of the body, secrets redacted.
        excerpt: String,
    },

    /// The answer's body is not what the operation expects (HTML instead of
    /// JSON, truncated JSON, a field of the wrong type).
    #[error("{operation}: cannot decode the answer (HTTP {status}) at `{path}`: {message}; body: {excerpt}")]
    Decode {
        /// Operation name.
        operation: String,
        /// HTTP status code of the answer.
        status: u16,
        /// The serde path of the field that failed (`.` for the document).
        path: String,
        /// What serde said.
        message: String,
        /// At most 1 KiB of the body, secrets redacted.
        excerpt: String,
    },

    /// The answer's body was larger than the configured cap; reading stopped
    /// at the cap.
    #[error("answer body exceeds the limit of {limit} bytes (HTTP {status})")]
    BodyTooLarge {
        /// HTTP status code of the answer.
        status: u16,
        /// The configured cap in bytes.
        limit: u64,
    },

    /// Logging in, or keeping a login, failed.
    #[error(transparent)]
    Auth(#[from] AuthError),

    /// An argument was rejected before anything was sent.
    #[error("invalid input for `{field}`: {reason}")]
    InvalidInput {
        /// The argument or field name.
        field: String,
        /// Why it was rejected.
        reason: String,
    },

    /// The client was configured wrongly (bad URL, bad header value, TLS setup).
    #[error("configuration error: {0}")]
    Config(String),
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        match (e.kind(), e.status(), e.limit()) {
            (crate::transport::TransportErrorKind::BodyTooLarge, Some(status), Some(limit)) => {
                Error::BodyTooLarge { status, limit }
            }
            _ => Error::Transport(e),
        }
    }
}

impl Error {
    /// Shorthand for [`Error::InvalidInput`].
    pub fn invalid_input(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The HTTP status of the answer this error came from, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Status { status, .. }
            | Error::Decode { status, .. }
            | Error::BodyTooLarge { status, .. } => Some(*status),
            Error::Auth(a) => a.status,
            _ => None,
        }
    }

    /// The redacted body excerpt of the answer this error came from, if any.
    pub fn excerpt(&self) -> Option<&str> {
        match self {
            Error::Status { excerpt, .. } | Error::Decode { excerpt, .. } => Some(excerpt),
            Error::Auth(a) if !a.excerpt.is_empty() => Some(&a.excerpt),
            _ => None,
        }
    }

    /// True for a 404 answer.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// True for a 401 answer or a failed login.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401) || matches!(self, Error::Auth(_))
    }

    /// True for a transport timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport(t) if t.kind() == crate::transport::TransportErrorKind::Timeout)
    }
}

/// What kind of authentication failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// The auth server refused the credentials.
    InvalidCredentials,
    /// The auth server's answer lacked what the protocol promises (no
    /// `Location`, no `X-Subject-Token`, no `access_token`, …).
    BadAnswer,
    /// The service still refused the request after one fresh login.
    Rejected,
    /// No endpoint in the catalog matches the filter.
    EndpointNotFound,
    /// The auth server could not be reached or answered with an error.
    Unavailable,
}

/// An authentication failure. Keeps the status and a redacted excerpt.
#[derive(Debug, Clone, thiserror::Error)]
#[error("authentication failed ({kind:?}{}): {message}{}", .status.map(|s| format!(", HTTP {s}")).unwrap_or_default(), if .excerpt.is_empty() { String::new() } else { format!("; body: {}", .excerpt) })]
pub struct AuthError {
    /// The kind of failure.
    pub kind: AuthErrorKind,
    /// HTTP status of the answer, when there was one.
    pub status: Option<u16>,
    /// What went wrong, in words.
    pub message: String,
    /// At most 1 KiB of the answer, secrets redacted.
    pub excerpt: String,
}

impl AuthError {
    /// A new error without an answer.
    pub fn new(kind: AuthErrorKind, message: impl Into<String>) -> Self {
        AuthError {
            kind,
            status: None,
            message: message.into(),
            excerpt: String::new(),
        }
    }

    /// A new error from an answer.
    pub fn from_answer(
        kind: AuthErrorKind,
        message: impl Into<String>,
        status: u16,
        body: &[u8],
    ) -> Self {
        AuthError {
            kind,
            status: Some(status),
            message: message.into(),
            excerpt: crate::redact::excerpt(body),
        }
    }
}
