//! The Anthropic client against the protocol fake (testkit::fakes::anthropic) over loopback.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use callbridge_providers::anthropic::{AnthropicConfig, AnthropicMessages};
use callbridge_providers::retry::RetryPolicy;
use callbridge_testkit::fakes::anthropic::{ChatReply, FakeAnthropic};
use callbridge_voice_api::{
    BoxStream, ChatMessage, ChatRequest, ErrorKind, FinishReason, LanguageModel, LlmEvent,
    ProviderError, ToolCall, ToolSpec, Usage,
};
use futures_util::StreamExt;
use serde_json::json;

const KEY: &str = "sk-ant-test-key";
const WAIT: Duration = Duration::from_secs(10);

type Item = Result<LlmEvent, ProviderError>;

fn fast(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        attempts,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
    }
}

fn config(fake: &FakeAnthropic) -> AnthropicConfig {
    let mut c = AnthropicConfig::new(KEY, "claude-sonnet-4-5").with_base_url(&fake.base_url());
    c.retry = fast(3);
    c
}

async fn start(replies: Vec<ChatReply>) -> FakeAnthropic {
    FakeAnthropic::start(replies, Some(KEY)).await.unwrap()
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

async fn run(cfg: AnthropicConfig, req: ChatRequest) -> Vec<Item> {
    collect(AnthropicMessages::new(cfg).unwrap().stream(req)).await
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
        ChatReply::text(&["Hello", "! How can", " I help? 😀"]).usage(25, 15),
    ])
    .await;
    let req = ChatRequest {
        temperature: Some(0.5),
        messages: vec![
            ChatMessage::system("You are a helpful receptionist."),
            ChatMessage::user("Hi there"),
            ChatMessage::system("Keep it short."),
        ],
        ..ChatRequest::default()
    };
    let items = run(config(&fake), req).await;
    assert_eq!(
        items,
        vec![
            Ok(LlmEvent::Text("Hello".into())),
            Ok(LlmEvent::Text("! How can".into())),
            Ok(LlmEvent::Text(" I help? 😀".into())),
            Ok(LlmEvent::Finished {
                reason: FinishReason::Stop,
                usage: Some(Usage {
                    prompt_tokens: 25,
                    completion_tokens: 15
                }),
            }),
        ]
    );
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/v1/messages")
    );
    assert_eq!(r.header("x-api-key"), Some(KEY));
    assert_eq!(r.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("authorization"), None);
    assert_eq!(
        r.body,
        json!({
            "model": "claude-sonnet-4-5",
            "max_tokens": 1024,
            "system": "You are a helpful receptionist.\n\nKeep it short.",
            "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi there"}]}],
            "stream": true,
            "temperature": 0.5,
        })
    );
}

