//! `tenantry squonk2`: every operation of the Squonk2 Account Server client
//! (the reference's 54 wire calls, `im-squonk2-client` 7.0.0 `AsApi`), one
//! `family!` per resource family, each command declared once.
//!
//! Configuration (lowest precedence first): the profile's `[squonk2]`
//! table, the `TENANTRY_SQUONK2_*` variables then the reference's own
//! (`SQUONK2_ASAPI_URL`, `SQUONK2_ASAPI_VERIFY_SSL_CERT`, and the
//! `SQUONK2_KEYCLOAK_*` / `SQUONK2_ASAPI_TOKEN` ones `squonk2_as`'s
//! `from_env` reads), then the `tenantry squonk2` flags. The token: a fixed
//! one (`TENANTRY_SQUONK2_TOKEN`), else a Keycloak login (password grant,
//! or a refresh-token grant when a refresh token is set; a client secret
//! for a confidential client). Secrets come from the environment, a
//! `*_cmd` in the profile, or `--secret-stdin` (the Keycloak password, or
//! the token when no Keycloak URL is set), never from an argument; every
//! token the login gives is masked in the output. `ping`, `version` and
//! `event-streams version` need no token and log in to nothing.

use super::{cols, family, known, nested, tabular, to_value, Cols, Family, Maybe, NoArgs, Service};
use crate::context::{remember, CliError, Context, Result};
use crate::output::Output;
use clap::Args;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use tenantry::core::auth::bearer::KeycloakGrant;
use tenantry::core::http::Method;
use tenantry::core::transport::{HttpRequest, HttpResponse, TransportError};
use tenantry::core::{HttpTransport, ReqwestTransport, Secret, TransportConfig};
use tenantry::squonk2::models::{AssetScope, DefaultProductPrivacy, EventStreamFormat};
use tenantry::squonk2::{
    AssetId, EventStreamId, IsoDate, MerchantId, OrgId, ProductId, Squonk2Client, UnitId, Username,
};

/// The Account Server with a token source: the calls that need a token.
#[derive(Debug)]
pub struct As;

/// The Account Server without a token (`ping`, `version`, the event
/// stream version): no Keycloak login, no secret read.
#[derive(Debug)]
pub struct Public;

/// Settings of the URL and TLS (`TENANTRY_SQUONK2_AS_URL`,
/// `TENANTRY_SQUONK2_VERIFY_TLS`) and the transport to use.
fn builder(
    ctx: &Context,
    transport: Arc<dyn HttpTransport>,
) -> Result<tenantry::squonk2::Squonk2ClientBuilder> {
    let url = ctx.var("TENANTRY_SQUONK2_AS_URL")?;
    // The reference's rule: unset is "yes"; only "yes" (any case) verifies.
    let verify = ctx
        .var_opt("TENANTRY_SQUONK2_VERIFY_TLS")
        .is_none_or(|v| v.trim().eq_ignore_ascii_case("yes"));
    let transport = if !verify && Arc::ptr_eq(&transport, &ctx.transport()) {
        // The invocation's transport verifies certificates; this one does
        // not (a dry run keeps its own: it sends nothing to the AS).
        let plain = ReqwestTransport::new(TransportConfig::default().verify_tls(false))?;
        Arc::new(crate::logging::LoggedTransport::new(Arc::new(plain)))
    } else {
        transport
    };
    Ok(Squonk2Client::builder(url)
        .verify_tls(verify)
        .transport(Arc::new(RememberTokens(transport))))
}

