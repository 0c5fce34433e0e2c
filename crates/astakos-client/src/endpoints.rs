//! The two module functions of the reference: `parse_endpoints` (catalog
//! filtering) and `get_token_from_cookie`.

use crate::models::identity::{AuthInfo, ServiceEntry};
use tenantry_core::{Error, Result, Secret};

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

setters! {
    EndpointFilter {
        /// Keep entries whose `name` equals this (`ep_name`).
        name: String,
        /// Keep entries whose `type` equals this (`ep_type`).
        service_type: String,
        /// Keep only endpoints whose `region` equals this, and the entries
        /// that still have one (`ep_region`).
        region: String,
        /// Keep only endpoints whose `versionId` equals this, and the
        /// entries that still have one (`ep_version_id`).
        version_id: String,
    }
}

impl EndpointFilter {
    /// No criteria.
    pub fn new() -> Self {
        Self::default()
    }

    /// `No endpoints found matching, name = N, type = T, …` with every given
    /// criterion (the reference names only the first, by a precedence bug).
    fn no_endpoints(&self) -> String {
        let parts: Vec<String> = [
            ("name", &self.name),
            ("type", &self.service_type),
            ("region", &self.region),
            ("version_id", &self.version_id),
        ]
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} = {v}")))
        .collect();
        if parts.is_empty() {
            "No endpoints found matching.".to_owned()
        } else {
            format!("No endpoints found matching, {}", parts.join(", "))
        }
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
/// the reference's `NoEndpoints`: an [`Error::InvalidInput`] for the field
/// `endpoints` whose reason is the reference's message (`No endpoints found
/// matching, name = …`, every given criterion).
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
/// assert!(matches!(none, Err(astakos_client::Error::InvalidInput { ref field, .. }) if field == "endpoints"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_endpoints(info: &AuthInfo, filter: &EndpointFilter) -> Result<Vec<ServiceEntry>> {
    find_endpoints(info, filter).map_err(|reason| Error::invalid_input("endpoints", reason))
}

/// [`parse_endpoints`], failing with the reference's `NoEndpoints` message.
pub(crate) fn find_endpoints(
    info: &AuthInfo,
    filter: &EndpointFilter,
) -> std::result::Result<Vec<ServiceEntry>, String> {
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
