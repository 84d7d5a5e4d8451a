//! `sturdy diff` on real history: GitHub's published spec a year apart (npm `@octokit/openapi`
//! 18.2.0 from 2025-10 and 23.0.2 from 2026-09, fetched by `tests/peers/install-octokit.sh`).
//! Prints the summary and the first rows, and writes the whole table to
//! `target/github-diff.md`.

use sturdy_generator::diff::{Bump, Impact, Report};
use sturdy_tests::{missing_peer, workspace_root};

#[test]
fn github_a_year_apart() {
    let dir = workspace_root().join("target/peers/octokit");
    let (old, new) = (dir.join("18.2.0.json"), dir.join("23.0.2.json"));
    if !old.exists() || !new.exists() {
        return missing_peer("GitHub specs not installed: run tests/peers/install-octokit.sh");
    }
    let old = sturdy_generator::load::load(&old).expect("load 18.2.0");
    let new = sturdy_generator::load::load(&new).expect("load 23.0.2");
    let report = Report::between(&old, &new).expect("diff");
    let table = report.table(None);
    std::fs::write(workspace_root().join("target/github-diff.md"), &table).expect("write");
    println!("{}", report.table(Some(25)));

    assert!(report.is_breaking());
    assert_eq!(report.bump(), Bump::Major);
    let count = |what: &str| report.changes.iter().filter(|c| c.what == what).count();
    // A year of GitHub: endpoints come and go (the old billing endpoints were removed).
    assert!(
        count("operation added") > 100,
        "{}",
        count("operation added")
    );
    assert!(
        count("operation removed") > 10,
        "{}",
        count("operation removed")
    );
    let removed = report
        .changes
        .iter()
        .find(|c| c.at == "billing_get_github_actions_billing_org")
        .expect("the old Actions billing endpoint");
    assert_eq!(
        (removed.what.as_str(), removed.rust, removed.wire),
        ("operation removed", Impact::Breaking, Impact::Breaking)
    );
    // A response field retyped by the provider breaks both the Rust API and old clients.
    let retyped = report
        .changes
        .iter()
        .find(|c| c.at == "DeployKey.last_used")
        .expect("DeployKey.last_used changed");
    assert_eq!(retyped.what, "field type String → DateTime");
    assert_eq!(
        (retyped.rust, retyped.wire),
        (Impact::Breaking, Impact::Breaking)
    );
    // New optional response fields are additive for both.
    assert!(report
        .changes
        .iter()
        .any(|c| c.what == "optional field added"
            && c.rust == Impact::Additive
            && c.wire == Impact::Additive));
    // The JSON form agrees.
    let json = report.json();
    assert_eq!(json["bump"], "major");
    assert_eq!(
        json["changes"].as_array().map(Vec::len),
        Some(report.changes.len())
    );
}
