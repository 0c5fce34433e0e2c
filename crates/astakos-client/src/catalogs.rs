//! User catalogs: uuid ↔ display name, with a user token
//! (`{ACCOUNT}/user_catalogs`) or a service token
//! (`{ACCOUNT}/service/user_catalogs`) (#5–#12 of the reference).

use crate::client::{json_op, AstakosClient};
use crate::error::{AstakosError, Result};
use crate::ids::Uuid;
use http::Method;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use tenantry_core::Idempotency;

/// uuid → display name (`None` where the server maps a uuid to `null`).
pub type UsernameCatalog = BTreeMap<Uuid, Option<String>>;
/// display name → uuid (`None` where the server maps a name to `null`).
pub type UuidCatalog = BTreeMap<String, Option<Uuid>>;

/// User-catalog lookups; see [`AstakosClient::users`] and
/// [`AstakosClient::service_users`].
#[derive(Debug, Clone, Copy)]
pub struct UserCatalogs<'a> {
    client: &'a AstakosClient,
    service: bool,
}

impl AstakosClient {
    /// Lookups with a user token (`get_usernames`, `get_username`,
    /// `get_uuids`, `get_uuid`).
    pub fn users(&self) -> UserCatalogs<'_> {
        UserCatalogs {
            client: self,
            service: false,
        }
    }

    /// Lookups with a service token (`service_get_usernames`,
    /// `service_get_username`, `service_get_uuids`, `service_get_uuid`).
    pub fn service_users(&self) -> UserCatalogs<'_> {
        UserCatalogs {
            client: self,
            service: true,
        }
    }
}

