//! `tenantry auth`: log in with the configured credentials and show what the
//! login gave (user, project, expiry, endpoint); never a credential.

use super::{family, NoArgs};
use crate::context::{CliError, Context, Result};
use crate::output::Output;
use clap::{Args, ValueEnum};
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use tenantry::core::auth::bearer::{BearerAuth, KeycloakGrant, KeycloakProvider};
use tenantry::core::auth::cas::{CasApp, CasSso};
use tenantry::core::auth::keystone::{EndpointFilter, KeystoneAuth};
use tenantry::core::auth::AuthStrategy;
use tenantry::core::http::Method;
use tenantry::core::{Operation, Pipeline};

family! {
    /// Log in to a service's auth server and show the result (never the credential).
    pub Auth {
        /// Etu Nexus: CAS login (TGT, service ticket) and an application session.
        CasLogin(CasLoginArgs) => cas_login,
        /// NTT ECL: Keystone v3 token; shows expiry, user, project and the chosen endpoint.
        KeystoneToken(KeystoneTokenArgs) => keystone_token,
        /// Squonk2: Keycloak access token; shows its expiry and user.
        KeycloakToken(KeycloakTokenArgs) => keycloak_token,
        /// Lists the configuration variables and whether each is set (values
        /// never shown; `tenantry config show` says from where).
        Config(NoArgs) => config,
    }
}

/// The Etu Nexus applications behind the CAS login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EtuApp {
    /// Etu Management Console (`/shiro-cas`, API `/commsrv/v1`).
    Emc,
    /// Etu Recommender v3 (`/ER/V3/shiro-cas`, API `/ER/V3/recsrv/v1`).
    Er,
    /// Etu Insight v3 (`/EI/V3/shiro-cas`, API `/EI/V3/service/v1`).
    Ei,
}

impl EtuApp {
    fn name(self) -> &'static str {
        match self {
            EtuApp::Emc => "emc",
            EtuApp::Er => "er",
            EtuApp::Ei => "ei",
        }
    }

    /// (shiro-cas path, API base path) on the Etu Nexus host.
    fn paths(self) -> (&'static str, &'static str) {
        match self {
            EtuApp::Emc => ("/shiro-cas", "/commsrv/v1"),
            EtuApp::Er => ("/ER/V3/shiro-cas", "/ER/V3/recsrv/v1"),
            EtuApp::Ei => ("/EI/V3/shiro-cas", "/EI/V3/service/v1"),
        }
    }
}

/// `auth cas-login`.
#[derive(Debug, Clone, Args)]
pub struct CasLoginArgs {
    /// The application to open a session with.
    #[arg(long, value_enum, default_value = "emc")]
    pub app: EtuApp,
    /// The application's shiro-cas URL (default: the app's path on TENANTRY_ETUNEXUS_CAS_URL).
    #[arg(long)]
    pub service_url: Option<String>,
    /// The application's API root (default: the app's API path on TENANTRY_ETUNEXUS_CAS_URL).
    #[arg(long)]
    pub api_url: Option<String>,
    /// After the login, GET this path under the API root and show the answer.
    #[arg(long, value_name = "PATH")]
    pub probe: Option<String>,
}

/// `auth keystone-token`.
#[derive(Debug, Clone, Args)]
pub struct KeystoneTokenArgs {
    /// Catalog service type of the endpoint to pick.
    #[arg(long, default_value = "sss")]
    pub service_type: String,
    /// Catalog interface of the endpoint to pick.
    #[arg(long, default_value = "public")]
    pub interface: String,
    /// Catalog region (default: TENANTRY_ECL_REGION; none: the first match).
    #[arg(long)]
    pub region: Option<String>,
    /// After the login, GET this path under the chosen endpoint and show the answer.
    #[arg(long, value_name = "PATH")]
    pub probe: Option<String>,
}

/// `auth keycloak-token`.
#[derive(Debug, Clone, Args)]
pub struct KeycloakTokenArgs {
    /// After the login, GET this path under TENANTRY_SQUONK2_KEYCLOAK_URL with the token.
    #[arg(long, value_name = "PATH")]
    pub probe: Option<String>,
}

async fn probe(pipeline: &Pipeline, path: &str) -> Result<Value> {
    let op = Operation::new("auth.probe", Method::GET, "").raw_path(path.to_owned());
    let (resp, scrubber) = pipeline.send_scrubbed(&op).await?;
    if !resp.status().is_success() {
        let mut resp = resp;
        scrubber.attach(&mut resp);
        return Err(pipeline.status_error("auth.probe", &resp).into());
    }
    // The answer with every secret the request carried masked (a server
    // may echo the credential), then decoded.
    let clean = scrubber.body(resp.body());
    Ok(tenantry::core::pipeline::decode_slice(
        "auth.probe",
        resp.status().as_u16(),
        clean.as_bytes(),
    )?)
}

