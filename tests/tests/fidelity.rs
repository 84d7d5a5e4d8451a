//! Fidelity of generated types on real payloads: every JSON example of each spec is decoded
//! into its generated type, checked for catch-all variants, re-encoded and compared (see
//! `sturdy_tests::fidelity`). All crates and drivers are built in one scratch workspace with
//! one `cargo build` (target `e2e-target/fidelity`). The per-spec table is printed and saved
//! to `target/<test workspace>.md` (`target/fidelity.md` for the shared specs).
//!
//! Two tests: the union fixture, and the shared specs (they build the openai and github
//! clients, a few minutes; with example evidence all three meet the bars; `../shared` or
//! `STURDY_SHARED`; stripe, openai and github unless `STURDY_FIDELITY_SPECS=a.json,b.yaml`). Bars: no example that is valid against its own
//! schema may fail, and at least 90% of a spec's examples must be faithful. A valid example
//! that is lossy only because it carries keys its schema does not declare is counted apart
//! and not as a failure; it still counts against the 90%. (Structs keep undeclared keys in
//! `extra` unless the schema says `additionalProperties: false`, so these are now rare.) The
//! faithful examples whose keys were partly kept in a struct's `extra` (reported as
//! `undeclared_field` drift, not a catch-all variant) are counted in their own column.
//!
//! The generator relaxes the types the spec's own examples contradict (example evidence,
//! `sturdy_generator::ir::evidence`). `STURDY_FIDELITY_EVIDENCE=off` generates every crate
//! with the opt-out (`x-sturdy-example-evidence: false`, set by an overlay) to measure the
//! types as declared; its report is `target/<test workspace>-evidence-off.md`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;
use sturdy_generator::ir::TypeRef;
use sturdy_tests::fidelity::{driver_source, examples, Example};
use sturdy_tests::{e2e_target_dir, generate_crate_with, scratch, shared_dir, workspace_root};

struct Spec {
    stem: String,
    examples: Vec<Example>,
}

fn shared_specs() -> Vec<PathBuf> {
    let shared = shared_dir().or_else(|| std::env::var_os("STURDY_SHARED").map(PathBuf::from));
    let Some(shared) = shared else {
        sturdy_tests::missing_peer("shared specs: ../shared not found and STURDY_SHARED not set");
        return Vec::new();
    };
    let names = std::env::var("STURDY_FIDELITY_SPECS")
        .unwrap_or_else(|_| "stripe.json,openai.yaml,github.json".to_owned());
    names
        .split(',')
        .filter(|n| !n.is_empty())
        .map(|n| shared.join("specs").join(n))
        .collect()
}

/// Generates each spec's crate and driver into `root`; returns what each driver will check.
fn prepare(root: &std::path::Path, specs: Vec<PathBuf>) -> Vec<Spec> {
    let runtime = workspace_root().join("runtime");
    let mut out = Vec::new();
    let overlays = if evidence_off() {
        let overlay = root.join("evidence-off.yaml");
        std::fs::write(
            &overlay,
            "overlay: 1.0.0\ninfo: {title: example evidence off, version: '1'}\nactions:\n  - target: $\n    update: {x-sturdy-example-evidence: false}\n",
        )
        .unwrap();
        vec![overlay]
    } else {
        Vec::new()
    };
    for spec in specs {
        let stem = spec
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .replace(['.', '_'], "-");
        let name = format!("{stem}-client");
        let gen = generate_crate_with(&spec, &name, root, overlays.clone())
            .unwrap_or_else(|e| panic!("{e}"));
        let doc = sturdy_generator::load::load(&spec).expect("load");
        let ex = examples(&gen.api, &doc.raw);
        let mut types: BTreeMap<TypeRef, usize> = BTreeMap::new();
        for e in &ex {
            let n = types.len();
            types.entry(e.ty.clone()).or_insert(n);
        }
        let mut ordered: Vec<TypeRef> = vec![TypeRef::Unit; types.len()];
        for (t, i) in &types {
            ordered[*i] = t.clone();
        }
        let input: Vec<(usize, &Value)> = ex.iter().map(|e| (types[&e.ty], &e.value)).collect();
        std::fs::write(
            root.join(format!("{stem}.examples.json")),
            serde_json::to_string(&input).unwrap(),
        )
        .unwrap();
        let driver = root.join(format!("{stem}-fidelity"));
        std::fs::create_dir_all(driver.join("src")).unwrap();
        std::fs::write(
            driver.join("Cargo.toml"),
            format!(
                "[package]\nname = \"{stem}-fidelity\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n{name} = {{ path = \"../{name}\" }}\nsturdy-runtime = {{ path = {:?} }}\nserde = \"1\"\nserde_path_to_error = \"0.1\"\ntracing = \"0.1\"\n",
                runtime.display().to_string()
            ),
        )
        .unwrap();
        std::fs::write(
            driver.join("src/main.rs"),
            driver_source(&ordered, &name.replace('-', "_")),
        )
        .unwrap();
        out.push(Spec { stem, examples: ex });
    }
    out
}

