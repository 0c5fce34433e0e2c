//! Assets (`squonk2-as.md` §4.1 #9–#17): listing by scope, create and
//! alter as `multipart/form-data` (§4.3), attach to and detach from
//! merchants, enable, disable, delete.
//!
//! Content is a string or a file, never both. A file is **streamed**: a
//! path is opened when the request is sent (its basename is the part's
//! filename, as the reference sends it), or an open `tokio::fs::File` is
//! sent from its position with the filename given; it is read in 64 KiB
//! chunks while it is sent, never held whole in memory (core's
//! [`tenantry_core::multipart`]). Without a file, the mandatory
//! `content_file` part has an empty filename and **empty** content (the
//! reference sends its own source code there).
//!
//! A request with a file is never re-sent after a failure once bytes may
//! have been sent (create and alter are not retried anyway); a refused
//! token (401: nothing was done) gets a fresh token and the file read
//! from its path once more; an open file is sent at most once.

use crate::client::OK;
use crate::client::{none_if_missing, Squonk2Client};
use crate::ids::{AssetId, MerchantId, OrgId, ProductId, UnitId, Username};
use crate::models::{wire, Asset, AssetScope};
use crate::organisations::require;
use serde::de::IgnoredAny;
use serde::Serialize;
use std::path::PathBuf;
use tenantry_core::http::Method;
use tenantry_core::multipart::{FileSource, Multipart};
use tenantry_core::pipeline::Decl;
use tenantry_core::{Error, Operation, Result, Secret};

const LIST: Decl = Decl::get("squonk2-as.get_available_assets", "/asset").success(OK);
const GET: Decl = Decl::get("squonk2-as.get_asset", "/asset/{asset_id}").success(OK);
const CREATE: Decl = Decl::post("squonk2-as.create_asset", "/asset").success(&[201]);
const ALTER: Decl =
    Decl::new("squonk2-as.alter_asset", Method::PATCH, "/asset/{asset_id}").success(&[200]);
const DELETE: Decl = Decl::delete("squonk2-as.delete_asset", "/asset/{asset_id}").success(&[204]);
const ATTACH: Decl = Decl::new(
    "squonk2-as.attach_asset",
    Method::PATCH,
    "/asset/{asset_id}/attach",
)
.success(&[204]);
const DETACH: Decl = Decl::new(
    "squonk2-as.detach_asset",
    Method::PATCH,
    "/asset/{asset_id}/detach",
)
.success(&[204]);
const ENABLE: Decl = Decl::new(
    "squonk2-as.enable_asset",
    Method::PATCH,
    "/asset/{asset_id}/enable",
)
.success(&[204]);
const DISABLE: Decl = Decl::new(
    "squonk2-as.disable_asset",
    Method::PATCH,
    "/asset/{asset_id}/disable",
)
.success(&[204]);

/// Assets. From [`Squonk2Client::assets`].
#[derive(Debug, Clone, Copy)]
pub struct AssetsHandler<'a> {
    pub(crate) client: &'a Squonk2Client,
}

#[derive(Serialize)]
struct MerchantQuery {
    m_id: MerchantId,
}

