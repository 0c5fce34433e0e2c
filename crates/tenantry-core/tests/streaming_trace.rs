//! Trace lines of a streamed request show `<streamed N bytes>`, never the
//! content. Alone in its test binary: a thread-local subscriber
//! (`set_default`) races with other tests registering the same callsites
//! (tracing caches a callsite's interest process-wide), which made it
//! fail about once in seven runs beside the other streaming tests.

mod common;

use common::fast_retry;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use tenantry_core::http::Method;
use tenantry_core::multipart::{FileSource, Multipart};
use tenantry_core::transport::mock::{Expect, MockTransport, Reply};
use tenantry_core::{Decl, Pipeline};

const UPLOAD_POST: Decl = Decl::post("demo.upload", "/upload");

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn trace_lines_show_streamed_n_bytes_never_the_content() {
    let cap = Capture::default();
    let c2 = cap.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || c2.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let path = std::env::temp_dir().join(format!("tenantry-stream-trace-{}", std::process::id()));
    std::fs::write(&path, b"FILE-CONTENT-PLANTED").unwrap();
    let mock = Arc::new(
        MockTransport::new().expect(
            Expect::new(Method::POST, "/v1/upload")
                .any_body()
                .reply(Reply::json(201, json!({}))),
        ),
    );
    let m = Multipart::new()
        .text("content_string", "TEXT-PLANTED")
        .file("content_file", "f.txt", FileSource::path(&path));
    assert!(!format!("{m:?}").contains("PLANTED"));
    let op = UPLOAD_POST.op().multipart(m);
    assert!(!format!("{op:?}").contains("PLANTED"));
    let _: Value = Pipeline::builder("demo")
        .base_url("http://127.0.0.1:9/v1")
        .transport(mock.clone())
        .retry(fast_retry())
        .build()
        .unwrap()
        .call(&op)
        .await
        .unwrap();
    let traced = String::from_utf8(cap.0.lock().unwrap().clone()).unwrap();
    // 12 bytes of text + 20 of file.
    assert!(traced.contains("<streamed 32 bytes>"), "{traced}");
    assert!(!traced.contains("PLANTED"), "{traced}");
    mock.verify().unwrap();
    std::fs::remove_file(path).unwrap();
}