async fn cas_login(ctx: &Context, args: CasLoginArgs) -> Result<Output> {
    let cas_url = ctx.var("TENANTRY_ETUNEXUS_CAS_URL")?;
    let group = ctx.var("TENANTRY_ETUNEXUS_GROUP")?;
    let username = ctx.var("TENANTRY_ETUNEXUS_USERNAME")?;
    let password = ctx.secret("TENANTRY_ETUNEXUS_PASSWORD")?;
    let root = cas_url.trim_end_matches('/');
    let (shiro, api) = args.app.paths();
    let service_url = args.service_url.unwrap_or_else(|| format!("{root}{shiro}"));
    let api_url = args.api_url.unwrap_or_else(|| format!("{root}{api}"));

    let sso = CasSso::new(&cas_url, group.as_str(), username.as_str(), password)?;
    let app: CasApp = sso.application(&service_url)?;
    let transport = ctx.transport();
    // Applying the strategy to a throw-away request runs the whole login:
    // TGT, service ticket, shiro-cas validation, session cookie.
    let mut scratch = tenantry::core::http::Request::new(Default::default());
    *scratch.uri_mut() = service_url
        .parse()
        .map_err(|e| CliError::Invalid(format!("bad service URL `{service_url}`: {e}")))?;
    app.apply(&mut scratch, transport.as_ref()).await?;
    drop(scratch);

    let mut out = Map::new();
    out.insert("cas_url".into(), json!(cas_url));
    out.insert("login".into(), json!(format!("{group}\\{username}")));
    out.insert("app".into(), json!(args.app.name()));
    out.insert("service_url".into(), json!(service_url));
    out.insert("api_url".into(), json!(api_url));
    out.insert(
        "session".into(),
        json!(if app.has_session().await {
            "established"
        } else {
            "none"
        }),
    );
    if let Some(path) = args.probe {
        let pipeline = Pipeline::builder("etunexus")
            .base_url(api_url)
            .transport(transport)
            .auth(Arc::new(app))
            .build()?;
        out.insert("probe".into(), probe(&pipeline, &path).await?);
    }
    Ok(Value::Object(out).into())
}

async fn keystone_token(ctx: &Context, args: KeystoneTokenArgs) -> Result<Output> {
    let auth_url = ctx.var("TENANTRY_ECL_AUTH_URL")?;
    let username = ctx.var("TENANTRY_ECL_USERNAME")?;
    let password = ctx.secret("TENANTRY_ECL_PASSWORD")?;
    let project_id = ctx.var("TENANTRY_ECL_PROJECT_ID")?;
    let domain = ctx
        .var_opt("TENANTRY_ECL_USER_DOMAIN_ID")
        .unwrap_or_else(|| "default".into());
    let region = args.region.or_else(|| ctx.var_opt("TENANTRY_ECL_REGION"));
    let filter = EndpointFilter {
        service_type: args.service_type,
        interface: args.interface,
        region,
    };
    let ks = KeystoneAuth::builder(auth_url.as_str())
        .user_name(username, domain)
        .password(password)
        .project_id(project_id)
        .endpoint_filter(filter.clone())
        .build()?;
    let transport = ctx.transport();
    let token = ks.token(transport.as_ref()).await?;
    crate::context::remember(token.token.clone());
    let endpoint = ks.service_url(transport.as_ref()).await?;

    let mut out = keystone_summary(&token.info);
    out.insert("endpoint".into(), json!(endpoint.as_str()));
    out.insert("service_type".into(), json!(filter.service_type));
    out.insert("interface".into(), json!(filter.interface));
    out.insert("region".into(), json!(filter.region));
    if let Some(path) = args.probe {
        let pipeline = Pipeline::builder("ecl")
            .transport(transport)
            .auth(Arc::new(ks))
            .build()?;
        out.insert("probe".into(), probe(&pipeline, &path).await?);
    }
    Ok(Value::Object(out).into())
}

/// The printable facts of a Keystone token body (`token` object): never the
/// token itself, which travels in a header.
pub(crate) fn keystone_summary(info: &Value) -> Map<String, Value> {
    let s = |p: &str| info.pointer(p).cloned().unwrap_or(Value::Null);
    let roles: Vec<&str> = info
        .get("roles")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|r| r.get("name").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    let mut out = Map::new();
    out.insert("user".into(), s("/user/name"));
    out.insert("user_id".into(), s("/user/id"));
    out.insert("user_domain".into(), s("/user/domain/id"));
    out.insert("project_id".into(), s("/project/id"));
    out.insert("project_name".into(), s("/project/name"));
    out.insert("roles".into(), json!(roles.join(",")));
    out.insert("issued_at".into(), s("/issued_at"));
    out.insert("expires_at".into(), s("/expires_at"));
    out
}

