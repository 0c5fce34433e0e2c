//! EI3 (`/EI/V3/service/v1`): users and su, gene categories, band
//! categories and bands (with their uid sets), fixed genes, items,
//! population summaries and timelines, statistics, customer information
//! (`etunexus.md` §7). Every answer is wrapped in `{"data": …}` by the
//! caller.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::{
    bad, csv_with_uid, forbidden, int_field, method_not_allowed, no_route, not_found, now_ms,
    path_id, random_token, today, Answer, Band, Caller, Fail, Req, State, User, APP_EI,
    DOWNLOAD_BASE, MAX_DAYS, MAX_ITEMS_PER_GROUP, MAX_TEXT,
};

fn gene(id: &str, name: &str, ty: &str, chart: &str) -> Value {
    json!({"id": id, "name": name, "timerange": 0, "type": ty, "chartType": chart,
           "uiInfo": {"Xaxis_id": null, "Yaxis_id": null, "unit": null, "Xaxis": name, "Yaxis": "Users"}})
}

/// The global gene catalogue: `gender`, `age` and `city`.
pub(crate) fn seed_gene_categories() -> Vec<Value> {
    vec![json!({
        "id": 1, "name": "Demographics",
        "genes": [gene("gender", "Gender", "set", "semidonut"), gene("age", "Age", "number", "bar")],
        "subcategories": [{
            "id": 2, "name": "Location", "subcategories": [],
            "genes": [gene("city", "City", "set", "column")],
        }],
    })]
}

fn all_genes(cats: &[Value], out: &mut Vec<String>) {
    for c in cats {
        if let Some(Value::Array(g)) = c.get("genes") {
            out.extend(g.iter().filter_map(|g| g["id"].as_str().map(str::to_owned)));
        }
        if let Some(Value::Array(s)) = c.get("subcategories") {
            all_genes(s, out);
        }
    }
}

fn ei_user(st: &State, u: &User) -> Value {
    let g = st.groups.get(&u.group_id);
    json!({
        "id": u.id, "name": u.name, "displayName": u.display_name,
        "role": u.role(APP_EI).unwrap_or("Viewer"),
        "group": {"id": u.group_id, "name": g.map(|g| g.name.clone()),
                  "displayName": g.map(|g| g.display_name.clone())},
    })
}

