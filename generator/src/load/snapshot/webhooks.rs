//! `webhooks`: events as 3.1 `webhooks`, and the signature scheme.

use serde_json::{json, Map, Value};

use super::report::examples_of;
use super::responses::media;
use super::{seg, Converter};
use crate::load::LoadError;
use crate::names;

impl Converter<'_> {
    pub(super) fn webhooks(&mut self, v: &Value) -> Result<(Value, Option<Value>), LoadError> {
        let ptr = "#/webhooks";
        let m = self.map(v, ptr, "`webhooks`")?;
        let signature = match m.get("signature") {
            Some(s) => Some(self.signature(s, &seg(ptr, "signature"))?),
            None => None,
        };
        let events = match m.get("events") {
            Some(e) => self.map(e, &seg(ptr, "events"), "`events`")?,
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
            let em = self.map(ev, &eptr, "an event")?;
            let default = format!("{}Event", names::pascal(name));
            let Some(schema) = self.body_schema(em, &eptr, &default)? else {
                return Err(self.err(
                    &eptr,
                    format!("event `{name}` has no `example`, `examples`, `schema` or `type`"),
                    "paste a payload you received",
                ));
            };
            let examples = examples_of(em);
            if let (Some(r), false) = (
                schema.get("$ref").and_then(Value::as_str),
                examples.is_empty(),
            ) {
                let ty = r.trim_start_matches("#/components/schemas/").to_owned();
                for field in ["type", "event", "event_type"] {
                    if examples
                        .iter()
                        .all(|e| e.get(field).and_then(Value::as_str) == Some(name.as_str()))
                    {
                        let values = self.pins.entry((ty.clone(), field.to_owned())).or_default();
                        if !values.contains(name) {
                            values.push(name.clone());
                        }
                        break;
                    }
                }
            }
            let mut op = Map::new();
            for k in ["summary", "description"] {
                if let Some(x) = em.get(k) {
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
}
