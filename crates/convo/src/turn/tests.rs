//! Scenario tests of the turn machine on virtual time: every instant is `t0 + ms`.

use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::*;

/// Drives a machine through a timeline and records each output with its virtual time (ms).
struct Sim {
    m: TurnMachine,
    t0: Instant,
    now_ms: u64,
    log: Vec<(u64, TurnOutput)>,
}

impl Sim {
    fn new(cfg: TurnConfig) -> Self {
        Sim {
            m: TurnMachine::new(cfg),
            t0: Instant::now(),
            now_ms: 0,
            log: Vec::new(),
        }
    }

    fn at(&self, ms: u64) -> Instant {
        self.t0 + Duration::from_millis(ms)
    }

    fn drain(&mut self, ms: u64) {
        while let Some(o) = self.m.poll() {
            self.log.push((ms, o));
        }
    }

    /// Fires every timer up to `ms`, at the instant it is due.
    fn run_to(&mut self, ms: u64) {
        let target = self.at(ms);
        while let Some(due) = self.m.poll_timeout() {
            if due > target {
                break;
            }
            let due_ms = u64::try_from(due.duration_since(self.t0).as_millis()).unwrap_or(0);
            self.m.handle_timeout(due);
            self.drain(due_ms);
        }
        self.now_ms = ms;
    }

    fn ev(&mut self, ms: u64, input: TurnInput) {
        self.run_to(ms);
        let now = self.at(ms);
        self.m.handle(now, input);
        self.drain(ms);
    }

    fn vad_start(&mut self, ms: u64) {
        let at = self.at(ms);
        self.ev(ms, TurnInput::VadSpeechStart { at });
    }

    fn vad_end(&mut self, ms: u64) {
        let at = self.at(ms);
        self.ev(ms, TurnInput::VadSpeechEnd { at });
    }

    fn interim(&mut self, ms: u64, text: &str) {
        self.ev(ms, TurnInput::SttInterim { text: text.into() });
    }

    fn fin(&mut self, ms: u64, text: &str, speech_final: bool) {
        let text = text.into();
        self.ev(ms, TurnInput::SttFinal { text, speech_final });
    }

    /// Puts the agent on the floor speaking `turn` (as after its greeting started playing).
    fn agent_speaking(&mut self, ms: u64, turn: TurnId) {
        self.ev(ms, TurnInput::AgentTurnStarted { turn });
        self.ev(ms, TurnInput::AgentPlaybackStarted { turn });
        self.log.clear();
    }

    fn outputs(&self) -> Vec<TurnOutput> {
        self.log.iter().map(|(_, o)| o.clone()).collect()
    }
}

fn respond(turn: TurnId, text: &str) -> TurnOutput {
    TurnOutput::Respond {
        turn,
        text: text.into(),
    }
}

#[test]
fn normal_turn_with_speech_final_answers_at_once() {
    let mut s = Sim::new(TurnConfig::default());
    s.vad_start(0);
    s.interim(400, "I'd like");
    s.interim(900, "I'd like to book a table");
    s.vad_end(1500);
    assert_eq!(s.m.state(), TurnState::CallerPaused);
    s.fin(1700, "I'd like to book a table.", true);
    s.run_to(5000);
    assert_eq!(
        s.log,
        vec![
            (0, TurnOutput::UserStarted),
            (1700, respond(1, "I'd like to book a table.")),
        ]
    );
    assert_eq!(s.m.state(), TurnState::AgentThinking { turn: 1 });
}

#[test]
fn covered_turn_answers_after_the_silence() {
    let mut s = Sim::new(TurnConfig::default());
    s.vad_start(0);
    s.interim(300, "hello there");
    s.vad_end(1000);
    s.fin(1200, "Hello there.", false);
    s.run_to(5000);
    assert_eq!(s.log.last(), Some(&(1500, respond(1, "Hello there."))));
    assert!(!s.outputs().contains(&TurnOutput::FinalizeStt));
}

#[test]
fn late_final_is_asked_for_then_answered() {
    let mut s = Sim::new(TurnConfig::default());
    s.vad_start(0);
    s.interim(500, "what time do you");
    s.interim(900, "what time do you open");
    s.vad_end(1000);
    s.run_to(1500);
    assert_eq!(s.log.last(), Some(&(1500, TurnOutput::FinalizeStt)));
    assert_eq!(s.m.state(), TurnState::AwaitingFinal);
    s.fin(1800, "What time do you open?", false);
    assert_eq!(
        s.log.last(),
        Some(&(1800, respond(1, "What time do you open?")))
    );
}

