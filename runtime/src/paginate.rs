//! Pagination: one call for one page, one call that streams every item, whatever scheme the
//! API uses, with a position an application can save and resume from.
//!
//! A generated list method returns a [`Paginated`]. `.await` it for the first page (typed,
//! like any call); `.items()` streams every item; `.pages()` streams pages with the
//! [`Position`] after each. Every page request goes through [`Client::execute`], so it gets
//! the same retries, rate limits and auth as any call. A stream stops when the server says
//! there is no more, and also when a cursor or next link repeats (no infinite loop) or a page
//! comes back empty while still offering a cursor. Only one page is held at a time. A stream
//! starts where the caller's request points: a call made with `page=5` (or `offset=40`)
//! streams from that page on, then 6, 7, ... A next link on another origin than the API's is
//! refused before it is requested when the call carries credentials
//! ([`crate::auth::origin`]).
//!
//! ```no_run
//! # async fn demo(list: sturdy_runtime::paginate::Paginated<serde_json::Value, serde_json::Value, std::convert::Infallible>) {
//! use futures::TryStreamExt;
//! let all: Vec<serde_json::Value> = list.items().try_collect().await.unwrap();
//! # let _ = all;
//! # }
//! ```
//!
//! Resuming a backfill after a crash: persist the position of every page, then start from it.
//!
//! ```no_run
//! # async fn demo(list: sturdy_runtime::paginate::Paginated<serde_json::Value, serde_json::Value, std::convert::Infallible>) -> std::io::Result<()> {
//! use futures::StreamExt;
//! use sturdy_runtime::paginate::{CheckpointStore, FileCheckpoints};
//! let store = FileCheckpoints::new("checkpoints");
//! let list = match store.load("orders")? { Some(p) => list.resume(p), None => list };
//! let mut pages = std::pin::pin!(list.pages());
//! while let Some(page) = pages.next().await {
//!     let page = page.expect("page");
//!     // ... apply page.response.body() ...
//!     store.save("orders", &page.next)?;
//! }
//! # Ok(()) }
//! ```

use std::collections::BTreeSet;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use futures::stream::{self, Stream, TryStreamExt};
use serde::de::DeserializeOwned;

use crate::call::{decode_failure, typed_error, Call, DecodeErrorFn, DecodeFn};
use crate::client::Client;
use crate::error::Error;
use crate::request::{Request, RequestOptions};
use crate::response::{RawResponse, Response};
use crate::retry::RetryPolicy;

mod deadline;

/// How the next page is requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scheme {
    /// A cursor from the body (or the last item) goes into a query parameter.
    Cursor,
    /// An offset query parameter advances by the items received.
    Offset,
    /// A page-number query parameter increments.
    PageNumber,
    /// The body carries the next page's URL.
    NextUrl,
    /// The `Link: <...>; rel="next"` header (RFC 8288) carries the next page's URL.
    LinkHeader,
}

/// A pagination scheme, declared `const` by generated code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSpec {
    /// The scheme.
    pub scheme: Scheme,
    /// The query parameter that carries the cursor, offset or page number.
    pub param: &'static str,
    /// JSON pointer to the items array (`""`: the body is the array).
    pub items: &'static str,
    /// JSON pointer to a boolean "more pages" flag.
    pub has_more: Option<&'static str>,
    /// JSON pointer to the next cursor (or, for [`Scheme::NextUrl`], the next URL).
    pub cursor: Option<&'static str>,
    /// The field of the last item that is the next cursor (Stripe's `starting_after`).
    pub cursor_from_last_item: Option<&'static str>,
    /// The page-size parameter (offset paging stops on a short page when it is set).
    pub limit_param: Option<&'static str>,
    /// The first page number.
    pub start: u64,
}

