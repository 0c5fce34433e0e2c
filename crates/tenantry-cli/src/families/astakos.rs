//! `tenantry astakos`: every entry point of the Astakos client, one
//! `family!` per resource family, each command declared once.
//!
//! Configuration: `TENANTRY_ASTAKOS_URL` (the identity URL) and
//! `TENANTRY_ASTAKOS_TOKEN` (a user token, or a component token for the
//! service calls); `mk-provisions`, `parse-endpoints` and
//! `token-from-cookie` need neither. Ids are parsed with the client's id
//! types by clap (a bad id on the command line exits 2); ids read from files
//! or stdin are checked before anything is sent (exit 2). Tokens in answers
//! are printed as `***`.

use super::{cols, family, known, nested, rows_of, to_value, Cols, Maybe, NoArgs, Service};
use crate::context::{CliError, Context, Result};
use crate::input::{key_value, read_json, read_secret_line, Batch, BatchId};
use crate::output::Output;
use clap::Args;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::fmt::Display;
use std::str::FromStr;
use std::sync::Arc;
use tenantry::astakos::models::{
    ApplicationAction, AuthInfo, CommissionAction, CommissionRequest, MembershipAction, NewProject,
    ProjectAction, ProjectMode, ProjectState, QuotaCounters,
};
use tenantry::astakos::{
    get_token_from_cookie, mk_provisions, parse_endpoints, ApplicationId, AstakosClient,
    EndpointFilter, MembershipId, ProjectId, Serial, Uuid,
};
use tenantry::core::http::Method;
use tenantry::core::transport::HttpRequest;
use tenantry::core::{HttpTransport, Secret};

/// The Astakos service: its client from the configuration.
#[derive(Debug)]
pub struct Api;

impl Service for Api {
    type Client = AstakosClient;

    fn client(ctx: &Context, transport: Arc<dyn HttpTransport>) -> Result<AstakosClient> {
        let url = ctx.var("TENANTRY_ASTAKOS_URL")?;
        let token = ctx.secret("TENANTRY_ASTAKOS_TOKEN")?;
        Ok(AstakosClient::builder(url, token)
            .transport(transport)
            .build()?)
    }

    /// Only the bodyless discovery `POST {auth_url}/tokens` (the public
    /// service catalog, from which the client builds every account URL).
    fn dry_run_passes(request: &HttpRequest) -> bool {
        request.method() == Method::POST
            && request.body().is_empty()
            && request.uri().path().ends_with("/tokens")
    }
}

// Key columns of each resource (then the ones `-o wide` adds).
const PROJECTS: Cols = cols!(id name state owner resources; end_date creation_date homepage
    description join_policy leave_policy max_members private system_project last_application);
const MEMBERSHIPS: Cols = cols!(id project user state; allowed_actions);
const COMMISSIONS: Cols = cols!(serial name issue_time provisions);
const PROVISIONS: Cols = cols!(holder source resource quantity);
const QUOTAS: Cols = cols!(source resource limit usage pending; project_limit project_usage
    project_pending);
const SERVICE_QUOTAS: Cols = cols!(user source resource limit usage pending; project_limit
    project_usage project_pending);
const PROJECT_QUOTAS: Cols = cols!(project resource limit usage pending);
const SERVICES: Cols = cols!(name url);
const RESOURCES: Cols = cols!(name service unit description; ui_visible api_visible);
const ENDPOINTS: Cols = cols!(name type endpoints);
const USERNAMES: &[&str; 2] = &["uuid", "name"];
const UUIDS: &[&str; 2] = &["name", "uuid"];

family! {
    /// Synnefo Astakos (TENANTRY_ASTAKOS_URL, TENANTRY_ASTAKOS_TOKEN).
    #[command(after_long_help = ASTAKOS_HELP)]
    pub Astakos {
        /// Log in, the service catalog, token validation, OAuth2 tokens.
        #[command(subcommand)]
        Identity(Identity) => nested,
        /// Look up users by uuid or display name (user token).
        #[command(subcommand)]
        Users(Users) => nested,
        /// Look up users by uuid or display name (component token).
        #[command(subcommand)]
        ServiceUsers(ServiceUsers) => nested,
        /// List the registered services (components).
        #[command(subcommand)]
        Services(Services) => nested,
        /// List the registered resources.
        #[command(subcommand)]
        Resources(Resources) => nested,
        /// Send feedback to the operators.
        #[command(subcommand)]
        Feedback(FeedbackCmd) => nested,
        /// Show quotas: yours, a service's users', projects'.
        #[command(subcommand)]
        Quotas(Quotas) => nested,
        /// Reserve and release resources (component token): issue, inspect,
        /// accept, reject, resolve commissions.
        #[command(subcommand)]
        Commissions(Commissions) => nested,
        /// List, show, create, modify, suspend or terminate projects.
        #[command(subcommand)]
        Projects(Projects) => nested,
        /// Approve, deny, dismiss or cancel project applications.
        #[command(subcommand)]
        Applications(Applications) => nested,
        /// List, show, join and manage project memberships.
        #[command(subcommand)]
        Memberships(Memberships) => nested,
        /// Offline helpers: filter a service catalog, extract a cookie token.
        #[command(subcommand)]
        Endpoints(Endpoints) => nested,
    }
}

const ASTAKOS_HELP: &str = "\
Configuration: TENANTRY_ASTAKOS_URL (e.g. https://accounts.example.org/identity/v2.0) and
TENANTRY_ASTAKOS_TOKEN (or --secret-stdin). Commissions, service-users and `quotas service` /
`quotas project` need a component (service) token; the rest a user token. Tokens are never
printed (answers show them as ***).

