//! `tenantry astakos`: every entry point of the Astakos client, one
//! `family!` per resource family.
//!
//! Configuration: `TENANTRY_ASTAKOS_URL` (the identity URL) and
//! `TENANTRY_ASTAKOS_TOKEN` (a user token, or a component token for the
//! service calls); `mk-provisions`, `parse-endpoints` and
//! `token-from-cookie` need neither. Ids are parsed with the client's id
//! types by clap (a bad id on the command line exits 2); ids read from files
//! or stdin are checked before anything is sent (exit 1). Tokens in answers
//! are printed as `***`.

use super::{family, nested, NoArgs};
use crate::context::{CliError, Context, Result};
use crate::output::Output;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::Args;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::fmt::Display;
use std::future::Future;
use std::io::{IsTerminal, Read};
use std::str::FromStr;
use tenantry::astakos::models::{
    ApplicationAction, AuthInfo, CommissionAction, CommissionRequest, MembershipAction, NewProject,
    ProjectAction, ProjectMode, ProjectState, QuotaCounters,
};
use tenantry::astakos::{
    get_token_from_cookie, mk_provisions, parse_endpoints, ApplicationId, AstakosClient,
    EndpointFilter, MembershipId, ProjectId, Serial, Uuid,
};
use tenantry::core::Secret;

family! {
    /// Synnefo Astakos (TENANTRY_ASTAKOS_URL, TENANTRY_ASTAKOS_TOKEN).
    #[command(after_long_help = ASTAKOS_HELP)]
    pub Astakos {
        /// Authenticate, the service catalog, token validation, OAuth2 tokens.
        #[command(subcommand)]
        Identity(Identity) => nested,
        /// User catalogs (uuid <-> display name) with a user token.
        #[command(subcommand)]
        Users(Users) => nested,
        /// User catalogs with a component (service) token.
        #[command(subcommand)]
        ServiceUsers(ServiceUsers) => nested,
        /// The registered services (components).
        #[command(subcommand)]
        Services(Services) => nested,
        /// The registered resources.
        #[command(subcommand)]
        Resources(Resources) => nested,
        /// Send feedback.
        #[command(subcommand)]
        Feedback(FeedbackCmd) => nested,
        /// Quotas: the caller's, a service's users', projects'.
        #[command(subcommand)]
        Quotas(Quotas) => nested,
        /// Commissions (component token): issue, inspect, accept, reject, resolve.
        #[command(subcommand)]
        Commissions(Commissions) => nested,
        /// Projects: list, show, create, modify, act on.
        #[command(subcommand)]
        Projects(Projects) => nested,
        /// Project applications: approve, deny, dismiss, cancel.
        #[command(subcommand)]
        Applications(Applications) => nested,
        /// Project memberships: list, show, act on, join, enroll.
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
                    (stdin), one per line (blank lines and #comments skipped), sent in chunks of
                    --chunk-size; results merged into one map.
";

// ---------------------------------------------------------------------------
// Shared helpers.

/// The client from the configuration, on the invocation's transport.
fn client(ctx: &Context) -> Result<AstakosClient> {
    let url = ctx.var("TENANTRY_ASTAKOS_URL")?;
    let token = ctx.secret("TENANTRY_ASTAKOS_TOKEN")?;
    Ok(AstakosClient::builder(url, token)
        .transport(ctx.transport())
        .build()?)
}

fn to_value<T: Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| CliError::Failed(format!("cannot render the answer: {e}")))
}

fn out<T: Serialize>(v: &T) -> Result<Output> {
    to_value(v).map(Output::value)
}

/// An authenticate/validate answer with its token masked.
fn masked_auth(info: &AuthInfo) -> Result<Output> {
    let mut v = to_value(info)?;
    if let Some(id) = v.pointer_mut("/access/token/id") {
        if !id.is_null() {
            *id = json!("***");
        }
    }
    Ok(v.into())
}

/// The whole text of `path` (`-`: stdin).
fn read_input(path: &str) -> Result<String> {
    let mut text = String::new();
    if path == "-" {
        std::io::stdin().read_to_string(&mut text)?;
    } else {
        text = std::fs::read_to_string(path)
            .map_err(|e| CliError::Invalid(format!("cannot read `{path}`: {e}")))?;
    }
    Ok(text)
}

/// The first line of `path` (`-`: stdin), as a secret.
fn read_secret_line(path: &str, what: &str) -> Result<Secret> {
    let text = read_input(path)?;
    let line = text.lines().next().unwrap_or_default().trim();
    if line.is_empty() {
        let from = if path == "-" { "stdin" } else { path };
        return Err(CliError::Invalid(format!(
            "{what}: the first line of {from} is empty"
        )));
    }
    Ok(Secret::new(line))
}

/// A JSON document from `path` (`-`: stdin).
fn read_json<T: serde::de::DeserializeOwned>(path: &str, what: &str) -> Result<T> {
    let text = read_input(path)?;
    serde_json::from_str(&text).map_err(|e| {
        let from = if path == "-" { "stdin" } else { path };
        CliError::Invalid(format!("{what}: {from} is not valid JSON for it: {e}"))
    })
}

/// An `astakos_client` string enum usable as a clap value (only its known
/// values are accepted).
trait Wire: Clone + Send + Sync + 'static + for<'a> From<&'a str> {
    fn known() -> &'static [Self];
    fn wire(&self) -> &str;
}

