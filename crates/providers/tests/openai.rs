//! The OpenAI-compatible client against the protocol fake (testkit::fakes::openai) over
//! loopback.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use callbridge_providers::openai::{OpenAiChat, OpenAiConfig};
use callbridge_providers::retry::RetryPolicy;
use callbridge_testkit::fakes::openai::{ChatReply, FakeOpenAi};
use callbridge_voice_api::{
    BoxStream, ChatMessage, ChatRequest, ErrorKind, FinishReason, LanguageModel, LlmEvent,
    ProviderError, ToolCall, ToolSpec, Usage,
};
use futures_util::StreamExt;
use serde_json::json;

const KEY: &str = "sk-test-key";
const WAIT: Duration = Duration::from_secs(10);

type Item = Result<LlmEvent, ProviderError>;

fn fast(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        attempts,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
    }
}

fn config(fake: &FakeOpenAi) -> OpenAiConfig {
    let mut c = OpenAiConfig::new(KEY, "gpt-4o-mini").with_base_url(&fake.base_url());
    c.retry = fast(3);
    c
}

async fn start(replies: Vec<ChatReply>) -> FakeOpenAi {
    FakeOpenAi::start(replies, Some(KEY)).await.unwrap()
}

fn hello() -> ChatRequest {
    ChatRequest {
        messages: vec![
            ChatMessage::system("You are a helpful receptionist."),
            ChatMessage::user("Hi there"),
        ],
        ..ChatRequest::default()
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

async fn run(cfg: OpenAiConfig, req: ChatRequest) -> Vec<Item> {
    collect(OpenAiChat::new(cfg).unwrap().stream(req)).await
}

fn texts(items: &[Item]) -> String {
    items
        .iter()
        .filter_map(|i| match i {
            Ok(LlmEvent::Text(t)) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

fn last_err(items: &[Item]) -> &ProviderError {
    items.last().unwrap().as_ref().unwrap_err()
}

#[tokio::test]
async fn streams_text_with_usage_and_sends_the_documented_request() {
    let fake = start(vec![
        ChatReply::text(&["Hel", "lo", ", how can ", "I help? 😀"]).usage(21, 4),
    ])
    .await;
    let req = ChatRequest {
        temperature: Some(0.7),
        max_tokens: Some(300),
        ..hello()
    };
    let items = run(config(&fake), req).await;
    assert_eq!(
        items,
        vec![
            Ok(LlmEvent::Text("Hel".into())),
            Ok(LlmEvent::Text("lo".into())),
            Ok(LlmEvent::Text(", how can ".into())),
            Ok(LlmEvent::Text("I help? 😀".into())),
            Ok(LlmEvent::Finished {
                reason: FinishReason::Stop,
                usage: Some(Usage {
                    prompt_tokens: 21,
                    completion_tokens: 4
                }),
            }),
        ]
    );
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/v1/chat/completions")
    );
    assert_eq!(r.header("authorization"), Some("Bearer sk-test-key"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.body,
        json!({
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "You are a helpful receptionist."},
                {"role": "user", "content": "Hi there"},
            ],
            "stream": true,
            "stream_options": {"include_usage": true},
            "temperature": 0.7,
            "max_tokens": 300,
        })
    );
    assert!(!r.client_gone);
}

#[tokio::test]
async fn assembles_tool_calls_and_sends_tool_turns() {
    let fake = start(vec![
        ChatReply::text(&["One moment."])
            .and_call(
                "call_abc",
                "transfer_call",
                r#"{"to": "+15550001111", "note": "wants \"pricing\""}"#,
                &[3, 1, 7, 2],
            )
            .and_call("call_def", "end_call", "", &[1]),
    ])
    .await;
    let mut assistant = ChatMessage::assistant("");
    assistant.tool_calls = vec![ToolCall {
        id: "call_0".into(),
        name: "lookup".into(),
        arguments: json!({"q": "hours"}),
    }];
    let req = ChatRequest {
        messages: vec![
            ChatMessage::user("When are you open?"),
            assistant,
            ChatMessage::tool_result("call_0", "9 to 5"),
            ChatMessage::user("Transfer me please"),
        ],
        tools: vec![ToolSpec {
            name: "transfer_call".into(),
            description: "Transfer the caller to a human".into(),
            parameters: json!({"type": "object", "properties": {"to": {"type": "string"}},
                "required": ["to"]}),
        }],
        model: Some("gpt-4.1".into()),
        ..ChatRequest::default()
    };
    let items = run(config(&fake), req).await;
    assert_eq!(
        items,
        vec![
            Ok(LlmEvent::Text("One moment.".into())),
            Ok(LlmEvent::ToolCall(ToolCall {
                id: "call_abc".into(),
                name: "transfer_call".into(),
                arguments: json!({"to": "+15550001111", "note": "wants \"pricing\""}),
            })),
            Ok(LlmEvent::ToolCall(ToolCall {
                id: "call_def".into(),
                name: "end_call".into(),
                arguments: json!({}),
            })),
            Ok(LlmEvent::Finished {
                reason: FinishReason::ToolCalls,
                usage: Some(Usage {
                    prompt_tokens: 12,
                    completion_tokens: 3
                }),
            }),
        ]
    );
    let r = &fake.requests()[0];
    assert_eq!(r.status, 200, "the fake accepted the conversation");
    assert_eq!(r.body["model"], "gpt-4.1");
    assert_eq!(
        r.body["tools"],
        json!([{"type": "function", "function": {
            "name": "transfer_call", "description": "Transfer the caller to a human",
            "parameters": {"type": "object", "properties": {"to": {"type": "string"}},
                "required": ["to"]}}}])
    );
    assert_eq!(r.body["tool_choice"], "auto");
    assert_eq!(
        r.body["messages"][1],
        json!({"role": "assistant", "content": null, "tool_calls": [{"id": "call_0",
            "type": "function", "function": {"name": "lookup", "arguments": "{\"q\":\"hours\"}"}}]})
    );
    assert_eq!(
        r.body["messages"][2],
        json!({"role": "tool", "tool_call_id": "call_0", "content": "9 to 5"})
    );
}

#[tokio::test]
async fn length_finish_is_reported() {
    let fake = start(vec![ChatReply::text(&["Well"]).truncated()]).await;
    let items = run(config(&fake), hello()).await;
    assert!(matches!(
        items.last(),
        Some(Ok(LlmEvent::Finished {
            reason: FinishReason::Length,
            ..
        }))
    ));
}

#[tokio::test]
async fn auth_errors_are_not_retried() {
    let fake = start(vec![ChatReply::text(&["never"])]).await;
    let cfg = OpenAiConfig::new("sk-wrong", "gpt-4o-mini").with_base_url(&fake.base_url());
    let items = run(cfg, hello()).await;
    assert_eq!(items.len(), 1);
    let e = last_err(&items);
    assert_eq!((e.kind, e.retryable), (ErrorKind::Auth, false));
    assert!(e.message.contains("invalid_api_key"), "{}", e.message);
    assert!(
        !e.message.contains("sk-wrong"),
        "the key must not be echoed: {}",
        e.message
    );
    assert_eq!(fake.requests().len(), 1);

    // A scripted 401 (a revoked key) is the same.
    let fake = start(vec![ChatReply::status(401, None), ChatReply::text(&["x"])]).await;
    let items = run(config(&fake), hello()).await;
    assert_eq!(last_err(&items).kind, ErrorKind::Auth);
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn rate_limit_waits_for_retry_after_then_succeeds() {
    let fake = start(vec![
        ChatReply::status(429, Some(1)),
        ChatReply::text(&["Hi!"]),
    ])
    .await;
    let t0 = Instant::now();
    let items = run(config(&fake), hello()).await;
    assert_eq!(texts(&items), "Hi!");
    assert!(t0.elapsed() >= Duration::from_secs(1), "{:?}", t0.elapsed());
    assert_eq!(fake.requests().len(), 2);

    // Without retries the error itself carries Retry-After.
    let fake = start(vec![ChatReply::status(429, Some(7))]).await;
    let mut cfg = config(&fake);
    cfg.retry = RetryPolicy::none();
    let items = run(cfg, hello()).await;
    let e = last_err(&items);
    assert_eq!(e.kind, ErrorKind::RateLimited);
    assert_eq!(e.retry_after, Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn server_errors_are_retried() {
    let fake = start(vec![
        ChatReply::status(500, None),
        ChatReply::status(503, None),
        ChatReply::text(&["Recovered."]),
    ])
    .await;
    let items = run(config(&fake), hello()).await;
    assert_eq!(texts(&items), "Recovered.");
    assert_eq!(fake.requests().len(), 3);

    let fake = start(vec![ChatReply::status(500, None)]).await;
    let items = run(config(&fake), hello()).await;
    let e = last_err(&items);
    assert_eq!((e.kind, e.retryable), (ErrorKind::Server, true));
    assert_eq!(fake.requests().len(), 3, "attempts are bounded");
}

#[tokio::test]
async fn cut_stream_is_a_network_error_after_the_text() {
    let fake = start(vec![ChatReply::text(&["Let me ", "check"]).cut()]).await;
    let items = run(config(&fake), hello()).await;
    assert_eq!(texts(&items), "Let me check");
    assert_eq!(items.len(), 3);
    assert_eq!(last_err(&items).kind, ErrorKind::Network);
    assert_eq!(fake.requests().len(), 1, "no retry once text was delivered");
}

#[tokio::test]
async fn malformed_frame_is_a_protocol_error() {
    let fake = start(vec![ChatReply::text(&["Sure"]).malformed()]).await;
    let items = run(config(&fake), hello()).await;
    assert_eq!(texts(&items), "Sure");
    assert_eq!(last_err(&items).kind, ErrorKind::Protocol);
}

#[tokio::test]
async fn error_event_in_the_stream_is_a_server_error() {
    let fake = start(vec![ChatReply::text(&["Hmm"]).stream_error()]).await;
    let items = run(config(&fake), hello()).await;
    assert_eq!(texts(&items), "Hmm");
    let e = last_err(&items);
    assert_eq!(e.kind, ErrorKind::Server);
    assert!(e.message.contains("server_error"), "{}", e.message);
}

#[tokio::test]
async fn dropping_the_stream_hangs_up() {
    let words: Vec<String> = (0..200).map(|i| format!("word{i} ")).collect();
    let fake = start(vec![
        ChatReply::text(&words[..]).per_token(Duration::from_millis(10)),
    ])
    .await;
    let llm = OpenAiChat::new(config(&fake)).unwrap();
    let mut s = llm.stream(hello());
    let first = tokio::time::timeout(WAIT, s.next()).await.unwrap();
    assert_eq!(first, Some(Ok(LlmEvent::Text("word0 ".into()))));
    drop(s);
    assert!(
        fake.wait_until(WAIT, |r| r.len() == 1 && r[0].client_gone)
            .await,
        "the fake saw the client hang up: {:?}",
        fake.requests()
            .iter()
            .map(|r| (r.frames_sent, r.client_gone))
            .collect::<Vec<_>>()
    );
    assert!(fake.requests()[0].frames_sent < 100);
}

#[tokio::test]
async fn no_key_sends_no_authorization_header() {
    let fake = FakeOpenAi::start(vec![ChatReply::text(&["Local."])], None)
        .await
        .unwrap();
    let cfg = OpenAiConfig::keyless(&fake.base_url(), "llama3.2");
    let items = run(cfg, hello()).await;
    assert_eq!(texts(&items), "Local.");
    let r = &fake.requests()[0];
    assert_eq!(r.header("authorization"), None);
    assert_eq!(r.body["model"], "llama3.2");
}

#[tokio::test]
async fn base_url_with_a_path_prefix_and_extra_headers() {
    let fake = start(vec![ChatReply::text(&["Routed."])]).await;
    let base = format!("{}/openrouter/api/v1/", fake.origin());
    let mut cfg = OpenAiConfig::new(KEY, "openai/gpt-4o-mini")
        .with_base_url(&base)
        .with_name("openrouter")
        .with_header("HTTP-Referer", "https://callbridge.example")
        .with_header("X-Title", "callbridge");
    cfg.retry = fast(1);
    let llm = OpenAiChat::new(cfg).unwrap();
    assert_eq!(llm.name(), "openrouter");
    let items = collect(llm.stream(hello())).await;
    assert_eq!(texts(&items), "Routed.");
    let r = &fake.requests()[0];
    assert_eq!(r.path, "/openrouter/api/v1/chat/completions");
    assert_eq!(r.header("http-referer"), Some("https://callbridge.example"));
    assert_eq!(r.header("x-title"), Some("callbridge"));

    // Errors carry the configured name.
    let fake = start(vec![ChatReply::status(400, None)]).await;
    let cfg = config(&fake).with_name("openrouter");
    let items = run(cfg, hello()).await;
    let e = last_err(&items);
    assert_eq!(
        (e.kind, e.provider.as_str()),
        (ErrorKind::BadRequest, "openrouter")
    );
}

#[tokio::test]
async fn invalid_conversation_is_refused_before_sending() {
    let fake = start(vec![]).await;
    let mut orphan = ChatMessage::tool_result("call_x", "result");
    orphan.tool_call_id = None;
    let req = ChatRequest {
        messages: vec![ChatMessage::user("hi"), orphan],
        ..ChatRequest::default()
    };
    let items = run(config(&fake), req).await;
    assert_eq!(last_err(&items).kind, ErrorKind::BadRequest);
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn unreachable_server_is_a_network_error() {
    // Bind and drop a listener so the port is (almost certainly) closed.
    let port = {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap().port()
    };
    let mut cfg = OpenAiConfig::new(KEY, "m").with_base_url(&format!("http://127.0.0.1:{port}/v1"));
    cfg.retry = fast(2);
    let items = run(cfg, hello()).await;
    let e = last_err(&items);
    assert_eq!((e.kind, e.retryable), (ErrorKind::Network, true));
}
