//! ER3 (`/ER/V3/recsrv/v1`): groups, data sources, logics, campaigns, user
//! filters, layouts, algorithm trainings (`etunexus.md` §6).

use serde_json::{json, Map, Value};

use super::{
    bad, csv_with_uid, int_field, method_not_allowed, no_route, not_found, now_ms, path_id,
    req_text, Answer, Caller, Fail, Req, State, APP_ER, MAX_ITEMS_PER_GROUP,
};

pub(crate) fn dispatch(st: &mut State, c: &Caller, r: &Req<'_>) -> Answer {
    let m = r.method.as_str();
    let segs: Vec<&str> = r.segs.iter().map(String::as_str).collect();
    match (segs.as_slice(), m) {
        (["group"], "GET") => Ok(Value::Array(
            st.groups
                .values()
                .filter(|g| c.check_group(g.id).is_ok())
                .map(|g| json!({"id": g.id, "name": g.name, "displayName": g.display_name}))
                .collect(),
        )),
        (["group"], _) => Err(method_not_allowed()),
        (["group", id, "data-source"], "GET") => {
            let gid = group_of(st, c, id)?;
            Ok(Value::Array(
                st.data_sources
                    .values()
                    .filter(|d| int_field(d, "groupId") == Some(gid))
                    .map(|d| {
                        json!({"id": d["id"], "groupId": d["groupId"], "name": d["name"],
                               "displayName": d["displayName"], "contentType": d["contentType"],
                               "type": d["type"]})
                    })
                    .collect(),
            ))
        }
        (["group", _, "data-source"], _) => Err(method_not_allowed()),
        (["group", id, "logic"], "GET") => {
            let gid = group_of(st, c, id)?;
            Ok(list(st.logics.values(), gid))
        }
        (["group", id, "logic"], "POST") => add_logic(st, c, r, id),
        (["group", _, "logic"], _) => Err(method_not_allowed()),
        (["logic", id], "POST") => update_logic(st, c, r, id),
        (["logic", id], "DELETE") => {
            let lid = owned(st, c, id, "logic")?;
            c.check_write(APP_ER)?;
            st.logics.remove(&lid);
            st.layouts.remove(&lid);
            st.audit(c, "deleteLogic", &lid.to_string());
            Ok(json!(lid))
        }
        (["logic", _], _) => Err(method_not_allowed()),
        (["logic", id, "layout"], "GET") => {
            let lid = owned(st, c, id, "logic")?;
            st.layouts
                .get(&lid)
                .map(|l| Value::Object(l.clone()))
                .ok_or_else(|| not_found("Layout of logic", lid))
        }
        (["logic", id, "layout"], "POST") => update_layout(st, c, r, id),
        (["logic", _, "layout"], _) => Err(method_not_allowed()),
        (["group", id, "campaign"], "GET") => {
            let gid = group_of(st, c, id)?;
            Ok(list(st.campaigns.values(), gid))
        }
        (["group", id, "campaign"], "POST") => save_campaign(st, c, r, Target::Group(id)),
        (["group", _, "campaign"], _) => Err(method_not_allowed()),
        (["campaign", id], "POST") => save_campaign(st, c, r, Target::Item(id)),
        (["campaign", id], "DELETE") => {
            let cid = owned(st, c, id, "campaign")?;
            c.check_write(APP_ER)?;
            st.campaigns.remove(&cid);
            st.audit(c, "deleteCampaign", &cid.to_string());
            Ok(json!(cid))
        }
        (["campaign", _], _) => Err(method_not_allowed()),
        (["group", id, "userfilter"], "GET") => {
            let gid = group_of(st, c, id)?;
            Ok(Value::Array(
                st.user_filters
                    .values()
                    .filter(|(_, g, _)| *g == gid)
                    .map(|(f, _, _)| Value::Object(f.clone()))
                    .collect(),
            ))
        }
        (["group", id, "userfilter"], "POST") => save_user_filter(st, c, r, Target::Group(id)),
        (["group", _, "userfilter"], _) => Err(method_not_allowed()),
        (["userfilter", id], "POST") => save_user_filter(st, c, r, Target::Item(id)),
        (["userfilter", id], "DELETE") => {
            let fid = owned(st, c, id, "userfilter")?;
            c.check_write(APP_ER)?;
            st.user_filters.remove(&fid);
            st.audit(c, "deleteUserFilter", &fid.to_string());
            Ok(json!(fid))
        }
        (["userfilter", _], _) => Err(method_not_allowed()),
        (["group", id, "algtraining"], "GET") => {
            let gid = group_of(st, c, id)?;
            Ok(trainings(st, gid))
        }
        (["group", id, "algtraining"], "POST") => add_training(st, c, r, id),
        (["group", _, "algtraining"], _) => Err(method_not_allowed()),
        _ => Err(no_route()),
    }
}

