//! The client against the stateful simulator (`tenantry_sim::Squonk2AsSim`)
//! over real HTTP, with tokens from the simulated Keycloak (password
//! grant): organisation → unit → product → asset (attach, disable, enable,
//! detach) → charges → cleanup, membership isolation, the unit that still
//! has a product, personal units, event streams, and a revoked token
//! replaced mid-run.

use squonk2_as::models::{AssetScope, DefaultProductPrivacy, EventStreamFormat};
use squonk2_as::{MerchantId, RetryConfig, Secret, Squonk2Client, Username};
use tenantry_core::auth::bearer::KeycloakGrant;
use tenantry_sim::squonk2_as::*;
use tenantry_sim::{SimServer, Squonk2AsSim};

async fn start() -> (Squonk2AsSim, SimServer) {
    let sim = Squonk2AsSim::seeded();
    let server = SimServer::start(sim.router()).await.unwrap();
    (sim, server)
}

fn client(server: &SimServer, user: &str, password: &str) -> Squonk2Client {
    let kc = Squonk2Client::keycloak(server.base_url(), REALM, CLIENT_ID)
        .grant(KeycloakGrant::Password {
            username: user.into(),
            password: Secret::new(password),
        })
        .build()
        .unwrap();
    Squonk2Client::builder(format!("{}{API_ROOT}", server.base_url()))
        .keycloak(kc)
        .retry(RetryConfig::disabled())
        .build()
        .unwrap()
}

