//! The snapshot format as a serde model: every mapping the format has, each with the keys it
//! allows (`deny_unknown_fields`), so the model is the one list of keys. [`check`] reads the
//! parsed document into it before conversion and turns an unknown key into a
//! [`super::SnapshotError`] (file, pointer, line, column, "did you mean").
//!
//! Only keys are checked here: values are [`IgnoredAny`], and a value of the wrong shape (a
//! list where a mapping belongs) is left to the converter of its concern, whose message says
//! what that section expects. Extension keys (`x-…`) are allowed at every level. A few
//! entries may be written short: an environment or a version header as a string, a
//! parameter as its type name ([`Short`]).

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

type Any = Option<IgnoredAny>;

/// The whole snapshot.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub(super) struct Snapshot {
    sturdy: Any,
    name: Any,
    version: Any,
    description: Any,
    version_header: Option<Short<VersionHeader>>,
    environments: Option<BTreeMap<String, Short<Environment>>>,
    auth: Option<BTreeMap<String, Auth>>,
    types: Any,
    error: Option<ErrorBody>,
    errors: Option<Vec<ErrorCase>>,
    rate_limit: Option<RateLimit>,
    timeout_ms: Any,
    retry: Option<Retry>,
    idempotency: Option<Idempotency>,
    health_check: Any,
    tags: Any,
    endpoints: Option<BTreeMap<String, Endpoint>>,
    webhooks: Option<Webhooks>,
}

/// `version_header: {name, value}` (or just the name).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct VersionHeader {
    name: Any,
    value: Any,
}

/// One environment: `{url, description, variables}` (or just the URL).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Environment {
    url: Any,
    description: Any,
    variables: Option<BTreeMap<String, Variable>>,
}

/// A server URL variable.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Variable {
    default: Any,
    #[serde(rename = "enum")]
    values: Any,
    description: Any,
}

/// An auth scheme: the keys of every type (the auth converter checks which belong to the
/// scheme's `type`).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Auth {
    #[serde(rename = "type")]
    kind: Any,
    description: Any,
    format: Any,
    #[serde(rename = "in")]
    location: Any,
    name: Any,
    flow: Any,
    flows: Any,
    token_url: Any,
    authorization_url: Any,
    refresh_url: Any,
    scopes: Any,
}

/// The provider's error body.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ErrorBody {
    pointer: Any,
    #[serde(rename = "type")]
    name: Any,
    example: Any,
    examples: Any,
    schema: Any,
    names: Any,
}

/// An error case (API-wide or an endpoint's).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ErrorCase {
    status: Any,
    code: Any,
    retryable: Any,
    terminal: Any,
    description: Any,
    example: Any,
}

/// `rate_limit`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RateLimit {
    per_second: Any,
    per_minute: Any,
    per_hour: Any,
    burst: Any,
}

/// `retry` (API-wide or an endpoint's).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Retry {
    max_retries: Any,
    retry_conflict: Any,
    idempotent: Any,
    terminal_codes: Any,
}

/// `idempotency`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Idempotency {
    header: Any,
    endpoints: Any,
}

/// One endpoint.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Endpoint {
    method: Any,
    path: Any,
    summary: Any,
    description: Any,
    tags: Any,
    deprecated: Any,
    params: Option<BTreeMap<String, Short<Param>>>,
    request: Option<Body>,
    response: Option<Response>,
    errors: Option<Vec<ErrorCase>>,
    pagination: Option<Pagination>,
    idempotency: Any,
    timeout_ms: Any,
    retry: Option<Retry>,
    auth: Any,
    scopes: Any,
}

/// A parameter (or just its type name).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Param {
    #[serde(rename = "in")]
    location: Any,
    required: Any,
    #[serde(rename = "type")]
    kind: Any,
    format: Any,
    #[serde(rename = "enum")]
    values: Any,
    default: Any,
    schema: Any,
    example: Any,
    description: Any,
    deprecated: Any,
}

