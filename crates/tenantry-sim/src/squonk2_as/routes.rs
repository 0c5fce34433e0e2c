//! Routing, authentication and the answers of the AS API.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use axum::body::{Body, Bytes};
use axum::extract::State as AxState;
use axum::response::Response;
use http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use serde_json::{json, Map, Value};
use time::{Date, Month};

use super::{
    new_id, now_text, today, Action, ActionIds, Asset, Charge, EventStream, Merchant, Org, Product,
    Squonk2AsSim, State, Unit, API_ROOT, AS_VERSION, DEFAULT_ORG_ID, FLAVOURS, MAX_ASSETS,
    MAX_ASSET_BYTES, MAX_COINS, MAX_DESCRIPTION, MAX_EVENT_STREAMS, MAX_MEMBERS, MAX_ORGANISATIONS,
    MAX_PRODUCTS, MAX_TEXT, MAX_UNITS, PRIVACIES, PROJECT_TIER, SCOPES, STORAGE_SUBSCRIPTION,
};
use crate::kit::{json as json_resp, request_origin, with_type};

// ------------------------------------------------------------------ answers

/// An error answer: its status and the `error` text.
#[derive(Debug)]
pub(super) struct Fail(StatusCode, String);

impl Fail {
    fn response(self) -> Response {
        json_resp(self.0, &json!({ "error": self.1 }))
    }

    /// The `error` text.
    pub(super) fn message(&self) -> &str {
        &self.1
    }
}

type Answer = Result<(StatusCode, Value), Fail>;

fn bad(text: impl Into<String>) -> Fail {
    Fail(StatusCode::BAD_REQUEST, text.into())
}

fn forbidden(text: impl Into<String>) -> Fail {
    Fail(StatusCode::FORBIDDEN, text.into())
}

fn not_found(what: &str, id: &str) -> Fail {
    Fail(StatusCode::NOT_FOUND, format!("{what} {id} not found"))
}

fn conflict(text: impl Into<String>) -> Fail {
    Fail(StatusCode::CONFLICT, text.into())
}

fn unauthorized(text: &str) -> Fail {
    Fail(StatusCode::UNAUTHORIZED, text.to_owned())
}

fn ok(v: Value) -> Answer {
    Ok((StatusCode::OK, v))
}

fn created(id: &str) -> Answer {
    Ok((StatusCode::CREATED, json!({ "id": id })))
}

fn no_content() -> Answer {
    Ok((StatusCode::NO_CONTENT, Value::Null))
}

/// Stores a new record under a fresh `<kind>-<uuid>` id: that id.
fn insert_new<T>(
    map: &mut BTreeMap<String, T>,
    kind: &str,
    make: impl FnOnce(String) -> T,
) -> String {
    let id = new_id(kind);
    map.insert(id.clone(), make(id.clone()));
    id
}

/// A 409 with `text` when a name is `taken`.
fn unused(taken: bool, text: impl FnOnce() -> String) -> Result<(), Fail> {
    if taken {
        Err(conflict(text()))
    } else {
        Ok(())
    }
}

/// A 404 with its own text (not the `{what} {id} not found` form).
fn missing(text: impl Into<String>) -> Fail {
    Fail(StatusCode::NOT_FOUND, text.into())
}

/// The store limit of a kind of thing: `At most {max} {what}`.
fn room(len: usize, max: usize, what: &str) -> Result<(), Fail> {
    if len >= max {
        Err(bad(format!("At most {max} {what}")))
    } else {
        Ok(())
    }
}

/// Adds `user` to a member set; `false` when it already was a member
/// (the AS answers 200 `{}` and logs nothing).
fn add_member(members: &mut BTreeSet<String>, user: &str) -> Result<bool, Fail> {
    if members.contains(user) {
        return Ok(false);
    }
    room(members.len(), MAX_MEMBERS, "members")?;
    members.insert(user.to_owned());
    Ok(true)
}

/// Removes `user` from the members of `what` `id` (not its owner).
fn remove_member(
    members: &mut BTreeSet<String>,
    owner: &str,
    user: &str,
    what: &str,
    id: &str,
) -> Result<(), Fail> {
    if !members.contains(user) {
        return Err(missing(format!(
            "User {user} is not a member of {what} {id}"
        )));
    }
    if owner == user {
        return Err(bad(format!("User {user} owns {what} {id}")));
    }
    members.remove(user);
    Ok(())
}

/// The answer to adding a member: 201 when added, 200 when it already was.
fn member_added(added: bool) -> Answer {
    let status = if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, json!({})))
}

impl ActionIds {
    /// An action on an organisation.
    fn org(org: impl Into<String>) -> Self {
        Self {
            org: Some(org.into()),
            ..Self::default()
        }
    }

    /// An action on a unit of an organisation.
    fn unit(org: impl Into<String>, unit: impl Into<String>) -> Self {
        Self {
            unit: Some(unit.into()),
            ..Self::org(org)
        }
    }

    /// An action on a product of a unit.
    fn product(unit: impl Into<String>, product: impl Into<String>) -> Self {
        Self {
            unit: Some(unit.into()),
            product: Some(product.into()),
            ..Self::default()
        }
    }
}

/// Connexion's own answer (an unknown path, a method the path does not
/// take): `application/problem+json`.
fn problem(status: StatusCode, detail: &str) -> Response {
    let body = json!({
        "detail": detail,
        "status": status.as_u16(),
        "title": status.canonical_reason().unwrap_or(""),
        "type": "about:blank",
    });
    with_type(status, body.to_string(), "application/problem+json")
}

/// The caller: the `preferred_username` of a valid access token.
pub(super) struct Caller {
    name: String,
    admin: bool,
}

impl Caller {
    fn require_admin(&self, what: &str) -> Result<(), Fail> {
        if self.admin {
            Ok(())
        } else {
            Err(forbidden(format!(
                "You need to be an administrator to {what}"
            )))
        }
    }
}

/// One part of a multipart body.
struct Part {
    name: String,
    filename: Option<String>,
    data: Bytes,
}

struct Req<'a> {
    origin: String,
    query: HashMap<String, String>,
    body: &'a [u8],
    parts: Vec<Part>,
}

impl Req<'_> {
    /// The body as a JSON object (`{}` when empty).
    fn object(&self) -> Result<Map<String, Value>, Fail> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Map::new());
        }
        match serde_json::from_slice::<Value>(self.body) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(bad("The request body must be a JSON object")),
        }
    }

    /// The text of a multipart form field (not a file part).
    fn field(&self, name: &str) -> Result<Option<String>, Fail> {
        match self
            .parts
            .iter()
            .find(|p| p.name == name && p.filename.is_none())
        {
            None => Ok(None),
            Some(p) => String::from_utf8(p.data.to_vec())
                .map(Some)
                .map_err(|_| bad(format!("'{name}' is not UTF-8 text"))),
        }
    }

    /// The `content_file` part, unless its filename is empty (the
    /// reference sends an empty-filename part when it has no file, §4.2).
    fn file(&self) -> Option<&Part> {
        self.parts.iter().find(|p| {
            p.name == "content_file" && p.filename.as_deref().is_some_and(|f| !f.is_empty())
        })
    }

    fn query(&self, key: &str) -> Option<&str> {
        self.query.get(key).map(String::as_str)
    }
}

// ---------------------------------------------------------- field readers

fn opt_text(m: &Map<String, Value>, key: &str, max: usize) -> Result<Option<String>, Fail> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(s.clone())),
        Some(Value::String(_)) => Err(bad(format!("'{key}' is too long"))),
        Some(_) => Err(bad(format!("'{key}' must be a string"))),
    }
}

fn req_name(m: &Map<String, Value>, key: &str) -> Result<String, Fail> {
    match opt_text(m, key, MAX_TEXT)? {
        None => Err(bad(format!("'{key}' is a required property"))),
        Some(s) if s.trim().is_empty() => Err(bad(format!("'{key}' must not be empty"))),
        Some(s) => Ok(s),
    }
}

/// An optional new name: a string that is not blank.
fn opt_name(m: &Map<String, Value>) -> Result<Option<String>, Fail> {
    let name = opt_text(m, "name", MAX_TEXT)?;
    if name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        return Err(bad("'name' must not be empty"));
    }
    Ok(name)
}

