//! The deliberate differences from the reference (crate docs, "Deliberate
//! differences"), each on its own, plus auth and secrets: the multipart
//! bytes, the trailing slash, the Keycloak form and token life, the prior
//! token, the missing token, and secrets kept out of Debug and errors.

use serde_json::json;
use squonk2_as::models::AssetScope;
use squonk2_as::{Error, RetryConfig, Secret, Squonk2Client};
use std::sync::Arc;
use tenantry_core::auth::bearer::KeycloakGrant;
use tenantry_core::http::Method;
use tenantry_core::transport::mock::{Expect, MockTransport, Reply};

const A: &str = "asset-44444444-5555-6666-7777-888888888888";
const TOKEN_PATH: &str = "/auth/realms/squonk2/protocol/openid-connect/token";

fn client(mock: &Arc<MockTransport>, base: &str) -> Squonk2Client {
    Squonk2Client::builder(base)
        .token(Secret::new("tok-1"))
        .retry(RetryConfig::disabled())
        .transport(mock.clone())
        .build()
        .unwrap()
}

/// The last request's multipart body with its boundary replaced by `B`,
/// after checking the Content-Type carries a random RFC 2046 boundary
/// (reqwest's: four 16-hex groups joined by `-`; the reference's is 32
/// hex characters, a deliberate difference no server can see).
fn multipart_body(mock: &MockTransport) -> String {
    let reqs = mock.requests();
    let req = reqs.last().unwrap();
    let ct = req.headers()["content-type"].to_str().unwrap().to_owned();
    let boundary = ct
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("{ct}"));
    let groups: Vec<&str> = boundary.split('-').collect();
    assert_eq!(groups.len(), 4, "{ct}");
    assert!(
        groups
            .iter()
            .all(|g| g.len() == 16 && g.bytes().all(|b| b.is_ascii_hexdigit())),
        "{ct}"
    );
    String::from_utf8(req.body().to_vec())
        .unwrap()
        .replace(boundary, "B")
}

fn part(name: &str, value: &str) -> String {
    format!("--B\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
}

/// A file named `name` holding `content`, in a directory of its own.
fn temp_file(dir: &str, name: &str, content: &[u8]) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("squonk2-as-{dir}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let p = d.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

fn file_part(filename: &str, content: &str) -> String {
    format!(
        "--B\r\nContent-Disposition: form-data; name=\"content_file\"; filename=\"{filename}\"\r\n\r\n{content}\r\n"
    )
}

#[tokio::test]
async fn create_asset_sends_the_reference_parts_and_an_empty_file_part_without_a_file() {
    let mock = Arc::new(MockTransport::new());
    let c = client(&mock, "http://as.test/account-server-api");
    mock.push(
        Expect::new(Method::POST, "/account-server-api/asset")
            .any_body()
            .reply(Reply::json(201, json!({"id": A}))),
    );
    let id = c
        .assets()
        .create()
        .name("a2")
        .scope(AssetScope::Unit)
        .scope_id("unit-22222222-3333-4444-5555-666666666666")
        .description("desc")
        .content_string("KEY=1")
        .send()
        .await
        .unwrap();
    assert_eq!(id.as_str(), A);
    let want = [
        part("name", "a2"),
        part("scope", "UNIT"),
        part("secret", "False"),
        part("description", "desc"),
        part("scope_id", "unit-22222222-3333-4444-5555-666666666666"),
        part("content_string", "KEY=1"),
        // Empty filename, empty content (the reference: its own source).
        file_part("", ""),
        "--B--\r\n".to_owned(),
    ]
    .concat();
    assert_eq!(multipart_body(&mock), want);
    mock.verify().unwrap();
}

#[tokio::test]
async fn create_asset_with_a_file_matches_the_captured_request() {
    let mock = Arc::new(MockTransport::new());
    let c = client(&mock, "http://as.test/account-server-api");
    mock.push(
        Expect::new(Method::POST, "/account-server-api/asset")
            .any_body()
            .reply(Reply::json(201, json!({"id": A}))),
    );
    let path = temp_file("captured", "content.txt", b"hello-file\n");
    c.assets()
        .create()
        .name("a2")
        .scope(AssetScope::User)
        .content_file(&path)
        .send()
        .await
        .unwrap();
    // §4.3, captured.
    let want = [
        part("name", "a2"),
        part("scope", "USER"),
        part("secret", "False"),
        file_part("content.txt", "hello-file\n"),
        "--B--\r\n".to_owned(),
    ]
    .concat();
    assert_eq!(multipart_body(&mock), want);
    mock.verify().unwrap();
}

#[tokio::test]
async fn alter_asset_sends_only_what_changes_and_quotes_a_filename() {
    let mock = Arc::new(MockTransport::new());
    let c = client(&mock, "http://as.test/account-server-api");
    for _ in 0..2 {
        mock.push(
            Expect::new(Method::PATCH, &format!("/account-server-api/asset/{A}"))
                .any_body()
                .reply(Reply::json(200, json!({}))),
        );
    }
    c.assets().alter(&A.parse().unwrap()).send().await.unwrap();
    assert_eq!(
        multipart_body(&mock),
        [file_part("", ""), "--B--\r\n".to_owned()].concat()
    );
    let path = temp_file("quoted", "x.bin", b"x");
    c.assets()
        .alter(&A.parse().unwrap())
        .description("d2")
        .content_file_open(tokio::fs::File::open(&path).await.unwrap(), "a\"b\r\n.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(
        multipart_body(&mock),
        [
            part("description", "d2"),
            file_part("a%22b%0D%0A.txt", "x"),
            "--B--\r\n".to_owned()
        ]
        .concat()
    );
    mock.verify().unwrap();
}

#[tokio::test]
async fn a_trailing_slash_on_the_url_gives_no_double_slash() {
    let mock = Arc::new(MockTransport::new());
    let c = client(&mock, "http://as.test/account-server-api/");
    mock.push(
        Expect::new(Method::GET, "/account-server-api/version")
            .reply(Reply::json(200, json!({"version": "1"}))),
    );
    c.version().await.unwrap();
    mock.verify().unwrap();
}

#[tokio::test]
async fn without_a_token_only_the_public_calls_go_out() {
    let mock = Arc::new(MockTransport::new());
    let c = Squonk2Client::builder("http://as.test/as")
        .retry(RetryConfig::disabled())
        .transport(mock.clone())
        .build()
        .unwrap();
    mock.push(
        Expect::new(Method::GET, "/as/event-stream/version")
            .no_header("authorization")
            .reply(Reply::json(200, json!({"version": "2"}))),
    );
    assert_eq!(
        c.event_streams()
            .version()
            .await
            .unwrap()
            .version
            .as_deref(),
        Some("2")
    );
    let e = c.account().await.unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput { field, .. } if field == "token"),
        "{e:?}"
    );
    assert_eq!(
        mock.requests().len(),
        1,
        "nothing sent for the tokened call"
    );
    mock.verify().unwrap();
}

