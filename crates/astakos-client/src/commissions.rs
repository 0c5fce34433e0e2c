//! Commissions: issue (generic, one holder, reassignment, raw), pending,
//! info, accept/reject, batch resolution (#19–#28 of the reference).

use crate::client::{bare_op, json_op, py_json, AstakosClient};
use crate::error::{AstakosError, QuotaLimitError, Result};
use crate::ids::{ProjectId, Serial, Uuid};
use crate::models::commissions::{
    resource_display_name, CommissionAction, CommissionInfo, CommissionRequest, OverLimit,
    Provision, ResolveResult,
};
use http::Method;
use serde_json::{json, Value};
use tenantry_core::Operation;

/// The provision pair for one user holding (#22 of the reference): first
/// `user:<holder>` from `project:<source>`, then `project:<source>` from
/// `null`, both with `quantity`.
///
/// ```
/// use astakos_client::{mk_provisions, ProjectId, Uuid};
/// let [user, project] = mk_provisions(&Uuid::new("u1")?, &ProjectId::new("p1")?, "cyclades.vm", 1);
/// assert_eq!(user.holder, "user:u1");
/// assert_eq!(user.source.as_deref(), Some("project:p1"));
/// assert_eq!(project.holder, "project:p1");
/// assert_eq!(project.source, None);
/// # Ok::<(), tenantry_core::Error>(())
/// ```
pub fn mk_provisions(
    holder: &Uuid,
    source: &ProjectId,
    resource: &str,
    quantity: i64,
) -> [Provision; 2] {
    let project = prefixed("project:", source.as_str());
    [
        Provision::new(
            prefixed("user:", holder.as_str()),
            Some(project.clone()),
            resource,
            quantity,
        ),
        Provision::new(project, None, resource, quantity),
    ]
}

/// The body of `POST commissions`, as the reference's `json.dumps` writes it.
pub(crate) fn commission_json(req: &CommissionRequest) -> Result<bytes::Bytes> {
    py_json(req).map(bytes::Bytes::from)
}

/// `prefix` + `id`, in one allocation.
fn prefixed(prefix: &str, id: &str) -> String {
    let mut s = String::with_capacity(prefix.len() + id.len());
    s.push_str(prefix);
    s.push_str(id);
    s
}

fn check_resource(resource: &str) -> Result<()> {
    // The usual name (`cyclades.vm`) is printable ASCII: no per-char
    // Unicode tests.
    if !resource.is_empty()
        && resource
            .bytes()
            .fold(true, |ok, b| ok & b.is_ascii_graphic())
    {
        return Ok(());
    }
    if resource.is_empty()
        || resource
            .chars()
            .any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(AstakosError::bad_value(
            "resource",
            format!("`{resource}` is not a resource name"),
        ));
    }
    Ok(())
}

/// Commission calls; see [`AstakosClient::commissions`].
#[derive(Debug, Clone, Copy)]
pub struct Commissions<'a> {
    client: &'a AstakosClient,
}

impl AstakosClient {
    /// Commission calls (service token).
    pub fn commissions(&self) -> Commissions<'_> {
        Commissions { client: self }
    }
}

/// The 413 rendering of the reference (§5.4), from the error answer that
/// core read through Astakos's parser (its `overLimit` object is the typed
/// detail).
pub(crate) fn quota_limit(e: &tenantry_core::ApiError) -> QuotaLimitError {
    match e.detail::<OverLimit>() {
        Some(over_limit) => {
            let d = &over_limit.data;
            let available = i128::from(d.limit) - i128::from(d.usage);
            let details = format!(
                "Limit for resource '{}' exceeded for your account. Available: {}, Requested: {}",
                resource_display_name(&d.provision.resource),
                available,
                d.provision.quantity
            );
            QuotaLimitError {
                message: "Resource Limit Exceeded for your account.".to_owned(),
                details,
                over_limit: Some(over_limit.clone()),
                excerpt: e.excerpt.clone(),
            }
        }
        None => {
            tracing::error!("commission answered 413 with an unparsable body");
            QuotaLimitError {
                message: "Payload Too Large".to_owned(),
                details: String::new(),
                over_limit: None,
                excerpt: e.excerpt.clone(),
            }
        }
    }
}

