//! In-process counters and latency percentiles, shared by an inbox and its workers.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// How many recent latency samples the percentiles are computed over.
pub const LATENCY_WINDOW: usize = 4096;

/// Live counters. Read them with [`Stats::snapshot`].
#[derive(Debug, Default)]
pub struct Stats {
    received: AtomicU64,
    duplicates: AtomicU64,
    rejected: AtomicU64,
    applied: AtomicU64,
    failed: AtomicU64,
    dead: AtomicU64,
    lost_leases: AtomicU64,
    end_to_end: Mutex<VecDeque<Duration>>,
    handler: Mutex<VecDeque<Duration>>,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatsSnapshot {
    /// Verified deliveries stored as new events.
    pub received: u64,
    /// Verified deliveries of an event already stored.
    pub duplicates: u64,
    /// Deliveries refused by verification.
    pub rejected: u64,
    /// Events whose handler succeeded.
    pub applied: u64,
    /// Handler failures that will be retried.
    pub failed: u64,
    /// Events moved to dead letters.
    pub dead: u64,
    /// Completions dropped because the lease had passed to another worker.
    pub lost_leases: u64,
    /// Received → applied, median over the last [`LATENCY_WINDOW`] events.
    pub end_to_end_p50: Option<Duration>,
    /// Received → applied, 95th percentile.
    pub end_to_end_p95: Option<Duration>,
    /// Handler run time, median.
    pub handler_p50: Option<Duration>,
    /// Handler run time, 95th percentile.
    pub handler_p95: Option<Duration>,
}

pub(crate) enum Counter {
    Received,
    Duplicate,
    Rejected,
    Applied,
    Failed,
    Dead,
    LostLease,
}

impl Stats {
    pub(crate) fn incr(&self, c: Counter) {
        let a = match c {
            Counter::Received => &self.received,
            Counter::Duplicate => &self.duplicates,
            Counter::Rejected => &self.rejected,
            Counter::Applied => &self.applied,
            Counter::Failed => &self.failed,
            Counter::Dead => &self.dead,
            Counter::LostLease => &self.lost_leases,
        };
        a.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn record(&self, end_to_end: Duration, handler: Duration) {
        for (q, v) in [(&self.end_to_end, end_to_end), (&self.handler, handler)] {
            if let Ok(mut q) = q.lock() {
                if q.len() == LATENCY_WINDOW {
                    q.pop_front();
                }
                q.push_back(v);
            }
        }
    }

    /// The counters and percentiles now.
    pub fn snapshot(&self) -> StatsSnapshot {
        let pct = |q: &Mutex<VecDeque<Duration>>| {
            let mut v: Vec<Duration> = q
                .lock()
                .map(|q| q.iter().copied().collect())
                .unwrap_or_default();
            v.sort_unstable();
            (percentile(&v, 50), percentile(&v, 95))
        };
        let (e50, e95) = pct(&self.end_to_end);
        let (h50, h95) = pct(&self.handler);
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        StatsSnapshot {
            received: get(&self.received),
            duplicates: get(&self.duplicates),
            rejected: get(&self.rejected),
            applied: get(&self.applied),
            failed: get(&self.failed),
            dead: get(&self.dead),
            lost_leases: get(&self.lost_leases),
            end_to_end_p50: e50,
            end_to_end_p95: e95,
            handler_p50: h50,
            handler_p95: h95,
        }
    }
}

/// The nearest-rank percentile of sorted samples.
fn percentile(sorted: &[Duration], p: usize) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&v, 50), Some(Duration::from_millis(50)));
        assert_eq!(percentile(&v, 95), Some(Duration::from_millis(95)));
        assert_eq!(percentile(&v[..1], 95), Some(Duration::from_millis(1)));
        assert_eq!(percentile(&[], 50), None);
    }

    #[test]
    fn window_keeps_the_latest() {
        let s = Stats::default();
        for i in 0..(LATENCY_WINDOW + 10) {
            s.record(Duration::from_millis(i as u64), Duration::ZERO);
        }
        let snap = s.snapshot();
        assert_eq!(
            snap.end_to_end_p50,
            Some(Duration::from_millis((10 + LATENCY_WINDOW / 2 - 1) as u64))
        );
    }
}