Inputs:
  ids               typed: uuids/project ids must be non-empty, without whitespace, `,` or `:`;
                    serials, membership and application ids are non-negative integers.
  provisions        repeated flags, QUANTITY may be negative:
                      issue-one    --provision PROJECT:RESOURCE=QTY
                      issue-generic --user-provision USER:PROJECT:RESOURCE=QTY
                                   --project-provision PROJECT:RESOURCE=QTY
                      reassign     --provision FROM_PROJECT:TO_PROJECT:RESOURCE=QTY
                    or a whole request as JSON: commissions issue-request --request FILE|-
  project specs     projects create/modify --spec FILE|- : a JSON object with the Astakos keys
                    (name, end_date, owner, start_date, homepage, description, comments,
                    join_policy, leave_policy, max_members, private, resources: {RES:
                    {member_capacity, project_capacity}}; other keys are sent as given).
  batch lookups     users/service-users usernames|uuids: arguments, --from-file FILE or `-`
                    (stdin), one per line (blank lines and #comments skipped) or CSV (FILE.csv:
                    the first column, or the one --column or a `uuid`/`name` header names);
                    duplicates dropped, sent in chunks of --chunk-size; results merged into one
                    map. Unresolved ids are listed on stderr and exit 4 unless --allow-missing.
                    Inputs over --max-ids / --max-input-bytes are refused before sending.

Commands that change state take --dry-run: the request is printed (method, URL, headers
with secrets masked, body) and nothing that changes state is sent. Only the bodyless
discovery POST {auth_url}/tokens (the public service catalog) is sent, to build the URL.
";

// ---------------------------------------------------------------------------
// Shared helpers.

/// An authenticate/validate answer with its token masked.
fn masked_auth(info: &AuthInfo) -> Result<Value> {
    let mut v = to_value(info)?;
    if let Some(id) = v.pointer_mut("/access/token/id").filter(|id| !id.is_null()) {
        *id = json!("***");
    }
    Ok(v)
}

/// `None` for an empty filter (which would still be sent, as `user=`, and
/// match nothing).
fn some<T>(v: Vec<T>) -> Option<Vec<T>> {
    Some(v).filter(|v| !v.is_empty())
}

/// What an action that answers nothing reports.
fn done(what: &[(&str, Value)], action: &str) -> Value {
    let mut v: Map<String, Value> = what
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    v.insert("action".into(), json!(action));
    v.insert("done".into(), json!(true));
    Value::Object(v)
}

// ---------------------------------------------------------------------------
// identity

family! {
    /// Log in, the service catalog, token validation, OAuth2 tokens.
    pub Identity uses Api {
        /// Log in with the configured token and show the user, the service
        /// catalog and the token's facts (the token itself as ***).
        ///
        /// Reference: `astakosclient.authenticate` (POST {auth_url}/tokens).
        Authenticate(AuthenticateArgs) => fn(c, a) {
            let req = c.identity().authenticate().maybe(a.tenant_name, |r, t| r.tenant_name(t));
            masked_auth(&req.send().await?)?
        },
        /// Show the public service catalog (no login needed).
        ///
        /// Reference: `astakosclient.get_endpoints` (bodyless POST {auth_url}/tokens).
        Endpoints(EndpointsArgs) => fn(c, a) {
            let req = c.identity().endpoints();
            let req = if a.include_oauth2 { req.include_oauth2() } else { req };
            masked_auth(&req.send().await?)?
        },
        /// Check an OAuth2 access token (read from a file or stdin) and show
        /// whose it is.
        ///
        /// Reference: `astakosclient.validate_token`.
        ValidateToken(ValidateTokenArgs) => fn(c, a) {
            let token = read_secret_line(&a.token_file, "the token to validate")?;
            let req = c.identity().validate_token().token_id(token);
            let req = req.maybe(a.belongs_to, |r, b| r.belongs_to(b));
            match req.send().await? {
                Some(info) => masked_auth(&info)?,
                None => Value::Null,
            }
        },
        /// Exchange an OAuth2 authorization code for an access token (client
        /// secret from TENANTRY_ASTAKOS_OAUTH2_CLIENT_SECRET).
        ///
        /// Reference: `astakosclient.get_token`.
        Oauth2Token(Oauth2TokenArgs) => fn(c, a, ctx) {
            let secret = ctx.secret_env("TENANTRY_ASTAKOS_OAUTH2_CLIENT_SECRET")?;
            let code = a.code_file.as_deref();
            let code = code.map(|f| read_secret_line(f, "the authorization code"));
            let req = c.identity().oauth2_token().client_id(a.client_id).client_secret(secret);
            let req = req.grant_type(a.grant_type);
            let req = req.maybe(code.transpose()?, |r, code| r.code(code));
            let req = req.maybe(a.redirect_uri, |r, u| r.redirect_uri(u));
            let req = a.param.into_iter().fold(req, |r, (k, v)| r.param(k, Secret::new(v)));
            let mut v = to_value(&req.send().await?)?;
            if let Some(t) = v.get_mut("access_token").filter(|t| !t.is_null() && !a.reveal) {
                *t = json!("***");
            }
            v
        },
    }
}

/// `identity authenticate`.
#[derive(Debug, Clone, Args)]
pub struct AuthenticateArgs {
    /// `tenantName` (the user's uuid on a real server).
    #[arg(long)]
    pub tenant_name: Option<String>,
}

/// `identity endpoints`.
#[derive(Debug, Clone, Args)]
pub struct EndpointsArgs {
    /// Also discover the OAuth2 endpoint (fails when the catalog has none).
    #[arg(long)]
    pub include_oauth2: bool,
}

