//! ER v3 models (`er.py`, `etunexus.md` §8.2): 19 classes — `ERGroup`,
//! `ERDataSource`, `UserFilter`, `Logic`, `Campaign`, `Layout`, the
//! algorithm instance and its 9 kinds (`Alg_UNKNOWN` and the 8 typed
//! settings), the algorithm training and its 2 kinds.
//!
//! Algorithm settings are kept as the JSON object the server sent
//! ([`AlgInstance::setting`]), so nothing is dropped (the reference
//! rebuilds them from the keys it knows); [`AlgSetting`] reads and writes
//! the typed forms.

use super::{null_default, Extra};
use crate::enums::{
    AlgTrainingState, DataSourceContentType, DataSourceType, EventAction, LayoutTitleAlignment,
    LogicAlgType, LogicAlgorithmId, LogicAvlItemFilterMode, LogicExecuteState,
};
use crate::ids::{CampaignId, DataSourceId, GroupId, LogicId, UserFilterId};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use tenantry_core::{Error, Result};
use time::OffsetDateTime;

/// A group as ER sees it (`ERGroup`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErGroup {
    /// Id.
    #[serde(default)]
    pub id: Option<GroupId>,
    /// Name.
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A data source as ER sees it (`ERDataSource`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErDataSource {
    /// Id.
    #[serde(default)]
    pub id: Option<DataSourceId>,
    /// Group.
    #[serde(default)]
    pub group_id: Option<GroupId>,
    /// Name.
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// What it holds.
    pub content_type: DataSourceContentType,
    /// How it is fed.
    #[serde(rename = "type")]
    pub source_type: DataSourceType,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A data source as a setting names it: `{"id", "name"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataSourceRef {
    /// Id.
    pub id: DataSourceId,
    /// Name.
    pub name: String,
}

impl DataSourceRef {
    /// A reference to a data source.
    pub fn new(id: DataSourceId, name: impl Into<String>) -> Self {
        DataSourceRef {
            id,
            name: name.into(),
        }
    }
}

/// `USER_BASED_CF` / `ITEM_BASED_CF` settings (`Alg_USER_BASED_CF`,
/// `Alg_ITEM_BASED_CF`). `als_iteration`/`als_rank` default to 10 when the
/// server omits them (the reference reads them as `null` and sends `null`
/// back, §10.23).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CfSetting {
    /// Data source.
    #[serde(rename = "DATASOURCE")]
    pub data_source: DataSourceRef,
    /// Time range (days).
    #[serde(rename = "TIMERANGE")]
    pub time_range: u32,
    /// Actions.
    pub action: Vec<EventAction>,
    /// ALS iterations.
    #[serde(default = "ten")]
    pub als_iteration: u32,
    /// ALS rank.
    #[serde(default = "ten")]
    pub als_rank: u32,
}

fn ten() -> u32 {
    10
}

impl CfSetting {
    /// Settings with the reference's defaults (10 iterations, rank 10).
    pub fn new(data_source: DataSourceRef, time_range: u32, action: Vec<EventAction>) -> Self {
        CfSetting {
            data_source,
            time_range,
            action,
            als_iteration: 10,
            als_rank: 10,
        }
    }
}

/// `"true"`/`"false"` as a string on the wire (RANKING's
/// `addNonCategoryRec`, quirk §10.8); read back correctly (the reference
/// reads `"false"` as true, §10.22).
mod bool_string {
    use super::*;
    pub fn serialize<S: Serializer>(v: &bool, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(if *v { "true" } else { "false" })
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<bool, D::Error> {
        match Value::deserialize(d)? {
            Value::Bool(b) => Ok(b),
            Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "true" => Ok(true),
                "false" | "" => Ok(false),
                other => Err(serde::de::Error::custom(format!(
                    "`{other}` is not true/false"
                ))),
            },
            Value::Null => Ok(true),
            other => Err(serde::de::Error::custom(format!(
                "`{other}` is not true/false"
            ))),
        }
    }
}

/// `RANKING` / `RANKING_ITEMINFO` settings (`Alg_RANKING`,
/// `Alg_RANKING_ITEMINFO`; the latter also names the item-info source in
/// `datasource_Iteminfo`, and both send `"id": "RANKING"`, quirk §10.11).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RankingSetting {
    /// Data source.
    #[serde(rename = "DATASOURCE")]
    pub data_source: DataSourceRef,
    /// Time range (days).
    #[serde(rename = "TIMERANGE")]
    pub time_range: u32,
    /// Actions.
    pub action_list: Vec<EventAction>,
    /// Item-info source (RANKING_ITEMINFO only).
    #[serde(
        rename = "datasource_Iteminfo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub item_info: Option<DataSourceRef>,
    /// Recommend items outside any category (a `"true"`/`"false"` string).
    #[serde(with = "bool_string", default = "yes")]
    pub add_non_category_rec: bool,
    /// Category delimiter.
    #[serde(default = "comma")]
    pub delimiter: String,
    /// Flatten actions (a real boolean).
    #[serde(default)]
    pub flat_act: bool,
}

fn yes() -> bool {
    true
}
fn comma() -> String {
    ",".to_owned()
}

impl RankingSetting {
    /// Settings with the reference's defaults (`addNonCategoryRec`
    /// `"true"`, delimiter `,`, `flatAct` false).
    pub fn new(data_source: DataSourceRef, time_range: u32, action_list: Vec<EventAction>) -> Self {
        RankingSetting {
            data_source,
            time_range,
            action_list,
            item_info: None,
            add_non_category_rec: true,
            delimiter: comma(),
            flat_act: false,
        }
    }
}

/// `SEARCH2CLICK` settings (`Alg_SEARCH2CLICK`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Search2ClickSetting {
    /// Data source.
    #[serde(rename = "DATASOURCE")]
    pub data_source: DataSourceRef,
    /// Time range (days).
    #[serde(rename = "TIMERANGE")]
    pub time_range: u32,
    /// Time decay.
    #[serde(rename = "TIME_DECAYED")]
    pub time_decayed: u32,
    /// Action.
    #[serde(rename = "ACTION")]
    pub action: String,
}

impl Search2ClickSetting {
    /// Settings.
    pub fn new(
        data_source: DataSourceRef,
        time_range: u32,
        time_decayed: u32,
        action: impl Into<String>,
    ) -> Self {
        Search2ClickSetting {
            data_source,
            time_range,
            time_decayed,
            action: action.into(),
        }
    }
}

/// `Info_Integrity` settings (`Alg_Info_Integrity`; `dataSource` in lower
/// camel case and `attritubeList` spelled as the wire spells it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InfoIntegritySetting {
    /// Data source.
    #[serde(rename = "dataSource")]
    pub data_source: DataSourceRef,
    /// Attributes checked (`attritubeList`).
    #[serde(rename = "attritubeList")]
    pub attribute_list: Vec<Value>,
}

impl InfoIntegritySetting {
    /// Settings.
    pub fn new(data_source: DataSourceRef, attribute_list: Vec<Value>) -> Self {
        InfoIntegritySetting {
            data_source,
            attribute_list,
        }
    }
}

/// `ALS` settings (`Alg_ALS`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AlsSetting {
    /// Data source.
    #[serde(rename = "dataSource")]
    pub data_source: DataSourceRef,
    /// Time range (days).
    #[serde(rename = "timeRange")]
    pub time_range: u32,
    /// Regularisation (default 0.1).
    #[serde(rename = "LAMBDA", default = "lambda")]
    pub lambda: f64,
}

fn lambda() -> f64 {
    0.1
}

impl AlsSetting {
    /// Settings (LAMBDA 0.1).
    pub fn new(data_source: DataSourceRef, time_range: u32) -> Self {
        AlsSetting {
            data_source,
            time_range,
            lambda: 0.1,
        }
    }
}

/// `LDA` settings (`Alg_LDA`), and the setting of an LDA training
/// (`AlgTraining_LDA`, which adds `TOPICS` and no `id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LdaSetting {
    /// Data source.
    #[serde(rename = "DATASOURCE")]
    pub data_source: DataSourceRef,
    /// Number of topics (trainings).
    #[serde(rename = "TOPICS", default, skip_serializing_if = "Option::is_none")]
    pub topics: Option<u32>,
}

impl LdaSetting {
    /// Settings.
    pub fn new(data_source: DataSourceRef) -> Self {
        LdaSetting {
            data_source,
            topics: None,
        }
    }
}

/// A typed algorithm setting; [`Other`](Self::Other) keeps an algorithm
/// this version does not know as sent (the reference renames its id to
/// `UNKNOWN`, §10.21).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AlgSetting {
    /// `USER_BASED_CF`.
    UserBasedCf(CfSetting),
    /// `ITEM_BASED_CF`.
    ItemBasedCf(CfSetting),
    /// `RANKING`.
    Ranking(RankingSetting),
    /// `RANKING_ITEMINFO` (the setting's `id` is `RANKING`).
    RankingItemInfo(RankingSetting),
    /// `SEARCH2CLICK`.
    Search2Click(Search2ClickSetting),
    /// `Info_Integrity`.
    InfoIntegrity(InfoIntegritySetting),
    /// `ALS`.
    Als(AlsSetting),
    /// `LDA`.
    Lda(LdaSetting),
    /// Any other algorithm, its setting as sent.
    Other(LogicAlgorithmId, Map<String, Value>),
}

fn to_map<T: Serialize>(v: &T, id: &str) -> Result<Map<String, Value>> {
    match serde_json::to_value(v) {
        Ok(Value::Object(mut m)) => {
            if !id.is_empty() {
                m.insert("id".to_owned(), Value::String(id.to_owned()));
            }
            Ok(m)
        }
        Ok(_) => Err(Error::invalid_input("setting", "is not an object")),
        Err(e) => Err(Error::invalid_input("setting", e.to_string())),
    }
}

impl AlgSetting {
    /// The algorithm id.
    pub fn alg_id(&self) -> LogicAlgorithmId {
        match self {
            AlgSetting::UserBasedCf(_) => LogicAlgorithmId::UserBasedCf,
            AlgSetting::ItemBasedCf(_) => LogicAlgorithmId::ItemBasedCf,
            AlgSetting::Ranking(_) => LogicAlgorithmId::Ranking,
            AlgSetting::RankingItemInfo(_) => LogicAlgorithmId::RankingItemInfo,
            AlgSetting::Search2Click(_) => LogicAlgorithmId::Search2Click,
            AlgSetting::InfoIntegrity(_) => LogicAlgorithmId::InfoIntegrity,
            AlgSetting::Als(_) => LogicAlgorithmId::Als,
            AlgSetting::Lda(_) => LogicAlgorithmId::Lda,
            AlgSetting::Other(id, _) => id.clone(),
        }
    }

    /// The wire object (with the setting's own `id`).
    pub fn to_json(&self) -> Result<Map<String, Value>> {
        match self {
            AlgSetting::UserBasedCf(s) => to_map(s, "USER_BASED_CF"),
            AlgSetting::ItemBasedCf(s) => to_map(s, "ITEM_BASED_CF"),
            AlgSetting::Ranking(s) | AlgSetting::RankingItemInfo(s) => to_map(s, "RANKING"),
            AlgSetting::Search2Click(s) => to_map(s, "SEARCH2CLICK"),
            AlgSetting::InfoIntegrity(s) => to_map(s, "Info_Integrity"),
            AlgSetting::Als(s) => to_map(s, "ALS"),
            AlgSetting::Lda(s) => to_map(s, "LDA"),
            AlgSetting::Other(_, m) => Ok(m.clone()),
        }
    }

    /// Reads the setting of algorithm `alg_id`.
    pub fn from_json(alg_id: &LogicAlgorithmId, setting: &Map<String, Value>) -> Result<Self> {
        fn typed<T: serde::de::DeserializeOwned>(m: &Map<String, Value>) -> Result<T> {
            serde_json::from_value(Value::Object(m.clone()))
                .map_err(|e| Error::invalid_input("setting", e.to_string()))
        }
        Ok(match alg_id {
            LogicAlgorithmId::UserBasedCf => AlgSetting::UserBasedCf(typed(setting)?),
            LogicAlgorithmId::ItemBasedCf => AlgSetting::ItemBasedCf(typed(setting)?),
            LogicAlgorithmId::Ranking => AlgSetting::Ranking(typed(setting)?),
            LogicAlgorithmId::RankingItemInfo => AlgSetting::RankingItemInfo(typed(setting)?),
            LogicAlgorithmId::Search2Click => AlgSetting::Search2Click(typed(setting)?),
            LogicAlgorithmId::InfoIntegrity => AlgSetting::InfoIntegrity(typed(setting)?),
            LogicAlgorithmId::Als => AlgSetting::Als(typed(setting)?),
            LogicAlgorithmId::Lda => AlgSetting::Lda(typed(setting)?),
            other => AlgSetting::Other(other.clone(), setting.clone()),
        })
    }
}

/// An algorithm of a logic, with its weight (`AlgInstance`). The run
/// fields come from the server and are sent back on update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AlgInstance {
    /// The algorithm (an unknown one is kept, not renamed `UNKNOWN`).
    pub alg_id: LogicAlgorithmId,
    /// Weight (> 0).
    pub weight: u32,
    /// The setting, as sent (see [`typed_setting`](Self::typed_setting)).
    pub setting: Map<String, Value>,
    /// Server-assigned qualifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
    /// Last run.
    #[serde(
        default,
        with = "crate::millis::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub execute_time: Option<OffsetDateTime>,
    /// Last run's state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execute_state: Option<LogicExecuteState>,
    /// Last successful run.
    #[serde(
        default,
        with = "crate::millis::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub success_time: Option<OffsetDateTime>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl AlgInstance {
    /// An instance; `weight` must be > 0 (field `weight`).
    ///
    /// ```
    /// use etunexus::models::er::{AlgInstance, AlgSetting, DataSourceRef, CfSetting};
    /// use etunexus::{enums::EventAction, DataSourceId};
    /// let ds = DataSourceRef::new(DataSourceId::new(7)?, "ds");
    /// let cf = AlgSetting::UserBasedCf(CfSetting::new(ds, 30, vec![EventAction::View]));
    /// let a = AlgInstance::new(cf, 1)?;
    /// assert_eq!(a.setting["id"], "USER_BASED_CF");
    /// assert!(AlgInstance::new(a.typed_setting()?, 0).is_err());
    /// # Ok::<(), etunexus::Error>(())
    /// ```
    pub fn new(setting: AlgSetting, weight: u32) -> Result<Self> {
        if weight == 0 {
            return Err(Error::invalid_input("weight", "must be greater than 0"));
        }
        Ok(AlgInstance {
            alg_id: setting.alg_id(),
            weight,
            setting: setting.to_json()?,
            qualifier: None,
            execute_time: None,
            execute_state: None,
            success_time: None,
            extra: Extra::new(),
        })
    }

    /// The setting, typed by `algId`.
    pub fn typed_setting(&self) -> Result<AlgSetting> {
        AlgSetting::from_json(&self.alg_id, &self.setting)
    }
}

