//! The error type shared by every tenantry crate.
//!
//! Where there was an answer, errors keep its HTTP status and an excerpt of
//! its body (at most 1 KiB, secrets redacted), so a failure can always be
//! diagnosed from the error alone.

use crate::transport::TransportError;

/// A `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a tenantry call. `Clone`, so one
/// failure can reach every caller that waited on it (a shared discovery).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be sent, or the answer could not be read
    /// (connect failure, timeout, reset). See [`TransportError::reached_server`].
    #[error(transparent)]
    Transport(TransportError),

    /// The server answered with a status the operation does not accept
    /// (STYLE R13): status, the service's code and message (read by the
    /// service's [`ErrorParser`], or the raw text when its format does not
    /// parse), a redacted excerpt, the request id, and typed detail.
    #[error("{0}")]
    Api(Box<ApiError>),

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
            Error::Api(a) => Some(a.status),
            Error::Decode { status, .. } | Error::BodyTooLarge { status, .. } => Some(*status),
            Error::Auth(a) => a.status,
            _ => None,
        }
    }

    /// The redacted body excerpt of the answer this error came from, if any.
    pub fn excerpt(&self) -> Option<&str> {
        match self {
            Error::Api(a) => Some(&a.excerpt),
            Error::Decode { excerpt, .. } => Some(excerpt),
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

    /// True for a 409 answer.
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }

    /// The [`ApiError`], when the server answered with an error status.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(a) => Some(a),
            _ => None,
        }
    }

    /// True when the retry policy would send the request again for this
    /// failure if it were idempotent (a timeout, a broken connection, a
    /// request that never reached the server, 429, 502, 503, 504).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport(t) => crate::retry::classify(true, Err(t)).is_some(),
            Error::Api(a) => matches!(a.status, 429 | 502..=504),
            _ => false,
        }
    }

    /// True for a transport timeout.
    pub fn is_timeout(&self) -> bool {
        match self {
            Error::Transport(t) => t.kind() == crate::transport::TransportErrorKind::Timeout,
            _ => false,
        }
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

/// Service-specific data of an [`ApiError`] (Astakos's over-quota limit,
/// usage and request, say), reachable typed through [`ApiError::detail`].
/// Implemented for every `Debug + Send + Sync + 'static` type.
pub trait ErrorDetail: std::fmt::Debug + Send + Sync + 'static {
    /// `self` as `Any`, for downcasting.
    fn as_any(&self) -> &dyn std::any::Any;
}

impl<T: std::fmt::Debug + Send + Sync + 'static> ErrorDetail for T {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// What a service's [`ErrorParser`] reads from an error answer.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct ParsedError {
    /// The service's error code or name (`overLimit`, `itemNotFound`, …).
    pub code: Option<String>,
    /// The service's message.
    pub message: Option<String>,
    /// The request id, when the body carries one.
    pub request_id: Option<String>,
    /// Typed service-specific data.
    pub detail: Option<std::sync::Arc<dyn ErrorDetail>>,
}

impl ParsedError {
    /// A parsed error with this code and message.
    pub fn new(code: Option<String>, message: Option<String>) -> Self {
        ParsedError {
            code,
            message,
            ..Self::default()
        }
    }

    /// Attaches typed detail.
    pub fn with_detail(mut self, detail: impl ErrorDetail) -> Self {
        self.detail = Some(std::sync::Arc::new(detail));
        self
    }
}

/// A service's error-format parser, registered on the pipeline: given the
/// status, headers and body of an error answer, `Some` when the body is in
/// the service's format. `None` makes the pipeline fall back to the raw
/// text.
pub type ErrorParser =
    fn(status: u16, headers: &http::HeaderMap, body: &[u8]) -> Option<ParsedError>;

/// An error answer (see [`Error::Api`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The operation, for example `astakos.get_quotas`.
    pub operation: String,
    /// The HTTP status.
    pub status: u16,
    /// The service's error code, when its format gives one.
    pub code: Option<String>,
    /// The service's message; the raw text (scrubbed, at most 1 KiB) when
    /// the format does not parse; the status's reason phrase when the body
    /// is empty.
    pub message: String,
    /// At most 1 KiB of the body, secrets redacted.
    pub excerpt: String,
    /// The request id (`x-request-id`, `x-openstack-request-id`,
    /// `x-compute-request-id`, or from the body).
    pub request_id: Option<String>,
    detail: Option<std::sync::Arc<dyn ErrorDetail>>,
}

impl ApiError {
    /// A new error answer without a code, request id or detail.
    pub fn new(
        operation: impl Into<String>,
        status: u16,
        message: impl Into<String>,
        excerpt: impl Into<String>,
    ) -> Self {
        ApiError {
            operation: operation.into(),
            status,
            code: None,
            message: message.into(),
            excerpt: excerpt.into(),
            request_id: None,
            detail: None,
        }
    }

