//! `--dry-run` for every command that changes state.
//!
//! A dry run builds the service client on a [`DryRun`] transport wrapped
//! around the invocation's: the command runs as usual (its arguments are
//! checked, its request built by the client, auth headers added), but the
//! transport keeps each request instead of sending it and answers with a
//! transport error (kind `Other`, which nothing retries). The command then
//! prints the request that would have been sent — method, URL, headers
//! (secret ones masked), body (secret fields masked) — and exits 0.
//!
//! Only the requests the service's [`Service::dry_run_passes`] names go
//! through: read-only requests the client needs before it can build the
//! URL of the real one. For Astakos that is exactly the bodyless discovery
//! `POST {auth_url}/tokens`, which returns the public service catalog and
//! changes nothing.
//!
//! [`Service::dry_run_passes`]: crate::families::Service::dry_run_passes

use crate::context::{Context, Result};
use crate::output::Output;
use serde_json::{json, Map, Value};
use std::sync::{Arc, Mutex};
use tenantry::core::redact;
use tenantry::core::transport::{
    HttpRequest, HttpResponse, Reached, StreamingRequest, TransportError, TransportErrorKind,
};
use tenantry::core::HttpTransport;

/// The arguments of a command that changes state, plus `--dry-run`.
#[derive(Debug, Clone, clap::Args)]
pub struct Change<A: clap::Args> {
    #[command(flatten)]
    args: A,
    /// Print the request that would be sent (secrets masked) and send
    /// nothing that changes state; exits 0.
    #[arg(long)]
    dry_run: bool,
}

impl<A: clap::Args> Change<A> {
    /// The command's own arguments, and the dry run when `--dry-run` is set.
    pub(crate) fn split(
        self,
        ctx: &Context,
        passes: fn(&HttpRequest) -> bool,
    ) -> (A, Option<Arc<DryRun>>) {
        let dry = self
            .dry_run
            .then(|| Arc::new(DryRun::new(ctx.transport(), passes)));
        (self.args, dry)
    }
}

/// What a command that changes state runs on: the dry run, or nothing.
pub(crate) trait DryRunState {
    /// The transport the client is built on.
    fn transport(&self, ctx: &Context) -> Arc<dyn HttpTransport>;
    /// The command's result, or, on a dry run that held a request, the
    /// request it held.
    fn finish(self, result: Result<Output>) -> Result<Output>;
}

impl DryRunState for Option<Arc<DryRun>> {
    fn transport(&self, ctx: &Context) -> Arc<dyn HttpTransport> {
        match self {
            Some(dry) => dry.clone(),
            None => ctx.transport(),
        }
    }

    fn finish(self, result: Result<Output>) -> Result<Output> {
        let Some(dry) = self else { return result };
        let mut held = dry.held.lock().unwrap_or_else(|e| e.into_inner());
        match held.len() {
            // Refused before anything was built (bad input): as without --dry-run.
            0 => result,
            1 => Ok(Output::value(held.remove(0))),
            _ => Ok(Output::value(Value::Array(std::mem::take(&mut *held)))),
        }
    }
}

/// A transport that sends only what `passes` allows and keeps the rest,
/// described with secrets masked.
#[derive(Debug)]
pub struct DryRun {
    inner: Arc<dyn HttpTransport>,
    passes: fn(&HttpRequest) -> bool,
    held: Mutex<Vec<Value>>,
}

impl DryRun {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn HttpTransport>, passes: fn(&HttpRequest) -> bool) -> Self {
        DryRun {
            inner,
            passes,
            held: Mutex::new(Vec::new()),
        }
    }
}

/// `{"dry_run": true, "method", "url", "headers", "body"}`, secrets masked
/// (headers by name, body fields by key; known secret values are masked
/// again on output).
fn describe(request: &HttpRequest) -> Value {
    let headers: Map<String, Value> = redact::headers(request.headers())
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let body = match request.body() {
        b if b.is_empty() => Value::Null,
        b => {
            let text = redact::body(b);
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        }
    };
    json!({
        "dry_run": true,
        "method": request.method().as_str(),
        "url": request.uri().to_string(),
        "headers": headers,
        "body": body,
    })
}

