//! The client every generated client wraps: configuration, shared state, and the builder.
//!
//! Defaults: connect timeout 5 s, per-attempt timeout 60 s, no whole-call deadline, the default
//! [`RetryPolicy`], a correlation id header `x-correlation-id` generated per call.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::{Auth, Credential, SecurityScheme};
use crate::breaker::{BreakerConfig, CircuitState};
use crate::budget::RetryBudget;
use crate::error::BuildError;
use crate::ratelimit::shared::{SharedHandle, SharedLimit};
use crate::ratelimit::RateLimit;
use crate::retry::RetryPolicy;
use crate::time::TimeSource;

/// Timeouts of a client.
///
/// `total` is what [`ClientBuilder::timeout`] and a call's `.timeout(..)` set: the deadline of
/// the whole call, every attempt and every wait between attempts included. `attempt` bounds
/// each single attempt ([`ClientBuilder::attempt_timeout`], a call's `.attempt_timeout(..)`);
/// an attempt never runs past the call's deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing a connection.
    pub connect: Duration,
    /// One attempt, from sending to the whole body read.
    pub attempt: Duration,
    /// The whole call: all attempts together, backoff and rate-limit waits included.
    pub total: Option<Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            attempt: Duration::from_secs(60),
            total: None,
        }
    }
}

/// API-wide facts a generated client passes to the runtime. Generated code builds it with
/// the `const` constructor and setters (not a struct literal), so a new field does not break
/// generated crates.
///
/// ```
/// use sturdy_runtime::{ApiMeta, SecurityScheme};
/// static SCHEMES: [SecurityScheme; 1] = [SecurityScheme::bearer("token")];
/// static API: ApiMeta = ApiMeta::new("petstore", "1.0.0")
///     .security_schemes(&SCHEMES)
///     .error_pointer("/error")
///     .version_header("x-api-version", "2024-01-01");
/// assert_eq!(API.version_header, Some(("x-api-version", "2024-01-01")));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiMeta {
    /// The crate's name, sent in `User-Agent`.
    pub name: &'static str,
    /// The crate's version.
    pub version: &'static str,
    /// The security schemes of the spec.
    pub security_schemes: &'static [SecurityScheme],
    /// A JSON pointer to the provider error object in error bodies (`x-sturdy-error`).
    pub error_pointer: Option<&'static str>,
    /// A header carrying the API version the client was generated for, and its value.
    pub version_header: Option<(&'static str, &'static str)>,
}

impl ApiMeta {
    /// The facts of the crate `name` at `version`, with no schemes, no error pointer and no
    /// version header.
    pub const fn new(name: &'static str, version: &'static str) -> Self {
        Self {
            name,
            version,
            security_schemes: &[],
            error_pointer: None,
            version_header: None,
        }
    }
    /// The spec's security schemes.
    pub const fn security_schemes(mut self, schemes: &'static [SecurityScheme]) -> Self {
        self.security_schemes = schemes;
        self
    }
    /// The JSON pointer to the provider error object in error bodies.
    pub const fn error_pointer(mut self, pointer: &'static str) -> Self {
        self.error_pointer = Some(pointer);
        self
    }
    /// The header carrying the API version, and its value.
    pub const fn version_header(mut self, name: &'static str, value: &'static str) -> Self {
        self.version_header = Some((name, value));
        self
    }
}

