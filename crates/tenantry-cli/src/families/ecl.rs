//! `tenantry ecl`: every operation of the NTT Enterprise Cloud 2.0 SSS v1
//! client (the reference's 32, `eclsdk` 1.11.1 `ecl.sss.v1`), one
//! `family!` per resource family, each command declared once.
//!
//! Configuration (lowest precedence first): the profile's `[ecl]` table,
//! the `TENANTRY_ECL_*` variables then the ECL tools' own `OS_*` ones,
//! the `tenantry ecl` flags (`--auth-url`, `--username`, `--project-id`,
//! `--region`, `--interface`, `--endpoint`, `--service-type`). The API
//! secret comes from `TENANTRY_ECL_PASSWORD` / `OS_PASSWORD`,
//! `password_cmd` or `--secret-stdin`, never from an argument. Ids are
//! parsed with the client's id types (a bad id exits 2 before anything is
//! sent); credentials in answers print as `***`.

use super::{cols, family, nested, Cols, Family, Maybe, NoArgs, Service};
use crate::context::{CliError, Context, Result};
use crate::input::{read_json, read_secret_line};
use crate::output::Output;
use clap::Args;
use serde_json::{json, Value};
use std::str::FromStr;
use std::sync::Arc;
use tenantry::core::http::Method;
use tenantry::core::transport::{HttpRequest, HttpResponse, TransportError};
use tenantry::core::HttpTransport;
use tenantry::ecl::models::{IamResource, IamVerb};
use tenantry::ecl::{
    BillingMonth, ChannelId, ContractId, EclSssClient, IamGroupId, IamRoleId, TenantId, UserId,
};

/// The ECL SSS service: its client from the configuration.
#[derive(Debug)]
pub struct Sss;

impl Service for Sss {
    type Client = EclSssClient;

    fn client(ctx: &Context, transport: Arc<dyn HttpTransport>) -> Result<EclSssClient> {
        let url = ctx.var("TENANTRY_ECL_AUTH_URL")?;
        let username = ctx.var("TENANTRY_ECL_USERNAME")?;
        let project = ctx.var("TENANTRY_ECL_PROJECT_ID")?;
        let project = TenantId::new(project.trim()).map_err(|e| {
            CliError::Invalid(format!(
                "the project (tenant) id TENANTRY_ECL_PROJECT_ID: {e}"
            ))
        })?;
        let password = ctx.secret("TENANTRY_ECL_PASSWORD")?;
        let b = EclSssClient::builder(url)
            .username(username)
            .password(password)
            .project_id(project)
            .transport(Arc::new(RememberTokens(transport)));
        let b = b.maybe(ctx.var_opt("TENANTRY_ECL_USER_DOMAIN_ID"), |b, v| {
            b.user_domain_id(v)
        });
        let b = b.maybe(ctx.var_opt("TENANTRY_ECL_REGION"), |b, v| b.region(v));
        let b = b.maybe(ctx.var_opt("TENANTRY_ECL_INTERFACE"), |b, v| b.interface(v));
        let b = b.maybe(ctx.var_opt("TENANTRY_ECL_SERVICE_TYPE"), |b, v| {
            b.service_type(v)
        });
        let b = b.maybe(ctx.var_opt("TENANTRY_ECL_ENDPOINT"), |b, v| {
            b.endpoint_override(v)
        });
        Ok(b.build()?)
    }

    /// Only the Keystone login the SSS URL and token come from: the
    /// tokenless version discovery `GET {auth_url}` and `POST
    /// …/auth/tokens` (it creates a token, which changes nothing in SSS).
    fn dry_run_passes(request: &HttpRequest) -> bool {
        let path = request.uri().path();
        let tokenless = !request.headers().contains_key("x-auth-token");
        match *request.method() {
            Method::GET => tokenless && !path.contains("/api/"),
            Method::POST => tokenless && path.ends_with("/auth/tokens"),
            _ => false,
        }
    }
}

/// The transport of the ECL client: registers each Keystone token it
/// receives (`X-Subject-Token`) with the output scrubber, so an answer that
/// echoes the token (in a field the model keeps, in an error) never prints
/// it.
#[derive(Debug)]
struct RememberTokens(Arc<dyn HttpTransport>);

#[async_trait::async_trait]
impl HttpTransport for RememberTokens {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let response = self.0.send(request).await?;
        if let Some(token) = response.headers().get("x-subject-token") {
            if let Ok(token) = token.to_str() {
                crate::context::remember(tenantry::core::Secret::new(token));
            }
        }
        Ok(response)
    }
}

