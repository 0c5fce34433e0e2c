//! Streamed request bodies: a `multipart/form-data` form whose file parts
//! are read from disk while the request is sent, never held whole in
//! memory.
//!
//! A [`Multipart`] describes the form: text parts and file parts, each
//! file part from a [`FileSource`] (a path, opened when the request is
//! sent; an open [`tokio::fs::File`], sent from its current position; or
//! bytes already in memory). [`Operation::multipart`] carries it; at each
//! attempt the pipeline opens the sources and hands the transport a
//! [`StreamingBody`], which [`ReqwestTransport`] sends as reqwest's own
//! multipart form (`Part::stream_with_length` over the file, read in
//! 64 KiB chunks; `Content-Length` from the part lengths) and any other
//! transport receives read whole (its default
//! [`HttpTransport::send_streaming`]).
//!
//! **Retries.** A streamed body cannot be replayed: once bytes may have
//! been sent, the request is never sent again — not on a timeout, not on
//! a broken connection, not on a 429/503, not on a 401 (the credential is
//! still dropped, so the *next* call logs in again). It is re-sent only
//! when it surely never reached the server (connection refused, DNS, TLS
//! handshake) **and** every source can be opened again (a path, or bytes;
//! not an open file, which is sent at most once).
//!
//! **Logs.** Trace lines show `<streamed N bytes>` (N: the bytes of the
//! parts' contents) instead of the body.
//!
//! **Wire.** reqwest writes the form: CRLF line ends, `Content-Disposition:
//! form-data; name="…"` (`; filename="…"` on file parts), no
//! `Content-Type` on any part, as Python `requests` writes it (a file
//! part added with [`Multipart::file_typed`] has one, as urllib2's
//! `MultipartPostHandler` writes it). Its
//! boundary is reqwest's (four 16-hex groups joined by `-`, 67
//! characters, valid per RFC 2046), not `requests`' 32 hex characters. A
//! filename's `"`, CR and LF are percent-encoded as `requests` (urllib3)
//! does; a backslash is escaped as `\\` (reqwest), where `requests`
//! sends it raw.
//!
//! ```no_run
//! use tenantry_core::multipart::{FileSource, Multipart};
//! use tenantry_core::{Decl, Pipeline};
//! const UPLOAD: Decl = Decl::post("demo.upload", "/files").success(&[201]);
//! # async fn run(pipeline: Pipeline) -> tenantry_core::Result<()> {
//! let form = Multipart::new()
//!     .text("name", "big")
//!     .file("content", "big.bin", FileSource::path("/data/big.bin"));
//! let answer: serde_json::Value = pipeline.call(&UPLOAD.op().multipart(form)).await?;
//! # let _ = answer; Ok(()) }
//! ```
//!
//! [`Operation::multipart`]: crate::pipeline::Operation::multipart
//! [`ReqwestTransport`]: crate::transport::ReqwestTransport
//! [`HttpTransport::send_streaming`]: crate::transport::HttpTransport::send_streaming

use crate::error::{Error, Result};
use crate::transport::StreamingBody;
use bytes::{Bytes, BytesMut};
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// How much of a file is read at a time.
const CHUNK: u64 = 64 * 1024;

/// Where a file part's content comes from.
///
/// ```
/// use tenantry_core::multipart::FileSource;
/// assert!(FileSource::path("/tmp/x").is_replayable());
/// assert!(FileSource::bytes("hello").is_replayable());
/// ```
#[derive(Clone)]
pub struct FileSource(Source);

#[derive(Clone)]
enum Source {
    Path(PathBuf),
    // Taken by the first attempt: an open file is sent once.
    Open(Arc<Mutex<Option<tokio::fs::File>>>),
    Bytes(Bytes),
}

