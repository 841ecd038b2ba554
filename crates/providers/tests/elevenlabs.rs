//! The ElevenLabs clients (HTTP streaming and WebSocket stream-input) against the protocol fake
//! (testkit::fakes::elevenlabs) over loopback.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use callbridge_audio::SampleRate;
use callbridge_providers::elevenlabs::{
    ElevenLabsConfig, ElevenLabsStream, ElevenLabsTextSink, ElevenLabsTts, OutputFormat,
};
use callbridge_providers::retry::RetryPolicy;
use callbridge_testkit::fakes::elevenlabs::{AudioShape, FakeElevenLabs, TtsReply, WsScript};
use callbridge_voice_api::{
    BoxStream, ErrorKind, ProviderError, TextToSpeech, TtsChunk, TtsRequest,
};
use futures_util::StreamExt;
use serde_json::json;

const KEY: &str = "xi-test-key";
const VOICE: &str = "21m00Tcm4TlvDq8ikWAM";
const WAIT: Duration = Duration::from_secs(10);

type Item = Result<TtsChunk, ProviderError>;

fn fast(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        attempts,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
    }
}

fn config(fake: &FakeElevenLabs) -> ElevenLabsConfig {
    let mut c = ElevenLabsConfig::new(KEY, VOICE).with_base_url(&fake.base_url());
    c.retry = fast(3);
    c
}

async fn start(replies: Vec<TtsReply>) -> FakeElevenLabs {
    FakeElevenLabs::start(replies, vec![], AudioShape::default(), Some(KEY))
        .await
        .unwrap()
}

async fn start_ws(scripts: Vec<WsScript>) -> FakeElevenLabs {
    FakeElevenLabs::start(vec![], scripts, AudioShape::default(), Some(KEY))
        .await
        .unwrap()
}

fn status(status: u16, retry_after: Option<u64>) -> TtsReply {
    TtsReply::Status {
        status,
        retry_after,
    }
}

fn request(text: &str, rate: SampleRate) -> TtsRequest {
    TtsRequest {
        text: text.to_owned(),
        voice: String::new(),
        rate,
    }
}

/// Every item until the stream ends.
async fn collect(mut s: BoxStream<'static, Item>) -> Vec<Item> {
    let mut out = Vec::new();
    while let Some(item) = tokio::time::timeout(WAIT, s.next()).await.unwrap() {
        out.push(item);
    }
    out
}

async fn run(cfg: ElevenLabsConfig, req: TtsRequest) -> Vec<Item> {
    collect(ElevenLabsTts::new(cfg).unwrap().synthesize(req)).await
}

/// The samples of the `Ok` items, checking each chunk's rate.
fn samples(items: &[Item], rate: SampleRate) -> Vec<i16> {
    items
        .iter()
        .filter_map(|i| i.as_ref().ok())
        .flat_map(|c| {
            assert_eq!(c.rate, rate);
            c.samples.iter().copied()
        })
        .collect()
}

/// Compares audio without printing thousands of samples.
#[track_caller]
fn assert_audio(got: &[i16], want: &[i16], what: &str) {
    let first_diff = got.iter().zip(want).position(|(a, b)| a != b);
    assert!(
        got.len() == want.len() && first_diff.is_none(),
        "{what}: got {} samples, want {}, first difference at {first_diff:?}",
        got.len(),
        want.len()
    );
}

fn last_err(items: &[Item]) -> &ProviderError {
    items.last().unwrap().as_ref().unwrap_err()
}

// ---------------------------------------------------------------------------------------------
// HTTP streaming

