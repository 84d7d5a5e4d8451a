//! The handlers: who is asking (session), what to show, what a POST may do.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State as Extract};
use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, HeaderValue, StatusCode};
use serde::Serialize;
use sturdy_runtime::time::Clock;

use super::auth::{self, Session, Sessions};
use super::clients::{self, ClientHealth};
use super::history::History;
use super::job::{JobView, RangeJob};
use super::view::{self, Views};
use crate::{Inbox, ListQuery, Status};

/// Events listed per status on the overview.
const LIST_LIMIT: usize = 100;
/// Ids one selection replay accepts.
const MAX_SELECTION: usize = 500;

/// What every handler shares.
pub(crate) struct State {
    pub inbox: Inbox,
    pub sessions: Sessions,
    pub read_only: bool,
    pub base: String,
    pub clients: Vec<(String, Arc<dyn ClientHealth>)>,
    pub history: History,
    pub clock: Arc<dyn Clock>,
    pub views: Views,
    pub range: RangeJob,
    pub range_slices: u32,
}

type S = Extract<Arc<State>>;

/// An HTML page with the console's security headers.
fn html(status: StatusCode, body: Result<String, String>) -> Response {
    let (status, body) = match body {
        Ok(b) => (status, b),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn redirect(to: &str, cookie: Option<String>) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    if let Some(c) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        r.headers_mut().insert(header::SET_COOKIE, c);
    }
    r
}

fn refused(st: &State, status: StatusCode, why: &str) -> Response {
    #[derive(Serialize)]
    struct Ctx<'a> {
        base: &'a str,
        error: &'a str,
        title: &'a str,
    }
    let ctx = Ctx {
        base: &st.base,
        error: why,
        title: "Refused",
    };
    html(status, st.views.render("login.html", ctx))
}

/// The session for a page view: the cookie's, or (behind the application's auth) a new one
/// with the cookie to set. `Err` is the redirect to the login form.
fn page_session(
    st: &State,
    headers: &HeaderMap,
) -> Result<(Session, Option<String>), Box<Response>> {
    if let Some(s) = st.sessions.current(headers) {
        return Ok((s, None));
    }
    if st.sessions.needs_login() {
        return Err(Box::new(redirect(&format!("{}/login", st.base), None)));
    }
    let (id, s) = st.sessions.open();
    Ok((s, Some(auth::set_cookie(&id, &st.base))))
}

/// Checks a POST: a session, its CSRF token in the form, and replays allowed.
fn post_session(st: &State, headers: &HeaderMap, form: &Form) -> Result<Session, Box<Response>> {
    let Some(s) = st.sessions.current(headers) else {
        return Err(Box::new(refused(
            st,
            StatusCode::FORBIDDEN,
            "not logged in",
        )));
    };
    match form.one("csrf") {
        Some(t) if auth::same(t, &s.csrf) => {}
        _ => {
            tracing::warn!("console POST refused: missing or wrong CSRF token");
            return Err(Box::new(refused(
                st,
                StatusCode::FORBIDDEN,
                "missing or wrong CSRF token: reload the page and try again",
            )));
        }
    }
    if st.read_only {
        return Err(Box::new(refused(
            st,
            StatusCode::FORBIDDEN,
            "this console is read-only",
        )));
    }
    Ok(s)
}

/// A URL-encoded form or query, keys in order (repeated keys kept).
pub(crate) struct Form(Vec<(String, String)>);