/// `identity validate-token`.
#[derive(Debug, Clone, Args)]
pub struct ValidateTokenArgs {
    /// Where the token to validate is: its first line (`-`: stdin; after the
    /// --secret-stdin line when both are used).
    #[arg(long, value_name = "FILE|-", default_value = "-")]
    pub token_file: String,
    /// `belongsTo`: the scope the token must belong to.
    #[arg(long)]
    pub belongs_to: Option<String>,
}

/// `identity oauth2-token`.
#[derive(Debug, Clone, Args)]
pub struct Oauth2TokenArgs {
    /// The OAuth2 client id.
    #[arg(long)]
    pub client_id: String,
    /// `grant_type`.
    #[arg(long, default_value = "authorization_code")]
    pub grant_type: String,
    /// Where the authorization code is: its first line (`-`: stdin).
    #[arg(long, value_name = "FILE|-")]
    pub code_file: Option<String>,
    /// `redirect_uri`.
    #[arg(long)]
    pub redirect_uri: Option<String>,
    /// Any other form field, `KEY=VALUE` (repeatable).
    #[arg(long, value_name = "KEY=VALUE", value_parser = key_value)]
    pub param: Vec<(String, String)>,
    /// Print the access token itself (default: ***).
    #[arg(long)]
    pub reveal: bool,
}

// ---------------------------------------------------------------------------
// users / service-users

impl BatchId for Uuid {
    const COLUMN: &'static str = "uuid";
    const VALUE_NAME: &'static str = "UUID|-";
    const HEADERS: &'static [&'static str] = &["user_uuid", "user"];
    fn parse(s: &str) -> std::result::Result<Self, String> {
        Uuid::new(s).map_err(|e| e.to_string())
    }
}

impl BatchId for String {
    const COLUMN: &'static str = "name";
    const VALUE_NAME: &'static str = "NAME|-";
    const HEADERS: &'static [&'static str] = &["displayname", "display_name", "email", "username"];
    fn parse(s: &str) -> std::result::Result<Self, String> {
        Ok(s.to_owned())
    }
}

/// The one answer of a single lookup, sent as a one-id batch (the same
/// request as the reference's `get_username`/`get_uuid`): an id missing from
/// the answer is [`CliError::Missing`] (exit 4) with the reference's message.
fn single<K: Ord + Display, V>(mut found: BTreeMap<K, V>, key: &K, what: &str) -> Result<V> {
    found
        .remove(key)
        .ok_or_else(|| CliError::Missing(format!("{what}: {key}")))
}

family! {
    /// Look up users with a user token.
    pub Users uses Api {
        /// Show the display names of many users, by uuid (sent in chunks).
        ///
        /// Reference: `astakosclient.get_usernames`.
        Usernames(Batch<Uuid>) => fn(c, a, ctx) {
            let u = c.users();
            a.lookup(ctx, USERNAMES, |ids| u.usernames().uuids(ids).send()).await?
        },
        /// Show the display name of one user (unknown uuid: exit 4).
        ///
        /// Reference: `astakosclient.get_username`.
        Username(UuidArg) => fn(c, a) {
            let found = c.users().usernames().uuids([a.uuid.clone()]).send().await?;
            single(found, &a.uuid, "No display name for the given uuid")?
        },
        /// Show the uuids of many users, by display name (sent in chunks).
        ///
        /// Reference: `astakosclient.get_uuids`.
        Uuids(Batch<String>) => fn(c, a, ctx) {
            let u = c.users();
            a.lookup(ctx, UUIDS, |names| u.uuids().display_names(names).send()).await?
        },
        /// Show the uuid of one user, by display name (unknown: exit 4).
        ///
        /// Reference: `astakosclient.get_uuid`.
        Uuid(NameArg) => fn(c, a) {
            let found = c.users().uuids().display_names([a.name.clone()]).send().await?;
            single(found, &a.name, "No uuid for the given display name")?
        },
    }
}

family! {
    /// Look up users with a component (service) token.
    pub ServiceUsers uses Api {
        /// Show the display names of many users, by uuid (sent in chunks).
        ///
        /// Reference: `astakosclient.service_get_usernames`.
        Usernames(Batch<Uuid>) => fn(c, a, ctx) {
            let u = c.service_users();
            a.lookup(ctx, USERNAMES, |ids| u.usernames().uuids(ids).send()).await?
        },
        /// Show the display name of one user (unknown uuid: exit 4).
        ///
        /// Reference: `astakosclient.service_get_username`.
        Username(UuidArg) => fn(c, a) {
            let found = c.service_users().usernames().uuids([a.uuid.clone()]).send().await?;
            single(found, &a.uuid, "No display name for the given uuid")?
        },
        /// Show the uuids of many users, by display name (sent in chunks).
        ///
        /// Reference: `astakosclient.service_get_uuids`.
        Uuids(Batch<String>) => fn(c, a, ctx) {
            let u = c.service_users();
            a.lookup(ctx, UUIDS, |names| u.uuids().display_names(names).send()).await?
        },
        /// Show the uuid of one user, by display name (unknown: exit 4).
        ///
        /// Reference: `astakosclient.service_get_uuid`.
        Uuid(NameArg) => fn(c, a) {
            let found = c.service_users().uuids().display_names([a.name.clone()]).send().await?;
            single(found, &a.name, "No uuid for the given display name")?
        },
    }
}

/// One uuid.
#[derive(Debug, Clone, Args)]
pub struct UuidArg {
    /// The user's uuid.
    pub uuid: Uuid,
}

/// One display name.
#[derive(Debug, Clone, Args)]
pub struct NameArg {
    /// The display name (email).
    pub name: String,
}

// ---------------------------------------------------------------------------
// services, resources, feedback

family! {
    /// The registered services (components).
    pub Services uses Api {
        /// List the services and their URLs.
        ///
        /// Reference: `astakosclient.get_services` (the UI's get_services).
        List(NoArgs) [SERVICES] => fn(c, _a) c.services().list().await?,
    }
}