/// `Err(MissingEnv)` as `None`, any other failure (a `*_cmd` that failed)
/// as it is.
fn optional(r: Result<Secret>) -> Result<Option<Secret>> {
    match r {
        Ok(s) => Ok(Some(s)),
        Err(CliError::MissingEnv(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

impl Service for As {
    type Client = Squonk2Client;

    fn client(ctx: &Context, transport: Arc<dyn HttpTransport>) -> Result<Squonk2Client> {
        let b = builder(ctx, transport)?;
        let kc_url = ctx.var_opt("TENANTRY_SQUONK2_KEYCLOAK_URL");
        if let Some(token) = optional(ctx.secret_env("TENANTRY_SQUONK2_TOKEN"))? {
            return Ok(b.token(token).build()?);
        }
        let Some(kc_url) = kc_url else {
            // No Keycloak: `--secret-stdin` gives the token, else nothing does.
            return match optional(ctx.secret("TENANTRY_SQUONK2_TOKEN"))? {
                Some(token) => Ok(b.token(token).build()?),
                None => Err(CliError::Invalid(
                    "missing configuration: this command needs a token: set \
                     TENANTRY_SQUONK2_TOKEN (or SQUONK2_ASAPI_TOKEN, `token_cmd` in the \
                     profile's [squonk2] table, --secret-stdin), or a Keycloak login: \
                     TENANTRY_SQUONK2_KEYCLOAK_URL, _REALM, _CLIENT_ID and _USERNAME with \
                     _PASSWORD (or _REFRESH_TOKEN); see `tenantry squonk2 --help`"
                        .into(),
                )),
            };
        };
        let realm = ctx.var("TENANTRY_SQUONK2_REALM")?;
        let client_id = ctx.var("TENANTRY_SQUONK2_CLIENT_ID")?;
        // A refresh token (an offline token, say) wins over a password.
        let grant = match optional(ctx.secret_env("TENANTRY_SQUONK2_REFRESH_TOKEN"))? {
            Some(refresh) => KeycloakGrant::RefreshToken(refresh),
            None => KeycloakGrant::Password {
                username: ctx.var("TENANTRY_SQUONK2_USERNAME")?,
                password: ctx.secret("TENANTRY_SQUONK2_PASSWORD")?,
            },
        };
        let mut kc = Squonk2Client::keycloak(kc_url, realm, client_id).grant(grant);
        if let Some(s) = optional(ctx.secret_env("TENANTRY_SQUONK2_CLIENT_SECRET"))? {
            kc = kc.client_secret(s);
        }
        Ok(b.keycloak(kc.build()?).build()?)
    }

    /// Only the Keycloak login: `POST …/protocol/openid-connect/token`
    /// without a bearer token (it issues a token and changes nothing in
    /// the AS).
    fn dry_run_passes(request: &HttpRequest) -> bool {
        request.method() == Method::POST
            && !request.headers().contains_key("authorization")
            && request
                .uri()
                .path()
                .ends_with("/protocol/openid-connect/token")
    }
}

impl Service for Public {
    type Client = Squonk2Client;

    fn client(ctx: &Context, transport: Arc<dyn HttpTransport>) -> Result<Squonk2Client> {
        Ok(builder(ctx, transport)?.build()?)
    }
}

/// The transport of the squonk2 clients: registers every bearer token a
/// request carries and every token a Keycloak answer holds with the output
/// scrubber, so an answer or error that echoes one never prints it.
#[derive(Debug)]
struct RememberTokens(Arc<dyn HttpTransport>);

#[async_trait::async_trait]
impl HttpTransport for RememberTokens {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        if let Some(token) = request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        {
            remember(Secret::new(token));
        }
        let keycloak = request
            .uri()
            .path()
            .ends_with("/protocol/openid-connect/token");
        let response = self.0.send(request).await?;
        if keycloak {
            if let Ok(Value::Object(answer)) = serde_json::from_slice::<Value>(response.body()) {
                for key in ["access_token", "refresh_token", "id_token"] {
                    if let Some(t) = answer.get(key).and_then(Value::as_str) {
                        remember(Secret::new(t));
                    }
                }
            }
        }
        Ok(response)
    }
}

// Key columns of each resource (then the ones `-o wide` adds). Tables
// show nested objects one level up (`product.id` as `product_id`).
const ORGS: Cols = cols!(id name owner_id default_product_privacy; created caller_is_member);
const UNITS: Cols = cols!(id name organisation_name billing_day owner_id; organisation_id
    default_product_privacy personal created caller_is_member);
const ORG_UNITS: Cols = cols!(id name billing_day owner_id; default_product_privacy personal
    created caller_is_member);
const MEMBERS: Cols = cols!(username);
const PRODUCTS: Cols = cols!(product_id product_name product_type product_flavour unit_name
    coins_used coins_allowance coins_limit; unit_id organisation_id organisation_name
    coins_billing_day claimable product_created);
const PRODUCT_TYPES: Cols = cols!(type flavours);
const CHARGES: Cols = cols!(from until currency items);
const ACTIONS: Cols = cols!(timestamp);
const ASSETS: Cols = cols!(id name scope scope_id secret disabled; description creator_id created
    merchants);
const MERCHANTS: Cols = cols!(id name kind api_hostname);
const EVENT_STREAMS: Cols = cols!(id format location);

/// The flags of `tenantry squonk2`: each overrides its setting (config
/// file, `TENANTRY_SQUONK2_*`, the reference's variables).
#[derive(Debug, Clone, Default, Args)]
pub struct Squonk2Flags {
    /// The AS API root [TENANTRY_SQUONK2_AS_URL, SQUONK2_ASAPI_URL; config: url].
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Verify the AS API's TLS certificate: only `yes` does
    /// [TENANTRY_SQUONK2_VERIFY_TLS, SQUONK2_ASAPI_VERIFY_SSL_CERT; default: yes].
    #[arg(long, value_name = "yes|no")]
    pub verify_ssl_cert: Option<String>,
    /// Keycloak root [TENANTRY_SQUONK2_KEYCLOAK_URL, SQUONK2_KEYCLOAK_URL;
    /// config: keycloak_url].
    #[arg(long, value_name = "URL")]
    pub keycloak_url: Option<String>,
    /// Keycloak realm [TENANTRY_SQUONK2_REALM, SQUONK2_KEYCLOAK_REALM; config: realm].
    #[arg(long)]
    pub realm: Option<String>,
    /// Keycloak client id of the AS [TENANTRY_SQUONK2_CLIENT_ID,
    /// SQUONK2_KEYCLOAK_AS_CLIENT_ID; config: client_id].
    #[arg(long)]
    pub client_id: Option<String>,
    /// Keycloak user name [TENANTRY_SQUONK2_USERNAME, SQUONK2_KEYCLOAK_USER;
    /// config: user].
    #[arg(long)]
    pub username: Option<String>,
}

/// `tenantry squonk2 [FLAGS] <resource> <verb>`.
#[derive(Debug, Args)]
#[command(after_long_help = SQUONK2_HELP)]
pub struct Squonk2Cmd {
    #[command(flatten)]
    flags: Squonk2Flags,
    #[command(subcommand)]
    family: Squonk2,
}

impl Family for Squonk2Cmd {
    async fn run(self, ctx: &Context) -> Result<Output> {
        let f = self.flags;
        for (name, flag, value) in [
            ("TENANTRY_SQUONK2_AS_URL", "--url", f.url),
            (
                "TENANTRY_SQUONK2_VERIFY_TLS",
                "--verify-ssl-cert",
                f.verify_ssl_cert,
            ),
            (
                "TENANTRY_SQUONK2_KEYCLOAK_URL",
                "--keycloak-url",
                f.keycloak_url,
            ),
            ("TENANTRY_SQUONK2_REALM", "--realm", f.realm),
            ("TENANTRY_SQUONK2_CLIENT_ID", "--client-id", f.client_id),
            ("TENANTRY_SQUONK2_USERNAME", "--username", f.username),
        ] {
            if let Some(v) = value {
                ctx.set_flag(name, flag, v);
            }
        }
        self.family.run(ctx).await
    }
}

const SQUONK2_HELP: &str = "\
Configuration (lowest precedence first): the profile's [squonk2] table (url, verify_tls,
keycloak_url, realm, client_id, user, and password_cmd, refresh_token_cmd, client_secret_cmd,
token_cmd), the variables TENANTRY_SQUONK2_* then the reference's SQUONK2_ASAPI_URL,
SQUONK2_ASAPI_VERIFY_SSL_CERT, SQUONK2_ASAPI_TOKEN, SQUONK2_KEYCLOAK_URL, SQUONK2_KEYCLOAK_REALM,
SQUONK2_KEYCLOAK_AS_CLIENT_ID, SQUONK2_KEYCLOAK_AS_CLIENT_SECRET, SQUONK2_KEYCLOAK_USER,
SQUONK2_KEYCLOAK_USER_PASSWORD, SQUONK2_KEYCLOAK_REFRESH_TOKEN, then the flags above.

The token: TENANTRY_SQUONK2_TOKEN when set, else a Keycloak login (a refresh-token grant when a
refresh token is set, else the password grant; the client secret only for a confidential
client). Secrets come from the environment, a *_cmd command in the profile or --secret-stdin
(the Keycloak password, or the token when no Keycloak URL is set), never from an argument; they
and every token issued are never printed. ping, version and event-streams version send no token.

Ids are checked before anything is sent (exit 2): org-, unit-, product-, asset- followed by a
lower-case UUID; merchants and event streams positive integers; dates YYYY-MM-DD.

Commands that change state take --dry-run: the request is printed (method, URL, headers with
the token masked, body) and nothing is sent to the AS; only the Keycloak login is, to get the
token.
";

family! {
    /// Squonk2 Account Server (Keycloak bearer: TENANTRY_SQUONK2_* or SQUONK2_*).
    pub Squonk2 {
        /// The server itself: ping, its version, the event stream version (no token).
        #[command(subcommand)]
        Server(Server) => nested,
        /// The caller's account: user name, admin privilege.
        #[command(subcommand)]
        Account(Account) => nested,
        /// Organisations: list, show, create, alter, delete, their units and users.
        #[command(subcommand)]
        Orgs(Orgs) => nested,
        /// Units: list, show, create, alter, delete, their users.
        #[command(subcommand)]
        Units(Units) => nested,
        /// The caller's personal unit: show, create, delete.
        #[command(subcommand)]
        PersonalUnit(PersonalUnit) => nested,
        /// Products: list, show, create, alter, delete; product types, storage cost.
        #[command(subcommand)]
        Products(Products) => nested,
        /// Charges of everything, an organisation, a unit or a product (admins).
        #[command(subcommand)]
        Charges(ChargesCmd) => nested,
        /// The action log.
        #[command(subcommand)]
        Actions(Actions) => nested,
        /// Assets: list, show, create, alter, attach to merchants, enable, delete.
        #[command(subcommand)]
        Assets(Assets) => nested,
        /// Merchants: list, show.
        #[command(subcommand)]
        Merchants(Merchants) => nested,
        /// The caller's event stream: show, create, delete.
        #[command(subcommand)]
        EventStreams(EventStreams) => nested,
    }
}

family! {
    /// The server itself (no token is sent, no login made).
    pub Server uses Public {
        /// Check that the AS answers.
        ///
        /// Reference: `AsApi.ping` (GET /version).
        Ping(NoArgs) => fn(c, _a) {
            c.ping().await?;
            json!({"ping": "ok"})
        },
        /// Show the AS version.
        ///
        /// Reference: `AsApi.get_version` (GET /version).
        Version(NoArgs) => fn(c, _a) c.version().await?,
        /// Show the event stream version.
        ///
        /// Reference: `AsApi.get_event_stream_version` (GET /event-stream/version).
        EventStreamVersion(NoArgs) => fn(c, _a) c.event_streams().version().await?,
    }
}

family! {
    /// The caller's account.
    pub Account uses As {
        /// Show the caller's account: user name, admin privilege.
        ///
        /// Reference: `AsApi.get_account` (GET /user/account).
        Get(NoArgs) => fn(c, _a) c.account().await?,
    }
}

/// What a command that answers nothing reports.
fn done(what: &[(&str, &str)], action: &str) -> Value {
    let mut v = Map::new();
    for (k, val) in what {
        v.insert((*k).to_owned(), json!(val));
    }
    v.insert("action".into(), json!(action));
    v.insert("done".into(), json!(true));
    Value::Object(v)
}

/// What a create reports: the new id.
fn created(id: impl std::fmt::Display) -> Value {
    json!({"id": id.to_string()})
}

/// [`done`] for a change of members: `{key: id, "username": user}`.
fn member_done(key: &str, id: &str, user: &Username, action: &str) -> Value {
    done(&[(key, id), ("username", user.as_str())], action)
}

/// For tables: each row's nested objects one level up (`{"product":
/// {"id"}}` as `product_id`); JSON and YAML keep the answer's shape.
fn flat(ctx: &Context, v: Value) -> Value {
    if !tabular(ctx) {
        return v;
    }
    match v {
        Value::Array(rows) => Value::Array(rows.into_iter().map(flat_row).collect()),
        other => flat_row(other),
    }
}

fn flat_row(v: Value) -> Value {
    let Value::Object(m) = v else { return v };
    let mut out = Map::new();
    for (k, v) in m {
        match v {
            Value::Object(inner) => {
                for (ik, iv) in inner {
                    out.insert(format!("{k}_{ik}"), iv);
                }
            }
            other => {
                out.insert(k, other);
            }
        }
    }
    Value::Object(out)
}

// ---------------------------------------------------------------------------
// organisations

family! {
    /// Organisations.
    pub Orgs uses As {
        /// List the organisations the caller may see (or the one named).
        ///
        /// Reference: `AsApi.get_organisations` (GET /organisation).
        List(NameFilter) [ORGS] => fn(c, a) {
            c.organisations().list().maybe(a.name, |r, v| r.name(v)).send().await?
        },
        /// Show one organisation (exit 4 when there is none).
        ///
        /// Reference: `AsApi.get_organisation` (GET /organisation/{org_id}).
        Get(OrgArg) [ORGS] => fn(c, a) c.organisations().get(&a.org_id).await?,
        /// Show the default organisation.
        ///
        /// Reference: `AsApi.get_default_organisation` (GET /default/organisation).
        Default(NoArgs) [ORGS] => fn(c, _a) c.organisations().default_organisation().await?,
        /// Create an organisation (admins); answers its id.
        ///
        /// Reference: `AsApi.create_organisation` (POST /organisation).
        Create(OrgCreateArgs) change => fn(c, a) {
            created(c.organisations().create().name(a.name).owner(a.owner).send().await?)
        },
        /// Rename an organisation or change its default product privacy.
        ///
        /// Reference: `AsApi.alter_organisation` (PATCH /organisation/{org_id}).
        Alter(OrgAlterArgs) change => fn(c, a) {
            let req = c.organisations().alter(&a.org_id).maybe(a.name, |r, v| r.name(v));
            req.maybe(a.default_product_privacy, |r, v| r.default_product_privacy(v))
                .send()
                .await?;
            done(&[("org_id", a.org_id.as_str())], "alter")
        },
        /// Delete an organisation (admins).
        ///
        /// Reference: `AsApi.delete_organisation` (DELETE /organisation/{org_id}).
        Delete(OrgArg) change => fn(c, a) {
            c.organisations().delete(&a.org_id).await?;
            done(&[("org_id", a.org_id.as_str())], "delete")
        },
        /// List an organisation's units.
        ///
        /// Reference: `AsApi.get_organisation_units` (GET /organisation/{org_id}/unit).
        Units(OrgArg) [ORG_UNITS] => fn(c, a, ctx) {
            let answer = c.organisations().units(&a.org_id).await?;
            if tabular(ctx) {
                to_value(&answer.units)?
            } else {
                to_value(&answer)?
            }
        },
        /// List an organisation's users.
        ///
        /// Reference: `AsApi.get_organisation_users` (GET /organisation/{org_id}/user).
        Users(OrgArg) [MEMBERS] => fn(c, a) c.organisations().users(&a.org_id).await?,
        /// Add a user to an organisation (done when already a member).
        ///
        /// Reference: `AsApi.add_user_to_organisation` (PUT /organisation/{org_id}/user/{username}).
        AddUser(OrgUserArgs) change => fn(c, a) {
            c.organisations().add_user(&a.org_id, &a.username).await?;
            member_done("org_id", a.org_id.as_str(), &a.username, "add-user")
        },
        /// Remove a user from an organisation.
        ///
        /// Reference: `AsApi.remove_user_from_organisation`
        /// (DELETE /organisation/{org_id}/user/{username}).
        RemoveUser(OrgUserArgs) change => fn(c, a) {
            c.organisations().remove_user(&a.org_id, &a.username).await?;
            member_done("org_id", a.org_id.as_str(), &a.username, "remove-user")
        },
    }
}

/// `--name` of the listings.
#[derive(Debug, Clone, Args)]
pub struct NameFilter {
    /// Only the one(s) with this exact name.
    #[arg(long)]
    pub name: Option<String>,
}

/// One organisation id.
#[derive(Debug, Clone, Args)]
pub struct OrgArg {
    /// The organisation id (`org-` and a lower-case UUID).
    pub org_id: OrgId,
}

/// `orgs create`.
#[derive(Debug, Clone, Args)]
pub struct OrgCreateArgs {
    /// The name (unique).
    #[arg(long)]
    pub name: String,
    /// The owner's user name.
    #[arg(long)]
    pub owner: String,
}

/// `orgs alter`.
#[derive(Debug, Clone, Args)]
pub struct OrgAlterArgs {
    /// The organisation id.
    pub org_id: OrgId,
    /// A new name.
    #[arg(long)]
    pub name: Option<String>,
    /// A new default product privacy.
    #[arg(long, value_parser = known!(DefaultProductPrivacy))]
    pub default_product_privacy: Option<DefaultProductPrivacy>,
}

/// An organisation and a user.
#[derive(Debug, Clone, Args)]
pub struct OrgUserArgs {
    /// The organisation id.
    pub org_id: OrgId,
    /// The user name.
    pub username: Username,
}

// ---------------------------------------------------------------------------
// units

family! {
    /// Units.
    pub Units uses As {
        /// List the units the caller may see (or those named), by organisation
        /// (tables: one row per unit).
        ///
        /// Reference: `AsApi.get_units`, `AsApi.get_available_units` (GET /unit).
        List(NameFilter) [UNITS] => fn(c, a, ctx) {
            let groups = c.units().list().maybe(a.name, |r, v| r.name(v)).send().await?;
            if tabular(ctx) {
                let mut rows = Vec::new();
                for g in groups {
                    let org = g.organisation.as_ref();
                    for u in g.units {
                        let Value::Object(mut row) = to_value(&u)? else { continue };
                        row.insert("organisation_id".into(), json!(org.and_then(|o| o.id.clone())));
                        row.insert("organisation_name".into(), json!(org.and_then(|o| o.name.clone())));
                        rows.push(Value::Object(row));
                    }
                }
                Value::Array(rows)
            } else {
                to_value(&groups)?
            }
        },
        /// Show one unit (exit 4 when there is none).
        ///
        /// Reference: `AsApi.get_unit` (GET /unit/{unit_id}).
        Get(UnitArg) [ORG_UNITS] => fn(c, a) c.units().get(&a.unit_id).await?,
        /// Create a unit in an organisation; answers its id.
        ///
        /// Reference: `AsApi.create_unit` (POST /organisation/{org_id}/unit).
        Create(UnitCreateArgs) change => fn(c, a) {
            let req = c.units().create(&a.org_id).name(a.name).billing_day(a.billing_day);
            created(req.send().await?)
        },
        /// Rename a unit or change its default product privacy.
        ///
        /// Reference: `AsApi.alter_unit` (PATCH /unit/{unit_id}).
        Alter(UnitAlterArgs) change => fn(c, a) {
            let req = c.units().alter(&a.unit_id).maybe(a.name, |r, v| r.name(v));
            req.maybe(a.default_product_privacy, |r, v| r.default_product_privacy(v))
                .send()
                .await?;
            done(&[("unit_id", a.unit_id.as_str())], "alter")
        },
        /// Delete a unit (refused while it has products).
        ///
        /// Reference: `AsApi.delete_unit` (DELETE /unit/{unit_id}).
        Delete(UnitArg) change => fn(c, a) {
            c.units().delete(&a.unit_id).await?;
            done(&[("unit_id", a.unit_id.as_str())], "delete")
        },
        /// List a unit's users.
        ///
        /// Reference: `AsApi.get_unit_users` (GET /unit/{unit_id}/user).
        Users(UnitArg) [MEMBERS] => fn(c, a) c.units().users(&a.unit_id).await?,
        /// Add a user to a unit (done when already a member).
        ///
        /// Reference: `AsApi.add_user_to_unit` (PUT /unit/{unit_id}/user/{username}).
        AddUser(UnitUserArgs) change => fn(c, a) {
            c.units().add_user(&a.unit_id, &a.username).await?;
            member_done("unit_id", a.unit_id.as_str(), &a.username, "add-user")
        },
        /// Remove a user from a unit.
        ///
        /// Reference: `AsApi.remove_user_from_unit` (DELETE /unit/{unit_id}/user/{username}).
        RemoveUser(UnitUserArgs) change => fn(c, a) {
            c.units().remove_user(&a.unit_id, &a.username).await?;
            member_done("unit_id", a.unit_id.as_str(), &a.username, "remove-user")
        },
    }
}

/// One unit id.
#[derive(Debug, Clone, Args)]
pub struct UnitArg {
    /// The unit id (`unit-` and a lower-case UUID).
    pub unit_id: UnitId,
}

/// `units create`.
#[derive(Debug, Clone, Args)]
pub struct UnitCreateArgs {
    /// The organisation to create it in.
    pub org_id: OrgId,
    /// The name.
    #[arg(long)]
    pub name: String,
    /// The billing day, 1 to 28.
    #[arg(long)]
    pub billing_day: u32,
}

/// `units alter`.
#[derive(Debug, Clone, Args)]
pub struct UnitAlterArgs {
    /// The unit id.
    pub unit_id: UnitId,
    /// A new name.
    #[arg(long)]
    pub name: Option<String>,
    /// A new default product privacy.
    #[arg(long, value_parser = known!(DefaultProductPrivacy))]
    pub default_product_privacy: Option<DefaultProductPrivacy>,
}

/// A unit and a user.
#[derive(Debug, Clone, Args)]
pub struct UnitUserArgs {
    /// The unit id.
    pub unit_id: UnitId,
    /// The user name.
    pub username: Username,
}

family! {
    /// The caller's personal unit.
    pub PersonalUnit uses As {
        /// Show the caller's personal unit (exit 4 when there is none).
        ///
        /// Reference: `AsApi.get_personal_unit` (GET /personal-unit).
        Get(NoArgs) [ORG_UNITS] => fn(c, _a) c.units().personal().await?,
        /// Create the caller's personal unit; answers its id.
        ///
        /// Reference: `AsApi.create_personal_unit` (PUT /personal-unit).
        Create(BillingDayArg) change => fn(c, a) created(c.units().create_personal(a.billing_day).await?),
        /// Delete the caller's personal unit.
        ///
        /// Reference: `AsApi.delete_personal_unit` (DELETE /personal-unit).
        Delete(NoArgs) change => fn(c, _a) {
            c.units().delete_personal().await?;
            json!({"action": "delete", "done": true})
        },
    }
}

/// `personal-unit create`.
#[derive(Debug, Clone, Args)]
pub struct BillingDayArg {
    /// The billing day, 1 to 28.
    #[arg(long)]
    pub billing_day: u32,
}

// ---------------------------------------------------------------------------
// products

family! {
    /// Products.
    pub Products uses As {
        /// List the products the caller may see.
        ///
        /// Reference: `AsApi.get_available_products` (GET /product).
        List(NoArgs) [PRODUCTS] => fn(c, _a, ctx) flat(ctx, to_value(&c.products().list().await?)?),
        /// Show one product (exit 4 when there is none).
        ///
        /// Reference: `AsApi.get_product` (GET /product/{product_id}).
        Get(ProductArg) [PRODUCTS] => fn(c, a, ctx) {
            flat(ctx, to_value(&c.products().get(&a.product_id).await?)?)
        },
        /// List a unit's products.
        ///
        /// Reference: `AsApi.get_products_for_unit` (GET /product/unit/{unit_id}).
        ForUnit(UnitArg) [PRODUCTS] => fn(c, a, ctx) {
            flat(ctx, to_value(&c.products().for_unit(&a.unit_id).await?)?)
        },
        /// List the products of an organisation's units.
        ///
        /// Reference: `AsApi.get_products_for_organisation`
        /// (GET /product/organisation/{org_id}).
        ForOrg(OrgArg) [PRODUCTS] => fn(c, a, ctx) {
            flat(ctx, to_value(&c.products().for_organisation(&a.org_id).await?)?)
        },
        /// List the product types and their flavours.
        ///
        /// Reference: `AsApi.get_product_types` (GET /product-type).
        Types(NoArgs) [PRODUCT_TYPES] => fn(c, _a) c.products().types().await?,
        /// Show the default storage cost.
        ///
        /// Reference: `AsApi.get_product_default_storage_cost`
        /// (GET /product-default-storage-cost).
        StorageCost(NoArgs) => fn(c, _a) c.products().default_storage_cost().await?,
        /// Create a product in a unit; answers its id.
        ///
        /// Reference: `AsApi.create_product` (POST /product/unit/{unit_id}).
        Create(ProductCreateArgs) change => fn(c, a) {
            let req = c.products().create(&a.unit_id).name(a.name).product_type(a.product_type);
            let req = req.maybe(a.flavour, |r, v| r.flavour(v));
            let req = req.maybe(a.allowance, |r, v| r.allowance(v));
            created(req.maybe(a.limit, |r, v| r.limit(v)).send().await?)
        },
        /// Rename a product or change its allowance or limit.
        ///
        /// Reference: `AsApi.alter_product` (PATCH /product/{product_id}).
        Alter(ProductAlterArgs) change => fn(c, a) {
            let req = c.products().alter(&a.product_id).maybe(a.name, |r, v| r.name(v));
            let req = req.maybe(a.allowance, |r, v| r.allowance(v));
            req.maybe(a.limit, |r, v| r.limit(v)).send().await?;
            done(&[("product_id", a.product_id.as_str())], "alter")
        },
        /// Delete a product.
        ///
        /// Reference: `AsApi.delete_product` (DELETE /product/{product_id}).
        Delete(ProductArg) change => fn(c, a) {
            c.products().delete(&a.product_id).await?;
            done(&[("product_id", a.product_id.as_str())], "delete")
        },
    }
}

/// One product id.
#[derive(Debug, Clone, Args)]
pub struct ProductArg {
    /// The product id (`product-` and a lower-case UUID).
    pub product_id: ProductId,
}

/// `products create`.
#[derive(Debug, Clone, Args)]
pub struct ProductCreateArgs {
    /// The unit to create it in.
    pub unit_id: UnitId,
    /// The name.
    #[arg(long)]
    pub name: String,
    /// The type (`products types` lists them), e.g.
    /// DATA_MANAGER_PROJECT_TIER_SUBSCRIPTION.
    #[arg(long = "type", value_name = "TYPE")]
    pub product_type: String,
    /// The flavour (BRONZE, SILVER, GOLD, EVALUATION, …).
    #[arg(long)]
    pub flavour: Option<String>,
    /// The allowance in coins (not negative).
    #[arg(long)]
    pub allowance: Option<i64>,
    /// The limit in coins (not negative).
    #[arg(long)]
    pub limit: Option<i64>,
}

/// `products alter`.
#[derive(Debug, Clone, Args)]
pub struct ProductAlterArgs {
    /// The product id.
    pub product_id: ProductId,
    /// A new name.
    #[arg(long)]
    pub name: Option<String>,
    /// A new allowance in coins (not negative; 0 is sent).
    #[arg(long)]
    pub allowance: Option<i64>,
    /// A new limit in coins (not negative; 0 is sent).
    #[arg(long)]
    pub limit: Option<i64>,
}

// ---------------------------------------------------------------------------
// charges and actions

family! {
    /// Charges (admins).
    pub ChargesCmd uses As {
        /// Every charge of the period.
        ///
        /// Reference: `AsApi.get_charges` (GET /charges).
        All(Period) [CHARGES] => fn(c, a) a.apply(c.charges().all()).send().await?,
        /// An organisation's charges.
        ///
        /// Reference: `AsApi.get_organisation_charges` (GET /charges/organisation/{org_id}).
        Org(OrgPeriod) [CHARGES] => fn(c, a) {
            a.period.apply(c.charges().organisation(&a.org_id)).send().await?
        },
        /// A unit's charges.
        ///
        /// Reference: `AsApi.get_unit_charges` (GET /charges/unit/{unit_id}).
        Unit(UnitPeriod) [CHARGES] => fn(c, a) {
            a.period.apply(c.charges().unit(&a.unit_id)).send().await?
        },
        /// A product's charges.
        ///
        /// Reference: `AsApi.get_product_charges` (GET /charges/product/{product_id}).
        Product(ProductPeriod) [CHARGES] => fn(c, a) {
            a.period.apply(c.charges().product(&a.product_id)).send().await?
        },
    }
}

/// The period of a charges listing (none: the current billing period).
#[derive(Debug, Clone, Args)]
pub struct Period {
    /// From this day (inclusive), YYYY-MM-DD.
    #[arg(long)]
    pub from: Option<IsoDate>,
    /// Until this day (exclusive), YYYY-MM-DD.
    #[arg(long)]
    pub until: Option<IsoDate>,
    /// A prior billing period (0 is sent, unlike the reference).
    #[arg(long, value_name = "N")]
    pub prior_billing_periods: Option<i64>,
}

impl Period {
    fn apply<'a>(
        self,
        req: tenantry::squonk2::charges::ListCharges<'a>,
    ) -> tenantry::squonk2::charges::ListCharges<'a> {
        let req = req.maybe(self.from, |r, v| r.from(v));
        let req = req.maybe(self.until, |r, v| r.until(v));
        req.maybe(self.prior_billing_periods, |r, v| {
            r.prior_billing_periods(v)
        })
    }
}

