//! Session behaviour through `MockTransport`: lazy login, one TGT shared by
//! the applications, a fresh service ticket per login, an expired session
//! → one new login then a typed error, a refused password → a typed auth
//! error with no secret in it.

use etunexus::{Cas, Ei3, Emc2, Er3, Error, RetryConfig, Secret};
use serde_json::json;
use std::sync::Arc;
use tenantry_core::http::Method;
use tenantry_core::transport::mock::{Expect, MockTransport, Reply};
use tenantry_core::AuthErrorKind;

const PASSWORD: &str = "planted-cas-password-1";
const TGT: &str = "TGT-planted-granting-1";

fn cas(mock: &Arc<MockTransport>) -> Cas {
    Cas::builder("workshop", "admin", Secret::new(PASSWORD))
        .host("etu.test:8443")
        .app_host("etu.test:8443")
        .transport(mock.clone())
        .retry(RetryConfig::disabled())
        .build()
        .unwrap()
}

fn tgt_request() -> Expect {
    Expect::new(Method::POST, "/cas/v1/tickets")
        .any_body()
        .reply(Reply::status(201).header(
            "location",
            &format!("https://etu.test:8443/cas/v1/tickets/{TGT}"),
        ))
}

fn st_request(service: &str, st: &str) -> Expect {
    let form: String = tenantry_core::url::form_urlencoded::Serializer::new(String::new())
        .append_pair("service", &format!("https://etu.test:8443{service}"))
        .finish();
    Expect::new(Method::POST, &format!("/cas/v1/tickets/{TGT}"))
        .body(form)
        .reply(Reply::text(200, st.to_owned()))
}

fn validation(service: &str, st: &str, cookie: &str) -> Expect {
    Expect::new(Method::GET, service)
        .query(&format!("ticket={st}"))
        .reply(
            Reply::status(302)
                .header("location", "/")
                .header("set-cookie", &format!("JSESSIONID={cookie}; Path=/")),
        )
}

fn groups(cookie: &str) -> Expect {
    Expect::new(Method::GET, "/commsrv/v1/group").header("cookie", &format!("JSESSIONID={cookie}"))
}

#[tokio::test]
async fn lazy_login_one_tgt_for_all_apps_a_ticket_each() {
    let mock = Arc::new(MockTransport::new());
    let cas = cas(&mock);
    assert!(!cas.is_logged_in());
    let emc = Emc2::new(&cas).unwrap();
    let er = Er3::new(&cas).unwrap();
    // Nothing is sent until the first call, which logs in.
    mock.push(tgt_request());
    mock.push(st_request("/shiro-cas", "ST-1"));
    mock.push(validation("/shiro-cas", "ST-1", "e1"));
    mock.push(groups("e1").reply(Reply::json(200, json!([]))));
    assert!(emc.groups().list().await.unwrap().is_empty());
    assert!(cas.is_logged_in());
    // A clone shares the session: no new login.
    mock.push(groups("e1").reply(Reply::json(200, json!([]))));
    emc.clone().groups().list().await.unwrap();
    // ER: the same TGT, its own service ticket and cookie.
    mock.push(st_request("/ER/V3/shiro-cas", "ST-2"));
    mock.push(validation("/ER/V3/shiro-cas", "ST-2", "r1"));
    mock.push(
        Expect::new(Method::GET, "/ER/V3/recsrv/v1/group")
            .header("cookie", "JSESSIONID=r1")
            .reply(Reply::json(200, json!([]))),
    );
    er.groups().list().await.unwrap();
    mock.verify().unwrap();
    // logout forgets the session; the next call logs in with a new ticket.
    emc.logout();
    mock.push(st_request("/shiro-cas", "ST-3"));
    mock.push(validation("/shiro-cas", "ST-3", "e2"));
    mock.push(groups("e2").reply(Reply::json(200, json!([]))));
    emc.groups().list().await.unwrap();
    mock.verify().unwrap();
}

