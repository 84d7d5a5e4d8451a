//! Building one attempt's [`TransportRequest`]: URL, headers in a fixed order, credentials,
//! cookies, body, and the request signature.

use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::ExposeSecret;

use super::CallCtx;
use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::request::{Body, Request};
use crate::transport::TransportRequest;

/// Appends `name: value`, or says which header is invalid (never echoing its value).
fn append(headers: &mut HeaderMap, name: &str, value: &str) -> Result<(), Error> {
    let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
        Error::new(
            ErrorKind::InvalidRequest,
            format!("`{}` is not a valid header name", name.escape_debug()),
        )
    })?;
    let value = HeaderValue::from_str(value).map_err(|_| {
        Error::new(
            ErrorKind::InvalidRequest,
            format!("the value of header `{name}` is not a valid header value"),
        )
    })?;
    headers.append(name, value);
    Ok(())
}

/// The client's default headers then the API's version header, parsed once when the client is
/// built; `None` when one of them is invalid (each attempt then parses them and says which).
pub(crate) fn fixed_headers(
    defaults: &[(String, String)],
    version: Option<(&str, &str)>,
) -> Option<Vec<(HeaderName, HeaderValue)>> {
    defaults
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .chain(version)
        .map(|(k, v)| {
            let name = HeaderName::from_bytes(k.as_bytes()).ok()?;
            Some((name, HeaderValue::from_str(v).ok()?))
        })
        .collect()
}

