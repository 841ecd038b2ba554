//! HTML to readable text, for knowledge documents made from web pages.
//!
//! One linear pass over the markup, no DOM: text outside tags is kept, `script`, `style` and
//! `title` contents are skipped, the contents of `head`, `nav` and other chrome (`svg`,
//! `noscript`, `template`, `iframe`, `canvas`, `select`) are dropped, character references are
//! decoded, runs of whitespace collapse to one space, block elements become paragraph breaks
//! (a blank line) and `br`, list items and table rows become line breaks. `pre` keeps its
//! whitespace. Malformed markup never fails: whatever cannot be a tag is text, and a tag that
//! never closes ends the document (as browsers do at end of file).
//!
//! Every scan moves forward over input it consumes, so the pass is linear in the input size
//! whatever the input is.

use super::entities;

/// Elements whose whole content is page chrome, not text.
const DROPPED: &[&str] = &[
    "nav", "svg", "noscript", "template", "iframe", "canvas", "select",
];

/// Elements whose content is raw text up to their end tag (never markup), skipped entirely.
const RAW_SKIPPED: &[&str] = &["script", "style", "title"];

/// Elements that may appear in `head`; any other start tag ends an unclosed head.
const HEAD_CONTENT: &[&str] = &[
    "title", "meta", "link", "style", "script", "base", "noscript", "template", "head", "html",
];

/// Elements that start and end a paragraph.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "aside",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "dl",
    "table",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "form",
    "fieldset",
    "address",
    "hr",
    "details",
    "summary",
    "body",
];

/// Elements that start a new line.
const LINES: &[&str] = &["br", "li", "tr", "dt", "dd", "caption"];

/// Elements whose neighbours must not run together ("<td>a</td><td>b</td>" is "a b").
const SEPARATED: &[&str] = &["td", "th", "img", "input", "option", "label"];

/// The readable text of an HTML document.
pub fn html_to_text(html: &str) -> String {
    let mut w = Walker::new(html);
    w.run();
    w.out.finish()
}

/// The document's `<title>`, decoded and with whitespace collapsed, if it has a non-empty one.
pub fn html_title(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start
        + lower[start..]
            .find("</title")
            .unwrap_or(lower.len() - start);
    let mut out = Text::default();
    out.push(&entities::decode(&html[start..end]), false);
    let t = out.finish();
    (!t.is_empty()).then_some(t)
}

/// The output under construction: separators are held back until the next visible character,
/// so the text never starts or ends with one and the strongest pending separator wins.
#[derive(Default)]
struct Text {
    s: String,
    pending: Gap,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Gap {
    #[default]
    None,
    Space,
    Line,
    Paragraph,
}

impl Text {
    fn gap(&mut self, g: Gap) {
        self.pending = self.pending.max(g);
    }

    fn push(&mut self, text: &str, preformatted: bool) {
        for c in text.chars() {
            if preformatted && (c == '\n' || c == ' ' || c == '\t') {
                self.flush();
                self.s.push(if c == '\t' { ' ' } else { c });
            } else if c.is_whitespace() || c == '\u{ad}' {
                // A soft hyphen is an invisible break opportunity, not text.
                if c != '\u{ad}' {
                    self.gap(Gap::Space);
                }
            } else if !c.is_control() {
                self.flush();
                self.s.push(c);
            }
        }
    }

    fn flush(&mut self) {
        if !self.s.is_empty() {
            match self.pending {
                Gap::None => {}
                Gap::Space => self.s.push(' '),
                Gap::Line => self.s.push('\n'),
                Gap::Paragraph => self.s.push_str("\n\n"),
            }
        }
        self.pending = Gap::None;
    }

    fn finish(self) -> String {
        self.s.trim_end().to_owned()
    }
}

struct Walker<'a> {
    html: &'a str,
    /// ASCII-lower-cased copy: same byte offsets, case-insensitive searches.
    lower: String,
    pos: usize,
    out: Text,
    in_head: bool,
    dropped: usize,
    pre: usize,
}

/// A parsed tag.
struct Tag {
    name: String,
    closing: bool,
    self_closing: bool,
}

impl<'a> Walker<'a> {
    fn new(html: &'a str) -> Self {
        Walker {
            html,
            lower: html.to_ascii_lowercase(),
            pos: 0,
            out: Text::default(),
            in_head: false,
            dropped: 0,
            pre: 0,
        }
    }

    fn run(&mut self) {
        while self.pos < self.html.len() {
            let rest = &self.html[self.pos..];
            match rest.find('<') {
                Some(0) => {
                    if !self.markup() {
                        return;
                    }
                }
                Some(n) => self.text(self.pos + n),
                None => self.text(self.html.len()),
            }
        }
    }

    fn text(&mut self, end: usize) {
        let raw = &self.html[self.pos..end];
        self.pos = end;
        if self.in_head && !raw.trim().is_empty() {
            // Text cannot be in head: browsers end it implicitly here.
            self.in_head = false;
        }
        if self.in_head || self.dropped > 0 {
            return;
        }
        self.out.push(&entities::decode(raw), self.pre > 0);
    }

    /// Handles markup at `pos` (a `<`). Returns false when the rest of the input is consumed.
    fn markup(&mut self) -> bool {
        let lower = &self.lower[self.pos..];
        if lower.starts_with("<!--") {
            return self.skip_past(4, "-->");
        }
        if lower.starts_with("<!") || lower.starts_with("<?") {
            return self.skip_past(2, ">");
        }
        match self.tag() {
            Some((tag, end)) => {
                self.pos = end;
                self.apply(&tag)
            }
            None if self.is_tag_start() => {
                // A tag cut off by the end of input: nothing after it is text.
                self.pos = self.html.len();
                false
            }
            None => {
                // A lone '<' (e.g. "a < b") is text.
                let end = self.pos + 1;
                self.text(end);
                true
            }
        }
    }