family! {
    /// The registered resources.
    pub Resources uses Api {
        /// List the resources, one row each.
        ///
        /// Reference: `astakosclient.get_resources`.
        List(NoArgs) [RESOURCES] => fn(c, _a) {
            rows_of(to_value(&c.resources().list().await?)?, "name")
        },
    }
}

family! {
    /// Send feedback.
    pub FeedbackCmd uses Api {
        /// Send a message (and optional data) to the operators, as the configured user.
        ///
        /// Reference: `astakosclient.send_feedback`.
        Send(FeedbackArgs) change => fn(c, a) {
            c.feedback().create().message(&a.message).data(a.data).send().await?;
            json!({"sent": true, "message": a.message})
        },
    }
}

/// `feedback send`.
#[derive(Debug, Clone, Args)]
pub struct FeedbackArgs {
    /// `feedback_msg`.
    #[arg(long)]
    pub message: String,
    /// `feedback_data`.
    #[arg(long, default_value = "")]
    pub data: String,
}

// ---------------------------------------------------------------------------
// quotas

family! {
    /// Quotas: one row per holding (source, resource, limit, usage, pending),
    /// or the answer as the API gives it with --raw.
    pub Quotas uses Api {
        /// Show the quotas of the current user.
        ///
        /// Reference: `astakosclient.get_quotas` (user token).
        Get(QuotaView) [QUOTAS] => fn(c, a) {
            let q = c.quotas().get().await?;
            a.show(&q, |rows| holdings(rows, None, "source", &q, &a))?
        },
        /// Show the quotas of the users of the calling service.
        ///
        /// Reference: `astakosclient.service_get_quotas` (component token).
        Service(ServiceQuotaArgs) [SERVICE_QUOTAS] => fn(c, a) {
            let req = c.quotas().service_quotas();
            let req = req.maybe(some(a.user), |r, u| r.users(u));
            let req = req.maybe(some(a.project), |r, p| r.projects(p));
            let q = req.send().await?;
            a.view.show(&q, |rows| q.iter().try_for_each(|(user, by_source)| {
                holdings(rows, Some(user), "source", by_source, &a.view)
            }))?
        },
        /// Show the quotas of projects.
        ///
        /// Reference: `astakosclient.service_get_project_quotas` (component token).
        Project(ProjectQuotaArgs) [PROJECT_QUOTAS] => fn(c, a) {
            let req = c.quotas().project_quotas();
            let q = req.maybe(some(a.project), |r, p| r.projects(p)).send().await?;
            a.view.show(&q, |rows| holdings(rows, None, "project", &q, &a.view))?
        },
    }
}

/// Output options shared by the quota commands.
#[derive(Debug, Clone, Args)]
pub struct QuotaView {
    /// Only this resource (e.g. cyclades.vm).
    #[arg(long)]
    pub resource: Option<String>,
    /// The answer as the API gives it (nested maps) instead of rows.
    #[arg(long)]
    pub raw: bool,
}

impl QuotaView {
    /// `raw` as given with --raw, else the rows `fill` makes.
    fn show<T: serde::Serialize>(
        &self,
        raw: &T,
        fill: impl FnOnce(&mut Vec<Value>) -> Result<()>,
    ) -> Result<Output> {
        if self.raw {
            return Ok(Output::value(to_value(raw)?));
        }
        let mut rows = Vec::new();
        fill(&mut rows)?;
        // Sizes human-readable in tables, for the resources Synnefo registers
        // with the unit `bytes`.
        const SIZES: &[&str] = &[
            "limit",
            "usage",
            "pending",
            "project_limit",
            "project_usage",
        ];
        const IN_BYTES: &[&str] = &["cyclades.disk", "cyclades.ram", "pithos.diskspace"];
        Ok(Output::value(Value::Array(rows)).bytes_where("resource", IN_BYTES, SIZES))
    }
}

/// `quotas service`.
#[derive(Debug, Clone, Args)]
pub struct ServiceQuotaArgs {
    /// Only these users (repeatable).
    #[arg(long)]
    pub user: Vec<Uuid>,
    /// Only these source projects (repeatable).
    #[arg(long)]
    pub project: Vec<ProjectId>,
    #[command(flatten)]
    pub view: QuotaView,
}

/// `quotas project`.
#[derive(Debug, Clone, Args)]
pub struct ProjectQuotaArgs {
    /// Only these projects (repeatable).
    #[arg(long)]
    pub project: Vec<ProjectId>,
    #[command(flatten)]
    pub view: QuotaView,
}

