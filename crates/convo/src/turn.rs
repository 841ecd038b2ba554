//! `TurnMachine`: decides when the caller has finished and when they interrupt the agent.
//!
//! Main loop (sans-IO): feed every VAD, STT, DTMF and agent event with
//! [`TurnMachine::handle`]`(now, input)`, call [`TurnMachine::handle_timeout`]`(now)` when
//! [`TurnMachine::poll_timeout`] has passed, and drain [`TurnMachine::poll`] after each call.
//! `handle` also fires the timers already due at `now`. Time only comes in as arguments.
//!
//! # States and transitions
//!
//! The caller's turn has a phase, `Phase`: `Talking` (VAD speech), `Paused` (VAD silence,
//! waiting `end_of_turn_silence`, plus `unfinished_extra_wait` once if the words so far are
//! [`unfinished`]), `Finalizing` (sent `FinalizeStt`, waiting `stt_final_grace` for a final),
//! `Settled` (an interruption that ended without words, waiting for `resume_wait`).
//!
//! | state | event | next state, outputs |
//! |---|---|---|
//! | `Idle` | VAD start | `Caller(Talking)`, `UserStarted` |
//! | `Idle` | STT words without VAD | `Caller(Paused)` (or `Talking` while VAD is on), `UserStarted` |
//! | `Caller`/`Interrupted` | VAD end | `Paused` until end + silence |
//! | `Caller`/`Interrupted` | VAD start | `Talking` (the wait is cancelled) |
//! | `Paused` | deadline, words unfinished, not yet extended | `Paused` + `unfinished_extra_wait` |
//! | `Paused` | deadline | finals cover the speech: *conclude*; else `FinalizeStt`, `Finalizing` |
//! | `Paused` | `speech_final`/`UtteranceEnd` (now or before the VAD end), finished words | *conclude* |
//! | `Talking`/`Paused` | `max_turn` since the turn began | as the deadline, forced |
//! | `Finalizing` | a final, or `stt_final_grace` | *conclude* |
//! | *conclude* in `Caller` | words / none | `Respond{new id}`, `Agent(new id)` / `Idle` |
//! | *conclude* in `Interrupted` | content words / none | `Respond{new id}`, `Agent(new id)` / `Settled` |
//! | `Interrupted` | `resume_wait` after its speech ended, no content words | `Resume{N}`, `Agent(N)` |
//! | `Settled` | content words arrive | `Respond{new id}` |
//! | `Agent(N)` | VAD start | `Candidate(N)` |
//! | `Candidate(N)` | VAD end | `Agent(N)`, its words dropped (cough, backchannel) |
//! | `Candidate(N)` | held `min_barge_in`, words not all backchannels, enough content words | `Interrupt{N}`, `UserStarted`, `Interrupted(N, Talking)` |
//! | `Candidate(N)` | agent drained / aborted N | `Caller(Talking)`, `UserStarted` (the caller's next turn) |
//! | `Agent(N)` | drained / aborted N | `Idle` |
//! | `Caller(Talking)` | agent starts M | `Candidate(M)` |
//! | `Caller(Paused/Finalizing)` | agent starts M | `Interrupt{M}`, `Interrupted(M)` (the caller's words win) |
//! | any | DTMF key | `Interrupt{N}` if the agent is speaking or thinking, then `Dtmf{new id, digit}`, `Agent(new id)` |
//!
//! `Agent(N)` covers both "thinking" (producing N, no audio yet) and "speaking" (audio of N
//! playing): caller speech interrupts both the same way. After `Interrupt{N}`,
//! `AgentTurnAborted{N}` is the expected acknowledgement and keeps `Resume{N}` possible;
//! `AgentPlaybackDrained{N}` means nothing is left to resume, so a wordless interruption then
//! ends in `Idle`. `Resume{N}` of a turn that played nothing means "produce N again".
//!
//! # DTMF
//!
//! A key press is a complete caller input of its own, never noise: it stops the agent at once
//! (no `min_barge_in`), ends any caller turn in progress (its unanswered words are dropped; an
//! in-band tone often makes the VAD fire without words), and is answered as a turn of its own:
//! `Dtmf { turn, digit }` carries a fresh id, like `Respond`. Scripts branch on the digit; a
//! script collecting several digits answers nothing (reports `AgentTurnAborted`) until the
//! entry is complete. Speech still running when a key or a forced (`max_turn`) response ends a
//! turn does not barge in on the answer; the next VAD start does.
//!
//! # Invariants
//!
//! - Turn ids in `Respond` and `Dtmf` strictly increase, and exceed every id the agent
//!   announced; after `u64::MAX - 1` the machine stops answering instead of repeating an id.
//! - `Resume{N}` only follows an `Interrupt{N}` it resolves; a turn is interrupted again only
//!   after it was resumed.
//! - Caller words spoken while the agent holds the floor never become a turn unless they
//!   interrupt or outlast the agent's turn.
//! - Stale agent events (an older turn than the current one) are ignored. Nothing panics.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use callbridge_voice_api::TurnId;

