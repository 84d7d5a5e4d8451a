//! The call side: begin before sending, finish after, and the answers that send nothing.

use std::sync::Arc;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Sent, MAX_RAW_BODY};
use crate::request::{Request, RequestOptions};
use crate::response::RawResponse;

use super::{
    payload_hash, Begin, DedupeEntry, DedupeStore, DedupeStoreError, Finish, InDoubtRecord,
    RecordedOutcome, KEPT_HEADERS, MAX_RECORDED_BODY,
};

/// A call's dedupe settings (`.dedupe_key(..)`, `.resend_in_doubt()`, in either order).
#[derive(Debug, Clone, Default)]
pub(crate) struct DedupeOptions {
    pub(crate) key: Option<String>,
    pub(crate) resend_in_doubt: bool,
}

/// Runs `request` under the client's dedupe store: see the module docs.
pub(crate) async fn execute(
    client: &Client,
    request: Request,
    options: RequestOptions,
    key: String,
    resend_in_doubt: bool,
) -> Result<RawResponse, Error> {
    let op = request.op;
    let Some(store) = client.inner.dedupe.clone() else {
        let mut e = Error::new(
            ErrorKind::InvalidRequest,
            "`.dedupe_key(..)` needs a dedupe store on the client",
        );
        e.inner_mut().hint = Some("set one with ClientBuilder::dedupe_store");
        return Err(with_op(e, &request, &key));
    };
    let entry = DedupeEntry {
        operation: op.id.to_owned(),
        key: key.clone(),
        payload_hash: payload_hash(&request),
        at: client.inner.time.clock.system_now(),
    };
    let begun = store.begin(&entry, resend_in_doubt).await;
    match begun {
        Ok(Begin::Fresh(attempt)) => send(client, &store, &entry, attempt, request, options).await,
        Ok(Begin::Done(outcome)) => replay(client, outcome, &request, &key),
        Ok(Begin::InDoubt(record)) => Err(in_doubt(record, &request, &key)),
        Ok(Begin::Conflict) => Err(conflict(&request, &key)),
        Err(e) => Err(store_error(e, &request, &key)),
    }
}

async fn send(
    client: &Client,
    store: &Arc<dyn DedupeStore>,
    entry: &DedupeEntry,
    attempt: u64,
    request: Request,
    options: RequestOptions,
) -> Result<RawResponse, Error> {
    let result = client.execute(request, options).await;
    let how = match &result {
        Ok(raw) => Some(Finish::Record(record(raw.status, &raw.headers, &raw.body))),
        Err(e) => finish_of_error(e),
    };
    if let Some(how) = how {
        let done = DedupeEntry {
            at: client.inner.time.clock.system_now(),
            ..entry.clone()
        };
        if let Err(e) = store.finish(&done, attempt, how).await {
            // The answer is real; the record stays in doubt, which is the safe side.
            tracing::warn!(operation = %entry.operation, dedupe_key = %entry.key, error = %e,
                "could not record a deduplicated call's outcome; it stays in doubt");
        }
    }
    result
}

/// How a failed call ends its record: `None` leaves it pending, in doubt.
///
/// - a definite answer (2xx is not an error; 3xx, 4xx) is recorded;
/// - 408 and 429 on the call's only attempt say the server did not process it: released;
///   after several attempts an earlier one may have been applied: in doubt;
/// - 5xx: the write may or may not have been applied ([`ErrorKind::Server`]): in doubt;
/// - no answer: released when certainly not sent ([`Sent::No`]), else in doubt.
fn finish_of_error(e: &Error) -> Option<Finish> {
    match (e.status(), e.sent()) {
        (Some(408 | 429), _) if e.attempts() <= 1 => Some(Finish::Release),
        (Some(408 | 429 | 500..), _) => None,
        (Some(status), _) => Some(Finish::Record(record(
            status,
            e.headers().unwrap_or(&http::HeaderMap::new()),
            e.raw_body().map(|b| &b[..]).unwrap_or_default(),
        ))),
        (None, Sent::No) => Some(Finish::Release),
        (None, _) => None,
    }
}