/// Builds a [`Client`]. By value; `build()` validates.
///
/// ```
/// let client = sturdy_runtime::Client::builder()
///     .base_url("https://api.example.com/v1")
///     .build()
///     .expect("valid configuration");
/// # let _ = client;
/// ```
#[derive(Debug)]
pub struct ClientBuilder {
    pub(crate) signer: Option<crate::auth::signing::RequestSigner>,
    pub(crate) base_url: Option<String>,
    pub(crate) api: ApiMeta,
    pub(crate) timeouts: Timeouts,
    pub(crate) retry: RetryPolicy,
    pub(crate) time: TimeSource,
    /// Whether `time` was set ([`ClientBuilder::time_source`]).
    pub(crate) time_injected: bool,
    pub(crate) credentials: BTreeMap<String, Credential>,
    pub(crate) default_headers: Vec<(String, String)>,
    pub(crate) correlation_header: Option<String>,
    pub(crate) user_agent: Option<String>,
    pub(crate) http: Option<reqwest::Client>,
    pub(crate) transport: Option<Arc<dyn crate::transport::Transport>>,
    pub(crate) interceptors: crate::intercept::Interceptors,
    pub(crate) retry_budget: Option<crate::budget::RetryBudget>,
    pub(crate) breaker: crate::breaker::BreakerConfig,
    pub(crate) rate_limit: Option<crate::ratelimit::RateLimit>,
    pub(crate) adaptive_rate_limit: bool,
    pub(crate) dedupe: Option<Arc<dyn crate::dedupe::DedupeStore>>,
    pub(crate) shared_limit: Option<crate::ratelimit::shared::SharedHandle>,
    pub(crate) drift_warning_interval: Duration,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            api: ApiMeta::default(),
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            time: TimeSource::default(),
            time_injected: false,
            credentials: BTreeMap::new(),
            default_headers: Vec::new(),
            correlation_header: Some("x-correlation-id".to_owned()),
            user_agent: None,
            http: None,
            transport: None,
            interceptors: crate::intercept::Interceptors::default(),
            retry_budget: Some(crate::budget::RetryBudget::default()),
            breaker: crate::breaker::BreakerConfig::default(),
            rate_limit: None,
            adaptive_rate_limit: true,
            shared_limit: None,
            signer: None,
            dedupe: None,
            drift_warning_interval: crate::drift::DEFAULT_WARNING_INTERVAL,
        }
    }
}

