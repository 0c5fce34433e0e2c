//! The HTTP layer: one dispatcher that matches paths the way Synnefo's URL
//! patterns do (optional trailing slash, `\d+` serials and membership ids,
//! 400 `API endpoint not found` under the account prefix, 405 with `Allow`
//! for a wrong method), checks the token kind, and renders answers.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::extract::State as AxState;
use axum::response::Response;
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use serde_json::{json, Value};

use super::pyjson;
use super::state::{iso, AccessToken, Answer, Caller, Fault, State, User};
use super::{AstakosSim, Feedback, ACCOUNT_PREFIX, AUTH_PATH, OAUTH2_PREFIX, UI_PREFIX};
use crate::kit::{form_map, random_token, request_origin, with_type};

/// A JSON answer as the real server writes it (`json.dumps`: ASCII only,
/// `application/json; charset=UTF-8`).
fn json_resp(status: StatusCode, value: &Value) -> Response {
    with_type(
        status,
        pyjson::dumps(value),
        "application/json; charset=UTF-8",
    )
}

/// The simulator state, or the 500 the real server's `api_method` gives
/// for an unexpected error (here: a lock poisoned by an earlier panic,
/// which is reported, never recovered from).
macro_rules! state {
    ($sim:expr) => {
        match $sim.try_lock() {
            Some(g) => g,
            None => return poisoned(),
        }
    };
}

fn poisoned() -> Response {
    fault_response(Fault::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Unexpected error: the simulator state was poisoned by an earlier panic",
    ))
}

/// OAuth2 access-token lifetime.
const ACCESS_TOKEN_TTL: Duration = Duration::from_secs(3600);

pub(super) fn router(sim: AstakosSim) -> Router {
    Router::new().fallback(dispatch).with_state(sim)
}

/// The token kind a route needs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    Nothing,
    User,
    Service,
}

/// A matched route.
enum Route {
    Tokens,
    ValidateToken(String),
    OAuth2Token,
    OAuth2Auth,
    GetServices,
    UserCatalogs,
    ServiceUserCatalogs,
    Resources,
    Feedback,
    Quotas,
    ServiceQuotas,
    ServiceProjectQuotas,
    Commissions,
    CommissionsAction,
    Commission(String),
    CommissionAction(String),
    Projects,
    Memberships,
    Membership(String),
    MembershipAction(String),
    Project(String),
    ProjectAction(String),
}

