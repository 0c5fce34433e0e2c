//! The client against the SSS simulator (`tenantry-sim`'s `ecl-sss`,
//! behind its own Keystone) on 127.0.0.1: every v1 operation end to end,
//! and the stateful behaviours — cross-contract isolation, API-key
//! rotation, one re-authentication for 100 callers after a 401.

use ecl_sss::models::{IamResource, IamVerb};
use ecl_sss::{
    BillingMonth, ChannelId, ContractId, EclSssClient, Error, IamGroupId, IamRoleId, RetryConfig,
    Secret, TenantId, UserId,
};
use tenantry_core::AuthErrorKind;
use tenantry_sim::ecl_sss::*;
use tenantry_sim::{EclSssSim, SimServer};

struct Env {
    sim: EclSssSim,
    server: SimServer,
}

async fn env() -> Env {
    let sim = EclSssSim::seeded();
    let server = SimServer::start(sim.router()).await.unwrap();
    Env { sim, server }
}

fn id<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

impl Env {
    fn client(&self, key: &str, secret: &str, tenant: &str) -> EclSssClient {
        EclSssClient::builder(format!("{}/v3", self.server.base_url()))
            .username(key)
            .password(Secret::new(secret))
            .project_id(id(tenant))
            .region("jp1")
            .retry(RetryConfig::disabled())
            .build()
            .unwrap()
    }
    fn owner(&self) -> EclSssClient {
        self.client(SEED_OWNER_KEY, SEED_OWNER_SECRET, SEED_TENANT_ID)
    }
    fn user(&self) -> EclSssClient {
        self.client(SEED_USER_KEY, SEED_USER_SECRET, SEED_TENANT_ID)
    }
    fn partner(&self) -> EclSssClient {
        self.client(
            SEED_PARTNER_KEY,
            SEED_PARTNER_SECRET,
            SEED_PARTNER_TENANT_ID,
        )
    }
}

fn last_month() -> BillingMonth {
    let now = time::OffsetDateTime::now_utc();
    let (y, m) = match u8::from(now.month()) {
        1 => (now.year() - 1, 12),
        m => (now.year(), m - 1),
    };
    id(&format!("{y:04}-{m:02}"))
}

fn status(e: &Error) -> Option<u16> {
    e.api().map(|a| a.status)
}

#[tokio::test]
async fn users_end_to_end() {
    let e = env().await;
    let c = e.owner();
    // #1, #2, #3
    let users = c.users().list().await.unwrap();
    let ids: Vec<String> = users
        .iter()
        .filter_map(|u| u.user_id.as_ref().map(|i| i.to_string()))
        .collect();
    assert_eq!(ids, [SEED_OWNER_ID, SEED_USER_ID]);
    let found = c.users().find(&id(SEED_USER_ID)).await.unwrap().unwrap();
    assert_eq!(found.login_id.as_deref(), Some("user"));
    assert!(c
        .users()
        .find(&id("ecid1999999999"))
        .await
        .unwrap()
        .is_none());
    let got = c.users().get(&id(SEED_USER_ID)).await.unwrap();
    assert_eq!(got.keystone_name.as_deref(), Some(SEED_USER_KEY));
    assert_eq!(
        got.keystone_password.as_ref().map(Secret::expose),
        Some(SEED_USER_SECRET)
    );
    // #4
    let new = c
        .users()
        .create()
        .login_id("carol")
        .mail_address("carol@example.com")
        .password(Secret::new("Carol-pass-1"))
        .send()
        .await
        .unwrap();
    let carol = new.user_id.clone().unwrap();
    assert_eq!(
        new.password.as_ref().map(Secret::expose),
        Some("Carol-pass-1")
    );
    assert!(new.keystone_password.is_some());
    // Its credentials log in.
    let as_carol = e.client(
        new.keystone_name.as_deref().unwrap(),
        new.keystone_password.as_ref().unwrap().expose(),
        SEED_TENANT_ID,
    );
    assert_eq!(
        as_carol
            .users()
            .get(&carol)
            .await
            .unwrap()
            .login_id
            .as_deref(),
        Some("carol")
    );
    // A second create with the same login id: 409 with the SSS message.
    let dup = c
        .users()
        .create()
        .login_id("carol")
        .mail_address("c2@example.com")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&dup), Some(409));
    assert_eq!(dup.api().unwrap().message, "login_id already exists");
    // An ordinary user may not create users.
    let refused = e
        .user()
        .users()
        .create()
        .login_id("x1")
        .mail_address("x@example.com")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&refused), Some(403));
    // #5
    c.users()
        .update(&carol)
        .mail_address("carol2@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        c.users().get(&carol).await.unwrap().mail_address.as_deref(),
        Some("carol2@example.com")
    );
    c.users().update(&carol).send().await.unwrap();
    // #6
    c.users().delete(&carol).await.unwrap();
    assert!(c.users().get_opt(&carol).await.unwrap().is_none());
    assert!(!c.users().delete_if_exists(&carol).await.unwrap());
    let e404 = c.users().delete(&carol).await.unwrap_err();
    assert!(e404.is_not_found(), "{e404:?}");
    // The owner cannot be deleted.
    assert_eq!(
        status(&c.users().delete(&id(SEED_OWNER_ID)).await.unwrap_err()),
        Some(403)
    );
}

