//! Parser tests: the WHATWG examples, line-end and UTF-8 splits, the cap, and properties (any
//! chunking gives the same events; random bytes never panic and stay within the cap).

use proptest::prelude::*;

use super::*;

fn parse_all(input: &[u8]) -> Vec<SseEvent> {
    SseParser::new().feed(input).unwrap()
}

fn data(d: &str) -> SseEvent {
    SseEvent {
        data: d.to_owned(),
        ..SseEvent::default()
    }
}

#[test]
fn whatwg_examples() {
    // WHATWG HTML §9.2.6 examples.
    assert_eq!(
        parse_all(b"data: YHOO\ndata: +2\ndata: 10\n\n"),
        vec![data("YHOO\n+2\n10")]
    );
    let evs = parse_all(b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n");
    assert_eq!(
        evs,
        vec![
            SseEvent {
                id: Some("1".into()),
                ..data("first event")
            },
            data("second event"),
            data(" third event"),
        ]
    );
    // `data` without a colon is an empty data line; the unterminated last event is dropped.
    assert_eq!(
        parse_all(b"data\n\ndata\ndata\n\ndata:"),
        vec![data(""), data("\n")]
    );
    assert_eq!(
        parse_all(b"data:test\n\ndata: test\n\n"),
        vec![data("test"), data("test")]
    );
}

#[test]
fn named_events_ids_persist_and_type_resets() {
    let evs = parse_all(
        b"event: message_start\nid: 7\ndata: {}\n\ndata: x\n\nevent: ping\n\ndata: y\n\n",
    );
    let names: Vec<_> = evs.iter().map(|e| e.event.as_deref()).collect();
    // The `ping` without data dispatches nothing and its type does not leak into `y`.
    assert_eq!(names, vec![Some("message_start"), None, None]);
    assert!(evs.iter().all(|e| e.id.as_deref() == Some("7")));
}

#[test]
fn line_ends_bom_and_comments() {
    let want = vec![data("a"), data("b"), data("c")];
    assert_eq!(
        parse_all(b"\xEF\xBB\xBFdata: a\r\n\r\ndata: b\r\rdata: c\n\n"),
        want
    );
    assert_eq!(
        parse_all(b":keep-alive\n\n: OPENROUTER PROCESSING\n\n"),
        vec![]
    );
    // A BOM later in the stream is data, not skipped.
    assert_eq!(
        parse_all(b"data: \xEF\xBB\xBFx\n\n"),
        vec![data("\u{feff}x")]
    );
}

#[test]
fn splits_inside_crlf_and_utf8() {
    let input = "data: héllo 😀\r\n\r\ndata: b\r\n\r\n".as_bytes();
    let whole = parse_all(input);
    for i in 0..=input.len() {
        let mut p = SseParser::new();
        let mut got = p.feed(&input[..i]).unwrap();
        got.extend(p.feed(&input[i..]).unwrap());
        assert_eq!(got, whole, "split at {i}");
    }
    // Byte by byte, including the empty chunk between.
    let mut p = SseParser::new();
    let mut got = Vec::new();
    for b in input {
        got.extend(p.feed(&[]).unwrap());
        got.extend(p.feed(std::slice::from_ref(b)).unwrap());
    }
    assert_eq!(got, whole);
    assert_eq!(whole[0].data, "héllo 😀");
}

#[test]
fn invalid_utf8_is_replaced() {
    assert_eq!(parse_all(b"data: a\xFFb\n\n"), vec![data("a\u{fffd}b")]);
}

#[test]
fn cap_is_an_error_not_growth() {
    let mut p = SseParser::with_limit(16);
    assert!(p.feed(b"data: 0123456789").is_ok());
    assert_eq!(p.feed(b"0123456789"), Err(SseTooLarge { limit: 16 }));
    // Many data lines of one event count together.
    let mut p = SseParser::with_limit(16);
    assert!(p.feed(b"data: 0123456\ndata: 0123456\n").is_err());
    // Separate events each stay under the cap.
    let mut p = SseParser::with_limit(16);
    for _ in 0..100 {
        assert_eq!(p.feed(b"data: 0123456\n\n").unwrap().len(), 1);
    }
}

#[test]
fn finish_yields_a_terminated_event_without_blank_line() {
    let mut p = SseParser::new();
    assert!(p.feed(b"data: [DONE]\n").unwrap().is_empty());
    assert_eq!(p.finish(), Some(data("[DONE]")));
    let mut p = SseParser::new();
    assert!(p.feed(b"data: partial").unwrap().is_empty());
    assert_eq!(p.finish(), None);
}

/// Pieces that make SSE-like streams with every awkward case in reach.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"data:".to_vec()),
        Just(b"data: ".to_vec()),
        Just(b"event: x".to_vec()),
        Just(b"id: 9".to_vec()),
        Just(b"id".to_vec()),
        Just(b":".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\n\n".to_vec()),
        Just("é😀".as_bytes().to_vec()),
        Just(b"\xEF\xBB\xBF".to_vec()),
        "[a-z {}\":]{0,8}".prop_map(String::into_bytes),
        any::<u8>().prop_map(|b| vec![b]),
    ]
}

fn stream() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(piece(), 0..60).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn any_chunking_gives_the_same_events(
        input in stream(),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        let mut whole = SseParser::new();
        let mut want = whole.feed(&input).unwrap();
        want.extend(whole.finish());
        let mut at: Vec<usize> = cuts.iter().map(|c| c.index(input.len() + 1)).collect();
        at.sort_unstable();
        let mut p = SseParser::new();
        let mut got = Vec::new();
        let mut prev = 0;
        for i in at.into_iter().chain([input.len()]) {
            got.extend(p.feed(&input[prev..i]).unwrap());
            prev = i;
        }
        got.extend(p.finish());
        prop_assert_eq!(got, want);
    }

    #[test]
    fn random_bytes_never_panic_and_respect_the_cap(
        input in proptest::collection::vec(any::<u8>(), 0..2048),
        step in 1usize..64,
    ) {
        let mut p = SseParser::with_limit(256);
        for chunk in input.chunks(step) {
            if let Ok(events) = p.feed(chunk) {
                for ev in events {
                    prop_assert!(ev.data.len() <= 256);
                }
            }
        }
        let _ = p.finish();
    }
}
