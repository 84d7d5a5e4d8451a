//! `Deprecation` (RFC 9745), `Sunset` (RFC 8594) and their `Link` relations.
//!
//! The parsers are pure functions of one header value: a value they cannot read is `None`,
//! never a panic.

use std::borrow::Cow;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName};

use super::{DriftKind, DriftSink};
use crate::request::OperationMeta;

const DEPRECATION: HeaderName = HeaderName::from_static("deprecation");
const SUNSET: HeaderName = HeaderName::from_static("sunset");

/// What a response says about its operation's retirement.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use sturdy_runtime::drift::Deprecation;
/// let mut headers = http::HeaderMap::new();
/// headers.insert("deprecation", "@1688169599".parse().unwrap());
/// headers.insert("sunset", "Wed, 11 Nov 2026 23:59:59 GMT".parse().unwrap());
/// headers.insert("link", r#"<https://example.com/deprecation>; rel="deprecation""#.parse().unwrap());
/// let d = Deprecation::from_headers(&headers).unwrap();
/// assert!(d.deprecated);
/// assert_eq!(d.since, Some(UNIX_EPOCH + Duration::from_secs(1688169599)));
/// assert_eq!(d.sunset, Some(UNIX_EPOCH + Duration::from_secs(1794441599)));
/// assert_eq!(d.link.as_deref(), Some("https://example.com/deprecation"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Deprecation {
    /// A valid `Deprecation` header was sent.
    pub deprecated: bool,
    /// When the operation was (or will be) deprecated; `None` for the legacy `true`, or when
    /// only `Sunset` was sent.
    pub since: Option<SystemTime>,
    /// When the operation is expected to stop answering (`Sunset`).
    pub sunset: Option<SystemTime>,
    /// The `Link` with `rel="deprecation"`: where the provider explains it.
    pub link: Option<String>,
    /// The `Link` with `rel="sunset"`.
    pub sunset_link: Option<String>,
}

impl Deprecation {
    /// Reads the headers; `None` when there is neither a valid `Deprecation` nor a valid
    /// `Sunset`. The first valid value of each header is used.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let text = |name| {
            headers
                .get_all(name)
                .into_iter()
                .filter_map(|v| v.to_str().ok())
        };
        let since = text(DEPRECATION).find_map(parse_deprecation);
        let sunset = text(SUNSET).find_map(parse_sunset);
        if since.is_none() && sunset.is_none() {
            return None;
        }
        let link = |rel| text(http::header::LINK).find_map(|v| parse_links(v, rel));
        Some(Self {
            deprecated: since.is_some(),
            since: since.flatten(),
            sunset,
            link: link("deprecation"),
            sunset_link: link("sunset"),
        })
    }
}

/// Reads a `Deprecation` value: `Some(Some(date))` for an RFC 9745 date (`@1688169599`,
/// parameters ignored) or a legacy HTTP-date, `Some(None)` for the legacy `true`, `None` for
/// anything else.
pub fn parse_deprecation(value: &str) -> Option<Option<SystemTime>> {
    let value = value.trim_matches([' ', '\t']);
    if value.eq_ignore_ascii_case("true") {
        return Some(None);
    }
    let Some(date) = value.strip_prefix('@') else {
        return parse_sunset(value).map(Some);
    };
    // sf-date = "@" sf-integer; parameters may follow.
    let number = date.split(';').next().unwrap_or_default().trim_end();
    let digits = number.strip_prefix('-').unwrap_or(number);
    if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seconds: u64 = digits.parse().ok()?;
    let offset = Duration::from_secs(seconds);
    if number.starts_with('-') {
        UNIX_EPOCH.checked_sub(offset).map(Some)
    } else {
        UNIX_EPOCH.checked_add(offset).map(Some)
    }
}

/// Reads a `Sunset` value (an HTTP-date); `None` if it is not one.
pub fn parse_sunset(value: &str) -> Option<SystemTime> {
    httpdate::parse_http_date(value.trim_matches([' ', '\t'])).ok()
}

/// The target of the first link in a `Link` value (RFC 8288) whose `rel` includes `rel`
/// (case-insensitive), e.g. `<https://example.com/d>; rel="deprecation"`.
pub fn parse_links(value: &str, rel: &str) -> Option<String> {
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        let Some(after) = rest.strip_prefix('<') else {
            // Not a link: skip to the next one.
            rest = &rest[rest.find(',')? + 1..];
            continue;
        };
        let end = after.find('>')?;
        let target = after[..end].trim();
        rest = &after[end + 1..];
        let mut matched = false;
        while let Some(params) = rest.trim_start_matches([' ', '\t']).strip_prefix(';') {
            let (name, value, after) = link_param(params);
            rest = after;
            if name.eq_ignore_ascii_case("rel")
                && value
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case(rel))
            {
                matched = true;
            }
        }
        if matched {
            return Some(target.to_owned());
        }
        rest = &rest[rest.find(',')?..];
    }
}

/// One `name[=value]` link parameter from the start of `s`: its name, its value (quotes
/// removed) and what follows it.
fn link_param(s: &str) -> (&str, Cow<'_, str>, &str) {
    let s = s.trim_start_matches([' ', '\t']);
    let name_end = s.find(['=', ';', ',', ' ', '\t']).unwrap_or(s.len());
    let (name, rest) = s.split_at(name_end);
    let Some(rest) = rest.trim_start_matches([' ', '\t']).strip_prefix('=') else {
        return (name, Cow::Borrowed(""), rest);
    };
    let rest = rest.trim_start_matches([' ', '\t']);
    if let Some(quoted) = rest.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return (name, Cow::Owned(value), &quoted[i + 1..]),
                '\\' => value.extend(chars.next().map(|(_, c)| c)),
                c => value.push(c),
            }
        }
        return (name, Cow::Owned(value), "");
    }
    let end = rest.find([';', ',', ' ', '\t']).unwrap_or(rest.len());
    (name, Cow::Borrowed(&rest[..end]), &rest[end..])
}

/// The spec pointer of an operation: `#/paths/~1pets~1{id}/get`.
pub(crate) fn operation_pointer(op: &OperationMeta) -> String {
    let path = super::pointer_segment(op.path_template);
    format!("#/paths/{path}/{}", op.method.as_str().to_ascii_lowercase())
}

/// Counts a response's `Deprecation` and `Sunset` headers as drift of `op`.
pub(crate) fn observe(sink: &DriftSink, op: &OperationMeta, headers: Option<&HeaderMap>) {
    let Some(headers) = headers else { return };
    // One pass over the names (most responses have a handful and neither), no hashing.
    let mentioned = headers
        .keys()
        .any(|n| matches!(n.as_str(), "deprecation" | "sunset"));
    if !mentioned {
        return;
    }
    let Some(d) = Deprecation::from_headers(headers) else {
        return;
    };
    let pointer: Cow<'static, str> = Cow::Owned(operation_pointer(op));
    let raw = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if d.deprecated {
        let pointer = pointer.clone();
        let value = raw(DEPRECATION);
        sink.record(op.id, DriftKind::Deprecated, "Deprecation", pointer, value);
    }
    if d.sunset.is_some() {
        sink.record(op.id, DriftKind::Sunset, "Sunset", pointer, raw(SUNSET));
    }
}
