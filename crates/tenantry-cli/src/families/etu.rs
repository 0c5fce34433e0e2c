//! `tenantry etu <app> <resource> <verb>`: every operation of the Etu Nexus
//! client (the reference's 67, `etunexus` 0.6.8: EMC2 23, ER3 18, EI3 26),
//! one `family!` per resource family, each command declared once.
//!
//! Configuration (lowest precedence first): the profile's `[etunexus]`
//! table, the `TENANTRY_ETUNEXUS_*` variables (the ones `auth cas-login`
//! reads, plus the application host and an extra root certificate), then
//! the `tenantry etu` flags. The password comes from
//! `TENANTRY_ETUNEXUS_PASSWORD`, `password_cmd` or `--secret-stdin`, never
//! from an argument; it, the CAS tickets and the session cookies are never
//! printed. Ids are parsed with the client's id types (a bad id exits 2
//! before anything is sent); whole objects (logics, campaigns, layouts, …)
//! are read from a JSON file as the listings print them; uploads pass the
//! path to the client, which streams the file.

use super::{cols, family, known, nested, Cols, Family, Maybe, NoArgs, Service};
use crate::context::{remember, CliError, Context, Result};
use crate::input::{key_value, read_json, read_secret_line, upload_path};
use crate::output::Output;
use clap::Args;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use tenantry::core::http::Method;
use tenantry::core::transport::{HttpRequest, HttpResponse, TransportError};
use tenantry::core::{HttpTransport, ReqwestTransport, Secret, TransportConfig};
use tenantry::etunexus::enums::{
    AppId, AppRoleName, DataSourceContentType, EiPopulationTimelineFilterCompType,
    EiPopulationTimelineFilterOp, EiStatisticsItem,
};
use tenantry::etunexus::models::ei::Band;
use tenantry::etunexus::models::emc::{
    AppRole, DataSource, ExporterSetting, Group, User, UserRole,
};
use tenantry::etunexus::models::er::{AlgTraining, Campaign, Layout, Logic, UserFilter};
use tenantry::etunexus::{
    BandCategoryId, BandId, CampaignId, Cas, DataSourceId, Ei3, Emc2, Er3, GeneId, GroupId,
    LogicId, Name, SummaryId, Uid, UserFilterId, UserId,
};
use time::{Date, OffsetDateTime};

/// Etu Management Center v2.
#[derive(Debug)]
pub struct EmcApp;
/// Etu Recommender v3.
#[derive(Debug)]
pub struct ErApp;
/// Etu Insight v3.
#[derive(Debug)]
pub struct EiApp;

/// `https://host[:port]` (or a bare `host[:port]`) as the client's host;
/// `what` names the setting in errors.
fn host_of(url: &str, what: &str) -> Result<String> {
    let url = url.trim();
    let bad = |why: &str| CliError::Invalid(format!("{what}: `{url}` {why}"));
    let Some(rest) = url.strip_prefix("https://") else {
        if url.contains("://") {
            return Err(bad("is not https:// (Etu Nexus is served over TLS only)"));
        }
        return Ok(url.to_owned());
    };
    let parsed = url::Url::parse(url).map_err(|e| bad(&format!("is not a URL: {e}")))?;
    if !matches!(parsed.path(), "" | "/") || parsed.query().is_some() {
        return Err(bad("must be a host root, without a path"));
    }
    Ok(rest.trim_end_matches('/').to_owned())
}

/// The transport that reaches Etu Nexus: the invocation's, or one that
/// also trusts `TENANTRY_ETUNEXUS_CA_CERT` (verification stays on).
fn tls(ctx: &Context) -> Result<Arc<dyn HttpTransport>> {
    let Some(path) = ctx.var_opt("TENANTRY_ETUNEXUS_CA_CERT") else {
        return Ok(ctx.transport());
    };
    let pem = std::fs::read_to_string(&path).map_err(|e| {
        CliError::Invalid(format!(
            "TENANTRY_ETUNEXUS_CA_CERT: cannot read `{path}`: {e}"
        ))
    })?;
    let t = ReqwestTransport::new(TransportConfig::default().add_root_certificate_pem(pem))?;
    Ok(Arc::new(crate::logging::LoggedTransport::new(Arc::new(t))))
}

/// The CAS login from the configuration, on `transport` (the invocation's,
/// or the dry-run wrapper around it).
fn cas(ctx: &Context, transport: Arc<dyn HttpTransport>) -> Result<Cas> {
    let group = ctx.var("TENANTRY_ETUNEXUS_GROUP")?;
    let user = ctx.var("TENANTRY_ETUNEXUS_USERNAME")?;
    let password = ctx.secret("TENANTRY_ETUNEXUS_PASSWORD")?;
    let tls = tls(ctx)?;
    let transport: Arc<dyn HttpTransport> = if Arc::ptr_eq(&transport, &ctx.transport()) {
        tls
    } else {
        // A dry run: the CAS login goes out (on the TLS transport), the
        // rest is held by the dry run.
        Arc::new(LoginThrough {
            login: tls,
            held: transport,
        })
    };
    let b = Cas::builder(group, user, password).transport(Arc::new(RememberCas(transport)));
    let b = match ctx.var_opt("TENANTRY_ETUNEXUS_CAS_URL") {
        Some(u) => b.host(host_of(&u, "TENANTRY_ETUNEXUS_CAS_URL")?),
        None => b,
    };
    let b = match ctx.var_opt("TENANTRY_ETUNEXUS_APP_URL") {
        Some(u) => b.app_host(host_of(&u, "TENANTRY_ETUNEXUS_APP_URL")?),
        None => b,
    };
    Ok(b.build()?)
}

/// Whether `request` is a step of the CAS login: the ticket-granting
/// ticket and service ticket requests (`POST /cas/v1/tickets[/TGT]`), and
/// the presentation of the ticket to an application's shiro-cas endpoint
/// (`GET …/shiro-cas?ticket=`). They open a session and change nothing.
fn cas_login_step(request: &HttpRequest) -> bool {
    let path = request.uri().path();
    match *request.method() {
        Method::POST => path == "/cas/v1/tickets" || path.starts_with("/cas/v1/tickets/"),
        Method::GET => path.ends_with("/shiro-cas"),
        _ => false,
    }
}

macro_rules! app_service {
    ($svc:ident, $client:ty) => {
        impl Service for $svc {
            type Client = $client;
            fn client(ctx: &Context, transport: Arc<dyn HttpTransport>) -> Result<$client> {
                Ok(<$client>::new(&cas(ctx, transport)?)?)
            }
            fn dry_run_passes(request: &HttpRequest) -> bool {
                cas_login_step(request)
            }
        }
    };
}
app_service!(EmcApp, Emc2);
app_service!(ErApp, Er3);
app_service!(EiApp, Ei3);

/// A dry run's transport: the CAS login steps go out on `login`, the rest
/// to `held` (the dry run, which keeps them).
#[derive(Debug)]
struct LoginThrough {
    login: Arc<dyn HttpTransport>,
    held: Arc<dyn HttpTransport>,
}

