//! The counts by status over time: samples taken when a page is viewed.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use crate::Status;

/// Samples kept.
pub(crate) const KEEP: usize = 48;

/// Counts by status at some times, oldest first.
pub(crate) struct History {
    every: Duration,
    samples: Mutex<VecDeque<(SystemTime, BTreeMap<Status, u64>)>>,
}

impl History {
    pub(crate) fn new(every: Duration) -> Self {
        History {
            every,
            samples: Mutex::new(VecDeque::new()),
        }
    }

    /// Records `counts` at `now` unless the last sample is younger than the interval;
    /// returns the samples, oldest first.
    pub(crate) fn record(
        &self,
        now: SystemTime,
        counts: &BTreeMap<Status, u64>,
    ) -> Vec<(SystemTime, BTreeMap<Status, u64>)> {
        let mut s = self.samples.lock().unwrap_or_else(|p| p.into_inner());
        let due = s
            .back()
            .is_none_or(|(at, _)| now.duration_since(*at).unwrap_or_default() >= self.every);
        if due {
            if s.len() == KEEP {
                s.pop_front();
            }
            s.push_back((now, counts.clone()));
        }
        s.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn samples_are_spaced_and_capped() {
        let h = History::new(Duration::from_secs(60));
        let t = |s| UNIX_EPOCH + Duration::from_secs(s);
        let c = |n| BTreeMap::from([(Status::Dead, n)]);
        assert_eq!(h.record(t(0), &c(1)).len(), 1);
        assert_eq!(h.record(t(59), &c(2)).len(), 1, "too soon");
        let s = h.record(t(60), &c(3));
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].1[&Status::Dead], 3);
        for i in 2..100 {
            h.record(t(60 * i), &c(i));
        }
        let s = h.record(t(60 * 100), &c(0));
        assert_eq!(s.len(), KEEP);
        assert_eq!(s[0].0, t(60 * (100 - KEEP as u64 + 1)));
    }
}
