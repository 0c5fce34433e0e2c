//! Pure functions and models, no I/O: the models' serde round trips
//! (unknown fields and enum values kept), `parse_endpoints`,
//! `get_token_from_cookie`, ids, and Astakos's error format.

mod catalog {
    use astakos_client::models::catalog::*;
    #[allow(unused_imports)]
    use astakos_client::{ApplicationId, ProjectId, Serial};
    #[allow(unused_imports)]
    use serde_json::Value;

    use std::collections::BTreeMap;

    #[test]
    fn resources_round_trip() {
        let j = r#"{"cyclades.ram": {"unit": "bytes", "description": "Virtual machine memory",
                    "service": "cyclades", "allow_in_projects": true}}"#;
        let r: BTreeMap<String, Resource> = serde_json::from_str(j).unwrap();
        let ram = &r["cyclades.ram"];
        assert_eq!(ram.unit.as_deref(), Some("bytes"));
        assert_eq!(ram.extra["allow_in_projects"], true);
        let back: BTreeMap<String, Resource> =
            serde_json::from_value(serde_json::to_value(&r).unwrap()).unwrap();
        assert_eq!(back, r);
        let s: Vec<Service> =
            serde_json::from_str(r#"[{"name": "cyclades", "url": "/ui", "icon": "x.png"}]"#)
                .unwrap();
        assert_eq!(s[0].extra["icon"], "x.png");
    }
}

mod commissions {
    use astakos_client::models::commissions::*;
    #[allow(unused_imports)]
    use astakos_client::{ApplicationId, ProjectId, Serial};
    #[allow(unused_imports)]
    use serde_json::Value;

    #[test]
    fn commission_info_round_trip() {
        let j = r#"{"serial": 57, "issue_time": "2013-04-08T10:19:15.0373+00:00", "name": "a commission",
          "provisions": [
            {"holder": "c02f315b-7d84-45bc-a383-552a3f97d2ad", "source": "system", "resource": "cyclades.vm", "quantity": 1},
            {"holder": "project:p", "source": null, "resource": "cyclades.ram", "quantity": 536870912, "new": 1}],
          "state": "pending"}"#;
        let c: CommissionInfo = serde_json::from_str(j).unwrap();
        assert_eq!(c.serial, Serial(57));
        assert_eq!(c.provisions[1].source, None);
        assert_eq!(c.provisions[1].extra["new"], 1);
        assert_eq!(c.extra["state"], "pending");
        let back: CommissionInfo =
            serde_json::from_value(serde_json::to_value(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn resolve_result() {
        let j = r#"{"accepted": [57], "rejected": [59],
          "failed": [[56, {"badRequest": {"message": "cannot both accept and reject serial 56", "code": 400}}],
                     [58, {"itemNotFound": {"message": "serial 58 does not exist", "code": 404}}]]}"#;
        let r: ResolveResult = serde_json::from_str(j).unwrap();
        assert_eq!(r.accepted, vec![Serial(57)]);
        assert_eq!(r.failed[1].serial(), Serial(58));
        let (name, fault) = r.failed[1].fault().unwrap();
        assert_eq!(name, "itemNotFound");
        assert_eq!(fault.code, Some(404));
        let v = serde_json::to_value(&r).unwrap();
        let want: Value = serde_json::from_str(j).unwrap();
        assert_eq!(v, want);
    }

    #[test]
    fn commission_action_enum() {
        for a in CommissionAction::KNOWN {
            let s = serde_json::to_string(a).unwrap();
            let back: CommissionAction = serde_json::from_str(&s).unwrap();
            assert_eq!(&back, a);
        }
        let u: CommissionAction = serde_json::from_str("\"postpone\"").unwrap();
        assert_eq!(u, CommissionAction::Unknown("postpone".into()));
        assert_eq!(u.to_string(), "postpone");
        assert_eq!(serde_json::to_string(&u).unwrap(), "\"postpone\"");
        assert_eq!(
            "accept".parse::<CommissionAction>().unwrap(),
            CommissionAction::Accept
        );
    }
}

mod identity {
    use astakos_client::models::identity::*;
    #[allow(unused_imports)]
    use astakos_client::{ApplicationId, ProjectId, Serial};
    #[allow(unused_imports)]
    use serde_json::Value;

