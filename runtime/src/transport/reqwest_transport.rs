//! The default transport: a `reqwest::Client`.

use futures::TryStreamExt;

use super::{
    ResponseBody, Transport, TransportError, TransportErrorKind, TransportFuture, TransportRequest,
    TransportResponse,
};

/// Sends attempts with a `reqwest::Client` (the runtime's default).
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// Sends through `client` (its timeouts, proxy and redirect policy apply).
    pub fn new(client: reqwest::Client) -> Self {
        Self { client }
    }
}

impl Transport for ReqwestTransport {
    fn send(&self, request: TransportRequest) -> TransportFuture {
        let mut req = reqwest::Request::new(request.method, request.url);
        *req.headers_mut() = request.headers;
        if let Some(stream) = request.body_stream {
            // Sent as it is read: hyper asks for the next chunk when it can write it.
            *req.body_mut() = Some(reqwest::Body::wrap_stream(stream));
        } else if !request.body.is_empty() {
            *req.body_mut() = Some(request.body.into());
        }
        let fut = self.client.execute(req);
        Box::pin(async move {
            let mut resp = fut.await.map_err(from_reqwest)?;
            let status = resp.status().as_u16();
            let headers = std::mem::take(resp.headers_mut());
            let body = ResponseBody::from_stream(resp.bytes_stream().map_err(from_reqwest));
            Ok(TransportResponse::new(status, headers, body))
        })
    }
}

/// A reqwest error as a transport error, its URL (which may carry a secret) removed.
pub(crate) fn from_reqwest(e: reqwest::Error) -> TransportError {
    let kind = if e.is_connect() {
        TransportErrorKind::Connect
    } else if e.is_timeout() {
        TransportErrorKind::Timeout
    } else if e.is_builder() {
        TransportErrorKind::InvalidRequest
    } else if e.is_redirect() {
        TransportErrorKind::Redirect
    } else {
        TransportErrorKind::Network
    };
    TransportError::new(kind, crate::redact::reqwest_message(&e)).with_source(e.without_url())
}
