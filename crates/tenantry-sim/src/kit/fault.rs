//! Fault injection: answer some requests wrongly on purpose.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// What a [`FaultRule`] does to a matching request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Wait this long, then answer normally.
    Latency(Duration),
    /// Answer this instead of running the route.
    Status {
        /// The HTTP status code.
        status: u16,
        /// Extra response headers (for example `Retry-After`).
        headers: Vec<(String, String)>,
        /// The response body. Its content type is `application/json` when it
        /// starts with `{` or `[` (unless `headers` sets one), else `text/plain`.
        body: String,
    },
    /// Close the TCP connection at once: the request body is not read, the
    /// route does not run and no response byte is sent.
    ResetBeforeBody,
    /// Read the whole request body and run the route (so its side effects
    /// happen), then close the connection without sending any response byte.
    ResetAfterBody,
    /// Run the route and send only the first half of its body, with a
    /// `Content-Length` matching the truncated length; status and other headers
    /// are kept.
    TruncatedJson,
    /// Answer a small HTML error page (`text/html`) with this status.
    Html {
        /// The HTTP status code.
        status: u16,
    },
    /// Answer `200` with `application/json` and a body of exactly this many
    /// bytes (`[0,0,0,…`), generated chunk by chunk while it is sent.
    HugeBody {
        /// The body length in bytes.
        bytes: u64,
    },
    /// Never answer; the connection stays open until the server stops.
    Hang,
}

impl Fault {
    /// A [`Fault::Status`] with a small JSON error body and no extra header.
    pub fn status(status: u16) -> Fault {
        Fault::Status {
            status,
            headers: Vec::new(),
            body: serde_json::json!({
                "error": "simulated fault",
                "status": status,
            })
            .to_string(),
        }
    }

    /// Like [`Fault::status`], with a `Retry-After: secs` header.
    pub fn retry_after(status: u16, secs: u64) -> Fault {
        match Fault::status(status) {
            Fault::Status { status, body, .. } => Fault::Status {
                status,
                headers: vec![("Retry-After".to_owned(), secs.to_string())],
                body,
            },
            other => other,
        }
    }
}

/// Which request paths a [`FaultRule`] applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathMatch {
    /// Every path.
    Any,
    /// Exactly this path (no query string).
    Exact(String),
    /// Every path starting with this text.
    Prefix(String),
}

impl PathMatch {
    /// Whether `path` matches.
    pub fn matches(&self, path: &str) -> bool {
        match self {
            PathMatch::Any => true,
            PathMatch::Exact(p) => p == path,
            PathMatch::Prefix(p) => path.starts_with(p.as_str()),
        }
    }
}

/// A fault and the requests it applies to (builder style).
///
/// ```
/// use tenantry_sim::{Fault, FaultRule};
/// // The next two POSTs to /cas/v1/tickets get a 503 with Retry-After: 1.
/// let rule = FaultRule::path("/cas/v1/tickets", Fault::retry_after(503, 1))
///     .method("POST")
///     .times(2);
/// # let _ = rule;
/// ```
#[derive(Clone, Debug)]
pub struct FaultRule {
    path: PathMatch,
    method: Option<String>,
    times: Option<usize>,
    fault: Fault,
}

impl FaultRule {
    /// Apply `fault` to every request.
    pub fn any(fault: Fault) -> Self {
        Self::new(PathMatch::Any, fault)
    }

    /// Apply `fault` to requests for exactly this path.
    pub fn path(path: impl Into<String>, fault: Fault) -> Self {
        Self::new(PathMatch::Exact(path.into()), fault)
    }

    /// Apply `fault` to requests whose path starts with `prefix`.
    pub fn prefix(prefix: impl Into<String>, fault: Fault) -> Self {
        Self::new(PathMatch::Prefix(prefix.into()), fault)
    }

    /// A rule from its parts.
    pub fn new(path: PathMatch, fault: Fault) -> Self {
        FaultRule {
            path,
            method: None,
            times: None,
            fault,
        }
    }

    /// Only requests with this method (case-insensitive).
    pub fn method(mut self, m: &str) -> Self {
        self.method = Some(m.to_ascii_uppercase());
        self
    }

    /// Only the first `n` matching requests (the default is every one).
    pub fn times(mut self, n: usize) -> Self {
        self.times = Some(n);
        self
    }

    /// The fault this rule applies.
    pub fn fault(&self) -> &Fault {
        &self.fault
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        if self.times == Some(0) {
            return false;
        }
        if let Some(m) = &self.method {
            if !m.eq_ignore_ascii_case(method) {
                return false;
            }
        }
        self.path.matches(path)
    }
}

/// A shared, cheaply cloned handle on a server's fault rules.
///
/// Rules are checked in the order they were added; the first one that
/// matches (and still has uses left) applies.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    rules: Arc<Mutex<Vec<FaultRule>>>,
}

impl Faults {
    /// An empty rule set.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<FaultRule>> {
        self.rules.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Add a rule (after the existing ones).
    pub fn add(&self, rule: FaultRule) {
        self.lock().push(rule);
    }

    /// Remove every rule.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Find the fault for this request, using up one application of its rule.
    pub fn take(&self, method: &str, path: &str) -> Option<Fault> {
        let mut rules = self.lock();
        let rule = rules.iter_mut().find(|r| r.matches(method, path))?;
        if let Some(n) = rule.times.as_mut() {
            *n = n.saturating_sub(1);
        }
        let fault = rule.fault.clone();
        rules.retain(|r| r.times != Some(0));
        Some(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_method() {
        let f = Faults::new();
        f.add(FaultRule::path("/a", Fault::Hang).method("post").times(1));
        assert_eq!(f.take("GET", "/a"), None);
        assert_eq!(f.take("POST", "/a"), Some(Fault::Hang));
        assert_eq!(f.take("POST", "/a"), None);
        f.add(FaultRule::prefix("/b", Fault::status(500)));
        assert!(f.take("GET", "/b/c").is_some());
        assert!(f.take("GET", "/b/c").is_some());
        assert!(f.take("GET", "/c").is_none());
    }
}
