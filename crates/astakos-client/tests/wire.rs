//! What the client sends, byte for byte where the reference is exact, and
//! how it maps answers; over a recording transport (no sockets).

mod common;

use astakos_client::models::commissions::QUOTA_LIMIT_MESSAGE;
use astakos_client::models::{
    ApplicationAction, CommissionAction, CommissionRequest, MembershipAction, NewProject,
    OverLimit, ProjectAction, ProjectMode, ProjectState, Provision,
};
use astakos_client::{Error, MembershipId, ProjectId, RetryConfig, Secret, Serial, Uuid};
use common::*;
use serde_json::json;

fn pid(s: &str) -> ProjectId {
    ProjectId::new(s).unwrap()
}
fn uid(s: &str) -> Uuid {
    Uuid::new(s).unwrap()
}

#[tokio::test]
async fn discovery_then_quotas_two_requests_then_one() {
    let rec = Recorder::new();
    rec.with_catalog();
    rec.json(
        "GET",
        "/account_prefix/quotas",
        200,
        json!({"system": {"cyclades.vm": {"limit": 2, "usage": 1, "pending": 0}}}),
    );
    let c = client(&rec);
    let q = c.quotas().get().await.unwrap();
    assert_eq!(q[&pid("system")]["cyclades.vm"].limit, Some(2));
    assert_eq!(rec.sent().len(), 2);
    let d = &rec.sent()[0];
    assert_eq!(d.method, "POST");
    assert_eq!(d.path, "/identity/v2.0/tokens");
    assert!(d.body.is_empty());
    assert_eq!(d.header("content-length"), Some("0"));
    assert_eq!(d.header("content-type"), Some("application/json"));
    assert_eq!(d.header("x-auth-token"), Some(TOKEN));
    let g = &rec.sent()[1];
    assert_eq!(
        (g.method.as_str(), g.path.as_str()),
        ("GET", "/account_prefix/quotas")
    );
    assert_eq!(g.header("content-type"), None);
    assert_eq!(g.header("content-length"), Some("0"));
    assert_eq!(g.header("x-auth-token"), Some(TOKEN));
    c.quotas().get().await.unwrap();
    assert_eq!(rec.sent().len(), 3);
    let clone = c.clone();
    clone.quotas().get().await.unwrap();
    assert_eq!(rec.count("POST", "/identity/v2.0/tokens"), 1);
}

#[tokio::test]
async fn concurrent_first_callers_share_one_discovery() {
    let rec = Recorder::new();
    rec.with_catalog();
    rec.json("GET", "/account_prefix/quotas", 200, json!({}));
    let c = client(&rec);
    let calls = (0..8).map(|_| {
        let c = c.clone();
        tokio::spawn(async move { c.quotas().get().await })
    });
    for h in calls.collect::<Vec<_>>() {
        h.await.unwrap().unwrap();
    }
    assert_eq!(rec.count("POST", "/identity/v2.0/tokens"), 1);
    assert_eq!(rec.count("GET", "/account_prefix/quotas"), 8);
}

/// Waits (at most 5 s) until `rec` has seen `n` requests to `method path`.
async fn until_sent(rec: &Recorder, method: &str, path: &str, n: usize) {
    for _ in 0..500 {
        if rec.count(method, path) >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("{method} {path} was not sent {n} times");
}

/// Callers waiting on a discovery are all released when it ends, with its
/// outcome: a failed discovery fails every waiter at once with the same
/// error (they do not retry one after another); the next call discovers
/// again, and after a good discovery nobody discovers. On the
/// current-thread runtime, so every spawned caller has joined the
/// discovery before the test looks at what was sent.
#[tokio::test]
async fn a_failed_discovery_fails_all_its_waiters_at_once() {
    let rec = Recorder::new();
    let tokens = "/identity/v2.0/tokens";
    let gate = rec.hold(tokens);
    rec.route_times("POST", tokens, 401, r#"{"unauthorized": {"code": 401}}"#, 1);
    rec.with_catalog();
    rec.json("GET", "/account_prefix/quotas", 200, json!({}));
    let c = client(&rec);
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.quotas().get().await })
        })
        .collect();
    until_sent(&rec, "POST", tokens, 1).await;
    gate.add_permits(1);
    for h in calls {
        match h.await.unwrap() {
            Err(Error::Api(e)) => assert_eq!(e.status, 401),
            other => panic!("every waiter gets the discovery's 401: {other:?}"),
        }
    }
    assert_eq!(
        rec.sent().len(),
        1,
        "one discovery, nothing else: {:?}",
        rec.sent()
    );
    // The next call discovers again, and succeeds.
    gate.add_permits(1);
    c.quotas().get().await.unwrap();
    assert_eq!(rec.count("POST", tokens), 2);
    assert_eq!(rec.count("GET", "/account_prefix/quotas"), 1);
}