// Key columns of each resource (then the ones `-o wide` adds).
const USERS: Cols = cols!(user_id login_id mail_address contract_owner; contract_id keystone_name
    keystone_password password keystone_endpoint sss_endpoint login_integration
    external_reference_id start_time);
const TENANTS: Cols = cols!(tenant_id tenant_name region description; contract_id start_time);
const ROLES: Cols = cols!(user_id tenant_id tenant_name role_name; region_id region_name);
const API_KEYS: Cols = cols!(user_id keystone_name keystone_password status);
const CHANNELS: Cols = cols!(channel_id channel_name language management_channel;
    parent_channel_id contracts);
const CONTRACTS: Cols = cols!(contract_id status channel_id customer_number
    contract_owner_user_id; customer_name channel_name management_channel start_time end_time
    login_id mail_address user_id keystone_name keystone_password password);
const BILLING: Cols = cols!(contract_id charge_status cycle_start_time cycle_end_time;
    owner_contract_id customer_number charge_data);
const IAM_GROUPS: Cols = cols!(iam_group_id iam_group_name description iam_roles; contract_id);
const IAM_GROUP_USERS: Cols = cols!(iam_group_id iam_group_name description users);
const IAM_ROLES: Cols = cols!(iam_role_id iam_role_name description resources; contract_id);

/// The flags of `tenantry ecl`: each overrides its setting (config file,
/// `TENANTRY_ECL_*`, `OS_*`).
#[derive(Debug, Clone, Default, Args)]
pub struct EclFlags {
    /// Keystone auth URL [TENANTRY_ECL_AUTH_URL, OS_AUTH_URL; config: url].
    #[arg(long, value_name = "URL")]
    pub auth_url: Option<String>,
    /// API key, the Keystone user name [TENANTRY_ECL_USERNAME, OS_USERNAME; config: user].
    #[arg(long, value_name = "API_KEY")]
    pub username: Option<String>,
    /// Tenant (project) id to scope the token to [TENANTRY_ECL_PROJECT_ID,
    /// OS_PROJECT_ID; config: project].
    #[arg(long, value_name = "TENANT_ID")]
    pub project_id: Option<String>,
    /// User domain id [TENANTRY_ECL_USER_DOMAIN_ID, OS_USER_DOMAIN_ID;
    /// default: default].
    #[arg(long, value_name = "DOMAIN")]
    pub user_domain_id: Option<String>,
    /// Catalog region [TENANTRY_ECL_REGION, OS_REGION_NAME; default: the
    /// first match].
    #[arg(long)]
    pub region: Option<String>,
    /// Catalog interface [TENANTRY_ECL_INTERFACE, OS_INTERFACE; default: public].
    #[arg(long)]
    pub interface: Option<String>,
    /// Catalog service type [TENANTRY_ECL_SERVICE_TYPE; default: sss].
    #[arg(long)]
    pub service_type: Option<String>,
    /// Use this SSS URL instead of the catalog's [TENANTRY_ECL_ENDPOINT,
    /// ECL_SSS_ENDPOINT].
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
}

/// `tenantry ecl [FLAGS] <resource> <verb>`.
#[derive(Debug, Args)]
#[command(after_long_help = ECL_HELP)]
pub struct EclCmd {
    #[command(flatten)]
    flags: EclFlags,
    #[command(subcommand)]
    family: Ecl,
}

impl Family for EclCmd {
    async fn run(self, ctx: &Context) -> Result<Output> {
        let f = self.flags;
        for (name, flag, value) in [
            ("TENANTRY_ECL_AUTH_URL", "--auth-url", f.auth_url),
            ("TENANTRY_ECL_USERNAME", "--username", f.username),
            ("TENANTRY_ECL_PROJECT_ID", "--project-id", f.project_id),
            (
                "TENANTRY_ECL_USER_DOMAIN_ID",
                "--user-domain-id",
                f.user_domain_id,
            ),
            ("TENANTRY_ECL_REGION", "--region", f.region),
            ("TENANTRY_ECL_INTERFACE", "--interface", f.interface),
            (
                "TENANTRY_ECL_SERVICE_TYPE",
                "--service-type",
                f.service_type,
            ),
            ("TENANTRY_ECL_ENDPOINT", "--endpoint", f.endpoint),
        ] {
            if let Some(v) = value {
                ctx.set_flag(name, flag, v);
            }
        }
        self.family.run(ctx).await
    }
}

