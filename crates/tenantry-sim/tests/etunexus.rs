//! The Etu Nexus simulator over TLS, driven with plain reqwest (no client
//! crate): the CAS steps, the session cookie, expiry, group isolation and
//! each application's stateful flows (`etunexus.md` §2, §5-§7, §12).

use reqwest::{redirect, Client, StatusCode};
use serde_json::{json, Value};
use tenantry_sim::etunexus::*;
use tenantry_sim::{EtunexusSim, SimControl, SimOptions, SimServer, SimTls};

struct Env {
    sim: EtunexusSim,
    server: SimServer,
    http: Client,
    base: String,
}

async fn start() -> Env {
    let sim = EtunexusSim::seeded();
    let tls = SimTls::self_signed().unwrap();
    let http = Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(tls.cert_pem().as_bytes()).unwrap())
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();
    let server = SimServer::start_with(
        sim.router(),
        SimOptions::new()
            .tls(tls)
            .control(std::sync::Arc::new(sim.clone())),
    )
    .await
    .unwrap();
    let base = server.base_url();
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    Env {
        sim,
        server,
        http,
        base,
    }
}

/// One app session, as the reference makes it.
struct Session<'a> {
    env: &'a Env,
    cookie: String,
    api: &'static str,
}

impl Env {
    async fn tgt(&self, group: &str, user: &str, password: &str) -> reqwest::Response {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("username", &format!("{group}\\{user}"))
            .append_pair("password", password)
            .finish();
        self.http
            .post(format!("{}/cas/v1/tickets", self.base))
            // The reference's typo (§2.2).
            .header("content-type", "test/html")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// TGT, ST, the two ticket presentations; the session cookie.
    async fn login(&self, group: &str, user: &str, password: &str, app: &str) -> String {
        let resp = self.tgt(group, user, password).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let location = resp.headers()["location"].to_str().unwrap().to_owned();
        let tgt = location.rsplit('/').next().unwrap().to_owned();
        assert!(location.starts_with(&format!("{}/cas/v1/tickets/TGT-", self.base)));
        let shiro = match app {
            "emc" => "/shiro-cas",
            "er" => "/ER/V3/shiro-cas",
            _ => "/EI/V3/shiro-cas",
        };
        let service = format!("{}{shiro}", self.base);
        let st = self
            .http
            .post(format!("{}/cas/v1/tickets/{tgt}", self.base))
            .header("content-type", "application/json")
            .body(format!(
                "service={}",
                form_urlencoded::byte_serialize(service.as_bytes()).collect::<String>()
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(st.status(), StatusCode::OK);
        let st = st.text().await.unwrap();
        assert!(st.starts_with("ST-") && !st.ends_with('\n'), "{st:?}");
        let first = self
            .http
            .get(format!("{}{shiro}?ticket={st}", self.base))
            .send()
            .await
            .unwrap();
        assert_eq!(first.status(), StatusCode::OK);
        let set = first.headers()["set-cookie"].to_str().unwrap().to_owned();
        let cookie = set.split(';').next().unwrap().to_owned();
        assert!(cookie.starts_with("JSESSIONID="), "{set}");
        // The reference presents the same ticket again: 403, swallowed.
        let second = self
            .http
            .get(format!("{}{shiro}?ticket={st}", self.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(second.status(), StatusCode::FORBIDDEN);
        cookie
    }

    async fn session(&self, group: &str, user: &str, password: &str, app: &str) -> Session<'_> {
        let cookie = self.login(group, user, password, app).await;
        Session {
            env: self,
            cookie,
            api: match app {
                "emc" => EMC_BASE,
                "er" => ER_BASE,
                _ => EI_BASE,
            },
        }
    }

    async fn admin(&self, app: &str) -> Session<'_> {
        self.session(SEED_SYSTEM_GROUP, SEED_ADMIN, SEED_ADMIN_PASSWORD, app)
            .await
    }

    async fn workshop(&self, app: &str) -> Session<'_> {
        self.session(SEED_GROUP, SEED_GROUP_ADMIN, SEED_GROUP_ADMIN_PASSWORD, app)
            .await
    }
}

impl Session<'_> {
    fn url(&self, path: &str) -> String {
        format!("{}{}{path}", self.env.base, self.api)
    }

    async fn send(&self, rb: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let resp = rb
            .header("cookie", &self.cookie)
            .header("accept", "application/json, text/plain, */*")
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let rb = self
            .env
            .http
            .get(self.url(path))
            .header("content-type", "application/json");
        self.send(rb).await
    }

    async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let rb = self
            .env
            .http
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body.to_string());
        self.send(rb).await
    }

    async fn form(&self, path: &str, pairs: &[(&str, &str)]) -> (StatusCode, Value) {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let rb = self
            .env
            .http
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(rb).await
    }

    /// A multipart body as the reference builds it: text parts, then the
    /// file part last (`filename="null"` and empty without a file).
    async fn multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str)>,
    ) -> (StatusCode, Value) {
        let b = "127.0.0.1.0.6639.1795456719.878.3";
        let mut body = String::new();
        for (k, v) in fields {
            body.push_str(&format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
            ));
        }
        let (name, content) = file.unwrap_or(("null", ""));
        body.push_str(&format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: text/csv\r\n\r\n{content}\r\n--{b}--\r\n\r\n"
        ));
        let rb = self
            .env
            .http
            .post(self.url(path))
            .header("content-type", format!("multipart/form-data; boundary={b}"))
            .body(body);
        self.send(rb).await
    }

    async fn delete(&self, path: &str) -> (StatusCode, Value) {
        let rb = self
            .env
            .http
            .delete(self.url(path))
            .header("content-type", "application/json");
        self.send(rb).await
    }
}

