//! Bodies (requests, responses, event payloads): explicit schemas, named types, inferred
//! types, `names:` overrides and content types.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::infer::{self, Shape};
use super::model;
use super::{seg, Converter, CONTENT_TYPES};
use crate::load::LoadError;
use crate::names;

/// The keys every body (request, response, event, stream event, error body) describes its
/// schema with.
#[derive(Clone, Copy, Default)]
pub(super) struct BodyFields<'m> {
    pub(super) schema: Option<&'m Value>,
    /// `type`: the body's type name.
    pub(super) name: Option<&'m Value>,
    pub(super) example: Option<&'m Value>,
    pub(super) examples: Option<&'m Value>,
    pub(super) names: Option<&'m Value>,
}

impl<'m> BodyFields<'m> {
    /// `example`, then each of `examples` (when it is a list).
    pub(super) fn examples(&self) -> Vec<&'m Value> {
        let mut out: Vec<&Value> = self.example.into_iter().collect();
        if let Some(Value::Array(a)) = self.examples {
            out.extend(a.iter());
        }
        out
    }
}

/// `From<&T> for BodyFields` for the model's bodies (they share the keys' names).
macro_rules! body_fields {
    ($($t:ty),*) => {$(
        impl<'m> From<&'m $t> for BodyFields<'m> {
            fn from(e: &'m $t) -> Self {
                BodyFields {
                    schema: e.schema.as_ref(),
                    name: e.name.as_ref(),
                    example: e.example.as_ref(),
                    examples: e.examples.as_ref(),
                    names: e.names.as_ref(),
                }
            }
        }
    )*};
}

body_fields!(model::Event, model::Body, model::Response, model::ErrorBody);

impl<'m> From<&'m model::StreamEvent> for BodyFields<'m> {
    fn from(e: &'m model::StreamEvent) -> Self {
        BodyFields {
            schema: e.schema.as_ref(),
            name: e.name.as_ref(),
            example: e.example.as_ref(),
            examples: e.examples.as_ref(),
            names: None,
        }
    }
}

impl Converter<'_> {
    /// Rewrites `$ref: Name` shorthands to `#/components/schemas/Name`, remembering each.
    pub(super) fn rewrite_refs(&mut self, v: &Value, ptr: &str) -> Value {
        match v {
            Value::Object(m) => {
                let mut o = Map::new();
                for (k, x) in m {
                    let here = seg(ptr, k);
                    if k == "$ref" {
                        if let Some(r) = x.as_str() {
                            let name = r.strip_prefix("#/components/schemas/").unwrap_or(r);
                            if !name.contains('/') && !name.starts_with('#') {
                                self.refs.push((here, name.to_owned()));
                                o.insert(k.clone(), json!(format!("#/components/schemas/{name}")));
                                continue;
                            }
                        }
                    }
                    o.insert(k.clone(), self.rewrite_refs(x, &here));
                }
                Value::Object(o)
            }
            Value::Array(a) => Value::Array(
                a.iter()
                    .enumerate()
                    .map(|(i, x)| self.rewrite_refs(x, &format!("{ptr}/{i}")))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    pub(super) fn names(
        &self,
        v: &Value,
        ptr: &str,
    ) -> Result<BTreeMap<String, String>, LoadError> {
        let m = self.map(v, ptr, "`names`")?;
        let mut out = BTreeMap::new();
        for (k, n) in m {
            let p = seg(ptr, k);
            let n = self.string(n, &p, "a type name")?;
            if names::pascal(n) != n {
                return Err(self.err(
                    &p,
                    format!("type name `{n}` is not UpperCamelCase"),
                    format!("call it `{}`", names::pascal(n)),
                ));
            }
            let key = if k.is_empty() || k.starts_with('/') {
                k.clone()
            } else {
                format!("/{}", k.replace('.', "/"))
            };
            out.insert(key, n.to_owned());
        }
        Ok(out)
    }

    /// The schema of a body (request, response, event): explicit, named, or inferred.
    pub(super) fn body_schema(
        &mut self,
        m: BodyFields<'_>,
        ptr: &str,
        default_name: &str,
    ) -> Result<Option<Value>, LoadError> {
        if let Some(s) = m.schema {
            self.map(s, &seg(ptr, "schema"), "`schema`")?;
            return Ok(Some(self.rewrite_refs(s, &seg(ptr, "schema"))));
        }
        let name = match m.name {
            Some(t) => {
                let t = self.string(t, &seg(ptr, "type"), "`type`")?;
                if names::pascal(t) != t {
                    return Err(self.err(
                        &seg(ptr, "type"),
                        format!("type name `{t}` is not UpperCamelCase"),
                        format!(
                            "call it `{}` (primitive bodies need `schema: {{type: {t}}}`)",
                            names::pascal(t)
                        ),
                    ));
                }
                t.to_owned()
            }
            None => default_name.to_owned(),
        };
        let examples: Vec<&Value> = m.examples();
        if let Some(Value::Array(_)) | None = m.examples {
        } else {
            return Err(self.err(
                &seg(ptr, "examples"),
                "`examples` must be a list",
                "use `example:` for a single example",
            ));
        }
        if examples.is_empty() {
            if self.registry.explicit.contains(&name) {
                return Ok(Some(infer::reference(&name)));
            }
            if m.name.is_some() {
                self.refs.push((seg(ptr, "type"), name.clone()));
                return Ok(Some(infer::reference(&name)));
            }
            return Ok(None);
        }
        let overrides = match m.names {
            Some(n) => self.names(n, &seg(ptr, "names"))?,
            None => BTreeMap::new(),
        };
        let mut shape = Shape::of_examples(examples);
        self.registry.extract_site(&mut shape, &name, &overrides);
        Ok(Some(infer::schema_of(&shape)))
    }

    /// A body's `content_type` (JSON when not given).
    pub(super) fn content_type(&self, v: Option<&Value>, ptr: &str) -> Result<String, LoadError> {
        match v {
            None => Ok("application/json".to_owned()),
            Some(v) => {
                let ct = self.string(v, &seg(ptr, "content_type"), "`content_type`")?;
                if CONTENT_TYPES.contains(&ct) || ct.ends_with("+json") {
                    Ok(ct.to_owned())
                } else {
                    Err(self.err(
                        &seg(ptr, "content_type"),
                        format!("content type `{ct}` is not supported in snapshots"),
                        format!(
                            "one of: {} (write an OpenAPI document for others)",
                            CONTENT_TYPES.join(", ")
                        ),
                    ))
                }
            }
        }
    }
}
