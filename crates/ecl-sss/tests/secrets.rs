//! Planted secrets — the API secret (Keystone password), the token, a new
//! user's password, credentials in answers — never show in Debug, Display,
//! errors or serialized models, even when a server echoes them back.

use ecl_sss::{EclSssClient, Error, RetryConfig, Secret};
use serde_json::json;
use std::sync::Arc;
use tenantry_core::http::Method;
use tenantry_core::transport::mock::{Expect, MockTransport, Reply};

const API_SECRET: &str = "api-secret-PLANTED-1";
const TOKEN: &str = "tok-PLANTED-2";
const USER_PW: &str = "user-pw-PLANTED-3";
const TENANT: &str = "7e0b7c4a1a9f4b8e9f3c2d1e0a5b6c7d";

fn client(mock: &Arc<MockTransport>) -> EclSssClient {
    EclSssClient::builder("http://keystone.test/v3")
        .username("key-1")
        .password(Secret::new(API_SECRET))
        .project_id(TENANT.parse().unwrap())
        .endpoint_override("http://sss.test/api/v1.0")
        .skip_discovery()
        .retry(RetryConfig::disabled())
        .transport(mock.clone())
        .build()
        .unwrap()
}

fn login() -> Expect {
    Expect::new(Method::POST, "/v3/auth/tokens")
        .any_body()
        .reply(
            Reply::json(
                201,
                json!({"token": {"expires_at": "2099-01-01T00:00:00.000000Z"}}),
            )
            .header("x-subject-token", TOKEN),
        )
}

fn assert_clean(text: &str) {
    for s in [API_SECRET, TOKEN, USER_PW] {
        assert!(!text.contains(s), "{s} leaked in: {text}");
    }
}

#[tokio::test]
async fn an_echoing_server_leaks_nothing_into_errors() {
    let mock = Arc::new(MockTransport::new());
    // (Before the script is loaded: the mock's own Debug shows its replies.)
    let c = client(&mock);
    assert_clean(&format!("{c:?}"));
    mock.push(login());
    let echo = format!("rejected: token {TOKEN}, secret {API_SECRET}, password {USER_PW}");
    mock.push(
        Expect::new(Method::POST, "/api/v1.0/users")
            .any_body()
            .reply(Reply::json(400, json!({"message": echo}))),
    );
    let e = c
        .users()
        .create()
        .login_id("alice")
        .mail_address("alice@example.com")
        .password(Secret::new(USER_PW))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Api(_)), "{e:?}");
    assert_eq!(e.status(), Some(400));
    assert_clean(&format!("{e}"));
    assert_clean(&format!("{e:?}"));
    mock.verify().unwrap();
}

#[tokio::test]
async fn a_refused_login_echoing_the_secret_is_scrubbed() {
    let mock = Arc::new(MockTransport::new());
    mock.push(
        Expect::new(Method::POST, "/v3/auth/tokens")
            .any_body()
            .reply(Reply::json(
                401,
                json!({"error": {"code": 401, "title": "Unauthorized",
                         "message": format!("bad password {API_SECRET}")}}),
            )),
    );
    let e = client(&mock).users().list().await.unwrap_err();
    assert!(matches!(e, Error::Auth(_)), "{e:?}");
    assert_clean(&format!("{e}"));
    assert_clean(&format!("{e:?}"));
    mock.verify().unwrap();
}

#[tokio::test]
async fn credentials_in_answers_are_masked_when_shown() {
    let mock = Arc::new(MockTransport::new());
    mock.push(login());
    mock.push(
        Expect::new(Method::GET, "/api/v1.0/users/ecid1000000001").reply(Reply::json(
            200,
            json!({"user_id": "ecid1000000001", "keystone_name": "key-1",
                   "keystone_password": API_SECRET, "password": USER_PW}),
        )),
    );
    let c = client(&mock);
    let u = c
        .users()
        .get(&"ecid1000000001".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(
        u.keystone_password.as_ref().map(Secret::expose),
        Some(API_SECRET)
    );
    assert_clean(&format!("{u:?}"));
    assert_clean(&serde_json::to_string(&u).unwrap());
    mock.verify().unwrap();
}
