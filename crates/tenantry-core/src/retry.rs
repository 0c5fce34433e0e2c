//! Retry policy: attempts, exponential backoff with full jitter, a cap, and
//! `Retry-After`.
//!
//! A request is sent again only when that cannot duplicate a side effect:
//! - it surely never reached the server (connect refused, DNS, TLS
//!   handshake, an HTTP/2 stream the server refused before processing it),
//!   whatever its method; or
//! - it is idempotent (GET, HEAD, OPTIONS, PUT, DELETE, or an operation its
//!   service crate marks idempotent) and the outcome was a timeout, a broken
//!   connection, or HTTP 429/502/503/504.
//!
//! A POST or PATCH that may have reached the server is never sent again.
//! reqwest's own retry layer is off in [`ReqwestTransport::new`]: every
//! re-send goes through this policy.
//!
//! [`ReqwestTransport::new`]: crate::ReqwestTransport::new

use crate::transport::{HttpResponse, Reached, TransportError, TransportErrorKind};
use http::Method;
use rand::Rng;
use std::time::Duration;

/// How an operation may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Decide from the HTTP method (GET, HEAD, OPTIONS, PUT, DELETE are idempotent).
    FromMethod,
    /// Safe to send twice whatever the method (the service deduplicates it).
    Idempotent,
    /// Never send twice once it may have reached the server.
    NonIdempotent,
}

impl Idempotency {
    /// Resolves to a yes/no for `method`.
    pub fn is_idempotent(self, method: &Method) -> bool {
        match self {
            Idempotency::Idempotent => true,
            Idempotency::NonIdempotent => false,
            Idempotency::FromMethod => matches!(
                *method,
                Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE
            ),
        }
    }
}

/// Retry settings. Cheap to copy.
///
/// ```
/// use std::time::Duration;
/// use tenantry_core::RetryConfig;
/// let r = RetryConfig::standard()
///     .max_attempts(5)
///     .initial_backoff(Duration::from_millis(100))
///     .max_backoff(Duration::from_secs(5));
/// assert_eq!(r.get_max_attempts(), 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryConfig {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    honor_retry_after: bool,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self::standard()
    }
}

impl RetryConfig {
    /// 3 attempts, 200 ms initial backoff, 20 s cap, full jitter, honour `Retry-After`.
    pub fn standard() -> Self {
        RetryConfig {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(20),
            honor_retry_after: true,
        }
    }

    /// One attempt only.
    pub fn disabled() -> Self {
        Self::standard().max_attempts(1)
    }

    /// Total attempts, the first one included (at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// The backoff before the first retry; it doubles on each retry.
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// The longest wait, `Retry-After` included.
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// Whether a `Retry-After` header on 429/503 sets the wait (default true).
    pub fn honor_retry_after(mut self, yes: bool) -> Self {
        self.honor_retry_after = yes;
        self
    }

    /// Total attempts allowed.
    pub fn get_max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Full-jitter backoff before retry number `retry` (1-based): a uniform
    /// wait in `0..=min(cap, initial * 2^(retry-1))`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(30);
        let ceiling = self
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        let nanos = ceiling.as_nanos().min(u128::from(u64::MAX)) as u64;
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(rand::thread_rng().gen_range(0..=nanos))
    }

    /// Decides whether the outcome of `attempt` (1-based) is retried, and how
    /// long to wait first.
    pub fn decide(
        &self,
        attempt: u32,
        idempotent: bool,
        outcome: Result<&HttpResponse, &TransportError>,
    ) -> Option<(Duration, RetryReason)> {
        if attempt >= self.max_attempts {
            return None;
        }
        let reason = classify(idempotent, outcome)?;
        let wait = match outcome {
            Ok(resp) if self.honor_retry_after => retry_after(resp)
                .map(|d| d.min(self.max_backoff))
                .unwrap_or_else(|| self.backoff(attempt)),
            _ => self.backoff(attempt),
        };
        Some((wait, reason))
    }
}

/// The retry token bucket (STYLE R12, after aws-smithy-runtime's standard
/// retry): every retry takes tokens from it, every success puts one back,
/// and a retry that finds too few tokens is not made. It is shared by all
/// clones of a pipeline, so a failing server is not hammered by every
/// caller's retries at once: once the bucket is dry, each call makes one
/// attempt until successes refill it.
///
/// ```
/// use tenantry_core::retry::TokenBucket;
/// let b = TokenBucket::new(12);
/// assert!(b.try_acquire(TokenBucket::RETRY_COST));
/// assert!(b.try_acquire(TokenBucket::RETRY_COST));
/// assert!(!b.try_acquire(TokenBucket::RETRY_COST), "2 left, 5 needed");
/// b.reward();
/// assert_eq!(b.available(), 3);
/// ```
#[derive(Debug)]
pub struct TokenBucket {
    tokens: std::sync::atomic::AtomicU32,
    capacity: u32,
}

impl Default for TokenBucket {
    fn default() -> Self {
        Self::new(Self::CAPACITY)
    }
}

impl TokenBucket {
    /// The standard capacity.
    pub const CAPACITY: u32 = 500;
    /// Tokens a retry takes.
    pub const RETRY_COST: u32 = 5;
    /// Tokens a retry after a timeout takes.
    pub const TIMEOUT_COST: u32 = 10;
    /// Tokens a success puts back (up to the capacity).
    pub const SUCCESS_REWARD: u32 = 1;

