//! A successful response: the decoded body plus status and headers.

use bytes::Bytes;

/// A successful response.
#[derive(Debug, Clone)]
pub struct Response<T> {
    pub(crate) status: u16,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: T,
    pub(crate) request_id: Option<String>,
    pub(crate) idempotency_key: Option<String>,
    pub(crate) attempts: u32,
}

impl<T> Response<T> {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The response headers.
    pub fn headers(&self) -> &http::HeaderMap {
        &self.headers
    }
    /// The decoded body.
    pub fn body(&self) -> &T {
        &self.body
    }
    /// Takes the decoded body.
    pub fn into_body(self) -> T {
        self.body
    }
    /// The provider's request id.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// The idempotency key sent on every attempt, if one was.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }
    /// How many attempts it took.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
    /// What the `Deprecation`, `Sunset` and `Link` headers say about this operation's
    /// retirement; `None` when neither a valid `Deprecation` nor `Sunset` was sent. The
    /// client also counts them (see [`crate::drift`]).
    pub fn deprecation(&self) -> Option<crate::drift::Deprecation> {
        crate::drift::Deprecation::from_headers(&self.headers)
    }
    /// Maps the body, keeping status and headers.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            status: self.status,
            headers: self.headers,
            body: f(self.body),
            request_id: self.request_id,
            idempotency_key: self.idempotency_key,
            attempts: self.attempts,
        }
    }
}

impl<T> std::ops::Deref for Response<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.body
    }
}

/// A response whose body has not been decoded: what the runtime's executor returns.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The HTTP status.
    pub status: u16,
    /// The headers.
    pub headers: http::HeaderMap,
    /// The body.
    pub body: Bytes,
    /// The provider's request id.
    pub request_id: Option<String>,
    /// The idempotency key sent.
    pub idempotency_key: Option<String>,
    /// Attempts made.
    pub attempts: u32,
}

impl RawResponse {
    /// Wraps a decoded body with this response's metadata.
    pub fn with_body<T>(self, body: T) -> Response<T> {
        Response {
            status: self.status,
            headers: self.headers,
            body,
            request_id: self.request_id,
            idempotency_key: self.idempotency_key,
            attempts: self.attempts,
        }
    }
}

/// Why a success body did not decode: a message, the JSON path that failed (when the body
/// was JSON), and the underlying serde error, kept as the call error's `source()`.
#[derive(Debug)]
pub struct DecodeError {
    message: String,
    path: Option<String>,
    source: Option<crate::error::Source>,
}

impl DecodeError {
    /// A decode failure described by `message` alone.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            path: None,
            source: None,
        }
    }

    /// A JSON decode failure at `path` (`.` for the root, else as `data[0].id`).
    pub fn at_path(path: String, source: serde_json::Error) -> Self {
        Self {
            message: format!("at `{path}`: {source}"),
            path: Some(path),
            source: Some(std::sync::Arc::new(source)),
        }
    }

    /// The description, naming the JSON path when there is one.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The JSON path of the value that failed to decode.
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    pub(crate) fn into_parts(self) -> (String, Option<crate::error::Source>) {
        (self.message, self.source)
    }
}

impl From<String> for DecodeError {
    fn from(message: String) -> Self {
        Self::new(message)
    }
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// How a success body is decoded. Generated code passes one of these functions.
pub mod decode {
    use bytes::Bytes;

    use super::DecodeError;

    /// JSON into `T`; an empty body decodes as JSON `null` (so `()` and `Option` work). A
    /// failure names the JSON path of the value that did not fit (`data[0].id`).
    ///
    /// Lenient: a `null` (or empty) body that `T` refuses but an empty object `{}` fits
    /// (a map, or a struct whose fields are all optional) decodes as `{}`, reported as a
    /// [`crate::union::Deviation::NullBody`]. [`json_strict`] does not; generated crates
    /// use it under their `strict` feature.
    pub fn json<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, DecodeError> {
        json_strict(body).or_else(|e| {
            let null = matches!(body.trim_ascii(), b"null" | b"");
            match serde_json::from_slice::<T>(b"{}") {
                Ok(t) if null => {
                    let ty = std::any::type_name::<T>();
                    crate::union::deviation(crate::union::Deviation::NullBody, ty, "", None);
                    Ok(t)
                }
                _ => Err(e),
            }
        })
    }

    /// [`json`] without leniency: the body must fit `T` as it is.
    pub fn json_strict<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, DecodeError> {
        let bytes: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            body
        };
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let value = serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|e| {
            let path = e.path().to_string();
            DecodeError::at_path(path, e.into_inner())
        })?;
        de.end()
            .map_err(|e| DecodeError::at_path(".".to_owned(), e))?;
        Ok(value)
    }

    /// Item `n` of the array at the JSON pointer `items` (`""`: the body), as `T`. A failure
    /// names the item's path in the page (`data[3].id`).
    pub(crate) fn item<T: serde::de::DeserializeOwned>(
        value: serde_json::Value,
        items: &str,
        n: usize,
    ) -> Result<T, DecodeError> {
        serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
            let array = items.trim_start_matches('/').replace('/', ".");
            let inner = e.path().to_string();
            let rest = if inner == "." {
                String::new()
            } else {
                format!(".{inner}")
            };
            DecodeError::at_path(format!("{array}[{n}]{rest}"), e.into_inner())
        })
    }

    /// Nothing: any body is ignored.
    pub fn empty(_body: &Bytes) -> Result<(), DecodeError> {
        Ok(())
    }

    /// The raw bytes.
    pub fn bytes(body: &Bytes) -> Result<Bytes, DecodeError> {
        Ok(body.clone())
    }

    /// UTF-8 text.
    pub fn text(body: &Bytes) -> Result<String, DecodeError> {
        String::from_utf8(body.to_vec()).map_err(|e| {
            let message = e.to_string();
            let mut d = DecodeError::new(message);
            d.source = Some(std::sync::Arc::new(e));
            d
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Page {
        #[allow(dead_code)]
        data: Vec<Item>,
    }
    #[derive(Debug, serde::Deserialize)]
    struct Item {
        #[allow(dead_code)]
        id: u64,
    }

    #[test]
    fn a_decode_error_names_the_json_path_and_keeps_the_serde_error() {
        let body = Bytes::from_static(br#"{"data":[{"id":1},{"id":"two"}]}"#);
        let e = decode::json::<Page>(&body).unwrap_err();
        assert_eq!(e.path(), Some("data[1].id"));
        assert!(
            e.message().starts_with("at `data[1].id`: invalid type"),
            "{e}"
        );
        let source = std::error::Error::source(&e).expect("the serde error");
        assert!(source.is::<serde_json::Error>());
        // Trailing garbage is refused, as serde_json::from_slice does.
        let e = decode::json::<Vec<u8>>(&Bytes::from_static(b"[1] x")).unwrap_err();
        assert_eq!(e.path(), Some("."));
        // An empty body is `null`.
        assert_eq!(decode::json::<Option<u8>>(&Bytes::new()).unwrap(), None);
        assert!(decode::text(&Bytes::from_static(&[0xff])).is_err());
        let e = decode::item::<Item>(serde_json::json!({"id": -1}), "/data", 3).unwrap_err();
        assert_eq!(e.path(), Some("data[3].id"));
        let e = decode::item::<u64>(serde_json::json!("x"), "", 0).unwrap_err();
        assert_eq!(e.path(), Some("[0]"));
    }
}
