//! One endpoint: method, path, parameters, bodies, error responses and policies.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::model::{Endpoint, Ext, Response, Shape};
use super::policies::Retry;
use super::{seg, suggest, Converter, Defaults, METHODS};
use crate::load::LoadError;
use crate::names;

impl Converter<'_> {
    /// One endpoint as (path, method, operation object).
    pub(super) fn endpoint(
        &mut self,
        name: &str,
        ep: &Shape<Ext<Endpoint>>,
        ptr: &str,
        d: &Defaults<'_>,
    ) -> Result<(String, String, Value), LoadError> {
        let e = self.shape(ep, ptr, "an endpoint")?;
        let (method, path) = self.method_and_path(e, name, ptr)?;
        let template = self.template(&path, &seg(ptr, "path"))?;
        let mut op = Map::new();
        op.insert("operationId".into(), json!(name));
        self.describe(e, ptr, &mut op)?;
        if let Some(sec) = self.op_security(e.auth.as_ref(), e.scopes.as_ref(), ptr, d)? {
            op.insert("security".into(), sec);
        }
        let mut params = self.parameters(e.params.as_ref(), ptr, &template, &path)?;
        let mut pagination = None;
        if let Some(p) = &e.pagination {
            let (ext, extra) = self.pagination(p, &seg(ptr, "pagination"), &method)?;
            for (pn, ty) in extra {
                if !params
                    .iter()
                    .any(|x| x["name"] == pn.as_str() && x["in"] == "query")
                {
                    params.push(json!({"name": pn, "in": "query", "required": false, "schema": {"type": ty}}));
                }
            }
            pagination = Some(ext);
        }
        let idem_header = self.idempotency_header(e.idempotency.as_ref(), name, ptr, d)?;
        if let Some(h) = &idem_header {
            add_idempotency_param(&mut params, h);
        }
        if !params.is_empty() {
            op.insert("parameters".into(), Value::Array(params));
        }

        let prefix = names::pascal(name);
        if let Some(r) = &e.request {
            let body = self.request_body(r, &seg(ptr, "request"), &prefix)?;
            op.insert("requestBody".into(), body);
        }
        let mut responses: BTreeMap<String, Value> = BTreeMap::new();
        let (status, mut success) = self.success_response(e.response.as_ref(), ptr, &prefix)?;
        if let Some(Shape::Read(Ext {
            body: Response {
                stream: Some(s), ..
            },
            ..
        })) = &e.response
        {
            let sptr = seg(&seg(ptr, "response"), "stream");
            self.event_stream(s, &sptr, &prefix, &mut success, &mut op)?;
        }
        responses.insert(status, success);
        let mut retry = Retry::default();
        self.error_responses(e.errors.as_ref(), ptr, d, &mut retry, &mut responses)?;
        op.insert(
            "responses".into(),
            Value::Object(responses.into_iter().collect()),
        );

        if let Some(h) = idem_header {
            op.insert("x-sturdy-idempotency".into(), json!({ "header": h }));
        }
        if let Some(p) = pagination {
            op.insert("x-sturdy-pagination".into(), p);
        }
        if let Some(r) = &e.retry {
            retry.add_rules(self, r, &seg(ptr, "retry"))?;
        }
        if let Some(v) = retry.to_value() {
            op.insert("x-sturdy-retry".into(), v);
        }
        if let Some(t) = &e.timeout_ms {
            op.insert(
                "x-sturdy-timeout".into(),
                json!(self.timeout(t, &seg(ptr, "timeout_ms"))?),
            );
        }
        for (k, v) in &e.ext {
            op.insert(k.clone(), v.clone());
        }
        Ok((path, method, Value::Object(op)))
    }

    /// The lower-case method and the path, both required.
    fn method_and_path(
        &self,
        m: &Endpoint,
        name: &str,
        ptr: &str,
    ) -> Result<(String, String), LoadError> {
        let method = match &m.method {
            Some(v) => self
                .string(v, &seg(ptr, "method"), "`method`")?
                .to_ascii_lowercase(),
            None => {
                return Err(self.err(
                    ptr,
                    format!("endpoint `{name}` has no `method`"),
                    "add `method: GET` (or POST, PUT, PATCH, DELETE)",
                ))
            }
        };
        if !METHODS.contains(&method.as_str()) {
            return Err(self.err(
                &seg(ptr, "method"),
                format!("unknown HTTP method `{method}`"),
                format!(
                    "{}one of: GET, PUT, POST, DELETE, PATCH, HEAD, OPTIONS, TRACE",
                    suggest(&method, METHODS)
                ),
            ));
        }
        let path = match &m.path {
            Some(v) => self.string(v, &seg(ptr, "path"), "`path`")?.to_owned(),
            None => {
                return Err(self.err(
                    ptr,
                    format!("endpoint `{name}` has no `path`"),
                    "add `path: /things/{id}`",
                ))
            }
        };
        Ok((method, path))
    }

    /// `summary`, `description`, `tags` and `deprecated` onto `op`.
    fn describe(
        &self,
        m: &Endpoint,
        ptr: &str,
        op: &mut Map<String, Value>,
    ) -> Result<(), LoadError> {
        for (k, v) in [("summary", &m.summary), ("description", &m.description)] {
            if let Some(v) = v {
                op.insert(k.into(), json!(self.string(v, &seg(ptr, k), k)?));
            }
        }
        if let Some(t) = &m.tags {
            let tags: Vec<Value> = match t {
                Value::String(s) => vec![json!(s)],
                Value::Array(a) if a.iter().all(Value::is_string) => a.clone(),
                _ => {
                    return Err(self.err(
                        &seg(ptr, "tags"),
                        "`tags` must be a list of names",
                        "e.g. `tags: [charges]`",
                    ))
                }
            };
            op.insert("tags".into(), Value::Array(tags));
        }
        if let Some(v) = &m.deprecated {
            op.insert(
                "deprecated".into(),
                json!(v.as_bool().ok_or_else(|| self.err(
                    &seg(ptr, "deprecated"),
                    "`deprecated` must be true or false",
                    "write `true`"
                ))?),
            );
        }
        Ok(())
    }

    /// The idempotency header this endpoint sends, if any: its own `idempotency: true|false`,
    /// else the top-level choice.
    fn idempotency_header(
        &self,
        given: Option<&Value>,
        name: &str,
        ptr: &str,
        d: &Defaults<'_>,
    ) -> Result<Option<String>, LoadError> {
        let idem = match given {
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(self.err(
                    &seg(ptr, "idempotency"),
                    "`idempotency` must be true or false",
                    "set the header name under the top-level `idempotency`",
                ))
            }
            None => d.idempotent.contains(name),
        };
        Ok(idem.then(|| {
            d.idempotency_header
                .clone()
                .unwrap_or_else(|| "Idempotency-Key".to_owned())
        }))
    }
}

/// The optional idempotency header parameter, unless the endpoint declares it already.
fn add_idempotency_param(params: &mut Vec<Value>, h: &str) {
    if !params.iter().any(|x| {
        x["in"] == "header"
            && x["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(h))
    }) {
        params.push(json!({"name": h, "in": "header", "description": "A unique key for this logical request; retries send the same key so the server applies it once.", "required": false, "schema": {"type": "string"}}));
    }
}
