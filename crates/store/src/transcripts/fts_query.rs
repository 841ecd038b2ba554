//! Turns what a user typed into a search box into a safe SQLite FTS5 expression, with the
//! same small syntax PostgreSQL's `websearch_to_tsquery` accepts: words (all required),
//! `"quoted phrases"`, `or` between alternatives, and `-word` to exclude.
//!
//! Every term is emitted as an FTS5 string (`"..."`, inner quotes doubled), so no user input
//! is ever read as FTS5 syntax: column filters, `NEAR`, `*`, `^`, parentheses and stray quotes
//! are just characters that the tokenizer drops. Precedence matches PostgreSQL's: `a b or c`
//! is `(a AND b) OR c`, and a negation applies to its alternative.
//! An alternative with no positive term (`-word` alone) cannot be expressed in FTS5 (its NOT
//! is binary) and is dropped; a query left with nothing matches nothing.

/// One alternative: terms that must all occur, and terms that must not.
#[derive(Debug, Default, PartialEq)]
struct Alternative {
    must: Vec<String>,
    must_not: Vec<String>,
}

/// A lexical item of the query.
#[derive(Debug, PartialEq)]
enum Item {
    Term { text: String, negated: bool },
    Or,
}

fn lex(q: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut chars = q.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let negated = c == '-';
        if negated {
            chars.next();
        }
        let text: String = if chars.peek() == Some(&'"') {
            chars.next();
            // A phrase runs to the closing quote (or the end, when unbalanced).
            chars.by_ref().take_while(|&c| c != '"').collect()
        } else {
            let mut w = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '"' {
                    break;
                }
                w.push(c);
                chars.next();
            }
            w
        };
        if !negated && text.eq_ignore_ascii_case("or") {
            items.push(Item::Or);
        } else if text.chars().any(char::is_alphanumeric) {
            // Terms of punctuation only would tokenize to nothing: drop them here.
            items.push(Item::Term { text, negated });
        }
    }
    items
}

/// An FTS5 string literal: the text in double quotes, inner quotes doubled.
fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// The FTS5 expression for a user query, or `None` when it has nothing to search for.
pub(crate) fn to_fts5(q: &str) -> Option<String> {
    let mut alternatives = vec![Alternative::default()];
    for item in lex(q) {
        match item {
            Item::Or => alternatives.push(Alternative::default()),
            Item::Term { text, negated } => {
                if let Some(alt) = alternatives.last_mut() {
                    if negated {
                        alt.must_not.push(quote(&text));
                    } else {
                        alt.must.push(quote(&text));
                    }
                }
            }
        }
    }
    let rendered: Vec<String> = alternatives
        .iter()
        .filter(|a| !a.must.is_empty())
        .map(|a| {
            let mut expr = format!("({})", a.must.join(" AND "));
            for n in &a.must_not {
                expr = format!("({expr} NOT {n})");
            }
            expr
        })
        .collect();
    (!rendered.is_empty()).then(|| rendered.join(" OR "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_phrases_or_and_not() {
        assert_eq!(to_fts5("pricing").as_deref(), Some(r#"("pricing")"#));
        assert_eq!(
            to_fts5(r#"budget "next quarter""#).as_deref(),
            Some(r#"("budget" AND "next quarter")"#)
        );
        assert_eq!(
            to_fts5("a b or c -d").as_deref(),
            Some(r#"("a" AND "b") OR (("c") NOT "d")"#)
        );
        assert_eq!(
            to_fts5("price -cheap -free").as_deref(),
            Some(r#"((("price") NOT "cheap") NOT "free")"#)
        );
    }

    #[test]
    fn syntax_and_junk_are_only_text() {
        assert_eq!(
            to_fts5(r#"text:secret NEAR(a b) x* ^y"#).as_deref(),
            Some(r#"("text:secret" AND "NEAR(a" AND "b)" AND "x*" AND "^y")"#)
        );
        assert_eq!(
            to_fts5(r#"say "hi"#).as_deref(),
            Some(r#"("say" AND "hi")"#)
        );
        for nothing in ["", "   ", "\"\"", "*** ---", "or OR or", "-alone", "\""] {
            assert_eq!(to_fts5(nothing), None, "{nothing:?}");
        }
    }
}
