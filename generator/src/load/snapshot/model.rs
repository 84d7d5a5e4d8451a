//! The snapshot format as a serde model: every mapping the format has, each with the keys it
//! allows (`deny_unknown_fields`), so the model is the one list of keys, and the converters
//! read the document through it. [`read`] reads the parsed document into the model and turns
//! an unknown key into an [`UnknownKey`] (then a [`super::SnapshotError`] with file, pointer,
//! line, column and "did you mean").
//!
//! Mappings are typed; values whose form the converters check (a string, a number, a list of
//! names, an example) are kept as written ([`Leaf`]), so a converter's message says what that
//! section expects. A mapping written in another form (a list where a mapping belongs, or an
//! entry's short form: an environment or a version header as a string, a parameter as its
//! type name) is kept as written too ([`Shape::Other`]): a wrong form never fails the read, so
//! an unknown key is found wherever it is. Extension keys (`x-…`) are allowed at every level
//! and kept beside each mapping ([`Ext`]); a key written with no value is there, as `null`.

use indexmap::IndexMap;
use serde_json::Value;

mod forms;

use forms::present;
pub(super) use forms::{Ext, Shape};

/// A value kept as written, for the converter of its concern to check.
pub(super) type Leaf = Option<Value>;

/// A mapping of named entries (environments, endpoints, parameters, ...), in the order
/// written.
pub(super) type Named<T> = Shape<IndexMap<String, Shape<Ext<T>>>>;

/// A list of entries (error cases).
pub(super) type List<T> = Shape<Vec<Shape<Ext<T>>>>;

/// The whole snapshot.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Snapshot {
    #[serde(default, deserialize_with = "present")]
    pub(super) sturdy: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) name: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) version: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) description: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) version_header: Option<Shape<Ext<VersionHeader>>>,
    #[serde(default, deserialize_with = "present")]
    pub(super) environments: Option<Named<Environment>>,
    #[serde(default, deserialize_with = "present")]
    pub(super) auth: Option<Named<Auth>>,
    #[serde(default, deserialize_with = "present")]
    pub(super) types: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) error: Option<Shape<Ext<ErrorBody>>>,
    #[serde(default, deserialize_with = "present")]
    pub(super) errors: Option<List<ErrorCase>>,
    #[serde(default, deserialize_with = "present")]
    pub(super) rate_limit: Option<Shape<Ext<RateLimit>>>,
    #[serde(default, deserialize_with = "present")]
    pub(super) timeout_ms: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) retry: Option<Shape<Ext<Retry>>>,
    #[serde(default, deserialize_with = "present")]
    pub(super) idempotency: Option<Shape<Ext<Idempotency>>>,
    #[serde(default, deserialize_with = "present")]
    pub(super) health_check: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) tags: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) endpoints: Option<Named<Endpoint>>,
    #[serde(default, deserialize_with = "present")]
    pub(super) webhooks: Option<Shape<Ext<Webhooks>>>,
}

/// `version_header: {name, value}` (or just the name).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct VersionHeader {
    #[serde(default, deserialize_with = "present")]
    pub(super) name: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) value: Leaf,
}

/// One environment: `{url, description, variables}` (or just the URL).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Environment {
    #[serde(default, deserialize_with = "present")]
    pub(super) url: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) description: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) variables: Option<Named<Variable>>,
}

/// A server URL variable.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Variable {
    #[serde(default, deserialize_with = "present")]
    pub(super) default: Leaf,
    #[serde(rename = "enum", default, deserialize_with = "present")]
    pub(super) values: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) description: Leaf,
}

/// An auth scheme: the keys of every type (the auth converter checks which belong to the
/// scheme's `type`).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Auth {
    #[serde(rename = "type", default, deserialize_with = "present")]
    pub(super) kind: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) description: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) format: Leaf,
    #[serde(rename = "in", default, deserialize_with = "present")]
    pub(super) location: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) name: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) flow: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) flows: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) token_url: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) authorization_url: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) refresh_url: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) scopes: Leaf,
}

/// The provider's error body.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ErrorBody {
    #[serde(default, deserialize_with = "present")]
    pub(super) pointer: Leaf,
    #[serde(rename = "type", default, deserialize_with = "present")]
    pub(super) name: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) example: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) examples: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) schema: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) names: Leaf,
}

/// An error case (API-wide or an endpoint's).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ErrorCase {
    #[serde(default, deserialize_with = "present")]
    pub(super) status: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) code: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) retryable: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) terminal: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) description: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) example: Leaf,
}

/// `rate_limit`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RateLimit {
    #[serde(default, deserialize_with = "present")]
    pub(super) per_second: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) per_minute: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) per_hour: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) burst: Leaf,
}

/// `retry` (API-wide or an endpoint's).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Retry {
    #[serde(default, deserialize_with = "present")]
    pub(super) max_retries: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) retry_conflict: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) idempotent: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) terminal_codes: Leaf,
}

/// `idempotency`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Idempotency {
    #[serde(default, deserialize_with = "present")]
    pub(super) header: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) endpoints: Leaf,
}

