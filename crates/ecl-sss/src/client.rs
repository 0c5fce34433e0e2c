//! The client, its builder and `from_env`.

use crate::ids::{ContractId, TenantId};
use std::sync::Arc;
use std::time::Duration;
use tenantry_core::auth::keystone::{EndpointFilter, KeystoneAuth};
use tenantry_core::transport::HttpTransport;
use tenantry_core::{
    Error, Pipeline, ReqwestTransport, Result, RetryConfig, Secret, TransportConfig,
};

/// An ECL SSS v1 client over Keystone v3 password auth. Cheap to clone:
/// clones share the connection pool, the token (one login for every
/// concurrent caller, refreshed 60 s before it expires, one re-login on a
/// 401) and the catalog endpoint.
///
/// ```no_run
/// # async fn run() -> ecl_sss::Result<()> {
/// use ecl_sss::{EclSssClient, Secret};
/// let client = EclSssClient::builder("https://keystone-jp1-ecl.api.ntt.com/v3")
///     .username("my-api-key")
///     .password(Secret::new("my-api-secret"))
///     .project_id("7e0b7c4a1a9f4b8e9f3c2d1e0a5b6c7d".parse()?)
///     .region("jp1")
///     .build()?;
/// for user in client.users().list().await? {
///     println!("{:?} {:?}", user.user_id, user.login_id);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct EclSssClient {
    pub(crate) pipeline: Pipeline,
    auth: KeystoneAuth,
}

/// Builder of [`EclSssClient`].
#[derive(Debug)]
pub struct EclSssClientBuilder {
    auth_url: String,
    username: Option<String>,
    password: Option<Secret>,
    project_id: Option<TenantId>,
    user_domain_id: String,
    service_type: String,
    interface: String,
    region: Option<String>,
    endpoint_override: Option<String>,
    discovery: bool,
    retry: RetryConfig,
    transport_config: Option<TransportConfig>,
    transport: Option<Arc<dyn HttpTransport>>,
}