/// `charges org`.
#[derive(Debug, Clone, Args)]
pub struct OrgPeriod {
    /// The organisation id.
    pub org_id: OrgId,
    #[command(flatten)]
    period: Period,
}

/// `charges unit`.
#[derive(Debug, Clone, Args)]
pub struct UnitPeriod {
    /// The unit id.
    pub unit_id: UnitId,
    #[command(flatten)]
    period: Period,
}

/// `charges product`.
#[derive(Debug, Clone, Args)]
pub struct ProductPeriod {
    /// The product id.
    pub product_id: ProductId,
    #[command(flatten)]
    period: Period,
}

family! {
    /// The action log.
    pub Actions uses As {
        /// List the actions of a period, optionally of one merchant,
        /// product, unit or organisation.
        ///
        /// Reference: `AsApi.get_actions` (GET /action).
        List(ActionArgs) [ACTIONS] => fn(c, a) {
            let req = c.actions().list().maybe(a.format, |r, v| r.format(v));
            let req = req.maybe(a.from, |r, v| r.from(v)).maybe(a.until, |r, v| r.until(v));
            let req = req.maybe(a.merchant, |r, v| r.merchant(v));
            let req = req.maybe(a.product, |r, v| r.product(&v));
            let req = req.maybe(a.unit, |r, v| r.unit(&v));
            req.maybe(a.org, |r, v| r.organisation(&v)).send().await?
        },
    }
}

