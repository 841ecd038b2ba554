//! A turn's voice task: synthesize the sentences it is given, one after another, and hand the
//! call loop 20 ms frames at the leg's rate. A sentence that fails is reported and skipped;
//! the first failure of a task is followed by the apology (through the same engine chain), so
//! the caller hears something rather than silence when an engine dies mid-turn.

use std::sync::Arc;

use callbridge_audio::SampleRate;
use callbridge_voice_api::{TextToSpeech, TtsRequest, TurnId};
use futures_util::StreamExt;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use crate::framer::Framer;
use crate::msg::{Msg, Voiced};

pub(crate) struct Voice {
    pub turn: TurnId,
    pub epoch: u64,
    pub tts: Arc<dyn TextToSpeech>,
    pub voice: String,
    pub out_rate: SampleRate,
    pub apology: String,
    pub tx: UnboundedSender<Msg>,
}

impl Voice {
    fn send(&self, voiced: Voiced) {
        let _ = self.tx.send(Msg::Voiced {
            turn: self.turn,
            epoch: self.epoch,
            voiced,
        });
    }

    pub(crate) async fn run(self, mut sentences: UnboundedReceiver<String>) {
        let mut apologized = false;
        while let Some(text) = sentences.recv().await {
            if text.trim().is_empty() {
                continue;
            }
            if !self.say(&text).await && !apologized {
                apologized = true;
                let apology = self.apology.clone();
                self.say(&apology).await;
            }
        }
        self.send(Voiced::Finished);
    }

    /// Synthesizes one sentence; false when the engine failed.
    async fn say(&self, text: &str) -> bool {
        let mut stream = self.tts.synthesize(TtsRequest {
            text: text.to_owned(),
            voice: self.voice.clone(),
            rate: self.out_rate,
        });
        let mut framer = Framer::new(self.out_rate);
        let mut begun = false;
        while let Some(item) = stream.next().await {
            match item {
                Ok(chunk) => {
                    if !begun {
                        begun = true;
                        self.send(Voiced::Begin(text.to_owned()));
                        self.send(Voiced::FirstAudio);
                    }
                    for frame in framer.push(chunk.rate, &chunk.samples) {
                        self.send(Voiced::Frame(frame));
                    }
                }
                Err(error) => {
                    if begun {
                        // What was synthesized plays; the sentence ends there.
                        for frame in framer.flush() {
                            self.send(Voiced::Frame(frame));
                        }
                        self.send(Voiced::End);
                    }
                    self.send(Voiced::Failed {
                        text: text.to_owned(),
                        error,
                    });
                    return false;
                }
            }
        }
        if begun {
            for frame in framer.flush() {
                self.send(Voiced::Frame(frame));
            }
            self.send(Voiced::End);
        }
        true
    }
}
