//! A generic HMAC scheme, described by a contract (`x-sturdy-webhook-signature`) and
//! declared as a `const` by generated code.

use super::WebhookError;

/// The HMAC hash function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC-SHA256.
    Sha256,
    /// HMAC-SHA512.
    Sha512,
}

/// How the signature is written in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureEncoding {
    /// Lower- or upper-case hex.
    Hex,
    /// Standard base64 with padding.
    Base64,
}

/// How the configured secret string becomes the HMAC key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyEncoding {
    /// The secret's UTF-8 bytes, as given (Stripe and GitHub do this).
    Utf8,
    /// Base64 of the key, optionally prefixed `whsec_` (Standard Webhooks does this).
    Base64,
}

/// A generic HMAC signature scheme.
///
/// `signed` is a template of what the provider signs: literal text plus the placeholders
/// `{body}` (the raw body bytes, required), `{timestamp}` (the timestamp header's value as
/// sent; requires [`timestamp_header`](Self::timestamp_header)) and `{id}` (the id
/// header's value; requires [`id_header`](Self::id_header)).
/// The signature header may carry several signatures separated by spaces (or commas, when
/// the prefix has no comma); each must start with [`prefix`](Self::prefix) when one is set.
///
/// ```
/// use sturdy_runtime::webhooks::{Algorithm, HmacSpec, SignatureEncoding};
/// const ACME: HmacSpec = HmacSpec::new("x-acme-signature")
///     .algorithm(Algorithm::Sha512)
///     .encoding(SignatureEncoding::Base64)
///     .prefix("v1=")
///     .timestamp_header("x-acme-timestamp")
///     .signed("{timestamp}.{body}");
/// assert!(ACME.validate().is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HmacSpec {
    pub(crate) header: &'static str,
    pub(crate) algorithm: Algorithm,
    pub(crate) encoding: SignatureEncoding,
    pub(crate) key: KeyEncoding,
    pub(crate) prefix: Option<&'static str>,
    pub(crate) timestamp_header: Option<&'static str>,
    pub(crate) id_header: Option<&'static str>,
    pub(crate) signed: &'static str,
}

impl HmacSpec {
    /// A scheme whose signature is in `header`; defaults: SHA-256, hex, UTF-8 key, no
    /// prefix, no timestamp, signed content `{body}`.
    pub const fn new(header: &'static str) -> Self {
        Self {
            header,
            algorithm: Algorithm::Sha256,
            encoding: SignatureEncoding::Hex,
            key: KeyEncoding::Utf8,
            prefix: None,
            timestamp_header: None,
            id_header: None,
            signed: "{body}",
        }
    }

    /// The hash function.
    pub const fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// How the signature is encoded.
    pub const fn encoding(mut self, encoding: SignatureEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// How the secret becomes the key.
    pub const fn key_encoding(mut self, key: KeyEncoding) -> Self {
        self.key = key;
        self
    }

    /// A prefix in front of each signature, such as `sha256=` or `v1=`.
    pub const fn prefix(mut self, prefix: &'static str) -> Self {
        self.prefix = Some(prefix);
        self
    }

    /// The header holding the timestamp (whole Unix seconds); it is then required and
    /// checked against the tolerance.
    pub const fn timestamp_header(mut self, header: &'static str) -> Self {
        self.timestamp_header = Some(header);
        self
    }

    /// The header holding the delivery id (used for `{id}` and for deduplication).
    pub const fn id_header(mut self, header: &'static str) -> Self {
        self.id_header = Some(header);
        self
    }

    /// The template of the signed content, such as `{timestamp}.{body}`.
    pub const fn signed(mut self, template: &'static str) -> Self {
        self.signed = template;
        self
    }

    /// The signature header's name.
    pub const fn header(&self) -> &'static str {
        self.header
    }

    /// Checks that header names are valid and that the template only uses placeholders
    /// the scheme can fill.
    pub fn validate(&self) -> Result<(), WebhookError> {
        self.parts().map(|_| ())
    }

    pub(crate) fn parts(&self) -> Result<Vec<Part>, WebhookError> {
        let bad = |m: String| Err(WebhookError::InvalidSpec(m));
        for name in [Some(self.header), self.timestamp_header, self.id_header]
            .into_iter()
            .flatten()
        {
            if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return bad(format!("`{name}` is not a valid header name"));
            }
        }
        let parts = template_parts(self.signed)?;
        if !parts.contains(&Part::Body) {
            return bad(format!(
                "signed template `{}` does not contain `{{body}}`",
                self.signed
            ));
        }
        if parts.contains(&Part::Timestamp) && self.timestamp_header.is_none() {
            return bad(format!(
                "signed template `{}` uses `{{timestamp}}` but no timestamp header is set",
                self.signed
            ));
        }
        if parts.contains(&Part::Id) && self.id_header.is_none() {
            return bad(format!(
                "signed template `{}` uses `{{id}}` but no id header is set",
                self.signed
            ));
        }
        Ok(parts)
    }
}

/// One piece of a signed-content template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    Literal(String),
    Body,
    Timestamp,
    Id,
}

fn template_parts(template: &str) -> Result<Vec<Part>, WebhookError> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            parts.push(Part::Literal(rest[..open].to_owned()));
        }
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(WebhookError::InvalidSpec(format!(
                "signed template `{template}` has an unclosed `{{`"
            )));
        };
        parts.push(match &after[..close] {
            "body" => Part::Body,
            "timestamp" => Part::Timestamp,
            "id" => Part::Id,
            other => {
                return Err(WebhookError::InvalidSpec(format!(
                    "signed template `{template}` uses unknown placeholder `{{{other}}}`; known: {{body}}, {{timestamp}}, {{id}}"
                )))
            }
        });
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err(WebhookError::InvalidSpec(format!(
            "signed template `{template}` has a stray `}}`"
        )));
    }
    if !rest.is_empty() {
        parts.push(Part::Literal(rest.to_owned()));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates() {
        assert_eq!(
            template_parts("{timestamp}.{body}").unwrap(),
            vec![Part::Timestamp, Part::Literal(".".into()), Part::Body]
        );
        assert_eq!(
            template_parts("v0:{body}").unwrap(),
            vec![Part::Literal("v0:".into()), Part::Body]
        );
        assert!(template_parts("{nope}").is_err());
        assert!(template_parts("{body").is_err());
        assert!(template_parts("body}").is_err());
    }

    #[test]
    fn validate_checks_consistency() {
        assert!(HmacSpec::new("x-sig").validate().is_ok());
        assert!(HmacSpec::new("x-sig")
            .signed("{timestamp}.{body}")
            .validate()
            .is_err());
        assert!(HmacSpec::new("x-sig")
            .signed("{timestamp}")
            .timestamp_header("x-ts")
            .validate()
            .is_err());
        assert!(HmacSpec::new("x-sig")
            .signed("{id}{body}")
            .validate()
            .is_err());
        assert!(HmacSpec::new("bad header").validate().is_err());
        let e = HmacSpec::new("x-sig")
            .signed("{x}{body}")
            .validate()
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown placeholder `{x}`"), "{e}");
    }
}
