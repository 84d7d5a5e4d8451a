//! Time, sleep and randomness, injected so tests are exact.
//!
//! Every rule in the runtime that depends on "now", on waiting, or on chance reads it from a
//! [`Clock`], a [`Sleeper`] or a [`Jitter`] held by the client. The defaults are the system
//! clock, `tokio::time::sleep` and a thread-local RNG; tests swap in `ManualClock` and
//! `FixedJitter` (feature `test-util`).
//!
//! The runtime waits through [`Sleeper::sleep`] (backoff, `Retry-After`, rate-limit holds)
//! and, with a time source set by [`crate::ClientBuilder::time_source`], bounds each attempt
//! with [`Sleeper::timer`] (the attempt timeout and the call's deadline). With the default
//! time source the attempt timeout is tokio's timer itself, armed only once an attempt is
//! pending (no allocation, and none at all for an attempt answered at its first poll).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// A source of "now", both monotonic (for deadlines) and wall-clock (for HTTP dates, token
/// expiry and webhook timestamps).
pub trait Clock: Send + Sync + 'static {
    /// Monotonic time, for deadlines and rate limits.
    fn now(&self) -> Instant;
    /// Wall-clock time.
    fn system_now(&self) -> SystemTime;
}

/// Waits for a duration. The default is `tokio::time::sleep`.
pub trait Sleeper: Send + Sync + 'static {
    /// A wait the runtime chose (backoff, `Retry-After`, a rate-limit hold): a future that
    /// completes after `duration`.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;

    /// A timer raced against an attempt in flight (the attempt timeout, the call's
    /// deadline) of a client given this sleeper with [`crate::ClientBuilder::time_source`]:
    /// when it completes first, the attempt is dropped and fails with
    /// [`crate::ErrorKind::Timeout`]. The default is [`Sleeper::sleep`].
    fn timer(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        self.sleep(duration)
    }
}

/// Chooses a random fraction in `[0, 1)` for backoff jitter.
pub trait Jitter: Send + Sync + 'static {
    /// A value in `[0.0, 1.0)`.
    fn fraction(&self) -> f64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
    fn system_now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// `tokio::time::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Uniform jitter from the thread-local RNG.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomJitter;

impl Jitter for RandomJitter {
    fn fraction(&self) -> f64 {
        rand::random::<f64>()
    }
}

/// The three seams together, shared by a client and its clones.
#[derive(Clone)]
pub struct TimeSource {
    /// Now.
    pub clock: Arc<dyn Clock>,
    /// Waiting.
    pub sleeper: Arc<dyn Sleeper>,
    /// Chance.
    pub jitter: Arc<dyn Jitter>,
}

impl Default for TimeSource {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            sleeper: Arc::new(TokioSleeper),
            jitter: Arc::new(RandomJitter),
        }
    }
}

impl fmt::Debug for TimeSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimeSource").finish_non_exhaustive()
    }
}

#[cfg(any(test, feature = "test-util"))]
pub use manual::{FixedJitter, ManualClock};

#[cfg(any(test, feature = "test-util"))]
mod manual {
    use super::*;
    use std::sync::Mutex;
    use std::task::{Context, Poll, Waker};

    /// A clock that only moves when told to; its [`Sleeper`] advances it instead of waiting,
    /// and records every sleep so tests can assert exact delays.
    ///
    /// Its [`Sleeper::timer`] (the attempt timeout) fires when the clock reaches the timer's
    /// deadline: through [`ManualClock::advance`], a sleep, or a scripted delay of a
    /// [`crate::transport::MockTransport`] that shares the clock. So that a test against a
    /// real socket still ends, it also fires after the same duration of real time, and then
    /// moves the clock to its deadline. Timers are not recorded in [`ManualClock::sleeps`].
    #[derive(Debug, Clone)]
    pub struct ManualClock {
        inner: Arc<Mutex<ManualState>>,
    }

    #[derive(Debug)]
    struct ManualState {
        base: Instant,
        system_base: SystemTime,
        elapsed: Duration,
        sleeps: Vec<Duration>,
        /// Pending timers: their deadline and who to wake.
        timers: Vec<(Instant, Waker)>,
    }

    impl ManualState {
        /// Moves the clock to `elapsed` (never back) and wakes the timers now due.
        fn move_to(&mut self, elapsed: Duration) {
            self.elapsed = self.elapsed.max(elapsed);
            let now = self.base + self.elapsed;
            let (due, pending): (Vec<_>, Vec<_>) = std::mem::take(&mut self.timers)
                .into_iter()
                .partition(|(d, _)| *d <= now);
            self.timers = pending;
            for (_, waker) in due {
                waker.wake();
            }
        }
    }

    impl ManualClock {
        /// A clock whose wall time starts at `system_start`.
        pub fn new(system_start: SystemTime) -> Self {
            Self {
                inner: Arc::new(Mutex::new(ManualState {
                    base: Instant::now(),
                    system_base: system_start,
                    elapsed: Duration::ZERO,
                    sleeps: Vec::new(),
                    timers: Vec::new(),
                })),
            }
        }

