//! The Chat Completions request body, protocols.md §3.1 and
//! <https://platform.openai.com/docs/api-reference/chat/create> :
//! `{"model","messages","stream":true,"stream_options":{"include_usage":true},"temperature",
//! "max_tokens","tools":[{"type":"function","function":{name,description,parameters}}],
//! "tool_choice":"auto"}`.
//!
//! An assistant turn that called tools carries `tool_calls` with `arguments` as a JSON
//! *string* and `content: null` when it said nothing; a tool result is `{"role":"tool",
//! "tool_call_id","content"}` (<https://platform.openai.com/docs/guides/function-calling>).

use callbridge_voice_api::{
    ChatMessage, ChatRequest, ChatRole, ErrorKind, ProviderError, ToolCall,
};
use serde_json::{Map, Value, json};

use super::OpenAiConfig;

/// The JSON body for `req`; a request that cannot be expressed is a BadRequest.
pub(crate) fn request_body(cfg: &OpenAiConfig, req: &ChatRequest) -> Result<Value, ProviderError> {
    let bad = |why: &str| ProviderError::new(&cfg.name, ErrorKind::BadRequest, why);
    let model = req
        .model
        .as_deref()
        .filter(|m| !m.is_empty())
        .unwrap_or(&cfg.model);
    if model.is_empty() {
        return Err(bad("no model configured or requested"));
    }
    let messages = req
        .messages
        .iter()
        .map(|m| message(m).ok_or_else(|| bad("tool result without tool_call_id")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut body = Map::new();
    body.insert("model".into(), json!(model));
    body.insert("messages".into(), Value::Array(messages));
    body.insert("stream".into(), json!(true));
    // Without include_usage the stream carries no token counts at all.
    body.insert("stream_options".into(), json!({"include_usage": true}));
    if let Some(t) = req.temperature {
        body.insert("temperature".into(), json!(decimal(t)));
    }
    if let Some(n) = req.max_tokens.or(cfg.max_tokens) {
        body.insert("max_tokens".into(), json!(n));
    }
    // An empty `tools` array is rejected by OpenAI ("[] is too short"), so omit it.
    if !req.tools.is_empty() {
        let tools: Vec<Value> = req
            .tools
            .iter()
            .map(|t| {
                json!({"type": "function", "function": {
                    "name": t.name, "description": t.description, "parameters": t.parameters,
                }})
            })
            .collect();
        body.insert("tools".into(), Value::Array(tools));
        body.insert("tool_choice".into(), json!("auto"));
    }
    Ok(Value::Object(body))
}

/// One message; `None` for a tool result that does not say which call it answers.
fn message(m: &ChatMessage) -> Option<Value> {
    Some(match m.role {
        ChatRole::System => json!({"role": "system", "content": m.content}),
        ChatRole::User => json!({"role": "user", "content": m.content}),
        ChatRole::Assistant if m.tool_calls.is_empty() => {
            json!({"role": "assistant", "content": m.content})
        }
        ChatRole::Assistant => {
            let content = if m.content.is_empty() {
                Value::Null
            } else {
                json!(m.content)
            };
            let calls: Vec<Value> = m.tool_calls.iter().map(tool_call).collect();
            json!({"role": "assistant", "content": content, "tool_calls": calls})
        }
        ChatRole::Tool => json!({
            "role": "tool",
            "tool_call_id": m.tool_call_id.as_deref()?,
            "content": m.content,
        }),
    })
}

fn tool_call(c: &ToolCall) -> Value {
    // The wire wants the arguments as a JSON string; "no arguments" is the empty object.
    let arguments = match &c.arguments {
        Value::Null => "{}".to_owned(),
        v => v.to_string(),
    };
    json!({"id": c.id, "type": "function", "function": {"name": c.name, "arguments": arguments}})
}

/// `f32` as the decimal a person wrote (0.7, not 0.699999988079071 from widening to f64).
fn decimal(x: f32) -> f64 {
    x.to_string().parse().unwrap_or(f64::from(x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use callbridge_voice_api::ToolSpec;

    fn cfg() -> OpenAiConfig {
        OpenAiConfig::new("k", "gpt-4o-mini")
    }

    #[test]
    fn plain_request() {
        let req = ChatRequest {
            messages: vec![ChatMessage::system("Be brief."), ChatMessage::user("Hi")],
            temperature: Some(0.7),
            max_tokens: Some(300),
            ..ChatRequest::default()
        };
        let body = request_body(&cfg(), &req).unwrap();
        assert_eq!(
            body,
            json!({
                "model": "gpt-4o-mini",
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": "Hi"},
                ],
                "stream": true,
                "stream_options": {"include_usage": true},
                "temperature": 0.7,
                "max_tokens": 300,
            })
        );
    }

    #[test]
    fn tools_and_tool_turns() {
        let call = ToolCall {
            id: "call_abc".into(),
            name: "transfer_call".into(),
            arguments: json!({"to": "+15550001111"}),
        };
        let mut assistant = ChatMessage::assistant("");
        assistant.tool_calls = vec![
            call,
            ToolCall {
                id: "call_2".into(),
                name: "end_call".into(),
                arguments: Value::Null,
            },
        ];
        let req = ChatRequest {
            messages: vec![
                ChatMessage::user("Transfer me"),
                assistant,
                ChatMessage::tool_result("call_abc", "ok"),
            ],
            tools: vec![ToolSpec {
                name: "transfer_call".into(),
                description: "Transfer".into(),
                parameters: json!({"type": "object"}),
            }],
            model: Some("other".into()),
            ..ChatRequest::default()
        };
        let body = request_body(&cfg(), &req).unwrap();
        assert_eq!(body["model"], "other");
        assert_eq!(
            body["messages"][1],
            json!({"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_abc", "type": "function",
                 "function": {"name": "transfer_call", "arguments": "{\"to\":\"+15550001111\"}"}},
                {"id": "call_2", "type": "function",
                 "function": {"name": "end_call", "arguments": "{}"}},
            ]})
        );
        assert_eq!(
            body["messages"][2],
            json!({"role": "tool", "tool_call_id": "call_abc", "content": "ok"})
        );
        assert_eq!(
            body["tools"],
            json!([{"type": "function", "function": {
                "name": "transfer_call", "description": "Transfer",
                "parameters": {"type": "object"}}}])
        );
        assert_eq!(body["tool_choice"], "auto");
        assert!(body.get("temperature").is_none() && body.get("max_tokens").is_none());
    }

    #[test]
    fn refusals() {
        let mut orphan = ChatMessage::tool_result("x", "r");
        orphan.tool_call_id = None;
        let req = ChatRequest {
            messages: vec![orphan],
            ..ChatRequest::default()
        };
        let e = request_body(&cfg(), &req).unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadRequest);
        let e = request_body(&OpenAiConfig::new("k", ""), &ChatRequest::default()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadRequest);
    }
}
