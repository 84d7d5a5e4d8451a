//! What one call sends: the operation's static description, the request built by generated
//! code, and the per-request options that ride along.

use std::borrow::Cow;
use std::time::Duration;

use bytes::Bytes;

use crate::encode::{self, ParamValue};
use crate::retry::RetryPolicy;

/// An HTTP method, `const`-constructible for [`OperationMeta`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
#[non_exhaustive]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl Method {
    /// The method's name as sent on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }

    /// GET, HEAD, PUT, DELETE, OPTIONS and TRACE are idempotent (RFC 9110 §9.2.2): resending
    /// them is safe. POST and PATCH are not, unless the call carries an idempotency key.
    pub const fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post | Method::Patch)
    }

    pub(crate) fn to_http(self) -> http::Method {
        match self {
            Method::Get => http::Method::GET,
            Method::Put => http::Method::PUT,
            Method::Post => http::Method::POST,
            Method::Delete => http::Method::DELETE,
            Method::Options => http::Method::OPTIONS,
            Method::Head => http::Method::HEAD,
            Method::Patch => http::Method::PATCH,
            Method::Trace => http::Method::TRACE,
        }
    }
}

/// Everything the runtime needs to know about an operation that does not change from call to
/// call. Generated code declares one `const` per operation with the builder methods below, so
/// fields can be added without breaking generated crates.
#[derive(Debug, Clone, Copy)]
pub struct OperationMeta {
    /// The operation id (from the spec, or synthesized).
    pub id: &'static str,
    /// HTTP method.
    pub method: Method,
    /// The path template, e.g. `/repos/{owner}/{repo}`; used in traces and errors.
    pub path_template: &'static str,
    /// The idempotency header this operation accepts (e.g. `Idempotency-Key`), if the contract
    /// says it accepts one. Only then is a key sent (one per call, on every attempt), and only
    /// then is a POST or PATCH resent after it may have reached the server.
    pub idempotency_header: Option<&'static str>,
    /// Security requirements: alternatives, each a set of scheme names applied together.
    /// Empty means the operation needs no credentials.
    pub security: &'static [&'static [&'static str]],
    /// Per-operation retry rules from the contract (`x-sturdy-retry`).
    pub retry: RetryRules,
    /// Per-attempt timeout from the contract (`x-sturdy-timeout`); a call's
    /// [`RequestOptions::attempt_timeout`] overrides it.
    pub timeout: Option<Duration>,
}

/// Retry rules that a contract can set per operation or for the whole API.
#[derive(Debug, Clone, Copy, Default)]
pub struct RetryRules {
    /// Retry a 409 Conflict (only where the contract says it is transient).
    pub retry_conflict: bool,
    /// Provider error codes that are never retried, e.g. `insufficient_quota`.
    pub terminal_codes: &'static [&'static str],
    /// Maximum retries for this operation, overriding the client's policy.
    pub max_retries: Option<u32>,
    /// The operation is safe to retry even though its method is not idempotent.
    pub idempotent: Option<bool>,
}

impl RetryRules {
    /// No overrides.
    pub const NONE: RetryRules = RetryRules {
        retry_conflict: false,
        terminal_codes: &[],
        max_retries: None,
        idempotent: None,
    };
}

impl OperationMeta {
    /// A new description with no auth, no idempotency header and no overrides.
    pub const fn new(id: &'static str, method: Method, path_template: &'static str) -> Self {
        Self {
            id,
            method,
            path_template,
            idempotency_header: None,
            security: &[],
            retry: RetryRules::NONE,
            timeout: None,
        }
    }

    /// Sets the idempotency header name.
    pub const fn idempotency_header(mut self, name: &'static str) -> Self {
        self.idempotency_header = Some(name);
        self
    }