enum Target<'a> {
    Group(&'a str),
    Item(&'a str),
}

fn list<'a>(items: impl Iterator<Item = &'a Map<String, Value>>, gid: i64) -> Value {
    Value::Array(
        items
            .filter(|o| int_field(o, "groupId") == Some(gid))
            .map(|o| Value::Object(o.clone()))
            .collect(),
    )
}

fn group_of(st: &State, c: &Caller, seg: &str) -> Result<i64, Fail> {
    let gid = path_id(seg, "group")?;
    if !st.groups.contains_key(&gid) {
        return Err(not_found("Group", gid));
    }
    c.check_group(gid)?;
    Ok(gid)
}

/// The id of an existing object of `kind` the caller may see.
fn owned(st: &State, c: &Caller, seg: &str, kind: &str) -> Result<i64, Fail> {
    let id = path_id(seg, kind)?;
    let gid = match kind {
        "logic" => st.logics.get(&id).and_then(|o| int_field(o, "groupId")),
        "campaign" => st.campaigns.get(&id).and_then(|o| int_field(o, "groupId")),
        _ => st.user_filters.get(&id).map(|(_, g, _)| *g),
    };
    let label = match kind {
        "logic" => "Logic",
        "campaign" => "Campaign",
        _ => "User filter",
    };
    let gid = gid.ok_or_else(|| not_found(label, id))?;
    c.check_group(gid)?;
    Ok(id)
}

fn count_in(st: &State, gid: i64) -> usize {
    st.logics
        .values()
        .chain(st.campaigns.values())
        .filter(|o| int_field(o, "groupId") == Some(gid))
        .count()
}

/// Check a logic body (§8.2) and return what is stored.
fn logic_body(st: &State, gid: i64, b: &Map<String, Value>) -> Result<Map<String, Value>, Fail> {
    req_text(b, "name")?;
    req_text(b, "displayName")?;
    if !b.get("active").is_some_and(Value::is_boolean) {
        return Err(bad("active must be a boolean"));
    }
    if int_field(b, "numberOfRec").is_none_or(|n| n <= 0) {
        return Err(bad("numberOfRec must be a positive integer"));
    }
    let alg_type = req_text(b, "algType")?;
    if !["USER_BASE", "ITEM_BASE", "RANK", "KEYWORD"].contains(&alg_type.as_str()) {
        return Err(bad(format!("Unknown algType: {alg_type}")));
    }
    let Some(Value::Array(instances)) = b.get("algInstances") else {
        return Err(bad("algInstances is required"));
    };
    if instances.is_empty() {
        return Err(bad("algInstances must not be empty"));
    }
    for (i, a) in instances.iter().enumerate() {
        let ok = a
            .get("algId")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
            && a.get("weight")
                .and_then(Value::as_i64)
                .is_some_and(|w| w > 0)
            && a.get("setting").is_some_and(Value::is_object);
        if !ok {
            return Err(bad(format!(
                "algInstances[{i}] needs algId, a positive weight and a setting"
            )));
        }
    }
    if let Some(Value::Array(ids)) = b.get("filteringLogicIds") {
        for id in ids {
            let known = id.as_i64().and_then(|i| st.logics.get(&i));
            if known.is_none_or(|l| int_field(l, "groupId") != Some(gid)) {
                return Err(bad(format!("Unknown filtering logic {id}")));
            }
        }
    }
    if let Some(Value::Object(uf)) = b.get("userFilter") {
        let known = int_field(uf, "id").and_then(|i| st.user_filters.get(&i));
        if known.is_none_or(|(_, g, _)| *g != gid) {
            return Err(bad("Unknown user filter"));
        }
    }
    let mode = b
        .get("avlItemFilterMode")
        .and_then(Value::as_str)
        .unwrap_or("DISABLED");
    if !["DISABLED", "INCLUDE", "EXCLUDE"].contains(&mode) {
        return Err(bad(format!("Unknown avlItemFilterMode: {mode}")));
    }
    let mut out = b.clone();
    // Keys the answer must carry (the reference requires them).
    for (k, d) in [
        ("useLocation", json!(false)),
        ("enableLastViewedItem", json!(false)),
        ("enableUpdating", json!(true)),
        ("enableSameCategory", json!(false)),
        ("avlItemFilterMode", json!("DISABLED")),
        ("filteringLogicIds", json!([])),
    ] {
        if out.get(k).is_none_or(Value::is_null) {
            out.insert(k.into(), d);
        }
    }
    Ok(out)
}