#[async_trait::async_trait]
impl HttpTransport for LoginThrough {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        if cas_login_step(&request) {
            self.login.send(request).await
        } else {
            self.held.send(request).await
        }
    }
}

/// The transport of the Etu Nexus clients: registers the CAS tickets (the
/// TGT in the `Location` of the login, the service ticket the CAS answers)
/// and every session cookie with the output scrubber, so an answer or
/// error that echoes one never prints it.
#[derive(Debug)]
struct RememberCas(Arc<dyn HttpTransport>);

#[async_trait::async_trait]
impl HttpTransport for RememberCas {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let ticket_request =
            request.method() == Method::POST && request.uri().path().starts_with("/cas/v1/tickets");
        let response = self.0.send(request).await?;
        let headers = response.headers();
        if let Some(tgt) = headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .and_then(|l| l.rsplit('/').next())
            .filter(|t| !t.is_empty())
        {
            if ticket_request {
                remember(Secret::new(tgt));
            }
        }
        for cookie in headers.get_all("set-cookie") {
            if let Some(value) = cookie
                .to_str()
                .ok()
                .and_then(|c| c.split(';').next())
                .and_then(|c| c.split_once('='))
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty())
            {
                remember(Secret::new(value));
            }
        }
        if ticket_request && response.status().is_success() {
            if let Ok(st) = std::str::from_utf8(response.body()) {
                let st = st.trim();
                if !st.is_empty() && st.len() < 512 && !st.contains(char::is_whitespace) {
                    remember(Secret::new(st));
                }
            }
        }
        Ok(response)
    }
}

/// The flags of `tenantry etu`: each overrides its setting (config file,
/// `TENANTRY_ETUNEXUS_*`).
#[derive(Debug, Clone, Default, Args)]
pub struct EtuFlags {
    /// CAS server root [TENANTRY_ETUNEXUS_CAS_URL; config: url; default:
    /// https://emc.online.etunexus.com].
    #[arg(long, value_name = "URL")]
    pub cas_url: Option<String>,
    /// The one host of EMC, ER and EI [TENANTRY_ETUNEXUS_APP_URL; config:
    /// app_url; default: each application's own host].
    #[arg(long, value_name = "URL")]
    pub app_url: Option<String>,
    /// Group [TENANTRY_ETUNEXUS_GROUP; config: group].
    #[arg(long)]
    pub group: Option<String>,
    /// User name in the group [TENANTRY_ETUNEXUS_USERNAME; config: user].
    #[arg(long)]
    pub username: Option<String>,
    /// A PEM file of one more root certificate to trust
    /// [TENANTRY_ETUNEXUS_CA_CERT; config: ca_cert].
    #[arg(long, value_name = "PEM")]
    pub ca_cert: Option<String>,
}

/// `tenantry etu [FLAGS] <app> <resource> <verb>`.
#[derive(Debug, Args)]
#[command(after_long_help = ETU_HELP)]
pub struct EtuCmd {
    #[command(flatten)]
    flags: EtuFlags,
    #[command(subcommand)]
    family: Etu,
}

impl Family for EtuCmd {
    async fn run(self, ctx: &Context) -> Result<Output> {
        let f = self.flags;
        for (name, flag, value) in [
            ("TENANTRY_ETUNEXUS_CAS_URL", "--cas-url", f.cas_url),
            ("TENANTRY_ETUNEXUS_APP_URL", "--app-url", f.app_url),
            ("TENANTRY_ETUNEXUS_GROUP", "--group", f.group),
            ("TENANTRY_ETUNEXUS_USERNAME", "--username", f.username),
            ("TENANTRY_ETUNEXUS_CA_CERT", "--ca-cert", f.ca_cert),
        ] {
            if let Some(v) = value {
                ctx.set_flag(name, flag, v);
            }
        }
        self.family.run(ctx).await
    }
}

const ETU_HELP: &str = "\
Configuration (lowest precedence first): the profile's [etunexus] table (url, app_url, group,
user, ca_cert, password_cmd), the variables TENANTRY_ETUNEXUS_CAS_URL, _APP_URL, _GROUP,
_USERNAME, _PASSWORD, _CA_CERT, then the flags above. The password comes from
TENANTRY_ETUNEXUS_PASSWORD, password_cmd or --secret-stdin, never from an argument; it, the
CAS tickets and the session cookies are never printed.

Ids are checked before anything is sent (exit 2): groups, users, data sources, logics,
campaigns, user filters, bands and band categories are positive integers; genes, uids and
summary ids non-empty text; su names without whitespace.

Whole objects (logics, campaigns, layouts, app roles, exporter settings, bands, algorithm
trainings, and the objects of the updates) come from --file FILE|- as JSON, in the form the
listings print them. Uploads (--csv, --file of fixed genes and items) are streamed from disk
by the client.

Commands that change state take --dry-run: the request is printed (method, URL, headers with
the session cookie masked, body) and nothing that changes state is sent; only the CAS login
(ticket-granting ticket, service ticket, shiro-cas session) is.
";

family! {
    /// Etu Nexus (CAS SSO: TENANTRY_ETUNEXUS_*): EMC v2, ER v3, EI v3.
    pub Etu {
        /// Etu Management Center v2: groups, users, apps and roles, data sources, system, audit.
        #[command(subcommand)]
        Emc(Emc) => nested,
        /// Etu Recommender v3: groups, data sources, logics, campaigns, user filters, layouts,
        /// algorithm trainings.
        #[command(subcommand)]
        Er(Er) => nested,
        /// Etu Insight v3: users, genes, band categories, bands, populations, statistics,
        /// customers, items, summaries, su.
        #[command(subcommand)]
        Ei(Ei) => nested,
    }
}

// Key columns of each resource (then the ones `-o wide` adds).
const GROUPS: Cols = cols!(id name displayName; createTime);
const USERS: Cols = cols!(id name displayName roles; department mail createTime lastUpdateTime);
const APPS: Cols = cols!(id version; console image);
const PERMISSIONS: Cols = cols!(category id level);
const ROLES: Cols = cols!(name permissions);
const DATA_SOURCES: Cols = cols!(id name displayName contentType type; groupId appIds
    eventCollector);
const SCHEMA: Cols = cols!(name type required; link key);
const LOGICS: Cols = cols!(id name displayName active algType numberOfRec; algInstances
    executeState createTime updateTime);
const CAMPAIGNS: Cols = cols!(id name displayName startTime endTime; groupId logics createTime);
const USER_FILTERS: Cols = cols!(id name displayName; createTime updateTime);
const TRAININGS: Cols = cols!(id algId state; setting createTime updateTime result);
const EI_USERS: Cols = cols!(id name displayName role group);
const CATEGORIES: Cols = cols!(id name isDefault; bands);
const GENE_CATEGORIES: Cols = cols!(id name; subcategories genes);
const POPULATION: Cols = cols!(key amount);
const TIMELINE: Cols = cols!(name cid startTime endTime; group);

/// What a command that answers nothing reports.
fn done(what: &str, id: impl std::fmt::Display, action: &str) -> Value {
    let mut v = Map::new();
    v.insert(what.to_owned(), json!(id.to_string()));
    v.insert("action".into(), json!(action));
    v.insert("done".into(), json!(true));
    Value::Object(v)
}

