//! Ledger cases: marks, drains, clears by the playout clock, resume, bounds.

use std::time::Duration;

use proptest::prelude::*;

use super::*;
use crate::error::ConvoError;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Turn 1: three sentences of 1 s, 2 s (in two chunks) and 1.5 s of audio.
fn three_sentences() -> PlaybackLedger {
    let mut l = PlaybackLedger::default();
    assert_eq!(l.queue(1, "Hello there.", ms(1000)), 0);
    assert_eq!(l.queue(1, "I have two openings on Tuesday.", ms(1200)), 1);
    assert_eq!(l.add_audio(1, 1, ms(800)), Ok(()));
    assert_eq!(l.queue(1, "Which works for you?", ms(1500)), 2);
    l
}

#[test]
fn nothing_heard_before_playback() {
    let l = three_sentences();
    assert_eq!(l.heard(1), "");
    assert!(!l.started(1));
    assert_eq!(
        l.remaining(1),
        "Hello there. I have two openings on Tuesday. Which works for you?"
    );
}

#[test]
fn marks_confirm_sentences() {
    let mut l = three_sentences();
    l.playback_started(1).ok();
    assert!(l.started(1));
    assert_eq!(l.mark_played(1, &PlaybackLedger::mark_name(0)), Ok(()));
    assert_eq!(l.heard(1), "Hello there.");
    assert_eq!(l.mark_played(1, "s1"), Ok(()));
    assert_eq!(
        l.mark_played(1, "s0"),
        Ok(()),
        "a late lower mark does not go back"
    );
    assert_eq!(l.heard(1), "Hello there. I have two openings on Tuesday.");
}

#[test]
fn drain_means_everything() {
    let mut l = three_sentences();
    l.drained(1).ok();
    assert_eq!(
        l.heard(1),
        "Hello there. I have two openings on Tuesday. Which works for you?"
    );
    assert_eq!(l.remaining(1), "");
}

#[test]
fn clear_cuts_by_the_playout_clock_rounding_down_to_a_word() {
    let mut l = three_sentences();
    l.mark_played(1, "s0").ok();
    // 1000 ms of sentence 0, then 1100 of the 2000 ms of sentence 1: 6 words * 0.55 = 3.3.
    l.cleared(1, ms(2100)).ok();
    assert_eq!(l.heard(1), "Hello there. I have two");
    assert_eq!(l.remaining(1), "openings on Tuesday. Which works for you?");
}

#[test]
fn echoed_marks_after_a_clear_are_ignored() {
    let mut l = three_sentences();
    l.cleared(1, ms(500)).ok();
    l.mark_played(1, "s1").ok();
    l.mark_played(1, "s2").ok();
    assert_eq!(l.heard(1), "Hello");
}

#[test]
fn clock_overrides_marks_received_before_the_clear() {
    let mut l = three_sentences();
    l.mark_played(1, "s1").ok();
    l.cleared(1, ms(900)).ok();
    assert_eq!(l.heard(1), "Hello");
}

#[test]
fn clear_at_exact_sentence_ends_and_beyond() {
    let mut l = three_sentences();
    l.cleared(1, ms(1000)).ok();
    assert_eq!(l.heard(1), "Hello there.");
    l.cleared(1, ms(0)).ok();
    assert_eq!(l.heard(1), "");
    l.cleared(1, ms(99_000)).ok();
    assert_eq!(
        l.heard(1),
        "Hello there. I have two openings on Tuesday. Which works for you?"
    );
}

#[test]
fn zero_audio_sentences_count_once_reached() {
    let mut l = PlaybackLedger::default();
    l.queue(2, "One.", ms(500));
    l.queue(2, "...", Duration::ZERO);
    l.queue(2, "Three four.", ms(500));
    l.cleared(2, ms(500)).ok();
    assert_eq!(l.heard(2), "One. ...");
    l.cleared(2, ms(499)).ok();
    assert_eq!(l.heard(2), "");
}

