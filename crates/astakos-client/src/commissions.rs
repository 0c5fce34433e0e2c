//! Commissions: issue (generic, one holder, reassignment, raw), pending,
//! info, accept/reject, batch resolution (#19–#28 of the reference).

use crate::ids::{ProjectId, Serial, Uuid};
use crate::models::commissions::{
    CommissionAction, CommissionInfo, CommissionRequest, Provision, ResolveResult,
};
use crate::{known_action, required, AstakosClient};
use serde_json::json;
use tenantry_core::pipeline::Decl;
use tenantry_core::{Error, Result};

const ISSUE: Decl = Decl::post("astakos.issue_commission", "{ACCOUNT}/commissions");
const PENDING: Decl = Decl::get("astakos.get_pending_commissions", "{ACCOUNT}/commissions");
const INFO: Decl = Decl::get(
    "astakos.get_commission_info",
    "{ACCOUNT}/commissions/{serial}",
);
const ACTION: Decl = Decl::post(
    "astakos.commission_action",
    "{ACCOUNT}/commissions/{serial}/action",
);
const RESOLVE: Decl = Decl::post(
    "astakos.resolve_commissions",
    "{ACCOUNT}/commissions/action",
);

/// The answer of an issue: a missing or bad `serial` (the reference's "no
/// serial found") is an [`Error::Decode`] naming it.
#[derive(serde::Deserialize)]
struct Issued {
    serial: Serial,
}

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
    let project = format!("project:{source}");
    let user = Provision::new(
        format!("user:{holder}"),
        Some(project.clone()),
        resource,
        quantity,
    );
    [user, Provision::new(project, None, resource, quantity)]
}

/// A resource name: not empty, no whitespace or control characters.
fn check_resource(resource: &str) -> Result<()> {
    if resource.is_empty()
        || resource
            .chars()
            .any(|c| c.is_control() || c.is_whitespace())
    {
        let reason = format!("`{resource}` is not a resource name");
        return Err(Error::invalid_input("resource", reason));
    }
    Ok(())
}

handler!(
    /// Commission calls; see [`AstakosClient::commissions`].
    CommissionsHandler,
    /// Commission calls (service token).
    commissions
);

impl<'a> CommissionsHandler<'a> {
    /// Issues a commission request as given (the reference's private
    /// `_issue_commission`; holders are sent unprefixed): `POST
    /// {ACCOUNT}/commissions` with the [`request`](IssueRequest::request)
    /// (required). Never re-sent once it may have reached the server. A
    /// refusal over quota (the reference's `QuotaLimit`) is an
    /// [`Error::Api`] with status 413 whose typed detail is the parsed
    /// [`OverLimit`](crate::models::OverLimit)
    /// (`e.api().and_then(|a| a.detail::<OverLimit>())`, with the
    /// reference's text in [`OverLimit::details`](crate::models::OverLimit::details)).
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::models::{CommissionRequest, Provision};
    /// let req = CommissionRequest::new(vec![Provision::new(
    ///     "user:73917abc-abcd-477e-a1f1-1763abcdefab",
    ///     Some("project:73917abc-abcd-477e-a1f1-1763abcdefab".into()),
    ///     "cyclades.vm",
    ///     1,
    /// )])
    /// .name("one vm");
    /// let serial = client.commissions().issue_request().request(req).send().await?;
    /// # let _ = serial; Ok(()) }
    /// ```
    pub fn issue_request(&self) -> IssueRequest<'a> {
        IssueRequest::new(self.client)
    }

    /// `issue_commission_generic(user_provisions, project_provisions, …)`:
    /// user provisions first, then project provisions, each prefixed.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
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
        IssueGeneric::new(self.client, Vec::new())
    }

    /// `issue_one_commission(holder, provisions, …)`: each `(source,
    /// resource) → quantity` adds the pair of [`mk_provisions`].
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
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
        IssueOne::new(self.client, holder.clone())
    }

    /// `issue_resource_reassignment(holder, provisions, …)`: each `(from,
    /// to, resource) → q` releases `q` from `from` and allocates it in `to`
    /// (four provisions: −q pair, then +q pair).
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
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
        Reassign::new(self.client, holder.clone(), None)
    }

    /// `get_pending_commissions()`: `GET {ACCOUNT}/commissions`, the serials
    /// of this service's pending commissions.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// let pending = client.commissions().pending().await?;
    /// # let _ = pending; Ok(()) }
    /// ```
    pub async fn pending(&self) -> Result<Vec<Serial>> {
        let c = self.client;
        let op = c.bare(&PENDING).await?;
        c.call(op).await
    }

    /// `get_commission_info(serial)`: `GET {ACCOUNT}/commissions/{serial}`.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::Serial;
    /// let info = client.commissions().info(Serial(57)).await?;
    /// # let _ = info; Ok(()) }
    /// ```
    pub async fn info(&self, serial: Serial) -> Result<CommissionInfo> {
        let c = self.client;
        let op = c.bare(&INFO).await?.param("serial", &serial.to_string());
        c.call(op).await
    }

    /// `commission_action(serial, action)`: `POST
    /// {ACCOUNT}/commissions/{serial}/action` with `{"<action>": ""}`. The
    /// action (required) goes in the builder; a missing or unknown one is
    /// refused before sending.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::{models::CommissionAction, Serial};
    /// let c = client.commissions();
    /// c.action(Serial(57)).action(CommissionAction::Accept).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn action(&self, serial: Serial) -> CommissionActionRequest<'a> {
        CommissionActionRequest::new(self.client, serial)
    }

    /// `accept_commission(serial)`.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// client.commissions().accept(astakos_client::Serial(57)).await?;
    /// # Ok(()) }
    /// ```
    pub fn accept(
        &self,
        serial: Serial,
    ) -> impl std::future::Future<Output = Result<()>> + Send + 'a {
        self.action(serial).action(CommissionAction::Accept).send()
    }

    /// `reject_commission(serial)`.
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// client.commissions().reject(astakos_client::Serial(57)).await?;
    /// # Ok(()) }
    /// ```
    pub fn reject(
        &self,
        serial: Serial,
    ) -> impl std::future::Future<Output = Result<()>> + Send + 'a {
        self.action(serial).action(CommissionAction::Reject).send()
    }

    /// `resolve_commissions(accept_serials, reject_serials)`: `POST
    /// {ACCOUNT}/commissions/action` with `{"accept": [...], "reject":
    /// [...]}`; both lists go in the builder (default empty, which is fine).
    ///
    /// ```no_run
    /// # async fn run() -> astakos_client::Result<()> {
    /// # let client = astakos_client::AstakosClient::builder("https://accounts.example.org/identity/v2.0", astakos_client::Secret::new("t")).build()?;
    /// use astakos_client::Serial;
    /// let r = client
    ///     .commissions()
    ///     .resolve()
    ///     .accept([Serial(56), Serial(57)])
    ///     .reject([Serial(58)])
    ///     .send()
    ///     .await?;
    /// for f in &r.failed {
    ///     println!("{} failed: {:?}", f.serial(), f.fault());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn resolve(&self) -> Resolve<'a> {
        Resolve::new(self.client)
    }
}

