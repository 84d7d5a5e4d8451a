//! Drift signals: where the provider's answers stop matching the spec the client was generated
//! from, and where the provider says an operation is going away.
//!
//! A signal is (operation id, spec JSON pointer, [`DriftKind`], a sample of the wire value cut
//! to 64 characters). The client counts signals per (operation, pointer, kind) with the first
//! and last time seen (from the client's injected clock) and shows them three ways:
//! - [`crate::Client::drift`] returns a [`DriftReport`]: entries in (operation, pointer, kind)
//!   order, and a `Display` table an operator can print; [`crate::Client::take_drift`] returns
//!   it and starts counting afresh.
//! - `tracing` warnings (target `sturdy::drift`), rate-limited per (operation, pointer, kind):
//!   the first signal of a key warns at once; later ones warn at most once per interval
//!   (default 10 minutes, [`crate::ClientBuilder::drift_warning_interval`]), with the number
//!   of signals since the previous warning in the field `count`.
//! - with the feature `metrics`, the counter `sturdy_drift_total`, labels `operation`,
//!   `pointer` and `kind` ([`DriftKind::as_str`]).
//!
//! Where signals come from:
//! - decoding: a union or enum falling back to its catch-all (generated code calls
//!   [`crate::union::catch_all`]), an enum value the spec does not list (generated code calls
//!   [`report`] with [`DriftKind::UnknownEnumValue`]), and whatever else generated code
//!   reports through [`report`] (undeclared fields, lenient decodes). The runtime sets a
//!   *decode scope* (the operation and the client) around every decode it performs: a call's
//!   success body, pages and page items, stream events ([`scope`] sets one for code that
//!   decodes a body itself). A report raised outside a scope (user code calling serde itself)
//!   is a plain `tracing` warning (target `sturdy::decode`), not rate-limited and not
//!   counted; a report raised while a union tries a variant it then does not choose is
//!   dropped. An untagged union's catch-all samples the payload's shape (an object's keys,
//!   else its JSON type; never its values, which may be secrets), a tagged union's its
//!   unknown tag, an enum's its unknown value.
//! - response headers: `Deprecation` (RFC 9745) and `Sunset` (RFC 8594) on any response of
//!   an operation count as [`DriftKind::Deprecated`] and [`DriftKind::Sunset`] at the
//!   operation's pointer (`#/paths/~1pets~1{id}/get`); [`crate::Response::deprecation`]
//!   reads them, with their `Link` relations, from a response ([`Deprecation`]).
//!
//! A call that reports nothing allocates nothing for drift: one reference-count increment
//! and two thread-local writes per decode, and two header look-ups per response.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use std::sync::Arc;
//! use sturdy_runtime::drift::DriftKind;
//! use sturdy_runtime::transport::mock::{MockResponse, MockTransport};
//! use sturdy_runtime::{Call, Client, Method, OperationMeta, Request};
//!
//! /// An open enum, written as generated code writes one.
//! #[derive(Debug, PartialEq)]
//! enum Status { Active, Unknown(String) }
//! impl<'de> serde::Deserialize<'de> for Status {
//!     fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
//!         let s = <String as serde::Deserialize>::deserialize(d)?;
//!         if s == "active" { return Ok(Status::Active) }
//!         sturdy_runtime::drift::report(
//!             DriftKind::UnknownEnumValue, "Status", "#/components/schemas/status", Some(&s));
//!         Ok(Status::Unknown(s))
//!     }
//! }
//!
//! static GET: OperationMeta = OperationMeta::new("getStatus", Method::Get, "/status");
//! let mock = MockTransport::new()
//!     .answer(MockResponse::status(200).json(&serde_json::json!("paused")));
//! let client = Client::builder()
//!     .base_url("https://api.example.com")
//!     .transport(Arc::new(mock))
//!     .build()
//!     .unwrap();
//! let call: Call<Status, std::convert::Infallible> = Call::new(
//!     &client,
//!     Request::new(&GET, "/status".into()),
//!     sturdy_runtime::decode::json,
//!     |_, _| None,
//! );
//! assert_eq!(*call.await.unwrap().body(), Status::Unknown("paused".into()));
//! let report = client.drift();
//! let entry = report.iter().next().unwrap();
//! assert_eq!((entry.operation, entry.pointer.as_str()), ("getStatus", "#/components/schemas/status"));
//! assert_eq!((entry.kind, entry.count, entry.sample.as_deref()), (DriftKind::UnknownEnumValue, 1, Some("paused")));
//! println!("{report}");
//! # });
//! ```

mod deprecation;
mod report;
mod scope;
mod sink;

pub use deprecation::{parse_deprecation, parse_links, parse_sunset, Deprecation};
pub use report::{DriftEntry, DriftReport};

pub(crate) use deprecation::observe as observe_headers;
pub(crate) use scope::{deliver, in_scope};
pub(crate) use sink::DriftSink;