/// Rows `{user?, <source_key>, resource, counters...}` from
/// `source -> resource -> counters`.
fn holdings(
    rows: &mut Vec<Value>,
    user: Option<&Uuid>,
    source_key: &str,
    map: &BTreeMap<ProjectId, BTreeMap<String, QuotaCounters>>,
    view: &QuotaView,
) -> Result<()> {
    for (source, resources) in map {
        for (resource, counters) in resources {
            if view.resource.as_ref().is_some_and(|r| r != resource) {
                continue;
            }
            let mut row = Map::new();
            if let Some(u) = user {
                row.insert("user".into(), json!(u.as_str()));
            }
            row.insert(source_key.to_owned(), json!(source.as_str()));
            row.insert("resource".into(), json!(resource));
            if let Value::Object(fields) = to_value(counters)? {
                row.extend(fields);
            }
            rows.push(Value::Object(row));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// commissions

family! {
    /// Commissions (component token). Provisions are repeated flags
    /// (`PROJECT:RESOURCE=QTY` and friends, see each command) or, for
    /// issue-request, a JSON request.
    pub Commissions uses Api {
        /// Issue a commission given whole as JSON ({"force", "auto_accept",
        /// "name", "provisions": [{"holder", "source", "resource", "quantity"}]}).
        ///
        /// Reference: `astakosclient._issue_commission`.
        IssueRequest(IssueRequestArgs) change => fn(c, a) {
            let req: CommissionRequest = read_json(&a.request, "--request")?;
            json!({"serial": c.commissions().issue_request().request(req).send().await?})
        },
        /// Reserve resources for users and projects (user and project provisions).
        ///
        /// Reference: `astakosclient.issue_commission_generic`.
        IssueGeneric(IssueGenericArgs) change => fn(c, a) {
            let b = c.commissions().issue_generic();
            let b = a.user_provision.iter().fold(b, |b, p| b.user_provision(p.key(), p.quantity));
            let projects = a.project_provision.iter();
            let b = projects.fold(b, |b, p| b.project_provision(p.key(), p.quantity));
            let e = a.envelope;
            let b = b.name(e.name).force(e.force).auto_accept(e.auto_accept);
            json!({"serial": b.send().await?})
        },
        /// Reserve resources for one user, from one or more projects.
        ///
        /// Reference: `astakosclient.issue_one_commission`.
        IssueOne(IssueOneArgs) change => fn(c, a) {
            let b = c.commissions().issue_one(&a.holder);
            let b = a.provision.iter().fold(b, |b, p| b.provision(p.key(), p.quantity));
            let e = a.envelope;
            let b = b.name(e.name).force(e.force).auto_accept(e.auto_accept);
            json!({"serial": b.send().await?})
        },
        /// Move a user's usage from one project to another.
        ///
        /// Reference: `astakosclient.issue_resource_reassignment`.
        Reassign(ReassignArgs) change => fn(c, a) {
            let b = c.commissions().reassign(&a.holder);
            let b = a.provision.iter().fold(b, |b, p| b.provision(p.key(), p.quantity));
            let e = a.envelope;
            let b = b.name(e.name).force(e.force).auto_accept(e.auto_accept);
            json!({"serial": b.send().await?})
        },
        /// Show the provision pair of one user holding (offline, nothing sent).
        ///
        /// Reference: `astakosclient.mk_provisions`.
        MkProvisions(MkProvisionsArgs) => mk_provisions_cmd,
        /// List the serials of the pending commissions.
        ///
        /// Reference: `astakosclient.get_pending_commissions`.
        Pending(NoArgs) => fn(c, _a) c.commissions().pending().await?,
        /// Show one commission.
        ///
        /// Reference: `astakosclient.get_commission_info`.
        Info(SerialArg) [COMMISSIONS] => fn(c, a) c.commissions().info(a.serial).await?,
        /// Accept or reject one commission.
        ///
        /// Reference: `astakosclient.commission_action`.
        Action(CommissionActionArgs) change => fn(c, a) {
            c.commissions().action(a.serial).action(a.action.clone()).send().await?;
            done(&[("serial", json!(a.serial))], a.action.as_str())
        },
        /// Accept a pending commission (the reservation becomes usage).
        ///
        /// Reference: `astakosclient.accept_commission`.
        Accept(SerialArg) change => fn(c, a) {
            c.commissions().accept(a.serial).await?;
            done(&[("serial", json!(a.serial))], "accept")
        },
        /// Reject a pending commission (the reservation is released).
        ///
        /// Reference: `astakosclient.reject_commission`.
        Reject(SerialArg) change => fn(c, a) {
            c.commissions().reject(a.serial).await?;
            done(&[("serial", json!(a.serial))], "reject")
        },
        /// Accept and reject many commissions at once.
        ///
        /// Reference: `astakosclient.resolve_commissions`.
        Resolve(ResolveArgs) change => fn(c, a) {
            if a.accept.is_empty() && a.reject.is_empty() {
                let why = "resolve: give --accept and/or --reject serials";
                return Err(CliError::Invalid(why.into()));
            }
            c.commissions().resolve().accept(a.accept).reject(a.reject).send().await?
        },
    }
}

/// Splits `A:B:…:RESOURCE=QTY` into `parts` fields (the last is the
/// resource, which keeps any further `:`) and the quantity.
fn split_provision(
    s: &str,
    parts: usize,
    shape: &str,
) -> std::result::Result<(Vec<String>, i64), String> {
    let bad = |why: &str| format!("bad provision `{s}`: {why}; expected {shape}");
    let (key, qty) = s.rsplit_once('=').ok_or_else(|| bad("no `=QTY`"))?;
    let quantity: i64 = qty
        .trim()
        .parse()
        .map_err(|_| bad(&format!("`{qty}` is not an integer quantity")))?;
    let fields: Vec<String> = key.splitn(parts, ':').map(str::to_owned).collect();
    if fields.len() != parts || fields.iter().any(String::is_empty) {
        return Err(bad(&format!("need {parts} non-empty `:`-separated fields")));
    }
    Ok((fields, quantity))
}

fn id_field<T: FromStr>(v: &str, what: &str) -> std::result::Result<T, String>
where
    T::Err: Display,
{
    v.parse()
        .map_err(|e: T::Err| format!("bad {what} `{v}`: {e}"))
}

/// `PROJECT:RESOURCE=QTY`.
#[derive(Debug, Clone)]
pub struct SourceProvision {
    project: ProjectId,
    resource: String,
    quantity: i64,
}

impl SourceProvision {
    fn key(&self) -> (&ProjectId, &str) {
        (&self.project, &self.resource)
    }
}

impl FromStr for SourceProvision {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (f, quantity) = split_provision(s, 2, "PROJECT:RESOURCE=QTY")?;
        let (project, resource) = (id_field(&f[0], "project")?, f[1].clone());
        Ok(SourceProvision {
            project,
            resource,
            quantity,
        })
    }
}

/// `USER:PROJECT:RESOURCE=QTY`.
#[derive(Debug, Clone)]
pub struct UserProvision {
    user: Uuid,
    project: ProjectId,
    resource: String,
    quantity: i64,
}

impl UserProvision {
    fn key(&self) -> (&Uuid, &ProjectId, &str) {
        (&self.user, &self.project, &self.resource)
    }
}

impl FromStr for UserProvision {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (f, quantity) = split_provision(s, 3, "USER:PROJECT:RESOURCE=QTY")?;
        let (user, project) = (id_field(&f[0], "user")?, id_field(&f[1], "project")?);
        Ok(UserProvision {
            user,
            project,
            resource: f[2].clone(),
            quantity,
        })
    }
}

/// `FROM:TO:RESOURCE=QTY`.
#[derive(Debug, Clone)]
pub struct MoveProvision {
    from: ProjectId,
    to: ProjectId,
    resource: String,
    quantity: i64,
}

impl MoveProvision {
    fn key(&self) -> (&ProjectId, &ProjectId, &str) {
        (&self.from, &self.to, &self.resource)
    }
}

impl FromStr for MoveProvision {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (f, quantity) = split_provision(s, 3, "FROM_PROJECT:TO_PROJECT:RESOURCE=QTY")?;
        let (from, to) = (id_field(&f[0], "project")?, id_field(&f[1], "project")?);
        Ok(MoveProvision {
            from,
            to,
            resource: f[2].clone(),
            quantity,
        })
    }
}

