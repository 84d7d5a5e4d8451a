//! Parameter and body encodings: path segments, query values, bracketed form keys.

use std::borrow::Cow;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::request::Part;

/// A value that can stand in a path, query, header or cookie parameter.
///
/// Implemented for strings, numbers, booleans, UUIDs, dates, JSON values and the string
/// enums that sturdy generates.
pub trait ParamValue {
    /// The value as text, before any percent-encoding.
    fn to_param(&self) -> Cow<'_, str>;
}

impl<T: ParamValue + ?Sized> ParamValue for &T {
    fn to_param(&self) -> Cow<'_, str> {
        (**self).to_param()
    }
}

impl ParamValue for str {
    fn to_param(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl ParamValue for String {
    fn to_param(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.as_str())
    }
}

impl ParamValue for bool {
    fn to_param(&self) -> Cow<'_, str> {
        Cow::Borrowed(if *self { "true" } else { "false" })
    }
}

macro_rules! display_param {
    ($($t:ty),*) => {$(
        impl ParamValue for $t {
            fn to_param(&self) -> Cow<'_, str> {
                Cow::Owned(self.to_string())
            }
        }
    )*};
}
display_param!(
    i8,
    i16,
    i32,
    i64,
    i128,
    u8,
    u16,
    u32,
    u64,
    u128,
    f32,
    f64,
    uuid::Uuid,
    chrono::NaiveDate
);

impl ParamValue for chrono::DateTime<chrono::Utc> {
    fn to_param(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    }
}

impl ParamValue for serde_json::Value {
    fn to_param(&self) -> Cow<'_, str> {
        match self {
            serde_json::Value::String(s) => Cow::Borrowed(s.as_str()),
            other => Cow::Owned(other.to_string()),
        }
    }
}

impl<T: ParamValue> ParamValue for Vec<T> {
    fn to_param(&self) -> Cow<'_, str> {
        Cow::Owned(
            self.iter()
                .map(|v| v.to_param().into_owned())
                .collect::<Vec<_>>()
                .join(","),
        )
    }
}

/// Characters left as they are in a path segment: RFC 3986 unreserved.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Characters left as they are in `application/x-www-form-urlencoded` (space becomes `+`).
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'*');

/// Percent-encodes a value for one path segment (a `/` in the value is encoded).
pub fn path<V: ParamValue + ?Sized>(value: &V) -> String {
    utf8_percent_encode(&value.to_param(), PATH_SEGMENT).to_string()
}

/// A value as JSON text, for a parameter whose schema is an object or union (sent as JSON,
/// the usual reading of `content: application/json` parameters). Serialization of generated
/// types cannot fail; if it somehow does, the parameter is sent empty.
pub fn json_text<T: serde::Serialize + ?Sized>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(v) => v.to_string(),
        Err(_) => String::new(),
    }
}

/// Form-urlencodes `pairs` (`a=1&b=2`, spaces as `+`).
pub fn form_urlencode(pairs: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        push_form(&mut out, k);
        out.push('=');
        push_form(&mut out, v);
    }
    out
}

fn push_form(out: &mut String, s: &str) {
    for chunk in utf8_percent_encode(s, FORM) {
        out.push_str(&chunk.replace("%20", "+"));
    }
}

fn scalar(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Flattens a value under `prefix` with bracket keys: `prefix[key]`, `prefix[0]`,
/// `prefix[a][b]`. Nulls are skipped; an empty object or array sends `prefix=` (which
/// providers such as Stripe read as "clear this field").
pub fn flatten_brackets(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            if map.is_empty() {
                out.push((prefix.to_owned(), String::new()));
            }
            for (k, v) in map {
                flatten_brackets(&format!("{prefix}[{k}]"), v, out);
            }
        }
        serde_json::Value::Array(items) => {
            if items.is_empty() {
                out.push((prefix.to_owned(), String::new()));
            }
            for (i, v) in items.iter().enumerate() {
                flatten_brackets(&format!("{prefix}[{i}]"), v, out);
            }
        }
        other => {
            if let Some(s) = scalar(other) {
                out.push((prefix.to_owned(), s));
            }
        }
    }
}

/// Flattens a top-level object into form pairs: scalars as `key=value`, nested values with
/// bracket keys (see [`flatten_brackets`]). A non-object is sent as nothing.
pub fn flatten_form(value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    if let serde_json::Value::Object(map) = value {
        for (k, v) in map {
            flatten_brackets(k, v, out);
        }
    }
}

pub(crate) fn multipart_parts(name: String, value: serde_json::Value, out: &mut Vec<Part>) {
    if let Some((file, upload)) = crate::types::Binary::from_marker(&value) {
        out.push(Part {
            name,
            filename: file.filename,
            content_type: file.content_type,
            data: file.data,
            upload,
        });
        return;
    }
    match value {
        serde_json::Value::Null => {}
        serde_json::Value::Array(items) => {
            for item in items {
                multipart_parts(name.clone(), item, out);
            }
        }
        serde_json::Value::String(s) => out.push(Part {
            name,
            filename: None,
            content_type: None,
            data: s.into(),
            upload: None,
        }),
        other => {
            let text = match scalar(&other) {
                Some(s) => s,
                None => other.to_string(),
            };
            out.push(Part {
                name,
                filename: None,
                content_type: None,
                data: text.into(),
                upload: None,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn path_segments_encode_reserved_characters() {
        assert_eq!(path("a/b c"), "a%2Fb%20c");
        assert_eq!(path(&42i64), "42");
        assert_eq!(path("safe-._~"), "safe-._~");
    }

    #[test]
    fn stripe_style_nested_form() {
        let mut pairs = Vec::new();
        flatten_form(
            &json!({"amount": 100, "metadata": {"order": "a b"}, "items": [{"price": "p1"}], "gone": null}),
            &mut pairs,
        );
        assert_eq!(
            form_urlencode(&pairs),
            "amount=100&metadata%5Border%5D=a+b&items%5B0%5D%5Bprice%5D=p1"
        );
    }

    #[test]
    fn empty_containers_are_sent_empty() {
        let mut pairs = Vec::new();
        flatten_form(&json!({"metadata": {}}), &mut pairs);
        assert_eq!(pairs, vec![("metadata".to_owned(), String::new())]);
    }
}
