//! Fault injection: answer some requests wrongly on purpose.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

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
    probability: f64,
    fault: Fault,
    id: u64,
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
            probability: 1.0,
            fault,
            id: 0,
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

    /// Apply to a matching request only with this probability (0.0 to 1.0,
    /// clamped; the default 1.0 is every time). A request the dice spare
    /// does not use up one of [`FaultRule::times`].
    pub fn probability(mut self, p: f64) -> Self {
        self.probability = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
        self
    }

    /// The fault this rule applies.
    pub fn fault(&self) -> &Fault {
        &self.fault
    }

    /// The id [`Faults::add`] gave this rule (0 before it was added).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// A rule from its control-plane JSON form (see the crate README):
    /// `{"fault": {"kind": "status", "status": 503}, "path": "/x",
    /// "method": "POST", "times": 2, "probability": 0.5}`, with `path_prefix`
    /// instead of `path` for a prefix and neither for every path. The error
    /// names the field that is wrong.
    pub fn from_json(value: &Value) -> Result<FaultRule, String> {
        let spec: RuleSpec = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
        let path = match (spec.path, spec.path_prefix) {
            (Some(_), Some(_)) => {
                return Err("give `path` or `path_prefix`, not both".to_owned());
            }
            (Some(p), None) => PathMatch::Exact(p),
            (None, Some(p)) => PathMatch::Prefix(p),
            (None, None) => PathMatch::Any,
        };
        if let Some(p) = spec.probability {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("`probability` must be between 0 and 1, not {p}"));
            }
        }
        if let Some(m) = &spec.method {
            if m.is_empty() || !m.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(format!("`method` is not an HTTP method: {m:?}"));
            }
        }
        let fault = spec.fault.into_fault()?;
        let mut rule = FaultRule::new(path, fault).probability(spec.probability.unwrap_or(1.0));
        if let Some(m) = &spec.method {
            rule = rule.method(m);
        }
        if let Some(n) = spec.times {
            if n == 0 {
                return Err("`times` must be at least 1 (leave it out for every time)".to_owned());
            }
            rule = rule.times(n);
        }
        Ok(rule)
    }

    /// The rule in its control-plane JSON form, with its `id` and the uses
    /// left in `times`.
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "id": self.id,
            "method": self.method,
            "times": self.times,
            "probability": self.probability,
            "fault": FaultSpec::from_fault(&self.fault),
        });
        if let Value::Object(map) = &mut v {
            match &self.path {
                PathMatch::Any => {}
                PathMatch::Exact(p) => {
                    map.insert("path".into(), json!(p));
                }
                PathMatch::Prefix(p) => {
                    map.insert("path_prefix".into(), json!(p));
                }
            }
        }
        v
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
    rules: Arc<Mutex<RuleSet>>,
}

#[derive(Debug, Default)]
struct RuleSet {
    rules: Vec<FaultRule>,
    last_id: u64,
}

impl Faults {
    /// An empty rule set.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, RuleSet> {
        // Every change is a single push, retain or decrement: valid after a panic.
        self.rules.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Add a rule (after the existing ones); returns its id, for
    /// [`Faults::remove`].
    pub fn add(&self, mut rule: FaultRule) -> u64 {
        let mut set = self.lock();
        set.last_id = set.last_id.saturating_add(1);
        rule.id = set.last_id;
        set.rules.push(rule);
        set.last_id
    }

    /// Remove the rule with this id; false when there is none (any more).
    pub fn remove(&self, id: u64) -> bool {
        let mut set = self.lock();
        let before = set.rules.len();
        set.rules.retain(|r| r.id != id);
        set.rules.len() != before
    }

    /// The rules still active, in the order they are checked.
    pub fn rules(&self) -> Vec<FaultRule> {
        self.lock().rules.clone()
    }

    /// Remove every rule.
    pub fn clear(&self) {
        self.lock().rules.clear();
    }

    /// Find the fault for this request, using up one application of its rule.
    pub fn take(&self, method: &str, path: &str) -> Option<Fault> {
        let mut set = self.lock();
        if set.rules.is_empty() {
            return None;
        }
        let rule = set.rules.iter_mut().find(|r| {
            r.matches(method, path)
                && (r.probability >= 1.0 || rand::thread_rng().gen_bool(r.probability))
        })?;
        if let Some(n) = rule.times.as_mut() {
            *n = n.saturating_sub(1);
        }
        let fault = rule.fault.clone();
        set.rules.retain(|r| r.times != Some(0));
        Some(fault)
    }
}

/// The JSON form of a rule (control plane).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    fault: FaultSpec,
    path: Option<String>,
    path_prefix: Option<String>,
    method: Option<String>,
    times: Option<usize>,
    probability: Option<f64>,
}

/// The JSON form of a [`Fault`]: `{"kind": "...", ...}`.
#[derive(Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum FaultSpec {
    Latency {
        ms: u64,
    },
    Status {
        status: u16,
        #[serde(default)]
        headers: Vec<(String, String)>,
        body: Option<String>,
    },
    ResetBeforeBody,
    ResetAfterBody,
    TruncatedJson,
    Html {
        status: u16,
    },
    HugeBody {
        bytes: u64,
    },
    Hang,
}

