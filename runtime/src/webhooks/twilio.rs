//! Twilio's webhook signatures, which sign the URL the request was sent to, so they take the
//! URL as well as the headers and body: `X-Twilio-Signature` is the base64 HMAC-SHA1, keyed
//! with the account's auth token, of the full URL followed, for a form body, by every
//! parameter name and value in sorted order; a JSON body is signed through the URL's
//! `bodySHA256` query parameter (hex SHA-256 of the body). Twilio signs the URL with or
//! without the default port, so both are tried, as its SDKs do.
//! (<https://www.twilio.com/docs/usage/webhooks/webhooks-security>.) No timestamp is signed;
//! `I-Twilio-Idempotency-Token` identifies a delivery and its retries.
//!
//! ```
//! use sturdy_runtime::webhooks::TwilioVerifier;
//! let v = TwilioVerifier::new(["12345"]).unwrap();
//! let mut h = http::HeaderMap::new();
//! h.insert("x-twilio-signature", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=".parse().unwrap());
//! let body = b"CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030&To=%2B18005551212";
//! assert!(v.verify("https://mycompany.com/myapp.php?foo=1&bar=2", &h, body).is_ok());
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use http::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use sha2::Digest as _;
use subtle::ConstantTimeEq;

use super::{Verified, WebhookError};

/// `X-Twilio-Signature`.
pub const TWILIO_SIGNATURE: &str = "x-twilio-signature";
/// `I-Twilio-Idempotency-Token`, Twilio's id for a delivery (kept on retries).
pub const TWILIO_IDEMPOTENCY_TOKEN: &str = "i-twilio-idempotency-token";

/// Verifies Twilio webhook signatures against one or more auth tokens (several during a
/// rotation). Tokens are never shown by `Debug`.
#[derive(Clone)]
pub struct TwilioVerifier {
    tokens: Vec<SecretString>,
}

impl fmt::Debug for TwilioVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioVerifier")
            .field("tokens", &self.tokens.len())
            .finish()
    }
}

impl TwilioVerifier {
    /// A verifier for these auth tokens (used as given, never trimmed).
    pub fn new<I, S>(tokens: I) -> Result<Self, WebhookError>
    where
        I: IntoIterator<Item = S>,
        S: Into<SecretString>,
    {
        let tokens: Vec<SecretString> = tokens.into_iter().map(Into::into).collect();
        if tokens.is_empty() {
            return Err(WebhookError::NoSecrets);
        }
        if let Some(index) = tokens.iter().position(|t| t.expose_secret().is_empty()) {
            return Err(WebhookError::InvalidSecret {
                index,
                reason: "empty",
            });
        }
        Ok(Self { tokens })
    }

    /// Verifies a request Twilio sent to `url` (the full URL as Twilio requested it, query
    /// included) with the raw `body`: form parameters are signed after the URL; with a
    /// `bodySHA256` query parameter the body must hash to it instead.
    pub fn verify(
        &self,
        url: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Verified, WebhookError> {
        let value = headers
            .get(TWILIO_SIGNATURE)
            .ok_or(WebhookError::MissingHeader(TWILIO_SIGNATURE))?;
        let malformed = |reason| WebhookError::MalformedHeader {
            header: TWILIO_SIGNATURE,
            reason,
        };
        let given = base64::engine::general_purpose::STANDARD
            .decode(value.as_bytes())
            .map_err(|_| malformed("not base64"))?;
        let params = match body_hash(url) {
            Some(expected) => {
                let actual = hex::encode(sha2::Sha256::digest(body));
                if !bool::from(actual.as_bytes().ct_eq(expected.as_bytes())) {
                    return Err(WebhookError::InvalidSignature);
                }
                String::new()
            }
            None => sorted_params(body),
        };
        for (index, token) in self.tokens.iter().enumerate() {
            for u in port_variants(url) {
                let m = mac(token, &u, &params);
                if bool::from(m.as_slice().ct_eq(&given)) {
                    return Ok(Verified {
                        secret_index: index,
                        timestamp: None,
                    });
                }
            }
        }
        Err(WebhookError::InvalidSignature)
    }

    /// The delivery id (`I-Twilio-Idempotency-Token`), for deduplication.
    pub fn event_id(&self, headers: &HeaderMap) -> Option<String> {
        headers
            .get(TWILIO_IDEMPOTENCY_TOKEN)?
            .to_str()
            .ok()
            .map(str::to_owned)
    }

    /// The `X-Twilio-Signature` value Twilio would send for `url` and `body`, with the first
    /// token (for tests of receivers).
    pub fn sign(&self, url: &str, body: &[u8]) -> String {
        let params = if body_hash(url).is_some() {
            String::new()
        } else {
            sorted_params(body)
        };
        base64::engine::general_purpose::STANDARD.encode(mac(&self.tokens[0], url, &params))
    }
}

fn mac(token: &SecretString, url: &str, params: &str) -> Vec<u8> {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let Ok(mut m) = Hmac::<sha1::Sha1>::new_from_slice(token.expose_secret().as_bytes()) else {
        return Vec::new();
    };
    m.update(url.as_bytes());
    m.update(params.as_bytes());
    m.finalize().into_bytes().to_vec()
}

/// The `bodySHA256` query parameter of `url`, if any.
fn body_hash(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1.split('#').next()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "bodySHA256")
        .map(|(_, v)| v.into_owned())
}