    const FIXTURE: &str = r#"{"access": {
       "serviceCatalog": [
         {"endpoints": [{"SNF:uiURL": "https://example.org/ui_prefix",
                         "publicURL": "https://example.org/account_prefix",
                         "region": "default", "versionId": "v1.0", "SNF:new": 1}],
          "name": "astakos_account", "type": "account", "endpoints_links": []},
         {"endpoints": [{"SNF:uiURL": "https://example.org/ui_prefix",
                         "publicURL": "https://example.org/oauth2",
                         "region": "default", "versionId": "v1.0"}],
          "name": "astakos_oauth2", "type": "astakos_auth"}],
       "token": {"id": "skzleaFlBl+fasFdaf24sx", "expires": "2030-01-01T00:00:00Z",
                 "tenant": {"id": "73917abc-abcd-477e-a1f1-1763abcdefab", "name": "Example User One"}},
       "user": {"id": "73917abc-abcd-477e-a1f1-1763abcdefab", "name": "Example User One",
                "roles": [{"id": 1, "name": "default"}, {"id": "5", "name": "academic-login-users"}],
                "roles_links": [], "brand_new": true}},
     "unknown_top": "kept"}"#;

    #[test]
    fn auth_info_round_trip_keeps_unknown_fields() {
        let a: AuthInfo = serde_json::from_str(FIXTURE).unwrap();
        let cat = a.access.service_catalog.as_ref().unwrap();
        assert_eq!(cat[0].name.as_deref(), Some("astakos_account"));
        assert_eq!(
            cat[0].endpoints[0].public_url.as_deref(),
            Some("https://example.org/account_prefix")
        );
        assert_eq!(cat[0].endpoints[0].extra["SNF:new"], 1);
        let user = a.access.user.as_ref().unwrap();
        assert_eq!(user.roles[0].id.as_deref(), Some("1"));
        assert_eq!(user.roles[1].id.as_deref(), Some("5"));
        assert_eq!(user.extra["brand_new"], true);
        assert_eq!(a.extra["unknown_top"], "kept");
        let token = a.access.token.as_ref().unwrap();
        assert!(!format!("{token:?}").contains("skzlea"));
        let back: AuthInfo = serde_json::from_value(serde_json::to_value(&a).unwrap()).unwrap();
        assert_eq!(back, a);
        assert_eq!(
            serde_json::to_value(&a).unwrap()["access"]["token"]["id"],
            "skzleaFlBl+fasFdaf24sx"
        );
    }
}

mod projects {
    use astakos_client::models::projects::*;
    #[allow(unused_imports)]
    use astakos_client::{ApplicationId, ProjectId, Serial};
    #[allow(unused_imports)]
    use serde_json::Value;