impl Route {
    fn methods(&self) -> &'static [Method] {
        use Route::*;
        match self {
            Tokens | OAuth2Token | UserCatalogs | ServiceUserCatalogs | Feedback
            | CommissionsAction | CommissionAction(_) | MembershipAction(_) | ProjectAction(_) => {
                &[Method::POST]
            }
            Commissions | Projects | Memberships => &[Method::GET, Method::POST],
            Project(_) => &[Method::GET, Method::PUT],
            _ => &[Method::GET],
        }
    }

    fn need(&self) -> Need {
        use Route::*;
        match self {
            Tokens | ValidateToken(_) | OAuth2Token | OAuth2Auth | GetServices | Resources => {
                Need::Nothing
            }
            ServiceUserCatalogs | ServiceQuotas | ServiceProjectQuotas | Commissions
            | CommissionsAction | Commission(_) | CommissionAction(_) => Need::Service,
            _ => Need::User,
        }
    }

    /// Routes whose POST/PUT body goes through `get_json_body` (content
    /// type checked, JSON parsed) before the view sees it.
    fn takes_json(&self) -> bool {
        use Route::*;
        matches!(
            self,
            Commissions
                | CommissionsAction
                | CommissionAction(_)
                | Projects
                | Project(_)
                | ProjectAction(_)
                | Memberships
                | MembershipAction(_)
        )
    }
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `Ok(route)`, or `Err(true)` for an unmatched path under the account or
/// identity prefix (400) and `Err(false)` for any other unmatched path
/// (404).
fn match_route(path: &str) -> Result<Route, bool> {
    let tokens = format!("{AUTH_PATH}/tokens");
    if path == tokens || path == format!("{tokens}/") {
        return Ok(Route::Tokens);
    }
    if let Some(id) = path.strip_prefix(&format!("{tokens}/")) {
        // `tokens/(?P<token_id>.+?)/?$`: a trailing slash is not part of
        // the id.
        let id = id.strip_suffix('/').unwrap_or(id);
        if !id.is_empty() {
            return Ok(Route::ValidateToken(id.to_owned()));
        }
    }
    // Everything else under the identity prefix hits the catch-all
    // `api_endpoint_not_found` (400), as under the account prefix.
    if path.starts_with(&format!("{AUTH_PATH}/")) || path == AUTH_PATH {
        return Err(true);
    }
    let trimmed = if path.len() > 1 {
        path.strip_suffix('/').unwrap_or(path)
    } else {
        path
    };
    let oauth = OAUTH2_PREFIX.trim_end_matches('/');
    if trimmed == format!("{oauth}/token") {
        return Ok(Route::OAuth2Token);
    }
    if trimmed == format!("{oauth}/auth") {
        return Ok(Route::OAuth2Auth);
    }
    if trimmed == format!("{UI_PREFIX}/get_services") {
        return Ok(Route::GetServices);
    }
    let Some(rest) = trimmed.strip_prefix(&format!("{ACCOUNT_PREFIX}/")) else {
        return Err(trimmed == ACCOUNT_PREFIX);
    };
    let seg: Vec<&str> = rest.split('/').collect();
    let route = match seg.as_slice() {
        ["user_catalogs"] => Route::UserCatalogs,
        ["service", "user_catalogs"] => Route::ServiceUserCatalogs,
        ["resources"] => Route::Resources,
        ["feedback"] => Route::Feedback,
        ["quotas"] => Route::Quotas,
        ["service_quotas"] => Route::ServiceQuotas,
        ["service_project_quotas"] => Route::ServiceProjectQuotas,
        ["commissions"] => Route::Commissions,
        ["commissions", "action"] => Route::CommissionsAction,
        ["commissions", s] if digits(s) => Route::Commission((*s).to_owned()),
        ["commissions", s, "action"] if digits(s) => Route::CommissionAction((*s).to_owned()),
        ["projects"] => Route::Projects,
        ["projects", "memberships"] => Route::Memberships,
        ["projects", "memberships", id] if digits(id) => Route::Membership((*id).to_owned()),
        ["projects", "memberships", id, "action"] if digits(id) => {
            Route::MembershipAction((*id).to_owned())
        }
        ["projects", id] if !id.is_empty() => Route::Project((*id).to_owned()),
        ["projects", id, "action"] if !id.is_empty() => Route::ProjectAction((*id).to_owned()),
        _ => return Err(true),
    };
    Ok(route)
}

fn fault_response(f: Fault) -> Response {
    match f.body {
        Some(body) => json_resp(f.status, &body),
        None => empty(f.status),
    }
}

fn empty(status: StatusCode) -> Response {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = status;
    resp
}

fn answer(status: StatusCode, a: Answer) -> Response {
    match a {
        Ok(Value::Null) => empty(status),
        Ok(v) => json_resp(status, &v),
        Err(f) => fault_response(f),
    }
}

/// `snf_django.lib.api.utils.get_json_body`: the content type must be
/// JSON and the body must parse.
fn json_body(headers: &HeaderMap, body: &Bytes) -> Result<Value, Fault> {
    let Some(ctype) = headers.get(header::CONTENT_TYPE) else {
        return Err(Fault::bad_request("Missing Content-Type header field"));
    };
    let ctype = String::from_utf8_lossy(ctype.as_bytes());
    if !ctype.starts_with("application/json") {
        return Err(Fault::bad_request(format!(
            "Unsupported Content-type: '{ctype}'"
        )));
    }
    if std::str::from_utf8(body).is_err() {
        return Err(Fault::bad_request(
            "Could not decode request as UTF-8 string",
        ));
    }
    serde_json::from_slice(body)
        .map_err(|_| Fault::bad_request("Could not decode request body as JSON"))
}