fn keycloak_client(mock: &Arc<MockTransport>) -> Squonk2Client {
    let kc = Squonk2Client::keycloak("http://kc.test/auth", "squonk2", "account-server-api")
        .grant(KeycloakGrant::Password {
            username: "dlister".into(),
            password: Secret::new("p&ss w+rd%"),
        })
        .client_secret(Secret::new("planted-client-secret"))
        .build()
        .unwrap();
    Squonk2Client::builder("http://as.test/as")
        .keycloak(kc)
        .retry(RetryConfig::disabled())
        .transport(mock.clone())
        .build()
        .unwrap()
}

fn token_answer(token: &str, expires_in: u64) -> Expect {
    Expect::new(Method::POST, TOKEN_PATH)
        .header("content-type", "application/x-www-form-urlencoded")
        // Percent-encoded (the reference pastes `p&ss w+rd%` raw, §2.2).
        .body(
            "client_id=account-server-api&grant_type=password&username=dlister\
             &password=p%26ss+w%2Brd%25&client_secret=planted-client-secret",
        )
        .reply(Reply::json(
            200,
            json!({"access_token": token, "expires_in": expires_in, "token_type": "Bearer"}),
        ))
}

fn account(token: &str) -> Expect {
    Expect::new(Method::GET, "/as/user/account")
        .header("authorization", &format!("Bearer {token}"))
        .reply(Reply::json(200, json!({"username": "dlister"})))
}

#[tokio::test]
async fn keycloak_token_is_reused_until_60_s_before_expiry() {
    let mock = Arc::new(MockTransport::new());
    let c = keycloak_client(&mock);
    // 120 s left: reused for the second call.
    mock.push(token_answer("at-1", 120));
    mock.push(account("at-1"));
    mock.push(account("at-1"));
    c.account().await.unwrap();
    c.clone().account().await.unwrap();
    mock.verify().unwrap();

    // 50 s left: under the 60 s margin, so the next call gets a new one.
    let mock = Arc::new(MockTransport::new());
    let c = keycloak_client(&mock);
    mock.push(token_answer("at-1", 50));
    mock.push(account("at-1"));
    mock.push(token_answer("at-2", 3600));
    mock.push(account("at-2"));
    c.account().await.unwrap();
    c.account().await.unwrap();
    mock.verify().unwrap();
}