pub(crate) fn dispatch(st: &mut State, c: &Caller, r: &Req<'_>) -> Answer {
    let m = r.method.as_str();
    let segs: Vec<&str> = r.segs.iter().map(String::as_str).collect();
    match (segs.as_slice(), m) {
        (["user", "me"], "GET") => Ok(ei_user(st, &c.user)),
        (["user", "superme"], "GET") => Ok(ei_user(st, &c.real)),
        (["user", _], _) => Err(method_not_allowed()),
        (["genecategory"], "GET") => {
            query_group(st, c, r)?;
            Ok(Value::Array(st.gene_categories.clone()))
        }
        (["genecategory"], _) => Err(method_not_allowed()),
        (["bandcategory"], "GET") => {
            Ok(Value::Array(categories(st, |_, owner| owner == c.user.id)))
        }
        (["bandcategory"], "POST") => save_category(st, c, r, None),
        (["bandcategory"], _) => Err(method_not_allowed()),
        (["bandcategory", id], "POST") => save_category(st, c, r, Some(id)),
        (["bandcategory", id], "DELETE") => del_category(st, c, id),
        (["bandcategory", _], _) => Err(method_not_allowed()),
        (["sharingbandcategory"], "GET") => shared_categories(st, c, r),
        (["sharingbandcategory"], _) => Err(method_not_allowed()),
        (["defaultbandcategory"], "GET") => {
            data_source(st, c, r.q("cId"))?;
            let mut cats = categories(st, |cat, owner| {
                owner == c.user.id && cat.get("isDefault") == Some(&json!(true))
            });
            for cat in &mut cats {
                cat["isDefault"] = json!(true);
            }
            Ok(Value::Array(cats))
        }
        (["defaultbandcategory"], _) => Err(method_not_allowed()),
        (["band"], "POST") => save_band(st, c, r, None),
        (["band"], _) => Err(method_not_allowed()),
        (["band", id], "POST") => save_band(st, c, r, Some(id)),
        (["band", id], "DELETE") => {
            let bid = band_of(st, c, id, true)?;
            c.check_write(APP_EI)?;
            if st.bands.values().any(|b| {
                b.value
                    .get("targetBand")
                    .and_then(|t| t.get("bandIds"))
                    .and_then(Value::as_array)
                    .is_some_and(|ids| ids.contains(&json!(bid)))
            }) {
                return Err(super::conflict(format!(
                    "Band {bid} is used by a combined band"
                )));
            }
            st.bands.remove(&bid);
            st.audit(c, "deleteBand", &bid.to_string());
            Ok(json!({"id": bid}))
        }
        (["band", _], _) => Err(method_not_allowed()),
        (["band", id, "uidlist"], "GET") => {
            let bid = band_of(st, c, id, false)?;
            let (csv, gid) = match st.bands.get(&bid) {
                Some(b) => (
                    std::iter::once("uid".to_owned())
                        .chain(b.uids.iter().cloned())
                        .collect::<Vec<_>>()
                        .join("\n")
                        + "\n",
                    b.group_id,
                ),
                None => return Err(not_found("Band", bid)),
            };
            if st.downloads.len() >= MAX_ITEMS_PER_GROUP {
                st.downloads.clear();
            }
            let token = format!("uidlist-{bid}-{}.csv", random_token(16));
            st.downloads.insert(token.clone(), (c.user.id, csv));
            st.count_stat(gid, "downloadUidList");
            let link = format!("{}/{token}", DOWNLOAD_BASE.trim_start_matches('/'));
            Ok(json!({"downloadLink": link}))
        }
        (["band", _, "uidlist"], _) => Err(method_not_allowed()),
        (["band", id, "snapshot"], "POST") => snapshot(st, c, id),
        (["band", _, "snapshot"], _) => Err(method_not_allowed()),
        (["fixedgenecategory"], "GET") => Ok(Value::Array(
            st.fixed_genes
                .get(&c.user.group_id)
                .cloned()
                .unwrap_or_default(),
        )),
        (["fixedgenecategory"], _) => Err(method_not_allowed()),
        (["fixedgene", "schema"], "POST") => fixed_schema(st, c, r),
        (["fixedgene", "data"], "POST") => fixed_data(st, c, r),
        (["fixedgene", _], _) => Err(method_not_allowed()),
        (["item"], "POST") => {
            let gid = part_group(st, c, r)?;
            c.check_write(APP_EI)?;
            let file = r.file().ok_or_else(|| bad("file is required"))?;
            let text = std::str::from_utf8(file).map_err(|_| bad("The file must be UTF-8 CSV"))?;
            let rows = text.lines().filter(|l| !l.trim().is_empty()).count();
            let n = rows.saturating_sub(1);
            if n == 0 {
                return Err(bad("The CSV file has no item"));
            }
            *st.items.entry(gid).or_insert(0) += n;
            st.audit(c, "uploadItemData", &n.to_string());
            Ok(json!({"pidNumber": n}))
        }
        (["item"], _) => Err(method_not_allowed()),
        (["population", "summary"], "GET") => {
            let gid = data_source(st, c, r.q("cId"))?;
            let gene = r.q("geneId").unwrap_or("");
            gene_known(st, gid, gene)?;
            let mut counts: BTreeMap<String, u64> = BTreeMap::new();
            for genes in st.uid_genes.get(&gid).into_iter().flat_map(|m| m.values()) {
                if let Some(v) = genes.get(gene) {
                    *counts.entry(v.clone()).or_insert(0) += 1;
                }
            }
            Ok(Value::Array(
                counts
                    .into_iter()
                    .map(|(k, n)| json!({"key": k, "amount": n}))
                    .collect(),
            ))
        }
        (["population", _], _) => Err(method_not_allowed()),
        (["timeline", "population", ids, cid], "GET") => timeline(st, c, r, ids, cid),
        (["timeline", "population", _, _], _) => Err(method_not_allowed()),
        (["statistics", "query"], "GET") => statistics(st, c, r),
        (["statistics", "query"], _) => Err(method_not_allowed()),
        (["customerinformation", uid], "GET") => {
            let gid = data_source(st, c, r.q("cId"))?;
            let genes = st
                .uid_genes
                .get(&gid)
                .and_then(|m| m.get(*uid))
                .ok_or_else(|| not_found("Customer", uid))?;
            Ok(Value::Object(
                genes.iter().map(|(k, v)| (k.clone(), json!(v))).collect(),
            ))
        }
        (["customerinformation", _], _) => Err(method_not_allowed()),
        (["uidbandlist", "id"], "GET") => {
            let uid = r.q("uid").unwrap_or("");
            let user = path_id(r.q("userId").unwrap_or(""), "user")?;
            let owner = st.users.get(&user).ok_or_else(|| not_found("User", user))?;
            c.check_group(owner.group_id)?;
            let (ids, names): (Vec<Value>, Vec<Value>) = st
                .bands
                .values()
                .filter(|b| b.owner == user && b.uids.iter().any(|u| u == uid))
                .map(|b| (b.value["id"].clone(), b.value["name"].clone()))
                .unzip();
            Ok(json!({"bandIdList": ids, "bandNameList": names}))
        }
        (["uidbandlist", _], _) => Err(method_not_allowed()),
        (["summary", id], "GET") => summary(st, c, r, id),
        (["summary", _], _) => Err(method_not_allowed()),
        (["suauth"], "GET") => su_login(st, c, r),
        (["suauth"], "DELETE") => {
            for id in &c.session_ids {
                st.su.remove(id);
            }
            Ok(json!("su logout success"))
        }
        (["suauth"], _) => Err(method_not_allowed()),
        _ => Err(no_route()),
    }
}

