//! [`run_call`]: the one task of a call. It owns the leg, the recognizer session, the turn
//! machine, the chat context and the playback ledger, and reacts to five sources in one
//! `select!`: leg events, recognizer events, messages from the current turn's tasks, the turn
//! machine's timer, and cancellation. Each agent turn runs as two tasks (thinking: model and
//! tools; voice: TTS), aborted through their handles; when the call ends the task set is
//! dropped, which aborts whatever is left: no task outlives its call.
//!
//! Barge-in: the turn machine's `Interrupt{N}` clears the leg at once and aborts N's voice
//! task (its thinking goes on, so a wordless interruption can `Resume` with the rest); the
//! leg's `Cleared{played}` tells the ledger what was heard, and when N is over the chat
//! context is cut to exactly that.

mod decisions;
mod leg_events;
mod task_msgs;

use std::collections::VecDeque;
use std::time::Duration;

use callbridge_audio::AudioFrame;
use callbridge_convo::{ChatContext, PlaybackLedger, TurnMachine};
use callbridge_voice_api::{
    BoxStream, CallLeg, ChatRequest, HangupReason, LegCommand, LegInfo, LegSink, SttEvent,
    SttInput, SttSession, TurnId,
};
use futures_util::StreamExt;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::config::{AgentConfig, Providers};
use crate::events::{AgentEvent, TurnMetrics};
use crate::listener::Listener;
use crate::msg::Msg;
use crate::run::{TurnRun, VoiceTask};
use crate::timing::CallerClock;
use crate::tools::ToolRegistry;
use crate::voice::Voice;

/// Caller audio kept while the recognizer session (re)opens: 10 s.
const MAX_PENDING_FRAMES: usize = 500;

/// What a finished call reports.
#[derive(Debug, Clone, PartialEq)]
pub struct CallSummary {
    pub reason: HangupReason,
    /// Latency of every measured agent turn.
    pub turns: Vec<TurnMetrics>,
    pub user_turns: u32,
    pub agent_turns: u32,
    pub interruptions: u32,
    pub provider_failures: u32,
    /// Caller frames that could not be used (unsupported rate, recognizer backlog).
    pub dropped_frames: u64,
}

/// Runs a call until the leg hangs up, the agent ends it, or `cancel` fires.
pub async fn run_call(
    leg: CallLeg,
    providers: Providers,
    cfg: AgentConfig,
    tools: ToolRegistry,
    events: UnboundedSender<AgentEvent>,
    cancel: CancellationToken,
) -> CallSummary {
    let CallLeg {
        info,
        events: leg_events,
        sink,
    } = leg;
    let (tx, rx) = mpsc::unbounded_channel();
    let mut call = Call::new(info, sink, providers, cfg, tools, events, tx);
    let reason = call.run(leg_events, rx, cancel).await;
    call.finish(reason)
}

/// The recognizer side.
enum Stt {
    Opening,
    Open {
        input: Box<dyn SttInput>,
        events: BoxStream<'static, SttEvent>,
    },
    /// Gave up after repeated failures: the call goes on without transcripts.
    Deaf,
}

pub(crate) struct Call {
    info: LegInfo,
    sink: Box<dyn LegSink>,
    providers: Providers,
    cfg: AgentConfig,
    tools: ToolRegistry,
    events: UnboundedSender<AgentEvent>,
    tx: UnboundedSender<Msg>,
    tasks: JoinSet<()>,
    tm: TurnMachine,
    ctx: ChatContext,
    ledger: PlaybackLedger,
    listener: Listener,
    stt: Stt,
    stt_failures: u32,
    pending_audio: VecDeque<AudioFrame>,
    run: Option<TurnRun>,
    next_epoch: u64,
    started: Instant,
    caller: CallerClock,
    last_vad_start: Option<Instant>,
    summary: CallSummary,
    /// Set when the call must end after this iteration.
    ending: Option<HangupReason>,
}

impl Call {
    fn new(
        info: LegInfo,
        sink: Box<dyn LegSink>,
        providers: Providers,
        cfg: AgentConfig,
        tools: ToolRegistry,
        events: UnboundedSender<AgentEvent>,
        tx: UnboundedSender<Msg>,
    ) -> Self {
        Call {
            info,
            sink,
            tm: TurnMachine::new(cfg.turn.clone()),
            ctx: ChatContext::new(cfg.system_prompt.clone(), cfg.max_context_messages),
            ledger: PlaybackLedger::new(callbridge_convo::ledger::DEFAULT_MAX_TURNS),
            listener: Listener::new(cfg.vad),
            providers,
            cfg,
            tools,
            events,
            tx,
            tasks: JoinSet::new(),
            stt: Stt::Opening,
            stt_failures: 0,
            pending_audio: VecDeque::new(),
            run: None,
            next_epoch: 0,
            started: Instant::now(),
            caller: CallerClock::default(),
            last_vad_start: None,
            summary: CallSummary {
                reason: HangupReason::Remote,
                turns: Vec::new(),
                user_turns: 0,
                agent_turns: 0,
                interruptions: 0,
                provider_failures: 0,
                dropped_frames: 0,
            },
            ending: None,
        }
    }

