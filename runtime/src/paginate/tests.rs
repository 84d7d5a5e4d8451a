use super::*;

#[test]
fn link_header_parsing() {
    assert_eq!(
        next_link(
            r#"<https://api.github.com/repos?page=2>; rel="next", <https://api.github.com/repos?page=5>; rel="last""#
        ),
        Some("https://api.github.com/repos?page=2".to_owned())
    );
    assert_eq!(
        next_link(r#"<https://x/?a=1,2>; rel="prev", <https://x/?p=3>; rel=next"#),
        Some("https://x/?p=3".to_owned())
    );
    assert_eq!(
        next_link(r#"<https://x/?p=3>; title="a, b"; rel="next last""#),
        Some("https://x/?p=3".to_owned())
    );
    assert_eq!(next_link(r#"<https://x/?p=1>; rel="prev""#), None);
    assert_eq!(next_link("garbage"), None);
}

#[test]
fn positions_round_trip_as_json() {
    for p in [
        Position::Start,
        Position::Cursor("abc".into()),
        Position::Offset(200),
        Position::Page(3),
        Position::Url("https://x".into()),
        Position::Done,
    ] {
        let s = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<Position>(&s).unwrap(), p);
    }
}

#[test]
fn file_checkpoints_save_and_load() {
    let dir = std::env::temp_dir().join(format!("sturdy-ckpt-{}", std::process::id()));
    let store = FileCheckpoints::new(&dir);
    assert_eq!(store.load("orders/eu").unwrap(), None);
    store
        .save("orders/eu", &Position::Cursor("c1".into()))
        .unwrap();
    assert_eq!(
        store.load("orders/eu").unwrap(),
        Some(Position::Cursor("c1".into()))
    );
    let _ = std::fs::remove_dir_all(dir);
}