/// A whole object from `--file FILE|-` (JSON, as the listings print it).
fn object<T: serde::de::DeserializeOwned>(path: &str) -> Result<T> {
    read_json(path, "--file")
}

/// `YYYY-MM-DD`.
fn date(s: &str) -> std::result::Result<Date, String> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &fmt).map_err(|e| format!("expected YYYY-MM-DD: {e}"))
}

/// RFC 3339 (`2024-01-31T12:00:00Z`) or a day (`2024-01-31`, midnight UTC).
fn instant(s: &str) -> std::result::Result<OffsetDateTime, String> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Ok(t);
    }
    date(s)
        .map(|d| d.midnight().assume_utc())
        .map_err(|_| "expected an RFC 3339 time (2024-01-31T12:00:00Z) or YYYY-MM-DD".into())
}

// ---------------------------------------------------------------------------
// EMC

family! {
    /// Etu Management Center v2.
    pub Emc {
        /// Groups: list, create, update, delete.
        #[command(subcommand)]
        Groups(EmcGroups) => nested,
        /// Users: me, list, create, update, delete, change password.
        #[command(subcommand)]
        Users(EmcUsers) => nested,
        /// Applications: list, permissions, roles, update a role.
        #[command(subcommand)]
        Apps(EmcApps) => nested,
        /// Data sources: list, create, update, delete, exporter, schemas.
        #[command(subcommand)]
        DataSources(EmcDataSources) => nested,
        /// The server's version.
        #[command(subcommand)]
        System(EmcSystem) => nested,
        /// The audit log.
        #[command(subcommand)]
        AuditLogs(EmcAudit) => nested,
    }
}

family! {
    /// EMC groups.
    pub EmcGroups uses EmcApp {
        /// List the groups.
        ///
        /// Reference: `EMC2.get_groups` (GET /group).
        List(NoArgs) [GROUPS] => fn(c, _a) c.groups().list().await?,
        /// Create a group.
        ///
        /// Reference: `EMC2.add_group` (POST /group).
        Create(GroupCreateArgs) change [GROUPS] => fn(c, a) {
            c.groups().create(&Group::new(a.name, a.display_name)).await?
        },
        /// Update a group: the whole group from --file (as `list` prints
        /// it), its id the argument's, --name/--display-name over it.
        ///
        /// Reference: `EMC2.update_group` (POST /group/{id}).
        Update(GroupUpdateArgs) change [GROUPS] => fn(c, a) {
            let mut g: Group = object(&a.file)?;
            g.id = Some(a.group_id);
            if let Some(n) = a.name { g.name = n; }
            if let Some(d) = a.display_name { g.display_name = d; }
            c.groups().update(&g).await?
        },
        /// Delete a group.
        ///
        /// Reference: `EMC2.del_group` (DELETE /group/{id}).
        Delete(GroupArg) change => fn(c, a) {
            c.groups().delete(&a.group_id).await?;
            done("group_id", a.group_id, "delete")
        },
    }
}

/// One group id.
#[derive(Debug, Clone, Args)]
pub struct GroupArg {
    /// The group id (a positive integer).
    pub group_id: GroupId,
}

/// `groups create`.
#[derive(Debug, Clone, Args)]
pub struct GroupCreateArgs {
    /// The name (the CAS login's group part).
    #[arg(long)]
    pub name: String,
    /// The display name.
    #[arg(long)]
    pub display_name: String,
}

/// `groups update`.
#[derive(Debug, Clone, Args)]
pub struct GroupUpdateArgs {
    /// The group id.
    pub group_id: GroupId,
    /// The whole group, JSON (`-`: stdin).
    #[arg(long, value_name = "FILE|-")]
    pub file: String,
    /// A new name.
    #[arg(long)]
    pub name: Option<String>,
    /// A new display name.
    #[arg(long)]
    pub display_name: Option<String>,
}

family! {
    /// EMC users.
    pub EmcUsers uses EmcApp {
        /// Show the logged-in user.
        ///
        /// Reference: `EMC2.me` (GET /user/me).
        Me(NoArgs) [USERS] => fn(c, _a) c.users().me().await?,
        /// List a group's users.
        ///
        /// Reference: `EMC2.get_users` (GET /group/{gid}/user).
        List(GroupArg) [USERS] => fn(c, a) c.users().list(&a.group_id).await?,
        /// Add a user to a group; the password from --password-file.
        ///
        /// Reference: `EMC2.add_user` (POST /group/{gid}/user).
        Create(UserCreateArgs) change [USERS] => fn(c, a) {
            let password = read_secret_line(&a.password_file, "--password-file")?;
            let mut u = User::new(a.name, a.display_name, password);
            u.department = a.department.unwrap_or_default();
            u.mail = a.mail.unwrap_or_default();
            u.roles = roles(a.role);
            c.users().create(&a.group_id, &u).await?
        },
        /// Update a user: the whole user from --file (as `list` prints it;
        /// its password is never sent), its id the argument's, the flags
        /// over it (--role replaces the roles).
        ///
        /// Reference: `EMC2.update_user` (POST /user/{id}).
        Update(UserUpdateArgs) change [USERS] => fn(c, a) {
            let mut u: User = object(&a.file)?;
            u.id = Some(a.user_id);
            u.password = None;
            if let Some(v) = a.name { u.name = v; }
            if let Some(v) = a.display_name { u.display_name = v; }
            if let Some(v) = a.department { u.department = v; }
            if let Some(v) = a.mail { u.mail = v; }
            if !a.role.is_empty() { u.roles = roles(a.role); }
            c.users().update(&u).await?
        },
        /// Delete a user.
        ///
        /// Reference: `EMC2.del_user` (DELETE /user/{id}).
        Delete(UserArg) change => fn(c, a) {
            c.users().delete(&a.user_id).await?;
            done("user_id", a.user_id, "delete")
        },
        /// Change a user's password (from --password-file).
        ///
        /// Reference: `EMC2.change_user_password` (POST /user/{id}/password).
        ChangePassword(PasswordArgs) change => fn(c, a) {
            let password = read_secret_line(&a.password_file, "--password-file")?;
            c.users().change_password(&a.user_id, &password).await?;
            done("user_id", a.user_id, "change-password")
        },
    }
}

/// `APP=ROLE` pairs as roles (the client refuses an unknown application).
fn roles(pairs: Vec<(String, String)>) -> Vec<UserRole> {
    pairs
        .into_iter()
        .map(|(app, role)| {
            UserRole::new(AppRoleName::from(role.as_str()), AppId::from(app.as_str()))
        })
        .collect()
}

/// One user id.
#[derive(Debug, Clone, Args)]
pub struct UserArg {
    /// The user id (a positive integer).
    pub user_id: UserId,
}