fn stamp_instances(logic: &mut Map<String, Value>, lid: i64) {
    if let Some(Value::Array(items)) = logic.get_mut("algInstances") {
        for (i, a) in items.iter_mut().enumerate() {
            let alg = a["algId"].as_str().unwrap_or("ALG").to_owned();
            if a.get("qualifier").is_none_or(Value::is_null) {
                a["qualifier"] = json!(format!("{alg}_{lid}_{}", i + 1));
            }
            for k in ["executeTime", "executeState", "successTime"] {
                if a.get(k).is_none() {
                    a[k] = Value::Null;
                }
            }
        }
    }
}

fn add_logic(st: &mut State, c: &Caller, r: &Req<'_>, seg: &str) -> Answer {
    let gid = group_of(st, c, seg)?;
    c.check_write(APP_ER)?;
    let b = r.object()?;
    let mut logic = logic_body(st, gid, &b)?;
    if st
        .logics
        .values()
        .any(|l| int_field(l, "groupId") == Some(gid) && l.get("name") == logic.get("name"))
    {
        return Err(super::conflict("A logic of this name already exists"));
    }
    if count_in(st, gid) >= MAX_ITEMS_PER_GROUP {
        return Err(bad("Too many logics in the group"));
    }
    let id = st.next("logics");
    let t = now_ms();
    for (k, v) in [
        ("id", json!(id)),
        ("groupId", json!(gid)),
        ("createTime", json!(t)),
        ("updateTime", json!(t)),
        ("executeTime", Value::Null),
        ("executeState", Value::Null),
        ("successTime", Value::Null),
    ] {
        logic.insert(k.into(), v);
    }
    stamp_instances(&mut logic, id);
    st.logics.insert(id, logic.clone());
    st.audit(c, "addLogic", &id.to_string());
    Ok(Value::Object(logic))
}

fn update_logic(st: &mut State, c: &Caller, r: &Req<'_>, seg: &str) -> Answer {
    let lid = owned(st, c, seg, "logic")?;
    c.check_write(APP_ER)?;
    let b = r.object()?;
    let old = st.logics.get(&lid).cloned().unwrap_or_default();
    let gid = int_field(&old, "groupId").unwrap_or(0);
    let mut logic = logic_body(st, gid, &b)?;
    for k in [
        "id",
        "groupId",
        "createTime",
        "executeTime",
        "executeState",
        "successTime",
    ] {
        logic.insert(k.into(), old.get(k).cloned().unwrap_or(Value::Null));
    }
    let t = now_ms().max(int_field(&old, "updateTime").unwrap_or(0) + 1);
    logic.insert("updateTime".into(), json!(t));
    stamp_instances(&mut logic, lid);
    st.logics.insert(lid, logic.clone());
    st.audit(c, "updateLogic", &lid.to_string());
    Ok(Value::Object(logic))
}

