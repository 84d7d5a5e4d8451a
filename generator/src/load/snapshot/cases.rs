//! The error body (`error:`) and error cases (`errors:`), API-wide and per endpoint.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde_json::{json, Value};

use super::bodies::BodyFields;
use super::infer::{self, Shape};
use super::model::{self, Endpoint, ErrorBody, ErrorCase, Ext, Snapshot};
use super::policies::Retry;
use super::report::kind;
use super::{seg, Converter};

use crate::load::LoadError;

/// What the top level says about errors.
pub(super) struct ApiError<'v> {
    /// `x-sturdy-error`: where the message sits in the error body.
    pub pointer: Option<String>,
    /// The error body's schema (explicit or inferred from every error example).
    pub schema: Option<Value>,
    /// API-wide cases: (status key, case).
    pub cases: Vec<(String, &'v ErrorCase)>,
    /// Retry facts from the API-wide cases.
    pub retry: Retry,
}

impl Converter<'_> {
    /// `error:` and top-level `errors:`; the error type is inferred from the examples of
    /// `error:`, of every API-wide case and of every endpoint's cases.
    pub(super) fn api_error<'v>(
        &mut self,
        root: &'v Snapshot,
        endpoints: &'v IndexMap<String, model::Shape<Ext<Endpoint>>>,
        explicit: &mut Vec<(String, Value)>,
    ) -> Result<ApiError<'v>, LoadError> {
        let body = match &root.error {
            Some(model::Shape::Read(e)) => Some(&e.body),
            _ => None,
        };
        let name = body
            .and_then(|e| e.name.as_ref())
            .and_then(Value::as_str)
            .unwrap_or("ApiError")
            .to_owned();
        let mut shape = Shape::default();
        let (pointer, explicit_schema) = match &root.error {
            Some(e) => self.error_body(e, &mut shape)?,
            None => (None, None),
        };
        let mut cases = Vec::new();
        let mut retry = Retry::default();
        if let Some(list) = &root.errors {
            for (i, case) in self.cases(list, "#/errors")?.iter().enumerate() {
                let (status, c) = self.case(case, &format!("#/errors/{i}"))?;
                if let Some(ex) = &c.example {
                    shape.observe(ex);
                }
                retry.add_case(c);
                cases.push((status, c));
            }
        }
        for c in endpoints.values().flat_map(endpoint_cases) {
            if let Some(ex) = &c.example {
                shape.observe(ex);
            }
        }
        let schema = if let Some(s) = explicit_schema {
            explicit.push((name.clone(), s));
            self.registry.explicit.insert(name.clone());
            Some(infer::reference(&name))
        } else if shape.samples > 0 {
            let overrides = match body.and_then(|e| e.names.as_ref()) {
                Some(n) => self.names(n, "#/error/names")?,
                None => BTreeMap::new(),
            };
            self.registry.extract_site(&mut shape, &name, &overrides);
            Some(infer::schema_of(&shape))
        } else {
            None
        };
        Ok(ApiError {
            pointer,
            schema,
            cases,
            retry,
        })
    }

    /// `error:`: its pointer and explicit schema; its examples are observed into `shape`.
    fn error_body(
        &mut self,
        e: &model::Shape<Ext<ErrorBody>>,
        shape: &mut Shape,
    ) -> Result<(Option<String>, Option<Value>), LoadError> {
        let m = self.shape(e, "#/error", "`error`")?;
        let mut pointer = None;
        if let Some(p) = &m.pointer {
            let p = self.string(p, "#/error/pointer", "`pointer`")?;
            if !(p.is_empty() || p.starts_with('/')) {
                return Err(self.err(
                    "#/error/pointer",
                    format!("`{p}` is not a JSON pointer"),
                    "write it like `/error` (or `\"\"` for the whole body)",
                ));
            }
            pointer = Some(p.to_owned());
        }
        let mut schema = None;
        if let Some(s) = &m.schema {
            self.map(s, "#/error/schema", "`schema`")?;
            schema = Some(self.rewrite_refs(s, "#/error/schema"));
        }
        for ex in BodyFields::from(&m.body).examples() {
            shape.observe(ex);
        }
        Ok((pointer, schema))
    }

    pub(super) fn cases<'m>(
        &self,
        v: &'m model::List<ErrorCase>,
        ptr: &str,
    ) -> Result<&'m [model::Shape<Ext<ErrorCase>>], LoadError> {
        match v {
            model::Shape::Read(a) => Ok(a),
            model::Shape::Other(other) => Err(self.err(
                ptr,
                format!("`errors` must be a list, found {}", kind(other)),
                "e.g. `errors: [{status: 402, code: card_declined, terminal: true}]`",
            )),
        }
    }

    /// Validates one error case; returns its status key (`402`, `4XX`, `default`).
    pub(super) fn case<'m>(
        &self,
        v: &'m model::Shape<Ext<ErrorCase>>,
        ptr: &str,
    ) -> Result<(String, &'m ErrorCase), LoadError> {
        let m = self.shape(v, ptr, "an error case")?;
        let status = match &m.status {
            Some(Value::Number(n)) if n.as_u64().is_some_and(|s| (400..=599).contains(&s)) => {
                n.to_string()
            }
            Some(Value::String(s))
                if matches!(s.as_str(), "4XX" | "5XX" | "default")
                    || s.parse::<u16>().is_ok_and(|n| (400..=599).contains(&n)) =>
            {
                s.clone()
            }
            Some(_) => {
                return Err(self.err(
                    &seg(ptr, "status"),
                    "an error status must be 400-599, `4XX`, `5XX` or `default`",
                    "e.g. `status: 402`",
                ))
            }
            None => {
                return Err(self.err(
                    ptr,
                    "the error case has no `status`",
                    "add `status: 4xx/5xx`",
                ))
            }
        };
        for (k, given) in [("retryable", &m.retryable), ("terminal", &m.terminal)] {
            if let Some(b) = given {
                if !b.is_boolean() {
                    return Err(self.err(
                        &seg(ptr, k),
                        format!("`{k}` must be true or false"),
                        "write `true` or `false`",
                    ));
                }
            }
        }
        if m.retryable == Some(json!(true)) && m.terminal == Some(json!(true)) {
            return Err(self.err(
                ptr,
                "an error case cannot be both `retryable` and `terminal`",
                "keep the one that is true",
            ));
        }
        if let Some(c) = &m.code {
            self.string(c, &seg(ptr, "code"), "`code`")?;
        }
        Ok((status, &m.body))
    }
}

/// An endpoint's error cases that are mappings (checked when the endpoint is converted).
fn endpoint_cases(ep: &model::Shape<Ext<Endpoint>>) -> impl Iterator<Item = &ErrorCase> {
    let list = match ep {
        model::Shape::Read(e) => match &e.errors {
            Some(model::Shape::Read(list)) => list.as_slice(),
            _ => &[],
        },
        model::Shape::Other(_) => &[],
    };
    list.iter().filter_map(|c| match c {
        model::Shape::Read(c) => Some(&c.body),
        model::Shape::Other(_) => None,
    })
}