use crate::backchannel::Backchannels;
use crate::endpoint::unfinished;
use crate::transcript::Transcript;
use crate::words;

mod api;

pub use api::{TurnConfig, TurnInput, TurnOutput, TurnState};

/// Where the caller's turn is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Talking,
    Paused {
        deadline: Option<Instant>,
        extended: bool,
    },
    Finalizing {
        deadline: Option<Instant>,
    },
    Settled,
}

/// The agent turn holding (or last holding) the floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Agent {
    turn: TurnId,
    playing: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    Caller {
        phase: Phase,
    },
    Agent {
        agent: Agent,
    },
    Candidate {
        agent: Agent,
        since: Instant,
        held: bool,
    },
    Interrupted {
        agent: Agent,
        phase: Phase,
        resume_at: Option<Instant>,
        resumable: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    BargeIn,
    EndOfSilence,
    FinalGrace,
    MaxTurn,
    ResumeWait,
}

/// `t + d`, or `None` ("never") when it does not fit in an `Instant`.
fn after(t: Instant, d: Duration) -> Option<Instant> {
    t.checked_add(d)
}

fn earliest(a: Option<(Instant, Timer)>, b: Option<(Instant, Timer)>) -> Option<(Instant, Timer)> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y.0 < x.0 { y } else { x }),
        (x, None) => x,
        (None, y) => y,
    }
}

/// The turn-taking and barge-in state machine of one call.
#[derive(Debug, Clone)]
pub struct TurnMachine {
    cfg: TurnConfig,
    backchannels: Backchannels,
    state: State,
    transcript: Transcript,
    /// When the caller's current turn began (for `max_turn`).
    turn_start: Option<Instant>,
    /// `max_turn` already forced this caller turn.
    forced: bool,
    /// The VAD says the caller is speaking. Speech that goes on after its turn was answered
    /// (forced response, DTMF) cannot barge in: only a new VAD start makes a candidate.
    vad_active: bool,
    /// When the caller's last speech ended.
    last_speech_end: Option<Instant>,
    /// The next id to hand out.
    next_turn: TurnId,
    /// The newest agent turn known (0: none yet).
    latest_agent: TurnId,
    out: VecDeque<TurnOutput>,
}

