//! EI v3 operations (`etunexus.md` §7, #1–#26): [`Ei3::users`],
//! [`Ei3::genes`], [`Ei3::band_categories`], [`Ei3::bands`],
//! [`Ei3::population`], [`Ei3::statistics`], [`Ei3::customers`],
//! [`Ei3::items`], [`Ei3::summary`], [`Ei3::su`].
//!
//! Every answer is wrapped in `{"data": …}` (quirk §10.12), unwrapped
//! here. Band categories are sent as a form, bands as multipart (booleans
//! as Python's `True`/`False`, nested objects as JSON text in a part, the
//! reference's layout, quirk §10.9). Uploads stream: the file part is
//! read from disk while the request is sent (core's
//! [`multipart`](tenantry_core::multipart) form), and the uid-list
//! download is written to its file as it arrives
//! ([`Pipeline::download_to`](tenantry_core::Pipeline::download_to)), so
//! neither is ever whole in memory, whatever its size. A streamed upload
//! is never sent again after a timeout (bytes may have left); on a session
//! that expired meanwhile it logs in again once and the file is read again
//! and sent once more.

use crate::client::Ei3;
use crate::enums::{
    EiPopulationTimelineFilterCompType, EiPopulationTimelineFilterOp, EiStatisticsItem,
};
use crate::ids::{
    BandCategoryId, BandId, DataSourceId, GeneId, GroupId, Name, SummaryId, Uid, UserId,
};
use crate::models::ei::{
    Band, BandCategory, EiUser, FixedGeneCategory, GeneCategory, PopulationSummary,
    PopulationTimeline, UidBandList,
};
use crate::wire::{check_echo, check_range, py_bool, ymd, Data, Multipart};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tenantry_core::pipeline::Decl;
use tenantry_core::{Error, Operation, Result};
use time::Date;

const ME: Decl = Decl::get("ei.get_me", "/user/me");
const SUPERME: Decl = Decl::get("ei.get_superme", "/user/superme");
const GENE_CATEGORIES: Decl = Decl::get("ei.get_gene_categories", "/genecategory");
const BAND_CATEGORIES: Decl = Decl::get("ei.get_band_categories", "/bandcategory");
const ADD_BAND_CATEGORY: Decl = Decl::post("ei.add_band_category", "/bandcategory");
const UPDATE_BAND_CATEGORY: Decl = Decl::post("ei.update_band_category", "/bandcategory/{id}");
const DEL_BAND_CATEGORY: Decl = Decl::delete("ei.del_band_category", "/bandcategory/{id}");
const SHARED_BAND_CATEGORIES: Decl =
    Decl::get("ei.get_shared_band_categories", "/sharingbandcategory");
const ADD_BAND: Decl = Decl::post("ei.add_band", "/band");
const UPDATE_BAND: Decl = Decl::post("ei.update_band", "/band/{id}");
const DEL_BAND: Decl = Decl::delete("ei.del_band", "/band/{id}");
const UID_LIST: Decl = Decl::get("ei.get_uid_list", "/band/{id}/uidlist");
const UID_LIST_FILE: Decl = Decl::get("ei.get_uid_list.download", "/");
const SNAPSHOT: Decl = Decl::post("ei.do_snapshot", "/band/{id}/snapshot");
const FIXED_GENE_CATEGORIES: Decl = Decl::get("ei.get_fixed_gene_categories", "/fixedgenecategory");
const FIXED_GENE_SCHEMA: Decl = Decl::post("ei.upload_fixed_gene_schema", "/fixedgene/schema");
const FIXED_GENE_DATA: Decl = Decl::post("ei.upload_fixed_gene_data", "/fixedgene/data");
const POPULATION_SUMMARY: Decl = Decl::get("ei.get_population_summary", "/population/summary");
const POPULATION_TIMELINE: Decl = Decl::get(
    "ei.get_population_timeline",
    "/timeline/population/{genes}/{cid}",
);
const STATISTICS: Decl = Decl::get("ei.get_statistics", "/statistics/query");
const CUSTOMER_INFO: Decl = Decl::get("ei.get_customer_info", "/customerinformation/{uid}");
const UID_BAND_LIST: Decl = Decl::get("ei.get_uid_band_list", "/uidbandlist/id");
const ITEM: Decl = Decl::post("ei.upload_item_data", "/item");
const SUMMARY: Decl = Decl::get("ei.get_summary", "/summary/{id}");
// A GET that changes the session (quirk §10.13): never re-sent.
const SU_LOGIN: Decl = Decl::get("ei.do_su_login", "/suauth").non_idempotent();
const SU_LOGOUT: Decl = Decl::delete("ei.do_su_logout", "/suauth");
const DEFAULT_BAND_CATEGORIES: Decl =
    Decl::get("ei.get_default_bandcategories", "/defaultbandcategory");

