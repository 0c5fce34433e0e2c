//! The `tenantry-sim` binary and `Simulators`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Kills the child process when dropped (also when a test fails).
struct Guard(Child);

impl Guard {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn first_line(args: &[&str]) -> (Guard, serde_json::Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenantry-sim"))
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let guard = Guard(child);
    let line = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        }),
    )
    .await
    .unwrap()
    .unwrap()
    .unwrap();
    (guard, serde_json::from_str(line.trim_end()).unwrap())
}

#[tokio::test]
async fn serve_all_prints_one_json_line() {
    let (mut child, v) = first_line(&["serve", "--service", "all"]).await;
    let services = v["services"].as_object().unwrap();
    assert_eq!(services.len(), 6);
    let ecl = &services["ecl-sss"];
    assert_eq!(
        ecl["sss_url"],
        format!("{}/api/v1.0", ecl["url"].as_str().unwrap())
    );
    let cas = &services["cas"];
    assert_eq!(cas["group"], "workshop");
    assert_eq!(cas["username"], "alice");
    assert_eq!(cas["apps"].as_array().unwrap().len(), 3);
    let ks = &services["keystone"];
    assert_eq!(
        ks["auth_url"],
        format!("{}/v3", ks["url"].as_str().unwrap())
    );
    assert_eq!(ks["user_domain_id"], "default");
    assert_eq!(services["keycloak"]["realm"], "squonk2");

    // The servers answer.
    let login = reqwest::get(format!("{}/cas/login", cas["url"].as_str().unwrap()))
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let v3 = reqwest::get(ks["auth_url"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(v3.status(), 200);
    child.kill();
}

#[tokio::test]
async fn serve_one_service() {
    let (mut child, v) = first_line(&["serve", "--service", "keycloak"]).await;
    let services = v["services"].as_object().unwrap();
    assert_eq!(services.keys().collect::<Vec<_>>(), vec!["keycloak"]);
    assert_eq!(services["keycloak"]["client_id"], "account-server-api");
    child.kill();
}

#[tokio::test]
async fn simulators_start_all_and_seed_json() {
    let sims = tenantry_sim::Simulators::start_all().await.unwrap();
    let seed = sims.seed_json();
    assert_eq!(seed["cas"]["url"], sims.cas_server.base_url());
    assert_eq!(
        seed["cas"]["apps"][0]["service_url"],
        format!("{}/shiro-cas", sims.cas_server.base_url())
    );
    assert_eq!(
        seed["cas"]["apps"][1]["api_url"],
        format!("{}/ER/V3/recsrv/v1", sims.cas_server.base_url())
    );
    assert_eq!(
        seed["keystone"]["project_id"],
        "7e0b7c4a1a9f4b8e9f3c2d1e0a5b6c7d"
    );
    assert_eq!(seed["keycloak"]["url"], sims.keycloak_server.base_url());
    assert_eq!(seed["keycloak"]["username"], "dlister");
    assert_ne!(sims.cas_server.addr(), sims.keystone_server.addr());
}

#[tokio::test]
async fn serve_tls_bind_and_seed() {
    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/seed.example.json");
    let (mut child, v) = first_line(&[
        "serve",
        "--service",
        "all",
        "--tls",
        "--bind",
        "127.0.0.1",
        "--seed",
        seed,
    ])
    .await;
    let pem_path = v["tls"]["cert_pem"].as_str().unwrap().to_owned();
    let pem = std::fs::read(&pem_path).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap();
    let services = v["services"].as_object().unwrap();
    for (name, s) in services {
        let url = s["url"].as_str().unwrap();
        assert!(url.starts_with("https://127.0.0.1:"), "{name}: {url}");
        let health = client
            .get(format!("{url}/_sim/health"))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 200, "{name}");
    }
    // The seeded Keycloak user logs in over HTTPS, and the issuer says https.
    let kc = services["keycloak"]["url"].as_str().unwrap();
    let tok = client
        .post(format!("{kc}/realms/squonk2/protocol/openid-connect/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", "ops-cli"),
            ("client_secret", "ops-cli-secret"),
            ("username", "operator"),
            ("password", "operator-pass"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(tok.status(), 200);
    let realm: serde_json::Value = serde_json::from_str(
        &client
            .get(format!("{kc}/realms/squonk2"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(realm["token-service"]
        .as_str()
        .unwrap()
        .starts_with("https://127.0.0.1:"));
    // Without the certificate, no connection.
    assert!(reqwest::get(format!("{kc}/_sim/health")).await.is_err());
    child.kill();
    // Killed, the server could not remove its certificate file.
    let _ = std::fs::remove_file(&pem_path);
}

#[tokio::test]
async fn serve_rejects_a_bad_seed_naming_the_field() {
    let dir = std::env::temp_dir().join(format!("tenantry-sim-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.json");
    std::fs::write(&path, r#"{"keycloak": {"users": [{"username": "x"}]}}"#).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tenantry-sim"))
        .args(["serve", "--service", "keycloak", "--seed"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("password"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