impl TurnMachine {
    /// A machine with nobody holding the floor. Turn ids start at 1.
    pub fn new(cfg: TurnConfig) -> Self {
        let backchannels = Backchannels::new(&cfg.backchannels);
        TurnMachine {
            cfg,
            backchannels,
            state: State::Idle,
            transcript: Transcript::default(),
            turn_start: None,
            forced: false,
            vad_active: false,
            last_speech_end: None,
            next_turn: 1,
            latest_agent: 0,
            out: VecDeque::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &TurnConfig {
        &self.cfg
    }

    /// Where the conversation is.
    pub fn state(&self) -> TurnState {
        let phase_view = |phase: Phase| match phase {
            Phase::Talking => TurnState::CallerTalking,
            Phase::Paused { .. } => TurnState::CallerPaused,
            Phase::Finalizing { .. } => TurnState::AwaitingFinal,
            Phase::Settled => TurnState::AwaitingWords,
        };
        match self.state {
            State::Idle => TurnState::Idle,
            State::Caller { phase } | State::Interrupted { phase, .. } => phase_view(phase),
            State::Agent { agent } if agent.playing => {
                TurnState::AgentSpeaking { turn: agent.turn }
            }
            State::Agent { agent } => TurnState::AgentThinking { turn: agent.turn },
            State::Candidate { agent, .. } => TurnState::BargeInCandidate { turn: agent.turn },
        }
    }

    /// The best text of the caller's turn in progress (finals, then the latest interim).
    pub fn caller_text(&self) -> String {
        self.transcript.best()
    }

    /// The agent takes the floor on its own (greeting, re-prompt): a fresh id, as if
    /// `AgentTurnStarted` had been handled with it. `None` once ids are exhausted.
    pub fn begin_agent_turn(&mut self, now: Instant) -> Option<TurnId> {
        let turn = self.alloc()?;
        self.take_floor(now, turn);
        self.handle_timeout(now);
        Some(turn)
    }

    /// The next decision, if any.
    pub fn poll(&mut self) -> Option<TurnOutput> {
        self.out.pop_front()
    }

    /// When [`TurnMachine::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.next_timer().map(|(at, _)| at)
    }

    /// Fires every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        // Each firing changes the state so that the same timer is not due again; the bound
        // only guards against a bug turning this into an endless loop.
        for _ in 0..16 {
            match self.next_timer() {
                Some((at, timer)) if at <= now => self.fire(now, timer),
                _ => break,
            }
        }
    }

    /// Feeds one event, then fires the timers due at `now`.
    pub fn handle(&mut self, now: Instant, input: TurnInput) {
        match input {
            TurnInput::VadSpeechStart { at } => self.on_vad_start(at.min(now)),
            TurnInput::VadSpeechEnd { at } => self.on_vad_end(now, at.min(now)),
            TurnInput::SttInterim { text } => self.on_words(now, &text, None),
            TurnInput::SttFinal { text, speech_final } => {
                self.on_words(now, &text, Some(speech_final))
            }
            TurnInput::SttUtteranceEnd => self.on_utterance_end(now),
            TurnInput::Dtmf { digit } => self.on_dtmf(digit),
            TurnInput::AgentTurnStarted { turn } => self.on_agent_started(now, turn),
            TurnInput::AgentPlaybackStarted { turn } => self.on_playback_started(now, turn),
            TurnInput::AgentPlaybackDrained { turn } => self.on_agent_done(turn, true),
            TurnInput::AgentTurnAborted { turn } => self.on_agent_done(turn, false),
        }
        self.handle_timeout(now);
    }

    // --- caller events ---

    fn on_vad_start(&mut self, at: Instant) {
        if self.vad_active {
            return;
        }
        self.vad_active = true;
        self.transcript.speech_started();
        match &mut self.state {
            State::Idle => {
                self.start_caller_turn(at, Phase::Talking);
            }
            State::Caller { phase } => *phase = Phase::Talking,
            State::Interrupted {
                phase, resume_at, ..
            } => {
                *phase = Phase::Talking;
                *resume_at = None;
            }
            State::Agent { agent } => {
                let agent = *agent;
                self.transcript.clear();
                self.state = State::Candidate {
                    agent,
                    since: at,
                    held: false,
                };
            }
            State::Candidate { .. } => {}
        }
    }