#[test]
fn missing_final_falls_back_to_the_interim_after_the_grace() {
    let mut s = Sim::new(TurnConfig::default());
    s.vad_start(0);
    s.interim(500, "what time do you open");
    s.vad_end(1000);
    s.run_to(3000);
    assert_eq!(
        s.log,
        vec![
            (0, TurnOutput::UserStarted),
            (1500, TurnOutput::FinalizeStt),
            (1900, respond(1, "what time do you open")),
        ]
    );
}

#[test]
fn noise_without_words_gets_no_answer() {
    let mut s = Sim::new(TurnConfig::default());
    s.vad_start(0);
    s.vad_end(700);
    s.run_to(1200);
    s.fin(1300, "", false);
    s.run_to(5000);
    assert_eq!(
        s.outputs(),
        vec![TurnOutput::UserStarted, TurnOutput::FinalizeStt]
    );
    assert_eq!(s.m.state(), TurnState::Idle);
}

#[test]
fn speaking_again_cancels_the_wait() {
    let mut s = Sim::new(TurnConfig::default());
    s.vad_start(0);
    s.fin(800, "So I was wondering", false);
    s.vad_end(1000);
    s.vad_start(1400);
    s.fin(2500, "if you have a table.", false);
    s.vad_end(2600);
    s.run_to(6000);
    assert_eq!(
        s.log.last(),
        Some(&(3100, respond(1, "So I was wondering if you have a table.")))
    );
}

#[test]
fn speech_final_does_not_end_the_turn_while_the_vad_hears_speech() {
    let mut s = Sim::new(TurnConfig::default());
    s.vad_start(0);
    s.fin(600, "Yes.", true);
    s.ev(700, TurnInput::SttUtteranceEnd);
    assert_eq!(s.m.state(), TurnState::CallerTalking);
    s.interim(1200, "and also");
    s.vad_end(1500);
    s.fin(1700, "And also Tuesday.", true);
    assert_eq!(
        s.log.last(),
        Some(&(1700, respond(1, "Yes. And also Tuesday.")))
    );
}

#[test]
fn utterance_end_in_silence_ends_the_wait() {
    let mut s = Sim::new(TurnConfig::default());
    s.vad_start(0);
    s.fin(600, "Sounds good.", false);
    s.vad_end(800);
    s.ev(1000, TurnInput::SttUtteranceEnd);
    assert_eq!(s.log.last(), Some(&(1000, respond(1, "Sounds good."))));
}

#[test]
fn phone_number_read_with_pauses_is_not_cut_off() {
    let mut s = Sim::new(TurnConfig::default());
    // Each group: speech, its final 200 ms after it ends, then a 700 ms pause.
    s.vad_start(0);
    s.vad_end(1500);
    s.fin(1700, "My number is four one five", false);
    s.vad_start(2200);
    s.vad_end(3200);
    s.fin(3400, "five five five", false);
    s.vad_start(3900);
    s.vad_end(5200);
    s.fin(5400, "one two three four.", false);
    s.run_to(10_000);
    assert_eq!(
        s.log,
        vec![
            (0, TurnOutput::UserStarted),
            (
                5700,
                respond(
                    1,
                    "My number is four one five five five five one two three four."
                )
            ),
        ]
    );
}

#[test]
fn unfinished_words_get_the_extra_wait_once() {
    let mut s = Sim::new(TurnConfig::default());
    s.vad_start(0);
    s.vad_end(1000);
    s.fin(1200, "My email is john at gmail dot", false);
    s.run_to(1500);
    assert_eq!(s.m.state(), TurnState::CallerPaused);
    s.run_to(10_000);
    assert_eq!(
        s.log.last(),
        Some(&(3000, respond(1, "My email is john at gmail dot")))
    );
}

#[test]
fn speech_final_does_not_shorten_an_unfinished_wait() {
    let mut s = Sim::new(TurnConfig::default());
    s.vad_start(0);
    s.vad_end(1000);
    s.fin(1200, "my number is four one five", true);
    assert_eq!(s.m.state(), TurnState::CallerPaused);
    s.vad_start(2300);
    assert_eq!(s.outputs(), vec![TurnOutput::UserStarted]);
}

