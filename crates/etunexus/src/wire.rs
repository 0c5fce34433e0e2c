//! Wire-only shapes: EI's `{"data": …}` envelope (quirk §10.12), the delete
//! echo checks, the multipart bodies, query dates.

use bytes::Bytes;
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;
use tenantry_core::multipart::FileSource;
use tenantry_core::{Error, Result};

/// EI wraps every answer in `{"data": …}`.
#[derive(Deserialize)]
pub(crate) struct Data<T> {
    pub(crate) data: T,
}

/// A delete (or password change) answers the id it acted on: as a bare
/// number (EMC, ER), `{"id": n}` (EI band), or `[{"id": n, …}]` (EI band
/// category). Anything else is an [`Error::Decode`] (the reference raises
/// `AssertionError`).
pub(crate) fn check_echo(operation: &str, sent: u64, got: &Value) -> Result<()> {
    let id = match got {
        Value::Array(a) => a.first().and_then(|v| v.get("id")),
        Value::Object(o) => o.get("id"),
        other => Some(other),
    };
    let same = id.is_some_and(|v| match v {
        Value::Number(n) => {
            n.as_u64() == Some(sent) || n.as_f64().is_some_and(|f| f == sent as f64)
        }
        _ => false,
    });
    if same {
        Ok(())
    } else {
        Err(Error::Decode {
            operation: operation.to_owned(),
            status: 200,
            path: ".".to_owned(),
            message: format!("the answer does not echo the id {sent}"),
            excerpt: tenantry_core::redact::excerpt(got.to_string().as_bytes()),
        })
    }
}

/// `YYYY-MM-DD`.
pub(crate) fn ymd(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A date range whose end is before its start is refused, naming the end.
pub(crate) fn check_range<T: PartialOrd>(start: &T, end: &T, end_field: &str) -> Result<()> {
    if end < start {
        return Err(Error::invalid_input(
            end_field,
            "must not be before the start",
        ));
    }
    Ok(())
}

/// A `multipart/form-data` body in the reference's `MultipartPostHandler`
/// layout (§3.3): text parts in order, then one `file` part with a
/// `Content-Type` from the file name. With a file
/// ([`with_file`](Self::with_file)) the body is core's streamed form: the
/// file is read from disk while the request is sent, never whole in
/// memory. Without one ([`with_empty_file`](Self::with_empty_file), a
/// band sent with no CSV) the body is a small buffer with the empty
/// `filename="null"` part: it can be sent again after a fresh login, which
/// a streamed body never is.
pub(crate) struct Multipart {
    texts: Vec<(String, String)>,
}

/// A name or file name in a `Content-Disposition`: `"` and line breaks
/// escaped as browsers do.
fn quoted(s: &str) -> String {
    s.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

impl Multipart {
    pub(crate) fn new() -> Self {
        Multipart { texts: Vec::new() }
    }

    pub(crate) fn text(&mut self, name: &str, value: &str) {
        self.texts.push((name.to_owned(), value.to_owned()));
    }

    /// The form with `path` as the `file` part, streamed from disk when the
    /// request is sent: its base name as the file name, its type from the
    /// extension (`.csv` `text/csv`, `.json` `application/json`, else
    /// `application/octet-stream`). A file that cannot be opened is
    /// [`Error::InvalidInput`] naming `file`, before anything is sent.
    pub(crate) fn with_file(self, path: &Path) -> tenantry_core::multipart::Multipart {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".to_owned());
        let ct = match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv") => "text/csv",
            Some("json") => "application/json",
            _ => "application/octet-stream",
        };
        let mut form = tenantry_core::multipart::Multipart::new();
        for (k, v) in self.texts {
            form = form.text(k, v);
        }
        form.file_typed("file", name, ct, FileSource::path(path))
    }

    /// `(content type, body)`: the form with the reference's empty
    /// `/dev/null` file part (`filename="null"`, octet-stream), in memory.
    pub(crate) fn with_empty_file(self) -> (String, Bytes) {
        let boundary = format!("tenantry-{}", uuid::Uuid::new_v4().simple());
        let mut body = Vec::new();
        for (k, v) in &self.texts {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n",
                    quoted(k)
                )
                .as_bytes(),
            );
            body.extend_from_slice(v.as_bytes());
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"null\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--{boundary}--\r\n"
            )
            .as_bytes(),
        );
        (
            format!("multipart/form-data; boundary={boundary}"),
            Bytes::from(body),
        )
    }
}

/// Python 2's `str()` of a boolean, as the reference's form and multipart
/// bodies carry it (quirk §10.9).
pub(crate) fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn echoes() {
        assert!(check_echo("x", 7, &json!(7)).is_ok());
        assert!(check_echo("x", 7, &json!(7.0)).is_ok());
        assert!(check_echo("x", 7, &json!({"id": 7})).is_ok());
        assert!(check_echo("x", 7, &json!([{"id": 7, "name": "a"}])).is_ok());
        assert!(check_echo("x", 7, &json!("7")).is_err());
        assert!(check_echo("x", 7, &json!(8)).is_err());
        assert!(check_echo("x", 7, &json!([])).is_err());
    }

    #[test]
    fn multipart_layout() {
        let mut m = Multipart::new();
        m.text("name", "b\"x");
        let (ct, body) = m.with_empty_file();
        let b = ct
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap()
            .to_owned();
        let want = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nb\"x\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"null\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--{b}--\r\n"
        );
        assert_eq!(String::from_utf8(body.to_vec()).unwrap(), want);
    }

    /// The streamed form has the same layout, the file part typed by its
    /// extension and read from disk.
    #[tokio::test]
    async fn streamed_layout_is_the_same() {
        let dir = std::env::temp_dir().join(format!("etunexus-wire-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("up.csv");
        std::fs::write(&path, "uid\nu1\n").unwrap();
        let mut m = Multipart::new();
        m.text("groupId", "2");
        let form = m.with_file(&path);
        let mock = std::sync::Arc::new(tenantry_core::transport::mock::MockTransport::new());
        mock.push(
            tenantry_core::transport::mock::Expect::new(tenantry_core::http::Method::POST, "/item")
                .any_body()
                .reply(tenantry_core::transport::mock::Reply::json(
                    200,
                    serde_json::json!({}),
                )),
        );
        let p = tenantry_core::Pipeline::builder("t")
            .base_url("http://etu.test")
            .transport(mock.clone())
            .build()
            .unwrap();
        let op = tenantry_core::Decl::post("t.up", "/item")
            .op()
            .multipart(form);
        let _: Value = p.call(&op).await.unwrap();
        let req = &mock.requests()[0];
        let ct = req.headers()["content-type"].to_str().unwrap();
        let b = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
        let want = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"groupId\"\r\n\r\n2\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"up.csv\"\r\nContent-Type: text/csv\r\n\r\nuid\nu1\n\r\n--{b}--\r\n"
        );
        assert_eq!(String::from_utf8(req.body().to_vec()).unwrap(), want);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
