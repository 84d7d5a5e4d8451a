//! The lease covers each handler: none starts on an expired lease, and a running batch keeps
//! its leases alive with a heartbeat.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use sturdy_inbox::{HandlerError, Inbox, RunReport, Status, StoredEvent};
use sturdy_runtime::time::{Clock, SystemClock};

use super::{delivery, n_of, Backend, Tally};

/// Stores `n` events from `provider` at the clock's now.
async fn receive_n(inbox: &Inbox, clock: &dyn Clock, n: usize) {
    for i in 0..n {
        let (h, body) = delivery("github", i, clock.system_now());
        inbox.receive("github", &h, &body).await.unwrap();
    }
}

/// Why `event` must not be handled now by `worker`, read from the store, if any.
async fn lease_problem(
    checker: &Inbox,
    event: &StoredEvent,
    worker: &str,
    now: SystemTime,
) -> Option<String> {
    let current = checker.get(event.id).await.unwrap().unwrap();
    let live = current.lease_until.is_some_and(|until| until > now);
    let mine = current.claimed_by.as_deref() == Some(worker);
    if current.status == Status::Processing && live && mine {
        None
    } else {
        Some(format!(
            "event {} started by {worker} with status {}, lease until {:?} (now {now:?}), claimed by {:?}",
            n_of(event),
            current.status,
            current.lease_until,
            current.claimed_by
        ))
    }
}