family! {
    /// NTT Enterprise Cloud 2.0 SSS v1 (Keystone v3: TENANTRY_ECL_* or OS_*).
    pub Ecl {
        /// List, show, create, change and delete the contract's users.
        #[command(subcommand)]
        Users(Users) => nested,
        /// List, create and delete tenants.
        #[command(subcommand)]
        Tenants(Tenants) => nested,
        /// Give a user access to a tenant, or take it away.
        #[command(subcommand)]
        Roles(Roles) => nested,
        /// Reissue a user's API key and secret.
        #[command(subcommand)]
        ApiKeys(ApiKeys) => nested,
        /// List the partner's channels.
        #[command(subcommand)]
        Channels(Channels) => nested,
        /// Create, list, show and delete contracts (partners).
        #[command(subcommand)]
        Contracts(Contracts) => nested,
        /// A contract's charges for a month.
        #[command(subcommand)]
        Billing(Billing) => nested,
        /// IAM groups: create, delete, assign roles and users.
        #[command(subcommand)]
        IamGroups(IamGroups) => nested,
        /// IAM roles: whitelists of API calls.
        #[command(subcommand)]
        IamRoles(IamRoles) => nested,
    }
}

const ECL_HELP: &str = "\
Configuration (lowest precedence first): the profile's [ecl] table (url, user, project,
region, interface, user_domain, service_type, endpoint, password_cmd), the variables
TENANTRY_ECL_* then OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_ID, OS_USER_DOMAIN_ID,
OS_REGION_NAME, OS_INTERFACE (and ECL_SSS_ENDPOINT, ECL_SSS_SERVICE_TYPE), then the flags
above. The API secret (password) comes from TENANTRY_ECL_PASSWORD / OS_PASSWORD, password_cmd
or --secret-stdin, never from an argument; it is never printed. Credentials in answers
(keystone_password, password) print as ***.

Ids are checked before anything is sent (exit 2): users ecid + 10 digits, contracts econ + 10
digits, tenants 32 lowercase hex, IAM groups and roles dashed 8-4-4-4-12 hex, months YYYY-MM.

Commands that change state take --dry-run: the request is printed (method, URL, headers with
the token masked, body) and nothing that changes state is sent; only the Keystone login
(version discovery and POST .../auth/tokens) is, to get the SSS URL and the token.
";

/// What a command that answers nothing reports.
fn done(what: &[(&str, &str)], action: &str) -> Value {
    let mut v = serde_json::Map::new();
    for (k, val) in what {
        v.insert((*k).to_owned(), json!(val));
    }
    v.insert("action".into(), json!(action));
    v.insert("done".into(), json!(true));
    Value::Object(v)
}

/// A delete that may find nothing (`--if-exists`).
fn deleted(what: &[(&str, &str)], existed: bool) -> Value {
    let mut v = done(what, "delete");
    v["done"] = json!(existed);
    v
}

/// `Err(Missing)` (exit 4) for a lookup that found nothing.
fn found<T>(v: Option<T>, what: &str, id: &str) -> Result<T> {
    v.ok_or_else(|| CliError::Missing(format!("not found: {what} {id}")))
}

/// An optional secret from the first line of a file or stdin.
fn secret_from(path: Option<&str>, what: &str) -> Result<Option<tenantry::core::Secret>> {
    path.map(|p| read_secret_line(p, what)).transpose()
}

// ---------------------------------------------------------------------------
// users

family! {
    /// Users of the contract.
    pub Users uses Sss {
        /// List the contract's users.
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.users` (GET /users).
        List(NoArgs) [USERS] => fn(c, _a) c.users().list().await?,
        /// Find a user in the listing by id (not found: exit 4).
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.find_user` (GET /users, matched here).
        Find(UserArg) [USERS] => fn(c, a) {
            found(c.users().find(&a.user_id).await?, "user", a.user_id.as_str())?
        },
        /// Show one user, with its API key (the secret as ***); exit 4 when
        /// there is none.
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.get_user` (GET /users/{user_id}).
        Get(UserArg) [USERS] => fn(c, a) c.users().get(&a.user_id).await?,
        /// Create a user (contract owner only); the answer's credentials
        /// print as ***.
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.create_user` (POST /users).
        Create(UserCreateArgs) change [USERS] => fn(c, a) {
            let password = secret_from(a.password_file.as_deref(), "--password-file")?;
            let req = c.users().create().login_id(a.login_id).mail_address(a.mail_address);
            let req = req.notify_password(a.notify_password);
            req.maybe(password, |r, p| r.password(p)).send().await?
        },
        /// Change a user's login id, e-mail or password.
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.update_user` (PUT /users/{user_id}).
        Update(UserUpdateArgs) change => fn(c, a) {
            let password = secret_from(a.new_password_file.as_deref(), "--new-password-file")?;
            let req = c.users().update(&a.user_id).maybe(a.login_id, |r, v| r.login_id(v));
            let req = req.maybe(a.mail_address, |r, v| r.mail_address(v));
            req.maybe(password, |r, p| r.new_password(p)).send().await?;
            done(&[("user_id", a.user_id.as_str())], "update")
        },
        /// Delete a user (contract owner only); exit 4 when there is none,
        /// unless --if-exists.
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.delete_user` (DELETE /users/{user_id}).
        Delete(UserDeleteArgs) change => fn(c, a) {
            let what = [("user_id", a.user_id.as_str())];
            if a.if_exists {
                deleted(&what, c.users().delete_if_exists(&a.user_id).await?)
            } else {
                c.users().delete(&a.user_id).await?;
                deleted(&what, true)
            }
        },
    }
}

