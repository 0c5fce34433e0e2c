//! The client against the Etu Nexus simulator (`tenantry-sim`'s
//! `EtunexusSim`, behind its own CAS) in-process on 127.0.0.1, over TLS
//! with the simulator's self-signed certificate as an extra root
//! (verification stays on): the seed's quick start, session expiry, a
//! refused password, group isolation, and one stateful flow per
//! application. Each step is checked on both sides: what the client made of
//! the answer, and the simulator's state or journal.

use etunexus::enums::{AppId, AppRoleName, BandGeneOperator, EventAction, LogicAlgType};
use etunexus::models::ei::{Band, BandGene};
use etunexus::models::emc::{User, UserRole};
use etunexus::models::er::{AlgInstance, AlgSetting, Campaign, CfSetting, DataSourceRef, Logic};
use etunexus::{Cas, Ei3, Emc2, Er3, Error, GroupId, RetryConfig, Secret};
use tenantry_core::AuthErrorKind;
use tenantry_sim::etunexus::*;
use tenantry_sim::{EtunexusSim, Fault, FaultRule, SimOptions, SimServer, SimTls};

struct Env {
    sim: EtunexusSim,
    server: SimServer,
}

async fn env() -> Env {
    let sim = EtunexusSim::seeded();
    let server = SimServer::start_with(
        sim.router(),
        SimOptions::new().tls(SimTls::self_signed().unwrap()),
    )
    .await
    .unwrap();
    assert!(server.base_url().starts_with("https://"));
    Env { sim, server }
}

fn id<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

fn status(e: &Error) -> Option<u16> {
    e.api().map(|a| a.status)
}

impl Env {
    fn host(&self) -> String {
        let url = self.server.base_url();
        url.trim_start_matches("https://")
            .trim_end_matches('/')
            .to_owned()
    }
    fn cas(&self, group: &str, user: &str, password: &str) -> Cas {
        Cas::builder(group, user, Secret::new(password))
            .host(self.host())
            .app_host(self.host())
            .root_certificate_pem(self.server.tls_cert_pem().unwrap())
            .retry(RetryConfig::disabled())
            .build()
            .unwrap()
    }
    fn admin(&self) -> Cas {
        self.cas(SEED_SYSTEM_GROUP, SEED_ADMIN, SEED_ADMIN_PASSWORD)
    }
    fn workshop_admin(&self) -> Cas {
        self.cas(SEED_GROUP, SEED_GROUP_ADMIN, SEED_GROUP_ADMIN_PASSWORD)
    }
    fn workshop_gid(&self) -> GroupId {
        id(&self.sim.group_id(SEED_GROUP).unwrap().to_string())
    }
    /// Service-ticket requests (`POST /cas/v1/tickets/{tgt}`).
    fn st_requests(&self) -> Vec<String> {
        self.server
            .journal()
            .filter(|j| j.method == "POST" && j.path.starts_with("/cas/v1/tickets/"))
            .into_iter()
            .map(|j| j.path)
            .collect()
    }
    /// Ticket presentations to a `shiro-cas` endpoint.
    fn presentations(&self, shiro: &str) -> Vec<String> {
        self.server
            .journal()
            .filter(|j| j.method == "GET" && j.path == shiro)
            .into_iter()
            .map(|j| j.query.unwrap_or_default())
            .collect()
    }
}