/// Every distinct form parameter name, sorted, each followed by its distinct values, sorted
/// (as Twilio's SDKs build it); a body that is not a form gives what the form parser reads.
fn sorted_params(body: &[u8]) -> String {
    let mut by_name: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        by_name
            .entry(k.into_owned())
            .or_default()
            .insert(v.into_owned());
    }
    let mut out = String::new();
    for (name, values) in by_name {
        for v in values {
            out.push_str(&name);
            out.push_str(&v);
        }
    }
    out
}

/// `url` as given, plus the same URL with its default port removed or added (443 for https,
/// 80 otherwise).
fn port_variants(url: &str) -> Vec<String> {
    let mut out = vec![url.to_owned()];
    let Some((scheme, rest)) = url.split_once("://") else {
        return out;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (netloc, tail) = rest.split_at(end);
    let other = match netloc.rsplit_once(':') {
        Some((host, port))
            if !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
                && !host.ends_with('[') =>
        {
            host.to_owned()
        }
        _ => {
            let port = if scheme.eq_ignore_ascii_case("https") {
                443
            } else {
                80
            };
            format!("{netloc}:{port}")
        }
    };
    out.push(format!("{scheme}://{other}{tail}"));
    out
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    // From the official `twilio` 9.3.0 (PyPI): `RequestValidator("12345").compute_signature(url,
    // params)`, each also accepted by its `validate`.
    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const FORM: &[u8] = b"CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030&To=%2B18005551212";
    const FORM_SIG: &str = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";
    const PORT_SIG: &str = "EpDEmp1PyjDYp77YxYU3GILBWzE=";
    const JSON_URL: &str = "https://mycompany.com/myapp.php?bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
    const JSON_BODY: &[u8] = br#"{"property": "value", "boolean": true}"#;
    const JSON_SIG: &str = "y77kIzt2vzLz71DgmJGsen2scGs=";

    fn sig(s: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(TWILIO_SIGNATURE, HeaderValue::from_str(s).unwrap());
        h
    }

    #[test]
    fn vectors_from_the_twilio_sdk_verify() {
        let v = TwilioVerifier::new(["wrong", "12345"]).unwrap();
        assert_eq!(v.verify(URL, &sig(FORM_SIG), FORM).unwrap().secret_index, 1);
        // Signed with the default port written out; received without it.
        assert!(v.verify(URL, &sig(PORT_SIG), FORM).is_ok());
        assert!(v.verify(JSON_URL, &sig(JSON_SIG), JSON_BODY).is_ok());
        assert_eq!(
            TwilioVerifier::new(["12345"]).unwrap().sign(URL, FORM),
            FORM_SIG
        );
    }

    #[test]
    fn tampered_parameters_url_or_body_do_not_verify() {
        let v = TwilioVerifier::new(["12345"]).unwrap();
        let tampered = b"CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=9999&From=%2B12349013030&To=%2B18005551212";
        assert!(matches!(
            v.verify(URL, &sig(FORM_SIG), tampered),
            Err(WebhookError::InvalidSignature)
        ));
        assert!(v
            .verify(
                "https://mycompany.com/other.php?foo=1&bar=2",
                &sig(FORM_SIG),
                FORM
            )
            .is_err());
        assert!(v
            .verify(JSON_URL, &sig(JSON_SIG), br#"{"property": "other"}"#)
            .is_err());
        assert!(matches!(
            v.verify(URL, &sig("%%%"), FORM),
            Err(WebhookError::MalformedHeader { .. })
        ));
        assert!(matches!(
            v.verify(URL, &HeaderMap::new(), FORM),
            Err(WebhookError::MissingHeader(TWILIO_SIGNATURE))
        ));
        assert!(TwilioVerifier::new(Vec::<String>::new()).is_err());
        assert!(format!("{v:?}").contains("tokens: 1") && !format!("{v:?}").contains("12345"));
    }

    #[test]
    fn port_variants_add_or_remove_the_default_port() {
        assert_eq!(port_variants("https://a.com/x")[1], "https://a.com:443/x");
        assert_eq!(port_variants("http://a.com:8080?q")[1], "http://a.com?q");
        assert_eq!(port_variants("nope"), ["nope"]);
    }
}
