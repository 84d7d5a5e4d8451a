//! An upload carried by a [`super::Binary`] through [`crate::Request::multipart`], which
//! turns a model into parts by way of JSON: the model's JSON holds a marker with a number,
//! and the number finds the upload again while the model is alive (the registry holds no
//! strong reference, so an upload is never kept beyond its `Binary`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use crate::UploadBody;

static NEXT: AtomicU64 = AtomicU64::new(1);
static LIVE: Mutex<Vec<(u64, Weak<UploadBody>)>> = Mutex::new(Vec::new());

/// An upload attached to a `Binary`, findable by its number.
#[derive(Clone)]
pub(crate) struct Attached {
    pub(crate) id: u64,
    pub(crate) body: Arc<UploadBody>,
}

impl Attached {
    pub(crate) fn new(body: UploadBody) -> Self {
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        let body = Arc::new(body);
        let mut live = LIVE.lock().unwrap_or_else(|p| p.into_inner());
        live.retain(|(_, w)| w.strong_count() > 0);
        live.push((id, Arc::downgrade(&body)));
        Self { id, body }
    }
}

impl PartialEq for Attached {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.body, &other.body)
    }
}

impl Eq for Attached {}

/// The upload numbered `id`, if its `Binary` is still alive.
pub(crate) fn find(id: u64) -> Option<UploadBody> {
    let live = LIVE.lock().unwrap_or_else(|p| p.into_inner());
    live.iter()
        .find(|(i, _)| *i == id)
        .and_then(|(_, w)| w.upgrade())
        .map(|b| (*b).clone())
}