/// An endpoint's `request`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Body {
    example: Any,
    examples: Any,
    schema: Any,
    #[serde(rename = "type")]
    name: Any,
    names: Any,
    description: Any,
    content_type: Any,
    required: Any,
}

/// An endpoint's `response`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Response {
    status: Any,
    example: Any,
    examples: Any,
    schema: Any,
    #[serde(rename = "type")]
    name: Any,
    names: Any,
    description: Any,
    content_type: Any,
    stream: Option<Stream>,
}

/// A response's `stream`: server-sent events.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Stream {
    events: Any,
    resumable: Any,
}

/// An endpoint's `pagination`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Pagination {
    scheme: Any,
    param: Any,
    items: Any,
    has_more: Any,
    cursor: Any,
    cursor_from_last_item: Any,
    limit_param: Any,
    start: Any,
}

/// `webhooks`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Webhooks {
    signature: Option<Signature>,
    events: Option<BTreeMap<String, Event>>,
}

/// `webhooks.signature`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Signature {
    scheme: Any,
    header: Any,
    algorithm: Any,
    encoding: Any,
    prefix: Any,
    timestamp_header: Any,
    id_header: Any,
    signed: Any,
    secret_env: Any,
}

/// One webhook event.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Event {
    summary: Any,
    description: Any,
    example: Any,
    examples: Any,
    schema: Any,
    #[serde(rename = "type")]
    name: Any,
    names: Any,
}

/// A mapping read as `T`, or any other value (the short form, or a shape the converter
/// reports).
struct Short<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Short<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ShortVisitor(PhantomData))
    }
}

struct ShortVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ShortVisitor<T> {
    type Value = Short<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping or a short form")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(|_| Short(PhantomData))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Short(PhantomData))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Short(PhantomData))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Short(PhantomData))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Short(PhantomData))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Short(PhantomData))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Short(PhantomData))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Short(PhantomData))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Short(PhantomData))
    }
}

/// An unknown key: where it is, the key, and the keys allowed there.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct UnknownKey {
    /// JSON pointer to the key (`#/endpoints/get_pet/respone`).
    pub(super) pointer: String,
    /// The key as written.
    pub(super) key: String,
    /// The keys the model allows there.
    pub(super) allowed: Vec<String>,
}

/// Reads `raw` (extension keys removed) into the model: the first unknown key, if any.
pub(super) fn check(raw: &Value) -> Option<UnknownKey> {
    let mut clean = raw.clone();
    strip_extensions(&mut clean);
    let err = serde_path_to_error::deserialize::<_, Snapshot>(&clean).err()?;
    let allowed = unknown_field(&err.inner().to_string())?;
    // The path ends at the unknown key.
    let mut pointer = String::from("#");
    let mut key = String::new();
    for s in err.path().iter() {
        match s {
            serde_path_to_error::Segment::Map { key: k } => {
                pointer = super::seg(&pointer, k);
                key.clone_from(k);
            }
            serde_path_to_error::Segment::Seq { index } => {
                pointer = super::seg(&pointer, &index.to_string())
            }
            _ => {}
        }
    }
    Some(UnknownKey {
        pointer,
        key,
        allowed,
    })
}

/// Removes `x-…` keys at every level.
fn strip_extensions(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, _| !k.starts_with("x-"));
            m.values_mut().for_each(strip_extensions);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_extensions),
        _ => {}
    }
}

/// The allowed keys of serde's "unknown field `k`, expected one of `a`, `b`" (also
/// "expected `a`", "expected `a` or `b`"; none for "there are no fields"), or `None` when the
/// error is not about an unknown key.
fn unknown_field(message: &str) -> Option<Vec<String>> {
    let rest = message.strip_prefix("unknown field `")?;
    let Some((_, expected)) = rest.rsplit_once("`, expected ") else {
        return Some(Vec::new());
    };
    Some(
        expected
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect(),
    )
}

#[cfg(test)]
mod tests;
