//! Typed ids, each checked for its form (`ecl-sss.md` §3.9) before anything
//! is sent, and the billing month.

fn digits_after(s: &str, prefix: &str, n: usize) -> Result<(), String> {
    match s.strip_prefix(prefix) {
        Some(rest) if rest.len() == n && rest.bytes().all(|b| b.is_ascii_digit()) => Ok(()),
        _ => Err(format!("must be `{prefix}` followed by {n} digits")),
    }
}

fn dashed_uuid(s: &str) -> Result<(), String> {
    let groups: Vec<&str> = s.split('-').collect();
    let ok = groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()));
    if ok {
        Ok(())
    } else {
        Err("must be a dashed 8-4-4-4-12 hexadecimal id".to_owned())
    }
}

tenantry_core::id_type!(
    /// A user id: `ecid` and 10 digits (`ecid1000005297`).
    ///
    /// ```
    /// use ecl_sss::UserId;
    /// assert!("ecid1000005297".parse::<UserId>().is_ok());
    /// assert!("ecid12".parse::<UserId>().is_err());
    /// ```
    UserId,
    |s: &str| digits_after(s, "ecid", 10)
);

tenantry_core::id_type!(
    /// A contract id: `econ` and 10 digits (`econ1000015949`).
    ContractId,
    |s: &str| digits_after(s, "econ", 10)
);

tenantry_core::id_type!(
    /// A tenant id (the Keystone project id): 32 lowercase hexadecimal
    /// characters.
    TenantId,
    |s: &str| {
        if s.len() == 32 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            Ok(())
        } else {
            Err("must be 32 lowercase hexadecimal characters".to_owned())
        }
    }
);

tenantry_core::id_type!(
    /// An IAM group id: a dashed UUID-like id
    /// (`09d98eda-6421-11e6-9827-e1e34fb8c324`).
    IamGroupId,
    dashed_uuid
);

tenantry_core::id_type!(
    /// An IAM role id: a dashed UUID-like id
    /// (`e8422cea-6449-11e6-82d8-7f1d195e00b5`).
    IamRoleId,
    dashed_uuid
);

tenantry_core::id_type!(
    /// A channel id. The service documents no format (examples look like
    /// `chXXXXX`): non-empty, letters, digits, `-` and `_` only.
    ChannelId,
    |s: &str| {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            Ok(())
        } else {
            Err("must be non-empty letters, digits, `-` or `_`".to_owned())
        }
    }
);

tenantry_core::id_type!(
    /// A billing month, `YYYY-MM` (month 01 to 12).
    ///
    /// ```
    /// use ecl_sss::BillingMonth;
    /// assert!("2024-02".parse::<BillingMonth>().is_ok());
    /// assert!("2024-13".parse::<BillingMonth>().is_err());
    /// assert!("2024-2".parse::<BillingMonth>().is_err());
    /// ```
    BillingMonth,
    |s: &str| {
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        let ok = b.len() == 7 && b[4] == b'-' && digits(0..4) && digits(5..7) && {
            let m = (b[5] - b'0') * 10 + (b[6] - b'0');
            (1..=12).contains(&m)
        };
        if ok {
            Ok(())
        } else {
            Err("must be YYYY-MM with a month from 01 to 12".to_owned())
        }
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_checked() {
        assert!(UserId::new("ecid1000005297").is_ok());
        for bad in [
            "",
            "ecid",
            "ecid123456789",
            "ecid12345678901",
            "econ1000005297",
            "ecid10000052x7",
        ] {
            let e = UserId::new(bad).unwrap_err().to_string();
            assert!(e.contains("UserId"), "{e}");
        }
        assert!(ContractId::new("econ1000015949").is_ok());
        assert!(ContractId::new("econ1000015949/x").is_err());
        assert!(TenantId::new("91b5c7c09cbd45cab3c146fd67ae471e").is_ok());
        assert!(TenantId::new("91B5C7C09CBD45CAB3C146FD67AE471E").is_err());
        assert!(TenantId::new("91b5c7c09cbd45cab3c146fd67ae471").is_err());
        assert!(IamGroupId::new("09d98eda-6421-11e6-9827-e1e34fb8c324").is_ok());
        assert!(IamRoleId::new("e8422cea-6449-11e6-82d8-7f1d195e00b5").is_ok());
        assert!(IamRoleId::new("e8422cea644911e682d87f1d195e00b5").is_err());
        assert!(IamRoleId::new("e8422cea-6449-11e6-82d8-7f1d195e00bz").is_err());
        assert!(ChannelId::new("ch0001").is_ok());
        assert!(ChannelId::new("ch 1").is_err());
        assert!(ChannelId::new("").is_err());
        assert!(BillingMonth::new("2024-12").is_ok());
        for bad in [
            "2024-00", "2024-13", "202412", "2024/12", "24-12", "2024-1x",
        ] {
            assert!(BillingMonth::new(bad).is_err(), "{bad}");
        }
    }
}