/// `users create`.
#[derive(Debug, Clone, Args)]
pub struct UserCreateArgs {
    /// The group id.
    pub group_id: GroupId,
    /// The login name.
    #[arg(long)]
    pub name: String,
    /// The display name.
    #[arg(long)]
    pub display_name: String,
    /// The password: the first line of FILE (`-`: stdin).
    #[arg(long, value_name = "FILE|-")]
    pub password_file: String,
    /// The department.
    #[arg(long)]
    pub department: Option<String>,
    /// The mail address.
    #[arg(long)]
    pub mail: Option<String>,
    /// A role, `APP=ROLE` (ETU-SHIELD, ETU-RECOMMENDER, ETU-INSIGHT =
    /// Viewer, Operator, ADMIN); repeatable.
    #[arg(long, value_name = "APP=ROLE", value_parser = key_value)]
    pub role: Vec<(String, String)>,
}

/// `users update`.
#[derive(Debug, Clone, Args)]
pub struct UserUpdateArgs {
    /// The user id.
    pub user_id: UserId,
    /// The whole user, JSON (`-`: stdin).
    #[arg(long, value_name = "FILE|-")]
    pub file: String,
    /// A new login name.
    #[arg(long)]
    pub name: Option<String>,
    /// A new display name.
    #[arg(long)]
    pub display_name: Option<String>,
    /// A new department.
    #[arg(long)]
    pub department: Option<String>,
    /// A new mail address.
    #[arg(long)]
    pub mail: Option<String>,
    /// The roles, `APP=ROLE`, replacing the file's; repeatable.
    #[arg(long, value_name = "APP=ROLE", value_parser = key_value)]
    pub role: Vec<(String, String)>,
}

/// `users change-password`.
#[derive(Debug, Clone, Args)]
pub struct PasswordArgs {
    /// The user id.
    pub user_id: UserId,
    /// The new password: the first line of FILE (`-`: stdin).
    #[arg(long, value_name = "FILE|-")]
    pub password_file: String,
}

family! {
    /// EMC applications.
    pub EmcApps uses EmcApp {
        /// List the applications.
        ///
        /// Reference: `EMC2.get_apps` (GET /app).
        List(NoArgs) [APPS] => fn(c, _a) c.apps().list().await?,
        /// An application's permission catalogue.
        ///
        /// Reference: `EMC2.get_app_permission` (GET /app/{app}/permission).
        Permissions(AppArg) [PERMISSIONS] => fn(c, a) c.apps().permissions(&a.app_id).await?,
        /// An application's roles.
        ///
        /// Reference: `EMC2.get_app_roles` (GET /app/{app}/role).
        Roles(AppArg) [ROLES] => fn(c, a) c.apps().roles(&a.app_id).await?,
        /// Replace a role of an application (the whole role from --file).
        ///
        /// Reference: `EMC2.update_app_role` (POST /app/{app}/role).
        UpdateRole(AppFileArgs) change [ROLES] => fn(c, a) {
            let role: AppRole = object(&a.file)?;
            c.apps().update_role(&a.app_id, &role).await?
        },
    }
}

/// One application.
#[derive(Debug, Clone, Args)]
pub struct AppArg {
    /// The application.
    #[arg(value_parser = known!(AppId))]
    pub app_id: AppId,
}

/// `apps update-role`.
#[derive(Debug, Clone, Args)]
pub struct AppFileArgs {
    /// The application.
    #[arg(value_parser = known!(AppId))]
    pub app_id: AppId,
    /// The whole role, JSON `{"name", "permissions"}` (`-`: stdin).
    #[arg(long, value_name = "FILE|-")]
    pub file: String,
}

family! {
    /// EMC data sources.
    pub EmcDataSources uses EmcApp {
        /// List a group's data sources.
        ///
        /// Reference: `EMC2.get_data_sources` (GET /group/{gid}/data-source).
        List(GroupArg) [DATA_SOURCES] => fn(c, a) c.data_sources().list(&a.group_id).await?,
        /// Add a data source to a group.
        ///
        /// Reference: `EMC2.add_data_source` (POST /group/{gid}/data-source).
        Create(DataSourceCreateArgs) change [DATA_SOURCES] => fn(c, a) {
            let ds = DataSource::new(a.name, a.display_name, a.app, a.content_type);
            let ds = ds.maybe(a.event_collector, |d, h| d.event_collector(h));
            c.data_sources().create(&a.group_id, &ds).await?
        },
        /// Update a data source: the whole data source from --file, its id
        /// the argument's.
        ///
        /// Reference: `EMC2.update_data_source` (POST /data-source/{id}).
        Update(DataSourceFileArgs) change [DATA_SOURCES] => fn(c, a) {
            let mut ds: DataSource = object(&a.file)?;
            ds.id = Some(a.data_source_id);
            c.data_sources().update(&ds).await?
        },
        /// Delete a data source.
        ///
        /// Reference: `EMC2.del_data_source` (DELETE /data-source/{id}).
        Delete(DataSourceArg) change => fn(c, a) {
            c.data_sources().delete(&a.data_source_id).await?;
            done("data_source_id", a.data_source_id, "delete")
        },
        /// Show a data source's exporter setting.
        ///
        /// Reference: `EMC2.get_exporter_setting` (GET /data-source/{id}/exporter).
        Exporter(DataSourceArg) => fn(c, a) c.data_sources().exporter(&a.data_source_id).await?,
        /// Replace a data source's exporter setting (the whole setting from
        /// --file).
        ///
        /// Reference: `EMC2.update_exporter_setting` (POST /data-source/{id}/exporter).
        UpdateExporter(DataSourceFileArgs) change => fn(c, a) {
            let setting: ExporterSetting = object(&a.file)?;
            c.data_sources().update_exporter(&a.data_source_id, &setting).await?
        },
        /// The schema of a kind of data source.
        ///
        /// Reference: `EMC2.get_data_source_schema` (GET /data-source/schema/{content_type}).
        Schema(ContentTypeArg) [SCHEMA] => fn(c, a) c.data_sources().schema(&a.content_type).await?,
    }
}

/// One data source id.
#[derive(Debug, Clone, Args)]
pub struct DataSourceArg {
    /// The data source id (a positive integer).
    pub data_source_id: DataSourceId,
}

/// A data source id and a whole object.
#[derive(Debug, Clone, Args)]
pub struct DataSourceFileArgs {
    /// The data source id.
    pub data_source_id: DataSourceId,
    /// The whole object, JSON (`-`: stdin).
    #[arg(long, value_name = "FILE|-")]
    pub file: String,
}

/// `data-sources create`.
#[derive(Debug, Clone, Args)]
pub struct DataSourceCreateArgs {
    /// The group id.
    pub group_id: GroupId,
    /// The name.
    #[arg(long)]
    pub name: String,
    /// The display name.
    #[arg(long)]
    pub display_name: String,
    /// An application that uses it; repeatable.
    #[arg(long, required = true, value_parser = known!(AppId))]
    pub app: Vec<AppId>,
    /// What it holds.
    #[arg(long, value_parser = known!(DataSourceContentType))]
    pub content_type: DataSourceContentType,
    /// Make it an event-collector source accepting this domain (`*`: all).
    #[arg(long, value_name = "HOST")]
    pub event_collector: Option<String>,
}

/// `data-sources schema`.
#[derive(Debug, Clone, Args)]
pub struct ContentTypeArg {
    /// The content type.
    #[arg(value_parser = known!(DataSourceContentType))]
    pub content_type: DataSourceContentType,
}

