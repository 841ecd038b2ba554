//! Character references (`&amp;`, `&#8212;`, `&#x20AC;`) and the windows-1252 code page, which
//! HTML uses both for `&#128;`..`&#159;` references and for pages labelled ISO-8859-1
//! (WHATWG Encoding §4.2 maps that label to windows-1252).

/// Named references common in real pages. The full HTML list has 2,231 names; pages use few
/// beyond these, and an unknown name is kept verbatim (as browsers do).
const NAMED: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", '\u{a0}'),
    ("ensp", '\u{2002}'),
    ("emsp", '\u{2003}'),
    ("thinsp", '\u{2009}'),
    ("shy", '\u{ad}'),
    ("zwj", '\u{200d}'),
    ("zwnj", '\u{200c}'),
    ("ndash", '–'),
    ("mdash", '—'),
    ("hellip", '…'),
    ("lsquo", '‘'),
    ("rsquo", '’'),
    ("sbquo", '‚'),
    ("ldquo", '“'),
    ("rdquo", '”'),
    ("bdquo", '„'),
    ("laquo", '«'),
    ("raquo", '»'),
    ("lsaquo", '‹'),
    ("rsaquo", '›'),
    ("bull", '•'),
    ("middot", '·'),
    ("prime", '′'),
    ("Prime", '″'),
    ("dagger", '†'),
    ("Dagger", '‡'),
    ("para", '¶'),
    ("sect", '§'),
    ("copy", '©'),
    ("reg", '®'),
    ("trade", '™'),
    ("deg", '°'),
    ("plusmn", '±'),
    ("times", '×'),
    ("divide", '÷'),
    ("minus", '−'),
    ("frac12", '½'),
    ("frac14", '¼'),
    ("frac34", '¾'),
    ("sup2", '²'),
    ("sup3", '³'),
    ("micro", 'µ'),
    ("permil", '‰'),
    ("le", '≤'),
    ("ge", '≥'),
    ("ne", '≠'),
    ("asymp", '≈'),
    ("infin", '∞'),
    ("larr", '←'),
    ("rarr", '→'),
    ("uarr", '↑'),
    ("darr", '↓'),
    ("harr", '↔'),
    ("check", '✓'),
    ("euro", '€'),
    ("cent", '¢'),
    ("pound", '£'),
    ("yen", '¥'),
    ("curren", '¤'),
    ("iexcl", '¡'),
    ("iquest", '¿'),
    ("ordf", 'ª'),
    ("ordm", 'º'),
    ("szlig", 'ß'),
    ("agrave", 'à'),
    ("aacute", 'á'),
    ("acirc", 'â'),
    ("atilde", 'ã'),
    ("auml", 'ä'),
    ("aring", 'å'),
    ("aelig", 'æ'),
    ("ccedil", 'ç'),
    ("egrave", 'è'),
    ("eacute", 'é'),
    ("ecirc", 'ê'),
    ("euml", 'ë'),
    ("igrave", 'ì'),
    ("iacute", 'í'),
    ("icirc", 'î'),
    ("iuml", 'ï'),
    ("ntilde", 'ñ'),
    ("ograve", 'ò'),
    ("oacute", 'ó'),
    ("ocirc", 'ô'),
    ("otilde", 'õ'),
    ("ouml", 'ö'),
    ("oslash", 'ø'),
    ("ugrave", 'ù'),
    ("uacute", 'ú'),
    ("ucirc", 'û'),
    ("uuml", 'ü'),
    ("yacute", 'ý'),
    ("yuml", 'ÿ'),
    ("Agrave", 'À'),
    ("Aacute", 'Á'),
    ("Acirc", 'Â'),
    ("Atilde", 'Ã'),
    ("Auml", 'Ä'),
    ("Aring", 'Å'),
    ("AElig", 'Æ'),
    ("Ccedil", 'Ç'),
    ("Egrave", 'È'),
    ("Eacute", 'É'),
    ("Ecirc", 'Ê'),
    ("Euml", 'Ë'),
    ("Igrave", 'Ì'),
    ("Iacute", 'Í'),
    ("Icirc", 'Î'),
    ("Iuml", 'Ï'),
    ("Ntilde", 'Ñ'),
    ("Ograve", 'Ò'),
    ("Oacute", 'Ó'),
    ("Ocirc", 'Ô'),
    ("Otilde", 'Õ'),
    ("Ouml", 'Ö'),
    ("Oslash", 'Ø'),
    ("Ugrave", 'Ù'),
    ("Uacute", 'Ú'),
    ("Ucirc", 'Û'),
    ("Uuml", 'Ü'),
    ("Yacute", 'Ý'),
    ("oelig", 'œ'),
    ("OElig", 'Œ'),
    ("scaron", 'š'),
    ("Scaron", 'Š'),
    ("alpha", 'α'),
    ("beta", 'β'),
    ("gamma", 'γ'),
    ("delta", 'δ'),
    ("pi", 'π'),
    ("sigma", 'σ'),
    ("omega", 'ω'),
    ("Delta", 'Δ'),
    ("Omega", 'Ω'),
];