#[tokio::test]
async fn a_401_gets_a_new_token_once_and_replays_the_call() {
    let mock = Arc::new(MockTransport::new());
    let c = keycloak_client(&mock);
    mock.push(token_answer("at-old", 3600));
    mock.push(
        Expect::new(Method::GET, "/as/user/account")
            .header("authorization", "Bearer at-old")
            .reply(Reply::json(401, json!({"error": "Token expired"}))),
    );
    mock.push(token_answer("at-new", 3600));
    mock.push(account("at-new"));
    assert_eq!(
        c.account().await.unwrap().username.as_deref(),
        Some("dlister")
    );
    mock.verify().unwrap();
}

#[tokio::test]
async fn secrets_stay_out_of_debug_and_errors() {
    let mock = Arc::new(MockTransport::new());
    let c = keycloak_client(&mock);
    let dbg = format!("{c:?}");
    for s in ["p&ss w+rd%", "planted-client-secret"] {
        assert!(!dbg.contains(s), "{dbg}");
    }
    let builder = c
        .assets()
        .create()
        .name("n")
        .scope(AssetScope::Global)
        .secret(true)
        .content_string("planted-content");
    // (Checked before the mock holds the canned answers: its Debug shows them.)
    let bdbg = format!("{builder:?}");
    assert!(!bdbg.contains("planted-content"), "{bdbg}");
    // A server that echoes the access token and the asset content back.
    mock.push(token_answer("planted-access-token", 3600));
    mock.push(
        Expect::new(Method::POST, "/as/asset")
            .any_body()
            .reply(Reply::json(
                500,
                json!({"error": "bad planted-access-token planted-content"}),
            )),
    );
    let e = builder.send().await.unwrap_err();
    let shown = format!("{e} {e:?}");
    for s in ["planted-access-token", "planted-content"] {
        assert!(!shown.contains(s), "{shown}");
    }
    assert_eq!(e.status(), Some(500));
    mock.verify().unwrap();
}

#[tokio::test]
async fn concurrent_first_calls_share_one_keycloak_token_request() {
    let mock = Arc::new(MockTransport::unordered());
    let c = keycloak_client(&mock);
    mock.push(token_answer("at-1", 3600));
    mock.push(account("at-1").times(20));
    let calls = (0..20).map(|_| {
        let c = c.clone();
        async move { c.account().await }
    });
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
    mock.verify().unwrap();
}

fn retrying(mock: &Arc<MockTransport>) -> Squonk2Client {
    Squonk2Client::builder("http://as.test/as")
        .token(Secret::new("tok-1"))
        .retry(
            RetryConfig::standard()
                .initial_backoff(std::time::Duration::from_millis(1))
                .max_backoff(std::time::Duration::from_millis(5)),
        )
        .transport(mock.clone())
        .build()
        .unwrap()
}

#[tokio::test]
async fn reads_are_retried_and_creates_are_not() {
    let mock = Arc::new(MockTransport::new());
    let c = retrying(&mock);
    mock.push(Expect::new(Method::GET, "/as/unit").reply(Reply::status(503)));
    mock.push(Expect::new(Method::GET, "/as/unit").reply(Reply::json(200, json!({"units": []}))));
    assert!(c.units().list().send().await.unwrap().is_empty());
    mock.verify().unwrap();

    // PUT /personal-unit creates: one attempt, whatever the answer.
    let mock = Arc::new(MockTransport::new());
    let c = retrying(&mock);
    mock.push(
        Expect::new(Method::PUT, "/as/personal-unit")
            .any_body()
            .reply(Reply::status(503)),
    );
    assert_eq!(
        c.units().create_personal(3).await.unwrap_err().status(),
        Some(503)
    );
    mock.push(
        Expect::new(Method::POST, "/as/organisation")
            .any_body()
            .reply(Reply::status(503)),
    );
    let e = c
        .organisations()
        .create()
        .name("A")
        .owner("o")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(503));
    mock.verify().unwrap();
}

