//! Behaviour of `astakos-client` against the Astakos simulator, handler by
//! handler: what went over the wire (the simulator's journal: method, path,
//! query, key headers, body) and what came back (typed values), the
//! simulator's state afterwards (quota counters, commissions, project and
//! membership states, feedback), the error mapping, input validation before
//! any I/O, and the retry rules (a commission POST is never re-sent, a GET
//! is).

use astakos_client::models::commissions::QUOTA_LIMIT_MESSAGE;
use astakos_client::models::{
    ApplicationAction, MemberPolicy, MembershipAction, MembershipState, NewProject, OverLimit,
    ProjectAction, ProjectMode, ProjectState, ResourceCapacity,
};
use astakos_client::{
    AstakosClient, Error, MembershipId, ProjectId, RetryConfig, Secret, Serial, Uuid,
};
use std::time::Duration;
use tenantry_sim::astakos::{self as sim, AstakosSim, CommissionState};
use tenantry_sim::{Fault, FaultRule, JournalEntry, SimServer};

const A: &str = sim::ALICE_UUID;
const B: &str = sim::BOB_UUID;
const C: &str = sim::CAROL_UUID;
const ER: &str = sim::ERESEARCH_ID;
const TEACHING: &str = sim::TEACHING_ID;
const TOKENS: &str = "/identity/v2.0/tokens";

/// A fresh seeded simulator on its own port.
struct Env {
    sim: AstakosSim,
    server: SimServer,
}

impl Env {
    async fn start() -> Env {
        let sim = AstakosSim::seeded();
        let server = SimServer::start(sim.router()).await.expect("sim starts");
        Env { sim, server }
    }

    fn auth_url(&self) -> String {
        format!("{}{}", self.server.base_url(), sim::AUTH_PATH)
    }

    /// A fresh client (no retry, like the reference's default).
    fn client(&self, token: &str) -> AstakosClient {
        AstakosClient::builder(self.auth_url(), Secret::new(token))
            .retry(RetryConfig::disabled())
            .build()
            .expect("client builds")
    }

    /// A fresh client with the default retry policy and a short backoff.
    fn retrying_client(&self, token: &str) -> AstakosClient {
        AstakosClient::builder(self.auth_url(), Secret::new(token))
            .retry(
                RetryConfig::standard()
                    .initial_backoff(Duration::from_millis(5))
                    .max_backoff(Duration::from_millis(20)),
            )
            .build()
            .expect("client builds")
    }

    fn journal(&self) -> Vec<JournalEntry> {
        self.server.journal().entries()
    }

    fn clear(&self) {
        self.server.journal().clear();
    }

    fn last(&self) -> JournalEntry {
        self.journal().pop().expect("a request was sent")
    }

    /// `(limit, usage, pending)` of `user`'s holding in `project`.
    fn user_quota(&self, user: &str, project: &str, resource: &str) -> (i64, i64, i64) {
        self.sim
            .quota(
                &format!("user:{user}"),
                Some(&format!("project:{project}")),
                resource,
            )
            .expect("holding")
    }

    /// `(limit, usage, pending)` of `project`'s own holding.
    fn project_quota(&self, project: &str, resource: &str) -> (i64, i64, i64) {
        self.sim
            .quota(&format!("project:{project}"), None, resource)
            .expect("holding")
    }
}

fn uuid(s: &str) -> Uuid {
    Uuid::new(s).expect("uuid")
}

fn pid(s: &str) -> ProjectId {
    ProjectId::new(s).expect("project id")
}