async fn keycloak_token(ctx: &Context, args: KeycloakTokenArgs) -> Result<Output> {
    let kc_url = ctx.var("TENANTRY_SQUONK2_KEYCLOAK_URL")?;
    let realm = ctx.var("TENANTRY_SQUONK2_REALM")?;
    let client_id = ctx.var("TENANTRY_SQUONK2_CLIENT_ID")?;
    let username = ctx.var("TENANTRY_SQUONK2_USERNAME")?;
    let password = ctx.secret("TENANTRY_SQUONK2_PASSWORD")?;
    let provider = KeycloakProvider::builder(kc_url.as_str(), realm.as_str(), client_id.as_str())
        .grant(KeycloakGrant::Password {
            username: username.clone(),
            password,
        })
        .build()?;
    let transport = ctx.transport();
    let token = crate::context::remember(provider.access_token(transport.as_ref()).await?);

    let mut out = Map::new();
    out.insert("token_url".into(), json!(provider.token_url().as_str()));
    out.insert("realm".into(), json!(realm));
    out.insert("client_id".into(), json!(client_id));
    out.insert("user".into(), json!(username));
    out.extend(jwt_summary(token.expose()));
    drop(token);
    if let Some(path) = args.probe {
        let pipeline = Pipeline::builder("squonk2")
            .base_url(kc_url)
            .transport(transport)
            .auth(Arc::new(BearerAuth::Keycloak(provider)))
            .build()?;
        out.insert("probe".into(), probe(&pipeline, &path).await?);
    }
    Ok(Value::Object(out).into())
}

async fn config(ctx: &Context, _args: NoArgs) -> Result<Output> {
    let rows: Vec<Value> = crate::context::ENV_VARS
        .iter()
        .flat_map(|(service, vars)| vars.iter().map(move |v| (service, v)))
        .map(|(service, v)| {
            json!({
                "service": service,
                "variable": v.name,
                "set": ctx.var_opt(v.name).is_some(),
                "secret": v.secret,
            })
        })
        .collect();
    Ok(Output::value(Value::Array(rows)).columns(&["service", "variable", "set", "secret"], &[]))
}

/// Expiry facts from an access token's claims when it is a JWT (decoded,
/// not verified: for display only). Never the token or its signature.
pub(crate) fn jwt_summary(token: &str) -> Map<String, Value> {
    let mut out = Map::new();
    let claims = token
        .split('.')
        .nth(1)
        .and_then(base64url_decode)
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .filter(Value::is_object);
    let Some(claims) = claims else {
        out.insert("expires_at".into(), json!("unknown (opaque token)"));
        return out;
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    if let Some(exp) = claims.get("exp").and_then(Value::as_i64) {
        out.insert("expires_at".into(), json!(rfc3339(exp)));
        out.insert("expires_in_s".into(), json!(exp - now));
    }
    if let Some(iat) = claims.get("iat").and_then(Value::as_i64) {
        out.insert("issued_at".into(), json!(rfc3339(iat)));
    }
    for (claim, key) in [
        ("preferred_username", "user"),
        ("iss", "issuer"),
        ("scope", "scope"),
    ] {
        if let Some(v) = claims.get(claim).filter(|v| v.is_string()) {
            out.insert(key.into(), v.clone());
        }
    }
    out
}

/// Unpadded (or padded) base64url.
fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (UTC).
pub(crate) fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_values() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn jwt_claims_without_the_token() {
        // {"alg":"none"} . {"exp":1700000000,"iat":1699999700,"preferred_username":"dlister"} . sig
        let token = "eyJhbGciOiJub25lIn0.eyJleHAiOjE3MDAwMDAwMDAsImlhdCI6MTY5OTk5OTcwMCwicHJlZmVycmVkX3VzZXJuYW1lIjoiZGxpc3RlciJ9.c2ln";
        let m = jwt_summary(token);
        assert_eq!(m["expires_at"], json!("2023-11-14T22:13:20Z"));
        assert_eq!(m["issued_at"], json!("2023-11-14T22:08:20Z"));
        assert_eq!(m["user"], json!("dlister"));
        assert!(!Value::Object(m).to_string().contains("eyJ"));
        assert_eq!(
            jwt_summary("opaque")["expires_at"],
            json!("unknown (opaque token)")
        );
    }
}
