//! The Astakos simulator.

use serde_json::{json, Value};
use tenantry_sim::astakos::{
    CommissionState, ACCOUNT_PREFIX, ADMIN_TOKEN, ALICE_TOKEN, ALICE_UUID, BOB_TOKEN, BOB_UUID,
    CAROL_TOKEN, CAROL_UUID, CYCLADES_TOKEN, ERESEARCH_ID, TEACHING_ID,
};
use tenantry_sim::{AstakosSim, SimServer};

async fn start() -> (AstakosSim, SimServer) {
    let sim = AstakosSim::seeded();
    let server = SimServer::start(sim.router()).await.unwrap();
    (sim, server)
}

async fn call(method: &str, url: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let client = reqwest::Client::new();
    let mut req = client.request(method.parse().unwrap(), url);
    if let Some(t) = token {
        req = req.header("X-Auth-Token", t);
    }
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    } else if method == "POST" {
        req = req
            .header("content-type", "application/json")
            .header("content-length", "0");
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// `GET url` as `token`.
async fn get(url: &str, token: &str) -> (u16, Value) {
    call("GET", url, Some(token), None).await
}

/// `POST url` with a JSON body, as `token`.
async fn post(url: &str, token: &str, body: Value) -> (u16, Value) {
    call("POST", url, Some(token), Some(body)).await
}

fn acc(server: &SimServer, path: &str) -> String {
    format!("{}{ACCOUNT_PREFIX}/{path}", server.base_url())
}

#[tokio::test]
async fn discovery_and_authenticate() {
    let (_sim, server) = start().await;
    let base = server.base_url();
    let tokens = format!("{base}/identity/v2.0/tokens");
    // Public mode: any token, no body.
    let (status, v) = call("POST", &tokens, Some("whatever"), None).await;
    assert_eq!(status, 200);
    let cat = v["access"]["serviceCatalog"].as_array().unwrap();
    let account = cat.iter().find(|e| e["name"] == "astakos_account").unwrap();
    assert_eq!(account["type"], "account");
    let ep = &account["endpoints"][0];
    assert_eq!(ep["versionId"], "v1.0");
    assert_eq!(ep["publicURL"], format!("{base}/account/v1.0"));
    assert_eq!(ep["SNF:uiURL"], format!("{base}/ui"));
    assert_eq!(ep["region"], "default");
    let oauth = cat.iter().find(|e| e["name"] == "astakos_oauth2").unwrap();
    assert_eq!(oauth["type"], "astakos_auth");
    assert_eq!(oauth["endpoints"][0]["versionId"], "");
    assert_eq!(
        oauth["endpoints"][0]["publicURL"],
        format!("{base}/oauth2/")
    );
    assert!(v["access"].get("token").is_none());

    let body = json!({"auth": {"token": {"id": ALICE_TOKEN}}});
    let (status, v) = post(&tokens, ALICE_TOKEN, body).await;
    assert_eq!(status, 200);
    assert_eq!(v["access"]["user"]["id"], ALICE_UUID);
    assert_eq!(v["access"]["token"]["id"], ALICE_TOKEN);
    assert_eq!(v["access"]["token"]["tenant"]["id"], ALICE_UUID);
    assert!(v["access"]["user"]["roles"][0]["id"].is_string());
    let projects = v["access"]["user"]["projects"].as_array().unwrap();
    assert!(projects.contains(&json!(ALICE_UUID)) && projects.contains(&json!(ERESEARCH_ID)));

    let body = json!({"auth": {"token": {"id": ALICE_TOKEN}, "tenantName": "other"}});
    let (status, v) = call("POST", &tokens, None, Some(body)).await;
    assert_eq!(status, 400);
    assert_eq!(v["badRequest"]["code"], 400);

    let body = json!({"auth": {"token": {"id": "nope"}}});
    let (status, v) = call("POST", &tokens, None, Some(body)).await;
    assert_eq!(status, 401);
    assert_eq!(v["unauthorized"]["code"], 401);
}

#[tokio::test]
async fn tokens_and_permissions() {
    let (_sim, server) = start().await;
    // Unknown token → 401 unauthorized fault.
    let (status, v) = get(&acc(&server, "quotas"), "bogus").await;
    assert_eq!(status, 401);
    assert_eq!(v["unauthorized"]["message"], "Invalid X-Auth-Token");
    assert!(v["unauthorized"].get("details").is_some());
    // A token of the wrong kind is as unknown as a made-up one (the real
    // `user_from_token`/`component_from_token` look in one table each):
    // user token on a service route, service token on a user route → 401.
    let (status, v) = get(&acc(&server, "commissions"), ALICE_TOKEN).await;
    assert_eq!(status, 401);
    assert_eq!(v["unauthorized"]["message"], "Invalid X-Auth-Token");
    let (status, v) = get(&acc(&server, "quotas"), CYCLADES_TOKEN).await;
    assert_eq!(status, 401);
    assert_eq!(v["unauthorized"]["message"], "Invalid X-Auth-Token");
    // No token at all → 401 from `api_method`.
    let (status, v) = call("GET", &acc(&server, "quotas"), None, None).await;
    assert_eq!(status, 401);
    assert_eq!(
        v["unauthorized"]["message"],
        "Access denied. No authentication token"
    );
    // Unknown path under the account prefix → 400; wrong method → 405.
    let (status, _) = get(&acc(&server, "nope"), ALICE_TOKEN).await;
    assert_eq!(status, 400);
    let (status, v) = get(&acc(&server, "user_catalogs"), ALICE_TOKEN).await;
    assert_eq!(status, 405);
    assert_eq!(v["notAllowed"]["code"], 405);
    // Non-numeric serial → 400 (URL pattern \d+).
    let (status, _) = get(&acc(&server, "commissions/57lala"), CYCLADES_TOKEN).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn user_catalogs() {
    let (_sim, server) = start().await;
    let body = json!({"uuids": [ALICE_UUID, "nope"], "displaynames": ["bob@example.org"]});
    let (status, v) = post(&acc(&server, "user_catalogs"), CAROL_TOKEN, body.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(v["uuid_catalog"], json!({ALICE_UUID: "alice@example.org"}));
    assert_eq!(
        v["displayname_catalog"],
        json!({"bob@example.org": BOB_UUID})
    );
    let (status, v) = post(&acc(&server, "service/user_catalogs"), CYCLADES_TOKEN, body).await;
    assert_eq!(status, 200);
    assert_eq!(v["uuid_catalog"][ALICE_UUID], "alice@example.org");
    let (status, _) = post(&acc(&server, "user_catalogs"), CAROL_TOKEN, json!([1])).await;
    assert_eq!(status, 400);
}

fn issue_body(user: &str, project: &str, resource: &str, q: i64) -> Value {
    json!({"force": false, "auto_accept": false, "name": "test", "provisions": [
        {"holder": format!("user:{user}"), "source": format!("project:{project}"), "resource": resource, "quantity": q},
        {"holder": format!("project:{project}"), "source": null, "resource": resource, "quantity": q}]})
}

#[tokio::test]
async fn quota_arithmetic() {
    let (sim, server) = start().await;
    let u = format!("user:{ALICE_UUID}");
    let src = format!("project:{ERESEARCH_ID}");
    let q = |sim: &AstakosSim| sim.quota(&u, Some(&src), "cyclades.vm").unwrap();
    assert_eq!(q(&sim), (5, 0, 0));
    let url = acc(&server, "commissions");
    let (status, v) = post(
        &url,
        CYCLADES_TOKEN,
        issue_body(ALICE_UUID, ERESEARCH_ID, "cyclades.vm", 2),
    )
    .await;
    assert_eq!(status, 201);
    let s1 = v["serial"].as_u64().unwrap();
    assert_eq!(q(&sim), (5, 2, 2));
    assert_eq!(sim.quota(&src, None, "cyclades.vm"), Some((20, 2, 2)));
    assert_eq!(sim.pending_serials(), vec![s1]);
    // Wire counters match.
    let (_, v) = get(&acc(&server, "quotas"), ALICE_TOKEN).await;
    assert_eq!(
        v[ERESEARCH_ID]["cyclades.vm"],
        json!({"limit": 5, "usage": 2, "pending": 2,
        "project_limit": 20, "project_usage": 2, "project_pending": 2})
    );
    let (_, v) = get(&url, CYCLADES_TOKEN).await;
    assert_eq!(v, json!([s1]));
    let (status, info) = get(&acc(&server, &format!("commissions/{s1}")), CYCLADES_TOKEN).await;
    assert_eq!(status, 200);
    assert_eq!(info["provisions"][0]["holder"], u);
    // Accept.
    let (status, v) = post(
        &acc(&server, &format!("commissions/{s1}/action")),
        CYCLADES_TOKEN,
        json!({"accept": ""}),
    )
    .await;
    assert_eq!((status, v), (200, Value::Null));
    assert_eq!(q(&sim), (5, 2, 0));
    assert_eq!(sim.commission(s1).unwrap().state, CommissionState::Accepted);
    // Unknown / resolved serial → 404 with an empty body.
    let (status, v) = post(
        &acc(&server, &format!("commissions/{s1}/action")),
        CYCLADES_TOKEN,
        json!({"reject": ""}),
    )
    .await;
    assert_eq!((status, v), (404, Value::Null));
    // Issue and reject.
    let (_, v) = post(
        &url,
        CYCLADES_TOKEN,
        issue_body(ALICE_UUID, ERESEARCH_ID, "cyclades.vm", 1),
    )
    .await;
    let s2 = v["serial"].as_u64().unwrap();
    assert!(s2 > s1);
    assert_eq!(q(&sim), (5, 3, 1));
    post(
        &acc(&server, &format!("commissions/{s2}/action")),
        CYCLADES_TOKEN,
        json!({"reject": ""}),
    )
    .await;
    assert_eq!(q(&sim), (5, 2, 0));
    // A release is pending until accepted.
    let (_, v) = post(
        &url,
        CYCLADES_TOKEN,
        issue_body(ALICE_UUID, ERESEARCH_ID, "cyclades.vm", -1),
    )
    .await;
    let s3 = v["serial"].as_u64().unwrap();
    assert_eq!(q(&sim), (5, 2, 1));
    // Batch resolve.
    let (_, v) = post(
        &url,
        CYCLADES_TOKEN,
        issue_body(ALICE_UUID, ERESEARCH_ID, "cyclades.vm", 1),
    )
    .await;
    let s4 = v["serial"].as_u64().unwrap();
    let (status, v) = post(
        &acc(&server, "commissions/action"),
        CYCLADES_TOKEN,
        json!({"accept": [s3, s4, 9999], "reject": [s4]}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v["accepted"], json!([s3]));
    assert_eq!(v["rejected"], json!([]));
    assert_eq!(
        v["failed"],
        json!([
        [9999, {"itemNotFound": {"message": "serial 9999 does not exist", "code": 404}}],
        [s4, {"badRequest": {"message": format!("cannot both accept and reject serial {s4}"), "code": 400}}]])
    );
    assert_eq!(q(&sim), (5, 2, 1));
    post(
        &acc(&server, "commissions/action"),
        CYCLADES_TOKEN,
        json!({"accept": [], "reject": [s4]}),
    )
    .await;
    assert_eq!(q(&sim), (5, 1, 0));
    assert!(sim.pending_serials().is_empty());
    // auto_accept.
    let mut body = issue_body(ALICE_UUID, ERESEARCH_ID, "cyclades.vm", 1);
    body["auto_accept"] = json!(true);
    post(&url, CYCLADES_TOKEN, body).await;
    assert_eq!(q(&sim), (5, 2, 0));
    // set_limit.
    sim.set_limit(&u, Some(&src), "cyclades.vm", 7);
    assert_eq!(q(&sim), (7, 2, 0));
}

#[tokio::test]
async fn over_limit_413() {
    let (sim, server) = start().await;
    let url = acc(&server, "commissions");
    let (status, v) = post(
        &url,
        CYCLADES_TOKEN,
        issue_body(ALICE_UUID, ERESEARCH_ID, "cyclades.vm", 6),
    )
    .await;
    assert_eq!(status, 413);
    let data = &v["overLimit"]["data"];
    assert_eq!(v["overLimit"]["code"], 413);
    assert_eq!(data["name"], "NoCapacityError");
    assert_eq!(data["limit"], 5);
    assert_eq!(data["usage"], 0);
    assert_eq!(data["provision"]["resource"], "cyclades.vm");
    assert_eq!(data["provision"]["quantity"], 6);
    assert!(sim.pending_serials().is_empty());
    let u = format!("user:{ALICE_UUID}");
    let src = format!("project:{ERESEARCH_ID}");
    assert_eq!(sim.quota(&u, Some(&src), "cyclades.vm"), Some((5, 0, 0)));
    // force skips the limit check.
    let mut body = issue_body(ALICE_UUID, ERESEARCH_ID, "cyclades.vm", 6);
    body["force"] = json!(true);
    let (status, _) = post(&url, CYCLADES_TOKEN, body).await;
    assert_eq!(status, 201);
    assert_eq!(sim.quota(&u, Some(&src), "cyclades.vm"), Some((5, 6, 6)));
    // Releasing below zero is never forced.
    let (status, v) = post(
        &url,
        CYCLADES_TOKEN,
        issue_body(CAROL_UUID, CAROL_UUID, "cyclades.vm", -1),
    )
    .await;
    assert_eq!(status, 413);
    assert_eq!(v["overLimit"]["data"]["name"], "NoQuantityError");
    // Missing holding → 404 itemNotFound, the key as Python shows it.
    let (status, v) = post(
        &url,
        CYCLADES_TOKEN,
        issue_body(CAROL_UUID, TEACHING_ID, "cyclades.vm", 1),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(v["itemNotFound"]["code"], 404);
    assert_eq!(
        v["itemNotFound"]["message"],
        format!("There is no such holding (u'user:{CAROL_UUID}', u'project:{TEACHING_ID}', u'cyclades.vm')")
    );
    assert_eq!(v["itemNotFound"]["data"]["name"], "NoHoldingError");
    // A key that is not a string names no holding either (not a 400).
    let (status, v) = post(
        &url,
        CYCLADES_TOKEN,
        json!({"provisions": [{"holder": 5, "source": null, "resource": "cyclades.vm", "quantity": 1}]}),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        v["itemNotFound"]["message"],
        "There is no such holding (5, None, u'cyclades.vm')"
    );
    assert_eq!(v["itemNotFound"]["data"]["provision"]["holder"], 5);
    // A missing key or a non-integer quantity is malformed (400).
    for p in [
        json!({"holder": "user:x", "source": null, "resource": "cyclades.vm"}),
        json!({"holder": "user:x", "source": null, "resource": "cyclades.vm", "quantity": 1.5}),
        json!("user:x"),
    ] {
        let (status, v) = post(&url, CYCLADES_TOKEN, json!({"provisions": [p]})).await;
        assert_eq!(status, 400, "{p}");
        assert!(v["badRequest"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Malformed provision"));
    }
}

#[tokio::test]
async fn project_state_machine() {
    let (sim, server) = start().await;
    let specs = json!({"name": "lab.example.org", "end_date": "2031-01-01T00:00:00Z",
        "resources": {"cyclades.vm": {"member_capacity": 2, "project_capacity": 4}}});
    let (status, v) = post(&acc(&server, "projects"), CAROL_TOKEN, specs).await;
    assert_eq!(status, 201);
    let pid = v["id"].as_str().unwrap().to_owned();
    let app = v["application"].as_u64().unwrap();
    assert_eq!(sim.project_state(&pid).as_deref(), Some("uninitialized"));
    let pending_app = |sim: &AstakosSim| {
        sim.quota(
            &format!("user:{CAROL_UUID}"),
            Some(&format!("project:{CAROL_UUID}")),
            "astakos.pending_app",
        )
        .unwrap()
        .1
    };
    assert_eq!(pending_app(&sim), 1);
    let action = format!("projects/{pid}/action");
    // Only admins approve.
    let (status, v) = post(
        &acc(&server, &action),
        CAROL_TOKEN,
        json!({"approve": {"reasons": "", "app_id": app}}),
    )
    .await;
    assert_eq!(status, 403);
    assert!(v["forbidden"].is_object());
    let (status, _) = post(
        &acc(&server, &action),
        ADMIN_TOKEN,
        json!({"approve": {"reasons": "", "app_id": app}}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(sim.project_state(&pid).as_deref(), Some("active"));
    assert_eq!(pending_app(&sim), 0);
    // Invalid transitions → 409 conflict.
    let (status, v) = post(
        &acc(&server, &action),
        ADMIN_TOKEN,
        json!({"approve": {"app_id": app}}),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(v["conflict"]["code"], 409);
    let (status, _) = post(
        &acc(&server, &action),
        ADMIN_TOKEN,
        json!({"unsuspend": {"reason": ""}}),
    )
    .await;
    assert_eq!(status, 409);
    for (act, state) in [
        ("suspend", "suspended"),
        ("unsuspend", "active"),
        ("terminate", "terminated"),
        ("reinstate", "active"),
    ] {
        let (status, _) = post(
            &acc(&server, &action),
            ADMIN_TOKEN,
            json!({act: {"reason": "r"}}),
        )
        .await;
        assert_eq!(status, 200, "{act}");
        assert_eq!(sim.project_state(&pid).as_deref(), Some(state));
    }
    let (status, _) = post(&acc(&server, &action), ADMIN_TOKEN, json!({"explode": {}})).await;
    assert_eq!(status, 400);
    // Modification → new pending application, then approval changes fields.
    let (status, v) = call(
        "PUT",
        &acc(&server, &format!("projects/{pid}")),
        Some(CAROL_TOKEN),
        Some(json!({"description": "new"})),
    )
    .await;
    assert_eq!(status, 201);
    let app2 = v["application"].as_u64().unwrap();
    let (_, p) = get(&acc(&server, &format!("projects/{pid}")), CAROL_TOKEN).await;
    assert_eq!(p["last_application"]["id"], app2);
    assert_eq!(p["last_application"]["state"], "pending");
    assert_eq!(p["description"], "");
    post(
        &acc(&server, &action),
        ADMIN_TOKEN,
        json!({"approve": {"app_id": app2}}),
    )
    .await;
    let (_, p) = get(&acc(&server, &format!("projects/{pid}")), CAROL_TOKEN).await;
    assert_eq!(p["description"], "new");
    // Filters.
    let (_, list) = get(
        &format!(
            "{}?name=lab.example.org&state=active",
            acc(&server, "projects")
        ),
        CAROL_TOKEN,
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    // The default mode lists the caller's projects (member or owner):
    // Bob sees his own; Alice, not a member of `teaching`, gets nothing.
    let (_, list) = get(
        &format!("{}?owner={BOB_UUID}", acc(&server, "projects")),
        BOB_TOKEN,
    )
    .await;
    assert_eq!(list[0]["id"], TEACHING_ID);
    let (_, list) = get(
        &format!("{}?owner={BOB_UUID}", acc(&server, "projects")),
        ALICE_TOKEN,
    )
    .await;
    assert_eq!(list, json!([]));
    let (status, _) = get(
        &format!("{}?mode=bogus", acc(&server, "projects")),
        ALICE_TOKEN,
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = get(&acc(&server, "projects/nope"), ALICE_TOKEN).await;
    assert_eq!(status, 404);
    // Deny then dismiss an application of a new project → deleted.
    let (_, v) = post(
        &acc(&server, "projects"),
        BOB_TOKEN,
        json!({"name": "x.example.org", "end_date": "2031-01-01T00:00:00Z"}),
    )
    .await;
    let (pid2, app3) = (
        v["id"].as_str().unwrap().to_owned(),
        v["application"].clone(),
    );
    let act2 = format!("projects/{pid2}/action");
    post(
        &acc(&server, &act2),
        ADMIN_TOKEN,
        json!({"deny": {"app_id": app3}}),
    )
    .await;
    let (status, _) = post(
        &acc(&server, &act2),
        BOB_TOKEN,
        json!({"cancel": {"app_id": app3}}),
    )
    .await;
    assert_eq!(status, 409);
    post(
        &acc(&server, &act2),
        BOB_TOKEN,
        json!({"dismiss": {"app_id": app3}}),
    )
    .await;
    assert_eq!(sim.project_state(&pid2).as_deref(), Some("deleted"));
}

#[tokio::test]
async fn memberships() {
    let (sim, server) = start().await;
    let (_, list) = get(
        &format!(
            "{}?project={ERESEARCH_ID}",
            acc(&server, "projects/memberships")
        ),
        ALICE_TOKEN,
    )
    .await;
    let carol = list
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user"] == CAROL_UUID)
        .unwrap()
        .clone();
    assert_eq!(carol["state"], "requested");
    assert_eq!(carol["allowed_actions"], json!(["accept", "reject"]));
    let mid = carol["id"].as_u64().unwrap();
    let action = format!("projects/memberships/{mid}/action");
    let (status, _) = post(&acc(&server, &action), CAROL_TOKEN, json!({"accept": ""})).await;
    assert_eq!(status, 403);
    let (status, _) = post(&acc(&server, &action), ALICE_TOKEN, json!({"accept": "ok"})).await;
    assert_eq!(status, 200);
    assert_eq!(
        sim.membership_state(ERESEARCH_ID, CAROL_UUID).as_deref(),
        Some("accepted")
    );
    let holder = format!("user:{CAROL_UUID}");
    let src = format!("project:{ERESEARCH_ID}");
    assert_eq!(sim.quota(&holder, Some(&src), "cyclades.vm").unwrap().0, 5);
    let (status, v) = post(&acc(&server, &action), ALICE_TOKEN, json!({"accept": ""})).await;
    assert_eq!(status, 409);
    assert!(v["conflict"].is_object());
    // Leave with an auto leave policy → removed, limit drops to 0.
    let (status, _) = post(&acc(&server, &action), CAROL_TOKEN, json!({"leave": ""})).await;
    assert_eq!(status, 200);
    assert_eq!(
        sim.membership_state(ERESEARCH_ID, CAROL_UUID).as_deref(),
        Some("removed")
    );
    assert_eq!(sim.quota(&holder, Some(&src), "cyclades.vm").unwrap().0, 0);
    // Join (auto policy) and enroll.
    let (status, v) = post(
        &acc(&server, "projects/memberships"),
        CAROL_TOKEN,
        json!({"join": {"project": TEACHING_ID}}),
    )
    .await;
    assert_eq!(status, 200);
    let jid = v["id"].as_u64().unwrap();
    let (_, m) = get(
        &acc(&server, &format!("projects/memberships/{jid}")),
        CAROL_TOKEN,
    )
    .await;
    assert_eq!(m["state"], "accepted");
    assert_eq!(m["allowed_actions"], json!(["leave"]));
    let (status, _) = post(
        &acc(&server, "projects/memberships"),
        CAROL_TOKEN,
        json!({"join": {"project": TEACHING_ID}}),
    )
    .await;
    assert_eq!(status, 409);
    let (status, _) = post(
        &acc(&server, "projects/memberships"),
        CAROL_TOKEN,
        json!({"enroll": {"project": ERESEARCH_ID, "user": "bob@example.org"}}),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = post(
        &acc(&server, "projects/memberships"),
        ALICE_TOKEN,
        json!({"enroll": {"project": ERESEARCH_ID, "user": "carol@example.org"}}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        sim.membership_state(ERESEARCH_ID, CAROL_UUID).as_deref(),
        Some("accepted")
    );
    let (status, _) = get(&acc(&server, "projects/memberships/99999"), ALICE_TOKEN).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn feedback_resources_and_journal() {
    let (sim, server) = start().await;
    // Django reads a form only under a form content type: the reference
    // client's application/octet-stream label gives an empty form (400).
    let send = |ctype: &'static str| {
        reqwest::Client::new()
            .post(acc(&server, "feedback"))
            .header("X-Auth-Token", ALICE_TOKEN)
            .header("content-type", ctype)
            .body("feedback_data=a%26b%3Dc&feedback_msg=hello+world")
            .send()
    };
    let resp = send("application/octet-stream").await.unwrap();
    assert_eq!(resp.status(), 400);
    let v: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(v["badRequest"]["message"], "Invalid data");
    assert!(sim.feedback().is_empty());
    let resp = send("application/x-www-form-urlencoded").await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "");
    let fb = sim.feedback();
    assert_eq!(fb.len(), 1);
    assert_eq!(
        (
            fb[0].user.as_str(),
            fb[0].message.as_str(),
            fb[0].data.as_str()
        ),
        (ALICE_UUID, "hello world", "a&b=c")
    );
    let (status, v) = call("GET", &acc(&server, "resources"), None, None).await;
    assert_eq!(status, 200);
    assert_eq!(v["cyclades.ram"]["unit"], "bytes");
    let (_, v) = call(
        "GET",
        &format!("{}/ui/get_services", server.base_url()),
        None,
        None,
    )
    .await;
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"] == "cyclades"));
    // JSONP, as the UI view offers it.
    let (status, ctype, body) = raw(
        "GET",
        &format!("{}/ui/get_services?callback=cb", server.base_url()),
        "",
        None,
    )
    .await;
    assert_eq!((status, ctype.as_str()), (200, "application/javascript"));
    let body = String::from_utf8(body).unwrap();
    assert!(body.starts_with("cb([") && body.ends_with("])"), "{body}");
    let journal = server.journal();
    assert_eq!(
        journal.count("POST", &format!("{ACCOUNT_PREFIX}/feedback")),
        2
    );
    assert_eq!(
        journal.count("GET", &format!("{ACCOUNT_PREFIX}/resources")),
        1
    );
}

#[tokio::test]
async fn service_quotas_and_add_user() {
    let (sim, server) = start().await;
    sim.add_user(
        "11111111-2222-4333-8444-555555555555",
        "dave@example.org",
        "Dave",
        "daveTOKEN",
    );
    let (status, v) = get(
        &format!(
            "{}?user=11111111-2222-4333-8444-555555555555",
            acc(&server, "service_quotas")
        ),
        CYCLADES_TOKEN,
    )
    .await;
    assert_eq!(status, 200);
    let leaf = &v["11111111-2222-4333-8444-555555555555"]["11111111-2222-4333-8444-555555555555"];
    assert_eq!(leaf["cyclades.vm"]["limit"], 2);
    assert!(leaf.get("pithos.diskspace").is_none());
    let (status, _) = get(
        &format!("{}?user=nope", acc(&server, "service_quotas")),
        CYCLADES_TOKEN,
    )
    .await;
    assert_eq!(status, 404);
    let (status, v) = get(
        &format!(
            "{}?project={ERESEARCH_ID}",
            acc(&server, "service_project_quotas")
        ),
        CYCLADES_TOKEN,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        v[ERESEARCH_ID]["cyclades.vm"],
        json!({"project_limit": 20, "project_usage": 0, "project_pending": 0})
    );
    let (status, v) = get(&acc(&server, "quotas"), "daveTOKEN").await;
    assert_eq!(status, 200);
    assert!(v["11111111-2222-4333-8444-555555555555"].is_object());
}

/// The authorization endpoint sends a code only to the registered redirect
/// URI or a path below it, as the real server does: a look-alike host made
/// by extending the registered path is refused, with nothing issued.
#[tokio::test]
async fn oauth2_redirect_must_be_the_registered_uri_or_below() {
    let (_sim, server) = start().await;
    let auth = |redirect: &str| {
        let mut url = url::Url::parse(&format!("{}/oauth2/auth", server.base_url())).unwrap();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", "pithos-view")
            .append_pair("redirect_uri", redirect);
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(url)
    };
    let token = ALICE_TOKEN;
    for evil in [
        "https://pithos.example.org/ui/view.evil.example/steal",
        "https://pithos.example.org/ui/viewer",
        "pithos.example.org/ui/view",
    ] {
        let resp = auth(evil)
            .header("X-Auth-Token", token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{evil}");
        assert!(resp.headers().get("location").is_none(), "{evil}");
        let v: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
        assert_eq!(v["error"], "invalid_request", "{evil}");
    }
    for good in [
        "https://pithos.example.org/ui/view",
        "https://pithos.example.org/ui/view/file/1",
    ] {
        let resp = auth(good)
            .header("X-Auth-Token", token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 302, "{good}");
        let location = resp.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with(good), "{location}");
        assert!(location.contains("code="), "{location}");
    }
}

#[tokio::test]
async fn oauth2_code_flow_and_validation() {
    let (sim, server) = start().await;
    let code = sim.issue_auth_code(
        ALICE_UUID,
        "pithos-view",
        "https://pithos.example.org/ui/view",
    );
    let resp = reqwest::Client::new()
        .post(format!("{}/oauth2/token", server.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("Authorization", "Basic cGl0aG9zLXZpZXc6cGl0aG9zLXZpZXctczNjcmV0")
        .body(format!("grant_type=authorization_code&code={code}&redirect_uri=https%3A%2F%2Fpithos.example.org%2Fui%2Fview"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(v["token_type"], "Bearer");
    let tok = v["access_token"].as_str().unwrap();
    let (status, v) = call(
        "GET",
        &format!("{}/identity/v2.0/tokens/{tok}", server.base_url()),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v["access"]["user"]["id"], ALICE_UUID);
    let (status, _) = call(
        "GET",
        &format!(
            "{}/identity/v2.0/tokens/{tok}?belongsTo=https%3A%2F%2Fevil",
            server.base_url()
        ),
        None,
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(
        "GET",
        &format!("{}/identity/v2.0/tokens/{ALICE_TOKEN}", server.base_url()),
        None,
        None,
    )
    .await;
    assert_eq!(status, 404);
}

/// The raw answer: status, content type and body bytes.
async fn raw(method: &str, url: &str, token: &str, body: Option<Value>) -> (u16, String, Vec<u8>) {
    let client = reqwest::Client::new();
    let mut req = client
        .request(method.parse().unwrap(), url)
        .header("X-Auth-Token", token);
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let ctype = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ctype, resp.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn json_answers_escape_non_ascii_like_django() {
    let (_sim, server) = start().await;
    let name = "Ωμέγα ☃ 😀 vm";
    let mut body = issue_body(ALICE_UUID, ERESEARCH_ID, "cyclades.vm", 1);
    body["name"] = json!(name);
    let (status, v) = post(&acc(&server, "commissions"), CYCLADES_TOKEN, body).await;
    assert_eq!(status, 201);
    let serial = v["serial"].as_u64().unwrap();
    let (status, ctype, bytes) = raw(
        "GET",
        &acc(&server, &format!("commissions/{serial}")),
        CYCLADES_TOKEN,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(ctype, "application/json; charset=UTF-8");
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.is_ascii(), "{text}");
    // json.dumps: \uXXXX, a surrogate pair above U+FFFF, ", " and ": ".
    assert!(
        text.contains(r#""name": "\u03a9\u03bc\u03ad\u03b3\u03b1 \u2603 \ud83d\ude00 vm""#),
        "{text}"
    );
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["name"], name);
    // Project text too.
    let (status, v) = post(
        &acc(&server, "projects"),
        CAROL_TOKEN,
        json!({"name": "greek.example.org", "end_date": "2031-01-01T00:00:00Z",
               "description": "Αθήνα — lab"}),
    )
    .await;
    assert_eq!(status, 201);
    let pid = v["id"].as_str().unwrap().to_owned();
    let (_, _, bytes) = raw(
        "GET",
        &acc(&server, &format!("projects/{pid}")),
        CAROL_TOKEN,
        None,
    )
    .await;
    assert!(bytes.is_ascii());
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v["description"], "Αθήνα — lab");
    // Faults as well.
    let (_, _, bytes) = raw(
        "POST",
        &acc(&server, "projects"),
        CAROL_TOKEN,
        Some(
            json!({"name": "x.example.org", "end_date": "2031-01-01T00:00:00Z", "owner": "Ωμέγα"}),
        ),
    )
    .await;
    assert!(bytes.is_ascii());
}

/// Snapshot of the holdings a bounds test touches, and the commissions.
fn snapshot(sim: &AstakosSim, user: &str, project: &str) -> (Value, Vec<u64>) {
    let u = format!("user:{user}");
    let p = format!("project:{project}");
    let h = |holder: &str, source: Option<&str>| {
        json!(sim.quota(holder, source, "cyclades.vm").unwrap())
    };
    (json!([h(&u, Some(&p)), h(&p, None)]), sim.pending_serials())
}

fn provision(user: &str, project: &str, q: i64) -> Value {
    json!({"holder": format!("user:{user}"), "source": format!("project:{project}"),
           "resource": "cyclades.vm", "quantity": q})
}

/// A bounds case: label, provisions, force, auto_accept, expected status,
/// expected quotaholder error name.
type BoundsCase = (&'static str, Vec<Value>, bool, bool, u16, &'static str);

#[tokio::test]
async fn commission_bounds_never_panic_and_change_nothing() {
    let (sim, server) = start().await;
    let url = acc(&server, "commissions");
    let issue = |provisions: Vec<Value>, force: bool, auto_accept: bool| {
        post(
            &url,
            CYCLADES_TOKEN,
            json!({"force": force, "auto_accept": auto_accept, "name": "bounds",
                   "provisions": provisions}),
        )
    };
    // A serial before, to see that no failed request stores a commission.
    let (status, v) = issue(vec![provision(ALICE_UUID, ALICE_UUID, 0)], false, true).await;
    assert_eq!(status, 201);
    let first = v["serial"].as_u64().unwrap();
    // Alice's system project: limit 2, usage 1 (seeded).
    let before = snapshot(&sim, ALICE_UUID, ALICE_UUID);
    assert_eq!(before.0[0], json!([2, 1, 0]));
    let (max, min) = (i64::MAX, i64::MIN);
    let cases: Vec<BoundsCase> = vec![
        (
            "MAX",
            vec![provision(ALICE_UUID, ALICE_UUID, max)],
            false,
            false,
            413,
            "NoCapacityError",
        ),
        (
            "MAX auto_accept",
            vec![provision(ALICE_UUID, ALICE_UUID, max)],
            false,
            true,
            413,
            "NoCapacityError",
        ),
        // usage 1 + MAX does not fit a bigint: the real database refuses
        // the write and the transaction is rolled back (500).
        (
            "MAX force",
            vec![provision(ALICE_UUID, ALICE_UUID, max)],
            true,
            false,
            500,
            "",
        ),
        (
            "MAX force+auto_accept",
            vec![provision(ALICE_UUID, ALICE_UUID, max)],
            true,
            true,
            500,
            "",
        ),
        // Releases are always checked, forced or not.
        (
            "MIN",
            vec![provision(ALICE_UUID, ALICE_UUID, min)],
            false,
            false,
            413,
            "NoQuantityError",
        ),
        (
            "MIN force+auto_accept",
            vec![provision(ALICE_UUID, ALICE_UUID, min)],
            true,
            true,
            413,
            "NoQuantityError",
        ),
        // Provisions on one holding are summed exactly (Python ints).
        (
            "MAX+MAX",
            vec![
                provision(ALICE_UUID, ALICE_UUID, max),
                provision(ALICE_UUID, ALICE_UUID, max),
            ],
            false,
            false,
            413,
            "NoCapacityError",
        ),
        (
            "MAX+MAX force",
            vec![
                provision(ALICE_UUID, ALICE_UUID, max),
                provision(ALICE_UUID, ALICE_UUID, max),
            ],
            true,
            true,
            500,
            "",
        ),
        (
            "MIN+MIN force",
            vec![
                provision(ALICE_UUID, ALICE_UUID, min),
                provision(ALICE_UUID, ALICE_UUID, min),
            ],
            true,
            true,
            413,
            "NoQuantityError",
        ),
        (
            "MIN+(-1)",
            vec![
                provision(ALICE_UUID, ALICE_UUID, min),
                provision(ALICE_UUID, ALICE_UUID, -1),
            ],
            false,
            false,
            413,
            "NoQuantityError",
        ),
    ];
    for (label, provisions, force, auto_accept, want, name) in cases {
        let (status, v) = issue(provisions, force, auto_accept).await;
        assert_eq!(status, want, "{label}: {v}");
        if want == 413 {
            assert_eq!(v["overLimit"]["data"]["name"], name, "{label}");
        } else {
            assert_eq!(
                v["internalServerError"]["message"], "Unexpected error",
                "{label}"
            );
        }
        assert_eq!(snapshot(&sim, ALICE_UUID, ALICE_UUID), before, "{label}");
    }
    let q = i128::from(max) * 2;
    let (_, v) = issue(
        vec![
            provision(ALICE_UUID, ALICE_UUID, max),
            provision(ALICE_UUID, ALICE_UUID, max),
        ],
        false,
        false,
    )
    .await;
    assert_eq!(
        v["overLimit"]["data"]["provision"]["quantity"]
            .as_u64()
            .map(i128::from),
        Some(q)
    );
    // Still serving, and no failed request took a serial.
    let (status, v) = issue(vec![provision(ALICE_UUID, ALICE_UUID, 1)], false, false).await;
    assert_eq!(status, 201);
    assert_eq!(v["serial"].as_u64().unwrap(), first + 1);
    assert_eq!(
        sim.quota(
            &format!("user:{ALICE_UUID}"),
            Some(&format!("project:{ALICE_UUID}")),
            "cyclades.vm"
        ),
        Some((2, 2, 1))
    );
}

#[tokio::test]
async fn commission_up_to_the_bigint_bound_is_kept_consistent() {
    let (sim, server) = start().await;
    let url = acc(&server, "commissions");
    let issue = |q: i64, force: bool, auto_accept: bool| {
        post(
            &url,
            CYCLADES_TOKEN,
            json!({"force": force, "auto_accept": auto_accept,
                   "provisions": [provision(CAROL_UUID, CAROL_UUID, q)]}),
        )
    };
    let key = (
        format!("user:{CAROL_UUID}"),
        format!("project:{CAROL_UUID}"),
    );
    let q = |sim: &AstakosSim| sim.quota(&key.0, Some(&key.1), "cyclades.vm").unwrap();
    assert_eq!(q(&sim), (2, 0, 0));
    // Usage 0 + MAX fits a bigint: a forced, auto-accepted commission is
    // applied, as on the real server.
    let (status, _) = issue(i64::MAX, true, true).await;
    assert_eq!(status, 201);
    assert_eq!(q(&sim), (2, i64::MAX, 0));
    // One more does not fit: 500, nothing changes.
    let (status, _) = issue(1, true, false).await;
    assert_eq!(status, 500);
    assert_eq!(q(&sim), (2, i64::MAX, 0));
    // Pending release, then reject: back where it was.
    let (status, v) = issue(-i64::MAX, false, false).await;
    assert_eq!(status, 201);
    let s = v["serial"].as_u64().unwrap();
    assert_eq!(q(&sim), (2, i64::MAX, i64::MAX));
    let (status, _) = post(
        &acc(&server, &format!("commissions/{s}/action")),
        CYCLADES_TOKEN,
        json!({"reject": ""}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(q(&sim), (2, i64::MAX, 0));
    // And a release that is accepted empties it.
    let (status, _) = issue(-i64::MAX, false, true).await;
    assert_eq!(status, 201);
    assert_eq!(q(&sim), (2, 0, 0));
    // The wire counters stay exact.
    let (_, v) = get(&acc(&server, "quotas"), CAROL_TOKEN).await;
    assert_eq!(v[CAROL_UUID]["cyclades.vm"]["usage"], 0);
}

#[tokio::test]
async fn applications_are_validated_as_the_real_server_does() {
    let (_sim, server) = start().await;
    let url = acc(&server, "projects");
    let spec = |change: Value| {
        let mut s = json!({"name": "ok.example.org", "end_date": "2031-01-01T00:00:00Z"});
        for (k, v) in change.as_object().unwrap() {
            s[k] = v.clone();
        }
        s
    };
    let cases = [
        (
            json!({"name": "not a domain"}),
            "Project name should be in domain format",
        ),
        (
            json!({"name": "lab"}),
            "Project name should be in domain format",
        ),
        (
            json!({"name": format!("{}.org", "a".repeat(80))}),
            "'name' value exceeds max length 80",
        ),
        (
            json!({"resources": {"cyclades.vm": {"member_capacity": 5, "project_capacity": 4}}}),
            "Project quota limit is less than member limit for resource 'cyclades.vm'",
        ),
        (
            json!({"resources": {"cyclades.vm": {"member_capacity": -1, "project_capacity": 4}}}),
            "Negative quota limit is not allowed",
        ),
        (
            json!({"resources": {"astakos.pending_app": {"member_capacity": 1, "project_capacity": 1}}}),
            "Malformed resource policies",
        ),
        (
            json!({"resources": {"cyclades.vm": {"member_capacity": 1}}}),
            "Malformed resource policies",
        ),
        (
            json!({"end_date": "2001-01-01T00:00:00Z"}),
            "'end_date' must be in the future",
        ),
        // Python 2's `astimezone` refuses a value without a zone.
        (json!({"end_date": "2031-01-01"}), "Invalid end_date"),
        (
            json!({"end_date": "2031-01-01T00:00:00"}),
            "Invalid end_date",
        ),
        (json!({"start_date": "2030-01-01"}), "Invalid start_date"),
        (json!({"end_date": "next week"}), "Invalid end_date"),
        (json!({"end_date": null}), "Missing end date"),
        (json!({"join_policy": "sometimes"}), "Invalid join policy"),
        (json!({"leave_policy": "never"}), "Invalid leave policy"),
        (json!({"max_members": "lots"}), "Invalid max_members"),
        (json!({"private": "yes"}), "private must be boolean"),
        (json!({"homepage": 7}), "homepage must be string"),
        (json!({"owner": "no-such-user"}), "User does not exist."),
    ];
    for (change, message) in cases {
        let (status, v) = post(&url, BOB_TOKEN, spec(change.clone())).await;
        assert_eq!(status, 400, "{change}: {v}");
        assert_eq!(v["badRequest"]["message"], message, "{change}");
    }
    let (status, v) = post(&url, BOB_TOKEN, json!({"end_date": "2031-01-01T00:00:00Z"})).await;
    assert_eq!(
        (status, v["badRequest"]["message"].clone()),
        (400, json!("Name missing."))
    );
    // Bob reaches the pending-application limit (2); past it, a valid
    // application is a 409, an invalid one still a 400.
    for n in ["p1", "p2"] {
        let (status, _) = post(
            &url,
            BOB_TOKEN,
            spec(json!({"name": format!("{n}.example.org")})),
        )
        .await;
        assert_eq!(status, 201);
    }
    let (status, v) = post(&url, BOB_TOKEN, spec(json!({"name": "p3.example.org"}))).await;
    assert_eq!(status, 409);
    assert_eq!(
        v["conflict"]["message"],
        "You have reached the maximum number of pending project applications: 2."
    );
    let (status, v) = post(&url, BOB_TOKEN, spec(json!({"name": "p3 example"}))).await;
    assert_eq!(status, 400, "{v}");
    // Admins are not limited; a new project's member limit defaults to
    // PRACTICALLY_INFINITE.
    for n in ["a1", "a2", "a3"] {
        let (status, v) = post(
            &url,
            ADMIN_TOKEN,
            spec(json!({"name": format!("{n}.example.org")})),
        )
        .await;
        assert_eq!(status, 201);
        let (_, p) = get(
            &acc(&server, &format!("projects/{}", v["id"].as_str().unwrap())),
            ADMIN_TOKEN,
        )
        .await;
        assert_eq!(p["max_members"], i64::MAX);
    }
}

#[tokio::test]
async fn unapproved_projects_are_hidden_from_other_users() {
    let (_sim, server) = start().await;
    let (status, v) = post(
        &acc(&server, "projects"),
        CAROL_TOKEN,
        json!({"name": "secret.example.org", "end_date": "2031-01-01T02:00:00+02:00"}),
    )
    .await;
    assert_eq!(status, 201);
    let pid = v["id"].as_str().unwrap().to_owned();
    let purl = acc(&server, &format!("projects/{pid}"));
    let (status, v) = get(&purl, BOB_TOKEN).await;
    assert_eq!(status, 403);
    assert_eq!(
        v["forbidden"]["message"],
        "You do not have the permissions to perform this action."
    );
    for mode in ["default", "related", "active", "member"] {
        let (_, list) = get(
            &format!("{}?mode={mode}", acc(&server, "projects")),
            BOB_TOKEN,
        )
        .await;
        assert!(
            list.as_array()
                .unwrap()
                .iter()
                .all(|p| p["id"] != pid.as_str()),
            "{mode}"
        );
    }
    // The owner and the admins see it, with its application.
    for token in [CAROL_TOKEN, ADMIN_TOKEN] {
        let (status, p) = get(&purl, token).await;
        assert_eq!(status, 200);
        assert_eq!(p["last_application"]["state"], "pending");
        // Dates are kept in UTC and shown with Python's isoformat.
        assert_eq!(p["end_date"], "2031-01-01T00:00:00+00:00");
    }
    // Nobody else may modify it, and even its owner only once approved.
    let (status, _) = call(
        "PUT",
        &purl,
        Some(BOB_TOKEN),
        Some(json!({"description": "x"})),
    )
    .await;
    assert_eq!(status, 403);
    let (status, v) = call(
        "PUT",
        &purl,
        Some(CAROL_TOKEN),
        Some(json!({"description": "x"})),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(
        v["conflict"]["message"],
        "Cannot modify an uninitialized project."
    );
    // The field checks of the API layer come before the project lookup.
    let (status, v) = call(
        "PUT",
        &acc(&server, "projects/no-such"),
        Some(CAROL_TOKEN),
        Some(json!({"join_policy": "sometimes"})),
    )
    .await;
    assert_eq!(
        (status, v["badRequest"]["message"].clone()),
        (400, json!("Invalid join policy"))
    );
    let (status, _) = call(
        "PUT",
        &acc(&server, "projects/no-such"),
        Some(CAROL_TOKEN),
        Some(json!({"description": "x"})),
    )
    .await;
    assert_eq!(status, 404);
    // A public active project's details are for everybody, its
    // application only for the owner and admins.
    let (status, p) = get(
        &acc(&server, &format!("projects/{TEACHING_ID}")),
        ALICE_TOKEN,
    )
    .await;
    assert_eq!(status, 200);
    assert!(p.get("last_application").is_none());
}

#[tokio::test]
async fn membership_status_codes_follow_the_real_rules() {
    let (sim, server) = start().await;
    let murl = acc(&server, "projects/memberships");
    // Join on a system project (own or other): its join policy is closed.
    for base in [CAROL_UUID, ALICE_UUID] {
        let (status, v) = post(&murl, CAROL_TOKEN, json!({"join": {"project": base}})).await;
        assert_eq!(status, 409, "{base}");
        assert_eq!(
            v["conflict"]["message"],
            "The Project's member join policy is closed."
        );
    }
    let (status, v) = post(&murl, CAROL_TOKEN, json!({"join": {"project": "no-such"}})).await;
    assert_eq!(status, 404);
    assert_eq!(
        v["itemNotFound"]["message"],
        "There is no project identified by no-such."
    );
    let (status, v) = post(&murl, CAROL_TOKEN, json!({"join": {"project": null}})).await;
    assert_eq!(
        (status, v["badRequest"]["message"].clone()),
        (400, json!("Invalid project ID: None"))
    );
    // Enroll of an unknown user or project: conflicts.
    let (status, v) = post(
        &murl,
        BOB_TOKEN,
        json!({"enroll": {"project": TEACHING_ID, "user": "nobody@example.org"}}),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(
        v["conflict"]["message"],
        "Unknown users: nobody@example.org"
    );
    let (status, v) = post(
        &murl,
        BOB_TOKEN,
        json!({"enroll": {"project": "no-such", "user": "carol@example.org"}}),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(
        v["conflict"]["message"],
        "There is no project identified by no-such."
    );
    // Carol joins teaching (auto) and asks to leave (moderated).
    let (status, v) = post(
        &murl,
        CAROL_TOKEN,
        json!({"join": {"project": TEACHING_ID}}),
    )
    .await;
    assert_eq!(status, 200);
    let id = v["id"].as_u64().unwrap();
    let act = acc(&server, &format!("projects/memberships/{id}/action"));
    let (status, _) = post(&act, CAROL_TOKEN, json!({"leave": "bye"})).await;
    assert_eq!(status, 200);
    assert_eq!(
        sim.membership_state(TEACHING_ID, CAROL_UUID).as_deref(),
        Some("leave_requested")
    );
    let (_, m) = get(
        &acc(&server, &format!("projects/memberships/{id}")),
        BOB_TOKEN,
    )
    .await;
    assert_eq!(m["allowed_actions"], json!(["remove"]));
    let (_, m) = get(
        &acc(&server, &format!("projects/memberships/{id}")),
        CAROL_TOKEN,
    )
    .await;
    assert_eq!(m["allowed_actions"], json!(["leave"]));
    // The owner cannot "accept" a leave request (accept is for join
    // requests) nor "reject" it; "remove" is how it is granted.
    for action in ["accept", "reject", "cancel"] {
        let (status, v) = post(&act, BOB_TOKEN, json!({action: ""})).await;
        assert_eq!(status, 409, "{action}");
        assert_eq!(
            v["conflict"]["message"],
            "This is not a valid membership request."
        );
    }
    let (status, _) = post(&act, BOB_TOKEN, json!({"remove": "ok"})).await;
    assert_eq!(status, 200);
    assert_eq!(
        sim.membership_state(TEACHING_ID, CAROL_UUID).as_deref(),
        Some("removed")
    );
    // Removed: nothing but a new join.
    let (status, v) = post(&act, BOB_TOKEN, json!({"remove": ""})).await;
    assert_eq!(
        (status, v["conflict"]["message"].clone()),
        (409, json!("This is not an accepted membership."))
    );
    // Unknown keys are ignored; two actions are refused.
    let (status, v) = post(&act, CAROL_TOKEN, json!({"accept": "", "leave": ""})).await;
    assert_eq!(
        (status, v["badRequest"]["message"].clone()),
        (400, json!("Multiple actions not supported"))
    );
    let (status, v) = post(&act, CAROL_TOKEN, json!({"explode": ""})).await;
    assert_eq!(
        (status, v["badRequest"]["message"].clone()),
        (400, json!("No recognized action"))
    );
    // Leaving one's system project: its leave policy is closed.
    let (_, ms) = get(&format!("{murl}?project={CAROL_UUID}"), CAROL_TOKEN).await;
    let base_m = ms[0]["id"].as_u64().unwrap();
    let (status, v) = post(
        &acc(&server, &format!("projects/memberships/{base_m}/action")),
        CAROL_TOKEN,
        json!({"leave": ""}),
    )
    .await;
    assert_eq!(
        (status, v["conflict"]["message"].clone()),
        (409, json!("The project's member leave policy is closed."))
    );
    // Unknown membership: 404 with the real message.
    let (status, v) = get(&acc(&server, "projects/memberships/99999"), CAROL_TOKEN).await;
    assert_eq!(
        (status, v["itemNotFound"]["message"].clone()),
        (404, json!("This is not a valid membership request."))
    );
}

#[tokio::test]
async fn catalog_details_match_the_real_server() {
    let (_sim, server) = start().await;
    // A system project has no owner.
    let (_, p) = get(
        &acc(&server, &format!("projects/{ALICE_UUID}")),
        ALICE_TOKEN,
    )
    .await;
    assert_eq!(p["owner"], Value::Null);
    assert_eq!(p["system_project"], true);
    assert!(p["resources"].get("astakos.pending_app").is_none());
    // displaynames must be a list, for users and services alike.
    for (path, token) in [
        ("user_catalogs", ALICE_TOKEN),
        ("service/user_catalogs", CYCLADES_TOKEN),
    ] {
        let (status, v) = post(&acc(&server, path), token, json!({"displaynames": null})).await;
        assert_eq!(status, 400, "{path}");
        assert_eq!(v["badRequest"]["message"], "Invalid displaynames: None");
    }
    // A service asking with uuids: null gets every user.
    let (_, v) = post(
        &acc(&server, "service/user_catalogs"),
        CYCLADES_TOKEN,
        json!({"uuids": null}),
    )
    .await;
    assert_eq!(v["uuid_catalog"].as_object().unwrap().len(), 4);
    // Resources: the API-visible ones, under their registering service.
    let (_, r) = call("GET", &acc(&server, "resources"), None, None).await;
    assert!(r.get("astakos.pending_app").is_none());
    assert_eq!(
        r["cyclades.vm"],
        json!({"service": "cyclades_compute", "description": "Number of virtual machines",
               "unit": null, "ui_visible": true, "api_visible": true})
    );
    assert_eq!(r["cyclades.floating_ip"]["service"], "cyclades_network");
    assert_eq!(r["cyclades.network.private"]["service"], "cyclades_network");
    assert_eq!(r["pithos.diskspace"]["service"], "pithos_object-store");
    // Quotas: API-visible resources only.
    let (_, q) = get(&acc(&server, "quotas"), ALICE_TOKEN).await;
    assert!(q[ALICE_UUID].get("astakos.pending_app").is_none());
    assert!(q[ALICE_UUID].get("cyclades.vm").is_some());
    // A JSON body needs a JSON content type.
    let resp = reqwest::Client::new()
        .post(acc(&server, "projects"))
        .header("X-Auth-Token", ALICE_TOKEN)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let v: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(
        v["badRequest"]["message"],
        "Unsupported Content-type: 'text/plain'"
    );
}