impl EclSssClientBuilder {
    /// The API key (the Keystone user name).
    pub fn username(mut self, api_key: impl Into<String>) -> Self {
        self.username = Some(api_key.into());
        self
    }
    /// The API secret (the Keystone password).
    pub fn password(mut self, api_secret: Secret) -> Self {
        self.password = Some(api_secret);
        self
    }
    /// The tenant the token is scoped to (its catalog holds SSS).
    pub fn project_id(mut self, tenant: TenantId) -> Self {
        self.project_id = Some(tenant);
        self
    }
    /// The user's domain (default `default`, as ECL uses).
    pub fn user_domain_id(mut self, domain: impl Into<String>) -> Self {
        self.user_domain_id = domain.into();
        self
    }
    /// The catalog service type (default `sss`: the v1.0 root; eclsdk
    /// 1.11.1 uses `sssv2`, `ecl-sss.md` §1.5).
    pub fn service_type(mut self, service_type: impl Into<String>) -> Self {
        self.service_type = service_type.into();
        self
    }
    /// The catalog interface (default `public`).
    pub fn interface(mut self, interface: impl Into<String>) -> Self {
        self.interface = interface.into();
        self
    }
    /// The catalog region (default: none, the first match in catalog
    /// order, as the reference does).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }
    /// Use this SSS URL (for example `https://sss-jp1-ecl.api.ntt.com/api/v1.0`)
    /// instead of the catalog's.
    pub fn endpoint_override(mut self, url: impl Into<String>) -> Self {
        self.endpoint_override = Some(url.into());
        self
    }
    /// Skip Keystone version discovery: log in at `{auth_url}/auth/tokens`
    /// (when `auth_url` ends in `/v3`) straight away.
    pub fn skip_discovery(mut self) -> Self {
        self.discovery = false;
        self
    }
    /// The retry policy (default [`RetryConfig::standard`]; only requests
    /// that cannot have a side effect twice are re-sent).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }
    /// Settings of the default reqwest transport (timeouts, TLS roots).
    pub fn transport_config(mut self, config: TransportConfig) -> Self {
        self.transport_config = Some(config);
        self
    }
    /// A custom transport (tests, proxies).
    pub fn transport(mut self, transport: Arc<dyn HttpTransport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Validates and builds; no request is sent. A missing user name,
    /// password or project id is an [`Error::InvalidInput`] naming it.
    pub fn build(self) -> Result<EclSssClient> {
        let username = self
            .username
            .filter(|u| !u.is_empty())
            .ok_or_else(|| Error::invalid_input("username", "the API key is required"))?;
        let password = self
            .password
            .ok_or_else(|| Error::invalid_input("password", "the API secret is required"))?;
        let project = self
            .project_id
            .ok_or_else(|| Error::invalid_input("project_id", "a tenant id is required"))?;
        for (field, v) in [
            ("service_type", &self.service_type),
            ("interface", &self.interface),
            ("user_domain_id", &self.user_domain_id),
        ] {
            if v.is_empty() {
                return Err(Error::invalid_input(field, "must not be empty"));
            }
        }
        let mut ks = KeystoneAuth::builder(self.auth_url)
            .user_name(username, self.user_domain_id)
            .password(password)
            .project_id(project.as_str())
            .endpoint_filter(EndpointFilter {
                service_type: self.service_type,
                interface: self.interface,
                region: self.region,
            })
            // Reused while valid for 60 more seconds (issue #16).
            .refresh_margin(Duration::from_secs(60));
        if let Some(u) = self.endpoint_override {
            ks = ks.endpoint_override(u);
        }
        if !self.discovery {
            ks = ks.skip_discovery();
        }
        let auth = ks.build()?;
        let transport: Arc<dyn HttpTransport> = match self.transport {
            Some(t) => t,
            None => Arc::new(ReqwestTransport::new(
                self.transport_config.unwrap_or_default(),
            )?),
        };
        let pipeline = Pipeline::builder("ecl-sss")
            .transport(transport)
            .auth(Arc::new(auth.clone()))
            .error_parser(crate::error::parse_error)
            // `Accept: application/json` on every call (§1.6).
            .default_header("accept", "application/json")
            .retry(self.retry)
            .build()?;
        Ok(EclSssClient { pipeline, auth })
    }
}

/// The environment variables [`EclSssClient::from_env`] reads.
pub const ENV_VARS: &[&str] = &[
    "OS_AUTH_URL",
    "OS_USERNAME",
    "OS_PASSWORD",
    "OS_PROJECT_ID",
    "OS_USER_DOMAIN_ID",
    "OS_PROJECT_DOMAIN_ID",
    "OS_REGION_NAME",
    "OS_INTERFACE",
    "ECL_SSS_ENDPOINT",
    "ECL_SSS_SERVICE_TYPE",
];

impl EclSssClient {
    /// Starts a builder for the Keystone `auth_url` (for example
    /// `https://keystone-jp1-ecl.api.ntt.com/v3`).
    pub fn builder(auth_url: impl Into<String>) -> EclSssClientBuilder {
        EclSssClientBuilder {
            auth_url: auth_url.into(),
            username: None,
            password: None,
            project_id: None,
            user_domain_id: "default".to_owned(),
            service_type: "sss".to_owned(),
            interface: "public".to_owned(),
            region: None,
            endpoint_override: None,
            discovery: true,
            retry: RetryConfig::standard(),
            transport_config: None,
            transport: None,
        }
    }

    /// A client from the variables the ECL tools read: `OS_AUTH_URL`,
    /// `OS_USERNAME` (API key), `OS_PASSWORD` (API secret), `OS_PROJECT_ID`
    /// (tenant), `OS_USER_DOMAIN_ID` (default `default`), `OS_REGION_NAME`,
    /// `OS_INTERFACE`; and `ECL_SSS_ENDPOINT` (an endpoint override),
    /// `ECL_SSS_SERVICE_TYPE` (default `sss`). `OS_PROJECT_DOMAIN_ID` is
    /// read and, as in keystoneauth, not used with a project id. A missing
    /// variable is an [`Error::InvalidInput`] naming it.
    pub fn from_env() -> Result<Self> {
        Self::builder_from(|k| std::env::var(k).ok())?.build()
    }

    /// [`from_env`](Self::from_env)'s builder from any lookup (tests,
    /// profiles), for further settings before `build`.
    pub fn builder_from(lookup: impl Fn(&str) -> Option<String>) -> Result<EclSssClientBuilder> {
        let get = |k: &str| lookup(k).filter(|v| !v.is_empty());
        let need = |k: &str| get(k).ok_or_else(|| Error::invalid_input(k, "is not set"));
        let project = need("OS_PROJECT_ID")?;
        let project = TenantId::new(project).map_err(|e| match e {
            Error::InvalidInput { reason, .. } => Error::invalid_input("OS_PROJECT_ID", reason),
            other => other,
        })?;
        let mut b = Self::builder(need("OS_AUTH_URL")?)
            .username(need("OS_USERNAME")?)
            .password(Secret::new(need("OS_PASSWORD")?))
            .project_id(project);
        if let Some(d) = get("OS_USER_DOMAIN_ID") {
            b = b.user_domain_id(d);
        }
        if let Some(r) = get("OS_REGION_NAME") {
            b = b.region(r);
        }
        if let Some(i) = get("OS_INTERFACE") {
            b = b.interface(i);
        }
        if let Some(u) = get("ECL_SSS_ENDPOINT") {
            b = b.endpoint_override(u);
        }
        if let Some(t) = get("ECL_SSS_SERVICE_TYPE") {
            b = b.service_type(t);
        }
        Ok(b)
    }