macro_rules! wire {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            fn known() -> &'static [Self] {
                <$t>::KNOWN
            }
            fn wire(&self) -> &str {
                self.as_str()
            }
        }
    )*};
}
wire!(
    ProjectState,
    ProjectMode,
    ProjectAction,
    ApplicationAction,
    MembershipAction,
    CommissionAction
);

fn known<T: Wire>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(T::known().iter().map(Wire::wire)).map(|s| T::from(s.as_str()))
}

/// A value on the command line, or `-` for "read them from stdin".
#[derive(Debug, Clone)]
pub enum Arg<T> {
    /// `-`.
    Stdin,
    /// A value.
    Value(T),
}

impl<T: FromStr> FromStr for Arg<T>
where
    T::Err: Display,
{
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if s == "-" {
            Ok(Arg::Stdin)
        } else {
            s.parse().map(Arg::Value).map_err(|e: T::Err| e.to_string())
        }
    }
}

/// Collects the ids of a batch lookup: the arguments, then each file, one
/// per line (blank lines and `#` comments skipped), parsed with `parse`;
/// order kept, duplicates dropped. Nothing is sent before they all parse.
fn collect_ids<T: Clone + PartialEq>(
    args: &[Arg<T>],
    files: &[String],
    parse: impl Fn(&str) -> std::result::Result<T, String>,
) -> Result<Vec<T>> {
    let mut ids: Vec<T> = Vec::new();
    let mut push = |v: T| {
        if !ids.contains(&v) {
            ids.push(v);
        }
    };
    let mut sources: Vec<&str> = Vec::new();
    for a in args {
        match a {
            Arg::Value(v) => push(v.clone()),
            Arg::Stdin => sources.push("-"),
        }
    }
    sources.extend(files.iter().map(String::as_str));
    let mut stdin_read = false;
    for src in sources {
        if src == "-" {
            if stdin_read {
                continue;
            }
            stdin_read = true;
        }
        let text = read_input(src)?;
        let name = if src == "-" { "stdin" } else { src };
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let v = parse(line)
                .map_err(|e| CliError::Invalid(format!("{name}, line {}: `{line}`: {e}", n + 1)))?;
            push(v);
        }
    }
    if ids.is_empty() {
        return Err(CliError::Invalid(
            "nothing to look up: give ids as arguments, --from-file FILE, or `-` for stdin".into(),
        ));
    }
    Ok(ids)
}