fn opt_int(m: &Map<String, Value>, key: &str) -> Result<Option<i64>, Fail> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| bad(format!("'{key}' must be an integer"))),
        Some(_) => Err(bad(format!("'{key}' must be an integer"))),
    }
}

fn coins(m: &Map<String, Value>, key: &str) -> Result<Option<i64>, Fail> {
    match opt_int(m, key)? {
        Some(v) if !(0..=MAX_COINS).contains(&v) => {
            Err(bad(format!("'{key}' must be between 0 and {MAX_COINS}")))
        }
        v => Ok(v),
    }
}

fn billing_day(m: &Map<String, Value>) -> Result<u8, Fail> {
    let day =
        opt_int(m, "billing_day")?.ok_or_else(|| bad("'billing_day' is a required property"))?;
    u8::try_from(day)
        .ok()
        .filter(|d| (1..=28).contains(d))
        .ok_or_else(|| bad("'billing_day' must be from 1 to 28"))
}

fn privacy(m: &Map<String, Value>) -> Result<Option<String>, Fail> {
    match opt_text(m, "default_product_privacy", MAX_TEXT)? {
        Some(p) if !PRIVACIES.contains(&p.as_str()) => Err(bad(format!(
            "'{p}' is not one of {PRIVACIES:?} - 'default_product_privacy'"
        ))),
        p => Ok(p),
    }
}

fn username(u: &str) -> Result<(), Fail> {
    if u.is_empty() || u.chars().count() > MAX_TEXT || u.chars().any(char::is_control) {
        Err(bad(format!("'{u}' is not a valid username")))
    } else {
        Ok(())
    }
}

/// A product type and flavour the AS sells ([INF]: project tiers need one
/// of [`FLAVOURS`], storage subscriptions none).
pub(super) fn check_product_type(product_type: &str, flavour: Option<&str>) -> Result<(), Fail> {
    let flavour = flavour.filter(|f| !f.is_empty());
    match product_type {
        PROJECT_TIER => match flavour {
            Some(f) if FLAVOURS.contains(&f) => Ok(()),
            Some(f) => Err(bad(format!("'{f}' is not a flavour of {PROJECT_TIER}"))),
            None => Err(bad(format!("A {PROJECT_TIER} product needs a flavour"))),
        },
        STORAGE_SUBSCRIPTION => match flavour {
            None => Ok(()),
            Some(_) => Err(bad(format!("A {STORAGE_SUBSCRIPTION} has no flavour"))),
        },
        other => Err(bad(format!("'{other}' is not a known product type"))),
    }
}