#[tokio::test]
async fn tenants_roles_and_keys_end_to_end() {
    let e = env().await;
    let c = e.owner();
    // #7, #8
    let tenants = c.tenants().list().await.unwrap();
    assert_eq!(tenants.len(), 1);
    assert_eq!(tenants[0].tenant_name.as_deref(), Some("tenant-one"));
    assert!(c
        .tenants()
        .find(&id(SEED_TENANT_ID))
        .await
        .unwrap()
        .is_some());
    assert!(
        c.tenants()
            .find(&id(SEED_PARTNER_TENANT_ID))
            .await
            .unwrap()
            .is_none(),
        "another contract's"
    );
    // #9
    let t = c
        .tenants()
        .create()
        .tenant_name("t2")
        .description("second")
        .region("jp2")
        .send()
        .await
        .unwrap();
    let t2: TenantId = t.tenant_id.unwrap();
    assert_eq!(t.region.as_deref(), Some("jp2"));
    let bad_region = c
        .tenants()
        .create()
        .tenant_name("t3")
        .description("")
        .region("mars1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&bad_region), Some(400));
    // #11, #12
    let user: UserId = id(SEED_USER_ID);
    let role = c.roles().create(&user, &t2).await.unwrap();
    assert_eq!(role.role_name.as_deref(), Some("_member_"));
    assert_eq!(role.region_id.as_deref(), Some("jp2"));
    assert_eq!(
        status(&c.roles().create(&user, &t2).await.unwrap_err()),
        Some(409)
    );
    c.roles().delete(&user, &t2).await.unwrap();
    assert!(c
        .roles()
        .delete(&user, &t2)
        .await
        .unwrap_err()
        .is_not_found());
    // #10
    assert!(c.tenants().delete_if_exists(&t2).await.unwrap());
    assert!(!c.tenants().delete_if_exists(&t2).await.unwrap());
    // #13: rotation; the old pair stops working, the new one works.
    let old = e.user();
    old.users().list().await.unwrap();
    let key = c.api_keys().update(&user).await.unwrap();
    assert_eq!(key.status.as_deref(), Some("Success"));
    let (name, secret) = (
        key.keystone_name.clone().unwrap(),
        key.keystone_password.clone().unwrap(),
    );
    assert_ne!(secret.expose(), SEED_USER_SECRET);
    assert_eq!(
        e.sim.credentials(SEED_USER_ID),
        Some((name.clone(), secret.expose().to_owned()))
    );
    let stale = e.user().users().list().await.unwrap_err();
    match &stale {
        Error::Auth(a) => assert_eq!(a.kind, AuthErrorKind::InvalidCredentials),
        other => panic!("{other:?}"),
    }
    let fresh = e.client(&name, secret.expose(), SEED_TENANT_ID);
    assert_eq!(fresh.users().list().await.unwrap().len(), 2);
}

#[tokio::test]
async fn channels_contracts_and_billing_end_to_end() {
    let e = env().await;
    let p = e.partner();
    // #14
    let channels = p
        .channels()
        .list()
        .get_contracts(true)
        .send()
        .await
        .unwrap();
    assert_eq!(channels.len(), 2);
    let end_user = channels
        .iter()
        .find(|c| c.channel_id.as_ref().map(|i| i.as_str()) == Some(SEED_END_USER_CHANNEL))
        .unwrap();
    let listed: Vec<&str> = end_user
        .contracts
        .as_ref()
        .unwrap()
        .iter()
        .filter_map(|k| k.contract_id.as_ref().map(|i| i.as_str()))
        .collect();
    assert_eq!(listed, [SEED_CONTRACT_ID]);
    // Not a partner: the 403.
    let refused = e.owner().channels().list().send().await.unwrap_err();
    assert_eq!(status(&refused), Some(403));
    // #15
    let ch: ChannelId = id(SEED_END_USER_CHANNEL);
    let k = p
        .contracts()
        .create()
        .login_id("newowner")
        .mail_address("newowner@example.com")
        .channel_id(&ch)
        .notify_password(false)
        .send()
        .await
        .unwrap();
    let new_contract: ContractId = k.contract_id.clone().unwrap();
    // The new owner logs in and sees only its own contract.
    let t = e.sim.keystone().clone();
    t.add_project("abcdefabcdefabcdefabcdefabcdef01", "new-tenant", "default");
    let new_owner = e.client(
        k.keystone_name.as_deref().unwrap(),
        k.keystone_password.as_ref().unwrap().expose(),
        "abcdefabcdefabcdefabcdefabcdef01",
    );
    let theirs = new_owner.users().list().await.unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].user_id, k.user_id);
    // #16
    let listed = p.contracts().list(&ch).send().await.unwrap();
    assert_eq!(listed.len(), 2);
    // #17
    p.contracts().delete(&new_contract).await.unwrap();
    let active = p.contracts().list(&ch).send().await.unwrap();
    assert_eq!(active.len(), 1);
    let all = p
        .contracts()
        .list(&ch)
        .include_deleted(true)
        .send()
        .await
        .unwrap();
    let deleted = all
        .iter()
        .find(|c| c.contract_id.as_ref() == Some(&new_contract))
        .unwrap();
    assert_eq!(deleted.status.as_ref().map(|s| s.as_str()), Some("deleted"));
    // Its owner can no longer log in.
    assert!(matches!(
        new_owner.users().list().await.unwrap_err(),
        Error::Auth(_) | Error::Api(_)
    ));
    // #18
    let mine = e
        .owner()
        .contracts()
        .get(&id(SEED_CONTRACT_ID))
        .await
        .unwrap();
    assert_eq!(
        mine.channel_id.as_ref().map(|c| c.as_str()),
        Some(SEED_END_USER_CHANNEL)
    );
    assert!(
        e.owner()
            .contracts()
            .get_opt(&id(SEED_PARTNER_CONTRACT_ID))
            .await
            .unwrap()
            .is_none(),
        "isolation"
    );
    // #19, #20
    let month = last_month();
    let b = e
        .owner()
        .billing(&id(SEED_CONTRACT_ID))
        .month(&month)
        .await
        .unwrap();
    assert_eq!(b.charge_status.as_ref().map(|s| s.as_str()), Some("fixed"));
    assert!(b.charge_data.is_some());
    let bt = p
        .billing(&id(SEED_PARTNER_CONTRACT_ID))
        .target_month(&id(SEED_CONTRACT_ID), &month)
        .await
        .unwrap();
    assert_eq!(
        bt.owner_contract_id.as_ref().map(|c| c.as_str()),
        Some(SEED_PARTNER_CONTRACT_ID)
    );
    assert_eq!(
        bt.contract_id.as_ref().map(|c| c.as_str()),
        Some(SEED_CONTRACT_ID)
    );
    let future = e
        .owner()
        .billing(&id(SEED_CONTRACT_ID))
        .month(&id("2999-01"))
        .await
        .unwrap_err();
    assert_eq!(status(&future), Some(400));
}