/// Runs `fetch` over `ids` in chunks of `chunk_size`, one chunk at a time,
/// and merges the answers. With more than one chunk and stderr a terminal, a
/// progress bar shows on stderr.
async fn chunked_lookup<I, K, V, F, Fut>(
    ctx: &Context,
    ids: Vec<I>,
    chunk_size: usize,
    what: &'static str,
    mut fetch: F,
) -> Result<BTreeMap<K, V>>
where
    I: Clone,
    K: Ord,
    F: FnMut(Vec<I>) -> Fut,
    Fut: Future<Output = tenantry::astakos::Result<BTreeMap<K, V>>>,
{
    let chunk_size = chunk_size.max(1);
    let chunks: Vec<Vec<I>> = ids.chunks(chunk_size).map(<[I]>::to_vec).collect();
    let bar = if chunks.len() > 1 && std::io::stderr().is_terminal() {
        let bar = ctx
            .progress()
            .add(indicatif::ProgressBar::new(ids.len() as u64));
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ids")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_message(what);
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut merged = BTreeMap::new();
    for chunk in chunks {
        let n = chunk.len() as u64;
        let answer = fetch(chunk).await;
        let answer = match answer {
            Ok(a) => a,
            Err(e) => {
                bar.abandon();
                return Err(e.into());
            }
        };
        merged.extend(answer);
        bar.inc(n);
    }
    bar.finish_and_clear();
    Ok(merged)
}

/// A map of objects as rows, the key under `key` first.
fn rows_of(map: Value, key: &str) -> Value {
    match map {
        Value::Object(m) => Value::Array(
            m.into_iter()
                .map(|(k, v)| {
                    let mut row = Map::new();
                    row.insert(key.to_owned(), json!(k));
                    match v {
                        Value::Object(fields) => row.extend(fields),
                        other => {
                            row.insert("value".into(), other);
                        }
                    }
                    Value::Object(row)
                })
                .collect(),
        ),
        other => other,
    }
}

// ---------------------------------------------------------------------------
// identity

family! {
    /// Authenticate, the service catalog, token validation, OAuth2 tokens.
    pub Identity {
        /// `authenticate`: POST tokens with the configured token; shows the user,
        /// the catalog and the token's facts (the token itself as ***).
        Authenticate(AuthenticateArgs) => authenticate,
        /// `get_endpoints`: the public service catalog (bodyless POST tokens).
        Endpoints(EndpointsArgs) => endpoints,
        /// `validate_token`: validate an OAuth2 access token (read from a file or stdin).
        ValidateToken(ValidateTokenArgs) => validate_token,
        /// `get_token`: exchange an OAuth2 authorization code for an access token
        /// (client secret from TENANTRY_ASTAKOS_OAUTH2_CLIENT_SECRET).
        Oauth2Token(Oauth2TokenArgs) => oauth2_token,
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

fn key_value(s: &str) -> std::result::Result<(String, String), String> {
    s.split_once('=')
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected KEY=VALUE, got `{s}`"))
}

async fn authenticate(ctx: &Context, args: AuthenticateArgs) -> Result<Output> {
    let c = client(ctx)?;
    let mut req = c.identity().authenticate();
    if let Some(t) = args.tenant_name {
        req = req.tenant_name(t);
    }
    masked_auth(&req.send().await?)
}

async fn endpoints(ctx: &Context, args: EndpointsArgs) -> Result<Output> {
    let c = client(ctx)?;
    let mut req = c.identity().endpoints();
    if args.include_oauth2 {
        req = req.include_oauth2();
    }
    masked_auth(&req.send().await?)
}

async fn validate_token(ctx: &Context, args: ValidateTokenArgs) -> Result<Output> {
    let token =
        crate::context::remember(read_secret_line(&args.token_file, "the token to validate")?);
    let c = client(ctx)?;
    let mut req = c.identity().validate_token(&token);
    if let Some(b) = args.belongs_to {
        req = req.belongs_to(b);
    }
    match req.send().await? {
        Some(info) => masked_auth(&info),
        None => Ok(Value::Null.into()),
    }
}

async fn oauth2_token(ctx: &Context, args: Oauth2TokenArgs) -> Result<Output> {
    let secret = ctx.secret_env("TENANTRY_ASTAKOS_OAUTH2_CLIENT_SECRET")?;
    let code = match &args.code_file {
        Some(f) => Some(crate::context::remember(read_secret_line(
            f,
            "the authorization code",
        )?)),
        None => None,
    };
    let c = client(ctx)?;
    let mut req = c
        .identity()
        .oauth2_token(args.client_id, secret)
        .grant_type(args.grant_type);
    if let Some(code) = code {
        req = req.code(code);
    }
    if let Some(uri) = args.redirect_uri {
        req = req.redirect_uri(uri);
    }
    for (k, v) in args.param {
        req = req.param(k, Secret::new(v));
    }
    let token = req.send().await?;
    let mut v = to_value(&token)?;
    if !args.reveal {
        if let Some(t) = v.get_mut("access_token").filter(|t| !t.is_null()) {
            *t = json!("***");
        }
    }
    Ok(v.into())
}

// ---------------------------------------------------------------------------
// users / service-users

family! {
    /// User catalogs (uuid <-> display name), with a user token.
    pub Users {
        /// `get_usernames`: uuid -> display name for many uuids (chunked).
        Usernames(UuidBatchArgs) => users_usernames,
        /// `get_username`: the display name of one uuid (unknown: exit 1).
        Username(UuidArg) => users_username,
        /// `get_uuids`: display name -> uuid for many names (chunked).
        Uuids(NameBatchArgs) => users_uuids,
        /// `get_uuid`: the uuid of one display name (unknown: exit 1).
        Uuid(NameArg) => users_uuid,
    }
}

family! {
    /// User catalogs with a component (service) token.
    pub ServiceUsers {
        /// `service_get_usernames`: uuid -> display name for many uuids (chunked).
        Usernames(UuidBatchArgs) => service_usernames,
        /// `service_get_username`: the display name of one uuid (unknown: exit 1).
        Username(UuidArg) => service_username,
        /// `service_get_uuids`: display name -> uuid for many names (chunked).
        Uuids(NameBatchArgs) => service_uuids,
        /// `service_get_uuid`: the uuid of one display name (unknown: exit 1).
        Uuid(NameArg) => service_uuid,
    }
}

/// A batch of uuids.
#[derive(Debug, Clone, Args)]
pub struct UuidBatchArgs {
    /// User uuids; `-` reads more from stdin, one per line.
    #[arg(value_name = "UUID|-", required_unless_present = "from_file")]
    pub uuids: Vec<Arg<Uuid>>,
    /// Read uuids from FILE (`-`: stdin), one per line (repeatable).
    #[arg(long, value_name = "FILE|-")]
    pub from_file: Vec<String>,
    /// At most this many ids per request.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    pub chunk_size: u32,
}

/// A batch of display names.
#[derive(Debug, Clone, Args)]
pub struct NameBatchArgs {
    /// Display names (emails); `-` reads more from stdin, one per line.
    #[arg(value_name = "NAME|-", required_unless_present = "from_file")]
    pub names: Vec<Arg<String>>,
    /// Read display names from FILE (`-`: stdin), one per line (repeatable).
    #[arg(long, value_name = "FILE|-")]
    pub from_file: Vec<String>,
    /// At most this many names per request.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    pub chunk_size: u32,
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

async fn usernames(ctx: &Context, args: UuidBatchArgs, service: bool) -> Result<Output> {
    let ids = collect_ids(&args.uuids, &args.from_file, |s| {
        Uuid::new(s).map_err(|e| e.to_string())
    })?;
    let c = client(ctx)?;
    let cat = if service {
        c.service_users()
    } else {
        c.users()
    };
    let merged = chunked_lookup(
        ctx,
        ids,
        args.chunk_size as usize,
        "usernames",
        |chunk| async move { cat.usernames(&chunk).await },
    )
    .await?;
    out(&merged)
}

async fn uuids(ctx: &Context, args: NameBatchArgs, service: bool) -> Result<Output> {
    let names = collect_ids(&args.names, &args.from_file, |s| Ok(s.to_owned()))?;
    let c = client(ctx)?;
    let cat = if service {
        c.service_users()
    } else {
        c.users()
    };
    let merged = chunked_lookup(
        ctx,
        names,
        args.chunk_size as usize,
        "uuids",
        |chunk| async move { cat.uuids(&chunk).await },
    )
    .await?;
    out(&merged)
}

async fn username(ctx: &Context, args: UuidArg, service: bool) -> Result<Output> {
    let c = client(ctx)?;
    let cat = if service {
        c.service_users()
    } else {
        c.users()
    };
    out(&cat.username(&args.uuid).await?)
}

async fn uuid(ctx: &Context, args: NameArg, service: bool) -> Result<Output> {
    let c = client(ctx)?;
    let cat = if service {
        c.service_users()
    } else {
        c.users()
    };
    out(&cat.uuid(&args.name).await?)
}

async fn users_usernames(ctx: &Context, a: UuidBatchArgs) -> Result<Output> {
    usernames(ctx, a, false).await
}
async fn users_username(ctx: &Context, a: UuidArg) -> Result<Output> {
    username(ctx, a, false).await
}
async fn users_uuids(ctx: &Context, a: NameBatchArgs) -> Result<Output> {
    uuids(ctx, a, false).await
}
async fn users_uuid(ctx: &Context, a: NameArg) -> Result<Output> {
    uuid(ctx, a, false).await
}
async fn service_usernames(ctx: &Context, a: UuidBatchArgs) -> Result<Output> {
    usernames(ctx, a, true).await
}
async fn service_username(ctx: &Context, a: UuidArg) -> Result<Output> {
    username(ctx, a, true).await
}
async fn service_uuids(ctx: &Context, a: NameBatchArgs) -> Result<Output> {
    uuids(ctx, a, true).await
}
async fn service_uuid(ctx: &Context, a: NameArg) -> Result<Output> {
    uuid(ctx, a, true).await
}

// ---------------------------------------------------------------------------
// services, resources, feedback

family! {
    /// The registered services (components).
    pub Services {
        /// `get_services`: the services and their URLs (UI get_services).
        List(NoArgs) => services_list,
    }
}

family! {
    /// The registered resources.
    pub Resources {
        /// `get_resources`: one row per resource.
        List(NoArgs) => resources_list,
    }
}

family! {
    /// Send feedback.
    pub FeedbackCmd {
        /// `send_feedback`: a message and optional data, as the configured user.
        Send(FeedbackArgs) => feedback_send,
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

async fn services_list(ctx: &Context, _: NoArgs) -> Result<Output> {
    out(&client(ctx)?.services().list().await?)
}

async fn resources_list(ctx: &Context, _: NoArgs) -> Result<Output> {
    let map = client(ctx)?.resources().list().await?;
    Ok(rows_of(to_value(&map)?, "name").into())
}

async fn feedback_send(ctx: &Context, args: FeedbackArgs) -> Result<Output> {
    client(ctx)?
        .feedback()
        .send(&args.message, &args.data)
        .await?;
    Ok(json!({"sent": true, "message": args.message}).into())
}

// ---------------------------------------------------------------------------
// quotas

family! {
    /// Quotas: one row per holding (source, resource, limit, usage, pending),
    /// or the answer as the API gives it with --raw.
    pub Quotas {
        /// `get_quotas`: the caller's quotas (user token).
        Get(QuotaGetArgs) => quotas_get,
        /// `service_get_quotas`: quotas of the service's users (component token).
        Service(ServiceQuotaArgs) => quotas_service,
        /// `service_get_project_quotas`: project quotas (component token).
        Project(ProjectQuotaArgs) => quotas_project,
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

/// `quotas get`.
#[derive(Debug, Clone, Args)]
pub struct QuotaGetArgs {
    #[command(flatten)]
    pub view: QuotaView,
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

/// Rows `{<prefix columns>, resource, counters...}` from
/// `source -> resource -> counters`.
fn quota_rows(
    rows: &mut Vec<Value>,
    prefix: &[(&str, &str)],
    source_key: &str,
    map: &BTreeMap<ProjectId, BTreeMap<String, QuotaCounters>>,
    only: Option<&str>,
) -> Result<()> {
    for (source, resources) in map {
        for (resource, counters) in resources {
            if only.is_some_and(|r| r != resource) {
                continue;
            }
            let mut row = Map::new();
            for (k, v) in prefix {
                row.insert((*k).to_owned(), json!(v));
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

async fn quotas_get(ctx: &Context, args: QuotaGetArgs) -> Result<Output> {
    let q = client(ctx)?.quotas().get().await?;
    if args.view.raw {
        return out(&q);
    }
    let mut rows = Vec::new();
    quota_rows(&mut rows, &[], "source", &q, args.view.resource.as_deref())?;
    Ok(Value::Array(rows).into())
}

async fn quotas_service(ctx: &Context, args: ServiceQuotaArgs) -> Result<Output> {
    let c = client(ctx)?;
    // An empty filter would still be sent (`user=`) and match nothing.
    let mut req = c.quotas().service_quotas();
    if !args.user.is_empty() {
        req = req.users(args.user);
    }
    if !args.project.is_empty() {
        req = req.projects(args.project);
    }
    let q = req.send().await?;
    if args.view.raw {
        return out(&q);
    }
    let mut rows = Vec::new();
    for (user, by_source) in &q {
        quota_rows(
            &mut rows,
            &[("user", user.as_str())],
            "source",
            by_source,
            args.view.resource.as_deref(),
        )?;
    }
    Ok(Value::Array(rows).into())
}

async fn quotas_project(ctx: &Context, args: ProjectQuotaArgs) -> Result<Output> {
    let c = client(ctx)?;
    let mut req = c.quotas().project_quotas();
    if !args.project.is_empty() {
        req = req.projects(args.project);
    }
    let q = req.send().await?;
    if args.view.raw {
        return out(&q);
    }
    let mut rows = Vec::new();
    quota_rows(&mut rows, &[], "project", &q, args.view.resource.as_deref())?;
    Ok(Value::Array(rows).into())
}

// ---------------------------------------------------------------------------
// commissions

family! {
    /// Commissions (component token). Provisions are repeated flags
    /// (`PROJECT:RESOURCE=QTY` and friends, see each command) or, for
    /// issue-request, a JSON request.
    pub Commissions {
        /// `_issue_commission`: issue a request given as JSON
        /// ({"force","auto_accept","name","provisions":[{"holder","source","resource","quantity"}]}).
        IssueRequest(IssueRequestArgs) => issue_request,
        /// `issue_commission_generic`: user and project provisions.
        IssueGeneric(IssueGenericArgs) => issue_generic,
        /// `issue_one_commission`: provisions for one user holder.
        IssueOne(IssueOneArgs) => issue_one,
        /// `issue_resource_reassignment`: move a user's usage between projects.
        Reassign(ReassignArgs) => reassign,
        /// `mk_provisions` (offline): the provision pair of one user holding.
        MkProvisions(MkProvisionsArgs) => mk_provisions_cmd,
        /// `get_pending_commissions`: the serials of the pending commissions.
        Pending(NoArgs) => pending,
        /// `get_commission_info`: one commission.
        Info(SerialArg) => info,
        /// `commission_action`: accept or reject one commission.
        Action(CommissionActionArgs) => action,
        /// `accept_commission`.
        Accept(SerialArg) => accept,
        /// `reject_commission`.
        Reject(SerialArg) => reject,
        /// `resolve_commissions`: accept and reject many at once.
        Resolve(ResolveArgs) => resolve,
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

impl FromStr for SourceProvision {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (f, quantity) = split_provision(s, 2, "PROJECT:RESOURCE=QTY")?;
        Ok(SourceProvision {
            project: id_field(&f[0], "project")?,
            resource: f[1].clone(),
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

impl FromStr for UserProvision {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (f, quantity) = split_provision(s, 3, "USER:PROJECT:RESOURCE=QTY")?;
        Ok(UserProvision {
            user: id_field(&f[0], "user")?,
            project: id_field(&f[1], "project")?,
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

impl FromStr for MoveProvision {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (f, quantity) = split_provision(s, 3, "FROM_PROJECT:TO_PROJECT:RESOURCE=QTY")?;
        Ok(MoveProvision {
            from: id_field(&f[0], "project")?,
            to: id_field(&f[1], "project")?,
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
    #[arg(value_parser = known::<CommissionAction>())]
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

fn serial_out(serial: Serial) -> Result<Output> {
    Ok(json!({ "serial": serial }).into())
}

async fn issue_request(ctx: &Context, args: IssueRequestArgs) -> Result<Output> {
    let req: CommissionRequest = read_json(&args.request, "--request")?;
    let c = client(ctx)?;
    serial_out(c.commissions().issue_request(&req).await?)
}

async fn issue_generic(ctx: &Context, args: IssueGenericArgs) -> Result<Output> {
    let c = client(ctx)?;
    let mut b = c.commissions().issue_generic();
    for p in &args.user_provision {
        b = b.user_provision((&p.user, &p.project, p.resource.as_str()), p.quantity);
    }
    for p in &args.project_provision {
        b = b.project_provision((&p.project, p.resource.as_str()), p.quantity);
    }
    let e = args.envelope;
    serial_out(
        b.name(e.name)
            .force(e.force)
            .auto_accept(e.auto_accept)
            .send()
            .await?,
    )
}

async fn issue_one(ctx: &Context, args: IssueOneArgs) -> Result<Output> {
    let c = client(ctx)?;
    let mut b = c.commissions().issue_one(&args.holder);
    for p in &args.provision {
        b = b.provision((&p.project, p.resource.as_str()), p.quantity);
    }
    let e = args.envelope;
    serial_out(
        b.name(e.name)
            .force(e.force)
            .auto_accept(e.auto_accept)
            .send()
            .await?,
    )
}

async fn reassign(ctx: &Context, args: ReassignArgs) -> Result<Output> {
    let c = client(ctx)?;
    let mut b = c.commissions().reassign(&args.holder);
    for p in &args.provision {
        b = b.provision((&p.from, &p.to, p.resource.as_str()), p.quantity);
    }
    let e = args.envelope;
    serial_out(
        b.name(e.name)
            .force(e.force)
            .auto_accept(e.auto_accept)
            .send()
            .await?,
    )
}

async fn mk_provisions_cmd(_ctx: &Context, args: MkProvisionsArgs) -> Result<Output> {
    out(&mk_provisions(
        &args.holder,
        &args.source,
        &args.resource,
        args.quantity,
    ))
}

async fn pending(ctx: &Context, _: NoArgs) -> Result<Output> {
    out(&client(ctx)?.commissions().pending().await?)
}

async fn info(ctx: &Context, args: SerialArg) -> Result<Output> {
    out(&client(ctx)?.commissions().info(args.serial).await?)
}

async fn action(ctx: &Context, args: CommissionActionArgs) -> Result<Output> {
    client(ctx)?
        .commissions()
        .action(args.serial, args.action.clone())
        .await?;
    Ok(json!({"serial": args.serial, "action": args.action.as_str(), "done": true}).into())
}

async fn accept(ctx: &Context, args: SerialArg) -> Result<Output> {
    client(ctx)?.commissions().accept(args.serial).await?;
    Ok(json!({"serial": args.serial, "action": "accept", "done": true}).into())
}

async fn reject(ctx: &Context, args: SerialArg) -> Result<Output> {
    client(ctx)?.commissions().reject(args.serial).await?;
    Ok(json!({"serial": args.serial, "action": "reject", "done": true}).into())
}

async fn resolve(ctx: &Context, args: ResolveArgs) -> Result<Output> {
    if args.accept.is_empty() && args.reject.is_empty() {
        return Err(CliError::Invalid(
            "resolve: give --accept and/or --reject serials".into(),
        ));
    }
    out(&client(ctx)?
        .commissions()
        .resolve(&args.accept, &args.reject)
        .await?)
}

// ---------------------------------------------------------------------------
// projects, applications, memberships

family! {
    /// Projects.
    pub Projects {
        /// `get_projects`: the projects visible to the caller, filtered.
        List(ProjectListArgs) => projects_list,
        /// `get_project`: one project.
        Get(ProjectIdArg) => projects_get,
        /// `create_project`: submit an application for a new project (spec as JSON).
        Create(ProjectCreateArgs) => projects_create,
        /// `modify_project`: submit a modification (spec as JSON: only the keys to change).
        Modify(ProjectModifyArgs) => projects_modify,
        /// `project_action`: terminate, suspend, unsuspend or reinstate.
        Action(ProjectActionArgs) => projects_action,
    }
}

family! {
    /// Project applications.
    pub Applications {
        /// `application_action`: approve, deny, dismiss or cancel an application.
        Action(ApplicationActionArgs) => applications_action,
    }
}

family! {
    /// Project memberships.
    pub Memberships {
        /// `get_memberships`: the memberships visible to the caller.
        List(MembershipListArgs) => memberships_list,
        /// `get_membership`: one membership.
        Get(MembershipIdArg) => memberships_get,
        /// `membership_action`: leave, cancel, accept, reject or remove.
        Action(MembershipActionArgs) => memberships_action,
        /// `join_project`: ask to join a project.
        Join(ProjectIdArg) => memberships_join,
        /// `enroll_member`: enroll a user (by email) in a project.
        Enroll(EnrollArgs) => memberships_enroll,
    }
}

/// `projects list`.
#[derive(Debug, Clone, Args)]
pub struct ProjectListArgs {
    /// Only projects with this name.
    #[arg(long)]
    pub name: Option<String>,
    /// Only projects in this state.
    #[arg(long, value_parser = known::<ProjectState>())]
    pub state: Option<ProjectState>,
    /// Only projects owned by this user.
    #[arg(long)]
    pub owner: Option<Uuid>,
    /// The listing mode.
    #[arg(long, value_parser = known::<ProjectMode>())]
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
    #[arg(value_parser = known::<ProjectAction>())]
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
    #[arg(value_parser = known::<ApplicationAction>())]
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
    #[arg(value_parser = known::<MembershipAction>())]
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

async fn projects_list(ctx: &Context, args: ProjectListArgs) -> Result<Output> {
    let c = client(ctx)?;
    let mut req = c.projects().list();
    if let Some(v) = args.name {
        req = req.name(v);
    }
    if let Some(v) = args.state {
        req = req.state(v);
    }
    if let Some(v) = args.owner {
        req = req.owner(v);
    }
    if let Some(v) = args.mode {
        req = req.mode(v);
    }
    out(&req.send().await?)
}

async fn projects_get(ctx: &Context, args: ProjectIdArg) -> Result<Output> {
    out(&client(ctx)?.projects().get(&args.project).await?)
}

async fn projects_create(ctx: &Context, args: ProjectCreateArgs) -> Result<Output> {
    let spec: NewProject = read_json(&args.spec, "--spec")?;
    out(&client(ctx)?.projects().create(&spec).await?)
}

async fn projects_modify(ctx: &Context, args: ProjectModifyArgs) -> Result<Output> {
    let spec: NewProject = read_json(&args.spec, "--spec")?;
    out(&client(ctx)?.projects().modify(&args.project, &spec).await?)
}

async fn projects_action(ctx: &Context, args: ProjectActionArgs) -> Result<Output> {
    client(ctx)?
        .projects()
        .action(&args.project, args.action.clone())
        .reason(args.reason)
        .send()
        .await?;
    Ok(
        json!({"project": args.project.as_str(), "action": args.action.as_str(), "done": true})
            .into(),
    )
}

async fn applications_action(ctx: &Context, args: ApplicationActionArgs) -> Result<Output> {
    client(ctx)?
        .applications()
        .action(&args.project, args.application)
        .action(args.action.clone())
        .reason(args.reason)
        .send()
        .await?;
    Ok(json!({
        "project": args.project.as_str(),
        "application": args.application,
        "action": args.action.as_str(),
        "done": true,
    })
    .into())
}

async fn memberships_list(ctx: &Context, args: MembershipListArgs) -> Result<Output> {
    let c = client(ctx)?;
    let mut req = c.memberships().list();
    if let Some(p) = args.project {
        req = req.project(p);
    }
    out(&req.send().await?)
}

async fn memberships_get(ctx: &Context, args: MembershipIdArg) -> Result<Output> {
    out(&client(ctx)?.memberships().get(args.membership).await?)
}

async fn memberships_action(ctx: &Context, args: MembershipActionArgs) -> Result<Output> {
    client(ctx)?
        .memberships()
        .action(args.membership, args.action.clone())
        .reason(args.reason)
        .send()
        .await?;
    Ok(json!({"membership": args.membership, "action": args.action.as_str(), "done": true}).into())
}

async fn memberships_join(ctx: &Context, args: ProjectIdArg) -> Result<Output> {
    out(&client(ctx)?.memberships().join(&args.project).await?)
}

async fn memberships_enroll(ctx: &Context, args: EnrollArgs) -> Result<Output> {
    out(&client(ctx)?
        .memberships()
        .enroll(&args.project)
        .email(args.email)
        .send()
        .await?)
}

// ---------------------------------------------------------------------------
// endpoints (offline)

family! {
    /// Offline helpers (no configuration needed).
    pub Endpoints {
        /// `parse_endpoints`: filter the service catalog of an authenticate /
        /// get_endpoints answer (JSON, from a file or stdin).
        ParseEndpoints(ParseEndpointsArgs) => parse_endpoints_cmd,
        /// `get_token_from_cookie`: the token in an Astakos cookie; the Cookie
        /// header value is read from a file or stdin. Shows *** unless --reveal.
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

async fn parse_endpoints_cmd(_ctx: &Context, args: ParseEndpointsArgs) -> Result<Output> {
    let info: AuthInfo = read_json(&args.file, "parse-endpoints")?;
    let mut f = EndpointFilter::new();
    if let Some(v) = args.name {
        f = f.name(v);
    }
    if let Some(v) = args.service_type {
        f = f.service_type(v);
    }
    if let Some(v) = args.region {
        f = f.region(v);
    }
    if let Some(v) = args.version_id {
        f = f.version_id(v);
    }
    out(&parse_endpoints(&info, &f)?)
}

async fn token_from_cookie(_ctx: &Context, args: TokenFromCookieArgs) -> Result<Output> {
    let header = read_secret_line(&args.from_file, "the Cookie header")?;
    let token = get_token_from_cookie(header.expose(), &args.cookie_name).ok_or_else(|| {
        CliError::Failed(format!(
            "no token in cookie `{}` (absent, or its value has no `|`)",
            args.cookie_name
        ))
    })?;
    let shown = if args.reveal { token.expose() } else { "***" };
    Ok(json!({"cookie": args.cookie_name, "found": true, "token": shown}).into())
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
    fn stdin_marker_and_ids() {
        assert!(matches!("-".parse::<Arg<Uuid>>(), Ok(Arg::Stdin)));
        assert!(matches!("abc".parse::<Arg<Uuid>>(), Ok(Arg::Value(_))));
        assert!("a,b".parse::<Arg<Uuid>>().is_err());
        let ids = collect_ids(
            &[
                Arg::Value(Uuid::new("a").unwrap()),
                Arg::Value(Uuid::new("a").unwrap()),
            ],
            &[],
            |s| Uuid::new(s).map_err(|e| e.to_string()),
        )
        .unwrap();
        assert_eq!(ids.len(), 1);
    }

    #[test]
    fn rows_keep_the_key() {
        let v = rows_of(json!({"a": {"x": 1}, "b": 2}), "name");
        assert_eq!(v, json!([{"name": "a", "x": 1}, {"name": "b", "value": 2}]));
    }
}