impl<'a> AssetsHandler<'a> {
    /// `GET /asset[?user_id|product_id|unit_id|org_id=…]` (#9): a builder;
    /// at most one scope filter (the last one set wins).
    ///
    /// ```no_run
    /// # async fn run() -> squonk2_as::Result<()> {
    /// # let client = squonk2_as::Squonk2Client::from_env()?;
    /// let mine = client.assets().list().user(&"dlister".parse()?).send().await?;
    /// # let _ = mine; Ok(()) }
    /// ```
    pub fn list(&self) -> ListAssets<'a> {
        ListAssets {
            client: self.client,
            filter: None,
        }
    }

    /// `GET /asset/{id}` (#13); a 404 is an error.
    pub async fn get(&self, id: &AssetId) -> Result<Asset> {
        self.client
            .pipeline
            .call(&GET.op().param("asset_id", id.as_str()))
            .await
    }

    /// [`get`](Self::get), with a 404 as `None`.
    pub async fn get_opt(&self, id: &AssetId) -> Result<Option<Asset>> {
        none_if_missing(self.get(id).await)
    }

    /// `POST /asset` (#10), multipart: a builder; `name`, `scope` and one
    /// content (a string or a file) are required. Answers the new id.
    ///
    /// ```no_run
    /// # async fn run() -> squonk2_as::Result<()> {
    /// # let client = squonk2_as::Squonk2Client::from_env()?;
    /// use squonk2_as::models::AssetScope;
    /// let id = client
    ///     .assets()
    ///     .create()
    ///     .name("licence")
    ///     .scope(AssetScope::User)
    ///     .scope_id("dlister")
    ///     .content_string("KEY=1")
    ///     .secret(true)
    ///     .send()
    ///     .await?;
    /// # let _ = id; Ok(()) }
    /// ```
    pub fn create(&self) -> CreateAsset<'a> {
        CreateAsset {
            client: self.client,
            name: None,
            scope: None,
            scope_id: None,
            description: None,
            secret: false,
            content: Content::default(),
        }
    }

    /// `PATCH /asset/{id}` (#11), multipart: a builder; a new description
    /// and/or a new content (a string or a file, not both). Name, scope and
    /// secrecy cannot be changed.
    pub fn alter(&self, id: &AssetId) -> AlterAsset<'a> {
        AlterAsset {
            client: self.client,
            id: id.clone(),
            description: None,
            content: Content::default(),
        }
    }

    /// `DELETE /asset/{id}` (#12).
    pub async fn delete(&self, id: &AssetId) -> Result<()> {
        self.unit(DELETE.op().param("asset_id", id.as_str())).await
    }

    /// `PATCH /asset/{id}/attach?m_id=…` (#14): attaches it to a merchant.
    pub async fn attach(&self, id: &AssetId, merchant: MerchantId) -> Result<()> {
        self.unit(
            ATTACH
                .op()
                .param("asset_id", id.as_str())
                .query_from(&MerchantQuery { m_id: merchant }),
        )
        .await
    }

    /// `PATCH /asset/{id}/detach?m_id=…` (#15).
    pub async fn detach(&self, id: &AssetId, merchant: MerchantId) -> Result<()> {
        self.unit(
            DETACH
                .op()
                .param("asset_id", id.as_str())
                .query_from(&MerchantQuery { m_id: merchant }),
        )
        .await
    }

    /// `PATCH /asset/{id}/enable` (#16).
    pub async fn enable(&self, id: &AssetId) -> Result<()> {
        self.unit(ENABLE.op().param("asset_id", id.as_str())).await
    }

    /// `PATCH /asset/{id}/disable` (#17).
    pub async fn disable(&self, id: &AssetId) -> Result<()> {
        self.unit(DISABLE.op().param("asset_id", id.as_str())).await
    }

    async fn unit(&self, op: Operation) -> Result<()> {
        let _: IgnoredAny = self.client.pipeline.call(&op).await?;
        Ok(())
    }
}

/// Builder of `GET /asset` (from [`AssetsHandler::list`]).
#[derive(Debug)]
#[must_use = "does nothing until `.send().await`"]
pub struct ListAssets<'a> {
    client: &'a Squonk2Client,
    filter: Option<(&'static str, String)>,
}

