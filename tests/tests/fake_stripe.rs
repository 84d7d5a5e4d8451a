//! `testing::fake()` of the Stripe client (only its `customers` group compiled): the fake's
//! answers for a retrieve and a list (synthesized: Stripe gives it no example) decode into
//! their generated types, the retrieve into the declared `Customer` variant (not the `Other`
//! catch-all). About 4 minutes on 2 cores the first time (the crate's customers group).

use std::process::Command;

use sturdy_generator::{Layout, Settings};
use sturdy_tests::{e2e_target_dir, missing_peer, shared_dir};

const TEST: &str = r#"
#[tokio::test]
async fn stripe_customer_ops_decode_on_the_fake() {
    let client = stripe_client::testing::fake();
    let got = client.get_customers_customer("cus_1", Default::default()).await.unwrap();
    assert_eq!(got.status(), 200);
    assert!(
        matches!(got.body(), stripe_client::types::CustomerOrDeletedCustomer::Customer(_)),
        "{:?}",
        got.body()
    );
    let page = client.get_customers(Default::default()).await.unwrap();
    assert_eq!(page.status(), 200);
    // Stripe gives the list no example: it is synthesized, one customer per array.
    assert_eq!(page.body().data.len(), 1);
}
"#;

#[test]
fn stripe_fake_answers_decode() {
    let Some(shared) = shared_dir() else {
        return missing_peer("../shared not found");
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("target/e2e/fake-stripe");
    let _ = std::fs::remove_dir_all(&root);
    let client_dir = root.join("client");
    let settings = Settings {
        crate_name: Some("stripe-client".into()),
        spec_name: Some("stripe.json".into()),
        output_dir: Some(client_dir.clone()),
        ..Settings::default()
    };
    let out =
        sturdy_generator::generate(&shared.join("specs/stripe.json"), &settings, Layout::Crate)
            .expect("generate");
    sturdy_generator::write::write_dir(&out.generated, &client_dir).expect("write");
    let app = root.join("app");
    std::fs::create_dir_all(app.join("tests")).unwrap();
    std::fs::create_dir_all(app.join("src")).unwrap();
    std::fs::write(
        app.join("Cargo.toml"),
        "[package]\nname = \"stripe-app\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dev-dependencies]\nstripe-client = { path = \"../client\", default-features = false, features = [\"testing\", \"customers\"] }\ntokio = { version = \"1\", features = [\"rt\", \"macros\"] }\n",
    )
    .unwrap();
    std::fs::write(app.join("src/lib.rs"), "").unwrap();
    std::fs::write(app.join("tests/fake.rs"), TEST).unwrap();
    let lock = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
    std::fs::copy(lock, root.join("Cargo.lock")).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"client\", \"app\"]\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO"))
        .args(["test", "-p", "stripe-app", "--test", "fake"])
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", e2e_target_dir().join("fake-stripe"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run cargo test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("test result: ok. 1 passed"), "{stdout}");
}