#[tokio::test]
async fn cas_steps_give_a_session_cookie_checked_on_every_call() {
    let env = start().await;
    // A wrong password: 401, no TGT.
    let bad = env.tgt(SEED_GROUP, SEED_USER, "nope").await;
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    assert!(bad.headers().get("location").is_none());
    // The reference then asks for a ticket from TGT `None`: 404.
    let none = env
        .http
        .post(format!("{}/cas/v1/tickets/None", env.base))
        .body("service=x")
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), StatusCode::NOT_FOUND);

    // No cookie: Shiro's redirect to the CAS login page, which is HTML.
    let anon = env
        .http
        .get(format!("{}{EMC_BASE}/group", env.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), StatusCode::FOUND);
    let to = anon.headers()["location"].to_str().unwrap();
    let service: String =
        form_urlencoded::byte_serialize(format!("{}/shiro-cas", env.base).as_bytes()).collect();
    assert_eq!(to, format!("{}/cas/login?service={service}", env.base));
    let page = env.http.get(to).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().starts_with("<!DOCTYPE html>"));
    // A made-up cookie: the same.
    let forged = env
        .http
        .get(format!("{}{EMC_BASE}/group", env.base))
        .header("cookie", "JSESSIONID=FORGED")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FOUND);

    let emc = env.admin("emc").await;
    let (s, groups) = emc.get("/group").await;
    assert_eq!(s, StatusCode::OK);
    let names: Vec<&str> = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, [SEED_SYSTEM_GROUP, SEED_GROUP, SEED_OTHER_GROUP]);
    assert_eq!(groups[1]["createTime"], 1_484_113_449_499i64);
    // The EMC session does not open ER: ER needs its own ticket.
    let er_anon = env
        .http
        .get(format!("{}{ER_BASE}/group", env.base))
        .header("cookie", &emc.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(er_anon.status(), StatusCode::FOUND);
    // Every API request was journaled with its cookie.
    let j = env.server.journal();
    assert_eq!(j.count("POST", "/cas/v1/tickets"), 2);
    assert_eq!(j.count("GET", "/shiro-cas"), 2);
}

#[tokio::test]
async fn expired_sessions_get_the_login_redirect_and_a_new_login_works() {
    let env = start().await;
    let emc = env.workshop("emc").await;
    assert_eq!(emc.get("/user/me").await.0, StatusCode::OK);
    let expire = env
        .http
        .post(format!("{}/_sim/etunexus/expire-sessions", env.base))
        .send()
        .await
        .unwrap();
    assert_eq!(expire.status(), StatusCode::NO_CONTENT);
    assert_eq!(env.sim.cas().session_count(), 0);
    let (s, body) = emc.get("/user/me").await;
    assert_eq!(s, StatusCode::FOUND);
    assert!(body.is_null(), "no JSON after expiry: {body}");
    // A DELETE is redirected as well (urllib2 does not follow it).
    assert_eq!(emc.delete("/user/3").await.0, StatusCode::FOUND);
    assert_eq!(env.sim.count("users"), 4, "nothing was deleted");
    // The TGT is still good: a new ticket gives a new session.
    let again = env.workshop("emc").await;
    let (s, me) = again.get("/user/me").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["name"], SEED_GROUP_ADMIN);
    // In-process expiry does the same.
    env.sim.expire_sessions();
    assert_eq!(again.get("/user/me").await.0, StatusCode::FOUND);
}

