//! The HTTP transport: sends one request, returns one answer.
//!
//! The transport knows nothing of auth or retry; [`crate::pipeline`] wraps it
//! with both. Tests swap it for anything that implements [`HttpTransport`].

pub mod mock;
mod reqwest_impl;

pub use reqwest_impl::{ReqwestTransport, TransportConfig};

use bytes::Bytes;
use std::fmt;

/// An exchange started and not yet awaited: what [`HttpTransport`]'s
/// methods return once `async_trait` has boxed them.
pub(crate) type Exchange<'a> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<HttpResponse, TransportError>> + Send + 'a>,
>;

/// A request as the transport sends it.
pub type HttpRequest = http::Request<Bytes>;
/// An answer as the transport returns it (body read whole, within the cap).
pub type HttpResponse = http::Response<Bytes>;
/// A request whose body is read while it is sent (see
/// [`crate::multipart`]).
pub type StreamingRequest = http::Request<StreamingBody>;

/// A body read while it is sent: today a `multipart/form-data` form whose
/// file parts stream from disk ([`crate::multipart::Multipart`], opened
/// for one attempt). It can be read once. Its `Debug` is
/// [`describe`](Self::describe): never the content.
pub struct StreamingBody {
    form: reqwest::multipart::Form,
    content_type: http::HeaderValue,
    len: u64,
}

impl StreamingBody {
    pub(crate) fn multipart(
        form: reqwest::multipart::Form,
        len: u64,
    ) -> crate::Result<StreamingBody> {
        let content_type = http::HeaderValue::try_from(format!(
            "multipart/form-data; boundary={}",
            form.boundary()
        ))
        .map_err(|_| crate::Error::Config("bad multipart boundary".to_owned()))?;
        Ok(StreamingBody {
            form,
            content_type,
            len,
        })
    }

    /// The body's `Content-Type` (`multipart/form-data; boundary=…`); the
    /// pipeline sets it on the request too.
    pub fn content_type(&self) -> &http::HeaderValue {
        &self.content_type
    }

    /// The bytes of the parts' contents (the framing not counted).
    pub fn content_len(&self) -> u64 {
        self.len
    }

    /// What logs show instead of the body: `<streamed N bytes>`.
    pub fn describe(&self) -> String {
        format!("<streamed {} bytes>", self.len)
    }

    /// The body's bytes as they are read (a file that cannot be read is an
    /// [`Io`](TransportErrorKind::Io) error that never reached a server).
    pub fn into_stream(
        self,
    ) -> impl futures::Stream<Item = Result<Bytes, TransportError>> + Send + 'static {
        use futures::TryStreamExt;
        self.form.into_stream().map_err(|e| {
            TransportError::new(
                TransportErrorKind::Io,
                Reached::Never,
                format!(
                    "cannot read the body: {e}{}",
                    reqwest_impl::source_chain(&e)
                ),
            )
        })
    }

    /// The whole body in memory (what [`HttpTransport::send_streaming`]
    /// does by default, for transports that cannot stream).
    pub async fn collect(self) -> Result<Bytes, TransportError> {
        use futures::TryStreamExt;
        let mut out = bytes::BytesMut::new();
        let mut stream = std::pin::pin!(self.into_stream());
        while let Some(chunk) = stream.try_next().await? {
            out.extend_from_slice(&chunk);
        }
        Ok(out.freeze())
    }

    pub(crate) fn into_form(self) -> reqwest::multipart::Form {
        self.form
    }
}

impl fmt::Debug for StreamingBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// A request extension marking a request whose URL may carry a credential
/// (a CAS ticket in the path or query, for one): a transport must not keep
/// or log its URL beyond the request. The auth strategies set it on every
/// request they send to an auth server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SensitiveUrl;

/// Sends one HTTP request. Object-safe: used as `Arc<dyn HttpTransport>`.
///
/// ```
/// use tenantry_core::transport::{HttpRequest, HttpResponse, HttpTransport, TransportError};
/// #[derive(Debug)]
/// struct Canned;
/// #[async_trait::async_trait]
/// impl HttpTransport for Canned {
///     async fn send(&self, _req: HttpRequest) -> Result<HttpResponse, TransportError> {
///         Ok(http::Response::new(bytes::Bytes::from_static(b"{}")))
///     }
/// }
/// let t: std::sync::Arc<dyn HttpTransport> = std::sync::Arc::new(Canned);
/// # let _ = t;
/// ```
#[async_trait::async_trait]
pub trait HttpTransport: Send + Sync + fmt::Debug {
    /// Sends the request and reads the answer.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;

    /// [`send`](Self::send), with the request's URL already parsed: `url`
    /// is the request's URI (the pipeline builds both from one URL). A
    /// transport built on `url::Url` ([`ReqwestTransport`]) uses it instead
    /// of parsing the URI again; the default ignores it.
    async fn send_parsed(
        &self,
        request: HttpRequest,
        url: url::Url,
    ) -> Result<HttpResponse, TransportError> {
        drop(url);
        self.send(request).await
    }

