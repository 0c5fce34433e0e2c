//! Every declared operation of EMC2 (23), ER3 (18) and EI3 (26) as a row
//! (STYLE R15): the call, the request it must send (method, path, query,
//! the session cookie, the body), the canned answer, and the value or
//! error the client must make of it — through core's `MockTransport`.
//! Rows whose name starts with `#` count towards the operation totals.

use etunexus::enums::*;
use etunexus::models::ei::{Band, BandCombine, BandGene};
use etunexus::models::emc::{
    AppPermission, AppRole, DataSource, ExporterExtraSchema, ExporterSetting, Group, User, UserRole,
};
use etunexus::models::er::{
    AlgInstance, AlgSetting, AlgTraining, Campaign, CfSetting, DataSourceRef, Layout, Logic,
    RankingSetting, UserFilter,
};
use etunexus::{Cas, Ei3, Emc2, Er3, Error, RetryConfig, Secret};
use futures::future::BoxFuture;
use serde_json::{json, Value};
use std::sync::Arc;
use tenantry_core::http::Method;
use tenantry_core::transport::mock::{Expect, MockTransport, Reply};

const COOKIE: &str = "JSESSIONID=s-1";

#[derive(Clone)]
struct Apps {
    emc: Emc2,
    er: Er3,
    ei: Ei3,
    dir: Arc<std::path::PathBuf>,
}

type Call = Box<dyn Fn(Apps) -> BoxFuture<'static, etunexus::Result<Value>>>;

fn call<F, Fut, V>(f: F) -> Call
where
    F: Fn(Apps) -> Fut + 'static,
    Fut: std::future::Future<Output = etunexus::Result<V>> + Send + 'static,
    V: serde::Serialize,
{
    Box::new(move |c| {
        let fut = f(c);
        Box::pin(async move { fut.await.map(|v| serde_json::to_value(v).unwrap()) })
    })
}

