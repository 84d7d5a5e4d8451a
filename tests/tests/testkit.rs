//! The README's five test-kit tests (contract, auth refresh, 429/503 backoff, idempotency,
//! webhook replay) are real: `tests/testkit/shop_tests.rs` runs as the integration tests of
//! an application crate that depends on the client generated from `fixtures/testkit.yaml`
//! with `features = ["testing"]` (and on `sturdy-inbox` for the webhook test), and the
//! README shows exactly that file.

use std::path::{Path, PathBuf};
use std::process::Command;

use sturdy_generator::{Layout, Settings};
use sturdy_tests::e2e_target_dir;

/// This workspace, from this test's own manifest (a `sturdy-tests` library built from another
/// checkout into a shared target folder would point elsewhere).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

/// `target/e2e/<name>` of this workspace, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = workspace_root().join("target/e2e").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

const TESTS: &str = include_str!("../testkit/shop_tests.rs");

#[test]
fn the_readme_shows_the_test_kit_tests_exactly() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let block = format!("```rust\n{TESTS}```");
    assert!(
        readme.contains(&block),
        "README.md must show tests/testkit/shop_tests.rs verbatim in a ```rust block"
    );
}

#[test]
fn the_five_test_kit_tests_pass_against_a_generated_client() {
    let root = scratch("testkit");
    let client_dir = root.join("client");
    let settings = Settings {
        crate_name: Some("mini-shop-client".into()),
        spec_name: Some("testkit.yaml".into()),
        output_dir: Some(client_dir.clone()),
        ..Settings::default()
    };
    let out = sturdy_generator::generate(
        &workspace_root().join("fixtures/testkit.yaml"),
        &settings,
        Layout::Crate,
    )
    .expect("generate");
    sturdy_generator::write::write_dir(&out.generated, &client_dir).expect("write client");

    let app = root.join("app");
    std::fs::create_dir_all(app.join("src")).unwrap();
    std::fs::create_dir_all(app.join("tests")).unwrap();
    let inbox = workspace_root().join("inbox");
    std::fs::write(
        app.join("Cargo.toml"),
        format!(
            r#"[package]
name = "shop-app"
version = "0.1.0"
edition = "2021"
publish = false

[dev-dependencies]
mini-shop-client = {{ path = "../client", features = ["testing"] }}
sturdy-inbox = {{ path = {inbox:?} }}
tokio = {{ version = "1", features = ["rt", "macros"] }}
"#
        ),
    )
    .unwrap();
    std::fs::write(app.join("src/lib.rs"), "").unwrap();
    std::fs::write(app.join("tests/shop_tests.rs"), TESTS).unwrap();
    // The workspace's lock file: the same dependency versions, already in the cache.
    std::fs::copy(workspace_root().join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"client\", \"app\"]\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO"))
        .args(["test", "-p", "shop-app", "--test", "shop_tests"])
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", e2e_target_dir().join("testkit"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run cargo test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("test result: ok. 5 passed"), "{stdout}");
}
