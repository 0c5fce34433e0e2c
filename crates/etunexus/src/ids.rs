//! Typed ids, each checked for its form before anything is sent: the
//! servers' ids are positive integers (`etunexus.md` §12.1); gene ids,
//! uids and summary ids are non-empty text without control characters.

tenantry_core::int_id_type!(
    /// A group id.
    ///
    /// ```
    /// use etunexus::GroupId;
    /// assert_eq!(GroupId::new(2)?.to_string(), "2");
    /// assert!("0".parse::<GroupId>().is_err());
    /// assert!("two".parse::<GroupId>().is_err());
    /// # Ok::<(), etunexus::Error>(())
    /// ```
    GroupId
);
tenantry_core::int_id_type!(
    /// A user id.
    UserId
);
tenantry_core::int_id_type!(
    /// A data source id (the EI `cId`).
    DataSourceId
);
tenantry_core::int_id_type!(
    /// An ER logic id.
    LogicId
);
tenantry_core::int_id_type!(
    /// An ER campaign id.
    CampaignId
);
tenantry_core::int_id_type!(
    /// An ER user filter id.
    UserFilterId
);
tenantry_core::int_id_type!(
    /// An EI band id.
    BandId
);
tenantry_core::int_id_type!(
    /// An EI band category id.
    BandCategoryId
);

/// Non-empty text without control characters.
fn text(s: &str) -> std::result::Result<(), String> {
    if s.is_empty() {
        Err("must not be empty".to_owned())
    } else if s.chars().any(char::is_control) {
        Err("must not contain control characters".to_owned())
    } else {
        Ok(())
    }
}

tenantry_core::id_type!(
    /// A gene id (text, for example `g_age`).
    GeneId,
    text
);

tenantry_core::id_type!(
    /// A customer's uid (text).
    Uid,
    text
);

tenantry_core::id_type!(
    /// An EI summary id (for example `Summary_Revisit_7`).
    SummaryId,
    text
);

tenantry_core::id_type!(
    /// A group or user *name* (the su login takes names, not ids): non-empty,
    /// no whitespace or control characters.
    Name,
    |s: &str| {
        text(s)?;
        if s.chars().any(char::is_whitespace) {
            return Err("must not contain whitespace".to_owned());
        }
        Ok(())
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_checked() {
        assert!(GroupId::new(0).is_err());
        assert_eq!("7".parse::<BandId>().unwrap().get(), 7);
        assert!("-1".parse::<UserId>().is_err());
        assert!("1.5".parse::<LogicId>().is_err());
        let e = "x".parse::<CampaignId>().unwrap_err().to_string();
        assert!(e.contains("CampaignId"), "{e}");
        assert!(GeneId::new("").is_err());
        assert!(Uid::new("a\nb").is_err());
        assert!(Name::new("a b").is_err());
        assert!(Name::new("workshop").is_ok());
        assert_eq!(serde_json::from_str::<GroupId>("4").unwrap().get(), 4);
    }
}