#[derive(Debug)]
enum Want {
    /// The value, as JSON (null-valued keys dropped).
    Val(Value),
    /// `Error::Api` with this status.
    Status(u16),
    /// `Error::Decode` (a 2xx answer the client cannot accept).
    Decode,
    /// `Error::InvalidInput` naming this field, nothing sent.
    Input(&'static str),
}
use Want::*;

struct Row {
    name: &'static str,
    call: Call,
    expect: Option<Expect>,
    want: Want,
    /// Strings the (multipart) body must contain, in this order.
    body_has: Vec<String>,
}

fn row(name: &'static str, call: Call, expect: Option<Expect>, want: Want) -> Row {
    Row {
        name,
        call,
        expect,
        want,
        body_has: Vec::new(),
    }
}

fn emc(method: Method, path: &str) -> Expect {
    bare(method, &format!("/commsrv/v1{path}"))
}
fn er(method: Method, path: &str) -> Expect {
    bare(method, &format!("/ER/V3/recsrv/v1{path}"))
}
fn ei(method: Method, path: &str) -> Expect {
    bare(method, &format!("/EI/V3/service/v1{path}"))
}
/// With the session cookie; no `Content-Type` unless a body is sent.
fn bare(method: Method, path: &str) -> Expect {
    let e = Expect::new(method.clone(), path).header("cookie", COOKIE);
    if method == Method::POST {
        e
    } else {
        e.no_header("content-type")
    }
}
/// A JSON write: the body (key order aside) and its content type.
fn json_body(e: Expect, body: Value) -> Expect {
    e.header("content-type", "application/json").json(body)
}
/// A multipart write: the body is checked with `body_has`.
fn multipart(prefix: &str, path: &str) -> Expect {
    Expect::new(Method::POST, &format!("{prefix}{path}"))
        .header("cookie", COOKIE)
        .any_body()
}
fn ok(v: Value) -> Reply {
    Reply::json(200, v)
}
fn data(v: Value) -> Reply {
    Reply::json(200, json!({ "data": v }))
}
fn id<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

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

fn group_json() -> Value {
    json!({"id": 2, "name": "workshop", "displayName": "Workshop", "createTime": 1484113449499u64})
}
fn user_json() -> Value {
    json!({"id": 3, "name": "workshop_user", "displayName": "Workshop User", "password": null,
           "department": "", "mail": "", "roles": [{"roleName": "Operator", "appId": "ETU-INSIGHT"},
           {"roleName": "Viewer", "appId": "ETU-RECOMMENDER"}], "createTime": 1484129656168u64,
           "lastUpdateTime": 1487399443855u64})
}
fn ds_json() -> Value {
    json!({"id": 7, "groupId": 2, "name": "ds", "displayName": "DS", "appIds": ["ETU-RECOMMENDER"],
           "contentType": "behavior", "type": "EVENT_COLLECTOR", "eventCollector": {"hostName": "*"}})
}
fn exporter_json() -> Value {
    json!({"enabled": true, "initalConvetTime": 1500000000000u64, "tupleKey": "ptuple",
           "extraSchema": "[{\"type\": \"string\", \"link\": \"\", \"name\": \"f\"}]",
           "parsingFormat": "NginxPlusLogParserDriver", "baseSchema": "[]", "updateTime": null})
}
fn ds_ref() -> DataSourceRef {
    DataSourceRef::new(id("7"), "ds")
}
fn logic() -> Logic {
    let cf = AlgSetting::UserBasedCf(CfSetting::new(ds_ref(), 30, vec![EventAction::View]));
    let mut rk = RankingSetting::new(ds_ref(), 30, vec![EventAction::View]);
    rk.add_non_category_rec = false;
    Logic::new(
        "lg",
        "LG",
        LogicAlgType::UserBase,
        10,
        vec![
            AlgInstance::new(cf, 1).unwrap(),
            AlgInstance::new(AlgSetting::Ranking(rk), 2).unwrap(),
        ],
    )
}
/// The reference's `add_logic` body for [`logic`] (captured, §6).
fn logic_body() -> Value {
    json!({"executeTime": null, "updateTime": null, "filteringLogicIds": [], "userFilter": null,
        "algInstances": [
            {"setting": {"als_rank": 10, "TIMERANGE": 30, "als_iteration": 10, "DATASOURCE": {"id": 7, "name": "ds"},
                         "action": ["view"], "id": "USER_BASED_CF"}, "algId": "USER_BASED_CF", "weight": 1},
            {"setting": {"actionList": ["view"], "TIMERANGE": 30, "flatAct": false, "delimiter": ",",
                         "addNonCategoryRec": "false", "id": "RANKING", "DATASOURCE": {"id": 7, "name": "ds"}},
             "algId": "RANKING", "weight": 2}],
        "enableLastViewedItem": false, "enableSameCategory": false, "active": true, "id": null,
        "delegateLogicName": null, "displayName": "LG", "name": "lg", "useLocation": false,
        "executeState": null, "algType": "USER_BASE", "createTime": null, "avlItemFilterMode": "DISABLED",
        "successTime": null, "itemFilterSrc": null, "enableUpdating": true, "numberOfRec": 10})
}
fn logic_answer() -> Value {
    let mut v = logic_body();
    v["id"] = json!(11);
    v["createTime"] = json!(1500000000000u64);
    v["algInstances"][0]["qualifier"] = json!("q-1");
    v
}
fn campaign_json() -> Value {
    json!({"id": 21, "groupId": 2, "name": "c", "displayName": "C", "startTime": 1500000000000u64,
           "endTime": 1500086400000u64, "logics": [logic_answer()], "createTime": 1500000000000u64,
           "updateTime": null})
}
fn layout_json() -> Value {
    json!({"dataSrcName": "items", "loName": "lo", "loTitle": "Picks", "loTitleAlign": "center",
           "loItemCnt": 10, "loItemWidth": 200, "loItemHeight": 200, "loItemMargin": 20,
           "loBGColor": "rgba(255,255,255,0)", "loFGColor": "rgba(0,0,0,1)", "loCol": 5, "loRow": 2,
           "loFontSize": 16})
}
fn band_json() -> Value {
    json!({"id": 51, "categoryId": 61, "name": "b", "description": "desc", "type": "gene",
           "targetGene": {"geneId": "g1", "cid": 7, "operator": "IN", "operand": "a,b"},
           "needRefresh": true, "snapshotInfo": {"parent": null, "children": []}, "shared": false,
           "amount": 120, "updateTime": 1500000000000u64, "owner": "3"})
}
fn ei_user_json() -> Value {
    json!({"id": 3, "name": "workshop_user", "displayName": "Workshop User", "role": "Operator",
           "group": {"id": 2, "name": "workshop", "displayName": "Workshop"}})
}
fn gene_category_json() -> Value {
    json!({"id": 1, "name": "Basic", "subcategories": [{"id": 2, "name": "Sub", "subcategories": [], "genes": []}],
           "genes": [{"id": "g_age", "name": "Age", "timerange": 0, "type": "number", "chartType": "bar",
                      "uiInfo": {"Xaxis_id": "x", "unit": "y"}, "future": 1}]})
}
fn date(y: i32, m: u8, d: u8) -> time::Date {
    time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap()
}
fn ms(v: i64) -> time::OffsetDateTime {
    etunexus::millis::from_ms(v).unwrap()
}

fn emc_rows() -> Vec<Row> {
    vec![
        row("#1 get_groups", call(|c| async move { c.emc.groups().list().await }),
            Some(emc(Method::GET, "/group").reply(ok(json!([group_json()])))),
            Val(json!([group_json()]))),
        row("#1 get_groups, an HTML page where JSON is due",
            call(|c| async move { c.emc.groups().list().await }),
            Some(emc(Method::GET, "/group").reply(Reply::text(200, "<!doctype html>"))),
            Decode),
        row("#2 add_group (id and createTime sent as null)",
            call(|c| async move { c.emc.groups().create(&Group::new("New G\u{e9}", "NG")).await }),
            Some(json_body(emc(Method::POST, "/group"),
                json!({"id": null, "name": "New G\u{e9}", "displayName": "NG", "createTime": null}))
                .reply(ok(json!({"id": 9, "name": "New G\u{e9}", "displayName": "NG", "createTime": 5})))),
            Val(json!({"id": 9, "name": "New G\u{e9}", "displayName": "NG", "createTime": 5}))),
        row("#2 add_group, empty name refused",
            call(|c| async move { c.emc.groups().create(&Group::new("", "NG")).await }),
            None, Input("name")),
        row("#3 update_group (whole object, id in path and body)",
            call(|c| async move {
                let g: Group = serde_json::from_value(group_json()).unwrap();
                c.emc.groups().update(&g).await
            }),
            Some(json_body(emc(Method::POST, "/group/2"), group_json()).reply(ok(group_json()))),
            Val(group_json())),
        row("#3 update_group without an id refused (the reference requests /group/None)",
            call(|c| async move { c.emc.groups().update(&Group::new("a", "A")).await }),
            None, Input("id")),
        row("#4 del_group (answer echoes the id)",
            call(|c| async move { c.emc.groups().delete(&id("2")).await }),
            Some(emc(Method::DELETE, "/group/2").reply(ok(json!(2)))),
            Val(Value::Null)),
        row("#4 del_group, answer names another id",
            call(|c| async move { c.emc.groups().delete(&id("2")).await }),
            Some(emc(Method::DELETE, "/group/2").reply(ok(json!(3)))),
            Decode),
        row("#5 me", call(|c| async move { c.emc.users().me().await }),
            Some(emc(Method::GET, "/user/me").reply(ok(user_json()))),
            Val(strip_nulls(user_json()))),
        row("#6 get_users", call(|c| async move { c.emc.users().list(&id("2")).await }),
            Some(emc(Method::GET, "/group/2/user").reply(ok(json!([user_json()])))),
            Val(json!([strip_nulls(user_json())]))),
        row("#7 add_user (all 9 keys, the password in clear in the body only)",
            call(|c| async move {
                let mut u = User::new("u1", "U1", Secret::new("pw"));
                u.roles = vec![UserRole::new(AppRoleName::Viewer, AppId::Er)];
                c.emc.users().create(&id("2"), &u).await
            }),
            Some(json_body(emc(Method::POST, "/group/2/user"),
                json!({"displayName": "U1", "name": "u1", "roles": [{"roleName": "Viewer", "appId": "ETU-RECOMMENDER"}],
                       "lastUpdateTime": null, "createTime": null, "department": "", "mail": "", "password": "pw", "id": null}))
                .reply(ok(json!({"id": 15, "name": "u1", "displayName": "U1", "password": null, "department": null,
                                 "mail": "", "roles": [{"roleName": "Viewer", "appId": "ETU-RECOMMENDER"}],
                                 "createTime": 1487735435494u64, "lastUpdateTime": 1487735435494u64})))),
            Val(json!({"id": 15, "name": "u1", "displayName": "U1", "department": "", "mail": "",
                       "roles": [{"roleName": "Viewer", "appId": "ETU-RECOMMENDER"}],
                       "createTime": 1487735435494u64, "lastUpdateTime": 1487735435494u64}))),
        row("#7 add_user, empty user name refused",
            call(|c| async move { c.emc.users().create(&id("2"), &User::new("", "U", Secret::new("pw"))).await }),
            None, Input("name")),
        row("#7 add_user, a role for an unknown application refused",
            call(|c| async move {
                let mut u = User::new("u1", "U1", Secret::new("pw"));
                u.roles = vec![UserRole::new(AppRoleName::Viewer, AppId::from("ETU-NOPE"))];
                c.emc.users().create(&id("2"), &u).await
            }),
            None, Input("roles.app_id")),
        row("#8 update_user (roles, password null)",
            call(|c| async move {
                let mut u: User = serde_json::from_value(user_json()).unwrap();
                u.roles = vec![UserRole::new(AppRoleName::Viewer, AppId::Er), UserRole::new(AppRoleName::Viewer, AppId::Ei)];
                c.emc.users().update(&u).await
            }),
            Some(json_body(emc(Method::POST, "/user/3"), {
                let mut v = user_json();
                v["roles"] = json!([{"roleName": "Viewer", "appId": "ETU-RECOMMENDER"}, {"roleName": "Viewer", "appId": "ETU-INSIGHT"}]);
                v
            }).reply(ok(user_json()))),
            Val(strip_nulls(user_json()))),
        row("#9 del_user", call(|c| async move { c.emc.users().delete(&id("3")).await }),
            Some(emc(Method::DELETE, "/user/3").reply(ok(json!(3.0)))),
            Val(Value::Null)),
        row("#10 change_user_password",
            call(|c| async move { c.emc.users().change_password(&id("3"), &Secret::new("n3w")).await }),
            Some(json_body(emc(Method::POST, "/user/3/password"), json!({"password": "n3w"})).reply(ok(json!(3)))),
            Val(Value::Null)),
        row("#11 get_apps", call(|c| async move { c.emc.apps().list().await }),
            Some(emc(Method::GET, "/app").reply(ok(json!([{"id": "ETU-INSIGHT", "version": "3.0", "console": "https://ei/", "image": null}])))),
            Val(json!([{"id": "ETU-INSIGHT", "version": "3.0", "console": "https://ei/"}]))),
        row("#12 get_app_permission (the permissions array)",
            call(|c| async move { c.emc.apps().permissions(&AppId::Ei).await }),
            Some(emc(Method::GET, "/app/ETU-INSIGHT/permission").reply(ok(json!({"appId": "ETU-INSIGHT",
                "permissions": [{"category": "band", "id": "band.add", "level": 2}]})))),
            Val(json!([{"category": "band", "id": "band.add", "level": 2}]))),
        row("#12 get_app_permission, answer for another app",
            call(|c| async move { c.emc.apps().permissions(&AppId::Ei).await }),
            Some(emc(Method::GET, "/app/ETU-INSIGHT/permission").reply(ok(json!({"appId": "ETU-SHIELD", "permissions": []})))),
            Decode),
        row("#12 get_app_permission, unknown application refused",
            call(|c| async move { c.emc.apps().permissions(&AppId::from("ETU-X")).await }),
            None, Input("app_id")),
        row("#13 get_app_roles", call(|c| async move { c.emc.apps().roles(&AppId::Er).await }),
            Some(emc(Method::GET, "/app/ETU-RECOMMENDER/role").reply(ok(json!([{"name": "ADMIN",
                "permissions": [{"category": "logic", "id": "logic.del", "level": 3}]}])))),
            Val(json!([{"name": "ADMIN", "permissions": [{"category": "logic", "id": "logic.del", "level": 3}]}]))),
        row("#14 update_app_role",
            call(|c| async move {
                let r = AppRole::new(AppRoleName::Operator, vec![AppPermission::new("logic", "logic.add", 2)]);
                c.emc.apps().update_role(&AppId::Er, &r).await
            }),
            Some(json_body(emc(Method::POST, "/app/ETU-RECOMMENDER/role"),
                json!({"name": "Operator", "permissions": [{"category": "logic", "id": "logic.add", "level": 2}]}))
                .reply(ok(json!({"name": "Operator", "permissions": [{"category": "logic", "id": "logic.add", "level": 2}]})))),
            Val(json!({"name": "Operator", "permissions": [{"category": "logic", "id": "logic.add", "level": 2}]}))),
        row("#15 get_data_sources", call(|c| async move { c.emc.data_sources().list(&id("2")).await }),
            Some(emc(Method::GET, "/group/2/data-source").reply(ok(json!([ds_json()])))),
            Val(json!([ds_json()]))),
        row("#16 add_data_source (event collector; groupId null)",
            call(|c| async move {
                let ds = DataSource::new("ds", "DS", vec![AppId::Er], DataSourceContentType::Behavior).event_collector("*");
                c.emc.data_sources().create(&id("2"), &ds).await
            }),
            Some(json_body(emc(Method::POST, "/group/2/data-source"),
                json!({"eventCollector": {"hostName": "*"}, "appIds": ["ETU-RECOMMENDER"], "contentType": "behavior",
                       "name": "ds", "displayName": "DS", "type": "EVENT_COLLECTOR", "id": null, "groupId": null}))
                .reply(ok(ds_json()))),
            Val(ds_json())),
        row("#17 update_data_source",
            call(|c| async move {
                let ds: DataSource = serde_json::from_value(ds_json()).unwrap();
                c.emc.data_sources().update(&ds).await
            }),
            Some(json_body(emc(Method::POST, "/data-source/7"), ds_json()).reply(ok(ds_json()))),
            Val(ds_json())),
        row("#18 del_data_source", call(|c| async move { c.emc.data_sources().delete(&id("7")).await }),
            Some(emc(Method::DELETE, "/data-source/7").reply(ok(json!(7)))),
            Val(Value::Null)),
        row("#19 get_exporter_setting (schemas are JSON text in strings)",
            call(|c| async move { c.emc.data_sources().exporter(&id("7")).await }),
            Some(emc(Method::GET, "/data-source/7/exporter").reply(ok(exporter_json()))),
            Val(strip_nulls(exporter_json()))),
        row("#20 update_exporter_setting",
            call(|c| async move {
                let mut s = ExporterSetting::new(true);
                s.initial_convert_time = Some(ms(1500000000000));
                s.extra_schema = vec![ExporterExtraSchema::new("f", "string", "")];
                c.emc.data_sources().update_exporter(&id("7"), &s).await
            }),
            Some(json_body(emc(Method::POST, "/data-source/7/exporter"), exporter_json()).reply(ok(exporter_json()))),
            Val(strip_nulls(exporter_json()))),
        row("#21 get_data_source_schema (required: false is read)",
            call(|c| async move { c.emc.data_sources().schema(&DataSourceContentType::Behavior).await }),
            Some(emc(Method::GET, "/data-source/schema/behavior").reply(ok(json!([
                {"name": "uid", "type": "string", "required": true, "link": ""},
                {"name": "ref", "type": "string", "required": false, "link": "r"}])))),
            Val(json!([{"name": "uid", "type": "string", "required": true, "link": ""},
                       {"name": "ref", "type": "string", "required": false, "link": "r"}]))),
        row("#22 get_system_info", call(|c| async move { c.emc.system_info().await }),
            Some(emc(Method::GET, "/system/version").reply(ok(json!({"version": "2.1", "build": "77", "branch": "main"})))),
            Val(json!({"version": "2.1", "build": "77", "branch": "main"}))),
        row("#23 get_audit_logs",
            call(|c| async move { c.emc.audit_logs().start(ms(1500000000000)).end(ms(1500086400000)).send().await }),
            Some(emc(Method::GET, "/audit").query("startTime=1500000000000&endTime=1500086400000")
                .reply(ok(json!({"startTime": 1500000000000u64, "endTime": 1500086400000u64, "events": [
                    {"eventTime": 1500000000001u64, "userId": 3, "groupUser": "workshop\\u", "msg": "[Method]x;[Arguments]y;"}]})))),
            Val(json!({"startTime": 1500000000000u64, "endTime": 1500086400000u64, "events": [
                    {"eventTime": 1500000000001u64, "userId": 3, "groupUser": "workshop\\u", "msg": "[Method]x;[Arguments]y;"}]}))),
        row("#23 get_audit_logs, a range ending before it starts refused",
            call(|c| async move { c.emc.audit_logs().start(ms(1500086400000)).end(ms(1500000000000)).send().await }),
            None, Input("end_time")),
        row("#1 get_groups, 403 for a viewer",
            call(|c| async move { c.emc.groups().list().await }),
            Some(emc(Method::GET, "/group").reply(Reply::json(403, json!({"message": "forbidden"})))),
            Status(403)),
    ]
}

fn er_rows() -> Vec<Row> {
    vec![
        row("#1 er.get_groups", call(|c| async move { c.er.groups().list().await }),
            Some(er(Method::GET, "/group").reply(ok(json!([{"id": 2, "name": "workshop", "displayName": "W"}])))),
            Val(json!([{"id": 2, "name": "workshop", "displayName": "W"}]))),
        row("#2 er.get_data_sources", call(|c| async move { c.er.data_sources().list(&id("2")).await }),
            Some(er(Method::GET, "/group/2/data-source").reply(ok(json!([{"id": 7, "groupId": 2, "name": "ds",
                "displayName": "DS", "contentType": "item", "type": "UPLOAD"}])))),
            Val(json!([{"id": 7, "groupId": 2, "name": "ds", "displayName": "DS", "contentType": "item", "type": "UPLOAD"}]))),
        row("#3 er.get_logics", call(|c| async move { c.er.logics().list(&id("2")).await }),
            Some(er(Method::GET, "/group/2/logic").reply(ok(json!([logic_answer()])))),
            Val(json!([strip_nulls(logic_answer())]))),
        row("#4 er.add_logic (all 21 keys, addNonCategoryRec as a string)",
            call(|c| async move { c.er.logics().create(&id("2"), &logic()).await }),
            Some(json_body(er(Method::POST, "/group/2/logic"), logic_body()).reply(ok(logic_answer()))),
            Val(strip_nulls(logic_answer()))),
        row("#4 er.add_logic, no algorithm refused",
            call(|c| async move {
                let l = Logic::new("lg", "LG", LogicAlgType::Rank, 10, vec![]);
                c.er.logics().create(&id("2"), &l).await
            }),
            None, Input("alg_instances")),
        row("#5 er.update_logic (run fields sent back)",
            call(|c| async move {
                let l: Logic = serde_json::from_value(logic_answer()).unwrap();
                c.er.logics().update(&l).await
            }),
            Some(json_body(er(Method::POST, "/logic/11"), {
                let mut v = logic_answer();
                for i in v["algInstances"].as_array_mut().unwrap() {
                    for k in ["qualifier", "executeTime", "executeState", "successTime"] {
                        i.as_object_mut().unwrap().entry(k).or_insert(Value::Null);
                    }
                }
                v
            }).reply(ok(logic_answer()))),
            Val(strip_nulls(logic_answer()))),
        row("#6 er.del_logic", call(|c| async move { c.er.logics().delete(&id("11")).await }),
            Some(er(Method::DELETE, "/logic/11").reply(ok(json!(11)))),
            Val(Value::Null)),
        row("#7 er.get_campaigns (read: the reference raises KeyError 'logics]')",
            call(|c| async move { c.er.campaigns().list(&id("2")).await }),
            Some(er(Method::GET, "/group/2/campaign").reply(ok(json!([campaign_json()])))),
            Val(json!([strip_nulls(campaign_json())]))),
        row("#8 er.add_campaign",
            call(|c| async move {
                let cp = Campaign::new(id("2"), "c", "C", ms(1500000000000), ms(1500086400000));
                c.er.campaigns().create(&id("2"), &cp).await
            }),
            Some(json_body(er(Method::POST, "/group/2/campaign"), json!({"id": null, "groupId": 2, "name": "c",
                "displayName": "C", "startTime": 1500000000000u64, "endTime": 1500086400000u64, "logics": [],
                "createTime": null, "updateTime": null})).reply(ok(campaign_json()))),
            Val(strip_nulls(campaign_json()))),
        row("#8 er.add_campaign, a range ending before it starts refused",
            call(|c| async move {
                let cp = Campaign::new(id("2"), "c", "C", ms(1500086400000), ms(1500000000000));
                c.er.campaigns().create(&id("2"), &cp).await
            }),
            None, Input("end_time")),
        row("#9 er.update_campaign",
            call(|c| async move {
                let cp: Campaign = serde_json::from_value(campaign_json()).unwrap();
                c.er.campaigns().update(&cp).await
            }),
            Some(json_body(er(Method::POST, "/campaign/21"), campaign_json()).reply(ok(campaign_json()))),
            Val(strip_nulls(campaign_json()))),
        row("#10 er.del_campaign", call(|c| async move { c.er.campaigns().delete(&id("21")).await }),
            Some(er(Method::DELETE, "/campaign/21").reply(ok(json!(21)))),
            Val(Value::Null)),
        row("#11 er.get_user_filters", call(|c| async move { c.er.user_filters().list(&id("2")).await }),
            Some(er(Method::GET, "/group/2/userfilter").reply(ok(json!([{"id": 31, "name": "uf", "displayName": "UF",
                "createTime": 1, "updateTime": null}])))),
            Val(json!([{"id": 31, "name": "uf", "displayName": "UF", "createTime": 1}]))),
        Row {
            body_has: vec!["name=\"displayName\"\r\n\r\nUF\r\n".into(), "name=\"name\"\r\n\r\nuf\r\n".into(),
                "name=\"file\"; filename=\"up.csv\"\r\nContent-Type: text/csv\r\n\r\nuid\r\nu1\n\r\n".into()],
            ..row("#12 er.add_user_filter (multipart + CSV)",
                call(|c| async move {
                    c.er.user_filters().create(&id("2"), UserFilter::new("uf", "UF")).file(c.dir.join("up.csv")).send().await
                }),
                Some(multipart("/ER/V3/recsrv/v1", "/group/2/userfilter")
                    .reply(ok(json!({"id": 31, "name": "uf", "displayName": "UF"})))),
                Val(json!({"id": 31, "name": "uf", "displayName": "UF"})))
        },
        row("#12 er.add_user_filter without a file refused",
            call(|c| async move { c.er.user_filters().create(&id("2"), UserFilter::new("uf", "UF")).send().await }),
            None, Input("file")),
        Row {
            body_has: vec!["name=\"id\"\r\n\r\n31\r\n".into(), "name=\"createTime\"\r\n\r\n1\r\n".into(),
                "filename=\"up.csv\"".into()],
            ..row("#13 er.update_user_filter (id and times as decimal parts)",
                call(|c| async move {
                    let uf: UserFilter = serde_json::from_value(json!({"id": 31, "name": "uf", "displayName": "UF", "createTime": 1})).unwrap();
                    c.er.user_filters().update(uf).file(c.dir.join("up.csv")).send().await
                }),
                Some(multipart("/ER/V3/recsrv/v1", "/userfilter/31")
                    .reply(ok(json!({"id": 31, "name": "uf", "displayName": "UF"})))),
                Val(json!({"id": 31, "name": "uf", "displayName": "UF"})))
        },
        row("#14 er.del_user_filter", call(|c| async move { c.er.user_filters().delete(&id("31")).await }),
            Some(er(Method::DELETE, "/userfilter/31").reply(ok(json!(31)))),
            Val(Value::Null)),
        row("#15 er.get_layout (loID dropped, missing keys default)",
            call(|c| async move { c.er.layouts().get(&id("11")).await }),
            Some(er(Method::GET, "/logic/11/layout").reply(ok(json!({"dataSrcName": "items", "loName": "lo",
                "loTitle": "Picks", "loID": 4})))),
            Val(layout_json())),
        row("#15 er.get_layout, none yet is None with get_opt",
            call(|c| async move { c.er.layouts().get_opt(&id("11")).await }),
            Some(er(Method::GET, "/logic/11/layout").reply(Reply::status(404))),
            Val(Value::Null)),
        row("#16 er.update_layout (13 keys, no loID)",
            call(|c| async move { c.er.layouts().update(&id("11"), &Layout::new("items", "lo", "Picks")).await }),
            Some(json_body(er(Method::POST, "/logic/11/layout"), layout_json()).reply(ok(layout_json()))),
            Val(layout_json())),
        row("#17 er.get_alg_trainings (an unknown algorithm with a result)",
            call(|c| async move { c.er.alg_trainings().list(&id("2")).await }),
            Some(er(Method::GET, "/group/2/algtraining").reply(ok(json!([
                {"id": 41, "algId": "LDA", "state": "DONE", "createTime": 1, "updateTime": 2,
                 "setting": {"DATASOURCE": {"id": 7, "name": "ds"}, "TOPICS": 5},
                 "result": {"dataSource": "ds", "ldaModalPath": "/m"}},
                {"id": 42, "algId": "NEW_ALG", "state": "N/A", "createTime": 1, "updateTime": 2,
                 "setting": {"x": 1}, "result": {"y": 2}}])))),
            Val(json!([
                {"id": 41, "algId": "LDA", "state": "DONE", "createTime": 1, "updateTime": 2,
                 "setting": {"DATASOURCE": {"id": 7, "name": "ds"}, "TOPICS": 5},
                 "result": {"dataSource": "ds", "ldaModalPath": "/m"}},
                {"id": 42, "algId": "NEW_ALG", "state": "N/A", "createTime": 1, "updateTime": 2,
                 "setting": {"x": 1}, "result": {"y": 2}}]))),
        row("#18 er.add_alg_training",
            call(|c| async move { c.er.alg_trainings().create(&id("2"), &AlgTraining::lda(ds_ref(), 5).unwrap()).await }),
            Some(json_body(er(Method::POST, "/group/2/algtraining"),
                json!({"setting": {"TOPICS": 5, "DATASOURCE": {"id": 7, "name": "ds"}}, "algId": "LDA"}))
                .reply(ok(json!({"id": 43, "algId": "LDA", "state": "INIT", "createTime": 1, "updateTime": 1,
                    "setting": {"TOPICS": 5, "DATASOURCE": {"id": 7, "name": "ds"}}})))),
            Val(json!({"id": 43, "algId": "LDA", "state": "INIT", "createTime": 1, "updateTime": 1,
                    "setting": {"TOPICS": 5, "DATASOURCE": {"id": 7, "name": "ds"}}}))),
    ]
}

fn ei_rows() -> Vec<Row> {
    let cat = json!({"id": 61, "name": "bc", "isDefault": true, "bands": [
        {"id": 51, "name": "b", "description": "", "type": "upload", "needRefresh": false}]});
    let cat_want = json!({"id": 61, "name": "bc", "isDefault": true, "bands": [
        {"id": 51, "categoryId": 61, "name": "b", "description": "", "type": "upload", "needRefresh": false,
         "snapshotInfo": {"children": []}, "shared": false}]});
    vec![
        row("#1 ei.get_me", call(|c| async move { c.ei.users().me().await }),
            Some(ei(Method::GET, "/user/me").reply(data(ei_user_json()))),
            Val(ei_user_json())),
        row("#2 ei.get_superme", call(|c| async move { c.ei.users().superme().await }),
            Some(ei(Method::GET, "/user/superme").reply(data(ei_user_json()))),
            Val(ei_user_json())),
        row("#3 ei.get_gene_categories", call(|c| async move { c.ei.genes().categories(&id("2")).await }),
            Some(ei(Method::GET, "/genecategory").query("groupId=2").reply(data(json!([gene_category_json()])))),
            Val(json!([gene_category_json()]))),
        row("#4 ei.get_band_categories (bands get the category id)",
            call(|c| async move { c.ei.band_categories().list().await }),
            Some(ei(Method::GET, "/bandcategory").reply(data(json!([cat.clone()])))),
            Val(json!([cat_want.clone()]))),
        row("#5 ei.add_band_category (form, isDefault=True)",
            call(|c| async move { c.ei.band_categories().create().name("bc \u{e9}&x").is_default(true).send().await }),
            Some(ei(Method::POST, "/bandcategory")
                .header("content-type", "application/x-www-form-urlencoded")
                .body("name=bc+%C3%A9%26x&isDefault=True")
                .reply(data(json!({"id": 61, "name": "bc \u{e9}&x"})))),
            Val(json!({"id": 61, "name": "bc \u{e9}&x", "bands": []}))),
        row("#6 ei.update_band_category (form, name only)",
            call(|c| async move { c.ei.band_categories().update(&id("61")).name("bc2").send().await }),
            Some(ei(Method::POST, "/bandcategory/61")
                .header("content-type", "application/x-www-form-urlencoded")
                .body("name=bc2")
                .reply(data(json!({"id": 61, "name": "bc2"})))),
            Val(json!({"id": 61, "name": "bc2", "bands": []}))),
        row("#7 ei.del_band_category (a list answer)",
            call(|c| async move { c.ei.band_categories().delete(&id("61")).await }),
            Some(ei(Method::DELETE, "/bandcategory/61").reply(data(json!([{"id": 61, "name": "bc"}])))),
            Val(Value::Null)),
        row("#8 ei.get_shared_band_categories (of a group)",
            call(|c| async move { c.ei.band_categories().shared(Some(&id("2"))).await }),
            Some(ei(Method::GET, "/sharingbandcategory").query("groupId=2").reply(data(json!([cat.clone()])))),
            Val(json!([cat_want.clone()]))),
        row("#8 ei.get_shared_band_categories (own group: no query)",
            call(|c| async move { c.ei.band_categories().shared(None).await }),
            Some(ei(Method::GET, "/sharingbandcategory").reply(data(json!([])))),
            Val(json!([]))),
        Row {
            body_has: vec![
                "name=\"categoryId\"\r\n\r\n61\r\n".into(),
                "name=\"name\"\r\n\r\nb\r\n".into(),
                "name=\"description\"\r\n\r\ndesc\r\n".into(),
                "name=\"type\"\r\n\r\ngene\r\n".into(),
                "name=\"needRefresh\"\r\n\r\nTrue\r\n".into(),
                "name=\"shared\"\r\n\r\nFalse\r\n".into(),
                "name=\"snapshotInfo\"\r\n\r\n{\"parent\": null, \"children\": []}\r\n".into(),
                "name=\"targetGene\"\r\n\r\n{\"geneId\": \"g1\", \"cid\": 7, \"operator\": \"IN\", \"operand\": \"a,b\"}\r\n".into(),
                "name=\"file\"; filename=\"null\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n".into(),
            ],
            ..row("#9 ei.add_band (multipart, booleans as True/False, an empty null file part)",
                call(|c| async move {
                    let mut b = Band::gene(id("61"), "b", BandGene::new(id("g1"), id("7"), BandGeneOperator::In, "a,b"));
                    b.description = "desc".into();
                    c.ei.bands().create(b).send().await
                }),
                Some(multipart("/EI/V3/service/v1", "/band").reply(data({
                    let mut v = band_json();
                    v.as_object_mut().unwrap().remove("categoryId");
                    v
                }))),
                Val(band_json()))
        },
        row("#9 ei.add_band, a file for a gene band refused",
            call(|c| async move {
                let b = Band::gene(id("61"), "b", BandGene::new(id("g1"), id("7"), BandGeneOperator::In, "a"));
                c.ei.bands().create(b).file(c.dir.join("up.csv")).send().await
            }),
            None, Input("file")),
        Row {
            body_has: vec![
                "name=\"targetBand\"\r\n\r\n{\"bandIds\": [51, 52], \"operators\": [\"UNION\"]}\r\n".into(),
                "name=\"id\"\r\n\r\n53\r\n".into(),
                "filename=\"null\"".into(),
            ],
            ..row("#10 ei.update_band (combine)",
                call(|c| async move {
                    let mut b = Band::combine(id("61"), "c", BandCombine::new(vec![id("51"), id("52")], BandCombineOperator::Union));
                    b.id = Some(id("53"));
                    c.ei.bands().update(b).send().await
                }),
                Some(multipart("/EI/V3/service/v1", "/band/53").reply(data(band_json()))),
                Val(band_json()))
        },
        Row {
            body_has: vec!["name=\"type\"\r\n\r\nupload\r\n".into(),
                "filename=\"up.csv\"\r\nContent-Type: text/csv\r\n\r\nuid\r\nu1\n\r\n".into()],
            ..row("#10 ei.update_band (upload, with its CSV)",
                call(|c| async move {
                    let mut b = Band::upload(id("61"), "u");
                    b.id = Some(id("54"));
                    c.ei.bands().update(b).file(c.dir.join("up.csv")).send().await
                }),
                Some(multipart("/EI/V3/service/v1", "/band/54").reply(data(band_json()))),
                Val(band_json()))
        },
        row("#11 ei.del_band", call(|c| async move { c.ei.bands().delete(&id("51")).await }),
            Some(ei(Method::DELETE, "/band/51").reply(data(json!({"id": 51})))),
            Val(Value::Null)),
        row("#13 ei.do_snapshot (sent: the reference never sends it)",
            call(|c| async move { c.ei.bands().snapshot(&id("51")).await }),
            Some(ei(Method::POST, "/band/51/snapshot").reply(data(band_json()))),
            Val(band_json())),
        row("#14 ei.get_fixed_gene_categories", call(|c| async move { c.ei.genes().fixed_categories().await }),
            Some(ei(Method::GET, "/fixedgenecategory").reply(data(json!([gene_category_json()])))),
            Val(json!([gene_category_json()]))),
        Row {
            body_has: vec!["name=\"groupId\"\r\n\r\n2\r\n".into(),
                "filename=\"schema.json\"\r\nContent-Type: application/json\r\n\r\n{\"genes\": []}\r\n".into()],
            ..row("#15 ei.upload_fixed_gene_schema",
                call(|c| async move { c.ei.genes().upload_fixed_schema(&id("2"), c.dir.join("schema.json")).await }),
                Some(multipart("/EI/V3/service/v1", "/fixedgene/schema").reply(data(gene_category_json()))),
                Val(gene_category_json()))
        },
        Row {
            body_has: vec!["name=\"groupId\"\r\n\r\n2\r\n".into(), "filename=\"up.csv\"".into()],
            ..row("#16 ei.upload_fixed_gene_data",
                call(|c| async move { c.ei.genes().upload_fixed_data(&id("2"), c.dir.join("up.csv")).await }),
                Some(multipart("/EI/V3/service/v1", "/fixedgene/data").reply(data(json!("1 rows")))),
                Val(json!("1 rows")))
        },
        row("#16 ei.upload_fixed_gene_data, a missing file refused",
            call(|c| async move { c.ei.genes().upload_fixed_data(&id("2"), c.dir.join("nope.csv")).await }),
            None, Input("file")),
        row("#17 ei.get_population_summary",
            call(|c| async move { c.ei.population().summary(&id("g_age"), &id("7")).await }),
            Some(ei(Method::GET, "/population/summary").query("geneId=g_age&cId=7")
                .reply(data(json!([{"key": "30-39", "amount": 12}])))),
            Val(json!([{"key": "30-39", "amount": 12}]))),
        row("#18 ei.get_population_timeline",
            call(|c| async move {
                c.ei.population().timeline(&id("7")).genes([id("g1"), id("g2")])
                    .start(date(2017, 1, 1)).end(date(2017, 1, 31))
                    .filter_op(EiPopulationTimelineFilterOp::Ge).send().await
            }),
            Some(ei(Method::GET, "/timeline/population/g1,g2/7")
                .query("startTime=2017-01-01&endTime=2017-01-31&filterOperator=GE&filterComparator=STRING%3A*")
                .reply(data(json!([{"name": "g1", "group": "workshop", "cid": 7, "startTime": 1483228800000u64,
                    "endTime": 1485820800000u64, "data": [[1483228800000u64, 4]]}])))),
            Val(json!([{"name": "g1", "group": "workshop", "cid": 7, "startTime": 1483228800000u64,
                    "endTime": 1485820800000u64, "data": [[1483228800000u64, 4]]}]))),
        row("#18 ei.get_population_timeline, a range ending before it starts refused",
            call(|c| async move {
                c.ei.population().timeline(&id("7")).genes([id("g1")])
                    .start(date(2017, 2, 1)).end(date(2017, 1, 31))
                    .filter_op(EiPopulationTimelineFilterOp::Ge).send().await
            }),
            None, Input("end")),
        row("#19 ei.get_statistics (sorted by day)",
            call(|c| async move {
                let days = c.ei.statistics(&id("2")).items([EiStatisticsItem::AddBand, EiStatisticsItem::BandCount])
                    .start(date(2017, 1, 1)).end(date(2017, 1, 31)).send().await?;
                Ok(days.into_iter().map(|(d, m)| (d.to_string(), m)).collect::<Vec<_>>())
            }),
            Some(ei(Method::GET, "/statistics/query")
                .query("groupId=2&startDate=2017-01-01&endDate=2017-01-31&itemName=addBand%2CbandCount")
                .reply(data(json!({"2017-01-02": {"addBand": 1}, "2017-01-01": {"addBand": 2, "bandCount": 5}})))),
            Val(json!([["2017-01-01", {"addBand": 2, "bandCount": 5}], ["2017-01-02", {"addBand": 1}]]))),
        row("#20 ei.get_customer_info (uid percent-encoded)",
            call(|c| async move { c.ei.customers().info(&id("7"), &id("u/1")).await }),
            Some(ei(Method::GET, "/customerinformation/u%2F1").query("cId=7").reply(data(json!({"g_age": 31})))),
            Val(json!({"g_age": 31}))),
        row("#21 ei.get_uid_band_list (empty lists are fine)",
            call(|c| async move { c.ei.customers().band_list(&id("3"), &id("u1")).await }),
            Some(ei(Method::GET, "/uidbandlist/id").query("uid=u1&userId=3")
                .reply(data(json!({"bandIdList": [], "bandNameList": []})))),
            Val(json!({"bandIdList": [], "bandNameList": []}))),
        Row {
            body_has: vec!["name=\"groupId\"\r\n\r\n2\r\n".into(), "filename=\"up.csv\"".into()],
            ..row("#22 ei.upload_item_data",
                call(|c| async move { c.ei.upload_items(&id("2"), c.dir.join("up.csv")).await }),
                Some(multipart("/EI/V3/service/v1", "/item").reply(data(json!({"pidNumber": 42})))),
                Val(json!(42)))
        },
        row("#23 ei.get_summary",
            call(|c| async move { c.ei.summary(&id("Summary_Revisit_7")).data_source(id("7")).band(id("51")).send().await }),
            Some(ei(Method::GET, "/summary/Summary_Revisit_7").query("cId=7&bandId=51&upperBound=1&lowerBound=1")
                .reply(data(json!({"rate": 0.4})))),
            Val(json!({"rate": 0.4}))),
        row("#24 ei.do_su_login (a GET, names)",
            call(|c| async move { c.ei.su().login(&id("workshop"), &id("bob")).await }),
            Some(ei(Method::GET, "/suauth").query("groupName=workshop&userName=bob").reply(data(json!("ok")))),
            Val(json!("ok"))),
        row("#25 ei.do_su_logout", call(|c| async move { c.ei.su().logout().await }),
            Some(ei(Method::DELETE, "/suauth").reply(data(json!("bye")))),
            Val(json!("bye"))),
        row("#26 ei.get_default_bandcategories",
            call(|c| async move { c.ei.band_categories().defaults(&id("7")).await }),
            Some(ei(Method::GET, "/defaultbandcategory").query("cId=7").reply(data(json!([{"id": 62, "name": "d"}])))),
            Val(json!([{"id": 62, "name": "d", "bands": []}]))),
        row("#1 ei.get_me, an answer without the data envelope",
            call(|c| async move { c.ei.users().me().await }),
            Some(ei(Method::GET, "/user/me").reply(ok(ei_user_json()))),
            Decode),
    ]
}

/// The CAS login of one application: TGT (first app only), ST, one
/// validation that sets the session cookie.
fn login(mock: &MockTransport, tgt: bool, shiro: &str) {
    if tgt {
        mock.push(
            Expect::new(Method::POST, "/cas/v1/tickets")
                .header("content-type", "application/x-www-form-urlencoded")
                .body("username=workshop%5Cadmin&password=p%40ss+w")
                .reply(
                    Reply::status(201)
                        .header("location", "https://etu.test/cas/v1/tickets/TGT-1-abc"),
                ),
        );
    }
    let service = format!("https://etu.test{shiro}");
    let form: String = tenantry_core::url::form_urlencoded::Serializer::new(String::new())
        .append_pair("service", &service)
        .finish();
    mock.push(
        Expect::new(Method::POST, "/cas/v1/tickets/TGT-1-abc")
            .body(form)
            .reply(Reply::text(200, "ST-1-xyz")),
    );
    mock.push(
        Expect::new(Method::GET, shiro)
            .query("ticket=ST-1-xyz")
            .no_header("cookie")
            .reply(
                Reply::status(200)
                    .header("set-cookie", &format!("{COOKIE}; Path=/; Secure; HttpOnly")),
            ),
    );
}

async fn run(rows: Vec<Row>, total: usize) {
    let mock = Arc::new(MockTransport::new());
    let cas = Cas::builder("workshop", "admin", Secret::new("p@ss w"))
        .host("etu.test")
        .app_host("etu.test")
        .transport(mock.clone())
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("etunexus-table-{}-{total}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("up.csv"), "uid\r\nu1\n").unwrap();
    std::fs::write(dir.join("schema.json"), "{\"genes\": []}").unwrap();
    let apps = Apps {
        emc: Emc2::new(&cas).unwrap(),
        er: Er3::new(&cas).unwrap(),
        ei: Ei3::new(&cas).unwrap(),
        dir: Arc::new(dir.clone()),
    };
    login(&mock, true, "/shiro-cas");
    apps.emc.login().await.unwrap();
    login(&mock, false, "/ER/V3/shiro-cas");
    apps.er.login().await.unwrap();
    login(&mock, false, "/EI/V3/shiro-cas");
    apps.ei.login().await.unwrap();
    mock.verify().unwrap();

    let mut operations = std::collections::BTreeSet::new();
    for r in rows {
        let name = r.name;
        operations.insert(name.to_owned());
        let sent_before = mock.requests().len();
        if let Some(e) = r.expect {
            mock.push(e);
        }
        let got = (r.call)(apps.clone()).await;
        match (&r.want, &got) {
            (Val(v), Ok(g)) => assert_eq!(strip_nulls(g.clone()), strip_nulls(v.clone()), "{name}"),
            (Status(s), Err(Error::Api(a))) => assert_eq!(a.status, *s, "{name}"),
            (Decode, Err(Error::Decode { .. })) => {}
            (Input(field), Err(Error::InvalidInput { field: f, .. })) => {
                assert_eq!(f, field, "{name}");
                assert_eq!(mock.requests().len(), sent_before, "{name}: nothing sent");
            }
            _ => panic!("{name}: want {:?}, got {got:?}", r.want),
        }
        mock.verify().unwrap_or_else(|e| panic!("{name}: {e}"));
        if !r.body_has.is_empty() {
            let reqs = mock.requests();
            let req = reqs.last().unwrap();
            let ct = req.headers()["content-type"].to_str().unwrap().to_owned();
            assert!(
                ct.starts_with("multipart/form-data; boundary="),
                "{name}: {ct}"
            );
            let body = String::from_utf8_lossy(req.body()).into_owned();
            let boundary = ct.split("boundary=").nth(1).unwrap();
            assert!(
                body.ends_with(&format!("--{boundary}--\r\n")),
                "{name}: {body}"
            );
            let mut at = 0;
            for part in &r.body_has {
                let found = body[at..]
                    .find(part.as_str())
                    .unwrap_or_else(|| panic!("{name}: no {part:?} after {at} in {body}"));
                at += found + part.len();
            }
        }
    }
    let numbered: std::collections::BTreeSet<_> = operations
        .iter()
        .filter(|n| n.starts_with('#'))
        .map(|n| n.split(' ').take(2).collect::<Vec<_>>().join(" "))
        .map(|n| n.trim_end_matches(',').to_owned())
        .collect();
    assert_eq!(
        numbered.len(),
        total,
        "one row at least per operation: {numbered:?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn emc2_every_operation() {
    run(emc_rows(), 23).await;
}

#[tokio::test]
async fn er3_every_operation() {
    run(er_rows(), 18).await;
}

#[tokio::test]
async fn ei3_every_declared_operation() {
    // #12 get_uid_list (two requests and a file) has its own test below.
    run(ei_rows(), 25).await;
}

#[tokio::test]
async fn ei3_get_uid_list_downloads_to_a_file() {
    let mock = Arc::new(MockTransport::new());
    let cas = Cas::builder("workshop", "admin", Secret::new("p@ss w"))
        .host("etu.test")
        .app_host("etu.test")
        .transport(mock.clone())
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let client = Ei3::new(&cas).unwrap();
    login(&mock, true, "/EI/V3/shiro-cas");
    mock.push(
        ei(Method::GET, "/band/51/uidlist").reply(data(json!({"downloadLink": "EI/V3/dl/51.csv"}))),
    );
    mock.push(
        Expect::new(Method::GET, "/EI/V3/dl/51.csv")
            .header("cookie", COOKIE)
            .reply(Reply::text(200, "uid\nu1\nu2\n")),
    );
    let path = std::env::temp_dir().join(format!("etunexus-uids-{}.csv", std::process::id()));
    let n = client
        .bands()
        .download_uids(&id("51"), &path)
        .await
        .unwrap();
    assert_eq!(n, 10);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "uid\nu1\nu2\n");
    std::fs::remove_file(&path).ok();
    mock.verify().unwrap();
    // A link that leaves the host is refused, nothing more is sent.
    mock.push(
        ei(Method::GET, "/band/51/uidlist").reply(data(json!({"downloadLink": "https://evil/x"}))),
    );
    let e = client
        .bands()
        .download_uids(&id("51"), &path)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    mock.verify().unwrap();
    // A failed download is a typed error and creates no file.
    mock.push(
        ei(Method::GET, "/band/51/uidlist").reply(data(json!({"downloadLink": "EI/V3/dl/51.csv"}))),
    );
    mock.push(
        Expect::new(Method::GET, "/EI/V3/dl/51.csv")
            .header("cookie", COOKIE)
            .reply(Reply::text(404, "gone")),
    );
    let e = client
        .bands()
        .download_uids(&id("51"), &path)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(404), "{e:?}");
    assert!(!path.exists(), "no file for a failed download");
    mock.verify().unwrap();
}
