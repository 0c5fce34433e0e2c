//! User catalogs: uuid ↔ display name, with a user token
//! (`{ACCOUNT}/user_catalogs`) or a service token
//! (`{ACCOUNT}/service/user_catalogs`) (#5–#12 of the reference).
//!
//! Astakos does not page these lookups: one request answers for every id
//! sent. For long lists, [`UsersHandler::usernames_in_chunks`] and
//! [`UsersHandler::uuids_in_chunks`] send them in chunks, one request at a
//! time, as a lazy stream of entries (core's [`page::chunked`]).

use crate::client::answer_lacks as missing;
use crate::ids::Uuid;
use crate::AstakosClient;
use futures::Stream;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tenantry_core::page;
use tenantry_core::pipeline::Decl;
use tenantry_core::{Error, Result};

/// uuid → display name (`None` where the server maps a uuid to `null`).
pub type UsernameCatalog = BTreeMap<Uuid, Option<String>>;
/// display name → uuid (`None` where the server maps a name to `null`).
pub type UuidCatalog = BTreeMap<String, Option<Uuid>>;

static USERNAMES: Decl =
    Decl::post("astakos.get_usernames", "{ACCOUNT}/user_catalogs").idempotent();
static UUIDS: Decl = Decl::post("astakos.get_uuids", "{ACCOUNT}/user_catalogs").idempotent();
static SERVICE_USERNAMES: Decl = Decl::post(
    "astakos.service_get_usernames",
    "{ACCOUNT}/service/user_catalogs",
)
.idempotent();
static SERVICE_UUIDS: Decl = Decl::post(
    "astakos.service_get_uuids",
    "{ACCOUNT}/service/user_catalogs",
)
.idempotent();

/// The lookup bodies, and the answers' catalogs (a missing catalog is an
/// [`Error::Decode`] naming it, a bad entry one whose path names it).
#[derive(Serialize)]
struct Lookup<'a, T> {
    #[serde(skip_serializing_if = "Option::is_none")]
    uuids: Option<&'a [T]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    displaynames: Option<&'a [T]>,
}
#[derive(Deserialize)]
struct Usernames {
    uuid_catalog: UsernameCatalog,
}
#[derive(Deserialize)]
struct Uuids {
    displayname_catalog: UuidCatalog,
}

/// User-catalog lookups; see [`AstakosClient::users`] and
/// [`AstakosClient::service_users`].
#[derive(Debug, Clone, Copy)]
pub struct UsersHandler<'a> {
    client: &'a AstakosClient,
    service: bool,
}

impl AstakosClient {
    /// Lookups with a user token (`get_usernames`, `get_username`,
    /// `get_uuids`, `get_uuid`).
    pub fn users(&self) -> UsersHandler<'_> {
        UsersHandler {
            client: self,
            service: false,
        }
    }

    /// Lookups with a service token (`service_get_usernames`,
    /// `service_get_username`, `service_get_uuids`, `service_get_uuid`).
    pub fn service_users(&self) -> UsersHandler<'_> {
        UsersHandler {
            client: self,
            service: true,
        }
    }
}