/// A discovering call dropped half-way does not strand its waiters: they
/// carry the same discovery on (no second `POST tokens`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_discovery_does_not_strand_its_waiters() {
    let rec = Recorder::new();
    let tokens = "/identity/v2.0/tokens";
    let gate = rec.hold(tokens);
    rec.with_catalog();
    rec.json("GET", "/account_prefix/quotas", 200, json!({}));
    let c = client(&rec);
    let first = {
        let c = c.clone();
        tokio::spawn(async move { c.quotas().get().await })
    };
    until_sent(&rec, "POST", tokens, 1).await;
    let waiter = {
        let c = c.clone();
        tokio::spawn(async move { c.quotas().get().await })
    };
    first.abort();
    assert!(first.await.unwrap_err().is_cancelled());
    gate.add_permits(1);
    tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
        .await
        .expect("the waiter was released")
        .unwrap()
        .unwrap();
    assert_eq!(
        rec.count("POST", tokens),
        1,
        "the same discovery, carried on"
    );
    assert_eq!(rec.count("GET", "/account_prefix/quotas"), 1);
}

#[tokio::test]
async fn authenticate_then_get_token_makes_three_requests() {
    let rec = Recorder::new();
    let mut info = catalog();
    info["access"]["token"] =
        json!({"id": TOKEN, "tenant": {"id": USER, "name": "Example User One"}});
    info["access"]["user"] = json!({"id": USER, "name": "Example User One",
        "roles": [{"id": 1, "name": "default"}], "roles_links": []});
    rec.json("POST", "/identity/v2.0/tokens", 200, info);
    rec.json(
        "POST",
        "/oauth2/token",
        200,
        json!({"access_token": "at-1", "token_type": "Bearer", "expires_in": 20}),
    );
    let c = client(&rec);
    let a = c
        .identity()
        .authenticate()
        .tenant_name("tenant")
        .send()
        .await
        .unwrap();
    // The account entry is filtered to its v1.0 endpoints.
    let cat = a.access.service_catalog.as_ref().unwrap();
    assert_eq!(cat[0].endpoints.len(), 1);
    assert_eq!(
        a.access
            .user
            .as_ref()
            .unwrap()
            .id
            .as_ref()
            .unwrap()
            .as_str(),
        USER
    );
    let sent = rec.last();
    assert_eq!(
        sent.json(),
        json!({"auth": {"token": {"id": TOKEN}, "tenantName": "tenant"}})
    );
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(
        std::str::from_utf8(&sent.body).unwrap(),
        r#"{"auth": {"token": {"id": "skzleaFlBl+fasFdaf24sx"}, "tenantName": "tenant"}}"#
    );
    let t = c
        .identity()
        .oauth2_token()
        .client_id("my-client")
        .client_secret(Secret::new("s3cret"))
        .code(Secret::new("xyz"))
        .redirect_uri("https://r/x")
        .send()
        .await
        .unwrap();
    assert_eq!(t.access_token.unwrap().expose(), "at-1");
    assert_eq!(rec.sent().len(), 3);
    assert_eq!(rec.count("POST", "/identity/v2.0/tokens"), 2);
    let tok = rec.last();
    assert_eq!(tok.path, "/oauth2/token");
    assert_eq!(
        std::str::from_utf8(&tok.body).unwrap(),
        "grant_type=authorization_code&code=xyz&redirect_uri=https%3A%2F%2Fr%2Fx"
    );
    assert_eq!(
        tok.header("authorization"),
        Some("Basic bXktY2xpZW50OnMzY3JldA==")
    );
    assert_eq!(
        tok.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(tok.header("x-auth-token"), Some(TOKEN));
    // Cached from now on.
    c.identity()
        .oauth2_token()
        .client_id("my-client")
        .client_secret(Secret::new("s3cret"))
        .send()
        .await
        .unwrap();
    assert_eq!(rec.count("POST", "/identity/v2.0/tokens"), 2);
}

#[tokio::test]
async fn validate_token_encodes_the_id() {
    let rec = Recorder::new();
    rec.json(
        "GET",
        "/identity/v2.0/tokens/abc%2Fdef",
        200,
        json!({"access": {"token": {"id": "abc/def"}}}),
    );
    let c = client(&rec);
    let r = c
        .identity()
        .validate_token()
        .token_id(Secret::new("abc/def"))
        .belongs_to("https://x y")
        .send()
        .await
        .unwrap();
    assert!(r.is_some());
    let s = rec.last();
    assert_eq!(s.query.as_deref(), Some("belongsTo=https%3A%2F%2Fx+y"));
    assert_eq!(s.header("content-type"), None);
    assert_eq!(rec.sent().len(), 1, "no discovery needed");
}

#[tokio::test]
async fn user_catalogs() {
    let rec = Recorder::new();
    rec.with_catalog();
    rec.json(
        "POST",
        "/account_prefix/user_catalogs",
        200,
        json!({"uuid_catalog": {USER: "Example User One"}, "displayname_catalog": {}}),
    );
    rec.json("POST", "/account_prefix/service/user_catalogs", 200,
        json!({"uuid_catalog": {}, "displayname_catalog": {"Example User One": USER, "ghost": null}}));
    let c = client(&rec);
    assert_eq!(
        c.users().username(&uid(USER)).await.unwrap().as_deref(),
        Some("Example User One")
    );
    let s = rec.last();
    assert_eq!(s.json(), json!({"uuids": [USER]}));
    assert_eq!(s.header("content-type"), Some("application/json"));
    let e = c.users().username(&uid("1234")).await.unwrap_err();
    assert!(
        matches!(e, Error::Decode { ref path, ref message, .. }
            if path == "uuid_catalog.1234" && message == "No display name for the given uuid: 1234"),
        "{e:?}"
    );
    assert_eq!(
        c.service_users()
            .uuid()
            .display_name("Example User One")
            .send()
            .await
            .unwrap()
            .unwrap()
            .as_str(),
        USER
    );
    assert_eq!(
        rec.last().json(),
        json!({"displaynames": ["Example User One"]})
    );
    assert_eq!(
        c.service_users()
            .uuid()
            .display_name("ghost")
            .send()
            .await
            .unwrap(),
        None
    );
    let e = c
        .service_users()
        .uuid()
        .display_name("nobody")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Decode { ref message, .. } if message == "No uuid for the given display name: nobody"),
        "{e:?}"
    );
}

