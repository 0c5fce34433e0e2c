//! Flat memory: a 50 MiB band upload and a 50 MiB uid-list download, each
//! raising this process's peak resident memory (`VmHWM`, reset before each
//! phase through `/proc/self/clear_refs`) by far less than the file.
//!
//! The simulator reads a whole request body into memory (axum `Bytes`,
//! then `multer` over that one chunk) and keeps a band's uids, so it
//! cannot serve these two calls without holding the file itself, in this
//! very process. The two measured routes are therefore served by
//! streaming handlers in front of the simulator (`POST /band` reads the
//! body chunk by chunk, keeping its first bytes, its length and a hash;
//! `GET /band/{id}/uidlist` and the download link produce the file chunk
//! by chunk): what is measured is the client (and those handlers, which
//! hold a chunk at a time). The CAS login and the session go through the
//! simulator's router, behind the same server. That server is a plain
//! `axum::serve` on 127.0.0.1 (`SimServer` also reads every request body
//! whole, for its journal and limit), so the client's `https://` URLs are
//! sent as `http://` by a test transport wrapping `ReqwestTransport` (no
//! TLS buffers in the measure). Alone in its test binary so that no other
//! test shares the process's peak.

use axum::body::{Body, Bytes};
use axum::routing::{get, post};
use axum::Router;
use etunexus::models::ei::Band;
use etunexus::{Cas, Ei3, RetryConfig, Secret};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use tenantry_core::transport::{
    HttpRequest, HttpResponse, HttpTransport, StreamedResponse, StreamingRequest, TransportError,
};
use tenantry_core::ReqwestTransport;
use tenantry_sim::etunexus::*;
use tenantry_sim::EtunexusSim;

/// `ReqwestTransport` with every `https://` URL sent as `http://`.
#[derive(Debug)]
struct PlainHttp(ReqwestTransport);

fn plain(uri: &mut tenantry_core::http::Uri) {
    if let Some(rest) = uri.to_string().strip_prefix("https://") {
        *uri = format!("http://{rest}").parse().unwrap();
    }
}

#[async_trait::async_trait]
impl HttpTransport for PlainHttp {
    async fn send(&self, mut r: HttpRequest) -> Result<HttpResponse, TransportError> {
        plain(r.uri_mut());
        self.0.send(r).await
    }
    async fn send_streaming(
        &self,
        mut r: StreamingRequest,
    ) -> Result<HttpResponse, TransportError> {
        plain(r.uri_mut());
        self.0.send_streaming(r).await
    }
    async fn send_download(&self, mut r: HttpRequest) -> Result<StreamedResponse, TransportError> {
        plain(r.uri_mut());
        self.0.send_download(r).await
    }
}

/// 50 MiB + 7.
const SIZE: u64 = 50 * 1024 * 1024 + 7;
const CHUNK: u64 = 64 * 1024;
/// Allowed growth of the peak resident memory per phase.
const BUDGET_KIB: u64 = 16 * 1024;

/// Byte `i` of the file: CSV-ish lines of digits, different everywhere a
/// lost or repeated chunk would show (the line length is prime to the
/// chunk size).
fn byte(i: u64) -> u8 {
    match i % 13 {
        12 => b'\n',
        k => b'0' + ((i / 13 + k) % 10) as u8,
    }
}

fn chunk_at(start: u64) -> Vec<u8> {
    (start..(start + CHUNK).min(SIZE)).map(byte).collect()
}

