//! Acceptance tests of the per-call agent on a paused clock, with scripted providers and real
//! speech audio through the real VAD: a normal turn, barge-in with the context cut to what was
//! heard, a cough and a backchannel that do not interrupt, a phone number read with pauses, a
//! model failing mid-turn, tools, DTMF, and a hang-up that leaves no task behind.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use callbridge_agent::loopback::FarEnd;
use callbridge_agent::{AgentConfig, AgentEvent, CallAction, ToolOutcome, ToolRegistry};
use callbridge_testkit::scripted::{Reply, ScriptedLlm, Utterance};
use callbridge_voice_api::{
    ChatRole, ErrorKind, HangupReason, LanguageModel, ProviderError, ToolSpec,
};
use common::{Seg, providers, start, stt, timeline, tts, words_heard};

const MS_PER_WORD: u64 = 100;

fn llm(default: &str) -> ScriptedLlm {
    ScriptedLlm::new(
        Reply::Text(default.to_owned()),
        Duration::from_millis(200),
        Duration::ZERO,
    )
}

fn text_of_assistant(req: &callbridge_voice_api::ChatRequest) -> Vec<String> {
    req.messages
        .iter()
        .filter(|m| m.role == ChatRole::Assistant)
        .map(|m| m.content.clone())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_normal_turn_is_answered_in_full() {
    let reply = "It costs forty dollars a month. Would you like a demo?";
    let frames = timeline(&[Seg::Silence(400), Seg::Speech(1200)], 8000);
    let llm = llm(reply);
    let tts = tts();
    let p = providers(
        stt(vec![Utterance::new(400, 1600, "how much does it cost")]),
        llm.clone(),
        tts.clone(),
    );
    let out = start(frames, true, p, AgentConfig::default(), ToolRegistry::new())
        .finish()
        .await;

    assert_eq!(out.user_turns(), vec!["how much does it cost"]);
    assert_eq!(out.agent_turns(), vec![(reply.to_owned(), false)]);
    assert!(!out.cleared());
    // Every word was played: 11 words at 100 ms.
    assert_eq!(out.played_ms(1), 11 * MS_PER_WORD);
    // The first sentence went to TTS before the second was complete.
    assert_eq!(
        tts.requests(),
        vec!["It costs forty dollars a month.", "Would you like a demo?"]
    );
    let reqs = llm.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        reqs[0].messages.last().unwrap().content,
        "how much does it cost"
    );
    // Latency on the paused clock: the stages add up exactly (no hidden waits).
    let m = &out.summary.turns[0];
    let endpoint = m.endpoint.unwrap();
    // The turn ends when the recognizer's final (speech_final) meets VAD silence: the final
    // comes 100 ms after the audio, the VAD reports the end after its 120 ms hangover.
    assert!(
        endpoint >= Duration::from_millis(100) && endpoint <= Duration::from_millis(160),
        "{m:?}"
    );
    // The final comes 100 ms after the audio ends; the VAD dates the end within ~30 ms.
    let fin = m.stt_final.unwrap();
    assert!(
        fin >= Duration::from_millis(60) && fin <= Duration::from_millis(160),
        "{m:?}"
    );
    assert_eq!(
        m.llm_first_token.unwrap(),
        endpoint + Duration::from_millis(200)
    );
    assert_eq!(
        m.tts_first_audio.unwrap(),
        endpoint + Duration::from_millis(280)
    );
    assert_eq!(
        m.first_frame_out.unwrap(),
        endpoint + Duration::from_millis(280)
    );
    assert_eq!(out.summary.reason, HangupReason::Remote);
}

