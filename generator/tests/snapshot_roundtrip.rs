//! Round trip: loading a snapshot equals loading the OpenAPI document it converts to, at the
//! document level and at the IR level (so the generated clients are byte-for-byte equal).

use std::path::{Path, PathBuf};

use sturdy_generator::{ir, load};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/snapshots")
        .join(name)
}

fn round_trip(name: &str) {
    let snap_path = fixture(name);
    let from_snapshot = load::load(&snap_path).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(from_snapshot.source_version, "snapshot");

    let converted =
        load::snapshot::convert_to_openapi(&snap_path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let json_path = dir.path().join("openapi.json");
    let text = serde_json::to_string_pretty(&converted).unwrap_or_default();
    std::fs::write(&json_path, &text).unwrap_or_else(|e| panic!("write: {e}"));
    let from_openapi = load::load(&json_path).unwrap_or_else(|e| panic!("{name} converted: {e}"));
    assert_eq!(from_openapi.source_version, "3.1.0");

    assert_eq!(
        from_snapshot.raw, from_openapi.raw,
        "{name}: normalized JSON differs"
    );
    assert_eq!(
        from_snapshot.openapi, from_openapi.openapi,
        "{name}: typed view differs"
    );
    let a = ir::build(&from_snapshot).unwrap_or_else(|e| panic!("{name}: {e}"));
    let b = ir::build(&from_openapi).unwrap_or_else(|e| panic!("{name} converted: {e}"));
    assert_eq!(a.0, b.0, "{name}: IR differs");
    assert_eq!(a.1, b.1, "{name}: IR warnings differ");
}

#[test]
fn payments_round_trips() {
    round_trip("payments.yaml");
}

#[test]
fn crm_round_trips() {
    round_trip("crm.yaml");
}

#[test]
fn messaging_round_trips() {
    round_trip("messaging.yaml");
}

#[test]
fn yaml_and_json_snapshots_load_the_same() {
    let yaml = fixture("messaging.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap_or_default();
    let value: serde_json::Value = serde_yaml::from_str(&text).unwrap_or_default();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let json = dir.path().join("messaging.json");
    std::fs::write(&json, serde_json::to_string(&value).unwrap_or_default())
        .unwrap_or_else(|e| panic!("write: {e}"));
    let a = load::snapshot::convert_to_openapi(&yaml).unwrap_or_else(|e| panic!("{e}"));
    let b = load::snapshot::convert_to_openapi(&json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a, b);
}