/// The seed's quick start: log in, list groups, find a group's users, add a
/// user, give roles, delete.
#[tokio::test]
async fn quick_start() {
    let e = env().await;
    let cas = e.admin();
    cas.login().await.unwrap();
    assert!(cas.is_logged_in());
    assert_eq!(e.server.journal().count("POST", "/cas/v1/tickets"), 1);
    let emc = Emc2::new(&cas).unwrap();
    emc.login().await.unwrap();
    assert_eq!(e.st_requests().len(), 1);
    assert_eq!(e.presentations("/shiro-cas").len(), 1);

    let groups = emc.groups().list().await.unwrap();
    let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    assert!(names.contains(&SEED_GROUP), "{names:?}");
    assert!(names.contains(&SEED_OTHER_GROUP), "{names:?}");
    let group = groups.iter().find(|g| g.name == SEED_GROUP).unwrap();
    assert_eq!(group.display_name, "Workshop Sample");
    let gid = group.id.unwrap();
    assert_eq!(gid, e.workshop_gid());

    let users = emc.users().list(&gid).await.unwrap();
    let mut got: Vec<String> = users.iter().map(|u| u.name.clone()).collect();
    got.sort();
    let mut want = e.sim.user_names(SEED_GROUP);
    want.sort();
    assert_eq!(got, want);
    let quick = users.iter().find(|u| u.name == SEED_USER).unwrap();
    assert_eq!(
        quick.id.unwrap().get() as i64,
        e.sim.user_id(SEED_GROUP, SEED_USER).unwrap()
    );

    let new = User::new(
        "new_workshop_user",
        "New workshop user",
        Secret::new("new-user-pass"),
    );
    let mut user = emc.users().create(&gid, &new).await.unwrap();
    let uid = user.id.unwrap();
    assert_eq!(user.name, "new_workshop_user");
    assert_eq!(
        e.sim.user_id(SEED_GROUP, "new_workshop_user").unwrap(),
        uid.get() as i64
    );
    // The password went to the server (the new user can log in to CAS).
    let add = e
        .server
        .journal()
        .filter(|j| j.method == "POST" && j.path.ends_with("/user"));
    assert_eq!(add.len(), 1);
    assert!(add[0].body_str().contains("new-user-pass"));
    e.cas(SEED_GROUP, "new_workshop_user", "new-user-pass")
        .login()
        .await
        .unwrap();

    user.roles = vec![
        UserRole::new(AppRoleName::Viewer, AppId::Er),
        UserRole::new(AppRoleName::Viewer, AppId::Ei),
    ];
    let user = emc.users().update(&user).await.unwrap();
    assert_eq!(user.roles.len(), 2);
    let mut roles = e.sim.user_roles(SEED_GROUP, "new_workshop_user").unwrap();
    roles.sort();
    assert_eq!(
        roles,
        vec![
            ("Viewer".to_owned(), APP_EI.to_owned()),
            ("Viewer".to_owned(), APP_ER.to_owned()),
        ]
    );

    emc.users().delete(&uid).await.unwrap();
    assert_eq!(e.sim.user_id(SEED_GROUP, "new_workshop_user"), None);
    let after = emc.users().list(&gid).await.unwrap();
    assert!(after.iter().all(|u| u.name != "new_workshop_user"));
    // One login for the whole sequence (the second CAS login is the new
    // user's, above).
    assert_eq!(e.server.journal().count("POST", "/cas/v1/tickets"), 2);
    assert_eq!(e.st_requests().len(), 1);
}