#[test]
fn max_turn_answers_a_monologue() {
    let cfg = TurnConfig {
        max_turn: Duration::from_secs(10),
        ..TurnConfig::default()
    };
    let mut s = Sim::new(cfg);
    s.vad_start(0);
    for k in 1..12u64 {
        s.interim(k * 900, &"blah ".repeat(usize::try_from(k).unwrap_or(1)));
    }
    s.run_to(10_000);
    assert_eq!(s.log.last(), Some(&(10_000, TurnOutput::FinalizeStt)));
    s.fin(10_150, "Blah blah blah.", false);
    assert_eq!(s.log.last(), Some(&(10_150, respond(1, "Blah blah blah."))));
    // The same speech goes on: it does not barge in on the answer.
    s.ev(10_300, TurnInput::AgentPlaybackStarted { turn: 1 });
    s.interim(11_000, "and another thing");
    s.run_to(12_000);
    assert_eq!(s.m.state(), TurnState::AgentSpeaking { turn: 1 });
    s.vad_end(12_500);
    s.vad_start(13_000);
    s.run_to(13_400);
    assert_eq!(s.log.last(), Some(&(13_300, TurnOutput::UserStarted)));
}

#[test]
fn barge_in_interrupts_after_min_barge_in_then_becomes_a_turn() {
    let mut s = Sim::new(TurnConfig::default());
    s.agent_speaking(0, 1);
    s.vad_start(2000);
    s.run_to(2299);
    assert_eq!(s.m.state(), TurnState::BargeInCandidate { turn: 1 });
    s.run_to(2300);
    assert_eq!(
        s.log,
        vec![
            (2300, TurnOutput::Interrupt { turn: 1 }),
            (2300, TurnOutput::UserStarted)
        ]
    );
    s.ev(2350, TurnInput::AgentTurnAborted { turn: 1 });
    s.interim(2500, "wait what about");
    s.vad_end(3000);
    s.fin(3200, "Wait, what about Tuesday?", true);
    assert_eq!(
        s.log.last(),
        Some(&(3200, respond(2, "Wait, what about Tuesday?")))
    );
}

#[test]
fn cough_does_not_interrupt() {
    let mut s = Sim::new(TurnConfig::default());
    s.agent_speaking(0, 1);
    s.vad_start(1000);
    s.vad_end(1200);
    s.run_to(5000);
    assert!(s.log.is_empty(), "{:?}", s.log);
    assert_eq!(s.m.state(), TurnState::AgentSpeaking { turn: 1 });
}

#[test]
fn mhm_does_not_interrupt() {
    let mut s = Sim::new(TurnConfig::default());
    s.agent_speaking(0, 1);
    s.vad_start(1000);
    s.interim(1200, "mhm");
    s.run_to(1400);
    s.fin(1500, "Mhm.", false);
    s.vad_end(1600);
    s.run_to(5000);
    assert!(s.log.is_empty(), "{:?}", s.log);
    assert_eq!(s.m.state(), TurnState::AgentSpeaking { turn: 1 });
}

#[test]
fn backchannel_then_content_words_interrupts() {
    let mut s = Sim::new(TurnConfig::default());
    s.agent_speaking(0, 1);
    s.vad_start(1000);
    s.interim(1200, "yeah");
    s.run_to(1600);
    assert!(s.log.is_empty());
    s.interim(1700, "yeah but hold on");
    assert_eq!(
        s.log.first(),
        Some(&(1700, TurnOutput::Interrupt { turn: 1 }))
    );
}

#[test]
fn long_cough_interrupts_then_resumes() {
    let mut s = Sim::new(TurnConfig::default());
    s.agent_speaking(0, 1);
    s.vad_start(1000);
    s.vad_end(1500);
    s.run_to(5000);
    assert_eq!(
        s.log,
        vec![
            (1300, TurnOutput::Interrupt { turn: 1 }),
            (1300, TurnOutput::UserStarted),
            (2000, TurnOutput::FinalizeStt),
            (2300, TurnOutput::Resume { turn: 1 }),
        ]
    );
    assert_eq!(s.m.state(), TurnState::AgentSpeaking { turn: 1 });
}