impl<'a> Commissions<'a> {
    /// Issues a commission request as given (the reference's private
    /// `_issue_commission`; holders are sent unprefixed). `POST
    /// {ACCOUNT}/commissions`; 413 is [`AstakosError::QuotaLimit`]. Never
    /// re-sent once it may have reached the server.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::models::{CommissionRequest, Provision};
    /// let req = CommissionRequest::new(vec![Provision::new(
    ///     "user:73917abc-abcd-477e-a1f1-1763abcdefab",
    ///     Some("project:73917abc-abcd-477e-a1f1-1763abcdefab".into()),
    ///     "cyclades.vm",
    ///     1,
    /// )])
    /// .name("one vm");
    /// let serial = client.commissions().issue_request(&req).await?;
    /// # let _ = serial; Ok(()) }
    /// ```
    pub async fn issue_request(&self, request: &CommissionRequest) -> Result<Serial> {
        if request.provisions.is_empty() {
            return Err(AstakosError::bad_value(
                "provisions",
                "a commission needs at least one provision",
            ));
        }
        for p in &request.provisions {
            check_resource(&p.resource)?;
            if p.holder.is_empty() {
                return Err(AstakosError::bad_value("holder", "must not be empty"));
            }
        }
        self.issue_body(commission_json(request)?).await
    }