impl ClientBuilder {
    /// The base URL every path is appended to.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    /// API-wide facts (set by generated clients).
    pub fn api(mut self, api: ApiMeta) -> Self {
        self.api = api;
        self
    }
    /// All timeouts.
    pub fn timeouts(mut self, t: Timeouts) -> Self {
        self.timeouts = t;
        self
    }
    /// Connect timeout.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.timeouts.connect = d;
        self
    }
    /// The deadline of every call as a whole: all attempts, backoff and rate-limit waits
    /// included ([`Timeouts::total`]). A call's own `.timeout(..)` overrides it.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeouts.total = Some(d);
        self
    }
    /// The same as [`ClientBuilder::timeout`] (the whole call's deadline).
    pub fn total_timeout(self, d: Duration) -> Self {
        self.timeout(d)
    }
    /// The bound of each single attempt ([`Timeouts::attempt`], default 60 s).
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.timeouts.attempt = d;
        self
    }
    /// The retry policy.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }
    /// Clock, sleep and jitter (tests pin these). Attempt timeouts then run on its
    /// [`crate::time::Sleeper::timer`]; by default they run on tokio's timer.
    pub fn time_source(mut self, time: TimeSource) -> Self {
        self.time = time;
        self.time_injected = true;
        self
    }
    /// Signs every attempt of every request with HMAC (contracts that ask for it).
    pub fn request_signer(mut self, signer: crate::auth::signing::RequestSigner) -> Self {
        self.signer = Some(signer);
        self
    }

    /// A credential for the security scheme `scheme` (its name in the spec).
    pub fn credential(mut self, scheme: impl Into<String>, credential: Credential) -> Self {
        self.credentials.insert(scheme.into(), credential);
        self
    }
    /// A header sent with every request (parsed once, when the client is built; an invalid
    /// name or value fails each call as an invalid request naming the header).
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_headers.push((name.into(), value.into()));
        self
    }
    /// The header carrying the correlation id; `None` sends none.
    pub fn correlation_header(mut self, name: Option<String>) -> Self {
        self.correlation_header = name;
        self
    }
    /// The `User-Agent`.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = Some(ua.into());
        self
    }
    /// A preconfigured `reqwest::Client` (its own timeouts and redirect policy then apply;
    /// give it [`crate::auth::origin::redirect_policy`] to keep credentials on the API's
    /// origin across redirects).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }
    /// The HTTP layer every attempt goes through, instead of the default
    /// [`crate::transport::ReqwestTransport`] (then [`ClientBuilder::http_client`], the
    /// connect timeout and the `User-Agent` setting do not apply). The runtime's own work
    /// (auth, idempotency keys, retries, the attempt timeout, rate limits) is unchanged.
    pub fn transport(mut self, transport: Arc<dyn crate::transport::Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Adds an interceptor; interceptors run in the order they were added
    /// ([`crate::intercept`] says when each hook runs).
    pub fn interceptor(mut self, interceptor: impl crate::intercept::Interceptor) -> Self {
        self.interceptors.0.push(Arc::new(interceptor));
        self
    }

    /// The store that calls with a `.dedupe_key(..)` are recorded in (none by default; see
    /// [`crate::dedupe`]).
    pub fn dedupe_store(mut self, store: Arc<dyn crate::dedupe::DedupeStore>) -> Self {
        self.dedupe = Some(store);
        self
    }

    /// The least time between two `tracing` warnings of one drift signal (operation,
    /// pointer, kind); default [`crate::drift::DEFAULT_WARNING_INTERVAL`] (10 minutes), time
    /// from the client's clock. The first signal of each always warns; see [`crate::drift`].
    pub fn drift_warning_interval(mut self, interval: Duration) -> Self {
        self.drift_warning_interval = interval;
        self
    }

    /// Validates the configuration and builds the client.
    pub fn build(self) -> Result<Client, BuildError> {
        let base = self.base_url.ok_or(BuildError::NoBaseUrl)?;
        let parsed = url::Url::parse(&base).map_err(|e| BuildError::InvalidBaseUrl {
            url: base.clone(),
            reason: e.to_string(),
        })?;
        if parsed.cannot_be_a_base() {
            return Err(BuildError::InvalidBaseUrl {
                url: base,
                reason: "not a base URL".into(),
            });
        }
        if self.timeouts.attempt.is_zero()
            || self.timeouts.connect.is_zero()
            || self.timeouts.total.is_some_and(|t| t.is_zero())
        {
            return Err(BuildError::InvalidSetting {
                setting: "timeouts",
                reason: "must be greater than zero".into(),
            });
        }
        let limiter = crate::ratelimit::RateLimiter::new(
            self.rate_limit,
            self.adaptive_rate_limit,
            self.retry.max_retry_after,
        )?
        .with_shared(self.shared_limit);
        let user_agent = self.user_agent.unwrap_or_else(|| {
            if self.api.name.is_empty() {
                format!("sturdy-runtime/{}", env!("CARGO_PKG_VERSION"))
            } else {
                format!(
                    "{}/{} sturdy-runtime/{}",
                    self.api.name,
                    self.api.version,
                    env!("CARGO_PKG_VERSION")
                )
            }
        });
        let transport: Arc<dyn crate::transport::Transport> = match (self.transport, self.http) {
            (Some(t), _) => t,
            (None, Some(h)) => Arc::new(crate::transport::ReqwestTransport::new(h)),
            (None, None) => Arc::new(crate::transport::ReqwestTransport::new(
                reqwest::Client::builder()
                    .connect_timeout(self.timeouts.connect)
                    .redirect(crate::auth::origin::redirect_policy())
                    .user_agent(user_agent)
                    .build()
                    .map_err(|e| BuildError::Http(e.to_string()))?,
            )),
        };
        let drift =
            crate::drift::DriftSink::new(Arc::clone(&self.time.clock), self.drift_warning_interval);
        let base_url = base.trim_end_matches('/').to_owned();
        Ok(Client {
            inner: Arc::new(ClientInner {
                joinable_base: crate::execute::joinable_base(&base_url),
                base_url,
                api: self.api,
                timeouts: self.timeouts,
                retry: self.retry,
                time: self.time,
                tokio_timers: !self.time_injected,
                auth: Auth::new(self.api.security_schemes, self.credentials),
                fixed_headers: crate::execute::fixed_headers(
                    &self.default_headers,
                    self.api.version_header,
                ),
                default_headers: self.default_headers,
                correlation_name: self
                    .correlation_header
                    .as_deref()
                    .and_then(|h| http::HeaderName::from_bytes(h.as_bytes()).ok()),
                correlation_header: self.correlation_header,
                transport,
                interceptors: self.interceptors,
                budget: self.retry_budget,
                breaker: crate::breaker::CircuitBreaker::new(self.breaker, &parsed),
                limiter,
                health: crate::health::HealthTracker::default(),
                signer: self.signer,
                dedupe: self.dedupe,
                drift: Arc::new(drift),
            }),
        })
    }

    /// The retry budget shared by this client and its clones; `None` retries without one.
    /// Default: [`RetryBudget::new`].
    pub fn retry_budget(mut self, budget: Option<RetryBudget>) -> Self {
        self.retry_budget = budget;
        self
    }

    /// The per-host circuit breaker's settings (default [`BreakerConfig::new`]; turn it off
    /// with [`BreakerConfig::disabled`]).
    pub fn circuit_breaker(mut self, config: BreakerConfig) -> Self {
        self.breaker = config;
        self
    }

    /// Limits this client (and its clones) to `per_second` calls a second with bursts of up to
    /// `burst`; `build()` rejects a rate that is not positive and finite, or a zero burst.
    pub fn rate_limit(mut self, per_second: f64, burst: u32) -> Self {
        self.rate_limit = Some(RateLimit { per_second, burst });
        self
    }

    /// Whether calls slow down according to the provider's rate-limit headers (default on).
    pub fn adaptive_rate_limit(mut self, on: bool) -> Self {
        self.adaptive_rate_limit = on;
        self
    }

    /// Shares the rate limit with every process that uses the same backend (see
    /// [`crate::ratelimit::shared`]). Default: none, the in-process limiter only.
    pub fn shared_limit(mut self, shared: Arc<dyn SharedLimit>) -> Self {
        self.shared_limit = Some(SharedHandle(shared));
        self
    }
}

