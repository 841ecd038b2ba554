//! From typed text to digits: drops a `tel:` scheme and its parameters, an extension ("x123",
//! "ext. 123", "#12", ";ext=12") and visual separators; refuses letters and stray symbols.

use super::PhoneError;

/// What is left of an input once it is only a number.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Cleaned {
    /// The number started with `+`: an international number, country code first.
    pub plus: bool,
    /// ASCII digits only.
    pub digits: String,
}

/// Keywords that introduce an extension, longest first so "extension" wins over "ext".
const EXT_WORDS: [&str; 6] = [";ext=", "extension", "extn", "ext", "x", "#"];
/// Extensions longer than this are not extensions (libphonenumber's limit).
const MAX_EXT_DIGITS: usize = 20;

pub(crate) fn clean(input: &str) -> Result<Cleaned, PhoneError> {
    let mut s = input.trim();
    if s.is_empty() {
        return Err(PhoneError::Empty);
    }
    if s.len() >= 4 && s.is_char_boundary(4) && s[..4].eq_ignore_ascii_case("tel:") {
        // RFC 3966: parameters (";ext=", ";phone-context=", ";isub=") follow the number.
        s = s[4..].split(';').next().unwrap_or("");
    }
    let s = strip_extension(s);
    let mut plus = false;
    let mut digits = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if !plus && digits.is_empty() => plus = true,
            '+' => return Err(PhoneError::MisplacedPlus),
            c if is_separator(c) => {}
            c if c.is_alphabetic() => return Err(PhoneError::Letters),
            c => return Err(PhoneError::InvalidCharacter(c)),
        }
    }
    if digits.is_empty() {
        return Err(PhoneError::Empty);
    }
    Ok(Cleaned { plus, digits })
}

/// Characters people put between digits.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '.' | '(' | ')' | '/' | '[' | ']' | '\u{2010}'..='\u{2015}' | '\u{2212}'
        )
}

/// `s` without a trailing extension, if it has one.
fn strip_extension(s: &str) -> &str {
    let b = s.as_bytes();
    let mut end = b.len();
    if end > 0 && b[end - 1] == b'#' {
        end -= 1;
    }
    let digits_end = end;
    while end > 0 && b[end - 1].is_ascii_digit() {
        end -= 1;
    }
    let n = digits_end - end;
    if n == 0 || n > MAX_EXT_DIGITS {
        return s;
    }
    while end > 0 && matches!(b[end - 1], b' ' | b'\t' | b',' | b'-') {
        end -= 1;
    }
    if end > 0 && matches!(b[end - 1], b':' | b'.') {
        end -= 1;
    }
    for word in EXT_WORDS {
        let w = word.len();
        if end >= w && s.is_char_boundary(end - w) && s[end - w..end].eq_ignore_ascii_case(word) {
            let start = end - w;
            // An extension needs a number before it: "x123" alone is not a phone number.
            if start == 0 {
                return s;
            }
            return s[..start].trim_end_matches([' ', '\t', ',']);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> (bool, String) {
        let c = clean(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        (c.plus, c.digits)
    }

    #[test]
    fn separators_scheme_and_extensions() {
        assert_eq!(ok("+1 (415) 555-0134"), (true, "14155550134".into()));
        assert_eq!(ok("415.555.0134"), (false, "4155550134".into()));
        assert_eq!(ok("tel:+1-415-555-0134"), (true, "14155550134".into()));
        assert_eq!(
            ok("TEL:+1-415-555-0134;ext=12"),
            (true, "14155550134".into())
        );
        assert_eq!(ok("415 555 0134 x123"), (false, "4155550134".into()));
        assert_eq!(ok("415 555 0134 ext. 123"), (false, "4155550134".into()));
        assert_eq!(
            ok("415 555 0134, Extension: 9#"),
            (false, "4155550134".into())
        );
        assert_eq!(ok("415-555-0134#12"), (false, "4155550134".into()));
        assert_eq!(ok("(+44) 20 7946 0958"), (true, "442079460958".into()));
        assert_eq!(
            ok("+44\u{a0}20\u{2013}7946 0958"),
            (true, "442079460958".into())
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(clean("  "), Err(PhoneError::Empty));
        assert_eq!(clean("()-"), Err(PhoneError::Empty));
        assert_eq!(clean("tel:"), Err(PhoneError::Empty));
        assert_eq!(clean("1-800-FLOWERS"), Err(PhoneError::Letters));
        assert_eq!(clean("415 555 0134 ext"), Err(PhoneError::Letters));
        assert_eq!(clean("x123"), Err(PhoneError::Letters));
        assert_eq!(clean("1+2"), Err(PhoneError::MisplacedPlus));
        assert_eq!(clean("++1"), Err(PhoneError::MisplacedPlus));
        assert_eq!(clean("415*555"), Err(PhoneError::InvalidCharacter('*')));
        assert_eq!(clean("４１５"), Err(PhoneError::InvalidCharacter('４')));
    }
}