impl Client {
    /// The full URL of a request, and whether it is the base URL with a path set on it (so on
    /// the base's origin by construction, [`super::target`]).
    pub(super) fn url_for(
        &self,
        request: &Request,
        extra_query: &[(String, String)],
    ) -> Result<(url::Url, bool), Error> {
        let joined = match (&request.absolute_url, &self.inner.joinable_base) {
            (None, Some(base)) => super::target::join(base, &request.path),
            _ => None,
        };
        let on_base = joined.is_some();
        let mut url = match (joined, &request.absolute_url) {
            (Some(url), _) => Ok(url),
            (None, Some(u)) => url::Url::parse(u),
            (None, None) => {
                let mut raw = String::with_capacity(self.inner.base_url.len() + request.path.len());
                raw.push_str(&self.inner.base_url);
                raw.push_str(&request.path);
                url::Url::parse(&raw)
            }
        }
        .map_err(|e| {
            let secret_names = self.inner.auth.names_of_secret_params();
            let shown = url::Url::parse(&self.inner.base_url)
                .map(|u| crate::redact::redact_url(&u, &secret_names))
                .unwrap_or_else(|_| "[unparseable URL]".to_owned());
            Error::new(
                ErrorKind::InvalidRequest,
                format!("invalid URL for path `{}` under {shown}: {e}", request.path),
            )
        })?;
        if !request.query.is_empty() || !extra_query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &request.query {
                pairs.append_pair(k, v);
            }
            for (k, v) in extra_query {
                pairs.append_pair(k, v);
            }
        }
        Ok((url, on_base))
    }

    /// The URL with secrets stripped, for errors and traces.
    pub(super) fn shown_url(&self, url: &url::Url) -> String {
        crate::redact::redact_url(url, &self.inner.auth.names_of_secret_params())
    }

    /// The request of one attempt. Headers in order: the client's defaults, the API version
    /// header, the request's header parameters, the call's extra headers, the headers
    /// interceptors added in `before_call`, the idempotency key
    /// (unless the caller sent one), the correlation id, the retry count, credentials,
    /// cookies, the content type (and `Content-Length` for an upload of known length, whose
    /// stream becomes the body: [`crate::upload`]); then the request signature over the final
    /// request (refused for a streamed upload when the signer signs the body).
    pub(super) fn build_attempt(
        &self,
        ctx: &CallCtx<'_>,
        attempt: u32,
        url: url::Url,
        applied: &crate::auth::Applied,
    ) -> Result<TransportRequest, Error> {
        let request = ctx.request;
        let options = ctx.options;
        let op = request.op;
        let mut headers = HeaderMap::new();
        // Parsed when the client was built: a clone here shares their bytes, no allocation.
        if let Some(fixed) = &self.inner.fixed_headers {
            for (k, v) in fixed {
                headers.append(k.clone(), v.clone());
            }
        } else {
            for (k, v) in &self.inner.default_headers {
                append(&mut headers, k, v)?;
            }
            if let Some((name, value)) = self.inner.api.version_header {
                append(&mut headers, name, value)?;
            }
        }
        for (k, v) in &request.headers {
            append(&mut headers, k, v)?;
        }
        for (k, v) in &options.headers {
            append(&mut headers, k, v)?;
        }
        for (k, v) in &ctx.extra_headers {
            headers.append(k.clone(), v.clone());
        }
        if let (Some(header), Some(key)) = (op.idempotency_header, ctx.idempotency_key) {
            let already = request
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case(header))
                || options
                    .headers
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case(header));
            if !already {
                append(&mut headers, header, key)?;
            }
        }
        match (&self.inner.correlation_name, &self.inner.correlation_header) {
            (Some(name), _) => {
                let value = HeaderValue::from_str(ctx.correlation_id).map_err(|_| {
                    Error::new(
                        ErrorKind::InvalidRequest,
                        format!("the value of header `{name}` is not a valid header value"),
                    )
                })?;
                headers.append(name.clone(), value);
            }
            (None, Some(h)) => append(&mut headers, h, ctx.correlation_id)?,
            (None, None) => {}
        }
        if attempt > 1 {
            headers.append(
                HeaderName::from_static("x-sturdy-retry-count"),
                HeaderValue::from(attempt - 1),
            );
        }
        for (k, v) in &applied.headers {
            let (Ok(name), Ok(mut value)) = (
                HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(v.expose_secret()),
            ) else {
                return Err(Error::new(
                    ErrorKind::Credentials,
                    format!("the credential for header `{k}` is not a valid header value"),
                ));
            };
            value.set_sensitive(true);
            headers.append(name, value);
        }
        if let Some(value) = cookie_header(request, applied)? {
            headers.append(http::header::COOKIE, value);
        }
        let streamed = crate::upload::attempt_body(&request.body, &self.inner.time.sleeper);
        let body = match &request.body {
            _ if streamed.is_some() => Bytes::new(),
            Body::Empty => Bytes::new(),
            Body::Bytes { content_type, data } => {
                headers.append(
                    http::header::CONTENT_TYPE,
                    content_type_value(content_type)?,
                );
                data.clone()
            }
            Body::Multipart(parts) => {
                let (content_type, data) = super::multipart::encode(parts);
                headers.append(
                    http::header::CONTENT_TYPE,
                    content_type_value(&content_type)?,
                );
                data
            }
            _ => Bytes::new(),
        };
        if let Some((content_type, stream)) = &streamed {
            headers.append(
                http::header::CONTENT_TYPE,
                content_type_value(content_type)?,
            );
            if let Some(len) = stream.len() {
                headers.append(http::header::CONTENT_LENGTH, HeaderValue::from(len));
            }
        }
        if let Some(signer) = &self.inner.signer {
            if streamed.is_some() && signer.needs_body() {
                return Err(Error::new(
                    ErrorKind::InvalidRequest,
                    "the request signer signs the body, and an upload from a file or a stream is \
                     not read whole before it is sent: pass the body as bytes, or use a \
                     signing template without {body}",
                ));
            }
            let path = match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_owned(),
            };
            let now = self.inner.time.clock.system_now();
            for (k, v) in signer.sign(op.method.as_str(), &path, &body, now) {
                if let (Ok(name), Ok(mut value)) = (
                    HeaderName::from_bytes(k.as_bytes()),
                    HeaderValue::from_str(&v),
                ) {
                    value.set_sensitive(true);
                    headers.insert(name, value);
                }
            }
        }
        let req = TransportRequest::new(op.method.to_http(), url, headers, body);
        Ok(match streamed {
            Some((_, stream)) => req.with_body_stream(stream),
            None => req,
        })
    }
}