/// The envelope of an issued commission.
#[derive(Debug, Clone, Args)]
pub struct Envelope {
    /// The commission's name.
    #[arg(long, default_value = "")]
    pub name: String,
    /// Skip the limit check for allocations.
    #[arg(long)]
    pub force: bool,
    /// Accept at once.
    #[arg(long)]
    pub auto_accept: bool,
}

/// `commissions issue-request`.
#[derive(Debug, Clone, Args)]
pub struct IssueRequestArgs {
    /// The request as JSON (`-`: stdin); holders are sent as given
    /// (`user:UUID`, `project:ID`).
    #[arg(long, value_name = "FILE|-")]
    pub request: String,
}

/// `commissions issue-generic`.
#[derive(Debug, Clone, Args)]
pub struct IssueGenericArgs {
    /// `USER:PROJECT:RESOURCE=QTY`: user holding USER from PROJECT (repeatable).
    #[arg(long, value_name = "USER:PROJECT:RESOURCE=QTY")]
    pub user_provision: Vec<UserProvision>,
    /// `PROJECT:RESOURCE=QTY`: the project's own holding (repeatable).
    #[arg(long, value_name = "PROJECT:RESOURCE=QTY")]
    pub project_provision: Vec<SourceProvision>,
    #[command(flatten)]
    pub envelope: Envelope,
}

/// `commissions issue-one`.
#[derive(Debug, Clone, Args)]
pub struct IssueOneArgs {
    /// The holder (a user uuid).
    pub holder: Uuid,
    /// `PROJECT:RESOURCE=QTY` from the source PROJECT (the user's base project
    /// has the user's uuid); repeatable, at least one.
    #[arg(long, value_name = "PROJECT:RESOURCE=QTY", required = true)]
    pub provision: Vec<SourceProvision>,
    #[command(flatten)]
    pub envelope: Envelope,
}

/// `commissions reassign`.
#[derive(Debug, Clone, Args)]
pub struct ReassignArgs {
    /// The holder (a user uuid).
    pub holder: Uuid,
    /// `FROM_PROJECT:TO_PROJECT:RESOURCE=QTY`; repeatable, at least one.
    #[arg(long, value_name = "FROM:TO:RESOURCE=QTY", required = true)]
    pub provision: Vec<MoveProvision>,
    #[command(flatten)]
    pub envelope: Envelope,
}

/// `commissions mk-provisions`.
#[derive(Debug, Clone, Args)]
pub struct MkProvisionsArgs {
    /// The holder (a user uuid).
    #[arg(long)]
    pub holder: Uuid,
    /// The source project.
    #[arg(long)]
    pub source: ProjectId,
    /// The resource.
    #[arg(long)]
    pub resource: String,
    /// The quantity (may be negative).
    #[arg(long, allow_negative_numbers = true)]
    pub quantity: i64,
}

async fn mk_provisions_cmd(_ctx: &Context, a: MkProvisionsArgs) -> Result<Output> {
    let provisions = mk_provisions(&a.holder, &a.source, &a.resource, a.quantity);
    super::shown(&provisions, Some(PROVISIONS))
}

/// One serial.
#[derive(Debug, Clone, Args)]
pub struct SerialArg {
    /// The commission serial.
    pub serial: Serial,
}

/// `commissions action`.
#[derive(Debug, Clone, Args)]
pub struct CommissionActionArgs {
    /// The commission serial.
    pub serial: Serial,
    /// The action.
    #[arg(value_parser = known!(CommissionAction))]
    pub action: CommissionAction,
}

/// `commissions resolve`.
#[derive(Debug, Clone, Args)]
pub struct ResolveArgs {
    /// Serials to accept (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    pub accept: Vec<Serial>,
    /// Serials to reject (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    pub reject: Vec<Serial>,
}

// ---------------------------------------------------------------------------
// projects, applications, memberships

