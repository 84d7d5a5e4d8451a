//! Detected pagination over every spec in `../shared/specs`: how many list-like GET
//! operations (returning an array, or an object holding one) were recognised, and by which
//! scheme. Lower bounds (measured when this test was written) make regressions fail.

use std::collections::BTreeMap;
use std::path::Path;

use sturdy_generator::ir::{PageScheme, ResponseEncoding, TypeKind, TypeRef};

fn list_like(api: &sturdy_generator::ir::Api, t: &TypeRef) -> bool {
    match t {
        TypeRef::Vec(_) => true,
        TypeRef::Named(n) => match api.types.get(n).map(|d| &d.kind) {
            Some(TypeKind::Struct(s)) => s.fields.iter().any(|f| matches!(f.ty, TypeRef::Vec(_))),
            Some(TypeKind::Alias(inner)) => list_like(api, inner),
            _ => false,
        },
        _ => false,
    }
}

#[test]
fn pagination_report_over_shared_specs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/specs");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        // Under CI a missing peer is a failure, never a silent pass.
        if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
            panic!("shared specs missing under CI: {}", dir.display());
        }
        return eprintln!("SKIP: {} not found", dir.display());
    };
    let mut specs: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "yaml"))
        .collect();
    specs.sort();
    println!("| spec | list-like GETs | recognised | cursor | offset | page | next URL | Link header | unrecognised examples |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut recognised_by_spec = BTreeMap::new();
    for spec in specs {
        let name = spec.file_stem().unwrap().to_string_lossy().into_owned();
        let doc = sturdy_generator::load::load(&spec).expect("load");
        let (api, _) = sturdy_generator::ir::build(&doc).expect("ir");
        let mut counts = [0usize; 5];
        let mut lists = 0;
        let mut recognised = 0;
        let mut misses = Vec::new();
        for op in &api.operations {
            let is_list = op.method == sturdy_generator::ir::HttpMethod::Get
                && op.success.encoding == ResponseEncoding::Json
                && list_like(&api, &op.success.ty);
            if is_list {
                lists += 1;
            }
            match &op.pagination {
                Some(p) => {
                    recognised += 1;
                    counts[match p.scheme {
                        PageScheme::Cursor { .. } => 0,
                        PageScheme::Offset { .. } => 1,
                        PageScheme::PageNumber { .. } => 2,
                        PageScheme::NextUrl { .. } => 3,
                        PageScheme::LinkHeader => 4,
                    }] += 1;
                }
                None if is_list => misses.push(op.id.clone()),
                None => {}
            }
        }
        let shown: Vec<&str> = misses.iter().take(3).map(String::as_str).collect();
        println!(
            "| {name} | {lists} | {recognised} | {} | {} | {} | {} | {} | {} |",
            counts[0],
            counts[1],
            counts[2],
            counts[3],
            counts[4],
            shown.join(", ")
        );
        recognised_by_spec.insert(name, (recognised, counts));
    }
    let at_least = |spec: &str, n: usize| {
        if let Some((r, _)) = recognised_by_spec.get(spec) {
            assert!(*r >= n, "{spec}: {r} recognised, expected at least {n}");
        }
    };
    at_least("stripe", 100);
    at_least("github", 240);
    at_least("oxide-nexus", 43);
    at_least("slack", 13);
    at_least("kubernetes", 95);
    at_least("asana", 44);
    at_least("spotify", 14);
    at_least("box", 40);
    at_least("twilio-api", 40);
}
