//! CAS REST single sign-on (Etu Nexus), then an Apache Shiro session per
//! application.
//!
//! 1. `POST {cas}/cas/v1/tickets` with the form `username={group}\{user}` and
//!    `password`; the ticket-granting ticket (TGT) is the last segment of the
//!    `Location` header.
//! 2. `POST {cas}/cas/v1/tickets/{TGT}` with the form `service={service URL}`;
//!    the whole body is the service ticket (ST). Tickets are single-use: a
//!    fresh one is fetched for every login, never replayed.
//! 3. `GET {service URL}?ticket={ST}`; the application's `Set-Cookie`
//!    (`JSESSIONID`) is the session, kept per application.
//!
//! A refused session (401, a redirect to `/cas/login`, or an HTML page where
//! JSON was due) is forgotten and the login runs again once; a refused ST
//! request gets a fresh TGT once.
//!
//! The TGT and each application's session are an
//! [`endpoint::Resolver`](crate::endpoint::Resolver) shared by the clones:
//! concurrent callers share one login, a failed login fails them all at
//! once (the next call tries again), and callers refused with the same
//! session cause one new login.
//!
//! Differences from the reference (`etunexus` 0.6.8): form bodies are sent as
//! `application/x-www-form-urlencoded` (the reference labels them `test/html`
//! and `application/json`; the server parses the body either way); the ST is
//! presented once (the reference sends the validation GET twice and swallows
//! the 403 of the second); a failed TGT request is an error (the reference
//! goes on and posts to `/cas/v1/tickets/None`); expired sessions log in again.

use super::{form, request, AuthStrategy};
use crate::endpoint::Resolver;
use crate::error::{AuthError, AuthErrorKind, Error, Result};
use crate::redact::Scrubber;
use crate::secret::Secret;
use crate::transport::{HttpRequest, HttpResponse, HttpTransport};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};
use std::sync::Arc;
use url::Url;

#[derive(Debug)]
struct SsoInner {
    tickets_url: Url,
    group: String,
    username: String,
    password: Secret,
    tgt: Resolver<Secret>,
}

/// A CAS login (one TGT), shared by the applications that use it.
///
/// ```
/// use tenantry_core::{auth::cas::CasSso, Secret};
/// let sso = CasSso::new("https://emc.example.com", "workshop", "alice", Secret::new("pw"))?;
/// let emc = sso.application("https://emc.example.com/shiro-cas")?;
/// let er = sso.application("https://er.example.com/ER/V3/shiro-cas")?;
/// # let _ = (emc, er);
/// # Ok::<(), tenantry_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct CasSso {
    inner: Arc<SsoInner>,
}

impl CasSso {
    /// `cas_url` is the CAS server root (tickets are under `/cas/v1/tickets`).
    pub fn new(
        cas_url: &str,
        group: impl Into<String>,
        username: impl Into<String>,
        password: Secret,
    ) -> Result<Self> {
        let group = group.into();
        let username = username.into();
        if group.is_empty() {
            return Err(Error::invalid_input("group", "must not be empty"));
        }
        if username.is_empty() {
            return Err(Error::invalid_input("username", "must not be empty"));
        }
        if password.is_empty() {
            return Err(Error::invalid_input("password", "must not be empty"));
        }
        let tickets_url = Url::parse(&format!("{}/cas/v1/tickets", cas_url.trim_end_matches('/')))
            .map_err(|e| Error::Config(format!("bad CAS URL: {e}")))?;
        Ok(CasSso {
            inner: Arc::new(SsoInner {
                tickets_url,
                group,
                username,
                password,
                tgt: Resolver::new(),
            }),
        })
    }

    /// An application behind this login; `service_url` is its shiro-cas URL
    /// (for example `https://host/ER/V3/shiro-cas`).
    pub fn application(&self, service_url: &str) -> Result<CasApp> {
        let service_url =
            Url::parse(service_url).map_err(|e| Error::Config(format!("bad service URL: {e}")))?;
        Ok(CasApp {
            sso: self.clone(),
            service_url,
            session: Arc::new(Resolver::new()),
        })
    }

    /// Logs in to CAS now (`POST /cas/v1/tickets`) unless a TGT is held;
    /// concurrent callers share one login. Applications also log in lazily
    /// on first use, so calling this is optional.
    pub async fn login(&self, transport: &dyn HttpTransport) -> Result<()> {
        self.tgt(transport, None).await.map(|_| ())
    }

