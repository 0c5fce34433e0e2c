//! Async client for Synnefo Astakos (identity, user catalogs, quotas,
//! commissions, projects, memberships), equivalent on the wire to the Python
//! `astakosclient` 0.19.
//!
//! # Quick start
//!
//! ```toml
//! [dependencies]
//! astakos-client = "0.1"
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! ```
//!
//! ```no_run
//! #[tokio::main]
//! async fn main() -> astakos_client::Result<()> {
//!     // TENANTRY_ASTAKOS_URL=https://accounts.example.org/identity/v2.0
//!     // TENANTRY_ASTAKOS_TOKEN=<a user token>
//!     let client = astakos_client::AstakosClient::from_env()?;
//!     for (project, resources) in client.quotas().get().await? {
//!         println!("{project}: {} resources", resources.len());
//!     }
//!     Ok(())
//! }
//! ```
//!
//! Errors are [`tenantry_core::Error`], re-exported as [`Error`] (see
//! [Errors](#errors)).
//!
//! A commission, with a service token:
//!
//! ```no_run
//! use astakos_client::{AstakosClient, ProjectId, Secret, Uuid};
//! # async fn run() -> astakos_client::Result<()> {
//! let client = AstakosClient::builder("https://accounts.example.org/identity/v2.0", Secret::new("token"))
//!     .build()?;
//! let user = Uuid::new("73917abc-abcd-477e-a1f1-1763abcdefab")?;
//! let serial = client.commissions().issue_one(&user)
//!     .provision((&ProjectId::from(&user), "cyclades.vm"), 1).send().await?;
//! client.commissions().accept(serial).await?;
//! # Ok(()) }
//! ```
//!
//! Handler methods take only typed ids; the rest goes on the builder, and a
//! required field left unset is refused before anything is sent:
//!
//! ```no_run
//! use astakos_client::models::{NewProject, ProjectAction};
//! # async fn run(client: astakos_client::AstakosClient) -> astakos_client::Result<()> {
//! let spec = NewProject::new("lab.example.org", "2030-01-01T00:00:00Z");
//! let created = client.projects().create().spec(spec).send().await?;
//! let suspend = client.projects().action(&created.id).action(ProjectAction::Suspend);
//! suspend.reason("end of term").send().await?;
//! let e = client.projects().action(&created.id).send().await.unwrap_err();
//! assert!(matches!(e, astakos_client::Error::InvalidInput { ref field, .. } if field == "action"));
//! # Ok(()) }
//! ```
//!
//! # Building a client
//!
//! [`AstakosClient::builder`]`(auth_url, token)` then
//! [`.retry(..)`](AstakosClientBuilder::retry),
//! [`.transport_config(..)`](AstakosClientBuilder::transport_config) or
//! [`.transport(..)`](AstakosClientBuilder::transport),
//! [`.default_header(k, v)`](AstakosClientBuilder::default_header) and
//! [`.build()`](AstakosClientBuilder::build). The client is cheap to clone;
//! clones share the connection pool and the discovered prefixes.
//!
//! How the reference's constructor parameters map:
//!
//! | `AstakosClient(...)` | here |
//! |---|---|
//! | `token`, `auth_url` | [`AstakosClient::builder`] |
//! | `retry=n` (n extra attempts) | `.retry(RetryConfig::standard().max_attempts(n + 1))`; `retry=0` is [`RetryConfig::disabled`] |
//! | `use_pool`, `pool_size` | always pooled per client; `.transport_config(TransportConfig::default().pool_max_idle_per_host(pool_size))` |
//! | `logger` | `tracing` spans and events (target `tenantry_core` / `astakos_client`) |
//! | `headers` | `.default_header(k, v)` |
//!
//! # Endpoint discovery
//!
//! As in the reference, every request goes to the scheme and host of
//! `auth_url`; the service catalog (a bodyless `POST {auth path}/tokens`)
//! only contributes the *paths* of the account, UI and OAuth2 endpoints.
//! They are discovered lazily, once per client, and kept for its lifetime:
//! a fresh client's first `quotas().get()` makes two requests, the second
//! one. Concurrent first callers share one discovery (core's
//! [`Resolver`](tenantry_core::endpoint::Resolver)) and go on together
//! when it ends; if it fails, they all get its error at once and the next
//! call discovers again; a dropped call leaves its waiters carrying the same
//! discovery on. `authenticate` and `endpoints()` always re-fetch and
//! refresh them; the OAuth2 prefix needs its own discovery, as in the
//! reference.
//!
//! # Errors
//!
//! One error type, core's [`Error`]; the reference's exceptions map onto it:
//!
//! | reference exception | here |
//! |---|---|
//! | `BadRequest` (400), `Unauthorized` (401), `Forbidden` (403), `NotFound` (404), `AstakosClientException` (any other status) | [`Error::Api`] with that `status`; `code` is Astakos's fault name (`badRequest`, `itemNotFound`, …) and `message` its message, read by [`parse_error`]; the raw text when the body is not Astakos's format; `excerpt` is the body, redacted; helpers [`Error::status`], [`Error::is_not_found`], [`Error::is_unauthorized`] |
//! | `QuotaLimit` (413 on a commission issue) | [`Error::Api`] with status 413 and the parsed `overLimit` as typed detail: `e.api().and_then(\|a\| a.detail::<`[`OverLimit`](models::OverLimit)`>())`; the error's `message` is the reference's text, [`QUOTA_LIMIT_MESSAGE`](models::commissions::QUOTA_LIMIT_MESSAGE) then [`OverLimit::details`](models::OverLimit::details) (`Limit for resource 'RAM' exceeded for your account. Available: …, Requested: …`); a 413 whose body does not parse has no detail and its raw text as message |
//! | `InvalidResponse`, "no uuid_catalog / displayname_catalog", "No serial found", a malformed catalog (no `v1.0` `astakos_account`, no `publicURL`/`SNF:uiURL`, no `astakos_oauth2` when it is needed) | [`Error::Decode`] with the status, the JSON path of the bad or missing field, serde's message (or the reference's) and a redacted excerpt |
//! | `NoUserName` / `NoUUID` (`get_username`/`get_uuid`: the id is not in the answer) | [`Error::Decode`] at `uuid_catalog.<uuid>` / `displayname_catalog.<name>` with the reference's message (`No display name for the given uuid: …`); a 2xx answer that lacks what was asked for, so no invented HTTP status |
//! | `NoEndpoints` from [`parse_endpoints`] | [`Error::InvalidInput`] for the field `endpoints`, the reason being the reference's message (`No endpoints found matching, name = …`); from the client's own discovery it is a malformed catalog, [`Error::Decode`] |
//! | `BadValue` | [`Error::InvalidInput`] naming the field, before anything is sent |
//! | `ConnectionError` | [`Error::Transport`] (with whether the request may have reached the server) |
//!
//! # The 41 entry points
//!
//! Handler methods take at most two positional arguments, both required
//! typed ids ([`ProjectId`], [`Uuid`], [`Serial`], …). Everything else —
//! request bodies, lists, actions, strings, secrets — goes on the returned
//! builder, which ends in `.send().await`; a required field left unset is
//! an [`Error::InvalidInput`] naming it, before anything is sent.
//!
//! | reference | here |
//! |---|---|
//! | `authenticate(tenant_name)` | [`client.identity().authenticate()`](identity::IdentityHandler::authenticate)`.tenant_name(..).send()` |
//! | `get_endpoints(extra)` | [`client.identity().endpoints()`](identity::IdentityHandler::endpoints)`.include_oauth2().send()` |
//! | `validate_token(id, belongs_to)` | [`client.identity().validate_token()`](identity::IdentityHandler::validate_token)`.token_id(id).belongs_to(..).send()` |
//! | `get_token(grant, id, secret, **kw)` | [`client.identity().oauth2_token()`](identity::IdentityHandler::oauth2_token)`.client_id(id).client_secret(secret).code(..).redirect_uri(..).send()` |
//! | `get_usernames(uuids)` / `get_username(uuid)` | [`client.users().usernames()`](catalogs::UsersHandler::usernames)`.uuids(list).send()` / [`.username(&uuid)`](catalogs::UsersHandler::username) |
//! | `get_uuids(names)` / `get_uuid(name)` | [`client.users().uuids()`](catalogs::UsersHandler::uuids)`.display_names(list).send()` / [`.uuid()`](catalogs::UsersHandler::uuid)`.display_name(name).send()` |
//! | `service_get_usernames` / `service_get_username` / `service_get_uuids` / `service_get_uuid` | the same on [`client.service_users()`](AstakosClient::service_users) |
//! | `get_services` | [`client.services().list()`](services::ServicesHandler::list) |
//! | `get_resources` | [`client.resources().list()`](services::ResourcesHandler::list) |
//! | `send_feedback(msg, data)` | [`client.feedback().create()`](services::FeedbackHandler::create)`.message(msg).data(data).send()` |
//! | `get_quotas` | [`client.quotas().get()`](quotas::QuotasHandler::get) |
//! | `service_get_quotas(user, project_id)` | [`client.quotas().service_quotas()`](quotas::QuotasHandler::service_quotas)`.users(list).projects(list).send()` |
//! | `service_get_project_quotas(project_id)` | [`client.quotas().project_quotas()`](quotas::QuotasHandler::project_quotas)`.projects(list).send()` |
//! | `_issue_commission(request)` | [`client.commissions().issue_request()`](commissions::CommissionsHandler::issue_request)`.request(req).send()` |
//! | `issue_commission_generic(...)` | [`client.commissions().issue_generic()`](commissions::CommissionsHandler::issue_generic)`.user_provision(..).project_provision(..).send()` |
//! | `issue_one_commission(holder, provisions, ...)` | [`client.commissions().issue_one(&holder)`](commissions::CommissionsHandler::issue_one)`.provision(..).send()` |
//! | `issue_resource_reassignment(holder, provisions, ...)` | [`client.commissions().reassign(&holder)`](commissions::CommissionsHandler::reassign)`.provision(..).send()` |
//! | `mk_provisions` | [`mk_provisions`] |
//! | `get_pending_commissions` | [`client.commissions().pending()`](commissions::CommissionsHandler::pending) |
//! | `get_commission_info(serial)` | [`client.commissions().info(serial)`](commissions::CommissionsHandler::info) |
//! | `commission_action(serial, action)` / `accept_commission(serial)` / `reject_commission(serial)` | [`client.commissions().action(serial)`](commissions::CommissionsHandler::action)`.action(a).send()` / [`.accept(serial)`](commissions::CommissionsHandler::accept) / [`.reject(serial)`](commissions::CommissionsHandler::reject) |
//! | `resolve_commissions(accept, reject)` | [`client.commissions().resolve()`](commissions::CommissionsHandler::resolve)`.accept(list).reject(list).send()` |
//! | `get_projects(name, state, owner, mode)` | [`client.projects().list()`](projects::ProjectsHandler::list)`.name(..).state(..).owner(..).mode(..).send()` |
//! | `get_project(id)` / `create_project(specs)` / `modify_project(id, specs)` | [`client.projects().get(&id)`](projects::ProjectsHandler::get) / [`.create()`](projects::ProjectsHandler::create)`.spec(spec).send()` / [`.modify(&id)`](projects::ProjectsHandler::modify)`.spec(spec).send()` |
//! | `project_action(id, action, reason)` | [`client.projects().action(&id)`](projects::ProjectsHandler::action)`.action(a).reason(..).send()` |
//! | `application_action(id, app_id, action, reason)` | [`client.applications().action(&id, app_id)`](projects::ApplicationsHandler::action)`.action(a).reason(..).send()` |
//! | `get_memberships(project_id)` / `get_membership(id)` | [`client.memberships().list()`](memberships::MembershipsHandler::list)`.project(..).send()` / [`.get(id)`](memberships::MembershipsHandler::get) |
//! | `membership_action(id, action, reason)` | [`client.memberships().action(id)`](memberships::MembershipsHandler::action)`.action(a).reason(..).send()` |
//! | `join_project(id)` / `enroll_member(id, email)` | [`client.memberships().join(&id)`](memberships::MembershipsHandler::join) / [`.enroll(&id)`](memberships::MembershipsHandler::enroll)`.email(..).send()` |
//! | `parse_endpoints(endpoints, ...)` | [`parse_endpoints`]`(&info, &EndpointFilter)` |
//! | `get_token_from_cookie(request, name)` | [`get_token_from_cookie`]`(cookie_header, name)` |
//!
//! Each row is a row of `tests/table.rs` (the call, the exact request, a
//! canned answer, the value or error expected), run through core's
//! `MockTransport`.
//!
//! # Paging
//!
//! Astakos pages none of these calls: every listing is one answer, so no
//! call returns a [`Page`](tenantry_core::page::Page) (inventing a cursor
//! the server lacks would only hide that). The one place where a caller
//! splits work is the user-catalog lookup of a long list of ids:
//! `users().usernames().uuids(list).chunk_size(n)`
//! [`.into_stream()`](catalogs::GetUsernames::into_stream) (and the same on
//! [`uuids()`](catalogs::GetUuids::into_stream)) send it in chunks, one
//! request at a time, as a lazy stream of entries built on core's
//! [`page::chunked`](tenantry_core::page::chunked).
//!
//! # Differences from astakosclient 0.19
//!
//! Deliberate; everything else follows the reference.
//!
//! **Retries.**
//! - A request is re-sent only when that cannot repeat a side effect
//!   ([`tenantry_core::retry`]): when it surely never reached the server
//!   (connect refused, DNS, TLS), or when it is idempotent and the outcome
//!   was a timeout, a broken connection or HTTP 429/502/503/504, with
//!   exponential backoff and jitter. The reference re-sends *any* request,
//!   commission issues included, at once, on every error but 401/404/413.
//!   In particular, **a commission POST (issue, accept/reject, resolve)
//!   that may have reached the server is never sent again**, and 400, 403,
//!   500, 3xx and invalid JSON are never retried.
//! - Idempotent here: GETs, the catalog lookups and discovery/authenticate
//!   POSTs (read-only). `modify_project`'s PUT is *not* re-sent (each PUT
//!   submits an application).
//! - The default is [`RetryConfig::standard`] (3 attempts); the
//!   reference's default is no retry. A negative `retry` (an endless loop in
//!   the reference) cannot be expressed.
//!
//! **Encoding and input.**
//! - Ids in paths (project ids, validated tokens) are percent-encoded; the
//!   reference inserts them raw, so `abc/def` changed the path.
//! - Non-ASCII text is sent as UTF-8 (percent-encoded in queries and forms;
//!   `\uXXXX` in JSON, as `json.dumps` does); the reference fails. UTF-8
//!   answers are accepted (the reference requires ASCII).
//! - Bad input is refused before any I/O with [`Error::InvalidInput`]
//!   naming the field: empty token, ids that are empty or contain
//!   whitespace, `,` or `:` ([`Uuid`], [`ProjectId`]), empty display names,
//!   an empty feedback message, a commission without provisions or with an
//!   empty resource, a reassignment of `i64::MIN`, unknown actions,
//!   create_project without `name`/`end_date`, an empty enroll email, and
//!   any required builder field left unset (an action, a project spec, a
//!   commission request, the OAuth2 client id and secret, …).
//!   The reference checks only for `None`. Serials, membership and
//!   application ids are integers by type (`get_commission_info("57lala")`
//!   cannot be written).
//! - `default_header` refuses `X-Auth-Token`, `Content-Length` and
//!   `Content-Type` (a default `content-length` broke every request of the
//!   reference).
//! - `send_feedback`'s form body is labelled
//!   `application/x-www-form-urlencoded`; the reference's
//!   `application/octet-stream` label makes a Django server see an empty
//!   form.
//! - JSON key order follows the Rust structs (Python 2 dict order is not
//!   reproducible); separators are `", "`/`": "` as in the reference.
//! - Header names go lower-case on the wire (`x-auth-token`); the transport
//!   adds `user-agent`, and `accept: */*`.
//!
//! **Answers and errors.**
//! - Answers are typed ([`models`]), unknown fields kept in `extra`, unknown
//!   enum values in `Unknown(String)`. A 2xx answer of the wrong shape is
//!   [`Error::Decode`] with the JSON path (the reference returns whatever
//!   it parsed). Missing `uuid_catalog`, `displayname_catalog` or `serial`,
//!   and a malformed catalog (missing `publicURL`/`SNF:uiURL`, no oauth2
//!   endpoint) are `Error::Decode` too, instead of a status-500 exception
//!   or a raw Python `KeyError`,
//!   `TypeError` or `IndexError`; the prefixes are stored only when both
//!   account URLs are present.
//! - Error bodies are kept as a redacted excerpt of at most 1 KiB
//!   ([`Error::excerpt`]), the token masked; the status is in
//!   [`Error::status`]. The message of an error answer is Astakos's own
//!   (its fault's `message`), else the raw text, else the canonical
//!   reason phrase of the status.
//! - The literal message `issue_commission_core request returned %r. No
//!   serial found` (a formatting bug) is a decode error at `serial`
//!   (``missing field `serial` ``).
//! - The user-catalog lookups are one request each, as in the reference
//!   (Astakos does not page them); their builders' `into_stream()` sends
//!   long lists in chunks as a lazy stream.
//! - `NoEndpoints` names every given criterion
//!   (`No endpoints found matching, name = N, version_id = V`); the
//!   reference names only the first one. For the client's own lookups the
//!   message is identical.
//! - `parse_endpoints` does not change its input, and skips entries that
//!   lack a key a criterion needs (the reference fails the whole call).
//!   `authenticate`/`endpoints()` still return the catalog with the
//!   `astakos_account` entry filtered to its `v1.0` endpoints, as the
//!   reference does.
//! - `project_action`, `application_action`, `membership_action`,
//!   `send_feedback` and the commission actions return `()` (the server
//!   answers with an empty body); a non-empty body must still be JSON.
//! - `application_action` sends the reason as `reasons`, like the reference
//!   (wire parity); a 0.19 server reads `reason`, so it is dropped there.
//! - `get_token_from_cookie` takes a `Cookie` header value and a cookie name
//!   instead of a Django request, and returns a [`Secret`].
//! - Logging goes through `tracing`; the token never appears in logs,
//!   errors or `Debug` output (the reference exposes it in `log_request`
//!   and logs OAuth2 credentials at debug level). `log_request` /
//!   `log_response` do not exist.
//! - Connections are pooled per client, not per process; acquiring a
//!   connection never blocks; timeouts (connect 10 s, request 30 s) and
//!   TLS verification are on by default ([`TransportConfig`]).
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

