//! ER v3 operations (`etunexus.md` §6, #1–#18): [`Er3::groups`],
//! [`Er3::data_sources`], [`Er3::logics`], [`Er3::campaigns`],
//! [`Er3::user_filters`], [`Er3::layouts`], [`Er3::alg_trainings`].
//!
//! Writes are whole objects (all 21 keys of a logic, `null`s included; the
//! id in the path and in the body); user filters go as multipart with their
//! CSV. Answers are bare JSON; deletes answer the bare id, which is
//! checked.

use crate::client::Er3;
use crate::ids::{CampaignId, GroupId, LogicId, UserFilterId};
use crate::models::er::{AlgTraining, Campaign, ErDataSource, ErGroup, Layout, Logic, UserFilter};
use crate::wire::{check_echo, Multipart};
use serde_json::Value;
use std::path::PathBuf;
use tenantry_core::pipeline::Decl;
use tenantry_core::{Error, Result};

const GROUPS: Decl = Decl::get("er.get_groups", "/group");
const DATA_SOURCES: Decl = Decl::get("er.get_data_sources", "/group/{gid}/data-source");
const LOGICS: Decl = Decl::get("er.get_logics", "/group/{gid}/logic");
const ADD_LOGIC: Decl = Decl::post("er.add_logic", "/group/{gid}/logic");
const UPDATE_LOGIC: Decl = Decl::post("er.update_logic", "/logic/{id}");
const DEL_LOGIC: Decl = Decl::delete("er.del_logic", "/logic/{id}");
const CAMPAIGNS: Decl = Decl::get("er.get_campaigns", "/group/{gid}/campaign");
const ADD_CAMPAIGN: Decl = Decl::post("er.add_campaign", "/group/{gid}/campaign");
const UPDATE_CAMPAIGN: Decl = Decl::post("er.update_campaign", "/campaign/{id}");
const DEL_CAMPAIGN: Decl = Decl::delete("er.del_campaign", "/campaign/{id}");
const USER_FILTERS: Decl = Decl::get("er.get_user_filters", "/group/{gid}/userfilter");
const ADD_USER_FILTER: Decl = Decl::post("er.add_user_filter", "/group/{gid}/userfilter");
const UPDATE_USER_FILTER: Decl = Decl::post("er.update_user_filter", "/userfilter/{id}");
const DEL_USER_FILTER: Decl = Decl::delete("er.del_user_filter", "/userfilter/{id}");
const LAYOUT: Decl = Decl::get("er.get_layout", "/logic/{id}/layout");
// A whole-object replace of the one layout of a logic.
const UPDATE_LAYOUT: Decl = Decl::post("er.update_layout", "/logic/{id}/layout").idempotent();
const ALG_TRAININGS: Decl = Decl::get("er.get_alg_trainings", "/group/{gid}/algtraining");
const ADD_ALG_TRAINING: Decl = Decl::post("er.add_alg_training", "/group/{gid}/algtraining");

fn need<T: Copy>(field: &str, v: Option<T>) -> Result<T> {
    v.ok_or_else(|| Error::invalid_input(field, "is required (the object has no id yet)"))
}

impl Er3 {
    /// Groups.
    pub fn groups(&self) -> ErGroupsHandler<'_> {
        ErGroupsHandler { er: self }
    }
    /// Data sources (read only).
    pub fn data_sources(&self) -> ErDataSourcesHandler<'_> {
        ErDataSourcesHandler { er: self }
    }
    /// Logics.
    pub fn logics(&self) -> LogicsHandler<'_> {
        LogicsHandler { er: self }
    }
    /// Campaigns.
    pub fn campaigns(&self) -> CampaignsHandler<'_> {
        CampaignsHandler { er: self }
    }
    /// User filters.
    pub fn user_filters(&self) -> UserFiltersHandler<'_> {
        UserFiltersHandler { er: self }
    }
    /// Logic layouts.
    pub fn layouts(&self) -> LayoutsHandler<'_> {
        LayoutsHandler { er: self }
    }
    /// Algorithm trainings.
    pub fn alg_trainings(&self) -> AlgTrainingsHandler<'_> {
        AlgTrainingsHandler { er: self }
    }

    async fn delete(&self, decl: &Decl, id: u64) -> Result<()> {
        let got: Value = self
            .app
            .api
            .call(&decl.op().param("id", &id.to_string()))
            .await?;
        check_echo(decl.name, id, &got)
    }
}