    /// Sets the security requirements.
    pub const fn security(mut self, security: &'static [&'static [&'static str]]) -> Self {
        self.security = security;
        self
    }

    /// Sets the retry rules.
    pub const fn retry(mut self, retry: RetryRules) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the per-attempt timeout, in milliseconds.
    pub const fn timeout_ms(mut self, ms: u64) -> Self {
        self.timeout = Some(Duration::from_millis(ms));
        self
    }

    /// Whether resending this operation is safe without an idempotency key.
    pub const fn is_idempotent(&self) -> bool {
        match self.retry.idempotent {
            Some(v) => v,
            None => self.method.is_idempotent(),
        }
    }
}

/// One part of a multipart body.
#[derive(Debug, Clone)]
pub struct Part {
    pub(crate) name: String,
    pub(crate) filename: Option<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) data: Bytes,
    /// A file part sent as it is read (then `data` is empty).
    pub(crate) upload: Option<crate::UploadBody>,
}

impl Part {
    /// A text field.
    pub fn text(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            filename: None,
            content_type: None,
            data: Bytes::from(value.into()),
            upload: None,
        }
    }

    /// A file part: bytes, a file or a stream ([`crate::UploadBody`]), read as it is sent.
    pub fn file(
        name: impl Into<String>,
        filename: impl Into<String>,
        body: impl Into<crate::UploadBody>,
    ) -> Self {
        Self {
            name: name.into(),
            filename: Some(filename.into()),
            content_type: None,
            data: Bytes::new(),
            upload: Some(body.into()),
        }
    }

    /// Sets the part's `Content-Type`.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }
}

/// A request body: bytes every attempt sends again, or an upload read as it is sent.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum Body {
    /// No body.
    #[default]
    Empty,
    /// Bytes with a content type (JSON, form, raw).
    Bytes {
        /// The `Content-Type` header.
        content_type: Cow<'static, str>,
        /// The encoded body.
        data: Bytes,
    },
    /// `multipart/form-data`; streamed when a part is an upload.
    Multipart(Vec<Part>),
    /// An upload from a file or a stream ([`crate::UploadBody`]), sent as it is read.
    Upload {
        /// The `Content-Type` header.
        content_type: Cow<'static, str>,
        /// The source.
        body: crate::UploadBody,
    },
}

