//! `webhooks`: events as 3.1 `webhooks`, and the signature scheme.

use serde_json::{json, Map, Value};

use super::bodies::BodyFields;
use super::model::{Ext, Shape, Webhooks};
use super::responses::media;
use super::{seg, Converter};
use crate::load::LoadError;
use crate::names;

impl Converter<'_> {
    pub(super) fn webhooks(
        &mut self,
        v: &Shape<Ext<Webhooks>>,
    ) -> Result<(Value, Option<Value>), LoadError> {
        let ptr = "#/webhooks";
        let m = self.shape(v, ptr, "`webhooks`")?;
        let signature = match &m.signature {
            Some(s) => Some(self.signature(s, &seg(ptr, "signature"))?),
            None => None,
        };
        let events = match &m.events {
            Some(e) => self.shape(e, &seg(ptr, "events"), "`events`")?,
            None => {
                return Err(self.err(
                    ptr,
                    "`webhooks` has no `events`",
                    "list each event with an example payload",
                ))
            }
        };
        let mut out = Map::new();
        for (name, ev) in events {
            let eptr = seg(&seg(ptr, "events"), name);
            let em = self.shape(ev, &eptr, "an event")?;
            let fields = BodyFields::from(&em.body);
            let default = format!("{}Event", names::pascal(name));
            let Some(schema) = self.body_schema(fields, &eptr, &default)? else {
                return Err(self.err(
                    &eptr,
                    format!("event `{name}` has no `example`, `examples`, `schema` or `type`"),
                    "paste a payload you received",
                ));
            };
            let examples = fields.examples();
            self.pin_event_name(name, &schema, &examples);
            let mut op = Map::new();
            for (k, x) in [("summary", &em.summary), ("description", &em.description)] {
                if let Some(x) = x {
                    op.insert(k.into(), json!(self.string(x, &seg(&eptr, k), k)?));
                }
            }
            op.insert(
                "requestBody".into(),
                json!({"required": true, "content": {"application/json": media(schema, &examples)}}),
            );
            op.insert(
                "responses".into(),
                json!({"200": {"description": "Any 2xx status acknowledges the event."}}),
            );
            out.insert(name.clone(), json!({ "post": Value::Object(op) }));
        }
        Ok((Value::Object(out), signature))
    }

    /// When every example of an event with a named payload type names the event in `type`,
    /// `event` or `event_type` (the first that does), that field is pinned to the event names.
    fn pin_event_name(&mut self, name: &str, schema: &Value, examples: &[&Value]) {
        let (Some(r), false) = (
            schema.get("$ref").and_then(Value::as_str),
            examples.is_empty(),
        ) else {
            return;
        };
        let ty = r.trim_start_matches("#/components/schemas/").to_owned();
        for field in ["type", "event", "event_type"] {
            if examples
                .iter()
                .all(|e| e.get(field).and_then(Value::as_str) == Some(name))
            {
                let values = self.pins.entry((ty, field.to_owned())).or_default();
                if !values.iter().any(|v| v == name) {
                    values.push(name.to_owned());
                }
                break;
            }
        }
    }
}