family! {
    /// The EMC server.
    pub EmcSystem uses EmcApp {
        /// Show the server's version, build and branch.
        ///
        /// Reference: `EMC2.get_system_info` (GET /system/version).
        Info(NoArgs) => fn(c, _a) c.system_info().await?,
    }
}

family! {
    /// The EMC audit log.
    pub EmcAudit uses EmcApp {
        /// The audit log of a time range.
        ///
        /// Reference: `EMC2.get_audit_logs` (GET /audit?startTime&endTime).
        List(AuditArgs) => fn(c, a) c.audit_logs().start(a.start).end(a.end).send().await?,
    }
}

/// `audit-logs list`.
#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    /// From (RFC 3339, or YYYY-MM-DD for midnight UTC).
    #[arg(long, value_parser = instant)]
    pub start: OffsetDateTime,
    /// Until (not before --start).
    #[arg(long, value_parser = instant)]
    pub end: OffsetDateTime,
}

// ---------------------------------------------------------------------------
// ER

family! {
    /// Etu Recommender v3.
    pub Er {
        /// Groups (list).
        #[command(subcommand)]
        Groups(ErGroups) => nested,
        /// Data sources (list).
        #[command(subcommand)]
        DataSources(ErDataSources) => nested,
        /// Logics: list, create, update, delete.
        #[command(subcommand)]
        Logics(ErLogics) => nested,
        /// Campaigns: list, create, update, delete.
        #[command(subcommand)]
        Campaigns(ErCampaigns) => nested,
        /// User filters: list, create, update (with their CSV), delete.
        #[command(subcommand)]
        UserFilters(ErUserFilters) => nested,
        /// A logic's layout: get, update.
        #[command(subcommand)]
        Layouts(ErLayouts) => nested,
        /// Algorithm trainings: list, create.
        #[command(subcommand)]
        AlgTrainings(ErTrainings) => nested,
    }
}

family! {
    /// ER groups.
    pub ErGroups uses ErApp {
        /// List the groups.
        ///
        /// Reference: `ER3.get_groups` (GET /group).
        List(NoArgs) [GROUPS] => fn(c, _a) c.groups().list().await?,
    }
}

family! {
    /// ER data sources.
    pub ErDataSources uses ErApp {
        /// List a group's data sources.
        ///
        /// Reference: `ER3.get_data_sources` (GET /group/{gid}/data-source).
        List(GroupArg) [DATA_SOURCES] => fn(c, a) c.data_sources().list(&a.group_id).await?,
    }
}

/// A group id and a whole object.
#[derive(Debug, Clone, Args)]
pub struct GroupFileArgs {
    /// The group id.
    pub group_id: GroupId,
    /// The whole object, JSON (`-`: stdin).
    #[arg(long, value_name = "FILE|-")]
    pub file: String,
}

family! {
    /// ER logics.
    pub ErLogics uses ErApp {
        /// List a group's logics.
        ///
        /// Reference: `ER3.get_logics` (GET /group/{gid}/logic).
        List(GroupArg) [LOGICS] => fn(c, a) c.logics().list(&a.group_id).await?,
        /// Add a logic to a group (the whole logic from --file).
        ///
        /// Reference: `ER3.add_logic` (POST /group/{gid}/logic).
        Create(GroupFileArgs) change [LOGICS] => fn(c, a) {
            let logic: Logic = object(&a.file)?;
            c.logics().create(&a.group_id, &logic).await?
        },
        /// Update a logic: the whole logic from --file, its id the
        /// argument's.
        ///
        /// Reference: `ER3.update_logic` (POST /logic/{id}).
        Update(LogicFileArgs) change [LOGICS] => fn(c, a) {
            let mut logic: Logic = object(&a.file)?;
            logic.id = Some(a.logic_id);
            c.logics().update(&logic).await?
        },
        /// Delete a logic.
        ///
        /// Reference: `ER3.del_logic` (DELETE /logic/{id}).
        Delete(LogicArg) change => fn(c, a) {
            c.logics().delete(&a.logic_id).await?;
            done("logic_id", a.logic_id, "delete")
        },
    }
}

/// One logic id.
#[derive(Debug, Clone, Args)]
pub struct LogicArg {
    /// The logic id (a positive integer).
    pub logic_id: LogicId,
}

/// A logic id and a whole object.
#[derive(Debug, Clone, Args)]
pub struct LogicFileArgs {
    /// The logic id.
    pub logic_id: LogicId,
    /// The whole object, JSON (`-`: stdin).
    #[arg(long, value_name = "FILE|-")]
    pub file: String,
}

family! {
    /// ER campaigns.
    pub ErCampaigns uses ErApp {
        /// List a group's campaigns.
        ///
        /// Reference: `ER3.get_campaigns` (GET /group/{gid}/campaign).
        List(GroupArg) [CAMPAIGNS] => fn(c, a) c.campaigns().list(&a.group_id).await?,
        /// Add a campaign to a group (the whole campaign from --file).
        ///
        /// Reference: `ER3.add_campaign` (POST /group/{gid}/campaign).
        Create(GroupFileArgs) change [CAMPAIGNS] => fn(c, a) {
            let campaign: Campaign = object(&a.file)?;
            c.campaigns().create(&a.group_id, &campaign).await?
        },
        /// Update a campaign: the whole campaign from --file, its id the
        /// argument's.
        ///
        /// Reference: `ER3.update_campaign` (POST /campaign/{id}).
        Update(CampaignFileArgs) change [CAMPAIGNS] => fn(c, a) {
            let mut campaign: Campaign = object(&a.file)?;
            campaign.id = Some(a.campaign_id);
            c.campaigns().update(&campaign).await?
        },
        /// Delete a campaign.
        ///
        /// Reference: `ER3.del_campaign` (DELETE /campaign/{id}).
        Delete(CampaignArg) change => fn(c, a) {
            c.campaigns().delete(&a.campaign_id).await?;
            done("campaign_id", a.campaign_id, "delete")
        },
    }
}

/// One campaign id.
#[derive(Debug, Clone, Args)]
pub struct CampaignArg {
    /// The campaign id (a positive integer).
    pub campaign_id: CampaignId,
}

/// A campaign id and a whole object.
#[derive(Debug, Clone, Args)]
pub struct CampaignFileArgs {
    /// The campaign id.
    pub campaign_id: CampaignId,
    /// The whole object, JSON (`-`: stdin).
    #[arg(long, value_name = "FILE|-")]
    pub file: String,
}

