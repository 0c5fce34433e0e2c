//! The two module functions of the reference: `parse_endpoints` (catalog
//! filtering) and `get_token_from_cookie`.

use crate::error::{AstakosError, Result};
use crate::models::identity::{AuthInfo, ServiceEntry};
use tenantry_core::Secret;

/// The criteria of [`parse_endpoints`]; unset criteria match everything.
///
/// ```
/// use astakos_client::EndpointFilter;
/// let f = EndpointFilter::new().name("astakos_account").version_id("v1.0");
/// # let _ = f;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointFilter {
    name: Option<String>,
    service_type: Option<String>,
    region: Option<String>,
    version_id: Option<String>,
}

impl EndpointFilter {
    /// No criteria.
    pub fn new() -> Self {
        Self::default()
    }
    /// Keep entries whose `name` equals this (`ep_name`).
    pub fn name(mut self, v: impl Into<String>) -> Self {
        self.name = Some(v.into());
        self
    }
    /// Keep entries whose `type` equals this (`ep_type`).
    pub fn service_type(mut self, v: impl Into<String>) -> Self {
        self.service_type = Some(v.into());
        self
    }
    /// Keep only endpoints whose `region` equals this, and the entries that
    /// still have one (`ep_region`).
    pub fn region(mut self, v: impl Into<String>) -> Self {
        self.region = Some(v.into());
        self
    }
    /// Keep only endpoints whose `versionId` equals this, and the entries
    /// that still have one (`ep_version_id`).
    pub fn version_id(mut self, v: impl Into<String>) -> Self {
        self.version_id = Some(v.into());
        self
    }

    /// `No endpoints found matching, name = N, type = T, …` with every given
    /// criterion (the reference names only the first, by a precedence bug).
    fn no_endpoints(&self) -> AstakosError {
        let parts: Vec<String> = [
            ("name", &self.name),
            ("type", &self.service_type),
            ("region", &self.region),
            ("version_id", &self.version_id),
        ]
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} = {v}")))
        .collect();
        let message = if parts.is_empty() {
            "No endpoints found matching.".to_owned()
        } else {
            format!("No endpoints found matching, {}", parts.join(", "))
        };
        AstakosError::NoEndpoints { message }
    }
}

/// Filters the service catalog of an `authenticate`/`get_endpoints` answer
/// (#40 of the reference).
///
/// Entries are filtered by name and type; with a region or version filter,
/// each entry keeps only the matching endpoints and entries left without
/// endpoints are dropped. The matching entries are returned in catalog
/// order; `info` is not changed (the reference rewrites its input).
/// An entry or endpoint that lacks a key a criterion needs does not match
/// (the reference fails the whole call). Nothing left, or no catalog, is
/// [`AstakosError::NoEndpoints`].
///
/// ```
/// use astakos_client::{parse_endpoints, EndpointFilter, models::AuthInfo};
/// let info: AuthInfo = serde_json::from_str(r#"{"access": {"serviceCatalog": [
///     {"name": "astakos_account", "type": "account",
///      "endpoints": [{"publicURL": "https://a.example.org/account/v1.0",
///                     "versionId": "v1.0", "region": "default"}]}]}}"#)?;
/// let found = parse_endpoints(&info, &EndpointFilter::new().name("astakos_account"))?;
/// assert_eq!(found.len(), 1);
/// let none = parse_endpoints(&info, &EndpointFilter::new().name("cyclades"));
/// assert!(matches!(none, Err(astakos_client::AstakosError::NoEndpoints { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_endpoints(info: &AuthInfo, filter: &EndpointFilter) -> Result<Vec<ServiceEntry>> {
    let catalog = info
        .access
        .service_catalog
        .as_ref()
        .ok_or_else(|| filter.no_endpoints())?;
    let mut out: Vec<ServiceEntry> = catalog
        .iter()
        .filter(|e| match &filter.name {
            Some(n) => e.name.as_ref() == Some(n),
            None => true,
        })
        .filter(|e| match &filter.service_type {
            Some(t) => e.service_type.as_ref() == Some(t),
            None => true,
        })
        .cloned()
        .collect();
    if let Some(region) = &filter.region {
        for e in &mut out {
            e.endpoints.retain(|ep| ep.region.as_ref() == Some(region));
        }
        out.retain(|e| !e.endpoints.is_empty());
    }
    if let Some(version) = &filter.version_id {
        for e in &mut out {
            e.endpoints
                .retain(|ep| ep.version_id.as_ref() == Some(version));
        }
        out.retain(|e| !e.endpoints.is_empty());
    }
    if out.is_empty() {
        return Err(filter.no_endpoints());
    }
    Ok(out)
}

