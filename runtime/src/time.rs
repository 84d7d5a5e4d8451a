//! Time, sleep and randomness, injected so tests are exact.
//!
//! Every rule in the runtime that depends on "now", on waiting, or on chance reads it from a
//! [`Clock`], a [`Sleeper`] or a [`Jitter`] held by the client. The defaults are the system
//! clock, `tokio::time::sleep` and a thread-local RNG; tests swap in `ManualClock` and
//! `FixedJitter` (feature `test-util`).

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
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;
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

    /// A clock that only moves when told to; its [`Sleeper`] advances it instead of waiting,
    /// and records every sleep so tests can assert exact delays.
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
                })),
            }
        }

        /// Moves time forward.
        pub fn advance(&self, by: Duration) {
            self.inner.lock().expect("clock lock").elapsed += by;
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
                s.elapsed += duration;
                s.sleeps.push(duration);
            }
            Box::pin(std::future::ready(()))
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
