//! Chunker cases, each checked fed at once, at every split point, and token by token.

use proptest::prelude::*;

use super::*;

fn all_at_once(text: &str, max_chars: usize) -> Vec<String> {
    let mut c = SentenceChunker::new(max_chars);
    let mut out = c.push(text);
    out.extend(c.flush());
    out
}

fn in_pieces(pieces: &[&str], max_chars: usize) -> Vec<String> {
    let mut c = SentenceChunker::new(max_chars);
    let mut out = Vec::new();
    for p in pieces {
        out.extend(c.push(p));
    }
    out.extend(c.flush());
    out
}

/// Every way of cutting `text` in two (at char boundaries), and one char at a time.
fn check(text: &str, max_chars: usize, want: &[&str]) {
    let whole = all_at_once(text, max_chars);
    assert_eq!(whole, want, "all at once: {text:?}");
    for (k, _) in text.char_indices().skip(1) {
        let (a, b) = text.split_at(k);
        assert_eq!(
            in_pieces(&[a, b], max_chars),
            want,
            "split at {k}: {text:?}"
        );
    }
    let chars: Vec<String> = text.chars().map(String::from).collect();
    let refs: Vec<&str> = chars.iter().map(String::as_str).collect();
    assert_eq!(in_pieces(&refs, max_chars), want, "char by char: {text:?}");
}

#[test]
fn plain_sentences() {
    check(
        "Hello there. How are you? I'm great!",
        150,
        &["Hello there.", "How are you?", "I'm great!"],
    );
}

#[test]
fn abbreviations_that_never_end_a_sentence() {
    check(
        "Mr. Smith and Dr. Jones live on St. James Rd. now. Apples vs. oranges, e.g. these, i.e. fruit.",
        150,
        &[
            "Mr. Smith and Dr. Jones live on St. James Rd.",
            "now.",
            "Apples vs. oranges, e.g. these, i.e. fruit.",
        ],
    );
}

#[test]
fn abbreviations_that_end_before_a_capital() {
    check(
        "We sell apples, pears, etc. and more. It opens at 9 a.m. Tomorrow too. Apple Inc. is big. I work at Acme Ltd. It is fine. In the U.S. Most do.",
        150,
        &[
            "We sell apples, pears, etc. and more.",
            "It opens at 9 a.m.",
            "Tomorrow too.",
            "Apple Inc. is big.",
            "I work at Acme Ltd.",
            "It is fine.",
            "In the U.S.",
            "Most do.",
        ],
    );
}

#[test]
fn decimals_prices_versions() {
    check(
        "It costs $4.99 today. That's 3.5% off. Update to v1.2.3 now. Version 2.0. Done.",
        150,
        &[
            "It costs $4.99 today.",
            "That's 3.5% off.",
            "Update to v1.2.3 now.",
            "Version 2.0.",
            "Done.",
        ],
    );
}

#[test]
fn urls_and_emails_are_not_split() {
    check(
        "Visit https://example.com/a.b?x=1 for details. Email john.smith@mail.example.com. Thanks.",
        150,
        &[
            "Visit https://example.com/a.b?x=1 for details.",
            "Email john.smith@mail.example.com.",
            "Thanks.",
        ],
    );
}

#[test]
fn ellipses() {
    check(
        "Well... let me think. Hmm… Okay. So... What now?",
        150,
        &[
            "Well... let me think.",
            "Hmm…",
            "Okay.",
            "So...",
            "What now?",
        ],
    );
}

#[test]
fn numbered_lists() {
    check(
        "Here are the steps: 1. Open the app. 2. Tap settings 3. Choose Privacy.",
        150,
        &[
            "Here are the steps:",
            "1. Open the app.",
            "2. Tap settings",
            "3. Choose Privacy.",
        ],
    );
    check(
        "Options:\n1. Red\n2. Blue\n\n3. Green",
        150,
        &["Options:", "1. Red", "2. Blue", "3. Green"],
    );
    check(
        "I counted to 5. Then I stopped. Chapter 1. It begins.",
        150,
        &[
            "I counted to 5.",
            "Then I stopped.",
            "Chapter 1.",
            "It begins.",
        ],
    );
}

#[test]
fn quotes_and_brackets_after_the_period() {
    check(
        "He said \"Stop.\" Then he left. (It was late.) Right?\" she asked. 'Done.' Ok.",
        150,
        &[
            "He said \"Stop.\"",
            "Then he left.",
            "(It was late.)",
            "Right?\"",
            "she asked.",
            "'Done.'",
            "Ok.",
        ],
    );
}

