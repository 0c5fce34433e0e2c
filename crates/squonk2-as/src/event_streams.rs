//! Event streams (`squonk2-as.md` §4.1 #3–#6).

use crate::client::OK;
use crate::client::{none_if_missing, Squonk2Client};
use crate::ids::EventStreamId;
use crate::models::{EventStream, EventStreamFormat, Version};
use serde::de::IgnoredAny;
use serde::Serialize;
use tenantry_core::pipeline::Decl;
use tenantry_core::Result;

const VERSION: Decl = Decl::get(
    "squonk2-as.get_event_stream_version",
    "/event-stream/version",
)
.success(OK);
const GET: Decl = Decl::get("squonk2-as.get_event_stream", "/event-stream").success(OK);
const CREATE: Decl = Decl::post("squonk2-as.create_event_stream", "/event-stream").success(&[201]);
const DELETE: Decl = Decl::delete(
    "squonk2-as.delete_event_stream",
    "/event-stream/{event_stream_id}",
)
.success(&[204]);

/// The caller's event stream. From [`Squonk2Client::event_streams`].
#[derive(Debug, Clone, Copy)]
pub struct EventStreamsHandler<'a> {
    pub(crate) client: &'a Squonk2Client,
}

#[derive(Serialize)]
struct NewEventStream<'b> {
    format: &'b EventStreamFormat,
}

impl EventStreamsHandler<'_> {
    /// `GET /event-stream/version` (#3, no token sent).
    pub async fn version(&self) -> Result<Version> {
        self.client.public.call(&VERSION.op()).await
    }

    /// `GET /event-stream` (#4): the caller's stream; a 404 when none.
    pub async fn get(&self) -> Result<EventStream> {
        self.client.pipeline.call(&GET.op()).await
    }

    /// [`get`](Self::get), with a 404 as `None`.
    pub async fn get_opt(&self) -> Result<Option<EventStream>> {
        none_if_missing(self.get().await)
    }

    /// `POST /event-stream` with `{"format": …}` (#5).
    ///
    /// ```no_run
    /// # async fn run() -> squonk2_as::Result<()> {
    /// # let client = squonk2_as::Squonk2Client::from_env()?;
    /// use squonk2_as::models::EventStreamFormat;
    /// let s = client.event_streams().create(EventStreamFormat::JsonString).await?;
    /// # let _ = s; Ok(()) }
    /// ```
    pub async fn create(&self, format: EventStreamFormat) -> Result<EventStream> {
        self.client
            .pipeline
            .call(&CREATE.op().python_json(&NewEventStream { format: &format }))
            .await
    }

    /// `DELETE /event-stream/{id}` (#6).
    pub async fn delete(&self, id: EventStreamId) -> Result<()> {
        let _: IgnoredAny = self
            .client
            .pipeline
            .call(&DELETE.op().param("event_stream_id", &id.to_string()))
            .await?;
        Ok(())
    }
}
