//! Decode speed of generated structs before and after they keep undeclared keys and decode
//! leniently. Prints a table; asserts nothing about time.
//!
//! Run: `cargo bench -p sturdy-runtime --bench decode`
//!
//! The type is GitHub's `full-repository` (91 top-level fields; `decode/repo.rs`) in four
//! shapes: `Plain` (what sturdy emitted first: declared fields only, serde's derive), `Kept`
//! (plus `#[serde(flatten)] extra: Extra`), `Lenient` (plus the lenient-decoding attributes on
//! required fields, still serde's derive) and `Emitted` (the same behaviour through
//! `sturdy_runtime::types::object`: what `sturdy generate` emits now). The body is a JSON array of 100 copies of the
//! spec's own `full-repository` example (2.4 MB), decoded from bytes with `serde_json`; once
//! as is, once with 5 undeclared keys added to each copy (kept by `Kept`/`Lenient`, dropped
//! by `Plain`). The four shapes take turns round by round so load on a shared machine hits
//! them alike; the median round is reported.

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde_json::Value;

#[rustfmt::skip]
#[path = "decode/repo.rs"]
mod repo;

const COPIES: usize = 100;
const ROUNDS: usize = 15;

fn body(undeclared: bool) -> Vec<u8> {
    let mut one: Value =
        serde_json::from_str(include_str!("github-full-repository.json")).expect("example");
    if undeclared {
        let m = one.as_object_mut().unwrap();
        for i in 0..5 {
            m.insert(
                format!("x_new_{i}"),
                serde_json::json!({"since": "2026", "n": i}),
            );
        }
    }
    serde_json::to_vec(&vec![one; COPIES]).unwrap()
}

fn time<T: serde::de::DeserializeOwned>(body: &[u8]) -> Duration {
    let start = Instant::now();
    let v: Vec<T> = serde_json::from_slice(body).expect("decodes");
    black_box(v);
    start.elapsed()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().next().unwrap_or("?").to_owned())
        .unwrap_or_else(|_| "?".into())
}

fn main() {
    println!("| payload | shape | median per body | per repository | vs Plain |");
    println!("|---|---|---|---|---|");
    for undeclared in [false, true] {
        let body = body(undeclared);
        let mut rows: [Vec<Duration>; 4] = Default::default();
        for round in 0..ROUNDS + 2 {
            // Each round starts with another shape, so load hits them alike.
            let mut t = [Duration::ZERO; 4];
            for k in 0..4 {
                let i = (round + k) % 4;
                t[i] = match i {
                    0 => time::<repo::Plain>(&body),
                    1 => time::<repo::Kept>(&body),
                    2 => time::<repo::Lenient>(&body),
                    _ => time::<repo::Emitted>(&body),
                };
            }
            // The first two rounds warm caches and the allocator.
            if round >= 2 {
                for (row, t) in rows.iter_mut().zip(t) {
                    row.push(t);
                }
            }
        }
        let [plain, kept, lenient, emitted] = rows;
        let base = median(plain.clone());
        let what = if undeclared {
            "5 undeclared keys each"
        } else {
            "as in the spec"
        };
        for (name, v) in [
            ("Plain", plain),
            ("Kept", kept),
            ("Lenient", lenient),
            ("Emitted", emitted),
        ] {
            let m = median(v);
            println!(
                "| {what} ({} KB) | {name} | {:.2} ms | {:.1} µs | {:+.0}% |",
                body.len() / 1024,
                m.as_secs_f64() * 1e3,
                m.as_secs_f64() * 1e6 / COPIES as f64,
                (m.as_secs_f64() / base.as_secs_f64() - 1.0) * 100.0
            );
        }
    }
    println!("\nload average (1 min): {}", loadavg());
}
