//! The errors of this crate, after the taxonomy of `astakosclient.errors`.
//!
//! | Reference exception | Variant |
//! |---|---|
//! | `BadRequest` (400) | [`AstakosError::BadRequest`] |
//! | `Unauthorized` (401) | [`AstakosError::Unauthorized`] |
//! | `Forbidden` (403) | [`AstakosError::Forbidden`] |
//! | `NotFound` (404) | [`AstakosError::NotFound`] |
//! | `QuotaLimit` (413 on commission issue) | [`AstakosError::QuotaLimit`] |
//! | `AstakosClientException` (any other non-2xx) | [`AstakosError::Status`] |
//! | `InvalidResponse` | [`AstakosError::InvalidResponse`] |
//! | `BadValue` | [`AstakosError::BadValue`] |
//! | `NoUserName` / `NoUUID` / `NoEndpoints` | [`AstakosError::NoUserName`] / [`AstakosError::NoUuid`] / [`AstakosError::NoEndpoints`] |
//! | `ConnectionError` | [`AstakosError::Core`] (a [`tenantry_core::Error::Transport`]) |

use crate::models::commissions::OverLimit;

/// A `Result` with [`AstakosError`].
pub type Result<T, E = AstakosError> = std::result::Result<T, E>;

/// An answer with a status the operation does not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusError {
    /// The operation, for example `astakos.get_quotas`.
    pub operation: String,
    /// The HTTP status.
    pub status: u16,
    /// The canonical reason phrase of the status (`Bad Request`, …).
    pub reason: String,
    /// At most 1 KiB of the body, secrets redacted (the reference's
    /// `details` for 400/401/403/404 and `response` otherwise).
    pub excerpt: String,
}

impl std::fmt::Display for StatusError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: HTTP {} {}",
            self.operation, self.status, self.reason
        )?;
        if !self.excerpt.is_empty() {
            write!(f, ": {}", self.excerpt)?;
        }
        Ok(())
    }
}

/// A commission refused with HTTP 413 (`overLimit`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct QuotaLimitError {
    /// `Resource Limit Exceeded for your account.` when the body parsed,
    /// else the reason phrase of 413.
    pub message: String,
    /// `Limit for resource '<name>' exceeded for your account. Available:
    /// <limit − usage>, Requested: <quantity>` when the body parsed, else
    /// empty.
    pub details: String,
    /// The parsed `overLimit` object, when the body parsed.
    pub over_limit: Option<OverLimit>,
    /// At most 1 KiB of the body, secrets redacted.
    pub excerpt: String,
}

impl std::fmt::Display for QuotaLimitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        if !self.details.is_empty() {
            write!(f, " {}", self.details)?;
        }
        Ok(())
    }
}