impl PageSpec {
    const fn base(scheme: Scheme, param: &'static str) -> Self {
        Self {
            scheme,
            param,
            items: "",
            has_more: None,
            cursor: None,
            cursor_from_last_item: None,
            limit_param: None,
            start: 1,
        }
    }
    /// A cursor carried in the query parameter `param`.
    pub const fn cursor(param: &'static str) -> Self {
        Self::base(Scheme::Cursor, param)
    }
    /// An offset in the query parameter `param`.
    pub const fn offset(param: &'static str) -> Self {
        Self::base(Scheme::Offset, param)
    }
    /// A page number in `param`, starting at `start`.
    pub const fn page_number(param: &'static str, start: u64) -> Self {
        let mut s = Self::base(Scheme::PageNumber, param);
        s.start = start;
        s
    }
    /// The next page's URL at the JSON pointer `pointer`.
    pub const fn next_url(pointer: &'static str) -> Self {
        let mut s = Self::base(Scheme::NextUrl, "");
        s.cursor = Some(pointer);
        s
    }
    /// The `Link` header's `rel="next"`.
    pub const fn link_header() -> Self {
        Self::base(Scheme::LinkHeader, "")
    }
    /// Sets the items pointer.
    pub const fn items(mut self, pointer: &'static str) -> Self {
        self.items = pointer;
        self
    }
    /// Sets the has-more pointer.
    pub const fn has_more(mut self, pointer: &'static str) -> Self {
        self.has_more = Some(pointer);
        self
    }
    /// Sets the next-cursor pointer.
    pub const fn next_cursor(mut self, pointer: &'static str) -> Self {
        self.cursor = Some(pointer);
        self
    }
    /// The cursor is this field of the last item.
    pub const fn cursor_from_last_item(mut self, field: &'static str) -> Self {
        self.cursor_from_last_item = Some(field);
        self
    }
    /// Sets the page-size parameter.
    pub const fn limit_param(mut self, param: &'static str) -> Self {
        self.limit_param = Some(param);
        self
    }
}

/// Where a paginated listing stands: what the next request asks for. Serializable, so an
/// application can persist it and resume.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Position {
    /// The first page.
    Start,
    /// A cursor.
    Cursor(String),
    /// An offset.
    Offset(u64),
    /// A page number.
    Page(u64),
    /// A URL.
    Url(String),
    /// No more pages.
    Done,
}

/// One page: the typed response and the position after it.
#[derive(Debug)]
pub struct Page<P> {
    /// The page as the operation's response type.
    pub response: Response<P>,
    /// How many items it held.
    pub items: usize,
    /// The position of the next page ([`Position::Done`] after the last).
    pub next: Position,
}

/// A paginated call. See the [module docs](self).
#[must_use = "a paginated call does nothing until it is awaited or streamed"]
pub struct Paginated<P, I, E> {
    client: Client,
    request: Request,
    options: RequestOptions,
    decode: DecodeFn<P>,
    decode_error: DecodeErrorFn<E>,
    spec: &'static PageSpec,
    start: Position,
    /// The deadline of a whole stream of pages ([`Paginated::stream_timeout`]).
    stream_timeout: Option<Duration>,
    _item: PhantomData<fn() -> I>,
}

impl<P, I, E> std::fmt::Debug for Paginated<P, I, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paginated")
            .field("operation", &self.request.op.id)
            .field("spec", self.spec)
            .field("start", &self.start)
            .finish_non_exhaustive()
    }
}

/// What a fetched page yields before typing.
struct Fetched {
    raw: RawResponse,
    items: Vec<serde_json::Value>,
    next: Position,
}

/// The state of a stream of pages.
struct State<E> {
    client: Client,
    request: Request,
    options: RequestOptions,
    decode_error: DecodeErrorFn<E>,
    spec: &'static PageSpec,
    next: Position,
    seen: BTreeSet<String>,
    stream_timeout: Option<Duration>,
    /// When the stream's deadline passes, fixed at the first page request.
    stream_deadline: Option<std::time::Instant>,
}

impl<P, I, E> Paginated<P, I, E> {
    /// A paginated call from the call for its first page.
    pub fn new(call: Call<P, E>, spec: &'static PageSpec) -> Self {
        let (client, request, options, decode, decode_error) = call.into_parts();
        Self {
            client,
            request,
            options,
            decode,
            decode_error,
            spec,
            start: Position::Start,
            stream_timeout: None,
            _item: PhantomData,
        }
    }