/// `impl $ty { pub fn field(mut self, v: T) -> Self }` for each optional
/// field: the setters of a builder or a request body (`String` fields take
/// `impl Into<String>`; `[T]` fields any iterable of `T`, of `impl
/// Into<String>` for `[String]`).
macro_rules! setters {
    ($ty:ty { $($(#[$m:meta])* $field:ident: $t:tt),* $(,)? }) => {
        impl $ty {
            $(setters!(@one $(#[$m])* $field: $t);)*
        }
    };
    (@ty [$t:ty]) => { Vec<$t> };
    (@ty $t:ty) => { $t };
    (@one $(#[$m:meta])* $field:ident: [String]) => {
        $(#[$m])*
        pub fn $field(mut self, v: impl IntoIterator<Item = impl Into<String>>) -> Self {
            self.$field = Some(v.into_iter().map(Into::into).collect());
            self
        }
    };
    (@one $(#[$m:meta])* $field:ident: [$t:ty]) => {
        $(#[$m])*
        pub fn $field(mut self, v: impl IntoIterator<Item = $t>) -> Self {
            self.$field = Some(v.into_iter().collect());
            self
        }
    };
    (@one $(#[$m:meta])* $field:ident: String) => {
        $(#[$m])*
        pub fn $field(mut self, v: impl Into<String>) -> Self {
            self.$field = Some(v.into());
            self
        }
    };
    (@one $(#[$m:meta])* $field:ident: $t:ty) => {
        $(#[$m])*
        pub fn $field(mut self, v: $t) -> Self {
            self.$field = Some(v);
            self
        }
    };
}

/// A request builder `$name<'a>`: the client, the fields its handler
/// method fills (`new(client, ids…)`: typed ids, fixed settings), and
/// optional fields with their setters (as [`setters!`]); required ones are
/// checked by [`required`] when sending, before any I/O. It serializes to the fields that are set
/// (with their `#[serde(..)]`), which is the query of a GET.
macro_rules! builder {
    ($(#[$m:meta])* $name:ident { $($id:ident: $idt:ty),* } {
        $($(#[doc = $doc:literal])* $(#[serde($($s:tt)*)])* $field:ident: $t:tt),* $(,)?
    }) => {
        $(#[$m])*
        #[derive(Debug, serde::Serialize)]
        pub struct $name<'a> {
            #[serde(skip)]
            client: &'a $crate::AstakosClient,
            $(#[serde(skip)] $id: $idt,)*
            $(#[serde(skip_serializing_if = "Option::is_none" $(, $($s)*)*)]
            $field: Option<setters!(@ty $t)>,)*
        }

        impl<'a> $name<'a> {
            fn new(client: &'a $crate::AstakosClient, $($id: $idt),*) -> Self {
                $name { client, $($id,)* $($field: None,)* }
            }
            $(setters!(@one $(#[doc = $doc])* $field: $t);)*
        }
    };
}

/// A required field of a builder: its value, or [`Error::InvalidInput`]
/// naming it.
pub(crate) fn required<T>(field: &'static str, v: Option<T>) -> Result<T> {
    v.ok_or_else(|| Error::invalid_input(field, "is required"))
}

/// A required action that this client knows (not `unknown`), else
/// [`Error::InvalidInput`] for `action` (`` `x` is not a ProjectAction ``).
pub(crate) fn known_action<A: std::fmt::Display>(
    v: Option<A>,
    unknown: fn(&A) -> bool,
) -> Result<A> {
    let a = required("action", v)?;
    if unknown(&a) {
        let kind = std::any::type_name::<A>()
            .rsplit("::")
            .next()
            .unwrap_or("action");
        return Err(Error::invalid_input(
            "action",
            format!("`{a}` is not a {kind}"),
        ));
    }
    Ok(a)
}

/// A handler `$name<'a>` borrowing the client, and the client's method
/// `$method()` that returns it.
macro_rules! handler {
    ($(#[$m:meta])* $name:ident, $(#[$mm:meta])* $method:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name<'a> {
            client: &'a $crate::AstakosClient,
        }

        impl $crate::AstakosClient {
            $(#[$mm])*
            pub fn $method(&self) -> $name<'_> {
                $name { client: self }
            }
        }
    };
}

pub mod catalogs;
mod client;
pub mod commissions;
pub mod endpoints;
pub mod identity;
pub mod ids;
pub mod memberships;
pub mod models;
pub mod projects;
pub mod quotas;
pub mod services;

pub use client::{parse_error, AstakosClient, AstakosClientBuilder, Prefixes};
pub use commissions::mk_provisions;
pub use endpoints::{
    get_token_from_cookie, parse_endpoints, token_from_cookie_value, EndpointFilter,
};
pub use ids::{ApplicationId, MembershipId, ProjectId, Serial, Uuid};
pub use tenantry_core::{Error, HttpTransport, Result, RetryConfig, Secret, TransportConfig};
