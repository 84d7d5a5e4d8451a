//! An attempt raced against its timeout: `None` when the timeout came first.
//!
//! With an injected [`crate::time::Sleeper`] (a test's manual clock), its
//! [`crate::time::Sleeper::timer`] is polled before the attempt, every time: its deadline is
//! registered before a mock transport moves the clock, and at a tie the timeout wins.
//!
//! With the client's default time source (the real clock), tokio's timer is armed only when the
//! attempt is not done at its first poll, in place (no allocation), for the deadline counted
//! from before that poll; from then on it is polled first as well, so a tie still goes to the
//! timeout. An attempt answered at its first poll (a cache, an in-memory transport) arms no
//! timer at all, which spares the timer wheel's registration and, on a busy runtime, the
//! wake-up of its driver.

use std::future::Future;
use std::pin::{pin, Pin};
use std::task::Poll;
use std::time::Duration;

use futures::future::{select, Either};

/// Races `exchange` against `timer`, polling the timer first.
pub(super) async fn injected<F: Future>(
    timer: Pin<Box<dyn Future<Output = ()> + Send>>,
    exchange: Pin<&mut F>,
) -> Option<F::Output> {
    match select(timer, exchange).await {
        Either::Left(((), _)) => None,
        Either::Right((out, _)) => Some(out),
    }
}

/// Races `exchange` against tokio's timer for `timeout`, armed once the exchange is pending.
pub(super) async fn tokio<F: Future>(
    mut exchange: Pin<&mut F>,
    timeout: Duration,
) -> Option<F::Output> {
    if timeout.is_zero() {
        // Due before anything is sent, as a timer polled first would be.
        return None;
    }
    // `None` (a timeout past the end of time): never due.
    let deadline = tokio::time::Instant::now().checked_add(timeout);
    let mut timer = pin!(None::<tokio::time::Sleep>);
    std::future::poll_fn(|cx| {
        if let Some(t) = timer.as_mut().as_pin_mut() {
            if t.poll(cx).is_ready() {
                return Poll::Ready(None);
            }
        }
        if let Poll::Ready(out) = exchange.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        if let (None, Some(deadline)) = (timer.as_ref().as_pin_ref(), deadline) {
            timer.set(Some(tokio::time::sleep_until(deadline)));
            if let Some(t) = timer.as_mut().as_pin_mut() {
                if t.poll(cx).is_ready() {
                    return Poll::Ready(None);
                }
            }
        }
        Poll::Pending
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::{sleep, Instant};

    #[tokio::test(start_paused = true)]
    async fn the_timeout_fires_exactly_and_an_earlier_answer_wins() {
        let t = Instant::now();
        let out = tokio(pin!(sleep(Duration::from_secs(5))), Duration::from_secs(2)).await;
        assert_eq!((out, t.elapsed()), (None, Duration::from_secs(2)));

        let t = Instant::now();
        let answer = async {
            sleep(Duration::from_millis(1999)).await;
            7
        };
        let out = tokio(pin!(answer), Duration::from_secs(2)).await;
        assert_eq!((out, t.elapsed()), (Some(7), Duration::from_millis(1999)));
    }

    #[tokio::test(start_paused = true)]
    async fn at_a_tie_the_timeout_wins() {
        let out = tokio(pin!(sleep(Duration::from_secs(2))), Duration::from_secs(2)).await;
        assert_eq!(out, None);
        let timer = Box::pin(sleep(Duration::from_secs(2)));
        let exchange = pin!(sleep(Duration::from_secs(2)));
        assert_eq!(injected(timer, exchange).await, None);
    }

    #[tokio::test(start_paused = true)]
    async fn an_answer_at_the_first_poll_needs_no_timer() {
        assert_eq!(
            tokio(pin!(async { 3 }), Duration::from_secs(1)).await,
            Some(3)
        );
        // A zero timeout is due before the exchange is polled at all.
        assert_eq!(tokio(pin!(async { 3 }), Duration::ZERO).await, None);
        // A timeout past the end of time never fires.
        let t = Instant::now();
        let out = tokio(pin!(sleep(Duration::from_secs(9))), Duration::MAX).await;
        assert_eq!((out, t.elapsed()), (Some(()), Duration::from_secs(9)));
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_counts_from_before_the_first_poll() {
        // The first poll of the exchange takes (simulated) time: the timer is armed after
        // it, for what is left.
        let t = Instant::now();
        let slow_first_poll = async {
            tokio::time::advance(Duration::from_millis(1500)).await;
            sleep(Duration::from_secs(5)).await;
        };
        let out = tokio(pin!(slow_first_poll), Duration::from_secs(2)).await;
        assert_eq!((out, t.elapsed()), (None, Duration::from_secs(2)));
    }
}
