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

/// The body of `POST commissions`, exactly as [`py_json`] writes it, built
/// directly for the usual request (no extra provision fields): the
/// commission path is the hot one, and this skips the generic serializer.
/// Anything unusual goes through [`py_json`].
pub(crate) fn commission_json(req: &CommissionRequest) -> Result<bytes::Bytes> {
    if req.provisions.iter().any(|p| !p.extra.is_empty()) {
        return py_json(req).map(bytes::Bytes::from);
    }
    let mut w = BodyWriter::new(req, req.provisions.len())?;
    for p in &req.provisions {
        w.provision(
            ("", &p.holder),
            p.source.as_deref().map(|s| ("", s)),
            &p.resource,
            p.quantity,
        )?;
    }
    Ok(w.finish())
}

/// Writes a commission body the way `json.dumps` does, provision by
/// provision; strings may come as `(prefix, id)` pairs (`user:` + uuid), so
/// no prefixed string is built first.
struct BodyWriter {
    out: Vec<u8>,
    first: bool,
}

impl BodyWriter {
    fn new(envelope: &CommissionRequest, provisions: usize) -> Result<Self> {
        let mut out = Vec::with_capacity(80 + envelope.name.len() + 176 * provisions);
        out.extend_from_slice(b"{\"force\": ");
        out.extend_from_slice(if envelope.force { b"true" } else { b"false" });
        out.extend_from_slice(b", \"auto_accept\": ");
        out.extend_from_slice(if envelope.auto_accept {
            b"true"
        } else {
            b"false"
        });
        out.extend_from_slice(b", \"name\": ");
        py_str(&mut out, "", &envelope.name)?;
        out.extend_from_slice(b", \"provisions\": [");
        Ok(BodyWriter { out, first: true })
    }

    fn provision(
        &mut self,
        holder: (&str, &str),
        source: Option<(&str, &str)>,
        resource: &str,
        quantity: i64,
    ) -> Result<()> {
        let out = &mut self.out;
        if !std::mem::take(&mut self.first) {
            out.extend_from_slice(b", ");
        }
        out.extend_from_slice(b"{\"holder\": ");
        py_str(out, holder.0, holder.1)?;
        out.extend_from_slice(b", \"source\": ");
        match source {
            Some((prefix, id)) => py_str(out, prefix, id)?,
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b", \"resource\": ");
        py_str(out, "", resource)?;
        out.extend_from_slice(b", \"quantity\": ");
        out.extend_from_slice(itoa_i64(quantity, &mut [0u8; 20]));
        out.push(b'}');
        Ok(())
    }

    fn finish(mut self) -> bytes::Bytes {
        self.out.extend_from_slice(b"]}");
        bytes::Bytes::from(self.out)
    }
}

/// `prefix` + `s` as a JSON string, as `json.dumps` writes it: printable
/// ASCII without `"` or a backslash is copied; anything else goes through
/// [`py_json`]. `prefix` is a constant (`user:`, `project:` or empty).
fn py_str(out: &mut Vec<u8>, prefix: &str, s: &str) -> Result<()> {
    // A fold, not `all`: no early exit, so the check vectorizes.
    let plain = |s: &str| {
        s.bytes().fold(true, |ok, b| {
            ok & (0x20..0x7f).contains(&b) & (b != b'"') & (b != b'\\')
        })
    };
    if plain(prefix) && plain(s) {
        out.push(b'"');
        out.extend_from_slice(prefix.as_bytes());
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(&py_json(&format!("{prefix}{s}"))?);
    }
    Ok(())
}

/// `n` in decimal, written into `buf` (20 bytes hold any i64).
fn itoa_i64(n: i64, buf: &mut [u8; 20]) -> &[u8] {
    let start = buf.len() - itoa_u64(n.unsigned_abs(), buf).len();
    if n < 0 {
        buf[start - 1] = b'-';
        return &buf[start - 1..];
    }
    &buf[start..]
}