fn content_type_value(content_type: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(content_type).map_err(|_| {
        Error::new(
            ErrorKind::InvalidRequest,
            "the content type is not a valid header value",
        )
    })
}

/// The `Cookie` header: cookie parameters, then credential cookies; marked sensitive.
fn cookie_header(
    request: &Request,
    applied: &crate::auth::Applied,
) -> Result<Option<HeaderValue>, Error> {
    if request.cookies.is_empty() && applied.cookies.is_empty() {
        return Ok(None);
    }
    let cookies: Vec<String> = request
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .chain(
            applied
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={}", v.expose_secret())),
        )
        .collect();
    let mut value = HeaderValue::from_str(&cookies.join("; ")).map_err(|_| {
        Error::new(
            ErrorKind::InvalidRequest,
            "a cookie value is not a valid header value",
        )
    })?;
    value.set_sensitive(true);
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::time::ManualClock;
    use crate::transport::mock::{MockResponse, MockTransport};
    use crate::{ApiMeta, Client, ErrorKind, Method, OperationMeta, Request, RequestOptions};

    static GET: OperationMeta = OperationMeta::new("getPet", Method::Get, "/pets/1");
    static API: ApiMeta =
        ApiMeta::new("petstore", "1.0.0").version_header("Api-Version", "2024-01-01");

    fn client(mock: &MockTransport, default: (&str, &str)) -> Client {
        let clock = ManualClock::new(std::time::SystemTime::UNIX_EPOCH);
        Client::builder()
            .base_url("https://api.example.com")
            .api(API)
            .default_header(default.0, default.1)
            .default_header("accept-language", "en")
            .transport(Arc::new(mock.clone().clock(&clock)))
            .time_source(clock.time_source(0.5))
            .build()
            .unwrap()
    }

    async fn call(client: &Client) -> Result<crate::RawResponse, crate::Error> {
        client
            .execute(Request::new(&GET, "/pets/1".into()), RequestOptions::new())
            .await
    }

    #[tokio::test]
    async fn default_and_version_headers_are_sent_in_order_on_every_attempt() {
        let mock = MockTransport::new()
            .answer(MockResponse::status(503))
            .otherwise(MockResponse::status(200));
        let client = client(&mock, ("X-Tenant", "t-1"));
        assert_eq!(call(&client).await.unwrap().attempts, 2);
        for request in mock.requests() {
            let names: Vec<&str> = request.headers.keys().map(|k| k.as_str()).collect();
            assert_eq!(names[..3], ["x-tenant", "accept-language", "api-version"]);
            assert_eq!(request.header("x-tenant"), Some("t-1"));
            assert_eq!(request.header("accept-language"), Some("en"));
            assert_eq!(request.header("api-version"), Some("2024-01-01"));
        }
    }

    #[tokio::test]
    async fn an_invalid_default_header_fails_each_call_naming_it() {
        assert!(super::fixed_headers(&[("x-ok".into(), "bad\nvalue".into())], None).is_none());
        assert!(super::fixed_headers(&[("bad name".into(), "v".into())], None).is_none());
        let mock = MockTransport::new().otherwise(MockResponse::status(200));
        for (name, value, says) in [
            ("x-tenant", "bad\nvalue", "the value of header `x-tenant`"),
            ("bad name", "v", "`bad name` is not a valid header name"),
        ] {
            let client = client(&mock, (name, value));
            for _ in 0..2 {
                let err = call(&client).await.unwrap_err();
                assert_eq!(err.kind(), ErrorKind::InvalidRequest);
                assert!(err.to_string().contains(says), "{err}");
                assert!(!err.to_string().contains("bad\nvalue"), "{err}");
            }
        }
        assert!(mock.requests().is_empty(), "nothing was sent");
    }
}