impl UserCatalogs<'_> {
    fn name(&self, user: &'static str, service: &'static str) -> &'static str {
        if self.service {
            service
        } else {
            user
        }
    }

    /// Sends the lookup and returns the catalog under `key`
    /// (`uuid_catalog` or `displayname_catalog`).
    async fn lookup<B, K, V>(
        &self,
        op_name: &'static str,
        body: &B,
        key: &'static str,
    ) -> Result<BTreeMap<K, Option<V>>>
    where
        B: serde::Serialize + ?Sized,
        K: serde::de::DeserializeOwned + Ord,
        V: serde::de::DeserializeOwned,
    {
        let c = self.client;
        let rest = if self.service {
            "service/user_catalogs"
        } else {
            "user_catalogs"
        };
        let path = c.account_path(rest).await?;
        let op = json_op(
            op_name,
            Method::POST,
            if self.service {
                "{ACCOUNT}/service/user_catalogs"
            } else {
                "{ACCOUNT}/user_catalogs"
            },
            path,
            body,
        )?
        .idempotency(Idempotency::Idempotent);
        let (name, status, reply) = c.exchange(op).await?;
        // The usual answer decodes straight into the catalog; anything else
        // goes the long way, for a precise error.
        #[derive(Deserialize)]
        struct Reply<T> {
            uuid_catalog: Option<T>,
            displayname_catalog: Option<T>,
        }
        if let Ok(r) = serde_json::from_slice::<Reply<BTreeMap<K, Option<V>>>>(&reply) {
            let found = if key == "uuid_catalog" {
                r.uuid_catalog
            } else {
                r.displayname_catalog
            };
            if let Some(cat) = found {
                return Ok(cat);
            }
        }
        let reply: Value = crate::client::decode_body(name, status, &reply, &c.inner.token)?;
        let cat = match reply {
            Value::Object(mut m) => match m.remove(key) {
                Some(Value::Object(cat)) => cat,
                Some(other) => {
                    return Err(AstakosError::invalid(
                        op_name,
                        status,
                        format!("`{key}` is not an object"),
                        c.excerpt(other.to_string().as_bytes()),
                    ))
                }
                None => {
                    return Err(AstakosError::invalid(
                        op_name,
                        status,
                        format!("no {key} found"),
                        c.excerpt(Value::Object(m).to_string().as_bytes()),
                    ))
                }
            },
            other => {
                return Err(AstakosError::invalid(
                    op_name,
                    status,
                    format!("no {key} found"),
                    c.excerpt(other.to_string().as_bytes()),
                ))
            }
        };
        decode_catalog(c, op_name, status, key, cat)
    }

    /// `get_usernames(uuids)`: uuid → display name for the known uuids.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::Uuid;
    /// let uuid = Uuid::new("73917abc-abcd-477e-a1f1-1763abcdefab")?;
    /// let names = client.users().usernames(&[uuid]).await?;
    /// # let _ = names; Ok(()) }
    /// ```
    pub async fn usernames(&self, uuids: &[Uuid]) -> Result<UsernameCatalog> {
        let op = self.name("astakos.get_usernames", "astakos.service_get_usernames");
        #[derive(serde::Serialize)]
        struct Body<'a> {
            uuids: &'a [Uuid],
        }
        self.lookup(op, &Body { uuids }, "uuid_catalog").await
    }

    /// `get_username(uuid)`: the display name of one user; `Ok(None)` if the
    /// server maps the uuid to `null`, [`AstakosError::NoUserName`] if the
    /// uuid is not in the answer.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::Uuid;
    /// let name = client.service_users().username(&Uuid::new("73917abc-abcd-477e-a1f1-1763abcdefab")?).await?;
    /// # let _ = name; Ok(()) }
    /// ```
    pub async fn username(&self, uuid: &Uuid) -> Result<Option<String>> {
        let mut cat = self.usernames(std::slice::from_ref(uuid)).await?;
        cat.remove(uuid).ok_or_else(|| AstakosError::NoUserName {
            uuid: uuid.to_string(),
        })
    }

    /// `get_uuids(display_names)`: display name → uuid for the known names.
    /// An empty name is refused before sending.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// let uuids = client.users().uuids(&["user@example.org"]).await?;
    /// # let _ = uuids; Ok(()) }
    /// ```
    pub async fn uuids<S: AsRef<str>>(&self, display_names: &[S]) -> Result<UuidCatalog> {
        let names: Vec<&str> = display_names.iter().map(AsRef::as_ref).collect();
        if names.iter().any(|n| n.is_empty()) {
            return Err(AstakosError::bad_value(
                "display_names",
                "a display name must not be empty",
            ));
        }
        let op = self.name("astakos.get_uuids", "astakos.service_get_uuids");
        #[derive(serde::Serialize)]
        struct Body<'a> {
            displaynames: &'a [&'a str],
        }
        self.lookup(
            op,
            &Body {
                displaynames: &names,
            },
            "displayname_catalog",
        )
        .await
    }

    /// `get_uuid(display_name)`: the uuid of one user; `Ok(None)` if the
    /// server maps the name to `null`, [`AstakosError::NoUuid`] if the name
    /// is not in the answer.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// let uuid = client.users().uuid("user@example.org").await?;
    /// # let _ = uuid; Ok(()) }
    /// ```
    pub async fn uuid(&self, display_name: &str) -> Result<Option<Uuid>> {
        if display_name.is_empty() {
            return Err(AstakosError::bad_value("display_name", "must not be empty"));
        }
        let mut cat = self.uuids(&[display_name]).await?;
        cat.remove(display_name)
            .ok_or_else(|| AstakosError::NoUuid {
                display_name: display_name.to_owned(),
            })
    }
}

/// The catalog found under `key`, typed; a bad entry is an
/// [`AstakosError::InvalidResponse`] whose path names it (`key.entry`).
fn decode_catalog<K, V>(
    client: &AstakosClient,
    op: &str,
    status: u16,
    key: &str,
    cat: Map<String, Value>,
) -> Result<BTreeMap<K, Option<V>>>
where
    K: serde::de::DeserializeOwned + Ord,
    V: serde::de::DeserializeOwned,
{
    let cat = Value::Object(cat);
    tenantry_core::pipeline::decode_value(op, status, &cat).map_err(|e| {
        crate::client::invalid_response(e, key, cat.to_string().as_bytes(), &client.inner.token)
    })
}
