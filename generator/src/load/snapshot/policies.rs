//! Policies: idempotency, rate limit, timeouts and retry rules.

use std::collections::BTreeSet;

use indexmap::IndexMap;
use serde_json::{json, Map, Value};

use super::model::{self, Endpoint, Ext, RateLimit, Shape};
use super::{seg, suggest, Converter};
use crate::load::LoadError;

impl Converter<'_> {
    /// Top-level `idempotency`: the header, and the endpoints that send it (`post`, `writes`
    /// or a list of names).
    pub(super) fn idempotency(
        &self,
        v: &Shape<Ext<model::Idempotency>>,
        endpoints: &IndexMap<String, Shape<Ext<Endpoint>>>,
        all: &[&str],
    ) -> Result<(Option<String>, BTreeSet<String>), LoadError> {
        let m = self.shape(v, "#/idempotency", "`idempotency`")?;
        let header = match &m.header {
            Some(h) => self
                .string(h, "#/idempotency/header", "`header`")?
                .to_owned(),
            None => "Idempotency-Key".to_owned(),
        };
        let mut idempotent = BTreeSet::new();
        match m.endpoints.as_ref().unwrap_or(&json!("post")) {
            Value::String(s) if s == "post" || s == "writes" => {
                for (n, ep) in endpoints {
                    let method = match ep {
                        Shape::Read(e) => e.method.as_ref().and_then(Value::as_str),
                        Shape::Other(_) => None,
                    }
                    .unwrap_or("")
                    .to_ascii_lowercase();
                    if method == "post"
                        || (s == "writes" && matches!(method.as_str(), "put" | "patch" | "delete"))
                    {
                        idempotent.insert(n.clone());
                    }
                }
            }
            Value::Array(list) => {
                for (i, n) in list.iter().enumerate() {
                    let ptr = format!("#/idempotency/endpoints/{i}");
                    let n = self.string(n, &ptr, "an endpoint name")?;
                    if !endpoints.contains_key(n) {
                        return Err(self.err(
                            &ptr,
                            format!("no endpoint is called `{n}`"),
                            format!("{}endpoints: {}", suggest(n, all), all.join(", ")),
                        ));
                    }
                    idempotent.insert(n.to_owned());
                }
            }
            _ => {
                return Err(self.err(
                    "#/idempotency/endpoints",
                    "`endpoints` must be `post`, `writes` or a list of endpoint names",
                    "e.g. `endpoints: [create_charge, create_refund]`",
                ))
            }
        }
        Ok((Some(header), idempotent))
    }

    pub(super) fn rate_limit(&self, v: &Shape<Ext<RateLimit>>) -> Result<Value, LoadError> {
        let ptr = "#/rate_limit";
        let m = self.shape(v, ptr, "`rate_limit`")?;
        let mut per_second = None;
        for (k, given, div) in [
            ("per_second", &m.per_second, 1.0),
            ("per_minute", &m.per_minute, 60.0),
            ("per_hour", &m.per_hour, 3600.0),
        ] {
            if let Some(x) = given {
                let n = x
                    .as_f64()
                    .filter(|n| *n > 0.0 && n.is_finite())
                    .ok_or_else(|| {
                        self.err(
                            &seg(ptr, k),
                            format!("`{k}` must be a positive number"),
                            "e.g. `per_second: 25`",
                        )
                    })?;
                if per_second.is_some() {
                    return Err(self.err(
                        &seg(ptr, k),
                        "give only one of `per_second`, `per_minute`, `per_hour`",
                        "keep the one the provider documents",
                    ));
                }
                per_second = Some(n / div);
            }
        }
        let Some(per_second) = per_second else {
            return Err(self.err(
                ptr,
                "`rate_limit` needs `per_second`, `per_minute` or `per_hour`",
                "e.g. `rate_limit: {per_second: 25, burst: 50}`",
            ));
        };
        let burst = match &m.burst {
            None => (per_second.ceil() as u64).max(1),
            Some(b) => b
                .as_u64()
                .filter(|b| (1..=u64::from(u32::MAX)).contains(b))
                .ok_or_else(|| {
                    self.err(
                        &seg(ptr, "burst"),
                        "`burst` must be a whole number of at least 1",
                        "e.g. `burst: 50`",
                    )
                })?,
        };
        Ok(json!({"per_second": per_second, "burst": burst}))
    }

    pub(super) fn timeout(&self, v: &Value, ptr: &str) -> Result<u64, LoadError> {
        v.as_u64().filter(|n| *n > 0).ok_or_else(|| {
            self.err(
                ptr,
                "a timeout must be a positive whole number of milliseconds",
                "e.g. `timeout_ms: 30000`",
            )
        })
    }
}