/// `actions list`.
#[derive(Debug, Clone, Args)]
pub struct ActionArgs {
    /// The format of the actions [default: PROTOCOL_STRING].
    #[arg(long, value_parser = known!(EventStreamFormat))]
    pub format: Option<EventStreamFormat>,
    /// From this day (inclusive), YYYY-MM-DD.
    #[arg(long)]
    pub from: Option<IsoDate>,
    /// Until this day (exclusive), YYYY-MM-DD.
    #[arg(long)]
    pub until: Option<IsoDate>,
    /// Only this merchant's.
    #[arg(long, value_name = "MERCHANT_ID")]
    pub merchant: Option<MerchantId>,
    /// Only this product's.
    #[arg(long, value_name = "PRODUCT_ID")]
    pub product: Option<ProductId>,
    /// Only this unit's.
    #[arg(long, value_name = "UNIT_ID")]
    pub unit: Option<UnitId>,
    /// Only this organisation's.
    #[arg(long, value_name = "ORG_ID")]
    pub org: Option<OrgId>,
}

// ---------------------------------------------------------------------------
// assets

family! {
    /// Assets.
    pub Assets uses As {
        /// List the assets the caller may see, or those of one user,
        /// product, unit or organisation.
        ///
        /// Reference: `AsApi.get_available_assets` (GET /asset).
        List(AssetFilter) [ASSETS] => fn(c, a) {
            let req = c.assets().list().maybe(a.user, |r, v| r.user(&v));
            let req = req.maybe(a.product, |r, v| r.product(&v));
            let req = req.maybe(a.unit, |r, v| r.unit(&v));
            req.maybe(a.org, |r, v| r.organisation(&v)).send().await?
        },
        /// Show one asset (exit 4 when there is none).
        ///
        /// Reference: `AsApi.get_asset` (GET /asset/{asset_id}).
        Get(AssetArg) [ASSETS] => fn(c, a) c.assets().get(&a.asset_id).await?,
        /// Create an asset from --content or --file; answers its id.
        ///
        /// Reference: `AsApi.create_asset` (POST /asset, multipart).
        Create(AssetCreateArgs) change => fn(c, a) {
            if a.secret {
                // A secret asset's text never prints (a dry run shows the body).
                a.content.content_string.iter().for_each(|s| {
                    remember(Secret::new(s.as_str()));
                });
            }
            let req = c.assets().create().name(a.name).scope(a.scope).secret(a.secret);
            let req = req.maybe(a.scope_id, |r, v| r.scope_id(v));
            let req = req.maybe(a.description, |r, v| r.description(v));
            let req = req.maybe(a.content.content_string, |r, v| r.content_string(v));
            let req = req.maybe(file_content(a.content.file.as_deref())?, |r, path| {
                r.content_file(path)
            });
            created(req.send().await?)
        },
        /// Change an asset's description or content (--content or --file).
        ///
        /// Reference: `AsApi.alter_asset` (PATCH /asset/{asset_id}, multipart).
        Alter(AssetAlterArgs) change => fn(c, a) {
            let req = c.assets().alter(&a.asset_id).maybe(a.description, |r, v| r.description(v));
            let req = req.maybe(a.content.content_string, |r, v| r.content_string(v));
            let req = req.maybe(file_content(a.content.file.as_deref())?, |r, path| {
                r.content_file(path)
            });
            req.send().await?;
            done(&[("asset_id", a.asset_id.as_str())], "alter")
        },
        /// Delete an asset.
        ///
        /// Reference: `AsApi.delete_asset` (DELETE /asset/{asset_id}).
        Delete(AssetArg) change => fn(c, a) {
            c.assets().delete(&a.asset_id).await?;
            done(&[("asset_id", a.asset_id.as_str())], "delete")
        },
        /// Attach an asset to a merchant.
        ///
        /// Reference: `AsApi.attach_asset` (PATCH /asset/{asset_id}/attach?m_id=).
        Attach(AssetMerchantArgs) change => fn(c, a) {
            c.assets().attach(&a.asset_id, a.merchant_id).await?;
            let m = a.merchant_id.to_string();
            done(&[("asset_id", a.asset_id.as_str()), ("merchant_id", m.as_str())], "attach")
        },
        /// Detach an asset from a merchant.
        ///
        /// Reference: `AsApi.detach_asset` (PATCH /asset/{asset_id}/detach?m_id=).
        Detach(AssetMerchantArgs) change => fn(c, a) {
            c.assets().detach(&a.asset_id, a.merchant_id).await?;
            let m = a.merchant_id.to_string();
            done(&[("asset_id", a.asset_id.as_str()), ("merchant_id", m.as_str())], "detach")
        },
        /// Enable an asset.
        ///
        /// Reference: `AsApi.enable_asset` (PATCH /asset/{asset_id}/enable).
        Enable(AssetArg) change => fn(c, a) {
            c.assets().enable(&a.asset_id).await?;
            done(&[("asset_id", a.asset_id.as_str())], "enable")
        },
        /// Disable an asset.
        ///
        /// Reference: `AsApi.disable_asset` (PATCH /asset/{asset_id}/disable).
        Disable(AssetArg) change => fn(c, a) {
            c.assets().disable(&a.asset_id).await?;
            done(&[("asset_id", a.asset_id.as_str())], "disable")
        },
    }
}

