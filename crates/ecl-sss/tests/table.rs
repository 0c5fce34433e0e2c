//! Every v1 operation as a row (STYLE R15, issue #11 "tests as tables"):
//! the call, the request it must send (method, path, query, the headers
//! that matter, body), the canned answer, and the value or error the
//! client must make of it — run through core's `MockTransport`, after one
//! scripted Keystone login.

use ecl_sss::{EclSssClient, Error, RetryConfig, Secret};
use futures::future::BoxFuture;
use serde_json::{json, Value};
use std::sync::Arc;
use tenantry_core::http::Method;
use tenantry_core::transport::mock::{Expect, MockTransport, Reply};

const U: &str = "ecid1000000001";
const U2: &str = "ecid1000000002";
const C: &str = "econ1000000001";
const C2: &str = "econ1000000002";
const T: &str = "7e0b7c4a1a9f4b8e9f3c2d1e0a5b6c7d";
const G: &str = "09d98eda-6421-11e6-9827-e1e34fb8c324";
const R: &str = "e8422cea-6449-11e6-82d8-7f1d195e00b5";
const CH: &str = "ch0001";
const TOKEN: &str = "tok-table-1";

type Call = Box<dyn Fn(EclSssClient) -> BoxFuture<'static, ecl_sss::Result<Value>>>;

/// A row's call: any client call whose answer serializes.
fn call<F, Fut, V>(f: F) -> Call
where
    F: Fn(EclSssClient) -> Fut + 'static,
    Fut: std::future::Future<Output = ecl_sss::Result<V>> + Send + 'static,
    V: serde::Serialize,
{
    Box::new(move |c| {
        let fut = f(c);
        Box::pin(async move { fut.await.map(|v| serde_json::to_value(v).unwrap()) })
    })
}