/// The `groupId` query parameter, a group the caller may see.
fn query_group(st: &State, c: &Caller, r: &Req<'_>) -> Result<i64, Fail> {
    let gid = path_id(r.q("groupId").unwrap_or(""), "group")?;
    if !st.groups.contains_key(&gid) {
        return Err(not_found("Group", gid));
    }
    c.check_group(gid)?;
    Ok(gid)
}

/// The `groupId` multipart part, a group the caller may see.
fn part_group(st: &State, c: &Caller, r: &Req<'_>) -> Result<i64, Fail> {
    let gid = path_id(&r.part("groupId").unwrap_or_default(), "group")?;
    if !st.groups.contains_key(&gid) {
        return Err(not_found("Group", gid));
    }
    c.check_group(gid)?;
    Ok(gid)
}

/// A data source id the caller may see; its group.
fn data_source(st: &State, c: &Caller, id: Option<&str>) -> Result<i64, Fail> {
    let id = path_id(id.unwrap_or(""), "data source")?;
    let ds = st
        .data_sources
        .get(&id)
        .ok_or_else(|| not_found("Data source", id))?;
    let gid = int_field(ds, "groupId").unwrap_or(0);
    c.check_group(gid)?;
    Ok(gid)
}

fn gene_known(st: &State, gid: i64, gene: &str) -> Result<(), Fail> {
    let mut ids = Vec::new();
    all_genes(&st.gene_categories, &mut ids);
    if let Some(f) = st.fixed_genes.get(&gid) {
        all_genes(f, &mut ids);
    }
    if ids.iter().any(|g| g == gene) {
        Ok(())
    } else {
        Err(not_found("Gene", gene))
    }
}

fn band_json(b: &Band) -> Value {
    let mut v = b.value.clone();
    v.insert("amount".into(), json!(b.uids.len()));
    v.insert("owner".into(), json!(b.owner.to_string()));
    Value::Object(v)
}

/// The band categories `keep` selects, each with its bands.
fn categories(st: &State, keep: impl Fn(&Map<String, Value>, i64) -> bool) -> Vec<Value> {
    st.band_categories
        .iter()
        .filter(|(_, (cat, owner))| keep(cat, *owner))
        .map(|(id, (cat, _))| {
            let bands: Vec<Value> = st
                .bands
                .values()
                .filter(|b| int_field(&b.value, "categoryId") == Some(*id))
                .map(band_json)
                .collect();
            let mut v = cat.clone();
            v.insert("bands".into(), Value::Array(bands));
            Value::Object(v)
        })
        .collect()
}

fn flag(s: Option<&str>, key: &str) -> Result<Option<bool>, Fail> {
    match s {
        None => Ok(None),
        Some("True") | Some("true") => Ok(Some(true)),
        Some("False") | Some("false") => Ok(Some(false)),
        Some(_) => Err(bad(format!("{key} must be True or False"))),
    }
}

