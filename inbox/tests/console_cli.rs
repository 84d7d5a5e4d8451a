//! `sturdy-inbox replay-range` reports its progress: plain lines when stderr is not a
//! terminal (a progress bar on one).

use std::sync::Arc;
use std::time::Duration;

use sturdy_inbox::{HandlerError, Inbox, Status, StoredEvent};
use sturdy_runtime::time::{Clock, ManualClock};
use sturdy_runtime::webhooks::Verifier;

#[tokio::test]
async fn replay_range_prints_progress_lines_off_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inbox.db");
    let clock = ManualClock::new(std::time::UNIX_EPOCH + Duration::from_secs(1_767_323_040));
    let v = Verifier::stripe(["whsec_x"]).build().unwrap();
    let inbox = Inbox::builder(sturdy_inbox::SqliteStore::open(&db).unwrap())
        .provider("stripe", v.clone())
        .clock(Arc::new(clock.clone()))
        .build();
    for n in 0..20 {
        let body = format!(r#"{{"id":"evt_{n}"}}"#);
        let h = v
            .sign(&format!("evt_{n}"), clock.system_now(), body.as_bytes())
            .unwrap();
        inbox.receive("stripe", &h, body.as_bytes()).await.unwrap();
        clock.advance(Duration::from_secs(180));
    }
    let w = inbox
        .worker(|_: StoredEvent| async { Err::<(), _>(HandlerError::from("no")) })
        .max_attempts(1)
        .batch(50);
    w.run_once().await.unwrap();
    assert_eq!(inbox.counts().await.unwrap()[&Status::Dead], 20);

    // 20 events, 3 minutes apart, from 03:04: one hour in 10 slices.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sturdy-inbox"))
        .args(["--sqlite", db.to_str().unwrap(), "replay-range"])
        .args([
            "--from",
            "2026-01-02T03:04:00Z",
            "--to",
            "2026-01-02T04:04:00Z",
        ])
        .args(["--status", "dead", "--slices", "10"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 10, "{err}");
    assert_eq!(lines[0], "replay-range: 1/10 slices, 2 event(s) replayed");
    assert_eq!(lines[9], "replay-range: 10/10 slices, 20 event(s) replayed");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "20 event(s) will be processed again\n"
    );
    let dead = inbox.counts().await.unwrap().get(&Status::Dead).copied();
    assert_eq!(dead.unwrap_or(0), 0);
}