    /// Whether a TGT is held.
    pub fn has_tgt(&self) -> bool {
        self.inner.tgt.get().is_some()
    }

    /// The TGT: cached, or from one login shared by concurrent callers;
    /// `refused` (a TGT the server refused) is forgotten first, unless a
    /// newer one has replaced it.
    async fn tgt(&self, transport: &dyn HttpTransport, refused: Option<&Secret>) -> Result<Secret> {
        if let Some(old) = refused {
            self.inner.tgt.clear_if(|t| t == old);
        }
        self.inner.tgt.get_or_run(|| self.new_tgt(transport)).await
    }

    /// `POST /cas/v1/tickets`: a new TGT.
    async fn new_tgt(&self, transport: &dyn HttpTransport) -> Result<Secret> {
        let i = &self.inner;
        let login = format!("{}\\{}", i.group, i.username);
        let req = request(
            Method::POST,
            &i.tickets_url,
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("accept", "application/json, text/plain, */*"),
                ("pragma", "no-cache"),
            ],
            form(&[("username", &login), ("password", i.password.expose())]),
        )?;
        let scrubber = Scrubber::request(&req);
        let resp = transport.send(req).await.map_err(|e| {
            AuthError::new(
                AuthErrorKind::Unavailable,
                format!("CAS TGT request failed: {e}"),
            )
        })?;
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) {
            let kind = if matches!(status, 400 | 401 | 403) {
                AuthErrorKind::InvalidCredentials
            } else {
                AuthErrorKind::Unavailable
            };
            let e = AuthError::from_answer(kind, "CAS refused the login", status, resp.body());
            return Err(self.scrubbed(e, &scrubber, resp.body()).into());
        }
        let tgt = resp
            .headers()
            .get(http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| l.rsplit('/').next())
            .filter(|t| !t.is_empty())
            .map(Secret::new)
            .ok_or_else(|| {
                let e = AuthError::from_answer(
                    AuthErrorKind::BadAnswer,
                    "CAS answer has no Location with a TGT",
                    status,
                    resp.body(),
                );
                self.scrubbed(e, &scrubber, resp.body())
            })?;
        Ok(tgt)
    }

    async fn service_ticket(&self, transport: &dyn HttpTransport, service: &Url) -> Result<Secret> {
        let mut refused: Option<Secret> = None;
        loop {
            let tgt = self.tgt(transport, refused.as_ref()).await?;
            let url = Url::parse(&format!(
                "{}/{}",
                self.inner.tickets_url,
                crate::pipeline::encode_segment(tgt.expose())
            ))
            .map_err(|e| Error::Config(format!("bad ticket URL: {e}")))?;
            let req = request(
                Method::POST,
                &url,
                &[
                    ("content-type", "application/x-www-form-urlencoded"),
                    ("accept", "application/json, text/plain, */*"),
                    ("pragma", "no-cache"),
                ],
                form(&[("service", service.as_str())]),
            )?;
            // The TGT is in the path.
            let scrubber = Scrubber::request(&req).with_secret(tgt.expose());
            let resp = transport.send(req).await.map_err(|e| {
                AuthError::new(
                    AuthErrorKind::Unavailable,
                    format!("CAS service-ticket request failed: {e}"),
                )
            })?;
            let status = resp.status().as_u16();
            if (200..300).contains(&status) {
                // The whole body is the ticket; trim a stray newline.
                let st = String::from_utf8_lossy(resp.body()).trim().to_owned();
                if st.is_empty() {
                    return Err(AuthError::new(
                        AuthErrorKind::BadAnswer,
                        "CAS answered an empty service ticket",
                    )
                    .into());
                }
                return Ok(Secret::new(st));
            }
            if refused.is_none() && matches!(status, 400 | 401 | 404) {
                // The TGT expired or was revoked: log in again once.
                tracing::debug!(status, "CAS refused the TGT; logging in again");
                refused = Some(tgt);
                continue;
            }
            let e = AuthError::from_answer(
                AuthErrorKind::Rejected,
                "CAS refused the service-ticket request",
                status,
                resp.body(),
            );
            return Err(self.scrubbed(e, &scrubber, resp.body()).into());
        }
    }

    /// `e` with its excerpt re-made from `body` by the request's scrubber,
    /// the password masked too.
    fn scrubbed(&self, mut e: AuthError, scrubber: &Scrubber, body: &[u8]) -> AuthError {
        e.excerpt = self.scrub(&scrubber.excerpt(body));
        e
    }

    fn scrub(&self, text: &str) -> String {
        crate::redact::scrub_values(text, &[self.inner.password.expose()])
    }
}