/// Names HTML also accepts without the closing `;` (the common subset of the legacy list).
const LEGACY: &[&str] = &["amp", "lt", "gt", "quot", "nbsp", "copy", "reg"];

/// Unicode for windows-1252 bytes 0x80..=0x9F (0 marks the five undefined bytes, which map to
/// the C1 control of the same value).
const CP1252_HIGH: [u16; 32] = [
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
    0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC,
    0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
];

/// The character windows-1252 byte `b` stands for.
pub fn cp1252_char(b: u8) -> char {
    match b {
        0x80..=0x9F => {
            let u = CP1252_HIGH[usize::from(b - 0x80)];
            let code = if u == 0 { u32::from(b) } else { u32::from(u) };
            char::from_u32(code).unwrap_or('\u{fffd}')
        }
        _ => char::from(b),
    }
}

/// Decodes windows-1252 bytes (every byte is a character, so this never fails).
pub fn decode_cp1252(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| cp1252_char(b)).collect()
}

/// Replaces character references in text. Malformed or unknown references stay as written.
pub fn decode(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 1..];
        match reference(tail) {
            Some((c, used)) => {
                out.push(c);
                rest = &tail[used..];
            }
            None => {
                out.push('&');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character a reference at the start of `s` (just after `&`) stands for, and how many
/// bytes of `s` it used.
fn reference(s: &str) -> Option<(char, usize)> {
    if let Some(num) = s.strip_prefix('#') {
        let (digits, radix, skip) = match num.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16, 2),
            None => (num, 10, 1),
        };
        let len = digits
            .bytes()
            .take_while(|b| char::from(*b).is_digit(radix))
            .count();
        if len == 0 {
            return None;
        }
        // Over-long numbers are out of range anyway; capping the length keeps the parse in u32.
        let value = if len > 8 {
            u32::MAX
        } else {
            u32::from_str_radix(&digits[..len], radix).unwrap_or(u32::MAX)
        };
        let used = skip + len + usize::from(digits[len..].starts_with(';'));
        return Some((numeric_char(value), used));
    }
    let len = s
        .bytes()
        .take_while(u8::is_ascii_alphanumeric)
        .take(32)
        .count();
    let name = &s[..len];
    let c = NAMED.iter().find(|(n, _)| *n == name).map(|&(_, c)| c)?;
    if s[len..].starts_with(';') {
        Some((c, len + 1))
    } else if LEGACY.contains(&name) {
        Some((c, len))
    } else {
        None
    }
}

/// HTML's numeric reference rules (WHATWG §13.2.5.80): NUL, surrogates and out-of-range values
/// become U+FFFD; 0x80..=0x9F are read as windows-1252.
fn numeric_char(v: u32) -> char {
    match v {
        0x80..=0x9F => cp1252_char(u8::try_from(v).unwrap_or(0)),
        0 => '\u{fffd}',
        _ => char::from_u32(v).unwrap_or('\u{fffd}'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        assert_eq!(decode("a &amp; b"), "a & b");
        assert_eq!(decode("&lt;p&gt; &quot;x&quot; &apos;"), "<p> \"x\" '");
        assert_eq!(decode("&#8212;&#x20AC;&#X20ac;"), "—€€");
        assert_eq!(decode("&#150;"), "–", "C1 range is windows-1252");
        assert_eq!(
            decode("&#0;&#xD800;&#99999999999;"),
            "\u{fffd}\u{fffd}\u{fffd}"
        );
        assert_eq!(decode("AT&T &unknown; &amp"), "AT&T &unknown; &");
        assert_eq!(decode("&copy 2026"), "© 2026");
        assert_eq!(decode("&eacute;t&eacute;"), "été");
        assert_eq!(decode("& &# &#x; &;"), "& &# &#x; &;");
        assert_eq!(decode("trailing &"), "trailing &");
    }

    #[test]
    fn windows_1252() {
        // 0x93 is U+201C and 0x96 is U+2013 (windows-1252 table); 0x81 is undefined and
        // stays the C1 control of the same value.
        assert_eq!(
            decode_cp1252(b"caf\xe9 \x80 \x93 \x96 \x81"),
            "café € “ – \u{81}"
        );
    }
}