#[tokio::test]
async fn org_unit_product_asset_charges_and_cleanup() {
    let (sim, server) = start().await;
    let admin = client(&server, SEED_ADMIN, SEED_ADMIN_PASSWORD);
    let user = client(&server, SEED_USER, SEED_PASSWORD);
    let bob = client(&server, SEED_OTHER_USER, SEED_OTHER_PASSWORD);

    user.ping().await.unwrap();
    assert_eq!(
        user.version().await.unwrap().version.as_deref(),
        Some(AS_VERSION)
    );
    let me = user.account().await.unwrap();
    assert_eq!(me.username.as_deref(), Some(SEED_USER));
    assert_eq!(me.caller_has_admin_privilege, Some(false));

    // Organisation (admin), owned by the user.
    let org = admin
        .organisations()
        .create()
        .name("Sim Org")
        .owner(SEED_USER)
        .send()
        .await
        .unwrap();
    let o = user.organisations().get(&org).await.unwrap();
    assert_eq!(o.name.as_deref(), Some("Sim Org"));
    assert_eq!(o.owner_id.as_deref(), Some(SEED_USER));
    assert_eq!(o.caller_is_member, Some(true));
    let listed = user
        .organisations()
        .list()
        .name("Sim Org")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id.as_ref(), Some(&org));
    user.organisations()
        .alter(&org)
        .default_product_privacy(DefaultProductPrivacy::DefaultPublic)
        .send()
        .await
        .unwrap();
    let o = user.organisations().get(&org).await.unwrap();
    assert_eq!(
        o.default_product_privacy,
        Some(DefaultProductPrivacy::DefaultPublic)
    );
    let default = user.organisations().default_organisation().await.unwrap();
    assert_eq!(
        default.id.as_ref().map(|i| i.as_str()),
        Some(DEFAULT_ORG_ID)
    );

    // A non-member sees nothing of it: the server's 403 with its message.
    let err = bob.organisations().get(&org).await.unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert!(err.to_string().contains("not a member"), "{err}");

    // Unit, with a member added and removed.
    let unit = user
        .units()
        .create(&org)
        .name("Sim Unit")
        .billing_day(3)
        .send()
        .await
        .unwrap();
    let u = user.units().get(&unit).await.unwrap();
    assert_eq!(
        (u.name.as_deref(), u.billing_day),
        (Some("Sim Unit"), Some(3))
    );
    let groups = user.organisations().units(&org).await.unwrap();
    assert_eq!(groups.units.len(), 1);
    assert_eq!(groups.units[0].id.as_ref(), Some(&unit));
    let bob_name: Username = SEED_OTHER_USER.parse().unwrap();
    user.units().add_user(&unit, &bob_name).await.unwrap();
    user.units().add_user(&unit, &bob_name).await.unwrap(); // 200: already
    let members: Vec<String> = user
        .units()
        .users(&unit)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|m| m.username)
        .collect();
    assert_eq!(members, [SEED_OTHER_USER, SEED_USER]);
    bob.units().get(&unit).await.unwrap();
    user.units().remove_user(&unit, &bob_name).await.unwrap();
    assert_eq!(
        bob.units().get(&unit).await.unwrap_err().status(),
        Some(403)
    );

    // Product.
    let product = user
        .products()
        .create(&unit)
        .name("Sim Product")
        .product_type(PROJECT_TIER)
        .flavour("GOLD")
        .allowance(100)
        .limit(200)
        .send()
        .await
        .unwrap();
    user.products()
        .alter(&product)
        .allowance(150)
        .send()
        .await
        .unwrap();
    let p = user.products().get(&product).await.unwrap();
    let info = p.product.unwrap();
    assert_eq!(info.name.as_deref(), Some("Sim Product"));
    assert_eq!(info.flavour.as_deref(), Some("GOLD"));
    let coins = p.coins.unwrap();
    assert_eq!(coins.allowance.unwrap().as_i64(), Some(150));
    assert_eq!(coins.limit.unwrap().as_i64(), Some(200));
    assert_eq!(p.unit.unwrap().id.as_ref(), Some(&unit));
    assert_eq!(user.products().for_unit(&unit).await.unwrap().len(), 1);
    assert_eq!(
        user.products().for_organisation(&org).await.unwrap().len(),
        1
    );
    let types = user.products().types().await.unwrap();
    assert_eq!(types.len(), 2);

    // The unit cannot go while it has a product.
    let err = user.units().delete(&unit).await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(err.to_string().contains("has products"), "{err}");

    // Asset in the product's scope: attach, disable, enable, detach.
    let asset = user
        .assets()
        .create()
        .name("sim-asset")
        .scope(AssetScope::Product)
        .scope_id(product.as_str())
        .description("made by tenantry")
        .content_string("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(sim.asset_content(asset.as_str()).unwrap(), "hello");
    let m = MerchantId::new(SEED_MERCHANT_ID).unwrap();
    user.assets().attach(&asset, m).await.unwrap();
    assert_eq!(
        sim.asset_merchants(asset.as_str()).unwrap(),
        [SEED_MERCHANT_ID]
    );
    user.assets().disable(&asset).await.unwrap();
    assert_eq!(
        user.assets().get(&asset).await.unwrap().disabled,
        Some(true)
    );
    user.assets().enable(&asset).await.unwrap();
    user.assets().detach(&asset, m).await.unwrap();
    let a = user.assets().get(&asset).await.unwrap();
    assert_eq!(a.disabled, Some(false));
    assert_eq!(a.content.as_deref(), Some("hello"));
    assert_eq!(a.extra["merchants"], serde_json::json!([]));
    // The file is streamed from disk at send; its basename is the filename.
    let dir = std::env::temp_dir().join(format!("squonk2-sim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("new.txt");
    std::fs::write(&path, b"from a file").unwrap();
    user.assets()
        .alter(&asset)
        .content_file(&path)
        .send()
        .await
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(sim.asset_content(asset.as_str()).unwrap(), "from a file");
    let listed = user.assets().list().product(&product).send().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id.as_ref(), Some(&asset));

    // Charges accumulate on the product, its unit and its organisation.
    assert_eq!(sim.charge_storage(product.as_str(), 8).unwrap(), 2.0);
    sim.charge_processing(product.as_str(), SEED_MERCHANT_ID, 1.5)
        .unwrap();
    let charges = admin.charges().product(&product).send().await.unwrap();
    assert_eq!(charges.items.len(), 2);
    assert_eq!(charges.currency.as_deref(), Some("COIN"));
    let total: f64 = charges
        .items
        .iter()
        .map(|c| c.coins.as_ref().unwrap().as_f64().unwrap())
        .sum();
    assert_eq!(total, 3.5);
    assert_eq!(
        admin
            .charges()
            .unit(&unit)
            .send()
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    assert_eq!(
        admin
            .charges()
            .organisation(&org)
            .send()
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    let used = user
        .products()
        .get(&product)
        .await
        .unwrap()
        .coins
        .unwrap()
        .used;
    assert_eq!(used.unwrap().as_f64(), Some(3.5));
    // Charges are for administrators.
    assert_eq!(
        user.charges()
            .product(&product)
            .send()
            .await
            .unwrap_err()
            .status(),
        Some(403)
    );

    // Cleanup, in order.
    user.assets().delete(&asset).await.unwrap();
    user.products().delete(&product).await.unwrap();
    user.units().delete(&unit).await.unwrap();
    admin.organisations().delete(&org).await.unwrap();
    assert!(admin.organisations().get_opt(&org).await.unwrap().is_none());
    assert_eq!(sim.organisation_count(), 2);
}

#[tokio::test]
async fn personal_units_event_streams_and_a_revoked_token() {
    let (sim, server) = start().await;
    let user = client(&server, SEED_USER, SEED_PASSWORD);

    assert!(user.units().personal_opt().await.unwrap().is_none());
    let mine = user.units().create_personal(5).await.unwrap();
    let u = user.units().personal().await.unwrap();
    assert_eq!(u.id.as_ref(), Some(&mine));
    assert_eq!(u.personal, Some(true));
    assert_eq!(
        user.units().create_personal(5).await.unwrap_err().status(),
        Some(409)
    );
    user.units().delete_personal().await.unwrap();
    assert!(user.units().personal_opt().await.unwrap().is_none());

    assert!(user.event_streams().get_opt().await.unwrap().is_none());
    let s = user
        .event_streams()
        .create(EventStreamFormat::JsonString)
        .await
        .unwrap();
    assert_eq!(s.format, Some(EventStreamFormat::JsonString));
    let got = user.event_streams().get().await.unwrap();
    assert_eq!(got.id, s.id);
    user.event_streams().delete(s.id.unwrap()).await.unwrap();
    assert_eq!(
        user.event_streams()
            .version()
            .await
            .unwrap()
            .version
            .as_deref(),
        Some("1.0.0")
    );

    // Every token revoked: the next call gets a 401; the client tries its
    // refresh token (refused too), falls back to the password grant and
    // replays the call once.
    let token_path = format!("/realms/{REALM}/protocol/openid-connect/token");
    let grants = |server: &SimServer| -> Vec<String> {
        server
            .journal()
            .filter(|e| e.method == "POST" && e.path == token_path)
            .iter()
            .flat_map(|e| e.form())
            .filter(|(k, _)| k == "grant_type")
            .map(|(_, v)| v)
            .collect()
    };
    let before = grants(&server).len();
    sim.keycloak().expire_all_tokens();
    let merchants = user.merchants().list().await.unwrap();
    assert_eq!(merchants.len(), 2);
    assert_eq!(grants(&server)[before..], ["refresh_token", "password"]);
    let lists = server
        .journal()
        .count("GET", &format!("{API_ROOT}/merchant"));
    assert_eq!(lists, 2, "the call and its one replay");
    let m = user
        .merchants()
        .get(MerchantId::new(SEED_MERCHANT_ID).unwrap())
        .await
        .unwrap();
    assert_eq!(m.kind.as_deref(), Some("DATA_MANAGER"));
}
