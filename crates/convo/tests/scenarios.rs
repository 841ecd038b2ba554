//! End-to-end scenarios of the conversation core on virtual time: the turn machine, the
//! sentence chunker, the playback ledger and the chat context driven together the way the
//! agent drives them, with a scripted LLM (text tokens) and a fake leg whose playout clock is
//! virtual time since playback started. TTS audio is 250 ms per word.

use std::time::{Duration, Instant};

use callbridge_convo::{
    ChatContext, PlaybackLedger, SentenceChunker, TurnConfig, TurnInput, TurnMachine, TurnOutput,
};
use callbridge_voice_api::{ChatRole, TurnId};

const WORD: Duration = Duration::from_millis(250);

/// The agent side of one call, minus the I/O.
struct Call {
    t0: Instant,
    machine: TurnMachine,
    ledger: PlaybackLedger,
    ctx: ChatContext,
    /// Agent turn playing and when its playback started.
    playing: Option<(TurnId, Instant)>,
    log: Vec<(u64, TurnOutput)>,
}

impl Call {
    fn new() -> Self {
        Call {
            t0: Instant::now(),
            machine: TurnMachine::new(TurnConfig::default()),
            ledger: PlaybackLedger::default(),
            ctx: ChatContext::new("You are a scheduling assistant.", 50),
            playing: None,
            log: Vec::new(),
        }
    }

    fn at(&self, ms: u64) -> Instant {
        self.t0 + Duration::from_millis(ms)
    }

    fn run_to(&mut self, ms: u64) {
        let target = self.at(ms);
        while let Some(due) = self.machine.poll_timeout().filter(|d| *d <= target) {
            self.machine.handle_timeout(due);
            self.drain(u64::try_from((due - self.t0).as_millis()).unwrap_or(0));
        }
    }

    fn input(&mut self, ms: u64, input: TurnInput) {
        self.run_to(ms);
        let now = self.at(ms);
        self.machine.handle(now, input);
        self.drain(ms);
    }

    fn speech(&mut self, from: u64, to: u64, final_text: &str) {
        let (start, end) = (self.at(from), self.at(to));
        self.input(from, TurnInput::VadSpeechStart { at: start });
        self.input(to, TurnInput::VadSpeechEnd { at: end });
        let text = final_text.to_owned();
        self.input(
            to + 150,
            TurnInput::SttFinal {
                text,
                speech_final: true,
            },
        );
    }

    /// Reacts to the machine's decisions like the agent does.
    fn drain(&mut self, ms: u64) {
        while let Some(out) = self.machine.poll() {
            self.log.push((ms, out.clone()));
            match out {
                TurnOutput::Respond { turn, text } => {
                    if let Some((old, _)) = self.playing.take() {
                        let heard = self.ledger.heard(old);
                        self.ctx.cut_assistant(old, &heard).ok();
                    }
                    self.ctx.push_user(&text);
                    self.ctx.begin_assistant(turn);
                }
                TurnOutput::Interrupt { turn } => {
                    // The leg clears and reports what the playout clock had played.
                    if let Some((playing, since)) = self.playing
                        && playing == turn
                    {
                        let played = self.at(ms).saturating_duration_since(since);
                        self.ledger.cleared(turn, played).ok();
                    }
                }
                _ => {}
            }
        }
    }

    /// The LLM streams `tokens` for `turn`; each sentence is "synthesized" and queued, and
    /// playback starts at `ms`.
    fn speak(&mut self, ms: u64, turn: TurnId, tokens: &[&str]) {
        let mut chunker = SentenceChunker::default();
        let mut sentences = Vec::new();
        for tok in tokens {
            self.ctx.append_assistant(turn, tok).ok();
            sentences.extend(chunker.push(tok));
        }
        sentences.extend(chunker.flush());
        for s in &sentences {
            let words = u32::try_from(s.split_whitespace().count()).unwrap_or(0);
            let index = self.ledger.queue(turn, s, Duration::ZERO);
            self.ledger.add_audio(turn, index, WORD * words).ok();
        }
        self.input(ms, TurnInput::AgentTurnStarted { turn });
        self.input(ms, TurnInput::AgentPlaybackStarted { turn });
        self.ledger.playback_started(turn).ok();
        self.playing = Some((turn, self.at(ms)));
    }

    fn outputs(&self) -> Vec<TurnOutput> {
        self.log.iter().map(|(_, o)| o.clone()).collect()
    }
}

const ANSWER: &[&str] = &[
    "Sure", "! Dr", ". Patel", " has", " an", " opening", " on", " Tuesday", " at", " 3", ":30",
    " p.m", ". Would", " that", " work", " for", " you", "?",
];