#[tokio::test]
async fn http_sends_the_documented_request() {
    let fake = start(vec![]).await;
    let text = "Hello there, how can I help?";
    let items = run(config(&fake), request(text, SampleRate::Hz16000)).await;
    assert!(items.iter().all(Result::is_ok), "{items:?}");
    assert_audio(
        &samples(&items, SampleRate::Hz16000),
        &fake.expected_samples(text, "pcm_16000"),
        "audio",
    );
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.voice_id, VOICE);
    assert_eq!(r.raw_query, "output_format=pcm_16000");
    assert_eq!(r.header("xi-api-key"), Some(KEY));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("authorization"), None);
    assert_eq!(
        r.body,
        json!({
            "text": text,
            "model_id": "eleven_flash_v2_5",
            "voice_settings": {"stability": 0.5, "similarity_boost": 0.75},
        })
    );
    assert!(!r.client_gone);
    assert_eq!(
        r.bytes_sent,
        2 * fake.expected_samples(text, "pcm_16000").len()
    );

    // The request's voice wins over the configured one, and the model is configurable.
    let mut cfg = config(&fake);
    cfg.model_id = "eleven_turbo_v2_5".to_owned();
    let req = TtsRequest {
        voice: "other-voice".to_owned(),
        ..request("Hi.", SampleRate::Hz16000)
    };
    let items = run(cfg, req).await;
    assert!(items.iter().all(Result::is_ok), "{items:?}");
    let r = &fake.requests()[1];
    assert_eq!(r.voice_id, "other-voice");
    assert_eq!(r.body["model_id"], "eleven_turbo_v2_5");
}

#[tokio::test]
async fn http_decodes_pcm_and_ulaw_across_odd_chunks() {
    // The default shape cuts the audio at 333/1001/77/640 bytes: half samples cross chunks.
    assert!(AudioShape::default().chunk_sizes.iter().any(|n| n % 2 == 1));
    let fake = start(vec![]).await;
    let text = "Thanks for calling Acme, this is the front desk.";
    let cases = [
        (None, SampleRate::Hz16000, "pcm_16000", SampleRate::Hz16000),
        (None, SampleRate::Hz24000, "pcm_24000", SampleRate::Hz24000),
        (
            Some(OutputFormat::Ulaw8000),
            SampleRate::Hz16000,
            "ulaw_8000",
            SampleRate::Hz8000,
        ),
    ];
    for (i, (fixed, asked, wire, rate)) in cases.into_iter().enumerate() {
        let mut cfg = config(&fake);
        cfg.output_format = fixed;
        let items = run(cfg, request(text, asked)).await;
        assert!(items.iter().all(Result::is_ok), "{wire}: {items:?}");
        assert!(items.len() > 1, "{wire}: streamed in several chunks");
        let expect = fake.expected_samples(text, wire);
        assert!(!expect.is_empty());
        assert_audio(&samples(&items, rate), &expect, wire);
        assert_eq!(fake.requests()[i].param("output_format"), Some(wire));
    }
}

#[tokio::test]
async fn http_single_byte_chunks_keep_sample_pairs() {
    let shape = AudioShape {
        chunk_sizes: vec![1, 3, 2, 7, 1],
        chunk_interval: Duration::ZERO,
        ..AudioShape::default()
    };
    let fake = FakeElevenLabs::start(vec![], vec![], shape, Some(KEY))
        .await
        .unwrap();
    let text = "Odd bytes.";
    let items = run(config(&fake), request(text, SampleRate::Hz24000)).await;
    assert!(items.iter().all(Result::is_ok), "{items:?}");
    assert_audio(
        &samples(&items, SampleRate::Hz24000),
        &fake.expected_samples(text, "pcm_24000"),
        "audio",
    );
}