/// An expired session logs in again exactly once (one new service ticket,
/// presented once), then the call succeeds; expired again during the
/// re-login's replay, the call fails with a typed error and no third login.
#[tokio::test]
async fn session_expiry_logs_in_again_once() {
    let e = env().await;
    let cas = e.workshop_admin();
    let emc = Emc2::new(&cas).unwrap();
    assert_eq!(emc.groups().list().await.unwrap().len(), 1);
    assert_eq!(e.st_requests().len(), 1);
    assert_eq!(e.presentations("/shiro-cas").len(), 1);
    let tgt_posts = e.server.journal().count("POST", "/cas/v1/tickets");

    e.sim.expire_sessions();
    let groups = emc.groups().list().await.unwrap();
    assert_eq!(groups[0].name, SEED_GROUP);
    let sts = e.st_requests();
    let shows = e.presentations("/shiro-cas");
    assert_eq!(sts.len(), 2, "{sts:?}");
    assert_eq!(shows.len(), 2, "{shows:?}");
    // A fresh ticket, never the first one replayed; the TGT was reused.
    assert_ne!(shows[0], shows[1]);
    assert_eq!(
        e.server.journal().count("POST", "/cas/v1/tickets"),
        tgt_posts
    );
    // The expired call, then its replay: two group listings after expiry.
    assert_eq!(
        e.server
            .journal()
            .count("GET", &format!("{EMC_BASE}/group")),
        3
    );

    // Expired again: the first call and its replay after the re-login both
    // get Shiro's redirect to the CAS login page.
    e.sim.expire_sessions();
    e.server.faults().add(
        FaultRule::path(
            format!("{EMC_BASE}/group"),
            Fault::Status {
                status: 302,
                headers: vec![(
                    "Location".to_owned(),
                    format!("{}/cas/login?service=x", e.server.base_url()),
                )],
                body: String::new(),
            },
        )
        .times(2),
    );
    let err = emc.groups().list().await.unwrap_err();
    match &err {
        Error::Auth(a) => assert_eq!(a.kind, AuthErrorKind::Rejected, "{err:?}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(e.st_requests().len(), 3);
    assert_eq!(e.presentations("/shiro-cas").len(), 3);
    assert!(e.server.faults().rules().is_empty());
    // No ticket in what the caller sees.
    let tgt = e.st_requests()[0]
        .trim_start_matches("/cas/v1/tickets/")
        .to_owned();
    assert!(!tgt.is_empty());
    for text in [
        format!("{err}"),
        format!("{err:?}"),
        format!("{cas:?}"),
        format!("{emc:?}"),
    ] {
        assert!(!text.contains(&tgt), "{text}");
        assert!(!text.contains(SEED_GROUP_ADMIN_PASSWORD), "{text}");
        for show in e.presentations("/shiro-cas") {
            let st = show.trim_start_matches("ticket=");
            assert!(!text.contains(st), "{text}");
        }
    }
    // The session of that re-login is live at the server (only the two
    // answers were faked): the next call works without another login.
    assert_eq!(emc.groups().list().await.unwrap().len(), 1);
    assert_eq!(e.st_requests().len(), 3);
    // A real expiry after the failure: one more login, then success.
    e.sim.expire_sessions();
    assert_eq!(emc.groups().list().await.unwrap().len(), 1);
    assert_eq!(e.st_requests().len(), 4);
}

/// A wrong password: a typed auth error with no secret in it, and no
/// service-ticket request (the reference asks for a ticket for `None`).
#[tokio::test]
async fn a_wrong_password_is_a_typed_auth_error() {
    let e = env().await;
    let wrong = "not-the-workshop-admin-pass";
    let cas = e.cas(SEED_GROUP, SEED_GROUP_ADMIN, wrong);
    let ei = Ei3::new(&cas).unwrap();
    let err = ei.users().me().await.unwrap_err();
    match &err {
        Error::Auth(a) => assert_eq!(a.kind, AuthErrorKind::InvalidCredentials, "{err:?}"),
        other => panic!("{other:?}"),
    }
    assert!(!cas.is_logged_in());
    let posts = e
        .server
        .journal()
        .filter(|j| j.method == "POST" && j.path == "/cas/v1/tickets");
    assert_eq!(posts.len(), 1);
    assert!(posts[0].body_str().contains("password="));
    assert!(e.st_requests().is_empty());
    assert!(e
        .server
        .journal()
        .filter(|j| j.path.starts_with(EI_BASE))
        .is_empty());
    for text in [
        format!("{err}"),
        format!("{err:?}"),
        format!("{cas:?}"),
        format!("{ei:?}"),
    ] {
        assert!(!text.contains(wrong), "{text}");
        assert!(!text.contains(SEED_GROUP_ADMIN_PASSWORD), "{text}");
        assert!(!text.contains("TGT-"), "{text}");
        assert!(!text.contains("ST-"), "{text}");
    }
    assert!(matches!(cas.login().await, Err(Error::Auth(_))));
}

/// A user who is not the system administrator cannot read another group:
/// the simulator's 403, as a typed API error (no re-login on a 403).
#[tokio::test]
async fn another_group_is_forbidden() {
    let e = env().await;
    let workshop = e.workshop_gid();
    let retail: GroupId = id(&e.sim.group_id(SEED_OTHER_GROUP).unwrap().to_string());

    let cas = e.cas(
        SEED_OTHER_GROUP,
        SEED_OTHER_ADMIN,
        SEED_OTHER_ADMIN_PASSWORD,
    );
    let emc = Emc2::new(&cas).unwrap();
    let own = emc.groups().list().await.unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].name, SEED_OTHER_GROUP);
    assert_eq!(emc.users().list(&retail).await.unwrap().len(), 1);
    let err = emc.users().list(&workshop).await.unwrap_err();
    assert_eq!(status(&err), Some(403), "{err:?}");
    assert!(matches!(err, Error::Api(_)), "{err:?}");

    // The quick start's user through ER: its own group's logics, not retail's.
    let cas = e.cas(SEED_GROUP, SEED_USER, SEED_USER_PASSWORD);
    let er = Er3::new(&cas).unwrap();
    assert!(er.logics().list(&workshop).await.unwrap().is_empty());
    let err = er.logics().list(&retail).await.unwrap_err();
    assert_eq!(status(&err), Some(403), "{err:?}");
    // A Viewer on ER cannot write either.
    let err = er.logics().create(&workshop, &logic()).await.unwrap_err();
    assert_eq!(status(&err), Some(403), "{err:?}");
    assert_eq!(e.sim.count("logics"), 0);
    // One service ticket per application, none for the refusals.
    assert_eq!(e.st_requests().len(), 2);
}

