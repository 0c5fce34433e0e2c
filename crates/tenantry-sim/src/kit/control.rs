//! The control plane every [`SimServer`](crate::SimServer) answers under
//! `/_sim/`: health, reset, journal, faults and seed.
//!
//! Control requests are not journaled and no fault applies to them, so a
//! fault on every path can still be listed and removed.

use std::fmt;
use std::time::UNIX_EPOCH;

use axum::body::Body;
use http::{header, HeaderValue, Method, Response, StatusCode};
use serde_json::{json, Value};

use super::fault::FaultRule;
use super::journal::JournalEntry;
use super::server::Kit;

/// The simulator state behind a server's `POST /_sim/reset` and
/// `POST /_sim/seed` (see [`SimOptions::control`](crate::SimOptions::control)).
///
/// The simulators implement it: [`CasSim`](crate::CasSim),
/// [`KeystoneSim`](crate::KeystoneSim), [`KeycloakSim`](crate::KeycloakSim).
pub trait SimControl: Send + Sync + fmt::Debug + 'static {
    /// The service's key in a seed file (`"cas"`, `"keystone"`, ...).
    fn service(&self) -> &'static str;

    /// Put every piece of state back to the built-in seed. Clones of the
    /// simulator (the in-process handles) see the same state.
    fn reset(&self);

    /// Add what this service's section of a seed file describes. The error
    /// names the field that is wrong; on an error nothing was changed.
    fn load_seed(&self, section: &Value) -> Result<(), String>;
}

/// A control-plane request, recognised from method and path alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ControlRoute {
    Health,
    Reset,
    JournalGet,
    JournalDelete,
    FaultsGet,
    FaultsPost,
    FaultsDelete,
    FaultDelete(u64),
    Seed,
    /// A control path with a method it does not take.
    WrongMethod(&'static str),
}

/// The control route for this request, if it is one (other `/_sim/` paths,
/// such as a simulator's own `/_sim/whoami`, go to the router).
pub(crate) fn route(method: &Method, path: &str) -> Option<ControlRoute> {
    let rest = path.strip_prefix("/_sim/")?;
    let m = method.as_str();
    Some(match rest {
        "health" => match m {
            "GET" | "HEAD" => ControlRoute::Health,
            _ => ControlRoute::WrongMethod("GET, HEAD"),
        },
        "reset" => match m {
            "POST" => ControlRoute::Reset,
            _ => ControlRoute::WrongMethod("POST"),
        },
        "journal" => match m {
            "GET" => ControlRoute::JournalGet,
            "DELETE" => ControlRoute::JournalDelete,
            _ => ControlRoute::WrongMethod("GET, DELETE"),
        },
        "faults" => match m {
            "GET" => ControlRoute::FaultsGet,
            "POST" => ControlRoute::FaultsPost,
            "DELETE" => ControlRoute::FaultsDelete,
            _ => ControlRoute::WrongMethod("GET, POST, DELETE"),
        },
        "seed" => match m {
            "POST" => ControlRoute::Seed,
            _ => ControlRoute::WrongMethod("POST"),
        },
        _ => {
            let id = rest.strip_prefix("faults/")?;
            // Not a number: not ours (a 404 from the router).
            let id = id.parse::<u64>().ok()?;
            match m {
                "DELETE" => ControlRoute::FaultDelete(id),
                _ => ControlRoute::WrongMethod("DELETE"),
            }
        }
    })
}

