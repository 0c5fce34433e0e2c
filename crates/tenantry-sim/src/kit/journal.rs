//! The request journal: every request a [`SimServer`](crate::SimServer) receives.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use bytes::Bytes;

/// One request as the server received it.
///
/// It is recorded before any fault is applied, so even requests that were
/// answered by a [`Fault`](crate::Fault) (or never answered) appear here.
#[derive(Clone, Debug)]
pub struct JournalEntry {
    /// The HTTP method, upper case (`"GET"`, `"POST"`, ...).
    pub method: String,
    /// The request path, without the query string.
    pub path: String,
    /// The raw query string (without `?`), if the request had one.
    pub query: Option<String>,
    /// The request headers in received order, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The request body (empty when the fault `ResetBeforeBody` applied).
    pub body: Bytes,
    /// When the request was recorded.
    pub at: SystemTime,
}

impl JournalEntry {
    /// The first header of that name (case-insensitive), if any.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (invalid UTF-8 is replaced).
    pub fn body_str(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body decoded as `application/x-www-form-urlencoded` pairs
    /// (whatever the request's `Content-Type` said).
    pub fn form(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(&self.body).into_owned().collect()
    }

    /// The query string decoded as `application/x-www-form-urlencoded` pairs.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        match &self.query {
            Some(q) => form_urlencoded::parse(q.as_bytes()).into_owned().collect(),
            None => Vec::new(),
        }
    }
}

/// A shared, cheaply cloned handle on a server's request journal.
#[derive(Clone, Debug, Default)]
pub struct Journal {
    inner: Arc<Mutex<Vec<JournalEntry>>>,
}

impl Journal {
    /// A new, empty journal.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<JournalEntry>> {
        // A poisoned lock only means a panic elsewhere; the data is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Append an entry (the server does this for every request).
    pub fn record(&self, entry: JournalEntry) {
        self.lock().push(entry);
    }

    /// A copy of every entry, oldest first.
    pub fn entries(&self) -> Vec<JournalEntry> {
        self.lock().clone()
    }

    /// Forget every entry.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// How many requests were recorded.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no request was recorded.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// How many requests had this method (case-insensitive) and exactly this
    /// path (the query string is not compared).
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.lock()
            .iter()
            .filter(|e| e.method.eq_ignore_ascii_case(method) && e.path == path)
            .count()
    }

    /// The entries for which `f` returns true, oldest first.
    pub fn filter(&self, f: impl Fn(&JournalEntry) -> bool) -> Vec<JournalEntry> {
        self.lock().iter().filter(|e| f(e)).cloned().collect()
    }
}
