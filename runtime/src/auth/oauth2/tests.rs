use super::*;
use crate::time::ManualClock;
use std::time::UNIX_EPOCH;

fn cached(lifetime: u64) -> Cached {
    Cached {
        token: SecretString::from("t".to_owned()),
        obtained_at: UNIX_EPOCH,
        expires_at: UNIX_EPOCH + Duration::from_secs(lifetime),
    }
}

#[test]
fn refresh_is_due_a_margin_before_expiry_or_at_half_life() {
    let m = Duration::from_secs(120);
    let at = |s: u64| UNIX_EPOCH + Duration::from_secs(s);
    let hour = cached(3600);
    assert!(!hour.due(at(3479), m));
    assert!(hour.due(at(3480), m));
    let short = cached(2);
    assert!(!short.due(UNIX_EPOCH + Duration::from_millis(999), m));
    assert!(short.due(at(1), m));
    assert!(!short.expired(at(1)));
    assert!(short.expired(at(2)));
}

#[test]
fn secrets_stay_out_of_debug() {
    let cfg = OAuth2Config::new("https://x/token", "cid", "CANARY-SECRET");
    assert!(!format!("{cfg:?}").contains("CANARY"));
    let b = OAuth2::refresh_token(cfg.clone(), Some("CANARY-RT".into()));
    assert!(!format!("{b:?}").contains("CANARY"));
    let o = b.build().unwrap();
    assert!(!format!("{o:?}").contains("CANARY"));
}

#[test]
fn builds_check_the_url_the_secret_and_the_refresh_token() {
    let e = OAuth2::client_credentials(OAuth2Config::new("nope", "c", "s"))
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    let e = OAuth2::refresh_token(OAuth2Config::new("https://x/t", "c", "s"), None)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Credentials);
    assert_eq!(e.provider_code(), Some("expired"));
    let e = OAuth2::client_credentials(
        OAuth2Config::public("https://x/t", "c").client_auth(ClientAuth::Basic),
    )
    .build()
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::with("kept"));
    let o = OAuth2::refresh_token(OAuth2Config::new("https://x/t", "c", "s"), None)
        .store(store)
        .build()
        .unwrap();
    assert!(o.is_connected());
    let o = OAuth2::authorization_code(OAuth2Config::public("https://x/t", "c"))
        .build()
        .unwrap();
    assert!(!o.is_connected());
}

#[tokio::test]
async fn not_connected_is_expired_without_a_request() {
    let clock = ManualClock::new(UNIX_EPOCH);
    let o = OAuth2::authorization_code(OAuth2Config::public("http://127.0.0.1:9/t", "c"))
        .time_source(clock.time_source(0.0))
        .build()
        .unwrap();
    let e = o.access_token(false).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Credentials);
    assert_eq!(e.provider_code(), Some("expired"));
    assert!(clock.sleeps().is_empty());
}