async fn dispatch(
    AxState(sim): AxState<AstakosSim>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let route = match match_route(uri.path()) {
        Ok(r) => r,
        Err(true) => {
            return fault_response(Fault::bad_request("API endpoint not found"));
        }
        Err(false) => {
            return fault_response(Fault::not_found("The requested resource was not found."));
        }
    };
    let allowed = route.methods();
    if !allowed.contains(&method) {
        let mut resp = fault_response(Fault::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not allowed",
        ));
        // `render_fault` joins the allowed methods with a bare comma.
        let allow = allowed
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(",");
        if let Ok(v) = HeaderValue::from_str(&allow) {
            resp.headers_mut().insert(header::ALLOW, v);
        }
        return resp;
    }
    let query = form_map(uri.query().unwrap_or_default().as_bytes());
    let origin = request_origin(&headers);
    let token = headers
        .get("x-auth-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut st = state!(sim);
    let need = route.need();
    if need != Need::Nothing && token.is_empty() {
        // `api_method(token_required=True)`.
        return fault_response(Fault::new(
            StatusCode::UNAUTHORIZED,
            "Access denied. No authentication token",
        ));
    }
    // `user_from_token` looks the token up among users only and
    // `component_from_token` among components only: a token of the other
    // kind is as unknown as a made-up one (401, not 403).
    let (user, service) = match (need, st.caller(&token)) {
        (Need::Nothing, _) => (None, None),
        (Need::User, Some(Caller::User(u))) => (Some(u), None),
        (Need::Service, Some(Caller::Service(s))) => (None, Some(s)),
        _ => return fault_response(Fault::new(StatusCode::UNAUTHORIZED, "Invalid X-Auth-Token")),
    };
    let json_body = if route.takes_json() && method != Method::GET {
        match json_body(&headers, &body) {
            Ok(v) => v,
            Err(f) => return fault_response(f),
        }
    } else {
        Value::Null
    };
    let q = |k: &str| query.get(k).map(String::as_str);
    let svc = service.as_deref().unwrap_or_default();
    match (route, user) {
        (Route::Tokens, _) => tokens(&mut st, &headers, &body, &origin),
        (Route::ValidateToken(id), _) => validate_token(&mut st, &id, q("belongsTo")),
        (Route::OAuth2Token, _) => oauth2_token(&mut st, &headers, &body),
        (Route::OAuth2Auth, _) => oauth2_auth(&mut st, &token, &query),
        (Route::GetServices, _) => get_services(&st, &origin, q("callback")),
        (Route::Resources, _) => json_resp(StatusCode::OK, &st.resources_json()),
        (Route::ServiceUserCatalogs, _) => answer(StatusCode::OK, st.user_catalogs(&body, true)),
        (Route::ServiceQuotas, _) => answer(
            StatusCode::OK,
            st.service_quotas(svc, q("user"), q("project")),
        ),
        (Route::ServiceProjectQuotas, _) => {
            answer(StatusCode::OK, st.service_project_quotas(svc, q("project")))
        }
        (Route::Commissions, _) if method == Method::GET => {
            json_resp(StatusCode::OK, &st.pending_commissions(svc))
        }
        (Route::Commissions, _) => {
            answer(StatusCode::CREATED, st.issue_commission(svc, &json_body))
        }
        (Route::CommissionsAction, _) => {
            answer(StatusCode::OK, st.resolve_commissions(svc, &json_body))
        }
        (Route::Commission(s), _) => match s.parse::<u64>() {
            Ok(serial) => answer(StatusCode::OK, st.commission_info(svc, serial)),
            Err(_) => empty(StatusCode::NOT_FOUND),
        },
        (Route::CommissionAction(s), _) => match s.parse::<u64>() {
            Ok(serial) => answer(
                StatusCode::OK,
                st.commission_action(svc, serial, &json_body),
            ),
            Err(_) => empty(StatusCode::NOT_FOUND),
        },
        (route, Some(u)) => user_route(
            &mut st, route, &method, &u, &json_body, &body, &headers, &query,
        ),
        (_, None) => fault_response(Fault::new(StatusCode::UNAUTHORIZED, "Invalid X-Auth-Token")),
    }
}