#[tokio::test]
async fn iam_end_to_end() {
    let e = env().await;
    let c = e.owner();
    let contract: ContractId = id(SEED_CONTRACT_ID);
    // #21
    let groups = c
        .iam_groups()
        .list()
        .contract_id(&contract)
        .send()
        .await
        .unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].iam_roles.as_ref().map(Vec::len), Some(1));
    let other = c
        .iam_groups()
        .list()
        .contract_id(&id(SEED_PARTNER_CONTRACT_ID))
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&other), Some(403));
    assert_eq!(other.api().unwrap().code.as_deref(), Some("IAM-4030"));
    // #29, #31, #30
    assert_eq!(c.iam_roles().list().send().await.unwrap().len(), 1);
    let role = c
        .iam_roles()
        .create()
        .iam_role_name("net_admin")
        .description("network")
        .resource(IamResource::new("/ecl-network", "*", "*", IamVerb::Any))
        .send()
        .await
        .unwrap();
    let role_id: IamRoleId = role.iam_role_id.unwrap();
    let got = c.iam_roles().get(&role_id).await.unwrap();
    assert_eq!(got.resources.unwrap()[0].verb, Some(IamVerb::Any));
    assert_eq!(
        status(
            &e.user()
                .iam_roles()
                .create()
                .iam_role_name("x")
                .send()
                .await
                .unwrap_err()
        ),
        Some(403)
    );
    // #22
    let g = c
        .iam_groups()
        .create()
        .iam_group_name("ops")
        .description("operators")
        .send()
        .await
        .unwrap();
    let gid: IamGroupId = g.iam_group_id.unwrap();
    // #24, #26, #27
    let a = c
        .iam_groups()
        .assign_role(&gid, &role_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.iam_role_name.as_deref(), Some("net_admin"));
    assert!(c.iam_groups().users(&gid).await.unwrap().users.is_empty());
    let user: UserId = id(SEED_USER_ID);
    c.iam_groups().assign_user(&gid, &user).await.unwrap();
    let members = c.iam_groups().users(&gid).await.unwrap();
    assert_eq!(members.users[0].user_id.as_ref(), Some(&user));
    // #28, #25
    c.iam_groups().unassign_user(&gid, &user).await.unwrap();
    let again = c.iam_groups().unassign_user(&gid, &user).await.unwrap_err();
    assert_eq!(status(&again), Some(404));
    assert_eq!(
        again.api().unwrap().message,
        "The user is not assigned to the IAM group"
    );
    c.iam_groups().unassign_role(&gid, &role_id).await.unwrap();
    // #23, #32
    c.iam_groups().delete(&gid).await.unwrap();
    assert!(!c.iam_groups().delete_if_exists(&gid).await.unwrap());
    c.iam_roles().delete(&role_id).await.unwrap();
    assert!(c.iam_roles().get_opt(&role_id).await.unwrap().is_none());
}