#[tokio::test]
async fn a_content_file_that_cannot_be_sent_is_refused_before_anything_is_sent() {
    let mock = Arc::new(MockTransport::new());
    let c = client(&mock, "http://as.test/account-server-api");
    let e = c
        .assets()
        .create()
        .name("a2")
        .scope(AssetScope::User)
        .content_file("/nonexistent/squonk2/content.txt")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput { field, .. } if field == "content_file"),
        "{e:?}"
    );
    // An open file needs a name: the server reads an empty one as no file.
    let path = temp_file("noname", "x.bin", b"x");
    let e = c
        .assets()
        .alter(&A.parse().unwrap())
        .content_file_open(tokio::fs::File::open(&path).await.unwrap(), "")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput { field, .. } if field == "content_file"),
        "{e:?}"
    );
    assert!(mock.requests().is_empty());
    mock.verify().unwrap();
}

/// A JWT (unsigned: the client never checks signatures) expiring `left`
/// seconds from now.
fn jwt_expiring_in(left: i64) -> String {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    format!(
        "{}.{}.c2ln",
        b64(r#"{"alg":"RS256","typ":"JWT"}"#),
        b64(&format!(
            r#"{{"exp":{},"preferred_username":"dlister"}}"#,
            now + left
        ))
    )
}

fn prior_client(mock: &Arc<MockTransport>, prior: &str) -> Squonk2Client {
    let kc = Squonk2Client::keycloak("http://kc.test/auth", "squonk2", "account-server-api")
        .grant(KeycloakGrant::Password {
            username: "dlister".into(),
            password: Secret::new("p&ss w+rd%"),
        })
        .client_secret(Secret::new("planted-client-secret"))
        .build()
        .unwrap();
    Squonk2Client::builder("http://as.test/as")
        .keycloak(kc)
        .prior_token(Secret::new(prior))
        .retry(RetryConfig::disabled())
        .transport(mock.clone())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_prior_token_is_checked_locally_and_reused_or_replaced() {
    // (what, prior token, a login expected)
    let hour = jwt_expiring_in(3600);
    let table: Vec<(&str, String, bool)> = vec![
        (
            "one hour left: reused, no token request",
            hour.clone(),
            false,
        ),
        ("90 s left: reused", jwt_expiring_in(90), false),
        (
            "30 s left (the reference's case): one login",
            jwt_expiring_in(30),
            true,
        ),
        ("expired: one login", jwt_expiring_in(-10), true),
        ("not a JWT: one login", "opaque-token".to_owned(), true),
        (
            "two segments, not a JWT: one login",
            hour.rsplit_once('.').unwrap().0.to_owned(),
            true,
        ),
        ("empty: one login", String::new(), true),
    ];
    for (what, prior, login) in table {
        // The mock fails on any request not scripted: with a usable prior
        // token, a token request would be one.
        let mock = Arc::new(MockTransport::new());
        let c = prior_client(&mock, &prior);
        let used = if login {
            mock.push(token_answer("at-new", 3600));
            "at-new".to_owned()
        } else {
            prior.clone()
        };
        mock.push(account(&used).times(2));
        c.account().await.unwrap_or_else(|e| panic!("{what}: {e}"));
        c.account().await.unwrap_or_else(|e| panic!("{what}: {e}"));
        mock.verify().unwrap_or_else(|e| panic!("{what}: {e}"));
        let logins = mock
            .requests()
            .iter()
            .filter(|r| r.uri().path() == TOKEN_PATH)
            .count();
        assert_eq!(logins, usize::from(login), "{what}");
    }
}

#[tokio::test]
async fn a_prior_token_needs_a_keycloak_login_and_never_shows() {
    let prior = jwt_expiring_in(3600);
    let e = Squonk2Client::builder("http://as.test/as")
        .token(Secret::new("t"))
        .prior_token(Secret::new(prior.clone()))
        .build()
        .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput { field, .. } if field == "prior_token"),
        "{e:?}"
    );
    // Refused by the server, then the login fails: no trace of it.
    let mock = Arc::new(MockTransport::new());
    let c = prior_client(&mock, &prior);
    mock.push(
        Expect::new(Method::GET, "/as/user/account")
            .header("authorization", &format!("Bearer {prior}"))
            .reply(Reply::json(
                401,
                json!({"error": format!("bad token {prior}")}),
            )),
    );
    mock.push(
        Expect::new(Method::POST, TOKEN_PATH)
            .any_body()
            .reply(Reply::json(
                401,
                json!({"error": "invalid_grant", "echo": prior}),
            )),
    );
    let e = c.account().await.unwrap_err();
    let payload = prior.split('.').nth(1).unwrap();
    let shown = format!("{c:?}\n{e}\n{e:?}");
    assert!(!shown.contains(payload), "{shown}");
    mock.verify().unwrap();
}
