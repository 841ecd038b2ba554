//! Word tokens of a transcript, as the endpointing and backchannel rules read them.
//!
//! A token is a whitespace-separated word, lowercased, with the punctuation around it removed
//! (recognizers punctuate: "Yeah." and "yeah" are the same word). Punctuation *inside* a word
//! stays, because it carries meaning here: "john@gmail.com", "415-555", "it's", "e.g".
//!
//! Invariants: tokens are never empty; tokenizing never fails or panics on any input.

/// Characters stripped from both ends of a word.
fn is_edge_punct(c: char) -> bool {
    !(c.is_alphanumeric() || c == '@' || c == '$' || c == '%' || c == '#')
}

/// Lowercased words of `text` with surrounding punctuation removed; empty words dropped.
pub fn tokens(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter_map(|w| {
            let t = w.trim_matches(is_edge_punct);
            (!t.is_empty()).then(|| t.to_lowercase())
        })
        .collect()
}

/// How many words `text` has (as [`tokens`] counts them).
pub fn count(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| !w.trim_matches(is_edge_punct).is_empty())
        .count()
}

/// The word as a backchannel list compares it: hyphens and apostrophes removed
/// ("uh-huh" -> "uhhuh", "mm-hmm" -> "mmhmm").
pub fn squash(token: &str) -> String {
    token
        .chars()
        .filter(|c| *c != '-' && *c != '\'' && *c != '’')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_edges_keeps_inner_punctuation() {
        assert_eq!(
            tokens("  Yeah, it's John@Gmail.com. (415-555)... "),
            vec!["yeah", "it's", "john@gmail.com", "415-555"]
        );
    }

    #[test]
    fn punctuation_only_words_vanish() {
        assert_eq!(tokens("... - , ?!"), Vec::<String>::new());
        assert_eq!(count("... - , ?! ok"), 1);
    }

    #[test]
    fn count_agrees_with_tokens() {
        for s in ["", "a b c", "Mhm. Mhm!", " - x - ", "uh-huh okay"] {
            assert_eq!(count(s), tokens(s).len(), "{s:?}");
        }
    }

    #[test]
    fn squash_joins_hyphenated_backchannels() {
        assert_eq!(squash("uh-huh"), "uhhuh");
        assert_eq!(squash("mm-hmm"), "mmhmm");
        assert_eq!(squash("it's"), "its");
    }
}