fn save_category(st: &mut State, c: &Caller, r: &Req<'_>, seg: Option<&str>) -> Answer {
    c.check_write(APP_EI)?;
    let id = match seg {
        Some(s) => {
            let id = path_id(s, "band category")?;
            match st.band_categories.get(&id) {
                Some((_, owner)) if *owner == c.user.id => Some(id),
                Some(_) => return Err(forbidden()),
                None => return Err(not_found("Band category", id)),
            }
        }
        None => None,
    };
    let form = r.form();
    let name = form
        .get("name")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| bad("name is required"))?
        .clone();
    if name.chars().count() > MAX_TEXT {
        return Err(bad("name is too long"));
    }
    let default = flag(form.get("isDefault").map(String::as_str), "isDefault")?;
    if st
        .band_categories
        .iter()
        .any(|(i, (cat, owner))| *owner == c.user.id && cat["name"] == name && Some(*i) != id)
    {
        return Err(super::conflict(format!(
            "Band category {name} already exists"
        )));
    }
    if id.is_none()
        && st
            .band_categories
            .values()
            .filter(|(_, o)| *o == c.user.id)
            .count()
            >= MAX_ITEMS_PER_GROUP
    {
        return Err(bad("Too many band categories"));
    }
    let id = match id {
        Some(id) => id,
        None => st.next("band_categories"),
    };
    let is_default = default.unwrap_or_else(|| {
        st.band_categories
            .get(&id)
            .is_some_and(|(c, _)| c.get("isDefault") == Some(&json!(true)))
    });
    if is_default {
        // One default category per user.
        for (cat, owner) in st.band_categories.values_mut() {
            if *owner == c.user.id {
                cat.insert("isDefault".into(), json!(false));
            }
        }
    }
    let mut cat = Map::new();
    cat.insert("id".into(), json!(id));
    cat.insert("name".into(), json!(name));
    cat.insert("isDefault".into(), json!(is_default));
    st.band_categories.insert(id, (cat, c.user.id));
    st.audit(c, "saveBandCategory", &id.to_string());
    let uid = c.user.id;
    Ok(categories(st, |x, o| o == uid && x["id"] == json!(id))
        .into_iter()
        .next()
        .unwrap_or(Value::Null))
}

fn del_category(st: &mut State, c: &Caller, seg: &str) -> Answer {
    c.check_write(APP_EI)?;
    let id = path_id(seg, "band category")?;
    match st.band_categories.get(&id) {
        Some((_, owner)) if *owner == c.user.id => {}
        Some(_) => return Err(forbidden()),
        None => return Err(not_found("Band category", id)),
    }
    if st
        .bands
        .values()
        .any(|b| int_field(&b.value, "categoryId") == Some(id))
    {
        return Err(super::conflict(format!("Band category {id} is not empty")));
    }
    let uid = c.user.id;
    let gone = categories(st, |x, o| o == uid && x["id"] == json!(id));
    st.band_categories.remove(&id);
    st.audit(c, "deleteBandCategory", &id.to_string());
    Ok(Value::Array(gone))
}

fn shared_categories(st: &State, c: &Caller, r: &Req<'_>) -> Answer {
    let gid = if r.q("groupId").is_some() {
        query_group(st, c, r)?
    } else {
        c.user.group_id
    };
    let mut out = Vec::new();
    for (id, (cat, _)) in &st.band_categories {
        let bands: Vec<Value> = st
            .bands
            .values()
            .filter(|b| {
                b.group_id == gid
                    && int_field(&b.value, "categoryId") == Some(*id)
                    && b.value.get("shared") == Some(&json!(true))
            })
            .map(band_json)
            .collect();
        if !bands.is_empty() {
            let mut v = cat.clone();
            v.insert("bands".into(), Value::Array(bands));
            out.push(Value::Object(v));
        }
    }
    Ok(Value::Array(out))
}

/// A band the caller may see (`own`: must be the owner, for writes).
fn band_of(st: &State, c: &Caller, seg: &str, own: bool) -> Result<i64, Fail> {
    let id = path_id(seg, "band")?;
    let b = st.bands.get(&id).ok_or_else(|| not_found("Band", id))?;
    let visible = b.owner == c.user.id
        || c.system_admin
        || (!own && b.group_id == c.user.group_id && b.value.get("shared") == Some(&json!(true)));
    if visible {
        Ok(id)
    } else {
        Err(forbidden())
    }
}

fn matches(value: &str, op: &str, operand: &str) -> Result<bool, Fail> {
    let list: Vec<&str> = operand.split(',').map(str::trim).collect();
    let num = |s: &str| s.trim().parse::<f64>().ok();
    let cmp = |f: fn(f64, f64) -> bool| -> bool {
        matches!((num(value), num(operand)), (Some(a), Some(b)) if f(a, b))
    };
    Ok(match op {
        "IN" | "INC" | "INCALL" | "KINC" | "KINCALL" | "RINC" | "RINCALL" => list.contains(&value),
        "INCNONE" | "KINCNONE" | "RINCNONE" => !list.contains(&value),
        "EQ" => value == operand,
        "LT" => cmp(|a, b| a < b),
        "LE" => cmp(|a, b| a <= b),
        "GE" => cmp(|a, b| a >= b),
        "GT" => cmp(|a, b| a > b),
        "BETWEEN" => match (
            num(value),
            list.first().and_then(|s| num(s)),
            list.get(1).and_then(|s| num(s)),
        ) {
            (Some(v), Some(lo), Some(hi)) => lo <= v && v <= hi,
            _ => false,
        },
        other => return Err(bad(format!("Unknown band operator: {other}"))),
    })
}