#[derive(Debug)]
enum Want {
    /// The value, as JSON.
    Value(Value),
    /// `Error::Api` with this status and message.
    Api(u16, &'static str),
    /// `Error::InvalidInput` naming this field, nothing sent.
    Input(&'static str),
}
use Want::*;

/// The request every row expects: the token and `Accept` on every call.
fn req(method: Method, path: &str) -> Expect {
    Expect::new(method, &format!("/api/v1.0{path}"))
        .header("x-auth-token", TOKEN)
        .header("accept", "application/json")
}

/// With a JSON body (and its `Content-Type`).
fn with_body(e: Expect, body: Value) -> Expect {
    e.header("content-type", "application/json").json(body)
}

/// No body and no `Content-Type`.
fn bodyless(e: Expect) -> Expect {
    e.no_header("content-type")
}

fn id<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

fn user_json() -> Value {
    json!({"user_id": U, "login_id": "alice", "mail_address": "alice@example.com",
           "contract_owner": false, "contract_id": C, "keystone_name": "key-1",
           "keystone_password": "api-secret-1", "start_time": "2018-07-26 08:40:01",
           "super_user": true})
}

fn user_seen() -> Value {
    // The secret masked, the unmodelled field kept.
    let mut v = user_json();
    v["keystone_password"] = json!("***");
    for k in [
        "keystone_endpoint",
        "sss_endpoint",
        "password",
        "login_integration",
        "external_reference_id",
    ] {
        v[k] = Value::Null;
    }
    v
}

fn rows() -> Vec<(&'static str, Call, Option<Expect>, Want)> {
    let not_found = || Reply::json(404, json!({"message": "Resource not found"}));
    vec![
        // ------------------------------------------------------------ users
        (
            "#1 users",
            call(|c| async move { c.users().list().await }),
            Some(bodyless(req(Method::GET, "/users")).reply(Reply::json(
                200,
                json!({"contract_id": C, "users": [user_json()]}),
            ))),
            Value(json!([user_seen()])),
        ),
        (
            "#2 find_user",
            call(|c| async move { c.users().find(&id(U2)).await }),
            Some(req(Method::GET, "/users").reply(Reply::json(
                200,
                json!({"users": [user_json(), {"user_id": U2, "login_id": "bob"}]}),
            ))),
            Value(json!({"user_id": U2, "login_id": "bob", "mail_address": null,
                "contract_owner": null, "contract_id": null, "keystone_name": null,
                "keystone_password": null, "keystone_endpoint": null, "sss_endpoint": null,
                "password": null, "login_integration": null, "external_reference_id": null,
                "start_time": null})),
        ),
        (
            "#2 find_user, none",
            call(|c| async move { c.users().find(&id("ecid1000000099")).await }),
            Some(req(Method::GET, "/users").reply(Reply::json(200, json!({"users": []})))),
            Value(Value::Null),
        ),
        (
            "#3 get_user",
            call(|c| async move { c.users().get(&id(U)).await }),
            Some(req(Method::GET, &format!("/users/{U}")).reply(Reply::json(200, user_json()))),
            Value(user_seen()),
        ),
        (
            "#3 get_user, 404",
            call(|c| async move { c.users().get(&id(U)).await }),
            Some(req(Method::GET, &format!("/users/{U}")).reply(not_found())),
            Api(404, "Resource not found"),
        ),
        (
            "#3 get_user_opt, 404",
            call(|c| async move { c.users().get_opt(&id(U)).await }),
            Some(req(Method::GET, &format!("/users/{U}")).reply(not_found())),
            Value(Value::Null),
        ),
        (
            "#4 create_user",
            call(|c| async move {
                c.users()
                    .create()
                    .login_id("alice")
                    .mail_address("alice@example.com")
                    .password(Secret::new("Init-pass-1"))
                    .send()
                    .await
                    .map(|u| u.user_id)
            }),
            Some(
                with_body(
                    req(Method::POST, "/users"),
                    json!({"login_id": "alice", "mail_address": "alice@example.com",
                           "notify_password": "false", "password": "Init-pass-1"}),
                )
                .reply(Reply::json(201, json!({"user_id": U, "login_id": "alice"}))),
            ),
            Value(json!(U)),
        ),
        (
            "#4 create_user, notify, no password",
            call(|c| async move {
                c.users()
                    .create()
                    .login_id("bob")
                    .mail_address("bob@example.com")
                    .notify_password(true)
                    .send()
                    .await
                    .map(|u| u.login_id)
            }),
            Some(
                with_body(
                    req(Method::POST, "/users"),
                    json!({"login_id": "bob", "mail_address": "bob@example.com",
                           "notify_password": "true"}),
                )
                .reply(Reply::json(201, json!({"user_id": U2, "login_id": "bob"}))),
            ),
            Value(json!("bob")),
        ),
        (
            "#4 create_user, conflict",
            call(|c| async move {
                c.users().create().login_id("alice").mail_address("a@example.com").send().await
            }),
            Some(req(Method::POST, "/users").any_body().reply(Reply::json(
                409,
                json!({"message": "login_id already exists"}),
            ))),
            Api(409, "login_id already exists"),
        ),
        (
            "#4 create_user, missing mail_address",
            call(|c| async move { c.users().create().login_id("alice").send().await }),
            None,
            Input("mail_address"),
        ),
        (
            "#5 update_user",
            call(|c| async move {
                c.users().update(&id(U)).mail_address("new@example.com").send().await
            }),
            Some(
                with_body(req(Method::PUT, &format!("/users/{U}")), json!({"mail_address": "new@example.com"}))
                    .reply(Reply::status(204)),
            ),
            Value(Value::Null),
        ),
        (
            "#5 update_user, nothing set sends {}",
            call(|c| async move { c.users().update(&id(U)).send().await }),
            Some(with_body(req(Method::PUT, &format!("/users/{U}")), json!({})).reply(Reply::status(204))),
            Value(Value::Null),
        ),
        (
            "#6 delete_user",
            call(|c| async move { c.users().delete(&id(U)).await }),
            Some(bodyless(req(Method::DELETE, &format!("/users/{U}"))).reply(Reply::status(204))),
            Value(Value::Null),
        ),
        (
            "#6 delete_user, missing ignored",
            call(|c| async move { c.users().delete_if_exists(&id(U)).await }),
            Some(req(Method::DELETE, &format!("/users/{U}")).reply(not_found())),
            Value(json!(false)),
        ),
        // ---------------------------------------------------------- tenants
        (
            "#7 tenants",
            call(|c| async move {
                c.tenants().list().await.map(|v| {
                    v.into_iter().map(|t| (t.tenant_id, t.region)).collect::<Vec<_>>()
                })
            }),
            Some(req(Method::GET, "/tenants").reply(Reply::json(
                200,
                json!({"contract_id": C, "tenants": [{"tenant_id": T, "tenant_name": "t1",
                       "description": "d", "region": "jp1", "start_time": "2018-07-26 08:40:01"}]}),
            ))),
            Value(json!([[T, "jp1"]])),
        ),
        (
            "#8 find_tenant",
            call(|c| async move {
                c.tenants().find(&id(T)).await.map(|t| t.and_then(|t| t.tenant_name))
            }),
            Some(req(Method::GET, "/tenants").reply(Reply::json(
                200,
                json!({"tenants": [{"tenant_id": T, "tenant_name": "t1"}]}),
            ))),
            Value(json!("t1")),
        ),
        (
            "#9 create_tenant",
            call(|c| async move {
                c.tenants()
                    .create()
                    .tenant_name("t1")
                    .description("first")
                    .region("jp1")
                    .contract_id(&id(C))
                    .send()
                    .await
                    .map(|t| t.tenant_id)
            }),
            Some(
                with_body(
                    req(Method::POST, "/tenants"),
                    json!({"tenant_name": "t1", "description": "first", "region": "jp1", "contract_id": C}),
                )
                .reply(Reply::json(201, json!({"tenant_id": T, "tenant_name": "t1"}))),
            ),
            Value(json!(T)),
        ),
        (
            "#9 create_tenant, missing region",
            call(|c| async move { c.tenants().create().tenant_name("t1").description("d").send().await }),
            None,
            Input("region"),
        ),
        (
            "#10 delete_tenant (ignore_missing=True)",
            call(|c| async move { c.tenants().delete_if_exists(&id(T)).await }),
            Some(req(Method::DELETE, &format!("/tenants/{T}")).reply(Reply::status(204))),
            Value(json!(true)),
        ),
        // ------------------------------------------------------------ roles
        (
            "#11 create_role",
            call(|c| async move { c.roles().create(&id(U), &id(T)).await.map(|r| r.role_name) }),
            Some(
                with_body(req(Method::POST, "/roles"), json!({"user_id": U, "tenant_id": T})).reply(
                    Reply::json(201, json!({"user_id": U, "tenant_id": T, "role_name": "_member_",
                        "region_id": "jp1", "region_name": "jp1", "tenant_name": "t1"})),
                ),
            ),
            Value(json!("_member_")),
        ),
        (
            "#12 delete_role",
            call(|c| async move { c.roles().delete(&id(U), &id(T)).await }),
            Some(
                bodyless(req(Method::DELETE, &format!("/roles/tenants/{T}/users/{U}")))
                    .reply(Reply::status(204)),
            ),
            Value(Value::Null),
        ),
        // --------------------------------------------------------- API keys
        (
            "#13 update_api_key",
            call(|c| async move {
                c.api_keys().update(&id(U)).await.map(|k| {
                    assert_eq!(k.keystone_password.as_ref().map(Secret::expose), Some("new-secret"));
                    assert!(!format!("{k:?}").contains("new-secret"));
                    k
                })
            }),
            Some(bodyless(req(Method::PUT, &format!("/keys/{U}"))).reply(Reply::json(
                200,
                json!({"user_id": U, "keystone_name": "new-key", "keystone_password": "new-secret",
                       "status": "Success"}),
            ))),
            Value(json!({"user_id": U, "keystone_name": "new-key", "keystone_password": "***",
                         "status": "Success"})),
        ),
        // --------------------------------------------------------- channels
        (
            "#14 channels",
            call(|c| async move { c.channels().list().get_contracts(true).send().await }),
            Some(
                req(Method::GET, "/channels").query("get_contracts=true").reply(Reply::json(
                    200,
                    json!({"channels": [{"channel_id": CH, "channel_name": "own", "language": "en",
                        "management_channel": true, "parent_channel_id": null,
                        "contracts": [{"contract_id": C, "status": "enable"},
                                      {"contract_id": C2, "status": "suspended"}]}]}),
                )),
            ),
            Value(json!([{"channel_id": CH, "channel_name": "own", "language": "en",
                "management_channel": true, "parent_channel_id": null,
                "contracts": [{"contract_id": C, "status": "enable"},
                              {"contract_id": C2, "status": "suspended"}]}])),
        ),
        (
            "#14 channels, default false",
            call(|c| async move { c.channels().list().send().await.map(|v| v.len()) }),
            Some(
                req(Method::GET, "/channels")
                    .query("get_contracts=false")
                    .reply(Reply::json(200, json!({"channels": []}))),
            ),
            Value(json!(0)),
        ),
        (
            "#14 channels, not a partner",
            call(|c| async move { c.channels().list().send().await }),
            Some(req(Method::GET, "/channels").query("get_contracts=false").reply(Reply::json(
                403,
                json!({"message": "This user is not allowed to access this resource"}),
            ))),
            Api(403, "This user is not allowed to access this resource"),
        ),
        // -------------------------------------------------------- contracts
        (
            "#15 create_contract",
            call(|c| async move {
                c.contracts()
                    .create()
                    .login_id("owner")
                    .mail_address("owner@example.com")
                    .channel_id(&id(CH))
                    .external_reference_id("N1234567890")
                    .notify_password(false)
                    .send()
                    .await
                    .map(|k| (k.contract_id, k.user_id))
            }),
            Some(
                with_body(
                    req(Method::POST, "/contracts"),
                    json!({"login_id": "owner", "mail_address": "owner@example.com", "channel_id": CH,
                           "external_reference_id": "N1234567890", "notify_password": "false"}),
                )
                .reply(Reply::json(201, json!({"contract_id": C2, "user_id": U2,
                    "keystone_password": "owner-secret"}))),
            ),
            Value(json!([C2, U2])),
        ),
        (
            "#16 contracts",
            call(|c| async move {
                c.contracts()
                    .list(&id(CH))
                    .include_deleted(true)
                    .send()
                    .await
                    .map(|v| v.into_iter().map(|k| k.status).collect::<Vec<_>>())
            }),
            Some(
                req(Method::GET, "/contracts")
                    .query(&format!("channel_id={CH}&include_deleted=true"))
                    .reply(Reply::json(200, json!({"contracts": [
                        {"contract_id": C, "status": "enable"},
                        {"contract_id": C2, "status": "deleted"}]}))),
            ),
            Value(json!(["enable", "deleted"])),
        ),
        (
            "#17 delete_contract",
            call(|c| async move { c.contracts().delete(&id(C2)).await }),
            Some(bodyless(req(Method::DELETE, &format!("/contracts/{C2}"))).reply(Reply::status(204))),
            Value(Value::Null),
        ),
        (
            "#18 get_contract",
            call(|c| async move { c.contracts().get(&id(C)).await.map(|k| (k.channel_id, k.end_time)) }),
            Some(req(Method::GET, &format!("/contracts/{C}")).reply(Reply::json(
                200,
                json!({"contract_id": C, "status": "enable", "channel_id": CH, "end_time": "",
                       "company_code": "C1234567890"}),
            ))),
            Value(json!([CH, ""])),
        ),
        (
            "#18 get_contract_opt, 404",
            call(|c| async move { c.contracts().get_opt(&id(C)).await }),
            Some(req(Method::GET, &format!("/contracts/{C}")).reply(not_found())),
            Value(Value::Null),
        ),
        // ---------------------------------------------------------- billing
        (
            "#19 get_billing_info",
            call(|c| async move { c.billing(&id(C)).month(&id("2024-05")).await.map(|b| b.charge_status) }),
            Some(req(Method::GET, &format!("/contracts/{C}/billing/2024-05")).reply(Reply::json(
                200,
                json!({"contract_id": C, "charge_status": "estimated", "charge_data": {"total": 1}}),
            ))),
            Value(json!("estimated")),
        ),
        (
            "#20 get_monthly_billing_of_each_contract",
            call(|c| async move {
                c.billing(&id(C))
                    .target_month(&id(C2), &id("2024-04"))
                    .await
                    .map(|b| (b.owner_contract_id, b.contract_id, b.charge_status))
            }),
            Some(
                req(Method::GET, &format!("/contracts/{C}/billing/2024-04/target_contract/{C2}"))
                    .reply(Reply::json(200, json!({"contract_id": C2, "owner_contract_id": C,
                        "charge_status": "fixed"}))),
            ),
            Value(json!([C, C2, "fixed"])),
        ),
        // ------------------------------------------------------- IAM groups
        (
            "#21 iam_groups",
            call(|c| async move { c.iam_groups().list().contract_id(&id(C)).send().await }),
            Some(req(Method::GET, "/iam/groups").query(&format!("contract_id={C}")).reply(Reply::json(
                200,
                json!({"iam_groups": [{"iam_group_id": G, "iam_group_name": "readers",
                    "description": "d", "iam_roles": [{"iam_role_id": R, "iam_role_name": "r"}]}]}),
            ))),
            Value(json!([{"iam_group_id": G, "iam_group_name": "readers", "description": "d",
                "contract_id": null, "iam_roles": [{"iam_group_id": null, "iam_group_name": null,
                "iam_role_id": R, "iam_role_name": "r"}]}])),
        ),
        (
            "#21 iam_groups, no contract: no query",
            call(|c| async move { c.iam_groups().list().send().await.map(|v| v.len()) }),
            Some(req(Method::GET, "/iam/groups").reply(Reply::json(200, json!({"iam_groups": []})))),
            Value(json!(0)),
        ),
        (
            "#22 create_iam_group",
            call(|c| async move {
                c.iam_groups()
                    .create()
                    .iam_group_name("readers")
                    .description("")
                    .send()
                    .await
                    .map(|g| g.iam_group_id)
            }),
            Some(
                with_body(req(Method::POST, "/iam/groups"), json!({"iam_group_name": "readers"}))
                    .reply(Reply::json(201, json!({"iam_group_id": G, "iam_group_name": "readers",
                        "contract_id": C}))),
            ),
            Value(json!(G)),
        ),
        (
            "#22 create_iam_group, bad name",
            call(|c| async move { c.iam_groups().create().iam_group_name("read ers").send().await }),
            None,
            Input("iam_group_name"),
        ),
        (
            "#23 delete_iam_group",
            call(|c| async move { c.iam_groups().delete(&id(G)).await }),
            Some(req(Method::DELETE, &format!("/iam/groups/{G}")).reply(Reply::status(204))),
            Value(Value::Null),
        ),
        (
            "#24 assign_iam_role",
            call(|c| async move { c.iam_groups().assign_role(&id(G), &id(R)).await }),
            Some(bodyless(req(Method::PUT, &format!("/iam/groups/{G}/roles/{R}"))).reply(Reply::json(
                200,
                json!({"iam_group_id": G, "iam_group_name": "readers", "iam_role_id": R,
                       "iam_role_name": "r"}),
            ))),
            Value(json!({"iam_group_id": G, "iam_group_name": "readers", "iam_role_id": R,
                         "iam_role_name": "r"})),
        ),
        (
            "#24 assign_iam_role, empty answer",
            call(|c| async move { c.iam_groups().assign_role(&id(G), &id(R)).await }),
            Some(req(Method::PUT, &format!("/iam/groups/{G}/roles/{R}")).reply(Reply::status(200))),
            Value(Value::Null),
        ),
        (
            "#25 delete_assign_iam_role",
            call(|c| async move { c.iam_groups().unassign_role(&id(G), &id(R)).await }),
            Some(req(Method::DELETE, &format!("/iam/groups/{G}/roles/{R}")).reply(Reply::status(204))),
            Value(Value::Null),
        ),
        (
            "#25 delete_assign_iam_role, IAM error body",
            call(|c| async move { c.iam_groups().unassign_role(&id(G), &id(R)).await }),
            Some(req(Method::DELETE, &format!("/iam/groups/{G}/roles/{R}")).reply(Reply::json(
                404,
                json!({"errorCode": "IAM-4040", "errorMessage": "The role is not assigned"}),
            ))),
            Api(404, "The role is not assigned"),
        ),
        (
            "#26 users_designated_iam_group",
            call(|c| async move {
                c.iam_groups().users(&id(G)).await.map(|g| {
                    g.users.into_iter().map(|u| u.user_id).collect::<Vec<_>>()
                })
            }),
            Some(req(Method::GET, &format!("/iam/groups/{G}/users")).reply(Reply::json(
                200,
                json!({"iam_group_id": G, "iam_group_name": "readers", "users": [{"user_id": U}]}),
            ))),
            Value(json!([U])),
        ),
        (
            "#27 assign_user",
            call(|c| async move {
                c.iam_groups().assign_user(&id(G), &id(U)).await.map(|a| a.and_then(|a| a.user_id))
            }),
            Some(bodyless(req(Method::PUT, &format!("/iam/groups/{G}/users/{U}"))).reply(Reply::json(
                200,
                json!({"iam_group_id": G, "iam_group_name": "readers", "user_id": U}),
            ))),
            Value(json!(U)),
        ),
        (
            "#28 delete_assign_user",
            call(|c| async move { c.iam_groups().unassign_user(&id(G), &id(U)).await }),
            Some(req(Method::DELETE, &format!("/iam/groups/{G}/users/{U}")).reply(Reply::status(204))),
            Value(Value::Null),
        ),
        // -------------------------------------------------------- IAM roles
        (
            "#29 iam_roles",
            call(|c| async move {
                c.iam_roles().list().send().await.map(|v| {
                    v.into_iter().map(|r| r.iam_role_name).collect::<Vec<_>>()
                })
            }),
            Some(req(Method::GET, "/iam/roles").reply(Reply::json(
                200,
                json!({"iam_roles": [{"iam_role_id": R, "iam_role_name": "r", "description": "d"}]}),
            ))),
            Value(json!(["r"])),
        ),
        (
            "#30 get_iam_role",
            call(|c| async move { c.iam_roles().get(&id(R)).await.map(|r| r.resources) }),
            Some(req(Method::GET, &format!("/iam/roles/{R}")).reply(Reply::json(
                200,
                json!({"iam_role_id": R, "iam_role_name": "r", "contract_id": C,
                       "resources": [{"basePath": "/ecl-sss", "ipAddress": "*", "path": "*",
                                      "verb": "PATCH", "query": "x"}]}),
            ))),
            Value(json!([{"basePath": "/ecl-sss", "ipAddress": "*", "path": "*", "verb": "PATCH",
                          "query": "x"}])),
        ),
        (
            "#31 create_iam_role",
            call(|c| async move {
                use ecl_sss::models::{IamResource, IamVerb};
                c.iam_roles()
                    .create()
                    .iam_role_name("sss_get_role")
                    .contract_id(&id(C))
                    .description("read only")
                    .resource(IamResource::new("/ecl-sss", "*", "*", IamVerb::Get))
                    .send()
                    .await
                    .map(|r| r.iam_role_id)
            }),
            Some(
                with_body(
                    req(Method::POST, "/iam/roles"),
                    json!({"contract_id": C, "iam_role_name": "sss_get_role", "description": "read only",
                           "resources": [{"basePath": "/ecl-sss", "ipAddress": "*", "path": "*", "verb": "GET"}]}),
                )
                .reply(Reply::json(201, json!({"iam_role_id": R}))),
            ),
            Value(json!(R)),
        ),
        (
            "#31 create_iam_role, no rules: resources []",
            call(|c| async move { c.iam_roles().create().iam_role_name("none").send().await.map(|r| r.iam_role_id) }),
            Some(
                with_body(req(Method::POST, "/iam/roles"), json!({"iam_role_name": "none", "resources": []}))
                    .reply(Reply::json(201, json!({"iam_role_id": R}))),
            ),
            Value(json!(R)),
        ),
        (
            "#32 delete_iam_role",
            call(|c| async move { c.iam_roles().delete(&id(R)).await }),
            Some(req(Method::DELETE, &format!("/iam/roles/{R}")).reply(Reply::status(204))),
            Value(Value::Null),
        ),
        (
            "#32 delete_iam_role, gateway fault",
            call(|c| async move { c.iam_roles().delete(&id(R)).await }),
            Some(req(Method::DELETE, &format!("/iam/roles/{R}")).reply(Reply::json(
                502,
                json!({"fault": {"faultstring": "Bad gateway"}}),
            ))),
            Api(502, "Bad gateway"),
        ),
    ]
}

fn client(mock: &Arc<MockTransport>) -> EclSssClient {
    EclSssClient::builder("http://keystone.test/v3")
        .username("key-1")
        .password(Secret::new("api-secret-1"))
        .project_id(id(T))
        .endpoint_override("http://sss.test/api/v1.0")
        .skip_discovery()
        .retry(RetryConfig::disabled())
        .transport(mock.clone())
        .build()
        .unwrap()
}

#[tokio::test]
async fn every_operation_sends_its_request_and_reads_its_answer() {
    let mock = Arc::new(MockTransport::new());
    // One login for the whole table.
    mock.push(
        Expect::new(Method::POST, "/v3/auth/tokens")
            .json(
                json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
                "name": "key-1", "password": "api-secret-1", "domain": {"id": "default"}}}},
                "scope": {"project": {"id": T}}}}),
            )
            .reply(
                Reply::json(
                    201,
                    json!({"token": {"expires_at": "2099-01-01T00:00:00.000000Z"}}),
                )
                .header("x-subject-token", TOKEN),
            ),
    );
    let c = client(&mock);
    let mut operations = std::collections::BTreeSet::new();
    for (name, call, expect, want) in rows() {
        if let Some(num) = name.split_whitespace().next() {
            operations.insert(num.to_owned());
        }
        let sent_before = mock.requests().len();
        if let Some(e) = expect {
            mock.push(e);
        }
        let got = call(c.clone()).await;
        match (&want, &got) {
            (Value(v), Ok(g)) => assert_eq!(g, v, "{name}"),
            (Api(status, message), Err(Error::Api(a))) => {
                assert_eq!(
                    (a.status, a.message.as_str()),
                    (*status, *message),
                    "{name}"
                );
            }
            (Input(field), Err(Error::InvalidInput { field: f, .. })) => {
                assert_eq!(f, field, "{name}");
                assert_eq!(mock.requests().len(), sent_before, "{name}: nothing sent");
            }
            _ => panic!("{name}: want {want:?}, got {got:?}"),
        }
        mock.verify().unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    assert_eq!(
        operations.len(),
        32,
        "a row for each of the 32 operations: {operations:?}"
    );
}

