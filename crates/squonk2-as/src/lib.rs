//! Async client for the Squonk2 Account Server (AS): organisations, units,
//! products, charges, assets, merchants, event streams — with a fixed
//! bearer token or Keycloak tokens.
//!
//! ```no_run
//! #[tokio::main]
//! async fn main() -> squonk2_as::Result<()> {
//!     // SQUONK2_ASAPI_URL, SQUONK2_ASAPI_VERIFY_SSL_CERT, and a token
//!     // (SQUONK2_ASAPI_TOKEN) or a Keycloak login (SQUONK2_KEYCLOAK_*).
//!     let client = squonk2_as::Squonk2Client::from_env()?;
//!     for group in client.units().list().send().await? {
//!         println!("{:?}: {} units", group.organisation.and_then(|o| o.name), group.units.len());
//!     }
//!     Ok(())
//! }
//! ```
//!
//! Every operation is declared once (`tenantry_core::pipeline::Decl`) with
//! the exact statuses the reference accepts (200 for reads and alters, 201
//! for creates, 204 for deletes, attach, detach, enable and disable, 200
//! or 201 for adding a user) and sent through core's pipeline: Keycloak
//! token shared by clones and concurrent callers, replaced 60 s before it
//! expires, one new token on a 401; retries only where a second send is
//! harmless; errors as [`Error::Api`] with the status and the server's
//! `error` message ([`error::parse_error`]).
//!
//! ## The reference's 56 `AsApi` methods (`im-squonk2-client` 7.0.0)
//!
//! `tok` (the access token) is the client's token source; `ping` and the
//! two version calls never send one.
//!
//! | # | `AsApi` | tenantry |
//! |---|---|---|
//! | – | `set_api_url(url, verify_ssl_cert)` | `Squonk2Client::builder(url).verify_tls(..)` |
//! | – | `get_api_url()` | the builder's URL (a client's config does not change) |
//! | 1 | `ping()` | `client.ping()` |
//! | 2 | `get_version()` | `client.version()` |
//! | 3 | `get_event_stream_version()` | `client.event_streams().version()` |
//! | 4 | `get_event_stream(tok)` | `client.event_streams().get()`, `get_opt()` |
//! | 5 | `create_event_stream(tok, event_format)` | `client.event_streams().create(format)` |
//! | 6 | `delete_event_stream(tok, event_stream_id)` | `client.event_streams().delete(id)` |
//! | 7 | `get_available_products(tok)` | `client.products().list()` |
//! | 8 | `get_available_units(tok)` | `client.units().list().send()` |
//! | 9 | `get_available_assets(tok, scope_id)` | `client.assets().list().user(&u)` / `.product(&p)` / `.unit(&u)` / `.organisation(&o)` `.send()` |
//! | 10 | `create_asset(tok, name, description, scope, content_string, content_file, scope_id, is_secret)` | `client.assets().create().name(..).scope(..).content_string(..)` or `.content_file(path)` (streamed) or `.content_file_open(file, name)` `.send()` |
//! | 11 | `alter_asset(tok, asset_id, description, content_string, content_file)` | `client.assets().alter(&a).description(..).send()` |
//! | 12 | `delete_asset(tok, asset_id)` | `client.assets().delete(&a)` |
//! | 13 | `get_asset(tok, asset_id)` | `client.assets().get(&a)`, `get_opt(&a)` |
//! | 14 | `attach_asset(tok, asset_id, m_id)` | `client.assets().attach(&a, m)` |
//! | 15 | `detach_asset(tok, asset_id, m_id)` | `client.assets().detach(&a, m)` |
//! | 16 | `enable_asset(tok, asset_id)` | `client.assets().enable(&a)` |
//! | 17 | `disable_asset(tok, asset_id)` | `client.assets().disable(&a)` |
//! | 18 | `get_merchants(tok)` | `client.merchants().list()` |
//! | 19 | `get_merchant(tok, merchant_id)` | `client.merchants().get(m)`, `get_opt(m)` |
//! | 20 | `get_product(tok, product_id)` | `client.products().get(&p)`, `get_opt(&p)` |
//! | 21 | `get_product_default_storage_cost(tok)` | `client.products().default_storage_cost()` |
//! | 22 | `get_product_types(tok)` | `client.products().types()` |
//! | 23 | `get_products_for_unit(tok, unit_id)` | `client.products().for_unit(&u)` |
//! | 24 | `get_products_for_organisation(tok, org_id)` | `client.products().for_organisation(&o)` |
//! | 25 | `get_product_charges(tok, product_id, from_, until, pbp)` | `client.charges().product(&p).from(..).until(..).prior_billing_periods(..).send()` |
//! | 26 | `get_unit_charges(tok, unit_id, …)` | `client.charges().unit(&u)…send()` |
//! | 27 | `create_unit(tok, unit_name, org_id, billing_day)` | `client.units().create(&o).name(..).billing_day(..).send()` |
//! | 28 | `create_personal_unit(tok, billing_day)` | `client.units().create_personal(day)` |
//! | 29 | `delete_personal_unit(tok)` | `client.units().delete_personal()` |
//! | 30 | `get_personal_unit(tok)` | `client.units().personal()`, `personal_opt()` |
//! | 31 | `add_user_to_unit(tok, unit_id, username)` | `client.units().add_user(&u, &name)` |
//! | 32 | `remove_user_from_unit(tok, unit_id, username)` | `client.units().remove_user(&u, &name)` |
//! | 33 | `create_organisation(tok, org_name, org_owner)` | `client.organisations().create().name(..).owner(..).send()` |
//! | 34 | `add_user_to_organisation(tok, org_id, username)` | `client.organisations().add_user(&o, &name)` |
//! | 35 | `remove_user_from_organisation(tok, org_id, username)` | `client.organisations().remove_user(&o, &name)` |
//! | 36 | `delete_organisation(tok, org_id)` | `client.organisations().delete(&o)` |
//! | 37 | `get_organisation(tok, org_id)` | `client.organisations().get(&o)`, `get_opt(&o)` |
//! | 38 | `get_unit(tok, unit_id)` | `client.units().get(&u)`, `get_opt(&u)` |
//! | 39 | `get_organisation_units(tok, org_id)` | `client.organisations().units(&o)` |
//! | 40 | `get_units(tok, unit_name)` | `client.units().list().name(..).send()` |
//! | 41 | `get_organisations(tok, org_name)` | `client.organisations().list().name(..).send()` |
//! | 42 | `get_organisation_charges(tok, org_id, …)` | `client.charges().organisation(&o)…send()` |
//! | 43 | `get_charges(tok, …)` | `client.charges().all()…send()` |
//! | 44 | `get_organisation_users(tok, org_id)` | `client.organisations().users(&o)` |
//! | 45 | `get_unit_users(tok, unit_id)` | `client.units().users(&u)` |
//! | 46 | `create_product(tok, product_name, unit_id, product_type, allowance, limit, flavour)` | `client.products().create(&u).name(..).product_type(..).flavour(..).allowance(..).limit(..).send()` |
//! | 47 | `alter_product(tok, product_id, product_name, allowance, limit)` | `client.products().alter(&p).name(..).allowance(..).limit(..).send()` |
//! | 48 | `alter_unit(tok, unit_id, name, default_product_privacy)` | `client.units().alter(&u).name(..).default_product_privacy(..).send()` |
//! | 49 | `alter_organisation(tok, org_id, name, default_product_privacy)` | `client.organisations().alter(&o)…send()` |
//! | 50 | `delete_product(tok, product_id)` | `client.products().delete(&p)` |
//! | 51 | `delete_unit(tok, unit_id)` | `client.units().delete(&u)` |
//! | 52 | `get_account(tok)` | `client.account()` |
//! | 53 | `get_default_organisation(tok)` | `client.organisations().default_organisation()` |
//! | 54 | `get_actions(tok, from_, until, merchant_id, product_id, unit_id, org_id, action_format)` | `client.actions().list().format(..).from(..).merchant(..)…send()` |
//! | – | `Auth.get_access_token(…)` | `Squonk2Client::keycloak(url, realm, client_id).grant(..).build()` then `.keycloak(provider)` |
//!
//! Results: not the reference's `ApiRv` (`success`, `msg`,
//! `http_status_code`), but `Result<Model>`; a status the operation does not
//! accept is [`Error::Api`] with `status` and the server's message
//! (`err.status()`, `err.is_not_found()`, …); no answer at all is
//! [`Error::Transport`] (the reference's status 0).
//!
//! ## Wire parity
//!
//! `tests/wire.rs` replays 62 calls over every wire operation and compares
//! each request (method, path, query, `Authorization`, `Content-Type`,
//! body bytes, multipart parts in order) with what the reference sent for
//! the same calls (`tests/fixtures/wire.json`, captured by
//! `tests/wire/squonk2_capture.py`; an ignored test re-runs the reference
//! against the fixture): identical but for the dummy file part below.
//!
//! ## Deliberate differences from the reference (each has its own test)
//!
//! - **Errors keep the server's message** (`{"error": …}`, or Connexion's
//!   `detail`); the reference replaces it with a fixed text
//!   (`tests/table.rs`, the `Api(…)` rows).
//! - **Bad input is refused before anything is sent**, with the field
//!   named: ids of the wrong form (`org-`, `unit-`, `product-`, `asset-` +
//!   lower-case UUID; merchant and event-stream ids > 0), an empty name or
//!   owner, a billing day outside 1–28 (the reference only refuses 0), a
//!   negative allowance or limit, both or neither of content string and
//!   file (the reference does not check it) (`tests/table.rs`,
//!   `Input(…)` rows; `ids.rs` tests).
//! - **Path ids are percent-encoded** (`a/b?c` stays one segment; the
//!   reference adds a segment and a query) (`#32 … percent-encoded` row).
//! - **`pbp=0` is sent** (the reference drops a zero prior billing period)
//!   (`#26 … pbp=0 is sent` row).
//! - **No source file as an empty part**: without a file, `content_file`
//!   is an empty-filename part with empty content (the reference uploads
//!   its own `as_api.py`), and a filename's `"` and line breaks are
//!   escaped (`tests/behaviour.rs`).
//! - **A content file is streamed** from disk in 64 KiB chunks, never
//!   read whole (the reference's `requests` reads it into memory): a
//!   50 MiB upload grows the heap by well under 8 MiB
//!   (`tests/upload_memory.rs`). The form is reqwest's, so its boundary is
//!   reqwest's (four 16-hex groups joined by `-`) rather than 32 hex
//!   characters, and a backslash in a filename is escaped as `\\`; the
//!   parts, their order, headers and bytes are the reference's
//!   (`tests/wire.rs`).
//! - **A trailing `/` on the URL is dropped** (the reference sends
//!   `//version`) (`a_trailing_slash_on_the_url_gives_no_double_slash`).
//! - **The Keycloak form is URL-encoded** (the reference pastes a password
//!   with `&` or `+` raw), the token is reused while valid for 60 more
//!   seconds, and a 401 gets one new token and one replay
//!   (`keycloak_token_is_reused_until_60_s_before_expiry`,
//!   `a_401_gets_a_new_token_once_and_replays_the_call`).
//! - **A prior token is checked without a network call**
//!   ([`Squonk2ClientBuilder::prior_token`]): its JWT `exp` is read
//!   locally, unverified (the server verifies it), and it is used with no
//!   token request while more than 60 s are left; the reference fetches the
//!   realm's public key (no timeout) and verifies the signature, raising
//!   on a malformed token, where tenantry logs in instead
//!   (`a_prior_token_is_checked_locally_and_reused_or_replaced`).
//! - **A success answer must be a JSON object of the expected shape**: the
//!   reference turns an empty or non-JSON 200 into `{}` and raises on an
//!   array; here both are [`Error::Decode`] with the status and an excerpt
//!   (`#20 … an array is not a product` row). Calls that carry nothing
//!   (deletes, attach, alter) ignore the body.
//! - **A call that needs a token fails before sending when the client has
//!   none** (`Error::InvalidInput` naming `token`); the public calls still
//!   work (`without_a_token_only_the_public_calls_go_out`).
//! - `verify_tls` and the URL are per client, not per process, and a
//!   client's settings never change after `build` (no `set_api_url`).
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod assets;
pub mod charges;
pub mod client;
pub mod error;
pub mod event_streams;
pub mod ids;
pub mod merchants;
pub mod models;
pub mod organisations;
pub mod products;
pub mod units;

pub use assets::AssetsHandler;
pub use charges::{ActionsHandler, ChargesHandler};
pub use client::{Squonk2Client, Squonk2ClientBuilder};
pub use event_streams::EventStreamsHandler;
pub use ids::{AssetId, EventStreamId, IsoDate, MerchantId, OrgId, ProductId, UnitId, Username};
pub use merchants::MerchantsHandler;
pub use organisations::OrganisationsHandler;
pub use products::ProductsHandler;
pub use tenantry_core::{Error, Result, RetryConfig, Secret, TransportConfig};
pub use units::UnitsHandler;
