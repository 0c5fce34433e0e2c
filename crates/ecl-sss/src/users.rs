//! Users: list, find, get, create, update, delete (`ecl-sss.md` §2.2).

use crate::client::{false_if_missing, none_if_missing, EclSssClient};
use crate::ids::UserId;
use crate::models::{expose_opt, wire, User};
use serde::de::IgnoredAny;
use serde::Serialize;
use tenantry_core::pipeline::Decl;
use tenantry_core::{Error, Result, Secret};

const LIST: Decl = Decl::get("ecl-sss.list_users", "/users");
const GET: Decl = Decl::get("ecl-sss.get_user", "/users/{user_id}");
const CREATE: Decl = Decl::post("ecl-sss.create_user", "/users");
const UPDATE: Decl = Decl::put("ecl-sss.update_user", "/users/{user_id}");
const DELETE: Decl = Decl::delete("ecl-sss.delete_user", "/users/{user_id}");

/// Users of the contract. From [`EclSssClient::users`].
#[derive(Debug, Clone, Copy)]
pub struct UsersHandler<'a> {
    pub(crate) client: &'a EclSssClient,
}

impl<'a> UsersHandler<'a> {
    /// `GET /users`: every user of the contract (one page, no paging).
    ///
    /// ```no_run
    /// # async fn run() -> ecl_sss::Result<()> {
    /// # let client = ecl_sss::EclSssClient::from_env()?;
    /// let users = client.users().list().await?;
    /// # let _ = users; Ok(()) }
    /// ```
    pub async fn list(&self) -> Result<Vec<User>> {
        let w: wire::Users<User> = self.client.pipeline.call(&LIST.op()).await?;
        Ok(w.items)
    }

    /// The reference's `find_user`: `GET /users`, then the user whose
    /// `user_id` is `id`; `None` when there is none.
    pub async fn find(&self, id: &UserId) -> Result<Option<User>> {
        let mut found = self
            .list()
            .await?
            .into_iter()
            .filter(|u| u.user_id.as_ref() == Some(id));
        let first = found.next();
        if found.next().is_some() {
            return Err(duplicate(LIST.name, "user", id.as_str()));
        }
        Ok(first)
    }

    /// `GET /users/{id}`; a 404 is an error ([`Error::is_not_found`]).
    pub async fn get(&self, id: &UserId) -> Result<User> {
        self.client
            .pipeline
            .call(&GET.op().param("user_id", id.as_str()))
            .await
    }

    /// [`get`](Self::get), with a 404 as `None`.
    pub async fn get_opt(&self, id: &UserId) -> Result<Option<User>> {
        none_if_missing(self.get(id).await)
    }

    /// `POST /users` (super user only): a builder; `login_id` and
    /// `mail_address` are required, `notify_password` is always sent
    /// (default `"false"`), the password only when set (else the server
    /// makes one). The answer carries the new user's credentials.
    ///
    /// ```no_run
    /// # async fn run() -> ecl_sss::Result<()> {
    /// # let client = ecl_sss::EclSssClient::from_env()?;
    /// let user = client
    ///     .users()
    ///     .create()
    ///     .login_id("alice")
    ///     .mail_address("alice@example.com")
    ///     .send()
    ///     .await?;
    /// # let _ = user; Ok(()) }
    /// ```
    pub fn create(&self) -> CreateUser<'a> {
        CreateUser {
            client: self.client,
            body: NewUser::default(),
        }
    }

    /// `PUT /users/{id}`: a builder; only the fields set are sent (`{}`
    /// when none).
    pub fn update(&self, id: &UserId) -> UpdateUser<'a> {
        UpdateUser {
            client: self.client,
            id: id.clone(),
            body: UserChanges::default(),
        }
    }

    /// `DELETE /users/{id}` (super user only); a 404 is an error.
    pub async fn delete(&self, id: &UserId) -> Result<()> {
        let _: IgnoredAny = self
            .client
            .pipeline
            .call(&DELETE.op().param("user_id", id.as_str()))
            .await?;
        Ok(())
    }

    /// [`delete`](Self::delete) with the reference's `ignore_missing=True`:
    /// `Ok(false)` when there was no such user.
    pub async fn delete_if_exists(&self, id: &UserId) -> Result<bool> {
        false_if_missing(self.delete(id).await)
    }
}

