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

/// How a success body is decoded. Generated code passes one of these functions.
pub mod decode {
    use bytes::Bytes;

    /// JSON into `T`; an empty body decodes as JSON `null` (so `()` and `Option` work).
    pub fn json<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, String> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return serde_json::from_slice(b"null").map_err(|e| e.to_string());
        }
        serde_json::from_slice(body).map_err(|e| e.to_string())
    }

    /// Nothing: any body is ignored.
    pub fn empty(_body: &Bytes) -> Result<(), String> {
        Ok(())
    }

    /// The raw bytes.
    pub fn bytes(body: &Bytes) -> Result<Bytes, String> {
        Ok(body.clone())
    }

    /// UTF-8 text.
    pub fn text(body: &Bytes) -> Result<String, String> {
        String::from_utf8(body.to_vec()).map_err(|e| e.to_string())
    }
}