    /// `POST {ACCOUNT}/commissions` with a ready body; the serial, or the
    /// 413 as [`AstakosError::QuotaLimit`].
    async fn issue_body(&self, json: bytes::Bytes) -> Result<Serial> {
        const OP: &str = "astakos.issue_commission";
        let c = self.client;
        let path = c.account_path("commissions").await?;
        let op = Operation::new(OP, Method::POST, "{ACCOUNT}/commissions")
            .raw_path(path)
            .body("application/json", json);
        let resp = c.inner.pipeline.send_raw(&op).await?;
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) {
            // Read through Astakos's error parser: a 413's `overLimit` object
            // is its typed detail.
            return Err(match c.inner.pipeline.status_error(OP, &resp) {
                tenantry_core::Error::Api(e) if status == 413 => {
                    AstakosError::QuotaLimit(Box::new(quota_limit(&e)))
                }
                other => other.into(),
            });
        }
        let body = resp.into_body();
        let reply: Value = crate::client::decode_body(OP, status, &body, &c.inner.token)?;
        match reply.get("serial").cloned() {
            Some(s) => serde_json::from_value::<Serial>(s).map_err(|e| {
                AstakosError::invalid(OP, status, format!("bad serial: {e}"), c.excerpt(&body))
            }),
            None => Err(AstakosError::invalid(
                OP,
                status,
                "no serial found",
                c.excerpt(&body),
            )),
        }
    }

    /// `issue_commission_generic(user_provisions, project_provisions, …)`:
    /// user provisions first, then project provisions, each prefixed.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::{ProjectId, Uuid};
    /// let (u1, p1) = (Uuid::new("u1")?, ProjectId::new("p1")?);
    /// let serial = client
    ///     .commissions()
    ///     .issue_generic()
    ///     .user_provision((&u1, &p1, "cyclades.vm"), 1)
    ///     .project_provision((&p1, "cyclades.vm"), 2)
    ///     .send()
    ///     .await?;
    /// # let _ = serial; Ok(()) }
    /// ```
    pub fn issue_generic(&self) -> IssueGeneric<'a> {
        IssueGeneric {
            client: self.client,
            user: Vec::new(),
            project: Vec::new(),
            request: CommissionRequest::default(),
        }
    }

    /// `issue_one_commission(holder, provisions, …)`: each `(source,
    /// resource) → quantity` adds the pair of [`mk_provisions`].
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::{ProjectId, Uuid};
    /// let user = Uuid::new("c02f315b-7d84-45bc-a383-552a3f97d2ad")?;
    /// let system = ProjectId::from(&user);
    /// let serial = client
    ///     .commissions()
    ///     .issue_one(&user)
    ///     .provision((&system, "cyclades.vm"), 1)
    ///     .provision((&system, "cyclades.ram"), 30000)
    ///     .name("new vm")
    ///     .send()
    ///     .await?;
    /// # let _ = serial; Ok(()) }
    /// ```
    pub fn issue_one(&self, holder: &Uuid) -> IssueOne<'a> {
        IssueOne {
            client: self.client,
            holder: holder.clone(),
            items: Vec::new(),
            request: CommissionRequest::default(),
        }
    }

    /// `issue_resource_reassignment(holder, provisions, …)`: each `(from,
    /// to, resource) → q` releases `q` from `from` and allocates it in `to`
    /// (four provisions: −q pair, then +q pair).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::{ProjectId, Uuid};
    /// let (u1, p1, p2) = (Uuid::new("u1")?, ProjectId::new("p1")?, ProjectId::new("p2")?);
    /// let serial = client
    ///     .commissions()
    ///     .reassign(&u1)
    ///     .provision((&p1, &p2, "cyclades.vm"), 3)
    ///     .send()
    ///     .await?;
    /// # let _ = serial; Ok(()) }
    /// ```
    pub fn reassign(&self, holder: &Uuid) -> Reassign<'a> {
        Reassign {
            client: self.client,
            holder: holder.clone(),
            items: Vec::new(),
            request: CommissionRequest::default(),
        }
    }

    /// `get_pending_commissions()`: `GET {ACCOUNT}/commissions`, the serials
    /// of this service's pending commissions.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// let pending = client.commissions().pending().await?;
    /// # let _ = pending; Ok(()) }
    /// ```
    pub async fn pending(&self) -> Result<Vec<Serial>> {
        let c = self.client;
        let path = c.account_path("commissions").await?;
        c.call(bare_op(
            "astakos.get_pending_commissions",
            Method::GET,
            "{ACCOUNT}/commissions",
            path,
        ))
        .await
    }

    /// `get_commission_info(serial)`: `GET {ACCOUNT}/commissions/{serial}`.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::Serial;
    /// let info = client.commissions().info(Serial(57)).await?;
    /// # let _ = info; Ok(()) }
    /// ```
    pub async fn info(&self, serial: Serial) -> Result<CommissionInfo> {
        let c = self.client;
        let path = format!(
            "{}/{serial}",
            c.account_path("commissions").await?.trim_end_matches('/')
        );
        c.call(bare_op(
            "astakos.get_commission_info",
            Method::GET,
            "{ACCOUNT}/commissions/{serial}",
            path,
        ))
        .await
    }

    /// `commission_action(serial, action)`: `POST
    /// {ACCOUNT}/commissions/{serial}/action` with `{"<action>": ""}`. An
    /// unknown action is refused before sending.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::{models::CommissionAction, Serial};
    /// client.commissions().action(Serial(57), CommissionAction::Accept).await?;
    /// # Ok(()) }
    /// ```
    pub async fn action(&self, serial: Serial, action: CommissionAction) -> Result<()> {
        // `json.dumps({action: ""})`, byte for byte (a constant: no map, no
        // serializer per call).
        let body: &'static [u8] = match action {
            CommissionAction::Accept => br#"{"accept": ""}"#,
            CommissionAction::Reject => br#"{"reject": ""}"#,
            _ => {
                return Err(AstakosError::bad_value(
                    "action",
                    format!("`{action}` is not accept or reject"),
                ))
            }
        };
        let c = self.client;
        let mut path = c.account_path("commissions").await?;
        while path.ends_with('/') {
            path.pop();
        }
        path.push('/');
        path.push_str(&serial.0.to_string());
        path.push_str("/action");
        let op = Operation::new(
            "astakos.commission_action",
            Method::POST,
            "{ACCOUNT}/commissions/{serial}/action",
        )
        .raw_path(path)
        .body("application/json", bytes::Bytes::from_static(body));
        c.call_unit(op).await
    }

    /// `accept_commission(serial)`.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// client.commissions().accept(astakos_client::Serial(57)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn accept(&self, serial: Serial) -> Result<()> {
        self.action(serial, CommissionAction::Accept).await
    }

    /// `reject_commission(serial)`.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// client.commissions().reject(astakos_client::Serial(57)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn reject(&self, serial: Serial) -> Result<()> {
        self.action(serial, CommissionAction::Reject).await
    }

    /// `resolve_commissions(accept_serials, reject_serials)`: `POST
    /// {ACCOUNT}/commissions/action` with `{"accept": [...], "reject":
    /// [...]}` (empty lists are fine).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), astakos_client::AstakosError> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::Serial;
    /// let r = client
    ///     .commissions()
    ///     .resolve(&[Serial(56), Serial(57)], &[Serial(58)])
    ///     .await?;
    /// for f in &r.failed {
    ///     println!("{} failed: {:?}", f.serial(), f.fault());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn resolve(&self, accept: &[Serial], reject: &[Serial]) -> Result<ResolveResult> {
        let c = self.client;
        let path = c.account_path("commissions/action").await?;
        let op = json_op(
            "astakos.resolve_commissions",
            Method::POST,
            "{ACCOUNT}/commissions/action",
            path,
            &json!({"accept": accept, "reject": reject}),
        )?;
        c.call(op).await
    }
}