family! {
    /// ER user filters.
    pub ErUserFilters uses ErApp {
        /// List a group's user filters.
        ///
        /// Reference: `ER3.get_user_filters` (GET /group/{gid}/userfilter).
        List(GroupArg) [USER_FILTERS] => fn(c, a) c.user_filters().list(&a.group_id).await?,
        /// Add a user filter to a group with its CSV (a `uid` column).
        ///
        /// Reference: `ER3.add_user_filter` (POST /group/{gid}/userfilter, multipart).
        Create(UserFilterCreateArgs) change [USER_FILTERS] => fn(c, a) {
            let csv = upload_path(&a.filter.csv, "--csv")?;
            let uf = UserFilter::new(a.filter.name, a.filter.display_name);
            c.user_filters().create(&a.group_id, uf).file(csv).send().await?
        },
        /// Replace a user filter's names and CSV.
        ///
        /// Reference: `ER3.update_user_filter` (POST /userfilter/{id}, multipart).
        Update(UserFilterUpdateArgs) change [USER_FILTERS] => fn(c, a) {
            let csv = upload_path(&a.filter.csv, "--csv")?;
            let mut uf = UserFilter::new(a.filter.name, a.filter.display_name);
            uf.id = Some(a.user_filter_id);
            c.user_filters().update(uf).file(csv).send().await?
        },
        /// Delete a user filter.
        ///
        /// Reference: `ER3.del_user_filter` (DELETE /userfilter/{id}).
        Delete(UserFilterArg) change => fn(c, a) {
            c.user_filters().delete(&a.user_filter_id).await?;
            done("user_filter_id", a.user_filter_id, "delete")
        },
    }
}

/// One user filter id.
#[derive(Debug, Clone, Args)]
pub struct UserFilterArg {
    /// The user filter id (a positive integer).
    pub user_filter_id: UserFilterId,
}

/// A user filter's fields and CSV.
#[derive(Debug, Clone, Args)]
pub struct UserFilterFields {
    /// The name.
    #[arg(long)]
    pub name: String,
    /// The display name.
    #[arg(long)]
    pub display_name: String,
    /// The CSV of uids (streamed from disk).
    #[arg(long, value_name = "PATH")]
    pub csv: String,
}

/// `user-filters create`.
#[derive(Debug, Clone, Args)]
pub struct UserFilterCreateArgs {
    /// The group id.
    pub group_id: GroupId,
    #[command(flatten)]
    filter: UserFilterFields,
}

/// `user-filters update`.
#[derive(Debug, Clone, Args)]
pub struct UserFilterUpdateArgs {
    /// The user filter id.
    pub user_filter_id: UserFilterId,
    #[command(flatten)]
    filter: UserFilterFields,
}

family! {
    /// ER layouts.
    pub ErLayouts uses ErApp {
        /// Show a logic's layout (exit 4 when it has none).
        ///
        /// Reference: `ER3.get_layout` (GET /logic/{id}/layout).
        Get(LogicArg) => fn(c, a) c.layouts().get(&a.logic_id).await?,
        /// Replace a logic's layout (the whole layout from --file).
        ///
        /// Reference: `ER3.update_layout` (POST /logic/{id}/layout).
        Update(LogicFileArgs) change => fn(c, a) {
            let layout: Layout = object(&a.file)?;
            c.layouts().update(&a.logic_id, &layout).await?
        },
    }
}

family! {
    /// ER algorithm trainings.
    pub ErTrainings uses ErApp {
        /// List a group's algorithm trainings.
        ///
        /// Reference: `ER3.get_alg_trainings` (GET /group/{gid}/algtraining).
        List(GroupArg) [TRAININGS] => fn(c, a) c.alg_trainings().list(&a.group_id).await?,
        /// Start an algorithm training (`{"algId", "setting"}` from --file).
        ///
        /// Reference: `ER3.add_alg_training` (POST /group/{gid}/algtraining).
        Create(GroupFileArgs) change [TRAININGS] => fn(c, a) {
            let training: AlgTraining = object(&a.file)?;
            c.alg_trainings().create(&a.group_id, &training).await?
        },
    }
}

// ---------------------------------------------------------------------------
// EI

family! {
    /// Etu Insight v3.
    pub Ei {
        /// The logged-in (or impersonated) user.
        #[command(subcommand)]
        Users(EiUsers) => nested,
        /// Gene and fixed-gene categories, fixed-gene uploads.
        #[command(subcommand)]
        Genes(EiGenes) => nested,
        /// Band categories: list, create, update, delete, shared, defaults.
        #[command(subcommand)]
        BandCategories(EiBandCategories) => nested,
        /// Bands: create, update, delete, download uids, snapshot.
        #[command(subcommand)]
        Bands(EiBands) => nested,
        /// Population summaries and timelines.
        #[command(subcommand)]
        Population(EiPopulation) => nested,
        /// Statistics of a group.
        #[command(subcommand)]
        Statistics(EiStatistics) => nested,
        /// Customers: gene values, bands.
        #[command(subcommand)]
        Customers(EiCustomers) => nested,
        /// Item data uploads.
        #[command(subcommand)]
        Items(EiItems) => nested,
        /// Summaries.
        #[command(subcommand)]
        Summary(EiSummary) => nested,
        /// Impersonation: su login, logout.
        #[command(subcommand)]
        Su(EiSu) => nested,
    }
}

family! {
    /// EI users.
    pub EiUsers uses EiApp {
        /// Show the user (the impersonated one during su).
        ///
        /// Reference: `EI3.get_me` (GET /user/me).
        Me(NoArgs) [EI_USERS] => fn(c, _a) c.users().me().await?,
        /// Show the real user during su.
        ///
        /// Reference: `EI3.get_superme` (GET /user/superme).
        Superme(NoArgs) [EI_USERS] => fn(c, _a) c.users().superme().await?,
    }
}

family! {
    /// EI genes.
    pub EiGenes uses EiApp {
        /// A group's gene categories.
        ///
        /// Reference: `EI3.get_gene_categories` (GET /genecategory?groupId).
        Categories(GroupArg) [GENE_CATEGORIES] => fn(c, a) c.genes().categories(&a.group_id).await?,
        /// The fixed-gene categories.
        ///
        /// Reference: `EI3.get_fixed_gene_categories` (GET /fixedgenecategory).
        FixedCategories(NoArgs) [GENE_CATEGORIES] => fn(c, _a) c.genes().fixed_categories().await?,
        /// Upload a group's fixed-gene schema (a JSON file, streamed).
        ///
        /// Reference: `EI3.upload_fixed_gene_schema` (POST /fixedgene/schema, multipart).
        UploadFixedSchema(GroupUploadArgs) change [GENE_CATEGORIES] => fn(c, a) {
            let path = upload_path(&a.file, "--file")?;
            c.genes().upload_fixed_schema(&a.group_id, path).await?
        },
        /// Upload a group's fixed-gene data (a CSV: `uid` and one column per
        /// gene, streamed).
        ///
        /// Reference: `EI3.upload_fixed_gene_data` (POST /fixedgene/data, multipart).
        UploadFixedData(GroupUploadArgs) change => fn(c, a) {
            let path = upload_path(&a.file, "--file")?;
            c.genes().upload_fixed_data(&a.group_id, path).await?
        },
    }
}

/// A group id and a file to upload.
#[derive(Debug, Clone, Args)]
pub struct GroupUploadArgs {
    /// The group id.
    pub group_id: GroupId,
    /// The file to upload (streamed from disk).
    #[arg(long, value_name = "PATH")]
    pub file: String,
}

