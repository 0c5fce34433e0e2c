//! User catalogs: uuid ↔ display name, with a user token
//! (`{ACCOUNT}/user_catalogs`) or a service token
//! (`{ACCOUNT}/service/user_catalogs`) (#5–#12 of the reference).
//!
//! Astakos does not page these lookups: one request answers for every id
//! sent. For long lists, [`GetUsernames::into_stream`] and
//! [`GetUuids::into_stream`] send them in chunks of
//! [`chunk_size`](GetUsernames::chunk_size), one request at a time, as a
//! lazy stream of entries (core's [`page::chunked`]).

use crate::client::answer_lacks as missing;
use crate::ids::Uuid;
use crate::{required, AstakosClient};
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

    /// `get_usernames(uuids)`: uuid → display name for the known
    /// [`uuids`](GetUsernames::uuids) (default none), in one request, or
    /// in chunks as a lazy stream ([`into_stream`](GetUsernames::into_stream)).
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::Uuid;
    /// let uuid = Uuid::new("73917abc-abcd-477e-a1f1-1763abcdefab")?;
    /// let names = client.users().usernames().uuids([uuid]).send().await?;
    /// # let _ = names; Ok(()) }
    /// ```
    pub fn usernames(&self) -> GetUsernames<'a> {
        GetUsernames::new(self.client, self.pick(&USERNAMES, &SERVICE_USERNAMES))
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
        let mut cat = self.usernames().uuids([uuid.clone()]).send().await?;
        cat.remove(uuid).ok_or_else(|| {
            let message = format!("No display name for the given uuid: {uuid}");
            let op = self.pick(&USERNAMES, &SERVICE_USERNAMES).name;
            missing(op, format!("uuid_catalog.{uuid}"), message)
        })
    }

    /// `get_uuids(display_names)`: display name → uuid for the known
    /// [`display_names`](GetUuids::display_names) (default none), in one
    /// request or in chunks ([`into_stream`](GetUuids::into_stream)). An
    /// empty name is refused before anything is sent.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// let uuids = client.users().uuids().display_names(["user@example.org"]).send().await?;
    /// # let _ = uuids; Ok(()) }
    /// ```
    pub fn uuids(&self) -> GetUuids<'a> {
        GetUuids::new(self.client, self.pick(&UUIDS, &SERVICE_UUIDS))
    }

    /// `get_uuid(display_name)`: the uuid of one user (the
    /// [`display_name`](GetUuid::display_name) is required, not empty);
    /// `Ok(None)` if the server maps the name to `null`. A name missing from
    /// the answer (the reference's `NoUUID`) is an [`Error::Decode`] at
    /// `displayname_catalog.<name>` with the message `No uuid for the given
    /// display name: <name>`.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// let uuid = client.users().uuid().display_name("user@example.org").send().await?;
    /// # let _ = uuid; Ok(()) }
    /// ```
    pub fn uuid(&self) -> GetUuid<'a> {
        GetUuid::new(self.client, self.pick(&UUIDS, &SERVICE_UUIDS))
    }
}

builder!(
    /// Builder of [`UsersHandler::usernames`].
    GetUsernames { decl: &'static Decl } {
        /// The uuids to look up.
        uuids: [Uuid],
        /// For [`into_stream`](Self::into_stream): uuids per request
        /// (default all in one).
        chunk_size: usize,
    }
);

impl<'a> GetUsernames<'a> {
    /// Sends the request (one, with every uuid).
    pub async fn send(self) -> Result<UsernameCatalog> {
        let (c, uuids) = (self.client, self.uuids.unwrap_or_default());
        let body = Lookup {
            uuids: Some(&uuids),
            displaynames: None,
        };
        // Two statements: a temporary of the first `await` would be kept
        // across the second.
        let op = c.op(self.decl).await?.python_json(&body);
        let answer: Usernames = c.call(op).await?;
        Ok(answer.uuid_catalog)
    }

    /// The entries, one request per chunk of
    /// [`chunk_size`](Self::chunk_size) uuids, sent only as the stream is
    /// polled.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use futures::TryStreamExt;
    /// let uuids = vec![astakos_client::Uuid::new("u1")?, astakos_client::Uuid::new("u2")?];
    /// let req = client.users().usernames().uuids(uuids).chunk_size(100);
    /// let names: Vec<_> = req.into_stream().try_collect().await?;
    /// # let _ = names; Ok(()) }
    /// ```
    pub fn into_stream(self) -> impl Stream<Item = Result<(Uuid, Option<String>)>> + 'a {
        let (c, decl, uuids) = (self.client, self.decl, self.uuids.unwrap_or_default());
        let chunk = self.chunk_size.unwrap_or(uuids.len());
        page::chunked(uuids, chunk, move |ids| async move {
            let cat = GetUsernames::new(c, decl).uuids(ids).send().await?;
            Ok(cat.into_iter().collect())
        })
    }
}

builder!(
    /// Builder of [`UsersHandler::uuids`].
    GetUuids { decl: &'static Decl } {
        /// The display names to look up (none empty).
        display_names: [String],
        /// For [`into_stream`](Self::into_stream): names per request
        /// (default all in one).
        chunk_size: usize,
    }
);

impl<'a> GetUuids<'a> {
    /// Sends the request (one, with every name).
    pub async fn send(self) -> Result<UuidCatalog> {
        let (c, names) = (self.client, self.display_names.unwrap_or_default());
        if names.iter().any(String::is_empty) {
            let reason = "a display name must not be empty";
            return Err(Error::invalid_input("display_names", reason));
        }
        let body = Lookup {
            uuids: None,
            displaynames: Some(&names),
        };
        let op = c.op(self.decl).await?.python_json(&body);
        let answer: Uuids = c.call(op).await?;
        Ok(answer.displayname_catalog)
    }

    /// The entries, one request per chunk of
    /// [`chunk_size`](Self::chunk_size) names, sent only as the stream is
    /// polled. An empty name fails the stream before anything is sent.
    pub fn into_stream(self) -> impl Stream<Item = Result<(String, Option<Uuid>)>> + 'a {
        let (c, decl, names) = (
            self.client,
            self.decl,
            self.display_names.unwrap_or_default(),
        );
        let all = names.iter().any(String::is_empty).then_some(names.len());
        let chunk = all.or(self.chunk_size).unwrap_or(names.len());
        page::chunked(names, chunk, move |names| async move {
            let cat = GetUuids::new(c, decl).display_names(names).send().await?;
            Ok(cat.into_iter().collect())
        })
    }
}

builder!(
    /// Builder of [`UsersHandler::uuid`].
    GetUuid { decl: &'static Decl } {
        /// The display name to look up (required, not empty).
        display_name: String,
    }
);

impl GetUuid<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<Option<Uuid>> {
        let name = required("display_name", self.display_name)?;
        if name.is_empty() {
            return Err(Error::invalid_input("display_name", "must not be empty"));
        }
        let uuids = GetUuids::new(self.client, self.decl);
        let mut cat = uuids.display_names([name.as_str()]).send().await?;
        cat.remove(&name).ok_or_else(|| {
            let message = format!("No uuid for the given display name: {name}");
            missing(
                self.decl.name,
                format!("displayname_catalog.{name}"),
                message,
            )
        })
    }
}