impl Ei3 {
    /// Sends `op` and unwraps `{"data": …}`.
    async fn data<T: DeserializeOwned>(&self, op: &Operation) -> Result<T> {
        let w: Data<T> = self.app.api.call(op).await?;
        Ok(w.data)
    }

    /// The logged-in (or impersonated) user.
    pub fn users(&self) -> EiUsersHandler<'_> {
        EiUsersHandler { ei: self }
    }
    /// Gene and fixed-gene categories, fixed-gene uploads.
    pub fn genes(&self) -> GenesHandler<'_> {
        GenesHandler { ei: self }
    }
    /// Band categories (own, shared, defaults).
    pub fn band_categories(&self) -> BandCategoriesHandler<'_> {
        BandCategoriesHandler { ei: self }
    }
    /// Bands.
    pub fn bands(&self) -> BandsHandler<'_> {
        BandsHandler { ei: self }
    }
    /// Population summaries and timelines.
    pub fn population(&self) -> PopulationHandler<'_> {
        PopulationHandler { ei: self }
    }
    /// Customers: their gene values and bands.
    pub fn customers(&self) -> CustomersHandler<'_> {
        CustomersHandler { ei: self }
    }
    /// Impersonation ("su").
    pub fn su(&self) -> SuHandler<'_> {
        SuHandler { ei: self }
    }

    /// `GET /statistics/query?groupId&startDate&endDate&itemName` (#19): a
    /// builder; `.items(..)`, `.start(..)` and `.end(..)` are required
    /// (the reference's default end date is the day it was imported,
    /// §10.28).
    pub fn statistics(&self, group: &GroupId) -> StatisticsQuery<'_> {
        StatisticsQuery {
            ei: self,
            group: *group,
            items: Vec::new(),
            start: None,
            end: None,
        }
    }

    /// `POST /item`, multipart `groupId` + the CSV (#22): answers the
    /// number of items (`pidNumber`).
    pub async fn upload_items(&self, group: &GroupId, file: impl AsRef<Path>) -> Result<u64> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Pids {
            pid_number: u64,
        }
        let op = group_upload(ITEM.op(), group, file.as_ref());
        let p: Pids = self.data(&op).await?;
        Ok(p.pid_number)
    }

    /// `GET /summary/{id}?cId&bandId&upperBound=1&lowerBound=1` (#23): a
    /// builder; `.data_source(..)` and `.band(..)` are required. Answers
    /// the raw `data`.
    pub fn summary(&self, id: &SummaryId) -> SummaryQuery<'_> {
        SummaryQuery {
            ei: self,
            id: id.clone(),
            data_source: None,
            band: None,
        }
    }
}

/// A summary query; from [`Ei3::summary`].
#[derive(Debug)]
pub struct SummaryQuery<'a> {
    ei: &'a Ei3,
    id: SummaryId,
    data_source: Option<DataSourceId>,
    band: Option<BandId>,
}

impl SummaryQuery<'_> {
    /// The data source (`cId`).
    pub fn data_source(mut self, id: DataSourceId) -> Self {
        self.data_source = Some(id);
        self
    }
    /// The band.
    pub fn band(mut self, id: BandId) -> Self {
        self.band = Some(id);
        self
    }
    /// Sends it.
    pub async fn send(self) -> Result<Value> {
        let ds = self
            .data_source
            .ok_or_else(|| Error::invalid_input("data_source", "is required"))?;
        let band = self
            .band
            .ok_or_else(|| Error::invalid_input("band", "is required"))?;
        let op = SUMMARY
            .op()
            .param("id", self.id.as_str())
            .query("cId", ds.to_string())
            .query("bandId", band.to_string())
            .query("upperBound", "1")
            .query("lowerBound", "1");
        self.ei.data(&op).await
    }
}

