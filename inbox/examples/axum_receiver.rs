//! An axum endpoint that verifies, stores and answers 2xx in milliseconds, with a worker
//! processing events in the background.
//!
//! ```text
//! cargo run -p sturdy-inbox --example axum_receiver           # serve on 127.0.0.1:3000
//! cargo run -p sturdy-inbox --example axum_receiver -- demo   # serve on a free port, send itself
//!                                                             # signed deliveries, print timings
//! ```
//! Secrets come from `STRIPE_WEBHOOK_SECRET` and `GITHUB_WEBHOOK_SECRET` (test values by default).

use std::time::{Duration, Instant, SystemTime};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use sturdy_inbox::{HandlerError, Inbox, SqliteStore, StoredEvent};
use sturdy_runtime::webhooks::Verifier;

/// `POST /webhooks/{provider}`: verify over the raw bytes, store, answer. No handler runs here.
async fn receive(
    State(inbox): State<Inbox>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    match inbox.receive(&provider, &headers, &body).await {
        Ok(_) => StatusCode::OK, // stored, or a duplicate: both are success for the provider
        Err(e) if e.is_rejection() => {
            tracing::warn!(error = %e, "webhook refused");
            if matches!(e, sturdy_inbox::InboxError::UnknownProvider(_)) {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::UNAUTHORIZED
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "webhook not stored; the provider will retry");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    let demo = std::env::args().nth(1).as_deref() == Some("demo");
    let stripe_secret =
        std::env::var("STRIPE_WEBHOOK_SECRET").unwrap_or_else(|_| "whsec_example".into());
    let github_secret = std::env::var("GITHUB_WEBHOOK_SECRET").unwrap_or_else(|_| "example".into());

    let dir = tempfile::tempdir()?;
    let store = if demo {
        SqliteStore::open(dir.path().join("inbox.db"))?
    } else {
        SqliteStore::open("inbox.db")?
    };
    let inbox = Inbox::builder(store)
        .provider("stripe", Verifier::stripe([stripe_secret.clone()]).build()?)
        .provider("github", Verifier::github([github_secret]).build()?)
        .build();

    // The worker: in production, fetch the provider's latest state here (see the crate docs).
    let worker = inbox
        .worker(|event: StoredEvent| async move {
            tracing::info!(id = event.id, event_id = %event.event_id, event_type = ?event.event_type, "handling");
            Ok::<(), HandlerError>(())
        })
        .poll_interval(Duration::from_millis(50));
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let worker_task = tokio::spawn(async move {
        worker
            .run(async {
                let _ = stop_rx.await;
            })
            .await
    });

    let app = Router::new()
        .route("/webhooks/{provider}", post(receive))
        .with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind(if demo {
        "127.0.0.1:0"
    } else {
        "127.0.0.1:3000"
    })
    .await?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "listening");
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    if demo {
        let signer = Verifier::stripe([stripe_secret]).build()?;
        let http = reqwest::Client::new();
        let url = format!("http://{addr}/webhooks/stripe");
        for (i, tamper) in [(1, false), (1, false), (2, false), (3, true)] {
            let body = format!(r#"{{"id":"evt_{i}","type":"invoice.paid"}}"#);
            let headers = signer.sign("", SystemTime::now(), body.as_bytes())?;
            let body = if tamper {
                body.replace("paid", "void")
            } else {
                body
            };
            let started = Instant::now();
            let resp = http.post(&url).headers(headers).body(body).send().await?;
            println!(
                "evt_{i}{}: {} in {:.2} ms",
                if tamper { " (tampered)" } else { "" },
                resp.status(),
                started.elapsed().as_secs_f64() * 1e3
            );
        }
        // Let the worker drain, then report.
        for _ in 0..100 {
            if inbox.stats().applied >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let s = inbox.stats();
        println!(
            "received {} duplicates {} rejected {} applied {}; end-to-end p50 {:?}",
            s.received, s.duplicates, s.rejected, s.applied, s.end_to_end_p50
        );
        let _ = stop_tx.send(());
        worker_task.await??;
        server.abort();
        return Ok(());
    }
    tokio::signal::ctrl_c().await?;
    let _ = stop_tx.send(());
    worker_task.await??;
    server.abort();
    Ok(())
}