#[test]
fn late_backchannel_after_an_interrupt_resumes() {
    let mut s = Sim::new(TurnConfig::default());
    s.agent_speaking(0, 1);
    s.vad_start(1000);
    s.vad_end(1600);
    s.fin(1800, "Okay.", true);
    s.run_to(5000);
    let out = s.outputs();
    assert_eq!(out.first(), Some(&TurnOutput::Interrupt { turn: 1 }));
    assert_eq!(out.last(), Some(&TurnOutput::Resume { turn: 1 }));
    assert_eq!(s.log.last().map(|(ms, _)| *ms), Some(2400));
}

#[test]
fn words_arriving_before_resume_wait_make_a_turn() {
    let mut s = Sim::new(TurnConfig::default());
    s.agent_speaking(0, 1);
    s.vad_start(1000);
    s.vad_end(1500);
    s.run_to(2100);
    assert_eq!(s.m.state(), TurnState::AwaitingFinal);
    s.fin(2200, "Stop.", false);
    assert_eq!(s.log.last(), Some(&(2200, respond(2, "Stop."))));
}

#[test]
fn drained_turn_is_not_resumed() {
    let mut s = Sim::new(TurnConfig::default());
    s.agent_speaking(0, 1);
    s.vad_start(1000);
    s.run_to(1300);
    s.ev(1310, TurnInput::AgentPlaybackDrained { turn: 1 });
    s.vad_end(1500);
    s.run_to(5000);
    assert!(!s.outputs().contains(&TurnOutput::Resume { turn: 1 }));
    assert_eq!(s.m.state(), TurnState::Idle);
}

#[test]
fn min_words_rule_needs_content_words() {
    let cfg = TurnConfig {
        barge_in_min_words: 2,
        ..TurnConfig::default()
    };
    let mut s = Sim::new(cfg);
    s.agent_speaking(0, 1);
    s.vad_start(1000);
    s.run_to(1500);
    assert!(s.log.is_empty());
    s.interim(1600, "yeah wait");
    assert!(s.log.is_empty());
    s.interim(1700, "yeah wait a");
    assert_eq!(
        s.log.first(),
        Some(&(1700, TurnOutput::Interrupt { turn: 1 }))
    );
}

#[test]
fn speech_while_thinking_cancels_the_turn_and_starts_a_new_one() {
    let mut s = Sim::new(TurnConfig::default());
    s.vad_start(0);
    s.fin(900, "I want to book", true);
    s.vad_end(1000);
    s.run_to(1500);
    assert_eq!(s.log.last(), Some(&(1000, respond(1, "I want to book"))));
    s.vad_start(1600);
    s.run_to(1900);
    assert_eq!(s.log.last(), Some(&(1900, TurnOutput::UserStarted)));
    assert!(s.outputs().contains(&TurnOutput::Interrupt { turn: 1 }));
    s.vad_end(2500);
    s.fin(2600, "a table for two.", true);
    assert_eq!(s.log.last(), Some(&(2600, respond(2, "a table for two."))));
}

#[test]
fn speech_outlasting_the_agent_turn_is_the_callers_next_turn() {
    let mut s = Sim::new(TurnConfig::default());
    s.agent_speaking(0, 1);
    s.vad_start(1000);
    s.interim(1100, "okay");
    s.ev(1200, TurnInput::AgentPlaybackDrained { turn: 1 });
    assert_eq!(s.log, vec![(1200, TurnOutput::UserStarted)]);
    s.interim(1500, "okay so what's the price");
    s.vad_end(1800);
    s.fin(1900, "Okay, so what's the price?", true);
    assert_eq!(
        s.log.last(),
        Some(&(1900, respond(2, "Okay, so what's the price?")))
    );
}

#[test]
fn dtmf_interrupts_and_is_a_turn() {
    let mut s = Sim::new(TurnConfig::default());
    s.agent_speaking(0, 4);
    s.ev(500, TurnInput::Dtmf { digit: '1' });
    assert_eq!(
        s.outputs(),
        vec![
            TurnOutput::Interrupt { turn: 4 },
            TurnOutput::Dtmf {
                turn: 5,
                digit: '1'
            }
        ]
    );
    assert_eq!(s.m.state(), TurnState::AgentThinking { turn: 5 });
    s.ev(600, TurnInput::AgentTurnAborted { turn: 5 });
    s.ev(900, TurnInput::Dtmf { digit: '#' });
    assert_eq!(
        s.log.last(),
        Some(&(
            900,
            TurnOutput::Dtmf {
                turn: 6,
                digit: '#'
            }
        ))
    );
}