builder!(
    /// Builder of [`CommissionsHandler::issue_request`].
    IssueRequest {} {
        /// The request (required), sent as given.
        request: CommissionRequest,
    }
);

impl<'a> IssueRequest<'a> {
    /// Sends the request (at least one provision, each with a holder and a
    /// resource name, checked first); returns the serial.
    pub fn send(self) -> impl std::future::Future<Output = Result<Serial>> + Send + 'a {
        issue(self.client, required("request", self.request))
    }
}

/// Issues `request`: checked (at least one provision, each with a holder
/// and a resource name) and written out before anything is awaited, so
/// the future keeps the body's bytes (or the error, boxed), not the
/// request and its builder.
fn issue(
    c: &AstakosClient,
    request: Result<CommissionRequest>,
) -> impl std::future::Future<Output = Result<Serial>> + Send + '_ {
    let body = request
        .and_then(|r| {
            if r.provisions.is_empty() {
                let reason = "a commission needs at least one provision";
                return Err(Error::invalid_input("provisions", reason));
            }
            for p in &r.provisions {
                check_resource(&p.resource)?;
                if p.holder.is_empty() {
                    return Err(Error::invalid_input("holder", "must not be empty"));
                }
            }
            tenantry_core::encode::python_json(&r)
        })
        .map_err(Box::new);
    async move {
        let body = body.map_err(|e| *e)?;
        let op = c.op(&ISSUE).await?.body("application/json", body);
        let issued: Issued = c.call(op).await?;
        Ok(issued.serial)
    }
}

builder!(
    /// Builder of [`CommissionsHandler::action`].
    CommissionActionRequest { serial: Serial } {
        /// The action (required): accept or reject.
        action: CommissionAction,
    }
);

impl<'a> CommissionActionRequest<'a> {
    /// Sends the request.
    pub fn send(self) -> impl std::future::Future<Output = Result<()>> + Send + 'a {
        // Checked and written out before anything is awaited: the future
        // keeps the body's bytes and the serial, not the builder (and an
        // error boxed: it is larger than the body).
        let body = known_action(self.action, CommissionAction::is_unknown)
            .and_then(|a| tenantry_core::encode::python_json(&ActionBody(a.as_str())))
            .map_err(Box::new);
        let (c, serial) = (self.client, self.serial);
        async move {
            let body = body.map_err(|e| *e)?;
            let op = c.op(&ACTION).await?.param("serial", &serial.to_string());
            c.call_unit(op.body("application/json", body)).await
        }
    }
}

/// `{"<action>": ""}`: a one-entry map, written without building one.
struct ActionBody<'a>(&'a str);

