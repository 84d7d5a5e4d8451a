//! The petstore client, generated into OUT_DIR by build.rs, run against a small loopback
//! server (axum) that answers like the spec and fails the first create with a 503, to show a
//! safe retry with the same idempotency key.

mod petstore {
    include!(concat!(env!("OUT_DIR"), "/petstore.rs"));
}

use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;

/// What the server saw: the idempotency key of each create, and how many creates came.
#[derive(Clone, Default)]
struct Seen {
    create_keys: Arc<Mutex<Vec<Option<String>>>>,
}

/// A JSON response with a status (and `Retry-After: 0` so the demo does not wait).
fn json(status: StatusCode, body: &'static str) -> (StatusCode, HeaderMap, &'static str) {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        "application/json".parse().expect("static"),
    );
    headers.insert(header::RETRY_AFTER, "0".parse().expect("static"));
    (status, headers, body)
}

async fn list_pets() -> (StatusCode, HeaderMap, &'static str) {
    json(
        StatusCode::OK,
        r#"{"data":[{"id":1,"name":"Rex","tag":"dog"}],"next_cursor":null}"#,
    )
}

async fn get_pet(Path(id): Path<i64>) -> (StatusCode, HeaderMap, &'static str) {
    match id {
        1 => json(StatusCode::OK, r#"{"id":1,"name":"Rex","tag":"dog"}"#),
        _ => json(
            StatusCode::NOT_FOUND,
            r#"{"code":"not_found","message":"no such pet"}"#,
        ),
    }
}

async fn create_pet(
    State(seen): State<Seen>,
    headers: HeaderMap,
) -> (StatusCode, HeaderMap, &'static str) {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut keys = seen.create_keys.lock().expect("lock");
    keys.push(key);
    if keys.len() == 1 {
        json(
            StatusCode::SERVICE_UNAVAILABLE,
            r#"{"code":"unavailable","message":"try again"}"#,
        )
    } else {
        json(StatusCode::CREATED, r#"{"id":42,"name":"Fido"}"#)
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seen = Seen::default();
    let app = Router::new()
        .route("/pets", get(list_pets).post(create_pet))
        .route("/pets/{id}", get(get_pet))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let client = petstore::Client::builder().base_url(&base).build()?;
    let pets = client.list_pets(Default::default()).await?;
    println!(
        "list_pets: {} pet(s), first {:?}",
        pets.data.len(),
        pets.data.first().map(|p| &p.name)
    );

    let rex = client.get_pet(1).await?;
    println!(
        "get_pet(1): {} (request id {:?})",
        rex.name,
        rex.request_id()
    );

    match client.get_pet(7).await {
        Err(e) => println!("get_pet(7): {} -> typed: {:?}", e.kind(), e.typed()),
        Ok(p) => println!("get_pet(7): unexpected {p:?}"),
    }

    let new_pet = petstore::types::NewPet {
        name: "Fido".into(),
        tag: None,
    };
    let created = client.create_pet(&new_pet, Default::default()).await?;
    println!(
        "create_pet: id {} after {} attempts, idempotency key {:?}",
        created.id,
        created.attempts(),
        created.idempotency_key()
    );
    let keys = seen.create_keys.lock().expect("lock").clone();
    println!(
        "the server saw {} POSTs with keys {keys:?}: the same key on every attempt",
        keys.len()
    );
    server.abort();
    if keys.len() != 2 || keys[0].is_none() || keys[0] != keys[1] {
        return Err("expected one key reused on the retried create".into());
    }
    Ok(())
}

/// `cargo test -p sturdy-example --features testing`: the module generated into `OUT_DIR`
/// carries its fake, whose answers file was written beside it.
#[cfg(all(test, feature = "testing"))]
mod tests {
    #[tokio::test]
    async fn the_out_dir_module_has_a_fake_answering_the_specs_examples() {
        let client = super::petstore::testing::fake();
        let pet = client.get_pet(1).await.unwrap();
        assert_eq!(pet.body().name, "Rex");
        let page = client.list_pets(Default::default()).await.unwrap();
        assert_eq!(page.body().next_cursor.as_deref(), Some("abc"));
    }
}
