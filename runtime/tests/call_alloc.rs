//! The allocations of one successful call on the runtime's own path, with a transport that
//! answers at once: a guard on the per-request overhead (`benches/overhead.rs`). Alone in its
//! test binary, which counts this thread's allocations with a global allocator.

use std::sync::Arc;

use sturdy_runtime::transport::{
    ResponseBody, Transport, TransportFuture, TransportRequest, TransportResponse,
};
use sturdy_runtime::{
    ApiMeta, Client, Method, OperationMeta, RawResponse, Request, RequestOptions,
};

#[path = "support/alloc.rs"]
mod alloc;

use alloc::allocations_in;

static PING: OperationMeta = OperationMeta::new("ping", Method::Get, "/ping");

/// A 200 with an empty header map and a body already in memory.
struct AtOnce;

impl Transport for AtOnce {
    fn send(&self, _request: TransportRequest) -> TransportFuture {
        Box::pin(async {
            Ok(TransportResponse::new(
                200,
                http::HeaderMap::new(),
                ResponseBody::from_bytes(sturdy_runtime::bytes::Bytes::from_static(b"{}")),
            ))
        })
    }
}

/// This thread's allocations in one successful call of `client` (after a warm-up: thread-locals,
/// the breaker's entry for the host, lazily built state), and the call's response.
fn allocations_per_call(client: &Client) -> (u64, RawResponse) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let call = || {
        rt.block_on(client.execute(Request::new(&PING, "/ping".into()), RequestOptions::new()))
            .unwrap()
    };
    for _ in 0..3 {
        call();
    }
    allocations_in(call)
}

#[test]
fn default_and_version_headers_cost_no_allocation_per_call() {
    static API: ApiMeta =
        ApiMeta::new("ping", "1.0.0").version_header("X-Api-Version", "2024-01-01");
    let client = |with_headers: bool| {
        let builder = Client::builder()
            .base_url("http://127.0.0.1:9")
            .transport(Arc::new(AtOnce));
        let builder = if with_headers {
            builder
                .api(API)
                .default_header("X-Tenant", "t-1")
                .default_header("Accept-Language", "en")
        } else {
            builder.api(ApiMeta::new("ping", "1.0.0"))
        };
        builder.build().unwrap()
    };
    // Parsed once when the client is built; each attempt shares their bytes.
    assert_eq!(
        allocations_per_call(&client(true)).0,
        allocations_per_call(&client(false)).0
    );
}

#[test]
fn a_successful_call_allocates_only_what_it_sends_and_returns() {
    let client = Client::builder()
        .base_url("http://127.0.0.1:9")
        .transport(Arc::new(AtOnce))
        .build()
        .unwrap();
    let (per_call, raw) = allocations_per_call(&client);
    assert_eq!(raw.status, 200);
    // 9 with the default features (the request's path, its URL and headers, the transport's
    // future and body); the `metrics` feature adds two for the metrics keys (14 in all before
    // the correlation id moved to the stack and the status label became static).
    let limit = if cfg!(feature = "metrics") { 11 } else { 9 };
    assert!(per_call <= limit, "{per_call} allocations per call");
}
