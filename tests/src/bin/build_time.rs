//! Build-cost benchmark of generated crates: what one `cargo check` of a big generated client
//! costs rustc (wall time and peak memory), so a change to the emitter can be compared with
//! the code it replaces.
//!
//! ```text
//! cargo run -p sturdy-tests --bin build_time -- [--specs stripe,github,openai] [--label after]
//!     [--compare target/build-time/before.tsv]
//! ```
//!
//! It generates each spec of `$STURDY_SHARED/specs` (default: stripe, github, openai) with
//! the generator it is built from into one scratch workspace (`target/e2e/build-time`),
//! checks that workspace once with every crate's `src/lib.rs` emptied so every dependency
//! (the runtime included) is built with the same features, then for each crate restores its
//! `src/lib.rs` and times `cargo check --all-features -p <crate>` with `CARGO_INCREMENTAL=0`
//! under `/usr/bin/time`: so what is measured is the generated crate alone (all feature tags
//! on, no incremental cache): wall seconds, CPU seconds (user + system, steadier than wall
//! time on a shared machine) and the peak resident memory of the largest process (rustc).
//! `--all-features` includes the crate's `strict` feature; since structs decode through
//! `sturdy_runtime::types::object`, strict and lenient compile the same code (a constant
//! chooses). Measured on main (2-core machine, CPU s / peak MB): before structs stopped using
//! serde's derives (load 3–4), stripe 38.8 / 2599, github 69.7 / 4388, openai 44.6 / 2975;
//! with a generic `visit` body per struct (load 1.7), 16.2 / 1317, 29.9 / 2295, 21.1 / 1607;
//! decoding through slots and encoding, printing and comparing through lent fields (three
//! runs, load 0–1), 11.5–11.9 / 1111–1113, 19.1–19.8 / 1851, 15.4–15.7 / 1375–1377.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use sturdy_tests::{e2e_target_dir, scratch, shared_dir, workspace_root};

/// One crate's figures.
#[derive(Debug, Clone, Copy)]
struct Cost {
    /// Wall seconds of the `cargo check`.
    secs: f64,
    /// CPU seconds (user + system) of the `cargo check` and its children.
    cpu: f64,
    /// Peak resident memory of the largest process, in MB.
    peak_mb: f64,
    /// Lines of generated Rust.
    lines: usize,
}

struct Args {
    specs: Vec<String>,
    label: String,
    compare: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        specs: vec!["stripe".into(), "github".into(), "openai".into()],
        label: "latest".into(),
        compare: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--specs" => args.specs = value()?.split(',').map(str::to_owned).collect(),
            "--label" => args.label = value()?,
            "--compare" => args.compare = Some(PathBuf::from(value()?)),
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    Ok(args)
}

/// The spec file of `stem` (`.json` or `.yaml`).
fn spec_path(specs: &Path, stem: &str) -> Result<PathBuf, String> {
    ["json", "yaml", "yml"]
        .iter()
        .map(|e| specs.join(format!("{stem}.{e}")))
        .find(|p| p.is_file())
        .ok_or_else(|| format!("no spec {stem} in {}", specs.display()))
}

/// Generates `stem` into `root/<stem>-client`; returns the crate name and its lines of Rust.
fn generate(specs: &Path, stem: &str, root: &Path) -> Result<(String, usize), String> {
    let spec = spec_path(specs, stem)?;
    let name = format!("{stem}-client");
    let out = sturdy_tests::generate_crate(&spec, &name, root)?;
    let lines = out
        .generated
        .files
        .iter()
        .filter(|(p, _)| p.ends_with(".rs"))
        .map(|(_, t)| t.lines().count())
        .sum();
    Ok((name, lines))
}

fn cargo(root: &Path, target: &Path) -> Command {
    let mut c = Command::new(env!("CARGO"));
    c.current_dir(root)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("RUSTFLAGS");
    c
}

