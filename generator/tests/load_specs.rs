//! Every real-world spec in /work/shared/specs (or `$STURDY_SPECS`) loads, with the counts
//! its README states. Prints a table of load times (never asserted); for release numbers run
//! `cargo test --release -p sturdy-generator --test load_specs -- --nocapture`.

use std::path::PathBuf;
use std::time::Instant;

use sturdy_generator::load;

fn specs_dir() -> PathBuf {
    std::env::var_os("STURDY_SPECS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/specs"))
}

/// (file, minimum paths, minimum operations, minimum webhooks in `raw`)
const SPECS: &[(&str, usize, usize, usize)] = &[
    ("asana.json", 100, 160, 0),
    ("box.json", 150, 250, 0),
    ("github-webhooks.json", 0, 0, 200),
    ("github.json", 800, 1200, 0),
    ("kubernetes.json", 400, 800, 0),
    ("openai.yaml", 150, 280, 16),
    ("oxide-nexus.json", 100, 190, 0),
    ("plaid.json", 150, 200, 0),
    ("slack.json", 150, 170, 0),
    ("spotify.json", 50, 85, 0),
    ("stripe.json", 300, 450, 0),
    ("twilio-api.json", 100, 190, 0),
    ("vercel.json", 80, 110, 0),
];

#[test]
fn all_real_specs_load() {
    let dir = specs_dir();
    if !dir.join("github.json").exists() {
        panic!("specs not found at {} (set STURDY_SPECS)", dir.display());
    }
    println!(
        "{:<22} {:>8} {:>6} {:>6} {:>8} {:>9} {:>9}",
        "spec", "version", "paths", "ops", "webhooks", "warnings", "ms"
    );
    for &(file, min_paths, min_ops, min_webhooks) in SPECS {
        let path = dir.join(file);
        let start = Instant::now();
        let doc = load::load(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        let paths = doc.openapi.paths.paths.len();
        let ops = doc.openapi.operations().count();
        let webhooks = doc
            .raw
            .get("webhooks")
            .and_then(|w| w.as_object())
            .map_or(0, |w| w.len());
        println!(
            "{file:<22} {:>8} {paths:>6} {ops:>6} {webhooks:>8} {:>9} {ms:>9.1}",
            doc.source_version,
            doc.warnings.len()
        );
        assert!(paths >= min_paths, "{file}: {paths} paths");
        assert!(ops >= min_ops, "{file}: {ops} operations");
        assert!(webhooks >= min_webhooks, "{file}: {webhooks} webhooks");
        // Downstream sees only local component references.
        let mut refs = Vec::new();
        collect_refs(&doc.raw, &mut refs);
        for r in &refs {
            assert!(
                r.starts_with("#/components/"),
                "{file}: a reference outside components survived loading: {r}"
            );
            assert!(
                doc.raw.pointer(&r[1..]).is_some() || r.contains('%'),
                "{file}: dangling reference after loading: {r}"
            );
        }
        // Lines are found in the source for real pointers.
        if let Some((p, _)) = doc.openapi.paths.paths.iter().next() {
            let pointer = format!("#/paths/{}", p.replace('~', "~0").replace('/', "~1"));
            assert!(
                doc.line_of(&pointer).is_some(),
                "{file}: no line for {pointer}"
            );
        }
    }
}

fn collect_refs(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, c) in m {
                if k.starts_with("x-")
                    || k == "example"
                    || k == "examples"
                    || k == "default"
                    || k == "enum"
                {
                    continue;
                }
                if k == "$ref" {
                    if let Some(s) = c.as_str() {
                        out.push(s.to_owned());
                    }
                } else {
                    collect_refs(c, out);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|c| collect_refs(c, out)),
        _ => {}
    }
}

#[test]
fn openai_keeps_its_webhooks_normalized() {
    let doc = load::load(&specs_dir().join("openai.yaml")).unwrap();
    let webhooks = doc.raw["webhooks"].as_object().unwrap();
    assert!(webhooks.len() >= 16, "{}", webhooks.len());
    assert_eq!(doc.source_version, "3.1.0");
    // No 3.1 type array survives anywhere in the normalized document.
    fn no_type_arrays(v: &serde_json::Value, at: &str) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, c) in m {
                    if k == "example" || k == "examples" || k == "default" || k.starts_with("x-") {
                        continue;
                    }
                    assert!(!(k == "type" && c.is_array()), "type array at {at}");
                    no_type_arrays(c, &format!("{at}/{k}"));
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|c| no_type_arrays(c, at)),
            _ => {}
        }
    }
    no_type_arrays(&doc.raw, "#");
}

#[test]
fn github_webhooks_has_its_events() {
    let doc = load::load(&specs_dir().join("github-webhooks.json")).unwrap();
    let webhooks = doc.raw["webhooks"].as_object().unwrap();
    assert!(webhooks.len() >= 200, "{}", webhooks.len());
    // Every webhook body schema reference resolves in the normalized raw document.
    for (name, item) in webhooks {
        let schema = item.pointer("/post/requestBody/content/application~1json/schema/$ref");
        if let Some(r) = schema.and_then(|r| r.as_str()) {
            assert!(doc.raw.pointer(&r[1..]).is_some(), "{name}: {r}");
        }
    }
}
