//! The insta snapshot goldens of `generator/tests/snapshots/` are real crates: written back to
//! disk exactly as reviewed, they pass `cargo clippy -Dwarnings` with every feature and with
//! none, and `cargo doc` with rustdoc `-Dwarnings` (no broken intra-doc links, no bare URLs,
//! no unclosed HTML), and their doc examples run with every feature (the `testing` module's
//! `fake_with` example among them). A snapshot can therefore never be accepted while it fails
//! to compile or documents badly.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use sturdy_tests::{e2e_target_dir, workspace_root};

/// The crates in the snapshot folder: crate name → (relative path → contents).
fn goldens(dir: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("snapshot folder").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = name
            .strip_prefix("snapshots__")
            .and_then(|n| n.strip_suffix(".snap"))
        else {
            continue;
        };
        let Some((krate, file)) = stem.split_once("__") else {
            continue;
        };
        if file == "warnings" {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).expect("read snapshot");
        // insta's header: `---`, metadata lines, `---`.
        let body = text
            .strip_prefix("---\n")
            .and_then(|t| t.split_once("\n---\n"))
            .map(|(_, body)| body)
            .unwrap_or_else(|| panic!("{name}: no insta header"));
        out.entry(krate.to_owned())
            .or_default()
            .insert(file.replace("__", "/"), format!("{}\n", body.trim_end()));
    }
    // A snapshot set of single files (the `unions` types) is not a crate: it is compiled by
    // its own test (tests/tests/fidelity.rs).
    out.retain(|_, files| files.contains_key("Cargo.toml"));
    out
}

fn cargo(root: &Path, args: &[&str], rustdocflags: bool) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", e2e_target_dir())
        .env_remove("RUSTFLAGS");
    if rustdocflags {
        cmd.env("RUSTDOCFLAGS", "-Dwarnings");
    }
    let out = cmd.output().expect("run cargo");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn snapshot_goldens_compile_and_document_without_warnings() {
    let root = workspace_root();
    let crates = goldens(&root.join("generator/tests/snapshots"));
    for expected in ["petstore", "shapes", "surface"] {
        assert!(crates.contains_key(expected), "no snapshots of {expected}");
    }
    // The folder the snapshots were generated for (`golden_dir` in generator/tests/snapshots.rs):
    // their `Cargo.toml` names the runtime relative to it.
    let dir: PathBuf = root.join("target/e2e/goldens");
    let _ = std::fs::remove_dir_all(&dir);
    for (krate, files) in &crates {
        for (rel, text) in files {
            let path = dir.join(krate).join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
        }
    }
    let members: Vec<String> = crates.keys().map(|k| format!("{k:?}")).collect();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
            members.join(", ")
        ),
    )
    .unwrap();
    let mut failures = Vec::new();
    let runs: [(&[&str], bool); 4] = [
        (
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--all-features",
                "--quiet",
                "--",
                "-Dwarnings",
            ],
            false,
        ),
        (
            &[
                "clippy",
                "--workspace",
                "--no-default-features",
                "--quiet",
                "--",
                "-Dwarnings",
            ],
            false,
        ),
        (&["doc", "--workspace", "--no-deps", "--quiet"], true),
        // The doc examples of the `testing` module (`fake_with`) run.
        (
            &["test", "--workspace", "--doc", "--all-features", "--quiet"],
            false,
        ),
    ];
    for (args, rustdoc) in runs {
        let (ok, stderr) = cargo(&dir, args, rustdoc);
        if !ok {
            failures.push(format!("cargo {}:\n{stderr}", args.join(" ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