    /// Reads an error answer: the `parser`'s view of it when it parses, the
    /// raw text otherwise. `scrub` masks secrets in the message and excerpt.
    pub fn from_answer(
        operation: &str,
        status: u16,
        headers: &http::HeaderMap,
        body: &[u8],
        parser: Option<ErrorParser>,
        scrub: impl Fn(&str) -> String,
    ) -> Self {
        let excerpt = scrub(&crate::redact::excerpt(body));
        Self::from_answer_with_excerpt(operation, status, headers, body, parser, excerpt, scrub)
    }

    /// [`from_answer`](Self::from_answer) with the excerpt already made
    /// (by a request's [`Scrubber`](crate::redact::Scrubber), which masks
    /// the secrets it knows before cutting the body).
    pub fn from_answer_with_excerpt(
        operation: &str,
        status: u16,
        headers: &http::HeaderMap,
        body: &[u8],
        parser: Option<ErrorParser>,
        excerpt: String,
        scrub: impl Fn(&str) -> String,
    ) -> Self {
        let parsed = parser
            .and_then(|p| p(status, headers, body))
            .unwrap_or_default();
        let message = match parsed.message {
            Some(m) => scrub(&m),
            None if !excerpt.trim().is_empty() => excerpt.trim().to_owned(),
            None => http::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("")
                .to_owned(),
        };
        let request_id = parsed.request_id.or_else(|| {
            [
                "x-request-id",
                "x-openstack-request-id",
                "x-compute-request-id",
            ]
            .iter()
            .find_map(|h| headers.get(*h)?.to_str().ok().map(str::to_owned))
        });
        ApiError {
            operation: operation.to_owned(),
            status,
            code: parsed.code,
            message,
            excerpt,
            request_id,
            detail: parsed.detail,
        }
    }

    /// The service-specific detail, when it is a `T`.
    pub fn detail<T: 'static>(&self) -> Option<&T> {
        self.detail.as_deref()?.as_any().downcast_ref()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: HTTP {}", self.operation, self.status)?;
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        write!(f, ": {}", self.message)?;
        if !self.excerpt.is_empty() && self.excerpt.trim() != self.message {
            write!(f, "; body: {}", self.excerpt)?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Over {
        limit: i64,
    }

    fn parser(_: u16, _: &http::HeaderMap, body: &[u8]) -> Option<ParsedError> {
        let v: serde_json::Value = serde_json::from_slice(body).ok()?;
        let (code, inner) = v.as_object()?.iter().next()?;
        Some(
            ParsedError::new(
                Some(code.clone()),
                inner["message"].as_str().map(str::to_owned),
            )
            .with_detail(Over {
                limit: inner["limit"].as_i64()?,
            }),
        )
    }

    #[test]
    fn parsed_raw_and_empty_answers() {
        let mut h = http::HeaderMap::new();
        h.insert(
            "x-openstack-request-id",
            http::HeaderValue::from_static("req-1"),
        );
        let body = br#"{"overLimit": {"message": "too much for s3cret", "limit": 5}}"#;
        let e = ApiError::from_answer("svc.op", 413, &h, body, Some(parser), |t| {
            t.replace("s3cret", "***")
        });
        assert_eq!(e.code.as_deref(), Some("overLimit"));
        assert_eq!(e.message, "too much for ***");
        assert!(e.excerpt.contains("***") && !e.excerpt.contains("s3cret"));
        assert_eq!(e.request_id.as_deref(), Some("req-1"));
        assert_eq!(e.detail::<Over>(), Some(&Over { limit: 5 }));
        assert_eq!(e.detail::<String>(), None);
        let shown = Error::Api(Box::new(e)).to_string();
        assert!(
            shown.starts_with("svc.op: HTTP 413 (overLimit): too much for ***; body: "),
            "{shown}"
        );

        // Not the service's format: the raw text.
        let e = ApiError::from_answer(
            "svc.op",
            502,
            &http::HeaderMap::new(),
            b"<html>Bad gateway</html>\n",
            Some(parser),
            str::to_owned,
        );
        assert_eq!(
            (e.code, e.message.as_str()),
            (None, "<html>Bad gateway</html>")
        );
        assert_eq!(e.request_id, None);
        // No body: the reason phrase.
        let e = ApiError::from_answer(
            "svc.op",
            404,
            &http::HeaderMap::new(),
            b"",
            None,
            str::to_owned,
        );
        assert_eq!(e.message, "Not Found");
        let e = Error::Api(Box::new(e));
        assert!(e.is_not_found() && !e.is_retryable());
        assert_eq!(e.to_string(), "svc.op: HTTP 404: Not Found");
    }
}
