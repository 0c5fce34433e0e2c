//! HTTPS to a server with a self-signed certificate: trusted through
//! `TransportConfig::add_root_certificate_pem`, with verification on.

use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use tenantry_core::transport::{HttpTransport, TransportErrorKind};
use tenantry_core::{ReqwestTransport, TransportConfig};
use tenantry_sim::{SimOptions, SimServer, SimTls};

async fn https_sim() -> (SimServer, SimTls) {
    let tls = SimTls::self_signed().unwrap();
    let router = Router::new().route("/hello", get(|| async { "hello over tls" }));
    let server = SimServer::start_with(router, SimOptions::new().tls(tls.clone()))
        .await
        .unwrap();
    (server, tls)
}

fn get_req(url: &str) -> http::Request<Bytes> {
    http::Request::builder()
        .method("GET")
        .uri(url)
        .body(Bytes::new())
        .unwrap()
}

#[tokio::test]
async fn a_trusted_root_certificate_lets_https_through() {
    let (server, tls) = https_sim().await;
    let t =
        ReqwestTransport::new(TransportConfig::default().add_root_certificate_pem(tls.cert_pem()))
            .unwrap();
    let url = format!("{}/hello", server.base_url());
    assert!(url.starts_with("https://"));
    let resp = t.send(get_req(&url)).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(&resp.body()[..], b"hello over tls");
    let seen = server.journal().entries();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/hello");
}

#[tokio::test]
async fn without_the_root_certificate_the_handshake_fails() {
    let (server, _tls) = https_sim().await;
    let t = ReqwestTransport::new(TransportConfig::default()).unwrap();
    let err = t
        .send(get_req(&format!("{}/hello", server.base_url())))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.kind(),
            TransportErrorKind::Tls | TransportErrorKind::Connect
        ),
        "{err:?}"
    );
    assert!(server.journal().is_empty());
}

#[tokio::test]
async fn a_root_certificate_that_is_not_pem_is_a_config_error() {
    let err = ReqwestTransport::new(
        TransportConfig::default().add_root_certificate_pem("not a certificate"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("certificate"), "{err}");
}
