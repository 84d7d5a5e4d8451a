//! `webhooks.signature`: how incoming webhooks are signed, with each scheme's defaults.

use serde_json::{json, Map, Value};

use super::model::{Ext, Shape, Signature};
use super::{seg, suggest, Converter, SIGNATURE_SCHEMES};
use crate::load::LoadError;

/// What a signature scheme implies unless the snapshot says otherwise.
struct SchemeDefaults {
    header: Option<&'static str>,
    algorithm: &'static str,
    encoding: &'static str,
    prefix: Option<&'static str>,
    timestamp_header: Option<&'static str>,
    id_header: Option<&'static str>,
    signed: &'static str,
}

/// The defaults of a known scheme.
fn defaults(scheme: &str) -> Option<SchemeDefaults> {
    let hex = |header, prefix, signed| SchemeDefaults {
        header,
        algorithm: "sha256",
        encoding: "hex",
        prefix,
        timestamp_header: None,
        id_header: None,
        signed,
    };
    Some(match scheme {
        "standard-webhooks" => SchemeDefaults {
            header: Some("webhook-signature"),
            algorithm: "sha256",
            encoding: "base64",
            prefix: Some("v1,"),
            timestamp_header: Some("webhook-timestamp"),
            id_header: Some("webhook-id"),
            signed: "{id}.{timestamp}.{body}",
        },
        "stripe" => hex(Some("Stripe-Signature"), Some("v1="), "{timestamp}.{body}"),
        "github" => hex(Some("X-Hub-Signature-256"), Some("sha256="), "{body}"),
        "hmac" => hex(None, None, "{body}"),
        _ => return None,
    })
}

impl Converter<'_> {
    /// `x-sturdy-webhook-signature`: the scheme's defaults, overridden key by key.
    pub(super) fn signature(
        &self,
        v: &Shape<Ext<Signature>>,
        ptr: &str,
    ) -> Result<Value, LoadError> {
        let m = self.shape(v, ptr, "`signature`")?;
        let scheme = match &m.scheme {
            Some(s) => self.string(s, &seg(ptr, "scheme"), "`scheme`")?,
            None => {
                return Err(self.err(
                    ptr,
                    "`signature` has no `scheme`",
                    format!("one of: {}", SIGNATURE_SCHEMES.join(", ")),
                ))
            }
        };
        let Some(d) = defaults(scheme) else {
            return Err(self.err(
                &seg(ptr, "scheme"),
                format!("unknown signature scheme `{scheme}`"),
                format!(
                    "{}one of: {}",
                    suggest(scheme, SIGNATURE_SCHEMES),
                    SIGNATURE_SCHEMES.join(", ")
                ),
            ));
        };
        let get = |given: &Option<Value>,
                   k: &str,
                   default: Option<&str>|
         -> Result<Option<String>, LoadError> {
            let given = given
                .as_ref()
                .map(|x| self.string(x, &seg(ptr, k), k).map(str::to_owned))
                .transpose()?;
            Ok(given.or(default.map(str::to_owned)))
        };
        let Some(header) = get(&m.header, "header", d.header)? else {
            return Err(self.err(
                ptr,
                "an `hmac` signature needs the `header` that carries it",
                "e.g. `header: X-Signature`",
            ));
        };
        let algorithm = get(&m.algorithm, "algorithm", Some(d.algorithm))?.unwrap_or_default();
        if !matches!(algorithm.as_str(), "sha256" | "sha512") {
            return Err(self.err(
                &seg(ptr, "algorithm"),
                format!("unknown algorithm `{algorithm}`"),
                "use `sha256` or `sha512`",
            ));
        }
        let encoding = get(&m.encoding, "encoding", Some(d.encoding))?.unwrap_or_default();
        if !matches!(encoding.as_str(), "hex" | "base64") {
            return Err(self.err(
                &seg(ptr, "encoding"),
                format!("unknown encoding `{encoding}`"),
                "use `hex` or `base64`",
            ));
        }
        let signed = get(&m.signed, "signed", Some(d.signed))?.unwrap_or_default();
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
        let optional = [
            (&m.prefix, "prefix", d.prefix),
            (&m.timestamp_header, "timestamp_header", d.timestamp_header),
            (&m.id_header, "id_header", d.id_header),
        ];
        for (given, k, default) in optional {
            if let Some(x) = get(given, k, default)? {
                o.insert(k.into(), json!(x));
            }
        }
        o.insert("signed".into(), json!(signed));
        if let Some(s) = get(&m.secret_env, "secret_env", None)? {
            o.insert("secret_env".into(), json!(s));
        }
        Ok(Value::Object(o))
    }
}
