//! Endpointing hints from the words: is the caller most likely mid-way through something?
//!
//! [`unfinished`] reads the end of a transcript and says whether a pause there is probably a
//! breath inside a longer item rather than the end of the turn. The turn machine then waits
//! `unfinished_extra_wait` longer before answering, so phone numbers, emails and spelled names
//! read with pauses are not cut off. A false "unfinished" costs latency (one extra wait), a
//! false "finished" cuts the caller off, so ties lean to unfinished where the item is a number,
//! an email or a spelling, and to finished for ordinary sentences.
//!
//! Rules, on the lowercased words without surrounding punctuation (recognizers add periods):
//! - **Digit strings**: a trailing run of digit words ("zero".."nine", "oh", "o", "double",
//!   "triple") and numerals ("415", "555-1234"). Unfinished if the run ends in "double" or
//!   "triple"; if it has two or more words or a numeral of 3 or 6+ digits, unless it totals 10
//!   or 11 digits (a complete phone number); a single short number only after an intro word
//!   ("is", "number", "code", "pin", ...). A lone 4-5 digit numeral (a year, a PIN, a ZIP) is
//!   finished.
//! - **Emails**: a last word with "@" and no dot in the domain; a trailing "at" (unless it
//!   follows a word like "look" or "where"); "at PROVIDER" ("at gmail") or "at WORD" when
//!   the transcript mentions an email or address; "dot", "underscore", "dash".
//! - **Spelling**: two or more trailing single letters ("j o h n"), hyphen-joined letters
//!   ("j-o-h-n"), "a as in apple", "b for bravo", "spelled j".
//! - **Connectors and fillers**: a last word that cannot end a sentence ("and", "or", "but",
//!   "because", "the", "a", "an", "it's", "um", "uh", ...), and "is" unless after a pronoun
//!   ("my number is" waits, "yes it is" does not).
//!
//! Invariants: pure, never panics, empty or punctuation-only text is finished.

use crate::words::tokens;

/// Words after which a sentence is not over.
const CONNECTORS: &[&str] = &[
    "and",
    "or",
    "but",
    "because",
    "cause",
    "the",
    "a",
    "an",
    "it's",
    "its",
    "that's",
    "um",
    "umm",
    "uh",
    "uhh",
    "uhm",
    "er",
    "erm",
    "hmm",
    "dot",
    "underscore",
    "dash",
    "hyphen",
    "point",
    "plus",
    "slash",
];

/// Words before "is" that make "... is" a complete sentence ("yes it is").
const IS_COMPLETERS: &[&str] = &[
    "it",
    "that",
    "this",
    "there",
    "here",
    "what",
    "who",
    "which",
    "he",
    "she",
    "where",
    "how",
    "why",
    "when",
    "everything",
    "nothing",
    "so",
];

/// Digit words and how many digits each says.
const DIGIT_WORDS: &[(&str, u32)] = &[
    ("zero", 1),
    ("oh", 1),
    ("o", 1),
    ("one", 1),
    ("two", 1),
    ("three", 1),
    ("four", 1),
    ("five", 1),
    ("six", 1),
    ("seven", 1),
    ("eight", 1),
    ("nine", 1),
    ("double", 1),
    ("triple", 2),
];

/// Words that announce a number ("my pin is 4 ...").
const NUMBER_INTROS: &[&str] = &[
    "is",
    "number",
    "code",
    "pin",
    "zip",
    "extension",
    "ext",
    "account",
    "card",
    "phone",
    "digits",
    "#",
    "it's",
];

/// Words before a trailing "at" that make it an ordinary sentence end ("where you at").
const AT_COMPLETERS: &[&str] = &[
    "look", "looking", "looked", "where", "you", "we", "they", "it", "that", "this", "me", "him",
    "them", "us", "good", "great", "bad", "here", "there", "we're", "they're", "you're",
];

/// Mail providers that make "john at gmail" an unfinished address.
const MAIL_PROVIDERS: &[&str] = &[
    "gmail",
    "yahoo",
    "hotmail",
    "outlook",
    "icloud",
    "aol",
    "protonmail",
    "proton",
    "live",
    "msn",
    "comcast",
    "verizon",
    "att",
    "mail",
    "gmx",
    "zoho",
    "yandex",
];

/// Words that put the transcript in "email" context.
const EMAIL_CUES: &[&str] = &["email", "e-mail", "mail", "address", "emails"];

/// Digit counts of a complete phone number (US 10, with country code 11).
const COMPLETE_RUNS: &[u32] = &[10, 11];

/// True when the caller is most likely mid-way through a number, email, spelling or sentence.
pub fn unfinished(text: &str) -> bool {
    let toks = tokens(text);
    if toks.is_empty() {
        return false;
    }
    let w: Vec<&str> = toks.iter().map(String::as_str).collect();
    digit_string(&w) || email(&w) || spelled(&w) || connector(&w)
}

fn connector(w: &[&str]) -> bool {
    match w {
        [.., prev, "is"] => !IS_COMPLETERS.contains(prev),
        ["is"] => true,
        [.., last] => CONNECTORS.contains(last),
        [] => false,
    }
}

/// Digits a token says, if it is part of a digit string.
fn digits_of(token: &str) -> Option<u32> {
    if let Some((_, n)) = DIGIT_WORDS.iter().find(|(word, _)| *word == token) {
        return Some(*n);
    }
    let numeral = token.chars().all(|c| c.is_ascii_digit() || c == '-');
    let n = token.chars().filter(char::is_ascii_digit).count();
    (numeral && n > 0).then(|| u32::try_from(n).unwrap_or(u32::MAX))
}

