//! `webhooks`: events as 3.1 `webhooks`, and the signature scheme.

use serde_json::{json, Map, Value};

use super::report::examples_of;
use super::responses::media;
use super::{seg, suggest, Converter, SIGNATURE_SCHEMES};
use crate::ir::names;
use crate::load::LoadError;

impl Converter<'_> {
    pub(super) fn webhooks(&mut self, v: &Value) -> Result<(Value, Option<Value>), LoadError> {
        let ptr = "#/webhooks";
        let m = self.map(v, ptr, "`webhooks`")?;
        self.keys(m, ptr, &["signature", "events"])?;
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
            self.keys(
                em,
                &eptr,
                &[
                    "summary",
                    "description",
                    "example",
                    "examples",
                    "schema",
                    "type",
                    "names",
                ],
            )?;
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

    pub(super) fn signature(&self, v: &Value, ptr: &str) -> Result<Value, LoadError> {
        let m = self.map(v, ptr, "`signature`")?;
        self.keys(
            m,
            ptr,
            &[
                "scheme",
                "header",
                "algorithm",
                "encoding",
                "prefix",
                "timestamp_header",
                "id_header",
                "signed",
                "secret_env",
            ],
        )?;
        let scheme = match m.get("scheme") {
            Some(s) => self.string(s, &seg(ptr, "scheme"), "`scheme`")?,
            None => {
                return Err(self.err(
                    ptr,
                    "`signature` has no `scheme`",
                    format!("one of: {}", SIGNATURE_SCHEMES.join(", ")),
                ))
            }
        };
        // Defaults per scheme: (header, algorithm, encoding, prefix, timestamp header, id header, signed).
        type D = (
            Option<&'static str>,
            &'static str,
            &'static str,
            Option<&'static str>,
            Option<&'static str>,
            Option<&'static str>,
            &'static str,
        );
        let d: D = match scheme {
            "standard-webhooks" => (
                Some("webhook-signature"),
                "sha256",
                "base64",
                Some("v1,"),
                Some("webhook-timestamp"),
                Some("webhook-id"),
                "{id}.{timestamp}.{body}",
            ),
            "stripe" => (
                Some("Stripe-Signature"),
                "sha256",
                "hex",
                Some("v1="),
                None,
                None,
                "{timestamp}.{body}",
            ),
            "github" => (
                Some("X-Hub-Signature-256"),
                "sha256",
                "hex",
                Some("sha256="),
                None,
                None,
                "{body}",
            ),
            "hmac" => (None, "sha256", "hex", None, None, None, "{body}"),
            other => {
                return Err(self.err(
                    &seg(ptr, "scheme"),
                    format!("unknown signature scheme `{other}`"),
                    format!(
                        "{}one of: {}",
                        suggest(other, SIGNATURE_SCHEMES),
                        SIGNATURE_SCHEMES.join(", ")
                    ),
                ))
            }
        };
        let get = |k: &str| -> Result<Option<String>, LoadError> {
            m.get(k)
                .map(|x| self.string(x, &seg(ptr, k), k).map(str::to_owned))
                .transpose()
        };
        let header = match get("header")?.or(d.0.map(str::to_owned)) {
            Some(h) => h,
            None => {
                return Err(self.err(
                    ptr,
                    "an `hmac` signature needs the `header` that carries it",
                    "e.g. `header: X-Signature`",
                ))
            }
        };
        let algorithm = get("algorithm")?.unwrap_or_else(|| d.1.to_owned());
        if !matches!(algorithm.as_str(), "sha256" | "sha512") {
            return Err(self.err(
                &seg(ptr, "algorithm"),
                format!("unknown algorithm `{algorithm}`"),
                "use `sha256` or `sha512`",
            ));
        }
        let encoding = get("encoding")?.unwrap_or_else(|| d.2.to_owned());
        if !matches!(encoding.as_str(), "hex" | "base64") {
            return Err(self.err(
                &seg(ptr, "encoding"),
                format!("unknown encoding `{encoding}`"),
                "use `hex` or `base64`",
            ));
        }
        let signed = get("signed")?.unwrap_or_else(|| d.6.to_owned());
        if !signed.contains("{body}") {
            return Err(self.err(
                &seg(ptr, "signed"),
                "`signed` must contain `{body}`",
                "e.g. `{timestamp}.{body}`",
            ));
        }
        let mut o = Map::new();
        o.insert("scheme".into(), json!(scheme));
        o.insert("header".into(), json!(header));
        o.insert("algorithm".into(), json!(algorithm));
        o.insert("encoding".into(), json!(encoding));
        if let Some(p) = get("prefix")?.or(d.3.map(str::to_owned)) {
            o.insert("prefix".into(), json!(p));
        }
        if let Some(t) = get("timestamp_header")?.or(d.4.map(str::to_owned)) {
            o.insert("timestamp_header".into(), json!(t));
        }
        if let Some(t) = get("id_header")?.or(d.5.map(str::to_owned)) {
            o.insert("id_header".into(), json!(t));
        }
        o.insert("signed".into(), json!(signed));
        if let Some(s) = get("secret_env")? {
            o.insert("secret_env".into(), json!(s));
        }
        Ok(Value::Object(o))
    }
}