/// A request as built by a generated method: operation, rendered path, parameters, body.
///
/// Building never fails; a problem (say, a body that cannot be serialized) is kept and
/// reported by [`crate::Call::send`] as [`crate::ErrorKind::InvalidRequest`] before anything
/// is sent.
#[derive(Debug, Clone)]
pub struct Request {
    pub(crate) op: &'static OperationMeta,
    pub(crate) path: String,
    pub(crate) absolute_url: Option<String>,
    pub(crate) query: Vec<(Cow<'static, str>, String)>,
    pub(crate) headers: Vec<(Cow<'static, str>, String)>,
    pub(crate) cookies: Vec<(Cow<'static, str>, String)>,
    pub(crate) body: Body,
    pub(crate) invalid: Option<String>,
}

impl Request {
    /// A request for `op` at `path` (already rendered, relative to the base URL).
    pub fn new(op: &'static OperationMeta, path: String) -> Self {
        Self {
            op,
            path,
            absolute_url: None,
            query: Vec::new(),
            headers: Vec::new(),
            cookies: Vec::new(),
            body: Body::Empty,
            invalid: None,
        }
    }

    /// The operation this request is for.
    pub fn operation(&self) -> &'static OperationMeta {
        self.op
    }

    /// The rendered path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Query parameters in order.
    pub fn query_pairs(&self) -> &[(Cow<'static, str>, String)] {
        &self.query
    }

    /// Replaces the target with an absolute URL (a next-page link); query parameters already
    /// in it are kept, others are dropped.
    pub fn with_absolute_url(mut self, url: String) -> Self {
        self.absolute_url = Some(url);
        self.query.clear();
        self
    }

    /// Sets (replaces) a query parameter.
    pub fn set_query(mut self, name: &'static str, value: String) -> Self {
        self.query.retain(|(k, _)| k != name);
        self.query.push((Cow::Borrowed(name), value));
        self
    }

    /// Adds a query parameter (style `form`).
    pub fn query<V: ParamValue + ?Sized>(mut self, name: &'static str, value: &V) -> Self {
        self.query
            .push((Cow::Borrowed(name), value.to_param().into_owned()));
        self
    }

    /// Adds an optional query parameter; `None` adds nothing.
    pub fn query_opt<V: ParamValue>(self, name: &'static str, value: Option<&V>) -> Self {
        match value {
            Some(v) => self.query(name, v),
            None => self,
        }
    }

    /// Adds an array query parameter: `explode` repeats the name (`a=1&a=2`), otherwise the
    /// values are joined with `delimiter` (`,` for form, `|` for pipeDelimited, ` ` for
    /// spaceDelimited).
    pub fn query_array<V: ParamValue>(
        mut self,
        name: &'static str,
        values: &[V],
        explode: bool,
        delimiter: &str,
    ) -> Self {
        if explode {
            for v in values {
                self.query
                    .push((Cow::Borrowed(name), v.to_param().into_owned()));
            }
        } else if !values.is_empty() {
            let joined = values
                .iter()
                .map(|v| v.to_param().into_owned())
                .collect::<Vec<_>>()
                .join(delimiter);
            self.query.push((Cow::Borrowed(name), joined));
        }
        self
    }

    /// Adds an object query parameter in `deepObject` style (`name[key]=value`, nested
    /// `name[a][b]=value`, arrays `name[0]=value`), or `form` style with `explode` (each
    /// property as its own parameter).
    pub fn query_object<V: serde::Serialize + ?Sized>(
        mut self,
        name: &'static str,
        value: &V,
        deep: bool,
    ) -> Self {
        match serde_json::to_value(value) {
            Ok(v) => {
                let mut pairs = Vec::new();
                if deep {
                    encode::flatten_brackets(name, &v, &mut pairs);
                } else {
                    encode::flatten_form(&v, &mut pairs);
                }
                self.query
                    .extend(pairs.into_iter().map(|(k, v)| (Cow::Owned(k), v)));
            }
            Err(e) => self.invalid = Some(format!("query parameter `{name}`: {e}")),
        }
        self
    }

    /// Adds a header parameter.
    pub fn header<V: ParamValue + ?Sized>(mut self, name: &'static str, value: &V) -> Self {
        self.headers
            .push((Cow::Borrowed(name), value.to_param().into_owned()));
        self
    }

    /// Adds an optional header parameter.
    pub fn header_opt<V: ParamValue>(self, name: &'static str, value: Option<&V>) -> Self {
        match value {
            Some(v) => self.header(name, v),
            None => self,
        }
    }

    /// Adds a cookie parameter.
    pub fn cookie<V: ParamValue + ?Sized>(mut self, name: &'static str, value: &V) -> Self {
        self.cookies
            .push((Cow::Borrowed(name), value.to_param().into_owned()));
        self
    }

    /// Adds an optional cookie parameter.
    pub fn cookie_opt<V: ParamValue>(self, name: &'static str, value: Option<&V>) -> Self {
        match value {
            Some(v) => self.cookie(name, v),
            None => self,
        }
    }

    /// A JSON body (`application/json` unless `content_type` says otherwise).
    pub fn json<B: serde::Serialize + ?Sized>(mut self, body: &B) -> Self {
        match serde_json::to_vec(body) {
            Ok(data) => {
                self.body = Body::Bytes {
                    content_type: Cow::Borrowed("application/json"),
                    data: Bytes::from(data),
                }
            }
            Err(e) => self.invalid = Some(format!("request body: {e}")),
        }
        self
    }

    /// An `application/x-www-form-urlencoded` body; nested objects and arrays use bracket
    /// keys (`metadata[key]=v`, `items[0][price]=p`), as Stripe and others expect.
    pub fn form<B: serde::Serialize + ?Sized>(mut self, body: &B) -> Self {
        match serde_json::to_value(body) {
            Ok(v) => {
                let mut pairs = Vec::new();
                encode::flatten_form(&v, &mut pairs);
                let data = encode::form_urlencode(&pairs);
                self.body = Body::Bytes {
                    content_type: Cow::Borrowed("application/x-www-form-urlencoded"),
                    data: Bytes::from(data),
                };
            }
            Err(e) => self.invalid = Some(format!("request body: {e}")),
        }
        self
    }

    /// A raw body with the given content type.
    pub fn bytes(mut self, content_type: &'static str, data: impl Into<Bytes>) -> Self {
        self.body = Body::Bytes {
            content_type: Cow::Borrowed(content_type),
            data: data.into(),
        };
        self
    }

    /// A raw body from bytes, a file or a stream ([`crate::UploadBody`]); plain bytes are
    /// sent as [`Request::bytes`] sends them, anything else as it is read.
    pub fn upload(
        mut self,
        content_type: &'static str,
        body: impl Into<crate::UploadBody>,
    ) -> Self {
        let content_type = Cow::Borrowed(content_type);
        self.body = match body.into().into_plain_bytes() {
            Ok(data) => Body::Bytes { content_type, data },
            Err(body) => Body::Upload { content_type, body },
        };
        self
    }

    /// A `multipart/form-data` body from parts, in order ([`Part::text`], [`Part::file`]).
    pub fn multipart_parts(mut self, parts: Vec<Part>) -> Self {
        self.body = Body::Multipart(parts);
        self
    }

    /// A `multipart/form-data` body from a serializable object: each top-level property
    /// becomes a part; strings are sent as text, [`crate::types::Binary`] values as files,
    /// anything else as JSON.
    pub fn multipart<B: serde::Serialize + ?Sized>(mut self, body: &B) -> Self {
        match serde_json::to_value(body) {
            Ok(serde_json::Value::Object(map)) => {
                let mut parts = Vec::new();
                for (name, value) in map {
                    encode::multipart_parts(name, value, &mut parts);
                }
                self.body = Body::Multipart(parts);
            }
            Ok(_) => self.invalid = Some("multipart body must be an object".to_owned()),
            Err(e) => self.invalid = Some(format!("request body: {e}")),
        }
        self
    }
}

/// Options for one call, on top of the client's configuration.
///
/// ```
/// use std::time::Duration;
/// let opts = sturdy_runtime::RequestOptions::new()
///     .timeout(Duration::from_secs(5))
///     .idempotency_key("order-42")
///     .header("x-trace", "abc");
/// # let _ = opts;
/// ```
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    /// The whole call's deadline.
    pub(crate) timeout: Option<Duration>,
    /// The bound of each attempt.
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) idempotency_key: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) correlation_id: Option<String>,
}

impl RequestOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// The whole call's deadline: every attempt, every backoff and rate-limit wait included
    /// (overrides the client's [`crate::Timeouts::total`]). When it passes, the call fails
    /// with [`crate::ErrorKind::Timeout`]; no retry starts after it.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The same as [`RequestOptions::timeout`] (the whole call's deadline).
    pub fn total_timeout(self, timeout: Duration) -> Self {
        self.timeout(timeout)
    }

    /// The bound of each single attempt, from sending to the whole body read (overrides the
    /// operation's `x-sturdy-timeout` and the client's [`crate::Timeouts::attempt`]). A timed
    /// out attempt is retried like any timeout, within the call's deadline.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// The idempotency key to send (instead of a generated one); sent on every attempt. Only
    /// operations whose contract accepts a key ([`OperationMeta::idempotency_header`]) send it;
    /// for any other it is ignored, and a write that may have reached the server is not
    /// resent.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// An extra header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// A retry policy for this call.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The correlation id to send (instead of a generated one).
    pub fn correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }
}
