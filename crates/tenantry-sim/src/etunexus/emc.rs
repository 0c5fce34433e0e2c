//! EMC2 (`/commsrv/v1`): groups, users, apps and roles, data sources,
//! exporter settings, schemas, system info, audit logs (`etunexus.md` §5).

use serde_json::{json, Map, Value};

use super::{
    bad, conflict, forbidden, int_field, method_not_allowed, no_route, not_found, now_ms, opt_text,
    path_id, req_text, Answer, Caller, Fail, Group, Req, State, User, APP_EMC, APP_IDS,
    MAX_ITEMS_PER_GROUP, ROLE_NAMES,
};
use crate::cas::CasSim;

pub(crate) fn group_json(g: &Group) -> Value {
    json!({"id": g.id, "name": g.name, "displayName": g.display_name, "createTime": g.create_time})
}

pub(crate) fn user_json(u: &User) -> Value {
    let roles: Vec<Value> = u
        .roles
        .iter()
        .map(|(r, a)| json!({"roleName": r, "appId": a}))
        .collect();
    json!({
        "id": u.id, "name": u.name, "displayName": u.display_name, "password": null,
        "department": u.department, "mail": u.mail, "roles": roles,
        "createTime": u.create_time, "lastUpdateTime": u.last_update_time,
    })
}

