//! A scripted [`HttpTransport`] for unit tests (STYLE R15): a list of
//! expected requests — method, path, query, the headers that matter, body —
//! each with a canned answer.
//!
//! A request that matches no expectation is answered with a transport error
//! (kind `Other`, never retried) and recorded as a failure; an expectation
//! never met is a failure too. [`MockTransport::verify`] returns every
//! failure; dropping the mock without a successful `verify` panics with
//! them (unless the thread is already panicking), so a forgotten check
//! cannot pass.
//!
//! ```
//! use std::sync::Arc;
//! use serde_json::json;
//! use tenantry_core::http::Method;
//! use tenantry_core::transport::mock::{Expect, MockTransport, Reply};
//! use tenantry_core::{Operation, Pipeline, RetryConfig};
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> tenantry_core::Result<()> {
//! let mock = Arc::new(MockTransport::new().expect(
//!     Expect::new(Method::GET, "/v1/items")
//!         .query("limit=2")
//!         .reply(Reply::json(200, json!({"items": [1, 2]}))),
//! ));
//! let p = Pipeline::builder("demo")
//!     .base_url("http://127.0.0.1:9/v1")
//!     .transport(mock.clone())
//!     .retry(RetryConfig::disabled())
//!     .build()?;
//! let v: serde_json::Value = p
//!     .json(&Operation::new("demo.list", Method::GET, "/items").query("limit", "2"))
//!     .await?;
//! assert_eq!(v["items"][1], 2);
//! mock.verify().map_err(|e| tenantry_core::Error::Config(e))?;
//! # Ok(()) }
//! ```

use super::{
    HttpRequest, HttpResponse, HttpTransport, Reached, TransportError, TransportErrorKind,
};
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, StatusCode};
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::{Mutex, MutexGuard};

/// What an expectation answers.
#[derive(Debug, Clone)]
pub enum Reply {
    /// An HTTP answer.
    Answer {
        /// Status code.
        status: u16,
        /// Headers, in order.
        headers: Vec<(String, String)>,
        /// Body bytes.
        body: Bytes,
    },
    /// A transport failure.
    Fail(TransportError),
}

