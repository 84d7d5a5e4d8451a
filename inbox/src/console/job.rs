//! The range replay the console runs in the background, and its progress for the page.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use serde::Serialize;

use super::view;
use crate::{Inbox, RangeProgress, Status};

/// What the page shows of the last range replay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct JobView {
    pub from: String,
    pub to: String,
    pub done: u32,
    pub total: u32,
    pub replayed: u64,
    pub running: bool,
    pub error: Option<String>,
}

/// At most one range replay at a time; the last one's progress stays for the page.
#[derive(Default)]
pub(crate) struct RangeJob {
    state: Arc<Mutex<Option<JobView>>>,
}

fn lock(m: &Mutex<Option<JobView>>) -> std::sync::MutexGuard<'_, Option<JobView>> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl RangeJob {
    /// The last range replay's progress, if one was started.
    pub(crate) fn view(&self) -> Option<JobView> {
        lock(&self.state).clone()
    }

    /// Starts replaying `[from, to)` in `slices` on a tokio task; false (and nothing
    /// started) when one is still running.
    pub(crate) fn start(
        &self,
        inbox: Inbox,
        (from, to): (SystemTime, SystemTime),
        status: Option<Status>,
        slices: u32,
    ) -> bool {
        {
            let mut s = lock(&self.state);
            if s.as_ref().is_some_and(|j| j.running) {
                return false;
            }
            *s = Some(JobView {
                from: view::time(from),
                to: view::time(to),
                running: true,
                ..JobView::default()
            });
        }
        let state = Arc::clone(&self.state);
        tokio::spawn(async move {
            let progress = |p: RangeProgress| {
                if let Some(j) = lock(&state).as_mut() {
                    (j.done, j.total, j.replayed) = (p.done, p.total, p.replayed);
                }
            };
            let result = inbox
                .replay_range_in_slices(from, to, status, slices, progress)
                .await;
            tracing::info!(ok = result.is_ok(), "console: range replay finished");
            if let Some(j) = lock(&state).as_mut() {
                j.running = false;
                if let Err(e) = result {
                    tracing::error!(error = %e, "console: range replay failed");
                    j.error = Some("the store failed; see the server log".to_owned());
                }
            }
        });
        true
    }
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[tokio::test]
    async fn one_range_replay_at_a_time_and_its_progress_stays() {
        let inbox = Inbox::builder(crate::SqliteStore::in_memory().unwrap()).build();
        let job = RangeJob::default();
        assert_eq!(job.view(), None);
        let range = (UNIX_EPOCH, UNIX_EPOCH + Duration::from_secs(3600));
        assert!(job.start(inbox.clone(), range, None, 4));
        // On this single-threaded runtime the task has not run yet.
        let running = job.view().unwrap();
        assert!(running.running);
        assert_eq!((running.done, running.total), (0, 0));
        assert_eq!(running.from, "1970-01-01 00:00:00 UTC");
        assert!(!job.start(inbox.clone(), range, None, 4), "one at a time");
        while job.view().unwrap().running {
            tokio::task::yield_now().await;
        }
        let done = job.view().unwrap();
        assert_eq!((done.done, done.total, done.replayed), (4, 4, 0));
        assert_eq!(done.error, None);
        assert!(job.start(inbox, range, None, 4), "a new one once finished");
    }
}