macro_rules! envelope_setters {
    () => {
        /// `name` (default empty).
        pub fn name(mut self, name: impl Into<String>) -> Self {
            self.request.name = name.into();
            self
        }
        /// `force`: skip the limit check for allocations (default false).
        pub fn force(mut self, yes: bool) -> Self {
            self.request.force = yes;
            self
        }
        /// `auto_accept`: accept at once (default false).
        pub fn auto_accept(mut self, yes: bool) -> Self {
            self.request.auto_accept = yes;
            self
        }
    };
}

/// Builder of [`Commissions::issue_generic`].
#[derive(Debug)]
pub struct IssueGeneric<'a> {
    client: &'a AstakosClient,
    user: Vec<(Uuid, ProjectId, String, i64)>,
    project: Vec<(ProjectId, String, i64)>,
    request: CommissionRequest,
}

impl IssueGeneric<'_> {
    /// `(holder user, source project, resource) → quantity`.
    pub fn user_provision(mut self, key: (&Uuid, &ProjectId, &str), quantity: i64) -> Self {
        self.user
            .push((key.0.clone(), key.1.clone(), key.2.to_owned(), quantity));
        self
    }
    /// `(holder project, resource) → quantity`.
    pub fn project_provision(mut self, key: (&ProjectId, &str), quantity: i64) -> Self {
        self.project
            .push((key.0.clone(), key.1.to_owned(), quantity));
        self
    }
    envelope_setters!();

    /// The request this builder sends.
    pub fn build_request(&self) -> Result<CommissionRequest> {
        let mut req = self.request.clone();
        for (holder, source, resource, q) in &self.user {
            check_resource(resource)?;
            req.provisions.push(Provision::new(
                prefixed("user:", holder.as_str()),
                Some(prefixed("project:", source.as_str())),
                resource.as_str(),
                *q,
            ));
        }
        for (holder, resource, q) in &self.project {
            check_resource(resource)?;
            req.provisions.push(Provision::new(
                prefixed("project:", holder.as_str()),
                None,
                resource.as_str(),
                *q,
            ));
        }
        Ok(req)
    }

    /// Sends the request; returns the serial.
    pub async fn send(self) -> Result<Serial> {
        let req = self.build_request()?;
        self.client.commissions().issue_request(&req).await
    }
}

/// Builder of [`Commissions::issue_one`].
#[derive(Debug)]
pub struct IssueOne<'a> {
    client: &'a AstakosClient,
    holder: Uuid,
    items: Vec<(ProjectId, String, i64)>,
    request: CommissionRequest,
}

