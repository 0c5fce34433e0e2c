//! Identity: authenticate, endpoint discovery, token validation, OAuth2
//! tokens (#1–#4 of the reference).

use crate::client::Catalog;
use crate::models::identity::{AuthInfo, OAuth2Token};
use crate::AstakosClient;
use base64::Engine;
use serde::Serialize;
use tenantry_core::encode::{encode_pairs, QueryStyle};
use tenantry_core::pipeline::Decl;
use tenantry_core::{Error, Result, Secret};

const AUTHENTICATE: Decl = Decl::post("astakos.authenticate", "{AUTH}/tokens").idempotent();
const VALIDATE_TOKEN: Decl = Decl::get("astakos.validate_token", "{AUTH}/tokens/{token_id}")
    .query_style(QueryStyle::PythonQuotePlus);
const GET_TOKEN: Decl = Decl::post("astakos.get_token", "{OAUTH2}/token");

handler!(
    /// Identity calls; see [`AstakosClient::identity`].
    IdentityHandler,
    /// Identity calls: authenticate, endpoints, token validation, OAuth2.
    identity
);

impl<'a> IdentityHandler<'a> {
    /// `authenticate(tenant_name=None)`: `POST {AUTH_PATH}/tokens` with
    /// `{"auth": {"token": {"id": <token>}}}`; refreshes the cached account
    /// and UI prefixes.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// let info = client.identity().authenticate().send().await?;
    /// let uuid = info.access.user.and_then(|u| u.id);
    /// # let _ = uuid; Ok(()) }
    /// ```
    pub fn authenticate(&self) -> Authenticate<'a> {
        Authenticate {
            client: self.client,
            tenant_name: None,
        }
    }

    /// `get_endpoints(extra=False)`: the bodyless `POST {AUTH_PATH}/tokens`
    /// (public mode: the catalog only). Always re-fetches and refreshes the
    /// cached prefixes.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// let catalog = client.identity().endpoints().include_oauth2().send().await?;
    /// # let _ = catalog; Ok(()) }
    /// ```
    pub fn endpoints(&self) -> GetEndpoints<'a> {
        GetEndpoints {
            client: self.client,
            extra: false,
        }
    }

    /// `validate_token(token_id, belongs_to=None)`: `GET
    /// {AUTH_PATH}/tokens/{token_id}` (an OAuth2 access token). The token is
    /// percent-encoded in the path.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::Secret;
    /// let info = client
    ///     .identity()
    ///     .validate_token(&Secret::new("access-token"))
    ///     .belongs_to("https://storage.example.org/")
    ///     .send()
    ///     .await?;
    /// # let _ = info; Ok(()) }
    /// ```
    pub fn validate_token(&self, token_id: &Secret) -> ValidateToken<'a> {
        ValidateToken {
            client: self.client,
            token_id: token_id.clone(),
            belongs_to: None,
        }
    }

    /// `get_token(grant_type, client_id, client_secret, **params)`: `POST
    /// {OAUTH2}/token` with HTTP Basic client credentials and a form body.
    /// The grant type defaults to `authorization_code`.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::Secret;
    /// let token = client
    ///     .identity()
    ///     .oauth2_token("my-client", Secret::new("s3cret"))
    ///     .code(Secret::new("xyz"))
    ///     .redirect_uri("https://app.example.org/cb")
    ///     .send()
    ///     .await?;
    /// # let _ = token; Ok(()) }
    /// ```
    pub fn oauth2_token(
        &self,
        client_id: impl Into<String>,
        client_secret: Secret,
    ) -> GetToken<'a> {
        GetToken {
            client: self.client,
            client_id: client_id.into(),
            client_secret,
            grant_type: "authorization_code".to_owned(),
            params: Vec::new(),
        }
    }
}

/// Builder of [`IdentityHandler::authenticate`].
#[derive(Debug)]
pub struct Authenticate<'a> {
    client: &'a AstakosClient,
    tenant_name: Option<String>,
}

setters! {
    Authenticate<'_> {
        /// `tenantName` (must be the user's uuid on a real server).
        tenant_name: String,
    }
}