impl serde::Serialize for ActionBody<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry(self.0, "")?;
        map.end()
    }
}

builder!(
    /// Builder of [`CommissionsHandler::resolve`].
    Resolve {} {
        /// The serials to accept (default none).
        accept: [Serial],
        /// The serials to reject (default none).
        reject: [Serial],
    }
);

impl Resolve<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<ResolveResult> {
        let (accept, reject) = (
            self.accept.unwrap_or_default(),
            self.reject.unwrap_or_default(),
        );
        let c = self.client;
        let body = json!({"accept": accept, "reject": reject});
        let op = c.op(&RESOLVE).await?.python_json(&body);
        c.call(op).await
    }
}

/// A commission builder: the envelope setters and `send`.
macro_rules! issue_builder {
    ($(#[$m:meta])* $name:ident { $($field:ident: $ty:ty),* }) => {
        $(#[$m])*
        #[derive(Debug)]
        pub struct $name<'a> {
            client: &'a AstakosClient,
            $($field: $ty,)*
            request: CommissionRequest,
        }

        impl<'a> $name<'a> {
            fn new(client: &'a AstakosClient, $($field: $ty),*) -> Self {
                let request = CommissionRequest::default();
                $name { client, $($field,)* request }
            }
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
            /// Sends the request (checked as
            /// [`issue_request`](CommissionsHandler::issue_request) checks
            /// it); returns the serial.
            pub fn send(self) -> impl std::future::Future<Output = Result<Serial>> + Send + 'a {
                let client = self.client;
                issue(client, self.into_request())
            }
        }
    };
}

issue_builder!(
    /// Builder of [`CommissionsHandler::issue_generic`].
    IssueGeneric { project: Vec<Provision> }
);
issue_builder!(
    /// Builder of [`CommissionsHandler::issue_one`].
    IssueOne { holder: Uuid }
);
issue_builder!(
    /// Builder of [`CommissionsHandler::reassign`].
    Reassign { holder: Uuid, error: Option<Error> }
);

impl IssueGeneric<'_> {
    /// `(holder user, source project, resource) → quantity`.
    pub fn user_provision(mut self, key: (&Uuid, &ProjectId, &str), quantity: i64) -> Self {
        let (user, source, resource) = key;
        let source = Some(format!("project:{source}"));
        let p = Provision::new(format!("user:{user}"), source, resource, quantity);
        self.request.provisions.push(p);
        self
    }
    /// `(holder project, resource) → quantity`.
    pub fn project_provision(mut self, key: (&ProjectId, &str), quantity: i64) -> Self {
        let p = Provision::new(format!("project:{}", key.0), None, key.1, quantity);
        self.project.push(p);
        self
    }
    /// The request this builder sends: the user provisions, then the
    /// project provisions.
    pub fn build_request(&self) -> Result<CommissionRequest> {
        let mut req = self.request.clone();
        req.provisions.extend(self.project.iter().cloned());
        Ok(req)
    }
    /// [`build_request`](Self::build_request), moving instead of copying.
    fn into_request(self) -> Result<CommissionRequest> {
        let mut req = self.request;
        req.provisions.extend(self.project);
        Ok(req)
    }
}

impl IssueOne<'_> {
    /// `(source project, resource) → quantity`.
    pub fn provision(mut self, key: (&ProjectId, &str), quantity: i64) -> Self {
        let pair = mk_provisions(&self.holder, key.0, key.1, quantity);
        self.request.provisions.extend(pair);
        self
    }
    /// The request this builder sends.
    pub fn build_request(&self) -> Result<CommissionRequest> {
        Ok(self.request.clone())
    }
    /// [`build_request`](Self::build_request), moving instead of copying.
    fn into_request(self) -> Result<CommissionRequest> {
        Ok(self.request)
    }
}

impl Reassign<'_> {
    /// `(from project, to project, resource) → quantity`. A quantity of
    /// `i64::MIN` is refused when sending (its negation does not fit the
    /// server's 64-bit integers).
    pub fn provision(mut self, key: (&ProjectId, &ProjectId, &str), quantity: i64) -> Self {
        let (from, to, resource) = key;
        let Some(neg) = quantity.checked_neg() else {
            let reason = format!("{quantity} cannot be negated");
            self.error = Some(Error::invalid_input("quantity", reason));
            return self;
        };
        let provisions = &mut self.request.provisions;
        provisions.extend(mk_provisions(&self.holder, from, resource, neg));
        provisions.extend(mk_provisions(&self.holder, to, resource, quantity));
        self
    }
    /// The request this builder sends.
    pub fn build_request(&self) -> Result<CommissionRequest> {
        match &self.error {
            Some(e) => Err(e.clone()),
            None => Ok(self.request.clone()),
        }
    }
    /// [`build_request`](Self::build_request), moving instead of copying.
    fn into_request(self) -> Result<CommissionRequest> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.request),
        }
    }
}