#[test]
fn bad_ids_and_months_are_refused_before_anything_is_sent() {
    use ecl_sss::{BillingMonth, ContractId, IamGroupId, TenantId, UserId};
    assert!("ecid123".parse::<UserId>().is_err());
    assert!("econ1000000001/../x".parse::<ContractId>().is_err());
    assert!("TENANT".parse::<TenantId>().is_err());
    assert!("not-a-uuid".parse::<IamGroupId>().is_err());
    assert!("2024-13".parse::<BillingMonth>().is_err());
    let e = "2024-13".parse::<BillingMonth>().unwrap_err();
    assert!(e.to_string().contains("BillingMonth"), "{e}");
}

#[tokio::test]
async fn a_401_logs_in_again_once_and_replays_the_call() {
    let mock = Arc::new(MockTransport::new());
    let login = |token: &str| {
        Expect::new(Method::POST, "/v3/auth/tokens")
            .any_body()
            .reply(
                Reply::json(
                    201,
                    json!({"token": {"expires_at": "2099-01-01T00:00:00.000000Z"}}),
                )
                .header("x-subject-token", token),
            )
    };
    mock.push(login("tok-old"));
    mock.push(
        Expect::new(Method::GET, "/api/v1.0/users")
            .header("x-auth-token", "tok-old")
            .reply(Reply::json(
                401,
                json!({"error": {"code": 401, "message": "expired", "title": "Unauthorized"}}),
            )),
    );
    mock.push(login("tok-new"));
    mock.push(
        Expect::new(Method::GET, "/api/v1.0/users")
            .header("x-auth-token", "tok-new")
            .reply(Reply::json(200, json!({"users": []}))),
    );
    let c = client(&mock);
    assert!(c.users().list().await.unwrap().is_empty());
    mock.verify().unwrap();
}
