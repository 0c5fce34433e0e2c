//! Typed ids, each checked for its form before anything is sent
//! (`squonk2-as.md` §4.2, §4.5): `org-`, `unit-`, `product-`, `asset-`
//! followed by a lower-case UUID; merchants and event streams are positive
//! integers; user names are non-empty text; dates are `YYYY-MM-DD`.

/// `<prefix>` followed by a lower-case dashed UUID (8-4-4-4-12 hex).
fn prefixed_uuid(s: &str, prefix: &str) -> std::result::Result<(), String> {
    let ok = s.strip_prefix(prefix).is_some_and(|rest| {
        let groups: Vec<&str> = rest.split('-').collect();
        groups.len() == 5
            && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| {
                g.len() == n
                    && g.bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            })
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "must be `{prefix}` followed by a lower-case UUID (`{prefix}xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`)"
        ))
    }
}

tenantry_core::id_type!(
    /// An organisation id: `org-` and a lower-case UUID.
    ///
    /// ```
    /// use squonk2_as::OrgId;
    /// assert!("org-11111111-2222-3333-4444-555555555555".parse::<OrgId>().is_ok());
    /// assert!("unit-11111111-2222-3333-4444-555555555555".parse::<OrgId>().is_err());
    /// ```
    OrgId,
    |s: &str| prefixed_uuid(s, "org-")
);

tenantry_core::id_type!(
    /// A unit id: `unit-` and a lower-case UUID.
    UnitId,
    |s: &str| prefixed_uuid(s, "unit-")
);

tenantry_core::id_type!(
    /// A product id: `product-` and a lower-case UUID.
    ProductId,
    |s: &str| prefixed_uuid(s, "product-")
);

tenantry_core::id_type!(
    /// An asset id: `asset-` and a lower-case UUID.
    AssetId,
    |s: &str| prefixed_uuid(s, "asset-")
);

tenantry_core::id_type!(
    /// A user name (a Keycloak login): non-empty, no whitespace or control
    /// characters. It is a path segment, percent-encoded when sent.
    Username,
    |s: &str| {
        if s.is_empty() {
            Err("must not be empty".to_owned())
        } else if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            Err("must not contain spaces or control characters".to_owned())
        } else {
            Ok(())
        }
    }
);

tenantry_core::id_type!(
    /// A calendar date, `YYYY-MM-DD` (month 01–12, day 01–31), as the
    /// charges and actions filters take it.
    ///
    /// ```
    /// use squonk2_as::IsoDate;
    /// assert!("2024-02-03".parse::<IsoDate>().is_ok());
    /// assert!("2024-2-3".parse::<IsoDate>().is_err());
    /// ```
    IsoDate,
    |s: &str| {
        let b = s.as_bytes();
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = b.get(r)?;
            if part.iter().all(u8::is_ascii_digit) {
                std::str::from_utf8(part).ok()?.parse().ok()
            } else {
                None
            }
        };
        let ok = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && num(0..4).is_some()
            && num(5..7).is_some_and(|m| (1..=12).contains(&m))
            && num(8..10).is_some_and(|d| (1..=31).contains(&d));
        if ok {
            Ok(())
        } else {
            Err("must be YYYY-MM-DD".to_owned())
        }
    }
);

tenantry_core::int_id_type!(
    /// A merchant id: a positive integer.
    ///
    /// ```
    /// use squonk2_as::MerchantId;
    /// assert_eq!(MerchantId::new(3)?.to_string(), "3");
    /// assert!(MerchantId::new(0).is_err());
    /// assert!("-1".parse::<MerchantId>().is_err());
    /// # Ok::<(), squonk2_as::Error>(())
    /// ```
    MerchantId
);

tenantry_core::int_id_type!(
    /// An event stream id: a positive integer.
    EventStreamId
);

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: &str = "11111111-2222-3333-4444-555555555555";

    #[test]
    fn forms_are_checked() {
        assert!(OrgId::new(format!("org-{UUID}")).is_ok());
        assert!(UnitId::new(format!("unit-{UUID}")).is_ok());
        assert!(ProductId::new(format!("product-{UUID}")).is_ok());
        assert!(AssetId::new(format!("asset-{UUID}")).is_ok());
        for bad in [
            String::new(),
            "org-".to_owned(),
            format!("org-{}", UUID.to_uppercase().replace('1', "A")),
            format!("org-{UUID}/x"),
            format!("unit-{UUID}"),
            format!("org-{}", &UUID[1..]),
            format!("org{UUID}"),
        ] {
            let e = OrgId::new(bad.clone()).unwrap_err().to_string();
            assert!(e.contains("OrgId"), "{bad}: {e}");
        }
        assert!(Username::new("dlister").is_ok());
        assert!(Username::new("").is_err());
        assert!(Username::new("a b").is_err());
        assert!(IsoDate::new("2024-12-31").is_ok());
        for bad in [
            "2024-13-01",
            "2024-00-10",
            "2024-01-32",
            "2024/01/01",
            "24-01-01",
        ] {
            assert!(IsoDate::new(bad).is_err(), "{bad}");
        }
        assert!(EventStreamId::new(0).is_err());
        assert_eq!("7".parse::<EventStreamId>().unwrap().get(), 7);
        assert!("x".parse::<MerchantId>().is_err());
        assert_eq!(
            serde_json::from_str::<MerchantId>("4").unwrap(),
            MerchantId::new(4).unwrap()
        );
    }
}
