//! Phone numbers in E.164, read the way libphonenumber reads them, with a smaller rule set.
//!
//! [`normalize`] takes what people type into a CRM ("+1 (415) 555-0134", "415.555.0134" with
//! region US, "0044 20 7946 0958", "+44 (0)20 7946 0958", "tel:+1-415-555-0134", with or
//! without an extension) and returns the [`E164`] number or a precise [`PhoneError`].
//!
//! The rules, in order (libphonenumber's `parse` + `isPossibleNumber`, simplified):
//! 1. Clean: a `tel:` scheme, an extension and separators go; letters and other symbols are
//!    refused (no vanity numbers: "1-800-FLOWERS" is an error, not a guess).
//! 2. Country code: after a leading `+`, or after an international prefix of the default
//!    region ("00" everywhere, plus the region's own such as "011" or "0011"), the longest
//!    known calling code of 1-3 digits. Otherwise the number is national in the default
//!    region, unless it starts with the region's calling code and reads better without it.
//!    "Reads better" is libphonenumber's test: the region's general national-number pattern.
//! 3. Trunk prefix: the country's national prefix ("0", "1", "8") is dropped unless only the
//!    number with it matches the general pattern, and kept when what remains is too short
//!    ("+44 (0)20 ..." is +44 20 ...). It is dropped repeatedly so that a normalized number is
//!    a fixed point of `normalize`.
//! 4. Length: the national significant number must have one of the country's possible
//!    lengths (libphonenumber's general lengths; local-only lengths are too short to dial).
//!
//! Deliberately not modelled: libphonenumber's regex-based national prefixes (Argentina's
//! mobile "15", Brazil's carrier codes, the Caribbean's 7-digit local numbers), per-type
//! patterns (a possible number is not checked to be assigned), and non-ASCII digits.
//! `scripts/gen-phone-data.py` computes test vectors with Python's `phonenumbers`; the tests
//! check that we agree with it on all of them except the documented policy differences.

mod clean;
mod data;
mod tz;

use std::fmt;

pub use tz::{ZoneChoice, ZoneSource, is_known_zone, time_zones, zone_for_number};

/// Shortest national significant number libphonenumber accepts at all.
const MIN_NSN: usize = 2;
/// Longest national significant number (ITU-T E.164 allows 15 digits in all; libphonenumber
/// tolerates up to 17 after the country code before checking the country's lengths).
const MAX_NSN: usize = 17;

/// Why a text is not a phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("no digits")]
    Empty,
    #[error("letters are not allowed in a phone number")]
    Letters,
    #[error("the character {0:?} is not allowed in a phone number")]
    InvalidCharacter(char),
    #[error("'+' may only start a number")]
    MisplacedPlus,
    #[error("unknown default region {0:?}: write the number with + and its country code")]
    UnknownRegion(String),
    #[error("unknown country calling code")]
    InvalidCountryCode,
    #[error("too short: {digits} digits where at least {min} are needed")]
    TooShort { digits: usize, min: usize },
    #[error("too long: {digits} digits where at most {max} are possible")]
    TooLong { digits: usize, max: usize },
    #[error("+{country_code} numbers have {allowed} digits after the country code, not {digits}")]
    InvalidLength {
        country_code: u16,
        digits: usize,
        allowed: String,
    },
}

/// A phone number in E.164 form: `+`, the country calling code, the national significant
/// number; at most 1 + 3 + 17 characters. Only [`normalize`] makes one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164 {
    text: String,
    cc_len: u8,
}

impl E164 {
    /// "+442079460958".
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn into_string(self) -> String {
        self.text
    }

    /// The digits without the `+`.
    pub fn digits(&self) -> &str {
        self.text.get(1..).unwrap_or("")
    }

    /// 44 for "+442079460958".
    pub fn country_code(&self) -> u16 {
        self.digits()
            .get(..usize::from(self.cc_len))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }

    /// "2079460958" for "+442079460958".
    pub fn national_number(&self) -> &str {
        self.digits().get(usize::from(self.cc_len)..).unwrap_or("")
    }