fn date_text(d: Date) -> String {
    d.format(time::macros::format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

fn parse_date(key: &str, v: &str) -> Result<Date, Fail> {
    Date::parse(v, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| bad(format!("'{v}' is not a valid date - '{key}'")))
}

// ------------------------------------------------------------------ JSON

fn members_json(members: &BTreeSet<String>) -> Vec<Value> {
    members.iter().map(|u| json!({ "id": u })).collect()
}

fn org_json(o: &Org, c: &Caller) -> Value {
    json!({
        "id": o.id,
        "name": o.name,
        "owner_id": o.owner,
        "default_product_privacy": o.privacy,
        "private": o.privacy.ends_with("PRIVATE"),
        "created": o.created,
        "caller_is_member": o.members.contains(&c.name),
        "users": members_json(&o.members),
    })
}

fn unit_json(u: &Unit, c: &Caller) -> Value {
    json!({
        "id": u.id,
        "name": u.name,
        "owner_id": u.owner,
        "organisation_id": u.org_id,
        "billing_day": u.billing_day,
        "default_product_privacy": u.privacy,
        "private": u.privacy.ends_with("PRIVATE"),
        "personal": u.personal,
        "created": u.created,
        "caller_is_member": u.members.contains(&c.name),
        "users": members_json(&u.members),
    })
}

fn product_json(st: &State, p: &Product, c: &Caller) -> Value {
    let unit = st.units.get(&p.unit_id);
    let org = unit.and_then(|u| st.orgs.get(&u.org_id));
    let mut info = json!({
        "id": p.id,
        "name": p.name,
        "type": p.product_type,
        "created": p.created,
    });
    if let Some(f) = &p.flavour {
        info["flavour"] = json!(f);
    }
    json!({
        "product": info,
        "unit": unit.map(|u| unit_json(u, c)),
        "organisation": org.map(|o| org_json(o, c)),
        "coins": {
            "allowance": p.allowance,
            "limit": p.limit,
            "used": p.used,
            "billing_day": unit.map(|u| u.billing_day),
            "at_limit": p.limit > 0 && p.used >= p.limit as f64,
        },
        "storage": {"coins": {"unit_cost": st.storage_cost}},
        "claimable": p.product_type == PROJECT_TIER,
    })
}

fn asset_json(a: &Asset) -> Value {
    let mut v = json!({
        "id": a.id,
        "name": a.name,
        "scope": a.scope,
        "scope_id": a.scope_id,
        "secret": a.secret,
        "disabled": a.disabled,
        "description": a.description,
        "creator_id": a.creator,
        "created": a.created,
        "merchants": a.merchants.iter().collect::<Vec<_>>(),
    });
    if !a.secret {
        v["content"] = json!(String::from_utf8_lossy(&a.content));
    }
    if let Some(f) = &a.filename {
        v["content_filename"] = json!(f);
    }
    v
}

fn merchant_json(m: &Merchant) -> Value {
    json!({"id": m.id, "name": m.name, "kind": m.kind, "api_hostname": m.api_hostname})
}

fn stream_json(s: &EventStream, origin: &str) -> Value {
    let ws = origin
        .replacen("https://", "wss://", 1)
        .replacen("http://", "ws://", 1);
    json!({
        "id": s.id,
        "format": s.format,
        "location": format!("{ws}{API_ROOT}/ws/event-stream/{}", s.id),
        "created": s.created,
    })
}

fn action_json(a: &Action, format: &str) -> Value {
    let at =
        a.at.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
    let mut v = json!({
        "id": a.id,
        "timestamp": at,
        "action": a.action,
        "username": a.username,
    });
    for (k, x) in [
        ("org_id", &a.org_id),
        ("unit_id", &a.unit_id),
        ("product_id", &a.product_id),
    ] {
        if let Some(x) = x {
            v[k] = json!(x);
        }
    }
    if let Some(m) = a.merchant_id {
        v["m_id"] = json!(m);
    }
    // The event as the requested format renders it [INF].
    let message = if format == "JSON_STRING" {
        v.to_string()
    } else {
        v.as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, x)| match x {
                        Value::String(s) => format!("{k}: \"{s}\""),
                        other => format!("{k}: {other}"),
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default()
    };
    v["message"] = json!(message);
    v
}

// ---------------------------------------------------------------- access

fn is_org_member(o: &Org, c: &Caller) -> bool {
    c.admin || o.members.contains(&c.name)
}

/// Units: an admin, a member of the unit, or a member of its (non-default)
/// organisation.
fn can_use_unit(st: &State, u: &Unit, c: &Caller) -> bool {
    c.admin
        || u.members.contains(&c.name)
        || (u.org_id != DEFAULT_ORG_ID
            && st
                .orgs
                .get(&u.org_id)
                .is_some_and(|o| o.members.contains(&c.name)))
}

impl State {
    fn org_of(&self, id: &str) -> Result<&Org, Fail> {
        self.orgs
            .get(id)
            .ok_or_else(|| not_found("Organisation", id))
    }

    /// An organisation the caller may read: member, admin, or the default
    /// organisation (everybody's personal units live there).
    fn read_org(&self, id: &str, c: &Caller) -> Result<&Org, Fail> {
        let o = self.org_of(id)?;
        if is_org_member(o, c) || o.id == DEFAULT_ORG_ID {
            Ok(o)
        } else {
            Err(forbidden(format!(
                "You are not a member of organisation {id}"
            )))
        }
    }

    /// An organisation the caller may change: a member or an admin (the
    /// default organisation: an admin).
    fn write_org(&self, id: &str, c: &Caller) -> Result<&Org, Fail> {
        let o = self.org_of(id)?;
        if c.admin || (o.id != DEFAULT_ORG_ID && o.members.contains(&c.name)) {
            Ok(o)
        } else {
            Err(forbidden(format!(
                "You are not a member of organisation {id}"
            )))
        }
    }

    fn unit_of(&self, id: &str, c: &Caller) -> Result<&Unit, Fail> {
        let u = self.units.get(id).ok_or_else(|| not_found("Unit", id))?;
        if can_use_unit(self, u, c) {
            Ok(u)
        } else {
            Err(forbidden(format!("You are not a member of unit {id}")))
        }
    }

    fn product_of(&self, id: &str, c: &Caller) -> Result<&Product, Fail> {
        let p = self
            .products
            .get(id)
            .ok_or_else(|| not_found("Product", id))?;
        match self.units.get(&p.unit_id) {
            Some(u) if can_use_unit(self, u, c) => Ok(p),
            _ => Err(forbidden(format!(
                "You are not a member of the unit of product {id}"
            ))),
        }
    }

    /// [`Self::unit_of`], to change it.
    fn unit_mut(&mut self, id: &str, c: &Caller) -> Result<&mut Unit, Fail> {
        self.unit_of(id, c)?;
        self.units.get_mut(id).ok_or_else(|| not_found("Unit", id))
    }

    /// [`Self::write_org`], to change it.
    fn org_mut(&mut self, id: &str, c: &Caller) -> Result<&mut Org, Fail> {
        self.write_org(id, c)?;
        self.orgs
            .get_mut(id)
            .ok_or_else(|| not_found("Organisation", id))
    }

    /// [`Self::product_of`], to change it.
    fn product_mut(&mut self, id: &str, c: &Caller) -> Result<&mut Product, Fail> {
        self.product_of(id, c)?;
        self.products
            .get_mut(id)
            .ok_or_else(|| not_found("Product", id))
    }

    /// [`Self::asset_of`] for writing, to change it.
    fn asset_mut(&mut self, id: &str, c: &Caller) -> Result<&mut Asset, Fail> {
        self.asset_of(id, c, true)?;
        self.assets
            .get_mut(id)
            .ok_or_else(|| not_found("Asset", id))
    }

    /// The caller's personal unit, or the AS's 404.
    fn personal_of(&self, c: &Caller) -> Result<&Unit, Fail> {
        personal(self, c).ok_or_else(|| missing("You have no personal unit"))
    }

    /// Whether the caller may see (`write`: change) an asset's scope.
    fn scope_access(
        &self,
        scope: &str,
        scope_id: &str,
        c: &Caller,
        write: bool,
    ) -> Result<(), Fail> {
        match scope {
            "USER" if c.admin || scope_id == c.name => Ok(()),
            "USER" => Err(forbidden(format!(
                "You cannot use the assets of user {scope_id}"
            ))),
            "GLOBAL" if !write || c.admin => Ok(()),
            "GLOBAL" => Err(forbidden(
                "You need to be an administrator to change global assets",
            )),
            "PRODUCT" => self.product_of(scope_id, c).map(|_| ()),
            "UNIT" => self.unit_of(scope_id, c).map(|_| ()),
            "ORGANISATION" => {
                let o = self.org_of(scope_id)?;
                if is_org_member(o, c) {
                    Ok(())
                } else {
                    Err(forbidden(format!(
                        "You are not a member of organisation {scope_id}"
                    )))
                }
            }
            other => Err(bad(format!("'{other}' is not a known scope"))),
        }
    }

    fn asset_of(&self, id: &str, c: &Caller, write: bool) -> Result<&Asset, Fail> {
        let a = self.assets.get(id).ok_or_else(|| not_found("Asset", id))?;
        self.scope_access(&a.scope, &a.scope_id, c, write)
            .map_err(|e| match e.0 {
                StatusCode::NOT_FOUND => forbidden(format!("You cannot use asset {id}")),
                _ => e,
            })?;
        Ok(a)
    }

    fn visible_asset(&self, a: &Asset, c: &Caller) -> bool {
        self.scope_access(&a.scope, &a.scope_id, c, false).is_ok()
    }

    fn products_json(&self, c: &Caller, pick: impl Fn(&Product) -> bool) -> Value {
        let products: Vec<Value> = self
            .products
            .values()
            .filter(|p| {
                pick(p)
                    && self
                        .units
                        .get(&p.unit_id)
                        .is_some_and(|u| can_use_unit(self, u, c))
            })
            .map(|p| product_json(self, p, c))
            .collect();
        json!({"count": products.len(), "products": products})
    }
}

// ---------------------------------------------------------------- charges

fn month_back(y: i32, m: Month) -> (i32, Month) {
    if m == Month::January {
        (y - 1, Month::December)
    } else {
        (y, m.previous())
    }
}

fn month_on(y: i32, m: Month) -> (i32, Month) {
    if m == Month::December {
        (y + 1, Month::January)
    } else {
        (y, m.next())
    }
}

/// The billing period that holds `day` for a billing day, `prior` periods
/// back: `[from, until)`.
fn period(day: Date, billing_day: u8, prior: u32) -> (Date, Date) {
    let (mut y, mut m) = (day.year(), day.month());
    if day.day() < billing_day {
        (y, m) = month_back(y, m);
    }
    for _ in 0..prior {
        (y, m) = month_back(y, m);
    }
    // billing_day is 1..=28: valid in every month.
    let from = Date::from_calendar_date(y, m, billing_day).unwrap_or(day);
    let (ny, nm) = month_on(y, m);
    let until = Date::from_calendar_date(ny, nm, billing_day).unwrap_or(day);
    (from, until)
}

/// The charges window of a request: `from` (inclusive) and `until`
/// (exclusive), or the billing period `pbp` periods back (default: the
/// current one).
fn window(r: &Req<'_>, billing_day: u8) -> Result<(Date, Date), Fail> {
    let prior = match r.query("pbp") {
        None | Some("") => 0,
        Some(v) => v
            .parse::<i64>()
            .ok()
            .map(i64::unsigned_abs)
            .and_then(|v| u32::try_from(v).ok())
            .filter(|v| *v <= 1200)
            .ok_or_else(|| bad(format!("'{v}' is not a valid prior billing period - 'pbp'")))?,
    };
    let (mut from, mut until) = period(today(), billing_day, prior);
    if let Some(v) = r.query("from").filter(|v| !v.is_empty()) {
        from = parse_date("from", v)?;
    }
    if let Some(v) = r.query("until").filter(|v| !v.is_empty()) {
        until = parse_date("until", v)?;
    }
    if from >= until {
        return Err(bad("'from' must be before 'until'"));
    }
    Ok((from, until))
}

fn charge_json(st: &State, ch: &Charge) -> Value {
    let unit = st
        .products
        .get(&ch.product_id)
        .and_then(|p| st.units.get(&p.unit_id));
    let mut v = json!({
        "item_number": ch.item_number,
        "date": date_text(ch.date),
        "coins": ch.coins,
        "type": ch.kind,
        "product_id": ch.product_id,
        "unit_id": unit.map(|u| u.id.clone()),
        "organisation_id": unit.map(|u| u.org_id.clone()),
    });
    if let Some(m) = ch.merchant_id {
        v["merchant_id"] = json!(m);
    }
    v
}

/// `{"from", "until", "currency", "coins", "count", "items"}` for the
/// charges of the products `pick` selects, in the window.
fn charges_json(st: &State, from: Date, until: Date, pick: impl Fn(&Product) -> bool) -> Value {
    let mut total = 0.0;
    let items: Vec<Value> = st
        .charges
        .iter()
        .filter(|ch| ch.date >= from && ch.date < until)
        .filter(|ch| st.products.get(&ch.product_id).is_some_and(&pick))
        .map(|ch| {
            total += ch.coins;
            charge_json(st, ch)
        })
        .collect();
    json!({
        "from": date_text(from),
        "until": date_text(until),
        "currency": "COIN",
        "coins": total,
        "count": items.len(),
        "items": items,
    })
}

// ---------------------------------------------------------------- routing

/// The reference's method name for a method and path: `Some((name, _))`,
/// `Some(("", allowed))` for a known path with another method, `None` for
/// an unknown path. `GET /version` is `get_version` (and `ping`).
fn operation(method: &Method, segs: &[&str]) -> Option<(&'static str, &'static str)> {
    let m = method.as_str();
    let pick = |table: &[(&str, &'static str)], allowed: &'static str| {
        table
            .iter()
            .find(|(mm, _)| *mm == m)
            .map(|(_, n)| (*n, allowed))
            .or(Some(("", allowed)))
    };
    match segs {
        ["version"] => pick(&[("GET", "get_version")], "GET"),
        ["event-stream", "version"] => pick(&[("GET", "get_event_stream_version")], "GET"),
        ["event-stream"] => pick(
            &[("GET", "get_event_stream"), ("POST", "create_event_stream")],
            "GET, POST",
        ),
        ["event-stream", _] => pick(&[("DELETE", "delete_event_stream")], "DELETE"),
        ["product"] => pick(&[("GET", "get_available_products")], "GET"),
        ["product", "unit", _] => pick(
            &[("GET", "get_products_for_unit"), ("POST", "create_product")],
            "GET, POST",
        ),
        ["product", "organisation", _] => pick(&[("GET", "get_products_for_organisation")], "GET"),
        ["product", _] => pick(
            &[
                ("GET", "get_product"),
                ("PATCH", "alter_product"),
                ("DELETE", "delete_product"),
            ],
            "GET, PATCH, DELETE",
        ),
        ["product-type"] => pick(&[("GET", "get_product_types")], "GET"),
        ["product-default-storage-cost"] => {
            pick(&[("GET", "get_product_default_storage_cost")], "GET")
        }
        ["unit"] => pick(&[("GET", "get_units")], "GET"),
        ["unit", _] => pick(
            &[
                ("GET", "get_unit"),
                ("PATCH", "alter_unit"),
                ("DELETE", "delete_unit"),
            ],
            "GET, PATCH, DELETE",
        ),
        ["unit", _, "user"] => pick(&[("GET", "get_unit_users")], "GET"),
        ["unit", _, "user", _] => pick(
            &[
                ("PUT", "add_user_to_unit"),
                ("DELETE", "remove_user_from_unit"),
            ],
            "PUT, DELETE",
        ),
        ["personal-unit"] => pick(
            &[
                ("GET", "get_personal_unit"),
                ("PUT", "create_personal_unit"),
                ("DELETE", "delete_personal_unit"),
            ],
            "GET, PUT, DELETE",
        ),
        ["organisation"] => pick(
            &[
                ("GET", "get_organisations"),
                ("POST", "create_organisation"),
            ],
            "GET, POST",
        ),
        ["organisation", _] => pick(
            &[
                ("GET", "get_organisation"),
                ("PATCH", "alter_organisation"),
                ("DELETE", "delete_organisation"),
            ],
            "GET, PATCH, DELETE",
        ),
        ["organisation", _, "unit"] => pick(
            &[("GET", "get_organisation_units"), ("POST", "create_unit")],
            "GET, POST",
        ),
        ["organisation", _, "user"] => pick(&[("GET", "get_organisation_users")], "GET"),
        ["organisation", _, "user", _] => pick(
            &[
                ("PUT", "add_user_to_organisation"),
                ("DELETE", "remove_user_from_organisation"),
            ],
            "PUT, DELETE",
        ),
        ["default", "organisation"] => pick(&[("GET", "get_default_organisation")], "GET"),
        ["charges"] => pick(&[("GET", "get_charges")], "GET"),
        ["charges", "organisation", _] => pick(&[("GET", "get_organisation_charges")], "GET"),
        ["charges", "unit", _] => pick(&[("GET", "get_unit_charges")], "GET"),
        ["charges", "product", _] => pick(&[("GET", "get_product_charges")], "GET"),
        ["asset"] => pick(
            &[("GET", "get_available_assets"), ("POST", "create_asset")],
            "GET, POST",
        ),
        ["asset", _] => pick(
            &[
                ("GET", "get_asset"),
                ("PATCH", "alter_asset"),
                ("DELETE", "delete_asset"),
            ],
            "GET, PATCH, DELETE",
        ),
        ["asset", _, "attach"] => pick(&[("PATCH", "attach_asset")], "PATCH"),
        ["asset", _, "detach"] => pick(&[("PATCH", "detach_asset")], "PATCH"),
        ["asset", _, "enable"] => pick(&[("PATCH", "enable_asset")], "PATCH"),
        ["asset", _, "disable"] => pick(&[("PATCH", "disable_asset")], "PATCH"),
        ["merchant"] => pick(&[("GET", "get_merchants")], "GET"),
        ["merchant", _] => pick(&[("GET", "get_merchant")], "GET"),
        ["user", "account"] => pick(&[("GET", "get_account")], "GET"),
        ["action"] => pick(&[("GET", "get_actions")], "GET"),
        _ => None,
    }
}

/// Parses a multipart body into its parts.
async fn parse_multipart(headers: &HeaderMap, body: Bytes) -> Result<Vec<Part>, Fail> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| bad("The request body must be multipart/form-data"))?;
    let stream = futures::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| bad(format!("Malformed multipart body: {e}")))?
    {
        let name = field.name().unwrap_or("").to_owned();
        let filename = field.file_name().map(str::to_owned);
        let data = field
            .bytes()
            .await
            .map_err(|e| bad(format!("Malformed multipart body: {e}")))?;
        parts.push(Part {
            name,
            filename,
            data,
        });
    }
    Ok(parts)
}

#[derive(serde::Deserialize)]
struct Claims {
    preferred_username: String,
}

pub(super) async fn handle(
    AxState(sim): AxState<Squonk2AsSim>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().strip_prefix(API_ROOT).unwrap_or("");
    let segs: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let Some((name, allowed)) = operation(&method, &segs) else {
        return problem(
            StatusCode::NOT_FOUND,
            "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.",
        );
    };
    if name.is_empty() {
        let mut r = problem(
            StatusCode::METHOD_NOT_ALLOWED,
            "The method is not allowed for the requested URL.",
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(allowed));
        return r;
    }
    *sim.lock().calls.entry(name.to_owned()).or_default() += 1;
    let public = matches!(name, "get_version" | "get_event_stream_version");
    let caller = if public {
        None
    } else {
        match sim.caller(&headers) {
            Ok(c) => Some(c),
            Err(f) => return f.response(),
        }
    };
    let parts = if matches!(name, "create_asset" | "alter_asset") {
        match parse_multipart(&headers, body.clone()).await {
            Ok(p) => p,
            Err(f) => return f.response(),
        }
    } else {
        Vec::new()
    };
    let req = Req {
        origin: request_origin(&headers),
        query: uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default(),
        body: &body,
        parts,
    };
    let outcome = match &caller {
        None => sim.public(name),
        Some(c) => sim.dispatch(name, &segs, c, &req),
    };
    match outcome {
        Ok((StatusCode::NO_CONTENT, _)) => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NO_CONTENT;
            r
        }
        Ok((status, v)) => json_resp(status, &v),
        Err(f) => f.response(),
    }
}

