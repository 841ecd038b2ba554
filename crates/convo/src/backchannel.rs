//! Backchannels: the "mhm", "yeah", "right" a listener says without taking the floor.
//!
//! [`Backchannels`] holds the configured phrases (one or more words each) and splits a
//! transcript into backchannel phrases and *content words*. The turn machine counts content
//! words: speech whose words are all backchannels never interrupts the agent, and
//! `barge_in_min_words` counts content words only ("yeah but wait" has two).
//!
//! Matching is on `crate::words` tokens with hyphens and apostrophes squashed, so "Uh-huh."
//! matches "uh-huh" and "uh huh" matches "uh huh"; at each position the longest phrase wins.
//!
//! Invariants: pure; an empty phrase list makes every word a content word.

use crate::words::{squash, tokens};

/// The default phrases of [`crate::turn::TurnConfig::backchannels`].
pub const DEFAULT_BACKCHANNELS: &[&str] = &[
    "mhm", "mm", "mmhmm", "uh-huh", "uh huh", "yeah", "yes", "right", "okay", "ok", "sure",
    "i see", "got it", "yep",
];

/// A set of backchannel phrases, each stored as its squashed words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backchannels {
    /// Phrases, longest first so the first match is the longest.
    phrases: Vec<Vec<String>>,
}

/// How a transcript splits into backchannels and content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WordCount {
    /// All words.
    pub total: usize,
    /// Words not inside a backchannel phrase.
    pub content: usize,
}

impl WordCount {
    /// Some words, all of them backchannels.
    pub fn backchannel_only(self) -> bool {
        self.total > 0 && self.content == 0
    }
}

impl Backchannels {
    /// Builds the matcher; empty phrases are ignored.
    pub fn new<S: AsRef<str>>(phrases: &[S]) -> Self {
        let mut phrases: Vec<Vec<String>> = phrases
            .iter()
            .map(|p| {
                tokens(p.as_ref())
                    .iter()
                    .map(|t| squash(t))
                    .collect::<Vec<_>>()
            })
            .filter(|p: &Vec<String>| !p.is_empty())
            .collect();
        phrases.sort_by_key(|p| std::cmp::Reverse(p.len()));
        phrases.dedup();
        Backchannels { phrases }
    }

    /// Counts the words of `text` and those outside backchannel phrases.
    pub fn count(&self, text: &str) -> WordCount {
        let words: Vec<String> = tokens(text).iter().map(|t| squash(t)).collect();
        let mut i = 0;
        let mut content = 0;
        while i < words.len() {
            let rest = &words[i..];
            match self.phrases.iter().find(|p| rest.starts_with(p)) {
                Some(p) => i += p.len(),
                None => {
                    content += 1;
                    i += 1;
                }
            }
        }
        WordCount {
            total: words.len(),
            content,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Backchannels {
        Backchannels::new(DEFAULT_BACKCHANNELS)
    }

    #[test]
    fn backchannel_only_transcripts() {
        let b = defaults();
        for text in [
            "mhm",
            "Mhm.",
            "Uh-huh.",
            "uh huh",
            "Mm-hmm",
            "Yeah, yeah.",
            "Okay. Sure.",
            "I see.",
            "got it",
            "yep right",
            "OK",
        ] {
            assert!(b.count(text).backchannel_only(), "{text:?}");
        }
    }

    #[test]
    fn content_words_are_counted() {
        let b = defaults();
        let cases = [
            ("yeah but wait", 2, 3),
            ("wait", 1, 1),
            ("yes please", 1, 2),
            ("I see the problem", 2, 4),
            ("i", 1, 1),
            ("okay so what about Tuesday", 4, 5),
        ];
        for (text, content, total) in cases {
            let n = b.count(text);
            assert_eq!((n.content, n.total), (content, total), "{text:?}");
            assert!(!n.backchannel_only());
        }
    }

    #[test]
    fn no_words_is_not_backchannel() {
        let n = defaults().count(" ... ");
        assert_eq!(n, WordCount::default());
        assert!(!n.backchannel_only());
    }

    #[test]
    fn empty_list_counts_everything() {
        let b = Backchannels::new::<&str>(&[]);
        assert_eq!(b.count("mhm yeah").content, 2);
        let b = Backchannels::new(&["", "  "]);
        assert_eq!(b.count("mhm").content, 1);
    }

    #[test]
    fn longest_phrase_wins() {
        let b = Backchannels::new(&["i", "i see"]);
        assert_eq!(b.count("i see").content, 0);
        assert_eq!(b.count("i saw").content, 1);
    }
}
