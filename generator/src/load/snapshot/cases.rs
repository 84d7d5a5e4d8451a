//! Error cases (`errors:`), API-wide and per endpoint.

use serde_json::{json, Map, Value};

use super::report::kind;
use super::{seg, Converter, ERROR_KEYS};
use crate::load::LoadError;

impl Converter<'_> {
    pub(super) fn cases<'v>(&self, v: &'v Value, ptr: &str) -> Result<Vec<&'v Value>, LoadError> {
        match v {
            Value::Array(a) => Ok(a.iter().collect()),
            other => Err(self.err(
                ptr,
                format!("`errors` must be a list, found {}", kind(other)),
                "e.g. `errors: [{status: 402, code: card_declined, terminal: true}]`",
            )),
        }
    }

    /// Validates one error case; returns its status key (`402`, `4XX`, `default`).
    pub(super) fn case<'v>(
        &self,
        v: &'v Value,
        ptr: &str,
    ) -> Result<(String, &'v Map<String, Value>), LoadError> {
        let m = self.map(v, ptr, "an error case")?;
        self.keys(m, ptr, ERROR_KEYS)?;
        let status = match m.get("status") {
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
        for k in ["retryable", "terminal"] {
            if let Some(b) = m.get(k) {
                if !b.is_boolean() {
                    return Err(self.err(
                        &seg(ptr, k),
                        format!("`{k}` must be true or false"),
                        "write `true` or `false`",
                    ));
                }
            }
        }
        if m.get("retryable") == Some(&json!(true)) && m.get("terminal") == Some(&json!(true)) {
            return Err(self.err(
                ptr,
                "an error case cannot be both `retryable` and `terminal`",
                "keep the one that is true",
            ));
        }
        if let Some(c) = m.get("code") {
            self.string(c, &seg(ptr, "code"), "`code`")?;
        }
        Ok((status, m))
    }
}