/// Retry facts gathered from error cases and `retry:` blocks.
#[derive(Default)]
pub(super) struct Retry {
    retry_conflict: bool,
    terminal_codes: Vec<String>,
    max_retries: Option<u64>,
    idempotent: Option<bool>,
}

impl Retry {
    pub(super) fn add_case(&mut self, c: &model::ErrorCase) {
        let code = c.code.as_ref().and_then(Value::as_str);
        if c.terminal == Some(json!(true)) {
            if let Some(code) = code {
                if !self.terminal_codes.iter().any(|t| t == code) {
                    self.terminal_codes.push(code.to_owned());
                }
            }
        }
        let status = c.status.as_ref().and_then(|s| {
            s.as_u64()
                .or_else(|| s.as_str().and_then(|x| x.parse().ok()))
        });
        if c.retryable == Some(json!(true)) && status == Some(409) {
            self.retry_conflict = true;
        }
    }

    pub(super) fn add_rules(
        &mut self,
        cx: &Converter<'_>,
        v: &Shape<Ext<model::Retry>>,
        ptr: &str,
    ) -> Result<(), LoadError> {
        let m = cx.shape(v, ptr, "`retry`")?;
        if let Some(n) = &m.max_retries {
            self.max_retries = Some(n.as_u64().filter(|n| *n <= 100).ok_or_else(|| {
                cx.err(
                    &seg(ptr, "max_retries"),
                    "`max_retries` must be a whole number up to 100",
                    "e.g. `max_retries: 3`",
                )
            })?);
        }
        for (k, given) in [
            ("retry_conflict", &m.retry_conflict),
            ("idempotent", &m.idempotent),
        ] {
            if let Some(b) = given {
                let b = b.as_bool().ok_or_else(|| {
                    cx.err(
                        &seg(ptr, k),
                        format!("`{k}` must be true or false"),
                        "write `true` or `false`",
                    )
                })?;
                if k == "retry_conflict" {
                    self.retry_conflict |= b;
                } else {
                    self.idempotent = Some(b);
                }
            }
        }
        if let Some(list) = &m.terminal_codes {
            let a = list
                .as_array()
                .filter(|a| a.iter().all(Value::is_string))
                .ok_or_else(|| {
                    cx.err(
                        &seg(ptr, "terminal_codes"),
                        "`terminal_codes` must be a list of codes",
                        "e.g. `[card_declined]`",
                    )
                })?;
            for c in a.iter().filter_map(Value::as_str) {
                if !self.terminal_codes.iter().any(|t| t == c) {
                    self.terminal_codes.push(c.to_owned());
                }
            }
        }
        Ok(())
    }

    pub(super) fn to_value(&self) -> Option<Value> {
        if !self.retry_conflict
            && self.terminal_codes.is_empty()
            && self.max_retries.is_none()
            && self.idempotent.is_none()
        {
            return None;
        }
        let mut o = Map::new();
        o.insert("retry_conflict".into(), json!(self.retry_conflict));
        o.insert("terminal_codes".into(), json!(self.terminal_codes));
        if let Some(n) = self.max_retries {
            o.insert("max_retries".into(), json!(n));
        }
        if let Some(b) = self.idempotent {
            o.insert("idempotent".into(), json!(b));
        }
        Some(Value::Object(o))
    }
}
