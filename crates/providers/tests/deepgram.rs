//! The Deepgram clients against the protocol fake (testkit::fakes::deepgram) over loopback.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use callbridge_audio::{AudioFrame, MediaTime, SampleRate, g711};
use callbridge_providers::deepgram::{
    AudioEncoding, DeepgramConfig, DeepgramLive, DeepgramPrerecorded, TranscribeOptions,
};
use callbridge_providers::retry::RetryPolicy;
use callbridge_testkit::fakes::deepgram::{FakeDeepgram, LiveScript, PrerecordedReply, Step};
use callbridge_voice_api::{BoxStream, ErrorKind, SpeechToText, SttConfig, SttEvent, SttSession};
use futures_util::StreamExt;

const KEY: &str = "test-key";
const WAIT: Duration = Duration::from_secs(5);

fn fast(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        attempts,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
    }
}

fn config(fake: &FakeDeepgram) -> DeepgramConfig {
    let mut c = DeepgramConfig::new(KEY).with_base_url(&fake.base_url());
    c.retry = fast(3);
    c.reconnect = fast(3);
    c.queue_frames = 1000;
    c
}

async fn start(live: Vec<LiveScript>) -> FakeDeepgram {
    FakeDeepgram::start(live, vec![], Some(KEY)).await.unwrap()
}

async fn open(cfg: DeepgramConfig, stt: &SttConfig) -> SttSession {
    DeepgramLive::new(cfg).unwrap().open(stt).await.unwrap()
}

/// Frame `i` of a 16 kHz test signal (distinct samples, both signs).
fn frame(rate: SampleRate, i: u64) -> AudioFrame {
    AudioFrame::generate(rate, MediaTime::ZERO.after_frames(i, rate), |s| {
        for (j, x) in s.iter_mut().enumerate() {
            *x = (((i as usize * 7919 + j * 101) % 20_000) as i16) - 10_000;
        }
    })
}

fn push(session: &mut SttSession, from: u64, frames: u64) {
    for i in from..from + frames {
        session.input.push(&frame(SampleRate::Hz16000, i)).unwrap();
    }
}

async fn next(events: &mut BoxStream<'static, SttEvent>) -> Option<SttEvent> {
    tokio::time::timeout(WAIT, events.next()).await.unwrap()
}

