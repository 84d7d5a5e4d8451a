//! The operator console in headless Chromium, driven through WebDriver (chromedriver +
//! fantoccini): log in, see the dead letters, replay one and see it applied, a replay without
//! the CSRF token refused, and a client flipping to "needs re-auth". A screenshot of each
//! page is saved under `target/tmp/console-screenshots/`.
//!
//! Needs `chromium` and `chromedriver` (`apt-get install chromium chromium-driver`); without
//! them the tests print SKIP, and fail under `CI=true`.

mod console_support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::Duration;

use console_support::{call, clock, revoked_client, seed, serve, worker, TOKEN};
use fantoccini::Locator;
use sturdy_inbox::console::Console;
use sturdy_inbox::{Inbox, Status};
use sturdy_runtime::time::ManualClock;

fn missing_peer(why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("a test peer is missing under CI: {why}");
    }
    eprintln!("SKIP: {why}");
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A chromedriver on a free loopback port, killed on drop, and the browser's fresh profile.
struct Driver {
    child: Child,
    url: String,
    _profile: tempfile::TempDir,
    chromium: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_driver() -> Option<Driver> {
    let (Some(chromium), Some(driver)) = (on_path("chromium"), on_path("chromedriver")) else {
        missing_peer(
            "chromium or chromedriver is not installed (apt-get install chromium chromium-driver)",
        );
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let d = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _profile: tempfile::tempdir().unwrap(),
        chromium,
    };
    // Wait until it answers (a readiness poll, not a timing assertion).
    for _ in 0..300 {
        if reqwest::get(format!("{}/status", d.url)).await.is_ok() {
            return Some(d);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start");
}

async fn browser(d: &Driver) -> fantoccini::Client {
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": d.chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=420,1400",
                format!("--user-data-dir={}", d._profile.path().display()),
            ]
        }
    });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!()
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    fantoccini::ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&d.url)
        .await
        .expect("a WebDriver session")
}

fn shots() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(b: &fantoccini::Client, name: &str) {
    let png = b.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    std::fs::write(shots().join(format!("{name}.png")), png).unwrap();
}

/// The text of the element `css` selects, waiting for it to appear (a click on a submit
/// button may return before the next page has loaded).
async fn text(b: &fantoccini::Client, css: &str) -> String {
    b.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// The whole operator walk over `inbox`, screenshots prefixed with `label`.
async fn walk(inbox: Inbox, clock: &ManualClock, label: &str) {
    let Some(d) = start_driver().await else {
        return;
    };
    let seeded = seed(&inbox, clock).await;
    let (client, _server) = revoked_client(clock).await;
    let base = serve(
        Console::with_token(inbox.clone(), TOKEN)
            .client("billing", client.clone())
            .clock(std::sync::Arc::new(clock.clone())),
    )
    .await;
    let b = browser(&d).await;

    // Log in.
    b.goto(&format!("{base}/")).await.unwrap();
    assert!(b.current_url().await.unwrap().path().ends_with("/login"));
    b.find(Locator::Id("token"))
        .await
        .unwrap()
        .send_keys(TOKEN)
        .await
        .unwrap();
    shot(&b, &format!("{label}-login")).await;
    b.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // The dead letters, and the client still healthy.
    let row = text(&b, &format!("#dead-table #event-{}", seeded.dead)).await;
    assert!(row.contains("downstream said no <script>"), "{row}");
    assert_eq!(text(&b, "#count-dead").await, "1");
    assert_eq!(text(&b, "#client-billing .state").await, "healthy");
    shot(&b, &format!("{label}-overview")).await;

    // One event; a replay whose CSRF field was removed is refused.
    b.find(Locator::LinkText(&seeded.dead.to_string()))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(text(&b, "dd#status").await, "dead");
    assert!(text(&b, "#headers")
        .await
        .contains("stripe-signature [redacted]"));
    shot(&b, &format!("{label}-event")).await;
    b.execute(
        "document.querySelectorAll('input[name=csrf]').forEach(e => e.remove())",
        vec![],
    )
    .await
    .unwrap();
    b.find(Locator::Id("replay"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(text(&b, "[role=alert]")
        .await
        .contains("missing or wrong CSRF token"));
    shot(&b, &format!("{label}-csrf-refused")).await;
    assert_eq!(
        inbox.get(seeded.dead).await.unwrap().unwrap().status,
        Status::Dead
    );

    // Replay it, fix the bug, let a worker run: applied.
    b.goto(&format!("{base}/events/{}", seeded.dead))
        .await
        .unwrap();
    b.find(Locator::Id("replay"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(text(&b, "[role=status]")
        .await
        .contains("Replayed 1 event(s)."));
    seeded.fixed.store(true, Ordering::SeqCst);
    assert_eq!(
        worker(&inbox, &seeded.fixed, 5)
            .run_once()
            .await
            .unwrap()
            .applied,
        1
    );
    b.refresh().await.unwrap();
    assert_eq!(text(&b, "dd#status").await, "applied");
    shot(&b, &format!("{label}-replayed")).await;

    // The token endpoint answers invalid_grant: the client needs re-auth.
    call(&client).await.unwrap_err();
    b.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(text(&b, "#client-billing .state").await, "needs re-auth");
    assert!(text(&b, "#client-billing")
        .await
        .contains("reconnect the account"));
    shot(&b, &format!("{label}-needs-reauth")).await;
    b.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_works_the_console_in_chromium_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let inbox = console_support::sqlite_inbox(&dir, &clock);
    walk(inbox, &clock, "sqlite").await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_works_the_console_in_chromium_on_postgres() {
    let Some(url) = std::env::var("STURDY_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        missing_peer("STURDY_PG_URL is not set; run `export STURDY_PG_URL=$(bash tests/peers/postgres.sh start)`");
        return;
    };
    let table = format!("console_test_{}", uuid::Uuid::new_v4().simple());
    let store = sturdy_inbox::PostgresStore::connect_table(&url, &table)
        .await
        .unwrap();
    let clock = clock();
    walk(
        console_support::inbox_over(store, &clock),
        &clock,
        "postgres",
    )
    .await;
    sturdy_inbox::PostgresStore::connect_table(&url, &table)
        .await
        .unwrap()
        .drop_table()
        .await
        .unwrap();
}
