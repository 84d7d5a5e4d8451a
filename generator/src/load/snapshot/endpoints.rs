//! One endpoint: method, path, parameters, bodies, error responses and policies.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::policies::Retry;
use super::{seg, suggest, Converter, Defaults, BODY_KEYS, ENDPOINT_KEYS, METHODS, RESPONSE_KEYS};
use crate::ir::names;
use crate::load::LoadError;

impl Converter<'_> {
    pub(super) fn endpoint(
        &mut self,
        name: &str,
        ep: &Value,
        ptr: &str,
        d: &Defaults<'_>,
    ) -> Result<(String, String, Value), LoadError> {
        let m = self.map(ep, ptr, "an endpoint")?;
        self.keys(m, ptr, ENDPOINT_KEYS)?;
        let method = match m.get("method") {
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
        let path = match m.get("path") {
            Some(v) => self.string(v, &seg(ptr, "path"), "`path`")?.to_owned(),
            None => {
                return Err(self.err(
                    ptr,
                    format!("endpoint `{name}` has no `path`"),
                    "add `path: /things/{id}`",
                ))
            }
        };
        let template = self.template(&path, &seg(ptr, "path"))?;
        let mut op = Map::new();
        op.insert("operationId".into(), json!(name));
        for k in ["summary", "description"] {
            if let Some(v) = m.get(k) {
                op.insert(k.into(), json!(self.string(v, &seg(ptr, k), k)?));
            }
        }
        if let Some(t) = m.get("tags") {
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
        if let Some(v) = m.get("deprecated") {
            op.insert(
                "deprecated".into(),
                json!(v.as_bool().ok_or_else(|| self.err(
                    &seg(ptr, "deprecated"),
                    "`deprecated` must be true or false",
                    "write `true`"
                ))?),
            );
        }
        if let Some(sec) = self.op_security(m, ptr, d)? {
            op.insert("security".into(), sec);
        }

        // Parameters: path ones in template order, then the rest as declared.
        let mut declared: Vec<(String, Value)> = Vec::new();
        let mut path_params: BTreeMap<String, Value> = BTreeMap::new();
        if let Some(ps) = m.get("params") {
            let pptr = seg(ptr, "params");
            for (pn, pv) in self.map(ps, &pptr, "`params`")? {
                let p = self.param(pn, pv, &seg(&pptr, pn), &template, &path)?;
                if p["in"] == "path" {
                    path_params.insert(pn.clone(), p);
                } else {
                    declared.push((pn.clone(), p));
                }
            }
        }
        let mut params: Vec<Value> = template
            .iter()
            .map(|t| path_params.remove(t).unwrap_or_else(|| json!({"name": t, "in": "path", "required": true, "schema": {"type": "string"}})))
            .collect();
        params.extend(declared.into_iter().map(|(_, p)| p));

        let prefix = names::pascal(name);
        let mut pagination = None;
        if let Some(p) = m.get("pagination") {
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
        let idem = match m.get("idempotency") {
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
        let idem_header = if idem {
            Some(
                d.idempotency_header
                    .clone()
                    .unwrap_or_else(|| "Idempotency-Key".to_owned()),
            )
        } else {
            None
        };
        if let Some(h) = &idem_header {
            if !params.iter().any(|x| {
                x["in"] == "header"
                    && x["name"]
                        .as_str()
                        .is_some_and(|n| n.eq_ignore_ascii_case(h))
            }) {
                params.push(json!({"name": h, "in": "header", "description": "A unique key for this logical request; retries send the same key so the server applies it once.", "required": false, "schema": {"type": "string"}}));
            }
        }
        if !params.is_empty() {
            op.insert("parameters".into(), Value::Array(params));
        }

        if let Some(r) = m.get("request") {
            let rptr = seg(ptr, "request");
            let rm = self.map(r, &rptr, "`request`")?;
            self.keys(rm, &rptr, BODY_KEYS)?;
            let ct = self.content_type(rm, &rptr)?;
            let schema = self.body_schema(rm, &rptr, &format!("{prefix}Request"))?;
            let Some(schema) = schema else {
                return Err(self.err(
                    &rptr,
                    "the request has no `example`, `examples`, `schema` or `type`",
                    "add an example body; its type is inferred",
                ));
            };
            let mut body = Map::new();
            if let Some(dsc) = rm.get("description") {
                body.insert(
                    "description".into(),
                    json!(self.string(dsc, &seg(&rptr, "description"), "`description`")?),
                );
            }
            let required = match rm.get("required") {
                None => true,
                Some(Value::Bool(b)) => *b,
                Some(_) => {
                    return Err(self.err(
                        &seg(&rptr, "required"),
                        "`required` must be true or false",
                        "write `false` for an optional body",
                    ))
                }
            };
            body.insert("required".into(), json!(required));
            body.insert("content".into(), json!({ ct: {"schema": schema} }));
            op.insert("requestBody".into(), Value::Object(body));
        }

        let mut responses: BTreeMap<String, Value> = BTreeMap::new();
        match m.get("response") {
            None | Some(Value::Null) => {
                responses.insert("204".into(), json!({"description": "No content."}));
            }
            Some(r) => {
                let rptr = seg(ptr, "response");
                let rm = self.map(r, &rptr, "`response`")?;
                self.keys(rm, &rptr, RESPONSE_KEYS)?;
                let status = match rm.get("status") {
                    None => 200,
                    Some(s) => match s
                        .as_u64()
                        .or_else(|| s.as_str().and_then(|x| x.parse().ok()))
                    {
                        Some(n @ 200..=299) => n,
                        _ => {
                            return Err(self.err(
                                &seg(&rptr, "status"),
                                "the success status must be 200-299",
                                "describe failures under `errors:`",
                            ))
                        }
                    },
                };
                let ct = self.content_type(rm, &rptr)?;
                let schema = self.body_schema(rm, &rptr, &format!("{prefix}Response"))?;
                let desc = match rm.get("description") {
                    Some(x) => self
                        .string(x, &seg(&rptr, "description"), "`description`")?
                        .to_owned(),
                    None => "Success.".to_owned(),
                };
                let mut resp = Map::new();
                resp.insert("description".into(), json!(desc));
                if let Some(s) = schema {
                    resp.insert("content".into(), json!({ ct: {"schema": s} }));
                }
                responses.insert(status.to_string(), Value::Object(resp));
            }
        }

        // Error cases: the API's, then the endpoint's, grouped by status.
        let mut retry = Retry::default();
        let mut by_status: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut cases: Vec<(String, &Map<String, Value>)> = Vec::new();
        for (s, c) in &d.api_errors {
            if let Some(cm) = c.as_object() {
                cases.push((s.clone(), cm));
            }
        }
        if let Some(list) = m.get("errors") {
            let eptr = seg(ptr, "errors");
            for (i, c) in self.cases(list, &eptr)?.into_iter().enumerate() {
                let (s, cm) = self.case(c, &format!("{eptr}/{i}"))?;
                retry.add_case(cm);
                cases.push((s, cm));
            }
        }
        for (s, c) in cases {
            let mut line = match c.get("code").and_then(Value::as_str) {
                Some(code) => format!("`{code}`"),
                None => "Error".to_owned(),
            };
            if let Some(x) = c.get("description").and_then(Value::as_str) {
                line.push_str(&format!(": {x}"));
            }
            if c.get("terminal") == Some(&json!(true)) {
                line.push_str(" (terminal: not retried)");
            } else if c.get("retryable") == Some(&json!(true)) {
                line.push_str(" (retryable)");
            }
            let entry = by_status.entry(s).or_default();
            if !entry.contains(&line) {
                entry.push(line);
            }
        }
        for (s, lines) in by_status {
            let mut resp = Map::new();
            resp.insert("description".into(), json!(lines.join("\n")));
            if let Some(schema) = &d.error_schema {
                resp.insert(
                    "content".into(),
                    json!({"application/json": {"schema": schema}}),
                );
            }
            responses.insert(s, Value::Object(resp));
        }
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
        if let Some(r) = m.get("retry") {
            retry.add_rules(self, r, &seg(ptr, "retry"))?;
        }
        if let Some(v) = retry.to_value() {
            op.insert("x-sturdy-retry".into(), v);
        }
        if let Some(t) = m.get("timeout_ms") {
            op.insert(
                "x-sturdy-timeout".into(),
                json!(self.timeout(t, &seg(ptr, "timeout_ms"))?),
            );
        }
        for (k, v) in m {
            if k.starts_with("x-") {
                op.insert(k.clone(), v.clone());
            }
        }
        Ok((path, method, Value::Object(op)))
    }
}