    /// Starts from a saved position instead of the first page.
    pub fn resume(mut self, position: Position) -> Self {
        self.start = position;
        self
    }

    /// The pagination scheme.
    pub fn spec(&self) -> &'static PageSpec {
        self.spec
    }

    /// Replaces all per-request options (applied to every page request).
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// The deadline of each page request as a whole (its attempts and waits included); see
    /// also [`Paginated::attempt_timeout`] and [`Paginated::stream_timeout`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options = self.options.timeout(timeout);
        self
    }

    /// An extra header on every page request.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.options = self.options.header(name, value);
        self
    }

    /// The retry policy of every page request.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.options = self.options.retry(policy);
        self
    }

    /// The first page (or the page at the resume position), typed.
    pub async fn send(self) -> Result<Response<P>, Error<E>> {
        let decode = self.decode;
        let decode_error = self.decode_error;
        let request = apply(self.request, self.spec, &self.start);
        let op = request.op.id;
        let raw = self
            .client
            .execute(request, self.options)
            .await
            .map_err(|e| typed_error(e, decode_error))?;
        match crate::drift::in_scope(&self.client, op, || decode(&raw.body)) {
            Ok(body) => Ok(raw.with_body(body)),
            Err(m) => Err(decode_failure(raw, m)),
        }
    }

    fn state(self) -> (State<E>, DecodeFn<P>) {
        let mut seen = BTreeSet::new();
        if let Some(k) = key(&self.start) {
            seen.insert(k);
        }
        (
            State {
                client: self.client,
                request: self.request,
                options: self.options,
                decode_error: self.decode_error,
                spec: self.spec,
                next: self.start,
                seen,
                stream_timeout: self.stream_timeout,
                stream_deadline: None,
            },
            self.decode,
        )
    }

    /// Every page, typed, with the position after it.
    pub fn pages(self) -> impl Stream<Item = Result<Page<P>, Error<E>>> {
        let (state, decode) = self.state();
        let (client, op) = (state.client.clone(), state.request.op.id);
        fetch_stream(state).and_then(move |f| {
            let client = client.clone();
            async move {
                let count = f.items.len();
                match crate::drift::in_scope(&client, op, || decode(&f.raw.body)) {
                    Ok(body) => Ok(Page {
                        response: f.raw.with_body(body),
                        items: count,
                        next: f.next,
                    }),
                    Err(m) => Err(decode_failure(f.raw, m)),
                }
            }
        })
    }

    /// Every item of every page, one page in memory at a time.
    pub fn items(self) -> impl Stream<Item = Result<I, Error<E>>>
    where
        I: DeserializeOwned,
    {
        let items_at = self.spec.items;
        let (state, _) = self.state();
        let (client, op) = (state.client.clone(), state.request.op.id);
        fetch_stream(state)
            .map_ok(move |f| {
                let raw = f.raw;
                let client = client.clone();
                stream::iter(f.items.into_iter().enumerate().map(move |(n, v)| {
                    let item = crate::drift::in_scope(&client, op, || {
                        crate::response::decode::item::<I>(v, items_at, n)
                    });
                    item.map_err(|e| {
                        decode_failure(
                            RawResponse {
                                status: raw.status,
                                headers: raw.headers.clone(),
                                body: Bytes::new(),
                                request_id: raw.request_id.clone(),
                                idempotency_key: None,
                                attempts: raw.attempts,
                            },
                            e,
                        )
                    })
                }))
            })
            .try_flatten()
    }
}