fn ds_ref() -> DataSourceRef {
    DataSourceRef::new(id("1"), "ws_behavior")
}

fn logic() -> Logic {
    let cf = AlgSetting::UserBasedCf(CfSetting::new(ds_ref(), 30, vec![EventAction::View]));
    Logic::new(
        "lg_flow",
        "Flow logic",
        LogicAlgType::UserBase,
        10,
        vec![AlgInstance::new(cf, 1).unwrap()],
    )
}

/// EMC: a user's roles changed and the password changed (the new one logs
/// in, the old one no longer does).
#[tokio::test]
async fn emc_users_and_roles() {
    let e = env().await;
    let cas = e.workshop_admin();
    let emc = Emc2::new(&cas).unwrap();
    let gid = e.workshop_gid();
    let me = emc.users().me().await.unwrap();
    assert_eq!(me.name, SEED_GROUP_ADMIN);
    let mut u = User::new("flow_user", "Flow user", Secret::new("flow-pass-1"));
    u.roles = vec![UserRole::new(AppRoleName::Operator, AppId::Ei)];
    let mut u = emc.users().create(&gid, &u).await.unwrap();
    assert_eq!(
        e.sim.user_roles(SEED_GROUP, "flow_user").unwrap(),
        vec![("Operator".to_owned(), APP_EI.to_owned())]
    );
    u.roles = vec![UserRole::new(AppRoleName::Admin, AppId::Er)];
    u.display_name = "Flow user 2".into();
    let u = emc.users().update(&u).await.unwrap();
    assert_eq!(u.display_name, "Flow user 2");
    assert_eq!(
        e.sim.user_roles(SEED_GROUP, "flow_user").unwrap(),
        vec![("ADMIN".to_owned(), APP_ER.to_owned())]
    );
    let listed = emc.users().list(&gid).await.unwrap();
    let found = listed.iter().find(|x| x.name == "flow_user").unwrap();
    assert_eq!(found.roles, u.roles);
    let uid = u.id.unwrap();
    emc.users()
        .change_password(&uid, &Secret::new("flow-pass-2"))
        .await
        .unwrap();
    e.cas(SEED_GROUP, "flow_user", "flow-pass-2")
        .login()
        .await
        .unwrap();
    let old = e.cas(SEED_GROUP, "flow_user", "flow-pass-1").login().await;
    assert!(matches!(old, Err(Error::Auth(_))), "{old:?}");
    emc.users().delete(&uid).await.unwrap();
    assert_eq!(e.sim.user_id(SEED_GROUP, "flow_user"), None);
    let gone = emc.users().delete(&uid).await.unwrap_err();
    assert_eq!(status(&gone), Some(404), "{gone:?}");
}

