//! The Messages request body, protocols.md §3.2 and <https://docs.anthropic.com/en/api/messages> :
//! `{"model","max_tokens","system","messages","stream":true,"temperature","tools":[{name,
//! description,input_schema}]}`.
//!
//! The vendor-neutral chat is reshaped because Anthropic differs from Chat Completions:
//! - there is no system role: every system message joins the top-level `system` string;
//! - an assistant turn that called tools holds `tool_use` blocks `{id, name, input}`, and the
//!   results go back in a **user** turn as `tool_result` blocks `{tool_use_id, content}`
//!   (<https://docs.anthropic.com/en/docs/build-with-claude/tool-use>);
//! - turns must alternate user/assistant, so consecutive same-role messages (several tool
//!   results, a tool result then the caller's words) merge into one turn, and within a user
//!   turn the `tool_result` blocks come first, as the tool-use guide requires;
//! - empty text blocks are refused, so empty texts are left out (and a turn left with no
//!   blocks disappears).

use callbridge_voice_api::{ChatMessage, ChatRequest, ChatRole, ErrorKind, ProviderError};
use serde_json::{Map, Value, json};

use super::{AnthropicConfig, PROVIDER};

/// The JSON body for `req`; a request that cannot be expressed is a BadRequest.
pub(crate) fn request_body(
    cfg: &AnthropicConfig,
    req: &ChatRequest,
) -> Result<Value, ProviderError> {
    let bad = |why: &str| ProviderError::new(PROVIDER, ErrorKind::BadRequest, why);
    let model = req
        .model
        .as_deref()
        .filter(|m| !m.is_empty())
        .unwrap_or(&cfg.model);
    if model.is_empty() {
        return Err(bad("no model configured or requested"));
    }
    let system: Vec<&str> = req
        .messages
        .iter()
        .filter(|m| m.role == ChatRole::System && !m.content.is_empty())
        .map(|m| m.content.as_str())
        .collect();
    let messages = turns(&req.messages)?;
    if messages.is_empty() {
        return Err(bad("no user or assistant message to send"));
    }
    let mut body = Map::new();
    body.insert("model".into(), json!(model));
    body.insert(
        "max_tokens".into(),
        json!(req.max_tokens.unwrap_or(cfg.max_tokens)),
    );
    if !system.is_empty() {
        body.insert("system".into(), json!(system.join("\n\n")));
    }
    body.insert("messages".into(), Value::Array(messages));
    body.insert("stream".into(), json!(true));
    if let Some(t) = req.temperature {
        // Anthropic's range is 0..=1 where OpenAI's is 0..=2; a shared persona setting above
        // 1 would otherwise be refused outright.
        body.insert("temperature".into(), json!(decimal(t.clamp(0.0, 1.0))));
    }
    if !req.tools.is_empty() {
        let tools: Vec<Value> = req
            .tools
            .iter()
            .map(|t| {
                let schema = match &t.parameters {
                    Value::Null => json!({"type": "object"}),
                    p => p.clone(),
                };
                json!({"name": t.name, "description": t.description, "input_schema": schema})
            })
            .collect();
        body.insert("tools".into(), Value::Array(tools));
    }
    Ok(Value::Object(body))
}

/// The non-system messages as alternating `{"role","content":[blocks]}` turns.
fn turns(messages: &[ChatMessage]) -> Result<Vec<Value>, ProviderError> {
    let mut out: Vec<(&'static str, Vec<Value>)> = Vec::new();
    for m in messages {
        let Some((role, blocks)) = blocks(m)? else {
            continue;
        };
        if blocks.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some((last, prev)) if *last == role => prev.extend(blocks),
            _ => out.push((role, blocks)),
        }
    }
    Ok(out
        .into_iter()
        .map(|(role, mut blocks)| {
            // Stable: results keep their order, and so do the texts after them.
            blocks.sort_by_key(|b| b.get("type").and_then(Value::as_str) != Some("tool_result"));
            json!({"role": role, "content": blocks})
        })
        .collect())
}