/// 16 events, 150 ms handlers, a 1 s lease, two workers each claiming batches of 16 on its
/// own connection, on the real clock: every handler runs once, each starts while its worker
/// holds a live lease, and none is dead-lettered.
pub async fn slow_handlers_short_lease_two_workers(backend: &Backend) {
    let n = 16;
    let inbox = backend.inbox(Arc::new(SystemClock)).await;
    receive_n(&inbox, &SystemClock, n).await;
    let checker = backend.inbox(Arc::new(SystemClock)).await;
    let tally = Tally::new(n);
    let problems = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut tasks = Vec::new();
    for w in 0..2 {
        let watch = checker.clone();
        let name = format!("slow-w{w}");
        let (tally, problems, checker, me) = (
            tally.clone(),
            problems.clone(),
            checker.clone(),
            name.clone(),
        );
        let handler = move |e: StoredEvent| {
            let (tally, problems, checker, me) =
                (tally.clone(), problems.clone(), checker.clone(), me.clone());
            async move {
                if let Some(p) = lease_problem(&checker, &e, &me, SystemTime::now()).await {
                    problems.lock().unwrap().push(p);
                }
                tally.hit(&e);
                tokio::time::sleep(Duration::from_millis(150)).await;
                Ok::<(), HandlerError>(())
            }
        };
        let worker = backend
            .own_connection(
                inbox
                    .worker(handler)
                    .name(name)
                    .lease(Duration::from_secs(1)),
            )
            .await;
        tasks.push(tokio::spawn(async move {
            let mut total = RunReport::default();
            let started = Instant::now();
            // Until every event is applied (the deadline only stops a broken run hanging).
            while watch.counts().await.unwrap()[&Status::Applied] < n as u64 {
                assert!(
                    started.elapsed() < Duration::from_secs(120),
                    "never finished"
                );
                let r = worker.run_once().await.unwrap();
                if r.claimed == 0 {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                total.claimed += r.claimed;
                total.applied += r.applied;
                total.dead += r.dead;
                total.skipped += r.skipped;
                total.lost += r.lost;
            }
            total
        }));
    }
    let mut reports = Vec::new();
    for t in tasks {
        reports.push(t.await.unwrap());
    }
    eprintln!("per worker: {reports:?}");
    assert_eq!(*problems.lock().unwrap(), Vec::<String>::new());
    tally.all_exactly_once().unwrap();
    let counts = checker.counts().await.unwrap();
    assert_eq!(
        (counts[&Status::Applied], counts[&Status::Dead]),
        (n as u64, 0)
    );
    assert_eq!(reports.iter().map(|r| r.applied).sum::<usize>(), n);
    assert_eq!(reports.iter().map(|r| r.lost + r.dead).sum::<usize>(), 0);
    backend.cleanup().await;
}

/// A handler that outlives the lease of the next event in its batch (the clock jumps past
/// it, no heartbeat got to run): the next handler is not started; the event is given back
/// without counting the attempt, and another worker applies it once.
pub async fn handler_never_starts_on_expired_lease(backend: &Backend) {
    let clock = super::manual_clock();
    let inbox = backend.inbox(Arc::new(clock.clone())).await;
    receive_n(&inbox, &clock, 2).await;
    let tally = Tally::new(2);
    let (t, c) = (tally.clone(), clock.clone());
    let worker = inbox
        .worker(move |e: StoredEvent| {
            t.hit(&e);
            if n_of(&e) == 0 {
                c.advance(Duration::from_secs(11)); // past the 10 s lease
            }
            async { Ok::<(), HandlerError>(()) }
        })
        .lease(Duration::from_secs(10));
    let r = worker.run_once().await.unwrap();
    assert_eq!((r.claimed, r.applied, r.skipped), (2, 1, 1), "{r:?}");
    assert_eq!((tally.get(0), tally.get(1)), (1, 0));
    let second = inbox.find("github", "evt_1").await.unwrap().unwrap();
    assert_eq!((second.status, second.attempts), (Status::Processing, 0));

    let other = inbox.worker(super::counting(&tally)).name("other");
    let r = other.run_once().await.unwrap();
    assert_eq!((r.claimed, r.applied), (1, 1), "{r:?}");
    assert_eq!((tally.get(0), tally.get(1)), (1, 1));
    let second = inbox.find("github", "evt_1").await.unwrap().unwrap();
    assert_eq!((second.status, second.attempts), (Status::Applied, 1));
    backend.cleanup().await;
}

/// A handler that runs for twice the lease: the heartbeat (on the injected sleeper, which
/// advances the manual clock) keeps the batch's leases alive, so the next event's handler
/// still starts on a live lease, and nothing is taken over.
pub async fn heartbeat_keeps_a_long_batch_leased(backend: &Backend) {
    let clock = super::manual_clock();
    let t0 = clock.system_now();
    let inbox = backend.inbox(Arc::new(clock.clone())).await;
    receive_n(&inbox, &clock, 2).await;
    let checker = backend.inbox(Arc::new(clock.clone())).await;
    let problems = Arc::new(Mutex::new(Vec::<String>::new()));
    let (c, p, ch) = (clock.clone(), problems.clone(), checker.clone());
    let worker = inbox
        .worker(move |e: StoredEvent| {
            let (c, p, ch) = (c.clone(), p.clone(), ch.clone());
            async move {
                if let Some(problem) = lease_problem(&ch, &e, "hb", c.system_now()).await {
                    p.lock().unwrap().push(problem);
                }
                if n_of(&e) == 0 {
                    // Only the heartbeat's sleeps move this clock: wait for 20 s of them.
                    let started = Instant::now();
                    while c.system_now() < t0 + Duration::from_secs(20) {
                        if started.elapsed() > Duration::from_secs(30) {
                            return Err(HandlerError::from("no heartbeat moved the clock"));
                        }
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                }
                Ok::<(), HandlerError>(())
            }
        })
        .name("hb")
        .lease(Duration::from_secs(9))
        .sleeper(Arc::new(clock.clone()));
    let r = worker.run_once().await.unwrap();
    assert_eq!(
        (r.claimed, r.applied, r.skipped, r.lost),
        (2, 2, 0, 0),
        "{r:?}"
    );
    assert_eq!(*problems.lock().unwrap(), Vec::<String>::new());
    assert!(clock.sleeps().iter().all(|d| *d == Duration::from_secs(3)));
    for id in ["evt_0", "evt_1"] {
        let e = inbox.find("github", id).await.unwrap().unwrap();
        assert_eq!((e.status, e.attempts), (Status::Applied, 1));
    }
    assert!(inbox.find("github", "evt_9").await.unwrap().is_none());
    backend.cleanup().await;
}
