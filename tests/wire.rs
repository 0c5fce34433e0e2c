//! Wire parity: what a client sent, reduced to what matters, compared with
//! fixtures captured once from the reference client.
//!
//! A [`WireRequest`] keeps the method, the path, the query as sorted pairs,
//! the chosen headers (lower-case names), and the body: parsed JSON, sorted
//! form pairs, or text. The simulator's base URL in any value is replaced by
//! `{base}`, so fixtures do not depend on the port.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use tenantry_sim::JournalEntry;

/// One request as the fixtures keep it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireRequest {
    /// HTTP method.
    pub method: String,
    /// Path, percent-encoded as sent.
    pub path: String,
    /// Query pairs, decoded and sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query: Vec<(String, String)>,
    /// The headers that matter, lower-case names.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The body.
    #[serde(default)]
    pub body: WireBody,
}

/// A body, in the form that compares meaningfully.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum WireBody {
    /// No body bytes.
    #[default]
    Empty,
    /// A JSON document (key order does not matter).
    Json(Value),
    /// Form pairs, sorted.
    Form(Vec<(String, String)>),
    /// Anything else, as text.
    Text(String),
}

fn norm(s: &str, base: &str, host: &str) -> String {
    s.replace(base, "{base}").replace(host, "{host}")
}

/// Reduces a journal entry; `headers` names the headers that matter.
pub fn from_journal(e: &JournalEntry, headers: &[&str], base_url: &str) -> WireRequest {
    let host = base_url
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    let mut query: Vec<(String, String)> = e
        .query_pairs()
        .into_iter()
        .map(|(k, v)| (k, norm(&v, base_url, host)))
        .collect();
    query.sort();
    let hdrs = headers
        .iter()
        .filter_map(|h| {
            e.header(h)
                .map(|v| (h.to_ascii_lowercase(), norm(v, base_url, host)))
        })
        .collect();
    let ct = e.header("content-type").unwrap_or("");
    let body = if e.body.is_empty() {
        WireBody::Empty
    } else if let Some(v) = e.json() {
        let text = norm(&v.to_string(), base_url, host);
        WireBody::Json(serde_json::from_str(&text).unwrap_or(v))
    } else if ct.contains("x-www-form-urlencoded") || ct.contains("octet-stream") {
        let mut f: Vec<(String, String)> = e
            .form()
            .into_iter()
            .map(|(k, v)| (k, norm(&v, base_url, host)))
            .collect();
        f.sort();
        WireBody::Form(f)
    } else {
        WireBody::Text(norm(&e.body_str(), base_url, host))
    };
    WireRequest {
        method: e.method.clone(),
        path: norm(&e.path, base_url, host),
        query,
        headers: hdrs,
        body,
    }
}

/// Fixtures: operation name → the requests it sent, in order.
pub type Fixtures = BTreeMap<String, Vec<WireRequest>>;

/// Groups journal entries by the value of `marker_header` (each operation's
/// client sends its name there) and reduces them.
pub fn group_by_marker(
    entries: &[JournalEntry],
    marker_header: &str,
    headers: &[&str],
    base_url: &str,
) -> Fixtures {
    let mut out = Fixtures::new();
    for e in entries {
        if let Some(op) = e.header(marker_header) {
            out.entry(op.to_owned())
                .or_default()
                .push(from_journal(e, headers, base_url));
        }
    }
    out
}

/// Reads fixtures from a JSON file.
pub fn load(path: &Path) -> Fixtures {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("bad fixture file {}: {e}", path.display()))
}

/// Writes fixtures as pretty JSON (stable order).
pub fn save(path: &Path, fixtures: &Fixtures) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let text = serde_json::to_string_pretty(fixtures).unwrap_or_default();
    std::fs::write(path, text + "\n")
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// Every difference between expected and actual, one line each (empty = same).
pub fn diff(expected: &Fixtures, actual: &Fixtures) -> Vec<String> {
    let mut out = Vec::new();
    for (op, exp) in expected {
        match actual.get(op) {
            None => out.push(format!("{op}: not sent by the client under test")),
            Some(act) if act.len() != exp.len() => out.push(format!(
                "{op}: {} request(s) expected, {} sent:\n  expected {exp:?}\n  sent     {act:?}",
                exp.len(),
                act.len()
            )),
            Some(act) => {
                for (i, (e, a)) in exp.iter().zip(act).enumerate() {
                    if e != a {
                        out.push(format!(
                            "{op} request {i}:\n  expected {e:?}\n  sent     {a:?}"
                        ));
                    }
                }
            }
        }
    }
    for op in actual.keys().filter(|k| !expected.contains_key(*k)) {
        out.push(format!("{op}: sent, but no fixture"));
    }
    out
}