/// Restores the crate's `src/lib.rs` and times its `cargo check` under `/usr/bin/time`.
fn measure(
    root: &Path,
    target: &Path,
    (name, lib): (&str, &[u8]),
    lines: usize,
) -> Result<Cost, String> {
    std::fs::write(root.join(name).join("src/lib.rs"), lib).map_err(|e| e.to_string())?;
    let times = root.join(format!("{name}.time"));
    let mut c = Command::new("/usr/bin/time");
    c.arg("-o")
        .arg(&times)
        .args([
            "-f",
            "%e %U %S %M",
            env!("CARGO"),
            "check",
            "--quiet",
            "--all-features",
        ])
        .args(["-p", name])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("RUSTFLAGS");
    let out = c.output().map_err(|e| format!("/usr/bin/time: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo check -p {name} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let figures = std::fs::read_to_string(&times).map_err(|e| e.to_string())?;
    let mut f = figures.split_whitespace();
    let mut num = || -> Result<f64, String> {
        f.next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("unexpected /usr/bin/time output {figures:?}"))
    };
    let (secs, user, sys, kb) = (num()?, num()?, num()?, num()?);
    Ok(Cost {
        secs,
        cpu: user + sys,
        peak_mb: kb / 1024.0,
        lines,
    })
}

fn read_tsv(path: &Path) -> Result<BTreeMap<String, Cost>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut rows = BTreeMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if let [spec, secs, cpu, mb, lines] = f[..] {
            let cost = Cost {
                secs: secs.parse().map_err(|_| format!("bad row {line}"))?,
                cpu: cpu.parse().map_err(|_| format!("bad row {line}"))?,
                peak_mb: mb.parse().map_err(|_| format!("bad row {line}"))?,
                lines: lines.parse().map_err(|_| format!("bad row {line}"))?,
            };
            rows.insert(spec.to_owned(), cost);
        }
    }
    Ok(rows)
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let shared = shared_dir().ok_or("set STURDY_SHARED (the folder holding specs/)")?;
    let specs = shared.join("specs");
    let root = scratch("build-time");
    let target = e2e_target_dir().join("build-time");
    let mut crates = Vec::new();
    for stem in &args.specs {
        crates.push((stem.clone(), generate(&specs, stem, &root)?));
    }
    let members: Vec<String> = crates.iter().map(|(_, (n, _))| format!("{n:?}")).collect();
    std::fs::write(
        root.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
            members.join(", ")
        ),
    )
    .map_err(|e| e.to_string())?;
    eprintln!("building dependencies (once, generated crates emptied)...");
    let mut libs = Vec::new();
    for (_, (name, _)) in &crates {
        let lib = root.join(name).join("src/lib.rs");
        libs.push(std::fs::read(&lib).map_err(|e| e.to_string())?);
        std::fs::write(&lib, "").map_err(|e| e.to_string())?;
    }
    let st = cargo(&root, &target)
        .args(["check", "--quiet", "--workspace", "--all-features"])
        .status()
        .map_err(|e| e.to_string())?;
    if !st.success() {
        return Err("cargo check of the scratch workspace failed".into());
    }
    let mut rows = BTreeMap::new();
    for ((stem, (name, lines)), lib) in crates.iter().zip(&libs) {
        let cost = measure(&root, &target, (name, lib), *lines)?;
        eprintln!(
            "{stem}: {:.1} s wall, {:.1} s CPU, {:.0} MB",
            cost.secs, cost.cpu, cost.peak_mb
        );
        rows.insert(stem.clone(), cost);
    }
    let mut tsv = String::from("spec\tsecs\tcpu\tpeak_mb\tlines\n");
    let mut table = String::from(
        "| spec | lines of Rust | check wall s | CPU s | peak rustc MB |\n|---|---|---|---|---|\n",
    );
    for (spec, c) in &rows {
        tsv.push_str(&format!(
            "{spec}\t{:.2}\t{:.2}\t{:.0}\t{}\n",
            c.secs, c.cpu, c.peak_mb, c.lines
        ));
        table.push_str(&format!(
            "| {spec} | {} | {:.1} | {:.1} | {:.0} |\n",
            c.lines, c.secs, c.cpu, c.peak_mb
        ));
    }
    let out_dir = workspace_root().join("target/build-time");
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    let out = out_dir.join(format!("{}.tsv", args.label));
    std::fs::write(&out, tsv).map_err(|e| e.to_string())?;
    println!("{table}(written to {})", out.display());
    if let Some(before) = &args.compare {
        let before = read_tsv(before)?;
        println!("\n| spec | lines before | after | wall s before | after | CPU s before | after | peak MB before | after |");
        println!("|---|---|---|---|---|---|---|---|---|");
        for (spec, a) in &rows {
            if let Some(b) = before.get(spec) {
                println!(
                    "| {spec} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.0} | {:.0} |",
                    b.lines, a.lines, b.secs, a.secs, b.cpu, a.cpu, b.peak_mb, a.peak_mb
                );
            }
        }
    }
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("build_time: {e}");
        std::process::exit(1);
    }
}