#[test]
fn question_and_exclamation_runs() {
    check(
        "Really?! Wow!!! Is it?? Yes.",
        150,
        &["Really?!", "Wow!!!", "Is it??", "Yes."],
    );
}

#[test]
fn newlines_are_boundaries() {
    check(
        "First line\nSecond line.\n\n  Third",
        150,
        &["First line", "Second line.", "Third"],
    );
}

#[test]
fn numbers_after_abbreviations() {
    check(
        "Call ext. 204 or see No. 5 please. No. I can't.",
        150,
        &["Call ext. 204 or see No. 5 please.", "No.", "I can't."],
    );
}

#[test]
fn initials_do_not_end_sentences() {
    check(
        "J. K. Rowling wrote it. So did I. Fine.",
        150,
        &["J. K. Rowling wrote it.", "So did I.", "Fine."],
    );
}

#[test]
fn long_sentence_is_cut_at_a_clause_then_a_space() {
    check(
        "one two three, four five six seven eight nine ten",
        20,
        &["one two three,", "four five six seven", "eight nine ten"],
    );
    check(
        "abcdefghijklmnopqrstuvwxyz and more",
        10,
        &["abcdefghijklmnopqrstuvwxyz", "and more"],
    );
}

#[test]
fn realistic_stream_in_tokens() {
    let text = "Sure! I can book that for you. Dr. Patel has openings on Tuesday at 3:30 p.m. and Wednesday at 10 a.m. Which works better?";
    let want = [
        "Sure!",
        "I can book that for you.",
        "Dr. Patel has openings on Tuesday at 3:30 p.m. and Wednesday at 10 a.m.",
        "Which works better?",
    ];
    check(text, 150, &want);
    let tokens: Vec<&str> = text
        .as_bytes()
        .chunks(4)
        .filter_map(|b| std::str::from_utf8(b).ok())
        .collect();
    assert_eq!(in_pieces(&tokens, 150), want);
}

#[test]
fn sentences_come_out_as_soon_as_complete() {
    let mut c = SentenceChunker::default();
    assert!(c.push("Hello there").is_empty());
    assert!(c.push(".").is_empty(), "needs the next character");
    assert_eq!(c.push(" How"), vec!["Hello there."]);
    assert_eq!(c.pending(), "How");
    assert_eq!(c.push(" are you? I"), vec!["How are you?"]);
    assert_eq!(c.flush(), Some("I".to_owned()));
    assert_eq!(c.flush(), None);
}

#[test]
fn empty_and_whitespace_input() {
    assert!(all_at_once("", 150).is_empty());
    assert!(all_at_once("  \n\n \t ", 150).is_empty());
}

#[test]
fn multibyte_text() {
    check(
        "Ça coûte 5 €. Très bien… Merci! 日本語です。 Ok.",
        150,
        &["Ça coûte 5 €.", "Très bien…", "Merci!", "日本語です。 Ok."],
    );
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Nothing but whitespace is lost or added, chunks are trimmed and non-empty, and the
    /// chunks do not depend on how the text was cut into pushes.
    #[test]
    fn conserves_text_and_ignores_splits(
        text in "([A-Za-z]{1,6}|[0-9]{1,3}|[ .,;:?!…\n\"')(]|Mr\\.|e\\.g\\.|\\$4\\.99|1\\. |2\\. |\\.\\.\\.){0,60}",
        cuts in prop::collection::vec(0usize..400, 0..6),
        max_chars in 1usize..60,
    ) {
        let whole = all_at_once(&text, max_chars);
        prop_assert_eq!(squeeze(&whole.concat()), squeeze(&text));
        for chunk in &whole {
            prop_assert!(!chunk.is_empty());
            prop_assert_eq!(chunk.trim(), chunk.as_str());
        }
        let mut points: Vec<usize> = cuts
            .into_iter()
            .map(|k| k.min(text.len()))
            .filter(|k| text.is_char_boundary(*k))
            .collect();
        points.sort_unstable();
        points.dedup();
        let mut pieces = Vec::new();
        let mut from = 0;
        for p in points {
            pieces.push(&text[from..p]);
            from = p;
        }
        pieces.push(&text[from..]);
        prop_assert_eq!(in_pieces(&pieces, max_chars), whole);
    }

    #[test]
    fn never_panics_on_any_text(text in "\\PC{0,120}", max_chars in 0usize..200) {
        let out = all_at_once(&text, max_chars);
        prop_assert_eq!(squeeze(&out.concat()), squeeze(&text));
    }
}
