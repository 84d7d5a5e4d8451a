//! Shared by the peer tests: what to do when a third-party peer is not installed.

/// Says that a peer is missing. Under CI (`CI=true`) that is a failure, never a silent pass;
/// elsewhere the test prints `SKIP: ...` and returns.
pub fn missing_peer(why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("a test peer is missing under CI: {why}");
    }
    eprintln!("SKIP: {why}");
}
