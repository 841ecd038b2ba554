//! The words of the caller's current turn, as the recognizer reports them.
//!
//! Finals are fixed segments and accumulate; an interim is the provisional text of the segment
//! after the last final and is replaced by each new interim and cleared by the next final. The
//! best text is the finals followed by the latest interim.
//!
//! *Covered*: the finals cover the speech when a final arrived since the caller last started
//! speaking and no interim came after it (every word heard so far is final). The turn machine
//! answers a covered turn at once and asks the recognizer to finalize an uncovered one.
//!
//! *Done*: the recognizer said the utterance ended (a `speech_final` final or `UtteranceEnd`)
//! and nothing was heard since; the turn machine ends the wait early on it once the VAD also
//! hears silence.
//!
//! Invariants: stored texts are trimmed; `best()` never has leading, trailing or doubled
//! separating spaces between segments.

/// Finals, the latest interim, and whether the finals cover the speech.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transcript {
    finals: String,
    interim: String,
    final_since_speech: bool,
    stt_done: bool,
}

impl Transcript {
    /// Forgets everything (a new caller turn).
    pub fn clear(&mut self) {
        *self = Transcript::default();
    }

    /// The caller started speaking again: what follows is not covered until a final arrives.
    pub fn speech_started(&mut self) {
        self.final_since_speech = false;
        self.stt_done = false;
    }

    /// A provisional transcript of the current segment.
    pub fn interim(&mut self, text: &str) {
        self.interim = text.trim().to_owned();
        if !self.interim.is_empty() {
            self.stt_done = false;
        }
    }

    /// A fixed transcript of a segment: appended to the finals; the interim is cleared.
    /// `speech_final`: the recognizer also saw the utterance end.
    pub fn final_text(&mut self, text: &str, speech_final: bool) {
        let text = text.trim();
        if !text.is_empty() {
            if !self.finals.is_empty() {
                self.finals.push(' ');
            }
            self.finals.push_str(text);
        }
        self.interim.clear();
        self.final_since_speech = true;
        self.stt_done = speech_final;
    }

    /// The recognizer's word timing says the utterance ended.
    pub fn utterance_end(&mut self) {
        self.stt_done = true;
    }

    /// The recognizer says the utterance ended, and every word is final.
    pub fn done(&self) -> bool {
        self.stt_done && self.covered()
    }

    /// Every word heard so far is final, and the latest speech got a final.
    pub fn covered(&self) -> bool {
        self.final_since_speech && self.interim.is_empty()
    }

    /// Finals then the latest interim, space-separated.
    pub fn best(&self) -> String {
        match (self.finals.is_empty(), self.interim.is_empty()) {
            (_, true) => self.finals.clone(),
            (true, false) => self.interim.clone(),
            (false, false) => format!("{} {}", self.finals, self.interim),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finals_accumulate_and_interim_follows() {
        let mut t = Transcript::default();
        t.interim(" my number ");
        assert_eq!(t.best(), "my number");
        t.final_text("My number is", false);
        t.interim("four one");
        assert_eq!(t.best(), "My number is four one");
        t.interim("four one five");
        assert_eq!(t.best(), "My number is four one five");
        t.final_text(" four one five. ", true);
        assert_eq!(t.best(), "My number is four one five.");
    }

    #[test]
    fn covered_needs_a_final_after_speech_and_no_interim_after_it() {
        let mut t = Transcript::default();
        assert!(!t.covered());
        t.interim("hello");
        assert!(!t.covered());
        t.final_text("Hello.", false);
        assert!(t.covered());
        t.speech_started();
        assert!(!t.covered());
        t.final_text("", false);
        assert!(t.covered());
        t.interim("more");
        assert!(!t.covered());
    }

    #[test]
    fn done_needs_the_recognizer_and_no_words_since() {
        let mut t = Transcript::default();
        t.final_text("Yes.", true);
        assert!(t.done());
        t.interim("and");
        assert!(!t.done());
        t.final_text("and also", false);
        assert!(!t.done());
        t.utterance_end();
        assert!(t.done());
        t.speech_started();
        assert!(!t.done());
    }

    #[test]
    fn empty_finals_add_nothing() {
        let mut t = Transcript::default();
        t.final_text("  ", false);
        t.final_text("ok", false);
        t.final_text("", false);
        assert_eq!(t.best(), "ok");
        t.clear();
        assert_eq!(t.best(), "");
    }
}