impl Reply {
    /// An answer with `status` and an empty body.
    pub fn status(status: u16) -> Self {
        Reply::Answer {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// An answer with `status` and `body` as JSON (`content-type:
    /// application/json`).
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Reply::text(status, body.to_string()).header("content-type", "application/json")
    }

    /// An answer with `status` and a raw body.
    pub fn text(status: u16, body: impl Into<Bytes>) -> Self {
        Reply::Answer {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// A transport failure of `kind`.
    pub fn fail(kind: TransportErrorKind, reached: Reached) -> Self {
        Reply::Fail(TransportError::new(kind, reached, "scripted failure"))
    }

    /// Adds a header to an answer (no effect on a failure).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let Reply::Answer { headers, .. } = &mut self {
            headers.push((name.to_owned(), value.to_owned()));
        }
        self
    }

    fn build(&self) -> Result<HttpResponse, TransportError> {
        match self {
            Reply::Fail(e) => Err(e.clone()),
            Reply::Answer {
                status,
                headers,
                body,
            } => {
                let mut resp = http::Response::new(body.clone());
                *resp.status_mut() =
                    StatusCode::from_u16(*status).map_err(|e| other(e.to_string()))?;
                for (k, v) in headers {
                    let name =
                        HeaderName::try_from(k.as_str()).map_err(|e| other(e.to_string()))?;
                    let value = HeaderValue::from_str(v).map_err(|e| other(e.to_string()))?;
                    resp.headers_mut().append(name, value);
                }
                Ok(resp)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum BodyMatch {
    Any,
    Exact(Bytes),
    Json(serde_json::Value),
}

/// One expected request and its answer.
#[derive(Debug, Clone)]
pub struct Expect {
    method: Method,
    path: String,
    query: Option<String>,
    headers: Vec<(String, Option<String>)>,
    body: BodyMatch,
    reply: Reply,
    times: usize,
}

impl Expect {
    /// Expects `method` on `path` (exactly as sent, percent-encoding
    /// included), no query, an empty body; answers 200 with an empty body
    /// unless [`reply`](Self::reply) says otherwise.
    pub fn new(method: Method, path: &str) -> Self {
        Expect {
            method,
            path: path.to_owned(),
            query: None,
            headers: Vec::new(),
            body: BodyMatch::Exact(Bytes::new()),
            reply: Reply::status(200),
            times: 1,
        }
    }

    /// Expects exactly this raw query string (without `?`).
    pub fn query(mut self, raw: &str) -> Self {
        self.query = Some(raw.to_owned());
        self
    }

    /// Expects header `name` with exactly `value`.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), Some(value.to_owned())));
        self
    }

    /// Expects no header `name`.
    pub fn no_header(mut self, name: &str) -> Self {
        self.headers.push((name.to_ascii_lowercase(), None));
        self
    }

    /// Expects exactly these body bytes.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = BodyMatch::Exact(body.into());
        self
    }

    /// Expects a JSON body equal to `value` (key order and spacing aside).
    pub fn json(mut self, value: serde_json::Value) -> Self {
        self.body = BodyMatch::Json(value);
        self
    }

    /// Accepts any body.
    pub fn any_body(mut self) -> Self {
        self.body = BodyMatch::Any;
        self
    }

    /// The answer.
    pub fn reply(mut self, reply: Reply) -> Self {
        self.reply = reply;
        self
    }

    /// The same exchange `n` times in a row (at least once).
    pub fn times(mut self, n: usize) -> Self {
        self.times = n.max(1);
        self
    }

    /// Why `req` does not match, or `None` when it does.
    fn mismatch(&self, req: &HttpRequest) -> Option<String> {
        let mut why = String::new();
        if req.method() != self.method {
            let _ = write!(why, " method {} != {};", req.method(), self.method);
        }
        if req.uri().path() != self.path {
            let _ = write!(why, " path {:?} != {:?};", req.uri().path(), self.path);
        }
        if req.uri().query() != self.query.as_deref() {
            let _ = write!(why, " query {:?} != {:?};", req.uri().query(), self.query);
        }
        for (name, want) in &self.headers {
            let got = req
                .headers()
                .get_all(name.as_str())
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect::<Vec<_>>();
            let ok = match want {
                Some(v) => got.len() == 1 && &got[0] == v,
                None => got.is_empty(),
            };
            if !ok {
                let _ = write!(why, " header {name}: {got:?} != {want:?};");
            }
        }
        let body = req.body();
        let body_ok = match &self.body {
            BodyMatch::Any => true,
            BodyMatch::Exact(b) => b == body,
            BodyMatch::Json(v) => {
                serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|got| &got == v)
            }
        };
        if !body_ok {
            let _ = write!(
                why,
                " body {:?} != {:?};",
                String::from_utf8_lossy(body),
                self.body
            );
        }
        (!why.is_empty()).then_some(why)
    }

    fn describe(&self) -> String {
        match &self.query {
            Some(q) => format!("{} {}?{}", self.method, self.path, q),
            None => format!("{} {}", self.method, self.path),
        }
    }
}

#[derive(Debug, Default)]
struct State {
    expected: VecDeque<Expect>,
    failures: Vec<String>,
    seen: Vec<HttpRequest>,
    verified: bool,
}

/// The scripted transport. See the [module docs](self).
#[derive(Debug, Default)]
pub struct MockTransport {
    state: Mutex<State>,
    unordered: bool,
}

impl MockTransport {
    /// An empty script: expected requests must come in the order given.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty script whose requests may come in any order (concurrent
    /// callers): each request takes the first expectation it matches.
    pub fn unordered() -> Self {
        MockTransport {
            state: Mutex::default(),
            unordered: true,
        }
    }

    /// Adds an expected request.
    pub fn expect(self, e: Expect) -> Self {
        self.push(e);
        self
    }

    /// Adds an expected request to a mock already shared.
    pub fn push(&self, e: Expect) {
        let mut st = self.lock();
        st.verified = false;
        st.expected.push_back(e);
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.lock().seen.clone()
    }

    /// `Ok` when every expectation was met and no request was unexpected;
    /// otherwise every problem, one per line.
    pub fn verify(&self) -> Result<(), String> {
        let mut st = self.lock();
        st.verified = true;
        let mut problems = st.failures.clone();
        for e in &st.expected {
            problems.push(format!("missing call: {} (×{})", e.describe(), e.times));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n"))
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn answer(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let mut st = self.lock();
        let candidates = if self.unordered {
            st.expected.len()
        } else {
            st.expected.len().min(1)
        };
        let mut why = Vec::new();
        let found = (0..candidates).find(|&i| match st.expected[i].mismatch(&req) {
            None => true,
            Some(w) => {
                why.push(format!("{}:{w}", st.expected[i].describe()));
                false
            }
        });
        let described = format!(
            "{} {}",
            req.method(),
            req.uri().path_and_query().map_or("", |p| p.as_str())
        );
        st.seen.push(req);
        let Some(i) = found else {
            let msg = if why.is_empty() {
                format!("unexpected call: {described} (nothing more expected)")
            } else {
                format!("unexpected call: {described}; {}", why.join(" | "))
            };
            st.failures.push(msg.clone());
            return Err(other(msg));
        };
        let reply = st.expected[i].reply.clone();
        st.expected[i].times -= 1;
        if st.expected[i].times == 0 {
            st.expected.remove(i);
        }
        reply.build()
    }
}

fn other(msg: String) -> TransportError {
    TransportError::new(TransportErrorKind::Other, Reached::Maybe, msg)
}

#[async_trait::async_trait]
impl HttpTransport for MockTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.answer(request)
    }
}

impl Drop for MockTransport {
    // A test double: failing loudly is its whole job.
    #[allow(clippy::panic)]
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let verified = self.lock().verified;
        if !verified {
            if let Err(problems) = self.verify() {
                panic!("MockTransport dropped with problems:\n{problems}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: Method, uri: &str, body: &'static str) -> HttpRequest {
        let mut r = http::Request::new(Bytes::from_static(body.as_bytes()));
        *r.method_mut() = method;
        *r.uri_mut() = uri.parse().unwrap();
        r
    }

    #[tokio::test]
    async fn answers_in_order_and_reports_unexpected_and_missing_calls() {
        let m = MockTransport::new()
            .expect(
                Expect::new(Method::POST, "/a")
                    .json(serde_json::json!({"x": 1}))
                    .reply(Reply::json(201, serde_json::json!({"ok": true}))),
            )
            .expect(Expect::new(Method::GET, "/b").query("q=1"))
            .expect(Expect::new(Method::GET, "/never"));
        let r = m
            .send(req(Method::POST, "http://h/a", r#"{ "x" : 1 }"#))
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        assert_eq!(r.body().as_ref(), br#"{"ok":true}"#);
        // Wrong query: refused, recorded.
        let e = m
            .send(req(Method::GET, "http://h/b?q=2", ""))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), TransportErrorKind::Other);
        assert_eq!(e.reached_server(), Reached::Maybe, "never retried");
        m.send(req(Method::GET, "http://h/b?q=1", ""))
            .await
            .unwrap();
        let problems = m.verify().unwrap_err();
        assert!(
            problems.contains("unexpected call: GET /b?q=2"),
            "{problems}"
        );
        assert!(problems.contains("missing call: GET /never"), "{problems}");
        assert_eq!(m.requests().len(), 3);
    }

    #[test]
    #[should_panic(expected = "missing call: GET /x")]
    fn dropping_with_a_missing_call_panics() {
        let _m = MockTransport::new().expect(Expect::new(Method::GET, "/x"));
    }

    #[tokio::test]
    async fn unordered_headers_and_times() {
        let m = MockTransport::unordered()
            .expect(
                Expect::new(Method::GET, "/a")
                    .header("X-Auth-Token", "t")
                    .times(2),
            )
            .expect(Expect::new(Method::GET, "/b").no_header("x-auth-token"));
        let mut with = req(Method::GET, "http://h/a", "");
        with.headers_mut()
            .insert("x-auth-token", HeaderValue::from_static("t"));
        m.send(req(Method::GET, "http://h/b", "")).await.unwrap();
        m.send(with.clone()).await.unwrap();
        m.send(with.clone()).await.unwrap();
        assert!(m.send(with).await.is_err(), "a third call was not expected");
        assert!(m.verify().unwrap_err().contains("unexpected call: GET /a"));
    }
}