#[allow(clippy::too_many_arguments)]
fn user_route(
    st: &mut State,
    route: Route,
    method: &Method,
    u: &User,
    json_body: &Value,
    raw: &Bytes,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
) -> Response {
    let q = |k: &str| query.get(k).map(String::as_str);
    match route {
        Route::UserCatalogs => answer(StatusCode::OK, st.user_catalogs(raw, false)),
        Route::Quotas => json_resp(StatusCode::OK, &st.user_quotas(&u.uuid)),
        Route::Feedback => {
            // Django fills `request.POST` only for a form content type; the
            // reference client labels its form application/octet-stream,
            // which the real server sees as an empty form (400).
            let ctype = headers
                .get(header::CONTENT_TYPE)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).to_ascii_lowercase())
                .unwrap_or_default();
            let form = if ctype.starts_with("application/x-www-form-urlencoded") {
                form_map(raw)
            } else {
                HashMap::new()
            };
            // A required Django 1.x CharField: present and non-empty (not
            // stripped).
            match form.get("feedback_msg").filter(|m| !m.is_empty()) {
                Some(msg) => {
                    st.feedback.push(Feedback {
                        user: u.uuid.clone(),
                        message: msg.clone(),
                        data: form.get("feedback_data").cloned().unwrap_or_default(),
                    });
                    empty(StatusCode::OK)
                }
                None => fault_response(Fault::bad_request("Invalid data")),
            }
        }
        Route::Projects if *method == Method::GET => answer(
            StatusCode::OK,
            st.get_projects(u, q("name"), q("state"), q("owner"), q("mode")),
        ),
        Route::Projects => answer(StatusCode::CREATED, st.create_project(u, json_body)),
        Route::Project(id) if *method == Method::GET => {
            answer(StatusCode::OK, st.get_project(u, &id))
        }
        Route::Project(id) => answer(StatusCode::CREATED, st.modify_project(u, &id, json_body)),
        Route::ProjectAction(id) => answer(StatusCode::OK, st.project_action(u, &id, json_body)),
        Route::Memberships if *method == Method::GET => {
            answer(StatusCode::OK, st.get_memberships(u, q("project")))
        }
        Route::Memberships => answer(StatusCode::OK, st.post_memberships(u, json_body)),
        Route::Membership(id) => answer(
            StatusCode::OK,
            u64_id(&id).and_then(|id| st.get_membership(u, id)),
        ),
        Route::MembershipAction(id) => answer(
            StatusCode::OK,
            u64_id(&id).and_then(|id| st.membership_action(u, id, json_body)),
        ),
        _ => fault_response(Fault::bad_request("API endpoint not found")),
    }
}

fn u64_id(s: &str) -> Result<u64, Fault> {
    // The URL patterns take `\d+`; more digits than a u64 holds name no
    // membership that can exist.
    s.parse()
        .map_err(|_| Fault::not_found("This is not a valid membership request."))
}

fn catalog(origin: &str) -> Value {
    let ui = format!("{origin}{UI_PREFIX}");
    let entry = |name: &str, ty: &str, version: &str, url: String, ui_url: &str| {
        json!({
            "name": name,
            "type": ty,
            "endpoints": [{"versionId": version, "publicURL": url,
                           "SNF:uiURL": ui_url, "region": "default"}],
            "endpoints_links": [],
        })
    };
    let mut weblogin = entry(
        "astakos_weblogin",
        "astakos_weblogin",
        "",
        format!("{ui}/login"),
        &ui,
    );
    weblogin["endpoints"][0]["SNF:webloginURL"] = json!(format!("{ui}/login"));
    let cyclades_ui = format!("{origin}/_sim/cyclades/ui");
    json!([
        entry(
            "astakos_account",
            "account",
            "v1.0",
            format!("{origin}{ACCOUNT_PREFIX}"),
            &ui
        ),
        entry(
            "astakos_identity",
            "identity",
            "v2.0",
            format!("{origin}{AUTH_PATH}"),
            &ui
        ),
        weblogin,
        entry("astakos_ui", "astakos_ui", "", ui.clone(), &ui),
        entry(
            "astakos_oauth2",
            "astakos_auth",
            "",
            format!("{origin}{OAUTH2_PREFIX}"),
            &ui
        ),
        entry(
            "cyclades_compute",
            "compute",
            "v2.0",
            format!("{origin}/_sim/cyclades/compute/v2.0"),
            &cyclades_ui
        ),
        entry(
            "cyclades_network",
            "network",
            "v2.0",
            format!("{origin}/_sim/cyclades/network/v2.0"),
            &cyclades_ui
        ),
        entry(
            "pithos_object-store",
            "object-store",
            "v1",
            format!("{origin}/_sim/pithos/object-store/v1"),
            &format!("{origin}/_sim/pithos/ui")
        ),
    ])
}

