//! `PlaybackLedger`: what the listener actually heard of each agent turn.
//!
//! Main loop: for every sentence the agent synthesizes, [`PlaybackLedger::queue`] its text
//! (and [`PlaybackLedger::add_audio`] as audio chunks arrive); after the sentence's audio it
//! places a leg mark named [`PlaybackLedger::mark_name`]. Leg events feed back:
//! `PlaybackStarted` -> [`PlaybackLedger::playback_started`], `MarkPlayed` ->
//! [`PlaybackLedger::mark_played`], `PlaybackDrained` -> [`PlaybackLedger::drained`],
//! `Cleared{played}` -> [`PlaybackLedger::cleared`]. [`PlaybackLedger::heard`] then says what
//! was heard; after a barge-in the chat context is cut to it.
//!
//! What counts as heard, in order of authority:
//! 1. After a clear, the playout clock: the turn's sentences laid end to end by their audio
//!    durations; those that end within `played` were heard whole, and of the one playing at
//!    the cut, the words in proportion to its played fraction, rounded down to a word
//!    boundary. Marks arriving after a clear are ignored (Twilio echoes every pending mark
//!    when it clears, played or not).
//! 2. After a drain, every queued sentence.
//! 3. Otherwise, the sentences up to the last played mark.
//!
//! [`PlaybackLedger::resume`] (after `Resume{turn}`) keeps what was heard and hands back the
//! rest to speak again; sentences queued afterwards continue the turn's audio timeline, so a
//! later clear's cumulative `played` lines up. Sentence indexes are never reused.
//!
//! Invariants: `heard(turn)` is always a prefix, word for word, of the turn's sentences
//! joined by single spaces; at most `max_turns` turns are kept (oldest forgotten first).

use std::collections::BTreeMap;
use std::time::Duration;

use callbridge_voice_api::TurnId;

use crate::error::ConvoError;

/// Default number of turns kept.
pub const DEFAULT_MAX_TURNS: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Sentence {
    index: usize,
    text: String,
    audio: Duration,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct TurnRecord {
    sentences: Vec<Sentence>,
    next_index: usize,
    started: bool,
    /// Highest sentence index confirmed played by a mark.
    marked: Option<usize>,
    /// Played audio by the playout clock, set by a clear.
    played: Option<Duration>,
    drained: bool,
}

/// How a turn's sentences split into heard and not heard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cut {
    /// Sentences heard whole (a prefix of `sentences`).
    whole: usize,
    /// Of the next sentence: bytes of its text heard (at a word end) and the audio played.
    partial: Option<(usize, Duration)>,
}

impl TurnRecord {
    fn cut(&self) -> Cut {
        if let Some(played) = self.played {
            return self.cut_by_clock(played);
        }
        if self.drained {
            return Cut {
                whole: self.sentences.len(),
                partial: None,
            };
        }
        let whole = match self.marked {
            Some(m) => self.sentences.iter().take_while(|s| s.index <= m).count(),
            None => 0,
        };
        Cut {
            whole,
            partial: None,
        }
    }

    fn cut_by_clock(&self, played: Duration) -> Cut {
        let mut t = Duration::ZERO;
        for (k, s) in self.sentences.iter().enumerate() {
            let end = t.saturating_add(s.audio);
            if played >= end {
                t = end;
                continue;
            }
            let into = played.saturating_sub(t);
            let bytes = words_prefix(&s.text, into, s.audio);
            let partial = (bytes > 0).then_some((bytes, into));
            return Cut { whole: k, partial };
        }
        Cut {
            whole: self.sentences.len(),
            partial: None,
        }
    }
}

/// Bytes of `text` covering its first `floor(words * into / audio)` words.
fn words_prefix(text: &str, into: Duration, audio: Duration) -> usize {
    let ends: Vec<usize> = text
        .char_indices()
        .zip(text.chars().skip(1).map(Some).chain(std::iter::once(None)))
        .filter(|((_, c), next)| !c.is_whitespace() && next.is_none_or(char::is_whitespace))
        .map(|((k, c), _)| k + c.len_utf8())
        .collect();
    let total = audio.as_nanos();
    if total == 0 || ends.is_empty() {
        return 0;
    }
    let n = ends.len() as u128;
    let k = into
        .as_nanos()
        .min(total)
        .checked_mul(n)
        .map_or(n, |x| x / total);
    match usize::try_from(k).unwrap_or(usize::MAX) {
        0 => 0,
        k => ends.get(k - 1).copied().unwrap_or(text.len()),
    }
}

/// Per-turn record of queued sentences and playback progress.
#[derive(Debug, Clone)]
pub struct PlaybackLedger {
    turns: BTreeMap<TurnId, TurnRecord>,
    max_turns: usize,
}

impl Default for PlaybackLedger {
    fn default() -> Self {
        PlaybackLedger::new(DEFAULT_MAX_TURNS)
    }
}

impl PlaybackLedger {
    /// A ledger keeping the last `max_turns` turns (at least one).
    pub fn new(max_turns: usize) -> Self {
        PlaybackLedger {
            turns: BTreeMap::new(),
            max_turns: max_turns.max(1),
        }
    }

    /// The leg mark to place after sentence `index`.
    pub fn mark_name(index: usize) -> String {
        format!("s{index}")
    }