impl ListAssets<'_> {
    /// The assets of a user (`user_id=`).
    pub fn user(mut self, v: &Username) -> Self {
        self.filter = Some(("user_id", v.to_string()));
        self
    }
    /// The assets of a product (`product_id=`).
    pub fn product(mut self, v: &ProductId) -> Self {
        self.filter = Some(("product_id", v.to_string()));
        self
    }
    /// The assets of a unit (`unit_id=`).
    pub fn unit(mut self, v: &UnitId) -> Self {
        self.filter = Some(("unit_id", v.to_string()));
        self
    }
    /// The assets of an organisation (`org_id=`).
    pub fn organisation(mut self, v: &OrgId) -> Self {
        self.filter = Some(("org_id", v.to_string()));
        self
    }
    /// Sends it.
    pub async fn send(self) -> Result<Vec<Asset>> {
        let mut op = LIST.op();
        if let Some((k, v)) = self.filter {
            op = op.query(k, v);
        }
        let w: wire::Assets<Asset> = self.client.pipeline.call(&op).await?;
        Ok(w.items)
    }
}

/// An asset's content as set on a builder.
#[derive(Debug, Default)]
struct Content {
    string: Option<Secret>,
    /// The part's filename and where its bytes come from.
    file: Option<(String, FileSource)>,
}

impl Content {
    /// Both is an error; `required` makes neither an error too; a file
    /// needs a filename (the server reads an empty one as "no file").
    fn check(&self, required: bool) -> Result<()> {
        match (&self.string, &self.file) {
            (Some(_), Some(_)) => Err(Error::invalid_input(
                "content",
                "give a content string or a content file, not both",
            )),
            (None, None) if required => Err(Error::invalid_input(
                "content",
                "a content string or a content file is required",
            )),
            (_, Some((name, _))) if name.is_empty() => Err(Error::invalid_input(
                "content_file",
                "needs a file name (the server reads an empty one as no file)",
            )),
            _ => Ok(()),
        }
    }

    fn path(path: PathBuf) -> (String, FileSource) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        (name, FileSource::path(path))
    }

    /// The content string part and the mandatory `content_file` part.
    fn add_to(self, m: Multipart) -> Multipart {
        let m = match self.string.as_ref().filter(|s| !s.is_empty()) {
            Some(s) => m.text("content_string", s.expose()),
            None => m,
        };
        match self.file {
            Some((name, source)) => m.file("content_file", name, source),
            // The server reads an empty filename as "no file" (§4.2 #10).
            None => m.file("content_file", "", FileSource::bytes(Vec::new())),
        }
    }
}

/// Builder of `POST /asset` (from [`AssetsHandler::create`]).
#[derive(Debug)]
#[must_use = "does nothing until `.send().await`"]
pub struct CreateAsset<'a> {
    client: &'a Squonk2Client,
    name: Option<String>,
    scope: Option<AssetScope>,
    scope_id: Option<String>,
    description: Option<String>,
    secret: bool,
    content: Content,
}