/// `STURDY_FIDELITY_EVIDENCE=off`: generate without example evidence.
fn evidence_off() -> bool {
    std::env::var("STURDY_FIDELITY_EVIDENCE").is_ok_and(|v| v == "off")
}

/// The union fixture: every example faithful, each union in the variant its tag or shape names.
#[test]
fn fixture_unions_decode_by_wire_tag_and_best_fit() {
    run(
        "fidelity-fixture",
        vec![workspace_root().join("fixtures/unions.yaml")],
    );
}

/// The shared specs against the bars; the table in `target/fidelity.md` lists what is still
/// unfaithful and why.
#[test]
fn shared_spec_examples_decode_faithfully() {
    run("fidelity", shared_specs());
}

fn run(name: &str, specs: Vec<PathBuf>) {
    let root = scratch(name);
    let specs = prepare(&root, specs);
    let members: Vec<String> = specs
        .iter()
        .filter(|s| !s.examples.is_empty())
        .flat_map(|s| [format!("{}-client", s.stem), format!("{}-fidelity", s.stem)])
        .collect();
    std::fs::write(
        root.join("Cargo.toml"),
        format!("[workspace]\nresolver = \"2\"\nmembers = {members:?}\n"),
    )
    .unwrap();
    // Same dependency versions as the workspace: nothing to resolve, nothing new to build.
    let _ = std::fs::copy(workspace_root().join("Cargo.lock"), root.join("Cargo.lock"));
    // Its own folder without incremental data or debug info: the generated crates are large
    // (github's types.rs is 90k lines) and would otherwise take gigabytes.
    let target = e2e_target_dir().join("fidelity");
    // Specs without examples (Stripe's) have nothing to build: cargo refuses a workspace
    // without members.
    if !members.is_empty() {
        build_drivers(&root, &target);
    }
    let mut table = String::from(
        "| spec | examples | valid | faithful | faithful, keys kept in extra | catch-all | lossy | decode error | faithful % | valid, lossy by undeclared keys | failures among valid |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let mut details = String::new();
    let mut failures = Vec::new();
    for spec in &specs {
        if spec.examples.is_empty() {
            let _ = writeln!(
                table,
                "| {} | 0 | 0 | 0 | 0 | 0 | 0 | 0 | - | 0 | 0 |",
                spec.stem
            );
            continue;
        }
        let out = Command::new(target.join("debug").join(format!("{}-fidelity", spec.stem)))
            .arg(root.join(format!("{}.examples.json", spec.stem)))
            .output()
            .expect("run driver");
        assert!(
            out.status.success(),
            "{}: {}",
            spec.stem,
            String::from_utf8_lossy(&out.stderr)
        );
        let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).expect("outcome line"))
            .collect();
        assert_eq!(
            lines.len(),
            spec.examples.len(),
            "{}: one line per example",
            spec.stem
        );
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        let (mut bad_valid, mut undeclared, mut extra) = (0, 0, 0);
        for (e, l) in spec.examples.iter().zip(&lines) {
            let outcome = l["outcome"].as_str().unwrap_or("?");
            *counts.entry(outcome).or_default() += 1;
            if outcome == "faithful" && l["undeclared"].as_u64().unwrap_or(0) > 0 {
                extra += 1;
            }
            if outcome != "faithful" {
                if e.valid && e.undeclared && outcome == "lossy" {
                    undeclared += 1;
                } else if e.valid {
                    bad_valid += 1;
                }
                let _ = writeln!(
                    details,
                    "- {} `{}` ({}): {outcome}: {}",
                    spec.stem,
                    e.label,
                    match (e.valid, e.undeclared) {
                        (true, true) => "valid, undeclared keys",
                        (true, false) => "valid",
                        _ => "invalid example",
                    },
                    l["detail"].as_str().unwrap_or("")
                );
            }
        }
        if spec.stem == "unions" {
            fixture_variants(spec, &lines);
        }
        let n = spec.examples.len();
        let valid = spec.examples.iter().filter(|e| e.valid).count();
        let faithful = counts.get("faithful").copied().unwrap_or(0);
        let pct = if n == 0 {
            100.0
        } else {
            100.0 * faithful as f64 / n as f64
        };
        let c = |k: &str| counts.get(k).copied().unwrap_or(0);
        let _ = writeln!(
            table,
            "| {} | {n} | {valid} | {faithful} | {extra} | {} | {} | {} | {pct:.1} | {undeclared} | {bad_valid} |",
            spec.stem,
            c("catch_all"),
            c("lossy"),
            c("decode_error")
        );
        if bad_valid > 0 {
            failures.push(format!(
                "{}: {bad_valid} valid example(s) not faithful",
                spec.stem
            ));
        }
        if pct < 90.0 {
            failures.push(format!("{}: {pct:.1}% faithful (< 90%)", spec.stem));
        }
    }
    let (title, file) = if evidence_off() {
        (
            "example evidence off",
            format!("target/{name}-evidence-off.md"),
        )
    } else {
        ("example evidence on", format!("target/{name}.md"))
    };
    let report =
        format!("# Fidelity of generated types ({title})\n\n{table}\n## Not faithful\n\n{details}");
    let _ = std::fs::write(workspace_root().join(file), &report);
    eprintln!("{table}");
    assert!(failures.is_empty(), "{}\n\n{details}", failures.join("\n"));
}