#[test]
fn dtmf_tone_speech_does_not_barge_in_on_its_answer() {
    let mut s = Sim::new(TurnConfig::default());
    s.vad_start(0);
    s.ev(150, TurnInput::Dtmf { digit: '7' });
    s.run_to(2000);
    s.vad_end(2100);
    s.run_to(4000);
    assert_eq!(
        s.outputs(),
        vec![
            TurnOutput::UserStarted,
            TurnOutput::Dtmf {
                turn: 1,
                digit: '7'
            }
        ]
    );
}

#[test]
fn agent_turn_ids_are_respected_and_stale_events_ignored() {
    let mut s = Sim::new(TurnConfig::default());
    s.agent_speaking(0, 7);
    s.ev(100, TurnInput::AgentPlaybackDrained { turn: 3 });
    assert_eq!(s.m.state(), TurnState::AgentSpeaking { turn: 7 });
    s.ev(200, TurnInput::AgentPlaybackDrained { turn: 7 });
    assert_eq!(s.m.state(), TurnState::Idle);
    s.ev(300, TurnInput::AgentTurnStarted { turn: 7 });
    assert_eq!(s.m.state(), TurnState::Idle);
    s.vad_start(400);
    s.fin(900, "Hi.", true);
    s.vad_end(1000);
    s.run_to(1000);
    assert_eq!(s.log.last(), Some(&(1000, respond(8, "Hi."))));
}

#[test]
fn begin_agent_turn_allocates_fresh_ids() {
    let mut m = TurnMachine::new(TurnConfig::default());
    let t0 = Instant::now();
    assert_eq!(m.begin_agent_turn(t0), Some(1));
    assert_eq!(m.state(), TurnState::AgentThinking { turn: 1 });
    assert_eq!(m.begin_agent_turn(t0), Some(2));
    assert_eq!(m.state(), TurnState::AgentThinking { turn: 2 });
}

#[test]
fn agent_starting_over_a_paused_caller_is_interrupted_by_their_words() {
    let mut s = Sim::new(TurnConfig::default());
    s.vad_start(0);
    s.vad_end(800);
    s.fin(900, "I need", false);
    let turn = s.m.begin_agent_turn(s.at(1000));
    s.drain(1000);
    assert_eq!(turn, Some(1));
    assert_eq!(
        s.log.last(),
        Some(&(1000, TurnOutput::Interrupt { turn: 1 }))
    );
    s.vad_start(1200);
    s.fin(1900, "a plumber.", true);
    s.vad_end(2000);
    assert_eq!(s.log.last(), Some(&(2000, respond(2, "I need a plumber."))));
}

#[test]
fn words_without_vad_start_a_turn() {
    let mut s = Sim::new(TurnConfig::default());
    s.fin(1000, "Hello?", false);
    s.run_to(3000);
    assert_eq!(
        s.log,
        vec![
            (1000, TurnOutput::UserStarted),
            (1500, respond(1, "Hello?"))
        ]
    );
}

#[test]
fn words_during_agent_turn_without_vad_are_ignored() {
    let mut s = Sim::new(TurnConfig::default());
    s.agent_speaking(0, 1);
    s.fin(500, "late words", true);
    s.run_to(3000);
    assert!(s.log.is_empty());
}

#[test]
fn zero_durations_and_huge_durations_do_not_panic() {
    for d in [Duration::ZERO, Duration::MAX] {
        let cfg = TurnConfig {
            end_of_turn_silence: d,
            unfinished_extra_wait: d,
            stt_final_grace: d,
            max_turn: d,
            min_barge_in: d,
            resume_wait: d,
            ..TurnConfig::default()
        };
        let mut s = Sim::new(cfg);
        s.agent_speaking(0, 1);
        s.vad_start(10);
        s.interim(20, "hello");
        s.vad_end(30);
        s.vad_start(40);
        s.vad_end(50);
        s.fin(60, "four one", false);
        s.run_to(100_000);
    }
}

// --- properties ---

/// One step of a random timeline: VAD events carry how far back their `at` lies.
#[derive(Debug, Clone)]
enum Step {
    VadStart(u64),
    VadEnd(u64),
    Other(TurnInput),
}

