//! The operator console over HTTP: login, CSRF, escaping, redaction, replays, read-only,
//! client health, the counts' history and the accessibility checklist.

mod console_support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use console_support::{a11y, call, clock, revoked_client, seed, serve, sqlite_inbox, worker};
use console_support::{SCRIPT, TOKEN};
use reqwest::StatusCode;
use sturdy_inbox::console::Console;
use sturdy_inbox::Status;
use sturdy_runtime::time::Clock;

/// An HTTP client that keeps the console's session cookie and does not follow redirects.
struct Operator {
    base: String,
    http: reqwest::Client,
    cookie: Option<String>,
}

impl Operator {
    fn new(base: &str) -> Self {
        Operator {
            base: base.to_owned(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookie: None,
        }
    }

    fn keep_cookie(&mut self, r: &reqwest::Response) {
        if let Some(c) = r.headers().get("set-cookie") {
            let c = c.to_str().unwrap();
            assert!(
                c.contains("HttpOnly") && c.contains("SameSite=Strict"),
                "{c}"
            );
            self.cookie = Some(c.split(';').next().unwrap().to_owned());
        }
    }

    async fn get(&mut self, path: &str) -> (StatusCode, String) {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        let r = req.send().await.unwrap();
        self.keep_cookie(&r);
        let status = r.status();
        let location = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        let body = r.text().await.unwrap();
        (status, location.unwrap_or(body))
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        let r = req.send().await.unwrap();
        self.keep_cookie(&r);
        let status = r.status();
        let location = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        let body = r.text().await.unwrap();
        (status, location.unwrap_or(body))
    }

    async fn login(&mut self) {
        let (s, to) = self.post("/login", &[("token", TOKEN)]).await;
        assert_eq!((s, to.as_str()), (StatusCode::SEE_OTHER, "/"));
        assert!(self.cookie.is_some());
    }
}

/// The CSRF token in a page's forms.
fn csrf(html: &str) -> String {
    let key = r#"name="csrf" value=""#;
    let i = html.find(key).expect("a CSRF field") + key.len();
    html[i..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn pages_need_the_operator_token() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let inbox = sqlite_inbox(&dir, &clock);
    seed(&inbox, &clock).await;
    let base = serve(Console::with_token(inbox, TOKEN)).await;
    let mut op = Operator::new(&base);

    assert_eq!(op.get("/").await, (StatusCode::SEE_OTHER, "/login".into()));
    assert_eq!(op.get("/events/1").await.0, StatusCode::SEE_OTHER);
    let (s, page) = op.post("/replay", &[("id", "1"), ("csrf", "x")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{page}");
    let (s, page) = op.post("/login", &[("token", "guess")]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(page.contains("wrong operator token"));
    assert!(op.cookie.is_none());
    let (s, login) = op.get("/login").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(a11y::page_problems(&login), Vec::<String>::new());

    op.login().await;
    let (s, page) = op.get("/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("<h1>Inbox</h1>"));

    // A forged or stale cookie is not a session; logging out ends the session.
    let mut forger = Operator::new(&base);
    forger.cookie = Some("sturdy_console=0123".into());
    assert_eq!(forger.get("/").await.0, StatusCode::SEE_OTHER);
    let token = csrf(&page);
    assert_eq!(
        op.post("/logout", &[("csrf", &token)]).await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(op.get("/").await, (StatusCode::SEE_OTHER, "/login".into()));
}

#[tokio::test]
async fn dead_letters_show_escaped_and_redacted_and_replay_needs_csrf() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let inbox = sqlite_inbox(&dir, &clock);
    let seeded = seed(&inbox, &clock).await;
    let base = serve(Console::with_token(inbox.clone(), TOKEN)).await;
    let mut op = Operator::new(&base);
    op.login().await;

    let (_, page) = op.get("/").await;
    assert_eq!(a11y::page_problems(&page), Vec::<String>::new());
    assert!(
        page.contains(r#"<span class="n" id="count-dead">1</span>"#),
        "{page}"
    );
    assert!(page.contains(r#"<span class="n" id="count-applied">1</span>"#));
    for id in [seeded.dead, seeded.failed] {
        assert!(page.contains(&format!(r#"<tr id="event-{id}">"#)), "{id}");
    }
    assert!(!page.contains(&format!(r#"<tr id="event-{}">"#, seeded.applied)));
    assert!(
        page.contains("downstream said no &lt;script&gt;"),
        "errors escaped"
    );
    assert!(!page.contains(SCRIPT));

    let (s, event) = op.get(&format!("/events/{}", seeded.dead)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(a11y::page_problems(&event), Vec::<String>::new());
    assert!(event.contains(r#"<dd id="status" class="status-dead">dead</dd>"#));
    assert!(event.contains("&lt;script&gt;alert("), "body escaped");
    assert!(!event.contains(SCRIPT));
    assert!(event.contains("<th scope=\"row\">stripe-signature</th><td>[redacted]</td>"));
    assert!(!event.contains("v1="), "no signature value");
    assert!(event.contains("req-0"), "plain headers are shown");
    assert!(!event.contains("never-stored"));
    assert_eq!(op.get("/events/999").await.0, StatusCode::NOT_FOUND);
    assert_eq!(op.get("/events/x%00").await.0, StatusCode::NOT_FOUND);

    // Without the CSRF token, or with another one: refused, and nothing replayed.
    let id = seeded.dead.to_string();
    let (s, page) = op.post("/replay", &[("id", &id)]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(page.contains("CSRF"));
    let (s, _) = op
        .post("/replay", &[("id", &id), ("csrf", "0".repeat(64).as_str())])
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let fixed_worker = worker(&inbox, &seeded.fixed, 5);
    seeded.fixed.store(true, Ordering::SeqCst);
    assert_eq!(fixed_worker.run_once().await.unwrap().claimed, 0);
    assert_eq!(
        inbox.get(seeded.dead).await.unwrap().unwrap().status,
        Status::Dead
    );

    // With it: replayed, then applied by the (fixed) worker.
    let token = csrf(&event);
    let (s, to) = op
        .post(
            "/replay",
            &[("csrf", &token), ("id", &id), ("back", "event")],
        )
        .await;
    assert_eq!(
        (s, to),
        (StatusCode::SEE_OTHER, format!("/events/{id}?replayed=1"))
    );
    assert_eq!(fixed_worker.run_once().await.unwrap().applied, 1);
    let (_, event) = op.get(&format!("/events/{id}?replayed=1")).await;
    assert!(event.contains(r#"<dd id="status" class="status-applied">applied</dd>"#));
    assert!(event.contains("Replayed 1 event(s)."));
}

#[tokio::test]
async fn a_selection_and_a_time_range_are_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let inbox = sqlite_inbox(&dir, &clock);
    let seeded = seed(&inbox, &clock).await;
    let base = serve(Console::with_token(inbox.clone(), TOKEN)).await;
    let mut op = Operator::new(&base);
    op.login().await;
    let token = csrf(&op.get("/").await.1);

    let (dead, failed) = (seeded.dead.to_string(), seeded.failed.to_string());
    let (s, to) = op
        .post(
            "/replay",
            &[
                ("csrf", &token),
                ("id", &dead),
                ("id", &failed),
                ("id", "999"),
            ],
        )
        .await;
    assert_eq!(
        (s, to.as_str()),
        (StatusCode::SEE_OTHER, "/?replayed=2&asked=3")
    );
    for id in [seeded.dead, seeded.failed] {
        let e = inbox.get(id).await.unwrap().unwrap();
        assert_eq!((e.attempts, e.next_attempt_at), (0, clock.system_now()));
    }
    let (_, page) = op.get(&to).await;
    assert!(page.contains("Replayed 2 of 3 selected event(s)"));
    let (s, _) = op.post("/replay", &[("csrf", &token)]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "an empty selection");

    // The range [received, received + 1 min) in status dead: the event that went dead again.
    worker(&inbox, &seeded.fixed, 1).run_once().await.unwrap();
    let at = chrono::DateTime::<chrono::Utc>::from(clock.system_now());
    let from = at.format("%Y-%m-%dT%H:%M").to_string();
    let to = (at + chrono::Duration::minutes(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let form = [
        ("csrf", token.as_str()),
        ("from", &from),
        ("to", &to),
        ("status", "dead"),
    ];
    let (s, to_page) = op.post("/replay-range", &form).await;
    assert_eq!((s, to_page.as_str()), (StatusCode::SEE_OTHER, "/"));
    // It runs in the background: wait until the overview says it finished.
    let mut page = String::new();
    for _ in 0..1000 {
        page = op.get("/").await.1;
        if page.contains("Finished:") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(page.contains("Finished: 2 event(s) replayed."), "{page}");
    assert!(page.contains(r#"<progress id="range-bar" max="100" value="100">"#));
    for id in [seeded.dead, seeded.failed] {
        assert_eq!(inbox.get(id).await.unwrap().unwrap().attempts, 0);
    }
    let bad = [
        ("csrf", token.as_str()),
        ("from", &to),
        ("to", &from),
        ("status", ""),
    ];
    assert_eq!(
        op.post("/replay-range", &bad).await.0,
        StatusCode::BAD_REQUEST
    );
    let bad = [
        ("csrf", token.as_str()),
        ("from", "soon"),
        ("to", &to),
        ("status", ""),
    ];
    assert_eq!(
        op.post("/replay-range", &bad).await.0,
        StatusCode::BAD_REQUEST
    );
    let bad = [("from", from.as_str()), ("to", &to)];
    assert_eq!(
        op.post("/replay-range", &bad).await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn read_only_shows_everything_and_replays_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let inbox = sqlite_inbox(&dir, &clock);
    let seeded = seed(&inbox, &clock).await;
    let base = serve(Console::with_token(inbox.clone(), TOKEN).read_only(true)).await;
    let mut op = Operator::new(&base);
    op.login().await;
    let (_, page) = op.get("/").await;
    assert!(page.contains(&format!(r#"<tr id="event-{}">"#, seeded.dead)));
    assert!(page.contains("read-only"));
    assert!(!page.contains("Replay selected") && !page.contains("replay-range"));
    assert_eq!(a11y::page_problems(&page), Vec::<String>::new());
    let token = csrf(&page);
    let id = seeded.dead.to_string();
    let (s, page) = op.post("/replay", &[("csrf", &token), ("id", &id)]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(page.contains("read-only"));
    assert_eq!(
        inbox.get(seeded.dead).await.unwrap().unwrap().status,
        Status::Dead
    );
}

#[tokio::test]
async fn behind_the_applications_auth_a_session_opens_on_the_first_page() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let inbox = sqlite_inbox(&dir, &clock);
    let seeded = seed(&inbox, &clock).await;
    let console = Console::behind_app_auth(inbox.clone()).base_path("/ops/");
    let app = axum::Router::new().nest("/ops", console.router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/ops", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let mut op = Operator::new(&base);
    assert_eq!(
        op.get("/login").await,
        (StatusCode::SEE_OTHER, "/ops".into())
    );
    let (s, page) = op.get("").await;
    assert_eq!(s, StatusCode::OK);
    // minijinja escapes `/` in attributes as `&#x2f;`, which browsers read as `/`.
    let page = page.replace("&#x2f;", "/");
    assert!(page.contains(r#"href="/ops/console.css""#));
    assert!(page.contains(r#"<a href="/ops">sturdy inbox console</a>"#));
    assert!(page.contains(&format!(r#"href="/ops/events/{}""#, seeded.dead)));
    let token = csrf(&page);
    let id = seeded.dead.to_string();
    assert_eq!(
        op.post("/replay", &[("id", &id)]).await.0,
        StatusCode::FORBIDDEN
    );
    let (s, to) = op.post("/replay", &[("csrf", &token), ("id", &id)]).await;
    assert_eq!(
        (s, to.as_str()),
        (StatusCode::SEE_OTHER, "/ops?replayed=1&asked=1")
    );
    let (s, css) = op.get("/console.css").await;
    assert_eq!(s, StatusCode::OK);
    assert!(css.contains("--fg"));
}

#[tokio::test]
async fn a_client_whose_refresh_token_is_refused_shows_needs_reauth() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let inbox = sqlite_inbox(&dir, &clock);
    let (client, _server) = revoked_client(&clock).await;
    let console = Console::with_token(inbox, TOKEN).client("billing", client.clone());
    let mut op = Operator::new(&serve(console).await);
    op.login().await;

    let (_, page) = op.get("/").await;
    assert!(
        page.contains(r#"<li class="client state-healthy" id="client-billing">"#),
        "{page}"
    );
    assert!(!page.contains("app-secret") && !page.contains("rt-revoked"));

    let e = call(&client).await.unwrap_err();
    assert_eq!(e.provider_code(), Some("invalid_grant"));
    let (_, page) = op.get("/").await;
    assert!(page.contains(r#"<li class="client state-needs_reauth" id="client-billing">"#));
    assert!(page.contains(r#"<span class="state">needs re-auth</span>"#));
    assert!(
        page.contains("invalid_grant: revoked (in getInvoice)"),
        "{page}"
    );
    assert!(page.contains("Hint: the refresh token was revoked or expired: reconnect the account"));
    assert!(page.contains("At: 2026-01-02 03:04:00 UTC"));
    assert!(!page.contains("app-secret") && !page.contains("rt-revoked"));
    assert_eq!(a11y::page_problems(&page), Vec::<String>::new());
}

#[tokio::test]
async fn counts_are_sampled_over_time_by_the_injected_clock() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let inbox = sqlite_inbox(&dir, &clock);
    let seeded = seed(&inbox, &clock).await;
    let console = Console::with_token(inbox.clone(), TOKEN)
        .clock(std::sync::Arc::new(clock.clone()))
        .sample_every(Duration::from_secs(60));
    let mut op = Operator::new(&serve(console).await);
    op.login().await;
    let row = |at: &str, dead: u64| {
        format!("<tr><th scope=\"row\">{at}</th><td>0</td><td>0</td><td>1</td><td>1</td><td>{dead}</td></tr>")
    };
    let (_, page) = op.get("/").await;
    assert!(page.contains(&row("2026-01-02 03:04:00 UTC", 1)), "{page}");

    inbox.replay(seeded.dead).await.unwrap();
    clock.advance(Duration::from_secs(30));
    let (_, page) = op.get("/").await;
    assert!(
        !page.contains("03:04:30"),
        "younger than the interval: no sample"
    );
    clock.advance(Duration::from_secs(30));
    let (_, page) = op.get("/").await;
    let newer = page
        .find("2026-01-02 03:05:00 UTC")
        .expect("a second sample");
    assert!(
        newer < page.find("2026-01-02 03:04:00 UTC").unwrap(),
        "newest first"
    );
    assert!(
        page.contains("<td>1</td><td>0</td><td>1</td><td>1</td><td>0</td>"),
        "{page}"
    );
}

#[test]
fn the_stylesheet_colours_contrast_enough() {
    let css = include_str!("../templates/console/console.css");
    let p = a11y::palette(css);
    let get = |k: &str| p.iter().find(|(n, _)| n == k).unwrap().1.clone();
    for bg in ["bg", "muted-bg"] {
        for fg in ["fg", "link", "ok", "warn", "bad"] {
            let c = a11y::contrast(&get(fg), &get(bg));
            assert!(c >= 4.5, "--{fg} on --{bg}: {c:.2}");
        }
    }
    let c = a11y::contrast(&get("bg"), &get("link"));
    assert!(c >= 4.5, "button text: {c:.2}");
    assert!((a11y::contrast("#000000", "#ffffff") - 21.0).abs() < 1e-9);
}

#[test]
fn the_checklist_catches_what_it_claims_to() {
    let bad = r#"<html><h1>a</h1><h3>b</h3><input id="x"><th>c</th><script></script><link href="https://cdn.example/x.css"><h1>d</h1>"#;
    let p = a11y::page_problems(bad);
    for want in [
        "no <html lang>",
        "no viewport",
        "2 <h1>",
        "h3 after h1",
        "unlabelled",
        "without scope",
        "<script>",
        "outside asset",
    ] {
        assert!(p.iter().any(|x| x.contains(want)), "{want} in {p:?}");
    }
}

#[tokio::test]
async fn sturdy_inbox_serve_runs_the_console_on_its_own() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let inbox = sqlite_inbox(&dir, &clock);
    let seeded = seed(&inbox, &clock).await;
    let exe = env!("CARGO_BIN_EXE_sturdy-inbox");
    let db = dir.path().join("inbox.db");
    let args = [
        "--sqlite",
        db.to_str().unwrap(),
        "serve",
        "--listen",
        "127.0.0.1:0",
    ];

    let refused = std::process::Command::new(exe)
        .args(args)
        .env("STURDY_CONSOLE_TOKEN", "short")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("STURDY_CONSOLE_TOKEN"));

    let mut child = std::process::Command::new(exe)
        .args(args)
        .env("STURDY_CONSOLE_TOKEN", TOKEN)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("sturdy-inbox console on ")
        .unwrap_or_else(|| panic!("{line}"))
        .trim_end_matches('/')
        .to_owned();
    let mut op = Operator::new(&base);
    op.login().await;
    let (s, page) = op.get("/").await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains(&format!(r#"<tr id="event-{}">"#, seeded.dead)));
}
