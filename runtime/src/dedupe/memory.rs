//! An in-memory [`DedupeStore`]: one process, records lost when it exits (for tests, and for
//! deduplicating within one process's lifetime).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;

use futures::future::BoxFuture;
use futures::FutureExt;

use super::{
    Begin, DedupeEntry, DedupeStore, DedupeStoreError, Finish, InDoubtRecord, RecordedOutcome,
};

#[derive(Debug, Clone)]
struct Record {
    payload_hash: String,
    started_at: SystemTime,
    attempt: u64,
    outcome: Option<RecordedOutcome>,
}

type Records = HashMap<(String, String), Record>;

/// Records in a map behind a mutex.
#[derive(Debug, Default)]
pub struct MemoryDedupeStore {
    records: Mutex<Records>,
}

impl MemoryDedupeStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many keys have a record (pending or done).
    pub fn len(&self) -> usize {
        self.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// Whether no key has a record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Records>, DedupeStoreError> {
        self.records
            .lock()
            .map_err(|_| DedupeStoreError::new("dedupe store lock poisoned", None))
    }

    fn begin_now(&self, e: &DedupeEntry, resend: bool) -> Result<Begin, DedupeStoreError> {
        let mut map = self.lock()?;
        let id = (e.operation.clone(), e.key.clone());
        let Some(r) = map.get_mut(&id) else {
            map.insert(
                id,
                Record {
                    payload_hash: e.payload_hash.clone(),
                    started_at: e.at,
                    attempt: 1,
                    outcome: None,
                },
            );
            return Ok(Begin::Fresh(1));
        };
        if r.payload_hash != e.payload_hash {
            return Ok(Begin::Conflict);
        }
        if let Some(o) = &r.outcome {
            return Ok(Begin::Done(o.clone()));
        }
        if resend {
            r.attempt += 1;
            r.started_at = e.at;
            return Ok(Begin::Fresh(r.attempt));
        }
        Ok(Begin::InDoubt(InDoubtRecord {
            started_at: r.started_at,
            attempt: r.attempt,
        }))
    }

    fn finish_now(
        &self,
        e: &DedupeEntry,
        attempt: u64,
        how: Finish,
    ) -> Result<(), DedupeStoreError> {
        let mut map = self.lock()?;
        let id = (e.operation.clone(), e.key.clone());
        let pending = map
            .get(&id)
            .is_some_and(|r| r.outcome.is_none() && r.attempt == attempt);
        if !pending {
            return Ok(());
        }
        match how {
            Finish::Record(o) => {
                if let Some(r) = map.get_mut(&id) {
                    r.outcome = Some(o);
                }
            }
            Finish::Release => {
                map.remove(&id);
            }
        }
        Ok(())
    }
}

impl DedupeStore for MemoryDedupeStore {
    fn begin<'a>(
        &'a self,
        entry: &'a DedupeEntry,
        resend_in_doubt: bool,
    ) -> BoxFuture<'a, Result<Begin, DedupeStoreError>> {
        let r = self.begin_now(entry, resend_in_doubt);
        async move { r }.boxed()
    }

    fn finish<'a>(
        &'a self,
        entry: &'a DedupeEntry,
        attempt: u64,
        how: Finish,
    ) -> BoxFuture<'a, Result<(), DedupeStoreError>> {
        let r = self.finish_now(entry, attempt, how);
        async move { r }.boxed()
    }
}
