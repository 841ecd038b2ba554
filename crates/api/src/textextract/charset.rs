//! Bytes of a web page to text. Pages are UTF-8 nearly always; the one legacy family worth
//! supporting is windows-1252 (which is also what browsers use for pages labelled ISO-8859-1
//! or ASCII). Other labels fall back to UTF-8 with replacement characters: the text stays
//! usable in its ASCII parts instead of failing the upload.

use super::entities::decode_cp1252;

/// Decodes an HTML or plain-text body. `content_type` is the HTTP header, if any; without a
/// charset there, a byte-order mark or a `<meta charset>` in the first 1024 bytes decides.
pub fn decode_page(bytes: &[u8], content_type: Option<&str>) -> String {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8_lossy(rest).into_owned();
    }
    let label = content_type
        .and_then(charset_param)
        .or_else(|| meta_charset(&bytes[..bytes.len().min(1024)]));
    match label.as_deref() {
        Some(l) if is_cp1252(l) => decode_cp1252(bytes),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// WHATWG Encoding labels that mean windows-1252.
fn is_cp1252(label: &str) -> bool {
    matches!(
        label,
        "windows-1252"
            | "cp1252"
            | "x-cp1252"
            | "iso-8859-1"
            | "iso8859-1"
            | "iso_8859-1"
            | "latin1"
            | "l1"
            | "us-ascii"
            | "ascii"
    )
}

/// `charset=...` of a Content-Type value, lower-cased and unquoted.
fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']).to_ascii_lowercase())
    })
}

/// The charset a `<meta charset=...>` or `<meta http-equiv content="...; charset=...">` names.
fn meta_charset(head: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let at = text.find("charset=")? + "charset=".len();
    let label: String = text[at..]
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
        .collect();
    (!label.is_empty()).then_some(label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_declared_charset() {
        let latin = b"<p>caf\xe9 \x80</p>";
        assert_eq!(
            decode_page(latin, Some("text/html; charset=ISO-8859-1")),
            "<p>café €</p>"
        );
        let meta = b"<meta charset=\"windows-1252\"><p>caf\xe9</p>";
        assert!(decode_page(meta, Some("text/html")).ends_with("café</p>"));
        let utf8 = "<p>café €</p>".as_bytes();
        assert_eq!(
            decode_page(utf8, Some("text/html; charset=utf-8")),
            "<p>café €</p>"
        );
        assert_eq!(decode_page(b"\xEF\xBB\xBFhi", None), "hi");
        assert_eq!(decode_page(b"bad \xff", None), "bad \u{fffd}");
        assert_eq!(decode_page(b"x", Some("text/plain; charset=koi8-r")), "x");
    }
}
