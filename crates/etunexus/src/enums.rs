//! The reference's 19 enums (`enum.py`, `etunexus.md` §9) with their exact
//! wire strings. The reference never checks a value against them; here
//! every one is open: a value this version does not know is kept as sent in
//! `Unknown(String)`.

use tenantry_core::string_enum;

string_enum!(
    /// An application id (`AppId`).
    ///
    /// ```
    /// use etunexus::enums::AppId;
    /// assert_eq!(AppId::Er.as_str(), "ETU-RECOMMENDER");
    /// assert_eq!("ETU-X".parse::<AppId>().unwrap(), AppId::Unknown("ETU-X".into()));
    /// ```
    AppId {
        /// `ETU-SHIELD` (EMC).
        Emc => "ETU-SHIELD",
        /// `ETU-RECOMMENDER` (ER).
        Er => "ETU-RECOMMENDER",
        /// `ETU-INSIGHT` (EI).
        Ei => "ETU-INSIGHT",
    }
);

string_enum!(
    /// A role name (`AppRoleName`); note `ADMIN` in capitals.
    AppRoleName {
        /// `Viewer`.
        Viewer => "Viewer",
        /// `Operator`.
        Operator => "Operator",
        /// `ADMIN`.
        Admin => "ADMIN",
    }
);

string_enum!(
    /// What a data source holds (`DataSourceContentType`).
    DataSourceContentType {
        /// `behavior`.
        Behavior => "behavior",
        /// `item`.
        ItemInfo => "item",
        /// `userprofile`.
        UserProfile => "userprofile",
        /// `userrank`.
        UserRank => "userrank",
    }
);

string_enum!(
    /// How a data source is fed (`DataSourceType`).
    DataSourceType {
        /// `EVENT_COLLECTOR`.
        EventCollector => "EVENT_COLLECTOR",
        /// `IMPORTER`.
        Importer => "IMPORTER",
        /// `FETCH`.
        Fetch => "FETCH",
        /// `UPLOAD`.
        Upload => "UPLOAD",
    }
);

string_enum!(
    /// A logic's algorithm type (`LogicAlgType`).
    LogicAlgType {
        /// `USER_BASE`.
        UserBase => "USER_BASE",
        /// `ITEM_BASE`.
        ItemBase => "ITEM_BASE",
        /// `RANK`.
        Rank => "RANK",
        /// `KEYWORD`.
        Keyword => "KEYWORD",
    }
);

string_enum!(
    /// A logic's available-item filter (`LogicAvlItemFilterMode`).
    LogicAvlItemFilterMode {
        /// `DISABLED`.
        Disabled => "DISABLED",
        /// `INCLUDE`.
        Include => "INCLUDE",
        /// `EXCLUDE`.
        Exclude => "EXCLUDE",
    }
);

string_enum!(
    /// An algorithm id (`LogicAlgorithmId`); note `Info_Integrity`.
    LogicAlgorithmId {
        /// `UNKNOWN` (the reference rewrites any id it does not know to
        /// this; tenantry keeps the id in [`Unknown`](Self::Unknown)).
        UnknownAlg => "UNKNOWN",
        /// `USER_BASED_CF`.
        UserBasedCf => "USER_BASED_CF",
        /// `ITEM_BASED_CF`.
        ItemBasedCf => "ITEM_BASED_CF",
        /// `RANKING`.
        Ranking => "RANKING",
        /// `RANKING_ITEMINFO`.
        RankingItemInfo => "RANKING_ITEMINFO",
        /// `SEARCH2CLICK`.
        Search2Click => "SEARCH2CLICK",
        /// `Info_Integrity`.
        InfoIntegrity => "Info_Integrity",
        /// `ALS`.
        Als => "ALS",
        /// `LDA`.
        Lda => "LDA",
    }
);

