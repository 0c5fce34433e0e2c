//! Async client for Etu Nexus: CAS single sign-on, then Etu Management
//! Center v2 ([`Emc2`]), Etu Recommender v3 ([`Er3`]) and Etu Insight v3
//! ([`Ei3`]), on the model of the Python reference `etunexus` 0.6.8.
//!
//! ```no_run
//! use etunexus::{models::emc::{User, UserRole}, enums::{AppId, AppRoleName}, Cas, Emc2, Secret};
//! # async fn run() -> etunexus::Result<()> {
//! let cas = Cas::builder("workshop", "admin", Secret::new("pw")).build()?;
//! cas.login().await?; // optional
//! let emc = Emc2::new(&cas)?;
//! emc.login().await?; // optional too
//! let group = emc.groups().list().await?.into_iter().find(|g| g.name == "workshop").unwrap();
//! let gid = group.id.unwrap();
//! let mut user = emc.users().create(&gid, &User::new("new_workshop_user", "New workshop user", Secret::new("password"))).await?;
//! user.roles = vec![UserRole::new(AppRoleName::Viewer, AppId::Er), UserRole::new(AppRoleName::Viewer, AppId::Ei)];
//! let user = emc.users().update(&user).await?;
//! emc.users().delete(&user.id.unwrap()).await?;
//! # Ok(()) }
//! ```
//!
//! ## Session
//!
//! One [`Cas`] (group, user name, password as a [`Secret`]) is shared by
//! the application clients built from it; every client is cheap to clone.
//! [`Cas::login`] gets the ticket-granting ticket; each application's
//! `login()` gets its own service ticket (fresh each time, never replayed)
//! and presents it once to the application's shiro-cas endpoint for a
//! session cookie. Both happen lazily on first use. An expired session (a
//! 401, a redirect to `/cas/login`, or an HTML page where JSON was due)
//! logs in again once; refused again, the call fails with
//! [`Error::Auth`]. All of it is core's CAS strategy
//! (`tenantry_core::auth::cas`).
//!
//! ## The reference's 67 operations
//!
//! | # | `EMC2` | tenantry |
//! |---|---|---|
//! | 1 | `get_groups()` | `emc.groups().list()` |
//! | 2 | `add_group(group)` | `emc.groups().create(&group)` |
//! | 3 | `update_group(group)` | `emc.groups().update(&group)` |
//! | 4 | `del_group(group)` | `emc.groups().delete(&gid)` |
//! | 5 | `me()` | `emc.users().me()` |
//! | 6 | `get_users(group)` | `emc.users().list(&gid)` |
//! | 7 | `add_user(group, user)` | `emc.users().create(&gid, &user)` |
//! | 8 | `update_user(user)` | `emc.users().update(&user)` |
//! | 9 | `del_user(user)` | `emc.users().delete(&uid)` |
//! | 10 | `change_user_password(user, pw)` | `emc.users().change_password(&uid, &secret)` |
//! | 11 | `get_apps()` | `emc.apps().list()` |
//! | 12 | `get_app_permission(app_id)` | `emc.apps().permissions(&app)` |
//! | 13 | `get_app_roles(app_id)` | `emc.apps().roles(&app)` |
//! | 14 | `update_app_role(app_id, role)` | `emc.apps().update_role(&app, &role)` |
//! | 15 | `get_data_sources(group)` | `emc.data_sources().list(&gid)` |
//! | 16 | `add_data_source(group, ds)` | `emc.data_sources().create(&gid, &ds)` |
//! | 17 | `update_data_source(ds)` | `emc.data_sources().update(&ds)` |
//! | 18 | `del_data_source(ds)` | `emc.data_sources().delete(&dsid)` |
//! | 19 | `get_exporter_setting(ds)` | `emc.data_sources().exporter(&dsid)` |
//! | 20 | `update_exporter_setting(ds, setting)` | `emc.data_sources().update_exporter(&dsid, &setting)` |
//! | 21 | `get_data_source_schema(content_type)` | `emc.data_sources().schema(&content_type)` |
//! | 22 | `get_system_info()` | `emc.system_info()` |
//! | 23 | `get_audit_logs(start, end)` | `emc.audit_logs().start(..).end(..).send()` |
//!
//! | # | `ER3` | tenantry |
//! |---|---|---|
//! | 1 | `get_groups()` | `er.groups().list()` |
//! | 2 | `get_data_sources(group)` | `er.data_sources().list(&gid)` |
//! | 3 | `get_logics(group)` | `er.logics().list(&gid)` |
//! | 4 | `add_logic(group, logic)` | `er.logics().create(&gid, &logic)` |
//! | 5 | `update_logic(logic)` | `er.logics().update(&logic)` |
//! | 6 | `del_logic(logic)` | `er.logics().delete(&lid)` |
//! | 7 | `get_campaigns(group)` | `er.campaigns().list(&gid)` |
//! | 8 | `add_campaign(group, c)` | `er.campaigns().create(&gid, &c)` |
//! | 9 | `update_campaign(c)` | `er.campaigns().update(&c)` |
//! | 10 | `del_campaign(c)` | `er.campaigns().delete(&cid)` |
//! | 11 | `get_user_filters(group)` | `er.user_filters().list(&gid)` |
//! | 12 | `add_user_filter(group, uf, path)` | `er.user_filters().create(&gid, uf).file(path).send()` |
//! | 13 | `update_user_filter(uf, path)` | `er.user_filters().update(uf).file(path).send()` |
//! | 14 | `del_user_filter(uf)` | `er.user_filters().delete(&ufid)` |
//! | 15 | `get_layout(logic)` | `er.layouts().get(&lid)`, `get_opt(&lid)` |
//! | 16 | `update_layout(logic, layout)` | `er.layouts().update(&lid, &layout)` |
//! | 17 | `get_alg_trainings(group)` | `er.alg_trainings().list(&gid)` |
//! | 18 | `add_alg_training(group, t)` | `er.alg_trainings().create(&gid, &t)` |
//!
//! | # | `EI3` | tenantry |
//! |---|---|---|
//! | 1 | `get_me()` | `ei.users().me()` |
//! | 2 | `get_superme()` | `ei.users().superme()` |
//! | 3 | `get_gene_categories(group)` | `ei.genes().categories(&gid)` |
//! | 4 | `get_band_categories()` | `ei.band_categories().list()` |
//! | 5 | `add_band_category(bc)` | `ei.band_categories().create().name(..).is_default(..).send()` |
//! | 6 | `update_band_category(bc)` | `ei.band_categories().update(&bcid).name(..).send()` |
//! | 7 | `del_band_category(bc)` | `ei.band_categories().delete(&bcid)` |
//! | 8 | `get_shared_band_categories(group)` | `ei.band_categories().shared(Some(&gid))` |
//! | 9 | `add_band(band, path)` | `ei.bands().create(band)[.file(path)].send()` |
//! | 10 | `update_band(band, path)` | `ei.bands().update(band)[.file(path)].send()` |
//! | 11 | `del_band(band)` | `ei.bands().delete(&bid)` |
//! | 12 | `get_uid_list(band, save_path)` | `ei.bands().download_uids(&bid, path)` |
//! | 13 | `do_snapshot(band)` | `ei.bands().snapshot(&bid)` |
//! | 14 | `get_fixed_gene_categories()` | `ei.genes().fixed_categories()` |
//! | 15 | `upload_fixed_gene_schema(group, path)` | `ei.genes().upload_fixed_schema(&gid, path)` |
//! | 16 | `upload_fixed_gene_data(group, path)` | `ei.genes().upload_fixed_data(&gid, path)` |
//! | 17 | `get_population_summary(gene, ds)` | `ei.population().summary(&gene, &dsid)` |
//! | 18 | `get_population_timeline(genes, ds, start, end, op, comp)` | `ei.population().timeline(&dsid).genes(..).start(..).end(..).filter_op(..).send()` |
//! | 19 | `get_statistics(group, items, start, end)` | `ei.statistics(&gid).items(..).start(..).end(..).send()` |
//! | 20 | `get_customer_info(ds, uid)` | `ei.customers().info(&dsid, &uid)` |
//! | 21 | `get_uid_band_list(user, uid)` | `ei.customers().band_list(&user_id, &uid)` |
//! | 22 | `upload_item_data(group, path)` | `ei.upload_items(&gid, path)` |
//! | 23 | `get_summary(id, ds, band)` | `ei.summary(&summary_id).data_source(..).band(..).send()` |
//! | 24 | `do_su_login(group, user)` | `ei.su().login(&group_name, &user_name)` |
//! | 25 | `do_su_logout()` | `ei.su().logout()` |
//! | 26 | `get_default_bandcategories(ds)` | `ei.band_categories().defaults(&dsid)` |
//!
//! ## Where the reference is broken and tenantry works (each has a test)
//!
//! - **Campaign parsing** (§10.17): the reference reads a key `logics]`, so
//!   listing, adding and updating campaigns always raise after the server
//!   did the work; here campaigns are read from `logics`.
//! - **`do_snapshot` never sends** (§10.18): here
//!   `POST /band/{id}/snapshot` is sent and the band read back.
//! - **`required: false` schemas** (§10.19): the reference refuses any
//!   schema with an optional field; here they are read.
//! - **Empty uid band lists** (§10.27): a uid in no band is an empty
//!   [`UidBandList`](models::ei::UidBandList), not an assertion failure.
//! - **Swallowed CAS errors** (§10.3): a refused CAS login is
//!   [`Error::Auth`] (invalid credentials, no secret in it); the reference
//!   returns `None` and then asks for a ticket for `/cas/v1/tickets/None`.
//! - Also: RANKING's `addNonCategoryRec: "false"` reads as false (§10.22);
//!   an unknown algorithm keeps its id (§10.21) and its training result
//!   (§10.20); missing layout and CF keys read as the defaults (§10.23);
//!   a client stays usable after `logout()` (§10.26); each [`Cas`] has its
//!   own cookies and TLS settings (§10.29); arguments are checked whatever
//!   the optimisation level (§10.30).
//!
//! ## Tests
//!
//! - `tests/table.rs`: a row per operation (all 67) through core's
//!   `MockTransport`: the request (method, path, query, session cookie,
//!   `Content-Type`, body bytes or multipart parts) and what the client makes
//!   of the canned answer, plus rows for refused input, echo mismatches,
//!   undecodable answers and each reference bug fixed.
//! - `tests/behaviour.rs`: lazy login, one TGT for every application, a
//!   fresh service ticket per login, an expired session → one new login then
//!   [`Error::Auth`], a refused password → a typed error with no secret in it.
//! - `tests/sim.rs`: the client against `tenantry-sim`'s Etu Nexus
//!   simulator over TLS (its certificate as an extra root): the quick
//!   start, session expiry (one new service ticket and presentation, then
//!   [`Error::Auth`] when expired again), a wrong password, group
//!   isolation (403), and EMC user/role, ER logic and campaign, EI band
//!   category, band and uid-list download flows.
//! - `tests/stream_memory.rs`: a 50 MiB band upload and a 50 MiB uid-list
//!   download raise the process's peak resident memory by about 1 MiB
//!   each (budget 16 MiB; a whole-file read, the control, by 50 MiB).
//! - `tests/wire.rs`: wire parity with the reference: its requests for the
//!   CAS login and all 67 operations (`tests/fixtures/wire.json`, captured by
//!   `tests/wire/etunexus_capture.py` over TLS), compared request by request
//!   with what tenantry sends for the same calls; an ignored test re-runs the
//!   reference and checks the fixture.
//!
//! ## Other deliberate differences
//!
//! - The service ticket is presented **once** (the reference validates it
//!   twice and ignores the 403 of the second, §10.2).
//! - Form bodies carry `application/x-www-form-urlencoded` (the reference
//!   says `test/html` and `application/json`, §10.1); GET and DELETE carry
//!   no `Content-Type` (§10.5).
//! - Path segments and query values are percent-encoded (§10.14).
//! - Bad input is refused before anything is sent, naming the field: an
//!   empty name or user name, a role or data source for an application that
//!   is not `ETU-SHIELD`/`ETU-RECOMMENDER`/`ETU-INSIGHT`, an id of the wrong
//!   form (ids are positive integers), a range that ends before it starts
//!   (audit log, campaign, timeline, statistics), an update of an object
//!   without an id (the reference requests `/group/None`).
//! - Multipart bodies keep the reference's layout (text parts, booleans as
//!   `True`/`False`, nested objects as JSON text, the file part last, an
//!   empty `filename="null"` part when there is no file), but the boundary
//!   is reqwest's or a `tenantry-<uuid>` one, not `mimetools`'. Uploads
//!   (band CSVs, user filters, items, fixed genes) stream the file from
//!   disk and the uid-list download is written to its file as it arrives:
//!   neither is ever whole in memory (`tests/stream_memory.rs` measures
//!   it); the reference reads each whole. A streamed upload is never sent
//!   again after a timeout or a broken connection (bytes may have left);
//!   on a session that expired meanwhile (the server refused it and did
//!   nothing) it logs in again once and the file is read from disk and sent
//!   once more, like every other call (the reference never logs in again,
//!   §2.5).
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod client;
pub mod ei;
pub mod emc;
pub mod enums;
pub mod er;
pub mod error;
pub mod ids;
pub mod millis;
pub mod models;
mod wire;

pub use client::{AppBuilder, Cas, CasBuilder, Ei3, Emc2, Er3};
pub use ids::{
    BandCategoryId, BandId, CampaignId, DataSourceId, GeneId, GroupId, LogicId, Name, SummaryId,
    Uid, UserFilterId, UserId,
};
pub use tenantry_core::{Error, Result, RetryConfig, Secret, TransportConfig};