    #[test]
    fn project_with_unknowns_round_trips() {
        let j = r#"{"id": "a1b2", "state": "frozen", "name": "p", "owner": "u1",
          "join_policy": "moderated", "leave_policy": "by-lottery", "max_members": 10,
          "private": false, "system_project": false,
          "resources": {"cyclades.vm": {"member_capacity": 2, "project_capacity": 4}},
          "last_application": {"id": 7, "state": "pending", "resources": {}, "x": 1},
          "sparkle": [1]}"#;
        let p: Project = serde_json::from_str(j).unwrap();
        assert_eq!(p.state, Some(ProjectState::Unknown("frozen".into())));
        assert_eq!(
            p.leave_policy,
            Some(MemberPolicy::Unknown("by-lottery".into()))
        );
        assert_eq!(p.last_application.as_ref().unwrap().id, ApplicationId(7));
        assert_eq!(p.extra["sparkle"][0], 1);
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["state"], "frozen");
        let back: Project = serde_json::from_value(v).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn membership_with_unknowns_round_trips() {
        let j = r#"{"id": 3, "user": "u1", "project": "p1", "state": "pending_review",
          "allowed_actions": ["accept", "shrug"], "requested": "2014-01-01T00:00:00Z"}"#;
        let m: Membership = serde_json::from_str(j).unwrap();
        assert_eq!(
            m.state,
            Some(MembershipState::Unknown("pending_review".into()))
        );
        assert_eq!(m.allowed_actions[0], MembershipAction::Accept);
        assert!(m.allowed_actions[1].is_unknown());
        assert_eq!(m.extra["requested"], "2014-01-01T00:00:00Z");
        let back: Membership = serde_json::from_value(serde_json::to_value(&m).unwrap()).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn enums_round_trip() {
        fn check<T>(known: &[T], unknown: &str)
        where
            T: serde::Serialize
                + serde::de::DeserializeOwned
                + PartialEq
                + std::fmt::Debug
                + std::fmt::Display
                + std::str::FromStr,
        {
            for k in known {
                let s = serde_json::to_string(k).unwrap();
                assert_eq!(&serde_json::from_str::<T>(&s).unwrap(), k);
                assert_eq!(s, format!("\"{k}\""));
            }
            let u: T = serde_json::from_str(&format!("\"{unknown}\"")).unwrap();
            assert_eq!(u.to_string(), unknown);
            assert_eq!(serde_json::to_string(&u).unwrap(), format!("\"{unknown}\""));
        }
        check(ProjectState::KNOWN, "hibernating");
        check(ProjectMode::KNOWN, "weird");
        check(ProjectAction::KNOWN, "explode");
        check(ApplicationAction::KNOWN, "ponder");
        check(ApplicationState::KNOWN, "limbo");
        check(MemberPolicy::KNOWN, "lottery");
        check(MembershipState::KNOWN, "ghost");
        check(MembershipAction::KNOWN, "haunt");
        assert_eq!(
            "leave_requested".parse::<MembershipState>().ok(),
            Some(MembershipState::LeaveRequested)
        );
    }

    #[test]
    fn new_project_sends_only_set_keys() {
        let p = NewProject::new("n", "2030-01-01T00:00:00Z")
            .max_members(3)
            .resource("cyclades.vm", ResourceCapacity::new(1, 2))
            .field("custom", Value::from(true));
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"name": "n", "end_date": "2030-01-01T00:00:00Z", "max_members": 3,
              "resources": {"cyclades.vm": {"member_capacity": 1, "project_capacity": 2}},
              "custom": true})
        );
    }
}

mod quotas {
    use astakos_client::models::quotas::*;
    #[allow(unused_imports)]
    use astakos_client::{ApplicationId, ProjectId, Serial};
    #[allow(unused_imports)]
    use serde_json::Value;

    #[test]
    fn quotas_fixture() {
        let j = r#"{
          "system": {
            "cyclades.ram": {"pending": 0, "limit": 1073741824, "usage": 536870912},
            "cyclades.vm":  {"pending": 0, "limit": 2, "usage": 2}},
          "project:1": {
            "cyclades.ram": {"pending": 0, "limit": 2147483648, "usage": 2147483648},
            "cyclades.vm":  {"pending": 1, "limit": 5, "usage": 2, "project_limit": 9}}}"#;
        let q: Quotas = serde_json::from_str(j).unwrap();
        let system = ProjectId::new("system").unwrap();
        assert_eq!(q[&system]["cyclades.ram"].limit, Some(1073741824));
        let vm = &q.iter().next().unwrap().1["cyclades.vm"];
        assert_eq!(vm.pending, Some(1));
        assert_eq!(vm.project_limit, Some(9));
        let back: Quotas = serde_json::from_value(serde_json::to_value(&q).unwrap()).unwrap();
        assert_eq!(back, q);
    }
}

mod endpoints {
    use astakos_client::models::AuthInfo;
    use astakos_client::{get_token_from_cookie, parse_endpoints, EndpointFilter, Error};