    async fn run(
        &mut self,
        mut leg_events: BoxStream<'static, callbridge_voice_api::LegEvent>,
        mut rx: UnboundedReceiver<Msg>,
        cancel: CancellationToken,
    ) -> HangupReason {
        self.open_stt(Duration::ZERO);
        if let Some(greeting) = self.cfg.greeting.clone() {
            self.greet(greeting);
        }
        loop {
            while self.tasks.try_join_next().is_some() {}
            let timer = self.tm.poll_timeout().map(Instant::from_std);
            tokio::select! {
                biased;
                () = cancel.cancelled() => {
                    let reason = HangupReason::Local("cancelled".to_owned());
                    let _ = self.sink.send(LegCommand::Hangup { reason: reason.clone() });
                    return reason;
                }
                ev = leg_events.next() => match ev {
                    Some(ev) => self.on_leg(ev),
                    None => return HangupReason::Remote,
                },
                Some(msg) = rx.recv() => self.on_msg(msg),
                ev = next_stt(&mut self.stt) => self.on_stt(ev),
                () = sleep_until(timer) => {
                    self.tm.handle_timeout(Instant::now().into_std());
                }
            }
            self.decide();
            if let Some(reason) = self.ending.take() {
                return reason;
            }
        }
    }

    /// Ends the call: every task is aborted, the recognizer closed, the last turn reported.
    fn finish(mut self, reason: HangupReason) -> CallSummary {
        self.tasks.abort_all();
        if let Stt::Open { input, .. } = &mut self.stt {
            input.close();
        }
        self.stt = Stt::Deaf;
        if let Some(mut run) = self.run.take() {
            run.abort();
            let interrupted = !run.complete();
            if interrupted
                && !run.cleared
                && let Some(since) = run.playing_since
            {
                // The line went down mid-turn: the caller heard what played until now.
                let played = Instant::now().into_std().saturating_duration_since(since);
                let _ = self.ledger.cleared(run.turn, played);
            }
            self.end_turn(run, interrupted);
        }
        self.summary.dropped_frames += self.listener.dropped;
        self.summary.reason = reason.clone();
        self.emit(AgentEvent::Ended { reason });
        self.summary
    }

    fn emit(&self, ev: AgentEvent) {
        let _ = self.events.send(ev);
    }

    /// Call time of `t`.
    fn call_time(&self, t: Instant) -> Duration {
        t.saturating_duration_since(self.started)
    }

    fn now() -> Instant {
        Instant::now()
    }

    /// Opens a recognizer session in the background after `delay`.
    fn open_stt(&mut self, delay: Duration) {
        self.stt = Stt::Opening;
        let stt = self.providers.stt.clone();
        let cfg = self.cfg.stt.clone();
        let tx = self.tx.clone();
        self.tasks.spawn(async move {
            tokio::time::sleep(delay).await;
            let result = stt.open(&cfg).await;
            let _ = tx.send(Msg::Stt(result));
        });
    }

    fn on_stt_opened(&mut self, result: Result<SttSession, callbridge_voice_api::ProviderError>) {
        match result {
            Ok(session) => {
                let mut input = session.input;
                for frame in self.pending_audio.drain(..) {
                    if input.push(&frame).is_err() {
                        self.summary.dropped_frames += 1;
                    }
                }
                self.stt = Stt::Open {
                    input,
                    events: session.events,
                };
            }
            Err(e) => self.stt_failed(e),
        }
    }

    /// A recognizer session failed: report it, and reopen with backoff a few times.
    fn stt_failed(&mut self, e: callbridge_voice_api::ProviderError) {
        self.summary.provider_failures += 1;
        self.stt_failures += 1;
        tracing::warn!(call = %self.info.call_id, error = %e, "speech recognition failed");
        self.emit(AgentEvent::ProviderFailed {
            stage: "stt",
            provider: self.providers.stt.name().to_owned(),
            error: e.to_string(),
            fell_back_to: None,
        });
        if self.stt_failures > self.cfg.stt_reopen_attempts {
            self.stt = Stt::Deaf;
            self.pending_audio.clear();
            return;
        }
        let backoff = Duration::from_millis(200) * 2u32.saturating_pow(self.stt_failures - 1);
        self.open_stt(backoff.min(Duration::from_secs(5)));
    }