    /// The request pipeline (transport, auth, retry).
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// The Keystone login the client uses (token, catalog endpoint).
    pub fn auth(&self) -> &KeystoneAuth {
        &self.auth
    }

    /// Users (`/users`).
    pub fn users(&self) -> crate::users::UsersHandler<'_> {
        crate::users::UsersHandler { client: self }
    }
    /// Tenants (`/tenants`).
    pub fn tenants(&self) -> crate::tenants::TenantsHandler<'_> {
        crate::tenants::TenantsHandler { client: self }
    }
    /// Users' roles on tenants (`/roles`).
    pub fn roles(&self) -> crate::roles::RolesHandler<'_> {
        crate::roles::RolesHandler { client: self }
    }
    /// API keys (`/keys`).
    pub fn api_keys(&self) -> crate::api_keys::ApiKeysHandler<'_> {
        crate::api_keys::ApiKeysHandler { client: self }
    }
    /// Channels (`/channels`, partner users).
    pub fn channels(&self) -> crate::channels::ChannelsHandler<'_> {
        crate::channels::ChannelsHandler { client: self }
    }
    /// Contracts (`/contracts`).
    pub fn contracts(&self) -> crate::contracts::ContractsHandler<'_> {
        crate::contracts::ContractsHandler { client: self }
    }
    /// The billing of `contract` (`/contracts/{id}/billing`).
    pub fn billing(&self, contract: &ContractId) -> crate::billing::BillingHandler<'_> {
        crate::billing::BillingHandler {
            client: self,
            contract: contract.clone(),
        }
    }
    /// IAM groups (`/iam/groups`).
    pub fn iam_groups(&self) -> crate::iam_groups::IamGroupsHandler<'_> {
        crate::iam_groups::IamGroupsHandler { client: self }
    }
    /// IAM roles (`/iam/roles`).
    pub fn iam_roles(&self) -> crate::iam_roles::IamRolesHandler<'_> {
        crate::iam_roles::IamRolesHandler { client: self }
    }
}

/// `Ok(None)` for a 404, the rest as it is (the reference's intended
/// `ignore_missing`, `ecl-sss.md` §5.3).
pub(crate) fn none_if_missing<T>(r: Result<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// `Ok(false)` for a 404 (nothing to delete), `Ok(true)` when deleted.
pub(crate) fn false_if_missing(r: Result<()>) -> Result<bool> {
    none_if_missing(r).map(|o| o.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    const FULL: &[(&str, &str)] = &[
        ("OS_AUTH_URL", "https://keystone.example/v3"),
        ("OS_USERNAME", "key"),
        ("OS_PASSWORD", "very-secret-value"),
        ("OS_PROJECT_ID", "7e0b7c4a1a9f4b8e9f3c2d1e0a5b6c7d"),
        ("OS_REGION_NAME", "jp2"),
        ("OS_INTERFACE", "admin"),
    ];

    #[test]
    fn from_env_reads_os_variables_and_hides_the_secret() {
        let b = EclSssClient::builder_from(env(FULL)).unwrap();
        let dbg = format!("{b:?}");
        assert!(!dbg.contains("very-secret-value"), "{dbg}");
        assert!(dbg.contains("jp2") && dbg.contains("admin"), "{dbg}");
        let c = b.build().unwrap();
        assert_eq!(c.auth().filter().region.as_deref(), Some("jp2"));
        assert_eq!(c.auth().filter().interface, "admin");
        assert_eq!(c.auth().filter().service_type, "sss");
        assert!(!format!("{c:?}").contains("very-secret-value"));
    }

    #[test]
    fn from_env_names_the_missing_or_bad_variable() {
        for missing in ["OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD", "OS_PROJECT_ID"] {
            let pairs: Vec<_> = FULL
                .iter()
                .copied()
                .filter(|(k, _)| *k != missing)
                .collect();
            let e = EclSssClient::builder_from(env(&pairs)).unwrap_err();
            assert!(e.to_string().contains(missing), "{e}");
        }
        let mut pairs = FULL.to_vec();
        pairs[3] = ("OS_PROJECT_ID", "tenant-one");
        let e = EclSssClient::builder_from(env(&pairs)).unwrap_err();
        assert!(e.to_string().contains("OS_PROJECT_ID"), "{e}");
    }
}