#[async_trait::async_trait]
impl HttpTransport for DryRun {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        if (self.passes)(&request) {
            return self.inner.send(request).await;
        }
        let described = describe(&request);
        self.hold(described)
    }

    /// A streamed body (a file upload) is described, never read: its body
    /// shows as `<streamed N bytes>`.
    async fn send_streaming(
        &self,
        request: StreamingRequest,
    ) -> Result<HttpResponse, TransportError> {
        let (parts, body) = request.into_parts();
        let head: HttpRequest =
            tenantry::core::http::Request::from_parts(parts, Default::default());
        if (self.passes)(&head) {
            let (parts, _) = head.into_parts();
            return self
                .inner
                .send_streaming(tenantry::core::http::Request::from_parts(parts, body))
                .await;
        }
        let mut described = describe(&head);
        described["body"] = Value::String(body.describe());
        self.hold(described)
    }
}

impl DryRun {
    /// Keeps a described request and answers as a dry run does.
    fn hold(&self, described: Value) -> Result<HttpResponse, TransportError> {
        self.held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(described);
        // `Other` and `Maybe`: the pipeline retries neither.
        Err(TransportError::new(
            TransportErrorKind::Other,
            Reached::Maybe,
            "dry run: request not sent",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tenantry::core::http::{Method, Request};
    use tenantry::core::transport::mock::MockTransport;

    #[tokio::test]
    async fn holds_what_does_not_pass_and_masks_secrets() {
        // An empty mock: any request reaching it fails `verify`.
        let inner = Arc::new(MockTransport::new());
        let dry = DryRun::new(inner.clone(), |r| r.method() == Method::GET);
        let req: HttpRequest = Request::post("http://h/x?y=1")
            .header("x-auth-token", "tok-123")
            .header("content-type", "application/json")
            .body(br#"{"accept": "", "password": "pw"}"#.as_slice().into())
            .unwrap();
        let e = dry.send(req).await.unwrap_err();
        assert_eq!(e.kind(), TransportErrorKind::Other);
        assert_eq!(e.reached_server(), Reached::Maybe);
        let held = dry.held.lock().unwrap().clone();
        assert_eq!(held.len(), 1);
        let v = &held[0];
        assert_eq!(
            (v["method"].as_str(), v["url"].as_str()),
            (Some("POST"), Some("http://h/x?y=1"))
        );
        assert_eq!(v["headers"]["x-auth-token"], "***");
        assert_eq!(v["headers"]["content-type"], "application/json");
        assert_eq!(v["body"]["accept"], "");
        assert!(!v.to_string().contains("tok-123") && !v.to_string().contains("\"pw\""));
        inner.verify().unwrap();
    }

    #[tokio::test]
    async fn a_streamed_upload_shows_its_size_never_its_content() {
        use tenantry::core::multipart::{FileSource, Multipart};
        use tenantry::core::{Decl, Pipeline, RetryConfig};
        const UPLOAD: Decl = Decl::post("demo.upload", "/files");
        let inner = Arc::new(MockTransport::new());
        let dry = Arc::new(DryRun::new(inner.clone(), |r| r.method() == Method::GET));
        let p = Pipeline::builder("demo")
            .base_url("http://h/v1")
            .transport(dry.clone())
            .retry(RetryConfig::disabled())
            .build()
            .unwrap();
        let form = Multipart::new()
            .text("content_string", "planted-text")
            .file("content_file", "f.bin", FileSource::bytes("planted-file"));
        let e = p
            .call::<Value>(&UPLOAD.op().multipart(form))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("dry run"), "{e}");
        let held = dry.held.lock().unwrap().clone();
        assert_eq!(held.len(), 1);
        assert_eq!(held[0]["body"], "<streamed 24 bytes>");
        assert!(held[0]["headers"]["content-type"]
            .as_str()
            .unwrap()
            .starts_with("multipart/form-data; boundary="));
        assert!(!held[0].to_string().contains("planted"));
        inner.verify().unwrap();
    }
}