family! {
    /// EI band categories.
    pub EiBandCategories uses EiApp {
        /// The user's band categories with their bands.
        ///
        /// Reference: `EI3.get_band_categories` (GET /bandcategory).
        List(NoArgs) [CATEGORIES] => fn(c, _a) c.band_categories().list().await?,
        /// Create a band category.
        ///
        /// Reference: `EI3.add_band_category` (POST /bandcategory, form).
        Create(BandCategoryFields) change [CATEGORIES] => fn(c, a) {
            c.band_categories().create().name(a.name).is_default(a.default).send().await?
        },
        /// Rename a band category (or make it the default).
        ///
        /// Reference: `EI3.update_band_category` (POST /bandcategory/{id}, form).
        Update(BandCategoryUpdateArgs) change [CATEGORIES] => fn(c, a) {
            let req = c.band_categories().update(&a.band_category_id).name(a.fields.name);
            req.is_default(a.fields.default).send().await?
        },
        /// Delete a band category.
        ///
        /// Reference: `EI3.del_band_category` (DELETE /bandcategory/{id}).
        Delete(BandCategoryArg) change => fn(c, a) {
            c.band_categories().delete(&a.band_category_id).await?;
            done("band_category_id", a.band_category_id, "delete")
        },
        /// The band categories shared with the user's group, or with --group.
        ///
        /// Reference: `EI3.get_shared_band_categories` (GET /sharingbandcategory[?groupId]).
        Shared(SharedArgs) [CATEGORIES] => fn(c, a) {
            c.band_categories().shared(a.group.as_ref()).await?
        },
        /// A data source's default band categories.
        ///
        /// Reference: `EI3.get_default_bandcategories` (GET /defaultbandcategory?cId).
        Defaults(DataSourceArg) [CATEGORIES] => fn(c, a) {
            c.band_categories().defaults(&a.data_source_id).await?
        },
    }
}

/// One band category id.
#[derive(Debug, Clone, Args)]
pub struct BandCategoryArg {
    /// The band category id (a positive integer).
    pub band_category_id: BandCategoryId,
}

/// A band category's fields.
#[derive(Debug, Clone, Args)]
pub struct BandCategoryFields {
    /// The name.
    #[arg(long)]
    pub name: String,
    /// Make it the default category.
    #[arg(long)]
    pub default: bool,
}

/// `band-categories update`.
#[derive(Debug, Clone, Args)]
pub struct BandCategoryUpdateArgs {
    /// The band category id.
    pub band_category_id: BandCategoryId,
    #[command(flatten)]
    fields: BandCategoryFields,
}

/// `band-categories shared`.
#[derive(Debug, Clone, Args)]
pub struct SharedArgs {
    /// The group (default: the user's).
    #[arg(long, value_name = "GROUP_ID")]
    pub group: Option<GroupId>,
}

family! {
    /// EI bands.
    pub EiBands uses EiApp {
        /// Create a band (the whole band from --file; an `upload` band's
        /// uids from --csv, streamed).
        ///
        /// Reference: `EI3.add_band` (POST /band, multipart).
        Create(BandCreateArgs) change => fn(c, a) {
            let band: Band = object(&a.file)?;
            let csv = a.csv.as_deref().map(|p| upload_path(p, "--csv")).transpose()?;
            c.bands().create(band).maybe(csv, |r, p| r.file(p)).send().await?
        },
        /// Update a band: the whole band from --file, its id the argument's.
        ///
        /// Reference: `EI3.update_band` (POST /band/{id}, multipart).
        Update(BandUpdateArgs) change => fn(c, a) {
            let mut band: Band = object(&a.file)?;
            band.id = Some(a.band_id);
            let csv = a.csv.as_deref().map(|p| upload_path(p, "--csv")).transpose()?;
            c.bands().update(band).maybe(csv, |r, p| r.file(p)).send().await?
        },
        /// Delete a band.
        ///
        /// Reference: `EI3.del_band` (DELETE /band/{id}).
        Delete(BandArg) change => fn(c, a) {
            c.bands().delete(&a.band_id).await?;
            done("band_id", a.band_id, "delete")
        },
        /// Download a band's uids to a file (created or truncated).
        ///
        /// Reference: `EI3.get_uid_list` (GET /band/{id}/uidlist, then the link).
        DownloadUids(DownloadArgs) => fn(c, a) {
            let bytes = c.bands().download_uids(&a.band_id, &a.to).await?;
            json!({"band_id": a.band_id.to_string(), "path": a.to, "bytes": bytes})
        },
        /// Take a snapshot of a band.
        ///
        /// Reference: `EI3.do_snapshot` (POST /band/{id}/snapshot; the
        /// reference never sends it).
        Snapshot(BandArg) change => fn(c, a) c.bands().snapshot(&a.band_id).await?,
    }
}

/// One band id.
#[derive(Debug, Clone, Args)]
pub struct BandArg {
    /// The band id (a positive integer).
    pub band_id: BandId,
}

/// `bands create`.
#[derive(Debug, Clone, Args)]
pub struct BandCreateArgs {
    /// The whole band, JSON (`-`: stdin).
    #[arg(long, value_name = "FILE|-")]
    pub file: String,
    /// The CSV of uids of an `upload` band (streamed from disk).
    #[arg(long, value_name = "PATH")]
    pub csv: Option<String>,
}

/// `bands update`.
#[derive(Debug, Clone, Args)]
pub struct BandUpdateArgs {
    /// The band id.
    pub band_id: BandId,
    /// The whole band, JSON (`-`: stdin).
    #[arg(long, value_name = "FILE|-")]
    pub file: String,
    /// The CSV of uids of an `upload` band (streamed from disk).
    #[arg(long, value_name = "PATH")]
    pub csv: Option<String>,
}

/// `bands download-uids`.
#[derive(Debug, Clone, Args)]
pub struct DownloadArgs {
    /// The band id.
    pub band_id: BandId,
    /// Where to write the uids.
    #[arg(long, value_name = "PATH")]
    pub to: String,
}

family! {
    /// EI populations.
    pub EiPopulation uses EiApp {
        /// Customers per value of a gene.
        ///
        /// Reference: `EI3.get_population_summary` (GET /population/summary?geneId&cId).
        Summary(GeneDataSourceArgs) [POPULATION] => fn(c, a) {
            c.population().summary(&a.gene_id, &a.data_source_id).await?
        },
        /// Customers per day for genes.
        ///
        /// Reference: `EI3.get_population_timeline` (GET /timeline/population/{genes}/{cid}).
        Timeline(TimelineArgs) [TIMELINE] => fn(c, a) {
            let req = c.population().timeline(&a.data_source_id).genes(a.gene);
            let req = req.start(a.start).end(a.end).filter_op(a.filter_op);
            let req = req.maybe(a.comparator, |r, (k, v)| {
                r.filter_comparator(EiPopulationTimelineFilterCompType::from(k.as_str()), v)
            });
            req.send().await?
        },
    }
}

/// `population summary`.
#[derive(Debug, Clone, Args)]
pub struct GeneDataSourceArgs {
    /// The gene id.
    pub gene_id: GeneId,
    /// The data source id.
    pub data_source_id: DataSourceId,
}