/// ER groups. From [`Er3::groups`].
#[derive(Debug, Clone, Copy)]
pub struct ErGroupsHandler<'a> {
    er: &'a Er3,
}

impl ErGroupsHandler<'_> {
    /// `GET /group` (#1).
    ///
    /// ```no_run
    /// # async fn run(er: etunexus::Er3) -> etunexus::Result<()> {
    /// for g in er.groups().list().await? { println!("{}", g.name); }
    /// # Ok(()) }
    /// ```
    pub async fn list(&self) -> Result<Vec<ErGroup>> {
        self.er.app.api.call(&GROUPS.op()).await
    }
}

/// ER data sources. From [`Er3::data_sources`].
#[derive(Debug, Clone, Copy)]
pub struct ErDataSourcesHandler<'a> {
    er: &'a Er3,
}

impl ErDataSourcesHandler<'_> {
    /// `GET /group/{gid}/data-source` (#2).
    pub async fn list(&self, group: &GroupId) -> Result<Vec<ErDataSource>> {
        self.er
            .app
            .api
            .call(&DATA_SOURCES.op().param("gid", &group.to_string()))
            .await
    }
}

/// Logics. From [`Er3::logics`].
#[derive(Debug, Clone, Copy)]
pub struct LogicsHandler<'a> {
    er: &'a Er3,
}

impl LogicsHandler<'_> {
    /// `GET /group/{gid}/logic` (#3).
    pub async fn list(&self, group: &GroupId) -> Result<Vec<Logic>> {
        self.er
            .app
            .api
            .call(&LOGICS.op().param("gid", &group.to_string()))
            .await
    }

    /// `POST /group/{gid}/logic` with the whole logic (#4). Empty names, a
    /// zero `number_of_rec`, no algorithm or a zero weight are refused.
    pub async fn create(&self, group: &GroupId, logic: &Logic) -> Result<Logic> {
        logic.check()?;
        let op = ADD_LOGIC
            .op()
            .param("gid", &group.to_string())
            .python_json(logic);
        self.er.app.api.call(&op).await
    }

    /// `POST /logic/{id}` with the whole logic (#5). Each algorithm
    /// instance carries its run fields (`qualifier`, `executeTime`,
    /// `executeState`, `successTime`), `null` when unset, as the reference
    /// sends a logic it read back.
    pub async fn update(&self, logic: &Logic) -> Result<Logic> {
        let id = need("id", logic.id)?;
        logic.check()?;
        let mut body = serde_json::to_value(logic)
            .map_err(|e| Error::invalid_input("logic", e.to_string()))?;
        if let Some(list) = body.get_mut("algInstances").and_then(Value::as_array_mut) {
            for inst in list.iter_mut().filter_map(Value::as_object_mut) {
                for k in ["qualifier", "executeTime", "executeState", "successTime"] {
                    inst.entry(k).or_insert(Value::Null);
                }
            }
        }
        let op = UPDATE_LOGIC
            .op()
            .param("id", &id.to_string())
            .python_json(&body);
        self.er.app.api.call(&op).await
    }

    /// `DELETE /logic/{id}` (#6); the answer must echo the id.
    pub async fn delete(&self, id: &LogicId) -> Result<()> {
        self.er.delete(&DEL_LOGIC, id.get()).await
    }
}

/// Campaigns. From [`Er3::campaigns`].
#[derive(Debug, Clone, Copy)]
pub struct CampaignsHandler<'a> {
    er: &'a Er3,
}

