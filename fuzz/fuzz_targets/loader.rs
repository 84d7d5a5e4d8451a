//! The loader on arbitrary text (JSON, YAML, contract snapshots, OpenAPI fragments): every
//! input ends in a document or a `LoadError`, never a panic; and a document that loads goes
//! through the IR without panicking.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(doc) = sturdy_generator::load::load_str(text, Path::new("fuzz.yaml")) {
        let _ = sturdy_generator::ir::build(&doc);
    }
});
