//! Replaying a time range in slices, reporting progress after each one.

use std::time::{Duration, SystemTime};

use crate::{Inbox, InboxError, Status};

/// How far a sliced range replay has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RangeProgress {
    /// Slices replayed so far.
    pub done: u32,
    /// Slices in all.
    pub total: u32,
    /// Events reset so far.
    pub replayed: u64,
}

/// `[from, to)` cut into `n` consecutive half-open slices (at least one; fewer when the range
/// has fewer milliseconds), covering it exactly.
pub(crate) fn slices(from: SystemTime, to: SystemTime, n: u32) -> Vec<(SystemTime, SystemTime)> {
    let span = to.duration_since(from).unwrap_or_default();
    let ms = u64::try_from(span.as_millis()).unwrap_or(u64::MAX);
    let n = u64::from(n.max(1)).min(ms.max(1));
    (0..n)
        .map(|i| {
            let at = |k: u64| {
                from + Duration::from_millis(
                    ((u128::from(ms) * u128::from(k)) / u128::from(n)) as u64,
                )
            };
            (at(i), if i + 1 == n { to } else { at(i + 1) })
        })
        .collect()
}

impl Inbox {
    /// Like [`replay_range`](Self::replay_range), in `slices` consecutive time slices, calling
    /// `progress` after each, so a long replay can show how far it got. Returns how many
    /// events were reset; an empty or reversed range resets none.
    pub async fn replay_range_in_slices(
        &self,
        from: SystemTime,
        to: SystemTime,
        status: Option<Status>,
        slices: u32,
        mut progress: impl FnMut(RangeProgress) + Send,
    ) -> Result<u64, InboxError> {
        if from >= to {
            return Ok(0);
        }
        let parts = self::slices(from, to, slices);
        let total = u32::try_from(parts.len()).unwrap_or(u32::MAX);
        let mut replayed = 0;
        for (i, (a, b)) in parts.into_iter().enumerate() {
            replayed += self.replay_range(a, b, status).await?;
            progress(RangeProgress {
                done: u32::try_from(i + 1).unwrap_or(u32::MAX),
                total,
                replayed,
            });
        }
        Ok(replayed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn t(ms: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(ms)
    }

    #[test]
    fn slices_cover_the_range_exactly() {
        let s = slices(t(1_000), t(2_000), 3);
        assert_eq!(
            s,
            vec![
                (t(1_000), t(1_333)),
                (t(1_333), t(1_666)),
                (t(1_666), t(2_000))
            ]
        );
        assert_eq!(
            slices(t(0), t(2), 10).len(),
            2,
            "no slice under a millisecond"
        );
        assert_eq!(slices(t(5), t(5), 4), vec![(t(5), t(5))]);
        assert_eq!(slices(t(0), t(100), 0).len(), 1);
        assert_eq!(slices(t(9), t(5), 4).len(), 1, "reversed: one empty slice");
    }

    #[cfg(feature = "sqlite")]
    #[tokio::test]
    async fn sliced_replay_resets_what_one_replay_would_and_reports_each_slice() {
        use sturdy_runtime::time::ManualClock;
        use sturdy_runtime::webhooks::Verifier;
        let clock = ManualClock::new(t(1_767_323_040_000));
        let v = Verifier::stripe(["whsec_x"]).build().unwrap();
        let inbox = Inbox::builder(crate::SqliteStore::in_memory().unwrap())
            .provider("stripe", v.clone())
            .clock(std::sync::Arc::new(clock.clone()))
            .build();
        let start = sturdy_runtime::time::Clock::system_now(&clock);
        for n in 0..10 {
            let body = format!(r#"{{"id":"evt_{n}"}}"#);
            let now = sturdy_runtime::time::Clock::system_now(&clock);
            let h = v.sign(&format!("evt_{n}"), now, body.as_bytes()).unwrap();
            inbox.receive("stripe", &h, body.as_bytes()).await.unwrap();
            clock.advance(Duration::from_secs(60));
        }
        let end = sturdy_runtime::time::Clock::system_now(&clock);
        let mut seen = Vec::new();
        let n = inbox
            .replay_range_in_slices(start, end, None, 4, |p| seen.push(p))
            .await
            .unwrap();
        assert_eq!(n, 10);
        assert_eq!(seen.len(), 4);
        assert_eq!((seen[3].done, seen[3].total, seen[3].replayed), (4, 4, 10));
        assert!(seen.windows(2).all(|w| w[0].replayed <= w[1].replayed));
        // The same events as one replay of the whole range.
        assert_eq!(inbox.replay_range(start, end, None).await.unwrap(), 10);
        let none = inbox
            .replay_range_in_slices(end, start, None, 4, |_| panic!("no slice"))
            .await
            .unwrap();
        assert_eq!(none, 0);
    }
}