impl CreateAsset<'_> {
    /// The name (required; unique in its scope).
    pub fn name(mut self, v: impl Into<String>) -> Self {
        self.name = Some(v.into());
        self
    }
    /// The scope (required).
    pub fn scope(mut self, v: AssetScope) -> Self {
        self.scope = Some(v);
        self
    }
    /// What the scope refers to: a user name, `product-…`, `unit-…`,
    /// `org-…` (none for `GLOBAL`).
    pub fn scope_id(mut self, v: impl Into<String>) -> Self {
        self.scope_id = Some(v.into());
        self
    }
    /// A description.
    pub fn description(mut self, v: impl Into<String>) -> Self {
        self.description = Some(v.into());
        self
    }
    /// Whether the content is secret (default false).
    pub fn secret(mut self, v: bool) -> Self {
        self.secret = v;
        self
    }
    /// The content as text. It is kept as a [`Secret`]: never in Debug,
    /// logs or errors.
    pub fn content_string(mut self, v: impl Into<String>) -> Self {
        self.content.string = Some(Secret::new(v.into()));
        self
    }
    /// The content as a file, by its path: opened when the request is
    /// sent and streamed from disk; its basename is the part's filename
    /// (as the reference sends it). A path that cannot be opened is an
    /// [`Error::InvalidInput`] naming `content_file`, before anything is
    /// sent.
    ///
    /// ```no_run
    /// # async fn run() -> squonk2_as::Result<()> {
    /// # let client = squonk2_as::Squonk2Client::from_env()?;
    /// use squonk2_as::models::AssetScope;
    /// let id = client
    ///     .assets()
    ///     .create()
    ///     .name("model")
    ///     .scope(AssetScope::User)
    ///     .scope_id("dlister")
    ///     .content_file("/data/model.bin")
    ///     .send()
    ///     .await?;
    /// # let _ = id; Ok(()) }
    /// ```
    pub fn content_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.content.file = Some(Content::path(path.into()));
        self
    }
    /// The content as an open file, streamed from its current position to
    /// its end, under `filename`; sent at most once.
    pub fn content_file_open(mut self, file: tokio::fs::File, filename: impl Into<String>) -> Self {
        self.content.file = Some((filename.into(), FileSource::file(file)));
        self
    }
    /// Sends it; a missing or bad field fails before anything is sent.
    pub async fn send(self) -> Result<AssetId> {
        let name = require("name", &self.name)?;
        let scope = self
            .scope
            .as_ref()
            .ok_or_else(|| Error::invalid_input("scope", "is required"))?;
        self.content.check(true)?;
        // Part order as the reference sends them (§4.2 #10).
        let mut m = Multipart::new()
            .text("name", name)
            .text("scope", scope.as_str())
            .text("secret", if self.secret { "True" } else { "False" });
        if let Some(d) = self.description.as_deref().filter(|d| !d.is_empty()) {
            m = m.text("description", d);
        }
        if let Some(s) = self.scope_id.as_deref().filter(|s| !s.is_empty()) {
            m = m.text("scope_id", s);
        }
        let secret = self.content.string.clone();
        let mut op = CREATE.op().multipart(self.content.add_to(m));
        if let Some(s) = &secret {
            op = op.secret(s);
        }
        let w: wire::Created<AssetId> = self.client.pipeline.call(&op).await?;
        Ok(w.id)
    }
}

/// Builder of `PATCH /asset/{id}` (from [`AssetsHandler::alter`]).
#[derive(Debug)]
#[must_use = "does nothing until `.send().await`"]
pub struct AlterAsset<'a> {
    client: &'a Squonk2Client,
    id: AssetId,
    description: Option<String>,
    content: Content,
}

impl AlterAsset<'_> {
    /// A new description.
    pub fn description(mut self, v: impl Into<String>) -> Self {
        self.description = Some(v.into());
        self
    }
    /// A new content as text (kept as a [`Secret`]).
    pub fn content_string(mut self, v: impl Into<String>) -> Self {
        self.content.string = Some(Secret::new(v.into()));
        self
    }
    /// A new content as a file, by its path (opened when the request is
    /// sent, streamed; its basename is the filename).
    pub fn content_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.content.file = Some(Content::path(path.into()));
        self
    }
    /// A new content as an open file, streamed from its position, under
    /// `filename`; sent at most once.
    pub fn content_file_open(mut self, file: tokio::fs::File, filename: impl Into<String>) -> Self {
        self.content.file = Some((filename.into(), FileSource::file(file)));
        self
    }
    /// Sends it; both a string and a file fail before anything is sent.
    pub async fn send(self) -> Result<()> {
        self.content.check(false)?;
        let mut m = Multipart::new();
        if let Some(d) = self.description.as_deref().filter(|d| !d.is_empty()) {
            m = m.text("description", d);
        }
        let secret = self.content.string.clone();
        let mut op = ALTER
            .op()
            .param("asset_id", self.id.as_str())
            .multipart(self.content.add_to(m));
        if let Some(s) = &secret {
            op = op.secret(s);
        }
        let _: IgnoredAny = self.client.pipeline.call(&op).await?;
        Ok(())
    }
}