/// The exporter setting a new event-collector data source starts with.
pub(crate) fn default_exporter(t: i64) -> Map<String, Value> {
    let v = json!({
        "enabled": false, "initalConvetTime": t, "tupleKey": "ptuple", "extraSchema": "[]",
        "parsingFormat": "NginxPlusLogParserDriver", "baseSchema": "[]", "updateTime": t,
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn schema(content_type: &str) -> Option<Value> {
    let f = |name: &str, ty: &str| json!({"name": name, "type": ty, "required": true});
    Some(match content_type {
        "behavior" => json!([
            {"name": "uid", "type": "string", "required": true, "link": "uid"},
            {"name": "act", "type": "string", "required": true, "link": "act"},
            {"name": "pid", "type": "string", "required": true, "link": "pid"},
            {"name": "time", "type": "long", "required": true, "link": "time"},
        ]),
        "item" => json!([
            {"name": "pid", "type": "string", "required": true, "key": true},
            f("title", "string"), f("category", "string"), f("price", "double"),
        ]),
        "userprofile" => json!([
            {"name": "uid", "type": "string", "required": true, "key": true},
            f("gender", "string"), f("age", "int"),
        ]),
        "userrank" => json!([
            {"name": "uid", "type": "string", "required": true, "key": true},
            f("rank", "int"),
        ]),
        _ => return None,
    })
}

pub(crate) fn dispatch(st: &mut State, cas: &CasSim, c: &Caller, r: &Req<'_>) -> Answer {
    let m = r.method.as_str();
    let segs: Vec<&str> = r.segs.iter().map(String::as_str).collect();
    match (segs.as_slice(), m) {
        (["group"], "GET") => Ok(Value::Array(
            st.groups
                .values()
                .filter(|g| c.check_group(g.id).is_ok())
                .map(group_json)
                .collect(),
        )),
        (["group"], "POST") => add_group(st, c, r),
        (["group"], _) => Err(method_not_allowed()),
        (["group", id], "POST") => update_group(st, cas, c, r, id),
        (["group", id], "DELETE") => del_group(st, c, id),
        (["group", _], _) => Err(method_not_allowed()),
        (["group", id, "user"], "GET") => {
            let gid = group_of(st, c, id)?;
            Ok(Value::Array(
                st.users
                    .values()
                    .filter(|u| u.group_id == gid)
                    .map(user_json)
                    .collect(),
            ))
        }
        (["group", id, "user"], "POST") => add_user(st, cas, c, r, id),
        (["group", _, "user"], _) => Err(method_not_allowed()),
        (["group", id, "data-source"], "GET") => {
            let gid = group_of(st, c, id)?;
            Ok(Value::Array(
                st.data_sources
                    .values()
                    .filter(|d| int_field(d, "groupId") == Some(gid))
                    .map(|d| Value::Object(d.clone()))
                    .collect(),
            ))
        }
        (["group", id, "data-source"], "POST") => add_data_source(st, c, r, id),
        (["group", _, "data-source"], _) => Err(method_not_allowed()),
        (["user", "me"], "GET") => Ok(user_json(&c.user)),
        (["user", "me"], _) => Err(method_not_allowed()),
        (["user", id], "POST") => update_user(st, cas, c, r, id),
        (["user", id], "DELETE") => del_user(st, cas, c, id),
        (["user", _], _) => Err(method_not_allowed()),
        (["user", id, "password"], "POST") => change_password(st, cas, c, r, id),
        (["user", _, "password"], _) => Err(method_not_allowed()),
        (["app"], "GET") => Ok(Value::Array(st.apps.clone())),
        (["app"], _) => Err(method_not_allowed()),
        (["app", app, "permission"], "GET") => {
            let perms = st
                .permissions
                .get(*app)
                .ok_or_else(|| not_found("App", app))?;
            Ok(json!({"appId": app, "permissions": perms}))
        }
        (["app", _, "permission"], _) => Err(method_not_allowed()),
        (["app", app, "role"], "GET") => {
            let roles = st.roles.get(*app).ok_or_else(|| not_found("App", app))?;
            Ok(Value::Array(
                roles
                    .iter()
                    .map(|(n, p)| json!({"name": n, "permissions": p}))
                    .collect(),
            ))
        }
        (["app", app, "role"], "POST") => update_app_role(st, c, r, app),
        (["app", _, "role"], _) => Err(method_not_allowed()),
        (["data-source", "schema", ct], "GET") => {
            schema(ct).ok_or_else(|| not_found("Content type", ct))
        }
        (["data-source", "schema", _], _) => Err(method_not_allowed()),
        (["data-source", id], "POST") => update_data_source(st, c, r, id),
        (["data-source", id], "DELETE") => del_data_source(st, c, id),
        (["data-source", _], _) => Err(method_not_allowed()),
        (["data-source", id, "exporter"], "GET") => {
            let ds = data_source_of(st, c, id)?;
            st.exporters
                .get(&ds)
                .map(|e| Value::Object(e.clone()))
                .ok_or_else(|| not_found("Exporter setting of data source", ds))
        }
        (["data-source", id, "exporter"], "POST") => update_exporter(st, c, r, id),
        (["data-source", _, "exporter"], _) => Err(method_not_allowed()),
        (["system", "version"], "GET") => {
            Ok(json!({"version": "2.1.0", "build": "20170915.1", "branch": "release/2.1"}))
        }
        (["system", "version"], _) => Err(method_not_allowed()),
        (["audit"], "GET") => audit(st, c, r),
        (["audit"], _) => Err(method_not_allowed()),
        _ => Err(no_route()),
    }
}

/// The id of a group the caller may see, from a path segment.
fn group_of(st: &State, c: &Caller, seg: &str) -> Result<i64, Fail> {
    let gid = path_id(seg, "group")?;
    if !st.groups.contains_key(&gid) {
        return Err(not_found("Group", gid));
    }
    c.check_group(gid)?;
    Ok(gid)
}

fn data_source_of(st: &State, c: &Caller, seg: &str) -> Result<i64, Fail> {
    let id = path_id(seg, "data source")?;
    let ds = st
        .data_sources
        .get(&id)
        .ok_or_else(|| not_found("Data source", id))?;
    c.check_group(int_field(ds, "groupId").unwrap_or(0))?;
    Ok(id)
}

fn add_group(st: &mut State, c: &Caller, r: &Req<'_>) -> Answer {
    c.require_system_admin()?;
    let b = r.object()?;
    let name = req_text(&b, "name")?;
    let display = req_text(&b, "displayName")?;
    if name.contains('\\') {
        return Err(bad("name must not contain a backslash"));
    }
    if st.group_by_name(&name).is_some() {
        return Err(conflict(format!("Group {name} already exists")));
    }
    let id = st.next("groups");
    let g = Group {
        id,
        name,
        display_name: display,
        create_time: now_ms(),
    };
    let out = group_json(&g);
    st.groups.insert(id, g);
    st.audit(c, "addGroup", &out.to_string());
    Ok(out)
}

fn update_group(st: &mut State, cas: &CasSim, c: &Caller, r: &Req<'_>, seg: &str) -> Answer {
    let gid = group_of(st, c, seg)?;
    c.check_write(APP_EMC)?;
    if !c.system_admin && c.user.role(APP_EMC) != Some("ADMIN") {
        return Err(forbidden());
    }
    let b = r.object()?;
    let name = req_text(&b, "name")?;
    let display = req_text(&b, "displayName")?;
    if name.contains('\\') {
        return Err(bad("name must not contain a backslash"));
    }
    if st.groups.values().any(|g| g.name == name && g.id != gid) {
        return Err(conflict(format!("Group {name} already exists")));
    }
    let Some(g) = st.groups.get_mut(&gid) else {
        return Err(not_found("Group", gid));
    };
    let old = std::mem::replace(&mut g.name, name.clone());
    g.display_name = display;
    let out = group_json(g);
    if old != name {
        // The CAS login is `group\user`: move the group's accounts.
        for u in st.users.values().filter(|u| u.group_id == gid) {
            cas.remove_user(&old, &u.name);
            cas.add_user(&name, &u.name, &u.password);
        }
    }
    st.audit(c, "updateGroup", &out.to_string());
    Ok(out)
}

fn del_group(st: &mut State, c: &Caller, seg: &str) -> Answer {
    c.require_system_admin()?;
    let gid = group_of(st, c, seg)?;
    if gid == c.real.group_id {
        return Err(bad("The group of the signed-in user cannot be deleted"));
    }
    if st.users.values().any(|u| u.group_id == gid) {
        return Err(conflict(format!("Group {gid} still has users")));
    }
    st.groups.remove(&gid);
    st.data_sources
        .retain(|_, d| int_field(d, "groupId") != Some(gid));
    st.audit(c, "deleteGroup", &gid.to_string());
    Ok(json!(gid))
}

/// `[{"roleName","appId"}]` → pairs, checked.
fn roles(b: &Map<String, Value>) -> Result<Vec<(String, String)>, Fail> {
    let list = match b.get("roles") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(bad("roles must be an array")),
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for r in list {
        let (Some(role), Some(app)) = (
            r.get("roleName").and_then(Value::as_str),
            r.get("appId").and_then(Value::as_str),
        ) else {
            return Err(bad("roles[].roleName and roles[].appId are required"));
        };
        if !ROLE_NAMES.contains(&role) {
            return Err(bad(format!("Unknown role name: {role}")));
        }
        if !APP_IDS.contains(&app) {
            return Err(bad(format!("Unknown app id: {app}")));
        }
        if out.iter().any(|(_, a)| a == app) {
            return Err(bad(format!("More than one role for app {app}")));
        }
        out.push((role.to_owned(), app.to_owned()));
    }
    Ok(out)
}

fn add_user(st: &mut State, cas: &CasSim, c: &Caller, r: &Req<'_>, seg: &str) -> Answer {
    let gid = group_of(st, c, seg)?;
    c.check_write(APP_EMC)?;
    let b = r.object()?;
    let name = req_text(&b, "name")?;
    let display = req_text(&b, "displayName")?;
    let password = req_text(&b, "password")?;
    if name.contains('\\') {
        return Err(bad("name must not contain a backslash"));
    }
    let roles = roles(&b)?;
    if st
        .users
        .values()
        .any(|u| u.group_id == gid && u.name == name)
    {
        return Err(conflict(format!("User {name} already exists")));
    }
    if st.users.values().filter(|u| u.group_id == gid).count() >= MAX_ITEMS_PER_GROUP {
        return Err(bad("Too many users in the group"));
    }
    let id = st.next("users");
    let t = now_ms();
    let u = User {
        id,
        group_id: gid,
        name,
        display_name: display,
        password,
        department: opt_text(&b, "department")?.unwrap_or_default(),
        mail: opt_text(&b, "mail")?.unwrap_or_default(),
        roles,
        create_time: t,
        last_update_time: t,
    };
    let group = st
        .groups
        .get(&gid)
        .map(|g| g.name.clone())
        .unwrap_or_default();
    cas.add_user(&group, &u.name, &u.password);
    let out = user_json(&u);
    st.users.insert(id, u);
    st.audit(c, "addUser", &out.to_string());
    Ok(out)
}

fn user_of(st: &State, c: &Caller, seg: &str) -> Result<i64, Fail> {
    let id = path_id(seg, "user")?;
    let u = st.users.get(&id).ok_or_else(|| not_found("User", id))?;
    c.check_group(u.group_id)?;
    Ok(id)
}

fn update_user(st: &mut State, cas: &CasSim, c: &Caller, r: &Req<'_>, seg: &str) -> Answer {
    let id = user_of(st, c, seg)?;
    c.check_write(APP_EMC)?;
    let b = r.object()?;
    let name = req_text(&b, "name")?;
    let display = req_text(&b, "displayName")?;
    let roles = roles(&b)?;
    let password = match b.get("password") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(_) => return Err(bad("password must be a non-empty string or null")),
    };
    let department = opt_text(&b, "department")?;
    let mail = opt_text(&b, "mail")?;
    let Some(gid) = st.users.get(&id).map(|u| u.group_id) else {
        return Err(not_found("User", id));
    };
    if st
        .users
        .values()
        .any(|u| u.group_id == gid && u.name == name && u.id != id)
    {
        return Err(conflict(format!("User {name} already exists")));
    }
    let group = st
        .groups
        .get(&gid)
        .map(|g| g.name.clone())
        .unwrap_or_default();
    let Some(u) = st.users.get_mut(&id) else {
        return Err(not_found("User", id));
    };
    let old_name = std::mem::replace(&mut u.name, name);
    u.display_name = display;
    u.roles = roles;
    if let Some(p) = password {
        u.password = p;
    }
    u.department = department.unwrap_or_default();
    u.mail = mail.unwrap_or_default();
    u.last_update_time = now_ms().max(u.last_update_time + 1);
    if old_name != u.name {
        cas.remove_user(&group, &old_name);
    }
    cas.add_user(&group, &u.name, &u.password);
    let out = user_json(u);
    st.audit(c, "updateUser", &out.to_string());
    Ok(out)
}

fn del_user(st: &mut State, cas: &CasSim, c: &Caller, seg: &str) -> Answer {
    let id = user_of(st, c, seg)?;
    c.check_write(APP_EMC)?;
    if id == c.real.id {
        return Err(bad("The signed-in user cannot be deleted"));
    }
    if let Some(u) = st.users.remove(&id) {
        let group = st
            .groups
            .get(&u.group_id)
            .map(|g| g.name.clone())
            .unwrap_or_default();
        cas.remove_user(&group, &u.name);
    }
    st.su.retain(|_, v| *v != id);
    st.audit(c, "deleteUser", &id.to_string());
    Ok(json!(id))
}

fn change_password(st: &mut State, cas: &CasSim, c: &Caller, r: &Req<'_>, seg: &str) -> Answer {
    let id = user_of(st, c, seg)?;
    if id != c.real.id {
        c.check_write(APP_EMC)?;
    }
    let b = r.object()?;
    let password = req_text(&b, "password")?;
    let group = st
        .users
        .get(&id)
        .and_then(|u| st.groups.get(&u.group_id))
        .map(|g| g.name.clone())
        .unwrap_or_default();
    let Some(u) = st.users.get_mut(&id) else {
        return Err(not_found("User", id));
    };
    u.password = password;
    u.last_update_time = now_ms().max(u.last_update_time + 1);
    cas.add_user(&group, &u.name, &u.password);
    st.audit(c, "changePassword", &id.to_string());
    Ok(json!(id))
}

fn update_app_role(st: &mut State, c: &Caller, r: &Req<'_>, app: &str) -> Answer {
    c.require_system_admin()?;
    let b = r.object()?;
    let name = req_text(&b, "name")?;
    let Some(catalogue) = st.permissions.get(app).cloned() else {
        return Err(not_found("App", app));
    };
    let perms = match b.get("permissions") {
        Some(Value::Array(a)) if !a.is_empty() => a.clone(),
        _ => return Err(bad("permissions must be a non-empty array")),
    };
    for p in &perms {
        let cat = p.get("category").and_then(Value::as_str).unwrap_or("");
        let id = p.get("id").and_then(Value::as_str).unwrap_or("");
        let level = p.get("level").and_then(Value::as_i64).unwrap_or(-1);
        if !(0..=3).contains(&level) {
            return Err(bad("permissions[].level must be 0..3"));
        }
        if !catalogue
            .iter()
            .any(|q| q["category"] == cat && q["id"] == id)
        {
            return Err(bad(format!("Unknown permission {cat}/{id}")));
        }
    }
    let Some(roles) = st.roles.get_mut(app) else {
        return Err(not_found("App", app));
    };
    if !roles.contains_key(&name) {
        return Err(not_found("Role", &name));
    }
    let perms: Vec<Value> = perms
        .iter()
        .map(|p| json!({"category": p["category"], "id": p["id"], "level": p["level"]}))
        .collect();
    roles.insert(name.clone(), perms.clone());
    let out = json!({"name": name, "permissions": perms});
    st.audit(c, "updateAppRole", &out.to_string());
    Ok(out)
}

fn data_source_body(b: &Map<String, Value>) -> Result<Map<String, Value>, Fail> {
    let name = req_text(b, "name")?;
    let display = req_text(b, "displayName")?;
    let content = req_text(b, "contentType")?;
    if !["behavior", "item", "userprofile", "userrank"].contains(&content.as_str()) {
        return Err(bad(format!("Unknown content type: {content}")));
    }
    let apps = match b.get("appIds") {
        Some(Value::Array(a)) => a.clone(),
        _ => return Err(bad("appIds is required")),
    };
    for a in &apps {
        if !a.as_str().is_some_and(|a| APP_IDS.contains(&a)) {
            return Err(bad(format!("Unknown app id: {a}")));
        }
    }
    let ty = opt_text(b, "type")?.unwrap_or_else(|| "IMPORTER".to_owned());
    if !["EVENT_COLLECTOR", "IMPORTER", "FETCH", "UPLOAD"].contains(&ty.as_str()) {
        return Err(bad(format!("Unknown data source type: {ty}")));
    }
    let mut out = Map::new();
    out.insert("name".into(), json!(name));
    out.insert("displayName".into(), json!(display));
    out.insert("appIds".into(), Value::Array(apps));
    out.insert("contentType".into(), json!(content));
    out.insert("type".into(), json!(ty));
    if ty == "EVENT_COLLECTOR" {
        let host = b
            .get("eventCollector")
            .and_then(|e| e.get("hostName"))
            .and_then(Value::as_str)
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("eventCollector.hostName is required"))?;
        out.insert("eventCollector".into(), json!({"hostName": host}));
    }
    Ok(out)
}

fn add_data_source(st: &mut State, c: &Caller, r: &Req<'_>, seg: &str) -> Answer {
    let gid = group_of(st, c, seg)?;
    c.check_write(APP_EMC)?;
    let b = r.object()?;
    let mut ds = data_source_body(&b)?;
    if st
        .data_sources
        .values()
        .any(|d| int_field(d, "groupId") == Some(gid) && d.get("name") == ds.get("name"))
    {
        return Err(conflict("A data source of this name already exists"));
    }
    let id = st.next("data_sources");
    ds.insert("id".into(), json!(id));
    // The group comes from the path, not from the body (§12.3).
    ds.insert("groupId".into(), json!(gid));
    if ds.get("type").and_then(Value::as_str) == Some("EVENT_COLLECTOR") {
        st.exporters.insert(id, default_exporter(now_ms()));
    }
    st.data_sources.insert(id, ds.clone());
    st.audit(c, "addDataSource", &Value::Object(ds.clone()).to_string());
    Ok(Value::Object(ds))
}

fn update_data_source(st: &mut State, c: &Caller, r: &Req<'_>, seg: &str) -> Answer {
    let id = data_source_of(st, c, seg)?;
    c.check_write(APP_EMC)?;
    let b = r.object()?;
    let mut ds = data_source_body(&b)?;
    let gid = st
        .data_sources
        .get(&id)
        .and_then(|d| int_field(d, "groupId"))
        .unwrap_or(0);
    ds.insert("id".into(), json!(id));
    ds.insert("groupId".into(), json!(gid));
    if ds.get("type").and_then(Value::as_str) == Some("EVENT_COLLECTOR") {
        st.exporters
            .entry(id)
            .or_insert_with(|| default_exporter(now_ms()));
    } else {
        st.exporters.remove(&id);
    }
    st.data_sources.insert(id, ds.clone());
    st.audit(
        c,
        "updateDataSource",
        &Value::Object(ds.clone()).to_string(),
    );
    Ok(Value::Object(ds))
}

fn del_data_source(st: &mut State, c: &Caller, seg: &str) -> Answer {
    let id = data_source_of(st, c, seg)?;
    c.check_write(APP_EMC)?;
    st.data_sources.remove(&id);
    st.exporters.remove(&id);
    st.audit(c, "deleteDataSource", &id.to_string());
    Ok(json!(id))
}

/// A string holding a JSON array of `{name, type, link}` (the reference
/// parses both schemas as `ExporterExtraSchema` lists).
fn schema_text(b: &Map<String, Value>, key: &str) -> Result<String, Fail> {
    let Some(Value::String(s)) = b.get(key) else {
        return Err(bad(format!("{key} must be a string holding a JSON array")));
    };
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(s) else {
        return Err(bad(format!("{key} must be a string holding a JSON array")));
    };
    for i in &items {
        let ok = ["name", "type"].iter().all(|k| {
            i.get(*k)
                .and_then(Value::as_str)
                .is_some_and(|v| !v.is_empty())
        }) && i.get("link").is_some_and(Value::is_string);
        if !ok {
            return Err(bad(format!("{key}: each item needs name, type and link")));
        }
    }
    Ok(s.clone())
}

fn update_exporter(st: &mut State, c: &Caller, r: &Req<'_>, seg: &str) -> Answer {
    let id = data_source_of(st, c, seg)?;
    c.check_write(APP_EMC)?;
    if !st.exporters.contains_key(&id) {
        return Err(bad(format!("Data source {id} is not an event collector")));
    }
    let b = r.object()?;
    let Some(enabled) = b.get("enabled").and_then(Value::as_bool) else {
        return Err(bad("enabled is required"));
    };
    let extra = schema_text(&b, "extraSchema")?;
    let base = schema_text(&b, "baseSchema")?;
    let t = now_ms();
    let initial = int_field(&b, "initalConvetTime").unwrap_or(t);
    let tuple = opt_text(&b, "tupleKey")?.unwrap_or_else(|| "ptuple".into());
    let format =
        opt_text(&b, "parsingFormat")?.unwrap_or_else(|| "NginxPlusLogParserDriver".into());
    let v = json!({
        "enabled": enabled, "initalConvetTime": initial, "tupleKey": tuple,
        "extraSchema": extra, "parsingFormat": format, "baseSchema": base, "updateTime": t,
    });
    let Value::Object(m) = v else {
        return Err(bad("exporter setting"));
    };
    st.exporters.insert(id, m.clone());
    st.audit(c, "updateExporterSetting", &id.to_string());
    Ok(Value::Object(m))
}

fn audit(st: &mut State, c: &Caller, r: &Req<'_>) -> Answer {
    let num = |k: &str| -> Result<i64, Fail> {
        r.q(k)
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|n| *n > 0)
            .ok_or_else(|| bad(format!("{k} is required (epoch milliseconds)")))
    };
    let (start, end) = (num("startTime")?, num("endTime")?);
    if end < start {
        return Err(bad("endTime is before startTime"));
    }
    let events: Vec<Value> = st
        .audit
        .iter()
        .filter(|(gid, e)| {
            c.check_group(*gid).is_ok()
                && e["eventTime"]
                    .as_i64()
                    .is_some_and(|t| (start..=end).contains(&t))
        })
        .map(|(_, e)| e.clone())
        .collect();
    Ok(json!({"startTime": start, "endTime": end, "events": events}))
}