impl<P, I, E> IntoFuture for Paginated<P, I, E>
where
    P: Send + 'static,
    I: 'static,
    E: Send + 'static,
{
    type Output = Result<Response<P>, Error<E>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

fn key(p: &Position) -> Option<String> {
    match p {
        Position::Cursor(c) => Some(format!("c:{c}")),
        Position::Url(u) => Some(format!("u:{u}")),
        _ => None,
    }
}

/// The request for a position.
fn apply(request: Request, spec: &PageSpec, position: &Position) -> Request {
    match position {
        Position::Start | Position::Done => request,
        Position::Cursor(c) => request.set_query(spec.param, c.clone()),
        Position::Offset(n) => request.set_query(spec.param, n.to_string()),
        Position::Page(n) => request.set_query(spec.param, n.to_string()),
        Position::Url(u) => request.with_absolute_url(u.clone()),
    }
}

fn fetch_stream<E>(state: State<E>) -> impl Stream<Item = Result<Fetched, Error<E>>> {
    stream::unfold(Some(state), |state| async move {
        let mut state = state?;
        if state.next == Position::Done {
            return None;
        }
        let options = match deadline::page_options(&mut state) {
            Ok(o) => o,
            Err(e) => return Some((Err(e), None)),
        };
        let request = apply(state.request.clone(), state.spec, &state.next);
        let raw = match state.client.execute(request, options).await {
            Ok(r) => r,
            Err(e) => return Some((Err(typed_error(e, state.decode_error)), None)),
        };
        let (items, next) = match next_page(state.spec, &state.request, &state.next, &raw) {
            Ok(v) => v,
            Err(m) => return Some((Err(decode_failure(raw, m)), None)),
        };
        // Relative next links (`/2010-04-01/Accounts.json?Page=1`) resolve against this page's URL.
        let next = match next {
            Position::Url(u) if url::Url::parse(&u).is_err() => {
                let here = format!("{}{}", state.client.base_url(), state.request.path());
                match url::Url::parse(&here).and_then(|b| b.join(&u)) {
                    Ok(abs) => Position::Url(abs.to_string()),
                    Err(_) => Position::Url(u),
                }
            }
            other => other,
        };
        let next = match key(&next) {
            Some(k) if !state.seen.insert(k.clone()) => {
                tracing::warn!(
                    operation = state.request.op.id,
                    "pagination stopped: the server repeated a cursor"
                );
                Position::Done
            }
            _ if items.is_empty() && next != Position::Done => {
                tracing::debug!(
                    operation = state.request.op.id,
                    "pagination stopped: empty page"
                );
                Position::Done
            }
            _ => next,
        };
        state.next = next.clone();
        Some((Ok(Fetched { raw, items, next }), Some(state)))
    })
}

fn text(v: Option<&serde_json::Value>) -> Option<String> {
    match v? {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads a page: its items and the position of the next one.
fn next_page(
    spec: &PageSpec,
    request: &Request,
    current: &Position,
    raw: &RawResponse,
) -> Result<(Vec<serde_json::Value>, Position), String> {
    let mut body: serde_json::Value = if raw.body.iter().all(u8::is_ascii_whitespace) {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&raw.body).map_err(|e| format!("page body: {e}"))?
    };
    let more = spec
        .has_more
        .and_then(|p| body.pointer(p))
        .and_then(|v| v.as_bool());
    let next_value = spec.cursor.and_then(|p| text(body.pointer(p)));
    let items = match body.pointer_mut(spec.items).map(serde_json::Value::take) {
        Some(serde_json::Value::Array(a)) => a,
        Some(serde_json::Value::Null) | None => Vec::new(),
        Some(other) => {
            return Err(format!(
                "items at `{}` are not an array: {}",
                spec.items,
                kind_of(&other)
            ))
        }
    };
    if more == Some(false) {
        return Ok((items, Position::Done));
    }
    let next = match spec.scheme {
        Scheme::Cursor => {
            let from_item = spec
                .cursor_from_last_item
                .and_then(|f| items.last().and_then(|i| text(i.get(f))));
            match next_value.or(from_item) {
                Some(c) => Position::Cursor(c),
                None => Position::Done,
            }
        }
        Scheme::Offset => {
            let before = match current {
                Position::Offset(n) => *n,
                _ => query_u64(request, spec.param).unwrap_or(0),
            };
            let limit = spec.limit_param.and_then(|l| {
                request
                    .query_pairs()
                    .iter()
                    .find(|(k, _)| k == l)
                    .and_then(|(_, v)| v.parse::<usize>().ok())
            });
            if items.is_empty() || limit.is_some_and(|l| items.len() < l) {
                Position::Done
            } else {
                Position::Offset(before + items.len() as u64)
            }
        }
        Scheme::PageNumber => {
            // The first request may already name a page (`list_notes(page: 5)`): count from it.
            let n = match current {
                Position::Page(n) => *n,
                _ => query_u64(request, spec.param).unwrap_or(spec.start),
            };
            if items.is_empty() {
                Position::Done
            } else {
                Position::Page(n + 1)
            }
        }
        Scheme::NextUrl => match next_value {
            Some(u) => Position::Url(u),
            None => Position::Done,
        },
        Scheme::LinkHeader => {
            let links: Vec<&str> = raw
                .headers
                .get_all("link")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            match links.iter().find_map(|l| next_link(l)) {
                Some(u) => Position::Url(u),
                None => Position::Done,
            }
        }
    };
    Ok((items, next))
}

/// The caller's own value of a numeric query parameter on the first request.
fn query_u64(request: &Request, param: &str) -> Option<u64> {
    request
        .query_pairs()
        .iter()
        .find(|(k, _)| k == param)
        .and_then(|(_, v)| v.parse().ok())
}

fn kind_of(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// The `rel="next"` target of an RFC 8288 `Link` header value: several links separated by
/// commas (commas inside `<...>` or quotes are not separators), parameters after `;`,
/// `rel` values quoted or not and possibly several (`rel="next last"`).
pub fn next_link(header: &str) -> Option<String> {
    let mut links = Vec::new();
    let (mut depth_angle, mut in_quote, mut start) = (false, false, 0);
    for (i, c) in header.char_indices() {
        match c {
            '<' if !in_quote => depth_angle = true,
            '>' if !in_quote => depth_angle = false,
            '"' if !depth_angle => in_quote = !in_quote,
            ',' if !depth_angle && !in_quote => {
                links.push(&header[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    links.push(&header[start..]);
    for link in links {
        let link = link.trim();
        let Some(rest) = link.strip_prefix('<') else {
            continue;
        };
        let Some(end) = rest.find('>') else { continue };
        let target = &rest[..end];
        for param in rest[end + 1..].split(';') {
            let Some((k, v)) = param.split_once('=') else {
                continue;
            };
            if !k.trim().eq_ignore_ascii_case("rel") {
                continue;
            }
            let v = v.trim().trim_matches('"');
            if v.split_whitespace().any(|r| r.eq_ignore_ascii_case("next")) {
                return Some(target.to_owned());
            }
        }
    }
    None
}

/// Persists pagination positions by key.
pub trait CheckpointStore {
    /// The saved position for `key`.
    fn load(&self, key: &str) -> std::io::Result<Option<Position>>;
    /// Saves the position for `key` (atomically: a crash leaves the old or the new one).
    fn save(&self, key: &str, position: &Position) -> std::io::Result<()>;
}

/// Positions as JSON files in a folder, written atomically (temp file, then rename).
#[derive(Debug, Clone)]
pub struct FileCheckpoints {
    dir: PathBuf,
}

impl FileCheckpoints {
    /// Checkpoints in `dir` (created on first save).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn path(&self, key: &str) -> PathBuf {
        let safe: String = key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir.join(format!("{safe}.json"))
    }
}

impl CheckpointStore for FileCheckpoints {
    fn load(&self, key: &str) -> std::io::Result<Option<Position>> {
        match std::fs::read(self.path(key)) {
            Ok(b) => serde_json::from_slice(&b)
                .map(Some)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn save(&self, key: &str, position: &Position) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let path = self.path(key);
        let tmp = path.with_extension("json.tmp");
        let data = serde_json::to_vec(position)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        std::fs::write(&tmp, data)?;
        std::fs::rename(tmp, path)
    }
}

#[cfg(test)]
mod tests;