#[tokio::test]
async fn a_user_sees_only_their_own_group_unless_an_administrator() {
    let env = start().await;
    let ws = env.workshop("emc").await;
    let (_, groups) = ws.get("/group").await;
    assert_eq!(groups.as_array().unwrap().len(), 1);
    assert_eq!(groups[0]["name"], SEED_GROUP);
    assert_eq!(groups[0]["id"], 2);
    let (s, users) = ws.get("/group/2/user").await;
    assert_eq!(s, StatusCode::OK);
    let names: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, [SEED_GROUP_ADMIN, SEED_USER]);
    // The quick start's user, exactly as the seed prints it.
    assert_eq!(
        users[1],
        json!({"id": 3, "name": "workshop_user", "displayName": "Workshop User", "password": null,
               "department": "", "mail": "", "createTime": 1_484_129_656_168i64,
               "lastUpdateTime": 1_484_129_656_168i64,
               "roles": [{"roleName": "Operator", "appId": "ETU-INSIGHT"},
                         {"roleName": "Viewer", "appId": "ETU-RECOMMENDER"}]})
    );
    // Another group: 403 for reads and writes, and nothing changes.
    assert_eq!(ws.get("/group/3/user").await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        ws.get("/group/3/data-source").await.0,
        StatusCode::FORBIDDEN
    );
    let retail_admin = env.sim.user_id(SEED_OTHER_GROUP, SEED_OTHER_ADMIN).unwrap();
    assert_eq!(
        ws.delete(&format!("/user/{retail_admin}")).await.0,
        StatusCode::FORBIDDEN
    );
    let (s, err) = ws
        .post(
            "/group/3/user",
            &json!({"name": "x", "displayName": "X", "password": "p"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(err["status"], 403);
    assert_eq!(err["path"], "/commsrv/v1/group/3/user");
    assert_eq!(env.sim.user_names(SEED_OTHER_GROUP), [SEED_OTHER_ADMIN]);
    // Group management is the system administrator's.
    assert_eq!(
        ws.post("/group", &json!({"name": "g", "displayName": "G"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // The ER view is isolated the same way.
    let er = env.workshop("er").await;
    let (_, er_groups) = er.get("/group").await;
    assert_eq!(
        er_groups,
        json!([{"id": 2, "name": "workshop", "displayName": "Workshop Sample"}])
    );
    assert_eq!(er.get("/group/3/logic").await.0, StatusCode::FORBIDDEN);
    // The administrator sees the other group.
    let admin = env.admin("emc").await;
    let (s, users) = admin.get("/group/3/user").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(users[0]["name"], SEED_OTHER_ADMIN);
}

#[tokio::test]
async fn emc_quick_start_users_follow_into_cas() {
    let env = start().await;
    let emc = env.admin("emc").await;
    // add_user as the reference sends it: every key, nulls included.
    let (s, added) = emc
        .post(
            "/group/2/user",
            &json!({"displayName": "New workshop user", "name": "new_workshop_user",
                    "roles": [], "lastUpdateTime": null, "createTime": null,
                    "department": "", "mail": "", "password": "password", "id": null}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        added["password"],
        Value::Null,
        "the password is never returned"
    );
    assert_eq!(added["roles"], json!([]));
    let id = added["id"].as_i64().unwrap();
    assert!(added["createTime"].as_i64().unwrap() > 1_600_000_000_000);
    // The same name twice: 409.
    let (s, _) = emc
        .post(
            "/group/2/user",
            &json!({"name": "new_workshop_user", "displayName": "D", "password": "p"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // A role for an unknown app: 400, naming it.
    let (s, err) = emc
        .post(
            "/group/2/user",
            &json!({"name": "u9", "displayName": "U9", "password": "p",
                                        "roles": [{"roleName": "Viewer", "appId": "ETU-NOPE"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        err["message"].as_str().unwrap().contains("ETU-NOPE"),
        "{err}"
    );
    // The new user can log in to CAS with that password.
    assert_eq!(
        env.tgt(SEED_GROUP, "new_workshop_user", "password")
            .await
            .status(),
        StatusCode::CREATED
    );
    // update_user: roles, a null password means unchanged.
    let mut update = added.clone();
    update["roles"] = json!([{"roleName": "Viewer", "appId": "ETU-RECOMMENDER"},
                             {"roleName": "Viewer", "appId": "ETU-INSIGHT"}]);
    let (s, updated) = emc.post(&format!("/user/{id}"), &update).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(updated["roles"], update["roles"]);
    assert!(updated["lastUpdateTime"].as_i64() > added["lastUpdateTime"].as_i64());
    assert_eq!(
        env.sim.user_roles(SEED_GROUP, "new_workshop_user").unwrap(),
        [
            ("Viewer".to_owned(), "ETU-RECOMMENDER".to_owned()),
            ("Viewer".to_owned(), "ETU-INSIGHT".to_owned())
        ]
    );
    assert_eq!(
        env.tgt(SEED_GROUP, "new_workshop_user", "password")
            .await
            .status(),
        StatusCode::CREATED
    );
    // A Viewer of ER can read ER but not write.
    let er = env
        .session(SEED_GROUP, "new_workshop_user", "password", "er")
        .await;
    assert_eq!(er.get("/group/2/logic").await.0, StatusCode::OK);
    assert_eq!(er.delete("/campaign/1").await.0, StatusCode::NOT_FOUND);
    let (s, _) = er
        .post(
            "/logic/1/layout",
            &json!({"dataSrcName": "d", "loName": "l", "loTitle": "t"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Without an EMC role, EMC is closed to them.
    let emc_user = env
        .session(SEED_GROUP, "new_workshop_user", "password", "emc")
        .await;
    assert_eq!(emc_user.get("/group").await.0, StatusCode::FORBIDDEN);
    // change_user_password: the bare id back; CAS takes the new password.
    let (s, back) = emc
        .post(&format!("/user/{id}/password"), &json!({"password": "n3w"}))
        .await;
    assert_eq!((s, back), (StatusCode::OK, json!(id)));
    assert_eq!(
        env.tgt(SEED_GROUP, "new_workshop_user", "password")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        env.tgt(SEED_GROUP, "new_workshop_user", "n3w")
            .await
            .status(),
        StatusCode::CREATED
    );
    // del_user: the bare id; the account is gone from CAS too, and its
    // live session no longer opens the API.
    let (s, back) = emc.delete(&format!("/user/{id}")).await;
    assert_eq!((s, back), (StatusCode::OK, json!(id)));
    assert_eq!(
        env.tgt(SEED_GROUP, "new_workshop_user", "n3w")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(er.get("/group/2/logic").await.0, StatusCode::FOUND);
    assert_eq!(
        emc.delete(&format!("/user/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        emc.get("/user/None").await.0,
        StatusCode::METHOD_NOT_ALLOWED
    );
    let (s, _) = emc.post("/user/None", &update).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // Audit: each write is an event of the admin.
    let (s, audit) = emc.get("/audit?startTime=1&endTime=99999999999999").await;
    assert_eq!(s, StatusCode::OK);
    let msgs: Vec<&str> = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["msg"].as_str().unwrap())
        .collect();
    assert_eq!(msgs.len(), 4, "{msgs:?}");
    assert!(
        msgs[0].starts_with("[Method]addUser;[Arguments]"),
        "{msgs:?}"
    );
    assert_eq!(audit["events"][0]["groupUser"], "etunexus\\admin");
    assert_eq!(audit["startTime"], 1);
}

#[tokio::test]
async fn emc_groups_apps_data_sources_and_exporters() {
    let env = start().await;
    let emc = env.admin("emc").await;
    let (s, g) = emc
        .post(
            "/group",
            &json!({"name": "lab", "displayName": "New G\u{e9}", "id": null, "createTime": null}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(g["displayName"], "New G\u{e9}");
    let gid = g["id"].as_i64().unwrap();
    let mut g2 = g.clone();
    g2["displayName"] = json!("Lab");
    let (s, g3) = emc.post(&format!("/group/{gid}"), &g2).await;
    assert_eq!(
        (s, g3["displayName"].clone()),
        (StatusCode::OK, json!("Lab"))
    );
    // Data source: the group comes from the path; an exporter comes with
    // an event collector.
    let (s, ds) = emc
        .post(
            &format!("/group/{gid}/data-source"),
            &json!({"eventCollector": {"hostName": "*"}, "appIds": ["ETU-RECOMMENDER"],
                    "contentType": "behavior", "name": "ds", "displayName": "DS",
                    "type": "EVENT_COLLECTOR", "id": null, "groupId": null}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ds["groupId"], gid);
    let dsid = ds["id"].as_i64().unwrap();
    let (s, ex) = emc.get(&format!("/data-source/{dsid}/exporter")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ex["extraSchema"], "[]");
    let (s, ex) = emc
        .post(
            &format!("/data-source/{dsid}/exporter"),
            &json!({"extraSchema": "[{\"type\": \"string\", \"link\": \"\", \"name\": \"f\"}]",
                    "updateTime": null, "parsingFormat": "NginxPlusLogParserDriver",
                    "tupleKey": "ptuple", "baseSchema": "[]", "initalConvetTime": 1_500_000_000_000i64,
                    "enabled": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ex["enabled"], true);
    assert!(ex["extraSchema"].is_string(), "a string holding JSON");
    assert_eq!(ex["initalConvetTime"], 1_500_000_000_000i64);
    // A real array where a string is expected: 400.
    let (s, _) = emc
        .post(
            &format!("/data-source/{dsid}/exporter"),
            &json!({"enabled": true, "extraSchema": [], "baseSchema": "[]"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let mut ds2 = ds.clone();
    ds2["displayName"] = json!("DS2");
    let (s, ds3) = emc.post(&format!("/data-source/{dsid}"), &ds2).await;
    assert_eq!(
        (s, ds3["displayName"].clone()),
        (StatusCode::OK, json!("DS2"))
    );
    let (_, list) = emc.get(&format!("/group/{gid}/data-source")).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    // A group with a data source but no user can go; its data goes with it.
    assert_eq!(
        emc.delete(&format!("/data-source/{dsid}")).await,
        (StatusCode::OK, json!(dsid))
    );
    assert_eq!(
        emc.get(&format!("/data-source/{dsid}/exporter")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        emc.delete(&format!("/group/{gid}")).await,
        (StatusCode::OK, json!(gid))
    );
    assert_eq!(
        emc.delete("/group/2").await.0,
        StatusCode::CONFLICT,
        "workshop has users"
    );
    // Apps, permissions, roles.
    let (_, apps) = emc.get("/app").await;
    assert_eq!(apps.as_array().unwrap().len(), 3);
    let (_, perm) = emc.get("/app/ETU-INSIGHT/permission").await;
    assert_eq!(perm["appId"], "ETU-INSIGHT");
    assert!(!perm["permissions"].as_array().unwrap().is_empty());
    assert_eq!(
        emc.get("/app/NOPE/permission").await.0,
        StatusCode::NOT_FOUND
    );
    let (_, roles) = emc.get("/app/ETU-INSIGHT/role").await;
    let viewer = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Viewer")
        .unwrap()
        .clone();
    let mut v2 = viewer.clone();
    v2["permissions"][0]["level"] = json!(0);
    let (s, back) = emc.post("/app/ETU-INSIGHT/role", &v2).await;
    assert_eq!(
        (s, back["permissions"][0]["level"].clone()),
        (StatusCode::OK, json!(0))
    );
    let mut empty = viewer.clone();
    empty["permissions"] = json!([]);
    assert_eq!(
        emc.post("/app/ETU-INSIGHT/role", &empty).await.0,
        StatusCode::BAD_REQUEST
    );
    // Schemas: required is always true; unknown type 404.
    let (_, schema) = emc.get("/data-source/schema/behavior").await;
    assert!(schema
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["required"] == true));
    assert_eq!(
        emc.get("/data-source/schema/nope").await.0,
        StatusCode::NOT_FOUND
    );
    let (_, info) = emc.get("/system/version").await;
    assert!(["version", "build", "branch"]
        .iter()
        .all(|k| info[*k].as_str().is_some_and(|s| !s.is_empty())));
    assert_eq!(
        emc.get("/audit?startTime=5&endTime=1").await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(emc.get("/nothing/here").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn er_logics_layouts_campaigns_filters_and_trainings() {
    let env = start().await;
    let er = env.workshop("er").await;
    let (_, sources) = er.get("/group/2/data-source").await;
    let ds = sources[0].clone();
    assert_eq!(ds["type"], "EVENT_COLLECTOR");
    let dsref = json!({"id": ds["id"], "name": ds["name"]});
    // A user filter: multipart with the CSV.
    let (s, uf) = er
        .multipart(
            "/group/2/userfilter",
            &[("displayName", "UF"), ("name", "uf")],
            Some(("up.csv", "uid\nu1\nu2\n")),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{uf}");
    let ufid = uf["id"].as_i64().unwrap();
    let (s, _) = er
        .multipart(
            "/group/2/userfilter",
            &[("displayName", "UF"), ("name", "uf2")],
            Some(("x.csv", "pid\n1\n")),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "no uid column");
    let (s, uf2) = er
        .multipart(
            &format!("/userfilter/{ufid}"),
            &[
                ("displayName", "UF2"),
                ("name", "uf"),
                ("id", &ufid.to_string()),
            ],
            Some(("up.csv", "uid\nu3\n")),
        )
        .await;
    assert_eq!(
        (s, uf2["displayName"].clone()),
        (StatusCode::OK, json!("UF2"))
    );
    // A logic, with nulls for every unset key.
    let logic = json!({"executeTime": null, "updateTime": null, "filteringLogicIds": [],
        "userFilter": uf2, "algInstances": [
            {"setting": {"als_rank": 10, "TIMERANGE": 30, "als_iteration": 10, "DATASOURCE": dsref,
                         "action": ["view"], "id": "USER_BASED_CF"}, "algId": "USER_BASED_CF", "weight": 1},
            {"setting": {"actionList": ["view"], "TIMERANGE": 30, "flatAct": false, "delimiter": ",",
                         "addNonCategoryRec": "false", "id": "RANKING", "DATASOURCE": dsref},
             "algId": "RANKING", "weight": 2}],
        "enableLastViewedItem": false, "enableSameCategory": false, "active": true, "id": null,
        "delegateLogicName": null, "displayName": "LG", "name": "lg", "useLocation": false,
        "executeState": null, "algType": "USER_BASE", "createTime": null,
        "avlItemFilterMode": "DISABLED", "successTime": null, "itemFilterSrc": null,
        "enableUpdating": true, "numberOfRec": 10});
    let (s, added) = er.post("/group/2/logic", &logic).await;
    assert_eq!(s, StatusCode::OK, "{added}");
    let lid = added["id"].as_i64().unwrap();
    assert_eq!(
        added["algInstances"][0]["qualifier"],
        format!("USER_BASED_CF_{lid}_1")
    );
    assert_eq!(
        added["algInstances"][1]["setting"]["addNonCategoryRec"],
        "false"
    );
    let mut bad = logic.clone();
    bad["algInstances"] = json!([]);
    assert_eq!(
        er.post("/group/2/logic", &bad).await.0,
        StatusCode::BAD_REQUEST
    );
    let mut upd = added.clone();
    upd["numberOfRec"] = json!(20);
    let (s, updated) = er.post(&format!("/logic/{lid}"), &upd).await;
    assert_eq!(
        (s, updated["numberOfRec"].clone()),
        (StatusCode::OK, json!(20))
    );
    assert_eq!(updated["createTime"], added["createTime"]);
    // Layout: 404 until one is saved.
    assert_eq!(
        er.get(&format!("/logic/{lid}/layout")).await.0,
        StatusCode::NOT_FOUND
    );
    let (s, lo) = er
        .post(
            &format!("/logic/{lid}/layout"),
            &json!({"dataSrcName": "ws_item", "loName": "lo", "loTitle": "Title", "loItemCnt": 8}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (lo["loItemCnt"].clone(), lo["loCol"].clone()),
        (json!(8), json!(5))
    );
    assert_eq!(er.get(&format!("/logic/{lid}/layout")).await.1, lo);
    // Campaigns: the stored logics come back whole.
    let (s, camp) = er
        .post("/group/2/campaign", &json!({"groupId": 2, "name": "c", "displayName": "C",
              "startTime": 1_500_000_000_000i64, "endTime": 1_600_000_000_000i64, "logics": [updated],
              "id": null, "createTime": null, "updateTime": null}))
        .await;
    assert_eq!(s, StatusCode::OK, "{camp}");
    assert_eq!(camp["logics"][0]["id"], lid);
    let cid = camp["id"].as_i64().unwrap();
    let mut camp2 = camp.clone();
    camp2["startTime"] = json!(1_700_000_000_000i64);
    assert_eq!(
        er.post(&format!("/campaign/{cid}"), &camp2).await.0,
        StatusCode::BAD_REQUEST
    );
    let (_, list) = er.get("/group/2/campaign").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(
        er.delete(&format!("/campaign/{cid}")).await,
        (StatusCode::OK, json!(cid))
    );
    // Trainings move INIT → RUNNING → DONE, one step per listing.
    let (s, t) = er
        .post(
            "/group/2/algtraining",
            &json!({"setting": {"TOPICS": 5, "DATASOURCE": dsref}, "algId": "LDA"}),
        )
        .await;
    assert_eq!((s, t["state"].clone()), (StatusCode::OK, json!("INIT")));
    let states: Vec<Value> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            v.push(er.get("/group/2/algtraining").await.1[0]["state"].clone());
        }
        v
    };
    assert_eq!(states, [json!("RUNNING"), json!("DONE"), json!("DONE")]);
    let (_, done) = er.get("/group/2/algtraining").await;
    assert_eq!(done[0]["result"]["dataSource"], ds["name"]);
    // Deletes answer the bare id; the layout goes with its logic.
    assert_eq!(
        er.delete(&format!("/logic/{lid}")).await,
        (StatusCode::OK, json!(lid))
    );
    assert_eq!(env.sim.count("layouts"), 0);
    assert_eq!(
        er.delete(&format!("/userfilter/{ufid}")).await,
        (StatusCode::OK, json!(ufid))
    );
    assert_eq!(
        er.delete(&format!("/logic/{lid}")).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn ei_bands_genes_statistics_and_su() {
    let env = start().await;
    let ei = env.workshop("ei").await;
    let (s, me) = ei.get("/user/me").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["data"]["name"], SEED_GROUP_ADMIN);
    assert_eq!(me["data"]["group"]["name"], SEED_GROUP);
    let (_, genes) = ei.get("/genecategory?groupId=2").await;
    assert_eq!(genes["data"][0]["genes"][0]["id"], "gender");
    assert_eq!(
        ei.get("/genecategory?groupId=3").await.0,
        StatusCode::FORBIDDEN
    );
    // Band categories: form bodies, Python booleans.
    let (s, cat) = ei
        .form(
            "/bandcategory",
            &[("name", "bc \u{e9}&x"), ("isDefault", "True")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{cat}");
    assert_eq!(cat["data"]["name"], "bc \u{e9}&x");
    assert_eq!(cat["data"]["isDefault"], true);
    let cat_id = cat["data"]["id"].as_i64().unwrap().to_string();
    let dsid = env.sim.seed_json(&env.base)["workshop"]["data_sources"][0]["id"]
        .as_i64()
        .unwrap();
    // A gene band: amount computed from the seeded uids (5 of 10 female).
    let gene =
        json!({"operator": "IN", "operand": "female", "geneId": "gender", "cid": dsid}).to_string();
    let (s, band) = ei
        .multipart(
            "/band",
            &[
                ("snapshotInfo", "{\"children\": [], \"parent\": null}"),
                ("description", "desc"),
                ("targetGene", &gene),
                ("needRefresh", "True"),
                ("shared", "False"),
                ("type", "gene"),
                ("categoryId", &cat_id),
                ("name", "women"),
            ],
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{band}");
    let b = &band["data"];
    assert_eq!(
        (
            b["amount"].clone(),
            b["needRefresh"].clone(),
            b["shared"].clone()
        ),
        (json!(5), json!(true), json!(false))
    );
    assert_eq!(b["targetGene"]["geneId"], "gender");
    assert_eq!(b["owner"], me["data"]["id"].to_string());
    let women = b["id"].as_i64().unwrap();
    // An upload band from a CSV.
    let (s, up) = ei
        .multipart(
            "/band",
            &[
                ("description", ""),
                ("needRefresh", "False"),
                ("shared", "True"),
                ("type", "upload"),
                ("categoryId", &cat_id),
                ("name", "listed"),
            ],
            Some(("u.csv", "uid\nws-u01\nws-u02\nws-u03\n")),
        )
        .await;
    assert_eq!(
        (s, up["data"]["amount"].clone()),
        (StatusCode::OK, json!(3))
    );
    let listed = up["data"]["id"].as_i64().unwrap();
    // Combined: women except listed (ws-u02 is both).
    let comb = json!({"operators": ["EXCEPT"], "bandIds": [women, listed]}).to_string();
    let (s, c) = ei
        .multipart(
            "/band",
            &[
                ("description", "d"),
                ("needRefresh", "True"),
                ("shared", "False"),
                ("type", "combine"),
                ("targetBand", &comb),
                ("categoryId", &cat_id),
                ("name", "c"),
            ],
            None,
        )
        .await;
    assert_eq!((s, c["data"]["amount"].clone()), (StatusCode::OK, json!(4)));
    let combined = c["data"]["id"].as_i64().unwrap();
    // Update a band: the operand changes the amount.
    let gene2 =
        json!({"operator": "IN", "operand": "female,male", "geneId": "gender", "cid": dsid})
            .to_string();
    let (s, u) = ei
        .multipart(
            &format!("/band/{women}"),
            &[
                ("description", "desc"),
                ("targetGene", &gene2),
                ("needRefresh", "True"),
                ("shared", "False"),
                ("type", "gene"),
                ("categoryId", &cat_id),
                ("name", "everyone"),
                ("id", &women.to_string()),
            ],
            None,
        )
        .await;
    assert_eq!(
        (s, u["data"]["amount"].clone(), u["data"]["name"].clone()),
        (StatusCode::OK, json!(10), json!("everyone"))
    );
    // The category lists its bands.
    let (_, cats) = ei.get("/bandcategory").await;
    assert_eq!(cats["data"][0]["bands"].as_array().unwrap().len(), 3);
    let (_, defaults) = ei.get(&format!("/defaultbandcategory?cId={dsid}")).await;
    assert_eq!(defaults["data"][0]["id"], cat["data"]["id"]);
    // Shared view of the group: only the shared band.
    let (_, shared) = ei.get("/sharingbandcategory?groupId=2").await;
    assert_eq!(shared["data"][0]["bands"].as_array().unwrap().len(), 1);
    assert_eq!(shared["data"][0]["bands"][0]["id"], listed);
    // Uid list: a link under the host root, serving the CSV with the session.
    let (_, link) = ei.get(&format!("/band/{listed}/uidlist")).await;
    let link = link["data"]["downloadLink"].as_str().unwrap().to_owned();
    assert!(!link.starts_with('/'), "{link}");
    let csv = env
        .http
        .get(format!("{}/{link}", env.base))
        .header("cookie", &ei.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(csv.text().await.unwrap(), "uid\nws-u01\nws-u02\nws-u03\n");
    let anon = env
        .http
        .get(format!("{}/{link}", env.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), StatusCode::FOUND);
    // uid → bands of a user.
    let uid = me["data"]["id"].as_i64().unwrap();
    let (_, ub) = ei
        .get(&format!("/uidbandlist/id?uid=ws-u02&userId={uid}"))
        .await;
    assert_eq!(ub["data"]["bandIdList"], json!([women, listed]));
    assert_eq!(ub["data"]["bandNameList"], json!(["everyone", "listed"]));
    let (_, none) = ei
        .get(&format!("/uidbandlist/id?uid=nobody&userId={uid}"))
        .await;
    assert_eq!(none["data"]["bandIdList"], json!([]));
    // Snapshot: a frozen copy, linked both ways.
    let (s, snap) = ei
        .post(&format!("/band/{listed}/snapshot"), &json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(snap["data"]["snapshotInfo"]["parent"], listed);
    // Population, timeline, customer information.
    let (_, pop) = ei
        .get(&format!("/population/summary?geneId=gender&cId={dsid}"))
        .await;
    assert_eq!(
        pop["data"],
        json!([{"key": "female", "amount": 5}, {"key": "male", "amount": 5}])
    );
    let (s, tl) = ei
        .get(&format!("/timeline/population/gender,age/{dsid}?startTime=2017-01-01&endTime=2017-01-03&filterOperator=GE&filterComparator=STRING:*"))
        .await;
    assert_eq!(s, StatusCode::OK, "{tl}");
    assert_eq!(tl["data"][1]["name"], "age");
    assert_eq!(
        tl["data"][0]["data"],
        json!([
            [1_483_228_800_000i64, 10],
            [1_483_315_200_000i64, 10],
            [1_483_401_600_000i64, 10]
        ])
    );
    let (_, older) = ei
        .get(&format!("/timeline/population/age/{dsid}?startTime=2017-01-01&endTime=2017-01-01&filterOperator=GE&filterComparator=NUMBER:50"))
        .await;
    assert_eq!(older["data"][0]["data"][0][1], 3, "ages 50, 54 and 58");
    assert_eq!(
        ei.get(&format!("/timeline/population/age/{dsid}?startTime=2017-02-01&endTime=2017-01-01&filterOperator=GE&filterComparator=STRING:*")).await.0,
        StatusCode::BAD_REQUEST
    );
    let (_, info) = ei
        .get(&format!("/customerinformation/ws-u02?cId={dsid}"))
        .await;
    assert_eq!(info["data"]["gender"], "female");
    assert_eq!(
        ei.get(&format!("/customerinformation/nobody?cId={dsid}"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // Statistics count today's band writes and downloads.
    // Yesterday to tomorrow, summed: a run across midnight counts the same.
    let day = |d: time::Date| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
    let today = time::OffsetDateTime::now_utc().date();
    let (from, to) = (
        day(today.previous_day().unwrap()),
        day(today.next_day().unwrap()),
    );
    let (s, stats) = ei
        .get(&format!("/statistics/query?groupId=2&startDate={from}&endDate={to}&itemName=addBand,updateBand,downloadUidList,bandCount"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let days = stats["data"].as_object().unwrap();
    assert_eq!(days.len(), 3);
    let sum = |item: &str| {
        days.values()
            .map(|d| d[item].as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!(
        [
            sum("addBand"),
            sum("updateBand"),
            sum("downloadUidList"),
            sum("bandCount")
        ],
        [3, 1, 1, 4]
    );
    // Fixed genes: a schema, then data for it, then a band on it.
    let (s, fg) = ei
        .multipart(
            "/fixedgene/schema",
            &[("groupId", "2")],
            Some((
                "s.json",
                "{\"name\": \"Loyalty\", \"genes\": [{\"id\": \"tier\", \"name\": \"Tier\"}]}",
            )),
        )
        .await;
    assert_eq!(
        (s, fg["data"]["name"].clone()),
        (StatusCode::OK, json!("Loyalty"))
    );
    let (s, msg) = ei
        .multipart(
            "/fixedgene/data",
            &[("groupId", "2")],
            Some(("d.csv", "uid,tier\nws-u01,gold\nws-u02,gold\n")),
        )
        .await;
    assert_eq!(
        (s, msg["data"].clone()),
        (StatusCode::OK, json!("2 records imported"))
    );
    let (s, _) = ei
        .multipart(
            "/fixedgene/data",
            &[("groupId", "2")],
            Some(("d.csv", "uid,nope\nws-u01,1\n")),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (_, fixed) = ei.get("/fixedgenecategory").await;
    assert_eq!(fixed["data"][0]["genes"][0]["id"], "tier");
    let (s, items) = ei
        .multipart(
            "/item",
            &[("groupId", "2")],
            Some(("i.csv", "pid,title\n1,a\n2,b\n3,c\n")),
        )
        .await;
    assert_eq!(
        (s, items["data"]["pidNumber"].clone()),
        (StatusCode::OK, json!(3))
    );
    let (s, sum) = ei
        .get(&format!(
            "/summary/Summary_Revisit_7?cId={dsid}&bandId={listed}&upperBound=1&lowerBound=1"
        ))
        .await;
    assert_eq!(
        (s, sum["data"]["amount"].clone()),
        (StatusCode::OK, json!(3))
    );
    // su: me becomes the impersonated user, superme stays.
    let (s, m) = ei
        .get(&format!(
            "/suauth?groupName={SEED_GROUP}&userName={SEED_USER}"
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(m["data"].is_string());
    assert_eq!(ei.get("/user/me").await.1["data"]["name"], SEED_USER);
    assert_eq!(
        ei.get("/user/superme").await.1["data"]["name"],
        SEED_GROUP_ADMIN
    );
    assert_eq!(
        ei.get("/bandcategory").await.1["data"],
        json!([]),
        "the su user's own"
    );
    assert_eq!(ei.delete("/suauth").await.0, StatusCode::OK);
    assert_eq!(ei.get("/user/me").await.1["data"]["name"], SEED_GROUP_ADMIN);
    assert_eq!(
        ei.get(&format!(
            "/suauth?groupName={SEED_OTHER_GROUP}&userName={SEED_OTHER_ADMIN}"
        ))
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    // Deletes: a category with bands is refused; bands in use are refused.
    assert_eq!(
        ei.delete(&format!("/bandcategory/{cat_id}")).await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        ei.delete(&format!("/band/{women}")).await.0,
        StatusCode::CONFLICT
    );
    for id in [
        combined,
        women,
        listed,
        snap["data"]["id"].as_i64().unwrap(),
    ] {
        assert_eq!(
            ei.delete(&format!("/band/{id}")).await,
            (StatusCode::OK, json!({"data": {"id": id}}))
        );
    }
    let (s, gone) = ei.delete(&format!("/bandcategory/{cat_id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(gone["data"][0]["id"], cat["data"]["id"]);
    assert_eq!(env.sim.count("bands"), 0);
}

#[tokio::test]
async fn a_viewer_cannot_write_and_other_users_bands_are_closed() {
    let env = start().await;
    // workshop_user: Viewer on ER, Operator on EI.
    let er = env
        .session(SEED_GROUP, SEED_USER, SEED_USER_PASSWORD, "er")
        .await;
    let (s, _) = er
        .post(
            "/group/2/algtraining",
            &json!({"setting": {"TOPICS": 5}, "algId": "ALS"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(env.sim.count("trainings"), 0);
    let ei = env
        .session(SEED_GROUP, SEED_USER, SEED_USER_PASSWORD, "ei")
        .await;
    let (s, cat) = ei.form("/bandcategory", &[("name", "mine")]).await;
    assert_eq!(s, StatusCode::OK);
    let cid = cat["data"]["id"].as_i64().unwrap();
    let admin = env.workshop("ei").await;
    assert_eq!(
        admin.delete(&format!("/bandcategory/{cid}")).await.0,
        StatusCode::FORBIDDEN
    );
    // No role on EMC: even reading is closed.
    let emc = env
        .session(SEED_GROUP, SEED_USER, SEED_USER_PASSWORD, "emc")
        .await;
    assert_eq!(emc.get("/group").await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn reset_and_seed_sections() {
    let env = start().await;
    let emc = env.admin("emc").await;
    emc.post("/group", &json!({"name": "tmp", "displayName": "T"}))
        .await;
    assert_eq!(env.sim.count("groups"), 4);
    env.sim.reset();
    assert_eq!(env.sim.count("groups"), 3);
    assert_eq!(env.sim.cas().session_count(), 0);
    // A seed section adds groups and users that can log in.
    env.sim
        .load_seed(&json!({"groups": [{"name": "acme"}],
            "users": [{"group": "acme", "username": "ann", "password": "pw",
                       "roles": [{"roleName": "ADMIN", "appId": "ETU-SHIELD"}]}]}))
        .unwrap();
    let ann = env.session("acme", "ann", "pw", "emc").await;
    let (_, groups) = ann.get("/group").await;
    assert_eq!(groups[0]["name"], "acme");
    let err = env
        .sim
        .load_seed(&json!({"users": [{"group": "nope", "username": "x", "password": "p"}]}))
        .unwrap_err();
    assert!(err.contains("users[0].group"), "{err}");
}

/// Kills the child process when dropped (also when a test fails).
struct Guard(std::process::Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn serve_etunexus_over_tls_and_log_in() {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tenantry-sim"))
        .args(["serve", "--service", "etunexus", "--tls"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let guard = Guard(child);
    let line = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        }),
    )
    .await
    .unwrap()
    .unwrap()
    .unwrap();
    let v: Value = serde_json::from_str(line.trim_end()).unwrap();
    let etu = &v["services"]["etunexus"];
    let base = etu["url"].as_str().unwrap().to_owned();
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    assert_eq!(etu["host"], base.trim_start_matches("https://"));
    assert_eq!(etu["username"], SEED_ADMIN);
    let pem_path = v["tls"]["cert_pem"].as_str().unwrap().to_owned();
    let pem = std::fs::read(&pem_path).unwrap();
    let http = Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();
    let tgt = http
        .post(format!("{base}/cas/v1/tickets"))
        .body(format!(
            "username={}%5C{}&password={}",
            etu["group"].as_str().unwrap(),
            etu["username"].as_str().unwrap(),
            etu["password"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(tgt.status(), StatusCode::CREATED);
    let anon = http
        .get(format!("{base}{EMC_BASE}/group"))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), StatusCode::FOUND);
    drop(guard);
    // Killed, the server could not remove its certificate file.
    let _ = std::fs::remove_file(&pem_path);
}