#[tokio::test]
async fn another_contracts_data_is_invisible() {
    let e = env().await;
    let p = e.partner();
    let partner_users = p.users().list().await.unwrap();
    assert_eq!(partner_users.len(), 1);
    assert_eq!(
        partner_users[0].user_id.as_ref().map(|u| u.as_str()),
        Some(SEED_PARTNER_ID)
    );
    // The end-user contract's people are not the partner's users, and the
    // other way round.
    assert!(p
        .users()
        .get_opt(&id(SEED_OWNER_ID))
        .await
        .unwrap()
        .is_none());
    assert!(e
        .owner()
        .users()
        .get_opt(&id(SEED_PARTNER_ID))
        .await
        .unwrap()
        .is_none());
    assert!(e
        .owner()
        .iam_roles()
        .get_opt(&id(SEED_IAM_ROLE_ID))
        .await
        .unwrap()
        .is_some());
    assert!(p
        .iam_roles()
        .get_opt(&id(SEED_IAM_ROLE_ID))
        .await
        .unwrap()
        .is_none());
    assert!(p
        .tenants()
        .delete(&id(SEED_TENANT_ID))
        .await
        .unwrap_err()
        .is_not_found());
    // An ordinary user does not see credentials of others.
    let seen = e.user().users().get(&id(SEED_OWNER_ID)).await.unwrap();
    assert!(seen.keystone_password.is_none());
}

#[tokio::test]
async fn hundred_callers_after_a_401_cause_one_token_request() {
    let e = env().await;
    let c = e.owner();
    c.users().list().await.unwrap();
    let token = c
        .auth()
        .token(c.pipeline().transport().as_ref())
        .await
        .unwrap();
    e.sim.keystone().revoke(token.token.expose());
    let before = e.server.journal().count("POST", "/v3/auth/tokens");
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.users().list().await.map(|u| u.len()) })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap(), 2);
    }
    assert_eq!(
        e.server.journal().count("POST", "/v3/auth/tokens") - before,
        1
    );
    // Every list request reached the SSS; the 100 that succeeded carried
    // the one new token.
    let lists = e.server.journal().filter(|j| j.path == "/api/v1.0/users");
    assert_eq!(lists.len(), e.sim.calls("list_users"));
    let old = token.token.expose();
    let with_new = lists
        .iter()
        .filter(|j| j.header("x-auth-token") != Some(old))
        .count();
    assert_eq!(with_new, 100);
}

#[tokio::test]
async fn region_interface_and_service_type_pick_the_endpoint() {
    let e = env().await;
    let base = e.server.base_url();
    let c = EclSssClient::builder(format!("{base}/v3"))
        .username(SEED_OWNER_KEY)
        .password(Secret::new(SEED_OWNER_SECRET))
        .project_id(id(SEED_TENANT_ID))
        .region("jp9")
        .build()
        .unwrap();
    let err = c.users().list().await.unwrap_err();
    assert!(
        err.to_string()
            .contains("public endpoint for sss service in jp9 region not found"),
        "{err}"
    );
    // sssv2 (what eclsdk 1.11.1 reads) and an override both work.
    let v2 = EclSssClient::builder(format!("{base}/v3"))
        .username(SEED_OWNER_KEY)
        .password(Secret::new(SEED_OWNER_SECRET))
        .project_id(id(SEED_TENANT_ID))
        .service_type("sssv2")
        .interface("admin")
        .build()
        .unwrap();
    assert_eq!(v2.users().list().await.unwrap().len(), 2);
    let over = EclSssClient::builder(format!("{base}/v3"))
        .username(SEED_OWNER_KEY)
        .password(Secret::new(SEED_OWNER_SECRET))
        .project_id(id(SEED_TENANT_ID))
        .endpoint_override(format!("{base}/api/v1.0"))
        .skip_discovery()
        .build()
        .unwrap();
    assert_eq!(over.users().list().await.unwrap().len(), 2);
    assert_eq!(
        e.server.journal().count("GET", "/v3"),
        2,
        "discovery by the first two only"
    );
}