    fn is_tag_start(&self) -> bool {
        let b = self.html.as_bytes();
        let i = self.pos + 1 + usize::from(b.get(self.pos + 1) == Some(&b'/'));
        b.get(i).is_some_and(u8::is_ascii_alphabetic)
    }

    /// Moves past the next `end` after `skip` bytes, or to the end of input.
    fn skip_past(&mut self, skip: usize, end: &str) -> bool {
        let from = (self.pos + skip).min(self.html.len());
        match self.lower[from..].find(end) {
            Some(i) => {
                self.pos = from + i + end.len();
                true
            }
            None => {
                self.pos = self.html.len();
                false
            }
        }
    }

    /// Parses the tag at `pos`: its name, kind and the offset just past its `>`.
    fn tag(&self) -> Option<(Tag, usize)> {
        if !self.is_tag_start() {
            return None;
        }
        let b = self.lower.as_bytes();
        let closing = b.get(self.pos + 1) == Some(&b'/');
        let name_start = self.pos + 1 + usize::from(closing);
        let name_len = b[name_start..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-' || **c == b':')
            .count();
        let name = self.lower[name_start..name_start + name_len].to_owned();
        // Find the closing '>' outside quoted attribute values.
        let mut quote = None;
        let mut i = name_start + name_len;
        while let Some(&c) = b.get(i) {
            match (quote, c) {
                (Some(q), _) if c == q => quote = None,
                (Some(_), _) => {}
                (None, b'"' | b'\'') => quote = Some(c),
                (None, b'>') => {
                    let self_closing = i > 0 && b[i - 1] == b'/';
                    let tag = Tag {
                        name,
                        closing,
                        self_closing,
                    };
                    return Some((tag, i + 1));
                }
                _ => {}
            }
            i += 1;
        }
        None
    }

    fn apply(&mut self, tag: &Tag) -> bool {
        let name = tag.name.as_str();
        if tag.closing {
            self.close(name);
            return true;
        }
        if self.in_head && !HEAD_CONTENT.contains(&name) {
            self.in_head = false;
        }
        match name {
            "head" => self.in_head = true,
            "body" => self.in_head = false,
            _ => {}
        }
        if RAW_SKIPPED.contains(&name) && !tag.self_closing {
            let end = format!("</{name}");
            return self.skip_past(0, &end) && self.skip_past(0, ">");
        }
        if DROPPED.contains(&name) && !tag.self_closing {
            self.dropped += 1;
        }
        if name == "pre" {
            self.pre += 1;
        }
        self.separate(name, true);
        true
    }

    fn close(&mut self, name: &str) {
        if name == "head" {
            self.in_head = false;
        }
        if DROPPED.contains(&name) {
            self.dropped = self.dropped.saturating_sub(1);
        }
        if name == "pre" {
            self.pre = self.pre.saturating_sub(1);
        }
        self.separate(name, false);
    }

    fn separate(&mut self, name: &str, opening: bool) {
        if BLOCKS.contains(&name) {
            self.out.gap(Gap::Paragraph);
        } else if LINES.contains(&name) {
            self.out.gap(Gap::Line);
            if name == "li" && opening && self.dropped == 0 && !self.in_head {
                self.out.flush();
                self.out.s.push_str("- ");
            }
        } else if SEPARATED.contains(&name) {
            self.out.gap(Gap::Space);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_text_and_paragraphs() {
        let html = "<!DOCTYPE html><html><head><title>Acme &amp; Co</title>\
            <style>p { color: red }</style><script>var x = '<p>no</p>';</script></head>\
            <body><nav><a href='/'>Home</a> <a href='/about'>About</a></nav>\
            <h1>Pricing</h1><p>The  Starter\n plan costs <b>49&nbsp;&euro;</b>.</p>\
            <p>Enterprise&mdash;call us.<br>Mon&ndash;Fri</p><!-- <p>hidden</p> -->\
            <ul><li>SSO</li><li>SLA</li></ul></body></html>";
        assert_eq!(
            html_to_text(html),
            "Pricing\n\nThe Starter plan costs 49\u{a0}€.\n\nEnterprise—call us.\nMon–Fri\n\n- SSO\n- SLA"
                .replace('\u{a0}', " ")
        );
        assert_eq!(html_title(html).as_deref(), Some("Acme & Co"));
    }

    #[test]
    fn malformed_markup_is_text_or_ends_the_document() {
        assert_eq!(html_to_text("a < b and c > d"), "a < b and c > d");
        assert_eq!(
            html_to_text("before <a href=\"x>y\">link</a> after"),
            "before link after"
        );
        assert_eq!(html_to_text("text <p unterminated"), "text");
        assert_eq!(html_to_text("<script>never closed"), "");
        assert_eq!(html_to_text("x<!-- open comment"), "x");
        assert_eq!(html_to_text("</nav></nav>still here"), "still here");
        assert_eq!(html_to_text("<SCRIPT>x</ScRiPt>Shown"), "Shown");
        assert_eq!(html_to_text(""), "");
        assert_eq!(html_title("<p>no title</p>"), None);
    }

    #[test]
    fn head_without_end_tag_and_tables() {
        let html = "<head><meta charset=utf-8><title>T</title><p>Body text\
            <table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>";
        assert_eq!(html_to_text(html), "Body text\n\na b\nc");
    }

    #[test]
    fn pre_keeps_whitespace() {
        let html = "<p>Steps:</p><pre>1. dial\n   2. wait</pre><p>done</p>";
        assert_eq!(html_to_text(html), "Steps:\n\n1. dial\n   2. wait\n\ndone");
    }
}
