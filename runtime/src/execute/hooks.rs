//! The interceptors' hooks around a call and around each attempt ([`crate::intercept`]).

use crate::client::Client;
use crate::error::{Error, ErrorKind, Sent};

use super::{Attempt, CallCtx};

impl Client {
    /// Runs the interceptors' `before_call` hooks.
    pub(super) fn before_call(&self, ctx: &mut CallCtx<'_>) -> Result<(), Error> {
        let interceptors = &self.inner.interceptors;
        if interceptors.is_empty() {
            return Ok(());
        }
        let mut headers = Vec::new();
        interceptors.run("before_call", Sent::No, |i| {
            i.before_call(&mut crate::intercept::BeforeCall {
                request: ctx.request,
                idempotency_key: ctx.idempotency_key,
                correlation_id: ctx.correlation_id,
                headers: &mut headers,
            })
        })?;
        ctx.extra_headers = headers;
        Ok(())
    }

    /// Runs the interceptors' `after_attempt` hooks on an attempt's outcome.
    pub(super) fn after_attempt(
        &self,
        op: &'static crate::request::OperationMeta,
        attempt: u32,
        outcome: &Attempt,
    ) -> Result<(), Error> {
        let interceptors = &self.inner.interceptors;
        if interceptors.is_empty() {
            return Ok(());
        }
        let (status, headers, error, sent) = match outcome {
            Attempt::Done(raw) => (Some(raw.status), Some(&raw.headers), None, Sent::Yes),
            // An attempt an interceptor refused was not made.
            Attempt::Failed(e) if e.kind() == ErrorKind::Interceptor => return Ok(()),
            Attempt::Failed(e) => (e.status(), e.headers(), Some(e), e.sent()),
        };
        interceptors.run("after_attempt", sent, |i| {
            i.after_attempt(&crate::intercept::AfterAttempt {
                op,
                attempt,
                status,
                headers,
                error,
            })
        })
    }
}