impl Form {
    pub(crate) fn parse(raw: &[u8]) -> Self {
        Form(form_urlencoded::parse(raw).into_owned().collect())
    }
    fn one(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

fn page_error(st: &State, e: crate::InboxError) -> Response {
    tracing::error!(error = %e, "console: the inbox store failed");
    refused(
        st,
        StatusCode::SERVICE_UNAVAILABLE,
        "the inbox store could not be read; see the server log",
    )
}

#[derive(Serialize)]
struct Overview {
    title: &'static str,
    base: String,
    csrf: String,
    read_only: bool,
    notice: Option<String>,
    statuses: Vec<&'static str>,
    counts: Vec<(&'static str, u64)>,
    history: Vec<(String, Vec<u64>)>,
    clients: Vec<clients::ClientView>,
    dead: Vec<view::EventView>,
    failed: Vec<view::EventView>,
    range: Option<JobView>,
}

fn notice(query: Option<String>) -> Option<String> {
    let q = Form::parse(query.unwrap_or_default().as_bytes());
    let replayed: u64 = q.one("replayed")?.parse().ok()?;
    match q.one("asked").and_then(|a| a.parse::<u64>().ok()) {
        Some(asked) => Some(format!(
            "Replayed {replayed} of {asked} selected event(s); the others do not exist or are held by a worker."
        )),
        None => Some(format!("Replayed {replayed} event(s).")),
    }
}

/// `GET /`: counts, clients, dead letters and failed events, replay forms.
pub(crate) async fn overview(
    Extract(st): S,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let (session, cookie) = match page_session(&st, &headers) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let counts = match st.inbox.counts().await {
        Ok(c) => c,
        Err(e) => return page_error(&st, e),
    };
    let mut lists = Vec::new();
    for status in [Status::Dead, Status::Failed] {
        match st
            .inbox
            .list(ListQuery::new(LIST_LIMIT).status(status))
            .await
        {
            Ok(l) => lists.push(l.iter().map(|e| view::event(e, false)).collect()),
            Err(e) => return page_error(&st, e),
        }
    }
    let failed = lists.pop().unwrap_or_default();
    let dead = lists.pop().unwrap_or_default();
    let n = |c: &BTreeMap<Status, u64>, s| c.get(&s).copied().unwrap_or(0);
    let history = st
        .history
        .record(st.clock.system_now(), &counts)
        .into_iter()
        .map(|(at, c)| {
            (
                view::time(at),
                Status::ALL.iter().map(|s| n(&c, *s)).collect(),
            )
        })
        .collect();
    let ctx = Overview {
        title: "Inbox",
        base: st.base.clone(),
        csrf: session.csrf,
        read_only: st.read_only,
        notice: notice(q),
        statuses: Status::ALL.iter().map(|s| s.as_str()).collect(),
        counts: Status::ALL
            .iter()
            .map(|s| (s.as_str(), n(&counts, *s)))
            .collect(),
        history,
        clients: st
            .clients
            .iter()
            .map(|(name, c)| clients::view(name, &c.health()))
            .collect(),
        dead,
        failed,
        range: st.range.view(),
    };
    let mut r = html(StatusCode::OK, st.views.render("overview.html", ctx));
    if let Some(c) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        r.headers_mut().insert(header::SET_COOKIE, c);
    }
    r
}

/// `GET /events/{id}`: one event's state, headers (redacted) and body.
pub(crate) async fn event(
    Extract(st): S,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    #[derive(Serialize)]
    struct Ctx {
        title: String,
        base: String,
        csrf: String,
        read_only: bool,
        notice: Option<String>,
        event: view::EventView,
    }
    let (session, cookie) = match page_session(&st, &headers) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let Ok(id) = id.parse::<i64>() else {
        return refused(&st, StatusCode::NOT_FOUND, "no such event");
    };
    let e = match st.inbox.get(id).await {
        Ok(Some(e)) => e,
        Ok(None) => return refused(&st, StatusCode::NOT_FOUND, "no such event"),
        Err(e) => return page_error(&st, e),
    };
    let ctx = Ctx {
        title: format!("Event {id}"),
        base: st.base.clone(),
        csrf: session.csrf,
        read_only: st.read_only,
        notice: notice(q),
        event: view::event(&e, true),
    };
    let mut r = html(StatusCode::OK, st.views.render("event.html", ctx));
    if let Some(c) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        r.headers_mut().insert(header::SET_COOKIE, c);
    }
    r
}

/// `GET /login`.
pub(crate) async fn login_form(Extract(st): S) -> Response {
    if !st.sessions.needs_login() {
        return redirect(&view::home(&st.base), None);
    }
    #[derive(Serialize)]
    struct Ctx<'a> {
        base: &'a str,
        title: &'a str,
        form: bool,
    }
    let ctx = Ctx {
        base: &st.base,
        title: "Log in",
        form: true,
    };
    html(StatusCode::OK, st.views.render("login.html", ctx))
}

/// `POST /login` with `token`: opens a session.
pub(crate) async fn login(Extract(st): S, body: Bytes) -> Response {
    let form = Form::parse(&body);
    if st.sessions.needs_login() && st.sessions.token_matches(form.one("token").unwrap_or("")) {
        let (id, _) = st.sessions.open();
        tracing::info!("console: operator logged in");
        return redirect(&view::home(&st.base), Some(auth::set_cookie(&id, &st.base)));
    }
    tracing::warn!("console: login refused");
    #[derive(Serialize)]
    struct Ctx<'a> {
        base: &'a str,
        title: &'a str,
        form: bool,
        error: &'a str,
    }
    let ctx = Ctx {
        base: &st.base,
        title: "Log in",
        form: st.sessions.needs_login(),
        error: "wrong operator token",
    };
    html(StatusCode::UNAUTHORIZED, st.views.render("login.html", ctx))
}

/// `POST /logout`.
pub(crate) async fn logout(Extract(st): S, headers: HeaderMap) -> Response {
    st.sessions.close(&headers);
    redirect(&format!("{}/login", st.base), None)
}