/// `population timeline`.
#[derive(Debug, Clone, Args)]
pub struct TimelineArgs {
    /// The data source id.
    pub data_source_id: DataSourceId,
    /// A gene; repeatable (at least one).
    #[arg(long, required = true)]
    pub gene: Vec<GeneId>,
    /// First day, YYYY-MM-DD.
    #[arg(long, value_parser = date)]
    pub start: Date,
    /// Last day, YYYY-MM-DD (not before --start).
    #[arg(long, value_parser = date)]
    pub end: Date,
    /// The filter operator.
    #[arg(long, value_parser = known!(EiPopulationTimelineFilterOp))]
    pub filter_op: EiPopulationTimelineFilterOp,
    /// The filter comparator, `TYPE=VALUE` (NUMBER, STRING, SUBSTRING;
    /// default STRING=*).
    #[arg(long, value_name = "TYPE=VALUE", value_parser = key_value)]
    pub comparator: Option<(String, String)>,
}

family! {
    /// EI statistics.
    pub EiStatistics uses EiApp {
        /// A group's counters per day.
        ///
        /// Reference: `EI3.get_statistics` (GET /statistics/query).
        Query(StatisticsArgs) [STATISTICS] => fn(c, a) {
            let req = c.statistics(&a.group_id).items(a.item).start(a.start).end(a.end);
            let days = req.send().await?;
            let rows: Vec<Value> = days
                .into_iter()
                .map(|(d, counts)| {
                    let mut row = Map::new();
                    row.insert("date".into(), json!(d.to_string()));
                    row.extend(counts.into_iter().map(|(k, v)| (k, json!(v))));
                    Value::Object(row)
                })
                .collect();
            rows
        },
    }
}
const STATISTICS: Cols = cols!(date);

/// `statistics query`.
#[derive(Debug, Clone, Args)]
pub struct StatisticsArgs {
    /// The group id.
    pub group_id: GroupId,
    /// A counter; repeatable (at least one).
    #[arg(long, required = true, value_parser = known!(EiStatisticsItem))]
    pub item: Vec<EiStatisticsItem>,
    /// First day, YYYY-MM-DD.
    #[arg(long, value_parser = date)]
    pub start: Date,
    /// Last day, YYYY-MM-DD (not before --start).
    #[arg(long, value_parser = date)]
    pub end: Date,
}

family! {
    /// EI customers.
    pub EiCustomers uses EiApp {
        /// A customer's gene values in a data source.
        ///
        /// Reference: `EI3.get_customer_info` (GET /customerinformation/{uid}?cId).
        Info(CustomerArgs) => fn(c, a) c.customers().info(&a.data_source_id, &a.uid).await?,
        /// The bands of a user that hold a customer.
        ///
        /// Reference: `EI3.get_uid_band_list` (GET /uidbandlist/id?uid&userId).
        Bands(UidBandArgs) => fn(c, a) c.customers().band_list(&a.user_id, &a.uid).await?,
    }
}

/// `customers info`.
#[derive(Debug, Clone, Args)]
pub struct CustomerArgs {
    /// The data source id.
    pub data_source_id: DataSourceId,
    /// The customer's uid.
    pub uid: Uid,
}

/// `customers bands`.
#[derive(Debug, Clone, Args)]
pub struct UidBandArgs {
    /// The user id (whose bands).
    pub user_id: UserId,
    /// The customer's uid.
    pub uid: Uid,
}

family! {
    /// EI items.
    pub EiItems uses EiApp {
        /// Upload a group's item data (a CSV, streamed); answers the number
        /// of items.
        ///
        /// Reference: `EI3.upload_item_data` (POST /item, multipart).
        Upload(GroupUploadArgs) change => fn(c, a) {
            let path = upload_path(&a.file, "--file")?;
            let n = c.upload_items(&a.group_id, path).await?;
            json!({"group_id": a.group_id.to_string(), "items": n})
        },
    }
}

family! {
    /// EI summaries.
    pub EiSummary uses EiApp {
        /// A summary of a band in a data source.
        ///
        /// Reference: `EI3.get_summary` (GET /summary/{id}?cId&bandId).
        Get(SummaryArgs) => fn(c, a) {
            c.summary(&a.summary_id).data_source(a.data_source).band(a.band).send().await?
        },
    }
}

/// `summary get`.
#[derive(Debug, Clone, Args)]
pub struct SummaryArgs {
    /// The summary id (for example `Summary_Revisit_7`).
    pub summary_id: SummaryId,
    /// The data source id.
    #[arg(long, value_name = "DATA_SOURCE_ID")]
    pub data_source: DataSourceId,
    /// The band id.
    #[arg(long, value_name = "BAND_ID")]
    pub band: BandId,
}

family! {
    /// EI impersonation (for this invocation's session).
    pub EiSu uses EiApp {
        /// Act as a user of a group (names, not ids).
        ///
        /// Reference: `EI3.do_su_login` (GET /suauth?groupName&userName).
        Login(SuArgs) change => fn(c, a) c.su().login(&a.group, &a.user).await?,
        /// Back to the real user.
        ///
        /// Reference: `EI3.do_su_logout` (DELETE /suauth).
        Logout(NoArgs) change => fn(c, _a) c.su().logout().await?,
    }
}

/// `su login`.
#[derive(Debug, Clone, Args)]
pub struct SuArgs {
    /// The group name.
    pub group: Name,
    /// The user name.
    pub user: Name,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_from_urls() {
        assert_eq!(
            host_of("https://nexus.example.com/", "x").unwrap(),
            "nexus.example.com"
        );
        assert_eq!(
            host_of("https://127.0.0.1:8443", "x").unwrap(),
            "127.0.0.1:8443"
        );
        assert_eq!(host_of("nexus:1", "x").unwrap(), "nexus:1");
        let e = host_of("http://nexus", "TENANTRY_ETUNEXUS_CAS_URL").unwrap_err();
        assert!(e.to_string().contains("TENANTRY_ETUNEXUS_CAS_URL"), "{e}");
        assert!(host_of("https://nexus/cas", "x").is_err());
    }

    #[test]
    fn dry_run_passes_only_the_cas_login() {
        let req = |m: Method, url: &str| {
            let r: HttpRequest = tenantry::core::http::Request::builder()
                .method(m)
                .uri(url)
                .body(Vec::new().into())
                .unwrap();
            cas_login_step(&r)
        };
        assert!(req(Method::POST, "https://h/cas/v1/tickets"));
        assert!(req(Method::POST, "https://h/cas/v1/tickets/TGT-1"));
        assert!(req(Method::GET, "https://h/ER/V3/shiro-cas?ticket=ST-1"));
        assert!(!req(Method::DELETE, "https://h/cas/v1/tickets/TGT-1"));
        assert!(!req(Method::POST, "https://h/commsrv/v1/group"));
        assert!(!req(Method::GET, "https://h/EI/V3/service/v1/suauth"));
    }

    #[test]
    fn times() {
        assert_eq!(
            instant("2024-01-31").unwrap().unix_timestamp(),
            1_706_659_200
        );
        assert!(instant("2024-01-31T12:00:00Z").is_ok());
        assert!(instant("yesterday").is_err());
        assert!(date("2024-13-01").is_err());
    }
}