/// The user's token from an Astakos cookie (#41 of the reference).
///
/// `cookie_header` is the value of a `Cookie` request header
/// (`name=value; other=value`). The value of `cookie_name` is
/// percent-decoded (`%XX` only; `+` stays `+`), split on `|`, and the
/// second part is the token (the cookie format is `<user>|<token>`). Any
/// failure (no such cookie, no `|`, invalid UTF-8 after decoding) gives
/// `None`.
///
/// ```
/// use astakos_client::get_token_from_cookie;
/// let t = get_token_from_cookie("a=1; _pithos2_a=user%40x|tok%7Cen|extra", "_pithos2_a");
/// assert_eq!(t.as_ref().map(|s| s.expose()), Some("tok"));
/// assert!(get_token_from_cookie("a=1", "_pithos2_a").is_none());
/// ```
pub fn get_token_from_cookie(cookie_header: &str, cookie_name: &str) -> Option<Secret> {
    let raw = cookie_header.split(';').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k.trim() == cookie_name).then(|| v.trim())
    })?;
    let raw = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(raw);
    token_from_cookie_value(raw)
}

/// The token part of an Astakos cookie *value* (already extracted from the
/// header): percent-decoded, then the part after the first `|`.
///
/// ```
/// use astakos_client::token_from_cookie_value;
/// assert_eq!(token_from_cookie_value("a+b|c+d").map(|s| s.expose().to_owned()), Some("c+d".into()));
/// ```
pub fn token_from_cookie_value(value: &str) -> Option<Secret> {
    let decoded = percent_encoding::percent_decode_str(value)
        .decode_utf8()
        .ok()?;
    let token = decoded.split('|').nth(1)?;
    Some(Secret::new(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> AuthInfo {
        serde_json::from_str(
            r#"{"access": {"serviceCatalog": [
            {"name": "astakos_account", "type": "account",
             "endpoints": [{"publicURL": "https://e/account/v2", "versionId": "v2.0", "region": "default"},
                           {"publicURL": "https://e/account_prefix", "versionId": "v1.0", "region": "default",
                            "SNF:uiURL": "https://e/ui_prefix"}]},
            {"name": "astakos_oauth2", "type": "astakos_auth",
             "endpoints": [{"publicURL": "https://e/oauth2", "versionId": "", "region": "default"}]},
            {"name": "cyclades_compute", "type": "compute",
             "endpoints": [{"publicURL": "https://c/compute", "versionId": "v2.0", "region": "other"}]},
            {"type": "nameless", "endpoints": [{"versionId": "v1.0"}]}]}}"#,
        )
        .unwrap()
    }

    #[test]
    fn filters() {
        let c = catalog();
        let r = parse_endpoints(
            &c,
            &EndpointFilter::new()
                .name("astakos_account")
                .version_id("v1.0"),
        )
        .unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].endpoints.len(), 1);
        assert_eq!(
            r[0].endpoints[0].public_url.as_deref(),
            Some("https://e/account_prefix")
        );
        // Input untouched.
        assert_eq!(
            c.access.service_catalog.as_ref().unwrap()[0]
                .endpoints
                .len(),
            2
        );
        let r = parse_endpoints(&c, &EndpointFilter::new().region("default")).unwrap();
        assert_eq!(r.len(), 2);
        let r = parse_endpoints(&c, &EndpointFilter::new().service_type("compute")).unwrap();
        assert_eq!(r[0].name.as_deref(), Some("cyclades_compute"));
        let r = parse_endpoints(&c, &EndpointFilter::new()).unwrap();
        assert_eq!(r.len(), 4);
        let r = parse_endpoints(&c, &EndpointFilter::new().version_id("v1.0")).unwrap();
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn no_endpoints_messages() {
        let c = catalog();
        let msg = |f: EndpointFilter| match parse_endpoints(&c, &f) {
            Err(AstakosError::NoEndpoints { message }) => message,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            msg(EndpointFilter::new()
                .name("astakos_account")
                .version_id("v9")),
            "No endpoints found matching, name = astakos_account, version_id = v9"
        );
        assert_eq!(
            msg(EndpointFilter::new().name("nope")),
            "No endpoints found matching, name = nope"
        );
        assert_eq!(
            msg(EndpointFilter::new().service_type("t")),
            "No endpoints found matching, type = t"
        );
        let empty: AuthInfo = serde_json::from_str(r#"{"access": {}}"#).unwrap();
        assert!(matches!(
            parse_endpoints(&empty, &EndpointFilter::new().name("astakos_account")),
            Err(AstakosError::NoEndpoints { .. })
        ));
    }

    #[test]
    fn cookie() {
        let t = |h: &str| get_token_from_cookie(h, "c").map(|s| s.expose().to_owned());
        assert_eq!(t("c=user%40x|tok%7Cen|extra").as_deref(), Some("tok"));
        assert_eq!(t("x=1; c=a+b|c+d").as_deref(), Some("c+d"));
        assert_eq!(t("c=\"u|quoted\"").as_deref(), Some("quoted"));
        assert_eq!(t("c=notoken"), None);
        assert_eq!(t("d=u|t"), None);
        assert_eq!(t(""), None);
        assert_eq!(t("c=u|"), Some(String::new()));
        assert_eq!(t("c=u|%ff"), None);
        assert_eq!(t("c=u|%zz").as_deref(), Some("%zz"));
    }
}
