//! Events from the leg and the recognizer.

use callbridge_convo::TurnInput;
use callbridge_voice_api::{LegEvent, SttEvent};
use tokio::time::Instant;

use super::{Call, Stt};
use crate::events::AgentEvent;
use crate::listener::Heard;

impl Call {
    pub(super) fn on_leg(&mut self, ev: LegEvent) {
        let now = Instant::now();
        let std_now = now.into_std();
        match ev {
            LegEvent::Audio(frame) => {
                let (frame, heard) = self.listener.push(std_now, frame);
                if let Some(frame) = frame {
                    self.hear(frame);
                }
                match heard {
                    Some(Heard::Start(at)) => {
                        self.last_vad_start = Some(Instant::from_std(at));
                        self.tm.handle(std_now, TurnInput::VadSpeechStart { at });
                    }
                    Some(Heard::End(at)) => {
                        self.caller.speech_end = Some(at);
                        self.tm.handle(std_now, TurnInput::VadSpeechEnd { at });
                    }
                    None => {}
                }
            }
            LegEvent::Dtmf { digit, at } => {
                self.emit(AgentEvent::Dtmf { digit, at });
                self.tm.handle(std_now, TurnInput::Dtmf { digit });
            }
            LegEvent::PlaybackStarted { turn } => {
                let _ = self.ledger.playback_started(turn);
                let at = self.call_time(now);
                if let Some(run) = self.run.as_mut().filter(|r| r.turn == turn) {
                    run.started_at.get_or_insert(at);
                    run.playing_since.get_or_insert(std_now);
                    self.tm
                        .handle(std_now, TurnInput::AgentPlaybackStarted { turn });
                }
            }
            LegEvent::MarkPlayed { turn, name } => {
                let _ = self.ledger.mark_played(turn, &name);
            }
            LegEvent::PlaybackDrained { turn } => {
                if let Some(run) = self.run.as_mut().filter(|r| r.turn == turn) {
                    run.drained = true;
                }
                self.check_complete();
            }
            LegEvent::Cleared { turn, played } => {
                let _ = self.ledger.cleared(turn, played);
                if let Some(run) = self.run.as_mut().filter(|r| r.turn == turn) {
                    // Nothing of the turn is queued on the leg any more.
                    run.drained = true;
                    run.cleared = true;
                }
            }
            LegEvent::Hangup { reason } => self.ending = Some(reason),
        }
    }

    pub(super) fn on_stt(&mut self, ev: Option<SttEvent>) {
        let std_now = Instant::now().into_std();
        let Some(ev) = ev else {
            // The session ended without being asked to: treat it as a failure.
            let e = callbridge_voice_api::ProviderError::new(
                self.providers.stt.name(),
                callbridge_voice_api::ErrorKind::Network,
                "recognizer session ended",
            );
            self.stt = Stt::Opening;
            self.stt_failed(e);
            return;
        };
        match ev {
            SttEvent::SpeechStarted { .. } => {}
            SttEvent::Interim { text, .. } => {
                self.tm.handle(std_now, TurnInput::SttInterim { text });
            }
            SttEvent::Final {
                text, speech_final, ..
            } => {
                self.caller.stt_final = Some(std_now);
                self.tm
                    .handle(std_now, TurnInput::SttFinal { text, speech_final });
            }
            SttEvent::UtteranceEnd { .. } => self.tm.handle(std_now, TurnInput::SttUtteranceEnd),
            SttEvent::Error(e) => {
                self.stt = Stt::Opening;
                self.stt_failed(e);
            }
        }
    }
}
