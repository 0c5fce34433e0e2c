//! Identity: authenticate, endpoint discovery, token validation, OAuth2
//! tokens (#1–#4 of the reference).

use crate::client::Catalog;
use crate::models::identity::{AuthInfo, OAuth2Token};
use crate::required;
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
    /// Identity calls; see [`AstakosClient::identity`](crate::AstakosClient::identity).
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
        Authenticate::new(self.client)
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
        GetEndpoints::new(self.client, false)
    }

    /// `validate_token(token_id, belongs_to=None)`: `GET
    /// {AUTH_PATH}/tokens/{token_id}` (an OAuth2 access token, a secret, so
    /// given to the builder: [`token_id`](ValidateToken::token_id),
    /// required). The token is percent-encoded in the path.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::Secret;
    /// let info = client
    ///     .identity()
    ///     .validate_token()
    ///     .token_id(Secret::new("access-token"))
    ///     .belongs_to("https://storage.example.org/")
    ///     .send()
    ///     .await?;
    /// # let _ = info; Ok(()) }
    /// ```
    pub fn validate_token(&self) -> ValidateToken<'a> {
        ValidateToken::new(self.client)
    }

    /// `get_token(grant_type, client_id, client_secret, **params)`: `POST
    /// {OAUTH2}/token` with HTTP Basic client credentials
    /// ([`client_id`](GetToken::client_id) and
    /// [`client_secret`](GetToken::client_secret), both required) and a form
    /// body. The grant type defaults to `authorization_code`.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::Secret;
    /// let token = client
    ///     .identity()
    ///     .oauth2_token()
    ///     .client_id("my-client")
    ///     .client_secret(Secret::new("s3cret"))
    ///     .code(Secret::new("xyz"))
    ///     .redirect_uri("https://app.example.org/cb")
    ///     .send()
    ///     .await?;
    /// # let _ = token; Ok(()) }
    /// ```
    pub fn oauth2_token(&self) -> GetToken<'a> {
        GetToken::new(self.client, Vec::new())
    }
}

builder!(
    /// Builder of [`IdentityHandler::authenticate`].
    Authenticate {} {
        /// `tenantName` (must be the user's uuid on a real server).
        tenant_name: String,
    }
);

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
        let op = c.op(&AUTHENTICATE).await?.python_json(&body);
        let catalog: Catalog = c.call(op).await?;
        c.store(catalog, false).map(|(info, _)| info)
    }
}

builder!(
    /// Builder of [`IdentityHandler::endpoints`].
    GetEndpoints { extra: bool } {}
);

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

builder!(
    /// Builder of [`IdentityHandler::validate_token`]; `belongsTo` is its query.
    ValidateToken {} {
        /// The token to validate (required, not empty).
        #[serde(skip)]
        token_id: Secret,
        /// `belongsTo`: the scope the token must belong to.
        #[serde(rename = "belongsTo")]
        belongs_to: String,
    }
);

impl ValidateToken<'_> {
    /// Sends the request. `None` when the answer body is empty.
    pub async fn send(mut self) -> Result<Option<AuthInfo>> {
        let token = required("token_id", self.token_id.take())?;
        if token.is_empty() {
            return Err(Error::invalid_input("token_id", "must not be empty"));
        }
        let c = self.client;
        let op = c.bare(&VALIDATE_TOKEN).await?;
        let op = op.param("token_id", token.expose());
        c.call(op.query_from(&self).secret(&token)).await
    }
}

builder!(
    /// Builder of [`IdentityHandler::oauth2_token`].
    GetToken { params: Vec<(String, Secret)> } {
        /// The OAuth2 client id (required, not empty).
        client_id: String,
        /// The OAuth2 client secret (required).
        #[serde(skip)]
        client_secret: Secret,
        /// `grant_type` (default `authorization_code`, the only one Astakos
        /// supports).
        grant_type: String,
    }
);

impl GetToken<'_> {
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
        let (id, secret) = (required("client_id", self.client_id)?, self.client_secret);
        let secret = required("client_secret", secret)?;
        let grant_type = self.grant_type.as_deref().unwrap_or("authorization_code");
        for (field, v) in [("client_id", id.as_str()), ("grant_type", grant_type)] {
            if v.is_empty() {
                return Err(Error::invalid_input(field, "must not be empty"));
            }
        }
        let c = self.client;
        let mut pairs: Vec<(&str, &str)> = vec![("grant_type", grant_type)];
        pairs.extend(self.params.iter().map(|(k, v)| (k.as_str(), v.expose())));
        let basic = format!("{id}:{}", secret.expose());
        let basic = base64::engine::general_purpose::STANDARD.encode(basic);
        let body = encode_pairs(&pairs, QueryStyle::PythonQuotePlus);
        let op = c.op(&GET_TOKEN).await?;
        let op = op.body("application/x-www-form-urlencoded", body);
        c.call(op.header("authorization", &format!("Basic {basic}")))
            .await
    }
}