/// ER: a logic created, listed, updated, deleted.
#[tokio::test]
async fn er_logic_flow() {
    let e = env().await;
    let cas = e.workshop_admin();
    let er = Er3::new(&cas).unwrap();
    let gid = e.workshop_gid();
    let created = er.logics().create(&gid, &logic()).await.unwrap();
    let lid = created.id.unwrap();
    assert_eq!(created.name, "lg_flow");
    assert_eq!(e.sim.count("logics"), 1);
    let listed = er.logics().list(&gid).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, Some(lid));
    assert_eq!(listed[0].alg_instances.len(), 1);
    assert_eq!(listed[0].alg_instances[0].weight, 1);
    let mut l = listed[0].clone();
    l.display_name = "Flow logic 2".into();
    l.number_of_rec = 20;
    let updated = er.logics().update(&l).await.unwrap();
    assert_eq!(updated.display_name, "Flow logic 2");
    assert_eq!(updated.number_of_rec, 20);
    let again = er.logics().list(&gid).await.unwrap();
    assert_eq!(again[0].display_name, "Flow logic 2");
    er.logics().delete(&lid).await.unwrap();
    assert_eq!(e.sim.count("logics"), 0);
    assert!(er.logics().list(&gid).await.unwrap().is_empty());
}

/// ER: a campaign holding a logic, read back with its logics (the
/// reference cannot parse campaigns, §10.17), its range moved, deleted.
#[tokio::test]
async fn er_campaign_flow() {
    let e = env().await;
    let cas = e.workshop_admin();
    let er = Er3::new(&cas).unwrap();
    let gid = e.workshop_gid();
    let logic = er.logics().create(&gid, &logic()).await.unwrap();
    let lid = logic.id.unwrap();
    let start = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    let end = start + time::Duration::days(7);
    let mut c = Campaign::new(gid, "cp_flow", "Flow campaign", start, end);
    c.logics = vec![logic];
    let created = er.campaigns().create(&gid, &c).await.unwrap();
    let cid = created.id.unwrap();
    assert_eq!(created.name, "cp_flow");
    assert_eq!(created.start_time, start);
    assert_eq!(created.end_time, end);
    assert_eq!(e.sim.count("campaigns"), 1);
    let listed = er.campaigns().list(&gid).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, Some(cid));
    let ids: Vec<_> = listed[0].logics.iter().map(|l| l.id).collect();
    assert_eq!(ids, vec![Some(lid)]);
    let mut c = listed[0].clone();
    c.end_time = end + time::Duration::days(7);
    let updated = er.campaigns().update(&c).await.unwrap();
    assert_eq!(updated.end_time, end + time::Duration::days(7));
    assert_eq!(
        er.campaigns().list(&gid).await.unwrap()[0].end_time,
        end + time::Duration::days(7)
    );
    // A range that ends before it starts is refused before sending.
    let sent = e
        .server
        .journal()
        .count("POST", &format!("{ER_BASE}/campaign/{cid}"));
    let mut bad = c.clone();
    bad.end_time = start - time::Duration::days(1);
    let err = er.campaigns().update(&bad).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert_eq!(
        e.server
            .journal()
            .count("POST", &format!("{ER_BASE}/campaign/{cid}")),
        sent
    );
    er.campaigns().delete(&cid).await.unwrap();
    assert_eq!(e.sim.count("campaigns"), 0);
    er.logics().delete(&lid).await.unwrap();
    assert_eq!(e.sim.count("logics"), 0);
}

