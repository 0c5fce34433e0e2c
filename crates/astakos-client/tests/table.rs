//! Every entry point of the reference `astakosclient` 0.19 as one row:
//! the call, the requests it must send (method, path, query, the headers
//! that matter, body — byte for byte where the reference is exact), the
//! canned answers, and the value or error it must make of them. Run
//! through core's `MockTransport`, which fails on an unexpected or a
//! missing request. A new operation is a new row.

use astakos_client::models::commissions::QUOTA_LIMIT_MESSAGE;
use astakos_client::models::{
    ApplicationAction, AuthInfo, CommissionAction, CommissionRequest, MembershipAction, NewProject,
    OverLimit, ProjectAction, ProjectMode, ProjectState, Provision,
};
use astakos_client::{
    get_token_from_cookie, mk_provisions, parse_endpoints, ApplicationId, AstakosClient,
    EndpointFilter, Error, MembershipId, ProjectId, RetryConfig, Secret, Serial, Uuid,
};
use futures::future::BoxFuture;
use futures::{FutureExt, TryStreamExt};
use serde_json::{json, Value};
use std::sync::Arc;
use tenantry_core::http::Method;
use tenantry_core::transport::mock::{Expect, MockTransport, Reply};

const TOKEN: &str = "skzleaFlBl+fasFdaf24sx";
const AUTH_URL: &str = "https://example.org/identity/v2.0";
const TOKENS: &str = "/identity/v2.0/tokens";

type Call = Box<dyn Fn(AstakosClient) -> BoxFuture<'static, Result<Value, Error>>>;

/// What the call must give.
enum Want {
    /// Exactly this value (as JSON).
    Is(Value),
    /// A value that passes this check.
    Ok(fn(&Value) -> bool),
    /// An error that passes this check.
    Err(fn(&Error) -> bool),
}

struct Row {
    entry: &'static str,
    requests: Vec<Expect>,
    call: Call,
    want: Want,
}

/// `|c| expression giving a Result<impl Serialize>` as a [`Call`].
macro_rules! call {
    (|$c:ident| $body:expr) => {
        Box::new(|$c: AstakosClient| {
            async move { $body.map(|v| serde_json::to_value(v).unwrap()) }.boxed()
        }) as Call
    };
}

fn row(entry: &'static str, requests: Vec<Expect>, call: Call, want: Want) -> Row {
    Row {
        entry,
        requests,
        call,
        want,
    }
}

fn pid(s: &str) -> ProjectId {
    ProjectId::new(s).unwrap()
}
fn uid(s: &str) -> Uuid {
    Uuid::new(s).unwrap()
}

fn catalog() -> Value {
    json!({"access": {"serviceCatalog": [
        {"endpoints": [{"SNF:uiURL": "https://example.org/ui_prefix",
                        "publicURL": "https://example.org/account_prefix",
                        "region": "default", "versionId": "v1.0"},
                       {"SNF:uiURL": "https://example.org/ui2",
                        "publicURL": "https://example.org/account2",
                        "region": "default", "versionId": "v2.0"}],
         "name": "astakos_account", "type": "account"},
        {"endpoints": [{"SNF:uiURL": "https://example.org/ui_prefix",
                        "publicURL": "https://example.org/oauth2",
                        "region": "default", "versionId": ""}],
         "name": "astakos_oauth2", "type": "astakos_auth"}]}})
}

/// The bodyless discovery `POST tokens`, answered with [`catalog`].
fn discovery() -> Expect {
    Expect::new(Method::POST, TOKENS)
        .header("x-auth-token", TOKEN)
        .header("content-length", "0")
        .header("content-type", "application/json")
        .reply(Reply::json(200, catalog()))
}

/// A bodyless GET (`content-length: 0`, as the reference sends it).
fn get(path: &str) -> Expect {
    Expect::new(Method::GET, path)
        .header("x-auth-token", TOKEN)
        .header("content-length", "0")
}

/// A request with exactly this JSON body.
fn json_req(method: Method, path: &str, body: &str) -> Expect {
    Expect::new(method, path)
        .header("x-auth-token", TOKEN)
        .header("content-type", "application/json")
        .body(body.to_owned())
}

fn post(path: &str, body: &str) -> Expect {
    json_req(Method::POST, path, body)
}

fn ok(body: Value) -> Reply {
    Reply::json(200, body)
}