family! {
    /// Projects.
    pub Projects uses Api {
        /// List the projects you can see, optionally filtered.
        ///
        /// Reference: `astakosclient.get_projects`.
        List(ProjectListArgs) [PROJECTS] => fn(c, a) {
            let req = c.projects().list().maybe(a.name, |r, v| r.name(v));
            let req = req.maybe(a.state, |r, v| r.state(v));
            req.maybe(a.owner, |r, v| r.owner(v)).maybe(a.mode, |r, v| r.mode(v)).send().await?
        },
        /// Show one project.
        ///
        /// Reference: `astakosclient.get_project`.
        Get(ProjectIdArg) [PROJECTS] => fn(c, a) c.projects().get(&a.project).await?,
        /// Apply for a new project (its spec as JSON).
        ///
        /// Reference: `astakosclient.create_project`.
        Create(ProjectCreateArgs) change => fn(c, a) {
            let spec: NewProject = read_json(&a.spec, "--spec")?;
            c.projects().create().spec(spec).send().await?
        },
        /// Apply for changes to a project (JSON with only the keys to change).
        ///
        /// Reference: `astakosclient.modify_project`.
        Modify(ProjectModifyArgs) change => fn(c, a) {
            let spec: NewProject = read_json(&a.spec, "--spec")?;
            c.projects().modify(&a.project).spec(spec).send().await?
        },
        /// Terminate, suspend, unsuspend or reinstate a project.
        ///
        /// Reference: `astakosclient.project_action`.
        Action(ProjectActionArgs) change => fn(c, a) {
            let req = c.projects().action(&a.project).action(a.action.clone());
            req.reason(a.reason).send().await?;
            done(&[("project", json!(a.project.as_str()))], a.action.as_str())
        },
    }
}

family! {
    /// Project applications.
    pub Applications uses Api {
        /// Approve, deny, dismiss or cancel a project application.
        ///
        /// Reference: `astakosclient.application_action`.
        Action(ApplicationActionArgs) change => fn(c, a) {
            let req = c.applications().action(&a.project, a.application).action(a.action.clone());
            req.reason(a.reason).send().await?;
            let project = ("project", json!(a.project.as_str()));
            done(&[project, ("application", json!(a.application))], a.action.as_str())
        },
    }
}

family! {
    /// Project memberships.
    pub Memberships uses Api {
        /// List the memberships you can see.
        ///
        /// Reference: `astakosclient.get_memberships`.
        List(MembershipListArgs) [MEMBERSHIPS] => fn(c, a) {
            c.memberships().list().maybe(a.project, |r, p| r.project(p)).send().await?
        },
        /// Show one membership.
        ///
        /// Reference: `astakosclient.get_membership`.
        Get(MembershipIdArg) [MEMBERSHIPS] => fn(c, a) c.memberships().get(a.membership).await?,
        /// Leave, cancel, accept, reject or remove a membership.
        ///
        /// Reference: `astakosclient.membership_action`.
        Action(MembershipActionArgs) change => fn(c, a) {
            let req = c.memberships().action(a.membership).action(a.action.clone());
            req.reason(a.reason).send().await?;
            done(&[("membership", json!(a.membership))], a.action.as_str())
        },
        /// Ask to join a project.
        ///
        /// Reference: `astakosclient.join_project`.
        Join(ProjectIdArg) change => fn(c, a) c.memberships().join(&a.project).await?,
        /// Enroll a user (by email) in a project.
        ///
        /// Reference: `astakosclient.enroll_member`.
        Enroll(EnrollArgs) change => fn(c, a) c.memberships().enroll(&a.project).email(a.email.clone()).send().await?,
    }
}

/// `projects list`.
#[derive(Debug, Clone, Args)]
pub struct ProjectListArgs {
    /// Only projects with this name.
    #[arg(long)]
    pub name: Option<String>,
    /// Only projects in this state.
    #[arg(long, value_parser = known!(ProjectState))]
    pub state: Option<ProjectState>,
    /// Only projects owned by this user.
    #[arg(long)]
    pub owner: Option<Uuid>,
    /// The listing mode.
    #[arg(long, value_parser = known!(ProjectMode))]
    pub mode: Option<ProjectMode>,
}

/// One project id.
#[derive(Debug, Clone, Args)]
pub struct ProjectIdArg {
    /// The project id.
    pub project: ProjectId,
}

/// `projects create`.
#[derive(Debug, Clone, Args)]
pub struct ProjectCreateArgs {
    /// The spec as a JSON object (`-`: stdin); `name` and `end_date` are required.
    #[arg(long, value_name = "FILE|-")]
    pub spec: String,
}

/// `projects modify`.
#[derive(Debug, Clone, Args)]
pub struct ProjectModifyArgs {
    /// The project id.
    pub project: ProjectId,
    /// The changes as a JSON object (`-`: stdin).
    #[arg(long, value_name = "FILE|-")]
    pub spec: String,
}

/// `projects action`.
#[derive(Debug, Clone, Args)]
pub struct ProjectActionArgs {
    /// The project id.
    pub project: ProjectId,
    /// The action.
    #[arg(value_parser = known!(ProjectAction))]
    pub action: ProjectAction,
    /// The reason.
    #[arg(long, default_value = "")]
    pub reason: String,
}

/// `applications action`.
#[derive(Debug, Clone, Args)]
pub struct ApplicationActionArgs {
    /// The project id.
    pub project: ProjectId,
    /// The application id.
    pub application: ApplicationId,
    /// The action.
    #[arg(value_parser = known!(ApplicationAction))]
    pub action: ApplicationAction,
    /// The reason.
    #[arg(long, default_value = "")]
    pub reason: String,
}

/// `memberships list`.
#[derive(Debug, Clone, Args)]
pub struct MembershipListArgs {
    /// Only memberships of this project.
    #[arg(long)]
    pub project: Option<ProjectId>,
}

/// One membership id.
#[derive(Debug, Clone, Args)]
pub struct MembershipIdArg {
    /// The membership id.
    pub membership: MembershipId,
}