/// FNV-1a, 64 bits: enough to tell a corrupted body from the file.
#[derive(Clone, Copy)]
struct Fnv(u64);
impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn update(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// `VmHWM` / `VmRSS` in KiB.
fn status_kib(key: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = s
        .lines()
        .find(|l| l.starts_with(key))
        .unwrap_or_else(|| panic!("no {key} in /proc/self/status"));
    line[key.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap()
}

/// Resets the peak to the current resident size; returns it.
fn reset_peak() -> u64 {
    std::fs::write("/proc/self/clear_refs", "5")
        .expect("resetting VmHWM (/proc/self/clear_refs, Linux >= 4.0)");
    let hwm = status_kib("VmHWM:");
    let rss = status_kib("VmRSS:");
    assert!(hwm <= rss + 1024, "the peak was not reset: {hwm} > {rss}");
    hwm
}

/// What the upload handler saw: the body's first bytes, length and hash.
#[derive(Default)]
struct Seen {
    head: Vec<u8>,
    len: u64,
    hash: u64,
    content_type: String,
}

fn router(sim: &EtunexusSim, seen: Arc<Mutex<Seen>>) -> Router {
    let upload = post(move |req: axum::extract::Request| {
        let seen = seen.clone();
        async move {
            use futures::StreamExt;
            let ct = req
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let mut body = req.into_body().into_data_stream();
            let (mut head, mut len, mut hash) = (Vec::new(), 0u64, Fnv::new());
            while let Some(chunk) = body.next().await {
                let chunk = chunk.unwrap();
                if head.len() < 4096 {
                    let take = (4096 - head.len()).min(chunk.len());
                    head.extend_from_slice(&chunk[..take]);
                }
                len += chunk.len() as u64;
                hash.update(&chunk);
            }
            *seen.lock().unwrap() = Seen {
                head,
                len,
                hash: hash.0,
                content_type: ct,
            };
            axum::Json(serde_json::json!({"data": {
                "id": 77, "categoryId": 5, "name": "big", "type": "upload", "amount": 1
            }}))
        }
    });
    let link = get(|| async {
        axum::Json(serde_json::json!({"data": {"downloadLink": "EI/V3/download/big.csv"}}))
    });
    let download = get(|| async {
        let chunks = (0..SIZE.div_ceil(CHUNK))
            .map(|c| Ok::<_, std::io::Error>(Bytes::from(chunk_at(c * CHUNK))));
        Body::from_stream(futures::stream::iter(chunks))
    });
    Router::new()
        .route(&format!("{EI_BASE}/band"), upload)
        .route(&format!("{EI_BASE}/band/77/uidlist"), link)
        .route("/EI/V3/download/big.csv", download)
        .fallback_service(sim.router())
}

#[tokio::test]
async fn a_50_mib_band_upload_and_uid_download_keep_memory_flat() {
    let sim = EtunexusSim::seeded();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let seen2 = seen.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = listener.local_addr().unwrap().to_string();
    let server = tokio::spawn(async move {
        axum::serve(listener, router(&sim, seen2)).await.unwrap();
    });
    let cas = Cas::builder(
        SEED_GROUP,
        SEED_GROUP_ADMIN,
        Secret::new(SEED_GROUP_ADMIN_PASSWORD),
    )
    .host(&host)
    .app_host(&host)
    .transport(Arc::new(PlainHttp(
        ReqwestTransport::with_defaults().unwrap(),
    )))
    .retry(RetryConfig::disabled())
    .build()
    .unwrap();
    let ei = Ei3::new(&cas).unwrap();
    ei.login().await.unwrap();

    let dir = std::env::temp_dir().join(format!("etunexus-mem-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let up = dir.join("big.csv");
    {
        let mut f = std::fs::File::create(&up).unwrap();
        let mut at = 0;
        while at < SIZE {
            f.write_all(&chunk_at(at)).unwrap();
            at += CHUNK;
        }
    }
    assert_eq!(std::fs::metadata(&up).unwrap().len(), SIZE);

    // Upload.
    let before = reset_peak();
    let band = ei
        .bands()
        .create(Band::upload("5".parse().unwrap(), "big"))
        .file(&up)
        .send()
        .await
        .unwrap();
    let upload_growth = status_kib("VmHWM:").saturating_sub(before);
    assert_eq!(band.id, Some("77".parse().unwrap()));

    // The handler got the reference's layout with the file whole: the
    // head up to the file's content, the content, the closing boundary.
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    let boundary = seen
        .content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("{}", seen.content_type))
        .to_owned();
    let file_head =
        b"Content-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\nContent-Type: text/csv\r\n\r\n";
    let at = seen
        .head
        .windows(file_head.len())
        .position(|w| w == file_head)
        .expect("the file part's head")
        + file_head.len();
    let prefix = &seen.head[..at];
    let suffix = format!("\r\n--{boundary}--\r\n");
    assert_eq!(seen.len, at as u64 + SIZE + suffix.len() as u64);
    let mut want = Fnv::new();
    want.update(prefix);
    let mut i = 0;
    while i < SIZE {
        want.update(&chunk_at(i));
        i += CHUNK;
    }
    want.update(suffix.as_bytes());
    assert_eq!(seen.hash, want.0, "the body the server read");

    // Download.
    let down = dir.join("uids.csv");
    let before = reset_peak();
    let n = ei
        .bands()
        .download_uids(&"77".parse().unwrap(), &down)
        .await
        .unwrap();
    let download_growth = status_kib("VmHWM:").saturating_sub(before);
    assert_eq!(n, SIZE);
    let mut f = std::fs::File::open(&down).unwrap();
    let mut buf = vec![0u8; CHUNK as usize];
    let mut at = 0;
    loop {
        let got = f.read(&mut buf).unwrap();
        if got == 0 {
            break;
        }
        for (k, b) in buf[..got].iter().enumerate() {
            assert_eq!(*b, byte(at + k as u64), "byte {}", at + k as u64);
        }
        at += got as u64;
    }
    assert_eq!(at, SIZE);

    // Control: the measure does see a file held whole.
    let before = reset_peak();
    let whole = std::fs::read(&down).unwrap();
    let control_growth = status_kib("VmHWM:").saturating_sub(before);
    assert_eq!(whole.len() as u64, SIZE);
    drop(whole);
    assert!(
        control_growth > SIZE / 1024 * 9 / 10,
        "reading the file whole raised the peak by only {control_growth} KiB"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    server.abort();

    eprintln!(
        "peak RSS growth: upload {upload_growth} KiB, download {download_growth} KiB, \
         whole-file read (control) {control_growth} KiB, file {} KiB",
        SIZE / 1024
    );
    assert!(
        upload_growth < BUDGET_KIB,
        "upload raised the peak by {upload_growth} KiB"
    );
    assert!(
        download_growth < BUDGET_KIB,
        "download raised the peak by {download_growth} KiB"
    );
}