impl Authenticate<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<AuthInfo> {
        #[derive(Serialize)]
        struct Token<'s> {
            id: &'s str,
        }
        #[derive(Serialize)]
        struct Auth<'s> {
            token: Token<'s>,
            #[serde(rename = "tenantName", skip_serializing_if = "Option::is_none")]
            tenant_name: Option<&'s str>,
        }
        #[derive(Serialize)]
        struct Body<'s> {
            auth: Auth<'s>,
        }
        let c = self.client;
        let token = Token {
            id: c.token().expose(),
        };
        let tenant_name = self.tenant_name.as_deref();
        let body = Body {
            auth: Auth { token, tenant_name },
        };
        let catalog: Catalog = c
            .call(c.op(&AUTHENTICATE).await?.python_json(&body))
            .await?;
        c.store(catalog, false).map(|(info, _)| info)
    }
}

/// Builder of [`IdentityHandler::endpoints`].
#[derive(Debug)]
pub struct GetEndpoints<'a> {
    client: &'a AstakosClient,
    extra: bool,
}

impl GetEndpoints<'_> {
    /// Also discover the OAuth2 prefix (the reference's `extra=True`); fails
    /// with `NoEndpoints` when the catalog has no `astakos_oauth2`.
    pub fn include_oauth2(mut self) -> Self {
        self.extra = true;
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<AuthInfo> {
        self.client.discover(self.extra).await
    }
}

/// Builder of [`IdentityHandler::validate_token`]; `belongsTo` is its query.
#[derive(Debug, Serialize)]
pub struct ValidateToken<'a> {
    #[serde(skip)]
    client: &'a AstakosClient,
    #[serde(skip)]
    token_id: Secret,
    #[serde(rename = "belongsTo", skip_serializing_if = "Option::is_none")]
    belongs_to: Option<String>,
}

setters! {
    ValidateToken<'_> {
        /// `belongsTo`: the scope the token must belong to.
        belongs_to: String,
    }
}

impl ValidateToken<'_> {
    /// Sends the request. `None` when the answer body is empty.
    pub async fn send(self) -> Result<Option<AuthInfo>> {
        if self.token_id.is_empty() {
            return Err(Error::invalid_input("token_id", "must not be empty"));
        }
        let c = self.client;
        let op = c.bare(&VALIDATE_TOKEN).await?;
        let op = op.param("token_id", self.token_id.expose());
        c.call(op.query_from(&self).secret(&self.token_id)).await
    }
}

/// Builder of [`IdentityHandler::oauth2_token`].
#[derive(Debug)]
pub struct GetToken<'a> {
    client: &'a AstakosClient,
    client_id: String,
    client_secret: Secret,
    grant_type: String,
    params: Vec<(String, Secret)>,
}

impl GetToken<'_> {
    /// `grant_type` (default `authorization_code`, the only one Astakos
    /// supports).
    pub fn grant_type(mut self, v: impl Into<String>) -> Self {
        self.grant_type = v.into();
        self
    }
    /// `code`: the authorization code.
    pub fn code(self, code: Secret) -> Self {
        self.param("code", code)
    }
    /// `redirect_uri`.
    pub fn redirect_uri(self, uri: impl Into<String>) -> Self {
        self.param("redirect_uri", Secret::new(uri.into()))
    }
    /// Any other form field, sent in the order given after `grant_type`.
    pub fn param(mut self, key: impl Into<String>, value: impl Into<Secret>) -> Self {
        self.params.push((key.into(), value.into()));
        self
    }

    /// Sends the request (after discovering the OAuth2 prefix if needed).
    pub async fn send(self) -> Result<OAuth2Token> {
        if self.client_id.is_empty() {
            return Err(Error::invalid_input("client_id", "must not be empty"));
        }
        if self.grant_type.is_empty() {
            return Err(Error::invalid_input("grant_type", "must not be empty"));
        }
        let c = self.client;
        let mut pairs: Vec<(&str, &str)> = vec![("grant_type", self.grant_type.as_str())];
        pairs.extend(self.params.iter().map(|(k, v)| (k.as_str(), v.expose())));
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            self.client_id,
            self.client_secret.expose()
        ));
        let body = encode_pairs(&pairs, QueryStyle::PythonQuotePlus);
        let op = c.op(&GET_TOKEN).await?;
        let op = op.body("application/x-www-form-urlencoded", body);
        c.call(op.header("authorization", &format!("Basic {basic}")))
            .await
    }
}
