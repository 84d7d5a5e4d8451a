//! An operator console for the inbox (feature `console`): an axum [`Router`] showing the
//! inbox's counts (now and over time), its dead letters and failed events, one event's
//! headers (secrets redacted) and body, replay of one event, a selection or a time range,
//! and the connection state of the API clients the application registers.
//!
//! ```no_run
//! # async fn demo(inbox: sturdy_inbox::Inbox, github: sturdy_runtime::Client) {
//! use sturdy_inbox::console::Console;
//!
//! let console = Console::with_token(inbox, std::env::var("STURDY_CONSOLE_TOKEN").unwrap())
//!     .base_path("/ops")
//!     .client("github", github);
//! let app = axum::Router::new().nest("/ops", console.router());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8025").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```
//!
//! Safe by default, as the tests in `inbox/tests/console*.rs` show:
//! - **An operator token** ([`Console::with_token`]): every page but the login form needs a
//!   session, opened by posting the token; the console keeps only the token's SHA-256. Or
//!   [`Console::behind_app_auth`] when the application's own auth layer guards the router.
//! - **Replays are POSTs with a CSRF token** tied to the session; a POST without it is
//!   refused with 403 and replays nothing. [`Console::read_only`] refuses every replay.
//! - **Escaped and redacted**: pages are rendered by minijinja with HTML escaping; header
//!   values whose names look secret (signatures, tokens, keys, cookies) are replaced with
//!   `[redacted]`; client errors are the runtime's [`ErrorSummary`]
//!   (no URL, headers or body).
//! - A range replay runs in the background in time slices; the overview shows its progress.
//! - Server-rendered HTML with no JavaScript and no outside assets (the stylesheet is served
//!   by the router), laid out for narrow screens.
//!
//! [`ErrorSummary`]: sturdy_runtime::health::ErrorSummary

mod auth;
mod clients;
mod history;
mod job;
mod pages;
mod view;

use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;
use sturdy_runtime::time::{Clock, SystemClock};

pub use clients::ClientHealth;

use crate::Inbox;

/// The console's settings; [`router`](Console::router) makes the axum router.
pub struct Console {
    inbox: Inbox,
    auth: auth::Gate,
    read_only: bool,
    base: String,
    clients: Vec<(String, Arc<dyn ClientHealth>)>,
    clock: Arc<dyn Clock>,
    sample_every: Duration,
    range_slices: u32,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console")
            .field("read_only", &self.read_only)
            .field("base", &self.base)
            .field("clients", &self.clients.len())
            .finish_non_exhaustive()
    }
}

impl Console {
    /// A console that asks for `token` before showing anything. Only its SHA-256 is kept.
    pub fn with_token(inbox: Inbox, token: impl AsRef<str>) -> Self {
        Self::new(inbox, auth::Gate::token(token.as_ref()))
    }

    /// A console with no login of its own, for an application whose auth layer already
    /// guards the router. Replays still need the CSRF token of a session, which the console
    /// opens on the first page view.
    pub fn behind_app_auth(inbox: Inbox) -> Self {
        Self::new(inbox, auth::Gate::External)
    }

    fn new(inbox: Inbox, auth: auth::Gate) -> Self {
        Console {
            inbox,
            auth,
            read_only: false,
            base: String::new(),
            clients: Vec::new(),
            clock: Arc::new(SystemClock),
            sample_every: Duration::from_secs(60),
            range_slices: 100,
        }
    }

    /// Shows everything but refuses replays (default: replays allowed).
    pub fn read_only(mut self, read_only: bool) -> Self {
        self.read_only = read_only;
        self
    }

    /// The path the router is nested under (for example `/ops`), used in links and form
    /// targets. Default: the root.
    pub fn base_path(mut self, base: impl Into<String>) -> Self {
        self.base = base.into().trim_end_matches('/').to_owned();
        self
    }

    /// Shows the connection state of `client` under `name`.
    pub fn client(mut self, name: impl Into<String>, client: impl ClientHealth) -> Self {
        self.clients.push((name.into(), Arc::new(client)));
        self
    }

    /// The clock for "now" and for the counts' history (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How far apart the samples of the counts' history are (default: one minute). A page
    /// view records the counts when the last sample is at least this old; 48 are kept.
    pub fn sample_every(mut self, every: Duration) -> Self {
        self.sample_every = every;
        self
    }

    /// How many time slices a range replay is cut into, its progress shown on the overview
    /// after each (default: 100).
    pub fn range_slices(mut self, slices: u32) -> Self {
        self.range_slices = slices;
        self
    }

    /// The router: `GET /`, `GET /events/{id}`, `GET|POST /login`, `POST /logout`,
    /// `POST /replay`, `POST /replay-range`, `GET /console.css`.
    pub fn router(self) -> Router {
        let views = view::Views::new(&self.base);
        let state = Arc::new(pages::State {
            inbox: self.inbox,
            sessions: auth::Sessions::new(self.auth),
            read_only: self.read_only,
            base: self.base,
            clients: self.clients,
            history: history::History::new(self.sample_every),
            clock: self.clock,
            views,
            range: job::RangeJob::default(),
            range_slices: self.range_slices,
        });
        Router::new()
            .route("/", get(pages::overview))
            .route("/events/{id}", get(pages::event))
            .route("/login", get(pages::login_form).post(pages::login))
            .route("/logout", post(pages::logout))
            .route("/replay", post(pages::replay))
            .route("/replay-range", post(pages::replay_range))
            .route("/console.css", get(pages::stylesheet))
            .with_state(state)
    }
}
