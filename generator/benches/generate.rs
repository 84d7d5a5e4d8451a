//! Generation time and peak memory for big real specs: load → ir → emit (all of it, with
//! prettyplease formatting), one process per spec so peak RSS is the spec's own.
//!
//! `cargo bench -p sturdy-generator --bench generate` prints a table. Compared: the three
//! stages of sturdy on github.json, stripe.json and openai.yaml (and oxide-nexus.json, for
//! reference against progenitor's 0.72 s measured on this machine kind).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use sturdy_generator::{Layout, Settings};

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_owned)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn one(spec: &Path) {
    let t = Instant::now();
    let doc = sturdy_generator::load::load(spec).expect("load");
    let load = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let (api, _w) = sturdy_generator::ir::build(&doc).expect("ir");
    let ir = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let out =
        sturdy_generator::emit::emit(&api, &Settings::default(), Layout::Crate).expect("emit");
    let emit = t.elapsed().as_secs_f64();
    let bytes: usize = out.files.values().map(String::len).sum();
    println!(
        "{}\t{}\t{}\t{:.3}\t{:.3}\t{:.3}\t{:.3}\t{:.0}\t{}",
        spec.file_name().unwrap().to_string_lossy(),
        api.operations.len(),
        api.types.len(),
        load,
        ir,
        emit,
        load + ir + emit,
        peak_rss_mib(),
        bytes
    );
}

fn main() {
    if let Some(spec) = std::env::var_os("STURDY_BENCH_ONE") {
        one(Path::new(&spec));
        return;
    }
    let specs_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/specs");
    let specs: Vec<PathBuf> = [
        "github.json",
        "stripe.json",
        "openai.yaml",
        "oxide-nexus.json",
    ]
    .iter()
    .map(|s| specs_dir.join(s))
    .filter(|p| p.exists())
    .collect();
    if specs.is_empty() {
        println!("no specs found in {}", specs_dir.display());
        return;
    }
    let me = std::env::current_exe().expect("current exe");
    println!("sturdy generate (load + ir + emit incl. formatting), release build, one process per spec, best of 3");
    println!("| spec | operations | types | load s | ir s | emit s | total s | peak RSS MiB | output bytes |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for spec in specs {
        let mut best: Option<Vec<String>> = None;
        for _ in 0..3 {
            let out = Command::new(&me)
                .env("STURDY_BENCH_ONE", &spec)
                .output()
                .expect("run bench child");
            let line = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            let cols: Vec<String> = line.split('\t').map(str::to_owned).collect();
            if cols.len() != 9 {
                println!(
                    "| {} | failed: {} |",
                    spec.display(),
                    String::from_utf8_lossy(&out.stderr)
                        .lines()
                        .last()
                        .unwrap_or("")
                );
                break;
            }
            let total: f64 = cols[6].parse().unwrap_or(f64::MAX);
            if best
                .as_ref()
                .is_none_or(|b| total < b[6].parse().unwrap_or(f64::MAX))
            {
                best = Some(cols);
            }
        }
        if let Some(c) = best {
            println!("| {} |", c.join(" | "));
        }
    }
}
