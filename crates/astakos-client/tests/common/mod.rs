//! A recording transport: exact requests in, canned answers out.
#![allow(dead_code)]

use astakos_client::{AstakosClient, RetryConfig, Secret};
use bytes::Bytes;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use tenantry_core::transport::{
    HttpRequest, HttpResponse, HttpTransport, Reached, TransportError, TransportErrorKind,
};

pub const TOKEN: &str = "skzleaFlBl+fasFdaf24sx";
pub const AUTH_URL: &str = "https://example.org/identity/v2.0";
pub const USER: &str = "73917abc-abcd-477e-a1f1-1763abcdefab";

#[derive(Debug, Clone)]
pub struct Sent {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl Sent {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("json body")
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

#[derive(Debug)]
struct Route {
    method: &'static str,
    path: String,
    status: u16,
    body: Vec<u8>,
    times: Option<usize>,
}

#[derive(Debug, Default)]
pub struct Recorder {
    sent: Mutex<Vec<Sent>>,
    routes: Mutex<Vec<Route>>,
    /// When set, every request fails with this (connect refused).
    pub refuse: bool,
    /// Requests to these paths wait for a permit before they are answered.
    holds: Mutex<Vec<(String, Arc<tokio::sync::Semaphore>)>>,
}

impl Recorder {
    pub fn new() -> Arc<Self> {
        Arc::new(Recorder::default())
    }
    pub fn refusing() -> Arc<Self> {
        Arc::new(Recorder {
            refuse: true,
            ..Default::default()
        })
    }
    /// Answers `method path` (path without query) with `status` and `body`.
    pub fn route(&self, method: &'static str, path: &str, status: u16, body: impl Into<Vec<u8>>) {
        self.routes.lock().unwrap().push(Route {
            method,
            path: path.to_owned(),
            status,
            body: body.into(),
            times: None,
        });
    }
    /// As `route`, for the first `n` matching requests only.
    pub fn route_times(
        &self,
        method: &'static str,
        path: &str,
        status: u16,
        body: impl Into<Vec<u8>>,
        n: usize,
    ) {
        self.routes.lock().unwrap().push(Route {
            method,
            path: path.to_owned(),
            status,
            body: body.into(),
            times: Some(n),
        });
    }
    /// Requests to `path` are recorded, then wait for a permit of the
    /// returned semaphore (none at first) before they are answered.
    pub fn hold(&self, path: &str) -> Arc<tokio::sync::Semaphore> {
        let gate = Arc::new(tokio::sync::Semaphore::new(0));
        self.holds
            .lock()
            .unwrap()
            .push((path.to_owned(), gate.clone()));
        gate
    }
    pub fn json(&self, method: &'static str, path: &str, status: u16, body: Value) {
        self.route(method, path, status, body.to_string());
    }
    pub fn sent(&self) -> Vec<Sent> {
        self.sent.lock().unwrap().clone()
    }
    pub fn last(&self) -> Sent {
        self.sent().last().cloned().expect("a request was sent")
    }
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.sent()
            .iter()
            .filter(|s| s.method == method && s.path == path)
            .count()
    }
    /// The fixture catalog (account `/account_prefix`, ui `/ui_prefix`,
    /// oauth2 `/oauth2`) on the discovery POST.
    pub fn with_catalog(&self) {
        self.json("POST", "/identity/v2.0/tokens", 200, catalog());
    }
}

pub fn catalog() -> Value {
    json!({"access": {"serviceCatalog": [
        {"endpoints": [{"SNF:uiURL": "https://example.org/ui_prefix",
                        "publicURL": "https://example.org/account_prefix",
                        "region": "default", "versionId": "v1.0"},
                       {"SNF:uiURL": "https://example.org/ui2",
                        "publicURL": "https://example.org/account2",
                        "region": "default", "versionId": "v2.0"}],
         "name": "astakos_account", "type": "account"},
        {"endpoints": [{"SNF:uiURL": "https://example.org/ui_prefix",
                        "publicURL": "https://example.org/oauth2",
                        "region": "default", "versionId": ""}],
         "name": "astakos_oauth2", "type": "astakos_auth"}]}})
}

#[async_trait::async_trait]
impl HttpTransport for Recorder {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let (parts, body) = req.into_parts();
        let sent = Sent {
            method: parts.method.to_string(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts.headers,
            body,
        };
        self.sent.lock().unwrap().push(sent.clone());
        let gate = self
            .holds
            .lock()
            .unwrap()
            .iter()
            .find(|(p, _)| *p == sent.path)
            .map(|(_, g)| g.clone());
        if let Some(gate) = gate {
            gate.acquire().await.unwrap().forget();
        }
        if self.refuse {
            return Err(TransportError::new(
                TransportErrorKind::Connect,
                Reached::Never,
                "refused",
            ));
        }
        let mut routes = self.routes.lock().unwrap();
        let found = routes
            .iter_mut()
            .find(|r| r.method == sent.method && r.path == sent.path && r.times != Some(0));
        let (status, body) = match found {
            Some(r) => {
                if let Some(t) = r.times.as_mut() {
                    *t -= 1;
                }
                (r.status, r.body.clone())
            }
            None => (404, b"404 Not Found".to_vec()),
        };
        let mut resp = http::Response::new(Bytes::from(body));
        *resp.status_mut() = http::StatusCode::from_u16(status).unwrap();
        Ok(resp)
    }
}

pub fn client(rec: &Arc<Recorder>) -> AstakosClient {
    client_with_retry(rec, RetryConfig::disabled())
}

pub fn client_with_retry(rec: &Arc<Recorder>, retry: RetryConfig) -> AstakosClient {
    AstakosClient::builder(AUTH_URL, Secret::new(TOKEN))
        .transport(rec.clone())
        .retry(retry.initial_backoff(std::time::Duration::ZERO))
        .build()
        .unwrap()
}