    fn on_vad_end(&mut self, now: Instant, at: Instant) {
        if !self.vad_active {
            return;
        }
        self.vad_active = false;
        self.last_speech_end = Some(at);
        let pause = Phase::Paused {
            deadline: after(at, self.cfg.end_of_turn_silence),
            extended: false,
        };
        let resume_wait = self.cfg.resume_wait;
        match &mut self.state {
            State::Caller { phase } if *phase == Phase::Talking => {
                *phase = pause;
                self.stt_says_done(now);
            }
            State::Interrupted {
                phase, resume_at, ..
            } => {
                *resume_at = after(at, resume_wait);
                if *phase == Phase::Talking {
                    *phase = pause;
                    self.stt_says_done(now);
                }
            }
            State::Candidate { agent, .. } => {
                let agent = *agent;
                self.transcript.clear();
                self.state = State::Agent { agent };
            }
            State::Idle | State::Caller { .. } | State::Agent { .. } => {}
        }
    }

    /// An interim (`speech_final: None`) or a final.
    fn on_words(&mut self, now: Instant, text: &str, speech_final: Option<bool>) {
        if matches!(self.state, State::Idle) {
            if words::count(text) == 0 {
                return;
            }
            // Words the VAD missed (a quiet caller), or the late words of a turn dropped as
            // noise: they start a turn, as if speech had just ended (or is still going on).
            let phase = if self.vad_active {
                Phase::Talking
            } else {
                self.last_speech_end = Some(now);
                Phase::Paused {
                    deadline: after(now, self.cfg.end_of_turn_silence),
                    extended: false,
                }
            };
            self.start_caller_turn(now, phase);
        }
        if matches!(self.state, State::Agent { .. }) {
            return; // Not gated by the VAD: a late tail of an answered turn, or echo.
        }
        match speech_final {
            None => self.transcript.interim(text),
            Some(speech_final) => self.transcript.final_text(text, speech_final),
        }
        match self.state {
            State::Candidate { held: true, .. } => self.evaluate_barge_in(),
            State::Caller { phase } | State::Interrupted { phase, .. } => match phase {
                Phase::Finalizing { .. } if speech_final.is_some() => self.conclude(now),
                Phase::Paused { .. } if speech_final == Some(true) => self.stt_says_done(now),
                Phase::Settled if self.content_words() > 0 => self.conclude(now),
                _ => {}
            },
            _ => {}
        }
    }

    fn on_utterance_end(&mut self, now: Instant) {
        if matches!(self.state, State::Idle | State::Agent { .. }) {
            return;
        }
        self.transcript.utterance_end();
        if let State::Caller { phase } | State::Interrupted { phase, .. } = self.state
            && matches!(phase, Phase::Paused { .. })
        {
            self.stt_says_done(now);
        }
    }

    /// The recognizer saw the utterance end and the VAD hears silence: end the wait early,
    /// unless the words are unfinished.
    fn stt_says_done(&mut self, now: Instant) {
        if self.transcript.done() && !unfinished(&self.transcript.best()) {
            self.conclude(now);
        }
    }

    fn on_dtmf(&mut self, digit: char) {
        match self.state {
            State::Agent { agent } | State::Candidate { agent, .. } => {
                self.out
                    .push_back(TurnOutput::Interrupt { turn: agent.turn });
            }
            State::Idle | State::Caller { .. } | State::Interrupted { .. } => {}
        }
        self.reset_caller();
        match self.alloc() {
            Some(turn) => {
                self.out.push_back(TurnOutput::Dtmf { turn, digit });
                self.state = State::Agent {
                    agent: Agent {
                        turn,
                        playing: false,
                    },
                };
            }
            None => self.state = State::Idle,
        }
    }

    // --- agent events ---

    fn on_agent_started(&mut self, now: Instant, turn: TurnId) {
        if turn <= self.latest_agent || turn == TurnId::MAX {
            return;
        }
        self.latest_agent = turn;
        self.next_turn = self.next_turn.max(turn + 1);
        self.take_floor(now, turn);
    }