/// An algorithm training (`AlgTraining`, `AlgTraining_LDA`,
/// `AlgTraining_UNKNOWN`). Created with `algId` and `setting` only; the
/// server adds `id`, `state`, the times and `result` (an unknown algorithm
/// with a result is read fine: the reference crashes, §10.20).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AlgTraining {
    /// The algorithm.
    pub alg_id: LogicAlgorithmId,
    /// The setting, as sent.
    pub setting: Map<String, Value>,
    /// Id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// State.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<AlgTrainingState>,
    /// Created.
    #[serde(
        default,
        with = "crate::millis::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub create_time: Option<OffsetDateTime>,
    /// Updated.
    #[serde(
        default,
        with = "crate::millis::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub update_time: Option<OffsetDateTime>,
    /// Result (LDA: see [`LdaTrainingResult`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Map<String, Value>>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An LDA training's result (`ldaModalPath` spelled as the wire spells it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LdaTrainingResult {
    /// Data source name.
    pub data_source: String,
    /// Model path (`ldaModalPath`).
    #[serde(rename = "ldaModalPath")]
    pub lda_model_path: String,
}

impl AlgTraining {
    /// An LDA training of `topics` (> 0, field `topics`) topics.
    pub fn lda(data_source: DataSourceRef, topics: u32) -> Result<Self> {
        if topics == 0 {
            return Err(Error::invalid_input("topics", "must be greater than 0"));
        }
        let setting = to_map(
            &LdaSetting {
                data_source,
                topics: Some(topics),
            },
            "",
        )?;
        Ok(AlgTraining {
            alg_id: LogicAlgorithmId::Lda,
            setting,
            id: None,
            state: None,
            create_time: None,
            update_time: None,
            result: None,
            extra: Extra::new(),
        })
    }

