//! The inbox's error type.

use sturdy_runtime::webhooks::WebhookError;

/// Why an inbox operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InboxError {
    /// `receive` was called with a provider name that was not registered on the builder.
    #[error("unknown webhook provider `{0}`; register it with InboxBuilder::provider")]
    UnknownProvider(String),
    /// The delivery failed verification (answer 401/400; nothing was stored).
    #[error("webhook from `{provider}` rejected: {source}")]
    Rejected {
        /// The provider name.
        provider: String,
        /// Why.
        #[source]
        source: WebhookError,
    },
    /// The SQLite store failed.
    #[cfg(feature = "sqlite")]
    #[error("sqlite inbox store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The PostgreSQL store failed.
    #[cfg(feature = "postgres")]
    #[error("postgres inbox store: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// A store value could not be read back (a row written by something else).
    #[error("inbox store holds an unreadable value: {0}")]
    Corrupt(String),
    /// The store's configuration is invalid (for example a table name that is not a plain
    /// identifier).
    #[error("inbox configuration: {0}")]
    Config(String),
    /// A blocking store task was cancelled or panicked.
    #[error("inbox store task failed: {0}")]
    Task(String),
}

impl InboxError {
    /// Whether this is a verification failure (the sender's fault: answer 4xx), as opposed
    /// to a failure on this side (answer 5xx so the provider retries).
    pub fn is_rejection(&self) -> bool {
        matches!(
            self,
            InboxError::Rejected { .. } | InboxError::UnknownProvider(_)
        )
    }
}