fn tokens(st: &mut State, headers: &HeaderMap, body: &Bytes, origin: &str) -> Response {
    let catalog = catalog(origin);
    if body.is_empty() {
        // Public mode: the token is ignored.
        return json_resp(
            StatusCode::OK,
            &json!({"access": {"serviceCatalog": catalog}}),
        );
    }
    let req = match json_body(headers, body) {
        Ok(v) => v,
        Err(f) => return fault_response(f),
    };
    let auth = &req["auth"];
    let (uuid, token) = if let Some(t) = auth.get("token").and_then(|t| t.get("id")) {
        (None, t.clone())
    } else if let Some(p) = auth
        .get("passwordCredentials")
        .and_then(|c| c.get("password").zip(c.get("username")))
    {
        (Some(p.1.clone()), p.0.clone())
    } else {
        return fault_response(Fault::bad_request("Malformed request: missing credentials"));
    };
    if token.is_null() {
        return fault_response(Fault::bad_request("Malformed request: missing token"));
    }
    let token = token.as_str().unwrap_or_default().to_owned();
    let Some(Caller::User(user)) = st.caller(&token) else {
        return fault_response(Fault::new(StatusCode::UNAUTHORIZED, "Invalid token"));
    };
    if uuid
        .as_ref()
        .is_some_and(|u| u.as_str() != Some(user.uuid.as_str()))
    {
        return fault_response(Fault::new(StatusCode::UNAUTHORIZED, "Invalid credentials"));
    }
    if let Some(tenant) = auth["tenantName"].as_str() {
        if !tenant.is_empty() && tenant != user.uuid {
            return fault_response(Fault::bad_request("Not conforming tenantName"));
        }
    }
    let mut roles = vec![json!({"id": "1", "name": "default"})];
    if user.admin {
        roles.push(json!({"id": "2", "name": "project-admin"}));
    }
    let access = json!({"access": {
        "token": {"id": user.token, "expires": st.token_expires,
                  "tenant": {"id": user.uuid, "name": user.realname}},
        "user": {"id": user.uuid, "name": user.realname, "roles": roles,
                 "roles_links": [], "projects": st.catalog_user_projects(&user.uuid)},
        "serviceCatalog": catalog,
    }});
    json_resp(StatusCode::OK, &access)
}

fn validate_token(st: &mut State, id: &str, belongs_to: Option<&str>) -> Response {
    let now = SystemTime::now();
    // `consume_token`'s OA2Error messages.
    let Some(tok) = st.access_tokens.get(id).cloned() else {
        return fault_response(Fault::not_found("No such token"));
    };
    if tok.expires <= now {
        st.access_tokens.remove(id);
        return fault_response(Fault::not_found("Token has expired"));
    }
    if belongs_to.is_some_and(|b| !b.starts_with(&tok.scope)) {
        return fault_response(Fault::not_found(
            "The specified tenant is outside the token's scope",
        ));
    }
    let Some(user) = st.user(&tok.user).cloned() else {
        return fault_response(Fault::not_found("Invalid token"));
    };
    json_resp(
        StatusCode::OK,
        &json!({"access": {
            "token": {"id": id, "expires": iso(tok.expires),
                      "tenant": {"id": user.uuid, "name": user.realname}},
            "user": {"id": user.uuid, "name": user.realname,
                     "roles": [{"id": "1", "name": "default"}], "roles_links": []},
        }}),
    )
}

fn oauth_error(error: &str, exception: &str) -> Response {
    json_resp(
        StatusCode::BAD_REQUEST,
        &json!({"error": error, "exception": exception}),
    )
}