    /// The LDA result, when this is a finished LDA training.
    pub fn lda_result(&self) -> Option<LdaTrainingResult> {
        let r = self.result.as_ref().filter(|r| !r.is_empty())?;
        serde_json::from_value(Value::Object(r.clone())).ok()
    }
}

/// A user filter (`UserFilter`); its CSV is uploaded with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserFilter {
    /// Id.
    #[serde(default)]
    pub id: Option<UserFilterId>,
    /// Name.
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// Created.
    #[serde(default, with = "crate::millis::opt")]
    pub create_time: Option<OffsetDateTime>,
    /// Updated.
    #[serde(default, with = "crate::millis::opt")]
    pub update_time: Option<OffsetDateTime>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl UserFilter {
    /// A new user filter.
    pub fn new(name: impl Into<String>, display_name: impl Into<String>) -> Self {
        UserFilter {
            id: None,
            name: name.into(),
            display_name: display_name.into(),
            create_time: None,
            update_time: None,
            extra: Extra::new(),
        }
    }
}

/// A recommendation logic (`Logic`): all 21 keys are always sent, nulls
/// included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Logic {
    /// Id.
    #[serde(default)]
    pub id: Option<LogicId>,
    /// Name.
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// Active.
    pub active: bool,
    /// Recommendations per call (> 0).
    pub number_of_rec: u32,
    /// Algorithm type.
    pub alg_type: LogicAlgType,
    /// Algorithms (at least one).
    pub alg_instances: Vec<AlgInstance>,
    /// User filter.
    #[serde(default)]
    pub user_filter: Option<UserFilter>,
    /// Use location.
    pub use_location: bool,
    /// Enable last viewed item.
    pub enable_last_viewed_item: bool,
    /// Complementary logic(s), any shape.
    #[serde(default)]
    pub delegate_logic_name: Value,
    /// Logics that filter this one.
    #[serde(default, deserialize_with = "null_default")]
    pub filtering_logic_ids: Vec<LogicId>,
    /// Enable updating.
    pub enable_updating: bool,
    /// Item-info source (`ITEM_BASE`).
    #[serde(default)]
    pub item_filter_src: Option<String>,
    /// Same category only.
    pub enable_same_category: bool,
    /// Available-item filter.
    pub avl_item_filter_mode: LogicAvlItemFilterMode,
    /// Created.
    #[serde(default, with = "crate::millis::opt")]
    pub create_time: Option<OffsetDateTime>,
    /// Updated.
    #[serde(default, with = "crate::millis::opt")]
    pub update_time: Option<OffsetDateTime>,
    /// Last run.
    #[serde(default, with = "crate::millis::opt")]
    pub execute_time: Option<OffsetDateTime>,
    /// Last successful run.
    #[serde(default, with = "crate::millis::opt")]
    pub success_time: Option<OffsetDateTime>,
    /// Last run's state.
    #[serde(default)]
    pub execute_state: Option<LogicExecuteState>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Logic {
    /// A new logic with the reference's defaults (updating on, the rest
    /// off, filter mode `DISABLED`). Checked when sent: non-empty names, a
    /// non-zero `number_of_rec`, at least one algorithm.
    pub fn new(
        name: impl Into<String>,
        display_name: impl Into<String>,
        alg_type: LogicAlgType,
        number_of_rec: u32,
        alg_instances: Vec<AlgInstance>,
    ) -> Self {
        Logic {
            id: None,
            name: name.into(),
            display_name: display_name.into(),
            active: true,
            number_of_rec,
            alg_type,
            alg_instances,
            user_filter: None,
            use_location: false,
            enable_last_viewed_item: false,
            delegate_logic_name: Value::Null,
            filtering_logic_ids: Vec::new(),
            enable_updating: true,
            item_filter_src: None,
            enable_same_category: false,
            avl_item_filter_mode: LogicAvlItemFilterMode::Disabled,
            create_time: None,
            update_time: None,
            execute_time: None,
            success_time: None,
            execute_state: None,
            extra: Extra::new(),
        }
    }

    pub(crate) fn check(&self) -> Result<()> {
        if self.name.is_empty() {
            return Err(Error::invalid_input("name", "must not be empty"));
        }
        if self.display_name.is_empty() {
            return Err(Error::invalid_input("display_name", "must not be empty"));
        }
        if self.number_of_rec == 0 {
            return Err(Error::invalid_input(
                "number_of_rec",
                "must be greater than 0",
            ));
        }
        if self.alg_instances.is_empty() {
            return Err(Error::invalid_input(
                "alg_instances",
                "needs at least one algorithm",
            ));
        }
        if self.alg_instances.iter().any(|a| a.weight == 0) {
            return Err(Error::invalid_input("weight", "must be greater than 0"));
        }
        Ok(())
    }
}