/// Everything that can go wrong in an Astakos call.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AstakosError {
    /// HTTP 400 (the reference's `BadRequest`).
    #[error("bad request: {0}")]
    BadRequest(StatusError),
    /// HTTP 401 (`Unauthorized`): the token was refused.
    #[error("unauthorized: {0}")]
    Unauthorized(StatusError),
    /// HTTP 403 (`Forbidden`).
    #[error("forbidden: {0}")]
    Forbidden(StatusError),
    /// HTTP 404 (`NotFound`).
    #[error("not found: {0}")]
    NotFound(StatusError),
    /// HTTP 413 on a commission issue (`QuotaLimit`).
    #[error("quota limit: {0}")]
    QuotaLimit(Box<QuotaLimitError>),
    /// Any other non-2xx status, 3xx and 413 outside commission issue
    /// included (the reference's generic `AstakosClientException`).
    #[error("{0}")]
    Status(StatusError),
    /// A 2xx answer that is not what the operation expects: not JSON, or
    /// JSON of the wrong shape (the reference's `InvalidResponse`, plus its
    /// "no uuid_catalog / no serial found" errors and malformed catalogs).
    #[error("{operation}: invalid answer (HTTP {status}) at `{path}`: {message}; body: {excerpt}")]
    InvalidResponse {
        /// The operation.
        operation: String,
        /// The HTTP status.
        status: u16,
        /// The JSON path of the offending value (`.` for the document).
        path: String,
        /// What is wrong.
        message: String,
        /// At most 1 KiB of the body, secrets redacted.
        excerpt: String,
    },
    /// An argument was rejected before anything was sent (`BadValue`).
    #[error("bad value for `{field}`: {reason}")]
    BadValue {
        /// The argument or field.
        field: String,
        /// Why.
        reason: String,
    },
    /// The uuid is not in the returned `uuid_catalog` (`NoUserName`).
    #[error("No display name for the given uuid: {uuid}")]
    NoUserName {
        /// The uuid asked for.
        uuid: String,
    },
    /// The display name is not in the returned `displayname_catalog`
    /// (`NoUUID`).
    #[error("No uuid for the given display name: {display_name}")]
    NoUuid {
        /// The display name asked for.
        display_name: String,
    },
    /// No catalog entry matches the filter (`NoEndpoints`).
    #[error("{message}")]
    NoEndpoints {
        /// `No endpoints found matching, name = …` (every given criterion).
        message: String,
    },
    /// Transport, configuration and other core failures.
    #[error(transparent)]
    Core(tenantry_core::Error),
}

impl From<tenantry_core::Error> for AstakosError {
    /// Input errors of the core (an id that fails its check, a body that
    /// cannot be encoded) become [`AstakosError::BadValue`], so bad input is
    /// always reported the same way; error answers become the reference's
    /// exception kinds (400, 401, 403, 404, the rest); decode errors
    /// [`AstakosError::InvalidResponse`].
    fn from(e: tenantry_core::Error) -> Self {
        match e {
            tenantry_core::Error::InvalidInput { field, reason } => {
                AstakosError::BadValue { field, reason }
            }
            tenantry_core::Error::Api(a) => {
                AstakosError::from_status(&a.operation, a.status, a.excerpt)
            }
            tenantry_core::Error::Decode {
                operation,
                status,
                path,
                message,
                excerpt,
            } => AstakosError::InvalidResponse {
                operation,
                status,
                path,
                message,
                excerpt,
            },
            other => AstakosError::Core(other),
        }
    }
}

impl AstakosError {
    /// Shorthand for [`AstakosError::BadValue`].
    pub fn bad_value(field: impl Into<String>, reason: impl Into<String>) -> Self {
        AstakosError::BadValue {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The HTTP status of the answer this error came from, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            AstakosError::BadRequest(e)
            | AstakosError::Unauthorized(e)
            | AstakosError::Forbidden(e)
            | AstakosError::NotFound(e)
            | AstakosError::Status(e) => Some(e.status),
            AstakosError::QuotaLimit(_) => Some(413),
            AstakosError::InvalidResponse { status, .. } => Some(*status),
            AstakosError::Core(e) => e.status(),
            _ => None,
        }
    }

    /// The redacted body excerpt of the answer this error came from, if any.
    pub fn excerpt(&self) -> Option<&str> {
        match self {
            AstakosError::BadRequest(e)
            | AstakosError::Unauthorized(e)
            | AstakosError::Forbidden(e)
            | AstakosError::NotFound(e)
            | AstakosError::Status(e) => Some(&e.excerpt),
            AstakosError::QuotaLimit(q) => Some(&q.excerpt),
            AstakosError::InvalidResponse { excerpt, .. } => Some(excerpt),
            AstakosError::Core(e) => e.excerpt(),
            _ => None,
        }
    }

