//! The turn machine's decisions, carried out.

use callbridge_convo::{TurnInput, TurnOutput};
use callbridge_voice_api::{LegCommand, TurnId};
use tokio::time::Instant;

use super::Call;
use crate::events::AgentEvent;

impl Call {
    pub(super) fn decide(&mut self) {
        while let Some(out) = self.tm.poll() {
            match out {
                TurnOutput::Respond { turn, text } => self.respond(turn, text),
                TurnOutput::Dtmf { turn, digit } => {
                    // A key is a complete caller input: the model sees it as such.
                    self.respond(turn, format!("[The caller pressed the {digit} key.]"));
                }
                TurnOutput::Interrupt { turn } => self.interrupt(turn),
                TurnOutput::Resume { turn } => self.resume(turn),
                TurnOutput::FinalizeStt => self.finalize_stt(),
                TurnOutput::UserStarted => {
                    self.caller.turn_start = self.last_vad_start.map(Instant::into_std);
                }
            }
        }
    }

    /// The caller's turn is over: answer it as agent turn `turn`.
    fn respond(&mut self, turn: TurnId, text: String) {
        let now = Instant::now();
        if let Some(old) = self.run.take() {
            let interrupted = !old.complete();
            self.end_turn(old, interrupted);
        }
        let end = self.caller.speech_end.map_or(self.call_time(now), |t| {
            self.call_time(Instant::from_std(t))
        });
        let start = self
            .caller
            .turn_start
            .map_or(end, |t| self.call_time(Instant::from_std(t)));
        self.summary.user_turns += 1;
        self.emit(AgentEvent::UserTurn {
            turn,
            text: text.clone(),
            start,
            end,
        });
        self.ctx.push_user(&text);
        let origin = self.caller.speech_end.map(Instant::from_std);
        let mut run = self.new_run(turn, now, origin);
        self.start_voice(&mut run, Vec::new());
        // The request is the context up to the caller's words; the (empty) assistant message
        // of this turn is opened after it, to collect what the model says.
        self.start_thinking(&mut run);
        self.ctx.begin_assistant(turn);
        self.run = Some(run);
        self.tm
            .handle(now.into_std(), TurnInput::AgentTurnStarted { turn });
    }

    /// Barge-in: silence the turn now. Its thinking goes on, in case the interruption turns
    /// out to be wordless and the turn resumes.
    fn interrupt(&mut self, turn: TurnId) {
        let Some(mut run) = self.run.take() else {
            return;
        };
        if run.turn == turn && !run.interrupted {
            let _ = self.sink.send(LegCommand::Clear);
            if let Some(v) = run.voice.take() {
                v.abort.abort();
                // What the voice task had not begun is said on resume.
                for s in v.not_begun().into_iter().rev() {
                    run.unvoiced.push_front(s);
                }
            }
            run.sentence = None;
            run.interrupted = true;
            self.summary.interruptions += 1;
            self.run = Some(run);
            self.tm.handle(
                Instant::now().into_std(),
                TurnInput::AgentTurnAborted { turn },
            );
        } else {
            self.run = Some(run);
        }
    }

    /// The interruption had no words: say the rest of the turn, from where it was cut.
    fn resume(&mut self, turn: TurnId) {
        let Some(mut run) = self.run.take() else {
            return;
        };
        if run.turn != turn || !run.interrupted {
            self.run = Some(run);
            return;
        }
        run.interrupted = false;
        let mut rest: Vec<String> = Vec::new();
        if let Ok(text) = self.ledger.resume(turn)
            && !text.trim().is_empty()
        {
            rest.push(text);
        }
        rest.extend(run.unvoiced.drain(..));
        self.start_voice(&mut run, rest);
        if run.thinking_done
            && let Some(v) = run.voice.as_mut()
        {
            v.input = None;
        }
        self.run = Some(run);
    }
}
