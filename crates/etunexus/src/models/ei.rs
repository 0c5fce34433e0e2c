//! EI v3 models (`ei.py`, `etunexus.md` §8.3): 15 classes.
//! (`FixedGeneCategory` and `FixedGene` have the shapes of
//! [`GeneCategory`] and [`Gene`] and are aliases of them.)

use super::{null_default, Extra};
use crate::enums::{
    AppRoleName, BandCombineOperator, BandGeneOperator, BandType, GeneChartType, GeneType,
};
use crate::ids::{BandCategoryId, BandId, DataSourceId, GeneId, GroupId, UserId};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use time::OffsetDateTime;

/// How a gene is shown (`GeneUIInfo`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GeneUiInfo {
    /// `Xaxis_id`.
    #[serde(rename = "Xaxis_id", default)]
    pub x_axis_id: Option<String>,
    /// `Yaxis_id`.
    #[serde(rename = "Yaxis_id", default)]
    pub y_axis_id: Option<String>,
    /// `unit`.
    #[serde(default)]
    pub unit: Option<String>,
    /// `Xaxis`.
    #[serde(rename = "Xaxis", default)]
    pub x_axis: Option<String>,
    /// `Yaxis`.
    #[serde(rename = "Yaxis", default)]
    pub y_axis: Option<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A gene (`Gene`; also `FixedGene`): a customer attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Gene {
    /// Id (text).
    pub id: GeneId,
    /// Name.
    pub name: String,
    /// Time range (may be 0).
    #[serde(rename = "timerange", default)]
    pub time_range: i64,
    /// Type.
    #[serde(rename = "type")]
    pub gene_type: GeneType,
    /// Chart.
    pub chart_type: GeneChartType,
    /// UI hints.
    #[serde(default)]
    pub ui_info: GeneUiInfo,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A fixed gene (`FixedGene`): the shape of a [`Gene`].
pub type FixedGene = Gene;

/// A gene category, with subcategories (`GeneCategory`; also
/// `FixedGeneCategory`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GeneCategory {
    /// Id.
    #[serde(default)]
    pub id: Option<u64>,
    /// Name.
    pub name: String,
    /// Subcategories.
    #[serde(default, deserialize_with = "null_default")]
    pub subcategories: Vec<GeneCategory>,
    /// Genes.
    #[serde(default, deserialize_with = "null_default")]
    pub genes: Vec<Gene>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A fixed-gene category (`FixedGeneCategory`): the shape of a
/// [`GeneCategory`].
pub type FixedGeneCategory = GeneCategory;

/// A gene band's target (`BandGene`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BandGene {
    /// Gene.
    pub gene_id: GeneId,
    /// Data source (`cid`).
    pub cid: DataSourceId,
    /// Operator.
    pub operator: BandGeneOperator,
    /// Operand (`"a,b"`, `"10"`, …).
    pub operand: String,
}

impl BandGene {
    /// A target.
    pub fn new(
        gene_id: GeneId,
        cid: DataSourceId,
        operator: BandGeneOperator,
        operand: impl Into<String>,
    ) -> Self {
        BandGene {
            gene_id,
            cid,
            operator,
            operand: operand.into(),
        }
    }
}

/// A combined band's target (`BandCombine`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BandCombine {
    /// Bands (at least one).
    pub band_ids: Vec<BandId>,
    /// Operators (the server uses the first).
    pub operators: Vec<BandCombineOperator>,
}

impl BandCombine {
    /// A target.
    pub fn new(band_ids: Vec<BandId>, operator: BandCombineOperator) -> Self {
        BandCombine {
            band_ids,
            operators: vec![operator],
        }
    }
}

/// A band's snapshot lineage (`SnapshotInfo`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SnapshotInfo {
    /// Parent band.
    #[serde(default)]
    pub parent: Option<BandId>,
    /// Child bands.
    #[serde(default, deserialize_with = "null_default")]
    pub children: Vec<BandId>,
}

/// A band: a population of customers (`Band`). Sent as multipart parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Band {
    /// Id.
    #[serde(default)]
    pub id: Option<BandId>,
    /// Category.
    #[serde(default)]
    pub category_id: Option<BandCategoryId>,
    /// Name.
    pub name: String,
    /// Description (may be empty).
    #[serde(default, deserialize_with = "null_default")]
    pub description: String,
    /// Type.
    #[serde(rename = "type")]
    pub band_type: BandType,
    /// Gene target (`gene` bands).
    #[serde(default)]
    pub target_gene: Option<BandGene>,
    /// Combination target (`combine` bands).
    #[serde(default)]
    pub target_band: Option<BandCombine>,
    /// Recompute on refresh (default true).
    #[serde(default = "yes")]
    pub need_refresh: bool,
    /// Lineage.
    #[serde(default, deserialize_with = "null_default")]
    pub snapshot_info: SnapshotInfo,
    /// Shared with the group (default false).
    #[serde(default)]
    pub shared: bool,
    /// Customers in it.
    #[serde(default)]
    pub amount: Option<u64>,
    /// Updated.
    #[serde(default, with = "crate::millis::opt")]
    pub update_time: Option<OffsetDateTime>,
    /// Owner (user id), as sent.
    #[serde(default)]
    pub owner: Option<Value>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