#[test]
fn normal_turn_then_barge_in_mid_sentence_cuts_the_context_to_what_was_played() {
    let mut call = Call::new();
    call.speech(0, 1200, "I'd like to see Dr. Patel.");
    assert_eq!(
        call.log.last(),
        Some(&(
            1350,
            TurnOutput::Respond {
                turn: 1,
                text: "I'd like to see Dr. Patel.".into()
            }
        ))
    );
    // Sentences: "Sure!" (1 word, 250 ms), "Dr. Patel has an opening on Tuesday at 3:30 p.m."
    // (10 words, 2500 ms), "Would that work for you?" (5 words).
    call.speak(2000, 1, ANSWER);
    // The caller talks over the agent 1000 ms into the second sentence.
    call.input(3250, TurnInput::VadSpeechStart { at: call.at(3250) });
    call.run_to(3600);
    assert_eq!(
        call.log[call.log.len() - 2],
        (3550, TurnOutput::Interrupt { turn: 1 })
    );
    // Played by the clock: 1550 ms = "Sure!" + 1300 of 2500 ms of sentence two: 10 * 0.52
    // = 5.2 words -> 5.
    let heard = call.ledger.heard(1);
    assert_eq!(heard, "Sure! Dr. Patel has an opening");
    call.input(3700, TurnInput::AgentTurnAborted { turn: 1 });
    call.input(4200, TurnInput::VadSpeechEnd { at: call.at(4200) });
    call.input(
        4350,
        TurnInput::SttFinal {
            text: "Actually, is Wednesday possible?".into(),
            speech_final: true,
        },
    );
    assert_eq!(
        call.log.last(),
        Some(&(
            4350,
            TurnOutput::Respond {
                turn: 2,
                text: "Actually, is Wednesday possible?".into()
            }
        ))
    );
    let msgs = call.ctx.messages();
    let roles: Vec<ChatRole> = msgs.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [
            ChatRole::System,
            ChatRole::User,
            ChatRole::Assistant,
            ChatRole::User,
            ChatRole::Assistant
        ]
    );
    assert_eq!(msgs[2].content, heard, "exactly the played text");
    assert_eq!(msgs[3].content, "Actually, is Wednesday possible?");
}

#[test]
fn cough_and_mhm_do_not_interrupt_and_the_full_answer_stays() {
    let mut call = Call::new();
    call.speech(0, 1000, "When can I come in?");
    call.speak(1500, 1, ANSWER);
    // A 200 ms cough.
    call.input(2000, TurnInput::VadSpeechStart { at: call.at(2000) });
    call.input(2200, TurnInput::VadSpeechEnd { at: call.at(2200) });
    // A 600 ms "mhm".
    call.input(3000, TurnInput::VadSpeechStart { at: call.at(3000) });
    call.input(3200, TurnInput::SttInterim { text: "mhm".into() });
    call.input(3600, TurnInput::VadSpeechEnd { at: call.at(3600) });
    call.input(
        3700,
        TurnInput::SttFinal {
            text: "Mhm.".into(),
            speech_final: true,
        },
    );
    call.run_to(5500);
    call.input(5500, TurnInput::AgentPlaybackDrained { turn: 1 });
    call.ledger.drained(1).ok();
    let interrupts = call
        .outputs()
        .into_iter()
        .filter(|o| matches!(o, TurnOutput::Interrupt { .. }))
        .count();
    assert_eq!(interrupts, 0);
    assert_eq!(call.ledger.heard(1), call.ctx.assistant_text(1));
}

#[test]
fn long_cough_interrupts_then_the_rest_is_resumed() {
    let mut call = Call::new();
    call.speech(0, 1000, "When can I come in?");
    call.speak(1500, 1, ANSWER);
    call.input(2000, TurnInput::VadSpeechStart { at: call.at(2000) });
    call.input(2350, TurnInput::AgentTurnAborted { turn: 1 });
    call.input(2500, TurnInput::VadSpeechEnd { at: call.at(2500) });
    call.run_to(4000);
    let tail: Vec<TurnOutput> = call.outputs().into_iter().skip(2).collect();
    assert_eq!(
        tail,
        [
            TurnOutput::Interrupt { turn: 1 },
            TurnOutput::UserStarted,
            TurnOutput::FinalizeStt,
            TurnOutput::Resume { turn: 1 }
        ]
    );
    // Played 800 ms: "Sure!" and 550 of 2500 ms of the second sentence: 2.2 words -> 2.
    assert_eq!(call.ledger.heard(1), "Sure! Dr. Patel");
    let rest = call.ledger.resume(1);
    assert_eq!(
        rest.as_deref(),
        Ok("has an opening on Tuesday at 3:30 p.m. Would that work for you?")
    );
    call.ledger
        .queue(1, "has an opening on Tuesday at 3:30 p.m.", WORD * 8);
    call.ledger.queue(1, "Would that work for you?", WORD * 5);
    call.ledger.drained(1).ok();
    assert_eq!(call.ledger.heard(1), call.ctx.assistant_text(1));
}

#[test]
fn phone_number_with_pauses_is_one_turn() {
    let mut call = Call::new();
    let groups = [
        (0, 1500, "My number is four one five"),
        (2200, 3000, "five five five"),
        (3700, 5000, "one two three four."),
    ];
    for (from, to, words) in groups {
        let (start, end) = (call.at(from), call.at(to));
        call.input(from, TurnInput::VadSpeechStart { at: start });
        call.input(to, TurnInput::VadSpeechEnd { at: end });
        call.input(
            to + 200,
            TurnInput::SttFinal {
                text: words.into(),
                speech_final: false,
            },
        );
    }
    call.run_to(10_000);
    assert_eq!(
        call.outputs(),
        [
            TurnOutput::UserStarted,
            TurnOutput::Respond {
                turn: 1,
                text: "My number is four one five five five five one two three four.".into()
            }
        ]
    );
    assert_eq!(call.log.last().map(|(ms, _)| *ms), Some(5500));
}
