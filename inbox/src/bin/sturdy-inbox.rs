//! `sturdy-inbox`: inspect and replay a webhook inbox's events (dead letters above all).
//!
//! ```text
//! sturdy-inbox --sqlite inbox.db counts
//! sturdy-inbox --sqlite inbox.db list --status dead --limit 20
//! sturdy-inbox --sqlite inbox.db show 42 --body
//! sturdy-inbox --sqlite inbox.db find stripe evt_1NqR2x --body
//! sturdy-inbox --sqlite inbox.db replay 42
//! sturdy-inbox --postgres postgres://me@127.0.0.1/app replay-range --from 2026-01-01T00:00:00Z --to 2026-01-02T00:00:00Z --status dead
//! STURDY_CONSOLE_TOKEN=... sturdy-inbox --sqlite inbox.db serve --listen 127.0.0.1:8025
//! ```
//!
//! `serve` (built with the `console` feature) runs the operator console
//! ([`sturdy_inbox::console`]) on its own; the operator token comes from the environment
//! variable `STURDY_CONSOLE_TOKEN`, never from the command line.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::SystemTime;

use clap::{Parser, Subcommand};
use sturdy_inbox::{Inbox, InboxError, ListQuery, RangeProgress, Status, StoredEvent};

#[derive(Parser, Debug)]
#[command(
    name = "sturdy-inbox",
    version,
    about = "Inspect and replay webhook inbox events"
)]
struct Cli {
    /// SQLite database file.
    #[arg(
        long,
        conflicts_with = "postgres",
        required_unless_present = "postgres"
    )]
    sqlite: Option<std::path::PathBuf>,
    /// PostgreSQL URL (needs the `postgres` feature).
    #[arg(long)]
    postgres: Option<String>,
    /// Table name.
    #[arg(long, default_value = sturdy_inbox::store::DEFAULT_TABLE)]
    table: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// How many events are in each status.
    Counts,
    /// Lists events, newest first.
    List {
        /// Only this status (received, processing, applied, failed, dead).
        #[arg(long)]
        status: Option<Status>,
        /// Only this provider.
        #[arg(long)]
        provider: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Shows one event.
    Show {
        /// The inbox id.
        id: i64,
        /// Also print the headers and the body.
        #[arg(long)]
        body: bool,
    },
    /// Shows the event a provider delivered with this event id.
    Find {
        /// The provider name the receiver registered (for example `stripe`).
        provider: String,
        /// The provider's event id (`webhook-id`, Stripe's `id`, `X-GitHub-Delivery`, or
        /// `sha256:<hex>`).
        event_id: String,
        /// Also print the headers and the body.
        #[arg(long)]
        body: bool,
    },
    /// Makes one event due again (attempts reset).
    Replay {
        /// The inbox id.
        id: i64,
    },
    /// Replays every event received in [from, to).
    ReplayRange {
        /// Start (RFC 3339), inclusive.
        #[arg(long)]
        from: chrono::DateTime<chrono::Utc>,
        /// End (RFC 3339), exclusive.
        #[arg(long)]
        to: chrono::DateTime<chrono::Utc>,
        /// Only this status.
        #[arg(long)]
        status: Option<Status>,
        /// Replays the range in this many time slices, showing progress after each (a
        /// progress bar on a terminal, a line per tenth otherwise).
        #[arg(long, default_value_t = 100)]
        slices: u32,
    },
    /// Serves the operator console (token from `STURDY_CONSOLE_TOKEN`).
    #[cfg(feature = "console")]
    Serve {
        /// Address to listen on; port 0 picks a free one (the URL is printed).
        #[arg(long, default_value = "127.0.0.1:8025")]
        listen: std::net::SocketAddr,
        /// Show everything, replay nothing.
        #[arg(long)]
        read_only: bool,
    },
}

/// The `serve` subcommand: the console on `listen` until the process is stopped.
#[cfg(feature = "console")]
async fn serve(
    inbox: Inbox,
    listen: std::net::SocketAddr,
    read_only: bool,
) -> Result<(), InboxError> {
    let token = std::env::var("STURDY_CONSOLE_TOKEN").unwrap_or_default();
    if token.len() < 16 {
        return Err(InboxError::Config(
            "set STURDY_CONSOLE_TOKEN to an operator token of at least 16 characters".into(),
        ));
    }
    let console = sturdy_inbox::console::Console::with_token(inbox, token).read_only(read_only);
    let io = |e: std::io::Error| InboxError::Config(format!("cannot serve on {listen}: {e}"));
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(io)?;
    let addr = listener.local_addr().map_err(io)?;
    println!("sturdy-inbox console on http://{addr}/");
    axum::serve(listener, console.router()).await.map_err(io)
}

/// Progress of a long command: an indicatif bar on a terminal, else a plain line at each
/// tenth (and the last step), on stderr.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    last_tenth: u64,
}

impl Progress {
    fn new(terminal: bool) -> Self {
        let bar = terminal.then(|| {
            let bar = indicatif::ProgressBar::new(0);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} slices, {msg} replayed, {elapsed}",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Progress { bar, last_tenth: 0 }
    }

    fn step(&mut self, p: RangeProgress) {
        match &self.bar {
            Some(bar) => {
                bar.set_length(u64::from(p.total));
                bar.set_position(u64::from(p.done));
                bar.set_message(p.replayed.to_string());
            }
            None => {
                if let Some(line) = plain_line(&mut self.last_tenth, p.done, p.total, p.replayed) {
                    eprintln!("{line}");
                }
            }
        }
    }

    fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish();
        }
    }
}