fn oauth2_token(st: &mut State, headers: &HeaderMap, body: &Bytes) -> Response {
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if ctype != "application/x-www-form-urlencoded" {
        return oauth_error("invalid_request", "Invalid Content-Type header");
    }
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let Some((client_id, secret)) = basic
        .as_deref()
        .and_then(|s| s.split_once(':'))
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    else {
        return oauth_error("invalid_client", "No client credentials");
    };
    let form = form_map(body);
    if !st
        .oauth_clients
        .iter()
        .any(|c| c.id == client_id && c.secret == secret)
    {
        return oauth_error("invalid_client", "Invalid client credentials");
    }
    if form.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return oauth_error("unsupported_grant_type", "Unsupported grant type");
    }
    let Some(code) = form.get("code").and_then(|c| st.codes.get(c).cloned()) else {
        return oauth_error("invalid_grant", "Invalid authorization code");
    };
    if code.client != client_id
        || form.get("redirect_uri").map(String::as_str) != Some(code.redirect_uri.as_str())
    {
        return oauth_error("invalid_grant", "Mismatching client or redirect_uri");
    }
    if let Some(c) = form.get("code") {
        st.codes.remove(c);
    }
    let token = random_token(30);
    st.access_tokens.insert(
        token.clone(),
        AccessToken {
            user: code.user,
            scope: code.scope,
            expires: SystemTime::now() + ACCESS_TOKEN_TTL,
        },
    );
    json_resp(
        StatusCode::OK,
        &json!({"access_token": token, "token_type": "Bearer",
                "expires_in": ACCESS_TOKEN_TTL.as_secs()}),
    )
}

fn oauth2_auth(st: &mut State, token: &str, query: &HashMap<String, String>) -> Response {
    let Some(Caller::User(user)) = st.caller(token) else {
        return fault_response(Fault::new(StatusCode::UNAUTHORIZED, "Login required"));
    };
    if query.get("response_type").map(String::as_str) != Some("code") {
        return oauth_error("unsupported_response_type", "Only response_type=code");
    }
    let client_id = query.get("client_id").cloned().unwrap_or_default();
    let Some(client) = st.oauth_clients.iter().find(|c| c.id == client_id).cloned() else {
        return oauth_error("invalid_client", "Unknown client");
    };
    let redirect = query
        .get("redirect_uri")
        .cloned()
        .unwrap_or_else(|| client.redirect_uri.clone());
    // The real server's rule (exact, or a path below the registered URI;
    // absolute; length-capped), not a string prefix: a registered
    // `…/ui/view` must not send the code to `…/ui/view.evil.example/…`.
    if let Err(why) =
        crate::kit::check_oauth2_redirect_uri(std::slice::from_ref(&client.redirect_uri), &redirect)
    {
        return oauth_error("invalid_request", why);
    }
    let scope = query
        .get("scope")
        .cloned()
        .unwrap_or_else(|| redirect.clone());
    let code = st.issue_code(&user.uuid, &client.id, &redirect, &scope);
    let mut location = url::Url::parse(&redirect)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| redirect.clone());
    let mut pairs = form_urlencoded::Serializer::new(String::new());
    pairs.append_pair("code", &code);
    if let Some(state) = query.get("state") {
        pairs.append_pair("state", state);
    }
    location.push(if location.contains('?') { '&' } else { '?' });
    location.push_str(&pairs.finish());
    let mut resp = with_type(StatusCode::FOUND, "", "text/html");
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// The UI's `get_services` view: a plain `HttpResponse` labelled
/// `application/json` (no charset), or JSONP (`callback(...)`, labelled
/// `application/javascript`) when `?callback=` is given.
fn get_services(st: &State, origin: &str, callback: Option<&str>) -> Response {
    let list: Vec<Value> = st
        .components
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let url = if c.name == "astakos" {
                format!("{origin}{UI_PREFIX}")
            } else {
                format!("{origin}/_sim/{}/ui", c.name)
            };
            json!({"id": i + 1, "name": c.name, "url": url,
                   "icon": format!("{origin}/static/im/images/{}.png", c.name)})
        })
        .collect();
    let data = pyjson::dumps(&Value::Array(list));
    match callback.filter(|c| !c.is_empty()) {
        Some(cb) => {
            let mut body = Vec::with_capacity(cb.len() + data.len() + 2);
            body.extend_from_slice(cb.as_bytes());
            body.push(b'(');
            body.extend_from_slice(&data);
            body.push(b')');
            with_type(StatusCode::OK, body, "application/javascript")
        }
        None => with_type(StatusCode::OK, data, "application/json"),
    }
}