#[test]
fn resume_keeps_the_heard_part_and_returns_the_rest() {
    let mut l = three_sentences();
    l.cleared(1, ms(2100)).ok();
    let rest = l.resume(1);
    assert_eq!(
        rest.as_deref(),
        Ok("openings on Tuesday. Which works for you?")
    );
    assert_eq!(l.heard(1), "Hello there. I have two");
    // The rest is spoken again, continuing the turn's timeline: 2100 ms already played.
    let k = l.queue(1, "openings on Tuesday.", ms(1000));
    assert_eq!(k, 3, "indexes are not reused");
    l.queue(1, "Which works for you?", ms(1500));
    assert_eq!(
        l.mark_played(1, "s2"),
        Err(ConvoError::UnknownSentence { turn: 1, index: 2 }),
        "the dropped sentence's (echoed) mark names nothing"
    );
    l.cleared(1, ms(2100 + 1000 + 750)).ok();
    assert_eq!(
        l.heard(1),
        "Hello there. I have two openings on Tuesday. Which works"
    );
}

#[test]
fn resume_from_marks_without_a_clear() {
    let mut l = three_sentences();
    l.mark_played(1, "s0").ok();
    assert_eq!(
        l.resume(1).as_deref(),
        Ok("I have two openings on Tuesday. Which works for you?")
    );
    assert_eq!(l.heard(1), "Hello there.");
}

#[test]
fn errors_name_what_is_unknown() {
    let mut l = three_sentences();
    assert_eq!(l.add_audio(9, 0, ms(1)), Err(ConvoError::UnknownTurn(9)));
    assert_eq!(
        l.add_audio(1, 7, ms(1)),
        Err(ConvoError::UnknownSentence { turn: 1, index: 7 })
    );
    assert_eq!(
        l.mark_played(1, "end"),
        Err(ConvoError::UnknownMark {
            turn: 1,
            name: "end".into()
        })
    );
    assert_eq!(
        l.mark_played(1, "s9"),
        Err(ConvoError::UnknownSentence { turn: 1, index: 9 })
    );
    assert_eq!(l.cleared(4, ms(1)), Err(ConvoError::UnknownTurn(4)));
    assert_eq!(l.resume(4), Err(ConvoError::UnknownTurn(4)));
    assert_eq!(l.heard(4), "");
    assert_eq!(l.remaining(4), "");
}

#[test]
fn old_turns_are_forgotten() {
    let mut l = PlaybackLedger::new(2);
    l.queue(1, "a", ms(1));
    l.queue(2, "b", ms(1));
    l.queue(3, "c", ms(1));
    l.drained(2).ok();
    l.drained(3).ok();
    assert_eq!(l.drained(1), Err(ConvoError::UnknownTurn(1)));
    assert_eq!((l.heard(2).as_str(), l.heard(3).as_str()), ("b", "c"));
    l.forget(3);
    assert_eq!(l.heard(3), "");
}

#[test]
fn words_prefix_rounds_down() {
    let text = "one two  three four";
    assert_eq!(words_prefix(text, ms(0), ms(1000)), 0);
    assert_eq!(words_prefix(text, ms(249), ms(1000)), 0);
    assert_eq!(&text[..words_prefix(text, ms(250), ms(1000))], "one");
    assert_eq!(&text[..words_prefix(text, ms(740), ms(1000))], "one two");
    assert_eq!(
        &text[..words_prefix(text, ms(750), ms(1000))],
        "one two  three"
    );
    assert_eq!(words_prefix(text, ms(1000), ms(1000)), text.len());
    assert_eq!(words_prefix("", ms(5), ms(10)), 0);
    assert_eq!(words_prefix(text, ms(5), Duration::ZERO), 0);
}

proptest! {
    /// Whatever was played, heard + remaining is the whole text, heard grows with played,
    /// and heard is a prefix of the full text.
    #[test]
    fn heard_is_a_growing_prefix(
        sentences in prop::collection::vec(("[a-z]{1,5}( [a-z]{1,5}){0,6}", 0u64..2000), 1..6),
        played in prop::collection::vec(0u64..12_000, 1..8),
    ) {
        let mut l = PlaybackLedger::default();
        for (text, audio) in &sentences {
            l.queue(5, text, ms(*audio));
        }
        let full = sentences.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>().join(" ");
        let mut sorted = played;
        sorted.sort_unstable();
        let mut last = 0;
        for p in sorted {
            l.cleared(5, ms(p)).ok();
            let heard = l.heard(5);
            prop_assert!(full.starts_with(&heard), "{heard:?} not a prefix of {full:?}");
            prop_assert!(heard.len() >= last);
            last = heard.len();
            let joined = [heard.as_str(), l.remaining(5).as_str()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            prop_assert_eq!(joined, full.clone());
        }
    }
}
