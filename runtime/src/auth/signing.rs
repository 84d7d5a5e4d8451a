//! HMAC-signed requests, for APIs whose contract asks for them: a timestamp header and a
//! signature header over a template of the method, path (with query), timestamp and body.
//! The timestamp is taken from the client's clock on every attempt, so a retried request is
//! signed afresh. Tolerating clock skew (and refusing replays of old timestamps) is the
//! verifier's concern; keep the client's clock in sync. A multipart body is streamed, not
//! buffered, so it is signed as empty: contracts that sign bodies use JSON or form bodies.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use sturdy_runtime::auth::signing::RequestSigner;
//! let signer = RequestSigner::new("secret")
//!     .header("X-Signature")
//!     .timestamp_header("X-Timestamp")
//!     .template("{timestamp}\n{method}\n{path}\n{body}");
//! let headers = signer.sign("POST", "/v1/orders?x=1", b"{}", SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
//! assert_eq!(headers[0], ("X-Timestamp".to_owned(), "1700000000".to_owned()));
//! assert_eq!(headers[1].0, "X-Signature");
//! ```

use std::fmt;
use std::time::SystemTime;

use base64::Engine;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};

/// The digest of a [`RequestSigner`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Digest {
    /// HMAC-SHA256.
    #[default]
    Sha256,
    /// HMAC-SHA512.
    Sha512,
}

/// How the signature is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Encoding {
    /// Lower-case hex.
    #[default]
    Hex,
    /// Standard base64.
    Base64,
}

/// Signs each attempt of each request.
#[derive(Clone)]
pub struct RequestSigner {
    secret: SecretString,
    header: String,
    timestamp_header: Option<String>,
    digest: Digest,
    encoding: Encoding,
    prefix: String,
    template: String,
}

impl fmt::Debug for RequestSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestSigner")
            .field("secret", &"[redacted]")
            .field("header", &self.header)
            .field("timestamp_header", &self.timestamp_header)
            .field("template", &self.template)
            .finish()
    }
}

impl RequestSigner {
    /// A signer with `secret`; defaults: header `X-Signature`, timestamp header
    /// `X-Timestamp`, HMAC-SHA256, hex, template `{timestamp}.{method}.{path}.{body}`.
    pub fn new(secret: impl Into<String>) -> Self {
        Self {
            secret: SecretString::from(secret.into()),
            header: "X-Signature".into(),
            timestamp_header: Some("X-Timestamp".into()),
            digest: Digest::Sha256,
            encoding: Encoding::Hex,
            prefix: String::new(),
            template: "{timestamp}.{method}.{path}.{body}".into(),
        }
    }
    /// The signature header.
    pub fn header(mut self, name: impl Into<String>) -> Self {
        self.header = name.into();
        self
    }
    /// The timestamp header (`None`: the timestamp is only signed, not sent).
    pub fn timestamp_header(mut self, name: impl Into<String>) -> Self {
        self.timestamp_header = Some(name.into());
        self
    }
    /// The digest.
    pub fn digest(mut self, digest: Digest) -> Self {
        self.digest = digest;
        self
    }
    /// The encoding.
    pub fn encoding(mut self, encoding: Encoding) -> Self {
        self.encoding = encoding;
        self
    }
    /// A prefix before the signature (`sha256=`).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }
    /// What is signed: `{timestamp}`, `{method}`, `{path}` (with query) and `{body}` are
    /// replaced.
    pub fn template(mut self, template: impl Into<String>) -> Self {
        self.template = template.into();
        self
    }

    /// Whether the signature covers the body (the template has `{body}`): then a body read
    /// as it is sent (an upload from a file or a stream) cannot be signed.
    pub fn needs_body(&self) -> bool {
        self.template.contains("{body}")
    }

    /// The headers for one attempt.
    pub fn sign(
        &self,
        method: &str,
        path_and_query: &str,
        body: &[u8],
        now: SystemTime,
    ) -> Vec<(String, String)> {
        let ts = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs()
            .to_string();
        let mut message: Vec<u8> = Vec::with_capacity(self.template.len() + body.len());
        let mut rest = self.template.as_str();
        while let Some(start) = rest.find('{') {
            message.extend_from_slice(&rest.as_bytes()[..start]);
            let after = &rest[start..];
            let (piece, len): (&[u8], usize) = if after.starts_with("{timestamp}") {
                (ts.as_bytes(), 11)
            } else if after.starts_with("{method}") {
                (method.as_bytes(), 8)
            } else if after.starts_with("{path}") {
                (path_and_query.as_bytes(), 6)
            } else if after.starts_with("{body}") {
                (body, 6)
            } else {
                (b"{", 1)
            };
            message.extend_from_slice(piece);
            rest = &after[len..];
        }
        message.extend_from_slice(rest.as_bytes());
        let key = self.secret.expose_secret().as_bytes();
        let mac = match self.digest {
            Digest::Sha256 => {
                let mut m = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key)
                    .expect("HMAC accepts any key length");
                m.update(&message);
                m.finalize().into_bytes().to_vec()
            }
            Digest::Sha512 => {
                let mut m = <Hmac<sha2::Sha512> as Mac>::new_from_slice(key)
                    .expect("HMAC accepts any key length");
                m.update(&message);
                m.finalize().into_bytes().to_vec()
            }
        };
        let sig = match self.encoding {
            Encoding::Hex => hex::encode(mac),
            Encoding::Base64 => base64::engine::general_purpose::STANDARD.encode(mac),
        };
        let mut out = Vec::with_capacity(2);
        if let Some(h) = &self.timestamp_header {
            out.push((h.clone(), ts));
        }
        out.push((self.header.clone(), format!("{}{sig}", self.prefix)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn signature_is_the_hmac_of_the_template() {
        let s = RequestSigner::new("key").template("{timestamp}.{method}.{path}.{body}");
        let h = s.sign(
            "POST",
            "/a?b=1",
            b"{}",
            SystemTime::UNIX_EPOCH + Duration::from_secs(5),
        );
        // HMAC-SHA256("key", "5.POST./a?b=1.{}"), computed independently with Python's hmac.
        assert_eq!(
            h[1].1,
            "00d2f11bbc4235074163c07a1b2e553560a508b3baa27b4a55d93df0a14b8b06"
        );
        assert_eq!(h[0], ("X-Timestamp".to_owned(), "5".to_owned()));
        let b64 = RequestSigner::new("key")
            .encoding(Encoding::Base64)
            .prefix("v1=")
            .sign(
                "POST",
                "/a?b=1",
                b"{}",
                SystemTime::UNIX_EPOCH + Duration::from_secs(5),
            );
        assert_eq!(b64[1].1, "v1=ANLxG7xCNQdBY8B6Gy5VNWClCLO6ontKVdk98KFLiwY=");
        assert!(!format!("{s:?}").contains("\"key\""));
    }
}