/// `groupId` + the file, multipart, the file streamed from disk.
fn group_upload(op: Operation, group: &GroupId, file: &Path) -> Operation {
    let mut m = Multipart::new();
    m.text("groupId", &group.to_string());
    op.multipart(m.with_file(file))
}

/// EI users. From [`Ei3::users`].
#[derive(Debug, Clone, Copy)]
pub struct EiUsersHandler<'a> {
    ei: &'a Ei3,
}

impl EiUsersHandler<'_> {
    /// `GET /user/me` (#1): the user (the impersonated one during su).
    ///
    /// ```no_run
    /// # async fn run(ei: etunexus::Ei3) -> etunexus::Result<()> {
    /// let me = ei.users().me().await?;
    /// println!("{} in {}", me.name, me.group.name);
    /// # Ok(()) }
    /// ```
    pub async fn me(&self) -> Result<EiUser> {
        self.ei.data(&ME.op()).await
    }
    /// `GET /user/superme` (#2): the real user during su.
    pub async fn superme(&self) -> Result<EiUser> {
        self.ei.data(&SUPERME.op()).await
    }
}

/// Genes. From [`Ei3::genes`].
#[derive(Debug, Clone, Copy)]
pub struct GenesHandler<'a> {
    ei: &'a Ei3,
}

impl GenesHandler<'_> {
    /// `GET /genecategory?groupId=…` (#3).
    pub async fn categories(&self, group: &GroupId) -> Result<Vec<GeneCategory>> {
        self.ei
            .data(&GENE_CATEGORIES.op().query("groupId", group.to_string()))
            .await
    }
    /// `GET /fixedgenecategory` (#14).
    pub async fn fixed_categories(&self) -> Result<Vec<FixedGeneCategory>> {
        self.ei.data(&FIXED_GENE_CATEGORIES.op()).await
    }
    /// `POST /fixedgene/schema`, multipart `groupId` + the JSON schema file
    /// (#15).
    pub async fn upload_fixed_schema(
        &self,
        group: &GroupId,
        file: impl AsRef<Path>,
    ) -> Result<FixedGeneCategory> {
        let op = group_upload(FIXED_GENE_SCHEMA.op(), group, file.as_ref());
        self.ei.data(&op).await
    }
    /// `POST /fixedgene/data`, multipart `groupId` + the CSV (a `uid`
    /// column and one per gene) (#16): the raw `data`.
    pub async fn upload_fixed_data(
        &self,
        group: &GroupId,
        file: impl AsRef<Path>,
    ) -> Result<Value> {
        let op = group_upload(FIXED_GENE_DATA.op(), group, file.as_ref());
        self.ei.data(&op).await
    }
}

/// Band categories. From [`Ei3::band_categories`].
#[derive(Debug, Clone, Copy)]
pub struct BandCategoriesHandler<'a> {
    ei: &'a Ei3,
}

fn filled(mut list: Vec<BandCategory>) -> Vec<BandCategory> {
    list.iter_mut().for_each(BandCategory::fill_band_categories);
    list
}

impl<'a> BandCategoriesHandler<'a> {
    /// `GET /bandcategory` (#4): the user's categories with their bands.
    pub async fn list(&self) -> Result<Vec<BandCategory>> {
        Ok(filled(self.ei.data(&BAND_CATEGORIES.op()).await?))
    }