/// The error of `usernames([USER])` when the catalog call answers 200
/// with `answer`; the lookup sent must be the usual one whatever the
/// answer.
async fn usernames_error(answer: serde_json::Value) -> Error {
    let rec = Recorder::new();
    rec.with_catalog();
    rec.json("POST", "/account_prefix/user_catalogs", 200, answer);
    let e = client(&rec)
        .users()
        .usernames()
        .uuids([uid(USER)])
        .send()
        .await
        .unwrap_err();
    let s = rec.last();
    assert_eq!(
        (s.method.as_str(), s.path.as_str()),
        ("POST", "/account_prefix/user_catalogs")
    );
    assert_eq!(s.query, None);
    assert_eq!(s.header("x-auth-token"), Some(TOKEN));
    assert_eq!(s.header("content-type"), Some("application/json"));
    assert_eq!(
        std::str::from_utf8(&s.body).unwrap(),
        format!(r#"{{"uuids": ["{USER}"]}}"#)
    );
    e
}

#[tokio::test]
async fn missing_catalog_key_is_invalid_response() {
    let e = usernames_error(json!({"other": 1})).await;
    assert!(
        matches!(e, Error::Decode { ref message, .. } if message.contains("uuid_catalog")),
        "{e:?}"
    );
}

/// A wrong-typed entry deep in a catalog is named by its path under the
/// catalog's key, and the excerpt shows the catalog with the token masked.
#[tokio::test]
async fn a_bad_catalog_entry_names_its_path() {
    let e = usernames_error(json!({"uuid_catalog": {USER: 7, "note": TOKEN}})).await;
    match &e {
        Error::Decode {
            status,
            path,
            message,
            excerpt,
            ..
        } => {
            assert_eq!(*status, 200);
            assert_eq!(path, &format!("uuid_catalog.{USER}"));
            assert!(message.contains("expected a string"), "{message}");
            assert!(excerpt.contains(USER), "{excerpt}");
            assert!(!excerpt.contains(TOKEN), "{excerpt}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn services_resources_feedback() {
    let rec = Recorder::new();
    rec.with_catalog();
    rec.json(
        "GET",
        "/ui_prefix/get_services",
        200,
        json!([{"name": "cyclades", "url": "/c", "icon": "i"}]),
    );
    rec.json("GET", "/account_prefix/resources", 200,
        json!({"cyclades.ram": {"unit": "bytes", "description": "Virtual machine memory", "service": "cyclades"}}));
    rec.route("POST", "/account_prefix/feedback", 200, "");
    let c = client(&rec);
    assert_eq!(
        c.services().list().await.unwrap()[0].name.as_deref(),
        Some("cyclades")
    );
    assert_eq!(
        c.resources().list().await.unwrap()["cyclades.ram"]
            .unit
            .as_deref(),
        Some("bytes")
    );
    c.feedback()
        .create()
        .message("hello world")
        .data("a&b=c")
        .send()
        .await
        .unwrap();
    let s = rec.last();
    assert_eq!(
        std::str::from_utf8(&s.body).unwrap(),
        "feedback_data=a%26b%3Dc&feedback_msg=hello+world"
    );
    assert_eq!(
        s.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(rec.count("POST", "/identity/v2.0/tokens"), 1);
}

#[tokio::test]
async fn service_quota_filters() {
    let rec = Recorder::new();
    rec.with_catalog();
    rec.json(
        "GET",
        "/account_prefix/service_quotas",
        200,
        json!({USER: {"system": {"cyclades.vm": {"limit": 1}}}}),
    );
    rec.json(
        "GET",
        "/account_prefix/service_project_quotas",
        200,
        json!({"p1": {"cyclades.vm": {"project_limit": 5}}}),
    );
    let c = client(&rec);
    let q = c
        .quotas()
        .service_quotas()
        .users([uid("u1"), uid("u2")])
        .projects([pid("p1")])
        .send()
        .await
        .unwrap();
    assert_eq!(q[&uid(USER)][&pid("system")]["cyclades.vm"].limit, Some(1));
    assert_eq!(rec.last().query.as_deref(), Some("project=p1&user=u1%2Cu2"));
    c.quotas()
        .service_quotas()
        .users(Vec::new())
        .send()
        .await
        .unwrap();
    assert_eq!(rec.last().query.as_deref(), Some("user="));
    c.quotas().service_quotas().send().await.unwrap();
    assert_eq!(rec.last().query, None);
    let p = c
        .quotas()
        .project_quotas()
        .projects([pid("p1"), pid("p2")])
        .send()
        .await
        .unwrap();
    assert_eq!(p[&pid("p1")]["cyclades.vm"].project_limit, Some(5));
    assert_eq!(rec.last().query.as_deref(), Some("project=p1%2Cp2"));
}

#[tokio::test]
async fn commission_bodies() {
    let rec = Recorder::new();
    rec.with_catalog();
    rec.json(
        "POST",
        "/account_prefix/commissions",
        201,
        json!({"serial": 57}),
    );
    let c = client(&rec);
    // #20
    let serial = c
        .commissions()
        .issue_one(&uid("u1"))
        .provision((&pid("p1"), "cyclades.vm"), 1)
        .name("n")
        .force(true)
        .auto_accept(true)
        .send()
        .await
        .unwrap();
    assert_eq!(serial, Serial(57));
    let s = rec.last();
    assert_eq!(s.header("content-type"), Some("application/json"));
    assert_eq!(
        s.json(),
        json!({"auto_accept": true, "force": true, "name": "n", "provisions": [
        {"resource": "cyclades.vm", "source": "project:p1", "holder": "user:u1", "quantity": 1},
        {"resource": "cyclades.vm", "source": null, "holder": "project:p1", "quantity": 1}]})
    );
    // #19
    c.commissions()
        .issue_generic()
        .user_provision((&uid("u1"), &pid("p1"), "cyclades.vm"), 1)
        .project_provision((&pid("p1"), "cyclades.vm"), 2)
        .send()
        .await
        .unwrap();
    assert_eq!(
        rec.last().json(),
        json!({"auto_accept": false, "force": false, "name": "", "provisions": [
        {"resource": "cyclades.vm", "source": "project:p1", "holder": "user:u1", "quantity": 1},
        {"resource": "cyclades.vm", "source": null, "holder": "project:p1", "quantity": 2}]})
    );
    // #21
    c.commissions()
        .reassign(&uid("u1"))
        .provision((&pid("p1"), &pid("p2"), "cyclades.vm"), 3)
        .send()
        .await
        .unwrap();
    assert_eq!(
        rec.last().json(),
        json!({"auto_accept": false, "force": false, "name": "", "provisions": [
        {"resource": "cyclades.vm", "source": "project:p1", "holder": "user:u1", "quantity": -3},
        {"resource": "cyclades.vm", "source": null, "holder": "project:p1", "quantity": -3},
        {"resource": "cyclades.vm", "source": "project:p2", "holder": "user:u1", "quantity": 3},
        {"resource": "cyclades.vm", "source": null, "holder": "project:p2", "quantity": 3}]})
    );
    // The raw request (the reference's _issue_commission), unprefixed.
    let req = CommissionRequest::new(vec![Provision::new(
        "c02f315b-7d84-45bc-a383-552a3f97d2ad",
        Some("system".into()),
        "cyclades.vm",
        1,
    )])
    .name("my commission");
    c.commissions()
        .issue_request()
        .request(req)
        .send()
        .await
        .unwrap();
    assert_eq!(
        rec.last().json(),
        json!({"force": false, "auto_accept": false, "name": "my commission",
        "provisions": [{"holder": "c02f315b-7d84-45bc-a383-552a3f97d2ad", "source": "system",
                        "resource": "cyclades.vm", "quantity": 1}]})
    );
}

#[tokio::test]
async fn quota_limit_413() {
    let rec = Recorder::new();
    rec.with_catalog();
    rec.json(
        "POST",
        "/account_prefix/commissions",
        413,
        json!({"overLimit": {
        "message": "a human-readable error message", "code": 413,
        "data": {"provision": {"holder": "c02f315b-7d84-45bc-a383-552a3f97d2ad", "source": "system",
                               "resource": "cyclades.ram", "quantity": 520000000},
                 "name": "NoCapacityError", "limit": 600000000, "usage": 180000000}}}),
    );
    let c = client_with_retry(&rec, RetryConfig::standard().max_attempts(3));
    let e = c
        .commissions()
        .issue_one(&uid("u1"))
        .provision((&pid("system"), "cyclades.ram"), 520000000)
        .send()
        .await
        .unwrap_err();
    let Error::Api(api) = &e else { panic!("{e:?}") };
    assert_eq!((api.status, api.code.as_deref()), (413, Some("overLimit")));
    assert_eq!(
        api.message,
        "Resource Limit Exceeded for your account. Limit for resource 'RAM' exceeded for your account. Available: 420000000, Requested: 520000000"
    );
    assert!(api.excerpt.contains("a human-readable error message"));
    let ol = api.detail::<OverLimit>().unwrap();
    assert_eq!(
        QUOTA_LIMIT_MESSAGE,
        "Resource Limit Exceeded for your account."
    );
    assert_eq!(
        ol.details(),
        "Limit for resource 'RAM' exceeded for your account. Available: 420000000, Requested: 520000000"
    );
    assert_eq!(ol.data.limit, 600000000);
    assert_eq!(ol.data.available(), 420000000);
    assert_eq!(ol.data.name.as_deref(), Some("NoCapacityError"));
    assert_eq!(e.status(), Some(413));
    assert_eq!(rec.count("POST", "/account_prefix/commissions"), 1);
    // Garbage body: the raw text, no detail.
    let rec = Recorder::new();
    rec.with_catalog();
    rec.route("POST", "/account_prefix/commissions", 413, "garbage");
    let e = client(&rec)
        .commissions()
        .issue_one(&uid("u1"))
        .provision((&pid("p"), "x"), 1)
        .send()
        .await
        .unwrap_err();
    let Error::Api(api) = &e else { panic!("{e:?}") };
    assert_eq!((api.status, api.message.as_str()), (413, "garbage"));
    assert!(api.detail::<OverLimit>().is_none());
    assert_eq!(api.excerpt, "garbage");
    // 413 elsewhere stays generic.
    let rec = Recorder::new();
    rec.with_catalog();
    rec.route("POST", "/account_prefix/projects", 413, "too big");
    let e = client(&rec)
        .projects()
        .create()
        .spec(NewProject::new("n", "2030-01-01"))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Api(ref s) if s.status == 413 && s.detail::<OverLimit>().is_none()),
        "{e:?}"
    );
}

#[tokio::test]
async fn commission_without_serial() {
    let rec = Recorder::new();
    rec.with_catalog();
    rec.json(
        "POST",
        "/account_prefix/commissions",
        200,
        json!({"nope": 1}),
    );
    let e = client(&rec)
        .commissions()
        .issue_one(&uid("u1"))
        .provision((&pid("p"), "x"), 1)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Decode { ref message, .. } if message.contains("serial")),
        "{e:?}"
    );
}

#[tokio::test]
async fn commission_queries_and_actions() {
    let rec = Recorder::new();
    rec.with_catalog();
    rec.json("GET", "/account_prefix/commissions", 200, json!([100, 200]));
    rec.json(
        "GET",
        "/account_prefix/commissions/57",
        200,
        json!({"serial": 57, "issue_time": "t", "name": "a commission", "provisions": []}),
    );
    rec.route("POST", "/account_prefix/commissions/57/action", 200, "");
    rec.json("POST", "/account_prefix/commissions/action", 200, json!({"accepted": [57], "rejected": [59],
        "failed": [[56, {"badRequest": {"message": "cannot both accept and reject serial 56", "code": 400}}],
                   [58, {"itemNotFound": {"message": "serial 58 does not exist", "code": 404}}]]}));
    let c = client(&rec);
    assert_eq!(
        c.commissions().pending().await.unwrap(),
        vec![Serial(100), Serial(200)]
    );
    assert_eq!(
        c.commissions()
            .info(Serial(57))
            .await
            .unwrap()
            .name
            .as_deref(),
        Some("a commission")
    );
    c.commissions().accept(Serial(57)).await.unwrap();
    let s = rec.last();
    assert_eq!(std::str::from_utf8(&s.body).unwrap(), r#"{"accept": ""}"#);
    assert_eq!(s.header("content-type"), Some("application/json"));
    c.commissions().reject(Serial(57)).await.unwrap();
    assert_eq!(rec.last().json(), json!({"reject": ""}));
    let e = c.commissions().reject(Serial(20)).await.unwrap_err();
    assert!(e.is_not_found());
    let r = c
        .commissions()
        .resolve()
        .accept([Serial(56), Serial(57)])
        .reject([Serial(56), Serial(58), Serial(59)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        std::str::from_utf8(&rec.last().body).unwrap(),
        r#"{"accept": [56, 57], "reject": [56, 58, 59]}"#
    );
    assert_eq!(r.rejected, vec![Serial(59)]);
    assert_eq!(r.failed[0].fault().unwrap().0, "badRequest");
}

#[tokio::test]
async fn project_wire() {
    let rec = Recorder::new();
    rec.with_catalog();
    rec.json(
        "GET",
        "/account_prefix/projects",
        200,
        json!([{"id": "p1", "state": "active"}]),
    );
    rec.json(
        "GET",
        "/account_prefix/projects/a%2Fb",
        200,
        json!({"id": "a/b"}),
    );
    rec.json(
        "POST",
        "/account_prefix/projects",
        201,
        json!({"id": "p9", "application": 12}),
    );
    rec.json(
        "PUT",
        "/account_prefix/projects/p1",
        201,
        json!({"id": "p1", "application": 13}),
    );
    rec.route("POST", "/account_prefix/projects/p1/action", 200, "");
    let c = client(&rec);
    let list = c
        .projects()
        .list()
        .owner(uid("o"))
        .state(ProjectState::Active)
        .name("a b")
        .mode(ProjectMode::Member)
        .send()
        .await
        .unwrap();
    assert_eq!(list[0].state, Some(ProjectState::Active));
    let s = rec.last();
    assert_eq!(
        s.query.as_deref(),
        Some("owner=o&state=active&name=a+b&mode=member")
    );
    assert_eq!(s.header("content-type"), Some("application/json"));
    assert!(s.body.is_empty());
    // Ids are encoded in paths (the reference inserts them raw).
    let p = c.projects().get(&pid("a/b")).await.unwrap();
    assert_eq!(p.id.as_str(), "a/b");
    assert_eq!(rec.last().path, "/account_prefix/projects/a%2Fb");
    let created = c
        .projects()
        .create()
        .spec(NewProject::new("n", "2030-01-01").max_members(3))
        .send()
        .await
        .unwrap();
    assert_eq!(created.application.map(|a| a.0), Some(12));
    assert_eq!(
        rec.last().json(),
        json!({"name": "n", "end_date": "2030-01-01", "max_members": 3})
    );
    c.projects()
        .modify(&pid("p1"))
        .spec(NewProject::changes().description("d"))
        .send()
        .await
        .unwrap();
    assert_eq!(rec.last().method, "PUT");
    assert_eq!(rec.last().json(), json!({"description": "d"}));
    // #33
    c.projects()
        .action(&pid("p1"))
        .action(ProjectAction::Suspend)
        .reason("why")
        .send()
        .await
        .unwrap();
    assert_eq!(
        std::str::from_utf8(&rec.last().body).unwrap(),
        r#"{"suspend": {"reason": "why"}}"#
    );
    // #34
    c.applications()
        .action(&pid("p1"), astakos_client::ApplicationId(7))
        .action(ApplicationAction::Approve)
        .reason("ok")
        .send()
        .await
        .unwrap();
    assert_eq!(
        std::str::from_utf8(&rec.last().body).unwrap(),
        r#"{"approve": {"reasons": "ok", "app_id": 7}}"#
    );
    assert_eq!(rec.last().path, "/account_prefix/projects/p1/action");
}

#[tokio::test]
async fn membership_wire() {
    let rec = Recorder::new();
    rec.with_catalog();
    rec.json("GET", "/account_prefix/projects/memberships", 200,
        json!([{"id": 3, "user": USER, "project": "p1", "state": "accepted", "allowed_actions": ["leave"]}]));
    rec.json(
        "GET",
        "/account_prefix/projects/memberships/3",
        200,
        json!({"id": 3}),
    );
    rec.route(
        "POST",
        "/account_prefix/projects/memberships/3/action",
        200,
        "",
    );
    rec.json(
        "POST",
        "/account_prefix/projects/memberships",
        200,
        json!({"id": 4}),
    );
    let c = client(&rec);
    let l = c
        .memberships()
        .list()
        .project(pid("p1"))
        .send()
        .await
        .unwrap();
    assert_eq!(l[0].allowed_actions, vec![MembershipAction::Leave]);
    let s = rec.last();
    assert_eq!(s.query.as_deref(), Some("project=p1"));
    assert_eq!(s.header("content-type"), Some("application/json"));
    c.memberships().list().send().await.unwrap();
    assert_eq!(rec.last().query, None);
    assert_eq!(
        c.memberships().get(MembershipId(3)).await.unwrap().id,
        MembershipId(3)
    );
    assert_eq!(rec.last().header("content-type"), None);
    // #37
    c.memberships()
        .action(MembershipId(3))
        .action(MembershipAction::Accept)
        .reason("ok")
        .send()
        .await
        .unwrap();
    assert_eq!(
        std::str::from_utf8(&rec.last().body).unwrap(),
        r#"{"accept": "ok"}"#
    );
    // #38, #39
    assert_eq!(
        c.memberships().join(&pid("p1")).await.unwrap().id,
        MembershipId(4)
    );
    assert_eq!(rec.last().json(), json!({"join": {"project": "p1"}}));
    c.memberships()
        .enroll(&pid("p1"))
        .email("x@example.org")
        .send()
        .await
        .unwrap();
    assert_eq!(
        rec.last().json(),
        json!({"enroll": {"project": "p1", "user": "x@example.org"}})
    );
}

#[tokio::test]
async fn status_mapping() {
    let cases: &[(u16, &str)] = &[
        (400, "BadRequest"),
        (401, "Unauthorized"),
        (403, "Forbidden"),
        (404, "NotFound"),
        (302, "Status"),
        (405, "Status"),
        (409, "Status"),
        (500, "Status"),
    ];
    for (status, want) in cases {
        let rec = Recorder::new();
        rec.with_catalog();
        rec.route(
            "GET",
            "/account_prefix/quotas",
            *status,
            format!("body {TOKEN} {status}"),
        );
        let e = client(&rec).quotas().get().await.unwrap_err();
        let got = match &e {
            Error::Api(a) if a.status == 400 => "BadRequest",
            Error::Api(a) if a.status == 401 => "Unauthorized",
            Error::Api(a) if a.status == 403 => "Forbidden",
            Error::Api(a) if a.status == 404 => "NotFound",
            Error::Api(_) => "Status",
            _ => "other",
        };
        assert_eq!(&got, want, "{status}: {e:?}");
        assert_eq!(e.status(), Some(*status));
        let ex = e.excerpt().unwrap();
        assert!(
            ex.contains(&status.to_string()) && !ex.contains(TOKEN),
            "{ex}"
        );
        assert!(!e.to_string().contains(TOKEN));
    }
    // A 401 on discovery surfaces from the lazy call.
    let rec = Recorder::new();
    rec.route(
        "POST",
        "/identity/v2.0/tokens",
        401,
        "Invalid X-Auth-Token\n",
    );
    let e = client(&rec)
        .users()
        .usernames()
        .uuids([uid(USER)])
        .send()
        .await
        .unwrap_err();
    assert!(e.is_unauthorized());
}

#[tokio::test]
async fn invalid_2xx_bodies() {
    let rec = Recorder::new();
    rec.with_catalog();
    rec.route("GET", "/account_prefix/quotas", 200, "<html>");
    rec.route(
        "POST",
        "/account_prefix/commissions/57/action",
        200,
        "not json",
    );
    let c = client(&rec);
    let e = c.quotas().get().await.unwrap_err();
    assert!(matches!(e, Error::Decode { status: 200, .. }), "{e:?}");
    let e = c.commissions().accept(Serial(57)).await.unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    // Wrong shape names the path.
    let rec = Recorder::new();
    rec.with_catalog();
    rec.json("GET", "/account_prefix/commissions", 200, json!([1, "x"]));
    let e = client(&rec).commissions().pending().await.unwrap_err();
    assert!(
        matches!(e, Error::Decode { ref path, .. } if path == "[1]"),
        "{e:?}"
    );
}

#[tokio::test]
async fn bad_catalogs() {
    let rec = Recorder::new();
    rec.json(
        "POST",
        "/identity/v2.0/tokens",
        200,
        json!({"access": {"serviceCatalog": []}}),
    );
    let e = client(&rec).quotas().get().await.unwrap_err();
    match e {
        Error::Decode { message, .. } => {
            assert!(
                message.starts_with(
                    "No endpoints found matching, name = astakos_account, version_id = v1.0"
                ),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    let rec = Recorder::new();
    rec.route("POST", "/identity/v2.0/tokens", 200, "");
    assert!(matches!(
        client(&rec).quotas().get().await.unwrap_err(),
        Error::Decode { .. }
    ));
    let rec = Recorder::new();
    rec.json("POST", "/identity/v2.0/tokens", 200, json!({"access": {"serviceCatalog": [
        {"name": "astakos_account", "endpoints": [{"publicURL": "https://e/acc", "versionId": "v1.0"}]}]}}));
    let c = client(&rec);
    assert!(matches!(
        c.quotas().get().await.unwrap_err(),
        Error::Decode { .. }
    ));
    assert_eq!(c.cached_prefixes().await.account, None);
    // No oauth2 entry: NoEndpoints, but account/ui are cached.
    let rec = Recorder::new();
    let mut cat = catalog();
    cat["access"]["serviceCatalog"]
        .as_array_mut()
        .unwrap()
        .pop();
    rec.json("POST", "/identity/v2.0/tokens", 200, cat);
    let c = client(&rec);
    let e = c
        .identity()
        .oauth2_token()
        .client_id("c")
        .client_secret(Secret::new("s"))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Decode { message, .. } if message == "No endpoints found matching, name = astakos_oauth2"),
        "{e:?}"
    );
    assert_eq!(
        c.cached_prefixes().await.account.as_deref(),
        Some("/account_prefix")
    );
}

#[tokio::test]
async fn retries_only_when_safe() {
    let retry = RetryConfig::standard().max_attempts(3);
    // 503 on a GET: retried.
    let rec = Recorder::new();
    rec.with_catalog();
    rec.route_times("GET", "/account_prefix/quotas", 503, "busy", 2);
    rec.json("GET", "/account_prefix/quotas", 200, json!({}));
    client_with_retry(&rec, retry).quotas().get().await.unwrap();
    assert_eq!(rec.count("GET", "/account_prefix/quotas"), 3);
    // 400, 403, 500 and invalid JSON: never retried (the reference retries them).
    for status in [400u16, 403, 500] {
        let rec = Recorder::new();
        rec.with_catalog();
        rec.route("GET", "/account_prefix/quotas", status, "x");
        assert!(client_with_retry(&rec, retry).quotas().get().await.is_err());
        assert_eq!(rec.count("GET", "/account_prefix/quotas"), 1, "{status}");
    }
    // A commission issue answered 503 is never re-sent.
    let rec = Recorder::new();
    rec.with_catalog();
    rec.route("POST", "/account_prefix/commissions", 503, "busy");
    let e = client_with_retry(&rec, retry)
        .commissions()
        .issue_one(&uid("u1"))
        .provision((&pid("p1"), "cyclades.vm"), 1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(rec.count("POST", "/account_prefix/commissions"), 1);
    // Connection refused (never reached the server): re-sent whatever the method.
    let rec = Recorder::refusing();
    let e = client_with_retry(&rec, retry)
        .quotas()
        .get()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Transport(_)), "{e:?}");
    assert_eq!(rec.sent().len(), 3);
}

#[tokio::test]
async fn bad_input_is_refused_before_any_io() {
    let rec = Recorder::refusing();
    let c = client(&rec);
    let field = |e: Error| match e {
        Error::InvalidInput { field, .. } => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        field(c.users().uuid().display_name("").send().await.unwrap_err()),
        "display_name"
    );
    assert_eq!(
        field(
            c.users()
                .uuids()
                .display_names(["a", ""])
                .send()
                .await
                .unwrap_err()
        ),
        "display_names"
    );
    assert_eq!(
        field(
            c.feedback()
                .create()
                .message("")
                .data("d")
                .send()
                .await
                .unwrap_err()
        ),
        "message"
    );
    assert_eq!(
        field(
            c.commissions()
                .issue_one(&uid("u"))
                .send()
                .await
                .unwrap_err()
        ),
        "provisions"
    );
    assert_eq!(
        field(
            c.commissions()
                .issue_one(&uid("u"))
                .provision((&pid("p"), ""), 1)
                .send()
                .await
                .unwrap_err()
        ),
        "resource"
    );
    assert_eq!(
        field(
            c.commissions()
                .reassign(&uid("u"))
                .provision((&pid("a"), &pid("b"), "r"), i64::MIN)
                .send()
                .await
                .unwrap_err()
        ),
        "quantity"
    );
    assert_eq!(
        field(
            c.commissions()
                .action(Serial(1))
                .action(CommissionAction::from("lala"))
                .send()
                .await
                .unwrap_err()
        ),
        "action"
    );
    assert_eq!(
        field(
            c.projects()
                .action(&pid("p"))
                .action(ProjectAction::from("explode"))
                .send()
                .await
                .unwrap_err()
        ),
        "action"
    );
    assert_eq!(
        field(
            c.applications()
                .action(&pid("p"), astakos_client::ApplicationId(1))
                .action(ApplicationAction::from("x"))
                .send()
                .await
                .unwrap_err()
        ),
        "action"
    );
    assert_eq!(
        field(
            c.memberships()
                .action(MembershipId(1))
                .action(MembershipAction::from("x"))
                .send()
                .await
                .unwrap_err()
        ),
        "action"
    );
    assert_eq!(
        field(
            c.projects()
                .create()
                .spec(NewProject::changes().end_date("x"))
                .send()
                .await
                .unwrap_err()
        ),
        "name"
    );
    assert_eq!(
        field(
            c.projects()
                .create()
                .spec(NewProject::changes().name("x"))
                .send()
                .await
                .unwrap_err()
        ),
        "end_date"
    );
    assert_eq!(
        field(c.projects().list().name("").send().await.unwrap_err()),
        "name"
    );
    assert_eq!(
        field(
            c.memberships()
                .enroll(&pid("p"))
                .email(" ")
                .send()
                .await
                .unwrap_err()
        ),
        "email"
    );
    assert_eq!(
        field(
            c.identity()
                .validate_token()
                .token_id(Secret::new(""))
                .send()
                .await
                .unwrap_err()
        ),
        "token_id"
    );
    assert_eq!(rec.sent().len(), 0, "nothing was sent");
    // Construction.
    let build = |url: &str, tok: &str| {
        astakos_client::AstakosClient::builder(url, Secret::new(tok))
            .transport(rec.clone())
            .build()
            .map(|_| ())
    };
    let e = build("ftp://example.com", TOKEN).unwrap_err();
    assert!(e.to_string().contains("Unsupported scheme: ftp"), "{e}");
    assert!(build("example.org/identity", TOKEN).is_err());
    assert_eq!(field(build(AUTH_URL, "").unwrap_err()), "token");
    let e = astakos_client::AstakosClient::builder(AUTH_URL, Secret::new(TOKEN))
        .transport(rec.clone())
        .default_header("X-Auth-Token", "other")
        .build()
        .unwrap_err();
    assert_eq!(field(e), "default_header");
}

#[tokio::test]
async fn default_headers_and_paths_from_auth_url() {
    let rec = Recorder::new();
    rec.json("POST", "/tokens", 200, catalog());
    rec.json("GET", "/account_prefix/quotas", 200, json!({}));
    let c = astakos_client::AstakosClient::builder("HTTPS://example.org", Secret::new(TOKEN))
        .transport(rec.clone())
        .default_header("X-Client-IP", "10.0.0.1")
        .build()
        .unwrap();
    assert_eq!(c.api_tokens(), "/tokens");
    c.quotas().get().await.unwrap();
    for s in rec.sent() {
        assert_eq!(s.header("x-client-ip"), Some("10.0.0.1"));
    }
    let dbg = format!("{c:?}");
    assert!(!dbg.contains(TOKEN), "{dbg}");
    let p = c.cached_prefixes().await;
    assert_eq!(p.account.as_deref(), Some("/account_prefix"));
    assert_eq!(p.ui.as_deref(), Some("/ui_prefix"));
    assert_eq!(p.oauth2, None);
}