/// The scope filter of `assets list` (at most one).
#[derive(Debug, Clone, Args)]
#[group(multiple = false)]
pub struct AssetFilter {
    /// A user's assets.
    #[arg(long, value_name = "USERNAME")]
    pub user: Option<Username>,
    /// A product's assets.
    #[arg(long, value_name = "PRODUCT_ID")]
    pub product: Option<ProductId>,
    /// A unit's assets.
    #[arg(long, value_name = "UNIT_ID")]
    pub unit: Option<UnitId>,
    /// An organisation's assets.
    #[arg(long, value_name = "ORG_ID")]
    pub org: Option<OrgId>,
}

/// One asset id.
#[derive(Debug, Clone, Args)]
pub struct AssetArg {
    /// The asset id (`asset-` and a lower-case UUID).
    pub asset_id: AssetId,
}

/// An asset's content: a string or a file (not both).
#[derive(Debug, Clone, Args)]
#[group(multiple = false)]
pub struct AssetContent {
    /// The content as text.
    #[arg(long = "content", value_name = "STRING")]
    pub content_string: Option<String>,
    /// The content from a file (sent as a file part under its name; at most
    /// 64 MiB).
    #[arg(long, value_name = "PATH")]
    pub file: Option<String>,
}

/// `assets create`.
#[derive(Debug, Clone, Args)]
pub struct AssetCreateArgs {
    /// The name (unique in its scope).
    #[arg(long)]
    pub name: String,
    /// The scope.
    #[arg(long, value_parser = known!(AssetScope))]
    pub scope: AssetScope,
    /// What the scope refers to: a user name, product-…, unit-…, org-… (none
    /// for GLOBAL).
    #[arg(long)]
    pub scope_id: Option<String>,
    /// A description.
    #[arg(long)]
    pub description: Option<String>,
    /// The content is secret (the AS never shows it).
    #[arg(long)]
    pub secret: bool,
    #[command(flatten)]
    content: AssetContent,
}

