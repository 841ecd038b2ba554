//! The sixteen DTMF keys: their ITU-T Q.23 frequency pairs, characters and RFC 4733 event
//! codes.
//!
//! Invariant: `ALL[event_code]` is the digit of that event code, and the keypad row/column of
//! a digit gives its (low, high) frequency pair.

/// Low ("row") group frequencies in Hz, ITU-T Q.23.
pub const ROW_HZ: [f32; 4] = [697.0, 770.0, 852.0, 941.0];
/// High ("column") group frequencies in Hz, ITU-T Q.23.
pub const COL_HZ: [f32; 4] = [1209.0, 1336.0, 1477.0, 1633.0];

/// A DTMF key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DtmfDigit {
    Zero,
    One,
    Two,
    Three,
    Four,
    Five,
    Six,
    Seven,
    Eight,
    Nine,
    Star,
    Pound,
    A,
    B,
    C,
    D,
}

/// The keypad, rows by low frequency, columns by high frequency (Q.23 figure 1).
const KEYPAD: [[DtmfDigit; 4]; 4] = {
    use DtmfDigit::*;
    [
        [One, Two, Three, A],
        [Four, Five, Six, B],
        [Seven, Eight, Nine, C],
        [Star, Zero, Pound, D],
    ]
};

impl DtmfDigit {
    /// All keys in RFC 4733 event-code order (0-9, *, #, A-D).
    pub const ALL: [DtmfDigit; 16] = {
        use DtmfDigit::*;
        [
            Zero, One, Two, Three, Four, Five, Six, Seven, Eight, Nine, Star, Pound, A, B, C, D,
        ]
    };

    /// RFC 4733 §3.2 event code: 0-9 for the digits, 10 `*`, 11 `#`, 12-15 `A`-`D`.
    pub const fn event_code(self) -> u8 {
        self as u8
    }

    /// The digit of an RFC 4733 event code (`None` above 15: not a DTMF event).
    pub fn from_event_code(code: u8) -> Option<Self> {
        Self::ALL.get(usize::from(code)).copied()
    }

    /// `0`-`9`, `*`, `#`, `A`-`D`.
    pub const fn to_char(self) -> char {
        match self {
            Self::Star => '*',
            Self::Pound => '#',
            Self::A => 'A',
            Self::B => 'B',
            Self::C => 'C',
            Self::D => 'D',
            // Zero..=Nine are event codes 0-9.
            d => (b'0' + d as u8) as char,
        }
    }

    /// The key for a character (`a`-`d` accepted as well).
    pub fn from_char(c: char) -> Option<Self> {
        match c {
            '0'..='9' => Self::from_event_code(c as u8 - b'0'),
            '*' => Some(Self::Star),
            '#' => Some(Self::Pound),
            'A' | 'a' => Some(Self::A),
            'B' | 'b' => Some(Self::B),
            'C' | 'c' => Some(Self::C),
            'D' | 'd' => Some(Self::D),
            _ => None,
        }
    }

    /// Keypad (row, column): indices into [`ROW_HZ`] and [`COL_HZ`].
    pub fn position(self) -> (usize, usize) {
        for (r, row) in KEYPAD.iter().enumerate() {
            if let Some(c) = row.iter().position(|&d| d == self) {
                return (r, c);
            }
        }
        // Every digit is on the keypad (tested); unreachable.
        (0, 0)
    }

    /// The key at keypad (row, column), if both are below 4.
    pub fn at(row: usize, col: usize) -> Option<Self> {
        KEYPAD.get(row)?.get(col).copied()
    }

    /// (low, high) tone frequencies in Hz.
    pub fn frequencies(self) -> (f32, f32) {
        let (r, c) = self.position();
        (ROW_HZ[r], COL_HZ[c])
    }
}

impl std::fmt::Display for DtmfDigit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.to_char())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_chars_and_keypad_round_trip() {
        let chars = "0123456789*#ABCD";
        for (code, (digit, ch)) in DtmfDigit::ALL.iter().zip(chars.chars()).enumerate() {
            assert_eq!(usize::from(digit.event_code()), code);
            assert_eq!(DtmfDigit::from_event_code(code as u8), Some(*digit));
            assert_eq!(digit.to_char(), ch);
            assert_eq!(DtmfDigit::from_char(ch), Some(*digit));
            assert_eq!(DtmfDigit::from_char(ch.to_ascii_lowercase()), Some(*digit));
            let (r, c) = digit.position();
            assert_eq!(DtmfDigit::at(r, c), Some(*digit));
        }
        assert_eq!(DtmfDigit::from_event_code(16), None);
        assert_eq!(DtmfDigit::from_char('e'), None);
        assert_eq!(DtmfDigit::at(4, 0), None);
        assert_eq!(DtmfDigit::Five.frequencies(), (770.0, 1336.0));
        assert_eq!(DtmfDigit::Pound.frequencies(), (941.0, 1477.0));
        assert_eq!(DtmfDigit::D.frequencies(), (941.0, 1633.0));
        assert_eq!(DtmfDigit::Star.to_string(), "*");
    }
}