fn json_part(r: &Req<'_>, key: &str) -> Result<Option<Value>, Fail> {
    match r.part(key) {
        None => Ok(None),
        Some(s) if s == "null" => Ok(None),
        Some(s) => serde_json::from_str::<Value>(&s)
            .map(Some)
            .map_err(|_| bad(format!("{key} must be JSON"))),
    }
}

fn save_band(st: &mut State, c: &Caller, r: &Req<'_>, seg: Option<&str>) -> Answer {
    c.check_write(APP_EI)?;
    let existing = match seg {
        Some(s) => Some(band_of(st, c, s, true)?),
        None => None,
    };
    let old = existing.and_then(|id| st.bands.get(&id).cloned());
    let cat = path_id(&r.part("categoryId").unwrap_or_default(), "band category")?;
    match st.band_categories.get(&cat) {
        Some((_, owner)) if *owner == c.user.id => {}
        Some(_) => return Err(forbidden()),
        None => return Err(not_found("Band category", cat)),
    }
    let name = r
        .part("name")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| bad("name is required"))?;
    if name.chars().count() > MAX_TEXT {
        return Err(bad("name is too long"));
    }
    let description = r.part("description").unwrap_or_default();
    let ty = r.part("type").unwrap_or_default();
    let need_refresh = flag(r.part("needRefresh").as_deref(), "needRefresh")?.unwrap_or(true);
    let shared = flag(r.part("shared").as_deref(), "shared")?.unwrap_or(false);
    let snapshot = json_part(r, "snapshotInfo")?
        .or_else(|| {
            old.as_ref()
                .and_then(|o| o.value.get("snapshotInfo").cloned())
        })
        .unwrap_or_else(|| json!({"parent": null, "children": []}));
    let target_gene = json_part(r, "targetGene")?;
    let target_band = json_part(r, "targetBand")?;
    let uids: Vec<String> = match ty.as_str() {
        "gene" | "fixedgene" => {
            let g = target_gene
                .as_ref()
                .ok_or_else(|| bad("targetGene is required"))?;
            let gene = g["geneId"].as_str().unwrap_or("");
            let op = g["operator"].as_str().unwrap_or("");
            let operand = g["operand"].as_str().unwrap_or("");
            let cid = g["cid"].to_string();
            let gid = data_source(st, c, Some(cid.as_str()))?;
            gene_known(st, gid, gene)?;
            let mut out = Vec::new();
            for (uid, genes) in st.uid_genes.get(&gid).into_iter().flatten() {
                if let Some(v) = genes.get(gene) {
                    if matches(v, op, operand)? {
                        out.push(uid.clone());
                    }
                }
            }
            out
        }
        "combine" => {
            let t = target_band
                .as_ref()
                .ok_or_else(|| bad("targetBand is required"))?;
            let ids: Vec<i64> = t["bandIds"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_i64).collect())
                .unwrap_or_default();
            if ids.is_empty() {
                return Err(bad("targetBand.bandIds must not be empty"));
            }
            let op = t["operators"][0].as_str().unwrap_or("UNION");
            let mut sets = Vec::new();
            for id in &ids {
                let bid = band_of(st, c, &id.to_string(), false)?;
                if Some(bid) == existing {
                    return Err(bad("A band cannot combine itself"));
                }
                let set: BTreeSet<String> = st
                    .bands
                    .get(&bid)
                    .map(|b| b.uids.iter().cloned().collect())
                    .unwrap_or_default();
                sets.push(set);
            }
            let mut it = sets.into_iter();
            let mut acc = it.next().unwrap_or_default();
            for s in it {
                acc = match op {
                    "UNION" => acc.union(&s).cloned().collect(),
                    "INTERSECT" => acc.intersection(&s).cloned().collect(),
                    "EXCEPT" => acc.difference(&s).cloned().collect(),
                    other => return Err(bad(format!("Unknown combine operator: {other}"))),
                };
            }
            acc.into_iter().collect()
        }
        "upload" => match r.file() {
            Some(_) => {
                let (header, rows) = csv_with_uid(r.file())?;
                let col = header.iter().position(|h| h == "uid").unwrap_or(0);
                let set: BTreeSet<String> = rows
                    .into_iter()
                    .filter_map(|row| row.get(col).cloned())
                    .filter(|u| !u.is_empty())
                    .collect();
                set.into_iter().collect()
            }
            None => match &old {
                Some(o) => o.uids.clone(),
                None => return Err(bad("file is required for an upload band")),
            },
        },
        other => return Err(bad(format!("Unknown band type: {other}"))),
    };
    let id = match existing {
        Some(id) => id,
        None => {
            if st
                .bands
                .values()
                .filter(|b| b.group_id == c.user.group_id)
                .count()
                >= MAX_ITEMS_PER_GROUP
            {
                return Err(bad("Too many bands"));
            }
            st.next("bands")
        }
    };
    let t = now_ms();
    let v = json!({
        "id": id, "categoryId": cat, "name": name, "description": description, "type": ty,
        "targetGene": target_gene, "targetBand": target_band, "needRefresh": need_refresh,
        "snapshotInfo": snapshot, "shared": shared, "updateTime": t,
    });
    let Value::Object(value) = v else {
        return Err(bad("band"));
    };
    let band = Band {
        value,
        owner: old.as_ref().map(|o| o.owner).unwrap_or(c.user.id),
        group_id: old.as_ref().map(|o| o.group_id).unwrap_or(c.user.group_id),
        uids,
    };
    let out = band_json(&band);
    let gid = band.group_id;
    st.bands.insert(id, band);
    st.count_stat(
        gid,
        if existing.is_some() {
            "updateBand"
        } else {
            "addBand"
        },
    );
    st.audit(c, "saveBand", &id.to_string());
    Ok(out)
}

