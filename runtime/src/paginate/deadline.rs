//! The timeouts of a paginated call: per attempt, per page, and for the whole stream.

use std::time::Duration;

use super::{Paginated, State};
use crate::error::{Error, ErrorKind, Sent};
use crate::request::RequestOptions;

impl<P, I, E> Paginated<P, I, E> {
    /// The bound of each single attempt of every page request.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.options = self.options.attempt_timeout(timeout);
        self
    }

    /// The deadline of a whole stream from [`Paginated::pages`] or [`Paginated::items`]: every
    /// page, attempt and wait included, counted from the first page request. A page request
    /// is cut short when the stream's deadline comes first; once it has passed, the stream
    /// ends with a [`ErrorKind::Timeout`] error instead of requesting the next page.
    pub fn stream_timeout(mut self, timeout: Duration) -> Self {
        self.stream_timeout = Some(timeout);
        self
    }
}

/// The options of the next page request: the page's own deadline, capped by what is left of
/// the stream's. `Err` when the stream's deadline has passed (nothing is sent then).
pub(super) fn page_options<E>(state: &mut State<E>) -> Result<RequestOptions, Error<E>> {
    let Some(total) = state.stream_timeout else {
        return Ok(state.options.clone());
    };
    let now = state.client.inner.time.clock.now();
    let deadline = *state.stream_deadline.get_or_insert(now + total);
    let left = deadline.saturating_duration_since(now);
    if left.is_zero() {
        let mut e = Error::new(
            ErrorKind::Timeout,
            format!(
                "the stream's deadline of {:.3}s passed before the next page",
                total.as_secs_f64()
            ),
        );
        let i = e.inner_mut();
        i.sent = Some(Sent::No);
        i.retryable = true;
        i.operation_id = state.request.op.id;
        i.method = state.request.op.method.as_str();
        return Err(e);
    }
    let page = state
        .options
        .timeout
        .or(state.client.inner.timeouts.total)
        .map_or(left, |p| p.min(left));
    Ok(state.options.clone().timeout(page))
}