    /// The regions (ISO 3166-1 alpha-2, or "001" for non-geographic services) that share this
    /// number's calling code, the main one first.
    pub fn regions(&self) -> &'static [&'static str] {
        data::tables()
            .countries
            .get(&self.country_code())
            .map_or(&[], |c| c.regions.as_slice())
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl AsRef<str> for E164 {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl std::str::FromStr for E164 {
    type Err = PhoneError;

    /// Reads an international number ("+..."); national numbers need [`normalize`] and a region.
    fn from_str(s: &str) -> Result<E164, PhoneError> {
        normalize(s, "")
    }
}

/// Reads `input` as a phone number; national numbers are read as numbers of `default_region`
/// (ISO 3166-1 alpha-2, case-insensitive).
pub fn normalize(input: &str, default_region: &str) -> Result<E164, PhoneError> {
    let cleaned = clean::clean(input)?;
    let t = data::tables();
    let region = t.regions.get(default_region.to_ascii_uppercase().as_str());
    let (cc, national) = if cleaned.plus {
        let (cc, rest) = split_country_code(&cleaned.digits)?;
        (cc, rest.to_owned())
    } else {
        let region = region.ok_or_else(|| PhoneError::UnknownRegion(default_region.to_owned()))?;
        match strip_idd(&cleaned.digits, &region.idd) {
            Some(rest) => {
                let (cc, rest) = split_country_code(rest)?;
                (cc, rest.to_owned())
            }
            None => national_in_region(region, &cleaned.digits),
        }
    };
    let country = t.countries.get(&cc).ok_or(PhoneError::InvalidCountryCode)?;
    // Like libphonenumber: a number of the default region's calling code is read by that
    // region's rules, any other by its calling code's main region.
    let (prefix, rules) = match region {
        Some(r) if r.cc == cc => (r.national_prefix, &r.rules),
        _ => (country.national_prefix, &country.rules),
    };
    let mut nsn = national.as_str();
    loop {
        let stripped = strip_national_prefix(nsn, prefix, rules);
        if stripped.len() == nsn.len() || !keeps_stripped(rules, stripped.len()) {
            break;
        }
        nsn = stripped;
    }
    check_length(cc, &country.rules, nsn)?;
    Ok(E164 {
        text: format!("+{cc}{nsn}"),
        cc_len: u8::try_from(cc.to_string().len()).unwrap_or(0),
    })
}

/// The calling code at the start of `digits` (after `+` or an international prefix).
fn split_country_code(digits: &str) -> Result<(u16, &str), PhoneError> {
    if digits.len() <= MIN_NSN {
        return Err(PhoneError::TooShort {
            digits: digits.len(),
            min: MIN_NSN + 1,
        });
    }
    if digits.starts_with('0') {
        return Err(PhoneError::InvalidCountryCode);
    }
    let countries = &data::tables().countries;
    // Calling codes are prefix-free, so the first match is the only one.
    for n in 1..=3 {
        let Some(cc) = digits.get(..n).and_then(|p| p.parse::<u16>().ok()) else {
            break;
        };
        if countries.contains_key(&cc) {
            return Ok((cc, &digits[n..]));
        }
    }
    Err(PhoneError::InvalidCountryCode)
}

/// `digits` after an international prefix, if it starts with one. A prefix followed by 0 is
/// not one (calling codes never start with 0): "0011..." in the US is a national number.
fn strip_idd<'a>(digits: &'a str, idd: &[&str]) -> Option<&'a str> {
    idd.iter()
        .filter_map(|p| digits.strip_prefix(p))
        .find(|rest| !rest.starts_with('0'))
}

/// A national-format number in `region`: its calling code and national number. A number that
/// starts with the region's own calling code without `+` ("14155550134" in the US) loses it
/// when the rest reads as a national number and the whole does not, or the whole is too long.
fn national_in_region(region: &data::Region, digits: &str) -> (u16, String) {
    let cc = region.cc;
    if let Some(rest) = digits.strip_prefix(cc.to_string().as_str()) {
        let rules = &region.rules;
        let potential = strip_national_prefix(rest, region.national_prefix, rules);
        let too_long = digits.len() > rules.max_len();
        if (!rules.viable(digits) && rules.viable(potential)) || too_long {
            return (cc, potential.to_owned());
        }
    }
    (cc, digits.to_owned())
}

/// `number` without the trunk `prefix`, unless only the unstripped number reads as a
/// national number.
fn strip_national_prefix<'a>(number: &'a str, prefix: &str, rules: &data::Rules) -> &'a str {
    match number.strip_prefix(prefix) {
        Some(rest) if !prefix.is_empty() => {
            if rules.viable(number) && !rules.viable(rest) {
                number
            } else {
                rest
            }
        }
        _ => number,
    }
}

/// Whether a number with the trunk prefix stripped is kept: its length is possible, or too
/// long (the length check then says so); a too short remainder means the prefix was digits.
fn keeps_stripped(rules: &data::Rules, len: usize) -> bool {
    rules.possible(len) || len > rules.max_len()
}

fn check_length(cc: u16, country: &data::Rules, nsn: &str) -> Result<(), PhoneError> {
    let digits = nsn.len();
    if digits < MIN_NSN.max(country.min_len()) {
        return Err(PhoneError::TooShort {
            digits,
            min: MIN_NSN.max(country.min_len()),
        });
    }
    let max = MAX_NSN.min(country.max_len());
    if digits > max {
        return Err(PhoneError::TooLong { digits, max });
    }
    if !country.possible(digits) {
        return Err(PhoneError::InvalidLength {
            country_code: cc,
            digits,
            allowed: country.lengths_text(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