    /// `POST /bandcategory`, form `name` [+ `isDefault=True`] (#5): a
    /// builder; `.name(..)` is required.
    ///
    /// ```no_run
    /// # async fn run(ei: etunexus::Ei3) -> etunexus::Result<()> {
    /// let c = ei.band_categories().create().name("Campaign 7").send().await?;
    /// # let _ = c; Ok(()) }
    /// ```
    pub fn create(&self) -> WriteBandCategory<'a> {
        WriteBandCategory {
            ei: self.ei,
            id: None,
            name: None,
            is_default: false,
        }
    }

    /// `POST /bandcategory/{id}`, form `name` [+ `isDefault=True`] (#6): a
    /// builder; `.name(..)` is required.
    pub fn update(&self, id: &BandCategoryId) -> WriteBandCategory<'a> {
        WriteBandCategory {
            ei: self.ei,
            id: Some(*id),
            name: None,
            is_default: false,
        }
    }

    /// `DELETE /bandcategory/{id}` (#7): the answer (`[{"id", …}]` or
    /// `{"id"}`) must echo the id.
    pub async fn delete(&self, id: &BandCategoryId) -> Result<()> {
        let got: Value = self
            .ei
            .data(&DEL_BAND_CATEGORY.op().param("id", &id.to_string()))
            .await?;
        check_echo(DEL_BAND_CATEGORY.name, id.get(), &got)
    }

    /// `GET /sharingbandcategory[?groupId=…]` (#8): categories shared with
    /// the user's group, or with `group`.
    pub async fn shared(&self, group: Option<&GroupId>) -> Result<Vec<BandCategory>> {
        let op = SHARED_BAND_CATEGORIES
            .op()
            .query_opt("groupId", group.map(|g| g.to_string()));
        Ok(filled(self.ei.data(&op).await?))
    }

    /// `GET /defaultbandcategory?cId=…` (#26).
    pub async fn defaults(&self, data_source: &DataSourceId) -> Result<Vec<BandCategory>> {
        let op = DEFAULT_BAND_CATEGORIES
            .op()
            .query("cId", data_source.to_string());
        Ok(filled(self.ei.data(&op).await?))
    }
}

/// A band category write; from [`BandCategoriesHandler::create`] or
/// [`BandCategoriesHandler::update`].
#[derive(Debug)]
pub struct WriteBandCategory<'a> {
    ei: &'a Ei3,
    id: Option<BandCategoryId>,
    name: Option<String>,
    is_default: bool,
}

impl WriteBandCategory<'_> {
    /// The name (required, non-empty).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
    /// Make it the default category (sent only when true, as the
    /// reference does).
    pub fn is_default(mut self, yes: bool) -> Self {
        self.is_default = yes;
        self
    }
    /// Sends it.
    pub async fn send(self) -> Result<BandCategory> {
        let name = self.name.unwrap_or_default();
        if name.is_empty() {
            return Err(Error::invalid_input("name", "must not be empty"));
        }
        let op = match self.id {
            Some(id) => UPDATE_BAND_CATEGORY.op().param("id", &id.to_string()),
            None => ADD_BAND_CATEGORY.op(),
        };
        // Only `name`, and `isDefault` when true, as Python's `True`.
        let op = if self.is_default {
            op.form(&[("name", &name), ("isDefault", py_bool(true))])
        } else {
            op.form(&[("name", &name)])
        };
        let mut c: BandCategory = self.ei.data(&op).await?;
        c.fill_band_categories();
        Ok(c)
    }
}

/// Bands. From [`Ei3::bands`].
#[derive(Debug, Clone, Copy)]
pub struct BandsHandler<'a> {
    ei: &'a Ei3,
}