impl CampaignsHandler<'_> {
    /// `GET /group/{gid}/campaign` (#7; the reference cannot read a
    /// campaign, §10.17).
    pub async fn list(&self, group: &GroupId) -> Result<Vec<Campaign>> {
        self.er
            .app
            .api
            .call(&CAMPAIGNS.op().param("gid", &group.to_string()))
            .await
    }

    /// `POST /group/{gid}/campaign` with the whole campaign (#8). A range
    /// that ends before (or when) it starts is refused (field `end_time`).
    pub async fn create(&self, group: &GroupId, campaign: &Campaign) -> Result<Campaign> {
        campaign.check()?;
        let op = ADD_CAMPAIGN
            .op()
            .param("gid", &group.to_string())
            .python_json(campaign);
        self.er.app.api.call(&op).await
    }

    /// `POST /campaign/{id}` with the whole campaign (#9).
    pub async fn update(&self, campaign: &Campaign) -> Result<Campaign> {
        let id = need("id", campaign.id)?;
        campaign.check()?;
        let op = UPDATE_CAMPAIGN
            .op()
            .param("id", &id.to_string())
            .python_json(campaign);
        self.er.app.api.call(&op).await
    }

    /// `DELETE /campaign/{id}` (#10); the answer must echo the id.
    pub async fn delete(&self, id: &CampaignId) -> Result<()> {
        self.er.delete(&DEL_CAMPAIGN, id.get()).await
    }
}

/// User filters. From [`Er3::user_filters`].
#[derive(Debug, Clone, Copy)]
pub struct UserFiltersHandler<'a> {
    er: &'a Er3,
}

impl<'a> UserFiltersHandler<'a> {
    /// `GET /group/{gid}/userfilter` (#11).
    pub async fn list(&self, group: &GroupId) -> Result<Vec<UserFilter>> {
        self.er
            .app
            .api
            .call(&USER_FILTERS.op().param("gid", &group.to_string()))
            .await
    }

    /// `POST /group/{gid}/userfilter`, multipart: the filter's fields that
    /// are set, then its CSV (with at least a `uid` column) (#12). A
    /// builder: `.file(path)` is required.
    ///
    /// ```no_run
    /// # async fn run(er: etunexus::Er3, gid: etunexus::GroupId) -> etunexus::Result<()> {
    /// use etunexus::models::er::UserFilter;
    /// let uf = er.user_filters().create(&gid, UserFilter::new("vip", "VIP")).file("vip.csv").send().await?;
    /// # let _ = uf; Ok(()) }
    /// ```
    pub fn create(&self, group: &GroupId, filter: UserFilter) -> UploadUserFilter<'a> {
        UploadUserFilter {
            er: self.er,
            group: Some(*group),
            filter,
            file: None,
        }
    }

    /// `POST /userfilter/{id}`, multipart as [`create`](Self::create)
    /// (#13); the filter must have an id, and `.file(path)` is required.
    pub fn update(&self, filter: UserFilter) -> UploadUserFilter<'a> {
        UploadUserFilter {
            er: self.er,
            group: None,
            filter,
            file: None,
        }
    }

    /// `DELETE /userfilter/{id}` (#14); the answer must echo the id.
    pub async fn delete(&self, id: &UserFilterId) -> Result<()> {
        self.er.delete(&DEL_USER_FILTER, id.get()).await
    }
}

/// A user-filter upload; from [`UserFiltersHandler::create`] or
/// [`UserFiltersHandler::update`].
#[derive(Debug)]
pub struct UploadUserFilter<'a> {
    er: &'a Er3,
    group: Option<GroupId>,
    filter: UserFilter,
    file: Option<PathBuf>,
}