/// The record of an answer: status, the headers that matter, the body up to the bound.
pub(crate) fn record(status: u16, headers: &http::HeaderMap, body: &[u8]) -> RecordedOutcome {
    let kept =
        |name: &str| KEPT_HEADERS.contains(&name) || crate::REQUEST_ID_HEADERS.contains(&name);
    let headers = headers
        .iter()
        .filter(|(n, _)| kept(n.as_str()))
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let body_dropped = body.len() > MAX_RECORDED_BODY;
    RecordedOutcome {
        status,
        headers,
        body: if body_dropped {
            bytes::Bytes::new()
        } else {
            bytes::Bytes::copy_from_slice(body)
        },
        body_dropped,
    }
}

/// The recorded answer, as the call would have returned it; `attempts` is 0 (nothing sent).
fn replay(
    client: &Client,
    o: RecordedOutcome,
    request: &Request,
    key: &str,
) -> Result<RawResponse, Error> {
    let mut headers = http::HeaderMap::new();
    for (n, v) in &o.headers {
        if let (Ok(n), Ok(v)) = (
            http::HeaderName::from_bytes(n.as_bytes()),
            http::HeaderValue::from_str(v),
        ) {
            headers.append(n, v);
        }
    }
    let request_id = crate::request_id(&headers);
    if o.body_dropped {
        let mut e = Error::new(
            ErrorKind::Decode,
            format!(
                "this dedupe key's recorded answer (HTTP {}) had a body over {MAX_RECORDED_BODY} bytes, which was not kept",
                o.status
            ),
        );
        let i = e.inner_mut();
        i.status = Some(o.status);
        i.headers = Some(headers);
        i.request_id = request_id;
        i.hint =
            Some("the write was applied once already: look the object up instead of resending");
        return Err(with_op(e, request, key));
    }
    if (200..300).contains(&o.status) {
        return Ok(RawResponse {
            status: o.status,
            headers,
            body: o.body,
            request_id,
            idempotency_key: None,
            attempts: 0,
        });
    }
    let kind = ErrorKind::from_status(o.status);
    let (code, message) = crate::normalize::provider_error(&o.body, client.inner.api.error_pointer);
    let mut e = Error::new(kind, String::new());
    let i = e.inner_mut();
    i.status = Some(o.status);
    i.hint = crate::normalize::hint(kind, code.as_deref());
    i.provider_code = code;
    i.provider_message = message;
    i.request_id = request_id;
    let mut body = o.body;
    body.truncate(MAX_RAW_BODY);
    i.raw_body = Some(body);
    i.headers = Some(headers);
    Err(with_op(e, request, key))
}

fn in_doubt(record: InDoubtRecord, request: &Request, key: &str) -> Error {
    let mut e = Error::new(
        ErrorKind::InDoubt,
        format!(
            "an earlier attempt with dedupe key `{key}` (attempt {}) may have been sent and has no recorded answer",
            record.attempt
        ),
    );
    e.inner_mut().earlier_attempt_at = Some(record.started_at);
    e.inner_mut().hint = Some("the earlier attempt may have been applied: look the object up at the provider; if the write did not happen, send again with `.resend_in_doubt()`");
    with_op(e, request, key)
}

fn conflict(request: &Request, key: &str) -> Error {
    let mut e = Error::new(
        ErrorKind::DedupeConflict,
        format!("dedupe key `{key}` was already used for this operation with another payload"),
    );
    e.inner_mut().hint =
        Some("use a new dedupe key for a different write, or the same payload to get the recorded answer");
    with_op(e, request, key)
}

fn store_error(err: DedupeStoreError, request: &Request, key: &str) -> Error {
    let mut e = Error::new(ErrorKind::DedupeStore, err.to_string());
    e.inner_mut().source = Some(Arc::new(err));
    e.inner_mut().retryable = true;
    e.inner_mut().hint =
        Some("the dedupe store could not be read, so nothing was sent: retry when it is back");
    with_op(e, request, key)
}

fn with_op(mut e: Error, request: &Request, key: &str) -> Error {
    let i = e.inner_mut();
    i.operation_id = request.op.id;
    i.method = request.op.method.as_str();
    i.dedupe_key = Some(key.to_owned());
    e
}