/// `POST /replay` with `csrf` and one or more `id`: replays them.
pub(crate) async fn replay(Extract(st): S, headers: HeaderMap, body: Bytes) -> Response {
    let form = Form::parse(&body);
    if let Err(r) = post_session(&st, &headers, &form) {
        return *r;
    }
    let ids: Vec<i64> = form.all("id").filter_map(|v| v.parse().ok()).collect();
    if ids.is_empty() || ids.len() > MAX_SELECTION {
        let why = format!("select between 1 and {MAX_SELECTION} events to replay");
        return refused(&st, StatusCode::BAD_REQUEST, &why);
    }
    let mut replayed = 0u64;
    for id in &ids {
        match st.inbox.replay(*id).await {
            Ok(true) => replayed += 1,
            Ok(false) => {}
            Err(e) => return page_error(&st, e),
        }
    }
    tracing::info!(replayed, asked = ids.len(), "console: replay");
    let to = match (form.one("back"), ids.as_slice()) {
        (Some("event"), [id]) => format!("{}/events/{id}?replayed={replayed}", st.base),
        _ => format!(
            "{}?replayed={replayed}&asked={}",
            view::home(&st.base),
            ids.len()
        ),
    };
    redirect(&to, None)
}

/// Parses `2026-01-02T03:04` (as `datetime-local` sends it, taken as UTC), with optional
/// seconds, or RFC 3339.
pub(crate) fn parse_time(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&chrono::Utc).into());
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(s, f).ok())
        .map(|t| t.and_utc().into())
}

/// `POST /replay-range` with `csrf`, `from`, `to` and an optional `status`: starts the
/// replay in the background (its progress shows on the overview).
pub(crate) async fn replay_range(Extract(st): S, headers: HeaderMap, body: Bytes) -> Response {
    let form = Form::parse(&body);
    if let Err(r) = post_session(&st, &headers, &form) {
        return *r;
    }
    let from = form.one("from").and_then(parse_time);
    let to = form.one("to").and_then(parse_time);
    let status = match form.one("status").unwrap_or("") {
        "" => Ok(None),
        s => s.parse::<Status>().map(Some),
    };
    let (Some(from), Some(to), Ok(status)) = (from, to, status) else {
        return refused(
            &st,
            StatusCode::BAD_REQUEST,
            "give a start and an end (UTC, like 2026-01-02T03:04) and a known status",
        );
    };
    if from >= to {
        return refused(
            &st,
            StatusCode::BAD_REQUEST,
            "the start must be before the end",
        );
    }
    if !st
        .range
        .start(st.inbox.clone(), (from, to), status, st.range_slices)
    {
        return refused(
            &st,
            StatusCode::CONFLICT,
            "a range replay is still running; wait for it to finish",
        );
    }
    tracing::info!("console: range replay started");
    redirect(&view::home(&st.base), None)
}

/// `GET /console.css`.
pub(crate) async fn stylesheet() -> Response {
    let mut r = include_str!("../../templates/console/console.css").into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn forms_keep_repeated_keys() {
        let f = Form::parse(b"csrf=a%20b&id=1&id=2&id=x");
        assert_eq!(f.one("csrf"), Some("a b"));
        assert_eq!(f.all("id").collect::<Vec<_>>(), ["1", "2", "x"]);
        assert_eq!(Form::parse(b"%%%&=&a").one("b"), None);
    }

    #[test]
    fn times_parse_as_utc() {
        let t = UNIX_EPOCH + Duration::from_secs(1_767_323_040);
        assert_eq!(parse_time("2026-01-02T03:04"), Some(t));
        assert_eq!(parse_time("2026-01-02T03:04:00"), Some(t));
        assert_eq!(parse_time("2026-01-02T04:04:00+01:00"), Some(t));
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time(""), None);
    }

    #[test]
    fn a_running_range_replay_shows_its_progress() {
        let views = Views::new("");
        let range = JobView {
            from: "a".into(),
            to: "b".into(),
            done: 37,
            total: 100,
            replayed: 12,
            running: true,
            error: None,
        };
        let ctx = serde_json::json!({
            "base": "", "csrf": "c", "range": range, "read_only": true, "dead": [], "failed": []
        });
        let page = views.render("overview.html", ctx).unwrap();
        assert!(
            page.contains(r#"<progress id="range-bar" max="100" value="37">"#),
            "{page}"
        );
        assert!(page.contains("Running: 37 of 100 slices, 12 event(s) replayed so far."));
        assert!(!page.contains("<form method=\"post\" action=\"/replay-range\""));
    }

    #[test]
    fn notices() {
        assert_eq!(notice(None), None);
        assert_eq!(notice(Some("replayed=x".into())), None);
        assert_eq!(
            notice(Some("replayed=2".into())).as_deref(),
            Some("Replayed 2 event(s).")
        );
        assert!(notice(Some("replayed=1&asked=3".into()))
            .unwrap()
            .starts_with("Replayed 1 of 3"));
    }
}
