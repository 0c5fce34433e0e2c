//! Every AsApi operation (`squonk2-as.md` §4.1, #1–#54) as a row (STYLE
//! R15): the call, the request it must send (method, path, query, the
//! headers that matter, the exact body bytes), the canned answer, and the
//! value or error the client must make of it — through core's
//! `MockTransport`.

use futures::future::BoxFuture;
use serde_json::{json, Value};
use squonk2_as::models::{AssetScope, DefaultProductPrivacy, EventStreamFormat};
use squonk2_as::{Error, RetryConfig, Secret, Squonk2Client};
use std::sync::Arc;
use tenantry_core::http::Method;
use tenantry_core::transport::mock::{Expect, MockTransport, Reply};

const O: &str = "org-11111111-2222-3333-4444-555555555555";
const UN: &str = "unit-22222222-3333-4444-5555-666666666666";
const P: &str = "product-33333333-4444-5555-6666-777777777777";
const A: &str = "asset-44444444-5555-6666-7777-888888888888";
const TOKEN: &str = "tok-table-1";
const BASE: &str = "/account-server-api";

type Call = Box<dyn Fn(Squonk2Client) -> BoxFuture<'static, squonk2_as::Result<Value>>>;

/// A row's call: any client call whose answer serializes.
fn call<F, Fut, V>(f: F) -> Call
where
    F: Fn(Squonk2Client) -> Fut + 'static,
    Fut: std::future::Future<Output = squonk2_as::Result<V>> + Send + 'static,
    V: serde::Serialize,
{
    Box::new(move |c| {
        let fut = f(c);
        Box::pin(async move { fut.await.map(|v| serde_json::to_value(v).unwrap()) })
    })
}