fn yes() -> bool {
    true
}

impl Band {
    fn base(category_id: BandCategoryId, name: impl Into<String>, band_type: BandType) -> Self {
        Band {
            id: None,
            category_id: Some(category_id),
            name: name.into(),
            description: String::new(),
            band_type,
            target_gene: None,
            target_band: None,
            need_refresh: true,
            snapshot_info: SnapshotInfo::default(),
            shared: false,
            amount: None,
            update_time: None,
            owner: None,
            extra: Extra::new(),
        }
    }

    /// A `gene` band.
    pub fn gene(category_id: BandCategoryId, name: impl Into<String>, target: BandGene) -> Self {
        let mut b = Self::base(category_id, name, BandType::Gene);
        b.target_gene = Some(target);
        b
    }

    /// A `combine` band.
    pub fn combine(
        category_id: BandCategoryId,
        name: impl Into<String>,
        target: BandCombine,
    ) -> Self {
        let mut b = Self::base(category_id, name, BandType::Combine);
        b.target_band = Some(target);
        b
    }

    /// An `upload` band (its CSV of uids is sent with it).
    pub fn upload(category_id: BandCategoryId, name: impl Into<String>) -> Self {
        Self::base(category_id, name, BandType::Upload)
    }
}

/// A category of bands (`BandCategory`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BandCategory {
    /// Id.
    #[serde(default)]
    pub id: Option<BandCategoryId>,
    /// Name.
    pub name: String,
    /// Its bands (their `categoryId` is filled with this id when missing).
    #[serde(default, deserialize_with = "null_default")]
    pub bands: Vec<Band>,
    /// The default category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl BandCategory {
    /// Gives each band the category's id when it has none.
    pub(crate) fn fill_band_categories(&mut self) {
        if let Some(id) = self.id {
            for b in &mut self.bands {
                b.category_id.get_or_insert(id);
            }
        }
    }
}

/// Customers per value of a gene (`PopulationSummary`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PopulationSummary {
    /// Value.
    pub key: String,
    /// Customers.
    pub amount: i64,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `[[ms, count], …]` ↔ `Vec<(OffsetDateTime, i64)>`.
mod points {
    use super::*;
    pub fn serialize<S: Serializer>(v: &[(OffsetDateTime, i64)], s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for (t, n) in v {
            let ms = crate::millis::to_ms(*t)
                .ok_or_else(|| serde::ser::Error::custom("time out of range"))?;
            seq.serialize_element(&(ms, n))?;
        }
        seq.end()
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<(OffsetDateTime, i64)>, D::Error> {
        let raw: Vec<(i64, i64)> = Vec::deserialize(d)?;
        raw.into_iter()
            .map(|(ms, n)| {
                crate::millis::from_ms(ms)
                    .map(|t| (t, n))
                    .ok_or_else(|| serde::de::Error::custom(format!("`{ms}` ms is out of range")))
            })
            .collect()
    }
}

/// Customers per day for one gene (`PopulationTimeline`); the wire names
/// are kept (`name` is the gene id, `cid` the data source).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PopulationTimeline {
    /// Gene id.
    pub name: String,
    /// Group name.
    pub group: String,
    /// Data source.
    pub cid: DataSourceId,
    /// Start.
    #[serde(with = "crate::millis::req")]
    pub start_time: OffsetDateTime,
    /// End.
    #[serde(with = "crate::millis::req")]
    pub end_time: OffsetDateTime,
    /// `(day, customers)`.
    #[serde(with = "points")]
    pub data: Vec<(OffsetDateTime, i64)>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A group as EI sees it (`EIGroup`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EiGroup {
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

/// A user as EI sees it (`EIUser`): one role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EiUser {
    /// Id.
    #[serde(default)]
    pub id: Option<UserId>,
    /// Name.
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// Role in EI.
    pub role: AppRoleName,
    /// Group.
    pub group: EiGroup,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The bands a uid is in (`UidBandList`); empty lists are fine (the
/// reference fails on them, §10.27).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UidBandList {
    /// Band ids.
    #[serde(default, deserialize_with = "null_default")]
    pub band_id_list: Vec<BandId>,
    /// Band names.
    #[serde(default, deserialize_with = "null_default")]
    pub band_name_list: Vec<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}