impl FileSource {
    /// A file by its path, opened (and its length read) when the request
    /// is sent, again on each attempt. A path that cannot be opened, or
    /// that is not a regular file, is [`Error::InvalidInput`] naming the
    /// part, before anything is sent.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        FileSource(Source::Path(path.into()))
    }

    /// An open file, sent from its current position to its end. It is
    /// sent once: a request carrying it is never re-sent.
    pub fn file(file: tokio::fs::File) -> Self {
        FileSource(Source::Open(Arc::new(Mutex::new(Some(file)))))
    }

    /// Content already in memory (small contents, an empty part).
    pub fn bytes(bytes: impl Into<Bytes>) -> Self {
        FileSource(Source::Bytes(bytes.into()))
    }

    /// Whether the content can be read again for a second attempt (not an
    /// open file).
    pub fn is_replayable(&self) -> bool {
        !matches!(self.0, Source::Open(_))
    }

    /// Opens the content: a reqwest body that reads it, and its length.
    async fn open(&self, part: &str) -> Result<(reqwest::Body, u64)> {
        let bad = |reason: String| Error::invalid_input(part, reason);
        let (file, len) = match &self.0 {
            Source::Bytes(b) => return Ok((reqwest::Body::from(b.clone()), b.len() as u64)),
            Source::Path(p) => {
                let file = tokio::fs::File::open(p)
                    .await
                    .map_err(|e| bad(format!("cannot open `{}`: {e}", p.display())))?;
                let meta = file
                    .metadata()
                    .await
                    .map_err(|e| bad(format!("cannot read `{}`: {e}", p.display())))?;
                if !meta.is_file() {
                    return Err(bad(format!("`{}` is not a regular file", p.display())));
                }
                (file, meta.len())
            }
            Source::Open(slot) => {
                let taken = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
                let mut file = taken.ok_or_else(|| {
                    bad("this open file was already sent; an open file is sent once".to_owned())
                })?;
                let meta = file
                    .metadata()
                    .await
                    .map_err(|e| bad(format!("cannot read the open file: {e}")))?;
                if !meta.is_file() {
                    return Err(bad("the open file is not a regular file".to_owned()));
                }
                let pos = file
                    .stream_position()
                    .await
                    .map_err(|e| bad(format!("cannot read the open file's position: {e}")))?;
                (file, meta.len().saturating_sub(pos))
            }
        };
        Ok((reqwest::Body::wrap_stream(read_exactly(file, len)), len))
    }
}

impl fmt::Debug for FileSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Source::Path(p) => f.debug_tuple("Path").field(p).finish(),
            Source::Open(_) => f.write_str("File(<open file>)"),
            Source::Bytes(b) => write!(f, "Bytes(<{} bytes>)", b.len()),
        }
    }
}

/// `len` bytes of `file`, [`CHUNK`] at a time; a file that ends early is
/// an error (it shrank after its length was read), one that grew is cut
/// at `len`, so the body always has the length announced.
fn read_exactly(
    file: tokio::fs::File,
    len: u64,
) -> impl futures::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    futures::stream::try_unfold((file, len), |(mut file, left)| async move {
        if left == 0 {
            return Ok(None);
        }
        let want = left.min(CHUNK);
        let mut buf = BytesMut::with_capacity(want as usize);
        let n = (&mut file).take(want).read_buf(&mut buf).await? as u64;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("the file ended {left} bytes early (it shrank while being sent)"),
            ));
        }
        Ok(Some((buf.freeze(), (file, left - n))))
    })
}

#[derive(Clone)]
enum PartValue {
    Text(String),
    File {
        filename: String,
        source: FileSource,
        // `None`: no `Content-Type` line (Python `requests`' layout).
        content_type: Option<String>,
    },
}

/// A `multipart/form-data` form, its file parts streamed (see the
/// [module docs](self) for retries and the wire). Parts go out in the
/// order they are added. `Debug` shows the names and sizes, never a text
/// value (it may be a secret).
///
/// ```
/// use tenantry_core::multipart::{FileSource, Multipart};
/// let m = Multipart::new()
///     .text("content_string", "KEY=planted")
///     .file("content_file", "a.txt", FileSource::bytes("x"));
/// let dbg = format!("{m:?}");
/// assert!(dbg.contains("content_file") && !dbg.contains("planted"));
/// ```
#[derive(Clone, Default)]
pub struct Multipart {
    parts: Vec<(String, PartValue)>,
}

impl Multipart {
    /// An empty form.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a text part (no `Content-Type`).
    pub fn text(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.parts
            .push((name.into(), PartValue::Text(value.into())));
        self
    }

    /// Adds a file part: `filename` in its `Content-Disposition`, no
    /// `Content-Type`, the content from `source`.
    pub fn file(
        mut self,
        name: impl Into<String>,
        filename: impl Into<String>,
        source: FileSource,
    ) -> Self {
        self.parts.push((
            name.into(),
            PartValue::File {
                filename: filename.into(),
                source,
                content_type: None,
            },
        ));
        self
    }

    /// Adds a file part with a `Content-Type: {content_type}` line after
    /// its `Content-Disposition` (the layout of clients that label their
    /// file parts, urllib2's `MultipartPostHandler` for one). A content
    /// type that is not a MIME type is [`Error::InvalidInput`] naming the
    /// part, before anything is sent.
    ///
    /// ```
    /// use tenantry_core::multipart::{FileSource, Multipart};
    /// let m = Multipart::new().file_typed("file", "uids.csv", "text/csv", FileSource::bytes("uid\n"));
    /// assert!(format!("{m:?}").contains("text/csv"));
    /// ```
    pub fn file_typed(
        mut self,
        name: impl Into<String>,
        filename: impl Into<String>,
        content_type: impl Into<String>,
        source: FileSource,
    ) -> Self {
        self.parts.push((
            name.into(),
            PartValue::File {
                filename: filename.into(),
                source,
                content_type: Some(content_type.into()),
            },
        ));
        self
    }