    /// A full bucket of `capacity` tokens.
    pub fn new(capacity: u32) -> Self {
        TokenBucket {
            tokens: std::sync::atomic::AtomicU32::new(capacity),
            capacity,
        }
    }

    /// Takes `cost` tokens if there are that many.
    pub fn try_acquire(&self, cost: u32) -> bool {
        use std::sync::atomic::Ordering;
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost))
            .is_ok()
    }

    /// Puts [`SUCCESS_REWARD`](Self::SUCCESS_REWARD) back, up to the capacity.
    pub fn reward(&self) {
        use std::sync::atomic::Ordering;
        let cap = self.capacity;
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                (t < cap).then(|| t.saturating_add(Self::SUCCESS_REWARD).min(cap))
            });
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        self.tokens.load(std::sync::atomic::Ordering::Acquire)
    }

    /// The cost of retrying after `outcome`.
    pub fn cost_of(outcome: Result<&HttpResponse, &TransportError>) -> u32 {
        match outcome {
            Err(e) if e.kind() == TransportErrorKind::Timeout => Self::TIMEOUT_COST,
            _ => Self::RETRY_COST,
        }
    }
}

/// Why a request is sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryReason {
    /// It never reached the server.
    NeverSent,
    /// Timeout or broken connection on an idempotent request.
    Transient,
    /// 429 on an idempotent request.
    Throttled,
    /// 502/503/504 on an idempotent request.
    ServerError,
}

/// Classifies an outcome; `None` means "do not retry".
pub fn classify(
    idempotent: bool,
    outcome: Result<&HttpResponse, &TransportError>,
) -> Option<RetryReason> {
    match outcome {
        Err(e) if e.reached_server() == Reached::Never => Some(RetryReason::NeverSent),
        Err(e) => match e.kind() {
            TransportErrorKind::Timeout | TransportErrorKind::Io if idempotent => {
                Some(RetryReason::Transient)
            }
            _ => None,
        },
        Ok(resp) => match resp.status().as_u16() {
            429 if idempotent => Some(RetryReason::Throttled),
            502..=504 if idempotent => Some(RetryReason::ServerError),
            _ => None,
        },
    }
}

/// Parses `Retry-After` (seconds or an HTTP date) on 429 and 503 answers.
pub fn retry_after(resp: &HttpResponse) -> Option<Duration> {
    let status = resp.status().as_u16();
    if status != 429 && status != 503 {
        return None;
    }
    let v = resp
        .headers()
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, retry_after: Option<&str>) -> HttpResponse {
        let mut r = http::Response::new(bytes::Bytes::new());
        *r.status_mut() = http::StatusCode::from_u16(status).unwrap_or_default();
        if let Some(v) = retry_after {
            r.headers_mut().insert(
                "retry-after",
                http::HeaderValue::from_str(v).unwrap_or(http::HeaderValue::from_static("0")),
            );
        }
        r
    }

    #[test]
    fn post_on_503_is_not_retried_get_is() {
        let r = resp(503, None);
        assert_eq!(classify(false, Ok(&r)), None);
        assert_eq!(classify(true, Ok(&r)), Some(RetryReason::ServerError));
        assert_eq!(classify(true, Ok(&resp(500, None))), None);
        assert_eq!(
            classify(true, Ok(&resp(429, None))),
            Some(RetryReason::Throttled)
        );
    }

    #[test]
    fn connect_failure_retried_for_any_method_timeout_only_idempotent() {
        let c = TransportError::new(TransportErrorKind::Connect, Reached::Never, "refused");
        assert_eq!(classify(false, Err(&c)), Some(RetryReason::NeverSent));
        let t = TransportError::new(TransportErrorKind::Timeout, Reached::Maybe, "slow");
        assert_eq!(classify(false, Err(&t)), None);
        assert_eq!(classify(true, Err(&t)), Some(RetryReason::Transient));
    }

    #[test]
    fn retry_after_seconds_and_cap() {
        let cfg = RetryConfig::standard().max_backoff(Duration::from_secs(3));
        let r = resp(503, Some("2"));
        let (wait, _) = cfg.decide(1, true, Ok(&r)).unwrap_or_default_wait();
        assert_eq!(wait, Duration::from_secs(2));
        let r = resp(429, Some("60"));
        let (wait, _) = cfg.decide(1, true, Ok(&r)).unwrap_or_default_wait();
        assert_eq!(wait, Duration::from_secs(3));
        assert!(cfg.decide(3, true, Ok(&r)).is_none(), "attempts exhausted");
    }

    #[test]
    fn backoff_is_bounded_by_cap() {
        let cfg = RetryConfig::standard()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(250));
        for retry in 1..20 {
            assert!(cfg.backoff(retry) <= Duration::from_millis(250));
        }
        assert!(cfg.backoff(1) <= Duration::from_millis(100));
    }

    trait OrWait {
        fn unwrap_or_default_wait(self) -> (Duration, RetryReason);
    }
    impl OrWait for Option<(Duration, RetryReason)> {
        fn unwrap_or_default_wait(self) -> (Duration, RetryReason) {
            self.unwrap_or((Duration::MAX, RetryReason::NeverSent))
        }
    }
}