    /// True for HTTP 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, AstakosError::NotFound(_))
    }

    /// True for HTTP 401.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, AstakosError::Unauthorized(_))
    }

    /// Maps a non-2xx answer to its variant (413 stays generic here; the
    /// commission issue turns it into [`AstakosError::QuotaLimit`]).
    pub(crate) fn from_status(operation: &str, status: u16, excerpt: String) -> Self {
        let reason = http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("")
            .to_owned();
        let e = StatusError {
            operation: operation.to_owned(),
            status,
            reason,
            excerpt,
        };
        match status {
            400 => AstakosError::BadRequest(e),
            401 => AstakosError::Unauthorized(e),
            403 => AstakosError::Forbidden(e),
            404 => AstakosError::NotFound(e),
            _ => AstakosError::Status(e),
        }
    }

    pub(crate) fn invalid(
        operation: &str,
        status: u16,
        message: impl Into<String>,
        excerpt: String,
    ) -> Self {
        AstakosError::InvalidResponse {
            operation: operation.to_owned(),
            status,
            path: ".".to_owned(),
            message: message.into(),
            excerpt,
        }
    }
}

/// Astakos's error format, for the core pipeline (registered on every
/// client's pipeline): `{"<faultName>": {"message": …, "code": …,
/// "details": …, "data": …}}`. The fault name is the code; an `overLimit`
/// fault's parsed object is the typed detail
/// ([`ApiError::detail::<OverLimit>()`](tenantry_core::ApiError::detail)),
/// with its limit, usage and requested provision.
pub fn parse_error(
    _status: u16,
    _headers: &http::HeaderMap,
    body: &[u8],
) -> Option<tenantry_core::ParsedError> {
    let mut v: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body).ok()?;
    let (name, inner) = match v.remove_entry("overLimit") {
        Some(entry) => entry,
        None if v.len() == 1 => v.into_iter().next()?,
        None => return None,
    };
    if !inner.is_object() {
        return None;
    }
    let message = inner
        .get("message")
        .and_then(|m| m.as_str())
        .map(str::to_owned);
    let parsed = tenantry_core::ParsedError::new(Some(name.clone()), message);
    if name == "overLimit" {
        if let Ok(over) = serde_json::from_value::<OverLimit>(inner) {
            return Some(parsed.with_detail(over));
        }
    }
    Some(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tenantry_core::ApiError;

    #[test]
    fn astakos_errors_parse_with_typed_over_limit_detail() {
        let body = br#"{"overLimit": {"message": "Resource Limit Exceeded for your account.", "code": 413,
            "data": {"provision": {"holder": "user:u1", "source": "system", "resource": "cyclades.vm", "quantity": 3},
                     "name": "NoCapacityError", "limit": 5, "usage": 4}}}"#;
        let e = ApiError::from_answer(
            "astakos.issue_commission",
            413,
            &http::HeaderMap::new(),
            body,
            Some(parse_error),
            str::to_owned,
        );
        assert_eq!(e.code.as_deref(), Some("overLimit"));
        assert_eq!(e.message, "Resource Limit Exceeded for your account.");
        let over = e.detail::<OverLimit>().unwrap();
        assert_eq!(
            (
                over.data.limit,
                over.data.usage,
                over.data.provision.quantity
            ),
            (5, 4, 3)
        );
        assert_eq!(over.data.available(), 1);

        let e = ApiError::from_answer(
            "astakos.get_project",
            404,
            &http::HeaderMap::new(),
            br#"{"itemNotFound": {"message": "no such project", "code": 404}}"#,
            Some(parse_error),
            str::to_owned,
        );
        assert_eq!(
            (e.code.as_deref(), e.message.as_str()),
            (Some("itemNotFound"), "no such project")
        );
        assert!(e.detail::<OverLimit>().is_none());

        // Not Astakos's format: the raw text.
        let e = ApiError::from_answer(
            "astakos.get_quotas",
            500,
            &http::HeaderMap::new(),
            b"Internal error",
            Some(parse_error),
            str::to_owned,
        );
        assert_eq!((e.code, e.message.as_str()), (None, "Internal error"));
    }
}