string_enum!(
    /// The state of a logic's last run (`LogicExecuteState`).
    LogicExecuteState {
        /// `SUCCESS`.
        Success => "SUCCESS",
        /// `FAILED`.
        Failed => "FAILED",
        /// `RUNNING`.
        Running => "RUNNING",
    }
);

string_enum!(
    /// A behaviour action (`EventAction`).
    EventAction {
        /// `view`.
        View => "view",
        /// `cart`.
        Cart => "cart",
        /// `order`.
        Order => "order",
        /// `like`.
        Like => "like",
        /// `share`.
        Share => "share",
    }
);

string_enum!(
    /// A band's type (`BandType`).
    BandType {
        /// `gene`.
        Gene => "gene",
        /// `combine`.
        Combine => "combine",
        /// `upload`.
        Upload => "upload",
        /// `fixedgene`.
        FixedGene => "fixedgene",
    }
);

string_enum!(
    /// A gene band's operator (`BandGeneOperator`). `KINC` is here although
    /// the reference has it only in a comment (§9).
    BandGeneOperator {
        /// `LT`.
        Lt => "LT",
        /// `LE`.
        Le => "LE",
        /// `EQ`.
        Eq => "EQ",
        /// `GE`.
        Ge => "GE",
        /// `GT`.
        Gt => "GT",
        /// `IN`.
        In => "IN",
        /// `BETWEEN`.
        Between => "BETWEEN",
        /// `INC`.
        Inc => "INC",
        /// `INCALL`.
        IncAll => "INCALL",
        /// `INCNONE`.
        IncNone => "INCNONE",
        /// `RINC`.
        RInc => "RINC",
        /// `RINCALL`.
        RIncAll => "RINCALL",
        /// `RINCNONE`.
        RIncNone => "RINCNONE",
        /// `KINC`.
        KInc => "KINC",
        /// `KINCALL`.
        KIncAll => "KINCALL",
        /// `KINCNONE`.
        KIncNone => "KINCNONE",
    }
);

string_enum!(
    /// How bands combine (`BandCombineOperator`).
    BandCombineOperator {
        /// `UNION`.
        Union => "UNION",
        /// `INTERSECT`.
        Intersect => "INTERSECT",
        /// `EXCEPT`.
        Except => "EXCEPT",
    }
);

string_enum!(
    /// A gene's type (`GeneType`).
    GeneType {
        /// `set`.
        Set => "set",
        /// `date`.
        Date => "date",
        /// `percent`.
        Percent => "percent",
        /// `hours`.
        Hours => "hours",
        /// `set_keyword`.
        SetKeyword => "set_keyword",
        /// `number_time`.
        NumberTime => "number_time",
        /// `number`.
        Number => "number",
        /// `weekdays`.
        Weekdays => "weekdays",
        /// `range_date`.
        RangeDate => "range_date",
    }
);

string_enum!(
    /// A gene's chart (`GeneChartType`).
    GeneChartType {
        /// `semidonut`.
        Semidonut => "semidonut",
        /// `bar`.
        Bar => "bar",
        /// `line`.
        Line => "line",
        /// `column`.
        Column => "column",
        /// `heatmap_date`.
        HeatmapDate => "heatmap_date",
    }
);

string_enum!(
    /// An EI statistics counter (`EIStatisticsItem`).
    EiStatisticsItem {
        /// `downloadUidList`.
        DownloadUidList => "downloadUidList",
        /// `addBand`.
        AddBand => "addBand",
        /// `updateBand`.
        UpdateBand => "updateBand",
        /// `bandCount`.
        BandCount => "bandCount",
    }
);

string_enum!(
    /// A population-timeline filter operator (`EIPopulationTimelineFilterOP`).
    EiPopulationTimelineFilterOp {
        /// `LT`.
        Lt => "LT",
        /// `LE`.
        Le => "LE",
        /// `EQ`.
        Eq => "EQ",
        /// `GE`.
        Ge => "GE",
        /// `GT`.
        Gt => "GT",
        /// `NE`.
        Ne => "NE",
    }
);