#[tokio::test]
async fn http_401_is_an_auth_error_and_not_retried() {
    let fake = start(vec![]).await;
    let cfg = ElevenLabsConfig::new("xi-wrong", VOICE).with_base_url(&fake.base_url());
    let items = run(cfg, request("Hello.", SampleRate::Hz16000)).await;
    assert_eq!(items.len(), 1);
    let e = last_err(&items);
    assert_eq!((e.kind, e.retryable), (ErrorKind::Auth, false));
    assert_eq!(e.provider, "elevenlabs");
    assert!(e.message.contains("invalid_api_key"), "{}", e.message);
    assert!(!e.message.contains("xi-wrong"), "key echoed: {}", e.message);
    assert_eq!(fake.requests().len(), 1);

    // A scripted 401 (a revoked key) is the same.
    let fake = start(vec![status(401, None), TtsReply::Audio]).await;
    let items = run(config(&fake), request("Hello.", SampleRate::Hz16000)).await;
    assert_eq!(items.len(), 1);
    assert_eq!(last_err(&items).kind, ErrorKind::Auth);
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn http_429_waits_for_retry_after_then_succeeds() {
    let fake = start(vec![status(429, Some(1)), TtsReply::Audio]).await;
    let t0 = Instant::now();
    let items = run(config(&fake), request("Hi!", SampleRate::Hz16000)).await;
    assert!(t0.elapsed() >= Duration::from_secs(1), "{:?}", t0.elapsed());
    assert!(items.iter().all(Result::is_ok), "{items:?}");
    assert_audio(
        &samples(&items, SampleRate::Hz16000),
        &fake.expected_samples("Hi!", "pcm_16000"),
        "audio",
    );
    assert_eq!(fake.requests().len(), 2);

    // Without retries the error itself carries Retry-After.
    let fake = start(vec![status(429, Some(7))]).await;
    let mut cfg = config(&fake);
    cfg.retry = RetryPolicy::none();
    let items = run(cfg, request("Hi!", SampleRate::Hz16000)).await;
    let e = last_err(&items);
    assert_eq!((e.kind, e.retryable), (ErrorKind::RateLimited, true));
    assert_eq!(e.retry_after, Some(Duration::from_secs(7)));
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn http_server_errors_are_retried() {
    let fake = start(vec![status(500, None), status(503, None), TtsReply::Audio]).await;
    let items = run(config(&fake), request("Recovered.", SampleRate::Hz16000)).await;
    assert!(items.iter().all(Result::is_ok), "{items:?}");
    assert_audio(
        &samples(&items, SampleRate::Hz16000),
        &fake.expected_samples("Recovered.", "pcm_16000"),
        "audio",
    );
    assert_eq!(fake.requests().len(), 3);

    let fake = start(vec![status(500, None)]).await;
    let items = run(config(&fake), request("Never.", SampleRate::Hz16000)).await;
    assert_eq!(items.len(), 1);
    let e = last_err(&items);
    assert_eq!((e.kind, e.retryable), (ErrorKind::Server, true));
    assert!(e.message.contains("internal_server_error"), "{}", e.message);
    assert_eq!(fake.requests().len(), 3, "attempts are bounded");
}

#[tokio::test]
async fn http_cut_stream_is_a_network_error_after_the_audio() {
    // 2001 bytes: 1000 whole samples and half of the next, which is dropped.
    let fake = start(vec![TtsReply::Cut { after_bytes: 2001 }]).await;
    let text = "This sentence is long enough to be cut in the middle.";
    let items = run(config(&fake), request(text, SampleRate::Hz16000)).await;
    let e = last_err(&items);
    assert_eq!(e.kind, ErrorKind::Network, "{e}");
    assert!(items[..items.len() - 1].iter().all(Result::is_ok));
    let got = samples(&items, SampleRate::Hz16000);
    let expect = fake.expected_samples(text, "pcm_16000");
    assert_audio(&got, &expect[..1000], "before the cut");
    assert_eq!(
        fake.requests().len(),
        1,
        "no retry once audio was delivered"
    );
    assert_eq!(fake.requests()[0].bytes_sent, 2001);
}

#[tokio::test]
async fn http_cut_before_any_audio_is_retried() {
    let fake = start(vec![TtsReply::Cut { after_bytes: 0 }, TtsReply::Audio]).await;
    let items = run(config(&fake), request("Again.", SampleRate::Hz16000)).await;
    assert!(items.iter().all(Result::is_ok), "{items:?}");
    assert_audio(
        &samples(&items, SampleRate::Hz16000),
        &fake.expected_samples("Again.", "pcm_16000"),
        "audio",
    );
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn http_dropping_the_stream_hangs_up() {
    let fake = start(vec![]).await;
    let text = "word ".repeat(400);
    let tts = ElevenLabsTts::new(config(&fake)).unwrap();
    let mut s = tts.synthesize(request(&text, SampleRate::Hz16000));
    let first = tokio::time::timeout(WAIT, s.next()).await.unwrap();
    assert!(matches!(first, Some(Ok(_))), "{first:?}");
    drop(s);
    assert!(
        fake.wait_until(WAIT, |r, _| r.len() == 1 && r[0].client_gone)
            .await,
        "the fake saw the client hang up: {:?}",
        fake.requests()
            .iter()
            .map(|r| (r.bytes_sent, r.client_gone))
            .collect::<Vec<_>>()
    );
    let total = 2 * fake.expected_samples(&text, "pcm_16000").len();
    assert!(fake.requests()[0].bytes_sent < total / 2);
}

#[tokio::test]
async fn http_unreachable_server_is_a_network_error() {
    // Bind and drop a listener so the port is (almost certainly) closed.
    let port = {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap().port()
    };
    let mut cfg =
        ElevenLabsConfig::new(KEY, VOICE).with_base_url(&format!("http://127.0.0.1:{port}"));
    cfg.retry = fast(2);
    let items = run(cfg, request("Hello.", SampleRate::Hz16000)).await;
    let e = last_err(&items);
    assert_eq!((e.kind, e.retryable), (ErrorKind::Network, true));
}

#[tokio::test]
async fn invalid_configs_are_refused_up_front() {
    let e = ElevenLabsTts::new(ElevenLabsConfig::new("", VOICE)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    let e = ElevenLabsStream::new(ElevenLabsConfig::new(KEY, VOICE).with_base_url("::nope"))
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadRequest);
    // No voice anywhere: refused before any request.
    let fake = start(vec![]).await;
    let mut cfg = config(&fake);
    cfg.voice_id = String::new();
    let items = run(cfg, request("Hello.", SampleRate::Hz16000)).await;
    assert_eq!(last_err(&items).kind, ErrorKind::BadRequest);
    assert!(fake.requests().is_empty());
}

// ---------------------------------------------------------------------------------------------
// WebSocket stream-input

async fn open_ws(
    cfg: ElevenLabsConfig,
    format: OutputFormat,
) -> (ElevenLabsTextSink, BoxStream<'static, Item>) {
    ElevenLabsStream::new(cfg)
        .unwrap()
        .open("", format)
        .await
        .unwrap()
}

/// The error of an `open` that fails.
async fn open_err(cfg: ElevenLabsConfig) -> ProviderError {
    match ElevenLabsStream::new(cfg)
        .unwrap()
        .open("", OutputFormat::Ulaw8000)
        .await
    {
        Ok(_) => panic!("the handshake succeeded"),
        Err(e) => e,
    }
}

/// The expected audio of the fake's generations, one per text segment it synthesized.
fn expected_ws(fake: &FakeElevenLabs, segments: &[&str], wire: &str) -> Vec<i16> {
    segments
        .iter()
        .flat_map(|s| fake.expected_samples(s, wire))
        .collect()
}

fn initial_message() -> serde_json::Value {
    json!({
        "text": " ",
        "voice_settings": {"stability": 0.5, "similarity_boost": 0.75},
        "generation_config": {"chunk_length_schedule": [120, 160, 250, 290]},
    })
}

#[tokio::test]
async fn ws_handshake_and_initial_message() {
    let fake = start_ws(vec![]).await;
    let (mut sink, audio) = open_ws(config(&fake), OutputFormat::Ulaw8000).await;
    sink.finish().unwrap();
    let items = collect(audio).await;
    assert!(items.is_empty(), "no text, no audio: {items:?}");
    let conns = fake.connections();
    assert_eq!(conns.len(), 1);
    let c = &conns[0];
    assert_eq!(c.voice_id, VOICE);
    assert_eq!(
        c.raw_query,
        "model_id=eleven_flash_v2_5&output_format=ulaw_8000"
    );
    assert_eq!(c.header("xi-api-key"), Some(KEY));
    assert_eq!(c.rejected, None);
    assert_eq!(c.messages, vec![initial_message(), json!({"text": ""})]);
    assert!(
        c.messages.iter().all(|m| m.get("xi_api_key").is_none()),
        "the key travels in the header only"
    );
    assert!(c.finished);
    assert!(!c.client_gone);
}

#[tokio::test]
async fn ws_tokens_flush_and_finish_produce_the_audio() {
    let fake = start_ws(vec![]).await;
    let (mut sink, mut audio) = open_ws(config(&fake), OutputFormat::Ulaw8000).await;
    // LLM tokens split words; the client must not split them further.
    for t in ["Hel", "lo", " the", "re,", " how", " can", " I", " help?"] {
        sink.send_text(t).unwrap();
    }
    sink.flush().unwrap();
    let first = "Hello there, how can I help? ";
    let want = fake.expected_samples(first, "ulaw_8000");
    let mut got = Vec::new();
    while got.len() < want.len() {
        let chunk = tokio::time::timeout(WAIT, audio.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(chunk.rate, SampleRate::Hz8000);
        got.extend(chunk.samples);
    }
    assert_audio(&got, &want, "the flush generated the first turn");
    for t in [" Bye", " now."] {
        sink.send_text(t).unwrap();
    }
    sink.finish().unwrap();
    assert_eq!(
        sink.send_text("late").unwrap_err().kind,
        ErrorKind::BadRequest
    );
    let rest = collect(audio).await;
    assert!(rest.iter().all(Result::is_ok), "{rest:?}");
    got.extend(samples(&rest, SampleRate::Hz8000));
    let want = expected_ws(&fake, &[first, "Bye now. "], "ulaw_8000");
    assert_audio(&got, &want, "both turns");

    let c = &fake.connections()[0];
    assert_eq!(
        c.messages,
        vec![
            initial_message(),
            json!({"text": "Hello "}),
            json!({"text": "there, "}),
            json!({"text": "how "}),
            json!({"text": "can "}),
            json!({"text": "I "}),
            json!({"text": "help? ", "flush": true}),
            json!({"text": "Bye "}),
            json!({"text": "now. "}),
            json!({"text": ""}),
        ]
    );
    assert!(c.finished);
    assert!(!c.client_gone);
    assert!(c.audio_messages > 2, "audio came in several messages");
}

#[tokio::test]
async fn ws_pcm_chunk_schedule_and_dropping_the_sink_ends_the_input() {
    let fake = start_ws(vec![]).await;
    let mut cfg = config(&fake);
    cfg.chunk_length_schedule = vec![50];
    let (mut sink, mut audio) = open_ws(cfg, OutputFormat::Pcm16000).await;
    // 60 characters: past the first schedule entry, so audio comes without a flush.
    let long = "The quick brown fox jumps over the lazy dog and runs away. ";
    sink.send_text(long).unwrap();
    let first = tokio::time::timeout(WAIT, audio.next()).await.unwrap();
    assert!(matches!(first, Some(Ok(_))), "{first:?}");
    sink.send_text("Done").unwrap();
    drop(sink);
    let mut items = vec![first.unwrap()];
    items.extend(collect(audio).await);
    assert!(items.iter().all(Result::is_ok), "{items:?}");
    assert_audio(
        &samples(&items, SampleRate::Hz16000),
        &expected_ws(&fake, &[long, "Done "], "pcm_16000"),
        "audio",
    );
    let c = &fake.connections()[0];
    assert_eq!(c.param("output_format"), Some("pcm_16000"));
    assert_eq!(
        c.messages[0]["generation_config"],
        json!({"chunk_length_schedule": [50]})
    );
    assert_eq!(
        c.messages[1..],
        [
            json!({"text": long}),
            json!({"text": "Done "}),
            json!({"text": ""})
        ]
    );
    assert!(c.finished);
}

#[tokio::test]
async fn ws_refused_handshakes_map_by_status() {
    // A wrong key is refused like the real service, and not retried.
    let fake = start_ws(vec![]).await;
    let mut cfg = config(&fake);
    cfg.api_key = "xi-wrong".to_owned();
    let e = open_err(cfg).await;
    assert_eq!((e.kind, e.retryable), (ErrorKind::Auth, false));
    assert!(e.message.contains("invalid_api_key"), "{}", e.message);
    assert!(!e.message.contains("xi-wrong"));
    let conns = fake.connections();
    assert_eq!(conns.len(), 1);
    assert_eq!(conns[0].rejected, Some(401));

    // 429 with Retry-After is retried, then the stream works.
    let refuse = |status, retry_after| WsScript {
        reply: Some(TtsReply::Status {
            status,
            retry_after,
        }),
        ..WsScript::default()
    };
    let fake = start_ws(vec![refuse(429, Some(0)), WsScript::default()]).await;
    let (mut sink, audio) = open_ws(config(&fake), OutputFormat::Ulaw8000).await;
    sink.send_text("Hi.").unwrap();
    sink.finish().unwrap();
    let items = collect(audio).await;
    assert_audio(
        &samples(&items, SampleRate::Hz8000),
        &fake.expected_samples("Hi. ", "ulaw_8000"),
        "audio",
    );
    let conns = fake.connections();
    assert_eq!(conns.len(), 2);
    assert_eq!(conns[0].rejected, Some(429));
    assert!(conns[1].finished);

    // Server errors are retried up to the attempts, then reported.
    let fake = start_ws(vec![refuse(503, None)]).await;
    let e = open_err(config(&fake)).await;
    assert_eq!((e.kind, e.retryable), (ErrorKind::Server, true));
    assert_eq!(fake.connections().len(), 3);

    // Without retries a 429 carries its Retry-After.
    let fake = start_ws(vec![refuse(429, Some(7))]).await;
    let mut cfg = config(&fake);
    cfg.retry = RetryPolicy::none();
    let e = open_err(cfg).await;
    assert_eq!(e.kind, ErrorKind::RateLimited);
    assert_eq!(e.retry_after, Some(Duration::from_secs(7)));
    assert_eq!(fake.connections().len(), 1);
}

#[tokio::test]
async fn ws_dropped_connection_is_a_network_error_after_the_audio() {
    let script = WsScript {
        reply: Some(TtsReply::Cut { after_bytes: 1000 }),
        ..WsScript::default()
    };
    let fake = start_ws(vec![script]).await;
    let (mut sink, audio) = open_ws(config(&fake), OutputFormat::Ulaw8000).await;
    let text = "A sentence long enough for well over a thousand bytes of mu-law audio. ";
    sink.send_text(text).unwrap();
    sink.flush().unwrap();
    let items = collect(audio).await;
    let e = last_err(&items);
    assert_eq!((e.kind, e.retryable), (ErrorKind::Network, true), "{e}");
    let got = samples(&items, SampleRate::Hz8000);
    let expect = fake.expected_samples(text, "ulaw_8000");
    // The fake cuts at a chunk boundary: 333 + 1001 bytes.
    assert_audio(&got, &expect[..1334], "before the cut");
    let c = &fake.connections()[0];
    assert!(!c.finished);
    // A flush with nothing held back is the documented single space.
    assert_eq!(
        c.messages[1..],
        [json!({"text": text}), json!({"text": " ", "flush": true})]
    );
    refused_once_over(&mut sink).await;
}

#[tokio::test]
async fn ws_malformed_frame_is_a_protocol_error() {
    let script = WsScript {
        malformed: true,
        ..WsScript::default()
    };
    let fake = start_ws(vec![script]).await;
    let (mut sink, audio) = open_ws(config(&fake), OutputFormat::Pcm16000).await;
    let text = "Broken frames ahead. ";
    sink.send_text(text).unwrap();
    sink.flush().unwrap();
    let items = collect(audio).await;
    let e = last_err(&items);
    assert_eq!((e.kind, e.retryable), (ErrorKind::Protocol, false), "{e}");
    // The first audio message (333 bytes: 166 samples, one byte carried) came before it.
    let got = samples(&items, SampleRate::Hz16000);
    assert_audio(
        &got,
        &fake.expected_samples(text, "pcm_16000")[..166],
        "first message",
    );
    drop(sink);
}

#[tokio::test]
async fn ws_dropping_the_audio_stream_closes_the_socket() {
    let fake = start_ws(vec![]).await;
    let (mut sink, mut audio) = open_ws(config(&fake), OutputFormat::Pcm16000).await;
    let long = "word ".repeat(400);
    sink.send_text(&long).unwrap();
    sink.flush().unwrap();
    let first = tokio::time::timeout(WAIT, audio.next()).await.unwrap();
    assert!(matches!(first, Some(Ok(_))), "{first:?}");
    drop(audio);
    assert!(
        fake.wait_until(WAIT, |_, c| c.len() == 1 && c[0].client_gone)
            .await,
        "{:?}",
        fake.connections()
    );
    let c = &fake.connections()[0];
    assert_eq!(c.client_close, Some(1000), "a normal close (barge-in)");
    assert!(!c.finished);
    assert!(c.audio_messages < 100, "{}", c.audio_messages);
    refused_once_over(&mut sink).await;
}

/// Once the synthesis is over (its task gone), more text is refused as cancelled.
async fn refused_once_over(sink: &mut ElevenLabsTextSink) {
    let deadline = Instant::now() + WAIT;
    loop {
        match sink.send_text("more ") {
            Err(e) => {
                assert_eq!(e.kind, ErrorKind::Cancelled);
                return;
            }
            Ok(()) => assert!(Instant::now() < deadline, "text still accepted"),
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