/// One user id.
#[derive(Debug, Clone, Args)]
pub struct UserArg {
    /// The user id (`ecid` and 10 digits).
    pub user_id: UserId,
}

/// `users create`.
#[derive(Debug, Clone, Args)]
pub struct UserCreateArgs {
    /// The portal login id.
    #[arg(long)]
    pub login_id: String,
    /// The e-mail address.
    #[arg(long)]
    pub mail_address: String,
    /// Mail the login and password to the user.
    #[arg(long)]
    pub notify_password: bool,
    /// The initial password: the first line of FILE (`-`: stdin); default:
    /// the server makes one.
    #[arg(long, value_name = "FILE|-")]
    pub password_file: Option<String>,
}

/// `users update`.
#[derive(Debug, Clone, Args)]
pub struct UserUpdateArgs {
    /// The user id.
    pub user_id: UserId,
    /// A new login id.
    #[arg(long)]
    pub login_id: Option<String>,
    /// A new e-mail address.
    #[arg(long)]
    pub mail_address: Option<String>,
    /// A new password: the first line of FILE (`-`: stdin).
    #[arg(long, value_name = "FILE|-")]
    pub new_password_file: Option<String>,
}

/// `users delete`.
#[derive(Debug, Clone, Args)]
pub struct UserDeleteArgs {
    /// The user id.
    pub user_id: UserId,
    /// No error when there is no such user (`done: false`).
    #[arg(long)]
    pub if_exists: bool,
}

// ---------------------------------------------------------------------------
// tenants, roles, API keys

family! {
    /// Tenants of the contract.
    pub Tenants uses Sss {
        /// List the contract's tenants.
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.tenants` (GET /tenants).
        List(NoArgs) [TENANTS] => fn(c, _a) c.tenants().list().await?,
        /// Find a tenant in the listing by id (not found: exit 4).
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.find_tenant` (GET /tenants, matched here).
        Find(TenantArg) [TENANTS] => fn(c, a) {
            found(c.tenants().find(&a.tenant_id).await?, "tenant", a.tenant_id.as_str())?
        },
        /// Create a tenant in a region (contract owner only).
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.create_tenant` (POST /tenants).
        Create(TenantCreateArgs) change [TENANTS] => fn(c, a) {
            let req = c.tenants().create().tenant_name(a.tenant_name).region(a.region);
            let req = req.description(a.description);
            req.maybe(a.contract_id, |r, v| r.contract_id(&v)).send().await?
        },
        /// Delete a tenant (contract owner only); exit 4 when there is none,
        /// unless --if-exists (the reference's default).
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.delete_tenant` (DELETE /tenants/{tenant_id}).
        Delete(TenantDeleteArgs) change => fn(c, a) {
            let what = [("tenant_id", a.tenant_id.as_str())];
            if a.if_exists {
                deleted(&what, c.tenants().delete_if_exists(&a.tenant_id).await?)
            } else {
                c.tenants().delete(&a.tenant_id).await?;
                deleted(&what, true)
            }
        },
    }
}

/// One tenant id.
#[derive(Debug, Clone, Args)]
pub struct TenantArg {
    /// The tenant id (32 lowercase hex).
    pub tenant_id: TenantId,
}

/// `tenants create`.
#[derive(Debug, Clone, Args)]
pub struct TenantCreateArgs {
    /// The tenant's name.
    #[arg(long)]
    pub tenant_name: String,
    /// The region (e.g. jp1).
    #[arg(long)]
    pub region: String,
    /// A description (may be empty).
    #[arg(long, default_value = "")]
    pub description: String,
    /// The contract (default: the caller's).
    #[arg(long)]
    pub contract_id: Option<ContractId>,
}