        /// Moves time forward.
        pub fn advance(&self, by: Duration) {
            let mut s = self.inner.lock().expect("clock lock");
            let to = s.elapsed + by;
            s.move_to(to);
        }

        /// Moves time forward toward `target`, stopping at the first pending timer deadline
        /// on the way (so the earliest of a timer and `target` is reached first).
        pub(crate) fn advance_toward(&self, target: Instant) {
            let mut s = self.inner.lock().expect("clock lock");
            let now = s.base + s.elapsed;
            let next = s
                .timers
                .iter()
                .map(|(d, _)| *d)
                .filter(|d| *d > now)
                .fold(target, Instant::min);
            let to = next.saturating_duration_since(s.base);
            s.move_to(to);
        }

        /// Every duration slept through this clock's sleeper, in order.
        pub fn sleeps(&self) -> Vec<Duration> {
            self.inner.lock().expect("clock lock").sleeps.clone()
        }

        /// A [`TimeSource`] that uses this clock for both now and sleep, with the given jitter.
        pub fn time_source(&self, jitter: f64) -> TimeSource {
            TimeSource {
                clock: Arc::new(self.clone()),
                sleeper: Arc::new(self.clone()),
                jitter: Arc::new(FixedJitter(jitter)),
            }
        }
    }

    impl Clock for ManualClock {
        fn now(&self) -> Instant {
            let s = self.inner.lock().expect("clock lock");
            s.base + s.elapsed
        }
        fn system_now(&self) -> SystemTime {
            let s = self.inner.lock().expect("clock lock");
            s.system_base + s.elapsed
        }
    }

    impl Sleeper for ManualClock {
        fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
            {
                let mut s = self.inner.lock().expect("clock lock");
                let to = s.elapsed + duration;
                s.move_to(to);
                s.sleeps.push(duration);
            }
            Box::pin(std::future::ready(()))
        }

        fn timer(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
            Box::pin(ManualTimer {
                clock: self.clone(),
                deadline: self.now() + duration,
                real: Box::pin(tokio::time::sleep(duration)),
            })
        }
    }

    /// A [`ManualClock`] timer: due at `deadline` in manual time, or after the same real time.
    struct ManualTimer {
        clock: ManualClock,
        deadline: Instant,
        real: Pin<Box<tokio::time::Sleep>>,
    }

    impl Future for ManualTimer {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            let real_done = self.real.as_mut().poll(cx).is_ready();
            let mut s = self.clock.inner.lock().expect("clock lock");
            if s.base + s.elapsed >= self.deadline {
                return Poll::Ready(());
            }
            if real_done {
                let to = self.deadline.saturating_duration_since(s.base);
                s.move_to(to);
                return Poll::Ready(());
            }
            s.timers.push((self.deadline, cx.waker().clone()));
            Poll::Pending
        }
    }

    /// Jitter pinned to one value.
    #[derive(Debug, Clone, Copy)]
    pub struct FixedJitter(pub f64);

    impl Jitter for FixedJitter {
        fn fraction(&self) -> f64 {
            self.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn poll_once(f: &mut Pin<Box<dyn Future<Output = ()> + Send>>) -> bool {
        let waker = futures::task::noop_waker();
        let mut cx = std::task::Context::from_waker(&waker);
        f.as_mut().poll(&mut cx).is_ready()
    }

    #[tokio::test]
    async fn a_manual_timer_fires_when_the_clock_reaches_it_and_is_not_a_sleep() {
        let clock = ManualClock::new(UNIX_EPOCH);
        let start = clock.now();
        let mut timer = clock.timer(Duration::from_secs(2));
        assert!(!poll_once(&mut timer));
        clock.advance(Duration::from_millis(1999));
        assert!(!poll_once(&mut timer));
        clock.advance(Duration::from_millis(1));
        assert!(poll_once(&mut timer));
        assert!(clock.sleeps().is_empty(), "a timer is not a wait");
        assert_eq!(clock.now() - start, Duration::from_secs(2));
    }

    #[tokio::test]
    async fn advancing_toward_a_target_stops_at_an_earlier_timer() {
        let clock = ManualClock::new(UNIX_EPOCH);
        let start = clock.now();
        let mut timer = clock.timer(Duration::from_secs(1));
        assert!(!poll_once(&mut timer), "registers its deadline");
        clock.advance_toward(start + Duration::from_secs(5));
        assert_eq!(clock.now() - start, Duration::from_secs(1));
        assert!(poll_once(&mut timer));
        clock.advance_toward(start + Duration::from_secs(5));
        assert_eq!(clock.now() - start, Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn a_manual_timer_also_fires_after_real_time_and_moves_the_clock() {
        let clock = ManualClock::new(UNIX_EPOCH);
        let start = clock.now();
        clock.timer(Duration::from_millis(300)).await;
        assert_eq!(clock.now() - start, Duration::from_millis(300));
    }
}