/// `assets alter`.
#[derive(Debug, Clone, Args)]
pub struct AssetAlterArgs {
    /// The asset id.
    pub asset_id: AssetId,
    /// A new description.
    #[arg(long)]
    pub description: Option<String>,
    #[command(flatten)]
    content: AssetContent,
}

/// `assets attach|detach`.
#[derive(Debug, Clone, Args)]
pub struct AssetMerchantArgs {
    /// The asset id.
    pub asset_id: AssetId,
    /// The merchant id (a positive integer).
    pub merchant_id: MerchantId,
}

/// `--file PATH`, checked to be a readable regular file before anything is
/// sent. The client streams it from disk while sending (its basename is the
/// part's filename), so no size cap and no copy in memory.
fn file_content(path: Option<&str>) -> Result<Option<std::path::PathBuf>> {
    let Some(path) = path else { return Ok(None) };
    let cannot =
        |e: std::io::Error| CliError::Invalid(format!("--file: cannot read `{path}`: {e}"));
    let meta = std::fs::metadata(path).map_err(cannot)?;
    if !meta.is_file() {
        return Err(CliError::Invalid(format!("--file: `{path}` is not a file")));
    }
    std::fs::File::open(path).map_err(cannot)?;
    Ok(Some(std::path::PathBuf::from(path)))
}

