//! Streaming responses: an operation whose success response offers `text/event-stream` gets
//! a streaming method beside its plain one.
//!
//! - The event type is the event-stream media type's schema. When that schema is a `oneOf`/
//!   `anyOf` of several events (or has a discriminator), events the spec does not describe
//!   fall back to their raw name and data at run time. With a discriminator, an event whose
//!   data lacks the discriminator property is keyed by its SSE `event:` name.
//! - When the request body has a boolean `stream` property (directly or through `allOf`),
//!   the streaming method sets it to `true`.
//! - `x-sturdy-stream: {resumable: true}` on the operation marks the stream resumable
//!   (reconnect with `Last-Event-ID`).

use openapiv3::{ReferenceOr, Response};
use serde_json::Value;

use super::operations::Ctx;
use super::resolve::resolve;
use super::{Streaming, TypeRef};
use crate::load::Document;
use crate::pointer::{escape, of_ref as pointer_of};

/// The streaming response of `op`, if it has one.
pub(crate) fn detect(
    cx: &mut Ctx<'_, '_>,
    op: &openapiv3::Operation,
    pointer: &str,
    type_prefix: &str,
) -> Option<Streaming> {
    let doc = cx.doc;
    let (key, resp) = op.responses.responses.iter().find(|(code, _)| match code {
        openapiv3::StatusCode::Code(c) => (200..300).contains(c),
        openapiv3::StatusCode::Range(d) => *d == 2,
    })?;
    let here = format!("{pointer}/responses/{key}");
    let (resp, at): (Response, String) = resolve(doc, resp, &here)?;
    let (ct, media) = resp.content.iter().find(|(ct, _)| {
        ct.split(';')
            .next()
            .is_some_and(|c| c.trim().eq_ignore_ascii_case("text/event-stream"))
    })?;
    let event = match &media.schema {
        Some(s) => cx.space.type_of(
            s,
            &format!("{type_prefix}StreamEvent"),
            &format!("{at}/content/{}/schema", escape(ct)),
        ),
        None => TypeRef::Json,
    };
    let raw_event = media.schema.as_ref().and_then(|s| raw_schema(doc, s));
    let several = raw_event.as_ref().is_some_and(is_several);
    let tag = raw_event
        .as_ref()
        .filter(|_| several)
        .and_then(|v| v.pointer("/discriminator/propertyName"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let stream_flag = op
        .request_body
        .as_ref()
        .and_then(|b| resolve(doc, b, &format!("{pointer}/requestBody")))
        .and_then(|(b, _)| {
            b.content
                .iter()
                .find(|(ct, _)| ct.contains("json"))
                .and_then(|(_, m)| m.schema.clone())
        })
        .and_then(|s| raw_schema(doc, &s))
        .is_some_and(|v| has_bool_property(doc, &v, "stream", 0));
    let resumable = op
        .extensions
        .get("x-sturdy-stream")
        .and_then(|v| v.get("resumable"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Some(Streaming {
        event,
        several,
        tag,
        stream_flag,
        resumable,
    })
}

/// The JSON of a schema, following references.
fn raw_schema<T: serde::Serialize>(doc: &Document, s: &ReferenceOr<T>) -> Option<Value> {
    match s {
        ReferenceOr::Reference { reference } => {
            follow(doc, doc.raw.pointer(pointer_of(reference)?)?).cloned()
        }
        ReferenceOr::Item(v) => serde_json::to_value(v).ok(),
    }
}

fn follow<'d>(doc: &'d Document, mut v: &'d Value) -> Option<&'d Value> {
    for _ in 0..32 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => v = doc.raw.pointer(pointer_of(r)?)?,
            None => return Some(v),
        }
    }
    None
}

fn is_several(v: &Value) -> bool {
    let members = |k: &str| v.get(k).and_then(Value::as_array).map_or(0, Vec::len);
    members("oneOf") > 1 || members("anyOf") > 1 || v.get("discriminator").is_some()
}

/// Whether `v` (or a schema it combines with `allOf`) has a boolean property `name`.
fn has_bool_property(doc: &Document, v: &Value, name: &str, depth: u8) -> bool {
    if depth > 8 {
        return false;
    }
    let Some(v) = follow(doc, v) else {
        return false;
    };
    if let Some(p) = v.get("properties").and_then(|p| p.get(name)) {
        if follow(doc, p).is_some_and(is_boolean) {
            return true;
        }
    }
    v.get("allOf").and_then(Value::as_array).is_some_and(|all| {
        all.iter()
            .any(|m| has_bool_property(doc, m, name, depth + 1))
    })
}

fn is_boolean(v: &Value) -> bool {
    let ty = |v: &Value| match v.get("type") {
        Some(Value::String(t)) => t == "boolean",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "boolean"),
        _ => false,
    };
    ty(v)
        || ["anyOf", "oneOf"].iter().any(|k| {
            v.get(*k)
                .and_then(Value::as_array)
                .is_some_and(|ms| ms.iter().any(ty))
        })
}

#[cfg(test)]
mod tests;