/// Every event until the stream ends.
async fn rest(events: &mut BoxStream<'static, SttEvent>) -> Vec<SttEvent> {
    let mut out = Vec::new();
    while let Some(e) = next(events).await {
        out.push(e);
    }
    out
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[tokio::test]
async fn live_url_query_headers_and_linear16_frames() {
    let fake = start(vec![LiveScript::new()]).await;
    let stt = SttConfig {
        keywords: vec!["Callbridge".to_owned(), "Acme Corp".to_owned()],
        ..SttConfig::default()
    };
    let mut s = open(config(&fake), &stt).await;
    push(&mut s, 0, 3);
    s.input.close();
    assert!(rest(&mut s.events).await.is_empty());
    let conns = fake.connections();
    assert_eq!(conns.len(), 1);
    let c = &conns[0];
    assert_eq!(
        c.raw_query,
        "model=nova-3&language=en-US&encoding=linear16&sample_rate=16000&channels=1\
         &interim_results=true&endpointing=300&utterance_end_ms=1000&vad_events=true\
         &smart_format=true&punctuate=true&keyterm=Callbridge&keyterm=Acme+Corp"
    );
    assert_eq!(c.header("authorization"), Some("Token test-key"));
    assert_eq!(c.binary_sizes, vec![640, 640, 640]);
    let f1 = frame(SampleRate::Hz16000, 1);
    let expect: Vec<u8> = f1.samples().iter().flat_map(|x| x.to_le_bytes()).collect();
    assert_eq!(&c.audio[640..1280], &expect[..]);
    assert_eq!(c.texts, vec![r#"{"type":"CloseStream"}"#.to_owned()]);
    assert_eq!(c.server_close, Some(1000));
}

#[tokio::test]
async fn mulaw_sends_g711_at_8k_from_either_rate() {
    let fake = start(vec![LiveScript::new()]).await;
    let mut cfg = config(&fake);
    cfg.encoding = AudioEncoding::Mulaw;
    cfg.endpointing_ms = None;
    cfg.utterance_end_ms = None;
    let stt = SttConfig {
        interim_results: false,
        ..SttConfig::default()
    };
    let mut s = open(cfg, &stt).await;
    let f8 = frame(SampleRate::Hz8000, 0);
    s.input.push(&f8).unwrap();
    s.input.push(&frame(SampleRate::Hz16000, 1)).unwrap();
    s.input.close();
    rest(&mut s.events).await;
    let c = &fake.connections()[0];
    assert_eq!(c.param("encoding"), Some("mulaw"));
    assert_eq!(c.param("sample_rate"), Some("8000"));
    assert_eq!(c.param("interim_results"), Some("false"));
    assert_eq!(c.param("endpointing"), Some("false"));
    assert_eq!(c.param("utterance_end_ms"), None);
    assert_eq!(c.binary_sizes, vec![160, 160]);
    let mut expect = vec![0u8; 160];
    g711::mulaw_encode_into(f8.samples(), &mut expect);
    assert_eq!(&c.audio[..160], &expect[..]);
}

#[tokio::test]
async fn results_map_to_interim_final_and_signals() {
    let script = LiveScript::new()
        .at(200, Step::SpeechStarted)
        .interim(1000, "hello")
        .at(
            1100,
            Step::Raw(r#"{"type":"SomethingNew","x":1}"#.to_owned()),
        )
        .final_(1500, "hello there", true)
        .at(2000, Step::UtteranceEnd);
    let fake = start(vec![script]).await;
    let mut s = open(config(&fake), &SttConfig::default()).await;
    push(&mut s, 0, 110);
    let mut got = Vec::new();
    while got.len() < 4 {
        got.push(next(&mut s.events).await.unwrap());
    }
    assert_eq!(
        got,
        vec![
            SttEvent::SpeechStarted { at: ms(200) },
            SttEvent::Interim {
                text: "hello".to_owned(),
                start: ms(0),
                end: ms(1000)
            },
            SttEvent::Final {
                text: "hello there".to_owned(),
                confidence: 0.97,
                start: ms(0),
                end: ms(1500),
                speech_final: true
            },
            SttEvent::UtteranceEnd {
                last_word_end: ms(2000)
            },
        ]
    );
    s.input.close();
    assert!(
        rest(&mut s.events).await.is_empty(),
        "empty flush final is skipped"
    );
}

#[tokio::test]
async fn interims_are_not_reported_unless_asked_but_utterance_end_still_works() {
    let script = LiveScript::new()
        .interim(200, "hel")
        .final_(400, "hello", false)
        .at(600, Step::UtteranceEnd);
    let fake = start(vec![script]).await;
    let stt = SttConfig {
        interim_results: false,
        ..SttConfig::default()
    };
    let mut s = open(config(&fake), &stt).await;
    push(&mut s, 0, 35);
    s.input.close();
    let got = rest(&mut s.events).await;
    assert_eq!(fake.connections()[0].param("interim_results"), Some("true"));
    assert!(
        matches!(&got[0], SttEvent::Final { text, speech_final: false, .. } if text == "hello")
    );
    assert_eq!(
        got[1],
        SttEvent::UtteranceEnd {
            last_word_end: ms(600)
        }
    );
    assert_eq!(got.len(), 2);
}

#[tokio::test]
async fn finalize_fixes_the_pending_words() {
    let fake = start(vec![LiveScript::new().interim(400, "book a table")]).await;
    let mut s = open(config(&fake), &SttConfig::default()).await;
    push(&mut s, 0, 30);
    assert!(matches!(
        next(&mut s.events).await,
        Some(SttEvent::Interim { .. })
    ));
    s.input.finalize().unwrap();
    let e = next(&mut s.events).await.unwrap();
    assert_eq!(
        e,
        SttEvent::Final {
            text: "book a table".to_owned(),
            confidence: 0.97,
            start: ms(0),
            end: ms(600),
            speech_final: false
        }
    );
    assert_eq!(
        fake.connections()[0].texts,
        vec![r#"{"type":"Finalize"}"#.to_owned()]
    );
    drop(s);
}

#[tokio::test]
async fn keepalive_is_sent_while_no_audio_flows() {
    let fake = start(vec![LiveScript::new().idle_timeout(ms(300))]).await;
    let mut cfg = config(&fake);
    cfg.keepalive = ms(100);
    let mut s = open(cfg, &SttConfig::default()).await;
    push(&mut s, 0, 1);
    tokio::time::sleep(ms(800)).await;
    let c = &fake.connections()[0];
    assert!(c.texts_of_type("KeepAlive") >= 4, "{:?}", c.texts);
    assert!(c.texts.iter().all(|t| t == r#"{"type":"KeepAlive"}"#));
    assert_eq!(c.server_close, None, "the fake's idle timeout never fired");
    s.input.close();
    assert!(rest(&mut s.events).await.is_empty());
}

#[tokio::test]
async fn idle_timeout_close_1011_is_a_timeout_error() {
    let fake = start(vec![LiveScript::new().idle_timeout(ms(200))]).await;
    let mut cfg = config(&fake);
    cfg.keepalive = Duration::from_secs(30);
    let mut s = open(cfg, &SttConfig::default()).await;
    let got = rest(&mut s.events).await;
    assert_eq!(got.len(), 1);
    let SttEvent::Error(e) = &got[0] else {
        panic!("{got:?}")
    };
    assert_eq!(e.kind, ErrorKind::Timeout);
    assert!(e.message.contains("1011"));
    assert_eq!(fake.connections().len(), 1, "no reconnect after a 1011");
}

#[tokio::test]
async fn reconnect_replays_unfinalized_audio_and_keeps_times_monotonic() {
    let first = LiveScript::new()
        .final_(600, "first part", true)
        .at(1000, Step::Disconnect);
    let second = LiveScript::new().final_(900, "second part", true);
    let fake = start(vec![first, second]).await;
    let mut s = open(config(&fake), &SttConfig::default()).await;
    push(&mut s, 0, 50);
    let e1 = next(&mut s.events).await.unwrap();
    assert!(
        fake.wait_until(WAIT, |c| c.len() == 2 && c[1].audio.len() >= 12_800)
            .await
    );
    push(&mut s, 50, 50);
    let e2 = next(&mut s.events).await.unwrap();
    s.input.close();
    let tail = rest(&mut s.events).await;
    assert!(tail.is_empty(), "{tail:?}");
    let (
        SttEvent::Final { end: end1, .. },
        SttEvent::Final {
            start: start2,
            end: end2,
            text,
            ..
        },
    ) = (&e1, &e2)
    else {
        panic!("{e1:?} {e2:?}")
    };
    assert_eq!(*end1, ms(600));
    assert_eq!(text, "second part");
    // The second connection's 0 s is the session's 0.6 s (the replayed audio began there).
    assert_eq!((*start2, *end2), (ms(600), ms(1500)));
    let conns = fake.connections();
    assert_eq!(conns[0].audio.len(), 50 * 640);
    // The replay is exactly the audio after the first final.
    assert_eq!(&conns[1].audio[..20 * 640], &conns[0].audio[30 * 640..]);
    assert_eq!(conns[1].audio.len(), 70 * 640);
}

#[tokio::test]
async fn reconnect_gives_up_after_its_attempts_with_an_error() {
    let first = LiveScript::new()
        .interim(100, "hi")
        .at(200, Step::Disconnect);
    let fake = start(vec![first, LiveScript::reject(503, None)]).await;
    let mut s = open(config(&fake), &SttConfig::default()).await;
    push(&mut s, 0, 10);
    let got = rest(&mut s.events).await;
    assert!(matches!(got[0], SttEvent::Interim { .. }));
    let Some(SttEvent::Error(e)) = got.last() else {
        panic!("{got:?}")
    };
    assert_eq!(e.kind, ErrorKind::Server);
    let conns = fake.connections();
    assert_eq!(conns.len(), 4, "one session and three reconnect attempts");
    assert!(conns[1..].iter().all(|c| c.rejected == Some(503)));
}

#[tokio::test]
async fn handshake_refusals_map_by_status() {
    for (status, kind) in [
        (401, ErrorKind::Auth),
        (402, ErrorKind::BadRequest),
        (400, ErrorKind::BadRequest),
    ] {
        let fake = start(vec![LiveScript::reject(status, None)]).await;
        let err = DeepgramLive::new(config(&fake))
            .unwrap()
            .open(&SttConfig::default())
            .await
            .unwrap_err();
        assert_eq!(err.kind, kind, "{status}");
        assert!(!err.retryable);
        assert_eq!(fake.connections().len(), 1, "{status} is not retried");
        assert!(err.message.contains("err_code"), "{}", err.message);
    }
    // A wrong key is refused by the fake like the real service.
    let fake = start(vec![LiveScript::new()]).await;
    let mut cfg = config(&fake);
    cfg.api_key = "wrong".to_owned();
    let err = DeepgramLive::new(cfg)
        .unwrap()
        .open(&SttConfig::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
}

#[tokio::test]
async fn rate_limited_handshake_is_retried_then_reported() {
    let fake = start(vec![LiveScript::reject(429, Some(0)), LiveScript::new()]).await;
    let mut s = open(config(&fake), &SttConfig::default()).await;
    s.input.close();
    rest(&mut s.events).await;
    assert_eq!(fake.connections()[0].rejected, Some(429));
    assert_eq!(fake.connections().len(), 2);

    let fake = start(vec![LiveScript::reject(429, Some(7))]).await;
    let mut cfg = config(&fake);
    cfg.retry = RetryPolicy::none();
    let err = DeepgramLive::new(cfg)
        .unwrap()
        .open(&SttConfig::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::RateLimited);
    assert_eq!(err.retry_after, Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn server_errors_end_the_session() {
    let cases = [
        (Step::Error("bad audio".to_owned()), ErrorKind::Server),
        (Step::Malformed, ErrorKind::Protocol),
        (
            Step::Close(1008, "DATA-0000".to_owned()),
            ErrorKind::BadRequest,
        ),
        (Step::Close(1011, "NET-0000".to_owned()), ErrorKind::Timeout),
    ];
    for (step, kind) in cases {
        let fake = start(vec![LiveScript::new().at(100, step.clone())]).await;
        let mut s = open(config(&fake), &SttConfig::default()).await;
        push(&mut s, 0, 10);
        let got = rest(&mut s.events).await;
        assert_eq!(got.len(), 1, "{step:?}: {got:?}");
        let SttEvent::Error(e) = &got[0] else {
            panic!("{got:?}")
        };
        assert_eq!(e.kind, kind, "{step:?}");
        assert_eq!(e.provider, "deepgram");
        assert!(fake.wait_until(WAIT, |c| c[0].ended).await);
        assert_eq!(fake.connections().len(), 1, "{step:?}: not reconnected");
    }
}

#[tokio::test]
async fn dropping_the_session_closes_the_socket() {
    let fake = start(vec![LiveScript::new()]).await;
    let mut s = open(config(&fake), &SttConfig::default()).await;
    push(&mut s, 0, 5);
    assert!(
        fake.wait_until(WAIT, |c| c[0].binary_sizes.len() == 5)
            .await
    );
    drop(s);
    assert!(fake.wait_until(WAIT, |c| c[0].ended).await);
    assert_eq!(fake.connections()[0].client_close, Some(1000));
}

#[tokio::test]
async fn close_ends_the_stream_after_final_results_and_metadata() {
    let fake = start(vec![LiveScript::new().interim(200, "almost done")]).await;
    let mut s = open(config(&fake), &SttConfig::default()).await;
    push(&mut s, 0, 15);
    assert!(matches!(
        next(&mut s.events).await,
        Some(SttEvent::Interim { .. })
    ));
    s.input.close();
    assert!(s.input.push(&frame(SampleRate::Hz16000, 15)).is_err());
    let got = rest(&mut s.events).await;
    assert_eq!(got.len(), 1);
    assert!(
        matches!(&got[0], SttEvent::Final { text, end, .. } if text == "almost done" && *end == ms(300))
    );
    assert_eq!(fake.connections()[0].server_close, Some(1000));
}

#[tokio::test]
async fn invalid_configs_are_refused_up_front() {
    let mut c = DeepgramConfig::new(KEY);
    c.utterance_end_ms = Some(999);
    assert_eq!(
        DeepgramLive::new(c).unwrap_err().kind,
        ErrorKind::BadRequest
    );
    let c = DeepgramConfig::new(KEY).with_base_url("::nope");
    assert_eq!(
        DeepgramLive::new(c).unwrap_err().kind,
        ErrorKind::BadRequest
    );
}

#[tokio::test]
async fn prerecorded_posts_raw_audio_and_parses_words_and_utterances() {
    let reply = PrerecordedReply::transcript("Hello, world.", 2.0);
    let fake = FakeDeepgram::start(vec![], vec![reply], Some(KEY))
        .await
        .unwrap();
    let client = DeepgramPrerecorded::new(config(&fake)).unwrap();
    let opts = TranscribeOptions {
        utterances: true,
        keywords: vec!["Acme".to_owned()],
        ..TranscribeOptions::default()
    };
    let audio = b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec();
    let t = client.transcribe(&audio, "audio/wav", &opts).await.unwrap();
    assert_eq!(t.text, "Hello, world.");
    assert_eq!(t.duration, Duration::from_secs(2));
    assert_eq!(t.words.len(), 2);
    assert_eq!(
        (t.words[0].word.as_str(), t.words[0].punctuated.as_str()),
        ("hello", "Hello,")
    );
    assert_eq!((t.words[1].start, t.words[1].end), (ms(1000), ms(2000)));
    assert_eq!(t.utterances.len(), 1);
    assert_eq!(t.utterances[0].speaker, Some(0));
    let r = &fake.requests()[0];
    assert_eq!(r.method, "POST");
    assert_eq!(
        r.raw_query,
        "model=nova-3&language=en-US&smart_format=true&punctuate=true&utterances=true&keyterm=Acme"
    );
    assert_eq!(r.header("authorization"), Some("Token test-key"));
    assert_eq!(r.header("content-type"), Some("audio/wav"));
    assert_eq!(r.body, audio);
}

#[tokio::test]
async fn prerecorded_raw_mulaw_names_its_encoding() {
    let fake = FakeDeepgram::start(vec![], vec![], Some(KEY))
        .await
        .unwrap();
    let client = DeepgramPrerecorded::new(config(&fake)).unwrap();
    let opts = TranscribeOptions {
        raw: Some(AudioEncoding::Mulaw),
        language: Some("es".to_owned()),
        ..TranscribeOptions::default()
    };
    let t = client
        .transcribe(&[0xFF; 800], "audio/mulaw", &opts)
        .await
        .unwrap();
    assert_eq!(t.text, "");
    let r = &fake.requests()[0];
    assert_eq!(r.param("encoding"), Some("mulaw"));
    assert_eq!(r.param("sample_rate"), Some("8000"));
    assert_eq!(r.param("language"), Some("es"));
    assert_eq!(r.param("utterances"), None);
}

#[tokio::test]
async fn prerecorded_retries_429_and_500_but_not_401() {
    let replies = vec![
        PrerecordedReply::Status {
            status: 429,
            retry_after: Some(0),
        },
        PrerecordedReply::Status {
            status: 500,
            retry_after: None,
        },
        PrerecordedReply::transcript("ok", 1.0),
    ];
    let fake = FakeDeepgram::start(vec![], replies, Some(KEY))
        .await
        .unwrap();
    let client = DeepgramPrerecorded::new(config(&fake)).unwrap();
    let t = client
        .transcribe(b"x", "audio/wav", &TranscribeOptions::default())
        .await
        .unwrap();
    assert_eq!(t.text, "ok");
    assert_eq!(fake.requests().len(), 3);

    let replies = vec![PrerecordedReply::Status {
        status: 401,
        retry_after: None,
    }];
    let fake = FakeDeepgram::start(vec![], replies, None).await.unwrap();
    let client = DeepgramPrerecorded::new(config(&fake)).unwrap();
    let e = client
        .transcribe(b"x", "audio/wav", &TranscribeOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert!(e.message.contains("INVALID_AUTH"));
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn prerecorded_malformed_body_is_a_protocol_error() {
    let fake = FakeDeepgram::start(vec![], vec![PrerecordedReply::Malformed], Some(KEY))
        .await
        .unwrap();
    let client = DeepgramPrerecorded::new(config(&fake)).unwrap();
    let e = client
        .transcribe(b"x", "audio/wav", &TranscribeOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Protocol);
    assert_eq!(fake.requests().len(), 1);
}