fn digit_string(w: &[&str]) -> bool {
    let Some(last) = w.last() else { return false };
    if *last == "double" || *last == "triple" {
        return true;
    }
    let mut run = 0usize;
    let mut total = 0u32;
    for t in w.iter().rev() {
        match digits_of(t) {
            Some(n) => {
                run += 1;
                total = total.saturating_add(n);
            }
            None => break,
        }
    }
    if run == 0 || COMPLETE_RUNS.contains(&total) {
        return false;
    }
    if run >= 2 {
        return true;
    }
    match total {
        3 => true,
        4 | 5 => false,
        n if n >= 6 => true,
        _ => w.len() >= 2 && NUMBER_INTROS.contains(&w[w.len() - 2]),
    }
}

fn email(w: &[&str]) -> bool {
    let Some(last) = w.last() else { return false };
    if let Some((_, domain)) = last.split_once('@') {
        return !domain.contains('.') || domain.ends_with('.');
    }
    let cue = w.iter().any(|t| EMAIL_CUES.contains(t));
    match w {
        [.., prev, "at"] => !AT_COMPLETERS.contains(prev),
        ["at"] => true,
        [.., "at", word] => MAIL_PROVIDERS.contains(word) || cue,
        _ => false,
    }
}

fn is_letter(t: &str) -> bool {
    let mut cs = t.chars();
    matches!((cs.next(), cs.next()), (Some(c), None) if c.is_alphabetic())
}

fn spelled(w: &[&str]) -> bool {
    let Some(last) = w.last() else { return false };
    let letters = w.iter().rev().take_while(|t| is_letter(t)).count();
    if letters >= 2 {
        return true;
    }
    let parts: Vec<&str> = last.split('-').collect();
    if parts.len() >= 2 && parts.iter().all(|p| is_letter(p)) {
        return true;
    }
    match w {
        [.., l, "as"] | [.., l, "for"] => is_letter(l),
        [.., "as", "in"] => true,
        [.., l, "as", "in", _] | [.., l, "for", _] => is_letter(l),
        [.., "spelled" | "spell" | "spelling"] => true,
        [.., "spelled" | "spell", l] => is_letter(l),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNFINISHED: &[&str] = &[
        // digit strings
        "my number is four one five",
        "four one five",
        "it's 415",
        "415-555",
        "four one five five five five",
        "nine one one two",
        "call me at 4 1 5",
        "the code is double",
        "five five triple",
        "my pin is 4",
        "the number is seven",
        "4111 1111 1111",
        "zero oh",
        "Four, one, five.",
        "My number is 415.",
        // emails
        "john at",
        "it's john at gmail",
        "john at gmail dot",
        "my email is john at company",
        "my address is jane at acme",
        "john@gmail",
        "john@gmail.",
        "john@",
        "j dot smith at",
        "john underscore",
        // spelling
        "j o h n",
        "J. O. H.",
        "it's spelled j",
        "s m i",
        "a as in apple",
        "b as in",
        "b as",
        "j-o-h",
        "b for bravo",
        "the name is spelled",
        // connectors and fillers
        "my number is",
        "and",
        "I want to book a table and",
        "coffee or",
        "it's",
        "I was thinking, um",
        "the answer is",
        "my name is...",
        "I'd like the",
        "I need a",
        "because",
        "so uh",
    ];

    const FINISHED: &[&str] = &[
        "",
        "   ",
        "...",
        "hello",
        "Hello, how are you?",
        "yes it is",
        "that's what it is",
        "I'm 25",
        "I have two kids",
        "one or two",
        "I'd like two",
        "I was born in 1985",
        "my pin is 1234",
        "the zip is 94107",
        "four one five five five five one two three four",
        "415-555-1234",
        "(415) 555-1234",
        "1 415 555 1234",
        "john at gmail dot com",
        "it's john@gmail.com",
        "john@gmail.com.",
        "meet me at noon",
        "where are you at",
        "I'm looking at",
        "it costs $4.99",
        "about 3.5%",
        "plan b",
        "yes",
        "mhm",
        "Oh.",
        "sure, that works",
        "I live in the U.S.",
        "twenty five",
        "what can you help me with",
        "who do I talk to",
    ];

    #[test]
    fn unfinished_cases() {
        for text in UNFINISHED {
            assert!(unfinished(text), "should be unfinished: {text:?}");
        }
    }

    #[test]
    fn finished_cases() {
        for text in FINISHED {
            assert!(!unfinished(text), "should be finished: {text:?}");
        }
    }

    #[test]
    fn digits_of_counts_numerals_and_words() {
        assert_eq!(digits_of("415"), Some(3));
        assert_eq!(digits_of("555-1234"), Some(7));
        assert_eq!(digits_of("oh"), Some(1));
        assert_eq!(digits_of("-"), None);
        assert_eq!(digits_of("4.99"), None);
        assert_eq!(digits_of("twenty"), None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,60}") {
            let _ = unfinished(&s);
        }

        #[test]
        fn trailing_connector_always_unfinished(s in "[a-z ]{0,30}") {
            let text = format!("{s} and");
            proptest::prop_assert!(unfinished(&text));
        }
    }
}