/// A campaign (`Campaign`): logics over a time range. The reference cannot
/// read one (it looks for a key `logics]`, §10.17); tenantry reads
/// `logics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Campaign {
    /// Id.
    #[serde(default)]
    pub id: Option<CampaignId>,
    /// Group.
    pub group_id: GroupId,
    /// Name.
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// Start.
    #[serde(with = "crate::millis::req")]
    pub start_time: OffsetDateTime,
    /// End (after the start).
    #[serde(with = "crate::millis::req")]
    pub end_time: OffsetDateTime,
    /// Logics.
    #[serde(default, deserialize_with = "null_default")]
    pub logics: Vec<Logic>,
    /// Created.
    #[serde(default, with = "crate::millis::opt")]
    pub create_time: Option<OffsetDateTime>,
    /// Updated.
    #[serde(default, with = "crate::millis::opt")]
    pub update_time: Option<OffsetDateTime>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Campaign {
    /// A new campaign; the range is checked when it is sent.
    pub fn new(
        group_id: GroupId,
        name: impl Into<String>,
        display_name: impl Into<String>,
        start_time: OffsetDateTime,
        end_time: OffsetDateTime,
    ) -> Self {
        Campaign {
            id: None,
            group_id,
            name: name.into(),
            display_name: display_name.into(),
            start_time,
            end_time,
            logics: Vec::new(),
            create_time: None,
            update_time: None,
            extra: Extra::new(),
        }
    }

    pub(crate) fn check(&self) -> Result<()> {
        if self.name.is_empty() {
            return Err(Error::invalid_input("name", "must not be empty"));
        }
        if self.display_name.is_empty() {
            return Err(Error::invalid_input("display_name", "must not be empty"));
        }
        if crate::millis::to_ms(self.start_time).is_none_or(|ms| ms < 0) {
            return Err(Error::invalid_input(
                "start_time",
                "must not be before 1970",
            ));
        }
        if self.end_time <= self.start_time {
            return Err(Error::invalid_input("end_time", "must be after start_time"));
        }
        Ok(())
    }
}