/// One application's session (a [`CasSso`] login plus its cookies). Clones
/// share the session.
#[derive(Debug, Clone)]
pub struct CasApp {
    sso: CasSso,
    service_url: Url,
    /// The session's `Cookie` header value (sensitive: its `Debug` shows
    /// no content), made once per login, shared by every request.
    session: Arc<Resolver<HeaderValue>>,
}

impl CasApp {
    /// The application's CAS service URL.
    pub fn service_url(&self) -> &Url {
        &self.service_url
    }

    /// Whether a session cookie is held.
    pub async fn has_session(&self) -> bool {
        self.session.get().is_some()
    }

    /// Logs in to the application now (a service ticket, then its
    /// validation) unless a session is held; concurrent callers share one
    /// login. Calls also log in lazily, so calling this is optional.
    pub async fn login(&self, transport: &dyn HttpTransport) -> Result<()> {
        self.cookie(transport).await.map(|_| ())
    }

    /// Forgets the session (nothing is sent: CAS has no logout here); the
    /// next call logs in again with a fresh service ticket.
    pub fn logout(&self) {
        self.session.clear_if(|_| true);
    }

    /// The `Cookie` header value of the session, logging in if needed (one
    /// login for every concurrent caller).
    async fn cookie(&self, transport: &dyn HttpTransport) -> Result<HeaderValue> {
        self.session
            .get_or_run(|| self.new_session(transport))
            .await
    }

    /// Service ticket, then its validation: a new session cookie.
    async fn new_session(&self, transport: &dyn HttpTransport) -> Result<HeaderValue> {
        let st = self
            .sso
            .service_ticket(transport, &self.service_url)
            .await?;
        let mut url = self.service_url.clone();
        url.query_pairs_mut().append_pair("ticket", st.expose());
        let req = request(Method::GET, &url, &[], Bytes::new())?;
        let scrubber = Scrubber::request(&req).with_secret(st.expose());
        let resp = transport.send(req).await.map_err(|e| {
            AuthError::new(
                AuthErrorKind::Unavailable,
                format!("shiro-cas validation failed: {e}"),
            )
        })?;
        let status = resp.status().as_u16();
        if !(200..400).contains(&status) {
            let e = AuthError::from_answer(
                AuthErrorKind::Rejected,
                "the application refused the service ticket",
                status,
                resp.body(),
            );
            return Err(self.sso.scrubbed(e, &scrubber, resp.body()).into());
        }
        let cookie = cookies(&resp).ok_or_else(|| {
            let e = AuthError::from_answer(
                AuthErrorKind::BadAnswer,
                "the application set no usable session cookie",
                status,
                resp.body(),
            );
            self.sso.scrubbed(e, &scrubber, resp.body())
        })?;
        Ok(cookie)
    }
}

/// `name=value; name=value` from every `Set-Cookie` of an answer, as a
/// sensitive header value (`None` without one, or if not a valid value).
fn cookies(resp: &HttpResponse) -> Option<HeaderValue> {
    let pairs: Vec<&str> = resp
        .headers()
        .get_all(http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .map(str::trim)
        .filter(|p| p.contains('='))
        .collect();
    if pairs.is_empty() {
        return None;
    }
    let mut v = HeaderValue::from_str(&pairs.join("; ")).ok()?;
    v.set_sensitive(true);
    Some(v)
}

#[async_trait::async_trait]
impl AuthStrategy for CasApp {
    async fn apply(&self, request: &mut HttpRequest, transport: &dyn HttpTransport) -> Result<()> {
        let cookie = self.cookie(transport).await?;
        request.headers_mut().insert(http::header::COOKIE, cookie);
        Ok(())
    }

    fn is_rejection(&self, response: &HttpResponse) -> bool {
        let status = response.status();
        if status == http::StatusCode::UNAUTHORIZED {
            return true;
        }
        if status.is_redirection() {
            // Shiro sends an expired session to the CAS login page.
            return response
                .headers()
                .get(http::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|l| l.contains("/cas/login"));
        }
        status.is_success()
            && response
                .headers()
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ct| ct.starts_with("text/html"))
    }

    async fn invalidate(&self, sent: &HeaderMap) -> bool {
        let sent = sent.get(http::header::COOKIE);
        self.session.clear_if(|c| sent.is_none_or(|s| s == c));
        true
    }

    fn scrub(&self, text: &str) -> String {
        self.sso.scrub(text)
    }
}