/// Builds every client and driver of the scratch workspace `root` into `target`.
fn build_drivers(root: &std::path::Path, target: &std::path::Path) {
    let build = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--keep-going", "--workspace"])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", "0")
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo build");
    assert!(
        build.status.success(),
        "building the fidelity drivers failed:\n{}",
        String::from_utf8_lossy(&build.stderr)
    );
}

/// The fixture's unions land in the variant their wire tag or shape names (old code: `Other`
/// for `OutputItem` and the untagged conversation item, the first variant for `MergeResult`,
/// `DeltaContent` and the shared `message` tag).
fn fixture_variants(spec: &Spec, lines: &[Value]) {
    let expect = [
        ("/schemas/OutputItem/example", "OutputMessage(OutputMessage"),
        (
            "/~1items/get/responses/200/content/application~1json/example",
            "FileSearchCall(FileSearchCall",
        ),
        ("/examples/done", "MergeDone(MergeDone"),
        ("/examples/queued", "MergePending(MergePending"),
        ("/schemas/DeltaContent/example", "TextDelta(TextDelta"),
        ("/schemas/CustomerOrId/example", "Object(Customer"),
        (
            "/~1conversation/get/responses/200/content/application~1json/example",
            "[UserMessage(UserMessage",
        ),
        (
            "/~1conversation/get/responses/200/content/application~1json/example",
            "}), SystemMessage(SystemMessage",
        ),
    ];
    // An undeclared key kept in `extra` is not a catch-all variant (old driver: `catch_all`,
    // a failure among valid examples); the outcome line counts the struct that kept it.
    let i = spec
        .examples
        .iter()
        .position(|e| e.label.ends_with("/schemas/Customer/example"))
        .expect("no fixture example /schemas/Customer/example");
    assert!(spec.examples[i].valid && spec.examples[i].undeclared);
    assert_eq!(lines[i]["outcome"], "faithful", "{}", lines[i]);
    assert_eq!(lines[i]["undeclared"], 1, "{}", lines[i]);
    for (suffix, want) in expect {
        let i = spec
            .examples
            .iter()
            .position(|e| e.label.ends_with(suffix))
            .unwrap_or_else(|| panic!("no fixture example {suffix}"));
        let debug = lines[i]["debug"].as_str().unwrap_or("");
        assert!(
            debug.contains(want),
            "{suffix}: {want} expected, got {}",
            lines[i]
        );
    }
}
