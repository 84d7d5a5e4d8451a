//! The petstore client, generated into OUT_DIR by build.rs, run against a tiny loopback
//! server that answers like the spec (and fails the first create with a 503, to show a safe
//! retry with the same idempotency key).

mod petstore {
    include!(concat!(env!("OUT_DIR"), "/petstore.rs"));
}

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Requests the server saw: (method and path, idempotency key).
type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

async fn serve(listener: TcpListener, seen: Seen) {
    let mut creates = 0;
    while let Ok((mut sock, _)) = listener.accept().await {
        let mut buf = vec![0u8; 16 * 1024];
        let mut len = 0;
        // Read headers and (small) body.
        loop {
            let Ok(n) = sock.read(&mut buf[len..]).await else {
                break;
            };
            if n == 0 {
                break;
            }
            len += n;
            let text = String::from_utf8_lossy(&buf[..len]);
            if let Some(end) = text.find("\r\n\r\n") {
                let cl = text
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                    })
                    .unwrap_or(0);
                if len >= end + 4 + cl {
                    break;
                }
            }
        }
        let text = String::from_utf8_lossy(&buf[..len]).to_string();
        let line = text.lines().next().unwrap_or("").to_owned();
        let key = text
            .lines()
            .find_map(|l| l.strip_prefix("idempotency-key: ").map(str::to_owned));
        seen.lock().expect("lock").push((line.clone(), key));
        let (status, body) = if line.starts_with("GET /pets/1 ") {
            ("200 OK", r#"{"id":1,"name":"Rex","tag":"dog"}"#.to_owned())
        } else if line.starts_with("GET /pets/") {
            (
                "404 Not Found",
                r#"{"code":"not_found","message":"no such pet"}"#.to_owned(),
            )
        } else if line.starts_with("GET /pets") {
            (
                "200 OK",
                r#"{"data":[{"id":1,"name":"Rex","tag":"dog"}],"next_cursor":null}"#.to_owned(),
            )
        } else if line.starts_with("POST /pets") {
            creates += 1;
            if creates == 1 {
                (
                    "503 Service Unavailable",
                    r#"{"code":"unavailable","message":"try again"}"#.to_owned(),
                )
            } else {
                ("201 Created", r#"{"id":42,"name":"Fido"}"#.to_owned())
            }
        } else {
            ("404 Not Found", "{}".to_owned())
        };
        let resp = format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nretry-after: 0\r\nconnection: close\r\n\r\n{body}", body.len());
        let _ = sock.write_all(resp.as_bytes()).await;
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let seen: Seen = Arc::default();
    let server = tokio::spawn(serve(listener, seen.clone()));

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
    let keys: Vec<Option<String>> = seen
        .lock()
        .expect("lock")
        .iter()
        .filter(|(l, _)| l.starts_with("POST"))
        .map(|(_, k)| k.clone())
        .collect();
    println!(
        "the server saw {} POSTs with keys {keys:?}: the same key on every attempt",
        keys.len()
    );
    server.abort();
    Ok(())
}