fn rows() -> Vec<Row> {
    let mut user_info = catalog();
    user_info["access"]["token"] = json!({"id": TOKEN, "expires": "2030-01-01T00:00:00Z"});
    user_info["access"]["user"] = json!({"id": "u1", "name": "User One", "roles": []});
    let project = json!({"id": "a/b", "name": "lab", "state": "active", "resources": {},
                         "sparkle": 1});
    vec![
        // Identity (#1–#4).
        row(
            "authenticate",
            vec![post(
                TOKENS,
                &format!(r#"{{"auth": {{"token": {{"id": "{TOKEN}"}}, "tenantName": "u1"}}}}"#),
            )
            .reply(ok(user_info))],
            call!(|c| c.identity().authenticate().tenant_name("u1").send().await),
            Want::Ok(|v| {
                // The account entry is filtered to its v1.0 endpoint.
                v["access"]["serviceCatalog"][0]["endpoints"].as_array().map(Vec::len) == Some(1)
                    && v["access"]["user"]["id"] == "u1"
                    && v["access"]["token"]["id"] == TOKEN
            }),
        ),
        row(
            "get_endpoints",
            vec![discovery()],
            call!(|c| c.identity().endpoints().include_oauth2().send().await),
            Want::Ok(|v| {
                let cat = &v["access"]["serviceCatalog"];
                cat[0]["endpoints"].as_array().map(Vec::len) == Some(1)
                    && cat[1]["name"] == "astakos_oauth2"
            }),
        ),
        row(
            "validate_token",
            vec![get("/identity/v2.0/tokens/abc%2Fdef")
                .query("belongsTo=https%3A%2F%2Fs.example.org%2F")
                .reply(ok(json!({"access": {"token": {"id": "abc/def"}, "user": {"id": "u1"}}})))],
            call!(|c| {
                c.identity()
                    .validate_token()
                    .token_id(Secret::new("abc/def"))
                    .belongs_to("https://s.example.org/")
                    .send()
                    .await
            }),
            Want::Is(json!({"access": {"token": {"id": "abc/def"}, "user": {"id": "u1", "roles": []}}})),
        ),
        row(
            "get_token",
            vec![
                discovery(),
                Expect::new(Method::POST, "/oauth2/token")
                    .header("authorization", "Basic Y2lkOmNzZWM=")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body("grant_type=authorization_code&code=xyz&redirect_uri=https%3A%2F%2Fapp%2Fcb")
                    .reply(ok(json!({"access_token": "at", "token_type": "Bearer", "expires_in": 20}))),
            ],
            call!(|c| {
                c.identity()
                    .oauth2_token()
                    .client_id("cid")
                    .client_secret(Secret::new("csec"))
                    .code(Secret::new("xyz"))
                    .redirect_uri("https://app/cb")
                    .send()
                    .await
            }),
            Want::Is(json!({"access_token": "at", "token_type": "Bearer", "expires_in": 20})),
        ),
        // User catalogs (#5–#12).
        row(
            "get_usernames",
            vec![
                discovery(),
                post("/account_prefix/user_catalogs", r#"{"uuids": ["u1", "u2"]}"#).reply(ok(
                    json!({"uuid_catalog": {"u1": "one", "u2": null}, "displayname_catalog": {}}),
                )),
            ],
            call!(|c| c.users().usernames().uuids([uid("u1"), uid("u2")]).send().await),
            Want::Is(json!({"u1": "one", "u2": null})),
        ),
        row(
            "get_username",
            vec![
                discovery(),
                post("/account_prefix/user_catalogs", r#"{"uuids": ["u1"]}"#)
                    .reply(ok(json!({"uuid_catalog": {"u1": "one"}}))),
            ],
            call!(|c| c.users().username(&uid("u1")).await),
            Want::Is(json!("one")),
        ),
        row(
            "service_get_usernames",
            vec![
                discovery(),
                post("/account_prefix/service/user_catalogs", r#"{"uuids": ["u1"]}"#)
                    .reply(ok(json!({"uuid_catalog": {"u1": "one"}}))),
            ],
            call!(|c| c.service_users().usernames().uuids([uid("u1")]).send().await),
            Want::Is(json!({"u1": "one"})),
        ),
        row(
            "service_get_username (NoUserName)",
            vec![
                discovery(),
                post("/account_prefix/service/user_catalogs", r#"{"uuids": ["u9"]}"#)
                    .reply(ok(json!({"uuid_catalog": {}}))),
            ],
            call!(|c| c.service_users().username(&uid("u9")).await),
            Want::Err(|e| {
                matches!(e, Error::Decode { path, message, .. }
                    if path == "uuid_catalog.u9" && message == "No display name for the given uuid: u9")
            }),
        ),
        row(
            "get_uuids",
            vec![
                discovery(),
                post("/account_prefix/user_catalogs", r#"{"displaynames": ["a@x", "b@x"]}"#)
                    .reply(ok(json!({"displayname_catalog": {"a@x": "u1"}, "uuid_catalog": {}}))),
            ],
            call!(|c| c.users().uuids().display_names(["a@x", "b@x"]).send().await),
            Want::Is(json!({"a@x": "u1"})),
        ),
        row(
            "get_uuid (NoUUID)",
            vec![
                discovery(),
                post("/account_prefix/user_catalogs", r#"{"displaynames": ["b@x"]}"#)
                    .reply(ok(json!({"displayname_catalog": {}}))),
            ],
            call!(|c| c.users().uuid().display_name("b@x").send().await),
            Want::Err(|e| {
                matches!(e, Error::Decode { path, message, .. }
                    if path == "displayname_catalog.b@x" && message == "No uuid for the given display name: b@x")
            }),
        ),
        row(
            "service_get_uuids",
            vec![
                discovery(),
                post("/account_prefix/service/user_catalogs", r#"{"displaynames": ["a@x"]}"#)
                    .reply(ok(json!({"displayname_catalog": {"a@x": "u1"}}))),
            ],
            call!(|c| c.service_users().uuids().display_names(["a@x"]).send().await),
            Want::Is(json!({"a@x": "u1"})),
        ),
        row(
            "service_get_uuid",
            vec![
                discovery(),
                post("/account_prefix/service/user_catalogs", r#"{"displaynames": ["ghost"]}"#)
                    .reply(ok(json!({"displayname_catalog": {"ghost": null}}))),
            ],
            call!(|c| c.service_users().uuid().display_name("ghost").send().await),
            Want::Is(Value::Null),
        ),
        row(
            "get_usernames (in chunks)",
            vec![
                discovery(),
                post("/account_prefix/user_catalogs", r#"{"uuids": ["u1", "u2"]}"#)
                    .reply(ok(json!({"uuid_catalog": {"u1": "one", "u2": "two"}}))),
                post("/account_prefix/user_catalogs", r#"{"uuids": ["u3"]}"#)
                    .reply(ok(json!({"uuid_catalog": {}}))),
            ],
            call!(|c| {
                let ids = vec![uid("u1"), uid("u2"), uid("u3")];
                let s = c.users().usernames().uuids(ids).chunk_size(2).into_stream();
                s.try_collect::<Vec<_>>().await
            }),
            Want::Is(json!([["u1", "one"], ["u2", "two"]])),
        ),
        // Services, resources, feedback (#13–#15).
        row(
            "get_services",
            vec![
                discovery(),
                get("/ui_prefix/get_services")
                    .reply(ok(json!([{"name": "cyclades", "url": "/c", "icon": "i"}]))),
            ],
            call!(|c| c.services().list().await),
            Want::Is(json!([{"name": "cyclades", "url": "/c", "icon": "i"}])),
        ),
        row(
            "get_resources",
            vec![
                discovery(),
                get("/account_prefix/resources")
                    .reply(ok(json!({"cyclades.vm": {"unit": null, "service": "cyclades"}}))),
            ],
            call!(|c| c.resources().list().await),
            Want::Is(json!({"cyclades.vm": {"service": "cyclades"}})),
        ),
        row(
            "send_feedback",
            vec![
                discovery(),
                Expect::new(Method::POST, "/account_prefix/feedback")
                    .header("x-auth-token", TOKEN)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body("feedback_data=vm%3D42&feedback_msg=slow+console%7E"),
            ],
            call!(|c| {
                let f = c.feedback().create().message("slow console~");
                f.data("vm=42").send().await
            }),
            Want::Is(Value::Null),
        ),
        // Quotas (#16–#18).
        row(
            "get_quotas",
            vec![
                discovery(),
                get("/account_prefix/quotas").reply(ok(
                    json!({"system": {"cyclades.vm": {"limit": 2, "usage": 1, "pending": 0}}}),
                )),
            ],
            call!(|c| c.quotas().get().await),
            Want::Is(json!({"system": {"cyclades.vm": {"limit": 2, "usage": 1, "pending": 0}}})),
        ),
        row(
            "service_get_quotas",
            vec![
                discovery(),
                get("/account_prefix/service_quotas")
                    .query("project=p1%2Cp2&user=u1")
                    .reply(ok(json!({"u1": {"p1": {"cyclades.vm": {"limit": 1}}}}))),
            ],
            call!(|c| {
                c.quotas()
                    .service_quotas()
                    .users([uid("u1")])
                    .projects([pid("p1"), pid("p2")])
                    .send()
                    .await
            }),
            Want::Is(json!({"u1": {"p1": {"cyclades.vm": {"limit": 1}}}})),
        ),
        row(
            "service_get_project_quotas",
            vec![
                discovery(),
                get("/account_prefix/service_project_quotas")
                    .query("project=p1")
                    .reply(ok(json!({"p1": {"cyclades.vm": {"project_limit": 9}}}))),
            ],
            call!(|c| c.quotas().project_quotas().projects([pid("p1")]).send().await),
            Want::Is(json!({"p1": {"cyclades.vm": {"project_limit": 9}}})),
        ),
        // Commissions (#19–#28).
        row(
            "_issue_commission",
            vec![
                discovery(),
                post(
                    "/account_prefix/commissions",
                    r#"{"force": false, "auto_accept": true, "name": "n", "provisions": [{"holder": "user:u1", "source": "project:p1", "resource": "cyclades.vm", "quantity": 1}]}"#,
                )
                .reply(ok(json!({"serial": 57}))),
            ],
            call!(|c| {
                let p = Provision::new("user:u1", Some("project:p1".into()), "cyclades.vm", 1);
                let req = CommissionRequest::new(vec![p]).name("n").auto_accept(true);
                c.commissions().issue_request().request(req).send().await
            }),
            Want::Is(json!(57)),
        ),
        row(
            "issue_commission_generic",
            vec![
                discovery(),
                post(
                    "/account_prefix/commissions",
                    r#"{"force": true, "auto_accept": false, "name": "", "provisions": [{"holder": "user:u1", "source": "project:p1", "resource": "cyclades.vm", "quantity": 1}, {"holder": "project:p1", "source": null, "resource": "cyclades.vm", "quantity": 2}]}"#,
                )
                .reply(ok(json!({"serial": 58}))),
            ],
            call!(|c| {
                // Project provisions go after the user provisions, whatever
                // the order of the calls.
                c.commissions()
                    .issue_generic()
                    .project_provision((&pid("p1"), "cyclades.vm"), 2)
                    .user_provision((&uid("u1"), &pid("p1"), "cyclades.vm"), 1)
                    .force(true)
                    .send()
                    .await
            }),
            Want::Is(json!(58)),
        ),
        row(
            "issue_one_commission",
            vec![
                discovery(),
                post(
                    "/account_prefix/commissions",
                    r#"{"force": false, "auto_accept": false, "name": "na\u00efve", "provisions": [{"holder": "user:u1", "source": "project:p\"2", "resource": "cyclades.vm", "quantity": -5}, {"holder": "project:p\"2", "source": null, "resource": "cyclades.vm", "quantity": -5}]}"#,
                )
                .reply(ok(json!({"serial": 59}))),
            ],
            call!(|c| {
                c.commissions()
                    .issue_one(&uid("u1"))
                    .provision((&pid("p\"2"), "cyclades.vm"), -5)
                    .name("naïve")
                    .send()
                    .await
            }),
            Want::Is(json!(59)),
        ),
        row(
            "issue_one_commission (QuotaLimit)",
            vec![
                discovery(),
                post(
                    "/account_prefix/commissions",
                    r#"{"force": false, "auto_accept": false, "name": "", "provisions": [{"holder": "user:u1", "source": "project:p1", "resource": "cyclades.ram", "quantity": 520}, {"holder": "project:p1", "source": null, "resource": "cyclades.ram", "quantity": 520}]}"#,
                )
                .reply(Reply::json(413, json!({"overLimit": {"message": "over", "code": 413,
                    "data": {"provision": {"holder": "user:u1", "source": "project:p1",
                                           "resource": "cyclades.ram", "quantity": 520},
                             "name": "NoCapacityError", "limit": 600, "usage": 180}}}))),
            ],
            call!(|c| {
                c.commissions()
                    .issue_one(&uid("u1"))
                    .provision((&pid("p1"), "cyclades.ram"), 520)
                    .send()
                    .await
            }),
            Want::Err(|e| {
                let Some(api) = e.api() else { return false };
                let Some(over) = api.detail::<OverLimit>() else {
                    return false;
                };
                let text = "Limit for resource 'RAM' exceeded for your account. Available: 420, Requested: 520";
                (api.status, api.code.as_deref()) == (413, Some("overLimit"))
                    && over.details() == text
                    && api.message == format!("{QUOTA_LIMIT_MESSAGE} {text}")
                    && QUOTA_LIMIT_MESSAGE == "Resource Limit Exceeded for your account."
                    && api.excerpt.contains("\"over\"")
            }),
        ),
        row(
            "issue_one_commission (no serial)",
            vec![
                discovery(),
                post(
                    "/account_prefix/commissions",
                    r#"{"force": false, "auto_accept": false, "name": "", "provisions": [{"holder": "user:u1", "source": "project:p1", "resource": "x", "quantity": 1}, {"holder": "project:p1", "source": null, "resource": "x", "quantity": 1}]}"#,
                )
                .reply(ok(json!({"nope": 1}))),
            ],
            call!(|c| {
                let c = c.commissions();
                c.issue_one(&uid("u1")).provision((&pid("p1"), "x"), 1).send().await
            }),
            Want::Err(|e| {
                matches!(e, Error::Decode { status: 200, message, .. } if message.contains("missing field `serial`"))
            }),
        ),
        row(
            "mk_provisions",
            vec![],
            call!(|_c| Ok::<_, Error>(mk_provisions(&uid("u1"), &pid("p1"), "cyclades.vm", 1))),
            Want::Is(json!([
                {"holder": "user:u1", "source": "project:p1", "resource": "cyclades.vm", "quantity": 1},
                {"holder": "project:p1", "source": null, "resource": "cyclades.vm", "quantity": 1}])),
        ),
        row(
            "issue_resource_reassignment",
            vec![
                discovery(),
                post(
                    "/account_prefix/commissions",
                    r#"{"force": false, "auto_accept": false, "name": "", "provisions": [{"holder": "user:u1", "source": "project:p1", "resource": "cyclades.vm", "quantity": -3}, {"holder": "project:p1", "source": null, "resource": "cyclades.vm", "quantity": -3}, {"holder": "user:u1", "source": "project:p2", "resource": "cyclades.vm", "quantity": 3}, {"holder": "project:p2", "source": null, "resource": "cyclades.vm", "quantity": 3}]}"#,
                )
                .reply(ok(json!({"serial": 60}))),
            ],
            call!(|c| {
                c.commissions()
                    .reassign(&uid("u1"))
                    .provision((&pid("p1"), &pid("p2"), "cyclades.vm"), 3)
                    .send()
                    .await
            }),
            Want::Is(json!(60)),
        ),
        row(
            "get_pending_commissions",
            vec![discovery(), get("/account_prefix/commissions").reply(ok(json!([56, 57])))],
            call!(|c| c.commissions().pending().await),
            Want::Is(json!([56, 57])),
        ),
        row(
            "get_pending_commissions (bad answer)",
            vec![discovery(), get("/account_prefix/commissions").reply(ok(json!([1, "x"])))],
            call!(|c| c.commissions().pending().await),
            Want::Err(|e| matches!(e, Error::Decode { path, .. } if path == "[1]")),
        ),
        row(
            "get_commission_info",
            vec![
                discovery(),
                get("/account_prefix/commissions/57")
                    .reply(ok(json!({"serial": 57, "name": "c", "provisions": [], "state": "pending"}))),
            ],
            call!(|c| c.commissions().info(Serial(57)).await),
            Want::Is(json!({"serial": 57, "name": "c", "provisions": [], "state": "pending"})),
        ),
        row(
            "commission_action",
            vec![discovery(), post("/account_prefix/commissions/57/action", r#"{"accept": ""}"#)],
            call!(|c| {
                let a = c.commissions().action(Serial(57));
                a.action(CommissionAction::Accept).send().await
            }),
            Want::Is(Value::Null),
        ),
        row(
            "accept_commission",
            vec![discovery(), post("/account_prefix/commissions/57/action", r#"{"accept": ""}"#)],
            call!(|c| c.commissions().accept(Serial(57)).await),
            Want::Is(Value::Null),
        ),
        row(
            "reject_commission",
            vec![
                discovery(),
                post("/account_prefix/commissions/58/action", r#"{"reject": ""}"#)
                    .reply(Reply::json(404, json!({"itemNotFound": {"message": "no serial 58", "code": 404}}))),
            ],
            call!(|c| c.commissions().reject(Serial(58)).await),
            Want::Err(|e| {
                e.is_not_found()
                    && e.api().map(|a| (a.code.as_deref(), a.message.as_str()))
                        == Some((Some("itemNotFound"), "no serial 58"))
            }),
        ),
        row(
            "resolve_commissions",
            vec![
                discovery(),
                post("/account_prefix/commissions/action", r#"{"accept": [56, 57], "reject": [58]}"#)
                    .reply(ok(json!({"accepted": [57], "rejected": [58],
                        "failed": [[56, {"badRequest": {"message": "m", "code": 400}}]]}))),
            ],
            call!(|c| {
                let r = c.commissions().resolve().accept([Serial(56), Serial(57)]);
                r.reject([Serial(58)]).send().await
            }),
            Want::Is(json!({"accepted": [57], "rejected": [58],
                "failed": [[56, {"badRequest": {"message": "m", "code": 400}}]]})),
        ),
        // Projects and applications (#29–#34).
        row(
            "get_projects",
            vec![
                discovery(),
                get("/account_prefix/projects")
                    .query("owner=u1&state=active&name=x+y&mode=member")
                    .header("content-type", "application/json")
                    .reply(ok(json!([]))),
            ],
            call!(|c| {
                c.projects()
                    .list()
                    .name("x y")
                    .state(ProjectState::Active)
                    .owner(uid("u1"))
                    .mode(ProjectMode::Member)
                    .send()
                    .await
            }),
            Want::Is(json!([])),
        ),
        row(
            "get_project",
            vec![discovery(), get("/account_prefix/projects/a%2Fb").reply(ok(project.clone()))],
            call!(|c| c.projects().get(&pid("a/b")).await),
            Want::Is(project),
        ),
        row(
            "create_project",
            vec![
                discovery(),
                post(
                    "/account_prefix/projects",
                    r#"{"name": "n", "end_date": "2030-01-01T00:00:00Z", "max_members": 3}"#,
                )
                .reply(Reply::json(201, json!({"id": "p9", "application": 3}))),
            ],
            call!(|c| {
                let spec = NewProject::new("n", "2030-01-01T00:00:00Z").max_members(3);
                c.projects().create().spec(spec).send().await
            }),
            Want::Is(json!({"id": "p9", "application": 3})),
        ),
        row(
            "modify_project",
            vec![
                discovery(),
                json_req(Method::PUT, "/account_prefix/projects/p1", r#"{"max_members": 20}"#)
                    .reply(Reply::json(201, json!({"id": "p1", "application": 4}))),
            ],
            call!(|c| {
                let changes = NewProject::changes().max_members(20);
                c.projects().modify(&pid("p1")).spec(changes).send().await
            }),
            Want::Is(json!({"id": "p1", "application": 4})),
        ),
        row(
            "project_action",
            vec![
                discovery(),
                post("/account_prefix/projects/p1/action", r#"{"suspend": {"reason": "abuse"}}"#),
            ],
            call!(|c| {
                let p = pid("p1");
                let a = c.projects().action(&p).action(ProjectAction::Suspend);
                a.reason("abuse").send().await
            }),
            Want::Is(Value::Null),
        ),
        row(
            "application_action",
            vec![
                discovery(),
                post(
                    "/account_prefix/projects/p1/action",
                    r#"{"approve": {"reasons": "ok", "app_id": 7}}"#,
                ),
            ],
            call!(|c| {
                c.applications()
                    .action(&pid("p1"), ApplicationId(7))
                    .action(ApplicationAction::Approve)
                    .reason("ok")
                    .send()
                    .await
            }),
            Want::Is(Value::Null),
        ),
        // Memberships (#35–#39).
        row(
            "get_memberships",
            vec![
                discovery(),
                get("/account_prefix/projects/memberships")
                    .query("project=p1")
                    .header("content-type", "application/json")
                    .reply(ok(json!([{"id": 3, "state": "accepted", "allowed_actions": ["leave"]}]))),
            ],
            call!(|c| c.memberships().list().project(pid("p1")).send().await),
            Want::Is(json!([{"id": 3, "state": "accepted", "allowed_actions": ["leave"]}])),
        ),
        row(
            "get_membership",
            vec![
                discovery(),
                get("/account_prefix/projects/memberships/3")
                    .reply(ok(json!({"id": 3, "user": "u1", "requested": "2014-01-01"}))),
            ],
            call!(|c| c.memberships().get(MembershipId(3)).await),
            Want::Is(json!({"id": 3, "user": "u1", "allowed_actions": [], "requested": "2014-01-01"})),
        ),
        row(
            "membership_action",
            vec![
                discovery(),
                post("/account_prefix/projects/memberships/3/action", r#"{"accept": "welcome"}"#),
            ],
            call!(|c| {
                let m = c.memberships();
                let a = m.action(MembershipId(3)).action(MembershipAction::Accept);
                a.reason("welcome").send().await
            }),
            Want::Is(Value::Null),
        ),
        row(
            "join_project",
            vec![
                discovery(),
                post("/account_prefix/projects/memberships", r#"{"join": {"project": "p1"}}"#)
                    .reply(ok(json!({"id": 9}))),
            ],
            call!(|c| c.memberships().join(&pid("p1")).await),
            Want::Is(json!({"id": 9})),
        ),
        row(
            "enroll_member",
            vec![
                discovery(),
                post(
                    "/account_prefix/projects/memberships",
                    r#"{"enroll": {"project": "p1", "user": "x@example.org"}}"#,
                )
                .reply(ok(json!({"id": 10}))),
            ],
            call!(|c| c.memberships().enroll(&pid("p1")).email("x@example.org").send().await),
            Want::Is(json!({"id": 10})),
        ),
        // The module functions (#40, #41): nothing is sent.
        row(
            "parse_endpoints",
            vec![],
            call!(|_c| {
                let info: AuthInfo = serde_json::from_value(catalog()).unwrap();
                let f = EndpointFilter::new().name("astakos_account").version_id("v2.0");
                parse_endpoints(&info, &f)
            }),
            Want::Ok(|v| v[0]["endpoints"][0]["publicURL"] == "https://example.org/account2"),
        ),
        row(
            "parse_endpoints (NoEndpoints)",
            vec![],
            call!(|_c| {
                let info: AuthInfo = serde_json::from_value(catalog()).unwrap();
                parse_endpoints(&info, &EndpointFilter::new().name("cyclades").region("r"))
            }),
            Want::Err(|e| {
                matches!(e, Error::InvalidInput { field, reason } if field == "endpoints"
                    && reason == "No endpoints found matching, name = cyclades, region = r")
            }),
        ),
        row(
            "get_token_from_cookie",
            vec![],
            call!(|_c| {
                let t = get_token_from_cookie("a=1; _pithos2_a=u%40x|tok%7Cen|x", "_pithos2_a");
                Ok::<_, Error>(t.map(|s| s.expose().to_owned()))
            }),
            Want::Is(json!("tok")),
        ),
    ]
}

/// Bad input: refused before anything is sent (no request expected).
fn refused() -> Vec<(&'static str, Call, &'static str)> {
    vec![
        (
            "get_uuid",
            call!(|c| c.users().uuid().display_name("").send().await),
            "display_name",
        ),
        (
            "send_feedback",
            call!(|c| c.feedback().create().message("").data("d").send().await),
            "message",
        ),
        (
            "issue_one_commission",
            call!(|c| c.commissions().issue_one(&uid("u")).send().await),
            "provisions",
        ),
        (
            "issue_one_commission",
            call!(|c| c
                .commissions()
                .issue_one(&uid("u"))
                .provision((&pid("p"), "a b"), 1)
                .send()
                .await),
            "resource",
        ),
        (
            "issue_commission_generic",
            call!(|c| {
                let key = (&pid("p"), "nbsp\u{a0}");
                c.commissions()
                    .issue_generic()
                    .project_provision(key, 1)
                    .send()
                    .await
            }),
            "resource",
        ),
        (
            "_issue_commission",
            call!(|c| {
                let p = Provision::new("", None, "cyclades.vm", 1);
                let req = CommissionRequest::new(vec![p]);
                c.commissions().issue_request().request(req).send().await
            }),
            "holder",
        ),
        (
            "get_uuids",
            call!(|c| c.users().uuids().display_names(["a", ""]).send().await),
            "display_names",
        ),
        (
            "get_projects",
            call!(|c| c.projects().list().name("").send().await),
            "name",
        ),
        (
            "issue_resource_reassignment",
            call!(|c| {
                let key = (&pid("a"), &pid("b"), "r");
                c.commissions()
                    .reassign(&uid("u"))
                    .provision(key, i64::MIN)
                    .send()
                    .await
            }),
            "quantity",
        ),
        (
            "commission_action",
            call!(|c| c
                .commissions()
                .action(Serial(1))
                .action(CommissionAction::from("x"))
                .send()
                .await),
            "action",
        ),
        (
            "application_action",
            call!(|c| c
                .applications()
                .action(&pid("p"), ApplicationId(1))
                .send()
                .await),
            "action",
        ),
        (
            "enroll_member",
            call!(|c| c.memberships().enroll(&pid("p")).send().await),
            "email",
        ),
        (
            "create_project",
            call!(|c| {
                let spec = NewProject::changes().name("x");
                c.projects().create().spec(spec).send().await
            }),
            "end_date",
        ),
        (
            "validate_token",
            call!(|c| {
                let v = c.identity().validate_token();
                v.token_id(Secret::new("")).send().await
            }),
            "token_id",
        ),
        (
            // A bad name in a later chunk: nothing is sent, not even the
            // first chunk.
            "get_uuids",
            call!(|c| {
                let names = c.users().uuids().display_names(["a", "b", ""]);
                names
                    .chunk_size(1)
                    .into_stream()
                    .try_collect::<Vec<_>>()
                    .await
            }),
            "display_names",
        ),
        // Each required builder field, left unset.
        (
            "validate_token",
            call!(|c| c.identity().validate_token().send().await),
            "token_id",
        ),
        (
            "get_token",
            call!(|c| {
                let t = c.identity().oauth2_token().client_secret(Secret::new("s"));
                t.send().await
            }),
            "client_id",
        ),
        (
            "get_token",
            call!(|c| c.identity().oauth2_token().client_id("cid").send().await),
            "client_secret",
        ),
        (
            "get_uuid",
            call!(|c| c.users().uuid().send().await),
            "display_name",
        ),
        (
            "send_feedback",
            call!(|c| c.feedback().create().data("d").send().await),
            "message",
        ),
        (
            "_issue_commission",
            call!(|c| c.commissions().issue_request().send().await),
            "request",
        ),
        (
            "commission_action",
            call!(|c| c.commissions().action(Serial(1)).send().await),
            "action",
        ),
        (
            "create_project",
            call!(|c| c.projects().create().send().await),
            "spec",
        ),
        (
            "modify_project",
            call!(|c| c.projects().modify(&pid("p")).send().await),
            "spec",
        ),
        (
            "project_action",
            call!(|c| c.projects().action(&pid("p")).reason("r").send().await),
            "action",
        ),
        (
            "membership_action",
            call!(|c| c.memberships().action(MembershipId(1)).send().await),
            "action",
        ),
    ]
}

fn client(mock: &Arc<MockTransport>) -> AstakosClient {
    AstakosClient::builder(AUTH_URL, Secret::new(TOKEN))
        .transport(mock.clone())
        .retry(RetryConfig::disabled())
        .build()
        .unwrap()
}

#[tokio::test]
async fn every_entry_point() {
    let mut failures = Vec::new();
    let rows = rows();
    let entries: std::collections::BTreeSet<&str> = rows
        .iter()
        .map(|r| r.entry.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        entries.len(),
        42,
        "the 41 entry points and _issue_commission"
    );
    for r in rows {
        let mock = Arc::new(MockTransport::new());
        for e in r.requests {
            mock.push(e);
        }
        let got = (r.call)(client(&mock)).await;
        let fine = match (&r.want, &got) {
            (Want::Is(want), Ok(v)) => v == want,
            (Want::Ok(check), Ok(v)) => check(v),
            (Want::Err(check), Err(e)) => check(e),
            _ => false,
        };
        if !fine {
            failures.push(format!("{}: got {got:?}", r.entry));
        }
        if let Err(problems) = mock.verify() {
            failures.push(format!("{}: {problems}", r.entry));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_sent() {
    for (entry, call, field) in refused() {
        let mock = Arc::new(MockTransport::new());
        match call(client(&mock)).await {
            Err(Error::InvalidInput { field: f, .. }) => assert_eq!(f, field, "{entry}"),
            other => panic!("{entry}: {other:?}"),
        }
        assert!(mock.requests().is_empty(), "{entry}: nothing was sent");
        mock.verify().unwrap();
    }
}

/// Only the paths of the catalog's URLs count (absolute or relative, any
/// host, query dropped), and each new catalog (an authenticate) moves the
/// prefixes, as the reference refills them.
#[tokio::test]
async fn prefixes_follow_each_new_catalog() {
    let cat = |account: &str, ui: &str| {
        json!({"access": {"serviceCatalog": [{"name": "astakos_account", "endpoints": [
            {"publicURL": account, "SNF:uiURL": ui, "versionId": "v1.0"}]}]}})
    };
    let mock = Arc::new(MockTransport::new());
    let first = cat("https://other.host:8443/acc/v1.0?x=1", "/ui");
    mock.push(discovery().reply(ok(first)));
    mock.push(get("/acc/v1.0/quotas").reply(ok(json!({}))));
    mock.push(get("/ui/get_services").reply(ok(json!([]))));
    mock.push(
        Expect::new(Method::POST, TOKENS)
            .any_body()
            .reply(ok(cat("/moved/v1.0/", "/u2"))),
    );
    mock.push(get("/moved/v1.0/quotas").reply(ok(json!({}))));
    let c = client(&mock);
    c.quotas().get().await.unwrap();
    c.services().list().await.unwrap();
    c.identity().authenticate().send().await.unwrap();
    c.quotas().get().await.unwrap();
    let p = c.cached_prefixes().await;
    assert_eq!(
        (p.account.as_deref(), p.ui.as_deref()),
        (Some("/moved/v1.0/"), Some("/u2"))
    );
    mock.verify().unwrap();
}