/// A "more than one" answer for a client-side match.
pub(crate) fn duplicate(operation: &str, what: &str, id: &str) -> Error {
    Error::Decode {
        operation: operation.to_owned(),
        status: 200,
        path: String::new(),
        message: format!("more than one {what} with id {id}"),
        excerpt: String::new(),
    }
}

#[derive(Debug, Default, Serialize)]
struct NewUser {
    login_id: Option<String>,
    mail_address: Option<String>,
    // Always sent, as the string the API expects (§2.2 #4).
    notify_password: &'static str,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "expose_opt")]
    password: Option<Secret>,
}

/// Builder of `POST /users` (from [`UsersHandler::create`]).
#[derive(Debug)]
#[must_use = "does nothing until `.send().await`"]
pub struct CreateUser<'a> {
    client: &'a EclSssClient,
    body: NewUser,
}

impl CreateUser<'_> {
    /// The portal login id (required).
    pub fn login_id(mut self, v: impl Into<String>) -> Self {
        self.body.login_id = Some(v.into());
        self
    }
    /// The e-mail address (required).
    pub fn mail_address(mut self, v: impl Into<String>) -> Self {
        self.body.mail_address = Some(v.into());
        self
    }
    /// Mail the login and password to the user (default false).
    pub fn notify_password(mut self, v: bool) -> Self {
        self.body.notify_password = if v { "true" } else { "false" };
        self
    }
    /// The initial password (default: the server makes one).
    pub fn password(mut self, v: Secret) -> Self {
        self.body.password = Some(v);
        self
    }
    /// Sends it; a missing required field fails before anything is sent.
    pub async fn send(mut self) -> Result<User> {
        require("login_id", &self.body.login_id)?;
        require("mail_address", &self.body.mail_address)?;
        if self.body.notify_password.is_empty() {
            self.body.notify_password = "false";
        }
        self.client
            .pipeline
            .call(&CREATE.op().json(&self.body))
            .await
    }
}

/// `Err(InvalidInput)` naming `field` unless it is set and not empty.
pub(crate) fn require(field: &str, v: &Option<String>) -> Result<()> {
    match v {
        Some(s) if !s.is_empty() => Ok(()),
        _ => Err(Error::invalid_input(field, "is required")),
    }
}

#[derive(Debug, Default, Serialize)]
struct UserChanges {
    #[serde(skip_serializing_if = "Option::is_none")]
    login_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mail_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "expose_opt")]
    new_password: Option<Secret>,
}

/// Builder of `PUT /users/{id}` (from [`UsersHandler::update`]).
#[derive(Debug)]
#[must_use = "does nothing until `.send().await`"]
pub struct UpdateUser<'a> {
    client: &'a EclSssClient,
    id: UserId,
    body: UserChanges,
}

impl UpdateUser<'_> {
    /// A new login id.
    pub fn login_id(mut self, v: impl Into<String>) -> Self {
        self.body.login_id = Some(v.into());
        self
    }
    /// A new e-mail address.
    pub fn mail_address(mut self, v: impl Into<String>) -> Self {
        self.body.mail_address = Some(v.into());
        self
    }
    /// A new password.
    pub fn new_password(mut self, v: Secret) -> Self {
        self.body.new_password = Some(v);
        self
    }
    /// Sends it (the answer, normally 204, carries nothing).
    pub async fn send(self) -> Result<()> {
        let _: IgnoredAny = self
            .client
            .pipeline
            .call(
                &UPDATE
                    .op()
                    .param("user_id", self.id.as_str())
                    .json(&self.body),
            )
            .await?;
        Ok(())
    }
}