/// One endpoint.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Endpoint {
    #[serde(default, deserialize_with = "present")]
    pub(super) method: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) path: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) summary: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) description: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) tags: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) deprecated: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) params: Option<Named<Param>>,
    #[serde(default, deserialize_with = "present")]
    pub(super) request: Option<Shape<Ext<Body>>>,
    #[serde(default, deserialize_with = "present")]
    pub(super) response: Option<Shape<Ext<Response>>>,
    #[serde(default, deserialize_with = "present")]
    pub(super) errors: Option<List<ErrorCase>>,
    #[serde(default, deserialize_with = "present")]
    pub(super) pagination: Option<Shape<Ext<Pagination>>>,
    #[serde(default, deserialize_with = "present")]
    pub(super) idempotency: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) timeout_ms: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) retry: Option<Shape<Ext<Retry>>>,
    #[serde(default, deserialize_with = "present")]
    pub(super) auth: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) scopes: Leaf,
}

/// A parameter (or just its type name).
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct Param {
    #[serde(rename = "in", default, deserialize_with = "present")]
    pub(super) location: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) required: Leaf,
    #[serde(rename = "type", default, deserialize_with = "present")]
    pub(super) kind: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) format: Leaf,
    #[serde(rename = "enum", default, deserialize_with = "present")]
    pub(super) values: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) default: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) schema: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) example: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) description: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) deprecated: Leaf,
}

/// An endpoint's `request`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Body {
    #[serde(default, deserialize_with = "present")]
    pub(super) example: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) examples: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) schema: Leaf,
    #[serde(rename = "type", default, deserialize_with = "present")]
    pub(super) name: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) names: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) description: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) content_type: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) required: Leaf,
}

/// An endpoint's `response`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Response {
    #[serde(default, deserialize_with = "present")]
    pub(super) status: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) example: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) examples: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) schema: Leaf,
    #[serde(rename = "type", default, deserialize_with = "present")]
    pub(super) name: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) names: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) description: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) content_type: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) stream: Option<Shape<Ext<Stream>>>,
}

/// A response's `stream`: server-sent events.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Stream {
    #[serde(default, deserialize_with = "present")]
    pub(super) events: Option<Named<StreamEvent>>,
    #[serde(default, deserialize_with = "present")]
    pub(super) resumable: Leaf,
}

/// One kind of server-sent event, described like a body.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StreamEvent {
    #[serde(default, deserialize_with = "present")]
    pub(super) example: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) examples: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) schema: Leaf,
    #[serde(rename = "type", default, deserialize_with = "present")]
    pub(super) name: Leaf,
    /// Allowed for the reader's sake; not carried into the OpenAPI document.
    #[serde(default, deserialize_with = "present")]
    #[allow(dead_code)]
    pub(super) description: Leaf,
}

/// An endpoint's `pagination`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Pagination {
    #[serde(default, deserialize_with = "present")]
    pub(super) scheme: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) param: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) items: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) has_more: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) cursor: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) cursor_from_last_item: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) limit_param: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) start: Leaf,
}

/// `webhooks`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Webhooks {
    #[serde(default, deserialize_with = "present")]
    pub(super) signature: Option<Shape<Ext<Signature>>>,
    #[serde(default, deserialize_with = "present")]
    pub(super) events: Option<Named<Event>>,
}

/// `webhooks.signature`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Signature {
    #[serde(default, deserialize_with = "present")]
    pub(super) scheme: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) header: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) algorithm: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) encoding: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) prefix: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) timestamp_header: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) id_header: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) signed: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) secret_env: Leaf,
}

/// One webhook event.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Event {
    #[serde(default, deserialize_with = "present")]
    pub(super) summary: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) description: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) example: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) examples: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) schema: Leaf,
    #[serde(rename = "type", default, deserialize_with = "present")]
    pub(super) name: Leaf,
    #[serde(default, deserialize_with = "present")]
    pub(super) names: Leaf,
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

/// The whole document (any form: a document that is not a mapping is the root converter's
/// to report).
pub(super) type Document = Shape<Ext<Snapshot>>;

/// Why a document could not be read into the model.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum ReadError {
    /// A key the format does not have.
    Unknown(UnknownKey),
    /// Anything else serde reports (the model is lenient, so not expected): where, and what.
    Other { pointer: String, message: String },
}

/// Reads `raw` into the model, or the first unknown key.
pub(super) fn read(raw: &Value) -> Result<Document, ReadError> {
    let err = match serde_path_to_error::deserialize::<_, Document>(raw) {
        Ok(doc) => return Ok(doc),
        Err(err) => err,
    };
    let message = err.inner().to_string();
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
    Err(match unknown_field(&message) {
        Some(allowed) => ReadError::Unknown(UnknownKey {
            pointer,
            key,
            allowed,
        }),
        None => ReadError::Other { pointer, message },
    })
}

/// The first unknown key of `raw`, if any.
#[cfg(test)]
fn check(raw: &Value) -> Option<UnknownKey> {
    match read(raw) {
        Err(ReadError::Unknown(u)) => Some(u),
        _ => None,
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
