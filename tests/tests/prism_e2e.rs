//! Generated clients call every operation against the Prism mock server, which validates each
//! request against the spec: no call may get a 422 with request violations, and every
//! documented response (forced with `Prefer: code=N`) decodes into its type, also with
//! dynamic data that adds unknown properties.

use std::path::PathBuf;

use sturdy_tests::{build_client_and_driver, missing_peer, peers, run_driver, shared_dir};

fn check(spec: PathBuf, name: &str) {
    if peers::prism_bin().is_none() {
        return missing_peer(&format!(
            "{name}: Prism is not installed (run tests/peers/install.sh)"
        ));
    }
    let built = build_client_and_driver(&spec, name).unwrap_or_else(|e| panic!("{e}"));
    let mut failures = Vec::new();
    let mut calls = 0;
    let mut peer_limits = 0;
    let mut webhooks = 0;
    for dynamic in [false, true] {
        let prism = peers::prism(&spec, dynamic).unwrap_or_else(|e| panic!("{e}"));
        let base = format!("http://127.0.0.1:{}", prism.port);
        let lines = run_driver(&built.driver, &base, dynamic).unwrap_or_else(|e| panic!("{e}"));
        drop(prism);
        for l in &lines {
            if let Some(w) = l.get("webhook") {
                webhooks += 1;
                for k in ["verified", "tampered_refused", "decoded"] {
                    if l[k] != true {
                        failures.push(format!("webhook {w}: {k} is {}", l[k]));
                    }
                }
                continue;
            }
            calls += 1;
            let op = l["op"].as_str().unwrap_or("?");
            if let Some(what) = l.get("skipped") {
                failures.push(format!("{op}: skipped ({what})"));
                continue;
            }
            let code = l["code"].as_u64().unwrap_or(0);
            let violations = l.get("violations").and_then(|v| v.as_str()).unwrap_or("");
            if violations.contains("\"request\"") {
                failures.push(format!("{op} (code {code}, dynamic {dynamic}): request violates the spec: {violations}"));
                continue;
            }
            let ok = l["ok"].as_bool().unwrap_or(false);
            let success = code == 0 || (200..300).contains(&code);
            let status = l["status"].as_u64().unwrap_or(0);
            let message = l["message"].as_str().unwrap_or("");
            if message.contains("NO_COMPLEX_OBJECT_TEXT") {
                // Prism cannot render this response (an object schema under a non-JSON media
                // type such as text/event-stream): a limit of the peer, not of the client.
                peer_limits += 1;
                continue;
            }
            if code == 0 && (300..400).contains(&status) {
                // The operation documents only a redirect; the driver does not follow it.
                continue;
            }
            if success && !ok {
                failures.push(format!(
                    "{op} (code {code}, dynamic {dynamic}): {}",
                    l["message"]
                ));
            }
            if !success {
                if ok || status != code {
                    failures.push(format!("{op}: asked for {code}, got {l}"));
                } else if l["typed_expected"].as_bool() == Some(true)
                    && l["typed"].as_bool() != Some(true)
                {
                    failures.push(format!("{op} (code {code}, dynamic {dynamic}): declared error body did not decode: {}", l["message"]));
                }
            }
        }
    }
    assert!(calls > 0, "the driver made no calls");
    assert!(
        failures.is_empty(),
        "{} of {calls} calls failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "{name}: {calls} calls against Prism ({} operations), all conformant; {peer_limits} responses Prism could not render; {webhooks} webhook events signed, verified and decoded",
        built.api.operations.len()
    );
    assert!(
        peer_limits * 10 < calls,
        "too many calls hit Prism's limits to mean anything"
    );
}

#[test]
fn petstore_against_prism() {
    let Some(shared) = shared_dir() else {
        return missing_peer("../shared not found");
    };
    check(shared.join("peers/petstore.yaml"), "petstore");
}

#[test]
fn oxide_nexus_against_prism() {
    let Some(shared) = shared_dir() else {
        return missing_peer("../shared not found");
    };
    check(shared.join("specs/oxide-nexus.json"), "oxide");
}

#[test]
fn messaging_snapshot_converted_to_openapi_against_prism() {
    // A contract snapshot, converted to OpenAPI 3.1 (as `sturdy convert` does), served by
    // Prism: bearer auth, a declared error case, cursor pagination, and its webhooks signed
    // with Standard Webhooks, verified and decoded by the generated client.
    let snapshot = sturdy_tests::workspace_root().join("fixtures/snapshots/messaging.yaml");
    let converted =
        sturdy_generator::load::snapshot::convert_to_openapi(&snapshot).expect("convert");
    let dir = sturdy_tests::scratch("messaging-openapi");
    let path = dir.join("messaging.openapi.json");
    std::fs::write(&path, serde_json::to_string_pretty(&converted).unwrap()).unwrap();
    check(path, "messaging");
}