    /// Agent turn `turn` (new, already counted) starts producing.
    fn take_floor(&mut self, now: Instant, turn: TurnId) {
        let agent = Agent {
            turn,
            playing: false,
        };
        self.state = match self.state {
            State::Idle | State::Agent { .. } => State::Agent { agent },
            State::Candidate { since, held, .. } => State::Candidate { agent, since, held },
            State::Caller {
                phase: Phase::Talking,
            } => State::Candidate {
                agent,
                since: now,
                held: false,
            },
            State::Caller { phase } | State::Interrupted { phase, .. } => {
                // The caller has a turn pending: their words win over the agent's new turn.
                self.out.push_back(TurnOutput::Interrupt { turn });
                let resume_at = match (phase, self.last_speech_end) {
                    (Phase::Talking, _) | (_, None) => None,
                    (_, Some(end)) => after(end, self.cfg.resume_wait),
                };
                State::Interrupted {
                    agent,
                    phase,
                    resume_at,
                    resumable: true,
                }
            }
        };
    }

    fn on_playback_started(&mut self, now: Instant, turn: TurnId) {
        if turn > self.latest_agent {
            self.on_agent_started(now, turn);
        }
        match &mut self.state {
            State::Agent { agent }
            | State::Candidate { agent, .. }
            | State::Interrupted { agent, .. }
                if agent.turn == turn =>
            {
                agent.playing = true;
            }
            _ => {}
        }
    }

    /// `drained`: all audio played; otherwise the agent aborted the turn.
    fn on_agent_done(&mut self, turn: TurnId, drained: bool) {
        match &mut self.state {
            State::Agent { agent } if agent.turn == turn => self.state = State::Idle,
            State::Candidate { agent, since, .. } if agent.turn == turn => {
                // The agent finished while the caller was talking: that speech is their turn.
                let since = *since;
                self.start_caller_turn(since, Phase::Talking);
            }
            State::Interrupted {
                agent, resumable, ..
            } if agent.turn == turn && drained => *resumable = false,
            _ => {}
        }
    }

    // --- decisions ---

    fn evaluate_barge_in(&mut self) {
        let State::Candidate {
            agent,
            since,
            held: true,
        } = self.state
        else {
            return;
        };
        let n = self.backchannels.count(&self.transcript.best());
        if n.backchannel_only() {
            return;
        }
        let min_words = usize::try_from(self.cfg.barge_in_min_words).unwrap_or(usize::MAX);
        if min_words > 0 && n.content < min_words {
            return;
        }
        self.out
            .push_back(TurnOutput::Interrupt { turn: agent.turn });
        self.out.push_back(TurnOutput::UserStarted);
        self.turn_start = Some(since);
        self.forced = false;
        self.state = State::Interrupted {
            agent,
            phase: Phase::Talking,
            resume_at: None,
            resumable: true,
        };
    }

    /// The silence wait ended (or `max_turn` forced it): answer if the finals cover the
    /// speech, else ask the recognizer to finalize first.
    fn end_of_turn(&mut self, now: Instant) {
        if self.transcript.covered() {
            self.conclude(now);
            return;
        }
        self.out.push_back(TurnOutput::FinalizeStt);
        self.set_phase(Phase::Finalizing {
            deadline: after(now, self.cfg.stt_final_grace),
        });
    }

    /// The caller's words are as final as they will get: answer, resume, or drop them.
    fn conclude(&mut self, now: Instant) {
        let text = self.transcript.best();
        let n = self.backchannels.count(&text);
        match self.state {
            State::Caller { .. } if n.total > 0 => self.respond(text),
            State::Caller { .. } => {
                self.reset_caller();
                self.state = State::Idle;
            }
            State::Interrupted { .. } if n.content > 0 => self.respond(text),
            State::Interrupted { resume_at, .. } => match resume_at {
                Some(at) if at <= now => self.resume(),
                _ => self.set_phase(Phase::Settled),
            },
            State::Idle | State::Agent { .. } | State::Candidate { .. } => {}
        }
    }