/// One message's role and content blocks; `None` for system messages (they go top-level).
fn blocks(m: &ChatMessage) -> Result<Option<(&'static str, Vec<Value>)>, ProviderError> {
    let text = || {
        (!m.content.is_empty())
            .then(|| json!({"type": "text", "text": m.content}))
            .into_iter()
            .collect::<Vec<_>>()
    };
    Ok(Some(match m.role {
        ChatRole::System => return Ok(None),
        ChatRole::User => ("user", text()),
        ChatRole::Assistant => {
            let mut blocks = text();
            for c in &m.tool_calls {
                let input = match &c.arguments {
                    Value::Object(_) => c.arguments.clone(),
                    Value::Null => json!({}),
                    _ => {
                        let msg = format!("tool call {}: input must be a JSON object", c.name);
                        return Err(ProviderError::new(PROVIDER, ErrorKind::BadRequest, msg));
                    }
                };
                blocks
                    .push(json!({"type": "tool_use", "id": c.id, "name": c.name, "input": input}));
            }
            ("assistant", blocks)
        }
        ChatRole::Tool => {
            let Some(id) = m.tool_call_id.as_deref() else {
                let msg = "tool result without tool_call_id";
                return Err(ProviderError::new(PROVIDER, ErrorKind::BadRequest, msg));
            };
            let mut block = json!({"type": "tool_result", "tool_use_id": id});
            if !m.content.is_empty() {
                block["content"] = json!(m.content);
            }
            ("user", vec![block])
        }
    }))
}

/// `f32` as the decimal a person wrote (0.7, not 0.699999988079071 from widening to f64).
fn decimal(x: f32) -> f64 {
    x.to_string().parse().unwrap_or(f64::from(x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use callbridge_voice_api::{ToolCall, ToolSpec};

    fn cfg() -> AnthropicConfig {
        AnthropicConfig::new("k", "claude-sonnet-4-5")
    }

    fn req(messages: Vec<ChatMessage>) -> ChatRequest {
        ChatRequest {
            messages,
            ..ChatRequest::default()
        }
    }

    #[test]
    fn system_is_top_level_and_max_tokens_defaults() {
        let r = ChatRequest {
            temperature: Some(1.4),
            ..req(vec![
                ChatMessage::system("You are Sam."),
                ChatMessage::user("Hi"),
                ChatMessage::system("Be brief."),
            ])
        };
        let body = request_body(&cfg(), &r).unwrap();
        assert_eq!(
            body,
            json!({
                "model": "claude-sonnet-4-5",
                "max_tokens": 1024,
                "system": "You are Sam.\n\nBe brief.",
                "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}],
                "stream": true,
                "temperature": 1.0,
            })
        );
    }

    #[test]
    fn tool_turns_merge_and_alternate() {
        let mut assistant = ChatMessage::assistant("Let me check.");
        assistant.tool_calls = vec![
            ToolCall {
                id: "toolu_1".into(),
                name: "lookup".into(),
                arguments: json!({"q": "x"}),
            },
            ToolCall {
                id: "toolu_2".into(),
                name: "end_call".into(),
                arguments: Value::Null,
            },
        ];
        let r = ChatRequest {
            tools: vec![ToolSpec {
                name: "lookup".into(),
                description: "Look up".into(),
                parameters: json!({"type": "object", "properties": {"q": {"type": "string"}}}),
            }],
            max_tokens: Some(50),
            ..req(vec![
                ChatMessage::user("Hello"),
                ChatMessage::user(""),
                ChatMessage::user("Anyone?"),
                assistant,
                ChatMessage::tool_result("toolu_1", "found"),
                ChatMessage::user("and?"),
                ChatMessage::tool_result("toolu_2", ""),
                ChatMessage::assistant(""),
                ChatMessage::assistant("Done."),
            ])
        };
        let body = request_body(&cfg(), &r).unwrap();
        assert_eq!(body["max_tokens"], 50);
        assert_eq!(
            body["messages"],
            json!([
                {"role": "user", "content": [
                    {"type": "text", "text": "Hello"},
                    {"type": "text", "text": "Anyone?"},
                ]},
                {"role": "assistant", "content": [
                    {"type": "text", "text": "Let me check."},
                    {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {"q": "x"}},
                    {"type": "tool_use", "id": "toolu_2", "name": "end_call", "input": {}},
                ]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_1", "content": "found"},
                    {"type": "tool_result", "tool_use_id": "toolu_2"},
                    {"type": "text", "text": "and?"},
                ]},
                {"role": "assistant", "content": [{"type": "text", "text": "Done."}]},
            ])
        );
        assert_eq!(
            body["tools"],
            json!([{"name": "lookup", "description": "Look up", "input_schema":
                {"type": "object", "properties": {"q": {"type": "string"}}}}])
        );
        assert!(body.get("system").is_none());
    }

    #[test]
    fn refusals() {
        let e = request_body(&cfg(), &req(vec![ChatMessage::system("s")])).unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadRequest);
        let mut orphan = ChatMessage::tool_result("x", "r");
        orphan.tool_call_id = None;
        let e = request_body(&cfg(), &req(vec![orphan])).unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadRequest);
        let mut a = ChatMessage::assistant("");
        a.tool_calls = vec![ToolCall {
            id: "t".into(),
            name: "f".into(),
            arguments: json!([1]),
        }];
        let e = request_body(&cfg(), &req(vec![ChatMessage::user("u"), a])).unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadRequest);
    }
}