// ---------------------------------------------------------------------------
// merchants and event streams

family! {
    /// Merchants.
    pub Merchants uses As {
        /// List the merchants.
        ///
        /// Reference: `AsApi.get_merchants` (GET /merchant).
        List(NoArgs) [MERCHANTS] => fn(c, _a) c.merchants().list().await?,
        /// Show one merchant (exit 4 when there is none).
        ///
        /// Reference: `AsApi.get_merchant` (GET /merchant/{merchant_id}).
        Get(MerchantArg) [MERCHANTS] => fn(c, a) c.merchants().get(a.merchant_id).await?,
    }
}

/// One merchant id.
#[derive(Debug, Clone, Args)]
pub struct MerchantArg {
    /// The merchant id (a positive integer).
    pub merchant_id: MerchantId,
}

family! {
    /// The caller's event stream.
    pub EventStreams uses As {
        /// Show the caller's event stream (exit 4 when there is none).
        ///
        /// Reference: `AsApi.get_event_stream` (GET /event-stream).
        Get(NoArgs) [EVENT_STREAMS] => fn(c, _a) c.event_streams().get().await?,
        /// Create the caller's event stream.
        ///
        /// Reference: `AsApi.create_event_stream` (POST /event-stream).
        Create(EventStreamCreateArgs) change [EVENT_STREAMS] => fn(c, a) {
            c.event_streams().create(a.format).await?
        },
        /// Delete an event stream.
        ///
        /// Reference: `AsApi.delete_event_stream` (DELETE /event-stream/{event_stream_id}).
        Delete(EventStreamArg) change => fn(c, a) {
            c.event_streams().delete(a.event_stream_id).await?;
            let id = a.event_stream_id.to_string();
            done(&[("event_stream_id", id.as_str())], "delete")
        },
    }
}

