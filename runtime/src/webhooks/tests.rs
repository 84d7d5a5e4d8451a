use super::*;

const STD_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const STD_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const STD_TS: u64 = 1_614_265_330;
const STD_BODY: &[u8] = br#"{"test": 2432232314}"#;
const STD_SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

const STRIPE_HEADER: &str =
    "t=1700000000,v1=be8cb8325f2202445260a855532f967e30ad2a9394ce28da66ee02880ddcb661";
const GITHUB_SECRET: &str = "It's a Secret to Everybody";
const GITHUB_SIG: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(*k, HeaderValue::from_str(v).unwrap());
    }
    h
}

fn std_headers(sig: &str) -> HeaderMap {
    headers(&[
        ("webhook-id", STD_ID),
        ("webhook-timestamp", &STD_TS.to_string()),
        ("webhook-signature", sig),
    ])
}

fn std_verifier() -> Verifier {
    Verifier::standard_webhooks([STD_SECRET]).build().unwrap()
}

#[test]
fn standard_webhooks_golden_vector() {
    let v = std_verifier();
    let ok = v
        .verify(&std_headers(STD_SIG), STD_BODY, at(STD_TS))
        .unwrap();
    assert_eq!(ok.secret_index, 0);
    assert_eq!(ok.timestamp, Some(at(STD_TS)));
    // Several signatures, ours not first; an unknown version is skipped.
    let many = format!("v1a,AAAA v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= {STD_SIG}");
    assert!(v.verify(&std_headers(&many), STD_BODY, at(STD_TS)).is_ok());
    // The secret without its prefix works too, and so does `svix-*` naming.
    let bare = Verifier::standard_webhooks(["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
        .build()
        .unwrap();
    let svix = headers(&[
        ("svix-id", STD_ID),
        ("svix-timestamp", "1614265330"),
        ("svix-signature", STD_SIG),
    ]);
    assert!(bare.verify(&svix, STD_BODY, at(STD_TS)).is_ok());
    // sign() reproduces the vector.
    let signed = v.sign(STD_ID, at(STD_TS), STD_BODY).unwrap();
    assert_eq!(signed["webhook-signature"], STD_SIG);
}

#[test]
fn stripe_golden_vector() {
    let v = Verifier::stripe(["whsec_x"]).build().unwrap();
    let h = headers(&[("Stripe-Signature", STRIPE_HEADER)]);
    assert_eq!(
        v.verify(&h, b"{}", at(1_700_000_000)).unwrap().timestamp,
        Some(at(1_700_000_000))
    );
    assert_eq!(
        v.sign("ignored", at(1_700_000_000), b"{}").unwrap()["stripe-signature"],
        STRIPE_HEADER
    );
    // A second v1 (Stripe sends one per active secret) and a v0 are tolerated.
    let two = format!(
        "t=1700000000,v1={},{},v0=abcd",
        "00".repeat(32),
        &STRIPE_HEADER[13..]
    );
    assert!(v
        .verify(
            &headers(&[("stripe-signature", &two)]),
            b"{}",
            at(1_700_000_000)
        )
        .is_ok());
}

#[test]
fn github_golden_vector() {
    let v = Verifier::github([GITHUB_SECRET]).build().unwrap();
    let h = headers(&[("X-Hub-Signature-256", GITHUB_SIG)]);
    let ok = v.verify(&h, b"Hello, World!", at(0)).unwrap();
    assert_eq!(ok.timestamp, None);
    assert_eq!(
        v.sign("d1", at(0), b"Hello, World!").unwrap()["x-hub-signature-256"],
        GITHUB_SIG
    );
}

#[test]
fn tampered_body_and_wrong_secret_are_invalid_signature() {
    let v = std_verifier();
    let e = v
        .verify(
            &std_headers(STD_SIG),
            br#"{"test": 2432232315}"#,
            at(STD_TS),
        )
        .unwrap_err();
    assert!(matches!(e, WebhookError::InvalidSignature), "{e:?}");
    let other = Verifier::standard_webhooks(["whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"])
        .build()
        .unwrap();
    let e = other
        .verify(&std_headers(STD_SIG), STD_BODY, at(STD_TS))
        .unwrap_err();
    assert!(matches!(e, WebhookError::InvalidSignature), "{e:?}");
    let gh = Verifier::github(["wrong"]).build().unwrap();
    let e = gh
        .verify(
            &headers(&[("x-hub-signature-256", GITHUB_SIG)]),
            b"Hello, World!",
            at(0),
        )
        .unwrap_err();
    assert!(matches!(e, WebhookError::InvalidSignature));
    // The signed id is part of the content.
    let mut h = std_headers(STD_SIG);
    h.insert("webhook-id", HeaderValue::from_static("msg_other"));
    assert!(matches!(
        v.verify(&h, STD_BODY, at(STD_TS)),
        Err(WebhookError::InvalidSignature)
    ));
}

#[test]
fn tolerance_both_ways_with_exact_boundaries() {
    let v = std_verifier();
    let h = std_headers(STD_SIG);
    assert!(v.verify(&h, STD_BODY, at(STD_TS + 300)).is_ok());
    assert!(v.verify(&h, STD_BODY, at(STD_TS - 300)).is_ok());
    match v.verify(&h, STD_BODY, at(STD_TS + 301)) {
        Err(WebhookError::TimestampTooOld {
            timestamp,
            age_secs: 301,
            tolerance_secs: 300,
        }) => {
            assert_eq!(timestamp, STD_TS as i64)
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        v.verify(&h, STD_BODY, at(STD_TS - 301)),
        Err(WebhookError::TimestampInFuture {
            ahead_secs: 301,
            tolerance_secs: 300,
            ..
        })
    ));
    let wide = Verifier::standard_webhooks([STD_SECRET])
        .tolerance(Duration::from_secs(3600))
        .build()
        .unwrap();
    assert!(wide.verify(&h, STD_BODY, at(STD_TS + 3600)).is_ok());
    assert_eq!(wide.tolerance_window(), Duration::from_secs(3600));
    // A now before the epoch does not panic.
    assert!(matches!(
        v.verify(&h, STD_BODY, UNIX_EPOCH - Duration::from_secs(5)),
        Err(WebhookError::TimestampInFuture { .. })
    ));
    let stripe = Verifier::stripe(["whsec_x"]).build().unwrap();
    let sh = headers(&[("stripe-signature", STRIPE_HEADER)]);
    assert!(matches!(
        stripe.verify(&sh, b"{}", at(1_700_000_301)),
        Err(WebhookError::TimestampTooOld { .. })
    ));
    assert!(matches!(
        stripe.verify(&sh, b"{}", at(1_699_999_699)),
        Err(WebhookError::TimestampInFuture { .. })
    ));
}

#[test]
fn stale_tampered_request_reports_the_signature_first() {
    let v = std_verifier();
    let e = v
        .verify(&std_headers(STD_SIG), b"{}", at(STD_TS + 10_000))
        .unwrap_err();
    assert!(matches!(e, WebhookError::InvalidSignature), "{e:?}");
}

#[test]
fn missing_and_malformed_headers() {
    let v = std_verifier();
    let mut h = std_headers(STD_SIG);
    h.remove("webhook-id");
    assert!(matches!(
        v.verify(&h, STD_BODY, at(STD_TS)),
        Err(WebhookError::MissingHeader("webhook-id"))
    ));
    let h = headers(&[("webhook-id", STD_ID), ("webhook-signature", STD_SIG)]);
    assert!(matches!(
        v.verify(&h, STD_BODY, at(STD_TS)),
        Err(WebhookError::MissingHeader("webhook-timestamp"))
    ));
    let h = headers(&[
        ("webhook-id", STD_ID),
        ("webhook-timestamp", "soon"),
        ("webhook-signature", STD_SIG),
    ]);
    assert!(matches!(
        v.verify(&h, STD_BODY, at(STD_TS)),
        Err(WebhookError::MalformedHeader {
            header: "webhook-timestamp",
            ..
        })
    ));
    for bad in ["v1", "v1,!!!", "v2,abc", ""] {
        assert!(
            matches!(
                v.verify(&std_headers(bad), STD_BODY, at(STD_TS)),
                Err(WebhookError::MalformedHeader {
                    header: "webhook-signature",
                    ..
                })
            ),
            "{bad}"
        );
    }
    let mut h = std_headers(STD_SIG);
    h.insert(
        "webhook-signature",
        HeaderValue::from_bytes(b"v1,\xff").unwrap(),
    );
    assert!(matches!(
        v.verify(&h, STD_BODY, at(STD_TS)),
        Err(WebhookError::MalformedHeader {
            reason: "not visible ASCII",
            ..
        })
    ));

    let stripe = Verifier::stripe(["whsec_x"]).build().unwrap();
    assert!(matches!(
        stripe.verify(&HeaderMap::new(), b"{}", at(0)),
        Err(WebhookError::MissingHeader("stripe-signature"))
    ));
    for bad in [
        "v1=abc",
        "t=1700000000",
        "t=now,v1=00",
        "t=1700000000,v1=xyz",
    ] {
        let e = stripe
            .verify(
                &headers(&[("stripe-signature", bad)]),
                b"{}",
                at(1_700_000_000),
            )
            .unwrap_err();
        assert!(
            matches!(
                e,
                WebhookError::MalformedHeader {
                    header: "stripe-signature",
                    ..
                }
            ),
            "{bad}: {e:?}"
        );
    }
    let gh = Verifier::github([GITHUB_SECRET]).build().unwrap();
    let e = gh
        .verify(
            &headers(&[("x-hub-signature-256", "sha1=abcd")]),
            b"",
            at(0),
        )
        .unwrap_err();
    assert!(matches!(
        e,
        WebhookError::MalformedHeader {
            header: "x-hub-signature-256",
            ..
        }
    ));
    assert!(e.is_unauthenticated());
}

#[test]
fn rotation_reports_which_secret_matched() {
    let v = Verifier::stripe(["whsec_new"])
        .secret("whsec_x")
        .build()
        .unwrap();
    let h = headers(&[("stripe-signature", STRIPE_HEADER)]);
    assert_eq!(
        v.verify(&h, b"{}", at(1_700_000_000)).unwrap().secret_index,
        1
    );
}

#[test]
fn secrets_are_used_as_given_never_trimmed() {
    // A GitHub secret with a trailing space: the space is part of the HMAC key.
    let spaced = "It's a Secret to Everybody ";
    let v = Verifier::github([spaced]).build().unwrap();
    let sig = format!(
        "sha256={}",
        hex::encode(mac(
            Algorithm::Sha256,
            spaced.as_bytes(),
            &[b"Hello, World!"]
        ))
    );
    let h = headers(&[("x-hub-signature-256", sig.as_str())]);
    assert!(v.verify(&h, b"Hello, World!", at(0)).is_ok());
    // The signature made with the trimmed secret does not match it.
    let h = headers(&[("x-hub-signature-256", GITHUB_SIG)]);
    assert!(matches!(
        v.verify(&h, b"Hello, World!", at(0)),
        Err(WebhookError::InvalidSignature)
    ));
    // Base64 text cannot carry whitespace: refused, not silently trimmed.
    assert!(matches!(
        Verifier::standard_webhooks([format!("{STD_SECRET}\n")]).build(),
        Err(WebhookError::InvalidSecret { index: 0, .. })
    ));
}

#[test]
fn bad_secrets_are_refused_at_build() {
    assert!(matches!(
        Verifier::standard_webhooks(["whsec_not base64!"]).build(),
        Err(WebhookError::InvalidSecret { index: 0, .. })
    ));
    assert!(matches!(
        Verifier::standard_webhooks([STD_SECRET, "whsec_"]).build(),
        Err(WebhookError::InvalidSecret {
            index: 1,
            reason: "empty"
        })
    ));
    assert!(matches!(
        Verifier::github(Vec::<String>::new()).build(),
        Err(WebhookError::NoSecrets)
    ));
    assert!(matches!(
        Verifier::hmac(HmacSpec::new("x-sig").signed("{timestamp}"), ["k"]).build(),
        Err(WebhookError::InvalidSpec(_))
    ));
}

#[test]
fn debug_never_shows_secrets() {
    let v = Verifier::stripe(["whsec_supersecretvalue"])
        .build()
        .unwrap();
    let b = Verifier::stripe(["whsec_supersecretvalue"]);
    for text in [format!("{v:?}"), format!("{b:?}")] {
        assert!(!text.contains("supersecret"), "{text}");
    }
    assert!(format!("{v:?}").contains("stripe"));
}

const ACME: HmacSpec = HmacSpec::new("x-acme-signature")
    .algorithm(Algorithm::Sha512)
    .encoding(SignatureEncoding::Base64)
    .prefix("v1=")
    .timestamp_header("x-acme-timestamp")
    .id_header("x-acme-id")
    .signed("{id}:{timestamp}.{body}");

#[test]
fn generic_hmac_round_trip_and_refusals() {
    let v = Verifier::hmac(ACME, ["k1"]).build().unwrap();
    let h = v.sign("evt_9", at(1000), b"payload").unwrap();
    assert!(h["x-acme-signature"].to_str().unwrap().starts_with("v1="));
    assert_eq!(
        v.verify(&h, b"payload", at(1000)).unwrap().timestamp,
        Some(at(1000))
    );
    assert_eq!(v.event_id(&h, b"payload").as_deref(), Some("evt_9"));
    assert!(matches!(
        v.verify(&h, b"payload!", at(1000)),
        Err(WebhookError::InvalidSignature)
    ));
    assert!(matches!(
        v.verify(&h, b"payload", at(2000)),
        Err(WebhookError::TimestampTooOld { .. })
    ));
    let mut no_prefix = h.clone();
    let raw = h["x-acme-signature"].to_str().unwrap()[3..].to_owned();
    no_prefix.insert("x-acme-signature", HeaderValue::from_str(&raw).unwrap());
    assert!(matches!(
        v.verify(&no_prefix, b"payload", at(1000)),
        Err(WebhookError::MalformedHeader { .. })
    ));
    let mut no_ts = h.clone();
    no_ts.remove("x-acme-timestamp");
    assert!(matches!(
        v.verify(&no_ts, b"payload", at(1000)),
        Err(WebhookError::MissingHeader("x-acme-timestamp"))
    ));

    // A known SHA-256 hex value: GitHub's vector through the generic scheme.
    const GH: HmacSpec = HmacSpec::new("x-hub-signature-256").prefix("sha256=");
    let g = Verifier::hmac(GH, [GITHUB_SECRET]).build().unwrap();
    assert!(g
        .verify(
            &headers(&[("x-hub-signature-256", GITHUB_SIG)]),
            b"Hello, World!",
            at(0)
        )
        .is_ok());
    // Stripe's vector through the generic scheme, with a timestamp header.
    const ST: HmacSpec = HmacSpec::new("x-sig")
        .timestamp_header("x-ts")
        .signed("{timestamp}.{body}");
    let s = Verifier::hmac(ST, ["whsec_x"]).build().unwrap();
    let h = headers(&[("x-sig", &STRIPE_HEADER[16..]), ("x-ts", "1700000000")]);
    assert!(s.verify(&h, b"{}", at(1_700_000_000)).is_ok());
    // Standard Webhooks' vector through the generic scheme with a base64 key.
    const SW: HmacSpec = HmacSpec::new("webhook-signature")
        .encoding(SignatureEncoding::Base64)
        .key_encoding(KeyEncoding::Base64)
        .prefix("v1,")
        .timestamp_header("webhook-timestamp")
        .id_header("webhook-id")
        .signed("{id}.{timestamp}.{body}");
    let sw = Verifier::hmac(SW, [STD_SECRET]).build().unwrap();
    assert!(sw
        .verify(&std_headers(STD_SIG), STD_BODY, at(STD_TS))
        .is_ok());
}

#[test]
fn sign_then_verify_for_every_scheme() {
    for v in [
        Verifier::standard_webhooks([STD_SECRET]).build().unwrap(),
        Verifier::stripe(["whsec_abc"]).build().unwrap(),
        Verifier::github(["s"]).build().unwrap(),
        Verifier::hmac(ACME, ["k"]).build().unwrap(),
    ] {
        let body = br#"{"id":"evt_1","type":"thing.happened"}"#;
        let h = v.sign("evt_1", at(5000), body).unwrap();
        assert!(v.verify(&h, body, at(5000)).is_ok(), "{}", v.scheme_name());
        assert_eq!(
            v.event_id(&h, body).as_deref(),
            Some("evt_1"),
            "{}",
            v.scheme_name()
        );
    }
}

#[test]
fn event_ids_and_types() {
    let h = headers(&[("x-github-event", "push"), ("x-github-delivery", "d-1")]);
    assert_eq!(event_type(&h, b"{}").as_deref(), Some("push"));
    assert_eq!(event_id(&h, b"{}").as_deref(), Some("d-1"));
    let none = HeaderMap::new();
    assert_eq!(
        event_type(&none, br#"{"type":"invoice.paid","id":"evt_2"}"#).as_deref(),
        Some("invoice.paid")
    );
    assert_eq!(
        event_type(&none, br#"{"event":"call.ended"}"#).as_deref(),
        Some("call.ended")
    );
    assert_eq!(
        event_type(&none, br#"{"event_type":"x\u0079"}"#).as_deref(),
        Some("xy")
    );
    assert_eq!(event_type(&none, br#"{"type":5}"#), None);
    assert_eq!(event_type(&none, b"not json"), None);
    assert_eq!(
        event_id(&none, br#"{"id":"evt_2"}"#).as_deref(),
        Some("evt_2")
    );
    assert_eq!(event_id(&none, br#"[1]"#), None);
    assert_eq!(
        event_id(&std_headers(STD_SIG), b"").as_deref(),
        Some(STD_ID)
    );
}

#[test]
fn verify_event_decodes_after_verifying() {
    let v = Verifier::stripe(["whsec_k"]).build().unwrap();
    let body = br#"{"id":"evt_1","type":"invoice.paid","data":{}}"#;
    let h = v.sign("", at(10), body).unwrap();
    let (_, json): (Verified, serde_json::Value) = v.verify_event(&h, body, at(10)).unwrap();
    assert_eq!(json["type"], "invoice.paid");
    assert!(matches!(
        v.verify_event::<serde_json::Value>(&h, b"{bad", at(10)),
        Err(WebhookError::InvalidSignature)
    ));
    let h = v.sign("", at(10), b"{bad").unwrap();
    let e = v
        .verify_event::<serde_json::Value>(&h, b"{bad", at(10))
        .unwrap_err();
    assert!(matches!(e, WebhookError::InvalidPayload { .. }));
    assert!(!e.is_unauthenticated());
}
