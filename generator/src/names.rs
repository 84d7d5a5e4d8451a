//! Rust names from spec names: valid identifiers, keyword-safe, unique where they must be.

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// Names that generated code uses at the top of the crate or in prelude position and that a
/// type must not shadow. `Error` is not one: model types live in `types` and are always
/// referred to by absolute path, so a schema named `Error` keeps its name beside the
/// crate's re-exported `sturdy_runtime::Error`.
const RESERVED_TYPES: &[&str] = &[
    "Option",
    "Result",
    "String",
    "Vec",
    "Box",
    "Client",
    "ClientBuilder",
    "Environment",
    "Some",
    "None",
    "Ok",
    "Err",
    "Self",
    "Default",
    "Clone",
    "Debug",
    "Send",
    "Sync",
    "Sized",
    "Copy",
    "Fn",
    "FnMut",
    "FnOnce",
    "Drop",
    "Iterator",
    "ToString",
    "From",
    "Into",
    "PartialEq",
    "Eq",
    "Hash",
    "Ord",
    "PartialOrd",
    "Deserialize",
    "Serialize",
    "Value",
    "BTreeMap",
    "Webhook",
    "WebhookEvent",
];

fn clean(raw: &str) -> String {
    // Keep letters and digits; everything else separates words. Leading/trailing `_` go.
    let mut out = String::with_capacity(raw.len());
    let mut prev_lower = false;
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            match c {
                '+' => out.push_str(" plus "),
                '-' if out.is_empty() => out.push_str("minus "),
                _ if !c.is_ascii() && c.is_alphanumeric() => {
                    out.push_str(&format!(" u{:x} ", c as u32))
                }
                _ => out.push(' '),
            }
            let _ = prev_lower;
            prev_lower = false;
        }
    }
    out
}

/// A snake_case identifier for a field, parameter, method or module.
pub fn snake(raw: &str) -> String {
    let mut s = clean(raw).to_snake_case();
    if s.is_empty() {
        s = "value".to_owned();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// Names a generated method uses for itself: its `body` and `params` arguments and its
/// `request` local (plus `client` and `options`, which would read as the same thing to a
/// caller). A parameter never takes one of them; `self` is a keyword and becomes `self_`.
pub const METHOD_LOCALS: &[&str] = &["body", "params", "request", "client", "options"];

/// The Rust name of a required operation parameter (a method argument): [`snake`], with
/// `_param` appended when the name is one of [`METHOD_LOCALS`] (a required query parameter
/// `request` becomes the argument `request_param`).
pub fn param_name(raw: &str) -> String {
    let s = snake(raw);
    if METHOD_LOCALS.contains(&s.as_str()) {
        format!("{s}_param")
    } else {
        s
    }
}

/// An UpperCamelCase identifier for a type or variant.
pub fn pascal(raw: &str) -> String {
    let mut s = clean(raw).to_upper_camel_case();
    if s.is_empty() {
        s = "Value".to_owned();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'V');
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// A type name: [`pascal`], avoiding names generated code relies on.
pub fn type_name(raw: &str) -> String {
    let mut s = pascal(raw);
    if RESERVED_TYPES.contains(&s.as_str()) {
        s.push_str("Type");
    }
    s
}

/// Hands out names that are unique within one scope, in a deterministic way: the second
/// `foo` becomes `foo_2` (or `Foo2`).
#[derive(Debug, Default, Clone)]
pub struct Scope {
    used: BTreeSet<String>,
}

impl Scope {
    /// An empty scope.
    pub fn new() -> Self {
        Self::default()
    }

    /// A scope where `names` are already taken.
    pub fn with_reserved<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            used: names.into_iter().map(str::to_owned).collect(),
        }
    }

    /// Whether `name` is taken.
    pub fn contains(&self, name: &str) -> bool {
        self.used.contains(name)
    }

    /// Claims `base`, or `base` with the smallest suffix that is free.
    pub fn claim(&mut self, base: &str) -> String {
        if self.used.insert(base.to_owned()) {
            return base.to_owned();
        }
        let snake_like = base
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
        for n in 2.. {
            let candidate = if snake_like {
                format!("{base}_{n}")
            } else {
                format!("{base}{n}")
            };
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
        }
        unreachable!("an unbounded range always yields a free name")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_valid_and_keyword_safe() {
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("X-RateLimit-Limit"), "x_rate_limit_limit");
        assert_eq!(snake("2fa"), "_2fa");
        assert_eq!(snake("+1"), "plus_1");
        assert_eq!(snake("-1"), "minus_1");
        assert_eq!(snake("@type"), "type_");
        assert_eq!(snake(""), "value");
        assert_eq!(pascal("in_progress"), "InProgress");
        assert_eq!(pascal("+1"), "Plus1");
        assert_eq!(pascal("-1"), "Minus1");
        assert_eq!(pascal("1st"), "V1st");
        assert_eq!(type_name("result"), "ResultType");
        assert_eq!(type_name("error"), "Error");
        assert_eq!(pascal("café"), "CafUe9");
    }

    #[test]
    fn parameters_never_take_a_generated_local_name() {
        for local in METHOD_LOCALS {
            assert_eq!(param_name(local), format!("{local}_param"));
        }
        assert_eq!(param_name("Request"), "request_param");
        assert_eq!(param_name("self"), "self_");
        assert_eq!(param_name("limit"), "limit");
    }

    #[test]
    fn scopes_deduplicate_deterministically() {
        let mut s = Scope::new();
        assert_eq!(s.claim("id"), "id");
        assert_eq!(s.claim("id"), "id_2");
        assert_eq!(s.claim("Pet"), "Pet");
        assert_eq!(s.claim("Pet"), "Pet2");
    }
}
