//! Chat context cases: turns, tool use, cuts after barge-in, bounds.

use callbridge_voice_api::{ChatMessage, ChatRole, ToolCall};

use super::*;
use crate::error::ConvoError;

fn call(id: &str) -> ToolCall {
    ToolCall {
        id: id.into(),
        name: "lookup_faq".into(),
        arguments: Default::default(),
    }
}

fn roles(ctx: &ChatContext) -> Vec<ChatRole> {
    ctx.messages().iter().map(|m| m.role).collect()
}

fn ctx_with_answer() -> ChatContext {
    let mut ctx = ChatContext::new("You are a receptionist.", 50);
    ctx.push_user("What are your hours?");
    ctx.begin_assistant(1);
    for delta in [
        "We're open ",
        "nine to five. ",
        "On Saturdays, ",
        "ten to two.",
    ] {
        assert_eq!(ctx.append_assistant(1, delta), Ok(()));
    }
    ctx
}

#[test]
fn messages_start_with_the_system_prompt() {
    let ctx = ctx_with_answer();
    let msgs = ctx.messages();
    assert_eq!(msgs[0], ChatMessage::system("You are a receptionist."));
    assert_eq!(msgs[1], ChatMessage::user("What are your hours?"));
    assert_eq!(
        msgs[2],
        ChatMessage::assistant("We're open nine to five. On Saturdays, ten to two.")
    );
    assert_eq!(ctx.len(), 2);
    let mut no_prompt = ChatContext::new("", 10);
    assert!(no_prompt.messages().is_empty() && no_prompt.is_empty());
    no_prompt.set_system_prompt("Be brief.");
    assert_eq!(no_prompt.messages(), vec![ChatMessage::system("Be brief.")]);
}

#[test]
fn cut_makes_the_message_exactly_what_was_heard() {
    let mut ctx = ctx_with_answer();
    assert_eq!(ctx.cut_assistant(1, "We're open nine to five. On"), Ok(()));
    assert_eq!(ctx.assistant_text(1), "We're open nine to five. On");
    assert_eq!(
        ctx.messages().last(),
        Some(&ChatMessage::assistant("We're open nine to five. On"))
    );
}

#[test]
fn nothing_heard_removes_the_message_and_the_next_user_turn_merges() {
    let mut ctx = ctx_with_answer();
    ctx.cut_assistant(1, "").ok();
    assert_eq!(roles(&ctx), vec![ChatRole::System, ChatRole::User]);
    ctx.push_user("And on Sundays?");
    assert_eq!(
        ctx.messages().last(),
        Some(&ChatMessage::user("What are your hours? And on Sundays?"))
    );
}

#[test]
fn tool_use_and_continuation() {
    let mut ctx = ChatContext::new("sys", 50);
    ctx.push_user("Are you open today?");
    ctx.begin_assistant(3);
    ctx.append_assistant(3, "Let me check.").ok();
    ctx.add_tool_calls(3, vec![call("c1")]).ok();
    ctx.add_tool_result(3, "c1", "open 9-5").ok();
    ctx.append_assistant(3, "Yes, we're open until five.").ok();
    assert_eq!(
        roles(&ctx),
        vec![
            ChatRole::System,
            ChatRole::User,
            ChatRole::Assistant,
            ChatRole::Tool,
            ChatRole::Assistant
        ]
    );
    assert_eq!(
        ctx.assistant_text(3),
        "Let me check. Yes, we're open until five."
    );
    // Heard: the first message and two words of the second.
    ctx.cut_assistant(3, "Let me check. Yes, we're").ok();
    let msgs = ctx.messages();
    assert_eq!(msgs[2].content, "Let me check.");
    assert_eq!(msgs[2].tool_calls, vec![call("c1")]);
    assert_eq!(msgs[3].tool_call_id.as_deref(), Some("c1"));
    assert_eq!(msgs[4].content, "Yes, we're");
}

#[test]
fn executed_tool_calls_stay_when_nothing_was_heard() {
    let mut ctx = ChatContext::new("sys", 50);
    ctx.push_user("Book me for noon.");
    ctx.begin_assistant(2);
    ctx.add_tool_calls(2, vec![call("done"), call("never-run")])
        .ok();
    ctx.add_tool_result(2, "done", "booked").ok();
    ctx.append_assistant(2, "You're booked for noon.").ok();
    ctx.cut_assistant(2, "").ok();
    let msgs = ctx.messages();
    assert_eq!(
        roles(&ctx),
        vec![
            ChatRole::System,
            ChatRole::User,
            ChatRole::Assistant,
            ChatRole::Tool
        ]
    );
    assert_eq!(msgs[2].content, "");
    assert_eq!(msgs[2].tool_calls, vec![call("done")]);
}

#[test]
fn unknown_turns_are_errors() {
    let mut ctx = ctx_with_answer();
    assert_eq!(
        ctx.append_assistant(9, "x"),
        Err(ConvoError::UnknownTurn(9))
    );
    assert_eq!(
        ctx.add_tool_calls(9, vec![]),
        Err(ConvoError::UnknownTurn(9))
    );
    assert_eq!(
        ctx.add_tool_result(9, "c", "r"),
        Err(ConvoError::UnknownTurn(9))
    );
    assert_eq!(ctx.cut_assistant(9, "x"), Err(ConvoError::UnknownTurn(9)));
}

#[test]
fn begin_is_idempotent_and_empty_user_text_ignored() {
    let mut ctx = ChatContext::new("", 10);
    ctx.push_user("  ");
    assert!(ctx.is_empty());
    ctx.begin_assistant(1);
    ctx.begin_assistant(1);
    assert_eq!(ctx.len(), 1);
}

#[test]
fn history_is_bounded_and_never_starts_with_a_tool_result() {
    let mut ctx = ChatContext::new("sys", 4);
    for turn in 1..=5u64 {
        ctx.push_user(&format!("question {turn}"));
        ctx.begin_assistant(turn);
        ctx.append_assistant(turn, &format!("answer {turn}")).ok();
    }
    assert_eq!(ctx.len(), 4);
    let msgs = ctx.messages();
    assert_eq!(msgs[0].role, ChatRole::System);
    assert_eq!(msgs[1], ChatMessage::user("question 4"));
    assert_eq!(msgs[4], ChatMessage::assistant("answer 5"));

    let mut ctx = ChatContext::new("sys", 3);
    ctx.push_user("hi");
    ctx.begin_assistant(1);
    ctx.add_tool_calls(1, vec![call("a")]).ok();
    ctx.add_tool_result(1, "a", "r").ok();
    ctx.append_assistant(1, "done").ok();
    ctx.push_user("thanks");
    // Dropping the user and the call leaves the result at the front: it goes too.
    assert_eq!(
        roles(&ctx),
        vec![ChatRole::System, ChatRole::Assistant, ChatRole::User]
    );
}

#[test]
fn word_spans_find_words() {
    assert_eq!(word_spans("  ab c\td  "), vec![(2, 4), (5, 6), (7, 8)]);
    assert!(word_spans(" \n ").is_empty());
}