    /// Records a sentence of `turn` with the audio synthesized for it so far; returns its index.
    pub fn queue(&mut self, turn: TurnId, text: &str, audio: Duration) -> usize {
        if !self.turns.contains_key(&turn) {
            while self.turns.len() >= self.max_turns {
                self.turns.pop_first();
            }
        }
        let rec = self.turns.entry(turn).or_default();
        let index = rec.next_index;
        rec.next_index += 1;
        rec.sentences.push(Sentence {
            index,
            text: text.trim().to_owned(),
            audio,
        });
        index
    }

    /// More audio for sentence `index` of `turn`.
    pub fn add_audio(
        &mut self,
        turn: TurnId,
        index: usize,
        audio: Duration,
    ) -> Result<(), ConvoError> {
        let rec = self.record_mut(turn)?;
        let s = rec
            .sentences
            .iter_mut()
            .find(|s| s.index == index)
            .ok_or(ConvoError::UnknownSentence { turn, index })?;
        s.audio = s.audio.saturating_add(audio);
        Ok(())
    }

    /// The first audio of `turn` reached the listener.
    pub fn playback_started(&mut self, turn: TurnId) -> Result<(), ConvoError> {
        self.record_mut(turn)?.started = true;
        Ok(())
    }

    /// Whether playback of `turn` has started.
    pub fn started(&self, turn: TurnId) -> bool {
        self.turns.get(&turn).is_some_and(|r| r.started)
    }

    /// A mark placed with [`PlaybackLedger::mark_name`] was played: its sentence and every
    /// earlier one were heard. Ignored after a clear (the playout clock decides then).
    pub fn mark_played(&mut self, turn: TurnId, name: &str) -> Result<(), ConvoError> {
        let rec = self.record_mut(turn)?;
        let index = name
            .strip_prefix('s')
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| ConvoError::UnknownMark {
                turn,
                name: name.to_owned(),
            })?;
        if !rec.sentences.iter().any(|s| s.index == index) {
            return Err(ConvoError::UnknownSentence { turn, index });
        }
        if rec.played.is_none() {
            rec.started = true;
            rec.marked = Some(rec.marked.map_or(index, |m| m.max(index)));
        }
        Ok(())
    }

    /// Everything queued for `turn` has played.
    pub fn drained(&mut self, turn: TurnId) -> Result<(), ConvoError> {
        let rec = self.record_mut(turn)?;
        rec.started = true;
        rec.drained = true;
        Ok(())
    }

    /// Queued audio of `turn` was dropped; `played` of it had reached the listener by the
    /// playout clock (counted from the turn's first audio).
    pub fn cleared(&mut self, turn: TurnId, played: Duration) -> Result<(), ConvoError> {
        self.record_mut(turn)?.played = Some(played);
        Ok(())
    }

    /// The text the listener heard of `turn` (empty for an unknown turn).
    pub fn heard(&self, turn: TurnId) -> String {
        let Some(rec) = self.turns.get(&turn) else {
            return String::new();
        };
        let cut = rec.cut();
        let mut parts: Vec<&str> = rec
            .sentences
            .iter()
            .take(cut.whole)
            .map(|s| s.text.as_str())
            .collect();
        if let (Some((bytes, _)), Some(s)) = (cut.partial, rec.sentences.get(cut.whole)) {
            parts.push(s.text.get(..bytes).unwrap_or_default());
        }
        parts.retain(|p| !p.is_empty());
        parts.join(" ")
    }

    /// The text of `turn` not (yet) heard.
    pub fn remaining(&self, turn: TurnId) -> String {
        let Some(rec) = self.turns.get(&turn) else {
            return String::new();
        };
        let cut = rec.cut();
        let mut parts: Vec<&str> = Vec::new();
        for (k, s) in rec.sentences.iter().enumerate().skip(cut.whole) {
            let skip = match cut.partial {
                Some((bytes, _)) if k == cut.whole => bytes,
                _ => 0,
            };
            parts.push(s.text.get(skip..).unwrap_or_default().trim());
        }
        parts.retain(|p| !p.is_empty());
        parts.join(" ")
    }

    /// After `Resume{turn}`: keeps what was heard as the turn's played audio, drops the rest,
    /// and returns the rest's text to speak again. Sentences queued next continue the turn.
    pub fn resume(&mut self, turn: TurnId) -> Result<String, ConvoError> {
        let rest = self.remaining(turn);
        let rec = self.record_mut(turn)?;
        let cut = rec.cut();
        let partial = cut
            .partial
            .and_then(|(bytes, into)| Some((rec.sentences.get(cut.whole)?.clone(), bytes, into)));
        rec.sentences.truncate(cut.whole);
        if let Some((mut s, bytes, into)) = partial {
            s.text.truncate(bytes);
            s.audio = into;
            rec.sentences.push(s);
        }
        rec.marked = rec.sentences.last().map(|s| s.index);
        rec.played = None;
        rec.drained = false;
        Ok(rest)
    }

    /// Drops the record of `turn`.
    pub fn forget(&mut self, turn: TurnId) {
        self.turns.remove(&turn);
    }

    fn record_mut(&mut self, turn: TurnId) -> Result<&mut TurnRecord, ConvoError> {
        self.turns
            .get_mut(&turn)
            .ok_or(ConvoError::UnknownTurn(turn))
    }
}

#[cfg(test)]
mod tests;