/// A recommendation widget's layout (`Layout`): 13 keys sent; `loID` is
/// read but never sent. Keys the server leaves out read as the defaults
/// (the reference reads them as `null` and sends `null` back, §10.23).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Layout {
    /// Item-info data source name.
    #[serde(rename = "dataSrcName")]
    pub data_src_name: String,
    /// Name.
    #[serde(rename = "loName")]
    pub name: String,
    /// Title.
    #[serde(rename = "loTitle")]
    pub title: String,
    /// Title alignment (default `center`).
    #[serde(rename = "loTitleAlign", default = "d_align")]
    pub title_align: LayoutTitleAlignment,
    /// Items (default 10).
    #[serde(rename = "loItemCnt", default = "d_10")]
    pub item_count: u32,
    /// Item width px (default 200).
    #[serde(rename = "loItemWidth", default = "d_200")]
    pub item_width: u32,
    /// Item height px (default 200).
    #[serde(rename = "loItemHeight", default = "d_200")]
    pub item_height: u32,
    /// Item margin px (default 20).
    #[serde(rename = "loItemMargin", default = "d_20")]
    pub item_margin: u32,
    /// Background `rgba(…)` (default `rgba(255,255,255,0)`).
    #[serde(rename = "loBGColor", default = "d_bg")]
    pub bg_color: String,
    /// Foreground `rgba(…)` (default `rgba(0,0,0,1)`).
    #[serde(rename = "loFGColor", default = "d_fg")]
    pub fg_color: String,
    /// Columns (default 5).
    #[serde(rename = "loCol", default = "d_5")]
    pub columns: u32,
    /// Rows (default 2).
    #[serde(rename = "loRow", default = "d_2")]
    pub rows: u32,
    /// Font size (default 16).
    #[serde(rename = "loFontSize", default = "d_16")]
    pub font_size: u32,
    /// The server's layout id (never sent).
    #[serde(rename = "loID", default, skip_serializing)]
    pub lo_id: Option<Value>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

fn d_align() -> LayoutTitleAlignment {
    LayoutTitleAlignment::Center
}
fn d_10() -> u32 {
    10
}
fn d_200() -> u32 {
    200
}
fn d_20() -> u32 {
    20
}
fn d_5() -> u32 {
    5
}
fn d_2() -> u32 {
    2
}
fn d_16() -> u32 {
    16
}
fn d_bg() -> String {
    "rgba(255,255,255,0)".to_owned()
}
fn d_fg() -> String {
    "rgba(0,0,0,1)".to_owned()
}

impl Layout {
    /// A layout with the reference's defaults, for an item-info data source
    /// named `data_src_name`.
    pub fn new(
        data_src_name: impl Into<String>,
        name: impl Into<String>,
        title: impl Into<String>,
    ) -> Self {
        Layout {
            data_src_name: data_src_name.into(),
            name: name.into(),
            title: title.into(),
            title_align: d_align(),
            item_count: 10,
            item_width: 200,
            item_height: 200,
            item_margin: 20,
            bg_color: d_bg(),
            fg_color: d_fg(),
            columns: 5,
            rows: 2,
            font_size: 16,
            lo_id: None,
            extra: Extra::new(),
        }
    }
}
