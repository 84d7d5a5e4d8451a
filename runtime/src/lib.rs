//! The runtime every sturdy-generated client calls through.
//!
//! A generated method builds a [`Request`] from its typed arguments and returns a [`Call`];
//! awaiting the call runs it through [`Client::execute`], which applies auth, timeouts,
//! idempotency keys and retries, and normalizes every failure into one [`Error`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), sturdy_runtime::Error> {
//! use sturdy_runtime::{Call, Client, Method, OperationMeta, Request};
//! static GET_PET: OperationMeta = OperationMeta::new("getPet", Method::Get, "/pets/{id}");
//! let client = Client::builder().base_url("http://127.0.0.1:4010").build().unwrap();
//! let call: Call<serde_json::Value, std::convert::Infallible> = Call::new(
//!     &client,
//!     Request::new(&GET_PET, "/pets/1".into()),
//!     sturdy_runtime::decode::json,
//!     |_, _| None,
//! );
//! let pet = call.await.map_err(|e| e.untyped())?;
//! println!("{}", pet.body());
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod auth;
pub mod breaker;
pub mod budget;
mod call;
mod client;
pub mod dedupe;
pub mod drift;
mod encode;
mod error;
mod execute;
mod expandable;
pub mod health;
pub mod intercept;
pub mod lenient;
mod normalize;
mod nullable;
mod observe;
pub mod paginate;
pub mod ratelimit;
mod redact;
mod refusal;
mod request;
mod response;
pub mod retry;
pub mod stream;
#[cfg(feature = "test-util")]
pub mod testing;
pub mod time;
pub mod transport;
pub mod types;
pub mod union;
pub mod upload;
pub mod webhooks;

pub use auth::{Credential, SecurityScheme};
pub use call::{decode_failure, typed_error, Call, DecodeErrorFn, DecodeFn};
pub use client::{ApiMeta, Client, ClientBuilder, Timeouts};
pub use encode::ParamValue;
pub use error::{BuildError, Error, ErrorKind, Sent, MAX_RAW_BODY};
pub use execute::{request_id, REQUEST_ID_HEADERS, RETRY_HINT_HEADERS};
pub use expandable::{Expandable, ObjectId};
pub use health::{Health, HealthState};
pub use nullable::Nullable;
pub use request::{Body, Method, OperationMeta, Part, Request, RequestOptions, RetryRules};
pub use response::{decode, DecodeError, RawResponse, Response};
pub use retry::RetryPolicy;
pub use upload::UploadBody;

pub use bytes;
pub use chrono;
pub use futures;
pub use serde_json;
pub use uuid;

/// Support for generated code; not a stable API.
#[doc(hidden)]
pub mod __private {
    /// Parameter encoding used by generated operations.
    pub mod encode {
        pub use crate::encode::{json_text, path};
    }

    /// `Retry-After` parsing, for the fuzz targets.
    pub use crate::normalize::retry_after;

    /// Reads a string for an open enum's `Deserialize`.
    pub fn deserialize_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        <String as serde::Deserialize>::deserialize(d)
    }

    /// The error decoder of an operation that declares no error responses.
    pub fn no_typed_error(_status: u16, _body: &bytes::Bytes) -> Option<std::convert::Infallible> {
        None
    }

    /// Decodes JSON into `T` for a declared error response; `None` if it does not decode.
    pub fn decode_error_json<T: serde::de::DeserializeOwned>(body: &bytes::Bytes) -> Option<T> {
        serde_json::from_slice(body).ok()
    }
}