#[tokio::test(start_paused = true)]
async fn barge_in_cuts_the_context_to_exactly_what_was_heard() {
    let s1 = "Our premium plan includes unlimited seats and priority support for every team.";
    let s2 = "It also comes with a dedicated success manager who helps you onboard quickly.";
    let reply = format!("{s1} {s2}");
    // The caller asks (0.4-1.6 s); the answer starts ~0.88 s after speech ends (500 ms
    // endpointing + 380 ms of providers), so it plays from ~2.5 s; the caller cuts in at 3.6 s.
    let frames = timeline(
        &[
            Seg::Silence(400),
            Seg::Speech(1200),
            Seg::Silence(2000),
            Seg::Speech(1000),
        ],
        9000,
    );
    let llm = llm(&reply).on("hold on", Reply::Text("Sure, go ahead.".to_owned()));
    let p = providers(
        stt(vec![
            Utterance::new(400, 1600, "tell me about premium"),
            Utterance::new(3600, 4600, "wait hold on a second"),
        ]),
        llm.clone(),
        tts(),
    );
    let out = start(frames, true, p, AgentConfig::default(), ToolRegistry::new())
        .finish()
        .await;

    assert!(out.cleared(), "the leg was cleared on barge-in");
    assert_eq!(out.summary.interruptions, 1);
    let played = out.played_at_clear(1).unwrap();
    let expected = words_heard(&[s1, s2], played, MS_PER_WORD);
    assert!(
        !expected.is_empty() && expected.len() < reply.len(),
        "{expected}"
    );
    // What the agent reports as heard, and what the model is told it said, are exactly the
    // words whose audio reached the caller before the clear.
    let turns = out.agent_turns();
    assert_eq!(turns[0], (expected.clone(), true));
    let reqs = llm.requests();
    assert_eq!(reqs.len(), 2, "the interruption was answered");
    assert_eq!(text_of_assistant(&reqs[1]), vec![expected]);
    assert_eq!(
        reqs[1].messages.last().unwrap().content,
        "wait hold on a second"
    );
    // No audio of turn 1 was released after the clear.
    let clear_at = out
        .far
        .iter()
        .position(|f| matches!(f, FarEnd::Cleared { .. }))
        .unwrap();
    assert!(
        !out.far[clear_at..]
            .iter()
            .any(|f| matches!(f, FarEnd::Audio { turn: 1, .. }))
    );
    assert_eq!(turns[1], ("Sure, go ahead.".to_owned(), false));
}