impl Squonk2AsSim {
    /// The caller of a request: a valid RS256 access token of this
    /// Keycloak (signature, audience, expiry), still known to it.
    fn caller(&self, headers: &HeaderMap) -> Result<Caller, Fail> {
        let value = headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| unauthorized("No authorization token provided"))?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| unauthorized("Invalid authorization header"))?;
        let key = self
            .verifier
            .0
            .as_ref()
            .ok_or_else(|| unauthorized("No realm key to verify the token with"))?;
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.leeway = 0;
        validation.set_audience(&["account"]);
        let claims = jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map_err(|_| unauthorized("Invalid or expired token"))?
            .claims;
        // Issued by this Keycloak, unexpired and not revoked.
        let name = self
            .keycloak
            .validate(token)
            .filter(|u| *u == claims.preferred_username)
            .ok_or_else(|| unauthorized("Invalid or expired token"))?;
        let admin = self.lock().admins.contains(&name);
        Ok(Caller { name, admin })
    }

    fn public(&self, name: &str) -> Answer {
        match name {
            "get_version" => ok(json!({ "version": AS_VERSION })),
            _ => ok(json!({
                "name": "account-server-event-stream",
                "protocol": "WEBSOCKET",
                "version": "1.0.0",
            })),
        }
    }

    /// An answer read from the state under its lock.
    fn read(&self, f: impl FnOnce(&State) -> Answer) -> Answer {
        f(&self.lock())
    }

    fn dispatch(&self, name: &str, segs: &[&str], c: &Caller, r: &Req<'_>) -> Answer {
        let seg = |i: usize| segs.get(i).copied().unwrap_or("");
        match name {
            "get_event_stream" => self.get_event_stream(c, r),
            "create_event_stream" => self.create_event_stream(c, r),
            "delete_event_stream" => self.delete_event_stream(c, seg(1)),
            "get_available_products" => self.read(|st| ok(st.products_json(c, |_| true))),
            "get_product" => self.read(|st| ok(product_json(st, st.product_of(seg(1), c)?, c))),
            "get_products_for_unit" => self.read(|st| {
                let u = &st.unit_of(seg(2), c)?.id;
                ok(st.products_json(c, |p| p.unit_id == *u))
            }),
            "get_products_for_organisation" => self.read(|st| {
                let o = &st.read_org(seg(2), c)?.id;
                ok(st.products_json(c, |p| {
                    st.units.get(&p.unit_id).is_some_and(|u| u.org_id == *o)
                }))
            }),
            "get_product_types" => ok(json!({
                "count": 2,
                "product_types": [
                    {"type": PROJECT_TIER, "flavours": FLAVOURS},
                    {"type": STORAGE_SUBSCRIPTION},
                ],
            })),
            "get_product_default_storage_cost" => {
                let cost = self.lock().storage_cost;
                ok(json!({ "cost": cost.to_string() }))
            }
            "create_product" => self.create_product(c, seg(2), r),
            "alter_product" => self.alter_product(c, seg(1), r),
            "delete_product" => self.delete_product(c, seg(1)),
            "get_units" => self.get_units(c, r),
            "get_unit" => self.read(|st| ok(unit_json(st.unit_of(seg(1), c)?, c))),
            "alter_unit" => self.alter_unit(c, seg(1), r),
            "delete_unit" => self.delete_unit(c, seg(1)),
            "get_unit_users" => self.read(|st| ok(users_json(&st.unit_of(seg(1), c)?.members))),
            "add_user_to_unit" => self.add_user_to_unit(c, seg(1), seg(3)),
            "remove_user_from_unit" => self.remove_user_from_unit(c, seg(1), seg(3)),
            "get_personal_unit" => self.read(|st| ok(unit_json(st.personal_of(c)?, c))),
            "create_personal_unit" => self.create_personal_unit(c, r),
            "delete_personal_unit" => self.delete_personal_unit(c),
            "get_organisations" => self.get_organisations(c, r),
            "create_organisation" => self.create_organisation(c, r),
            "get_organisation" => self.read(|st| ok(org_json(st.read_org(seg(1), c)?, c))),
            "alter_organisation" => self.alter_organisation(c, seg(1), r),
            "delete_organisation" => self.delete_organisation(c, seg(1)),
            "get_organisation_units" => self.get_organisation_units(c, seg(1)),
            "create_unit" => self.create_unit(c, seg(1), r),
            "get_organisation_users" => self.read(|st| {
                let o = st.read_org(seg(1), c)?;
                if !is_org_member(o, c) {
                    return Err(forbidden(format!(
                        "You are not a member of organisation {}",
                        o.id
                    )));
                }
                ok(users_json(&o.members))
            }),
            "add_user_to_organisation" => self.add_user_to_org(c, seg(1), seg(3)),
            "remove_user_from_organisation" => self.remove_user_from_org(c, seg(1), seg(3)),
            "get_default_organisation" => {
                self.read(|st| ok(org_json(st.org_of(DEFAULT_ORG_ID)?, c)))
            }
            "get_charges"
            | "get_organisation_charges"
            | "get_unit_charges"
            | "get_product_charges" => self.charges(name, c, seg(2), r),
            "get_available_assets" => self.get_assets(c, r),
            "create_asset" => self.create_asset(c, r),
            "get_asset" => self.read(|st| ok(asset_json(st.asset_of(seg(1), c, false)?))),
            "alter_asset" => self.alter_asset(c, seg(1), r),
            "delete_asset" => self.delete_asset(c, seg(1)),
            "attach_asset" | "detach_asset" => {
                self.attachment(c, seg(1), r, name == "attach_asset")
            }
            "enable_asset" | "disable_asset" => {
                self.enable_asset(c, seg(1), name == "enable_asset")
            }
            "get_merchants" => self.read(|st| {
                let ms: Vec<Value> = st.merchants.values().map(merchant_json).collect();
                ok(json!({"count": ms.len(), "merchants": ms}))
            }),
            "get_merchant" => self.read(|st| {
                let m = seg(1)
                    .parse::<u64>()
                    .ok()
                    .and_then(|id| st.merchants.get(&id))
                    .ok_or_else(|| not_found("Merchant", seg(1)))?;
                ok(merchant_json(m))
            }),
            "get_account" => {
                let mut roles = vec!["user"];
                if c.admin {
                    roles.insert(0, "admin");
                }
                ok(json!({
                    "username": c.name,
                    "user": {"id": c.name},
                    "account_server_roles": roles,
                    "caller_has_admin_privilege": c.admin,
                }))
            }
            "get_actions" => self.get_actions(c, r),
            other => Err(Fail(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("{other} is not implemented"),
            )),
        }
    }

    // ----------------------------------------------------- event streams

    fn get_event_stream(&self, c: &Caller, r: &Req<'_>) -> Answer {
        let st = self.lock();
        let s = st
            .streams
            .values()
            .find(|s| s.owner == c.name)
            .ok_or_else(|| missing("You have no event stream"))?;
        ok(stream_json(s, &r.origin))
    }

    fn create_event_stream(&self, c: &Caller, r: &Req<'_>) -> Answer {
        let m = r.object()?;
        let format = opt_text(&m, "format", MAX_TEXT)?
            .ok_or_else(|| bad("'format' is a required property"))?;
        if !["JSON_STRING", "PROTOCOL_STRING"].contains(&format.as_str()) {
            return Err(bad(format!(
                "'{format}' is not one of ['JSON_STRING', 'PROTOCOL_STRING'] - 'format'"
            )));
        }
        let mut st = self.lock();
        if st.streams.values().any(|s| s.owner == c.name) {
            return Err(conflict("You already have an event stream"));
        }
        room(st.streams.len(), MAX_EVENT_STREAMS, "event streams")?;
        let id = st.next_stream;
        st.next_stream = st.next_stream.saturating_add(1);
        let s = EventStream {
            id,
            owner: c.name.clone(),
            format,
            created: now_text(),
        };
        st.streams.insert(id, s.clone());
        st.record(&c.name, "CREATE_EVENT_STREAM", ActionIds::default());
        Ok((StatusCode::CREATED, stream_json(&s, &r.origin)))
    }

    fn delete_event_stream(&self, c: &Caller, id: &str) -> Answer {
        let mut st = self.lock();
        let n = id
            .parse::<u64>()
            .ok()
            .filter(|n| st.streams.contains_key(n))
            .ok_or_else(|| not_found("Event stream", id))?;
        if st.streams.get(&n).is_some_and(|s| s.owner != c.name) && !c.admin {
            return Err(forbidden(format!("Event stream {id} is not yours")));
        }
        st.streams.remove(&n);
        st.record(&c.name, "DELETE_EVENT_STREAM", ActionIds::default());
        no_content()
    }

    // ---------------------------------------------------------- products

    fn create_product(&self, c: &Caller, unit: &str, r: &Req<'_>) -> Answer {
        let m = r.object()?;
        let product_type =
            opt_text(&m, "type", MAX_TEXT)?.ok_or_else(|| bad("'type' is a required property"))?;
        let name = req_name(&m, "name")?;
        let flavour = opt_text(&m, "flavour", MAX_TEXT)?.filter(|f| !f.is_empty());
        let allowance = coins(&m, "allowance")?.unwrap_or(0);
        let limit = coins(&m, "limit")?.unwrap_or(0);
        let mut st = self.lock();
        let u = st.unit_of(unit, c)?;
        let (unit_id, org_id) = (u.id.clone(), u.org_id.clone());
        check_product_type(&product_type, flavour.as_deref())?;
        unused(
            st.products
                .values()
                .any(|p| p.unit_id == unit_id && p.name == name),
            || format!("A product named '{name}' already exists in unit {unit_id}"),
        )?;
        room(st.products.len(), MAX_PRODUCTS, "products")?;
        let id = insert_new(&mut st.products, "product", |id| Product {
            id,
            unit_id: unit_id.clone(),
            name,
            product_type,
            flavour,
            allowance,
            limit,
            created: now_text(),
            used: 0.0,
        });
        st.record(
            &c.name,
            "CREATE_PRODUCT",
            ActionIds {
                org: Some(org_id),
                ..ActionIds::product(unit_id, id.clone())
            },
        );
        created(&id)
    }

    fn alter_product(&self, c: &Caller, id: &str, r: &Req<'_>) -> Answer {
        let m = r.object()?;
        let name = opt_name(&m)?;
        let allowance = coins(&m, "allowance")?;
        let limit = coins(&m, "limit")?;
        let mut st = self.lock();
        let p = st.product_mut(id, c)?;
        if let Some(n) = name {
            p.name = n;
        }
        if let Some(a) = allowance {
            p.allowance = a;
        }
        if let Some(l) = limit {
            p.limit = l;
        }
        let unit = p.unit_id.clone();
        st.record(&c.name, "ALTER_PRODUCT", ActionIds::product(unit, id));
        let p = st
            .products
            .get(id)
            .ok_or_else(|| not_found("Product", id))?;
        ok(product_json(&st, p, c))
    }

    fn delete_product(&self, c: &Caller, id: &str) -> Answer {
        let mut st = self.lock();
        let unit = st.product_of(id, c)?.unit_id.clone();
        st.products.remove(id);
        st.charges.retain(|ch| ch.product_id != id);
        st.assets
            .retain(|_, a| !(a.scope == "PRODUCT" && a.scope_id == id));
        st.record(&c.name, "DELETE_PRODUCT", ActionIds::product(unit, id));
        no_content()
    }

    // ------------------------------------------------------------- units

    fn get_units(&self, c: &Caller, r: &Req<'_>) -> Answer {
        let name = r.query("name").filter(|n| !n.is_empty());
        let st = self.lock();
        let groups: Vec<Value> = st
            .orgs
            .values()
            .filter_map(|o| {
                let units: Vec<Value> = st
                    .units
                    .values()
                    .filter(|u| u.org_id == o.id && can_use_unit(&st, u, c))
                    .filter(|u| name.is_none_or(|n| u.name == n))
                    .map(|u| unit_json(u, c))
                    .collect();
                (!units.is_empty()).then(|| {
                    json!({"organisation": org_json(o, c), "count": units.len(), "units": units})
                })
            })
            .collect();
        ok(json!({ "units": groups }))
    }

    fn get_organisation_units(&self, c: &Caller, id: &str) -> Answer {
        let st = self.lock();
        let o = st.read_org(id, c)?;
        let units: Vec<Value> = st
            .units
            .values()
            .filter(|u| u.org_id == o.id && can_use_unit(&st, u, c))
            .map(|u| unit_json(u, c))
            .collect();
        ok(json!({"organisation": org_json(o, c), "count": units.len(), "units": units}))
    }

    fn create_unit(&self, c: &Caller, org: &str, r: &Req<'_>) -> Answer {
        let m = r.object()?;
        let name = req_name(&m, "name")?;
        let day = billing_day(&m)?;
        let mut st = self.lock();
        let o = st.write_org(org, c)?;
        if o.id == DEFAULT_ORG_ID {
            return Err(bad(
                "Units of the default organisation are personal units (PUT /personal-unit)",
            ));
        }
        let (org_id, privacy) = (
            o.id.clone(),
            if o.privacy.starts_with("ALWAYS_") {
                o.privacy.clone()
            } else {
                "DEFAULT_PRIVATE".to_owned()
            },
        );
        unused(
            st.units
                .values()
                .any(|u| u.org_id == org_id && u.name == name),
            || format!("A unit named '{name}' already exists in organisation {org_id}"),
        )?;
        room(st.units.len(), MAX_UNITS, "units")?;
        let id = insert_new(&mut st.units, "unit", |id| Unit {
            id,
            org_id: org_id.clone(),
            name,
            owner: c.name.clone(),
            billing_day: day,
            privacy,
            personal: false,
            created: now_text(),
            members: [c.name.clone()].into_iter().collect(),
        });
        st.record(&c.name, "CREATE_UNIT", ActionIds::unit(org_id, id.clone()));
        created(&id)
    }

    fn alter_unit(&self, c: &Caller, id: &str, r: &Req<'_>) -> Answer {
        let m = r.object()?;
        let name = opt_name(&m)?;
        let privacy = privacy(&m)?;
        let mut st = self.lock();
        let u = st.unit_of(id, c)?;
        let org_privacy = st
            .orgs
            .get(&u.org_id)
            .map(|o| o.privacy.clone())
            .unwrap_or_default();
        // An ALWAYS_* organisation fixes its units' privacy [INF].
        if let Some(p) = &privacy {
            if org_privacy.starts_with("ALWAYS_") && *p != org_privacy {
                return Err(bad(format!(
                    "The organisation's default product privacy is {org_privacy}"
                )));
            }
        }
        let u = st.units.get_mut(id).ok_or_else(|| not_found("Unit", id))?;
        if let Some(n) = name {
            u.name = n;
        }
        if let Some(p) = privacy {
            u.privacy = p;
        }
        let org = u.org_id.clone();
        st.record(&c.name, "ALTER_UNIT", ActionIds::unit(org, id));
        let u = st.units.get(id).ok_or_else(|| not_found("Unit", id))?;
        ok(unit_json(u, c))
    }

    fn delete_unit(&self, c: &Caller, id: &str) -> Answer {
        let mut st = self.lock();
        let org = st.unit_of(id, c)?.org_id.clone();
        remove_unit(&mut st, id)?;
        st.record(&c.name, "DELETE_UNIT", ActionIds::unit(org, id));
        no_content()
    }

    fn add_user_to_unit(&self, c: &Caller, id: &str, user: &str) -> Answer {
        username(user)?;
        let mut st = self.lock();
        let u = st.unit_mut(id, c)?;
        if !add_member(&mut u.members, user)? {
            return member_added(false);
        }
        let org = u.org_id.clone();
        st.record(&c.name, "ADD_UNIT_USER", ActionIds::unit(org, id));
        member_added(true)
    }

    fn remove_user_from_unit(&self, c: &Caller, id: &str, user: &str) -> Answer {
        let mut st = self.lock();
        let u = st.unit_mut(id, c)?;
        remove_member(&mut u.members, &u.owner, user, "unit", id)?;
        st.record(
            &c.name,
            "REMOVE_UNIT_USER",
            ActionIds {
                unit: Some(id.to_owned()),
                ..ActionIds::default()
            },
        );
        no_content()
    }

    fn create_personal_unit(&self, c: &Caller, r: &Req<'_>) -> Answer {
        let m = r.object()?;
        let day = billing_day(&m)?;
        let mut st = self.lock();
        if personal(&st, c).is_some() {
            return Err(conflict("You already have a personal unit"));
        }
        room(st.units.len(), MAX_UNITS, "units")?;
        let id = insert_new(&mut st.units, "unit", |id| Unit {
            id,
            org_id: DEFAULT_ORG_ID.into(),
            name: c.name.clone(),
            owner: c.name.clone(),
            billing_day: day,
            privacy: "ALWAYS_PRIVATE".into(),
            personal: true,
            created: now_text(),
            members: [c.name.clone()].into_iter().collect(),
        });
        st.record(
            &c.name,
            "CREATE_PERSONAL_UNIT",
            ActionIds::unit(DEFAULT_ORG_ID, id.clone()),
        );
        created(&id)
    }

    fn delete_personal_unit(&self, c: &Caller) -> Answer {
        let mut st = self.lock();
        let id = st.personal_of(c)?.id.clone();
        remove_unit(&mut st, &id)?;
        st.record(
            &c.name,
            "DELETE_PERSONAL_UNIT",
            ActionIds::unit(DEFAULT_ORG_ID, id),
        );
        no_content()
    }

    // ----------------------------------------------------- organisations

    fn get_organisations(&self, c: &Caller, r: &Req<'_>) -> Answer {
        let name = r.query("name").filter(|n| !n.is_empty());
        let st = self.lock();
        let orgs: Vec<Value> = st
            .orgs
            .values()
            .filter(|o| is_org_member(o, c) || o.id == DEFAULT_ORG_ID)
            .filter(|o| name.is_none_or(|n| o.name == n))
            .map(|o| org_json(o, c))
            .collect();
        ok(json!({"count": orgs.len(), "organisations": orgs}))
    }

    fn create_organisation(&self, c: &Caller, r: &Req<'_>) -> Answer {
        c.require_admin("create an organisation")?;
        let m = r.object()?;
        let name = req_name(&m, "name")?;
        let owner = req_name(&m, "owner")?;
        username(&owner)?;
        let mut st = self.lock();
        if st.orgs.values().any(|o| o.name == name) {
            return Err(conflict(format!(
                "An organisation named '{name}' already exists"
            )));
        }
        room(st.orgs.len(), MAX_ORGANISATIONS, "organisations")?;
        let id = insert_new(&mut st.orgs, "org", |id| Org {
            id,
            name,
            owner: owner.clone(),
            privacy: "DEFAULT_PRIVATE".into(),
            created: now_text(),
            members: [owner].into_iter().collect(),
        });
        st.record(&c.name, "CREATE_ORGANISATION", ActionIds::org(id.clone()));
        created(&id)
    }

    fn alter_organisation(&self, c: &Caller, id: &str, r: &Req<'_>) -> Answer {
        let m = r.object()?;
        let name = opt_name(&m)?;
        let privacy = privacy(&m)?;
        let mut st = self.lock();
        st.write_org(id, c)?;
        if let Some(n) = &name {
            if st.orgs.values().any(|o| o.name == *n && o.id != id) {
                return Err(conflict(format!(
                    "An organisation named '{n}' already exists"
                )));
            }
        }
        let o = st
            .orgs
            .get_mut(id)
            .ok_or_else(|| not_found("Organisation", id))?;
        if let Some(n) = name {
            o.name = n;
        }
        if let Some(p) = privacy {
            o.privacy = p;
        }
        st.record(&c.name, "ALTER_ORGANISATION", ActionIds::org(id));
        ok(org_json(st.org_of(id)?, c))
    }

    fn delete_organisation(&self, c: &Caller, id: &str) -> Answer {
        let mut st = self.lock();
        st.org_of(id)?;
        c.require_admin("delete an organisation")?;
        if id == DEFAULT_ORG_ID {
            return Err(bad("The default organisation cannot be deleted"));
        }
        if st.units.values().any(|u| u.org_id == id) {
            return Err(bad(format!("Organisation {id} has units")));
        }
        st.orgs.remove(id);
        st.assets
            .retain(|_, a| !(a.scope == "ORGANISATION" && a.scope_id == id));
        st.record(&c.name, "DELETE_ORGANISATION", ActionIds::org(id));
        no_content()
    }

    fn add_user_to_org(&self, c: &Caller, id: &str, user: &str) -> Answer {
        username(user)?;
        let mut st = self.lock();
        let o = st.org_mut(id, c)?;
        if !add_member(&mut o.members, user)? {
            return member_added(false);
        }
        st.record(&c.name, "ADD_ORGANISATION_USER", ActionIds::org(id));
        member_added(true)
    }

    fn remove_user_from_org(&self, c: &Caller, id: &str, user: &str) -> Answer {
        let mut st = self.lock();
        let o = st.org_mut(id, c)?;
        remove_member(&mut o.members, &o.owner, user, "organisation", id)?;
        st.record(&c.name, "REMOVE_ORGANISATION_USER", ActionIds::org(id));
        no_content()
    }

    // ----------------------------------------------------------- charges

    fn charges(&self, name: &str, c: &Caller, id: &str, r: &Req<'_>) -> Answer {
        let st = self.lock();
        let mut v = match name {
            "get_product_charges" => {
                let p = st
                    .products
                    .get(id)
                    .ok_or_else(|| not_found("Product", id))?;
                c.require_admin("get charges")?;
                let day = st.units.get(&p.unit_id).map_or(1, |u| u.billing_day);
                let (from, until) = window(r, day)?;
                let mut v = charges_json(&st, from, until, |x| x.id == p.id);
                v["product_id"] = json!(p.id);
                v["product_type"] = json!(p.product_type);
                v["billing_day"] = json!(day);
                v
            }
            "get_unit_charges" => {
                let u = st.units.get(id).ok_or_else(|| not_found("Unit", id))?;
                c.require_admin("get charges")?;
                let (from, until) = window(r, u.billing_day)?;
                let mut v = charges_json(&st, from, until, |x| x.unit_id == u.id);
                v["unit_id"] = json!(u.id);
                v["name"] = json!(u.name);
                v["billing_day"] = json!(u.billing_day);
                v
            }
            "get_organisation_charges" => {
                let o = st.org_of(id)?;
                c.require_admin("get charges")?;
                let (from, until) = window(r, 1)?;
                let mut v = charges_json(&st, from, until, |x| {
                    st.units.get(&x.unit_id).is_some_and(|u| u.org_id == o.id)
                });
                v["organisation_id"] = json!(o.id);
                v["name"] = json!(o.name);
                v
            }
            _ => {
                c.require_admin("get charges")?;
                let (from, until) = window(r, 1)?;
                charges_json(&st, from, until, |_| true)
            }
        };
        v["currency"] = json!("COIN");
        ok(v)
    }

    // ------------------------------------------------------------ assets

    fn get_assets(&self, c: &Caller, r: &Req<'_>) -> Answer {
        let filters: Vec<(&str, &str)> = [
            ("user_id", "USER"),
            ("product_id", "PRODUCT"),
            ("unit_id", "UNIT"),
            ("org_id", "ORGANISATION"),
        ]
        .into_iter()
        .filter_map(|(k, scope)| r.query(k).filter(|v| !v.is_empty()).map(|v| (scope, v)))
        .collect();
        if filters.len() > 1 {
            return Err(bad(
                "Use at most one of user_id, product_id, unit_id and org_id",
            ));
        }
        let st = self.lock();
        if let Some((scope, id)) = filters.first() {
            st.scope_access(scope, id, c, false)?;
        }
        let assets: Vec<Value> = st
            .assets
            .values()
            .filter(|a| match filters.first() {
                Some((scope, id)) => a.scope == *scope && a.scope_id == *id,
                None => st.visible_asset(a, c),
            })
            .map(asset_json)
            .collect();
        ok(json!({"count": assets.len(), "assets": assets}))
    }

    fn create_asset(&self, c: &Caller, r: &Req<'_>) -> Answer {
        let name = r
            .field("name")?
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| bad("'name' is a required property"))?;
        if name.chars().count() > MAX_TEXT {
            return Err(bad("'name' is too long"));
        }
        let scope = r
            .field("scope")?
            .ok_or_else(|| bad("'scope' is a required property"))?;
        if !SCOPES.contains(&scope.as_str()) {
            return Err(bad(format!("'{scope}' is not one of {SCOPES:?} - 'scope'")));
        }
        let secret = match r.field("secret")?.as_deref() {
            None | Some("False") | Some("false") => false,
            Some("True") | Some("true") => true,
            Some(v) => return Err(bad(format!("'{v}' is not a boolean - 'secret'"))),
        };
        let description = r.field("description")?.unwrap_or_default();
        if description.chars().count() > MAX_DESCRIPTION {
            return Err(bad("'description' is too long"));
        }
        let scope_id = r.field("scope_id")?.filter(|s| !s.is_empty());
        let scope_id = match (scope.as_str(), scope_id) {
            ("USER", None) => c.name.clone(),
            ("GLOBAL", None) => String::new(),
            ("GLOBAL", Some(_)) => return Err(bad("A GLOBAL asset has no scope_id")),
            (_, Some(s)) => s,
            (s, None) => return Err(bad(format!("A {s} asset needs a scope_id"))),
        };
        let (content, filename) =
            content(r)?.ok_or_else(|| bad("Provide one of content_string and content_file"))?;
        let mut st = self.lock();
        st.scope_access(&scope, &scope_id, c, true)?;
        unused(
            st.assets
                .values()
                .any(|a| a.name == name && a.scope == scope && a.scope_id == scope_id),
            || format!("An asset named '{name}' already exists in that scope"),
        )?;
        room(st.assets.len(), MAX_ASSETS, "assets")?;
        let id = insert_new(&mut st.assets, "asset", |id| Asset {
            id,
            name,
            scope,
            scope_id,
            secret,
            disabled: false,
            description,
            content,
            filename,
            creator: c.name.clone(),
            created: now_text(),
            merchants: BTreeSet::new(),
        });
        st.record(&c.name, "CREATE_ASSET", ActionIds::default());
        created(&id)
    }

    fn alter_asset(&self, c: &Caller, id: &str, r: &Req<'_>) -> Answer {
        let description = r.field("description")?.filter(|d| !d.is_empty());
        if description
            .as_deref()
            .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION)
        {
            return Err(bad("'description' is too long"));
        }
        let new_content = content(r)?;
        let mut st = self.lock();
        let a = st.asset_mut(id, c)?;
        if let Some(d) = description {
            a.description = d;
        }
        if let Some((bytes, filename)) = new_content {
            a.content = bytes;
            a.filename = filename;
        }
        let v = asset_json(a);
        st.record(&c.name, "ALTER_ASSET", ActionIds::default());
        ok(v)
    }

    fn delete_asset(&self, c: &Caller, id: &str) -> Answer {
        let mut st = self.lock();
        st.asset_of(id, c, true)?;
        st.assets.remove(id);
        st.record(&c.name, "DELETE_ASSET", ActionIds::default());
        no_content()
    }

    fn attachment(&self, c: &Caller, id: &str, r: &Req<'_>, attach: bool) -> Answer {
        let m_id = r
            .query("m_id")
            .ok_or_else(|| bad("'m_id' is a required query parameter"))?;
        let merchant = m_id
            .parse::<u64>()
            .ok()
            .filter(|m| *m > 0)
            .ok_or_else(|| bad(format!("'{m_id}' is not a valid merchant id - 'm_id'")))?;
        let mut st = self.lock();
        st.asset_of(id, c, true)?;
        if !st.merchants.contains_key(&merchant) {
            return Err(not_found("Merchant", m_id));
        }
        let a = st
            .assets
            .get_mut(id)
            .ok_or_else(|| not_found("Asset", id))?;
        if attach {
            if !a.merchants.insert(merchant) {
                return Err(conflict(format!(
                    "Asset {id} is already attached to merchant {merchant}"
                )));
            }
        } else if !a.merchants.remove(&merchant) {
            return Err(bad(format!(
                "Asset {id} is not attached to merchant {merchant}"
            )));
        }
        st.record(
            &c.name,
            if attach {
                "ATTACH_ASSET"
            } else {
                "DETACH_ASSET"
            },
            ActionIds {
                merchant: Some(merchant),
                ..ActionIds::default()
            },
        );
        no_content()
    }

    fn enable_asset(&self, c: &Caller, id: &str, enable: bool) -> Answer {
        let mut st = self.lock();
        let a = st.asset_mut(id, c)?;
        a.disabled = !enable;
        st.record(
            &c.name,
            if enable {
                "ENABLE_ASSET"
            } else {
                "DISABLE_ASSET"
            },
            ActionIds::default(),
        );
        no_content()
    }

    // ----------------------------------------------------------- actions

    fn get_actions(&self, c: &Caller, r: &Req<'_>) -> Answer {
        let format = r
            .query("format")
            .ok_or_else(|| bad("'format' is a required query parameter"))?;
        if !["JSON_STRING", "PROTOCOL_STRING"].contains(&format) {
            return Err(bad(format!(
                "'{format}' is not one of ['JSON_STRING', 'PROTOCOL_STRING'] - 'format'"
            )));
        }
        let from = r
            .query("from")
            .filter(|v| !v.is_empty())
            .map(|v| parse_date("from", v))
            .transpose()?;
        let until = r
            .query("until")
            .filter(|v| !v.is_empty())
            .map(|v| parse_date("until", v))
            .transpose()?;
        let m_id = r
            .query("m_id")
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| bad(format!("'{v}' is not a valid merchant id - 'm_id'")))
            })
            .transpose()?;
        let st = self.lock();
        let same = |want: Option<&str>, have: &Option<String>| -> bool {
            want.is_none_or(|w| have.as_deref() == Some(w))
        };
        let actions: Vec<Value> = st
            .actions
            .iter()
            .filter(|a| c.admin || a.username == c.name)
            .filter(|a| from.is_none_or(|f| a.at.date() >= f))
            .filter(|a| until.is_none_or(|u| a.at.date() < u))
            .filter(|a| m_id.is_none_or(|m| a.merchant_id == Some(m)))
            .filter(|a| same(r.query("product_id"), &a.product_id))
            .filter(|a| same(r.query("unit_id"), &a.unit_id))
            .filter(|a| same(r.query("org_id"), &a.org_id))
            .map(|a| action_json(a, format))
            .collect();
        ok(json!({"count": actions.len(), "format": format, "actions": actions}))
    }
}

