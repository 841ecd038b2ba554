//! Object ids: a short type prefix and a 26-character time-ordered body (48-bit millisecond
//! timestamp + 80 random bits, Crockford base32, like ULID). Ordering ids orders objects by
//! creation, so cursor pagination is "id greater than the cursor".
//!
//! Within one process ids are strictly increasing even within one millisecond (the random part
//! is incremented), so a page boundary never skips an object created in the same millisecond.

use std::sync::Mutex;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The last id body handed out: (millisecond, 80-bit random part).
static LAST: Mutex<(u64, u128)> = Mutex::new((0, 0));

/// A new id `"{prefix}_{26 chars}"` for time `now_ms` (milliseconds since the Unix epoch).
pub fn new_id(prefix: &str, now_ms: i64) -> String {
    let ms = u64::try_from(now_ms).unwrap_or(0) & ((1 << 48) - 1);
    let (ms, rand) = {
        let mut last = LAST.lock().unwrap_or_else(|p| p.into_inner());
        let next = if ms <= last.0 {
            // Same (or an earlier, clock went back) millisecond: keep the order by counting up.
            (last.0, (last.1 + 1) & ((1 << 80) - 1))
        } else {
            (ms, random80())
        };
        *last = next;
        next
    };
    let value = (u128::from(ms) << 80) | rand;
    let mut out = String::with_capacity(prefix.len() + 27);
    out.push_str(prefix);
    out.push('_');
    for i in (0..26).rev() {
        let idx = ((value >> (i * 5)) & 31) as usize;
        out.push(char::from(ALPHABET[idx]));
    }
    out
}

fn random80() -> u128 {
    let mut b = [0u8; 10];
    // getrandom only fails when the OS has no entropy source at all; a time-ordered id with a
    // zero random part is still unique within this process thanks to the counter above.
    let _ = getrandom::fill(&mut b);
    b.iter().fold(0u128, |acc, &x| (acc << 8) | u128::from(x))
}

/// Whether `s` looks like an id of this kind (used to reject junk cursors and path ids early).
pub fn is_valid(prefix: &str, s: &str) -> bool {
    let Some(body) = s.strip_prefix(prefix).and_then(|r| r.strip_prefix('_')) else {
        return false;
    };
    body.len() == 26 && body.bytes().all(|c| ALPHABET.contains(&c))
}

/// A random secret of `n` bytes, hex-encoded (API tokens, per-call tokens).
pub fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    let _ = getrandom::fill(&mut b);
    hex(&b)
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(H[usize::from(b >> 4)]));
        s.push(char::from(H[usize::from(b & 15)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_ordered_and_valid() {
        let a = new_id("call", 1_700_000_000_000);
        let b = new_id("call", 1_700_000_000_000);
        let c = new_id("call", 1_700_000_000_001);
        assert!(a < b && b < c, "{a} {b} {c}");
        assert!(is_valid("call", &a));
        assert!(!is_valid("org", &a));
        assert!(!is_valid("call", "call_short"));
        assert!(!is_valid("call", "call_IIIIIIIIIIIIIIIIIIIIIIIIII"));
        assert_eq!(hex(&[0, 255, 16]), "00ff10");
    }
}