fn update_layout(st: &mut State, c: &Caller, r: &Req<'_>, seg: &str) -> Answer {
    let lid = owned(st, c, seg, "logic")?;
    c.check_write(APP_ER)?;
    let b = r.object()?;
    for k in ["dataSrcName", "loName", "loTitle"] {
        req_text(&b, k)?;
    }
    let align = b
        .get("loTitleAlign")
        .and_then(Value::as_str)
        .unwrap_or("center");
    if !["center", "left", "right"].contains(&align) {
        return Err(bad(format!("Unknown loTitleAlign: {align}")));
    }
    for k in [
        "loItemCnt",
        "loItemWidth",
        "loItemHeight",
        "loItemMargin",
        "loCol",
        "loRow",
        "loFontSize",
    ] {
        match b.get(k) {
            None | Some(Value::Null) => {}
            Some(v) if v.as_i64().is_some_and(|n| n >= 0) => {}
            Some(_) => return Err(bad(format!("{k} must be a non-negative integer"))),
        }
    }
    let defaults = [
        ("loTitleAlign", json!("center")),
        ("loItemCnt", json!(10)),
        ("loItemWidth", json!(200)),
        ("loItemHeight", json!(200)),
        ("loItemMargin", json!(20)),
        ("loBGColor", json!("rgba(255,255,255,0)")),
        ("loFGColor", json!("rgba(0,0,0,1)")),
        ("loCol", json!(5)),
        ("loRow", json!(2)),
        ("loFontSize", json!(16)),
    ];
    let mut out = Map::new();
    out.insert("loID".into(), json!(lid));
    for k in ["dataSrcName", "loName", "loTitle"] {
        out.insert(k.into(), b[k].clone());
    }
    for (k, d) in defaults {
        let v = b.get(k).filter(|v| !v.is_null()).cloned().unwrap_or(d);
        out.insert(k.into(), v);
    }
    st.layouts.insert(lid, out.clone());
    st.audit(c, "updateLayout", &lid.to_string());
    Ok(Value::Object(out))
}

fn save_campaign(st: &mut State, c: &Caller, r: &Req<'_>, target: Target<'_>) -> Answer {
    let (gid, id) = match target {
        Target::Group(seg) => (group_of(st, c, seg)?, None),
        Target::Item(seg) => {
            let id = owned(st, c, seg, "campaign")?;
            let gid = st
                .campaigns
                .get(&id)
                .and_then(|o| int_field(o, "groupId"))
                .unwrap_or(0);
            (gid, Some(id))
        }
    };
    c.check_write(APP_ER)?;
    let b = r.object()?;
    req_text(&b, "name")?;
    req_text(&b, "displayName")?;
    let (Some(start), Some(end)) = (int_field(&b, "startTime"), int_field(&b, "endTime")) else {
        return Err(bad("startTime and endTime are required"));
    };
    if start < 0 || start >= end {
        return Err(bad("startTime must be before endTime"));
    }
    let logics = match b.get("logics") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return Err(bad("logics must be an array")),
    };
    let mut stored = Vec::new();
    for l in &logics {
        let lid = l.get("id").and_then(Value::as_i64).or_else(|| l.as_i64());
        match lid.and_then(|i| st.logics.get(&i)) {
            Some(found) if int_field(found, "groupId") == Some(gid) => {
                stored.push(Value::Object(found.clone()));
            }
            _ => {
                return Err(bad(format!(
                    "Unknown logic in logics: {}",
                    lid.unwrap_or(0)
                )))
            }
        }
    }
    if id.is_none() && count_in(st, gid) >= MAX_ITEMS_PER_GROUP {
        return Err(bad("Too many campaigns in the group"));
    }
    let t = now_ms();
    let (id, create) = match id {
        Some(id) => (
            id,
            st.campaigns
                .get(&id)
                .and_then(|o| int_field(o, "createTime"))
                .unwrap_or(t),
        ),
        None => (st.next("campaigns"), t),
    };
    let v = json!({
        "id": id, "groupId": gid, "name": b["name"], "displayName": b["displayName"],
        "startTime": start, "endTime": end, "logics": stored,
        "createTime": create, "updateTime": t,
    });
    let Value::Object(m) = v else {
        return Err(bad("campaign"));
    };
    st.campaigns.insert(id, m.clone());
    st.audit(c, "saveCampaign", &id.to_string());
    Ok(Value::Object(m))
}