/// `event-streams create`.
#[derive(Debug, Clone, Args)]
pub struct EventStreamCreateArgs {
    /// The format of the events.
    #[arg(long, value_parser = known!(EventStreamFormat))]
    pub format: EventStreamFormat,
}

/// One event stream id.
#[derive(Debug, Clone, Args)]
pub struct EventStreamArg {
    /// The event stream id (a positive integer).
    pub event_stream_id: EventStreamId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dry_run_passes_only_the_keycloak_login() {
        let req = |m: Method, url: &str, bearer: bool| {
            let mut b = tenantry::core::http::Request::builder().method(m).uri(url);
            if bearer {
                b = b.header("authorization", "Bearer t");
            }
            let r: HttpRequest = b.body(Vec::new().into()).unwrap();
            As::dry_run_passes(&r)
        };
        let token = "http://kc/realms/squonk2/protocol/openid-connect/token";
        assert!(req(Method::POST, token, false));
        assert!(!req(Method::POST, token, true));
        assert!(!req(Method::GET, token, false));
        assert!(!req(Method::POST, "http://as/organisation", true));
        assert!(!req(Method::DELETE, "http://as/unit/unit-1", true));
        assert!(!req(Method::PATCH, "http://as/asset/a/enable", true));
        assert!(!req(Method::PUT, "http://as/personal-unit", true));
        assert!(!Public::dry_run_passes(
            &tenantry::core::http::Request::post(token)
                .body(Vec::new().into())
                .unwrap()
        ));
    }

    #[test]
    fn tables_lift_nested_objects() {
        let v =
            json!([{"product": {"id": "p", "name": "n"}, "coins": {"used": 1}, "claimable": true}]);
        assert_eq!(
            flat_row(v[0].clone()),
            json!({"product_id": "p", "product_name": "n", "coins_used": 1, "claimable": true})
        );
    }
}