/// `tenants delete`.
#[derive(Debug, Clone, Args)]
pub struct TenantDeleteArgs {
    /// The tenant id.
    pub tenant_id: TenantId,
    /// No error when there is no such tenant (`done: false`).
    #[arg(long)]
    pub if_exists: bool,
}

family! {
    /// A user's role on a tenant.
    pub Roles uses Sss {
        /// Give a user access to a tenant.
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.create_role` (POST /roles).
        Create(RoleArgs) change [ROLES] => fn(c, a) c.roles().create(&a.user_id, &a.tenant_id).await?,
        /// Take a user's access to a tenant away (exit 4 when it has none).
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.delete_role`
        /// (DELETE /roles/tenants/{tenant_id}/users/{user_id}).
        Delete(RoleArgs) change => fn(c, a) {
            c.roles().delete(&a.user_id, &a.tenant_id).await?;
            let what = [("user_id", a.user_id.as_str()), ("tenant_id", a.tenant_id.as_str())];
            deleted(&what, true)
        },
    }
}

/// `roles create|delete`.
#[derive(Debug, Clone, Args)]
pub struct RoleArgs {
    /// The user id.
    pub user_id: UserId,
    /// The tenant id.
    pub tenant_id: TenantId,
}

family! {
    /// API keys.
    pub ApiKeys uses Sss {
        /// Reissue a user's API key and secret: the old pair stops working
        /// (the new secret prints as ***; never re-sent on a retry).
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.update_api_key` (PUT /keys/{user_id}).
        Rotate(UserArg) change [API_KEYS] => fn(c, a) c.api_keys().update(&a.user_id).await?,
    }
}

// ---------------------------------------------------------------------------
// channels, contracts, billing

family! {
    /// Channels (partner users).
    pub Channels uses Sss {
        /// List the partner's channels (with --get-contracts, their contracts).
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.channels` (GET /channels).
        List(ChannelListArgs) [CHANNELS] => fn(c, a) {
            c.channels().list().get_contracts(a.get_contracts).send().await?
        },
    }
}

/// `channels list`.
#[derive(Debug, Clone, Args)]
pub struct ChannelListArgs {
    /// Include each channel's contracts.
    #[arg(long)]
    pub get_contracts: bool,
}

family! {
    /// Contracts (partner users, except `get`).
    pub Contracts uses Sss {
        /// Create a contract in a channel, with its owner user (partner);
        /// the owner's credentials print as ***.
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.create_contract` (POST /contracts).
        Create(ContractCreateArgs) change [CONTRACTS] => fn(c, a) {
            let password = secret_from(a.password_file.as_deref(), "--password-file")?;
            let req = c.contracts().create().login_id(a.login_id).mail_address(a.mail_address);
            let req = req.channel_id(&a.channel_id).maybe(password, |r, p| r.password(p));
            let req = req.maybe(a.external_reference_id, |r, v| r.external_reference_id(v));
            req.maybe(a.notify_password, |r, v| r.notify_password(v)).send().await?
        },
        /// List a channel's contracts (partner).
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.contracts` (GET /contracts).
        List(ContractListArgs) [CONTRACTS] => fn(c, a) {
            c.contracts().list(&a.channel_id).include_deleted(a.include_deleted).send().await?
        },
        /// Show one contract (exit 4 when there is none).
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.get_contract` (GET /contracts/{contract_id}).
        Get(ContractArg) [CONTRACTS] => fn(c, a) c.contracts().get(&a.contract_id).await?,
        /// Delete a contract (partner); exit 4 when there is none, unless
        /// --if-exists.
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.delete_contract` (DELETE /contracts/{contract_id}).
        Delete(ContractDeleteArgs) change => fn(c, a) {
            let what = [("contract_id", a.contract_id.as_str())];
            if a.if_exists {
                deleted(&what, c.contracts().delete_if_exists(&a.contract_id).await?)
            } else {
                c.contracts().delete(&a.contract_id).await?;
                deleted(&what, true)
            }
        },
    }
}

/// `contracts create`.
#[derive(Debug, Clone, Args)]
pub struct ContractCreateArgs {
    /// The channel the contract belongs to.
    #[arg(long)]
    pub channel_id: ChannelId,
    /// The owner's login id.
    #[arg(long)]
    pub login_id: String,
    /// The owner's e-mail.
    #[arg(long)]
    pub mail_address: String,
    /// The owner's password: the first line of FILE (`-`: stdin); default:
    /// the server makes one.
    #[arg(long, value_name = "FILE|-")]
    pub password_file: Option<String>,
    /// The partner's own reference.
    #[arg(long)]
    pub external_reference_id: Option<String>,
    /// Mail the credentials (sent only when given).
    #[arg(long)]
    pub notify_password: Option<bool>,
}