    /// Feeds a 16 kHz caller frame to the recognizer (or keeps it while a session opens).
    fn hear(&mut self, frame: AudioFrame) {
        match &mut self.stt {
            Stt::Open { input, .. } => {
                if let Err(e) = input.push(&frame) {
                    self.stt_failed(e);
                }
            }
            Stt::Opening => {
                if self.pending_audio.len() >= MAX_PENDING_FRAMES {
                    self.pending_audio.pop_front();
                    self.summary.dropped_frames += 1;
                }
                self.pending_audio.push_back(frame);
            }
            Stt::Deaf => {}
        }
    }

    fn finalize_stt(&mut self) {
        if let Stt::Open { input, .. } = &mut self.stt
            && let Err(e) = input.finalize()
        {
            self.stt_failed(e);
        }
    }

    /// The agent speaks first (greeting, disclosure): a turn with no model call.
    fn greet(&mut self, text: String) {
        let now = Self::now();
        let Some(turn) = self.tm.begin_agent_turn(now.into_std()) else {
            return;
        };
        let mut run = self.new_run(turn, now, None);
        run.thinking_done = true;
        self.ctx.begin_assistant(turn);
        let _ = self.ctx.append_assistant(turn, &text);
        self.start_voice(&mut run, vec![text]);
        if let Some(v) = run.voice.as_mut() {
            v.input = None;
        }
        self.run = Some(run);
    }

    fn new_run(&self, turn: TurnId, now: Instant, origin: Option<Instant>) -> TurnRun {
        let timing = crate::timing::TurnTiming::new(
            turn,
            origin.map(Instant::into_std),
            self.caller.stt_final,
            now.into_std(),
            self.providers.llm.name(),
            self.providers.tts.name(),
        );
        TurnRun::new(turn, timing)
    }

    /// Starts a voice task for `run` with `sentences` queued.
    fn start_voice(&mut self, run: &mut TurnRun, sentences: Vec<String>) {
        self.next_epoch += 1;
        let epoch = self.next_epoch;
        let (input, rx) = mpsc::unbounded_channel();
        let voice = Voice {
            turn: run.turn,
            epoch,
            tts: self.providers.tts.clone(),
            voice: self.cfg.voice.clone(),
            out_rate: self.cfg.out_rate,
            apology: self.cfg.apology.clone(),
            tx: self.tx.clone(),
        };
        let abort = self.tasks.spawn(voice.run(rx));
        let mut task = VoiceTask {
            epoch,
            input: Some(input),
            abort,
            given: Vec::new(),
            begun: 0,
            finished: false,
        };
        for s in sentences {
            task.give(s);
        }
        run.voice = Some(task);
    }

    /// Starts the model on the context as it stands.
    fn start_thinking(&mut self, run: &mut TurnRun) {
        let req = ChatRequest {
            messages: self.ctx.messages(),
            tools: self.tools.specs(),
            model: self.cfg.model.clone(),
            temperature: self.cfg.temperature,
            max_tokens: self.cfg.max_tokens,
        };
        let thinking = crate::think::Thinking {
            turn: run.turn,
            req,
            llm: self.providers.llm.clone(),
            tools: self.tools.clone(),
            max_rounds: self.cfg.max_tool_rounds,
            sentence_max_chars: self.cfg.sentence_max_chars,
            tx: self.tx.clone(),
        };
        run.think = Some(self.tasks.spawn(thinking.run()));
    }

    /// A turn is over (played out, superseded, or the call ended): report what was heard and,
    /// if it was cut short, make the chat context say exactly that.
    fn end_turn(&mut self, mut run: TurnRun, interrupted: bool) {
        run.abort();
        let turn = run.turn;
        if !interrupted {
            let _ = self.ledger.drained(turn);
        }
        let heard = self.ledger.heard(turn);
        if interrupted {
            let _ = self.ctx.cut_assistant(turn, &heard);
        }
        if let Some(m) = run.timing.report() {
            self.record_metrics(m);
        }
        let end = self.call_time(Self::now());
        self.summary.agent_turns += 1;
        self.emit(AgentEvent::AgentTurn {
            turn,
            text: heard,
            interrupted,
            start: run.started_at.unwrap_or(end),
            end,
        });
    }

    fn record_metrics(&mut self, m: TurnMetrics) {
        crate::timing::observe(&m, self.info.transport.as_str(), self.providers.stt.name());
        self.summary.turns.push(m.clone());
        self.emit(AgentEvent::Metrics(m));
    }
}

async fn next_stt(stt: &mut Stt) -> Option<SttEvent> {
    match stt {
        Stt::Open { events, .. } => events.next().await,
        Stt::Opening | Stt::Deaf => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}