    fn catalog() -> AuthInfo {
        serde_json::from_str(
            r#"{"access": {"serviceCatalog": [
            {"name": "astakos_account", "type": "account",
             "endpoints": [{"publicURL": "https://e/account/v2", "versionId": "v2.0", "region": "default"},
                           {"publicURL": "https://e/account_prefix", "versionId": "v1.0", "region": "default",
                            "SNF:uiURL": "https://e/ui_prefix"}]},
            {"name": "astakos_oauth2", "type": "astakos_auth",
             "endpoints": [{"publicURL": "https://e/oauth2", "versionId": "", "region": "default"}]},
            {"name": "cyclades_compute", "type": "compute",
             "endpoints": [{"publicURL": "https://c/compute", "versionId": "v2.0", "region": "other"}]},
            {"type": "nameless", "endpoints": [{"versionId": "v1.0"}]}]}}"#,
        )
        .unwrap()
    }

    #[test]
    fn filters() {
        let c = catalog();
        let r = parse_endpoints(
            &c,
            &EndpointFilter::new()
                .name("astakos_account")
                .version_id("v1.0"),
        )
        .unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].endpoints.len(), 1);
        assert_eq!(
            r[0].endpoints[0].public_url.as_deref(),
            Some("https://e/account_prefix")
        );
        // Input untouched.
        assert_eq!(
            c.access.service_catalog.as_ref().unwrap()[0]
                .endpoints
                .len(),
            2
        );
        let r = parse_endpoints(&c, &EndpointFilter::new().region("default")).unwrap();
        assert_eq!(r.len(), 2);
        let r = parse_endpoints(&c, &EndpointFilter::new().service_type("compute")).unwrap();
        assert_eq!(r[0].name.as_deref(), Some("cyclades_compute"));
        let r = parse_endpoints(&c, &EndpointFilter::new()).unwrap();
        assert_eq!(r.len(), 4);
        let r = parse_endpoints(&c, &EndpointFilter::new().version_id("v1.0")).unwrap();
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn no_endpoints_messages() {
        let c = catalog();
        let msg = |f: EndpointFilter| match parse_endpoints(&c, &f) {
            Err(Error::InvalidInput { field, reason }) if field == "endpoints" => reason,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            msg(EndpointFilter::new()
                .name("astakos_account")
                .version_id("v9")),
            "No endpoints found matching, name = astakos_account, version_id = v9"
        );
        assert_eq!(
            msg(EndpointFilter::new().name("nope")),
            "No endpoints found matching, name = nope"
        );
        assert_eq!(
            msg(EndpointFilter::new().service_type("t")),
            "No endpoints found matching, type = t"
        );
        let empty: AuthInfo = serde_json::from_str(r#"{"access": {}}"#).unwrap();
        assert!(matches!(
            parse_endpoints(&empty, &EndpointFilter::new().name("astakos_account")),
            Err(Error::InvalidInput { .. })
        ));
    }

    #[test]
    fn cookie() {
        let t = |h: &str| get_token_from_cookie(h, "c").map(|s| s.expose().to_owned());
        assert_eq!(t("c=user%40x|tok%7Cen|extra").as_deref(), Some("tok"));
        assert_eq!(t("x=1; c=a+b|c+d").as_deref(), Some("c+d"));
        assert_eq!(t("c=\"u|quoted\"").as_deref(), Some("quoted"));
        assert_eq!(t("c=notoken"), None);
        assert_eq!(t("d=u|t"), None);
        assert_eq!(t(""), None);
        assert_eq!(t("c=u|"), Some(String::new()));
        assert_eq!(t("c=u|%ff"), None);
        assert_eq!(t("c=u|%zz").as_deref(), Some("%zz"));
    }
}

mod ids {
    use astakos_client::{MembershipId, ProjectId, Serial, Uuid};

    #[test]
    fn opaque_ids() {
        assert!(Uuid::new("73917abc-abcd-477e-a1f1-1763abcdefab").is_ok());
        // The reference documentation's own example is not hexadecimal.
        assert!(Uuid::new("b3de8eb0-3958-477e-als9-789af8dd352c").is_ok());
        assert!(Uuid::new("1234").is_ok());
        for bad in ["", "a b", "a,b", "user:x", "a\nb", &"x".repeat(256)] {
            let e = Uuid::new(bad).err();
            assert!(
                matches!(e, Some(tenantry_core::Error::InvalidInput { ref field, .. }) if field == "Uuid"),
                "{bad:?} -> {e:?}"
            );
        }
        assert!(ProjectId::new("system").is_ok());
        assert!(ProjectId::new("").is_err());
    }