#[tokio::test]
async fn an_expired_session_logs_in_again_once_then_fails_typed() {
    let mock = Arc::new(MockTransport::new());
    let cas = cas(&mock);
    let emc = Emc2::new(&cas).unwrap();
    mock.push(tgt_request());
    mock.push(st_request("/shiro-cas", "ST-1"));
    mock.push(validation("/shiro-cas", "ST-1", "e1"));
    emc.login().await.unwrap();
    // Expired: Shiro redirects to the CAS login page. One new login (a new
    // ticket, never ST-1 again), then the call is replayed.
    mock.push(
        groups("e1").reply(
            Reply::status(302).header("location", "https://etu.test:8443/cas/login?service=x"),
        ),
    );
    mock.push(st_request("/shiro-cas", "ST-2"));
    mock.push(validation("/shiro-cas", "ST-2", "e2"));
    mock.push(groups("e2").reply(Reply::json(
        200,
        json!([{"id": 2, "name": "w", "displayName": "W"}]),
    )));
    assert_eq!(emc.groups().list().await.unwrap().len(), 1);
    mock.verify().unwrap();
    // Refused again after the new login: a typed auth error, no third login.
    mock.push(groups("e2").reply(Reply::status(401)));
    mock.push(st_request("/shiro-cas", "ST-3"));
    mock.push(validation("/shiro-cas", "ST-3", "e3"));
    mock.push(groups("e3").reply(Reply::status(401)));
    let e = emc.groups().list().await.unwrap_err();
    match &e {
        Error::Auth(a) => assert_eq!(a.kind, AuthErrorKind::Rejected),
        other => panic!("{other:?}"),
    }
    mock.verify().unwrap();
}

#[tokio::test]
async fn a_refused_password_is_a_typed_error_without_secrets() {
    let mock = Arc::new(MockTransport::new());
    let cas = cas(&mock);
    let ei = Ei3::new(&cas).unwrap();
    mock.push(
        Expect::new(Method::POST, "/cas/v1/tickets")
            .any_body()
            .reply(Reply::text(
                401,
                format!("bad credentials for password={PASSWORD}"),
            )),
    );
    let e = ei.users().me().await.unwrap_err();
    match &e {
        Error::Auth(a) => assert_eq!(a.kind, AuthErrorKind::InvalidCredentials),
        other => panic!("{other:?}"),
    }
    // The reference goes on to ask for a ticket for `None`; nothing else is
    // sent here.
    mock.verify().unwrap();
    for text in [
        format!("{e}"),
        format!("{e:?}"),
        format!("{cas:?}"),
        format!("{ei:?}"),
    ] {
        assert!(!text.contains(PASSWORD), "{text}");
        assert!(!text.contains(TGT), "{text}");
    }
    // An explicit CAS login fails the same way.
    mock.push(
        Expect::new(Method::POST, "/cas/v1/tickets")
            .any_body()
            .reply(Reply::status(403)),
    );
    assert!(matches!(cas.login().await, Err(Error::Auth(_))));
    mock.verify().unwrap();
}

#[test]
fn bad_settings_are_refused_naming_the_field() {
    let field = |r: etunexus::Result<Cas>| match r {
        Err(Error::InvalidInput { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        field(Cas::builder("g", "", Secret::new("p")).build()),
        "username"
    );
    assert_eq!(
        field(Cas::builder("", "u", Secret::new("p")).build()),
        "group"
    );
    assert_eq!(
        field(Cas::builder("g", "u", Secret::new("")).build()),
        "password"
    );
    assert_eq!(
        field(
            Cas::builder("g", "u", Secret::new("p"))
                .host("https://x/y")
                .build()
        ),
        "host"
    );
    let cas = Cas::builder("g", "u", Secret::new("p")).build().unwrap();
    assert!(matches!(
        Emc2::builder(&cas).api_base("no-slash").build(),
        Err(Error::InvalidInput { .. })
    ));
}