/// `contracts list`.
#[derive(Debug, Clone, Args)]
pub struct ContractListArgs {
    /// The channel.
    pub channel_id: ChannelId,
    /// Include deleted contracts.
    #[arg(long)]
    pub include_deleted: bool,
}

/// One contract id.
#[derive(Debug, Clone, Args)]
pub struct ContractArg {
    /// The contract id (`econ` and 10 digits).
    pub contract_id: ContractId,
}

/// `contracts delete`.
#[derive(Debug, Clone, Args)]
pub struct ContractDeleteArgs {
    /// The contract id.
    pub contract_id: ContractId,
    /// No error when there is no such contract (`done: false`).
    #[arg(long)]
    pub if_exists: bool,
}

family! {
    /// A contract's billing.
    pub Billing uses Sss {
        /// Show a contract's charges for a month.
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.get_billing_info`
        /// (GET /contracts/{contract_id}/billing/{target_month}).
        Month(BillingArgs) [BILLING] => fn(c, a) c.billing(&a.contract_id).month(&a.month).await?,
        /// Show the charges of one of the partner's end-user contracts for a
        /// month (partner).
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.get_monthly_billing_of_each_contract`
        /// (GET /contracts/{contract_id}/billing/{target_month}/target_contract/{target}).
        TargetContract(TargetBillingArgs) [BILLING] => fn(c, a) {
            c.billing(&a.contract_id).target_month(&a.target_contract_id, &a.month).await?
        },
    }
}

/// `billing month`.
#[derive(Debug, Clone, Args)]
pub struct BillingArgs {
    /// The contract id.
    pub contract_id: ContractId,
    /// The month, YYYY-MM.
    pub month: BillingMonth,
}

/// `billing target-contract`.
#[derive(Debug, Clone, Args)]
pub struct TargetBillingArgs {
    /// The partner's contract id.
    pub contract_id: ContractId,
    /// The month, YYYY-MM.
    pub month: BillingMonth,
    /// The end-user contract to show.
    pub target_contract_id: ContractId,
}

// ---------------------------------------------------------------------------
// IAM groups and roles

family! {
    /// IAM groups.
    pub IamGroups uses Sss {
        /// List the IAM groups of the contract (or of --contract-id).
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.iam_groups` (GET /iam/groups).
        List(ContractFilter) [IAM_GROUPS] => fn(c, a) {
            c.iam_groups().list().maybe(a.contract_id, |r, v| r.contract_id(&v)).send().await?
        },
        /// Create an IAM group.
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.create_iam_group` (POST /iam/groups).
        Create(IamGroupCreateArgs) change [IAM_GROUPS] => fn(c, a) {
            let req = c.iam_groups().create().iam_group_name(a.iam_group_name);
            let req = req.maybe(a.contract_id, |r, v| r.contract_id(&v));
            req.maybe(a.description, |r, v| r.description(v)).send().await?
        },
        /// Delete an IAM group; exit 4 when there is none, unless --if-exists.
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.delete_iam_group` (DELETE /iam/groups/{id}).
        Delete(IamGroupDeleteArgs) change => fn(c, a) {
            let what = [("iam_group_id", a.iam_group_id.as_str())];
            if a.if_exists {
                deleted(&what, c.iam_groups().delete_if_exists(&a.iam_group_id).await?)
            } else {
                c.iam_groups().delete(&a.iam_group_id).await?;
                deleted(&what, true)
            }
        },
        /// Assign an IAM role to a group.
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.assign_iam_role`
        /// (PUT /iam/groups/{id}/roles/{role}).
        AssignRole(GroupRoleArgs) change => fn(c, a) {
            let what = [
                ("iam_group_id", a.iam_group_id.as_str()),
                ("iam_role_id", a.iam_role_id.as_str()),
            ];
            match c.iam_groups().assign_role(&a.iam_group_id, &a.iam_role_id).await? {
                Some(answer) => super::to_value(&answer)?,
                None => done(&what, "assign"),
            }
        },
        /// Take an IAM role away from a group (exit 4 when it has none).
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.delete_assign_iam_role`
        /// (DELETE /iam/groups/{id}/roles/{role}).
        UnassignRole(GroupRoleArgs) change => fn(c, a) {
            c.iam_groups().unassign_role(&a.iam_group_id, &a.iam_role_id).await?;
            let what = [
                ("iam_group_id", a.iam_group_id.as_str()),
                ("iam_role_id", a.iam_role_id.as_str()),
            ];
            done(&what, "unassign")
        },
        /// Show an IAM group with its users.
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.users_designated_iam_group`
        /// (GET /iam/groups/{id}/users).
        Users(IamGroupArg) [IAM_GROUP_USERS] => fn(c, a) c.iam_groups().users(&a.iam_group_id).await?,
        /// Add a user to an IAM group.
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.assign_user`
        /// (PUT /iam/groups/{id}/users/{user_id}).
        AssignUser(GroupUserArgs) change => fn(c, a) {
            let what = [
                ("iam_group_id", a.iam_group_id.as_str()),
                ("user_id", a.user_id.as_str()),
            ];
            match c.iam_groups().assign_user(&a.iam_group_id, &a.user_id).await? {
                Some(answer) => super::to_value(&answer)?,
                None => done(&what, "assign"),
            }
        },
        /// Remove a user from an IAM group (exit 4 when not in it).
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.delete_assign_user`
        /// (DELETE /iam/groups/{id}/users/{user_id}).
        UnassignUser(GroupUserArgs) change => fn(c, a) {
            c.iam_groups().unassign_user(&a.iam_group_id, &a.user_id).await?;
            let what = [
                ("iam_group_id", a.iam_group_id.as_str()),
                ("user_id", a.user_id.as_str()),
            ];
            done(&what, "unassign")
        },
    }
}

