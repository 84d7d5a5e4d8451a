//! A prepared call: the request a generated method built, plus per-request options.
//! `.await` it (or call [`Call::send`]) to run it.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;

use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::request::{Request, RequestOptions};
use crate::response::{DecodeError, Response};
use crate::retry::RetryPolicy;

/// Decodes a success body.
pub type DecodeFn<T> = fn(&Bytes) -> Result<T, DecodeError>;
/// Decodes a declared error response for a status, if one is declared for it.
pub type DecodeErrorFn<E> = fn(u16, &Bytes) -> Option<E>;

/// A call ready to send. Generated methods return one; set per-request options on it, then
/// `.await` it.
///
/// A call owns a clone of its client (an `Arc` inside, so cloning is cheap), so it can be
/// spawned: `tokio::spawn(client.get_pet(1).into_future())`.
#[must_use = "a call does nothing until it is awaited or sent"]
pub struct Call<T, E> {
    pub(crate) client: Client,
    pub(crate) request: Request,
    pub(crate) options: RequestOptions,
    pub(crate) decode: DecodeFn<T>,
    pub(crate) decode_error: DecodeErrorFn<E>,
    pub(crate) dedupe: crate::dedupe::call::DedupeOptions,
}

impl<T, E> std::fmt::Debug for Call<T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("operation", &self.request.op.id)
            .field("path", &self.request.path)
            .finish_non_exhaustive()
    }
}

impl<T, E> Call<T, E> {
    /// A call of `request` through `client` (the call keeps a clone of it).
    pub fn new(
        client: &Client,
        request: Request,
        decode: DecodeFn<T>,
        decode_error: DecodeErrorFn<E>,
    ) -> Self {
        Self {
            client: client.clone(),
            request,
            options: RequestOptions::default(),
            decode,
            decode_error,
            dedupe: Default::default(),
        }
    }

    /// Replaces all per-request options.
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// The whole call's deadline: every attempt and every wait between attempts included
    /// (see [`RequestOptions::timeout`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options = self.options.timeout(timeout);
        self
    }

    /// The same as [`Call::timeout`] (the whole call's deadline).
    pub fn total_timeout(self, timeout: Duration) -> Self {
        self.timeout(timeout)
    }

    /// The bound of each single attempt (see [`RequestOptions::attempt_timeout`]).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.options = self.options.attempt_timeout(timeout);
        self
    }

    /// The idempotency key to send on every attempt (instead of a generated one).
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.options.idempotency_key = Some(key.into());
        self
    }

    /// Deduplicates this write on the client's dedupe store
    /// ([`crate::ClientBuilder::dedupe_store`]), for APIs that accept no idempotency key: the
    /// first call with `key` is recorded before it is sent; a repeat with the same payload
    /// returns the recorded answer without sending; another payload is
    /// [`ErrorKind::DedupeConflict`]; a key whose earlier attempt may have been sent without a
    /// recorded answer is [`ErrorKind::InDoubt`] (see [`crate::dedupe`]). Without a store on
    /// the client the call fails with [`ErrorKind::InvalidRequest`], unsent.
    pub fn dedupe_key(mut self, key: impl Into<String>) -> Self {
        self.dedupe.key = Some(key.into());
        self
    }

    /// Sends a [`Call::dedupe_key`] call even when its earlier attempt is in doubt: say so
    /// only after checking at the provider that the earlier attempt was not applied. A key
    /// with a recorded answer still returns that answer. Without a dedupe key it does nothing.
    pub fn resend_in_doubt(mut self) -> Self {
        self.dedupe.resend_in_doubt = true;
        self
    }

    /// An extra header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.headers.push((name.into(), value.into()));
        self
    }

    /// The retry policy for this call.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.options.retry = Some(policy);
        self
    }

    /// The correlation id to send.
    pub fn correlation_id(mut self, id: impl Into<String>) -> Self {
        self.options.correlation_id = Some(id.into());
        self
    }

    /// The request as built so far.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The client this call goes through.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Splits the call into its parts (used by paginators; a [`Call::dedupe_key`] is not
    /// among them).
    pub fn into_parts(
        self,
    ) -> (
        Client,
        Request,
        RequestOptions,
        DecodeFn<T>,
        DecodeErrorFn<E>,
    ) {
        (
            self.client,
            self.request,
            self.options,
            self.decode,
            self.decode_error,
        )
    }

    /// Sends the call: retries, auth and rate limits as configured, then decodes.
    pub async fn send(self) -> Result<Response<T>, Error<E>> {
        let decode_error = self.decode_error;
        let op = self.request.op.id;
        let raw = match self.dedupe.key {
            None => self.client.execute(self.request, self.options).await,
            Some(key) => {
                let resend = self.dedupe.resend_in_doubt;
                crate::dedupe::call::execute(&self.client, self.request, self.options, key, resend)
                    .await
            }
        }
        .map_err(|e| typed_error(e, decode_error))?;
        let client = &self.client;
        match crate::drift::in_scope(client, op, || (self.decode)(&raw.body)) {
            Ok(body) => Ok(raw.with_body(body)),
            Err(message) => Err(decode_failure(raw, message)),
        }
    }
}

/// Decodes the declared error body of an untyped error.
pub fn typed_error<E>(e: Error, decode_error: DecodeErrorFn<E>) -> Error<E> {
    let status = e.status();
    let body = e.raw_body().cloned();
    e.map_typed(|_| match (status, body) {
        (Some(s), Some(b)) => decode_error(s, &b),
        _ => None,
    })
}

/// The error for a success body that did not decode; its `source()` is the serde error.
pub fn decode_failure<E>(
    raw: crate::response::RawResponse,
    failure: impl Into<DecodeError>,
) -> Error<E> {
    let (message, source) = failure.into().into_parts();
    let mut err = Error::new(ErrorKind::Decode, message);
    let i = err.inner_mut();
    i.source = source;
    i.status = Some(raw.status);
    i.request_id = raw.request_id;
    i.idempotency_key = raw.idempotency_key;
    i.attempts = raw.attempts;
    let mut body = raw.body;
    body.truncate(crate::error::MAX_RAW_BODY);
    i.raw_body = Some(body);
    i.headers = Some(raw.headers);
    i.hint = Some("the response does not match the spec's schema: check the API version, or report the raw body");
    err
}

impl<T, E> IntoFuture for Call<T, E>
where
    T: Send + 'static,
    E: Send + 'static,
{
    type Output = Result<Response<T>, Error<E>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