fn check_status(status: u16) -> Result<(), String> {
    if (100..=999).contains(&status) {
        Ok(())
    } else {
        Err(format!("`status` must be 100..999, not {status}"))
    }
}

impl FaultSpec {
    fn into_fault(self) -> Result<Fault, String> {
        Ok(match self {
            FaultSpec::Latency { ms } => Fault::Latency(Duration::from_millis(ms)),
            FaultSpec::Status {
                status,
                headers,
                body,
            } => {
                check_status(status)?;
                for (name, value) in &headers {
                    if http::HeaderName::from_bytes(name.as_bytes()).is_err()
                        || http::HeaderValue::from_str(value).is_err()
                    {
                        return Err(format!("`headers`: not a valid header: {name:?}"));
                    }
                }
                match body {
                    Some(body) => Fault::Status {
                        status,
                        headers,
                        body,
                    },
                    None => match Fault::status(status) {
                        Fault::Status { body, .. } => Fault::Status {
                            status,
                            headers,
                            body,
                        },
                        other => other,
                    },
                }
            }
            FaultSpec::ResetBeforeBody => Fault::ResetBeforeBody,
            FaultSpec::ResetAfterBody => Fault::ResetAfterBody,
            FaultSpec::TruncatedJson => Fault::TruncatedJson,
            FaultSpec::Html { status } => {
                check_status(status)?;
                Fault::Html { status }
            }
            FaultSpec::HugeBody { bytes } => Fault::HugeBody { bytes },
            FaultSpec::Hang => Fault::Hang,
        })
    }

    fn from_fault(fault: &Fault) -> FaultSpec {
        match fault.clone() {
            Fault::Latency(d) => FaultSpec::Latency {
                ms: u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
            },
            Fault::Status {
                status,
                headers,
                body,
            } => FaultSpec::Status {
                status,
                headers,
                body: Some(body),
            },
            Fault::ResetBeforeBody => FaultSpec::ResetBeforeBody,
            Fault::ResetAfterBody => FaultSpec::ResetAfterBody,
            Fault::TruncatedJson => FaultSpec::TruncatedJson,
            Fault::Html { status } => FaultSpec::Html { status },
            Fault::HugeBody { bytes } => FaultSpec::HugeBody { bytes },
            Fault::Hang => FaultSpec::Hang,
        }
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

    #[test]
    fn probability_zero_never_applies_and_keeps_its_uses() {
        let f = Faults::new();
        f.add(FaultRule::any(Fault::Hang).probability(0.0).times(1));
        for _ in 0..100 {
            assert_eq!(f.take("GET", "/"), None);
        }
        assert_eq!(f.rules().len(), 1);
        let id = f.add(FaultRule::any(Fault::status(502)).probability(1.0));
        assert!(matches!(
            f.take("GET", "/"),
            Some(Fault::Status { status: 502, .. })
        ));
        assert!(f.remove(id));
        assert!(!f.remove(id));
    }

    #[test]
    fn json_round_trip_and_errors_name_the_field() {
        let rule = FaultRule::from_json(&json!({
            "path_prefix": "/v3", "method": "post", "times": 2, "probability": 0.5,
            "fault": {"kind": "status", "status": 503, "headers": [["Retry-After", "1"]]}
        }))
        .expect("valid rule");
        assert_eq!(rule.path, PathMatch::Prefix("/v3".into()));
        assert_eq!(rule.method.as_deref(), Some("POST"));
        assert_eq!(rule.times, Some(2));
        match &rule.fault {
            Fault::Status {
                status,
                headers,
                body,
            } => {
                assert_eq!(*status, 503);
                assert_eq!(headers, &[("Retry-After".to_owned(), "1".to_owned())]);
                assert!(body.contains("simulated fault"));
            }
            other => panic!("{other:?}"),
        }
        let back = FaultRule::from_json(&{
            let mut v = rule.to_json();
            v.as_object_mut().expect("object").remove("id");
            v
        })
        .expect("round trip");
        assert_eq!(back.fault, rule.fault);
        assert_eq!(back.path, rule.path);

        let err = |v: Value| FaultRule::from_json(&v).expect_err("invalid");
        assert!(err(json!({"fault": {"kind": "latency"}})).contains("ms"));
        assert!(err(json!({"fault": {"kind": "boom"}})).contains("boom"));
        assert!(err(json!({"fault": {"kind": "hang"}, "tiems": 1})).contains("tiems"));
        assert!(err(json!({"fault": {"kind": "hang"}, "probability": 2.0})).contains("probability"));
        assert!(err(json!({"fault": {"kind": "html", "status": 42}})).contains("status"));
        assert!(err(json!({"fault": {"kind": "hang"}, "times": 0})).contains("times"));
        assert!(err(json!({"fault": {"kind": "hang"}, "method": "GE T"})).contains("method"));
    }
}