/// The caller's personal unit.
fn personal<'s>(st: &'s State, c: &Caller) -> Option<&'s Unit> {
    st.units.values().find(|u| u.personal && u.owner == c.name)
}

/// Removes a unit that has no products (and its assets).
fn remove_unit(st: &mut State, id: &str) -> Result<(), Fail> {
    if st.products.values().any(|p| p.unit_id == id) {
        return Err(bad(format!("Unit {id} has products")));
    }
    st.units.remove(id);
    st.assets
        .retain(|_, a| !(a.scope == "UNIT" && a.scope_id == id));
    Ok(())
}

fn users_json(members: &BTreeSet<String>) -> Value {
    let users: Vec<Value> = members.iter().map(|u| json!({ "username": u })).collect();
    json!({"count": users.len(), "users": users})
}

/// An asset's new content: the `content_string` field or the
/// `content_file` part (one, not both); `None` when neither is given.
fn content(r: &Req<'_>) -> Result<Option<(Bytes, Option<String>)>, Fail> {
    let string = r.field("content_string")?.filter(|s| !s.is_empty());
    let file = r.file();
    let out = match (string, file) {
        (Some(_), Some(_)) => return Err(bad("Provide content_string or content_file, not both")),
        (Some(s), None) => Some((Bytes::from(s.into_bytes()), None)),
        (None, Some(f)) => Some((f.data.clone(), f.filename.clone())),
        (None, None) => None,
    };
    if out.as_ref().is_some_and(|(b, _)| b.len() > MAX_ASSET_BYTES) {
        return Err(bad(format!(
            "Asset content is larger than {MAX_ASSET_BYTES} bytes"
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billing_periods() {
        let d = |y, m, day| Date::from_calendar_date(y, m, day).unwrap();
        assert_eq!(
            period(d(2024, Month::March, 10), 1, 0),
            (d(2024, Month::March, 1), d(2024, Month::April, 1))
        );
        assert_eq!(
            period(d(2024, Month::March, 10), 15, 0),
            (d(2024, Month::February, 15), d(2024, Month::March, 15))
        );
        assert_eq!(
            period(d(2024, Month::January, 10), 15, 1),
            (d(2023, Month::November, 15), d(2023, Month::December, 15))
        );
        assert_eq!(
            period(d(2024, Month::December, 20), 15, 0),
            (d(2024, Month::December, 15), d(2025, Month::January, 15))
        );
    }

    #[test]
    fn operations() {
        assert_eq!(
            operation(&Method::GET, &["version"]).map(|o| o.0),
            Some("get_version")
        );
        assert_eq!(
            operation(&Method::PUT, &["personal-unit"]).map(|o| o.0),
            Some("create_personal_unit")
        );
        assert_eq!(
            operation(&Method::POST, &["product", "unit", "u"]).map(|o| o.0),
            Some("create_product")
        );
        assert_eq!(operation(&Method::POST, &["version"]), Some(("", "GET")));
        assert_eq!(operation(&Method::GET, &["nope"]), None);
        assert!(check_product_type(PROJECT_TIER, Some("GOLD")).is_ok());
        assert!(check_product_type(PROJECT_TIER, None).is_err());
        assert!(check_product_type(STORAGE_SUBSCRIPTION, None).is_ok());
        assert!(check_product_type("OTHER", None).is_err());
    }
}
