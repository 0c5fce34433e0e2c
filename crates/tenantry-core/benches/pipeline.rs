//! Requests per second through transport + bearer auth + retry, next to a
//! bare reqwest loop on the same local axum endpoint. Target: overhead ≤ 5%.
//!
//! `cargo bench -p tenantry-core --bench pipeline` prints criterion's figures
//! for both, then an interleaved head-to-head run with the ratio.

use criterion::{criterion_group, Criterion, Throughput};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tenantry_core::auth::bearer::BearerAuth;
use tenantry_core::http::Method;
use tenantry_core::{Operation, Pipeline, ReqwestTransport, RetryConfig, Secret, TransportConfig};

struct Fixture {
    rt: tokio::runtime::Runtime,
    url: String,
    bare: reqwest::Client,
    pipeline: Pipeline,
}

fn fixture() -> Fixture {
    // The server runs on its own runtime thread, like a separate process.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = axum::Router::new().route(
                "/items",
                axum::routing::get(|| async {
                    axum::Json(serde_json::json!({"count": 2, "items": ["a", "b"]}))
                }),
            );
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(l.local_addr().unwrap()).unwrap();
            axum::serve(l, app).await.unwrap();
        });
    });
    let addr = rx.recv().unwrap();
    let url = format!("http://{addr}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // The same requests on the wire: the bare client sends tenantry's
    // User-Agent too.
    let bare = reqwest::Client::builder()
        .user_agent(TransportConfig::default().get_user_agent())
        .build()
        .unwrap();
    let transport = Arc::new(ReqwestTransport::new(TransportConfig::default()).unwrap());
    let pipeline = Pipeline::builder("bench")
        .base_url(&url)
        .transport(transport)
        .auth(Arc::new(BearerAuth::token(Secret::new("bench-token"))))
        .retry(RetryConfig::standard())
        .build()
        .unwrap();
    Fixture {
        rt,
        url,
        bare,
        pipeline,
    }
}

async fn bare_once(f: &Fixture, url: &str) {
    let r = f
        .bare
        .get(url)
        .header("authorization", "Bearer bench-token")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let b = r.bytes().await.unwrap();
    assert!(!b.is_empty());
}

async fn tenantry_once(f: &Fixture, op: &Operation) {
    let r = f.pipeline.send(op).await.unwrap();
    assert!(!r.body().is_empty());
}

fn bench(c: &mut Criterion) {
    let f = fixture();
    let url = format!("{}/items", f.url);
    let op = Operation::new("bench.list", Method::GET, "/items");
    let mut g = c.benchmark_group("get_items");
    g.throughput(Throughput::Elements(1));
    g.bench_function("bare_reqwest", |b| {
        b.to_async(&f.rt).iter(|| bare_once(&f, &url))
    });
    g.bench_function("tenantry_pipeline", |b| {
        b.to_async(&f.rt).iter(|| tenantry_once(&f, &op))
    });
    g.finish();
    head_to_head(&f, &url, &op);
}

/// Interleaved rounds so both loops see the same machine state; the ratio
/// is the median of the per-round ratios (each round runs both loops back
/// to back, alternating which goes first), so slow drifts cancel out.
fn head_to_head(f: &Fixture, url: &str, op: &Operation) {
    // Many short rounds: on a shared machine the speed drifts within
    // seconds, and short alternating rounds see the same drift.
    let n = 200;
    let rounds = 151;
    let mut bare = Vec::new();
    let mut ours = Vec::new();
    let mut ratios = Vec::new();
    let time_bare = || {
        let t = Instant::now();
        f.rt.block_on(async {
            for _ in 0..n {
                bare_once(f, url).await;
            }
        });
        n as f64 / t.elapsed().as_secs_f64()
    };
    let time_ours = || {
        let t = Instant::now();
        f.rt.block_on(async {
            for _ in 0..n {
                tenantry_once(f, op).await;
            }
        });
        n as f64 / t.elapsed().as_secs_f64()
    };
    for round in 0..rounds {
        let (b, o) = if round % 2 == 0 {
            let b = time_bare();
            (b, time_ours())
        } else {
            let o = time_ours();
            (time_bare(), o)
        };
        bare.push(b);
        ours.push(o);
        ratios.push(o / b);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    let (b, o, r) = (median(&mut bare), median(&mut ours), median(&mut ratios));
    println!(
        "head-to-head ({rounds} paired rounds x {n} sequential GETs): bare reqwest {b:.0} req/s, \
         tenantry {o:.0} req/s, median paired ratio {r:.3} (overhead {:.1}%; rounds {:.3}..{:.3})",
        (1.0 - r) * 100.0,
        ratios[0],
        ratios[ratios.len() - 1]
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_secs(1));
    targets = bench
}

/// `TENANTRY_BENCH_PROFILE=bare|ours[:N]` runs only that loop N times
/// (default 5000) and exits: for `valgrind --tool=callgrind
/// --separate-threads=yes`, whose instruction counts per request do not
/// depend on how busy the machine is.
fn profile_only(spec: &str) {
    let (which, n) = spec.split_once(':').unwrap_or((spec, "5000"));
    let n: usize = n.parse().expect("N");
    let f = fixture();
    let url = format!("{}/items", f.url);
    let op = Operation::new("bench.list", Method::GET, "/items");
    f.rt.block_on(async {
        for _ in 0..n {
            match which {
                "bare" => bare_once(&f, &url).await,
                _ => tenantry_once(&f, &op).await,
            }
        }
    });
}

fn main() {
    if let Ok(spec) = std::env::var("TENANTRY_BENCH_PROFILE") {
        profile_only(&spec);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