#[tokio::test]
async fn assembles_tool_use_and_sends_alternating_tool_turns() {
    let fake = start(vec![
        ChatReply::text(&["Transferring you now."])
            .and_call(
                "toolu_01A",
                "transfer_call",
                r#"{"to": "+15550001111", "summary": "asked about \"pricing\" — ok"}"#,
                &[1, 4, 2, 9],
            )
            .and_call("toolu_01B", "end_call", "", &[1]),
    ])
    .await;
    let mut assistant = ChatMessage::assistant("Let me look.");
    assistant.tool_calls = vec![
        ToolCall {
            id: "toolu_0a".into(),
            name: "lookup".into(),
            arguments: json!({"q": "hours"}),
        },
        ToolCall {
            id: "toolu_0b".into(),
            name: "lookup".into(),
            arguments: json!({"q": "address"}),
        },
    ];
    let req = ChatRequest {
        messages: vec![
            ChatMessage::system("You are Sam."),
            ChatMessage::user("When and where are you open?"),
            assistant,
            ChatMessage::tool_result("toolu_0a", "9 to 5"),
            ChatMessage::tool_result("toolu_0b", "1 Main St"),
            ChatMessage::user("Thanks. Transfer me please."),
        ],
        tools: vec![ToolSpec {
            name: "transfer_call".into(),
            description: "Transfer the caller to a human".into(),
            parameters: json!({"type": "object", "properties": {"to": {"type": "string"}},
                "required": ["to"]}),
        }],
        max_tokens: Some(200),
        ..ChatRequest::default()
    };
    let items = run(config(&fake), req).await;
    assert_eq!(
        items,
        vec![
            Ok(LlmEvent::Text("Transferring you now.".into())),
            Ok(LlmEvent::ToolCall(ToolCall {
                id: "toolu_01A".into(),
                name: "transfer_call".into(),
                arguments: json!({"to": "+15550001111",
                    "summary": "asked about \"pricing\" — ok"}),
            })),
            Ok(LlmEvent::ToolCall(ToolCall {
                id: "toolu_01B".into(),
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
    assert_eq!(r.body["max_tokens"], 200);
    assert_eq!(r.body["system"], "You are Sam.");
    assert_eq!(
        r.body["tools"],
        json!([{"name": "transfer_call", "description": "Transfer the caller to a human",
            "input_schema": {"type": "object", "properties": {"to": {"type": "string"}},
                "required": ["to"]}}])
    );
    assert_eq!(
        r.body["messages"],
        json!([
            {"role": "user", "content": [
                {"type": "text", "text": "When and where are you open?"}]},
            {"role": "assistant", "content": [
                {"type": "text", "text": "Let me look."},
                {"type": "tool_use", "id": "toolu_0a", "name": "lookup", "input": {"q": "hours"}},
                {"type": "tool_use", "id": "toolu_0b", "name": "lookup",
                    "input": {"q": "address"}},
            ]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_0a", "content": "9 to 5"},
                {"type": "tool_result", "tool_use_id": "toolu_0b", "content": "1 Main St"},
                {"type": "text", "text": "Thanks. Transfer me please."},
            ]},
        ])
    );
}

#[tokio::test]
async fn max_tokens_stop_is_length() {
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
    let cfg = AnthropicConfig::new("sk-ant-wrong", "claude").with_base_url(&fake.base_url());
    let items = run(cfg, hello()).await;
    assert_eq!(items.len(), 1);
    let e = last_err(&items);
    assert_eq!((e.kind, e.retryable), (ErrorKind::Auth, false));
    assert!(e.message.contains("authentication_error"), "{}", e.message);
    assert_eq!(fake.requests().len(), 1);
    // An empty key is refused before any request.
    assert_eq!(
        AnthropicMessages::new(AnthropicConfig::new("", "claude"))
            .unwrap_err()
            .kind,
        ErrorKind::Auth
    );
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
}

#[tokio::test]
async fn overloaded_529_and_500_are_retried() {
    let fake = start(vec![
        ChatReply::status(529, None),
        ChatReply::status(500, None),
        ChatReply::text(&["Back."]),
    ])
    .await;
    let items = run(config(&fake), hello()).await;
    assert_eq!(texts(&items), "Back.");
    assert_eq!(fake.requests().len(), 3);

    let fake = start(vec![ChatReply::status(529, None)]).await;
    let items = run(config(&fake), hello()).await;
    let e = last_err(&items);
    assert_eq!((e.kind, e.retryable), (ErrorKind::Server, true));
    assert!(e.message.contains("overloaded_error"), "{}", e.message);
    assert_eq!(fake.requests().len(), 3);
}

#[tokio::test]
async fn overloaded_event_before_any_text_is_retried_after_text_passes_through() {
    let fake = start(vec![
        ChatReply::text::<&str>(&[]).stream_error(),
        ChatReply::text(&["Fine."]),
    ])
    .await;
    let items = run(config(&fake), hello()).await;
    assert_eq!(texts(&items), "Fine.");
    assert_eq!(fake.requests().len(), 2);

    let fake = start(vec![ChatReply::text(&["Half"]).stream_error()]).await;
    let items = run(config(&fake), hello()).await;
    assert_eq!(texts(&items), "Half");
    let e = last_err(&items);
    assert_eq!((e.kind, e.retryable), (ErrorKind::Server, true));
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn cut_stream_is_a_network_error_after_the_text() {
    let fake = start(vec![ChatReply::text(&["Let me ", "check"]).cut()]).await;
    let items = run(config(&fake), hello()).await;
    assert_eq!(texts(&items), "Let me check");
    assert_eq!(items.len(), 3);
    assert_eq!(last_err(&items).kind, ErrorKind::Network);
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn malformed_frame_is_a_protocol_error() {
    let fake = start(vec![ChatReply::text(&["Sure"]).malformed()]).await;
    let items = run(config(&fake), hello()).await;
    assert_eq!(texts(&items), "Sure");
    assert_eq!(last_err(&items).kind, ErrorKind::Protocol);
}

#[tokio::test]
async fn dropping_the_stream_hangs_up() {
    let words: Vec<String> = (0..200).map(|i| format!("word{i} ")).collect();
    let fake = start(vec![
        ChatReply::text(&words[..]).per_token(Duration::from_millis(10)),
    ])
    .await;
    let llm = AnthropicMessages::new(config(&fake)).unwrap();
    let mut s = llm.stream(hello());
    let first = tokio::time::timeout(WAIT, s.next()).await.unwrap();
    assert_eq!(first, Some(Ok(LlmEvent::Text("word0 ".into()))));
    drop(s);
    assert!(
        fake.wait_until(WAIT, |r| r.len() == 1 && r[0].client_gone)
            .await
    );
    assert!(fake.requests()[0].frames_sent < 100);
}

#[tokio::test]
async fn base_url_with_a_path_prefix() {
    let fake = start(vec![ChatReply::text(&["Routed."])]).await;
    let cfg = config(&fake).with_base_url(&format!("{}/gateway/anthropic/", fake.base_url()));
    let items = run(cfg, hello()).await;
    assert_eq!(texts(&items), "Routed.");
    assert_eq!(fake.requests()[0].path, "/gateway/anthropic/v1/messages");
}
