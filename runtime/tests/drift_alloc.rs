//! A decode scope allocates nothing when nothing is reported: the per-call cost of drift
//! counting on a healthy API. Alone in its test binary, which counts this thread's
//! allocations with a global allocator.

use sturdy_runtime::drift::{self, DriftKind};
use sturdy_runtime::Client;

#[path = "support/alloc.rs"]
mod alloc;

use alloc::allocations_in;

#[test]
fn a_decode_scope_allocates_nothing_unless_something_is_reported() {
    let client = Client::builder()
        .base_url("https://api.example.com")
        .build()
        .unwrap();
    let decode = || serde_json::from_str::<(u32, bool)>("[7, true]").unwrap();
    // Warm up: thread-locals and lazily built state.
    drift::scope(&client, "getThing", decode);
    let (quiet, ()) = allocations_in(|| {
        for _ in 0..100 {
            assert_eq!(drift::scope(&client, "getThing", decode), (7, true));
        }
    });
    assert_eq!(quiet, 0);
    // The counter can fail: a report does allocate (its count and sample).
    let (reported, ()) = allocations_in(|| {
        drift::scope(&client, "getThing", || {
            drift::report(DriftKind::Lenient, "Thing", "#/t", Some("7"))
        })
    });
    assert!(reported > 0);
    assert_eq!(client.drift().count("getThing", DriftKind::Lenient), 1);
}