impl IssueOne<'_> {
    /// `(source project, resource) → quantity`.
    pub fn provision(mut self, key: (&ProjectId, &str), quantity: i64) -> Self {
        self.items.push((key.0.clone(), key.1.to_owned(), quantity));
        self
    }
    envelope_setters!();

    /// The request this builder sends.
    pub fn build_request(&self) -> Result<CommissionRequest> {
        let mut req = self.request.clone();
        for (source, resource, q) in &self.items {
            check_resource(resource)?;
            req.provisions
                .extend(mk_provisions(&self.holder, source, resource, *q));
        }
        Ok(req)
    }

    /// Sends the request; returns the serial.
    pub async fn send(self) -> Result<Serial> {
        let body = self.json_body()?;
        self.client.commissions().issue_body(body).await
    }

    /// The JSON body of [`build_request`](Self::build_request).
    fn json_body(&self) -> Result<bytes::Bytes> {
        if self.request.provisions.is_empty() && self.items.is_empty() {
            return Err(AstakosError::bad_value(
                "provisions",
                "a commission needs at least one provision",
            ));
        }
        commission_json(&self.build_request()?)
    }
}

/// Builder of [`Commissions::reassign`].
#[derive(Debug)]
pub struct Reassign<'a> {
    client: &'a AstakosClient,
    holder: Uuid,
    items: Vec<(ProjectId, ProjectId, String, i64)>,
    request: CommissionRequest,
}

impl Reassign<'_> {
    /// `(from project, to project, resource) → quantity`.
    pub fn provision(mut self, key: (&ProjectId, &ProjectId, &str), quantity: i64) -> Self {
        self.items
            .push((key.0.clone(), key.1.clone(), key.2.to_owned(), quantity));
        self
    }
    envelope_setters!();

    /// The request this builder sends. A quantity of `i64::MIN` is refused
    /// (its negation does not fit the server's 64-bit integers).
    pub fn build_request(&self) -> Result<CommissionRequest> {
        let mut req = self.request.clone();
        for (from, to, resource, q) in &self.items {
            check_resource(resource)?;
            let neg = q.checked_neg().ok_or_else(|| {
                AstakosError::bad_value("quantity", format!("{q} cannot be negated"))
            })?;
            req.provisions
                .extend(mk_provisions(&self.holder, from, resource, neg));
            req.provisions
                .extend(mk_provisions(&self.holder, to, resource, *q));
        }
        Ok(req)
    }

    /// Sends the request; returns the serial.
    pub async fn send(self) -> Result<Serial> {
        let req = self.build_request()?;
        self.client.commissions().issue_request(&req).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The body is exactly what `json.dumps` writes (key order of the
    /// struct, `", "`/`": "`, `\uXXXX` escapes); a commission without
    /// provisions is refused before anything is sent.
    #[test]
    fn commission_body_is_python_json() {
        let c = crate::AstakosClient::builder(
            "http://127.0.0.1:9/identity/v2.0",
            crate::Secret::new("t"),
        )
        .build()
        .unwrap();
        let holder = Uuid::new("u1").unwrap();
        let one = c
            .commissions()
            .issue_one(&holder)
            .provision((&ProjectId::new("p\"2").unwrap(), "cyclades.vm"), -5)
            .name("naïve");
        assert_eq!(
            String::from_utf8_lossy(&one.json_body().unwrap()),
            r#"{"force": false, "auto_accept": false, "name": "na\u00efve", "provisions": [{"holder": "user:u1", "source": "project:p\"2", "resource": "cyclades.vm", "quantity": -5}, {"holder": "project:p\"2", "source": null, "resource": "cyclades.vm", "quantity": -5}]}"#
        );
        let none = c.commissions().issue_one(&holder);
        assert!(matches!(
            none.json_body(),
            Err(AstakosError::BadValue { .. })
        ));
    }

    #[test]
    fn resource_names_are_checked_on_both_paths() {
        assert!(check_resource("cyclades.vm").is_ok());
        assert!(check_resource("pithos.diskspace_ü").is_ok());
        assert!(check_resource("").is_err());
        assert!(check_resource("two words").is_err());
        assert!(check_resource("tab\there").is_err());
        assert!(check_resource("nbsp\u{a0}").is_err());
    }
}
