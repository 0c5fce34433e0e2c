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
    assert_eq!(services.len(), 4);
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
