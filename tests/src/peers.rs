//! Third-party peers started for a test and stopped when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::workspace_root;

/// A child process killed (and reaped) on drop.
#[derive(Debug)]
pub struct Peer {
    child: Child,
    /// The port it listens on.
    pub port: u16,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind an ephemeral port on loopback")
}

fn wait_for_port(port: u16, child: &mut Child, limit: Duration) -> Result<(), String> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("exited early with {status}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("port {port} not open after {limit:?}"))
}

/// The Prism CLI installed by `tests/peers/install.sh`, if present.
pub fn prism_bin() -> Option<PathBuf> {
    let p = workspace_root().join("target/peers/prism/node_modules/.bin/prism");
    p.exists().then_some(p)
}

/// Starts `prism mock` for `spec` on a free loopback port; `dynamic` adds `-d --seed 7`.
pub fn prism(spec: &Path, dynamic: bool) -> Result<Peer, String> {
    let bin = prism_bin().ok_or("Prism is not installed: run tests/peers/install.sh")?;
    let port = free_port();
    let mut cmd = Command::new(bin);
    cmd.args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()]);
    if dynamic {
        cmd.args(["-d", "--seed", "7"]);
    }
    cmd.arg(spec).stdout(Stdio::null()).stderr(Stdio::null());
    let mut child = cmd.spawn().map_err(|e| format!("start prism: {e}"))?;
    match wait_for_port(port, &mut child, Duration::from_secs(60)) {
        Ok(()) => Ok(Peer { child, port }),
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(format!("prism for {}: {e}", spec.display()))
        }
    }
}