fn snapshot(st: &mut State, c: &Caller, seg: &str) -> Answer {
    c.check_write(APP_EI)?;
    let bid = band_of(st, c, seg, true)?;
    let Some(mut copy) = st.bands.get(&bid).cloned() else {
        return Err(not_found("Band", bid));
    };
    let id = st.next("bands");
    let name = format!(
        "{} (snapshot)",
        copy.value.get("name").and_then(Value::as_str).unwrap_or("")
    );
    copy.value.insert("id".into(), json!(id));
    copy.value.insert("name".into(), json!(name));
    copy.value.insert("type".into(), json!("upload"));
    copy.value.insert("needRefresh".into(), json!(false));
    copy.value.insert("targetGene".into(), Value::Null);
    copy.value.insert("targetBand".into(), Value::Null);
    copy.value.insert(
        "snapshotInfo".into(),
        json!({"parent": bid, "children": []}),
    );
    copy.value.insert("updateTime".into(), json!(now_ms()));
    let out = band_json(&copy);
    st.bands.insert(id, copy);
    if let Some(orig) = st.bands.get_mut(&bid) {
        if let Some(Value::Array(children)) = orig
            .value
            .get_mut("snapshotInfo")
            .and_then(|s| s.get_mut("children"))
        {
            children.push(json!(id));
        } else {
            orig.value.insert(
                "snapshotInfo".into(),
                json!({"parent": null, "children": [id]}),
            );
        }
    }
    st.audit(c, "snapshotBand", &id.to_string());
    Ok(out)
}

fn fixed_schema(st: &mut State, c: &Caller, r: &Req<'_>) -> Answer {
    let gid = part_group(st, c, r)?;
    c.check_write(APP_EI)?;
    let file = r.file().ok_or_else(|| bad("file is required"))?;
    let Ok(Value::Object(doc)) = serde_json::from_slice::<Value>(file) else {
        return Err(bad("The schema file must be a JSON object"));
    };
    let name = doc
        .get("name")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| bad("The schema needs a name"))?
        .to_owned();
    let Some(Value::Array(genes)) = doc.get("genes") else {
        return Err(bad("The schema needs a genes array"));
    };
    let mut out_genes = Vec::new();
    for (i, g) in genes.iter().enumerate() {
        let id = g
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let Some(id) = id else {
            return Err(bad(format!("genes[{i}].id is required")));
        };
        let gname = g.get("name").and_then(Value::as_str).unwrap_or(id);
        let ty = g.get("type").and_then(Value::as_str).unwrap_or("set");
        let chart = g.get("chartType").and_then(Value::as_str).unwrap_or("bar");
        out_genes.push(gene(id, gname, ty, chart));
    }
    let list = st.fixed_genes.entry(gid).or_default();
    let id = list
        .iter()
        .find(|c| c["name"] == name)
        .and_then(|c| c["id"].as_i64());
    let id = match id {
        Some(id) => id,
        None => {
            let n = st.next("fixed_gene_categories");
            n + 100
        }
    };
    let cat = json!({"id": id, "name": name, "subcategories": [], "genes": out_genes});
    let list = st.fixed_genes.entry(gid).or_default();
    list.retain(|c| c["id"] != json!(id));
    list.push(cat.clone());
    st.audit(c, "uploadFixedGeneSchema", &id.to_string());
    Ok(cat)
}

