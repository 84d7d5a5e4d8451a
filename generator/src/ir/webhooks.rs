//! Webhook events: OpenAPI 3.1 `webhooks`, `x-webhooks`, and contract snapshots (which
//! arrive here as 3.1 `webhooks`).

use openapiv3::{ReferenceOr, Schema};

use crate::ir::names::{self, Scope};
use crate::ir::types::TypeSpace;
use crate::ir::{TypeRef, Webhook, WebhookEnvelope};
use crate::load::Document;
use crate::pointer::{self, escape};
use crate::Warning;

/// The webhook events of `doc`, sorted by name.
pub(crate) fn build(
    doc: &Document,
    space: &mut TypeSpace<'_>,
    warnings: &mut Vec<Warning>,
) -> Vec<Webhook> {
    let mut out = Vec::new();
    let mut variants = Scope::with_reserved(["Unknown"]);
    // With an envelope the event name is read from the envelope (`type` pointer); the
    // payload's own `type` property is a field of the wrapped object, not an event name.
    let enveloped = envelope(doc.raw.get("x-sturdy-webhook-envelope")).is_some();
    for key in ["webhooks", "x-webhooks"] {
        let Some(map) = doc.raw.get(key).and_then(|w| w.as_object()) else {
            continue;
        };
        let mut names: Vec<&String> = map.keys().collect();
        names.sort();
        for name in names {
            let item = &map[name];
            let item_ptr = format!("#/{key}/{}", escape(name));
            let origin = item_ptr.clone();
            let (item, item_ptr) = match item.get("$ref").and_then(|r| r.as_str()) {
                Some(r) => match pointer::target(&doc.raw, r) {
                    Some(v) => (v, r.to_owned()),
                    None => {
                        warnings.push(Warning {
                            pointer: item_ptr,
                            message: format!(
                                "webhook reference `{r}` could not be resolved; event skipped"
                            ),
                        });
                        continue;
                    }
                },
                None => (item, item_ptr),
            };
            let Some((method, op)) = item.as_object().and_then(|o| {
                ["post", "put"]
                    .iter()
                    .find_map(|m| o.get(*m).map(|op| (*m, op)))
            }) else {
                continue;
            };
            let op_ptr = format!("{item_ptr}/{method}");
            let (schema, body_ptr) = payload_schema(doc, op, &op_ptr);
            let variant = variants.claim(&names::pascal(name));
            let ty = payload_type(space, warnings, schema.as_ref(), &body_ptr, &variant);
            let docs = op
                .get("summary")
                .or_else(|| op.get("description"))
                .and_then(|d| d.as_str())
                .map(str::to_owned);
            let discriminator_values = schema
                .filter(|_| !enveloped)
                .and_then(|(_, s)| discriminator_values(doc, s))
                .unwrap_or_default();
            out.push(Webhook {
                name: name.clone(),
                variant,
                ty,
                docs,
                discriminator_values,
                origin,
            });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The JSON schema of an event's payload (the JSON media type's, else the first) with its
/// media type, and the pointer of the request body it is in.
fn payload_schema<'d>(
    doc: &'d Document,
    op: &'d serde_json::Value,
    op_ptr: &str,
) -> (Option<(String, &'d serde_json::Value)>, String) {
    let mut body = op.get("requestBody");
    let mut body_ptr = format!("{op_ptr}/requestBody");
    if let Some(r) = body.and_then(|b| b.get("$ref")).and_then(|r| r.as_str()) {
        body = pointer::target(&doc.raw, r);
        body_ptr = r.to_owned();
    }
    let content = body
        .and_then(|b| b.get("content"))
        .and_then(|c| c.as_object());
    let schema = content.and_then(|c| {
        c.iter()
            .find(|(ct, _)| ct.contains("json"))
            .or_else(|| c.iter().next())
            .and_then(|(ct, mt)| mt.get("schema").map(|s| (ct.clone(), s)))
    });
    (schema, body_ptr)
}

/// The payload's type, named `<Variant>Event`; JSON when there is no schema or it does not
/// parse.
fn payload_type(
    space: &mut TypeSpace<'_>,
    warnings: &mut Vec<Warning>,
    schema: Option<&(String, &serde_json::Value)>,
    body_ptr: &str,
    variant: &str,
) -> TypeRef {
    let Some((ct, s)) = schema else {
        return TypeRef::Json;
    };
    let pointer = format!("{body_ptr}/content/{}/schema", escape(ct));
    match serde_json::from_value::<ReferenceOr<Schema>>((*s).clone()) {
        Ok(parsed) => space.type_of(&parsed, &format!("{variant}Event"), &pointer),
        Err(e) => {
            warnings.push(Warning {
                pointer,
                message: format!("webhook payload schema not understood ({e}); kept as JSON"),
            });
            TypeRef::Json
        }
    }
}

/// Reads `x-sturdy-webhook-envelope: {type, payload, id}`; `type` and `payload` are
/// required JSON pointers (`/data/object`), `id` optional; anything else is ignored.
pub(crate) fn envelope(v: Option<&serde_json::Value>) -> Option<WebhookEnvelope> {
    let ptr = |k: &str| {
        v?.get(k)?
            .as_str()
            .filter(|p| p.starts_with('/'))
            .map(str::to_owned)
    };
    Some(WebhookEnvelope {
        type_pointer: ptr("type")?,
        payload_pointer: ptr("payload")?,
        id_pointer: ptr("id"),
    })
}

/// Values of a `type`/`event` property fixed by `enum`/`const` in the payload schema.
fn discriminator_values(doc: &Document, schema: &serde_json::Value) -> Option<Vec<String>> {
    let props = pointer::follow(&doc.raw, schema).get("properties")?;
    for key in ["type", "event", "event_type", "action"] {
        if let Some(p) = props.get(key) {
            if let Some(values) = p.get("enum").and_then(|e| e.as_array()) {
                let v: Vec<String> = values
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect();
                if !v.is_empty() && key != "action" {
                    return Some(v);
                }
            }
        }
    }
    None
}