/// `--contract-id` of the IAM listings.
#[derive(Debug, Clone, Args)]
pub struct ContractFilter {
    /// Another contract's (default: the caller's).
    #[arg(long)]
    pub contract_id: Option<ContractId>,
}

/// One IAM group id.
#[derive(Debug, Clone, Args)]
pub struct IamGroupArg {
    /// The IAM group id.
    pub iam_group_id: IamGroupId,
}

/// `iam-groups create`.
#[derive(Debug, Clone, Args)]
pub struct IamGroupCreateArgs {
    /// The name (letters, digits and `@ - . _`).
    #[arg(long)]
    pub iam_group_name: String,
    /// A description.
    #[arg(long)]
    pub description: Option<String>,
    /// The contract (default: the caller's).
    #[arg(long)]
    pub contract_id: Option<ContractId>,
}

/// `iam-groups delete`.
#[derive(Debug, Clone, Args)]
pub struct IamGroupDeleteArgs {
    /// The IAM group id.
    pub iam_group_id: IamGroupId,
    /// No error when there is no such group (`done: false`).
    #[arg(long)]
    pub if_exists: bool,
}

/// `iam-groups assign-role|unassign-role`.
#[derive(Debug, Clone, Args)]
pub struct GroupRoleArgs {
    /// The IAM group id.
    pub iam_group_id: IamGroupId,
    /// The IAM role id.
    pub iam_role_id: IamRoleId,
}

/// `iam-groups assign-user|unassign-user`.
#[derive(Debug, Clone, Args)]
pub struct GroupUserArgs {
    /// The IAM group id.
    pub iam_group_id: IamGroupId,
    /// The user id.
    pub user_id: UserId,
}

