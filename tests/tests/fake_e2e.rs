//! `testing::fake()` of real specs: the e2e driver calls every operation of the clients
//! generated for the shared petstore and Oxide's Nexus API on their fake (no network), and
//! every answer (the spec's example, or one synthesized from the schema) decodes into the
//! operation's success type with its success status.

use sturdy_tests::{build_client_and_driver, missing_peer, run_driver, shared_dir};

fn every_operation_decodes_its_fake_answer(spec: &str, name: &str, at_least: usize) {
    let Some(shared) = shared_dir() else {
        return missing_peer("../shared not found");
    };
    let built = build_client_and_driver(&shared.join(spec), name).expect("build driver");
    let lines = run_driver(&built.driver, "fake", false).expect("run driver");
    let calls: Vec<_> = lines.iter().filter(|l| l.get("code").is_some()).collect();
    let failed: Vec<_> = calls.iter().filter(|l| l["ok"] != true).collect();
    assert!(
        failed.is_empty(),
        "{} of {}: {failed:#?}",
        failed.len(),
        calls.len()
    );
    for l in &calls {
        let op = built
            .api
            .operations
            .iter()
            .find(|o| o.id == l["op"])
            .unwrap();
        let expected = if op.success.status == 0 {
            200
        } else {
            op.success.status
        };
        assert_eq!(l["status"], expected, "{l}");
    }
    let skipped = lines.len() - calls.len();
    eprintln!(
        "{name}: {} operations answered by the fake and decoded, {skipped} skipped (arguments)",
        calls.len()
    );
    assert!(calls.len() >= at_least, "only {} calls", calls.len());
}

#[test]
fn petstore_fake_answers_decode() {
    every_operation_decodes_its_fake_answer("peers/petstore.yaml", "fake-petstore", 3);
}

#[test]
fn oxide_fake_answers_decode() {
    every_operation_decodes_its_fake_answer("specs/oxide-nexus.json", "fake-oxide", 100);
}
