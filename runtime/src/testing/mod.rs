//! The test kit for applications (feature `test-util`): a [`Fake`] API that answers every
//! operation with the spec's example, and [`scenario`]s for the classic failures, on the
//! scripted [`MockTransport`](crate::transport::MockTransport).
//!
//! A generated crate built with its `testing` feature has `testing::fake()` (a client on a
//! [`Fake`] of its spec) and `testing::fake_with(|fake| ..)` to adjust it. Answers are
//! chosen in this order: the transport's script (`answer`, `answer_call`), then responders
//! (the last added first: scenarios), then [`Fake::answer`] overrides, then the spec's
//! example; a request no operation matches gets a `404`.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use std::time::{Duration, UNIX_EPOCH};
//! use sturdy_runtime::testing::{scenario, Fake};
//! use sturdy_runtime::time::ManualClock;
//! use sturdy_runtime::{Client, Method, OperationMeta, Request, RequestOptions};
//!
//! static GET_PET: OperationMeta = OperationMeta::new("getPet", Method::Get, "/pets/{id}");
//! let clock = ManualClock::new(UNIX_EPOCH);
//! let fake = Fake::from_json(r#"{"operations": [{"operation": "getPet", "method": "GET",
//!     "path": "/pets/{id}", "status": 200, "body": {"id": 1}}]}"#)
//! .unwrap()
//! .clock(&clock, 0.5)
//! .with_transport(|mock| mock.answer(scenario::rate_limited(Duration::from_secs(3))));
//! let mock = fake.transport();
//! let client = fake.configure(Client::builder()).build().unwrap();
//! let raw = client
//!     .execute(Request::new(&GET_PET, "/pets/1".into()), RequestOptions::new())
//!     .await
//!     .unwrap();
//! assert_eq!((raw.status, raw.attempts), (200, 2));
//! assert_eq!(clock.sleeps(), vec![Duration::from_secs(3)]);
//! assert_eq!(mock.requests().len(), 2);
//! # });
//! ```

mod fake;
pub mod scenario;

pub use fake::{Fake, FakeError, FAKE_BASE_URL};