/// The plain line for slice `done` of `total`, if it reaches a new tenth of the work or
/// ends it.
fn plain_line(last_tenth: &mut u64, done: u32, total: u32, replayed: u64) -> Option<String> {
    let tenth = u64::from(done) * 10 / u64::from(total.max(1));
    if tenth == *last_tenth && done != total {
        return None;
    }
    *last_tenth = tenth;
    Some(format!(
        "replay-range: {done}/{total} slices, {replayed} event(s) replayed"
    ))
}

fn time(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn line(e: &StoredEvent) -> String {
    format!(
        "{:>8}  {:<10}  {:<8} {:>3}  {}  {}  {}  {}",
        e.id,
        e.status,
        e.provider,
        e.attempts,
        time(e.received_at),
        e.event_id,
        e.event_type.as_deref().unwrap_or("-"),
        e.last_error.as_deref().unwrap_or("")
    )
}

fn show(e: &StoredEvent, body: bool) {
    println!("id:              {}", e.id);
    println!("provider:        {}", e.provider);
    println!("event_id:        {}", e.event_id);
    println!(
        "event_type:      {}",
        e.event_type.as_deref().unwrap_or("-")
    );
    println!("status:          {}", e.status);
    println!("attempts:        {}", e.attempts);
    println!("received_at:     {}", time(e.received_at));
    println!("next_attempt_at: {}", time(e.next_attempt_at));
    println!(
        "applied_at:      {}",
        e.applied_at.map(time).unwrap_or_else(|| "-".into())
    );
    println!(
        "last_error:      {}",
        e.last_error.as_deref().unwrap_or("-")
    );
    if body {
        for (k, v) in &e.headers {
            println!("header: {k}: {v}");
        }
        println!("{}", String::from_utf8_lossy(&e.body));
    }
}

async fn open(cli: &Cli) -> Result<Inbox, InboxError> {
    if let Some(path) = &cli.sqlite {
        return Ok(
            Inbox::builder(sturdy_inbox::SqliteStore::open_table(path, &cli.table)?).build(),
        );
    }
    #[cfg(feature = "postgres")]
    if let Some(url) = &cli.postgres {
        return Ok(Inbox::builder(
            sturdy_inbox::PostgresStore::connect_table(url, &cli.table).await?,
        )
        .build());
    }
    Err(InboxError::Config(
        "--postgres needs sturdy-inbox built with the `postgres` feature; or pass --sqlite FILE"
            .into(),
    ))
}

async fn run(cli: Cli) -> Result<(), InboxError> {
    let inbox = open(&cli).await?;
    match cli.command {
        Command::Counts => {
            for (status, n) in inbox.counts().await? {
                println!("{status:<10} {n}");
            }
        }
        Command::List {
            status,
            provider,
            limit,
        } => {
            let mut q = ListQuery::new(limit);
            q.status = status;
            q.provider = provider;
            println!(
                "{:>8}  {:<10}  {:<8} {:>3}  {:<24}  event_id  type  last_error",
                "id", "status", "provider", "try", "received_at"
            );
            for e in inbox.list(q).await? {
                println!("{}", line(&e));
            }
        }
        Command::Show { id, body } => match inbox.get(id).await? {
            None => return Err(InboxError::Config(format!("no event with id {id}"))),
            Some(e) => show(&e, body),
        },
        Command::Find {
            provider,
            event_id,
            body,
        } => match inbox.find(&provider, &event_id).await? {
            None => {
                return Err(InboxError::Config(format!(
                    "no event `{event_id}` from `{provider}`"
                )))
            }
            Some(e) => show(&e, body),
        },
        Command::Replay { id } => {
            if inbox.replay(id).await? {
                println!("event {id} will be processed again");
            } else {
                return Err(InboxError::Config(format!(
                    "event {id} was not replayed: it does not exist or a worker holds it under a live lease"
                )));
            }
        }
        Command::ReplayRange {
            from,
            to,
            status,
            slices,
        } => {
            let mut report = Progress::new(std::io::stderr().is_terminal());
            let n = inbox
                .replay_range_in_slices(from.into(), to.into(), status, slices, |p| report.step(p))
                .await?;
            report.finish();
            println!("{n} event(s) will be processed again");
        }
        #[cfg(feature = "console")]
        Command::Serve { listen, read_only } => serve(inbox, listen, read_only).await?,
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::plain_line;

    #[test]
    fn plain_progress_prints_each_tenth_and_the_end() {
        let mut last = 0;
        let lines: Vec<String> = (1..=25)
            .filter_map(|done| plain_line(&mut last, done, 25, u64::from(done) * 2))
            .collect();
        assert_eq!(lines.len(), 10, "{lines:?}");
        assert_eq!(lines[0], "replay-range: 3/25 slices, 6 event(s) replayed");
        assert_eq!(lines[9], "replay-range: 25/25 slices, 50 event(s) replayed");
        let mut last = 0;
        assert!(plain_line(&mut last, 1, 1, 0).is_some());
        assert!(
            plain_line(&mut 0, 0, 0, 0).is_some(),
            "no slices: no division by zero"
        );
    }
}