/// EI: a band category, a gene band in it (its amount computed from the
/// seeded uids), the band's uid list downloaded to a file, then both
/// deleted.
#[tokio::test]
async fn ei_band_category_and_band() {
    let e = env().await;
    let cas = e.cas(SEED_GROUP, SEED_USER, SEED_USER_PASSWORD);
    let ei = Ei3::new(&cas).unwrap();
    let bc = ei
        .band_categories()
        .create()
        .name("flow category")
        .send()
        .await
        .unwrap();
    let bcid = bc.id.unwrap();
    assert_eq!(bc.name, "flow category");
    assert_eq!(e.sim.count("band_categories"), 1);

    let band = Band::gene(
        bcid,
        "women",
        BandGene::new(id("gender"), id("1"), BandGeneOperator::In, "female"),
    );
    let band = ei.bands().create(band).send().await.unwrap();
    let bid = band.id.unwrap();
    assert_eq!(band.name, "women");
    assert_eq!(e.sim.count("bands"), 1);
    let cats = ei.band_categories().list().await.unwrap();
    let cat = cats.iter().find(|c| c.id == Some(bcid)).unwrap();
    assert_eq!(cat.bands.len(), 1);
    assert_eq!(cat.bands[0].id, Some(bid));
    // Seeded: uids ws-u01..ws-u10, the even ones female.
    assert_eq!(cat.bands[0].amount, Some(5));

    let path = std::env::temp_dir().join(format!(
        "etunexus-sim-uids-{}-{}.csv",
        std::process::id(),
        uuid::Uuid::new_v4()
    ));
    let n = ei.bands().download_uids(&bid, &path).await.unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(n, text.len() as u64);
    for i in [2, 4, 6, 8, 10] {
        assert!(text.contains(&format!("ws-u{i:02}")), "{text}");
    }
    for i in [1, 3, 5, 7, 9] {
        assert!(!text.contains(&format!("ws-u{i:02}")), "{text}");
    }
    assert!(!text.contains("rt-u"), "{text}");

    ei.bands().delete(&bid).await.unwrap();
    assert_eq!(e.sim.count("bands"), 0);
    ei.band_categories().delete(&bcid).await.unwrap();
    assert_eq!(e.sim.count("band_categories"), 0);
    assert!(ei
        .band_categories()
        .list()
        .await
        .unwrap()
        .iter()
        .all(|c| c.id != Some(bcid)));
}

/// A streamed upload on an expired session: refused (the request did
/// nothing), one fresh login, then the file read from disk again and sent
/// once more; the items counted once.
#[tokio::test]
async fn an_upload_on_an_expired_session_logs_in_again_and_is_sent_once_more() {
    let e = env().await;
    let cas = e.cas(SEED_GROUP, SEED_USER, SEED_USER_PASSWORD);
    let ei = Ei3::new(&cas).unwrap();
    let gid = ei.users().me().await.unwrap().group.id.unwrap();
    assert_eq!(e.st_requests().len(), 1);
    let path = std::env::temp_dir().join(format!(
        "etunexus-sim-items-{}-{}.csv",
        std::process::id(),
        uuid::Uuid::new_v4()
    ));
    std::fs::write(&path, "item_id,name\ni1,one\ni2,two\ni3,three\n").unwrap();

    e.sim.expire_sessions();
    let n = ei.upload_items(&gid, &path).await.unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(n, 3);
    assert_eq!(e.st_requests().len(), 2, "one fresh login");
    let posts = e
        .server
        .journal()
        .filter(|j| j.method == "POST" && j.path == format!("{EI_BASE}/item"));
    assert_eq!(posts.len(), 2, "refused, then sent once more");
    for p in &posts {
        assert!(
            p.body_str().contains("i3,three"),
            "the whole file each time"
        );
    }
}
