//! `tenantry etu …` run as a process against the Etu Nexus simulator
//! (in-process, over TLS with its self-signed certificate trusted through
//! `TENANTRY_ETUNEXUS_CA_CERT`): every one of the 67 commands as a step —
//! its arguments, the request the simulator's journal saw (method, path,
//! key query and body pieces), what stdout showed (JSON) and, for writes,
//! the simulator's state; `--dry-run` sends nothing but the CAS login; a
//! bad id is refused before anything is sent, naming the argument;
//! configuration errors; completion lists `etu`.

mod common;

use common::{run, tenantry, text};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Mutex;
use tenantry::etunexus::enums::{BandGeneOperator, EventAction, LogicAlgType};
use tenantry::etunexus::models::ei::{Band, BandGene};
use tenantry::etunexus::models::er::{
    AlgInstance, AlgSetting, AlgTraining, Campaign, CfSetting, DataSourceRef, Logic,
};
use tenantry_sim::etunexus::*;
use tenantry_sim::{EtunexusSim, JournalEntry, SimOptions, SimServer, SimTls};

/// A login: group, user, password.
type Who = (&'static str, &'static str, &'static str);
const ADMIN: Who = (SEED_SYSTEM_GROUP, SEED_ADMIN, SEED_ADMIN_PASSWORD);
const WS: Who = (SEED_GROUP, SEED_GROUP_ADMIN, SEED_GROUP_ADMIN_PASSWORD);
const NEW_PASSWORD: &str = "planted-new-User-Pass1";
const NEW_PASSWORD_2: &str = "planted-new-User-Pass2";
const SECRETS: &[&str] = &[
    SEED_ADMIN_PASSWORD,
    SEED_GROUP_ADMIN_PASSWORD,
    SEED_USER_PASSWORD,
    NEW_PASSWORD,
    NEW_PASSWORD_2,
];

struct World {
    sim: EtunexusSim,
    server: SimServer,
    dir: PathBuf,
    covered: Mutex<BTreeSet<String>>,
}

async fn world(name: &str) -> World {
    let sim = EtunexusSim::seeded();
    let server = SimServer::start_with(
        sim.router(),
        SimOptions::new().tls(SimTls::self_signed().unwrap()),
    )
    .await
    .unwrap();
    let dir = std::env::temp_dir().join(format!("tenantry-cli-etu-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("ca.pem"), server.tls_cert_pem().unwrap()).unwrap();
    World {
        sim,
        server,
        dir,
        covered: Mutex::new(BTreeSet::new()),
    }
}

impl World {
    /// `tenantry etu ARGS` as `who`, configured by the variables.
    fn etu(&self, who: Who, args: &[&str]) -> Command {
        let mut cmd = tenantry();
        let base = self.server.base_url();
        cmd.env("TENANTRY_ETUNEXUS_CAS_URL", &base)
            .env("TENANTRY_ETUNEXUS_APP_URL", &base)
            .env("TENANTRY_ETUNEXUS_CA_CERT", self.dir.join("ca.pem"))
            .env("TENANTRY_ETUNEXUS_GROUP", who.0)
            .env("TENANTRY_ETUNEXUS_USERNAME", who.1)
            .env("TENANTRY_ETUNEXUS_PASSWORD", who.2)
            .arg("etu")
            .args(args);
        cmd
    }

    /// A file in the test's directory holding `content`; its path.
    fn file(&self, name: &str, content: &str) -> String {
        let p = self.dir.join(name);
        std::fs::write(&p, content).unwrap();
        p.display().to_string()
    }

    /// Runs one command and checks the last request it made past the CAS
    /// login: method, path, a piece of the query and of the body. Returns
    /// stdout as JSON (exit 0, no secret printed).
    async fn step(
        &self,
        who: Who,
        args: &[&str],
        method: &str,
        path: &str,
        query: Option<&str>,
        body: Option<&str>,
    ) -> Value {
        let before = self.server.journal().entries().len();
        let out = run(self.etu(who, args), None).await;
        let v = ok_json(&out);
        let entries = self.server.journal().entries();
        let sent: Vec<&JournalEntry> = entries[before..].iter().filter(|e| !cas(e)).collect();
        let name = args.join(" ");
        let last = sent
            .last()
            .unwrap_or_else(|| panic!("{name}: nothing sent"));
        assert_eq!(last.method, method, "{name}");
        if let Some(prefix) = path.strip_suffix('*') {
            assert!(last.path.starts_with(prefix), "{name}: {}", last.path);
        } else {
            assert_eq!(last.path, path, "{name}");
        }
        if let Some(q) = query {
            let got = last.query.clone().unwrap_or_default();
            assert!(got.contains(q), "{name}: query {got}");
        }
        if let Some(b) = body {
            let got = last.body_str();
            assert!(got.contains(b), "{name}: body {got}");
        }
        let op: Vec<&str> = args.iter().take(3).copied().collect();
        self.covered.lock().unwrap().insert(op.join(" "));
        v
    }
}

impl Drop for World {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

/// A step of the CAS login (TGT, service ticket, shiro-cas session).
fn cas(e: &JournalEntry) -> bool {
    e.path.starts_with("/cas/") || e.path.ends_with("/shiro-cas")
}

fn assert_no_secrets(s: &str) {
    for t in SECRETS {
        assert!(!s.contains(t), "secret {t} printed:\n{s}");
    }
}

/// Exit 0, no secret anywhere, stdout as JSON.
fn ok_json(out: &Output) -> Value {
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_no_secrets(&stdout);
    assert_no_secrets(&stderr);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

fn has(v: &Value, key: &str, want: &Value) -> bool {
    v.as_array()
        .is_some_and(|a| a.iter().any(|r| &r[key] == want))
}

fn has_id(list: &Value, id: &str) -> bool {
    list.as_array().is_some_and(|a| {
        a.iter()
            .any(|x| x.as_u64().map(|n| n.to_string()).as_deref() == Some(id))
    })
}

fn id_of(v: &Value) -> String {
    v["id"]
        .as_u64()
        .unwrap_or_else(|| panic!("no id: {v}"))
        .to_string()
}

const EMC: &str = "/commsrv/v1";
const ER: &str = "/ER/V3/recsrv/v1";
const EI: &str = "/EI/V3/service/v1";

fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_against_the_simulator() {
    let w = world("all").await;
    let ws = w.sim.group_id(SEED_GROUP).unwrap().to_string();
    emc(&w, &ws).await;
    er(&w, &ws).await;
    ei(&w, &ws).await;
    let covered = w.covered.lock().unwrap().clone();
    assert_eq!(covered.len(), 67, "{covered:#?}");
    for app in ["emc", "er", "ei"] {
        assert!(covered.iter().any(|c| c.starts_with(app)));
    }
}

async fn emc(w: &World, ws: &str) {
    let v = w
        .step(
            ADMIN,
            &["emc", "system", "info"],
            "GET",
            &format!("{EMC}/system/version"),
            None,
            None,
        )
        .await;
    assert!(v["version"].is_string(), "{v}");
    let v = w
        .step(
            ADMIN,
            &["emc", "groups", "list"],
            "GET",
            &format!("{EMC}/group"),
            None,
            None,
        )
        .await;
    assert!(has(&v, "name", &json!(SEED_GROUP)), "{v}");
    let g = w
        .step(
            ADMIN,
            &[
                "emc",
                "groups",
                "create",
                "--name",
                "cli_group",
                "--display-name",
                "CLI group",
            ],
            "POST",
            &format!("{EMC}/group"),
            None,
            Some("\"cli_group\""),
        )
        .await;
    let gid = id_of(&g);
    assert_eq!(w.sim.group_id("cli_group").unwrap().to_string(), gid);
    let f = w.file("group.json", &g.to_string());
    let v = w
        .step(
            ADMIN,
            &[
                "emc",
                "groups",
                "update",
                &gid,
                "--file",
                &f,
                "--display-name",
                "CLI group 2",
            ],
            "POST",
            &format!("{EMC}/group/{gid}"),
            None,
            Some("CLI group 2"),
        )
        .await;
    assert_eq!(v["displayName"], "CLI group 2");
    let v = w
        .step(
            ADMIN,
            &["emc", "users", "me"],
            "GET",
            &format!("{EMC}/user/me"),
            None,
            None,
        )
        .await;
    assert_eq!(v["name"], SEED_ADMIN);
    let v = w
        .step(
            ADMIN,
            &["emc", "users", "list", ws],
            "GET",
            &format!("{EMC}/group/{ws}/user"),
            None,
            None,
        )
        .await;
    assert!(has(&v, "name", &json!(SEED_USER)), "{v}");
    let pw = w.file("pw.txt", &format!("{NEW_PASSWORD}\n"));
    let u = w
        .step(
            ADMIN,
            &[
                "emc",
                "users",
                "create",
                ws,
                "--name",
                "cli_user",
                "--display-name",
                "CLI user",
                "--password-file",
                &pw,
                "--role",
                "ETU-INSIGHT=Operator",
            ],
            "POST",
            &format!("{EMC}/group/{ws}/user"),
            None,
            // The password goes on the wire, never to stdout (ok_json).
            Some(NEW_PASSWORD),
        )
        .await;
    let uid = id_of(&u);
    assert_eq!(
        w.sim.user_roles(SEED_GROUP, "cli_user").unwrap(),
        vec![("Operator".to_owned(), APP_EI.to_owned())]
    );
    let f = w.file("user.json", &u.to_string());
    let v = w
        .step(
            ADMIN,
            &[
                "emc",
                "users",
                "update",
                &uid,
                "--file",
                &f,
                "--role",
                "ETU-RECOMMENDER=ADMIN",
            ],
            "POST",
            &format!("{EMC}/user/{uid}"),
            None,
            Some("\"password\": null"),
        )
        .await;
    assert_eq!(v["roles"], json!([{"roleName": "ADMIN", "appId": APP_ER}]));
    assert_eq!(
        w.sim.user_roles(SEED_GROUP, "cli_user").unwrap(),
        vec![("ADMIN".to_owned(), APP_ER.to_owned())]
    );
    let pw2 = w.file("pw2.txt", &format!("{NEW_PASSWORD_2}\n"));
    let v = w
        .step(
            ADMIN,
            &[
                "emc",
                "users",
                "change-password",
                &uid,
                "--password-file",
                &pw2,
            ],
            "POST",
            &format!("{EMC}/user/{uid}/password"),
            None,
            Some(NEW_PASSWORD_2),
        )
        .await;
    assert_eq!(v["done"], true);
    let v = w
        .step(
            ADMIN,
            &["emc", "users", "delete", &uid],
            "DELETE",
            &format!("{EMC}/user/{uid}"),
            None,
            None,
        )
        .await;
    assert_eq!(v, json!({"user_id": uid, "action": "delete", "done": true}));
    assert_eq!(w.sim.user_id(SEED_GROUP, "cli_user"), None);
    let v = w
        .step(
            ADMIN,
            &["emc", "apps", "list"],
            "GET",
            &format!("{EMC}/app"),
            None,
            None,
        )
        .await;
    assert_eq!(v.as_array().unwrap().len(), 3, "{v}");
    let v = w
        .step(
            ADMIN,
            &["emc", "apps", "permissions", APP_ER],
            "GET",
            &format!("{EMC}/app/{APP_ER}/permission"),
            None,
            None,
        )
        .await;
    assert!(has(&v, "id", &json!("LOGIC")), "{v}");
    let roles = w
        .step(
            ADMIN,
            &["emc", "apps", "roles", APP_ER],
            "GET",
            &format!("{EMC}/app/{APP_ER}/role"),
            None,
            None,
        )
        .await;
    let viewer = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Viewer")
        .unwrap_or_else(|| panic!("{roles}"));
    let f = w.file("role.json", &viewer.to_string());
    let v = w
        .step(
            ADMIN,
            &["emc", "apps", "update-role", APP_ER, "--file", &f],
            "POST",
            &format!("{EMC}/app/{APP_ER}/role"),
            None,
            Some("\"Viewer\""),
        )
        .await;
    assert_eq!(v["name"], "Viewer", "{v}");
    let v = w
        .step(
            ADMIN,
            &["emc", "data-sources", "list", ws],
            "GET",
            &format!("{EMC}/group/{ws}/data-source"),
            None,
            None,
        )
        .await;
    assert!(has(&v, "name", &json!("ws_behavior")), "{v}");
    let behavior = v
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "ws_behavior")
        .map(id_of)
        .unwrap();
    let ds = w
        .step(
            ADMIN,
            &[
                "emc",
                "data-sources",
                "create",
                ws,
                "--name",
                "cli_ds",
                "--display-name",
                "CLI ds",
                "--app",
                APP_ER,
                "--content-type",
                "item",
            ],
            "POST",
            &format!("{EMC}/group/{ws}/data-source"),
            None,
            Some("\"cli_ds\""),
        )
        .await;
    let dsid = id_of(&ds);
    let mut ds2 = ds.clone();
    ds2["displayName"] = json!("CLI ds 2");
    let f = w.file("ds.json", &ds2.to_string());
    let v = w
        .step(
            ADMIN,
            &["emc", "data-sources", "update", &dsid, "--file", &f],
            "POST",
            &format!("{EMC}/data-source/{dsid}"),
            None,
            Some("CLI ds 2"),
        )
        .await;
    assert_eq!(v["displayName"], "CLI ds 2");
    let exp = w
        .step(
            ADMIN,
            &["emc", "data-sources", "exporter", &behavior],
            "GET",
            &format!("{EMC}/data-source/{behavior}/exporter"),
            None,
            None,
        )
        .await;
    let enabled = exp["enabled"].as_bool().unwrap_or_else(|| panic!("{exp}"));
    let mut exp2 = exp.clone();
    exp2["enabled"] = json!(!enabled);
    let f = w.file("exporter.json", &exp2.to_string());
    let v = w
        .step(
            ADMIN,
            &[
                "emc",
                "data-sources",
                "update-exporter",
                &behavior,
                "--file",
                &f,
            ],
            "POST",
            &format!("{EMC}/data-source/{behavior}/exporter"),
            None,
            Some("\"enabled\""),
        )
        .await;
    assert_eq!(v["enabled"], !enabled, "{v}");
    let v = w
        .step(
            ADMIN,
            &["emc", "data-sources", "delete", &dsid],
            "DELETE",
            &format!("{EMC}/data-source/{dsid}"),
            None,
            None,
        )
        .await;
    assert_eq!(v["done"], true);
    let v = w
        .step(
            ADMIN,
            &["emc", "data-sources", "schema", "behavior"],
            "GET",
            &format!("{EMC}/data-source/schema/behavior"),
            None,
            None,
        )
        .await;
    assert!(!v.as_array().unwrap().is_empty(), "{v}");
    let (from, to) = (
        (today() - time::Duration::days(1)).to_string(),
        (today() + time::Duration::days(1)).to_string(),
    );
    let v = w
        .step(
            ADMIN,
            &["emc", "audit-logs", "list", "--start", &from, "--end", &to],
            "GET",
            &format!("{EMC}/audit"),
            Some("startTime="),
            None,
        )
        .await;
    assert!(v["events"].is_array(), "{v}");
    let v = w
        .step(
            ADMIN,
            &["emc", "groups", "delete", &gid],
            "DELETE",
            &format!("{EMC}/group/{gid}"),
            None,
            None,
        )
        .await;
    assert_eq!(v["done"], true);
    assert_eq!(w.sim.group_id("cli_group"), None);
}

fn behavior_ref() -> DataSourceRef {
    DataSourceRef::new("1".parse().unwrap(), "ws_behavior")
}

async fn er(w: &World, ws: &str) {
    let v = w
        .step(
            WS,
            &["er", "groups", "list"],
            "GET",
            &format!("{ER}/group"),
            None,
            None,
        )
        .await;
    assert!(has(&v, "name", &json!(SEED_GROUP)), "{v}");
    let v = w
        .step(
            WS,
            &["er", "data-sources", "list", ws],
            "GET",
            &format!("{ER}/group/{ws}/data-source"),
            None,
            None,
        )
        .await;
    assert!(has(&v, "name", &json!("ws_behavior")), "{v}");
    let cf = AlgSetting::UserBasedCf(CfSetting::new(behavior_ref(), 30, vec![EventAction::View]));
    let logic = Logic::new(
        "cli_logic",
        "CLI logic",
        LogicAlgType::UserBase,
        10,
        vec![AlgInstance::new(cf, 1).unwrap()],
    );
    let f = w.file("logic.json", &serde_json::to_string(&logic).unwrap());
    let l = w
        .step(
            WS,
            &["er", "logics", "create", ws, "--file", &f],
            "POST",
            &format!("{ER}/group/{ws}/logic"),
            None,
            Some("\"cli_logic\""),
        )
        .await;
    let lid = id_of(&l);
    assert_eq!(w.sim.count("logics"), 1);
    let v = w
        .step(
            WS,
            &["er", "logics", "list", ws],
            "GET",
            &format!("{ER}/group/{ws}/logic"),
            None,
            None,
        )
        .await;
    assert!(has(&v, "id", &json!(lid.parse::<u64>().unwrap())), "{v}");
    let mut l2 = l.clone();
    l2["numberOfRec"] = json!(20);
    let f = w.file("logic2.json", &l2.to_string());
    let v = w
        .step(
            WS,
            &["er", "logics", "update", &lid, "--file", &f],
            "POST",
            &format!("{ER}/logic/{lid}"),
            None,
            Some("\"numberOfRec\": 20"),
        )
        .await;
    assert_eq!(v["numberOfRec"], 20);
    let f = w.file(
        "layout.json",
        r#"{"dataSrcName": "ws_item", "loName": "cli", "loTitle": "CLI picks"}"#,
    );
    w.step(
        WS,
        &["er", "layouts", "update", &lid, "--file", &f],
        "POST",
        &format!("{ER}/logic/{lid}/layout"),
        None,
        Some("CLI picks"),
    )
    .await;
    let v = w
        .step(
            WS,
            &["er", "layouts", "get", &lid],
            "GET",
            &format!("{ER}/logic/{lid}/layout"),
            None,
            None,
        )
        .await;
    assert_eq!(v["loTitle"], "CLI picks", "{v}");
    let start = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    let mut c = Campaign::new(
        ws.parse().unwrap(),
        "cli_campaign",
        "CLI campaign",
        start,
        start + time::Duration::days(7),
    );
    c.logics = vec![serde_json::from_value(l.clone()).unwrap()];
    let f = w.file("campaign.json", &serde_json::to_string(&c).unwrap());
    let c = w
        .step(
            WS,
            &["er", "campaigns", "create", ws, "--file", &f],
            "POST",
            &format!("{ER}/group/{ws}/campaign"),
            None,
            Some("\"cli_campaign\""),
        )
        .await;
    let cid = id_of(&c);
    assert_eq!(w.sim.count("campaigns"), 1);
    let v = w
        .step(
            WS,
            &["er", "campaigns", "list", ws],
            "GET",
            &format!("{ER}/group/{ws}/campaign"),
            None,
            None,
        )
        .await;
    assert!(has(&v, "name", &json!("cli_campaign")), "{v}");
    let mut c2 = c.clone();
    c2["displayName"] = json!("CLI campaign 2");
    let f = w.file("campaign2.json", &c2.to_string());
    let v = w
        .step(
            WS,
            &["er", "campaigns", "update", &cid, "--file", &f],
            "POST",
            &format!("{ER}/campaign/{cid}"),
            None,
            Some("CLI campaign 2"),
        )
        .await;
    assert_eq!(v["displayName"], "CLI campaign 2");
    w.step(
        WS,
        &["er", "campaigns", "delete", &cid],
        "DELETE",
        &format!("{ER}/campaign/{cid}"),
        None,
        None,
    )
    .await;
    assert_eq!(w.sim.count("campaigns"), 0);
    w.step(
        WS,
        &["er", "logics", "delete", &lid],
        "DELETE",
        &format!("{ER}/logic/{lid}"),
        None,
        None,
    )
    .await;
    assert_eq!(w.sim.count("logics"), 0);
    let csv = w.file("uf.csv", "uid\nws-u01\nws-u02\n");
    let uf = w
        .step(
            WS,
            &[
                "er",
                "user-filters",
                "create",
                ws,
                "--name",
                "vip",
                "--display-name",
                "VIP",
                "--csv",
                &csv,
            ],
            "POST",
            &format!("{ER}/group/{ws}/userfilter"),
            None,
            Some("ws-u02"),
        )
        .await;
    let ufid = id_of(&uf);
    let v = w
        .step(
            WS,
            &["er", "user-filters", "list", ws],
            "GET",
            &format!("{ER}/group/{ws}/userfilter"),
            None,
            None,
        )
        .await;
    assert!(has(&v, "name", &json!("vip")), "{v}");
    let v = w
        .step(
            WS,
            &[
                "er",
                "user-filters",
                "update",
                &ufid,
                "--name",
                "vip",
                "--display-name",
                "VIP 2",
                "--csv",
                &csv,
            ],
            "POST",
            &format!("{ER}/userfilter/{ufid}"),
            None,
            Some("VIP 2"),
        )
        .await;
    assert_eq!(v["displayName"], "VIP 2");
    w.step(
        WS,
        &["er", "user-filters", "delete", &ufid],
        "DELETE",
        &format!("{ER}/userfilter/{ufid}"),
        None,
        None,
    )
    .await;
    let t = AlgTraining::lda(behavior_ref(), 5).unwrap();
    let f = w.file("training.json", &serde_json::to_string(&t).unwrap());
    let v = w
        .step(
            WS,
            &["er", "alg-trainings", "create", ws, "--file", &f],
            "POST",
            &format!("{ER}/group/{ws}/algtraining"),
            None,
            Some("\"algId\""),
        )
        .await;
    assert!(v["id"].is_u64(), "{v}");
    let v = w
        .step(
            WS,
            &["er", "alg-trainings", "list", ws],
            "GET",
            &format!("{ER}/group/{ws}/algtraining"),
            None,
            None,
        )
        .await;
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
}

async fn ei(w: &World, ws: &str) {
    let v = w
        .step(
            WS,
            &["ei", "users", "me"],
            "GET",
            &format!("{EI}/user/me"),
            None,
            None,
        )
        .await;
    assert_eq!(v["name"], SEED_GROUP_ADMIN);
    let v = w
        .step(
            WS,
            &["ei", "users", "superme"],
            "GET",
            &format!("{EI}/user/superme"),
            None,
            None,
        )
        .await;
    assert_eq!(v["name"], SEED_GROUP_ADMIN);
    let v = w
        .step(
            WS,
            &["ei", "genes", "categories", ws],
            "GET",
            &format!("{EI}/genecategory"),
            Some(&format!("groupId={ws}")),
            None,
        )
        .await;
    assert!(v.to_string().contains("gender"), "{v}");
    w.step(
        WS,
        &["ei", "genes", "fixed-categories"],
        "GET",
        &format!("{EI}/fixedgenecategory"),
        None,
        None,
    )
    .await;
    let f = w.file(
        "schema.json",
        r#"{"name": "cli fixed", "genes": [{"id": "f_tier", "name": "Tier"}]}"#,
    );
    let v = w
        .step(
            WS,
            &["ei", "genes", "upload-fixed-schema", ws, "--file", &f],
            "POST",
            &format!("{EI}/fixedgene/schema"),
            None,
            Some("f_tier"),
        )
        .await;
    assert_eq!(v["name"], "cli fixed", "{v}");
    let f = w.file("fixed.csv", "uid,f_tier\nws-u01,gold\n");
    let v = w
        .step(
            WS,
            &["ei", "genes", "upload-fixed-data", ws, "--file", &f],
            "POST",
            &format!("{EI}/fixedgene/data"),
            None,
            Some("ws-u01,gold"),
        )
        .await;
    assert!(v.to_string().contains("imported"), "{v}");
    let bc = w
        .step(
            WS,
            &["ei", "band-categories", "create", "--name", "cli cat"],
            "POST",
            &format!("{EI}/bandcategory"),
            None,
            Some("name=cli"),
        )
        .await;
    let bcid = id_of(&bc);
    let v = w
        .step(
            WS,
            &[
                "ei",
                "band-categories",
                "update",
                &bcid,
                "--name",
                "cli cat 2",
            ],
            "POST",
            &format!("{EI}/bandcategory/{bcid}"),
            None,
            Some("cat+2"),
        )
        .await;
    assert_eq!(v["name"], "cli cat 2");
    let behavior = "1";
    let band = Band::gene(
        bcid.parse().unwrap(),
        "women",
        BandGene::new(
            "gender".parse().unwrap(),
            behavior.parse().unwrap(),
            BandGeneOperator::In,
            "female",
        ),
    );
    let f = w.file("band.json", &serde_json::to_string(&band).unwrap());
    let b = w
        .step(
            WS,
            &["ei", "bands", "create", "--file", &f],
            "POST",
            &format!("{EI}/band"),
            None,
            Some("women"),
        )
        .await;
    let bid = id_of(&b);
    let mut b2 = b.clone();
    b2["name"] = json!("women 2");
    let f = w.file("band2.json", &b2.to_string());
    let v = w
        .step(
            WS,
            &["ei", "bands", "update", &bid, "--file", &f],
            "POST",
            &format!("{EI}/band/{bid}"),
            None,
            Some("women 2"),
        )
        .await;
    assert_eq!(v["name"], "women 2");
    let v = w
        .step(
            WS,
            &["ei", "band-categories", "list"],
            "GET",
            &format!("{EI}/bandcategory"),
            None,
            None,
        )
        .await;
    assert!(has(&v, "name", &json!("cli cat 2")), "{v}");
    w.step(
        WS,
        &["ei", "band-categories", "shared", "--group", ws],
        "GET",
        &format!("{EI}/sharingbandcategory"),
        Some(&format!("groupId={ws}")),
        None,
    )
    .await;
    w.step(
        WS,
        &["ei", "band-categories", "defaults", behavior],
        "GET",
        &format!("{EI}/defaultbandcategory"),
        Some("cId=1"),
        None,
    )
    .await;
    let to = w.dir.join("uids.csv");
    let to_s = to.display().to_string();
    let v = w
        .step(
            WS,
            &["ei", "bands", "download-uids", &bid, "--to", &to_s],
            "GET",
            // The second request: the download link under the host root.
            &format!("{DOWNLOAD_BASE}/*"),
            None,
            None,
        )
        .await;
    let got = std::fs::read_to_string(&to).unwrap();
    assert_eq!(v["bytes"], got.len() as u64, "{v}");
    assert!(got.contains("ws-u02") && !got.contains("ws-u01"), "{got}");
    let v = w
        .step(
            WS,
            &["ei", "bands", "snapshot", &bid],
            "POST",
            &format!("{EI}/band/{bid}/snapshot"),
            None,
            None,
        )
        .await;
    let snap = id_of(&v);
    assert_ne!(snap, bid);
    let v = w
        .step(
            WS,
            &["ei", "population", "summary", "gender", behavior],
            "GET",
            &format!("{EI}/population/summary"),
            Some("geneId=gender"),
            None,
        )
        .await;
    assert!(has(&v, "key", &json!("female")), "{v}");
    let (from, to) = (
        (today() - time::Duration::days(7)).to_string(),
        today().to_string(),
    );
    let v = w
        .step(
            WS,
            &[
                "ei",
                "population",
                "timeline",
                behavior,
                "--gene",
                "gender",
                "--start",
                &from,
                "--end",
                &to,
                "--filter-op",
                "EQ",
                "--comparator",
                "STRING=female",
            ],
            "GET",
            &format!("{EI}/timeline/population/gender/1"),
            Some("filterOperator=EQ"),
            None,
        )
        .await;
    assert!(v.is_array(), "{v}");
    let v = w
        .step(
            WS,
            &[
                "ei",
                "statistics",
                "query",
                ws,
                "--item",
                "bandCount",
                "--start",
                &from,
                "--end",
                &to,
            ],
            "GET",
            &format!("{EI}/statistics/query"),
            Some("itemName=bandCount"),
            None,
        )
        .await;
    let days = v.as_array().unwrap();
    assert!(!days.is_empty(), "{v}");
    assert!(
        days[0]["date"].is_string() && days[0]["bandCount"].is_number(),
        "{v}"
    );
    let v = w
        .step(
            WS,
            &["ei", "customers", "info", behavior, "ws-u01"],
            "GET",
            &format!("{EI}/customerinformation/ws-u01"),
            Some("cId=1"),
            None,
        )
        .await;
    assert_eq!(v["gender"], "male", "{v}");
    let me = w
        .sim
        .user_id(SEED_GROUP, SEED_GROUP_ADMIN)
        .unwrap()
        .to_string();
    let v = w
        .step(
            WS,
            &["ei", "customers", "bands", &me, "ws-u02"],
            "GET",
            &format!("{EI}/uidbandlist/id"),
            Some("uid=ws-u02"),
            None,
        )
        .await;
    assert!(has_id(&v["bandIdList"], &bid), "{v}");
    let f = w.file("items.csv", "pid,name\np1,One\np2,Two\n");
    let v = w
        .step(
            WS,
            &["ei", "items", "upload", ws, "--file", &f],
            "POST",
            &format!("{EI}/item"),
            None,
            Some("p2,Two"),
        )
        .await;
    assert_eq!(v["items"], 2, "{v}");
    let v = w
        .step(
            WS,
            &[
                "ei",
                "summary",
                "get",
                "Summary_Revisit_7",
                "--data-source",
                behavior,
                "--band",
                &bid,
            ],
            "GET",
            &format!("{EI}/summary/Summary_Revisit_7"),
            Some(&format!("bandId={bid}")),
            None,
        )
        .await;
    assert_eq!(v["summaryId"], "Summary_Revisit_7", "{v}");
    let v = w
        .step(
            WS,
            &["ei", "su", "login", SEED_GROUP, SEED_USER],
            "GET",
            &format!("{EI}/suauth"),
            Some(&format!("userName={SEED_USER}")),
            None,
        )
        .await;
    assert!(v.as_str().unwrap_or_default().contains("success"), "{v}");
    w.step(
        WS,
        &["ei", "su", "logout"],
        "DELETE",
        &format!("{EI}/suauth"),
        None,
        None,
    )
    .await;
    for b in [&snap, &bid] {
        w.step(
            WS,
            &["ei", "bands", "delete", b],
            "DELETE",
            &format!("{EI}/band/{b}"),
            None,
            None,
        )
        .await;
    }
    let v = w
        .step(
            WS,
            &["ei", "band-categories", "delete", &bcid],
            "DELETE",
            &format!("{EI}/bandcategory/{bcid}"),
            None,
            None,
        )
        .await;
    assert_eq!(v["done"], true);
    assert_eq!(w.sim.count("band_categories"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_sends_only_the_cas_login() {
    let w = world("dry").await;
    let f = w.file(
        "group.json",
        r#"{"id": 9, "name": "g", "displayName": "G"}"#,
    );
    let rows: Vec<(Vec<&str>, &str, String)> = vec![
        (
            vec!["emc", "groups", "update", "9", "--file", &f],
            "POST",
            format!("{EMC}/group/9"),
        ),
        (
            vec!["emc", "users", "delete", "7"],
            "DELETE",
            format!("{EMC}/user/7"),
        ),
        (
            vec!["er", "logics", "delete", "3"],
            "DELETE",
            format!("{ER}/logic/3"),
        ),
        (
            vec!["ei", "band-categories", "create", "--name", "x"],
            "POST",
            format!("{EI}/bandcategory"),
        ),
        (
            vec!["ei", "bands", "snapshot", "5"],
            "POST",
            format!("{EI}/band/5/snapshot"),
        ),
        (vec!["ei", "su", "logout"], "DELETE", format!("{EI}/suauth")),
    ];
    for (mut args, method, path) in rows {
        args.push("--dry-run");
        let v = ok_json(&run(w.etu(WS, &args), None).await);
        let name = args.join(" ");
        assert_eq!(v["dry_run"], true, "{name}: {v}");
        assert_eq!(v["method"], method, "{name}: {v}");
        let url = url::Url::parse(v["url"].as_str().unwrap()).unwrap();
        assert_eq!(url.path(), path, "{name}");
        // The session cookie is masked.
        assert!(
            !v["headers"].to_string().contains("JSESSIONID="),
            "{name}: {v}"
        );
    }
    // Only the CAS logins went out.
    let journal = w.server.journal().entries();
    assert!(!journal.is_empty());
    for e in &journal {
        assert!(cas(e), "{} {} was sent", e.method, e.path);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_ids_are_refused_before_anything_is_sent() {
    let w = world("bad").await;
    for (args, field) in [
        (vec!["emc", "users", "list", "0"], "<GROUP_ID>"),
        (vec!["emc", "users", "delete", "seven"], "<USER_ID>"),
        (vec!["er", "logics", "delete", "x1"], "<LOGIC_ID>"),
        (vec!["ei", "bands", "snapshot", "1.5"], "<BAND_ID>"),
        (vec!["ei", "customers", "info", "1", ""], "<UID>"),
        (vec!["ei", "su", "login", "workshop", "a b"], "<USER>"),
        (vec!["emc", "apps", "roles", "ETU-NOPE"], "<APP_ID>"),
        (
            vec![
                "ei",
                "statistics",
                "query",
                "1",
                "--item",
                "bandCount",
                "--start",
                "2024-13-01",
                "--end",
                "2024-01-02",
            ],
            "--start",
        ),
    ] {
        let out = run(w.etu(WS, &args), None).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(field), "{args:?}: {stderr}");
    }
    // The client's own checks (a range that ends before it starts, an
    // unknown application in a role) also come before anything is sent
    // past the login.
    let pw = w.file("pw.txt", "x-pass\n");
    for args in [
        vec![
            "ei",
            "statistics",
            "query",
            "1",
            "--item",
            "bandCount",
            "--start",
            "2024-02-01",
            "--end",
            "2024-01-01",
        ],
        vec![
            "emc",
            "users",
            "create",
            "1",
            "--name",
            "n",
            "--display-name",
            "N",
            "--password-file",
            &pw,
            "--role",
            "ETU-NOPE=Viewer",
        ],
    ] {
        let out = run(w.etu(WS, &args), None).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_no_secrets(&stderr);
    }
    assert!(
        w.server.journal().is_empty(),
        "{:?}",
        w.server.journal().entries()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_errors_and_profiles() {
    let w = world("cfg").await;
    // No password: exit 2, naming it; nothing sent.
    let mut cmd = w.etu(WS, &["emc", "groups", "list"]);
    cmd.env_remove("TENANTRY_ETUNEXUS_PASSWORD");
    let out = run(cmd, None).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("TENANTRY_ETUNEXUS_PASSWORD"), "{stderr}");
    // Not https: refused, named.
    let mut cmd = w.etu(WS, &["emc", "groups", "list"]);
    cmd.env("TENANTRY_ETUNEXUS_CAS_URL", "http://127.0.0.1:9");
    let out = run(cmd, None).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("TENANTRY_ETUNEXUS_CAS_URL"), "{stderr}");
    assert!(w.server.journal().is_empty());
    // The wrong password: an auth error (3), not printed.
    let mut cmd = w.etu(WS, &["emc", "groups", "list"]);
    cmd.env("TENANTRY_ETUNEXUS_PASSWORD", "planted-wrong-Pass");
    let out = run(cmd, None).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(!stderr.contains("planted-wrong-Pass"), "{stderr}");

    // A profile: the [etunexus] table, its password from a command; the
    // variables and flags over it.
    let config = w.file(
        "config.toml",
        &format!(
            "[profiles.lab.etunexus]\nurl = \"{base}\"\napp_url = \"{base}\"\ngroup = \"{g}\"\n\
             user = \"nobody\"\nca_cert = \"{ca}\"\npassword_cmd = \"echo '{pw}'\"\n",
            base = w.server.base_url(),
            g = SEED_GROUP,
            ca = w.dir.join("ca.pem").display(),
            pw = SEED_GROUP_ADMIN_PASSWORD,
        ),
    );
    let profile = |args: &[&str]| {
        let mut c = tenantry();
        c.env("TENANTRY_CONFIG", &config).args(args);
        c
    };
    let out = run(
        profile(&[
            "--profile",
            "lab",
            "etu",
            "--username",
            SEED_GROUP_ADMIN,
            "emc",
            "users",
            "me",
        ]),
        None,
    )
    .await;
    assert_eq!(ok_json(&out)["name"], SEED_GROUP_ADMIN);
    let mut c = profile(&["--profile", "lab", "etu", "emc", "users", "me"]);
    c.env("TENANTRY_ETUNEXUS_USERNAME", SEED_GROUP_ADMIN);
    assert_eq!(ok_json(&run(c, None).await)["name"], SEED_GROUP_ADMIN);
    // An unknown profile: a clear error.
    let out = run(
        profile(&["--profile", "nope", "etu", "emc", "users", "me"]),
        None,
    )
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("nope"), "{stderr}");
    assert_no_secrets(&stderr);
}

#[tokio::test]
async fn completion_lists_etu() {
    let mut c = tenantry();
    c.args(["completions", "bash"]);
    let out = run(c, None).await;
    assert_eq!(out.status.code(), Some(0));
    let script = text(&out.stdout);
    assert!(script.contains("etu"), "no etu in the completion script");
    assert!(script.contains("download-uids"), "no download-uids");
}