    fn respond(&mut self, text: String) {
        self.reset_caller();
        match self.alloc() {
            Some(turn) => {
                self.out.push_back(TurnOutput::Respond { turn, text });
                self.state = State::Agent {
                    agent: Agent {
                        turn,
                        playing: false,
                    },
                };
            }
            None => self.state = State::Idle,
        }
    }

    fn resume(&mut self) {
        let State::Interrupted {
            agent, resumable, ..
        } = self.state
        else {
            return;
        };
        self.reset_caller();
        if resumable {
            self.out.push_back(TurnOutput::Resume { turn: agent.turn });
            self.state = State::Agent { agent };
        } else {
            self.state = State::Idle;
        }
    }

    fn fire(&mut self, now: Instant, timer: Timer) {
        match timer {
            Timer::BargeIn => {
                if let State::Candidate { held, .. } = &mut self.state {
                    *held = true;
                }
                self.evaluate_barge_in();
            }
            Timer::EndOfSilence => {
                let extra = self.cfg.unfinished_extra_wait;
                if let State::Caller { phase } | State::Interrupted { phase, .. } = &mut self.state
                    && let Phase::Paused {
                        deadline: Some(d),
                        extended: false,
                    } = *phase
                    && !extra.is_zero()
                    && unfinished(&self.transcript.best())
                {
                    *phase = Phase::Paused {
                        deadline: after(d, extra),
                        extended: true,
                    };
                    return;
                }
                self.end_of_turn(now);
            }
            Timer::FinalGrace => self.conclude(now),
            Timer::MaxTurn => {
                self.forced = true;
                self.end_of_turn(now);
            }
            Timer::ResumeWait => self.resume(),
        }
    }

    fn next_timer(&self) -> Option<(Instant, Timer)> {
        match self.state {
            State::Idle | State::Agent { .. } => None,
            State::Candidate {
                since, held: false, ..
            } => after(since, self.cfg.min_barge_in).map(|at| (at, Timer::BargeIn)),
            State::Candidate { .. } => None,
            State::Caller { phase } => self.phase_timer(phase),
            State::Interrupted {
                phase, resume_at, ..
            } => {
                let resume = match (phase, resume_at) {
                    (Phase::Talking, _) => None,
                    (_, Some(at)) if self.content_words() == 0 => Some((at, Timer::ResumeWait)),
                    _ => None,
                };
                earliest(self.phase_timer(phase), resume)
            }
        }
    }

    fn phase_timer(&self, phase: Phase) -> Option<(Instant, Timer)> {
        let max_turn = match (self.forced, self.turn_start) {
            (false, Some(start)) => after(start, self.cfg.max_turn).map(|at| (at, Timer::MaxTurn)),
            _ => None,
        };
        match phase {
            Phase::Talking => max_turn,
            Phase::Paused { deadline, .. } => {
                earliest(deadline.map(|at| (at, Timer::EndOfSilence)), max_turn)
            }
            Phase::Finalizing { deadline } => deadline.map(|at| (at, Timer::FinalGrace)),
            Phase::Settled => None,
        }
    }

    // --- helpers ---

    fn content_words(&self) -> usize {
        self.backchannels.count(&self.transcript.best()).content
    }

    fn set_phase(&mut self, next: Phase) {
        if let State::Caller { phase } | State::Interrupted { phase, .. } = &mut self.state {
            *phase = next;
        }
    }

    fn start_caller_turn(&mut self, at: Instant, phase: Phase) {
        self.turn_start = Some(at);
        self.forced = false;
        self.state = State::Caller { phase };
        self.out.push_back(TurnOutput::UserStarted);
    }

    fn reset_caller(&mut self) {
        self.transcript.clear();
        self.turn_start = None;
        self.forced = false;
    }

    fn alloc(&mut self) -> Option<TurnId> {
        if self.next_turn == TurnId::MAX {
            return None;
        }
        let turn = self.next_turn;
        self.next_turn += 1;
        self.latest_agent = turn;
        Some(turn)
    }
}

#[cfg(test)]
mod tests;