impl<'a> BandsHandler<'a> {
    /// `POST /band`, multipart: the band's fields that are set, then the
    /// file part (#9): a builder; `.file(path)` only for `upload` bands,
    /// otherwise an empty `filename="null"` part is sent, as the
    /// reference does.
    ///
    /// ```no_run
    /// # async fn run(ei: etunexus::Ei3, cat: etunexus::BandCategoryId, ds: etunexus::DataSourceId) -> etunexus::Result<()> {
    /// use etunexus::{enums::BandGeneOperator, models::ei::{Band, BandGene}};
    /// let target = BandGene::new("g_age".parse()?, ds, BandGeneOperator::Ge, "30");
    /// let band = ei.bands().create(Band::gene(cat, "30+", target)).send().await?;
    /// # let _ = band; Ok(()) }
    /// ```
    pub fn create(&self, band: Band) -> UploadBand<'a> {
        UploadBand {
            ei: self.ei,
            update: false,
            band,
            file: None,
        }
    }

    /// `POST /band/{id}`, multipart as [`create`](Self::create) (#10); the
    /// band must have an id.
    pub fn update(&self, band: Band) -> UploadBand<'a> {
        UploadBand {
            ei: self.ei,
            update: true,
            band,
            file: None,
        }
    }

    /// `DELETE /band/{id}` (#11): the answer `{"id"}` must echo the id.
    pub async fn delete(&self, id: &BandId) -> Result<()> {
        let got: Value = self
            .ei
            .data(&DEL_BAND.op().param("id", &id.to_string()))
            .await?;
        check_echo(DEL_BAND.name, id.get(), &got)
    }

    /// `GET /band/{id}/uidlist` then `GET https://{host}/{downloadLink}`
    /// (#12): the band's uids, written to `path` (created or truncated,
    /// once the second answer is a success) as they arrive, never whole in
    /// memory. Returns the number of bytes written. A `path` that cannot
    /// be created is [`Error::InvalidInput`] naming `path`.
    pub async fn download_uids(&self, id: &BandId, path: impl AsRef<Path>) -> Result<u64> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Link {
            download_link: String,
        }
        let link: Link = self
            .ei
            .data(&UID_LIST.op().param("id", &id.to_string()))
            .await?;
        let rel = link.download_link.trim_start_matches('/');
        if rel.is_empty()
            || rel.contains("://")
            || rel.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(Error::Decode {
                operation: UID_LIST.name.to_owned(),
                status: 200,
                path: "data.downloadLink".to_owned(),
                message: "not a path on the EI host".to_owned(),
                excerpt: tenantry_core::redact::excerpt(link.download_link.as_bytes()),
            });
        }
        // The link is a path under the host root (not the API base), sent
        // as the server wrote it.
        // Written as it arrives (no size cap); the file is created only
        // once the answer is a success.
        let op = UID_LIST_FILE.op().raw_path(format!("/{rel}"));
        self.ei.app.root.download_to(&op, path).await
    }

    /// `POST /band/{id}/snapshot`, no body (#13): a snapshot of the band
    /// (the reference never sends it, §10.18).
    pub async fn snapshot(&self, id: &BandId) -> Result<Band> {
        self.ei
            .data(&SNAPSHOT.op().param("id", &id.to_string()))
            .await
    }
}

/// A band upload; from [`BandsHandler::create`] or [`BandsHandler::update`].
#[derive(Debug)]
pub struct UploadBand<'a> {
    ei: &'a Ei3,
    update: bool,
    band: Band,
    file: Option<PathBuf>,
}

impl UploadBand<'_> {
    /// The CSV of uids (only for an `upload` band), streamed from disk
    /// when the band is sent (a path that cannot be opened is
    /// [`Error::InvalidInput`] naming `file`, before anything is sent).
    pub fn file(mut self, path: impl Into<PathBuf>) -> Self {
        self.file = Some(path.into());
        self
    }

    /// Sends it. The answer's `categoryId` is the one sent, when the
    /// server leaves it out.
    pub async fn send(self) -> Result<Band> {
        let b = &self.band;
        if b.name.is_empty() {
            return Err(Error::invalid_input("name", "must not be empty"));
        }
        let category = b
            .category_id
            .ok_or_else(|| Error::invalid_input("category_id", "is required"))?;
        if self.file.is_some() && b.band_type != crate::enums::BandType::Upload {
            return Err(Error::invalid_input(
                "file",
                "only an `upload` band carries a file",
            ));
        }
        if let Some(t) = &b.target_band {
            if t.band_ids.is_empty() {
                return Err(Error::invalid_input(
                    "target_band.band_ids",
                    "must not be empty",
                ));
            }
        }
        let op = if self.update {
            let id = b.id.ok_or_else(|| {
                Error::invalid_input("id", "is required (the band has no id yet)")
            })?;
            UPDATE_BAND.op().param("id", &id.to_string())
        } else {
            ADD_BAND.op()
        };
        let mut m = Multipart::new();
        m.text("categoryId", &category.to_string());
        m.text("name", &b.name);
        m.text("description", &b.description);
        m.text("type", b.band_type.as_str());
        m.text("needRefresh", py_bool(b.need_refresh));
        m.text("shared", py_bool(b.shared));
        m.text("snapshotInfo", &json(&b.snapshot_info)?);
        if let Some(t) = &b.target_gene {
            m.text("targetGene", &json(t)?);
        }
        if let Some(t) = &b.target_band {
            m.text("targetBand", &json(t)?);
        }
        if let Some(id) = b.id {
            m.text("id", &id.to_string());
        }
        if let Some(a) = b.amount {
            m.text("amount", &a.to_string());
        }
        if let Some(ms) = b.update_time.and_then(crate::millis::to_ms) {
            m.text("updateTime", &ms.to_string());
        }
        match &b.owner {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => m.text("owner", s),
            Some(other) => m.text("owner", &other.to_string()),
        }
        let op = match &self.file {
            // Streamed from disk.
            Some(p) => op.multipart(m.with_file(p)),
            // The reference's empty `/dev/null` part, a small buffer.
            None => {
                let (ct, body) = m.with_empty_file();
                op.body_with_type(&ct, body)
            }
        };
        let mut out: Band = self.ei.data(&op).await?;
        out.category_id.get_or_insert(category);
        Ok(out)
    }
}