fn query(e: &JournalEntry) -> Vec<(String, String)> {
    let mut q = e.query_pairs();
    q.sort();
    q
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn assert_discovery(e: &JournalEntry, token: &str) {
    assert_eq!((e.method.as_str(), e.path.as_str()), ("POST", TOKENS));
    assert!(e.body.is_empty(), "discovery has no body");
    assert_eq!(e.header("content-length"), Some("0"));
    assert_eq!(e.header("x-auth-token"), Some(token));
}

// ------------------------------------------------------------ discovery

#[tokio::test]
async fn discovery_happens_once_per_client() {
    let env = Env::start().await;
    let alice = env.client(sim::ALICE_TOKEN);
    assert_eq!(alice.cached_prefixes().await.account, None);

    let q = alice.quotas().get().await.expect("quotas");
    let j = env.journal();
    assert_eq!(j.len(), 2, "discovery + GET quotas: {j:?}");
    assert_discovery(&j[0], sim::ALICE_TOKEN);
    assert_eq!(
        (j[1].method.as_str(), j[1].path.as_str()),
        ("GET", "/account/v1.0/quotas")
    );
    assert_eq!(j[1].header("x-auth-token"), Some(sim::ALICE_TOKEN));
    assert_eq!(j[1].header("content-length"), Some("0"));
    assert_eq!(j[1].header("content-type"), None);
    // Alice's base project: 1 VM of 2 in use, nothing pending.
    let vm = &q[&pid(A)]["cyclades.vm"];
    assert_eq!(
        (vm.limit, vm.usage, vm.pending),
        (Some(2), Some(1), Some(0))
    );
    assert!(vm.project_limit.is_some());
    assert!(q.contains_key(&pid(ER)), "member of eresearch: {q:?}");

    alice.quotas().get().await.expect("quotas again");
    assert_eq!(env.journal().len(), 3, "the prefixes are kept");
    // Clones share them.
    alice.clone().resources().list().await.expect("resources");
    assert_eq!(env.journal().len(), 4);
    let p = alice.cached_prefixes().await;
    assert_eq!(
        (p.account.as_deref(), p.ui.as_deref(), p.oauth2.as_deref()),
        (Some("/account/v1.0"), Some("/ui"), None)
    );

    // A fresh client discovers again.
    env.clear();
    env.client(sim::ALICE_TOKEN)
        .quotas()
        .get()
        .await
        .expect("quotas");
    assert_eq!(env.journal().len(), 2);
}

// ------------------------------------------------------------- identity

#[tokio::test]
async fn authenticate_and_endpoints() {
    let env = Env::start().await;
    let alice = env.client(sim::ALICE_TOKEN);
    let info = alice.identity().authenticate().send().await.expect("auth");
    let e = env.last();
    assert_eq!((e.method.as_str(), e.path.as_str()), ("POST", TOKENS));
    assert_eq!(e.header("content-type"), Some("application/json"));
    assert_eq!(
        e.json(),
        Some(serde_json::json!({"auth": {"token": {"id": sim::ALICE_TOKEN}}}))
    );
    let user = info.access.user.as_ref().expect("user");
    assert_eq!(user.id.as_ref().map(Uuid::as_str), Some(A));
    assert_eq!(user.name.as_deref(), Some("Alice Liddell"));
    let token = info.access.token.as_ref().expect("token");
    assert_eq!(
        token.id.as_ref().map(Secret::expose),
        Some(sim::ALICE_TOKEN)
    );
    assert!(user
        .projects
        .as_ref()
        .is_some_and(|p| p.contains(&pid(ER)) && p.contains(&pid(A))));
    // authenticate fills the account prefixes: the next call needs no
    // discovery.
    env.clear();
    alice.resources().list().await.expect("resources");
    assert_eq!(env.journal().len(), 1);

    // With a tenant name.
    alice
        .identity()
        .authenticate()
        .tenant_name(A)
        .send()
        .await
        .expect("own tenant");
    assert_eq!(
        env.last().json(),
        Some(serde_json::json!({"auth": {"token": {"id": sim::ALICE_TOKEN}, "tenantName": A}}))
    );
    let e = alice
        .identity()
        .authenticate()
        .tenant_name("someone-else")
        .send()
        .await
        .expect_err("foreign tenant");
    assert!(matches!(e, Error::Api(ref a) if a.status == 400), "{e:?}");

    // get_endpoints: public, re-fetched every time, oauth2 on request.
    let svc = env.client(sim::CYCLADES_TOKEN);
    env.clear();
    let cat = svc
        .identity()
        .endpoints()
        .include_oauth2()
        .send()
        .await
        .expect("catalog");
    assert_discovery(&env.last(), sim::CYCLADES_TOKEN);
    let names: Vec<_> = cat
        .access
        .service_catalog
        .iter()
        .flatten()
        .filter_map(|s| s.name.clone())
        .collect();
    assert!(names.contains(&"astakos_account".to_owned()), "{names:?}");
    assert_eq!(
        svc.cached_prefixes().await.oauth2.as_deref(),
        Some("/oauth2/")
    );
    svc.identity().endpoints().send().await.expect("again");
    assert_eq!(env.journal().len(), 2);
}

#[tokio::test]
async fn oauth2_code_exchange_and_token_validation() {
    let env = Env::start().await;
    let code = env
        .sim
        .issue_auth_code(A, sim::OAUTH2_CLIENT_ID, sim::OAUTH2_REDIRECT_URI);
    let alice = env.client(sim::ALICE_TOKEN);
    let tok = alice
        .identity()
        .oauth2_token()
        .client_id(sim::OAUTH2_CLIENT_ID)
        .client_secret(Secret::new(sim::OAUTH2_CLIENT_SECRET))
        .code(Secret::new(code.clone()))
        .redirect_uri(sim::OAUTH2_REDIRECT_URI)
        .send()
        .await
        .expect("token");
    let j = env.journal();
    assert_eq!(j.len(), 2, "discovery (with oauth2) + POST token");
    assert_discovery(&j[0], sim::ALICE_TOKEN);
    let e = &j[1];
    assert_eq!(
        (e.method.as_str(), e.path.as_str()),
        ("POST", "/oauth2/token")
    );
    assert_eq!(
        e.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        e.header("authorization"),
        Some("Basic cGl0aG9zLXZpZXc6cGl0aG9zLXZpZXctczNjcmV0") // pithos-view:pithos-view-s3cret
    );
    let mut form = e.form();
    form.sort();
    assert_eq!(
        form,
        pairs(&[
            ("code", &code),
            ("grant_type", "authorization_code"),
            ("redirect_uri", sim::OAUTH2_REDIRECT_URI),
        ])
    );
    assert_eq!(tok.token_type.as_deref(), Some("Bearer"));
    assert!(tok.expires_in.is_some());
    let access = tok.access_token.clone().expect("access token");

    // The code is single-use.
    let e = alice
        .identity()
        .oauth2_token()
        .client_id(sim::OAUTH2_CLIENT_ID)
        .client_secret(Secret::new(sim::OAUTH2_CLIENT_SECRET))
        .code(Secret::new(code))
        .redirect_uri(sim::OAUTH2_REDIRECT_URI)
        .send()
        .await
        .expect_err("reused code");
    assert!(matches!(e, Error::Api(ref a) if a.status == 400), "{e:?}");

    // Validation (no discovery: the tokens path is known).
    let svc = env.client(sim::CYCLADES_TOKEN);
    env.clear();
    let info = svc
        .identity()
        .validate_token()
        .token_id(access.clone())
        .send()
        .await
        .expect("valid")
        .expect("an answer");
    let e = env.last();
    assert_eq!(env.journal().len(), 1);
    assert_eq!(e.method, "GET");
    assert_eq!(e.path, format!("{TOKENS}/{}", access.expose()));
    let user = info.access.user.expect("user");
    assert_eq!(user.id.as_ref().map(Uuid::as_str), Some(A));

    let within = format!("{}/alice/file.txt", sim::OAUTH2_REDIRECT_URI);
    svc.identity()
        .validate_token()
        .token_id(access.clone())
        .belongs_to(within.clone())
        .send()
        .await
        .expect("in scope");
    assert_eq!(query(&env.last()), pairs(&[("belongsTo", &within)]));
    let e = svc
        .identity()
        .validate_token()
        .token_id(access)
        .belongs_to("https://elsewhere.example.org/")
        .send()
        .await
        .expect_err("out of scope");
    assert!(e.is_not_found(), "{e:?}");
    let e = svc
        .identity()
        .validate_token()
        .token_id(Secret::new("no-such-oauth-token"))
        .send()
        .await
        .expect_err("unknown");
    assert!(e.is_not_found(), "{e:?}");
}

// -------------------------------------------------------- user catalogs

#[tokio::test]
async fn user_catalogs_both_ways() {
    let env = Env::start().await;
    let alice = env.client(sim::ALICE_TOKEN);
    let names = alice
        .users()
        .usernames()
        .uuids([uuid(A), uuid(B), uuid("no-such-uuid")])
        .send()
        .await
        .expect("usernames");
    let e = env.last();
    assert_eq!(
        (e.method.as_str(), e.path.as_str()),
        ("POST", "/account/v1.0/user_catalogs")
    );
    assert_eq!(e.header("content-type"), Some("application/json"));
    assert_eq!(
        e.json(),
        Some(serde_json::json!({"uuids": [A, B, "no-such-uuid"]}))
    );
    assert_eq!(names.len(), 2, "{names:?}");
    assert_eq!(names[&uuid(A)].as_deref(), Some("alice@example.org"));
    assert_eq!(names[&uuid(B)].as_deref(), Some("bob@example.org"));

    assert_eq!(
        alice.users().username(&uuid(C)).await.expect("carol"),
        Some("carol@example.org".to_owned())
    );
    let e = alice
        .users()
        .username(&uuid("1234"))
        .await
        .expect_err("unknown uuid");
    assert!(
        matches!(&e, Error::Decode { path, message, .. }
            if path == "uuid_catalog.1234" && message == "No display name for the given uuid: 1234"),
        "{e:?}"
    );

    let ids = alice
        .users()
        .uuids()
        .display_names(["carol@example.org", "nobody@example.org"])
        .send()
        .await
        .expect("uuids");
    assert_eq!(
        env.last().json(),
        Some(serde_json::json!({"displaynames": ["carol@example.org", "nobody@example.org"]}))
    );
    assert_eq!(ids.len(), 1);
    assert_eq!(ids["carol@example.org"], Some(uuid(C)));
    assert_eq!(
        alice
            .users()
            .uuid()
            .display_name("bob@example.org")
            .send()
            .await
            .expect("bob"),
        Some(uuid(B))
    );
    let e = alice
        .users()
        .uuid()
        .display_name("nobody@example.org")
        .send()
        .await
        .expect_err("unknown name");
    assert!(
        matches!(&e, Error::Decode { path, message, .. }
            if path == "displayname_catalog.nobody@example.org"
                && message == "No uuid for the given display name: nobody@example.org"),
        "{e:?}"
    );

    // The service variants, with a service token.
    let svc = env.client(sim::CYCLADES_TOKEN);
    let names = svc
        .service_users()
        .usernames()
        .uuids([uuid(C)])
        .send()
        .await
        .expect("service usernames");
    let e = env.last();
    assert_eq!(e.path, "/account/v1.0/service/user_catalogs");
    assert_eq!(e.header("x-auth-token"), Some(sim::CYCLADES_TOKEN));
    assert_eq!(names[&uuid(C)].as_deref(), Some("carol@example.org"));
    assert_eq!(
        svc.service_users()
            .uuid()
            .display_name("alice@example.org")
            .send()
            .await
            .expect("svc uuid"),
        Some(uuid(A))
    );
    assert!(matches!(
        svc.service_users().username(&uuid("1234")).await,
        Err(Error::Decode { ref message, .. }) if message.starts_with("No display name")
    ));
    assert!(matches!(
        svc.service_users().uuid().display_name("x@y").send().await,
        Err(Error::Decode { ref message, .. }) if message.starts_with("No uuid")
    ));

    // Token kinds are checked by the server: the real one looks a user
    // route's token up among users only (and a service route's among
    // components only), so a token of the other kind is a 401.
    let e = alice
        .service_users()
        .usernames()
        .uuids([uuid(A)])
        .send()
        .await
        .expect_err("user token on a service route");
    assert!(matches!(e, Error::Api(ref a) if a.status == 401), "{e:?}");
    let e = svc
        .users()
        .usernames()
        .uuids([uuid(A)])
        .send()
        .await
        .expect_err("service token on a user route");
    assert!(matches!(e, Error::Api(ref a) if a.status == 401), "{e:?}");
}

// ------------------------------------------ services, resources, feedback

#[tokio::test]
async fn services_resources_and_feedback() {
    let env = Env::start().await;
    let alice = env.client(sim::ALICE_TOKEN);
    let services = alice.services().list().await.expect("services");
    let e = env.last();
    assert_eq!(
        (e.method.as_str(), e.path.as_str()),
        ("GET", "/ui/get_services")
    );
    assert!(
        services
            .iter()
            .any(|s| s.name.as_deref() == Some("cyclades")),
        "{services:?}"
    );

    let res = alice.resources().list().await.expect("resources");
    assert_eq!(env.last().path, "/account/v1.0/resources");
    assert_eq!(res["cyclades.ram"].unit.as_deref(), Some("bytes"));
    assert!(res.contains_key("pithos.diskspace"));

    alice
        .feedback()
        .create()
        .message("hello world")
        .data("a&b=c")
        .send()
        .await
        .expect("feedback");
    let e = env.last();
    assert_eq!(
        (e.method.as_str(), e.path.as_str()),
        ("POST", "/account/v1.0/feedback")
    );
    // Documented difference: labelled as a form (the reference says
    // octet-stream).
    assert_eq!(
        e.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        e.body_str(),
        "feedback_data=a%26b%3Dc&feedback_msg=hello+world"
    );
    let fb = env.sim.feedback();
    assert_eq!(fb.len(), 1);
    assert_eq!(
        (
            fb[0].user.as_str(),
            fb[0].message.as_str(),
            fb[0].data.as_str()
        ),
        (A, "hello world", "a&b=c")
    );

    let e = env
        .client(sim::CYCLADES_TOKEN)
        .feedback()
        .create()
        .message("x")
        .data("y")
        .send()
        .await
        .expect_err("service token");
    // A service token is unknown on a user route: 401.
    assert!(matches!(e, Error::Api(ref a) if a.status == 401), "{e:?}");
    assert_eq!(env.sim.feedback().len(), 1);
}

// ------------------------------------------------- quotas and commissions

#[tokio::test]
async fn service_quotas_queries() {
    let env = Env::start().await;
    let svc = env.client(sim::CYCLADES_TOKEN);
    let all = svc.quotas().service_quotas().send().await.expect("all");
    assert!(query(&env.last()).is_empty());
    assert!(all.contains_key(&uuid(A)) && all.contains_key(&uuid(B)));
    // Only this component's resources.
    assert!(all[&uuid(A)][&pid(A)]
        .keys()
        .all(|r| r.starts_with("cyclades.")));

    let q = svc
        .quotas()
        .service_quotas()
        .users([uuid(A), uuid(B)])
        .projects([pid(ER)])
        .send()
        .await
        .expect("filtered");
    let e = env.last();
    assert_eq!(e.path, "/account/v1.0/service_quotas");
    assert_eq!(
        query(&e),
        pairs(&[("project", ER), ("user", &format!("{A},{B}"))])
    );
    assert_eq!(q.len(), 2);
    let vm = &q[&uuid(A)][&pid(ER)]["cyclades.vm"];
    let (limit, usage, pending) = env.user_quota(A, ER, "cyclades.vm");
    assert_eq!(
        (vm.limit, vm.usage, vm.pending),
        (Some(limit), Some(usage), Some(pending))
    );
    assert_eq!(vm.project_limit, Some(20));

    let pq = svc
        .quotas()
        .project_quotas()
        .projects([pid(ER)])
        .send()
        .await
        .expect("project quotas");
    let e = env.last();
    assert_eq!(e.path, "/account/v1.0/service_project_quotas");
    assert_eq!(query(&e), pairs(&[("project", ER)]));
    assert_eq!(pq[&pid(ER)]["cyclades.vm"].project_limit, Some(20));
    let e = svc
        .quotas()
        .project_quotas()
        .projects([pid("no-such-project")])
        .send()
        .await
        .expect_err("unknown project");
    assert!(e.is_not_found(), "{e:?}");
}

#[tokio::test]
async fn issue_accept_and_reject_move_the_counters() {
    let env = Env::start().await;
    let svc = env.client(sim::CYCLADES_TOKEN);
    let (a, a_base, er) = (uuid(A), pid(A), pid(ER));

    // issue_one: pending rises on the user and the project holding.
    let before = env.user_quota(A, A, "cyclades.vm");
    let p_before = env.project_quota(A, "cyclades.vm");
    assert_eq!(before, (2, 1, 0));
    let s1 = svc
        .commissions()
        .issue_one(&a)
        .provision((&a_base, "cyclades.vm"), 1)
        .name("create vm")
        .send()
        .await
        .expect("issue");
    let e = env.last();
    assert_eq!(
        (e.method.as_str(), e.path.as_str()),
        ("POST", "/account/v1.0/commissions")
    );
    assert_eq!(e.header("content-type"), Some("application/json"));
    assert_eq!(
        e.json(),
        Some(
            serde_json::json!({"force": false, "auto_accept": false, "name": "create vm",
            "provisions": [
                {"holder": format!("user:{A}"), "source": format!("project:{A}"),
                 "resource": "cyclades.vm", "quantity": 1},
                {"holder": format!("project:{A}"), "source": null,
                 "resource": "cyclades.vm", "quantity": 1}]})
        )
    );
    // usage includes pending (usage_max), pending = usage_max - usage_min.
    assert_eq!(env.user_quota(A, A, "cyclades.vm"), (2, 2, 1));
    assert_eq!(
        env.project_quota(A, "cyclades.vm"),
        (p_before.0, p_before.1 + 1, p_before.2 + 1)
    );
    let c = env.sim.commission(s1.get()).expect("commission");
    assert_eq!(
        (c.state, c.name.as_str()),
        (CommissionState::Pending, "create vm")
    );
    let sq = svc
        .quotas()
        .service_quotas()
        .users([a.clone()])
        .send()
        .await
        .expect("service quotas");
    let vm = &sq[&a][&a_base]["cyclades.vm"];
    assert_eq!((vm.usage, vm.pending), (Some(2), Some(1)));

    assert_eq!(
        svc.commissions().pending().await.expect("pending"),
        vec![s1]
    );
    let info = svc.commissions().info(s1).await.expect("info");
    assert_eq!(env.last().path, format!("/account/v1.0/commissions/{s1}"));
    assert_eq!(info.serial, s1);
    assert_eq!(info.name.as_deref(), Some("create vm"));
    assert_eq!(info.provisions.len(), 2);
    assert!(info.issue_time.is_some());

    // Accept: usage stays, pending goes.
    svc.commissions().accept(s1).await.expect("accept");
    let e = env.last();
    assert_eq!(e.path, format!("/account/v1.0/commissions/{s1}/action"));
    assert_eq!(e.json(), Some(serde_json::json!({"accept": ""})));
    assert_eq!(env.user_quota(A, A, "cyclades.vm"), (2, 2, 0));
    assert_eq!(
        env.sim.commission(s1.get()).map(|c| c.state),
        Some(CommissionState::Accepted)
    );
    let q = env
        .client(sim::ALICE_TOKEN)
        .quotas()
        .get()
        .await
        .expect("alice's quotas");
    let vm = &q[&a_base]["cyclades.vm"];
    assert_eq!(
        (vm.limit, vm.usage, vm.pending),
        (Some(2), Some(2), Some(0))
    );
    assert!(svc
        .commissions()
        .info(s1)
        .await
        .expect_err("resolved")
        .is_not_found());
    assert!(svc
        .commissions()
        .accept(s1)
        .await
        .expect_err("twice")
        .is_not_found());

    // Generic issue, then reject: everything back as before.
    let ram0 = env.user_quota(A, ER, "cyclades.ram");
    let pram0 = env.project_quota(ER, "cyclades.ram");
    let s2 = svc
        .commissions()
        .issue_generic()
        .user_provision((&a, &er, "cyclades.ram"), 1024)
        .project_provision((&er, "cyclades.ram"), 1024)
        .name("ram")
        .send()
        .await
        .expect("generic");
    assert_eq!(s2, Serial(s1.get() + 1), "serials count up");
    assert_eq!(
        env.user_quota(A, ER, "cyclades.ram"),
        (ram0.0, ram0.1 + 1024, ram0.2 + 1024)
    );
    assert_eq!(
        env.project_quota(ER, "cyclades.ram"),
        (pram0.0, pram0.1 + 1024, pram0.2 + 1024)
    );
    svc.commissions().reject(s2).await.expect("reject");
    assert_eq!(env.last().json(), Some(serde_json::json!({"reject": ""})));
    assert_eq!(env.user_quota(A, ER, "cyclades.ram"), ram0);
    assert_eq!(env.project_quota(ER, "cyclades.ram"), pram0);
    assert_eq!(
        env.sim.commission(s2.get()).map(|c| c.state),
        Some(CommissionState::Rejected)
    );

    // Reassignment, accepted through action(): one CPU moves.
    let cpu_base = env.user_quota(A, A, "cyclades.cpu");
    let cpu_er = env.user_quota(A, ER, "cyclades.cpu");
    let s3 = svc
        .commissions()
        .reassign(&a)
        .provision((&a_base, &er, "cyclades.cpu"), 1)
        .name("move cpu")
        .send()
        .await
        .expect("reassign");
    let provisions = env.last().json().expect("json")["provisions"].clone();
    assert_eq!(
        provisions
            .as_array()
            .map(|p| p.iter().map(|x| x["quantity"].as_i64()).collect::<Vec<_>>()),
        Some(vec![Some(-1), Some(-1), Some(1), Some(1)])
    );
    // Pending release lowers usage_min: usage unchanged, pending 1.
    assert_eq!(
        env.user_quota(A, A, "cyclades.cpu"),
        (cpu_base.0, cpu_base.1, cpu_base.2 + 1)
    );
    svc.commissions()
        .action(s3)
        .action("accept".into())
        .send()
        .await
        .expect("action accept");
    assert_eq!(
        env.user_quota(A, A, "cyclades.cpu"),
        (cpu_base.0, cpu_base.1 - 1, 0)
    );
    assert_eq!(
        env.user_quota(A, ER, "cyclades.cpu"),
        (cpu_er.0, cpu_er.1 + 1, 0)
    );
    assert!(svc
        .commissions()
        .reject(Serial(999_999))
        .await
        .expect_err("unknown serial")
        .is_not_found());
}

#[tokio::test]
async fn resolve_accepts_and_rejects_in_one_call() {
    let env = Env::start().await;
    let svc = env.client(sim::CYCLADES_TOKEN);
    let (a, a_base) = (uuid(A), pid(A));
    let disk0 = env.user_quota(A, A, "cyclades.disk");
    let issue = |n: i64| {
        svc.commissions()
            .issue_one(&a)
            .provision((&a_base, "cyclades.disk"), n)
            .send()
    };
    let s_acc = issue(1).await.expect("first");
    let s_rej = issue(2).await.expect("second");
    assert_eq!(env.user_quota(A, A, "cyclades.disk").2, 3);
    let r = svc
        .commissions()
        .resolve()
        .accept([s_acc, Serial(999_999)])
        .reject([s_rej])
        .send()
        .await
        .expect("resolve");
    let e = env.last();
    assert_eq!(
        (e.method.as_str(), e.path.as_str()),
        ("POST", "/account/v1.0/commissions/action")
    );
    assert_eq!(
        e.json(),
        Some(serde_json::json!({"accept": [s_acc.get(), 999_999], "reject": [s_rej.get()]}))
    );
    assert_eq!(r.accepted, vec![s_acc]);
    assert_eq!(r.rejected, vec![s_rej]);
    assert_eq!(r.failed.len(), 1, "{r:?}");
    assert_eq!(r.failed[0].serial(), Serial(999_999));
    let (kind, fault) = r.failed[0].fault().expect("fault");
    assert_eq!((kind, fault.code), ("itemNotFound", Some(404)));
    assert_eq!(
        env.user_quota(A, A, "cyclades.disk"),
        (disk0.0, disk0.1 + 1, 0)
    );
    assert_eq!(
        env.sim.commission(s_acc.get()).map(|c| c.state),
        Some(CommissionState::Accepted)
    );
    assert_eq!(
        env.sim.commission(s_rej.get()).map(|c| c.state),
        Some(CommissionState::Rejected)
    );
    assert!(env.sim.pending_serials().is_empty());
    assert!(svc
        .commissions()
        .pending()
        .await
        .expect("pending")
        .is_empty());
}

#[tokio::test]
async fn over_limit_is_a_parsed_quota_limit_error() {
    let env = Env::start().await;
    let svc = env.client(sim::CYCLADES_TOKEN);
    let (a, a_base) = (uuid(A), pid(A));
    let (limit, usage, pending) = env.user_quota(A, A, "cyclades.ram");
    let want = limit - usage + 1;
    env.clear();
    let e = svc
        .commissions()
        .issue_one(&a)
        .provision((&a_base, "cyclades.ram"), want)
        .send()
        .await
        .expect_err("over the limit");
    assert_eq!(e.status(), Some(413));
    let Error::Api(q) = &e else {
        panic!("not an error answer: {e:?}");
    };
    assert_eq!(q.code.as_deref(), Some("overLimit"));
    let ol = q.detail::<OverLimit>().expect("overLimit body");
    assert_eq!(
        QUOTA_LIMIT_MESSAGE,
        "Resource Limit Exceeded for your account."
    );
    assert_eq!(
        ol.details(),
        format!(
            "Limit for resource 'RAM' exceeded for your account. Available: {}, Requested: {want}",
            limit - usage
        )
    );
    assert_eq!(ol.data.name.as_deref(), Some("NoCapacityError"));
    assert_eq!((ol.data.limit, ol.data.usage), (limit, usage));
    assert_eq!(ol.data.available(), limit - usage);
    assert_eq!(ol.data.provision.resource, "cyclades.ram");
    assert_eq!(ol.data.provision.quantity, want);
    assert!(q.excerpt.contains("overLimit"), "{}", q.excerpt);
    // Not retried (a 413 never is), nothing created, nothing pending.
    let posts = env
        .server
        .journal()
        .count("POST", "/account/v1.0/commissions");
    assert_eq!(posts, 1);
    assert_eq!(
        env.user_quota(A, A, "cyclades.ram"),
        (limit, usage, pending)
    );
    assert!(env.sim.pending_serials().is_empty());

    // force goes over the limit.
    svc.commissions()
        .issue_one(&a)
        .provision((&a_base, "cyclades.ram"), want)
        .force(true)
        .send()
        .await
        .expect("forced");
    let (l, u, _) = env.user_quota(A, A, "cyclades.ram");
    assert!(u > l);
}

#[tokio::test]
async fn unknown_token_is_unauthorized_and_unknown_serial_not_found() {
    let env = Env::start().await;
    let bogus = env.client("no-such-token");
    let e = bogus.quotas().get().await.expect_err("unknown token");
    assert!(e.is_unauthorized(), "{e:?}");
    assert_eq!(e.status(), Some(401));
    let Error::Api(s) = &e else { unreachable!() };
    assert_eq!(
        (s.code.as_deref(), s.message.as_str()),
        (Some("unauthorized"), "Invalid X-Auth-Token")
    );
    assert!(!s.excerpt.is_empty(), "an excerpt of the body");
    assert!(!s.excerpt.contains("no-such-token"), "{}", s.excerpt);
    assert!(!e.to_string().contains("no-such-token"), "{e}");
    // Discovery is public; the 401 came from the quotas GET, sent once.
    assert_eq!(env.journal().len(), 2);
    assert_eq!(env.server.journal().count("GET", "/account/v1.0/quotas"), 1);

    let e = env
        .client("no-such-token")
        .identity()
        .authenticate()
        .send()
        .await
        .expect_err("authenticate");
    assert!(e.is_unauthorized(), "{e:?}");

    let svc = env.client(sim::CYCLADES_TOKEN);
    let e = svc
        .commissions()
        .info(Serial(999_999))
        .await
        .expect_err("unknown serial");
    assert!(e.is_not_found(), "{e:?}");
    assert_eq!(e.status(), Some(404));
    assert_eq!(env.last().path, "/account/v1.0/commissions/999999");
}

// ------------------------------------------------------------- projects

#[tokio::test]
async fn projects_list_get_create_modify_and_act() {
    let env = Env::start().await;
    let alice = env.client(sim::ALICE_TOKEN);
    let carol = env.client(sim::CAROL_TOKEN);
    let bob = env.client(sim::BOB_TOKEN);
    let admin = env.client(sim::ADMIN_TOKEN);

    let all = alice.projects().list().send().await.expect("list");
    let e = env.last();
    assert_eq!(
        (e.method.as_str(), e.path.as_str()),
        ("GET", "/account/v1.0/projects")
    );
    // The reference labels this bodyless GET as JSON.
    assert_eq!(e.header("content-type"), Some("application/json"));
    assert!(e.body.is_empty());
    // The default mode lists the caller's projects (member or owner):
    // Alice is a member of eresearch and of her system project, not of
    // teaching.
    let ids: Vec<&str> = all.iter().map(|p| p.id.as_str()).collect();
    assert!(
        ids.contains(&ER) && ids.contains(&A) && !ids.contains(&TEACHING),
        "{ids:?}"
    );

    let by_name = alice
        .projects()
        .list()
        .name("eresearch")
        .send()
        .await
        .expect("by name");
    assert_eq!(query(&env.last()), pairs(&[("name", "eresearch")]));
    assert_eq!(
        by_name.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        [ER]
    );
    // Filters apply within the caller's projects: Bob sees his own,
    // Alice (no member of teaching) none.
    let not_related = alice
        .projects()
        .list()
        .owner(uuid(B))
        .send()
        .await
        .expect("by owner, not related");
    assert!(not_related.is_empty(), "{not_related:?}");
    let by_owner = bob
        .projects()
        .list()
        .owner(uuid(B))
        .state(ProjectState::Active)
        .send()
        .await
        .expect("by owner");
    assert_eq!(
        query(&env.last()),
        pairs(&[("owner", B), ("state", "active")])
    );
    assert_eq!(
        by_owner.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        [TEACHING]
    );
    let member = carol
        .projects()
        .list()
        .mode(ProjectMode::Member)
        .send()
        .await
        .expect("member");
    assert_eq!(
        member.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        [C],
        "carol is only a member of her base project"
    );
    let e = alice
        .projects()
        .list()
        .state(ProjectState::Unknown("bogus".into()))
        .send()
        .await
        .expect_err("bad state");
    assert!(matches!(e, Error::Api(ref a) if a.status == 400), "{e:?}");

    let p = alice.projects().get(&pid(ER)).await.expect("get");
    assert_eq!(env.last().path, format!("/account/v1.0/projects/{ER}"));
    assert_eq!(p.name.as_deref(), Some("eresearch"));
    assert_eq!(p.owner, Some(uuid(A)));
    assert_eq!(p.state, Some(ProjectState::Active));
    assert_eq!(p.system_project, Some(false));
    assert_eq!(p.resources["cyclades.vm"], ResourceCapacity::new(5, 20));
    assert!(alice
        .projects()
        .get(&pid("no-such-project"))
        .await
        .expect_err("unknown")
        .is_not_found());

    // create (carol): uninitialized with a pending application.
    let spec = NewProject::new("lab.example.org", "2031-01-01T00:00:00Z")
        .description("a lab")
        .join_policy(MemberPolicy::Moderated)
        .leave_policy(MemberPolicy::Auto)
        .max_members(5)
        .resource("cyclades.vm", ResourceCapacity::new(2, 4));
    let created = carol
        .projects()
        .create()
        .spec(spec)
        .send()
        .await
        .expect("create");
    let e = env.last();
    assert_eq!(
        (e.method.as_str(), e.path.as_str()),
        ("POST", "/account/v1.0/projects")
    );
    assert_eq!(
        e.json(),
        Some(
            serde_json::json!({"name": "lab.example.org", "end_date": "2031-01-01T00:00:00Z",
            "description": "a lab", "join_policy": "moderated", "leave_policy": "auto",
            "max_members": 5,
            "resources": {"cyclades.vm": {"member_capacity": 2, "project_capacity": 4}}})
        )
    );
    let lab = created.id.clone();
    let app1 = created.application.expect("application id");
    assert_eq!(
        env.sim.project_state(lab.as_str()).as_deref(),
        Some("uninitialized")
    );
    let listed = carol
        .projects()
        .list()
        .name("lab.example.org")
        .send()
        .await
        .expect("listed");
    assert_eq!(listed.iter().map(|p| &p.id).collect::<Vec<_>>(), [&lab]);
    let got = carol.projects().get(&lab).await.expect("get lab");
    assert_eq!(got.state, Some(ProjectState::Uninitialized));
    assert_eq!(got.last_application.as_ref().map(|a| a.id), Some(app1));

    // The real server refuses to modify a project before its first
    // approval (409).
    let changes = NewProject::changes()
        .description("a bigger lab")
        .resource("cyclades.vm", ResourceCapacity::new(3, 6));
    let e = carol
        .projects()
        .modify(&lab)
        .spec(changes.clone())
        .send()
        .await
        .expect_err("uninitialized");
    assert_eq!(e.status(), Some(409), "{e:?}");

    // application actions
    let e = carol
        .applications()
        .action(&lab, app1)
        .action(ApplicationAction::Approve)
        .send()
        .await
        .expect_err("applicant cannot approve");
    assert!(matches!(e, Error::Api(ref a) if a.status == 403), "{e:?}");
    admin
        .applications()
        .action(&lab, app1)
        .action(ApplicationAction::Approve)
        .reason("ok")
        .send()
        .await
        .expect("approve");
    let e = env.last();
    assert_eq!(e.path, format!("/account/v1.0/projects/{lab}/action"));
    assert_eq!(
        e.json(),
        Some(serde_json::json!({"approve": {"reasons": "ok", "app_id": app1.get()}}))
    );
    assert_eq!(
        env.sim.project_state(lab.as_str()).as_deref(),
        Some("active")
    );

    // modify: a new pending application, applied when approved.
    let modified = carol
        .projects()
        .modify(&lab)
        .spec(changes)
        .send()
        .await
        .expect("modify");
    let e = env.last();
    assert_eq!(
        (e.method.as_str(), e.path.as_str()),
        ("PUT", format!("/account/v1.0/projects/{lab}").as_str())
    );
    let app2 = modified.application.expect("new application");
    assert_ne!(app2, app1);
    let e = bob
        .projects()
        .modify(&lab)
        .spec(NewProject::changes().description("x"))
        .send()
        .await
        .expect_err("not the owner");
    assert!(matches!(e, Error::Api(ref a) if a.status == 403), "{e:?}");
    admin
        .applications()
        .action(&lab, app2)
        .action(ApplicationAction::Approve)
        .send()
        .await
        .expect("approve the modification");
    let got = carol.projects().get(&lab).await.expect("approved");
    assert_eq!(got.description.as_deref(), Some("a bigger lab"));
    assert_eq!(got.resources["cyclades.vm"].member_capacity, Some(3));
    let e = admin
        .applications()
        .action(&lab, app2)
        .action(ApplicationAction::Approve)
        .send()
        .await
        .expect_err("approved twice");
    assert!(
        matches!(&e, Error::Api(s) if s.status == 409 && s.excerpt.contains("conflict")),
        "{e:?}"
    );

    // project actions
    let e = carol
        .projects()
        .action(&lab)
        .action(ProjectAction::Suspend)
        .send()
        .await
        .expect_err("owner cannot suspend");
    assert!(matches!(e, Error::Api(ref a) if a.status == 403), "{e:?}");
    admin
        .projects()
        .action(&lab)
        .action(ProjectAction::Suspend)
        .reason("why")
        .send()
        .await
        .expect("suspend");
    assert_eq!(
        env.last().json(),
        Some(serde_json::json!({"suspend": {"reason": "why"}}))
    );
    assert_eq!(
        env.sim.project_state(lab.as_str()).as_deref(),
        Some("suspended")
    );
    let e = admin
        .projects()
        .action(&lab)
        .action(ProjectAction::Suspend)
        .send()
        .await
        .expect_err("invalid transition");
    assert_eq!(e.status(), Some(409), "{e:?}");
    assert!(matches!(e, Error::Api(_)), "{e:?}");
    for (action, state) in [
        (ProjectAction::Unsuspend, "active"),
        (ProjectAction::Terminate, "terminated"),
        (ProjectAction::Reinstate, "active"),
    ] {
        admin
            .projects()
            .action(&lab)
            .action(action)
            .send()
            .await
            .expect("action");
        assert_eq!(env.sim.project_state(lab.as_str()).as_deref(), Some(state));
    }
    let e = admin
        .projects()
        .action(&pid(C))
        .action(ProjectAction::Terminate)
        .send()
        .await
        .expect_err("a base project cannot be terminated");
    assert_eq!(e.status(), Some(409), "{e:?}");

    // deny + dismiss, cancel: the projects end up deleted.
    let denied = bob
        .projects()
        .create()
        .spec(NewProject::new(
            "denied.example.org",
            "2031-01-01T00:00:00Z",
        ))
        .send()
        .await
        .expect("create");
    let app = denied.application.expect("app");
    admin
        .applications()
        .action(&denied.id, app)
        .action(ApplicationAction::Deny)
        .reason("no")
        .send()
        .await
        .expect("deny");
    bob.applications()
        .action(&denied.id, app)
        .action(ApplicationAction::Dismiss)
        .send()
        .await
        .expect("dismiss");
    assert_eq!(
        env.sim.project_state(denied.id.as_str()).as_deref(),
        Some("deleted")
    );
    let cancelled = bob
        .projects()
        .create()
        .spec(NewProject::new(
            "cancel.example.org",
            "2031-01-01T00:00:00Z",
        ))
        .send()
        .await
        .expect("create");
    bob.applications()
        .action(&cancelled.id, cancelled.application.expect("app"))
        .action(ApplicationAction::Cancel)
        .send()
        .await
        .expect("cancel");
    assert_eq!(
        env.sim.project_state(cancelled.id.as_str()).as_deref(),
        Some("deleted")
    );
}

// ---------------------------------------------------------- memberships

#[tokio::test]
async fn memberships_list_get_act_join_and_enroll() {
    let env = Env::start().await;
    let alice = env.client(sim::ALICE_TOKEN);
    let carol = env.client(sim::CAROL_TOKEN);
    let bob = env.client(sim::BOB_TOKEN);

    let ms = alice
        .memberships()
        .list()
        .project(pid(ER))
        .send()
        .await
        .expect("list");
    let e = env.last();
    assert_eq!(
        (e.method.as_str(), e.path.as_str()),
        ("GET", "/account/v1.0/projects/memberships")
    );
    assert_eq!(query(&e), pairs(&[("project", ER)]));
    assert_eq!(e.header("content-type"), Some("application/json"));
    let mut states: Vec<(String, MembershipState)> = ms
        .iter()
        .map(|m| {
            (
                m.user.as_ref().map(|u| u.to_string()).unwrap_or_default(),
                m.state.clone().expect("state"),
            )
        })
        .collect();
    states.sort_by(|x, y| x.0.cmp(&y.0));
    let mut want = vec![
        (A.to_owned(), MembershipState::Accepted),
        (B.to_owned(), MembershipState::Accepted),
        (C.to_owned(), MembershipState::Requested),
    ];
    want.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(states, want);
    let carol_m = ms
        .iter()
        .find(|m| m.user == Some(uuid(C)))
        .expect("carol's request")
        .id;

    let m = alice.memberships().get(carol_m).await.expect("get");
    assert_eq!(
        env.last().path,
        format!("/account/v1.0/projects/memberships/{carol_m}")
    );
    assert_eq!(m.project, Some(pid(ER)));
    assert_eq!(m.state, Some(MembershipState::Requested));
    let mut allowed = m.allowed_actions.clone();
    allowed.sort_by(|x, y| x.as_str().cmp(y.as_str()));
    assert_eq!(
        allowed,
        [MembershipAction::Accept, MembershipAction::Reject]
    );
    assert!(alice
        .memberships()
        .get(MembershipId(999_999))
        .await
        .expect_err("unknown")
        .is_not_found());

    // accept (by the owner, not by the member)
    let e = carol
        .memberships()
        .action(carol_m)
        .action(MembershipAction::Accept)
        .send()
        .await
        .expect_err("member cannot accept");
    assert!(matches!(e, Error::Api(ref a) if a.status == 403), "{e:?}");
    alice
        .memberships()
        .action(carol_m)
        .action(MembershipAction::Accept)
        .reason("welcome")
        .send()
        .await
        .expect("accept");
    let e = env.last();
    assert_eq!(
        e.path,
        format!("/account/v1.0/projects/memberships/{carol_m}/action")
    );
    assert_eq!(e.json(), Some(serde_json::json!({"accept": "welcome"})));
    assert_eq!(env.sim.membership_state(ER, C).as_deref(), Some("accepted"));
    let e = alice
        .memberships()
        .action(carol_m)
        .action(MembershipAction::Accept)
        .send()
        .await
        .expect_err("accepted twice");
    assert_eq!(e.status(), Some(409), "{e:?}");
    // carol now sees eresearch's quotas
    assert!(carol
        .quotas()
        .get()
        .await
        .expect("quotas")
        .contains_key(&pid(ER)));

    // join (auto join policy), then leave (moderated) and accept the leave
    let j = carol
        .memberships()
        .join(&pid(TEACHING))
        .await
        .expect("join");
    let e = env.last();
    assert_eq!(
        (e.method.as_str(), e.path.as_str()),
        ("POST", "/account/v1.0/projects/memberships")
    );
    assert_eq!(
        e.json(),
        Some(serde_json::json!({"join": {"project": TEACHING}}))
    );
    assert_eq!(
        env.sim.membership_state(TEACHING, C).as_deref(),
        Some("accepted")
    );
    let e = carol
        .memberships()
        .join(&pid(TEACHING))
        .await
        .expect_err("joined twice");
    assert_eq!(e.status(), Some(409), "{e:?}");
    carol
        .memberships()
        .action(j.id)
        .action(MembershipAction::Leave)
        .send()
        .await
        .expect("leave");
    assert_eq!(
        env.sim.membership_state(TEACHING, C).as_deref(),
        Some("leave_requested")
    );
    // `accept` is for join requests (409 on a leave request); the owner
    // grants a leave request with `remove`.
    let e = bob
        .memberships()
        .action(j.id)
        .action(MembershipAction::Accept)
        .send()
        .await
        .expect_err("accept is for join requests");
    assert_eq!(e.status(), Some(409), "{e:?}");
    bob.memberships()
        .action(j.id)
        .action(MembershipAction::Remove)
        .send()
        .await
        .expect("owner removes the leaving member");
    assert_eq!(
        env.sim.membership_state(TEACHING, C).as_deref(),
        Some("removed")
    );

    // enroll (by the owner), then remove
    let en = bob
        .memberships()
        .enroll(&pid(TEACHING))
        .email("alice@example.org")
        .send()
        .await
        .expect("enroll");
    assert_eq!(
        env.last().json(),
        Some(serde_json::json!({"enroll": {"project": TEACHING, "user": "alice@example.org"}}))
    );
    assert_eq!(
        env.sim.membership_state(TEACHING, A).as_deref(),
        Some("accepted")
    );
    let got = alice.memberships().get(en.id).await.expect("enrolled");
    assert_eq!(got.state, Some(MembershipState::Accepted));
    let e = carol
        .memberships()
        .enroll(&pid(TEACHING))
        .email("bob@example.org")
        .send()
        .await
        .expect_err("not the owner");
    assert!(matches!(e, Error::Api(ref a) if a.status == 403), "{e:?}");
    bob.memberships()
        .action(en.id)
        .action(MembershipAction::Remove)
        .send()
        .await
        .expect("remove");
    assert_eq!(
        env.sim.membership_state(TEACHING, A).as_deref(),
        Some("removed")
    );
}

// ------------------------------------------------------ input validation

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_sent() {
    let env = Env::start().await;
    let alice = env.client(sim::ALICE_TOKEN);
    let svc = env.client(sim::CYCLADES_TOKEN);
    let (a, a_base) = (uuid(A), pid(A));
    fn bad(r: Result<impl std::fmt::Debug, Error>, field: &str) {
        match r {
            Err(Error::InvalidInput { field: f, .. }) => assert_eq!(f, field),
            other => panic!("expected BadValue({field}), got {other:?}"),
        }
    }

    // Ids that would change a request's meaning.
    for s in ["", "a b", "a,b", "user:x"] {
        assert!(Uuid::new(s).is_err(), "{s:?}");
        assert!(ProjectId::new(s).is_err(), "{s:?}");
    }
    bad(
        AstakosClient::builder(env.auth_url(), Secret::new("")).build(),
        "token",
    );
    for h in ["X-Auth-Token", "content-length", "Content-Type"] {
        bad(
            AstakosClient::builder(env.auth_url(), Secret::new("t"))
                .default_header(h, "x")
                .build(),
            "default_header",
        );
    }
    bad(
        AstakosClient::builder("ftp://example.org/identity/v2.0", Secret::new("t")).build(),
        "auth_url",
    );

    bad(
        alice
            .feedback()
            .create()
            .message("")
            .data("data")
            .send()
            .await,
        "message",
    );
    bad(
        alice.users().uuid().display_name("").send().await,
        "display_name",
    );
    bad(
        alice
            .users()
            .uuids()
            .display_names(["x@y", ""])
            .send()
            .await,
        "display_names",
    );
    bad(
        alice
            .identity()
            .validate_token()
            .token_id(Secret::new(""))
            .send()
            .await,
        "token_id",
    );
    bad(
        alice
            .identity()
            .oauth2_token()
            .client_id("")
            .client_secret(Secret::new("s"))
            .send()
            .await,
        "client_id",
    );
    bad(svc.commissions().issue_one(&a).send().await, "provisions");
    bad(
        svc.commissions()
            .issue_one(&a)
            .provision((&a_base, ""), 1)
            .send()
            .await,
        "resource",
    );
    bad(
        svc.commissions()
            .reassign(&a)
            .provision((&a_base, &pid(ER), "cyclades.vm"), i64::MIN)
            .send()
            .await,
        "quantity",
    );
    bad(
        svc.commissions()
            .action(Serial(1))
            .action("lala".into())
            .send()
            .await,
        "action",
    );
    bad(
        alice
            .projects()
            .create()
            .spec(NewProject::changes().end_date("2031-01-01T00:00:00Z"))
            .send()
            .await,
        "name",
    );
    bad(
        alice
            .projects()
            .create()
            .spec(NewProject::changes().name("x"))
            .send()
            .await,
        "end_date",
    );
    bad(
        alice
            .projects()
            .modify(&pid(ER))
            .spec(NewProject::changes().name(""))
            .send()
            .await,
        "name",
    );
    bad(alice.projects().list().name("").send().await, "name");
    bad(
        alice
            .projects()
            .action(&pid(ER))
            .action(ProjectAction::Unknown("explode".into()))
            .send()
            .await,
        "action",
    );
    bad(
        alice
            .applications()
            .action(&pid(ER), 1.into())
            .action(ApplicationAction::Unknown("ponder".into()))
            .send()
            .await,
        "action",
    );
    bad(
        alice
            .memberships()
            .action(MembershipId(1))
            .action(MembershipAction::Unknown("haunt".into()))
            .send()
            .await,
        "action",
    );
    bad(
        alice.memberships().enroll(&pid(ER)).email(" ").send().await,
        "email",
    );

    let j = env.journal();
    assert!(j.is_empty(), "sent {} request(s): {j:?}", j.len());
    assert_eq!(
        alice.cached_prefixes().await.account,
        None,
        "not even discovery"
    );
}

// --------------------------------------------------------------- retries

#[tokio::test]
async fn a_commission_post_is_never_sent_twice() {
    let env = Env::start().await;
    let svc = env.retrying_client(sim::CYCLADES_TOKEN);
    let (a, a_base) = (uuid(A), pid(A));
    svc.account_prefix().await.expect("discovery");
    env.server.faults().add(
        FaultRule::path("/account/v1.0/commissions", Fault::ResetAfterBody)
            .method("POST")
            .times(1),
    );
    let before = env.user_quota(A, A, "cyclades.vm");
    let e = svc
        .commissions()
        .issue_one(&a)
        .provision((&a_base, "cyclades.vm"), 1)
        .name("lost answer")
        .send()
        .await
        .expect_err("the connection was reset");
    assert!(matches!(e, Error::Transport(_)), "{e:?}");
    assert_eq!(
        env.server
            .journal()
            .count("POST", "/account/v1.0/commissions"),
        1,
        "a commission POST that reached the server is not re-sent"
    );
    // ... because the server did create it: a second one would double the
    // pending quantity.
    let pending = env.sim.pending_serials();
    assert_eq!(pending.len(), 1, "{pending:?}");
    let c = env.sim.commission(pending[0]).expect("commission");
    assert_eq!(
        (c.name.as_str(), c.state),
        ("lost answer", CommissionState::Pending)
    );
    assert_eq!(
        env.user_quota(A, A, "cyclades.vm"),
        (before.0, before.1 + 1, before.2 + 1)
    );
    // The caller can find and resolve it.
    assert_eq!(
        svc.commissions().pending().await.expect("pending"),
        vec![Serial(pending[0])]
    );

    // The same for an accept.
    env.server.faults().add(
        FaultRule::prefix("/account/v1.0/commissions/", Fault::ResetAfterBody)
            .method("POST")
            .times(1),
    );
    svc.commissions()
        .accept(Serial(pending[0]))
        .await
        .expect_err("reset");
    let action = format!("/account/v1.0/commissions/{}/action", pending[0]);
    assert_eq!(env.server.journal().count("POST", &action), 1);
    assert_eq!(
        env.sim.commission(pending[0]).map(|c| c.state),
        Some(CommissionState::Accepted)
    );
}

#[tokio::test]
async fn a_get_hit_by_503_is_retried() {
    let env = Env::start().await;
    let alice = env.retrying_client(sim::ALICE_TOKEN);
    env.server.faults().add(
        FaultRule::path("/account/v1.0/quotas", Fault::status(503))
            .method("GET")
            .times(1),
    );
    let q = alice.quotas().get().await.expect("second attempt succeeds");
    assert!(q.contains_key(&pid(A)));
    assert_eq!(env.server.journal().count("GET", "/account/v1.0/quotas"), 2);
    assert_eq!(env.server.journal().count("POST", TOKENS), 1);

    // Without retries the 503 is the caller's.
    env.server.faults().add(
        FaultRule::path("/account/v1.0/quotas", Fault::status(503))
            .method("GET")
            .times(1),
    );
    let e = env
        .client(sim::ALICE_TOKEN)
        .quotas()
        .get()
        .await
        .expect_err("no retry");
    assert_eq!(e.status(), Some(503), "{e:?}");
    assert!(matches!(e, Error::Api(_)), "{e:?}");
}
