//! A 50 MiB asset uploaded with flat memory (issue #17): the content file
//! is streamed from disk to a loopback server started here (an axum
//! handler that streams the body, counts its bytes and checks the
//! multipart shape and every content byte as they arrive), and the heap's
//! peak growth during the upload, measured by a counting global allocator
//! in this test binary (client and server together), stays under 8 MiB.
//!
//! One test in this binary: the allocator counts the whole process.

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::StreamExt;
use serde_json::{json, Value};
use squonk2_as::models::AssetScope;
use squonk2_as::{RetryConfig, Secret, Squonk2Client, TransportConfig};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

/// Bytes on the heap now, and the most there were since the last reset.
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

struct Counting;

fn grew(by: usize) {
    let now = CURRENT.fetch_add(by, Relaxed) + by;
    PEAK.fetch_max(now, Relaxed);
}

// SAFETY: every call is forwarded to the system allocator unchanged; only
// sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = System.alloc(l);
        if !p.is_null() {
            grew(l.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(l);
        if !p.is_null() {
            grew(l.size());
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        System.dealloc(p, l);
        CURRENT.fetch_sub(l.size(), Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = System.realloc(p, l, new);
        if !q.is_null() {
            if new >= l.size() {
                grew(new - l.size());
            } else {
                CURRENT.fetch_sub(l.size() - new, Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const SIZE: u64 = 50 * 1024 * 1024;
const LIMIT: usize = 8 * 1024 * 1024;
const ASSET: &str = "asset-44444444-5555-6666-7777-888888888888";

/// The content: a pattern, so every byte is checked, not only the count.
fn pattern(i: u64) -> u8 {
    (i % 251) as u8
}

/// Checks the upload as it streams: the multipart head (text parts and
/// the file part's header), the content byte by byte, the closing
/// boundary; never holds more than one chunk.
async fn upload(headers: HeaderMap, body: Body) -> (StatusCode, Json<Value>) {
    let fail = |m: String| (StatusCode::BAD_REQUEST, Json(json!({"error": m})));
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(b) = ct.strip_prefix("multipart/form-data; boundary=") else {
        return fail(format!("content-type {ct}"));
    };
    let text = |name: &str, value: &str| {
        format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
    };
    let head = [
        text("name", "big"),
        text("scope", "USER"),
        text("secret", "False"),
        text("scope_id", "dlister"),
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"content_file\"; filename=\"big.bin\"\r\n\r\n"
        ),
    ]
    .concat()
    .into_bytes();
    let tail = format!("\r\n--{b}--\r\n").into_bytes();
    let (h, n) = (head.len() as u64, SIZE);
    let total_want = h + n + tail.len() as u64;
    let declared = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared != Some(total_want) {
        return fail(format!("content-length {declared:?}, want {total_want}"));
    }
    let mut pos: u64 = 0;
    let mut chunks = 0u64;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => return fail(format!("body: {e}")),
        };
        chunks += 1;
        for &byte in chunk.iter() {
            let want = if pos < h {
                head[pos as usize]
            } else if pos < h + n {
                pattern(pos - h)
            } else if pos < total_want {
                tail[(pos - h - n) as usize]
            } else {
                return fail(format!("more than {total_want} bytes"));
            };
            if byte != want {
                return fail(format!("byte {pos}: {byte} instead of {want}"));
            }
            pos += 1;
        }
    }
    if pos != total_want {
        return fail(format!("{pos} bytes, want {total_want}"));
    }
    (
        StatusCode::CREATED,
        Json(json!({"id": ASSET, "bytes": pos, "chunks": chunks})),
    )
}

/// The process's peak resident set (`VmHWM`), in KiB, for the record.
fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_50_mib_asset_is_uploaded_with_flat_memory() {
    // The file, written in 1 MiB pieces.
    let dir = std::env::temp_dir().join(format!("squonk2-upload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.bin");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let mut buf = vec![0u8; 1 << 20];
        let mut i = 0u64;
        while i < SIZE {
            for (k, b) in buf.iter_mut().enumerate() {
                *b = pattern(i + k as u64);
            }
            f.write_all(&buf).unwrap();
            i += buf.len() as u64;
        }
        f.flush().unwrap();
    }
    assert_eq!(std::fs::metadata(&path).unwrap().len(), SIZE);

    let app = Router::new()
        .route(
            "/account-server-api/version",
            get(|| async { Json(json!({"version": "1"})) }),
        )
        .route("/account-server-api/asset", post(upload))
        // The body is streamed by the handler: no 2 MiB default cap.
        .layer(axum::extract::DefaultBodyLimit::disable());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let client = Squonk2Client::builder(format!("http://{addr}/account-server-api"))
        .token(Secret::new("tok-upload"))
        .retry(RetryConfig::disabled())
        .transport_config(TransportConfig::default().timeout(Duration::from_secs(300)))
        .build()
        .unwrap();
    // Warm up: the connection, the pool, lazy statics.
    client.version().await.unwrap();

    let baseline = CURRENT.load(Relaxed);
    PEAK.store(baseline, Relaxed);
    let id = client
        .assets()
        .create()
        .name("big")
        .scope(AssetScope::User)
        .scope_id("dlister")
        .content_file(&path)
        .send()
        .await
        .unwrap();
    let peak_growth = PEAK.load(Relaxed).saturating_sub(baseline);
    assert_eq!(id.as_str(), ASSET);
    println!(
        "50 MiB upload: heap peak growth {peak_growth} bytes ({:.2} MiB), limit {LIMIT}; \
         process VmHWM {:?} KiB",
        peak_growth as f64 / (1024.0 * 1024.0),
        vm_hwm_kib()
    );
    assert!(
        peak_growth < LIMIT,
        "heap grew by {peak_growth} bytes during the upload"
    );
    server.abort();
    let _ = server.await;
    std::fs::remove_file(&path).unwrap();
}