    /// Whether every part can be read again for a second attempt (no open
    /// file).
    pub fn is_replayable(&self) -> bool {
        self.parts.iter().all(|(_, v)| match v {
            PartValue::Text(_) => true,
            PartValue::File { source, .. } => source.is_replayable(),
        })
    }

    /// Opens every source (files opened, lengths read) into the body of one
    /// attempt; a source that cannot be opened is [`Error::InvalidInput`]
    /// naming its part.
    pub(crate) async fn open(&self) -> Result<StreamingBody> {
        let mut form = reqwest::multipart::Form::new();
        let mut len: u64 = 0;
        for (name, value) in &self.parts {
            let part = match value {
                PartValue::Text(s) => {
                    len = add_len(len, s.len() as u64)?;
                    reqwest::multipart::Part::text(s.clone())
                }
                PartValue::File {
                    filename,
                    source,
                    content_type,
                } => {
                    let (body, n) = source.open(name).await?;
                    len = add_len(len, n)?;
                    let part = reqwest::multipart::Part::stream_with_length(body, n)
                        .file_name(quote_filename(filename));
                    match content_type {
                        None => part,
                        Some(ct) => part.mime_str(ct).map_err(|_| {
                            Error::invalid_input(
                                name.as_str(),
                                format!("`{ct}` is not a MIME type"),
                            )
                        })?,
                    }
                }
            };
            form = form.part(name.clone(), part);
        }
        StreamingBody::multipart(form, len)
    }
}

fn add_len(total: u64, n: u64) -> Result<u64> {
    total
        .checked_add(n)
        .ok_or_else(|| Error::invalid_input("body", "the parts are larger than 2^64 bytes"))
}

/// A filename as Python `requests` (urllib3) writes it: `"`, CR and LF
/// percent-encoded, so none can end the header early.
fn quote_filename(name: &str) -> String {
    name.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

impl fmt::Debug for Multipart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut l = f.debug_list();
        for (name, value) in &self.parts {
            match value {
                PartValue::Text(s) => l.entry(&format_args!("{name}: <{} bytes>", s.len())),
                PartValue::File {
                    filename,
                    source,
                    content_type,
                } => match content_type {
                    None => l.entry(&format_args!("{name}: file {filename:?} {source:?}")),
                    Some(ct) => {
                        l.entry(&format_args!("{name}: file {filename:?} ({ct}) {source:?}"))
                    }
                },
            };
        }
        l.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_are_quoted_as_requests_does() {
        assert_eq!(quote_filename("a\"b\r\n.txt"), "a%22b%0D%0A.txt");
        assert_eq!(quote_filename("plain.txt"), "plain.txt");
    }

    #[tokio::test]
    async fn a_missing_path_names_its_part_before_anything_is_sent() {
        let m = Multipart::new().file(
            "content_file",
            "x",
            FileSource::path("/nonexistent/tenantry/x"),
        );
        match m.open().await.unwrap_err() {
            Error::InvalidInput { field, reason } => {
                assert_eq!(field, "content_file");
                assert!(reason.contains("/nonexistent/tenantry/x"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        let dir = std::env::temp_dir();
        let m = Multipart::new().file("f", "x", FileSource::path(&dir));
        let e = m.open().await.unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }

    #[tokio::test]
    async fn an_open_file_is_sent_from_its_position_and_only_once() {
        let path = std::env::temp_dir().join(format!("tenantry-mp-{}", std::process::id()));
        tokio::fs::write(&path, b"0123456789").await.unwrap();
        let mut f = tokio::fs::File::open(&path).await.unwrap();
        f.seek(std::io::SeekFrom::Start(4)).await.unwrap();
        let m = Multipart::new().file("f", "x", FileSource::file(f));
        assert!(!m.is_replayable());
        let body = m.open().await.unwrap();
        assert_eq!(body.content_len(), 6);
        let bytes = body.collect().await.unwrap();
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        assert!(text.contains("\r\n\r\n456789\r\n"), "{text}");
        let e = m.open().await.unwrap_err();
        assert!(e.to_string().contains("sent once"), "{e}");
        tokio::fs::remove_file(&path).await.unwrap();
    }

    #[tokio::test]
    async fn a_file_that_shrinks_fails_the_body_instead_of_sending_less() {
        let path = std::env::temp_dir().join(format!("tenantry-mp-shrink-{}", std::process::id()));
        tokio::fs::write(&path, vec![7u8; 100]).await.unwrap();
        let f = tokio::fs::File::open(&path).await.unwrap();
        let stream = read_exactly(f, 150);
        let got: Vec<std::io::Result<Bytes>> = futures::StreamExt::collect(stream).await;
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].as_ref().unwrap().len(), 100);
        let e = got[1].as_ref().unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof);
        tokio::fs::remove_file(&path).await.unwrap();
    }
}