    /// Sends a request whose body is read while it is sent. The default
    /// reads the body whole, then [`send`](Self::send)s it (right for test
    /// and recording transports); [`ReqwestTransport`] streams it.
    async fn send_streaming(
        &self,
        request: StreamingRequest,
    ) -> Result<HttpResponse, TransportError> {
        let (parts, body) = request.into_parts();
        let bytes = body.collect().await?;
        self.send(http::Request::from_parts(parts, bytes)).await
    }

    /// Sends a request and hands back the answer with its body still to
    /// be read, chunk by chunk, with no size cap (a download written to a
    /// file as it arrives: [`crate::Pipeline::download`]). The default
    /// [`send`](Self::send)s it and hands back the body read whole (right
    /// for test, recording and dry-run transports);
    /// [`ReqwestTransport`] streams it, its timeout bounding the wait for
    /// the answer's head and then each wait for the next chunk.
    async fn send_download(
        &self,
        request: HttpRequest,
    ) -> Result<StreamedResponse, TransportError> {
        let (parts, body) = self.send(request).await?.into_parts();
        Ok(http::Response::from_parts(
            parts,
            AnswerBody::from_bytes(body),
        ))
    }
}

/// An answer whose body is read as it arrives (see
/// [`HttpTransport::send_download`]).
pub type StreamedResponse = http::Response<AnswerBody>;

/// The body of a [`StreamedResponse`]: its chunks as they arrive, with no
/// size cap (the caller writes them somewhere as it reads them), or read
/// whole within the transport's cap ([`collect`](Self::collect), for an
/// error answer). Its `Debug` never shows the content.
pub struct AnswerBody {
    chunks: std::pin::Pin<
        Box<dyn futures::Stream<Item = Result<Bytes, TransportError>> + Send + 'static>,
    >,
    limit: u64,
}

impl AnswerBody {
    /// A body read from `chunks`; [`collect`](Self::collect) stops at
    /// `limit` bytes.
    pub fn new(
        chunks: impl futures::Stream<Item = Result<Bytes, TransportError>> + Send + 'static,
        limit: u64,
    ) -> Self {
        AnswerBody {
            chunks: Box::pin(chunks),
            limit,
        }
    }

    /// A body already read whole (what the default
    /// [`HttpTransport::send_download`] hands back).
    pub fn from_bytes(bytes: Bytes) -> Self {
        let chunks = if bytes.is_empty() {
            None
        } else {
            Some(Ok(bytes))
        };
        AnswerBody::new(futures::stream::iter(chunks), u64::MAX)
    }

    /// The next chunk: `None` at the end of the body; a stalled body is a
    /// [`Timeout`](TransportErrorKind::Timeout) error, a broken one an
    /// [`Io`](TransportErrorKind::Io) error.
    pub async fn next_chunk(&mut self) -> Option<Result<Bytes, TransportError>> {
        use futures::StreamExt;
        self.chunks.next().await
    }

    /// The whole body, for an answer with `status`; a body longer than the
    /// transport's cap is [`TransportErrorKind::BodyTooLarge`].
    pub async fn collect(mut self, status: u16) -> Result<Bytes, TransportError> {
        let mut out = bytes::BytesMut::new();
        while let Some(chunk) = self.next_chunk().await {
            let chunk = chunk?;
            let total = (out.len() as u64).saturating_add(chunk.len() as u64);
            if total > self.limit {
                return Err(TransportError::body_too_large(status, self.limit));
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out.freeze())
    }
}

impl fmt::Debug for AnswerBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<answer body stream>")
    }
}

/// Whether a failed request may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reached {
    /// Surely not (DNS failure, connection refused, TLS handshake): safe to
    /// send again whatever the method.
    Never,
    /// Perhaps: the server may have acted on it.
    Maybe,
}

/// The kind of transport failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// Could not connect.
    Connect,
    /// No (complete) answer within the timeout.
    Timeout,
    /// The connection broke while sending or reading.
    Io,
    /// TLS failed.
    Tls,
    /// The body was larger than the cap.
    BodyTooLarge,
    /// Anything else (a request that could not be built, …).
    Other,
}

/// A failure to send a request or read its answer.
#[derive(Debug, Clone, thiserror::Error)]
#[error("transport error ({kind:?}, reached server: {reached:?}): {message}")]
pub struct TransportError {
    kind: TransportErrorKind,
    reached: Reached,
    message: String,
    status: Option<u16>,
    limit: Option<u64>,
}

impl TransportError {
    /// A new error.
    pub fn new(kind: TransportErrorKind, reached: Reached, message: impl Into<String>) -> Self {
        TransportError {
            kind,
            reached,
            message: message.into(),
            status: None,
            limit: None,
        }
    }

    /// The answer had `status` but its body passed `limit` bytes.
    pub fn body_too_large(status: u16, limit: u64) -> Self {
        TransportError {
            kind: TransportErrorKind::BodyTooLarge,
            reached: Reached::Maybe,
            message: format!("body larger than {limit} bytes"),
            status: Some(status),
            limit: Some(limit),
        }
    }

    /// The kind of failure.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Whether the request may have reached the server.
    pub fn reached_server(&self) -> Reached {
        self.reached
    }

    /// The answer's status, when the failure came after the headers.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The body cap, for [`TransportErrorKind::BodyTooLarge`].
    pub fn limit(&self) -> Option<u64> {
        self.limit
    }
}