/// A client: cheap to clone, shared state behind an `Arc`.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    pub(crate) base_url: String,
    /// `base_url` parsed once, when paths can be joined to it without parsing it again.
    pub(crate) joinable_base: Option<url::Url>,
    pub(crate) api: ApiMeta,
    pub(crate) timeouts: Timeouts,
    pub(crate) retry: RetryPolicy,
    pub(crate) time: TimeSource,
    /// The time source is the default one: attempts are bounded by tokio's timer directly
    /// (crate::execute::race).
    pub(crate) tokio_timers: bool,
    pub(crate) auth: Auth,
    pub(crate) default_headers: Vec<(String, String)>,
    /// `default_headers` then the API's version header, parsed once (`None` when one of them
    /// is invalid: each call then parses them and fails naming it).
    pub(crate) fixed_headers: Option<Vec<(http::HeaderName, http::HeaderValue)>>,
    pub(crate) correlation_header: Option<String>,
    /// `correlation_header` parsed once (`None` when it is not a valid name: each call then
    /// fails as an invalid request).
    pub(crate) correlation_name: Option<http::HeaderName>,
    pub(crate) transport: Arc<dyn crate::transport::Transport>,
    pub(crate) interceptors: crate::intercept::Interceptors,
    pub(crate) budget: Option<crate::budget::RetryBudget>,
    pub(crate) breaker: crate::breaker::CircuitBreaker,
    pub(crate) limiter: crate::ratelimit::RateLimiter,
    pub(crate) health: crate::health::HealthTracker,
    pub(crate) signer: Option<crate::auth::signing::RequestSigner>,
    pub(crate) dedupe: Option<Arc<dyn crate::dedupe::DedupeStore>>,
    pub(crate) drift: Arc<crate::drift::DriftSink>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("api", &self.inner.api.name)
            .field("timeouts", &self.inner.timeouts)
            .field("retry", &self.inner.retry)
            .field("auth", &self.inner.auth)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder with the defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Replaces the credential of a scheme while the client runs (key rotation); the next
    /// request uses it.
    pub fn set_credential(&self, scheme: &str, credential: Credential) {
        self.inner.auth.set(scheme, credential);
    }

    /// The client's time source.
    pub fn time(&self) -> &TimeSource {
        &self.inner.time
    }

    /// The client's retry budget, if it has one (to read [`RetryBudget::available`]).
    pub fn retry_budget(&self) -> Option<&RetryBudget> {
        self.inner.budget.as_ref()
    }

    /// The state of the circuit for `host` (`host:port`, as in `server.address`).
    pub fn circuit_state(&self, host: &str) -> CircuitState {
        self.inner.breaker.state(host, self.inner.time.clock.now())
    }

    /// The drift signals counted so far by this client and its clones (see [`crate::drift`]).
    pub fn drift(&self) -> crate::drift::DriftReport {
        self.inner.drift.report()
    }

    /// [`Client::drift`], and counting starts afresh (warning intervals run on).
    ///
    /// ```
    /// use std::time::Duration;
    /// use sturdy_runtime::drift::DriftKind;
    ///
    /// let client = sturdy_runtime::Client::builder()
    ///     .base_url("https://api.example.com")
    ///     .drift_warning_interval(Duration::from_secs(3600))
    ///     .build()
    ///     .expect("valid configuration");
    /// // ... calls ...
    /// let report = client.take_drift();
    /// for entry in &report {
    ///     if entry.kind == DriftKind::Sunset {
    ///         eprintln!("{} goes away: {:?}", entry.operation, entry.sample);
    ///     }
    /// }
    /// print!("{report}");
    /// ```
    pub fn take_drift(&self) -> crate::drift::DriftReport {
        self.inner.drift.take()
    }
}
