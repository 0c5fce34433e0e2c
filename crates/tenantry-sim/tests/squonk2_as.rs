//! The Squonk2 AS simulator over plain HTTP (reqwest, not the client
//! crate): its Keycloak and AS on one port, the 401 for no, bad and expired
//! tokens, membership isolation (403), unknown ids (404), the unit that
//! still has products, charges that accumulate, asset attach / enable /
//! detach, multipart uploads (content string and file part), unknown paths
//! and methods, and the control plane (seed, reset).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tenantry_sim::squonk2_as::*;
use tenantry_sim::{SimOptions, SimServer, Squonk2AsSim};

async fn start() -> (Squonk2AsSim, SimServer) {
    let sim = Squonk2AsSim::seeded();
    let server = SimServer::start_with(
        sim.router(),
        SimOptions::new().control(Arc::new(sim.clone())),
    )
    .await
    .unwrap();
    (sim, server)
}

struct As {
    c: reqwest::Client,
    api: String,
    base: String,
}

impl As {
    fn new(server: &SimServer) -> Self {
        As {
            c: reqwest::Client::new(),
            api: format!("{}{API_ROOT}", server.base_url()),
            base: server.base_url(),
        }
    }

    /// An access token for `user` (Keycloak password grant).
    async fn token(&self, user: &str, password: &str) -> String {
        let resp = self
            .c
            .post(format!(
                "{}/realms/{REALM}/protocol/openid-connect/token",
                self.base
            ))
            .form(&[
                ("client_id", CLIENT_ID),
                ("grant_type", "password"),
                ("username", user),
                ("password", password),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let v: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
        v["access_token"].as_str().unwrap().to_owned()
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, body)
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .c
            .request(method, format!("{}{path}", self.api))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        self.send(req).await
    }

    async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, token, None).await
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, token, Some(body))
            .await
    }

    async fn patch(&self, path: &str, token: &str) -> (u16, Value) {
        self.call(reqwest::Method::PATCH, path, token, None).await
    }

    async fn delete(&self, path: &str, token: &str) -> (u16, Value) {
        self.call(reqwest::Method::DELETE, path, token, None).await
    }

    /// A multipart request as the reference builds it (§4.3): text parts,
    /// then a `content_file` part (`filename=""` when there is no file).
    async fn multipart(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        fields: &[(&str, &str)],
        file: (&str, &[u8]),
    ) -> (u16, Value) {
        let boundary = "f39101607ad1eb48fdb82e8ca9eb221d";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"content_file\"; filename=\"{}\"\r\n\r\n",
                file.0
            )
            .as_bytes(),
        );
        body.extend_from_slice(file.1);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = self
            .c
            .request(method, format!("{}{path}", self.api))
            .bearer_auth(token)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        self.send(req).await
    }
}

#[tokio::test]
async fn tokens_decide_who_calls_and_expired_or_revoked_ones_get_401() {
    let (sim, server) = start().await;
    let a = As::new(&server);
    // Public calls need no token.
    let (status, body) = a.send(a.c.get(format!("{}/version", a.api))).await;
    assert_eq!((status, &body["version"]), (200, &json!(AS_VERSION)));
    let (status, body) = a
        .send(a.c.get(format!("{}/event-stream/version", a.api)))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["version"], "1.0.0");

    // No token, a bad one, a forged one: 401 with the AS's error body.
    let (status, body) = a.send(a.c.get(format!("{}/user/account", a.api))).await;
    assert_eq!(status, 401);
    assert_eq!(body, json!({"error": "No authorization token provided"}));
    let (status, body) = a.get("/user/account", "not-a-jwt").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "Invalid or expired token");
    let token = a.token(SEED_USER, SEED_PASSWORD).await;
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let flipped = if parts[2].starts_with('A') { 'B' } else { 'A' };
    parts[2] = format!("{flipped}{}", &parts[2][1..]);
    let (status, _) = a.get("/user/account", &parts.join(".")).await;
    assert_eq!(status, 401, "a token with a bad signature");

    let (status, body) = a.get("/user/account", &token).await;
    assert_eq!(status, 200);
    assert_eq!(body["username"], SEED_USER);
    assert_eq!(body["caller_has_admin_privilege"], false);
    let admin = a.token(SEED_ADMIN, SEED_ADMIN_PASSWORD).await;
    let (_, body) = a.get("/user/account", &admin).await;
    assert_eq!(body["caller_has_admin_privilege"], true);

    // Revoked.
    sim.keycloak().expire_all_tokens();
    let (status, _) = a.get("/user/account", &token).await;
    assert_eq!(status, 401);

    // Expired: a token issued with a zero lifetime is already past its
    // expiry the moment it is checked (Keycloak's own clock), whatever the
    // machine's speed; the JWT's `exp` second is checked too.
    sim.keycloak().set_access_ttl(Duration::from_secs(0));
    let short = a.token(SEED_USER, SEED_PASSWORD).await;
    let (status, body) = a.get("/user/account", &short).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "Invalid or expired token");
    sim.keycloak().set_access_ttl(Duration::from_secs(300));
    let fresh = a.token(SEED_USER, SEED_PASSWORD).await;
    assert_eq!(a.get("/user/account", &fresh).await.0, 200);
}