family! {
    /// IAM roles.
    pub IamRoles uses Sss {
        /// List the IAM roles of the contract (or of --contract-id).
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.iam_roles` (GET /iam/roles).
        List(ContractFilter) [IAM_ROLES] => fn(c, a) {
            c.iam_roles().list().maybe(a.contract_id, |r, v| r.contract_id(&v)).send().await?
        },
        /// Show one IAM role (exit 4 when there is none).
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.get_iam_role` (GET /iam/roles/{id}).
        Get(IamRoleArg) [IAM_ROLES] => fn(c, a) c.iam_roles().get(&a.iam_role_id).await?,
        /// Create an IAM role from whitelist rules (contract owner only).
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.create_iam_role` (POST /iam/roles).
        Create(IamRoleCreateArgs) change [IAM_ROLES] => fn(c, a) {
            let mut rules = a.resource.into_iter().map(|r| r.0).collect::<Vec<_>>();
            if let Some(file) = &a.resources {
                rules.extend(read_json::<Vec<IamResource>>(file, "--resources")?);
            }
            let req = c.iam_roles().create().iam_role_name(a.iam_role_name);
            let req = req.maybe(a.contract_id, |r, v| r.contract_id(&v));
            let req = req.maybe(a.description, |r, v| r.description(v));
            rules.into_iter().fold(req, |r, rule| r.resource(rule)).send().await?
        },
        /// Delete an IAM role; exit 4 when there is none, unless --if-exists.
        ///
        /// Reference: `ecl.sss.v1._proxy.Proxy.delete_iam_role` (DELETE /iam/roles/{id}).
        Delete(IamRoleDeleteArgs) change => fn(c, a) {
            let what = [("iam_role_id", a.iam_role_id.as_str())];
            if a.if_exists {
                deleted(&what, c.iam_roles().delete_if_exists(&a.iam_role_id).await?)
            } else {
                c.iam_roles().delete(&a.iam_role_id).await?;
                deleted(&what, true)
            }
        },
    }
}

/// One IAM role id.
#[derive(Debug, Clone, Args)]
pub struct IamRoleArg {
    /// The IAM role id.
    pub iam_role_id: IamRoleId,
}

/// `iam-roles create`.
#[derive(Debug, Clone, Args)]
pub struct IamRoleCreateArgs {
    /// The name (letters, digits and `@ - . _`).
    #[arg(long)]
    pub iam_role_name: String,
    /// A whitelist rule, `VERB,BASE_PATH,PATH[,IP]` (VERB: GET, PUT, POST,
    /// DELETE or *; IP default *), e.g. `GET,/ecl-sss,*`; repeatable.
    #[arg(long, value_name = "VERB,BASE_PATH,PATH[,IP]")]
    pub resource: Vec<Rule>,
    /// More rules as a JSON array (`[{"basePath", "ipAddress", "path",
    /// "verb"}]`; `-`: stdin).
    #[arg(long, value_name = "FILE|-")]
    pub resources: Option<String>,
    /// A description.
    #[arg(long)]
    pub description: Option<String>,
    /// The contract (default: the caller's).
    #[arg(long)]
    pub contract_id: Option<ContractId>,
}

/// `iam-roles delete`.
#[derive(Debug, Clone, Args)]
pub struct IamRoleDeleteArgs {
    /// The IAM role id.
    pub iam_role_id: IamRoleId,
    /// No error when there is no such role (`done: false`).
    #[arg(long)]
    pub if_exists: bool,
}

/// One `--resource VERB,BASE_PATH,PATH[,IP]`.
#[derive(Debug, Clone)]
pub struct Rule(IamResource);

impl FromStr for Rule {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let f: Vec<&str> = s.split(',').map(str::trim).collect();
        let (verb, base, path, ip) = match f.as_slice() {
            [v, b, p] => (*v, *b, *p, "*"),
            [v, b, p, ip] => (*v, *b, *p, *ip),
            _ => return Err(format!("`{s}`: expected VERB,BASE_PATH,PATH[,IP]")),
        };
        let verb = IamVerb::KNOWN
            .iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(verb))
            .cloned()
            .ok_or_else(|| format!("`{s}`: the verb must be GET, PUT, POST, DELETE or *"))?;
        if [base, path, ip].iter().any(|v| v.is_empty()) {
            return Err(format!("`{s}`: BASE_PATH, PATH and IP must not be empty"));
        }
        Ok(Rule(IamResource::new(base, ip, path, verb)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse() {
        let r: Rule = "get,/ecl-sss,*".parse().unwrap();
        assert_eq!(r.0, IamResource::new("/ecl-sss", "*", "*", IamVerb::Get));
        let r: Rule = "*,/ecl-sss,/api/v1.0/users,10.0.0.1".parse().unwrap();
        assert_eq!(r.0.ip_address.as_deref(), Some("10.0.0.1"));
        for bad in ["GET,/x", "PATCH,/x,*", "GET,,*", "GET,/x,*,1,2"] {
            assert!(bad.parse::<Rule>().is_err(), "{bad}");
        }
    }

    #[test]
    fn dry_run_passes_only_the_keystone_login() {
        let req = |m: Method, url: &str, token: bool| {
            let mut b = tenantry::core::http::Request::builder().method(m).uri(url);
            if token {
                b = b.header("x-auth-token", "t");
            }
            let r: HttpRequest = b.body(Vec::new().into()).unwrap();
            Sss::dry_run_passes(&r)
        };
        assert!(req(Method::GET, "http://h/v3", false));
        assert!(req(Method::POST, "http://h/v3/auth/tokens", false));
        assert!(!req(Method::POST, "http://h/api/v1.0/users", true));
        assert!(!req(Method::GET, "http://h/api/v1.0/users", true));
        assert!(!req(
            Method::PUT,
            "http://h/api/v1.0/keys/ecid1000000011",
            true
        ));
        assert!(!req(Method::DELETE, "http://h/v3/auth/tokens", false));
        assert!(!req(Method::POST, "http://h/api/v1.0/auth/tokens", true));
    }
}