/// `memberships action`.
#[derive(Debug, Clone, Args)]
pub struct MembershipActionArgs {
    /// The membership id.
    pub membership: MembershipId,
    /// The action.
    #[arg(value_parser = known!(MembershipAction))]
    pub action: MembershipAction,
    /// The reason.
    #[arg(long, default_value = "")]
    pub reason: String,
}

/// `memberships enroll`.
#[derive(Debug, Clone, Args)]
pub struct EnrollArgs {
    /// The project id.
    pub project: ProjectId,
    /// The user's email.
    pub email: String,
}

// ---------------------------------------------------------------------------
// endpoints (offline)

family! {
    /// Offline helpers (no configuration needed).
    pub Endpoints {
        /// Filter the service catalog of an authenticate / endpoints answer
        /// (JSON, from a file or stdin).
        ///
        /// Reference: `astakosclient.parse_endpoints`.
        ParseEndpoints(ParseEndpointsArgs) => parse_endpoints_cmd,
        /// Extract the token from an Astakos cookie (the Cookie header value
        /// from a file or stdin); shows *** unless --reveal.
        ///
        /// Reference: `astakosclient.get_token_from_cookie`.
        TokenFromCookie(TokenFromCookieArgs) => token_from_cookie,
    }
}

/// `endpoints parse-endpoints`.
#[derive(Debug, Clone, Args)]
pub struct ParseEndpointsArgs {
    /// The answer JSON (`{"access": {"serviceCatalog": [...]}}`); `-`: stdin.
    #[arg(value_name = "FILE|-", default_value = "-")]
    pub file: String,
    /// Keep entries with this `name` (e.g. astakos_account).
    #[arg(long)]
    pub name: Option<String>,
    /// Keep entries with this `type`.
    #[arg(long = "type", value_name = "TYPE")]
    pub service_type: Option<String>,
    /// Keep endpoints in this region.
    #[arg(long)]
    pub region: Option<String>,
    /// Keep endpoints with this `versionId`.
    #[arg(long)]
    pub version_id: Option<String>,
}

/// `endpoints token-from-cookie`.
#[derive(Debug, Clone, Args)]
pub struct TokenFromCookieArgs {
    /// The cookie's name.
    #[arg(long)]
    pub cookie_name: String,
    /// Where the Cookie header value is (first line; `-`: stdin).
    #[arg(long, value_name = "FILE|-", default_value = "-")]
    pub from_file: String,
    /// Print the token itself (default: ***).
    #[arg(long)]
    pub reveal: bool,
}

async fn parse_endpoints_cmd(_ctx: &Context, a: ParseEndpointsArgs) -> Result<Output> {
    let info: AuthInfo = read_json(&a.file, "parse-endpoints")?;
    let f = EndpointFilter::new().maybe(a.name, |f, v| f.name(v));
    let f = f
        .maybe(a.service_type, |f, v| f.service_type(v))
        .maybe(a.region, |f, v| f.region(v));
    let f = f.maybe(a.version_id, |f, v| f.version_id(v));
    super::shown(&parse_endpoints(&info, &f)?, Some(ENDPOINTS))
}

async fn token_from_cookie(_ctx: &Context, a: TokenFromCookieArgs) -> Result<Output> {
    let header = read_secret_line(&a.from_file, "the Cookie header")?;
    let token = get_token_from_cookie(header.expose(), &a.cookie_name).ok_or_else(|| {
        let name = &a.cookie_name;
        CliError::Failed(format!(
            "no token in cookie `{name}` (absent, or its value has no `|`)"
        ))
    })?;
    let shown = if a.reveal { token.expose() } else { "***" };
    Ok(json!({"cookie": a.cookie_name, "found": true, "token": shown}).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provision_syntax() {
        let p: SourceProvision = "p1:cyclades.vm=-2".parse().unwrap();
        assert_eq!(
            (p.project.as_str(), p.resource.as_str(), p.quantity),
            ("p1", "cyclades.vm", -2)
        );
        let u: UserProvision = "u1:p1:a:b=3".parse().unwrap();
        assert_eq!((u.user.as_str(), u.resource.as_str()), ("u1", "a:b"));
        for bad in ["p1:cyclades.vm", "p1=1", "p1:cyclades.vm=x", ":r=1"] {
            let e = bad.parse::<SourceProvision>().unwrap_err();
            assert!(e.contains("PROJECT:RESOURCE=QTY"), "{bad}: {e}");
        }
        let e = "p 1:r=1".parse::<SourceProvision>().unwrap_err();
        assert!(e.contains("bad project `p 1`"), "{e}");
        let m: MoveProvision = "a:b:r=1".parse().unwrap();
        assert_eq!((m.from.as_str(), m.to.as_str()), ("a", "b"));
    }

    #[test]
    fn batch_ids_parse() {
        assert!(<Uuid as BatchId>::parse("abc").is_ok());
        assert!(<Uuid as BatchId>::parse("a,b").is_err());
    }

    #[test]
    fn dry_run_passes_only_discovery() {
        let req = |m: Method, path: &str, body: &'static [u8]| {
            let r: HttpRequest = tenantry::core::http::Request::builder()
                .method(m)
                .uri(format!("http://h{path}"))
                .body(body.into())
                .unwrap();
            Api::dry_run_passes(&r)
        };
        assert!(req(Method::POST, "/identity/v2.0/tokens", b""));
        assert!(!req(
            Method::POST,
            "/identity/v2.0/tokens",
            b"{\"auth\":{}}"
        ));
        assert!(!req(Method::POST, "/account/v1.0/commissions", b""));
        assert!(!req(Method::GET, "/identity/v2.0/tokens", b""));
    }
}
