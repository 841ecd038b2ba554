//! Messages from the current turn's thinking and voice tasks.

use std::time::Duration;

use callbridge_convo::PlaybackLedger;
use callbridge_convo::TurnInput;
use callbridge_voice_api::{HangupReason, LegCommand, TurnId};
use tokio::time::Instant;

use super::Call;
use crate::events::AgentEvent;
use crate::msg::{Msg, Thought, Voiced};
use crate::tools::CallAction;

const FRAME: Duration = Duration::from_millis(20);

impl Call {
    pub(super) fn on_msg(&mut self, msg: Msg) {
        match msg {
            Msg::Thought { turn, thought } => self.on_thought(turn, thought),
            Msg::Voiced {
                turn,
                epoch,
                voiced,
            } => self.on_voiced(turn, epoch, voiced),
            Msg::Stt(result) => self.on_stt_opened(result),
        }
    }

    fn on_thought(&mut self, turn: TurnId, thought: Thought) {
        let Some(mut run) = self.run.take() else {
            return;
        };
        if run.turn != turn || run.think.is_none() {
            // A cancelled turn's leftovers.
            self.run = Some(run);
            return;
        }
        let now = Instant::now().into_std();
        match thought {
            Thought::FirstToken => run.timing.first_token(now),
            Thought::Sentence(text) => {
                let piece = if run.need_space {
                    format!(" {text}")
                } else {
                    text.clone()
                };
                run.need_space = true;
                let _ = self.ctx.append_assistant(turn, &piece);
                match run.voice.as_mut().filter(|_| !run.interrupted) {
                    Some(v) => v.give(text),
                    None => run.unvoiced.push_back(text),
                }
            }
            Thought::ToolCalls(calls) => {
                let _ = self.ctx.add_tool_calls(turn, calls);
            }
            Thought::ToolResult { call, result } => {
                let _ = self.ctx.add_tool_result(turn, &call.id, &result);
                run.need_space = false;
                self.emit(AgentEvent::ToolCalled {
                    name: call.name,
                    arguments: call.arguments,
                    result,
                });
            }
            Thought::Action(action) => run.action = Some(action),
            Thought::Done => {
                run.thinking_done = true;
                if let Some(v) = run.voice.as_mut() {
                    v.input = None;
                }
            }
            Thought::Failed(error) => {
                self.summary.provider_failures += 1;
                tracing::warn!(call = %self.info.call_id, %error, "language model failed mid-turn");
                self.emit(AgentEvent::ProviderFailed {
                    stage: "llm",
                    provider: error.provider.clone(),
                    error: error.to_string(),
                    fell_back_to: None,
                });
                // Never leave the caller in silence: say the apology instead.
                let apology = self.cfg.apology.clone();
                let piece = if run.need_space {
                    format!(" {apology}")
                } else {
                    apology.clone()
                };
                let _ = self.ctx.append_assistant(turn, &piece);
                match run.voice.as_mut().filter(|_| !run.interrupted) {
                    Some(v) => v.give(apology),
                    None => run.unvoiced.push_back(apology),
                }
                run.thinking_done = true;
                if let Some(v) = run.voice.as_mut() {
                    v.input = None;
                }
            }
        }
        self.run = Some(run);
        self.check_complete();
    }

    fn on_voiced(&mut self, turn: TurnId, epoch: u64, voiced: Voiced) {
        let Some(mut run) = self.run.take() else {
            return;
        };
        let current = run.turn == turn && run.voice.as_ref().is_some_and(|v| v.epoch == epoch);
        if !current {
            // Audio of a turn (or voice task) already cancelled: dropped here, by one compare.
            self.run = Some(run);
            return;
        }
        let now = Instant::now();
        match voiced {
            Voiced::Begin(text) => {
                if let Some(v) = run.voice.as_mut() {
                    v.begun += 1;
                }
                run.sentence = Some(self.ledger.queue(turn, &text, Duration::ZERO));
            }
            Voiced::FirstAudio => run.timing.first_audio(now.into_std()),
            Voiced::Frame(frame) => {
                if let Some(index) = run.sentence {
                    let _ = self.ledger.add_audio(turn, index, FRAME);
                }
                if self.sink.send(LegCommand::Audio { turn, frame }).is_ok() {
                    run.drained = false;
                    if !run.sent_audio {
                        run.sent_audio = true;
                        if let Some(m) = run.timing.first_frame(now.into_std()) {
                            self.record_metrics(m);
                        }
                    }
                }
            }
            Voiced::End => {
                if let Some(index) = run.sentence.take() {
                    let name = PlaybackLedger::mark_name(index);
                    let _ = self.sink.send(LegCommand::Mark { turn, name });
                }
            }
            Voiced::Failed { text, error } => {
                self.summary.provider_failures += 1;
                tracing::warn!(call = %self.info.call_id, %error, sentence = %text, "speech synthesis failed");
                self.emit(AgentEvent::ProviderFailed {
                    stage: "tts",
                    provider: error.provider.clone(),
                    error: error.to_string(),
                    fell_back_to: None,
                });
            }
            Voiced::Finished => {
                if let Some(v) = run.voice.as_mut() {
                    v.finished = true;
                }
            }
        }
        self.run = Some(run);
        self.check_complete();
    }

    /// Ends the current turn if it has played out, and carries out its tool's action.
    pub(super) fn check_complete(&mut self) {
        if !self.run.as_ref().is_some_and(|r| r.complete()) {
            return;
        }
        let Some(run) = self.run.take() else {
            return;
        };
        let turn = run.turn;
        let action = run.action.clone();
        self.end_turn(run, false);
        let now = Instant::now().into_std();
        self.tm
            .handle(now, TurnInput::AgentPlaybackDrained { turn });
        match action {
            Some(CallAction::EndCall { reason }) => {
                let reason = HangupReason::Local(reason);
                let _ = self.sink.send(LegCommand::Hangup {
                    reason: reason.clone(),
                });
                self.ending = Some(reason);
            }
            // The leg answers with Hangup{Transferred} once the transfer is under way.
            Some(CallAction::Transfer { target, .. })
                if self
                    .sink
                    .send(LegCommand::Transfer {
                        target: target.clone(),
                    })
                    .is_err() =>
            {
                self.ending = Some(HangupReason::Transferred(target));
            }
            Some(CallAction::Transfer { .. }) => {}
            None => {}
        }
    }
}