#[derive(Debug)]
enum Want {
    /// The value, as JSON (null-valued keys aside: unset `Option`s).
    Value(Value),
    /// `Error::Api` with this status and message.
    Api(u16, &'static str),
    /// `Error::Api` with this status (a status the operation does not
    /// accept, whatever the body).
    Status(u16),
    /// `Error::InvalidInput` naming this field, nothing sent.
    Input(&'static str),
}
use Want::*;

/// A tokened request: the bearer token, and no body unless a row adds one.
fn req(method: Method, path: &str) -> Expect {
    Expect::new(method, &format!("{BASE}{path}"))
        .header("authorization", &format!("Bearer {TOKEN}"))
        .no_header("content-type")
}

/// A request that never carries a token (#1–#3).
fn public(path: &str) -> Expect {
    Expect::new(Method::GET, &format!("{BASE}{path}")).no_header("authorization")
}

/// With this exact JSON body (the reference's `json.dumps` bytes).
fn with_json(method: Method, path: &str, body: &str) -> Expect {
    Expect::new(method, &format!("{BASE}{path}"))
        .header("authorization", &format!("Bearer {TOKEN}"))
        .header("content-type", "application/json")
        .body(body.to_owned())
}

/// A multipart request: the body is checked in `tests/multipart.rs`.
fn multipart(method: Method, path: &str) -> Expect {
    Expect::new(method, &format!("{BASE}{path}"))
        .header("authorization", &format!("Bearer {TOKEN}"))
        .any_body()
}

fn id<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

/// Drops null-valued keys (unset `Option`s), recursively.
fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

fn org_json() -> Value {
    json!({"id": O, "name": "Acme", "owner_id": "dlister", "created": "2024-01-01T00:00:00Z",
           "default_product_privacy": "DEFAULT_PRIVATE", "caller_is_member": true,
           "billing_contact": "x@example.com"})
}

fn unit_json() -> Value {
    json!({"id": UN, "name": "Lab", "owner_id": "dlister", "billing_day": 3,
           "default_product_privacy": "SOMETIMES_PUBLIC", "personal": false,
           "caller_is_member": true, "organisation_id": O})
}

fn product_json() -> Value {
    json!({"product": {"id": P, "name": "P", "type": "DATA_MANAGER_PROJECT_TIER_SUBSCRIPTION",
                       "flavour": "GOLD", "created": "2024-01-01T00:00:00Z", "im_tag": 1},
           "unit": unit_json(), "organisation": org_json(),
           "coins": {"allowance": 100, "limit": 200, "used": 12.5, "billing_day": 3,
                     "billing_prediction": 20},
           "claimable": false, "instance_id": "i-1"})
}

fn asset_json() -> Value {
    json!({"id": A, "name": "licence", "scope": "TEAM", "scope_id": "dlister",
           "secret": false, "disabled": false, "description": "d", "content": "KEY=1",
           "creator_id": "dlister", "merchants": [{"id": 1}]})
}

fn charges_json() -> Value {
    json!({"from": "2024-01-02", "until": "2024-02-03", "currency": "COIN",
           "items": [{"date": "2024-01-05", "coins": 1.5, "product_id": P}], "total": 1.5})
}

fn rows() -> Vec<(&'static str, Call, Option<Expect>, Want)> {
    let version = || Reply::json(200, json!({"version": "3.1.0", "build": 7}));
    let created = |id: &str| Reply::json(201, json!({"id": id}));
    let gone = || Reply::status(204);
    vec![
        // ------------------------------------------------- service (no token)
        (
            "#1 ping",
            call(|c| async move { c.ping().await }),
            Some(public("/version").reply(version())),
            Value(Value::Null),
        ),
        (
            "#2 get_version",
            call(|c| async move { c.version().await }),
            Some(public("/version").reply(version())),
            Value(json!({"version": "3.1.0", "build": 7})),
        ),
        (
            "#2 get_version, 500 not JSON",
            call(|c| async move { c.version().await }),
            Some(public("/version").reply(Reply::text(500, "<html>down</html>"))),
            Api(500, "<html>down</html>"),
        ),
        (
            "#3 get_event_stream_version",
            call(|c| async move { c.event_streams().version().await }),
            Some(public("/event-stream/version").reply(version())),
            Value(json!({"version": "3.1.0", "build": 7})),
        ),
        // ------------------------------------------------- event streams
        (
            "#4 get_event_stream",
            call(|c| async move { c.event_streams().get().await }),
            Some(req(Method::GET, "/event-stream").reply(Reply::json(
                200,
                json!({"id": 7, "format": "AVRO_STRING", "location": "wss://x/7", "new": 1}),
            ))),
            Value(json!({"id": 7, "format": "AVRO_STRING", "location": "wss://x/7", "new": 1})),
        ),
        (
            "#4 get_event_stream, none",
            call(|c| async move { c.event_streams().get_opt().await }),
            Some(req(Method::GET, "/event-stream").reply(Reply::json(
                404,
                json!({"error": "No event stream"}),
            ))),
            Value(Value::Null),
        ),
        (
            "#5 create_event_stream",
            call(|c| async move {
                c.event_streams()
                    .create(EventStreamFormat::JsonString)
                    .await
            }),
            Some(
                with_json(Method::POST, "/event-stream", r#"{"format": "JSON_STRING"}"#)
                    .reply(Reply::json(201, json!({"id": 7, "location": "wss://x/7"}))),
            ),
            Value(json!({"id": 7, "location": "wss://x/7"})),
        ),
        (
            "#5 create_event_stream, 200 is not the 201 a create answers",
            call(|c| async move {
                c.event_streams()
                    .create(EventStreamFormat::ProtocolString)
                    .await
            }),
            Some(
                with_json(Method::POST, "/event-stream", r#"{"format": "PROTOCOL_STRING"}"#)
                    .reply(Reply::json(200, json!({"id": 7}))),
            ),
            Status(200),
        ),
        (
            "#6 delete_event_stream",
            call(|c| async move { c.event_streams().delete(id("7")).await }),
            Some(req(Method::DELETE, "/event-stream/7").reply(gone())),
            Value(Value::Null),
        ),
        // ------------------------------------------------- products
        (
            "#7 get_available_products",
            call(|c| async move { c.products().list().await }),
            Some(req(Method::GET, "/product").reply(Reply::json(
                200,
                json!({"count": 1, "products": [product_json()]}),
            ))),
            Value(json!([product_json()])),
        ),
        (
            "#20 get_product",
            call(|c| async move { c.products().get(&id(P)).await }),
            Some(req(Method::GET, &format!("/product/{P}")).reply(Reply::json(200, product_json()))),
            Value(product_json()),
        ),
        (
            "#20 get_product, 404",
            call(|c| async move { c.products().get(&id(P)).await }),
            Some(req(Method::GET, &format!("/product/{P}")).reply(Reply::json(
                404,
                json!({"error": "Product not found"}),
            ))),
            Api(404, "Product not found"),
        ),
        (
            "#20 get_product, an array is not a product",
            call(|c| async move { c.products().get(&id(P)).await.map(|_| ()) }),
            Some(req(Method::GET, &format!("/product/{P}")).reply(Reply::json(200, json!([1, 2])))),
            Status(0),
        ),
        (
            "#21 get_product_default_storage_cost",
            call(|c| async move { c.products().default_storage_cost().await }),
            Some(
                req(Method::GET, "/product-default-storage-cost")
                    .reply(Reply::json(200, json!({"cost": "0.1", "unit": "GiB"}))),
            ),
            Value(json!({"cost": "0.1", "unit": "GiB"})),
        ),
        (
            "#22 get_product_types",
            call(|c| async move { c.products().types().await }),
            Some(req(Method::GET, "/product-type").reply(Reply::json(
                200,
                json!({"product_types": [
                    {"type": "DATA_MANAGER_PROJECT_TIER_SUBSCRIPTION", "flavours": ["GOLD"]},
                    {"type": "DATA_MANAGER_STORAGE_SUBSCRIPTION"}]}),
            ))),
            Value(json!([
                {"type": "DATA_MANAGER_PROJECT_TIER_SUBSCRIPTION", "flavours": ["GOLD"]},
                {"type": "DATA_MANAGER_STORAGE_SUBSCRIPTION"}])),
        ),
        (
            "#23 get_products_for_unit",
            call(|c| async move { c.products().for_unit(&id(UN)).await }),
            Some(
                req(Method::GET, &format!("/product/unit/{UN}"))
                    .reply(Reply::json(200, json!({"count": 0, "products": []}))),
            ),
            Value(json!([])),
        ),
        (
            "#24 get_products_for_organisation",
            call(|c| async move { c.products().for_organisation(&id(O)).await }),
            Some(req(Method::GET, &format!("/product/organisation/{O}")).reply(
                Reply::json(200, json!({"count": 1, "products": [product_json()]})),
            )),
            Value(json!([product_json()])),
        ),
        (
            "#46 create_product",
            call(|c| async move {
                c.products()
                    .create(&id(UN))
                    .name("P")
                    .product_type("DATA_MANAGER_PROJECT_TIER_SUBSCRIPTION")
                    .flavour("GOLD")
                    .allowance(100)
                    .limit(200)
                    .send()
                    .await
            }),
            Some(
                with_json(
                    Method::POST,
                    &format!("/product/unit/{UN}"),
                    r#"{"type": "DATA_MANAGER_PROJECT_TIER_SUBSCRIPTION", "name": "P", "flavour": "GOLD", "allowance": 100, "limit": 200}"#,
                )
                .reply(created(P)),
            ),
            Value(json!(P)),
        ),
        (
            "#46 create_product, zero and empty left out as the reference does",
            call(|c| async move {
                c.products()
                    .create(&id(UN))
                    .name("S")
                    .product_type("DATA_MANAGER_STORAGE_SUBSCRIPTION")
                    .flavour("")
                    .allowance(0)
                    .send()
                    .await
            }),
            Some(
                with_json(
                    Method::POST,
                    &format!("/product/unit/{UN}"),
                    r#"{"type": "DATA_MANAGER_STORAGE_SUBSCRIPTION", "name": "S"}"#,
                )
                .reply(created(P)),
            ),
            Value(json!(P)),
        ),
        (
            "#46 create_product, negative allowance",
            call(|c| async move {
                c.products()
                    .create(&id(UN))
                    .name("P")
                    .product_type("T")
                    .allowance(-1)
                    .send()
                    .await
            }),
            None,
            Input("allowance"),
        ),
        (
            "#46 create_product, no type",
            call(|c| async move { c.products().create(&id(UN)).name("P").send().await }),
            None,
            Input("product_type"),
        ),
        (
            "#47 alter_product, 0 and empty are sent",
            call(|c| async move {
                c.products()
                    .alter(&id(P))
                    .name("")
                    .allowance(0)
                    .limit(5)
                    .send()
                    .await
            }),
            Some(
                with_json(
                    Method::PATCH,
                    &format!("/product/{P}"),
                    r#"{"name": "", "allowance": 0, "limit": 5}"#,
                )
                .reply(Reply::json(200, json!({}))),
            ),
            Value(Value::Null),
        ),
        (
            "#47 alter_product, nothing: {}",
            call(|c| async move { c.products().alter(&id(P)).send().await }),
            Some(
                with_json(Method::PATCH, &format!("/product/{P}"), "{}")
                    .reply(Reply::json(200, json!({}))),
            ),
            Value(Value::Null),
        ),
        (
            "#47 alter_product, negative limit",
            call(|c| async move { c.products().alter(&id(P)).limit(-5).send().await }),
            None,
            Input("limit"),
        ),
        (
            "#50 delete_product",
            call(|c| async move { c.products().delete(&id(P)).await }),
            Some(req(Method::DELETE, &format!("/product/{P}")).reply(gone())),
            Value(Value::Null),
        ),
        // ------------------------------------------------- charges, actions
        (
            "#25 get_product_charges",
            call(|c| async move {
                c.charges()
                    .product(&id(P))
                    .from(id("2024-01-02"))
                    .until(id("2024-02-03"))
                    .prior_billing_periods(-1)
                    .send()
                    .await
            }),
            Some(
                req(Method::GET, &format!("/charges/product/{P}"))
                    .query("from=2024-01-02&until=2024-02-03&pbp=-1")
                    .reply(Reply::json(200, charges_json())),
            ),
            Value(charges_json()),
        ),
        (
            "#26 get_unit_charges, pbp=0 is sent",
            call(|c| async move {
                c.charges()
                    .unit(&id(UN))
                    .prior_billing_periods(0)
                    .send()
                    .await
                    .map(|c| c.items.len())
            }),
            Some(
                req(Method::GET, &format!("/charges/unit/{UN}"))
                    .query("pbp=0")
                    .reply(Reply::json(200, charges_json())),
            ),
            Value(json!(1)),
        ),
        (
            "#42 get_organisation_charges",
            call(|c| async move {
                c.charges()
                    .organisation(&id(O))
                    .send()
                    .await
                    .map(|c| c.currency)
            }),
            Some(
                req(Method::GET, &format!("/charges/organisation/{O}"))
                    .reply(Reply::json(200, charges_json())),
            ),
            Value(json!("COIN")),
        ),
        (
            "#43 get_charges",
            call(|c| async move { c.charges().all().send().await }),
            Some(req(Method::GET, "/charges").reply(Reply::json(200, json!({"items": []})))),
            Value(json!({"items": []})),
        ),
        (
            "#43 get_charges, not an admin",
            call(|c| async move { c.charges().all().send().await }),
            Some(req(Method::GET, "/charges").reply(Reply::json(
                403,
                json!({"error": "You are not an admin"}),
            ))),
            Api(403, "You are not an admin"),
        ),
        (
            "#54 get_actions",
            call(|c| async move {
                c.actions()
                    .list()
                    .format(EventStreamFormat::JsonString)
                    .from(id("2024-01-02"))
                    .until(id("2024-02-03"))
                    .merchant(id("4"))
                    .product(&id(P))
                    .unit(&id(UN))
                    .organisation(&id(O))
                    .send()
                    .await
            }),
            Some(
                req(Method::GET, "/action")
                    .query(&format!(
                        "format=JSON_STRING&from=2024-01-02&until=2024-02-03&m_id=4&product_id={P}&unit_id={UN}&org_id={O}"
                    ))
                    .reply(Reply::json(
                        200,
                        json!({"actions": [{"timestamp": "2024-01-05T00:00:00Z", "kind": "x"}]}),
                    )),
            ),
            Value(json!([{"timestamp": "2024-01-05T00:00:00Z", "kind": "x"}])),
        ),
        (
            "#54 get_actions, format always sent",
            call(|c| async move { c.actions().list().send().await }),
            Some(
                req(Method::GET, "/action")
                    .query("format=PROTOCOL_STRING")
                    .reply(Reply::json(200, json!({"actions": []}))),
            ),
            Value(json!([])),
        ),
        // ------------------------------------------------- units
        (
            "#8 get_available_units",
            call(|c| async move { c.units().list().send().await }),
            Some(req(Method::GET, "/unit").reply(Reply::json(
                200,
                json!({"units": [{"organisation": org_json(), "units": [unit_json()]}]}),
            ))),
            Value(json!([{"organisation": org_json(), "units": [unit_json()]}])),
        ),
        (
            "#40 get_units",
            call(|c| async move { c.units().list().name("U 1&x").send().await }),
            Some(
                req(Method::GET, "/unit")
                    .query("name=U+1%26x")
                    .reply(Reply::json(200, json!({"units": []}))),
            ),
            Value(json!([])),
        ),
        (
            "#38 get_unit",
            call(|c| async move { c.units().get(&id(UN)).await }),
            Some(req(Method::GET, &format!("/unit/{UN}")).reply(Reply::json(200, unit_json()))),
            Value(unit_json()),
        ),
        (
            "#38 get_unit, 204 is not the 200 a get answers",
            call(|c| async move { c.units().get(&id(UN)).await }),
            Some(req(Method::GET, &format!("/unit/{UN}")).reply(Reply::status(204))),
            Status(204),
        ),
        (
            "#27 create_unit",
            call(|c| async move {
                c.units()
                    .create(&id(O))
                    .name("U 1")
                    .billing_day(3)
                    .send()
                    .await
            }),
            Some(
                with_json(
                    Method::POST,
                    &format!("/organisation/{O}/unit"),
                    r#"{"billing_day": 3, "name": "U 1"}"#,
                )
                .reply(created(UN)),
            ),
            Value(json!(UN)),
        ),
        (
            "#27 create_unit, billing day 29",
            call(|c| async move {
                c.units()
                    .create(&id(O))
                    .name("U")
                    .billing_day(29)
                    .send()
                    .await
            }),
            None,
            Input("billing_day"),
        ),
        (
            "#27 create_unit, empty name",
            call(|c| async move {
                c.units()
                    .create(&id(O))
                    .name(" ")
                    .billing_day(3)
                    .send()
                    .await
            }),
            None,
            Input("name"),
        ),
        (
            "#48 alter_unit",
            call(|c| async move {
                c.units()
                    .alter(&id(UN))
                    .name("N")
                    .default_product_privacy(DefaultProductPrivacy::DefaultPrivate)
                    .send()
                    .await
            }),
            Some(
                with_json(
                    Method::PATCH,
                    &format!("/unit/{UN}"),
                    r#"{"name": "N", "default_product_privacy": "DEFAULT_PRIVATE"}"#,
                )
                .reply(Reply::json(200, json!({}))),
            ),
            Value(Value::Null),
        ),
        (
            "#51 delete_unit",
            call(|c| async move { c.units().delete(&id(UN)).await }),
            Some(req(Method::DELETE, &format!("/unit/{UN}")).reply(gone())),
            Value(Value::Null),
        ),
        (
            "#51 delete_unit, has products",
            call(|c| async move { c.units().delete(&id(UN)).await }),
            Some(req(Method::DELETE, &format!("/unit/{UN}")).reply(Reply::json(
                400,
                json!({"error": "The unit has products"}),
            ))),
            Api(400, "The unit has products"),
        ),
        (
            "#45 get_unit_users",
            call(|c| async move { c.units().users(&id(UN)).await }),
            Some(req(Method::GET, &format!("/unit/{UN}/user")).reply(Reply::json(
                200,
                json!({"users": ["alice", {"username": "bob", "x": 1}]}),
            ))),
            Value(json!([{"username": "alice"}, {"username": "bob", "x": 1}])),
        ),
        (
            "#31 add_user_to_unit, added",
            call(|c| async move { c.units().add_user(&id(UN), &id("bob")).await }),
            Some(req(Method::PUT, &format!("/unit/{UN}/user/bob")).reply(Reply::json(201, json!({})))),
            Value(Value::Null),
        ),
        (
            "#31 add_user_to_unit, already a member",
            call(|c| async move { c.units().add_user(&id(UN), &id("bob")).await }),
            Some(req(Method::PUT, &format!("/unit/{UN}/user/bob")).reply(Reply::status(200))),
            Value(Value::Null),
        ),
        (
            "#31 add_user_to_unit, 204 is not success",
            call(|c| async move { c.units().add_user(&id(UN), &id("bob")).await }),
            Some(req(Method::PUT, &format!("/unit/{UN}/user/bob")).reply(Reply::status(204))),
            Status(204),
        ),
        (
            "#32 remove_user_from_unit, name percent-encoded",
            call(|c| async move { c.units().remove_user(&id(UN), &id("a/b?c")).await }),
            Some(req(Method::DELETE, &format!("/unit/{UN}/user/a%2Fb%3Fc")).reply(gone())),
            Value(Value::Null),
        ),
        (
            "#30 get_personal_unit",
            call(|c| async move { c.units().personal().await }),
            Some(req(Method::GET, "/personal-unit").reply(Reply::json(200, unit_json()))),
            Value(unit_json()),
        ),
        (
            "#30 get_personal_unit, none",
            call(|c| async move { c.units().personal_opt().await }),
            Some(req(Method::GET, "/personal-unit").reply(Reply::json(
                404,
                json!({"error": "No personal unit"}),
            ))),
            Value(Value::Null),
        ),
        (
            "#28 create_personal_unit (a PUT)",
            call(|c| async move { c.units().create_personal(3).await }),
            Some(
                with_json(Method::PUT, "/personal-unit", r#"{"billing_day": 3}"#)
                    .reply(created(UN)),
            ),
            Value(json!(UN)),
        ),
        (
            "#28 create_personal_unit, day 0",
            call(|c| async move { c.units().create_personal(0).await }),
            None,
            Input("billing_day"),
        ),
        (
            "#29 delete_personal_unit",
            call(|c| async move { c.units().delete_personal().await }),
            Some(req(Method::DELETE, "/personal-unit").reply(gone())),
            Value(Value::Null),
        ),
        // ------------------------------------------------- organisations
        (
            "#41 get_organisations",
            call(|c| async move { c.organisations().list().name("Acme").send().await }),
            Some(
                req(Method::GET, "/organisation")
                    .query("name=Acme")
                    .reply(Reply::json(200, json!({"organisations": [org_json()]}))),
            ),
            Value(json!([org_json()])),
        ),
        (
            "#41 get_organisations, empty name is no filter",
            call(|c| async move { c.organisations().list().name("").send().await }),
            Some(
                req(Method::GET, "/organisation")
                    .reply(Reply::json(200, json!({"organisations": []}))),
            ),
            Value(json!([])),
        ),
        (
            "#37 get_organisation",
            call(|c| async move { c.organisations().get(&id(O)).await }),
            Some(req(Method::GET, &format!("/organisation/{O}")).reply(Reply::json(200, org_json()))),
            Value(org_json()),
        ),
        (
            "#37 get_organisation, not a member",
            call(|c| async move { c.organisations().get(&id(O)).await }),
            Some(req(Method::GET, &format!("/organisation/{O}")).reply(Reply::json(
                403,
                json!({"error": "You are not a member of the organisation"}),
            ))),
            Api(403, "You are not a member of the organisation"),
        ),
        (
            "#53 get_default_organisation",
            call(|c| async move { c.organisations().default_organisation().await }),
            Some(req(Method::GET, "/default/organisation").reply(Reply::json(200, org_json()))),
            Value(org_json()),
        ),
        (
            "#33 create_organisation",
            call(|c| async move {
                c.organisations()
                    .create()
                    .name("Acme")
                    .owner("dlister")
                    .send()
                    .await
            }),
            Some(
                with_json(
                    Method::POST,
                    "/organisation",
                    r#"{"name": "Acme", "owner": "dlister"}"#,
                )
                .reply(created(O)),
            ),
            Value(json!(O)),
        ),
        (
            "#33 create_organisation, name taken",
            call(|c| async move {
                c.organisations()
                    .create()
                    .name("Acme")
                    .owner("dlister")
                    .send()
                    .await
            }),
            Some(
                with_json(
                    Method::POST,
                    "/organisation",
                    r#"{"name": "Acme", "owner": "dlister"}"#,
                )
                .reply(Reply::json(409, json!({"error": "Acme exists"}))),
            ),
            Api(409, "Acme exists"),
        ),
        (
            "#33 create_organisation, no owner",
            call(|c| async move { c.organisations().create().name("Acme").send().await }),
            None,
            Input("owner"),
        ),
        (
            "#49 alter_organisation",
            call(|c| async move {
                c.organisations()
                    .alter(&id(O))
                    .default_product_privacy(DefaultProductPrivacy::AlwaysPublic)
                    .send()
                    .await
            }),
            Some(
                with_json(
                    Method::PATCH,
                    &format!("/organisation/{O}"),
                    r#"{"default_product_privacy": "ALWAYS_PUBLIC"}"#,
                )
                .reply(Reply::json(200, json!({}))),
            ),
            Value(Value::Null),
        ),
        (
            "#36 delete_organisation",
            call(|c| async move { c.organisations().delete(&id(O)).await }),
            Some(req(Method::DELETE, &format!("/organisation/{O}")).reply(gone())),
            Value(Value::Null),
        ),
        (
            "#36 delete_organisation, 200 is not the 204 a delete answers",
            call(|c| async move { c.organisations().delete(&id(O)).await }),
            Some(req(Method::DELETE, &format!("/organisation/{O}")).reply(Reply::json(200, json!({})))),
            Status(200),
        ),
        (
            "#39 get_organisation_units",
            call(|c| async move { c.organisations().units(&id(O)).await }),
            Some(req(Method::GET, &format!("/organisation/{O}/unit")).reply(Reply::json(
                200,
                json!({"organisation": org_json(), "units": [unit_json()]}),
            ))),
            Value(json!({"organisation": org_json(), "units": [unit_json()]})),
        ),
        (
            "#44 get_organisation_users",
            call(|c| async move { c.organisations().users(&id(O)).await }),
            Some(
                req(Method::GET, &format!("/organisation/{O}/user"))
                    .reply(Reply::json(200, json!({"users": [{"username": "alice"}]}))),
            ),
            Value(json!([{"username": "alice"}])),
        ),
        (
            "#34 add_user_to_organisation",
            call(|c| async move { c.organisations().add_user(&id(O), &id("bob")).await }),
            Some(
                req(Method::PUT, &format!("/organisation/{O}/user/bob"))
                    .reply(Reply::json(201, json!({}))),
            ),
            Value(Value::Null),
        ),
        (
            "#35 remove_user_from_organisation",
            call(|c| async move { c.organisations().remove_user(&id(O), &id("bob")).await }),
            Some(req(Method::DELETE, &format!("/organisation/{O}/user/bob")).reply(gone())),
            Value(Value::Null),
        ),
        (
            "#35 remove_user_from_organisation, not a member",
            call(|c| async move { c.organisations().remove_user(&id(O), &id("bob")).await }),
            Some(
                req(Method::DELETE, &format!("/organisation/{O}/user/bob"))
                    .reply(Reply::json(404, json!({"error": "bob is not a member"}))),
            ),
            Api(404, "bob is not a member"),
        ),
        (
            "#52 get_account",
            call(|c| async move { c.account().await }),
            Some(req(Method::GET, "/user/account").reply(Reply::json(
                200,
                json!({"username": "dlister", "caller_has_admin_privilege": true, "private": {}}),
            ))),
            Value(json!({"username": "dlister", "caller_has_admin_privilege": true, "private": {}})),
        ),
        // ------------------------------------------------- merchants
        (
            "#18 get_merchants",
            call(|c| async move { c.merchants().list().await }),
            Some(req(Method::GET, "/merchant").reply(Reply::json(
                200,
                json!({"merchants": [{"id": 1, "name": "DM", "kind": "DATA_MANAGER",
                                      "api_hostname": "dm.example", "created": "x"}]}),
            ))),
            Value(json!([{"id": 1, "name": "DM", "kind": "DATA_MANAGER",
                          "api_hostname": "dm.example", "created": "x"}])),
        ),
        (
            "#19 get_merchant",
            call(|c| async move { c.merchants().get(id("1")).await }),
            Some(req(Method::GET, "/merchant/1").reply(Reply::json(200, json!({"id": 1, "name": "DM"})))),
            Value(json!({"id": 1, "name": "DM"})),
        ),
        // ------------------------------------------------- assets
        (
            "#9 get_available_assets",
            call(|c| async move { c.assets().list().send().await }),
            Some(req(Method::GET, "/asset").reply(Reply::json(200, json!({"assets": [asset_json()]})))),
            Value(json!([asset_json()])),
        ),
        (
            "#9 get_available_assets, user scope",
            call(|c| async move { c.assets().list().user(&id("dlister")).send().await }),
            Some(
                req(Method::GET, "/asset")
                    .query("user_id=dlister")
                    .reply(Reply::json(200, json!({"assets": []}))),
            ),
            Value(json!([])),
        ),
        (
            "#9 get_available_assets, the last scope wins",
            call(|c| async move {
                c.assets()
                    .list()
                    .unit(&id(UN))
                    .organisation(&id(O))
                    .send()
                    .await
            }),
            Some(
                req(Method::GET, "/asset")
                    .query(&format!("org_id={O}"))
                    .reply(Reply::json(200, json!({"assets": []}))),
            ),
            Value(json!([])),
        ),
        (
            "#13 get_asset (an unknown scope kept)",
            call(|c| async move { c.assets().get(&id(A)).await }),
            Some(req(Method::GET, &format!("/asset/{A}")).reply(Reply::json(200, asset_json()))),
            Value(asset_json()),
        ),
        (
            "#10 create_asset",
            call(|c| async move {
                c.assets()
                    .create()
                    .name("a2")
                    .scope(AssetScope::User)
                    .content_string("x")
                    .send()
                    .await
            }),
            Some(multipart(Method::POST, "/asset").reply(created(A))),
            Value(json!(A)),
        ),
        (
            "#10 create_asset, string and file",
            call(|c| async move {
                c.assets()
                    .create()
                    .name("a2")
                    .scope(AssetScope::User)
                    .content_string("x")
                    .content_file("f.txt")
                    .send()
                    .await
            }),
            None,
            Input("content"),
        ),
        (
            "#10 create_asset, no content",
            call(|c| async move {
                c.assets()
                    .create()
                    .name("a2")
                    .scope(AssetScope::User)
                    .send()
                    .await
            }),
            None,
            Input("content"),
        ),
        (
            "#10 create_asset, no scope",
            call(|c| async move {
                c.assets()
                    .create()
                    .name("a2")
                    .content_string("x")
                    .send()
                    .await
            }),
            None,
            Input("scope"),
        ),
        (
            "#11 alter_asset",
            call(|c| async move { c.assets().alter(&id(A)).description("d2").send().await }),
            Some(multipart(Method::PATCH, &format!("/asset/{A}")).reply(Reply::json(200, json!({})))),
            Value(Value::Null),
        ),
        (
            "#11 alter_asset, string and file",
            call(|c| async move {
                c.assets()
                    .alter(&id(A))
                    .content_string("x")
                    .content_file("f")
                    .send()
                    .await
            }),
            None,
            Input("content"),
        ),
        (
            "#12 delete_asset",
            call(|c| async move { c.assets().delete(&id(A)).await }),
            Some(req(Method::DELETE, &format!("/asset/{A}")).reply(gone())),
            Value(Value::Null),
        ),
        (
            "#14 attach_asset",
            call(|c| async move { c.assets().attach(&id(A), id("3")).await }),
            Some(
                req(Method::PATCH, &format!("/asset/{A}/attach"))
                    .query("m_id=3")
                    .reply(gone()),
            ),
            Value(Value::Null),
        ),
        (
            "#14 attach_asset, twice",
            call(|c| async move { c.assets().attach(&id(A), id("3")).await }),
            Some(
                req(Method::PATCH, &format!("/asset/{A}/attach"))
                    .query("m_id=3")
                    .reply(Reply::json(409, json!({"error": "Already attached"}))),
            ),
            Api(409, "Already attached"),
        ),
        (
            "#15 detach_asset",
            call(|c| async move { c.assets().detach(&id(A), id("3")).await }),
            Some(
                req(Method::PATCH, &format!("/asset/{A}/detach"))
                    .query("m_id=3")
                    .reply(gone()),
            ),
            Value(Value::Null),
        ),
        (
            "#16 enable_asset",
            call(|c| async move { c.assets().enable(&id(A)).await }),
            Some(req(Method::PATCH, &format!("/asset/{A}/enable")).reply(gone())),
            Value(Value::Null),
        ),
        (
            "#17 disable_asset",
            call(|c| async move { c.assets().disable(&id(A)).await }),
            Some(req(Method::PATCH, &format!("/asset/{A}/disable")).reply(gone())),
            Value(Value::Null),
        ),
        (
            "#17 disable_asset, 200 is not the 204 it answers",
            call(|c| async move { c.assets().disable(&id(A)).await }),
            Some(req(Method::PATCH, &format!("/asset/{A}/disable")).reply(Reply::status(200))),
            Status(200),
        ),
    ]
}

fn client(mock: &Arc<MockTransport>) -> Squonk2Client {
    Squonk2Client::builder("http://as.test/account-server-api")
        .token(Secret::new(TOKEN))
        .retry(RetryConfig::disabled())
        .transport(mock.clone())
        .build()
        .unwrap()
}

#[tokio::test]
async fn every_operation_sends_its_request_and_reads_its_answer() {
    let mock = Arc::new(MockTransport::new());
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
            (Value(v), Ok(g)) => assert_eq!(strip_nulls(g.clone()), *v, "{name}"),
            (Api(status, message), Err(Error::Api(a))) => {
                assert_eq!(
                    (a.status, a.message.as_str()),
                    (*status, *message),
                    "{name}"
                );
            }
            (Status(0), Err(Error::Decode { status, .. })) => assert_eq!(*status, 200, "{name}"),
            (Status(s), Err(Error::Api(a))) => assert_eq!(a.status, *s, "{name}"),
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
        54,
        "a row for each of the 54 wire operations: {operations:?}"
    );
}
