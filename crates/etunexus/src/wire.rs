//! Wire-only shapes: EI's `{"data": …}` envelope (quirk §10.12), the delete
//! echo checks, the multipart body, query dates.

use bytes::Bytes;
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;
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

/// A `multipart/form-data` body, built in memory: text parts in order,
/// then one file part (the reference's `MultipartPostHandler` layout,
/// §3.3). Core's request body is one buffer, so a file is read whole (no
/// streaming yet).
pub(crate) struct Multipart {
    boundary: String,
    body: Vec<u8>,
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
        Multipart {
            boundary: format!("tenantry-{}", uuid::Uuid::new_v4().simple()),
            body: Vec::new(),
        }
    }

    pub(crate) fn text(&mut self, name: &str, value: &str) {
        self.body.extend_from_slice(
            format!(
                "--{}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n",
                self.boundary,
                quoted(name)
            )
            .as_bytes(),
        );
        self.body.extend_from_slice(value.as_bytes());
        self.body.extend_from_slice(b"\r\n");
    }

    /// The `file` part.
    pub(crate) fn file(&mut self, filename: &str, content_type: &str, content: &[u8]) {
        self.body.extend_from_slice(
            format!(
                "--{}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                self.boundary,
                quoted(filename),
                content_type
            )
            .as_bytes(),
        );
        self.body.extend_from_slice(content);
        self.body.extend_from_slice(b"\r\n");
    }

    /// Reads `path` and adds it as the `file` part (type from the
    /// extension: `.csv` `text/csv`, `.json` `application/json`, else
    /// `application/octet-stream`). A file that cannot be read is
    /// [`Error::InvalidInput`] naming `file`, before anything is sent.
    pub(crate) async fn file_from(&mut self, path: &Path) -> Result<()> {
        let content = tokio::fs::read(path).await.map_err(|e| {
            Error::invalid_input("file", format!("cannot read {}: {e}", path.display()))
        })?;
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
        self.file(&name, ct, &content);
        Ok(())
    }

    /// `(content type, body)`.
    pub(crate) fn finish(mut self) -> (String, Bytes) {
        self.body
            .extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
        (
            format!("multipart/form-data; boundary={}", self.boundary),
            Bytes::from(self.body),
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
        m.file("null", "application/octet-stream", b"");
        let b = m.boundary.clone();
        let (ct, body) = m.finish();
        assert_eq!(ct, format!("multipart/form-data; boundary={b}"));
        let want = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nb\"x\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"null\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--{b}--\r\n"
        );
        assert_eq!(String::from_utf8(body.to_vec()).unwrap(), want);
    }
}