/// Python-`json.dumps` text of a value, for a multipart part.
fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    let b = tenantry_core::encode::python_json(v)?;
    String::from_utf8(b).map_err(|e| Error::invalid_input("body", e.to_string()))
}

/// Populations. From [`Ei3::population`].
#[derive(Debug, Clone, Copy)]
pub struct PopulationHandler<'a> {
    ei: &'a Ei3,
}

impl<'a> PopulationHandler<'a> {
    /// `GET /population/summary?geneId&cId` (#17).
    pub async fn summary(
        &self,
        gene: &GeneId,
        data_source: &DataSourceId,
    ) -> Result<Vec<PopulationSummary>> {
        let op = POPULATION_SUMMARY
            .op()
            .query("geneId", gene.as_str())
            .query("cId", data_source.to_string());
        self.ei.data(&op).await
    }

    /// `GET /timeline/population/{g1,g2,…}/{cid}?startTime&endTime&filterOperator&filterComparator`
    /// (#18): a builder; `.genes(..)`, `.start(..)`, `.end(..)` and
    /// `.filter_op(..)` are required; the comparator defaults to
    /// `STRING:*`.
    pub fn timeline(&self, data_source: &DataSourceId) -> TimelineQuery<'a> {
        TimelineQuery {
            ei: self.ei,
            data_source: *data_source,
            genes: Vec::new(),
            start: None,
            end: None,
            op: None,
            comparator: (EiPopulationTimelineFilterCompType::String, "*".to_owned()),
        }
    }
}

/// A population timeline query; from [`PopulationHandler::timeline`].
#[derive(Debug)]
pub struct TimelineQuery<'a> {
    ei: &'a Ei3,
    data_source: DataSourceId,
    genes: Vec<GeneId>,
    start: Option<Date>,
    end: Option<Date>,
    op: Option<EiPopulationTimelineFilterOp>,
    comparator: (EiPopulationTimelineFilterCompType, String),
}

impl TimelineQuery<'_> {
    /// The genes (at least one; joined with `,` in the path).
    pub fn genes(mut self, genes: impl IntoIterator<Item = GeneId>) -> Self {
        self.genes = genes.into_iter().collect();
        self
    }
    /// First day.
    pub fn start(mut self, d: Date) -> Self {
        self.start = Some(d);
        self
    }
    /// Last day (not before the first).
    pub fn end(mut self, d: Date) -> Self {
        self.end = Some(d);
        self
    }
    /// The filter operator.
    pub fn filter_op(mut self, op: EiPopulationTimelineFilterOp) -> Self {
        self.op = Some(op);
        self
    }
    /// The filter comparator, `TYPE:VALUE` (default `STRING:*`).
    pub fn filter_comparator(
        mut self,
        kind: EiPopulationTimelineFilterCompType,
        value: impl Into<String>,
    ) -> Self {
        self.comparator = (kind, value.into());
        self
    }
    /// Sends it.
    pub async fn send(self) -> Result<Vec<PopulationTimeline>> {
        if self.genes.is_empty() {
            return Err(Error::invalid_input("genes", "needs at least one gene"));
        }
        if self.genes.iter().any(|g| g.as_str().contains(',')) {
            return Err(Error::invalid_input(
                "genes",
                "a gene id must not contain `,`",
            ));
        }
        let start = self
            .start
            .ok_or_else(|| Error::invalid_input("start", "is required"))?;
        let end = self
            .end
            .ok_or_else(|| Error::invalid_input("end", "is required"))?;
        check_range(&start, &end, "end")?;
        let op = self
            .op
            .ok_or_else(|| Error::invalid_input("filter_op", "is required"))?;
        let genes: Vec<&str> = self.genes.iter().map(GeneId::as_str).collect();
        let call = POPULATION_TIMELINE
            .op()
            .param("genes", &genes.join(","))
            .param("cid", &self.data_source.to_string())
            .query("startTime", ymd(start))
            .query("endTime", ymd(end))
            .query("filterOperator", op.as_str())
            .query(
                "filterComparator",
                format!("{}:{}", self.comparator.0.as_str(), self.comparator.1),
            );
        self.ei.data(&call).await
    }
}