/// The default interval between two warnings of one (operation, pointer, kind).
pub const DEFAULT_WARNING_INTERVAL: std::time::Duration = std::time::Duration::from_secs(600);

/// The longest sample kept of a wire value, in characters.
pub const SAMPLE_CHARS: usize = 64;

/// What kind of drift a signal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum DriftKind {
    /// A union or a tagged union fell back to its catch-all (`Other`): no declared variant fits.
    CatchAll,
    /// An enum got a value the spec does not list (kept in `Unknown`).
    UnknownEnumValue,
    /// An object carried a field the spec does not declare.
    UndeclaredField,
    /// A value decoded only leniently (e.g. a number sent as a string).
    Lenient,
    /// The response said the operation is deprecated (`Deprecation`, RFC 9745).
    Deprecated,
    /// The response gave the operation a sunset date (`Sunset`, RFC 8594).
    Sunset,
}

impl DriftKind {
    /// The kind as a label: `catch_all`, `unknown_enum_value`, `undeclared_field`,
    /// `lenient`, `deprecated`, `sunset`.
    pub const fn as_str(self) -> &'static str {
        match self {
            DriftKind::CatchAll => "catch_all",
            DriftKind::UnknownEnumValue => "unknown_enum_value",
            DriftKind::UndeclaredField => "undeclared_field",
            DriftKind::Lenient => "lenient",
            DriftKind::Deprecated => "deprecated",
            DriftKind::Sunset => "sunset",
        }
    }

    /// What a warning of this kind says.
    pub(crate) const fn message(self) -> &'static str {
        match self {
            DriftKind::CatchAll => {
                "decoded into the catch-all variant: no declared variant matches"
            }
            DriftKind::UnknownEnumValue => "an enum value the spec does not list",
            DriftKind::UndeclaredField => "a field the spec does not declare",
            DriftKind::Lenient => "a value that decoded only leniently",
            DriftKind::Deprecated => "the provider says this operation is deprecated",
            DriftKind::Sunset => "the provider gives this operation a sunset date",
        }
    }
}

impl std::fmt::Display for DriftKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Reports a drift signal from generated decoding code: `kind` met in type `ty`, defined at
/// `pointer` in the spec, with the wire value if there is one (cut to [`SAMPLE_CHARS`]).
///
/// Inside a decode the runtime performs, the signal is counted for the operation being
/// decoded; while a union tries a variant, it is held back and dropped unless that variant
/// is chosen; outside both it is a `tracing` warning (target `sturdy::decode`).
/// [`crate::union::catch_all`] is this function with [`DriftKind::CatchAll`].
///
/// Generated code calls it with absolute paths and static strings:
///
/// ```
/// ::sturdy_runtime::drift::report(
///     ::sturdy_runtime::drift::DriftKind::UndeclaredField,
///     "Customer",
///     "#/components/schemas/customer",
///     ::std::option::Option::Some("loyalty_tier"),
/// );
/// ```
pub fn report(kind: DriftKind, ty: &'static str, pointer: &'static str, value: Option<&str>) {
    crate::union::report_drift(kind, ty, pointer, value, None);
}

/// One segment of a JSON pointer, escaped (`~` as `~0`, `/` as `~1`; RFC 6901).
pub(crate) fn pointer_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// `value` cut to [`SAMPLE_CHARS`] characters.
pub(crate) fn sample(value: &str) -> String {
    value.chars().take(SAMPLE_CHARS).collect()
}

/// The shape of `value`, never its contents (a payload may hold secrets): an object's keys
/// (`{id,kind}`), else its JSON type; cut to [`SAMPLE_CHARS`] characters.
pub(crate) fn shape_sample(value: &serde_json::Value) -> String {
    use serde_json::Value;
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(m) => {
            let mut keys = String::from("{");
            for k in m.keys() {
                if keys.len() > SAMPLE_CHARS * 4 {
                    break;
                }
                if keys.len() > 1 {
                    keys.push(',');
                }
                keys.push_str(k);
            }
            keys.push('}');
            return sample(&keys);
        }
    };
    kind.to_owned()
}

/// Runs `decode` in the scope of `operation` on `client`: drift it reports is counted as the
/// runtime counts its own decodes. For code that decodes a body itself (after
/// [`crate::Client::execute`]); the runtime's own decodes need nothing. It allocates nothing.
///
/// ```
/// # let client = sturdy_runtime::Client::builder().base_url("http://localhost").build().unwrap();
/// let n: u32 = sturdy_runtime::drift::scope(&client, "getCount", || {
///     serde_json::from_str("7").unwrap()
/// });
/// assert_eq!(n, 7);
/// ```
pub fn scope<R>(client: &crate::Client, operation: &'static str, decode: impl FnOnce() -> R) -> R {
    in_scope(client, operation, decode)
}

#[cfg(test)]
mod tests;