/// `n` in decimal, written at the end of `buf` (the first byte is left
/// free for a sign: 19 digits hold any i64 magnitude, 20 any u64).
fn itoa_u64(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[i..]
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

/// The 413 rendering of the reference (§5.4).
pub(crate) fn quota_limit(body: &[u8], excerpt: String) -> QuotaLimitError {
    #[derive(serde::Deserialize)]
    struct Envelope {
        #[serde(rename = "overLimit")]
        over_limit: OverLimit,
    }
    match serde_json::from_slice::<Envelope>(body) {
        Ok(Envelope { over_limit }) => {
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
                over_limit: Some(over_limit),
                excerpt,
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "commission answered 413 with an unparsable body");
            QuotaLimitError {
                message: "Payload Too Large".to_owned(),
                details: String::new(),
                over_limit: None,
                excerpt,
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
        let (name, status, body) = c.exchange_keep(op, &[413]).await?;
        if status == 413 {
            let excerpt = c.excerpt(&body);
            return Err(AstakosError::QuotaLimit(Box::new(quota_limit(
                &body, excerpt,
            ))));
        }
        // The usual answer, `{"serial": N}`, decoded straight; anything else
        // goes the long way, for a precise error.
        #[derive(serde::Deserialize)]
        struct Issued {
            serial: Serial,
        }
        if let Ok(Issued { serial }) = serde_json::from_slice(&body) {
            return Ok(serial);
        }
        let reply: Value = crate::client::decode_body(name, status, &body, &c.inner.token)?;
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
        // Room for `/{serial}/action` (a u64 has at most 20 digits), so the
        // path is not copied again while it grows.
        path.reserve(1 + 20 + "/action".len());
        path.push('/');
        path.push_str(std::str::from_utf8(itoa_u64(serial.0, &mut [0u8; 20])).unwrap_or("0"));
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

    /// The JSON body: what [`build_request`](Self::build_request) gives,
    /// written straight from the items without building the provisions.
    fn json_body(&self) -> Result<bytes::Bytes> {
        if !self.request.provisions.is_empty() {
            return commission_json(&self.build_request()?);
        }
        if self.items.is_empty() {
            return Err(AstakosError::bad_value(
                "provisions",
                "a commission needs at least one provision",
            ));
        }
        let mut w = BodyWriter::new(&self.request, 2 * self.items.len())?;
        for (source, resource, q) in &self.items {
            check_resource(resource)?;
            let (holder, source) = (self.holder.as_str(), source.as_str());
            w.provision(("user:", holder), Some(("project:", source)), resource, *q)?;
            w.provision(("project:", source), None, resource, *q)?;
        }
        Ok(w.finish())
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

    /// The hand-built body is byte for byte what the generic Python-style
    /// serializer writes (and so what the wire fixtures hold), including
    /// strings that need escaping, negative and extreme quantities, and
    /// provisions with extra fields (which take the generic path).
    #[test]
    fn commission_json_matches_the_generic_serializer() {
        let mut odd = Provision::new("project:p\"1", None, "a\\b", i64::MIN);
        odd.extra.insert("note".into(), Value::from("x"));
        let cases = vec![
            CommissionRequest::new(Vec::new()),
            CommissionRequest::new(
                mk_provisions(
                    &Uuid::new("73917abc-abcd-477e-a1f1-1763abcdefab").unwrap(),
                    &ProjectId::new("d1f7b0a4-6a3f-4c1e-9e43-2e9f5b6a7c8d").unwrap(),
                    "cyclades.vm",
                    3,
                )
                .into(),
            )
            .name("nightly"),
            CommissionRequest::new(vec![
                Provision::new("user:ü", Some("project:\u{1F600}".into()), "r\n", -7),
                Provision::new("project:x", None, "\u{7f}del", i64::MAX),
                Provision::new("", Some(String::new()), "", 0),
            ])
            .name("naïve \"quoted\" \t name")
            .force(true)
            .auto_accept(true),
            CommissionRequest::new(vec![odd, Provision::new("user:u", None, "r", 1)]),
        ];
        for req in cases {
            let fast = commission_json(&req).unwrap();
            let generic = py_json(&req).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&fast),
                String::from_utf8_lossy(&generic)
            );
        }
        // `IssueOne` writes the same bytes without building provisions.
        let c = crate::AstakosClient::builder(
            "http://127.0.0.1:9/identity/v2.0",
            crate::Secret::new("t"),
        )
        .build()
        .unwrap();
        let holder = Uuid::new("73917abc-abcd-477e-a1f1-1763abcdefab").unwrap();
        let (p1, p2) = (
            ProjectId::new("p-1").unwrap(),
            ProjectId::new("p\"2").unwrap(),
        );
        let one = c
            .commissions()
            .issue_one(&holder)
            .provision((&p1, "cyclades.vm"), 2)
            .provision((&p2, "pithos.diskspace"), -5)
            .name("naïve");
        assert_eq!(
            String::from_utf8_lossy(&one.json_body().unwrap()),
            String::from_utf8_lossy(&py_json(&one.build_request().unwrap()).unwrap())
        );
        let none = c.commissions().issue_one(&holder);
        assert!(matches!(
            none.json_body(),
            Err(AstakosError::BadValue { .. })
        ));
        let mut buf = [0u8; 20];
        for n in [0i64, 7, -7, 10, -10, 1234567890, i64::MAX, i64::MIN] {
            assert_eq!(itoa_i64(n, &mut buf), n.to_string().as_bytes());
        }
        for n in [0u64, 9, 57, u64::MAX] {
            assert_eq!(itoa_u64(n, &mut buf), n.to_string().as_bytes());
        }
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