fn fixed_data(st: &mut State, c: &Caller, r: &Req<'_>) -> Answer {
    let gid = part_group(st, c, r)?;
    c.check_write(APP_EI)?;
    let (header, rows) = csv_with_uid(r.file())?;
    let mut known = Vec::new();
    all_genes(
        st.fixed_genes.get(&gid).map(Vec::as_slice).unwrap_or(&[]),
        &mut known,
    );
    for h in header.iter().filter(|h| *h != "uid") {
        if !known.contains(h) {
            return Err(bad(format!("{h} is not a fixed gene of the group")));
        }
    }
    let col = header.iter().position(|h| h == "uid").unwrap_or(0);
    let table = st.uid_genes.entry(gid).or_default();
    let mut n = 0usize;
    for row in rows {
        let Some(uid) = row.get(col).filter(|u| !u.is_empty()) else {
            continue;
        };
        if table.len() >= MAX_ITEMS_PER_GROUP && !table.contains_key(uid) {
            return Err(bad("Too many uids in the group"));
        }
        let genes = table.entry(uid.clone()).or_default();
        for (h, v) in header.iter().zip(row.iter()) {
            if h != "uid" {
                genes.insert(h.clone(), v.clone());
            }
        }
        n += 1;
    }
    st.audit(c, "uploadFixedGeneData", &n.to_string());
    Ok(json!(format!("{n} records imported")))
}

fn date(s: Option<&str>, key: &str) -> Result<time::Date, Fail> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    s.and_then(|s| time::Date::parse(s, &fmt).ok())
        .ok_or_else(|| bad(format!("{key} must be a date (YYYY-MM-DD)")))
}

fn day_ms(d: time::Date) -> i64 {
    d.midnight().assume_utc().unix_timestamp() * 1000
}

/// The days from `start` to `end` (both included), at most [`MAX_DAYS`].
fn days(start: time::Date, end: time::Date) -> Result<Vec<time::Date>, Fail> {
    if end < start {
        return Err(bad("The end date is before the start date"));
    }
    if (end - start).whole_days() >= MAX_DAYS {
        return Err(bad(format!("The range is longer than {MAX_DAYS} days")));
    }
    let mut out = vec![start];
    let mut d = start;
    while d < end {
        match d.next_day() {
            Some(n) => {
                out.push(n);
                d = n;
            }
            None => break,
        }
    }
    Ok(out)
}

fn timeline(st: &State, c: &Caller, r: &Req<'_>, ids: &str, cid: &str) -> Answer {
    let gid = data_source(st, c, Some(cid))?;
    let start = date(r.q("startTime"), "startTime")?;
    let end = date(r.q("endTime"), "endTime")?;
    let all_days = days(start, end)?;
    let op = r.q("filterOperator").unwrap_or("");
    if !["LT", "LE", "EQ", "GE", "GT", "NE"].contains(&op) {
        return Err(bad(format!("Unknown filterOperator: {op}")));
    }
    let comp = r.q("filterComparator").unwrap_or("STRING:*");
    let (ty, want) = comp
        .split_once(':')
        .ok_or_else(|| bad("filterComparator must be TYPE:VALUE"))?;
    if !["NUMBER", "STRING", "SUBSTRING"].contains(&ty) {
        return Err(bad(format!("Unknown comparator type: {ty}")));
    }
    let group = st
        .groups
        .get(&gid)
        .map(|g| g.name.clone())
        .unwrap_or_default();
    let mut out = Vec::new();
    for gene in ids.split(',').filter(|g| !g.is_empty()) {
        gene_known(st, gid, gene)?;
        let count = st
            .uid_genes
            .get(&gid)
            .into_iter()
            .flat_map(|m| m.values())
            .filter_map(|g| g.get(gene))
            .filter(|v| filter(v, op, ty, want))
            .count();
        let data: Vec<Value> = all_days
            .iter()
            .map(|d| json!([day_ms(*d), count]))
            .collect();
        out.push(
            json!({"name": gene, "group": group, "cid": path_id(cid, "data source")?,
                        "startTime": day_ms(start), "endTime": day_ms(end), "data": data}),
        );
    }
    Ok(Value::Array(out))
}

