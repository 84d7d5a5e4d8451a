//! An endpoint's request body and responses (success and error cases), with the snapshot's
//! examples kept where mock servers such as Prism serve them.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::bodies::BodyFields;
use super::model::{Body, ErrorCase, Ext, List, Response, Shape};
use super::policies::Retry;
use super::{seg, Converter, Defaults};
use crate::load::LoadError;

/// A media type object: the schema, and the examples as OpenAPI writes them (one as `example`,
/// several as `examples` named `example1`, `example2`, ... in the order given).
pub(super) fn media(schema: Value, examples: &[&Value]) -> Value {
    let mut m = Map::new();
    m.insert("schema".into(), schema);
    match examples {
        [] => {}
        [one] => {
            m.insert("example".into(), (*one).clone());
        }
        many => {
            let named: Map<String, Value> = many
                .iter()
                .enumerate()
                .map(|(i, e)| (format!("example{}", i + 1), json!({ "value": e })))
                .collect();
            m.insert("examples".into(), Value::Object(named));
        }
    }
    Value::Object(m)
}

impl Converter<'_> {
    /// `requestBody` from an endpoint's `request`.
    pub(super) fn request_body(
        &mut self,
        r: &Shape<Ext<Body>>,
        rptr: &str,
        prefix: &str,
    ) -> Result<Value, LoadError> {
        let rm = self.shape(r, rptr, "`request`")?;
        let ct = self.content_type(rm.content_type.as_ref(), rptr)?;
        let fields = BodyFields::from(&rm.body);
        let schema = self.body_schema(fields, rptr, &format!("{prefix}Request"))?;
        let Some(schema) = schema else {
            return Err(self.err(
                rptr,
                "the request has no `example`, `examples`, `schema` or `type`",
                "add an example body; its type is inferred",
            ));
        };
        let mut body = Map::new();
        if let Some(dsc) = &rm.description {
            body.insert(
                "description".into(),
                json!(self.string(dsc, &seg(rptr, "description"), "`description`")?),
            );
        }
        let required = match &rm.required {
            None => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(self.err(
                    &seg(rptr, "required"),
                    "`required` must be true or false",
                    "write `false` for an optional body",
                ))
            }
        };
        body.insert("required".into(), json!(required));
        body.insert(
            "content".into(),
            json!({ ct: media(schema, &fields.examples()) }),
        );
        Ok(Value::Object(body))
    }

    /// The success response (status, response object) from an endpoint's `response`; none at
    /// all is `204 No Content`.
    pub(super) fn success_response(
        &mut self,
        r: Option<&Shape<Ext<Response>>>,
        ptr: &str,
        prefix: &str,
    ) -> Result<(String, Value), LoadError> {
        let r = match r {
            None | Some(Shape::Other(Value::Null)) => {
                return Ok(("204".into(), json!({"description": "No content."})))
            }
            Some(r) => r,
        };
        let rptr = seg(ptr, "response");
        let rm = self.shape(r, &rptr, "`response`")?;
        let status = match &rm.status {
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
        let ct = self.content_type(rm.content_type.as_ref(), &rptr)?;
        let fields = BodyFields::from(&rm.body);
        let schema = self.body_schema(fields, &rptr, &format!("{prefix}Response"))?;
        let desc = match &rm.description {
            Some(x) => self
                .string(x, &seg(&rptr, "description"), "`description`")?
                .to_owned(),
            None => "Success.".to_owned(),
        };
        let mut resp = Map::new();
        resp.insert("description".into(), json!(desc));
        if let Some(s) = schema {
            resp.insert(
                "content".into(),
                json!({ ct: media(s, &fields.examples()) }),
            );
        }
        Ok((status.to_string(), Value::Object(resp)))
    }

    /// Error responses: the API's cases, then the endpoint's, grouped by status; each case's
    /// `example` is an example of its status's body.
    pub(super) fn error_responses(
        &self,
        errors: Option<&List<ErrorCase>>,
        ptr: &str,
        d: &Defaults<'_>,
        retry: &mut Retry,
        responses: &mut BTreeMap<String, Value>,
    ) -> Result<(), LoadError> {
        let mut cases: Vec<(String, &ErrorCase)> = Vec::new();
        for (s, c) in &d.api_errors {
            cases.push((s.clone(), *c));
        }
        if let Some(list) = errors {
            let eptr = seg(ptr, "errors");
            for (i, c) in self.cases(list, &eptr)?.iter().enumerate() {
                let (s, cm) = self.case(c, &format!("{eptr}/{i}"))?;
                retry.add_case(cm);
                cases.push((s, cm));
            }
        }
        let mut by_status: BTreeMap<String, (Vec<String>, Vec<&Value>)> = BTreeMap::new();
        for (s, c) in cases {
            let (lines, examples) = by_status.entry(s).or_default();
            let line = case_line(c);
            if !lines.contains(&line) {
                lines.push(line);
            }
            if let Some(e) = c.example.as_ref().filter(|e| !examples.contains(e)) {
                examples.push(e);
            }
        }
        for (s, (lines, examples)) in by_status {
            let mut resp = Map::new();
            resp.insert("description".into(), json!(lines.join("\n")));
            if let Some(schema) = &d.error_schema {
                resp.insert(
                    "content".into(),
                    json!({"application/json": media(schema.clone(), &examples)}),
                );
            }
            responses.insert(s, Value::Object(resp));
        }
        Ok(())
    }
}

/// One line of an error response's description: code, description, retry behaviour.
fn case_line(c: &ErrorCase) -> String {
    let mut line = match c.code.as_ref().and_then(Value::as_str) {
        Some(code) => format!("`{code}`"),
        None => "Error".to_owned(),
    };
    if let Some(x) = c.description.as_ref().and_then(Value::as_str) {
        line.push_str(&format!(": {x}"));
    }
    if c.terminal == Some(json!(true)) {
        line.push_str(" (terminal: not retried)");
    } else if c.retryable == Some(json!(true)) {
        line.push_str(" (retryable)");
    }
    line
}
