//! `sturdy lint` over every real spec in /work/shared/specs that loads: prints one summary
//! table (findings per rule per spec) and checks a few findings that must be there.
//! Run with `--nocapture` to see the table.

use std::collections::BTreeMap;
use std::path::Path;

use sturdy_generator::lint::{self, Severity, RULES};
use sturdy_generator::load;

const SPECS: &str = "/work/shared/specs";

#[test]
fn lint_summary_over_real_specs() {
    let Ok(dir) = std::fs::read_dir(SPECS) else {
        eprintln!("{SPECS} is not here; nothing to lint");
        return;
    };
    let mut files: Vec<_> = dir
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("json" | "yaml" | "yml")
            )
        })
        .collect();
    files.sort();
    let mut rows: BTreeMap<String, (usize, BTreeMap<&str, usize>)> = BTreeMap::new();
    let mut skipped = Vec::new();
    for f in &files {
        let name = f
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let doc = match load::load(f) {
            Ok(d) => d,
            Err(e) => {
                let msg = e.to_string();
                skipped.push(format!(
                    "{name}: {}",
                    msg.chars().take(160).collect::<String>()
                ));
                continue;
            }
        };
        let findings = lint::lint(&doc).unwrap_or_else(|e| panic!("{name}: {e}"));
        // Every finding is well formed: a pointer, a message and a fix.
        for x in &findings {
            assert!(x.pointer.starts_with('#'), "{name}: {x:?}");
            assert!(!x.message.is_empty() && !x.fix.is_empty(), "{name}: {x:?}");
        }
        let mut counts = BTreeMap::new();
        for x in &findings {
            *counts.entry(x.rule).or_insert(0) += 1;
        }
        let ops = doc
            .openapi
            .paths
            .paths
            .values()
            .filter_map(|p| p.as_item())
            .map(|p| p.iter().count())
            .sum();
        if name == "github.json" {
            // GitHub pins versions with X-GitHub-Api-Version and names every operation.
            // GitHub names every operation; the spec does not declare its version header, so
            // the version lives only in `info.version` (an `info` finding).
            assert_eq!(counts.get("no-operation-id"), None, "github.json");
            assert!(findings
                .iter()
                .any(|x| x.rule == "unversioned" && x.severity == Severity::Info));
            assert!(
                counts.get("missing-idempotency").copied().unwrap_or(0) > 50,
                "github.json: {counts:?}"
            );
            assert_eq!(lint::exit_code(&findings, Severity::Warning), 1);
        }
        rows.insert(name, (ops, counts));
    }
    let mut table = String::from("| spec | operations |");
    for (r, _) in RULES {
        table.push_str(&format!(" {r} |"));
    }
    table.push_str("\n|---|---:|");
    for _ in RULES {
        table.push_str("---:|");
    }
    table.push('\n');
    for (name, (ops, counts)) in &rows {
        table.push_str(&format!("| {name} | {ops} |"));
        for (r, _) in RULES {
            table.push_str(&format!(" {} |", counts.get(r).copied().unwrap_or(0)));
        }
        table.push('\n');
    }
    println!("\nsturdy lint over {SPECS}\n\n{table}");
    for s in &skipped {
        println!("not loaded: {s}");
    }
    assert!(Path::new(SPECS).exists());
}