/// A statistics query; from [`Ei3::statistics`].
#[derive(Debug)]
pub struct StatisticsQuery<'a> {
    ei: &'a Ei3,
    group: GroupId,
    items: Vec<EiStatisticsItem>,
    start: Option<Date>,
    end: Option<Date>,
}

impl StatisticsQuery<'_> {
    /// The counters (at least one).
    pub fn items(mut self, items: impl IntoIterator<Item = EiStatisticsItem>) -> Self {
        self.items = items.into_iter().collect();
        self
    }
    /// First day.
    pub fn start(mut self, d: Date) -> Self {
        self.start = Some(d);
        self
    }
    /// Last day (not before the first).
    pub fn end(mut self, d: Date) -> Self {
        self.end = Some(d);
        self
    }
    /// Sends it: `(day, {item: count})` sorted by day.
    pub async fn send(self) -> Result<Vec<(Date, BTreeMap<String, i64>)>> {
        if self.items.is_empty() {
            return Err(Error::invalid_input("items", "needs at least one item"));
        }
        let start = self
            .start
            .ok_or_else(|| Error::invalid_input("start", "is required"))?;
        let end = self
            .end
            .ok_or_else(|| Error::invalid_input("end", "is required"))?;
        check_range(&start, &end, "end")?;
        let items: Vec<&str> = self.items.iter().map(EiStatisticsItem::as_str).collect();
        let op = STATISTICS
            .op()
            .query("groupId", self.group.to_string())
            .query("startDate", ymd(start))
            .query("endDate", ymd(end))
            .query("itemName", items.join(","));
        let days: BTreeMap<String, BTreeMap<String, i64>> = self.ei.data(&op).await?;
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        let mut out = Vec::with_capacity(days.len());
        for (day, counts) in days {
            let d = Date::parse(&day, &fmt).map_err(|e| Error::Decode {
                operation: STATISTICS.name.to_owned(),
                status: 200,
                path: format!("data.{day}"),
                message: format!("not a YYYY-MM-DD date: {e}"),
                excerpt: String::new(),
            })?;
            out.push((d, counts));
        }
        out.sort_by_key(|(d, _)| *d);
        Ok(out)
    }
}

/// Customers. From [`Ei3::customers`].
#[derive(Debug, Clone, Copy)]
pub struct CustomersHandler<'a> {
    ei: &'a Ei3,
}

impl CustomersHandler<'_> {
    /// `GET /customerinformation/{uid}?cId=…` (#20): `{gene id: value}`.
    pub async fn info(&self, data_source: &DataSourceId, uid: &Uid) -> Result<Map<String, Value>> {
        let op = CUSTOMER_INFO
            .op()
            .param("uid", uid.as_str())
            .query("cId", data_source.to_string());
        self.ei.data(&op).await
    }

    /// `GET /uidbandlist/id?uid&userId` (#21): the bands of `user` that
    /// hold `uid` (empty lists when none do; the reference fails, §10.27).
    pub async fn band_list(&self, user: &UserId, uid: &Uid) -> Result<UidBandList> {
        let op = UID_BAND_LIST
            .op()
            .query("uid", uid.as_str())
            .query("userId", user.to_string());
        self.ei.data(&op).await
    }
}

/// Impersonation. From [`Ei3::su`].
#[derive(Debug, Clone, Copy)]
pub struct SuHandler<'a> {
    ei: &'a Ei3,
}

impl SuHandler<'_> {
    /// `GET /suauth?groupName&userName` (#24; names, not ids): act as that
    /// user in this session. The raw `data` (a message).
    pub async fn login(&self, group: &Name, user: &Name) -> Result<Value> {
        let op = SU_LOGIN
            .op()
            .query("groupName", group.as_str())
            .query("userName", user.as_str());
        self.ei.data(&op).await
    }
    /// `DELETE /suauth` (#25): back to the real user. The raw `data`.
    pub async fn logout(&self) -> Result<Value> {
        self.ei.data(&SU_LOGOUT.op()).await
    }
}
