//! HTTPS for the simulators: a self-signed certificate made at start.

use std::fmt;
use std::sync::Arc;

use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// A self-signed certificate (and its key) for `localhost` and
/// `127.0.0.1`, made with `rcgen` when the value is created.
///
/// Pass it to [`SimOptions::tls`](crate::SimOptions::tls) to serve HTTPS.
/// Clients trust [`SimTls::cert_pem`] as a root certificate (for tenantry,
/// `TransportConfig::add_root_certificate_pem`); nothing needs to turn
/// certificate verification off. Clones share the certificate, so every
/// server of one `serve --tls` run can use the same one.
#[derive(Clone)]
pub struct SimTls {
    cert_pem: Arc<str>,
    config: Arc<rustls::ServerConfig>,
}

impl fmt::Debug for SimTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The private key is never printed.
        f.debug_struct("SimTls")
            .field("cert_pem", &self.cert_pem)
            .finish_non_exhaustive()
    }
}

fn tls_error(what: &str, err: impl fmt::Display) -> std::io::Error {
    std::io::Error::other(format!("{what}: {err}"))
}

impl SimTls {
    /// Make a new key pair and a self-signed certificate for `localhost`
    /// and `127.0.0.1`.
    pub fn self_signed() -> std::io::Result<SimTls> {
        let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        let certified = rcgen::generate_simple_self_signed(names)
            .map_err(|e| tls_error("cannot make the certificate", e))?;
        let cert_der = certified.cert.der().clone();
        let key =
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_error("TLS versions", e))?
            .with_no_client_auth()
            .with_single_cert(vec![cert_der], key)
            .map_err(|e| tls_error("TLS certificate", e))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(SimTls {
            cert_pem: certified.cert.pem().into(),
            config: Arc::new(config),
        })
    }

    /// The certificate in PEM form (the one a client trusts).
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    pub(crate) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(self.config.clone())
    }
}