fn filter(v: &str, op: &str, ty: &str, want: &str) -> bool {
    if want == "*" {
        return true;
    }
    let ord = match ty {
        "NUMBER" => match (v.parse::<f64>(), want.parse::<f64>()) {
            (Ok(a), Ok(b)) => a.partial_cmp(&b),
            _ => None,
        },
        "SUBSTRING" => Some(if v.contains(want) {
            std::cmp::Ordering::Equal
        } else {
            v.cmp(want)
        }),
        _ => Some(v.cmp(want)),
    };
    let Some(o) = ord else { return false };
    match op {
        "LT" => o.is_lt(),
        "LE" => o.is_le(),
        "EQ" => o.is_eq(),
        "GE" => o.is_ge(),
        "GT" => o.is_gt(),
        _ => o.is_ne(),
    }
}

fn statistics(st: &State, c: &Caller, r: &Req<'_>) -> Answer {
    let gid = query_group(st, c, r)?;
    let start = date(r.q("startDate"), "startDate")?;
    let end = date(r.q("endDate"), "endDate")?;
    let items: Vec<&str> = r
        .q("itemName")
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.is_empty())
        .collect();
    if items.is_empty() {
        return Err(bad("itemName is required"));
    }
    for i in &items {
        if !["downloadUidList", "addBand", "updateBand", "bandCount"].contains(i) {
            return Err(bad(format!("Unknown statistics item: {i}")));
        }
    }
    let today = today();
    let bands = st.bands.values().filter(|b| b.group_id == gid).count();
    let mut out = Map::new();
    for d in days(start, end)? {
        let key = format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
        let mut row = Map::new();
        for i in &items {
            let n = if *i == "bandCount" {
                if key == today {
                    bands as u64
                } else {
                    0
                }
            } else {
                st.stats
                    .get(&(gid, key.clone(), (*i).to_owned()))
                    .copied()
                    .unwrap_or(0)
            };
            row.insert((*i).to_owned(), json!(n));
        }
        out.insert(key, Value::Object(row));
    }
    Ok(Value::Object(out))
}

fn summary(st: &State, c: &Caller, r: &Req<'_>, id: &str) -> Answer {
    let gid = data_source(st, c, r.q("cId"))?;
    let bid = band_of(st, c, r.q("bandId").unwrap_or(""), false)?;
    let days = match id {
        "Summary_Revisit_7" => 7,
        "Summary_Revisit_30" => 30,
        _ => return Err(not_found("Summary", id)),
    };
    let amount = st
        .bands
        .get(&bid)
        .filter(|b| b.group_id == gid)
        .map(|b| b.uids.len())
        .ok_or_else(|| bad("The band is not of this data source's group"))?;
    let revisit: Vec<Value> = (1..=days)
        .map(|d| json!({"day": d, "amount": amount / d}))
        .collect();
    Ok(json!({"summaryId": id, "bandId": bid, "amount": amount,
              "upperBound": r.q("upperBound"), "lowerBound": r.q("lowerBound"),
              "revisit": revisit}))
}

fn su_login(st: &mut State, c: &Caller, r: &Req<'_>) -> Answer {
    let (Some(group), Some(user)) = (r.q("groupName"), r.q("userName")) else {
        return Err(bad("groupName and userName are required"));
    };
    let real_role = c.real.role(APP_EI);
    if !c.system_admin && !matches!(real_role, Some("ADMIN") | Some("Operator")) {
        return Err(forbidden());
    }
    let target = st
        .user_by_login(group, user)
        .cloned()
        .ok_or_else(|| not_found("User", format!("{group}\\{user}")))?;
    if !c.system_admin && target.group_id != c.real.group_id {
        return Err(forbidden());
    }
    if target.role(APP_EI).is_none() {
        return Err(bad(format!("{group}\\{user} has no Etu Insight role")));
    }
    if st.su.len() >= MAX_ITEMS_PER_GROUP {
        // Bounded: impersonations of long-gone sessions go first.
        st.su.clear();
    }
    for id in &c.session_ids {
        st.su.insert(id.clone(), target.id);
    }
    Ok(json!(format!("su login success: {group}\\{user}")))
}
