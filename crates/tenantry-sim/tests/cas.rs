//! The CAS (Etu Nexus) simulator.

use std::time::Duration;

use tenantry_sim::{CasSim, SimServer};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn start() -> (CasSim, SimServer) {
    let cas = CasSim::seeded();
    let server = SimServer::start(cas.router()).await.unwrap();
    (cas, server)
}

async fn tgt(c: &reqwest::Client, base: &str, user: &str, password: &str) -> reqwest::Response {
    c.post(format!("{base}/cas/v1/tickets"))
        .header("Content-Type", "test/html")
        .body(format!("username=workshop%5C{user}&password={password}"))
        .send()
        .await
        .unwrap()
}

async fn login_tgt(c: &reqwest::Client, base: &str) -> String {
    let resp = tgt(c, base, "alice", "alice-pass").await;
    assert_eq!(resp.status(), 201);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("{base}/cas/v1/tickets/TGT-")),
        "{location}"
    );
    assert!(location.ends_with("-cas"));
    location.rsplit('/').next().unwrap().to_owned()
}

async fn st(c: &reqwest::Client, base: &str, tgt: &str, service: &str) -> reqwest::Response {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("service", service)
        .finish();
    c.post(format!("{base}/cas/v1/tickets/{tgt}"))
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn service_ticket(c: &reqwest::Client, base: &str, tgt: &str, shiro: &str) -> String {
    let resp = st(c, base, tgt, &format!("{base}{shiro}")).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let ticket = resp.text().await.unwrap();
    assert!(
        ticket.starts_with("ST-") && ticket.ends_with("-cas"),
        "{ticket:?}"
    );
    ticket
}

fn session_cookie(resp: &reqwest::Response) -> String {
    let set = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(set.starts_with("JSESSIONID="), "{set}");
    assert!(set.contains("Path=/"), "{set}");
    assert!(set.contains("HttpOnly"), "{set}");
    set.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn full_flow_tgt_st_cookie_whoami() {
    let (cas, server) = start().await;
    let base = server.base_url();
    let c = client();
    let tgt = login_tgt(&c, &base).await;
    let ticket = service_ticket(&c, &base, &tgt, "/shiro-cas").await;

    let resp = c
        .get(format!("{base}/shiro-cas?ticket={ticket}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let cookie = session_cookie(&resp);
    assert_eq!(cas.session_count(), 1);

    // The client sends the same validation again: single use → 403, session kept.
    let again = c
        .get(format!("{base}/shiro-cas?ticket={ticket}"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 403);
    assert!(again.headers().get("set-cookie").is_none());

    let who = c
        .get(format!("{base}/commsrv/v1/_sim/whoami"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(who.status(), 200);
    let who: serde_json::Value = serde_json::from_str(&who.text().await.unwrap()).unwrap();
    assert_eq!(
        who,
        serde_json::json!({"app":"emc","user":"workshop\\alice","group":"workshop","username":"alice"})
    );
    assert_eq!(
        cas.session_user("emc", &format!("other=1; {cookie}"))
            .as_deref(),
        Some("workshop\\alice")
    );
    assert_eq!(cas.session_user("er", &cookie), None);

    // The session is not valid for another app.
    let er = c
        .get(format!("{base}/ER/V3/recsrv/v1/_sim/whoami"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(er.status(), 302);

    // Logging in to ER with the same cookie jar adds ER to the session.
    let er_ticket = service_ticket(&c, &base, &tgt, "/ER/V3/shiro-cas").await;
    let resp = c
        .get(format!("{base}/ER/V3/shiro-cas?ticket={er_ticket}"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(session_cookie(&resp), cookie);
    for path in ["/ER/V3/recsrv/v1/_sim/whoami", "/commsrv/v1/_sim/whoami"] {
        let resp = c
            .get(format!("{base}{path}"))
            .header("Cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{path}");
    }

    // EI without a cookie gets its own session.
    let ei_ticket = service_ticket(&c, &base, &tgt, "/EI/V3/shiro-cas").await;
    let resp = c
        .get(format!("{base}/EI/V3/shiro-cas?ticket={ei_ticket}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let ei_cookie = session_cookie(&resp);
    assert_ne!(ei_cookie, cookie);
    assert_eq!(cas.session_count(), 2);
    let who = c
        .get(format!("{base}/EI/V3/service/v1/_sim/whoami"))
        .header("Cookie", &ei_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(who.status(), 200);
}

#[tokio::test]
async fn ticket_errors() {
    let (_cas, server) = start().await;
    let base = server.base_url();
    let c = client();

    let bad = tgt(&c, &base, "alice", "wrong").await;
    assert_eq!(bad.status(), 401);
    assert!(bad.headers().get("location").is_none());
    let missing = c
        .post(format!("{base}/cas/v1/tickets"))
        .body("username=workshop%5Calice")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 401);

    let none = st(&c, &base, "None", &format!("{base}/shiro-cas")).await;
    assert_eq!(none.status(), 404);
    let unknown = st(&c, &base, "TGT-99-nope-cas", &format!("{base}/shiro-cas")).await;
    assert_eq!(unknown.status(), 404);

    let tgt = login_tgt(&c, &base).await;
    let no_service = c
        .post(format!("{base}/cas/v1/tickets/{tgt}"))
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(no_service.status(), 400);

    // An unknown ST and a ticket for another service are refused.
    let resp = c
        .get(format!("{base}/shiro-cas?ticket=ST-1-unknown-cas"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let er_ticket = service_ticket(&c, &base, &tgt, "/ER/V3/shiro-cas").await;
    let resp = c
        .get(format!("{base}/shiro-cas?ticket={er_ticket}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);

    // The host and scheme of the service URL do not matter, only its path.
    let resp = st(&c, &base, &tgt, "https://emc.online.etunexus.com/shiro-cas").await;
    let ticket = resp.text().await.unwrap();
    let resp = c
        .get(format!("{base}/shiro-cas?ticket={ticket}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn expired_session_redirects_to_login() {
    let (cas, server) = start().await;
    let base = server.base_url();
    let c = client();
    let tgt = login_tgt(&c, &base).await;
    let ticket = service_ticket(&c, &base, &tgt, "/shiro-cas").await;
    let resp = c
        .get(format!("{base}/shiro-cas?ticket={ticket}"))
        .send()
        .await
        .unwrap();
    let cookie = session_cookie(&resp);

    cas.expire_sessions();
    assert_eq!(cas.session_count(), 0);
    let resp = c
        .get(format!("{base}/commsrv/v1/_sim/whoami"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let encoded: String =
        form_urlencoded::byte_serialize(format!("{base}/shiro-cas").as_bytes()).collect();
    assert_eq!(
        resp.headers()["location"].to_str().unwrap(),
        format!("{base}/cas/login?service={encoded}")
    );

    let page = c.get(format!("{base}/cas/login")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));

    // No cookie at all → the same redirect.
    let resp = c
        .get(format!("{base}/EI/V3/service/v1/_sim/whoami"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    assert!(resp.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("EI%2FV3%2Fshiro-cas"));
}

#[tokio::test]
async fn ttls_and_tgt_expiry() {
    let (cas, server) = start().await;
    let base = server.base_url();
    let c = client();
    let tgt = login_tgt(&c, &base).await;
    let ticket = service_ticket(&c, &base, &tgt, "/shiro-cas").await;
    let resp = c
        .get(format!("{base}/shiro-cas?ticket={ticket}"))
        .send()
        .await
        .unwrap();
    let cookie = session_cookie(&resp);
    let whoami = format!("{base}/commsrv/v1/_sim/whoami");
    let ok = c
        .get(&whoami)
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    // A zero idle TTL: the next look-up still finds the session (its expiry
    // was set with the old TTL) and renews it for zero time; the one after
    // finds it expired. No sleep to race against a loaded machine.
    cas.set_session_ttl(Duration::ZERO);
    let renewed = c
        .get(&whoami)
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(renewed.status(), 200);
    let expired = c
        .get(&whoami)
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), 302);

    cas.expire_tgts();
    let resp = st(&c, &base, &tgt, &format!("{base}/shiro-cas")).await;
    assert_eq!(resp.status(), 404);

    cas.set_tgt_ttl(Duration::ZERO);
    let tgt = login_tgt(&c, &base).await;
    let resp = st(&c, &base, &tgt, &format!("{base}/shiro-cas")).await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn added_users_and_journal() {
    let (cas, server) = start().await;
    cas.add_user("lab", "carol", "p@ss w");
    let c = client();
    let resp = c
        .post(format!("{}/cas/v1/tickets", server.base_url()))
        .body("username=lab%5Ccarol&password=p%40ss+w")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let bob = tgt(&c, &server.base_url(), "bob", "bob-pass").await;
    assert_eq!(bob.status(), 201);
    let entries = server.journal().entries();
    assert_eq!(entries.len(), 2);
    assert_eq!(
        entries[0].form(),
        vec![
            ("username".to_owned(), "lab\\carol".to_owned()),
            ("password".to_owned(), "p@ss w".to_owned())
        ]
    );
    assert_eq!(entries[1].header("content-type"), Some("test/html"));
}
