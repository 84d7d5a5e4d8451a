//! A streaming endpoint: `response.stream` declares the server-sent events the endpoint can
//! answer with, keyed by their SSE `event:` name, each described like a body (`example`,
//! `examples`, `type` or `schema`), and whether the stream resumes with `Last-Event-ID`:
//!
//! ```yaml
//! response:
//!   example: {id: run_1, status: done}
//!   stream:
//!     resumable: true
//!     events:
//!       run.progress: {example: {step: 1, of: 3}}
//!       run.done: {type: Run}
//! ```
//!
//! The success response gains a `text/event-stream` media type. One event kind is its
//! schema; several are a `oneOf` whose `discriminator` (property `type`) maps each event name
//! to its schema, so an event decodes into the variant its name selects (at run time an
//! event whose data has no `type` is keyed by its SSE name). `resumable: true` becomes
//! `x-sturdy-stream: {resumable: true}`.

use serde_json::{json, Map, Value};

use super::bodies::BodyFields;
use super::model::{Ext, Shape, Stream};
use super::{seg, Converter};
use crate::load::LoadError;
use crate::names;

impl Converter<'_> {
    /// The `text/event-stream` media type of `response.stream` (added to `resp`), and the
    /// operation's `x-sturdy-stream` when the stream is resumable.
    pub(super) fn event_stream(
        &mut self,
        s: &Shape<Ext<Stream>>,
        ptr: &str,
        prefix: &str,
        resp: &mut Value,
        op: &mut Map<String, Value>,
    ) -> Result<(), LoadError> {
        let sm = self.shape(s, ptr, "`stream`")?;
        let eptr = seg(ptr, "events");
        let events = match &sm.events {
            Some(e) => self.shape(e, &eptr, "`events`")?,
            None => {
                return Err(self.err(
                    ptr,
                    "the stream has no `events`",
                    "name each event kind under `events:`, with an example",
                ))
            }
        };
        if events.is_empty() {
            return Err(self.err(
                &eptr,
                "the stream has no events",
                "add `message: {example: ...}`",
            ));
        }
        let mut members = Vec::new();
        let mut mapping = Map::new();
        for (name, body) in events {
            let bptr = seg(&eptr, name);
            let bm = self.shape(body, &bptr, "an event")?;
            let default = format!("{prefix}{}Event", names::pascal(name));
            let Some(schema) = self.body_schema(BodyFields::from(&bm.body), &bptr, &default)?
            else {
                return Err(self.err(
                    &bptr,
                    format!("event `{name}` has no `example`, `examples`, `schema` or `type`"),
                    "add an example of its data; its type is inferred",
                ));
            };
            if let Some(r) = schema.get("$ref") {
                mapping.insert(name.clone(), r.clone());
            }
            members.push(schema);
        }
        let schema = match members.len() {
            1 => members.remove(0),
            _ => {
                json!({"oneOf": members, "discriminator": {"propertyName": "type", "mapping": mapping}})
            }
        };
        let resumable = match &sm.resumable {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(self.err(
                    &seg(ptr, "resumable"),
                    "`resumable` must be true or false",
                    "write `resumable: true` for a stream that resumes with Last-Event-ID",
                ))
            }
        };
        if resumable {
            op.insert("x-sturdy-stream".into(), json!({"resumable": true}));
        }
        let content = resp
            .as_object_mut()
            .map(|r| r.entry("content").or_insert_with(|| json!({})));
        if let Some(Value::Object(c)) = content {
            c.insert("text/event-stream".into(), json!({"schema": schema}));
        }
        Ok(())
    }
}