#[tokio::test]
async fn membership_isolates_organisations_units_products_and_assets() {
    let (_sim, server) = start().await;
    let a = As::new(&server);
    let owner = a.token(SEED_USER, SEED_PASSWORD).await;
    let bob = a.token(SEED_OTHER_USER, SEED_OTHER_PASSWORD).await;

    // The owner sees the seeded organisation, unit, product and asset.
    let (status, body) = a.get(&format!("/organisation/{SEED_ORG_ID}"), &owner).await;
    assert_eq!(status, 200);
    assert_eq!(body["name"], "Seed Organisation");
    assert_eq!(body["owner_id"], SEED_USER);
    assert_eq!(body["caller_is_member"], true);
    let (_, body) = a.get("/organisation", &owner).await;
    let names: Vec<&str> = body["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Default", "Seed Organisation"]);

    // Bob sees only the default organisation, and none of the rest.
    let (_, body) = a.get("/organisation", &bob).await;
    assert_eq!(body["count"], 1);
    assert_eq!(body["organisations"][0]["id"], DEFAULT_ORG_ID);
    for path in [
        format!("/organisation/{SEED_ORG_ID}"),
        format!("/organisation/{SEED_ORG_ID}/unit"),
        format!("/organisation/{SEED_ORG_ID}/user"),
        format!("/unit/{SEED_UNIT_ID}"),
        format!("/unit/{SEED_UNIT_ID}/user"),
        format!("/product/{SEED_PRODUCT_ID}"),
        format!("/product/unit/{SEED_UNIT_ID}"),
        format!("/product/organisation/{SEED_ORG_ID}"),
        format!("/asset/{SEED_ASSET_ID}"),
        format!("/asset?unit_id={SEED_UNIT_ID}"),
    ] {
        let (status, body) = a.get(&path, &bob).await;
        assert_eq!(status, 403, "{path}: {body}");
        assert!(body["error"].as_str().unwrap().contains("not"), "{body}");
    }
    let (_, body) = a.get("/product", &bob).await;
    assert_eq!(body, json!({"count": 0, "products": []}));
    let (_, body) = a.get("/unit", &bob).await;
    assert_eq!(body, json!({"units": []}));
    let (_, body) = a.get("/asset", &bob).await;
    assert_eq!(body["count"], 0);

    // Nor can Bob change them.
    let (status, _) = a
        .call(
            reqwest::Method::PATCH,
            &format!("/unit/{SEED_UNIT_ID}"),
            &bob,
            Some(json!({"name": "mine"})),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = a
        .call(
            reqwest::Method::PATCH,
            &format!("/product/{SEED_PRODUCT_ID}"),
            &bob,
            Some(json!({"allowance": 1})),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = a
        .post(
            &format!("/organisation/{SEED_ORG_ID}/unit"),
            &bob,
            json!({"name": "sneaky", "billing_day": 3}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = a
        .call(
            reqwest::Method::PUT,
            &format!("/organisation/{SEED_ORG_ID}/user/{SEED_OTHER_USER}"),
            &bob,
            None,
        )
        .await;
    assert_eq!(status, 403, "Bob cannot add himself");
    let (status, _) = a.delete(&format!("/product/{SEED_PRODUCT_ID}"), &bob).await;
    assert_eq!(status, 403);
    let (status, _) = a
        .patch(&format!("/asset/{SEED_ASSET_ID}/disable"), &bob)
        .await;
    assert_eq!(status, 403);
    // Creating organisations and reading charges needs an admin.
    let (status, _) = a
        .post(
            "/organisation",
            &owner,
            json!({"name": "X", "owner": SEED_USER}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = a.get("/charges", &owner).await;
    assert_eq!(status, 403);

    // Once the owner adds Bob to the organisation (201, then 200), he sees
    // its unit and product through it.
    let path = format!("/organisation/{SEED_ORG_ID}/user/{SEED_OTHER_USER}");
    let (status, _) = a.call(reqwest::Method::PUT, &path, &owner, None).await;
    assert_eq!(status, 201);
    let (status, _) = a.call(reqwest::Method::PUT, &path, &owner, None).await;
    assert_eq!(status, 200);
    let (status, body) = a.get(&format!("/product/{SEED_PRODUCT_ID}"), &bob).await;
    assert_eq!(status, 200);
    assert_eq!(body["product"]["name"], "Seed Product");
    assert_eq!(body["unit"]["id"], SEED_UNIT_ID);
    assert_eq!(body["organisation"]["id"], SEED_ORG_ID);
    assert_eq!(body["coins"]["allowance"], 100);
    assert_eq!(body["coins"]["limit"], 200);
    let (_, body) = a
        .get(&format!("/organisation/{SEED_ORG_ID}/user"), &bob)
        .await;
    let users: Vec<&str> = body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(users, [SEED_OTHER_USER, SEED_USER]);
    // Removed again (204), he is out; removing a non-member is a 404.
    let (status, body) = a.delete(&path, &owner).await;
    assert_eq!((status, body), (204, Value::Null));
    assert_eq!(a.delete(&path, &owner).await.0, 404);
    assert_eq!(a.get(&format!("/unit/{SEED_UNIT_ID}"), &bob).await.0, 403);
}

#[tokio::test]
async fn unknown_ids_paths_and_methods() {
    let (_sim, server) = start().await;
    let a = As::new(&server);
    let admin = a.token(SEED_ADMIN, SEED_ADMIN_PASSWORD).await;
    let missing = "00000000-0000-4000-8000-0000000000ff";
    for (path, what) in [
        (format!("/organisation/org-{missing}"), "Organisation"),
        (format!("/unit/unit-{missing}"), "Unit"),
        (format!("/product/product-{missing}"), "Product"),
        (format!("/asset/asset-{missing}"), "Asset"),
        ("/merchant/99".to_owned(), "Merchant"),
        (format!("/charges/unit/unit-{missing}"), "Unit"),
    ] {
        let (status, body) = a.get(&path, &admin).await;
        assert_eq!(status, 404, "{path}");
        let text = body["error"].as_str().unwrap();
        assert!(
            text.starts_with(what) && text.ends_with("not found"),
            "{text}"
        );
    }
    assert_eq!(a.get("/personal-unit", &admin).await.0, 404);
    assert_eq!(a.get("/event-stream", &admin).await.0, 404);
    assert_eq!(a.delete("/event-stream/7", &admin).await.0, 404);

    // An unknown path and a wrong method: Connexion's problem documents.
    let resp =
        a.c.get(format!("{}/nothing/here", a.api))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let v: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(v["title"], "Not Found");
    let resp = a.c.post(format!("{}/version", a.api)).send().await.unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "GET");
}

#[tokio::test]
async fn a_unit_with_products_cannot_be_deleted_and_charges_accumulate() {
    let (sim, server) = start().await;
    let a = As::new(&server);
    let admin = a.token(SEED_ADMIN, SEED_ADMIN_PASSWORD).await;
    let owner = a.token(SEED_USER, SEED_PASSWORD).await;

    // A unit in the seeded organisation, made by its owner, with a product.
    let (status, body) = a
        .post(
            &format!("/organisation/{SEED_ORG_ID}/unit"),
            &owner,
            json!({"billing_day": 3, "name": "U 1"}),
        )
        .await;
    assert_eq!(status, 201);
    let unit = body["id"].as_str().unwrap().to_owned();
    assert!(unit.starts_with("unit-") && unit.len() == 41, "{unit}");
    let (status, body) = a
        .post(
            &format!("/product/unit/{unit}"),
            &owner,
            json!({"type": STORAGE_SUBSCRIPTION, "name": "P", "allowance": 10, "limit": 20}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let product = body["id"].as_str().unwrap().to_owned();
    // Bad products: unknown type, a project tier without a flavour,
    // a negative allowance.
    for bad in [
        json!({"type": "NOPE", "name": "Q"}),
        json!({"type": PROJECT_TIER, "name": "Q"}),
        json!({"type": PROJECT_TIER, "name": "Q", "flavour": "GOLD", "allowance": -1}),
    ] {
        let (status, _) = a.post(&format!("/product/unit/{unit}"), &owner, bad).await;
        assert_eq!(status, 400);
    }

    let (status, body) = a.delete(&format!("/unit/{unit}"), &owner).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], format!("Unit {unit} has products"));

    // Charges: two storage charges and a processing one, today.
    assert_eq!(sim.charge_storage(&product, 4).unwrap(), 1.0);
    assert_eq!(sim.charge_storage(&product, 2).unwrap(), 0.5);
    sim.charge_processing(&product, SEED_MERCHANT_ID, 2.25)
        .unwrap();
    assert!(sim.charge_storage("product-x", 1).is_err());
    let (status, body) = a.get(&format!("/charges/product/{product}"), &admin).await;
    assert_eq!(status, 200);
    assert_eq!(body["count"], 3);
    assert_eq!(body["coins"], 3.75);
    assert_eq!(body["currency"], "COIN");
    assert_eq!(body["product_id"], product.as_str());
    let kinds: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["STORAGE", "STORAGE", "PROCESSING"]);
    assert_eq!(body["items"][2]["merchant_id"], SEED_MERCHANT_ID);
    let (_, body) = a.get(&format!("/product/{product}"), &owner).await;
    assert_eq!(body["coins"]["used"], 3.75);
    assert_eq!(body["coins"]["billing_day"], 3);
    // The unit's, the organisation's and all charges include them (the
    // seeded product's 0.25 is in the organisation too).
    let (_, body) = a.get(&format!("/charges/unit/{unit}"), &admin).await;
    assert_eq!(
        (body["count"].clone(), body["coins"].clone()),
        (json!(3), json!(3.75))
    );
    let (_, body) = a
        .get(&format!("/charges/organisation/{SEED_ORG_ID}"), &admin)
        .await;
    assert_eq!(
        (body["count"].clone(), body["coins"].clone()),
        (json!(4), json!(4.0))
    );
    let (_, body) = a.get("/charges", &admin).await;
    assert_eq!(body["count"], 4);
    // A past period has none; a bad date is a 400.
    let (status, body) = a
        .get(&format!("/charges/product/{product}?pbp=1"), &admin)
        .await;
    assert_eq!((status, body["count"].clone()), (200, json!(0)));
    let (status, _) = a
        .get(
            &format!("/charges/product/{product}?from=yesterday"),
            &admin,
        )
        .await;
    assert_eq!(status, 400);

    // Without its product the unit goes (204), and is gone (404).
    assert_eq!(
        a.delete(&format!("/product/{product}"), &owner).await.0,
        204
    );
    assert_eq!(a.delete(&format!("/unit/{unit}"), &owner).await.0, 204);
    assert_eq!(a.get(&format!("/unit/{unit}"), &owner).await.0, 404);

    // The same rule for a personal unit; an organisation with units cannot
    // go either.
    let (status, body) = a
        .call(
            reqwest::Method::PUT,
            "/personal-unit",
            &owner,
            Some(json!({"billing_day": 5})),
        )
        .await;
    assert_eq!(status, 201);
    let personal = body["id"].as_str().unwrap().to_owned();
    let (status, body) = a.get("/personal-unit", &owner).await;
    assert_eq!(status, 200);
    assert_eq!(
        (body["id"].as_str(), body["personal"].clone()),
        (Some(personal.as_str()), json!(true))
    );
    assert_eq!(a.delete("/personal-unit", &owner).await.0, 204);
    assert_eq!(
        a.delete(&format!("/organisation/{SEED_ORG_ID}"), &admin)
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn assets_upload_attach_enable_and_detach() {
    let (sim, server) = start().await;
    let a = As::new(&server);
    let owner = a.token(SEED_USER, SEED_PASSWORD).await;
    let post = reqwest::Method::POST;

    // A content string, with the reference's dummy empty-filename part.
    let (status, body) = a
        .multipart(
            post.clone(),
            "/asset",
            &owner,
            &[
                ("name", "a1"),
                ("scope", "UNIT"),
                ("secret", "False"),
                ("description", "first"),
                ("scope_id", SEED_UNIT_ID),
                ("content_string", "hello-string"),
            ],
            ("", b"# as_api.py stand-in, ignored"),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let a1 = body["id"].as_str().unwrap().to_owned();
    assert_eq!(sim.asset_content(&a1).unwrap(), "hello-string");

    // A file part, secret, in the caller's user scope.
    let (status, body) = a
        .multipart(
            post.clone(),
            "/asset",
            &owner,
            &[("name", "a2"), ("scope", "USER"), ("secret", "True")],
            ("content.txt", b"hello-file\n"),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let a2 = body["id"].as_str().unwrap().to_owned();
    assert_eq!(sim.asset_content(&a2).unwrap(), "hello-file\n");
    let (_, body) = a.get(&format!("/asset/{a2}"), &owner).await;
    assert_eq!(body["scope"], "USER");
    assert_eq!(body["scope_id"], SEED_USER);
    assert_eq!(body["secret"], true);
    assert!(body.get("content").is_none(), "a secret is hidden: {body}");
    assert_eq!(body["content_filename"], "content.txt");

    // Both, neither, a duplicate name, a bad scope: refused.
    for (fields, file, want) in [
        (
            vec![("name", "a3"), ("scope", "USER"), ("content_string", "x")],
            ("f.txt", &b"y"[..]),
            400,
        ),
        (vec![("name", "a3"), ("scope", "USER")], ("", &b""[..]), 400),
        (
            vec![
                ("name", "a1"),
                ("scope", "UNIT"),
                ("scope_id", SEED_UNIT_ID),
                ("content_string", "x"),
            ],
            ("", &b""[..]),
            409,
        ),
        (
            vec![("name", "a3"), ("scope", "TEAM"), ("content_string", "x")],
            ("", &b""[..]),
            400,
        ),
        (
            vec![("name", "a3"), ("scope", "GLOBAL"), ("content_string", "x")],
            ("", &b""[..]),
            403,
        ),
    ] {
        let (status, body) = a
            .multipart(post.clone(), "/asset", &owner, &fields, file)
            .await;
        assert_eq!(status, want, "{fields:?}: {body}");
    }

    // Alter: a new description and a file; an empty-filename part is no file.
    let (status, body) = a
        .multipart(
            reqwest::Method::PATCH,
            &format!("/asset/{a1}"),
            &owner,
            &[("description", "second")],
            ("new.txt", b"new content"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["description"], "second");
    assert_eq!(body["content"], "new content");
    let (status, _) = a
        .multipart(
            reqwest::Method::PATCH,
            &format!("/asset/{a1}"),
            &owner,
            &[],
            ("", b"dummy bytes"),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(sim.asset_content(&a1).unwrap(), "new content");

    // Attach (204), twice (409), an unknown merchant (404), a bad m_id
    // (400); disable and enable (204); detach (204), again (400).
    let attach = format!("/asset/{a1}/attach?m_id={SEED_MERCHANT_ID}");
    let (status, body) = a.patch(&attach, &owner).await;
    assert_eq!((status, body), (204, Value::Null));
    assert_eq!(sim.asset_merchants(&a1).unwrap(), [SEED_MERCHANT_ID]);
    assert_eq!(a.patch(&attach, &owner).await.0, 409);
    assert_eq!(
        a.patch(&format!("/asset/{a1}/attach?m_id=42"), &owner)
            .await
            .0,
        404
    );
    assert_eq!(
        a.patch(&format!("/asset/{a1}/attach?m_id=0"), &owner)
            .await
            .0,
        400
    );
    let (_, body) = a.get(&format!("/asset/{a1}"), &owner).await;
    assert_eq!(body["merchants"], json!([SEED_MERCHANT_ID]));
    assert_eq!(body["disabled"], false);
    assert_eq!(
        a.patch(&format!("/asset/{a1}/disable"), &owner).await.0,
        204
    );
    let (_, body) = a.get(&format!("/asset/{a1}"), &owner).await;
    assert_eq!(body["disabled"], true);
    assert_eq!(a.patch(&format!("/asset/{a1}/enable"), &owner).await.0, 204);
    let (_, body) = a.get(&format!("/asset/{a1}"), &owner).await;
    assert_eq!(body["disabled"], false);
    let detach = format!("/asset/{a1}/detach?m_id={SEED_MERCHANT_ID}");
    assert_eq!(a.patch(&detach, &owner).await.0, 204);
    assert_eq!(sim.asset_merchants(&a1).unwrap(), Vec::<u64>::new());
    assert_eq!(a.patch(&detach, &owner).await.0, 400);

    // Listing by scope.
    let (_, body) = a
        .get(&format!("/asset?unit_id={SEED_UNIT_ID}"), &owner)
        .await;
    let mut names: Vec<&str> = body["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["a1", "seed-asset"]);
    let (_, body) = a.get(&format!("/asset?user_id={SEED_USER}"), &owner).await;
    assert_eq!(body["count"], 1);
    assert_eq!(body["assets"][0]["id"], a2.as_str());
    assert_eq!(a.delete(&format!("/asset/{a2}"), &owner).await.0, 204);
    assert_eq!(a.get(&format!("/asset/{a2}"), &owner).await.0, 404);
}

#[tokio::test]
async fn seed_and_reset_through_the_control_plane() {
    let (sim, server) = start().await;
    let a = As::new(&server);
    let seed = json!({"squonk2-as": {
        "users": [{"username": "carol", "password": "carol-pass", "admin": true}],
        "organisations": [{"id": "org-00000000-0000-4000-8000-00000000c0c0",
                           "name": "Carol Org", "owner": "carol"}],
        "units": [{"id": "unit-00000000-0000-4000-8000-00000000c0c0",
                   "organisation_id": "org-00000000-0000-4000-8000-00000000c0c0",
                   "name": "Carol Unit", "owner": "carol", "billing_day": 9}],
        "products": [{"id": "product-00000000-0000-4000-8000-00000000c0c0",
                      "unit_id": "unit-00000000-0000-4000-8000-00000000c0c0",
                      "name": "Carol Product", "type": STORAGE_SUBSCRIPTION}]
    }});
    let resp =
        a.c.post(format!("{}/_sim/seed", a.base))
            .header("content-type", "application/json")
            .body(seed.to_string())
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
    let carol = a.token("carol", "carol-pass").await;
    let (_, body) = a.get("/user/account", &carol).await;
    assert_eq!(body["caller_has_admin_privilege"], true);
    let (status, body) = a
        .get(
            "/product/product-00000000-0000-4000-8000-00000000c0c0",
            &carol,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["coins"]["billing_day"], 9);

    // A seed naming an unknown unit is refused, naming the field.
    let resp =
        a.c.post(format!("{}/_sim/seed", a.base))
            .header("content-type", "application/json")
            .body(
                json!({"squonk2-as": {"products": [{
                "id": "product-00000000-0000-4000-8000-00000000c0c1",
                "unit_id": "unit-00000000-0000-4000-8000-0000000000ff",
                "name": "x", "type": STORAGE_SUBSCRIPTION}]}})
                .to_string(),
            )
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("products[0].unit_id"));

    // Work done, then a reset: the seed again (Carol too), nothing else.
    let owner = a.token(SEED_USER, SEED_PASSWORD).await;
    a.post(
        &format!("/organisation/{SEED_ORG_ID}/unit"),
        &owner,
        json!({"billing_day": 1, "name": "gone after reset"}),
    )
    .await;
    let before = sim.calls("create_unit");
    assert_eq!(before, 1);
    let resp =
        a.c.post(format!("{}/_sim/reset", a.base))
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status(), 200);
    let owner = a.token(SEED_USER, SEED_PASSWORD).await;
    let (_, body) = a
        .get(&format!("/organisation/{SEED_ORG_ID}/unit"), &owner)
        .await;
    assert_eq!(body["count"], 1);
    assert_eq!(body["units"][0]["id"], SEED_UNIT_ID);
    let carol = a.token("carol", "carol-pass").await;
    assert_eq!(
        a.get(
            "/product/product-00000000-0000-4000-8000-00000000c0c0",
            &carol
        )
        .await
        .0,
        200
    );
    assert_eq!(sim.product_count(), 2);
}