string_enum!(
    /// The `TYPE` of a timeline comparator `TYPE:VALUE`
    /// (`EIPopulationTimelineFilterCompType`).
    EiPopulationTimelineFilterCompType {
        /// `NUMBER`.
        Number => "NUMBER",
        /// `STRING`.
        String => "STRING",
        /// `SUBSTRING`.
        Substring => "SUBSTRING",
    }
);

string_enum!(
    /// A layout title's alignment (`LayoutTitleAlignment`).
    LayoutTitleAlignment {
        /// `center`.
        Center => "center",
        /// `left`.
        Left => "left",
        /// `right`.
        Right => "right",
    }
);

string_enum!(
    /// An algorithm training's state (`AlgTrainingState`); note `N/A`.
    AlgTrainingState {
        /// `N/A`.
        Na => "N/A",
        /// `INIT`.
        Init => "INIT",
        /// `RUNNING`.
        Running => "RUNNING",
        /// `DONE`.
        Done => "DONE",
        /// `FAILED`.
        Failed => "FAILED",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_strings_and_unknown_round_trip() {
        assert_eq!(AppRoleName::Admin.as_str(), "ADMIN");
        assert_eq!(LogicAlgorithmId::InfoIntegrity.as_str(), "Info_Integrity");
        assert_eq!(AlgTrainingState::Na.as_str(), "N/A");
        assert_eq!(DataSourceContentType::ItemInfo.as_str(), "item");
        assert_eq!(BandType::FixedGene.as_str(), "fixedgene");
        let odd: GeneType = serde_json::from_str("\"quantum\"").unwrap();
        assert_eq!(odd, GeneType::Unknown("quantum".into()));
        assert_eq!(serde_json::to_string(&odd).unwrap(), "\"quantum\"");
        let known: AppId = serde_json::from_str("\"ETU-INSIGHT\"").unwrap();
        assert_eq!(known, AppId::Ei);
        // 19 enums, every known value round-trips.
        fn all<E: std::str::FromStr + PartialEq + std::fmt::Debug>(known: &[E], s: fn(&E) -> &str)
        where
            E::Err: std::fmt::Debug,
        {
            for k in known {
                assert_eq!(&s(k).parse::<E>().unwrap(), k);
            }
        }
        all(AppId::KNOWN, AppId::as_str);
        all(AppRoleName::KNOWN, AppRoleName::as_str);
        all(DataSourceContentType::KNOWN, DataSourceContentType::as_str);
        all(DataSourceType::KNOWN, DataSourceType::as_str);
        all(LogicAlgType::KNOWN, LogicAlgType::as_str);
        all(
            LogicAvlItemFilterMode::KNOWN,
            LogicAvlItemFilterMode::as_str,
        );
        all(LogicAlgorithmId::KNOWN, LogicAlgorithmId::as_str);
        all(LogicExecuteState::KNOWN, LogicExecuteState::as_str);
        all(EventAction::KNOWN, EventAction::as_str);
        all(BandType::KNOWN, BandType::as_str);
        all(BandGeneOperator::KNOWN, BandGeneOperator::as_str);
        all(BandCombineOperator::KNOWN, BandCombineOperator::as_str);
        all(GeneType::KNOWN, GeneType::as_str);
        all(GeneChartType::KNOWN, GeneChartType::as_str);
        all(EiStatisticsItem::KNOWN, EiStatisticsItem::as_str);
        all(
            EiPopulationTimelineFilterOp::KNOWN,
            EiPopulationTimelineFilterOp::as_str,
        );
        all(
            EiPopulationTimelineFilterCompType::KNOWN,
            EiPopulationTimelineFilterCompType::as_str,
        );
        all(LayoutTitleAlignment::KNOWN, LayoutTitleAlignment::as_str);
        all(AlgTrainingState::KNOWN, AlgTrainingState::as_str);
    }
}