#[tokio::test(start_paused = true)]
async fn a_cough_and_a_backchannel_do_not_interrupt() {
    let reply = "We integrate with every major CRM. Setup takes about ten minutes with our guided wizard, and your data syncs both ways.";
    let frames = timeline(
        &[
            Seg::Silence(400),
            Seg::Speech(1200),
            // The answer plays from ~2.5 s for ~2.1 s.
            Seg::Silence(1200),
            Seg::Speech(140), // a cough at 2.8 s: no words
            Seg::Silence(360),
            Seg::Speech(400), // "mhm" at 3.3 s
        ],
        9000,
    );
    let llm = llm(reply);
    let p = providers(
        stt(vec![
            Utterance::new(400, 1600, "do you work with salesforce"),
            Utterance::new(2800, 2940, ""),
            Utterance::new(3300, 3700, "mhm"),
        ]),
        llm.clone(),
        tts(),
    );
    let out = start(frames, true, p, AgentConfig::default(), ToolRegistry::new())
        .finish()
        .await;

    assert!(!out.cleared());
    assert_eq!(out.summary.interruptions, 0);
    let words = reply.split_whitespace().count() as u64;
    assert_eq!(out.played_ms(1), words * MS_PER_WORD);
    assert_eq!(out.agent_turns()[0], (reply.to_owned(), false));
    // Neither the cough nor the backchannel became a turn of their own.
    assert_eq!(out.user_turns(), vec!["do you work with salesforce"]);
    assert_eq!(llm.requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_phone_number_read_with_pauses_is_not_cut_off() {
    // "five five five, one two three ... four five six seven": an 800 ms pause after the
    // exchange is longer than the 500 ms end-of-turn silence.
    let frames = timeline(
        &[
            Seg::Silence(400),
            Seg::Speech(2000),
            Seg::Silence(800),
            Seg::Speech(1200),
        ],
        9000,
    );
    let llm = llm("Thanks, I have your number.");
    let p = providers(
        stt(vec![
            Utterance::new(400, 2400, "my number is five five five one two three"),
            Utterance::new(3200, 4400, "four five six seven"),
        ]),
        llm.clone(),
        tts(),
    );
    let out = start(frames, true, p, AgentConfig::default(), ToolRegistry::new())
        .finish()
        .await;

    assert_eq!(
        out.user_turns(),
        vec!["my number is five five five one two three four five six seven"]
    );
    assert_eq!(llm.requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_model_failing_mid_turn_ends_in_a_spoken_apology() {
    let cfg = AgentConfig::default();
    let apology = cfg.apology.clone();
    let frames = timeline(&[Seg::Silence(400), Seg::Speech(1200)], 9000);
    let failing = ScriptedLlm::new(
        Reply::FailAfter {
            text: "Let me check that for you. The price for".to_owned(),
            tokens: 10,
            error: ProviderError::new("scripted-llm", ErrorKind::Network, "stream cut"),
        },
        Duration::from_millis(200),
        Duration::ZERO,
    );
    let tts = tts();
    let p = providers(
        stt(vec![Utterance::new(400, 1600, "what is the price")]),
        failing,
        tts.clone(),
    );
    let out = start(frames, true, p, cfg, ToolRegistry::new())
        .finish()
        .await;

    assert!(
        out.events
            .iter()
            .any(|e| matches!(e, AgentEvent::ProviderFailed { stage: "llm", .. }))
    );
    let said = tts.requests();
    assert_eq!(said.last().unwrap(), &apology, "{said:?}");
    let (text, interrupted) = out.agent_turns()[0].clone();
    assert!(!interrupted);
    assert!(text.ends_with(&apology), "{text}");
    // The apology was played in full: never silence.
    let words: u64 = said
        .iter()
        .map(|s| s.split_whitespace().count() as u64)
        .sum();
    assert_eq!(out.played_ms(1), words * MS_PER_WORD);
    assert_eq!(out.summary.provider_failures, 1);
}

#[tokio::test(start_paused = true)]
async fn a_fallback_model_answers_when_the_first_fails() {
    let frames = timeline(&[Seg::Silence(400), Seg::Speech(1200)], 9000);
    let down = ScriptedLlm::new(
        Reply::FailAfter {
            text: String::new(),
            tokens: 0,
            error: ProviderError::from_status("primary", 503, "overloaded"),
        },
        Duration::from_millis(50),
        Duration::ZERO,
    )
    .named("primary");
    let backup = llm("Happy to help with that.").named("backup");
    let chain = callbridge_providers::fallback::FallbackLlm::new(
        vec![
            std::sync::Arc::new(down),
            std::sync::Arc::new(backup.clone()),
        ],
        Duration::from_secs(30),
    );
    let p = callbridge_agent::Providers {
        stt: std::sync::Arc::new(stt(vec![Utterance::new(400, 1600, "can you help")])),
        llm: std::sync::Arc::new(chain) as std::sync::Arc<dyn LanguageModel>,
        tts: std::sync::Arc::new(tts()),
    };
    let out = start(frames, true, p, AgentConfig::default(), ToolRegistry::new())
        .finish()
        .await;
    assert_eq!(
        out.agent_turns(),
        vec![("Happy to help with that.".to_owned(), false)]
    );
    assert_eq!(backup.requests().len(), 1);
}

fn tools_with_booking() -> ToolRegistry {
    let mut tools = ToolRegistry::new();
    tools.register(
        ToolSpec {
            name: "book_meeting".to_owned(),
            description: "Book a meeting".to_owned(),
            parameters: serde_json::json!({"type": "object"}),
        },
        |call| {
            Box::pin(
                async move { ToolOutcome::text(format!("booked for {}", call.arguments["when"])) },
            )
        },
    );
    tools.register(
        ToolSpec {
            name: "end_call".to_owned(),
            description: "End the call".to_owned(),
            parameters: serde_json::json!({"type": "object"}),
        },
        |_| {
            Box::pin(async {
                ToolOutcome {
                    result: "ending".to_owned(),
                    action: Some(CallAction::EndCall {
                        reason: "goodbye".to_owned(),
                    }),
                }
            })
        },
    );
    tools
}

#[tokio::test(start_paused = true)]
async fn tool_calls_run_and_their_results_feed_the_next_round() {
    let frames = timeline(&[Seg::Silence(400), Seg::Speech(1200)], 9000);
    let llm = llm("Anything else?")
        .on(
            "book me",
            Reply::Tool {
                before: "One moment.".to_owned(),
                name: "book_meeting".to_owned(),
                arguments: serde_json::json!({"when": "tuesday"}),
            },
        )
        .on(
            "booked for",
            Reply::Text("You are booked for Tuesday at ten.".to_owned()),
        );
    let p = providers(
        stt(vec![Utterance::new(400, 1600, "book me for tuesday")]),
        llm.clone(),
        tts(),
    );
    let out = start(
        frames,
        true,
        p,
        AgentConfig::default(),
        tools_with_booking(),
    )
    .finish()
    .await;
    assert!(out.events.iter().any(|e| matches!(
        e,
        AgentEvent::ToolCalled { name, result, .. } if name == "book_meeting" && result == "booked for \"tuesday\""
    )));
    let reqs = llm.requests();
    assert_eq!(reqs.len(), 2);
    let tool_msg = reqs[1].messages.last().unwrap();
    assert_eq!(tool_msg.role, ChatRole::Tool);
    assert_eq!(tool_msg.tool_call_id.as_deref(), Some("call_book_meeting"));
    assert_eq!(reqs[0].tools.len(), 2, "the registry's tools are offered");
    assert_eq!(
        out.agent_turns(),
        vec![(
            "One moment. You are booked for Tuesday at ten.".to_owned(),
            false
        )]
    );
}

#[tokio::test(start_paused = true)]
async fn end_call_hangs_up_after_the_closing_words() {
    let frames = timeline(&[Seg::Silence(400), Seg::Speech(1200)], 20_000);
    let llm = llm("Goodbye then.").on(
        "bye",
        Reply::Tool {
            before: "Thanks for calling, goodbye.".to_owned(),
            name: "end_call".to_owned(),
            arguments: serde_json::json!({}),
        },
    );
    let p = providers(
        stt(vec![Utterance::new(400, 1600, "that is all bye")]),
        llm,
        tts(),
    );
    let out = start(
        frames,
        false,
        p,
        AgentConfig::default(),
        tools_with_booking(),
    )
    .finish()
    .await;
    assert_eq!(
        out.summary.reason,
        HangupReason::Local("goodbye".to_owned())
    );
    let hangup = out
        .far
        .iter()
        .position(|f| matches!(f, FarEnd::Hangup { .. }))
        .unwrap();
    let before: usize = out.far[..hangup]
        .iter()
        .filter(|f| matches!(f, FarEnd::Audio { .. }))
        .count();
    // The closing words, and the model's last words after the tool result, played in full.
    assert_eq!(
        out.agent_turns(),
        vec![(
            "Thanks for calling, goodbye. Goodbye then.".to_owned(),
            false
        )]
    );
    assert_eq!(before as u64 * 20, 6 * MS_PER_WORD);
}

#[tokio::test(start_paused = true)]
async fn a_key_press_is_answered_as_a_turn() {
    let frames = timeline(&[Seg::Silence(400)], 4000);
    let llm = llm("You chose sales.");
    let p = providers(stt(vec![]), llm.clone(), tts());
    let run = start(frames, true, p, AgentConfig::default(), ToolRegistry::new());
    tokio::time::sleep(Duration::from_millis(1000)).await;
    run.caller.press('1', Duration::from_millis(1000));
    let out = run.finish().await;
    assert!(
        out.events
            .iter()
            .any(|e| matches!(e, AgentEvent::Dtmf { digit: '1', .. }))
    );
    let reqs = llm.requests();
    assert_eq!(reqs.len(), 1);
    assert!(
        reqs[0]
            .messages
            .last()
            .unwrap()
            .content
            .contains("pressed the 1 key")
    );
    assert_eq!(
        out.agent_turns(),
        vec![("You chose sales.".to_owned(), false)]
    );
}

#[tokio::test(start_paused = true)]
async fn a_greeting_is_spoken_before_the_caller_speaks() {
    let frames = timeline(&[Seg::Silence(400)], 3000);
    let cfg = AgentConfig {
        greeting: Some("Hi, this is an AI assistant calling from Acme.".to_owned()),
        ..AgentConfig::default()
    };
    let p = providers(stt(vec![]), llm("unused"), tts());
    let out = start(frames, true, p, cfg, ToolRegistry::new())
        .finish()
        .await;
    assert_eq!(
        out.agent_turns(),
        vec![(
            "Hi, this is an AI assistant calling from Acme.".to_owned(),
            false
        )]
    );
    assert_eq!(out.played_ms(1), 9 * MS_PER_WORD);
}

#[tokio::test(start_paused = true)]
async fn a_hang_up_mid_sentence_cancels_everything_and_leaves_no_task_behind() {
    let metrics = tokio::runtime::Handle::current().metrics();
    let before = metrics.num_alive_tasks();
    let reply = "Let me walk you through all of our plans one by one, starting with the basic tier that most small teams choose.";
    // The answer starts at ~2.5 s; the caller hangs up at 3.4 s, mid-sentence.
    let frames = timeline(&[Seg::Silence(400), Seg::Speech(1200)], 3400);
    let tts = tts();
    let p = providers(
        stt(vec![Utterance::new(400, 1600, "what plans do you have")]),
        llm(reply),
        tts.clone(),
    );
    let out = start(frames, true, p, AgentConfig::default(), ToolRegistry::new())
        .finish()
        .await;
    assert_eq!(out.summary.reason, HangupReason::Remote);
    let (heard, interrupted) = out.agent_turns()[0].clone();
    assert!(interrupted);
    assert!(!heard.is_empty() && reply.starts_with(&heard), "{heard}");
    assert!(matches!(out.events.last(), Some(AgentEvent::Ended { .. })));
    // Give the scripted recognizer's delayed finals time to fire, then count tasks.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        metrics.num_alive_tasks(),
        before,
        "a task outlived its call"
    );
}
