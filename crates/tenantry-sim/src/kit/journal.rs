//! The request journal: the last requests a [`SimServer`](crate::SimServer) received.
//!
//! It is bounded: a ring of the last [`DEFAULT_JOURNAL_ENTRIES`] entries, each
//! body cut to [`DEFAULT_JOURNAL_BODY_BYTES`] (both configurable with
//! [`SimOptions`](crate::SimOptions)), so a long run or a huge upload cannot
//! grow the process without limit.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use bytes::Bytes;

/// One request as the server received it.
///
/// It is recorded before any fault is applied, so even requests that were
/// answered by a [`Fault`](crate::Fault) (or never answered) appear here.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct JournalEntry {
    /// The entry's number: 1 for the first request the server received,
    /// then counting up (numbers stay unique when old entries are dropped
    /// or the journal is cleared).
    pub seq: u64,
    /// The HTTP method, upper case (`"GET"`, `"POST"`, ...).
    pub method: String,
    /// The request path, without the query string.
    pub path: String,
    /// The raw query string (without `?`), if the request had one.
    pub query: Option<String>,
    /// The request headers in received order, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The request body, cut to the journal's body limit (empty when the
    /// fault `ResetBeforeBody` applied or the body was over the server's
    /// size limit and never read).
    pub body: Bytes,
    /// The body's full length in bytes, as received (or as announced by
    /// `Content-Length` when it was refused unread).
    pub body_len: u64,
    /// When the request was recorded.
    pub at: SystemTime,
}

impl JournalEntry {
    /// Whether [`JournalEntry::body`] holds less than the whole body.
    pub fn body_truncated(&self) -> bool {
        (self.body.len() as u64) < self.body_len
    }

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
#[derive(Clone, Debug)]
pub struct Journal {
    inner: Arc<Mutex<Ring>>,
}

#[derive(Debug)]
struct Ring {
    entries: VecDeque<JournalEntry>,
    max_entries: usize,
    max_body: usize,
    next_seq: u64,
    dropped: u64,
}

/// The default number of entries a journal keeps: 4,096 (about 7 MB of small requests).
pub const DEFAULT_JOURNAL_ENTRIES: usize = 4096;
/// The default number of body bytes a journal keeps per entry: 64 KiB.
pub const DEFAULT_JOURNAL_BODY_BYTES: usize = 64 * 1024;

impl Default for Journal {
    fn default() -> Self {
        Self::with_limits(DEFAULT_JOURNAL_ENTRIES, DEFAULT_JOURNAL_BODY_BYTES)
    }
}

impl Journal {
    /// A new, empty journal with the default limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new, empty journal keeping at most `max_entries` entries (the
    /// oldest go first; at least 1) and `max_body` bytes of each body.
    pub fn with_limits(max_entries: usize, max_body: usize) -> Self {
        let max_entries = max_entries.max(1);
        Journal {
            inner: Arc::new(Mutex::new(Ring {
                entries: VecDeque::with_capacity(max_entries.min(1024)),
                max_entries,
                max_body,
                next_seq: 1,
                dropped: 0,
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Ring> {
        // The ring is valid after any panic (each change is one push or pop).
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The most body bytes kept per entry.
    pub fn max_body(&self) -> usize {
        self.lock().max_body
    }

    /// Append an entry (the server does this for every request): its body is
    /// cut to the body limit, its `seq` set, and the oldest entry dropped
    /// when the journal is full.
    pub fn record(&self, mut entry: JournalEntry) {
        let mut ring = self.lock();
        if entry.body.len() > ring.max_body {
            entry.body = entry.body.slice(..ring.max_body);
        }
        entry.seq = ring.next_seq;
        ring.next_seq = ring.next_seq.saturating_add(1);
        while ring.entries.len() >= ring.max_entries {
            ring.entries.pop_front();
            ring.dropped = ring.dropped.saturating_add(1);
        }
        ring.entries.push_back(entry);
    }

    /// A copy of every entry kept, oldest first.
    pub fn entries(&self) -> Vec<JournalEntry> {
        self.lock().entries.iter().cloned().collect()
    }

    /// Forget every entry.
    pub fn clear(&self) {
        self.lock().entries.clear();
    }

    /// How many entries are kept.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no entry is kept.
    pub fn is_empty(&self) -> bool {
        self.lock().entries.is_empty()
    }

    /// How many entries were dropped to make room since the server started.
    pub fn dropped(&self) -> u64 {
        self.lock().dropped
    }

    /// How many kept entries had this method (case-insensitive) and exactly
    /// this path (the query string is not compared).
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.lock()
            .entries
            .iter()
            .filter(|e| e.method.eq_ignore_ascii_case(method) && e.path == path)
            .count()
    }

    /// The kept entries for which `f` returns true, oldest first.
    pub fn filter(&self, f: impl Fn(&JournalEntry) -> bool) -> Vec<JournalEntry> {
        self.lock()
            .entries
            .iter()
            .filter(|e| f(e))
            .cloned()
            .collect()
    }

    /// One page of the kept entries for which `f` returns true, oldest
    /// first: `(matching count, entries offset..offset+limit)`.
    pub fn page(
        &self,
        f: impl Fn(&JournalEntry) -> bool,
        offset: usize,
        limit: usize,
    ) -> (usize, Vec<JournalEntry>) {
        let ring = self.lock();
        let mut total = 0usize;
        let mut page = Vec::new();
        for e in ring.entries.iter().filter(|e| f(e)) {
            if total >= offset && page.len() < limit {
                page.push(e.clone());
            }
            total += 1;
        }
        (total, page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, body: &'static [u8]) -> JournalEntry {
        JournalEntry {
            seq: 0,
            method: "POST".into(),
            path: path.into(),
            query: None,
            headers: Vec::new(),
            body: Bytes::from_static(body),
            body_len: body.len() as u64,
            at: SystemTime::now(),
        }
    }

    #[test]
    fn ring_keeps_the_last_entries_and_cuts_bodies() {
        let j = Journal::with_limits(3, 4);
        for p in ["/a", "/b", "/c", "/d", "/e"] {
            j.record(entry(p, b"0123456789"));
        }
        let kept = j.entries();
        let paths: Vec<_> = kept.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["/c", "/d", "/e"]);
        assert_eq!(kept.iter().map(|e| e.seq).collect::<Vec<_>>(), [3, 4, 5]);
        assert_eq!(j.dropped(), 2);
        assert_eq!(&kept[0].body[..], b"0123");
        assert_eq!(kept[0].body_len, 10);
        assert!(kept[0].body_truncated());
        j.record(entry("/f", b"abc"));
        let last = j.entries().pop().expect("an entry");
        assert_eq!(&last.body[..], b"abc");
        assert!(!last.body_truncated());
    }

    #[test]
    fn pages_filter_then_slice() {
        let j = Journal::with_limits(100, 100);
        for i in 0..10 {
            j.record(entry(if i % 2 == 0 { "/even" } else { "/odd" }, b""));
        }
        let (total, page) = j.page(|e| e.path == "/even", 1, 2);
        assert_eq!(total, 5);
        assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), [3, 5]);
        let (total, page) = j.page(|_| true, 9, 5);
        assert_eq!((total, page.len()), (10, 1));
    }
}