fn json(status: StatusCode, value: &Value) -> Response<Body> {
    let mut resp = Response::new(Body::from(value.to_string()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

fn error(status: StatusCode, message: impl Into<String>) -> Response<Body> {
    json(status, &json!({ "error": message.into() }))
}

fn no_content() -> Response<Body> {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    resp
}

/// The largest journal page.
const MAX_PAGE: usize = 1000;
/// The journal page size when `limit` is not given.
const DEFAULT_PAGE: usize = 100;

pub(crate) fn run(
    kit: &Kit,
    route: ControlRoute,
    query: Option<&str>,
    body: &[u8],
) -> Response<Body> {
    match route {
        ControlRoute::Health => json(
            StatusCode::OK,
            &json!({
                "status": "ok",
                "service": kit.shared.control.as_ref().map(|c| c.service()),
                "connections": kit.shared.conns.len(),
                "journal_entries": kit.journal.len(),
                "faults": kit.faults.rules().len(),
            }),
        ),
        ControlRoute::Reset => reset(kit),
        ControlRoute::JournalGet => journal_page(kit, query),
        ControlRoute::JournalDelete => {
            kit.journal.clear();
            no_content()
        }
        ControlRoute::FaultsGet => {
            let rules: Vec<Value> = kit.faults.rules().iter().map(FaultRule::to_json).collect();
            json(StatusCode::OK, &json!({ "faults": rules }))
        }
        ControlRoute::FaultsPost => {
            let value: Value = match serde_json::from_slice(body) {
                Ok(v) => v,
                Err(e) => return error(StatusCode::BAD_REQUEST, format!("not JSON: {e}")),
            };
            match FaultRule::from_json(&value) {
                Ok(rule) => {
                    let id = kit.faults.add(rule);
                    let added = kit
                        .faults
                        .rules()
                        .into_iter()
                        .find(|r| r.id() == id)
                        .map(|r| r.to_json())
                        .unwrap_or_else(|| json!({ "id": id }));
                    json(StatusCode::CREATED, &added)
                }
                Err(e) => error(StatusCode::BAD_REQUEST, e),
            }
        }
        ControlRoute::FaultsDelete => {
            kit.faults.clear();
            no_content()
        }
        ControlRoute::FaultDelete(id) => {
            if kit.faults.remove(id) {
                no_content()
            } else {
                error(StatusCode::NOT_FOUND, format!("no fault rule {id}"))
            }
        }
        ControlRoute::Seed => seed(kit, body),
        ControlRoute::WrongMethod(allow) => {
            let mut resp = error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
            resp.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
            resp
        }
    }
}

fn reset(kit: &Kit) -> Response<Body> {
    let Some(control) = &kit.shared.control else {
        return error(
            StatusCode::NOT_IMPLEMENTED,
            "this server has no simulator state to reset",
        );
    };
    control.reset();
    let seeds = kit
        .shared
        .seeds
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    for seed in &seeds {
        // Each was loaded without error before, onto the same base state.
        if let Err(e) = control.load_seed(seed) {
            tracing::warn!(error = %e, "a seed failed to load again after a reset");
        }
    }
    kit.journal.clear();
    kit.faults.clear();
    json(
        StatusCode::OK,
        &json!({ "reset": control.service(), "seeds": seeds.len() }),
    )
}

/// Load a seed file's section for this service (and keep it for resets).
pub(crate) fn load_seed_file(
    control: &dyn SimControl,
    seeds: &std::sync::Mutex<Vec<Value>>,
    doc: &Value,
) -> Result<bool, String> {
    let Some(doc) = doc.as_object() else {
        return Err("a seed is a JSON object keyed by service".to_owned());
    };
    for key in doc.keys() {
        let known = [
            "cas",
            "keystone",
            "keycloak",
            "astakos",
            "ecl-sss",
            "squonk2-as",
        ];
        if !known.contains(&key.as_str()) {
            return Err(format!("unknown service `{key}` in the seed"));
        }
    }
    let Some(section) = doc.get(control.service()) else {
        return Ok(false);
    };
    control
        .load_seed(section)
        .map_err(|e| format!("{}: {e}", control.service()))?;
    seeds
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(section.clone());
    Ok(true)
}

fn seed(kit: &Kit, body: &[u8]) -> Response<Body> {
    let Some(control) = &kit.shared.control else {
        return error(
            StatusCode::NOT_IMPLEMENTED,
            "this server has no simulator state to seed",
        );
    };
    let doc: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("not JSON: {e}")),
    };
    match load_seed_file(control.as_ref(), &kit.shared.seeds, &doc) {
        Ok(true) => json(StatusCode::OK, &json!({ "loaded": control.service() })),
        Ok(false) => error(
            StatusCode::BAD_REQUEST,
            format!("the seed has no `{}` section", control.service()),
        ),
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

fn entry_json(e: &JournalEntry) -> Value {
    let at_ms =
        e.at.duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
    json!({
        "seq": e.seq,
        "at_ms": at_ms,
        "method": e.method,
        "path": e.path,
        "query": e.query,
        "headers": e.headers,
        "body": e.body_str(),
        "body_len": e.body_len,
        "body_truncated": e.body_truncated(),
    })
}

fn journal_page(kit: &Kit, query: Option<&str>) -> Response<Body> {
    let mut method = None;
    let mut path = None;
    let mut prefix = None;
    let mut offset = 0usize;
    let mut limit = DEFAULT_PAGE;
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "method" => method = Some(v.to_ascii_uppercase()),
            "path" => path = Some(v.into_owned()),
            "path_prefix" => prefix = Some(v.into_owned()),
            "offset" => match v.parse() {
                Ok(n) => offset = n,
                Err(_) => return error(StatusCode::BAD_REQUEST, "`offset` is not a number"),
            },
            "limit" => match v.parse::<usize>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => limit = n,
                _ => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        format!("`limit` must be 1..{MAX_PAGE}"),
                    )
                }
            },
            other => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("unknown query parameter `{other}`"),
                )
            }
        }
    }
    let (total, page) = kit.journal.page(
        |e| {
            method.as_deref().is_none_or(|m| e.method == m)
                && path.as_deref().is_none_or(|p| e.path == p)
                && prefix.as_deref().is_none_or(|p| e.path.starts_with(p))
        },
        offset,
        limit,
    );
    let entries: Vec<Value> = page.iter().map(entry_json).collect();
    json(
        StatusCode::OK,
        &json!({
            "total": total,
            "offset": offset,
            "limit": limit,
            "dropped": kit.journal.dropped(),
            "entries": entries,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(
            route(&Method::GET, "/_sim/health"),
            Some(ControlRoute::Health)
        );
        assert_eq!(
            route(&Method::DELETE, "/_sim/faults/7"),
            Some(ControlRoute::FaultDelete(7))
        );
        assert_eq!(
            route(&Method::PUT, "/_sim/journal"),
            Some(ControlRoute::WrongMethod("GET, DELETE"))
        );
        assert_eq!(route(&Method::GET, "/_sim/whoami"), None);
        assert_eq!(route(&Method::GET, "/_sim/faults/x"), None);
        assert_eq!(route(&Method::GET, "/health"), None);
    }
}