fn save_user_filter(st: &mut State, c: &Caller, r: &Req<'_>, target: Target<'_>) -> Answer {
    let (gid, id) = match target {
        Target::Group(seg) => (group_of(st, c, seg)?, None),
        Target::Item(seg) => {
            let id = owned(st, c, seg, "userfilter")?;
            let gid = st.user_filters.get(&id).map(|(_, g, _)| *g).unwrap_or(0);
            (gid, Some(id))
        }
    };
    c.check_write(APP_ER)?;
    let name = r.part("name").filter(|s| !s.is_empty());
    let display = r.part("displayName").filter(|s| !s.is_empty());
    let (Some(name), Some(display)) = (name, display) else {
        return Err(bad("name and displayName are required"));
    };
    let (_, rows) = csv_with_uid(r.file())?;
    if id.is_none()
        && st
            .user_filters
            .values()
            .filter(|(_, g, _)| *g == gid)
            .count()
            >= MAX_ITEMS_PER_GROUP
    {
        return Err(bad("Too many user filters in the group"));
    }
    let t = now_ms();
    let (id, create) = match id {
        Some(id) => (
            id,
            st.user_filters
                .get(&id)
                .and_then(|(f, _, _)| int_field(f, "createTime"))
                .unwrap_or(t),
        ),
        None => (st.next("user_filters"), t),
    };
    let v = json!({"id": id, "name": name, "displayName": display,
                   "createTime": create, "updateTime": t});
    let Value::Object(m) = v else {
        return Err(bad("user filter"));
    };
    st.user_filters.insert(id, (m.clone(), gid, rows.len()));
    st.audit(c, "saveUserFilter", &id.to_string());
    Ok(Value::Object(m))
}

fn add_training(st: &mut State, c: &Caller, r: &Req<'_>, seg: &str) -> Answer {
    let gid = group_of(st, c, seg)?;
    c.check_write(APP_ER)?;
    let b = r.object()?;
    let alg = req_text(&b, "algId")?;
    let Some(Value::Object(setting)) = b.get("setting") else {
        return Err(bad("setting is required"));
    };
    if alg == "LDA" {
        let ds = setting
            .get("DATASOURCE")
            .and_then(|d| d.get("id"))
            .and_then(Value::as_i64);
        if ds
            .and_then(|d| st.data_sources.get(&d))
            .is_none_or(|d| int_field(d, "groupId") != Some(gid))
        {
            return Err(bad("setting.DATASOURCE is not a data source of the group"));
        }
        if setting
            .get("TOPICS")
            .and_then(Value::as_i64)
            .is_none_or(|n| n <= 0)
        {
            return Err(bad("setting.TOPICS must be a positive integer"));
        }
    }
    if st.trainings.values().filter(|(_, g)| *g == gid).count() >= MAX_ITEMS_PER_GROUP {
        return Err(bad("Too many trainings in the group"));
    }
    let id = st.next("trainings");
    let t = now_ms();
    // The reference parses an unknown algorithm's non-null result wrongly
    // (§10 #20); only LDA has a result shape.
    let result = if alg == "LDA" { json!({}) } else { Value::Null };
    let v = json!({"id": id, "algId": alg, "setting": setting, "state": "INIT",
                   "createTime": t, "updateTime": t, "result": result});
    let Value::Object(m) = v else {
        return Err(bad("training"));
    };
    st.trainings.insert(id, (m.clone(), gid));
    st.audit(c, "addAlgTraining", &id.to_string());
    Ok(Value::Object(m))
}

/// The group's trainings; each listing moves every unfinished one a step
/// (`INIT` → `RUNNING` → `DONE`), so a poll loop ends.
fn trainings(st: &mut State, gid: i64) -> Value {
    let t = now_ms();
    let mut out = Vec::new();
    for (m, g) in st.trainings.values_mut() {
        if *g != gid {
            continue;
        }
        let next = match m.get("state").and_then(Value::as_str) {
            Some("INIT") => Some("RUNNING"),
            Some("RUNNING") => Some("DONE"),
            _ => None,
        };
        if let Some(next) = next {
            m.insert("state".into(), json!(next));
            m.insert("updateTime".into(), json!(t));
            if next == "DONE" && m.get("algId").and_then(Value::as_str) == Some("LDA") {
                let ds = m["setting"]["DATASOURCE"]["name"].clone();
                let id = m["id"].clone();
                m.insert(
                    "result".into(),
                    json!({"dataSource": ds, "ldaModalPath": format!("/models/lda/{id}")}),
                );
            }
        }
        out.push(Value::Object(m.clone()));
    }
    Value::Array(out)
}