impl UploadUserFilter<'_> {
    /// The CSV to upload (required).
    pub fn file(mut self, path: impl Into<PathBuf>) -> Self {
        self.file = Some(path.into());
        self
    }

    /// Sends it. The file is streamed from disk while the request is sent
    /// (never whole in memory): not sent again after a timeout (bytes
    /// may have left); on an expired session it logs in again once and the
    /// file is read and sent once more.
    pub async fn send(self) -> Result<UserFilter> {
        let f = &self.filter;
        if f.name.is_empty() {
            return Err(Error::invalid_input("name", "must not be empty"));
        }
        if f.display_name.is_empty() {
            return Err(Error::invalid_input("display_name", "must not be empty"));
        }
        let path = self
            .file
            .ok_or_else(|| Error::invalid_input("file", "is required (the filter's CSV)"))?;
        let op = match self.group {
            Some(g) => ADD_USER_FILTER.op().param("gid", &g.to_string()),
            None => {
                let id = need("id", f.id)?;
                UPDATE_USER_FILTER.op().param("id", &id.to_string())
            }
        };
        // The parts the reference sends: every key that is not null, ints
        // in decimal (times as epoch ms).
        let mut m = Multipart::new();
        m.text("displayName", &f.display_name);
        m.text("name", &f.name);
        if let Some(id) = f.id {
            m.text("id", &id.to_string());
        }
        for (k, t) in [("createTime", f.create_time), ("updateTime", f.update_time)] {
            if let Some(ms) = t.and_then(crate::millis::to_ms) {
                m.text(k, &ms.to_string());
            }
        }
        // The CSV is streamed from disk while the request is sent.
        self.er
            .app
            .api
            .call(&op.multipart(m.with_file(&path)))
            .await
    }
}

/// Layouts. From [`Er3::layouts`].
#[derive(Debug, Clone, Copy)]
pub struct LayoutsHandler<'a> {
    er: &'a Er3,
}

impl LayoutsHandler<'_> {
    /// `GET /logic/{id}/layout` (#15); a logic without a layout is a 404
    /// error (see [`get_opt`](Self::get_opt)).
    pub async fn get(&self, logic: &LogicId) -> Result<Layout> {
        self.er
            .app
            .api
            .call(&LAYOUT.op().param("id", &logic.to_string()))
            .await
    }

    /// [`get`](Self::get), with the 404 of a logic without a layout as
    /// `None`.
    pub async fn get_opt(&self, logic: &LogicId) -> Result<Option<Layout>> {
        match self.get(logic).await {
            Ok(l) => Ok(Some(l)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `POST /logic/{id}/layout` with the 13 layout keys (#16).
    pub async fn update(&self, logic: &LogicId, layout: &Layout) -> Result<Layout> {
        if layout.data_src_name.is_empty() {
            return Err(Error::invalid_input("data_src_name", "must not be empty"));
        }
        let op = UPDATE_LAYOUT
            .op()
            .param("id", &logic.to_string())
            .python_json(layout);
        self.er.app.api.call(&op).await
    }
}

/// Algorithm trainings. From [`Er3::alg_trainings`].
#[derive(Debug, Clone, Copy)]
pub struct AlgTrainingsHandler<'a> {
    er: &'a Er3,
}

impl AlgTrainingsHandler<'_> {
    /// `GET /group/{gid}/algtraining` (#17).
    pub async fn list(&self, group: &GroupId) -> Result<Vec<AlgTraining>> {
        self.er
            .app
            .api
            .call(&ALG_TRAININGS.op().param("gid", &group.to_string()))
            .await
    }

    /// `POST /group/{gid}/algtraining` with `{"algId", "setting"}` (#18).
    pub async fn create(&self, group: &GroupId, training: &AlgTraining) -> Result<AlgTraining> {
        if training.setting.is_empty() {
            return Err(Error::invalid_input("setting", "must not be empty"));
        }
        // Only what a new training carries: the reference sends no id,
        // state or times.
        let body = serde_json::json!({ "algId": training.alg_id, "setting": training.setting });
        let op = ADD_ALG_TRAINING
            .op()
            .param("gid", &group.to_string())
            .python_json(&body);
        self.er.app.api.call(&op).await
    }
}