fn arb_step() -> impl Strategy<Value = (u64, Step)> {
    let text = prop::sample::select(vec![
        "",
        "mhm",
        "yeah",
        "wait",
        "my number is four one five",
        "john at",
        "okay sure",
        "stop",
    ]);
    let turn = 0u64..12;
    let step = prop_oneof![
        (0u64..400).prop_map(Step::VadStart),
        (0u64..400).prop_map(Step::VadEnd),
        text.clone()
            .prop_map(|t| Step::Other(TurnInput::SttInterim { text: t.into() })),
        (text, any::<bool>()).prop_map(|(t, speech_final)| Step::Other(TurnInput::SttFinal {
            text: t.into(),
            speech_final
        })),
        Just(Step::Other(TurnInput::SttUtteranceEnd)),
        prop::sample::select(vec!['1', '#', 'x'])
            .prop_map(|digit| Step::Other(TurnInput::Dtmf { digit })),
        turn.clone()
            .prop_map(|turn| Step::Other(TurnInput::AgentTurnStarted { turn })),
        turn.clone()
            .prop_map(|turn| Step::Other(TurnInput::AgentPlaybackStarted { turn })),
        turn.clone()
            .prop_map(|turn| Step::Other(TurnInput::AgentPlaybackDrained { turn })),
        turn.prop_map(|turn| Step::Other(TurnInput::AgentTurnAborted { turn })),
    ];
    (0u64..1500, step)
}

fn arb_config() -> impl Strategy<Value = TurnConfig> {
    (
        0u64..1000,
        0u64..2000,
        0u64..600,
        0u64..5000,
        0u64..500,
        0u32..3,
        0u64..1000,
    )
        .prop_map(
            |(eot, extra, grace, max, barge, words, resume)| TurnConfig {
                end_of_turn_silence: Duration::from_millis(eot),
                unfinished_extra_wait: Duration::from_millis(extra),
                stt_final_grace: Duration::from_millis(grace),
                max_turn: Duration::from_millis(max),
                min_barge_in: Duration::from_millis(barge),
                barge_in_min_words: words,
                resume_wait: Duration::from_millis(resume),
                ..TurnConfig::default()
            },
        )
}

/// What the property checks across outputs.
#[derive(Default)]
struct Invariants {
    /// The highest turn id seen (announced by the agent or handed out).
    highest: u64,
    /// Interrupted turns not yet resumed.
    pending: std::collections::HashSet<u64>,
}

impl Invariants {
    fn drain(&mut self, m: &mut TurnMachine) -> Result<(), TestCaseError> {
        while let Some(o) = m.poll() {
            match o {
                TurnOutput::Respond { turn, .. } | TurnOutput::Dtmf { turn, .. } => {
                    prop_assert!(
                        turn > self.highest,
                        "id {} not above {}",
                        turn,
                        self.highest
                    );
                    self.highest = turn;
                }
                TurnOutput::Interrupt { turn } => {
                    prop_assert!(self.pending.insert(turn), "Interrupt of {} twice", turn);
                }
                TurnOutput::Resume { turn } => {
                    prop_assert!(self.pending.remove(&turn), "Resume of {} unasked", turn);
                }
                TurnOutput::FinalizeStt | TurnOutput::UserStarted => {}
            }
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any input sequence: no panic, no due timer left behind, new ids strictly increase
    /// (and exceed every id the agent announced), `Interrupt`/`Resume` pair up.
    #[test]
    fn outputs_keep_their_invariants(
        cfg in arb_config(),
        steps in prop::collection::vec(arb_step(), 0..80),
    ) {
        let mut m = TurnMachine::new(cfg);
        let mut now = Instant::now() + Duration::from_secs(1);
        let mut check = Invariants::default();
        for (gap, step) in steps {
            let target = now + Duration::from_millis(gap);
            while let Some(due) = m.poll_timeout() {
                if due > target {
                    break;
                }
                now = due.max(now);
                m.handle_timeout(now);
                check.drain(&mut m)?;
            }
            now = target;
            let back = |ms: u64| now.checked_sub(Duration::from_millis(ms)).unwrap_or(now);
            let input = match step {
                Step::VadStart(ms) => TurnInput::VadSpeechStart { at: back(ms) },
                Step::VadEnd(ms) => TurnInput::VadSpeechEnd { at: back(ms) },
                Step::Other(input) => input,
            };
            if let TurnInput::AgentTurnStarted { turn } | TurnInput::AgentPlaybackStarted { turn } =
                input
            {
                check.highest = check.highest.max(turn);
            }
            m.handle(now, input);
            if let Some(due) = m.poll_timeout() {
                prop_assert!(due > now, "a due timer survived handle");
            }
            check.drain(&mut m)?;
        }
    }
}
