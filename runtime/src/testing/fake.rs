//! [`Fake`]: a client's every operation answered with the spec's own example, without a
//! network.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde::Deserialize;

use crate::time::ManualClock;
use crate::transport::mock::{MockResponse, MockTransport};
use crate::transport::TransportRequest;
use crate::{ClientBuilder, Credential};

/// The base URL of a fake client (nothing is ever sent there).
pub const FAKE_BASE_URL: &str = "https://fake.sturdy.invalid";

/// Why a fake's answers could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the fake's answers are not valid: {0}")]
pub struct FakeError(#[from] serde_json::Error);

/// The answers file a generated crate carries (`src/testing/fake.json`).
#[derive(Debug, Deserialize)]
struct FakeFile {
    #[serde(default)]
    operations: Vec<FakeOperation>,
    /// Security scheme name → `token` or `basic`.
    #[serde(default)]
    schemes: BTreeMap<String, String>,
}

/// One operation's canned answer.
#[derive(Debug, Clone, Deserialize)]
struct FakeOperation {
    operation: String,
    /// The generated method's name.
    #[serde(default)]
    name: Option<String>,
    method: String,
    path: String,
    status: u16,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    body: Option<serde_json::Value>,
}

impl FakeOperation {
    fn response(&self) -> MockResponse {
        let status = if self.status == 0 { 200 } else { self.status };
        let r = MockResponse::status(status);
        match (&self.body, self.content_type.as_deref()) {
            (Some(serde_json::Value::String(s)), Some(ct)) if !ct.contains("json") => {
                r.header("content-type", ct).body(s.clone())
            }
            (Some(v), _) => r.json(v),
            (None, _) => r,
        }
    }

    /// How well `path` matches: `Some(literal segments)` when it does.
    fn matches(&self, method: &http::Method, path: &str) -> Option<usize> {
        if !self.method.eq_ignore_ascii_case(method.as_str()) {
            return None;
        }
        let template: Vec<&str> = self.path.split('/').filter(|s| !s.is_empty()).collect();
        let actual: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        // A base URL with a path prefix puts segments in front of the template.
        let tail = actual.get(actual.len().checked_sub(template.len())?..)?;
        let mut literal = 0;
        for (t, a) in template.iter().zip(tail) {
            if t.contains('{') {
                let (pre, rest) = t.split_once('{')?;
                let (_, post) = rest.split_once('}')?;
                let ok =
                    a.len() > pre.len() + post.len() && a.starts_with(pre) && a.ends_with(post);
                if !ok {
                    return None;
                }
            } else if t == a {
                literal += 1;
            } else {
                return None;
            }
        }
        Some(literal)
    }
}

/// A fake API: a [`MockTransport`] whose responder answers each operation (matched by
/// method and path template; the template with the most literal segments wins) with the
/// status and example the spec declares, and the settings a client needs to use it (a base
/// URL nothing answers, a placeholder credential for each security scheme, optionally a
/// [`ManualClock`]).
///
/// Generated crates build one with `testing::fake()` / `testing::fake_with(..)` (cargo
/// feature `testing`). Scripted answers queued on [`Fake::transport`] and responders added
/// to it come before the spec's answers, so a test can script failures on top of a
/// realistic API (see [`crate::testing::scenario`]).
///
/// ```
/// use sturdy_runtime::testing::Fake;
/// use sturdy_runtime::transport::mock::MockResponse;
/// let fake = Fake::from_json(r#"{"operations": [{"operation": "getPet", "method": "GET",
///     "path": "/pets/{id}", "status": 200, "body": {"id": 1, "name": "Rex"}}]}"#)
///     .unwrap()
///     .answer("getPet", MockResponse::status(404));
/// assert_eq!(fake.example("getPet").unwrap()["name"], "Rex");
/// ```
#[derive(Debug, Clone)]
pub struct Fake {
    operations: Arc<Vec<FakeOperation>>,
    overrides: Arc<Mutex<BTreeMap<String, MockResponse>>>,
    schemes: BTreeMap<String, String>,
    credentials: Vec<(String, Credential)>,
    mock: MockTransport,
    clock: Option<(ManualClock, f64)>,
}

impl Fake {
    /// Reads a generated answers file.
    pub fn from_json(text: &str) -> Result<Self, FakeError> {
        let file: FakeFile = serde_json::from_str(text)?;
        let operations = Arc::new(file.operations);
        let overrides: Arc<Mutex<BTreeMap<String, MockResponse>>> = Arc::default();
        let (ops, over) = (operations.clone(), overrides.clone());
        let mock = MockTransport::new()
            .respond_with(move |req| answer(&ops, &over, req))
            .otherwise(MockResponse::status(404).json(
                &serde_json::json!({"error": "sturdy fake: no operation of the spec matches this method and path"}),
            ));
        Ok(Self {
            operations,
            overrides,
            schemes: file.schemes,
            credentials: Vec::new(),
            mock,
            clock: None,
        })
    }

    /// Answers `operation` (its `operationId`, or the generated method's name) with
    /// `response` instead of the spec's example.
    pub fn answer(self, operation: &str, response: MockResponse) -> Self {
        self.overrides
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(operation.to_owned(), response);
        self
    }

    /// The transport (a clone sharing the recording and the script): queue answers, add
    /// responders, read [`MockTransport::requests`].
    pub fn transport(&self) -> MockTransport {
        self.mock.clone()
    }

    /// Changes the transport, e.g. to queue answers ahead of the spec's.
    pub fn with_transport(mut self, f: impl FnOnce(MockTransport) -> MockTransport) -> Self {
        self.mock = f(self.mock);
        self
    }

    /// Runs the client's time on `clock` with jitter pinned at `jitter` (0.0..=1.0): backoffs
    /// and `Retry-After` waits then advance the clock instead of waiting.
    pub fn clock(mut self, clock: &ManualClock, jitter: f64) -> Self {
        self.mock = self.mock.clock(clock);
        self.clock = Some((clock.clone(), jitter));
        self
    }

    /// Uses `credential` for `scheme` instead of the placeholder.
    pub fn credential(mut self, scheme: &str, credential: Credential) -> Self {
        self.credentials.push((scheme.to_owned(), credential));
        self
    }

    /// The `operationId`s the fake answers, in the answers file's order.
    pub fn operations(&self) -> impl Iterator<Item = &str> {
        self.operations.iter().map(|o| o.operation.as_str())
    }

    /// The body the fake answers `operation` with (before any [`Fake::answer`]).
    pub fn example(&self, operation: &str) -> Option<&serde_json::Value> {
        self.operations
            .iter()
            .find(|o| o.operation == operation)
            .and_then(|o| o.body.as_ref())
    }

    /// Points `builder` at the fake: its base URL, transport, credentials and clock.
    pub fn configure(self, builder: ClientBuilder) -> ClientBuilder {
        let mut b = builder
            .base_url(FAKE_BASE_URL)
            .transport(Arc::new(self.mock.clone()));
        for (scheme, kind) in &self.schemes {
            if self.credentials.iter().any(|(s, _)| s == scheme) {
                continue;
            }
            let placeholder = match kind.as_str() {
                "basic" => Credential::basic("fake-user", "fake-password"),
                _ => Credential::token(format!("fake-{scheme}")),
            };
            b = b.credential(scheme.clone(), placeholder);
        }
        for (scheme, credential) in self.credentials {
            b = b.credential(scheme, credential);
        }
        if let Some((clock, jitter)) = &self.clock {
            b = b.time_source(clock.time_source(*jitter));
        }
        b
    }
}

/// The fake's answer to `req`: an override of the matching operation, else its example.
fn answer(
    ops: &[FakeOperation],
    overrides: &Mutex<BTreeMap<String, MockResponse>>,
    req: &TransportRequest,
) -> Option<MockResponse> {
    let op = ops
        .iter()
        .filter_map(|o| o.matches(&req.method, req.url.path()).map(|n| (n, o)))
        // The most literal segments wins; the first in the answers file among equals.
        .fold(
            None,
            |best: Option<(usize, &FakeOperation)>, (n, o)| match best {
                Some((b, _)) if b >= n => best,
                _ => Some((n, o)),
            },
        )?
        .1;
    let overridden = {
        let o = overrides.lock().unwrap_or_else(|e| e.into_inner());
        o.get(&op.operation)
            .or_else(|| op.name.as_ref().and_then(|n| o.get(n)))
            .cloned()
    };
    Some(overridden.unwrap_or_else(|| op.response()))
}