    #[test]
    fn numeric_ids() {
        assert_eq!("57".parse::<Serial>().ok(), Some(Serial(57)));
        assert!("57lala".parse::<Serial>().is_err());
        assert!("-1".parse::<MembershipId>().is_err());
        assert_eq!(
            serde_json::to_string(&Serial(57)).ok().as_deref(),
            Some("57")
        );
    }
}

mod error_format {
    use astakos_client::models::OverLimit;
    use astakos_client::parse_error;
    use tenantry_core::ApiError;

    #[test]
    fn astakos_errors_parse_with_typed_over_limit_detail() {
        let body = br#"{"overLimit": {"message": "Resource Limit Exceeded for your account.", "code": 413,
            "data": {"provision": {"holder": "user:u1", "source": "system", "resource": "cyclades.vm", "quantity": 3},
                     "name": "NoCapacityError", "limit": 5, "usage": 4}}}"#;
        let e = ApiError::from_answer(
            "astakos.issue_commission",
            413,
            &http::HeaderMap::new(),
            body,
            Some(parse_error),
            str::to_owned,
        );
        assert_eq!(e.code.as_deref(), Some("overLimit"));
        assert_eq!(
            e.message,
            "Resource Limit Exceeded for your account. Limit for resource 'Virtual Machine' exceeded for your account. Available: 1, Requested: 3"
        );
        let over = e.detail::<OverLimit>().unwrap();
        assert_eq!(
            (
                over.data.limit,
                over.data.usage,
                over.data.provision.quantity
            ),
            (5, 4, 3)
        );
        assert_eq!(over.data.available(), 1);

        let e = ApiError::from_answer(
            "astakos.get_project",
            404,
            &http::HeaderMap::new(),
            br#"{"itemNotFound": {"message": "no such project", "code": 404}}"#,
            Some(parse_error),
            str::to_owned,
        );
        assert_eq!(
            (e.code.as_deref(), e.message.as_str()),
            (Some("itemNotFound"), "no such project")
        );
        assert!(e.detail::<OverLimit>().is_none());

        // Not Astakos's format: the raw text.
        let e = ApiError::from_answer(
            "astakos.get_quotas",
            500,
            &http::HeaderMap::new(),
            b"Internal error",
            Some(parse_error),
            str::to_owned,
        );
        assert_eq!((e.code, e.message.as_str()), (None, "Internal error"));
    }
}

mod builders {
    use astakos_client::{AstakosClient, Secret};
    use serde_json::json;

    /// Builders derive `Debug` and `Serialize` (a GET's builder is its
    /// query); the secrets they hold — the OAuth2 client secret and code,
    /// the token to validate, the client's token — show in neither.
    #[test]
    fn builders_show_no_secret() {
        let url = "https://example.org/identity/v2.0";
        let c = AstakosClient::builder(url, Secret::new("tok-9"))
            .build()
            .unwrap();
        let id = c.identity();
        let t = id
            .oauth2_token()
            .client_id("cid")
            .client_secret(Secret::new("sec-1"));
        let t = t.code(Secret::new("code-2"));
        let v = id.validate_token().token_id(Secret::new("acc-3"));
        let v = v.belongs_to("https://s/");
        let (tj, vj) = (
            serde_json::to_value(&t).unwrap(),
            serde_json::to_value(&v).unwrap(),
        );
        let shown = format!("{t:?} {v:?} {tj} {vj}");
        for secret in ["tok-9", "sec-1", "code-2", "acc-3"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(format!("{t:?}").contains("cid"), "{t:?}");
        assert_eq!(vj, json!({"belongsTo": "https://s/"}));
        assert_eq!(tj, json!({"client_id": "cid"}));
    }
}