impl<'a> UsersHandler<'a> {
    /// The user-token or the service-token declaration.
    fn pick(&self, user: &'static Decl, service: &'static Decl) -> &'static Decl {
        if self.service {
            service
        } else {
            user
        }
    }

    /// `get_usernames(uuids)`: uuid → display name for the known uuids.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::Uuid;
    /// let uuid = Uuid::new("73917abc-abcd-477e-a1f1-1763abcdefab")?;
    /// let names = client.users().usernames(&[uuid]).await?;
    /// # let _ = names; Ok(()) }
    /// ```
    pub async fn usernames(&self, uuids: &[Uuid]) -> Result<UsernameCatalog> {
        let c = self.client;
        let decl = self.pick(&USERNAMES, &SERVICE_USERNAMES);
        let body = Lookup {
            uuids: Some(uuids),
            displaynames: None,
        };
        let answer: Usernames = c.call(c.op(decl).await?.python_json(&body)).await?;
        Ok(answer.uuid_catalog)
    }

    /// `get_username(uuid)`: the display name of one user; `Ok(None)` if the
    /// server maps the uuid to `null`. A uuid missing from the answer (the
    /// reference's `NoUserName`) is an [`Error::Decode`] at
    /// `uuid_catalog.<uuid>` with the message `No display name for the given
    /// uuid: <uuid>`.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::Uuid;
    /// let name = client.service_users().username(&Uuid::new("73917abc-abcd-477e-a1f1-1763abcdefab")?).await?;
    /// # let _ = name; Ok(()) }
    /// ```
    pub async fn username(&self, uuid: &Uuid) -> Result<Option<String>> {
        let mut cat = self.usernames(std::slice::from_ref(uuid)).await?;
        cat.remove(uuid).ok_or_else(|| {
            let message = format!("No display name for the given uuid: {uuid}");
            let op = self.pick(&USERNAMES, &SERVICE_USERNAMES).name;
            missing(op, format!("uuid_catalog.{uuid}"), message)
        })
    }

    /// `get_uuids(display_names)`: display name → uuid for the known names.
    /// An empty name is refused before sending.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// let uuids = client.users().uuids(&["user@example.org"]).await?;
    /// # let _ = uuids; Ok(()) }
    /// ```
    pub async fn uuids<S: AsRef<str>>(&self, display_names: &[S]) -> Result<UuidCatalog> {
        let names: Vec<&str> = display_names.iter().map(AsRef::as_ref).collect();
        if names.iter().any(|n| n.is_empty()) {
            let reason = "a display name must not be empty";
            return Err(Error::invalid_input("display_names", reason));
        }
        let c = self.client;
        let decl = self.pick(&UUIDS, &SERVICE_UUIDS);
        let body = Lookup {
            uuids: None,
            displaynames: Some(&names),
        };
        let answer: Uuids = c.call(c.op(decl).await?.python_json(&body)).await?;
        Ok(answer.displayname_catalog)
    }

    /// `get_uuid(display_name)`: the uuid of one user; `Ok(None)` if the
    /// server maps the name to `null`. A name missing from the answer (the
    /// reference's `NoUUID`) is an [`Error::Decode`] at
    /// `displayname_catalog.<name>` with the message `No uuid for the given
    /// display name: <name>`.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// let uuid = client.users().uuid("user@example.org").await?;
    /// # let _ = uuid; Ok(()) }
    /// ```
    pub async fn uuid(&self, display_name: &str) -> Result<Option<Uuid>> {
        if display_name.is_empty() {
            return Err(Error::invalid_input("display_name", "must not be empty"));
        }
        let mut cat = self.uuids(&[display_name]).await?;
        cat.remove(display_name).ok_or_else(|| {
            let message = format!("No uuid for the given display name: {display_name}");
            missing(
                self.pick(&UUIDS, &SERVICE_UUIDS).name,
                format!("displayname_catalog.{display_name}"),
                message,
            )
        })
    }

    /// [`usernames`](Self::usernames) in chunks of `chunk` uuids, one
    /// request per chunk, sent only as the stream is polled.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use futures::TryStreamExt;
    /// let uuids = vec![astakos_client::Uuid::new("u1")?, astakos_client::Uuid::new("u2")?];
    /// let names: Vec<_> = client.users().usernames_in_chunks(uuids, 100).try_collect().await?;
    /// # let _ = names; Ok(()) }
    /// ```
    pub fn usernames_in_chunks(
        self,
        uuids: Vec<Uuid>,
        chunk: usize,
    ) -> impl Stream<Item = Result<(Uuid, Option<String>)>> + 'a {
        page::chunked(uuids, chunk, move |ids| async move {
            Ok(self.usernames(&ids).await?.into_iter().collect())
        })
    }

    /// [`uuids`](Self::uuids) in chunks of `chunk` names, one request per
    /// chunk, sent only as the stream is polled.
    pub fn uuids_in_chunks(
        self,
        display_names: Vec<String>,
        chunk: usize,
    ) -> impl Stream<Item = Result<(String, Option<Uuid>)>> + 'a {
        page::chunked(display_names, chunk, move |names| async move {
            Ok(self.uuids(&names).await?.into_iter().collect())
        })
    }
}
