//! Plain text from the documents managers give the knowledge base: PDFs ([`pdf`], isolated
//! from the server because the extractor is fragile), HTML pages ([`html`], a small linear
//! HTML-to-text pass of our own) and web pages fetched by URL ([`fetch`]).
//!
//! Invariant: no input makes these functions panic, hang the caller or take the process
//! down; bad input is an error value the HTTP layer turns into a 422.

mod charset;
mod entities;
pub mod fetch;
pub mod html;
pub mod pdf;
mod pdfcheck;

pub use charset::decode_page;
pub use html::{html_title, html_to_text};

/// Fuzz entry point for the text paths that take untrusted bytes synchronously (charset
/// detection, HTML to text, title). Normal tests run it over fixtures and random bytes.
pub fn fuzz_entry(data: &[u8]) {
    let text = decode_page(data, None);
    let _ = html_to_text(&text);
    let _ = html_title(&text);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// xorshift64*: reproducible pseudo-random bytes without a dependency.
    fn bytes(seed: &mut u64, n: usize) -> Vec<u8> {
        (0..n)
            .map(|_| {
                *seed ^= *seed >> 12;
                *seed ^= *seed << 25;
                *seed ^= *seed >> 27;
                (seed.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
            })
            .collect()
    }

    #[test]
    fn fuzz_entry_survives_random_and_markup_heavy_input() {
        let mut seed = 0x5EED_u64;
        let alphabet = b"<>/!-?&#;=\"' abcdefghilmnoprstvxy\n";
        for i in 0..3000 {
            let raw = bytes(&mut seed, 1 + i % 300);
            fuzz_entry(&raw);
            // The same bytes mapped onto markup characters reach the tag and reference paths.
            let markup: Vec<u8> = raw
                .iter()
                .map(|b| alphabet[usize::from(*b) % alphabet.len()])
                .collect();
            fuzz_entry(&markup);
        }
    }
}
