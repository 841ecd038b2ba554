//! Normalization and time zones against vectors computed by Python's `phonenumbers`
//! (libphonenumber) with `scripts/gen-phone-data.py`, plus no-panic and round-trip properties.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use callbridge_dialplan::phone::{PhoneError, normalize, time_zones};
use proptest::prelude::*;

const PHONE_VECTORS: &str = include_str!("fixtures/phone_vectors.tsv");
const TZ_VECTORS: &str = include_str!("fixtures/tz_vectors.tsv");

fn rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').collect())
}

/// Our error in the vectors' vocabulary.
fn kind(e: &PhoneError) -> &'static str {
    match e {
        PhoneError::Empty => "empty",
        PhoneError::Letters => "letters",
        PhoneError::InvalidCharacter(_) => "invalid_character",
        PhoneError::MisplacedPlus => "misplaced_plus",
        PhoneError::UnknownRegion(_) => "unknown_region",
        PhoneError::InvalidCountryCode => "invalid_country_code",
        PhoneError::TooShort { .. } => "too_short",
        PhoneError::TooLong { .. } => "too_long",
        PhoneError::InvalidLength { .. } => "invalid_length",
    }
}

fn agrees(got: &Result<String, &'static str>, expected: &str) -> bool {
    match (got, expected.strip_prefix("error:")) {
        (Ok(e164), None) => e164 == expected,
        // phonenumbers' NOT_A_NUMBER covers everything that is no number at all.
        (Err(k), Some("not_a_number")) => {
            ["empty", "letters", "invalid_character", "too_short"].contains(k)
        }
        (Err(k), Some(want)) => *k == want,
        _ => false,
    }
}

#[test]
fn normalization_agrees_with_phonenumbers() {
    let (mut total, mut oracle, mut failures) = (0, 0, Vec::new());
    let mut regions = BTreeSet::new();
    let mut countries = BTreeSet::new();
    for f in rows(PHONE_VECTORS) {
        let [input, region, expected, source, _note] = f[..] else {
            panic!("bad vector line {f:?}");
        };
        total += 1;
        oracle += usize::from(source == "phonenumbers");
        regions.insert(region);
        let got = normalize(input, region).map(|n| n.into_string());
        if let Ok(n) = &got {
            countries.insert(normalize(n, "").unwrap().country_code());
        }
        let got = got.map_err(|e| kind(&e));
        if !agrees(&got, expected) {
            failures.push(format!(
                "{input:?} in {region}: got {got:?}, want {expected}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(oracle >= 1500, "{oracle} vectors from phonenumbers");
    assert!(
        regions.len() >= 20 && countries.len() >= 20,
        "{regions:?} {countries:?}"
    );
}

#[test]
fn time_zones_agree_with_phonenumbers() {
    let (mut exact, mut superset) = (0, 0);
    for f in rows(TZ_VECTORS) {
        let [number, zones, kind] = f[..] else {
            panic!("bad vector line {f:?}");
        };
        let theirs: BTreeSet<&str> = zones.split('|').filter(|z| !z.is_empty()).collect();
        let n = normalize(number, "").unwrap();
        let ours: BTreeSet<&str> = time_zones(&n).iter().copied().collect();
        match kind {
            "exact" => {
                exact += 1;
                assert_eq!(ours, theirs, "{number}");
            }
            _ => {
                superset += 1;
                assert!(
                    ours.is_superset(&theirs),
                    "{number}: {ours:?} vs {theirs:?}"
                );
            }
        }
    }
    // Every NANP area code is in the vectors; only a few dozen straddle zones.
    assert!(
        exact > 800 && superset < 50,
        "{exact} exact, {superset} superset"
    );
}

#[test]
fn random_bytes_never_panic() {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let alphabet: Vec<char> = "0123456789+-.() /#xXextEXT:;tel,\u{a0}\u{2013}é４a!*"
        .chars()
        .collect();
    for _ in 0..50_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let len = (x % 40) as usize;
        let s: String = (0..len)
            .map(|i| alphabet[((x >> (i % 50)) as usize + i * 7) % alphabet.len()])
            .collect();
        for region in ["US", "GB", "DE", "IT", "", "??"] {
            if let Ok(n) = normalize(&s, region) {
                assert_eq!(normalize(n.as_str(), "").unwrap(), n, "{s:?}");
            }
        }
    }
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,40}", region in "[A-Z]{0,3}") {
        let _ = normalize(&s, &region);
    }

    #[test]
    fn normalized_numbers_are_fixed_points(
        prefix in prop::sample::select(vec!["+", "00", "011", "0", "", "+1", "+44 (0)", "tel:+"]),
        digits in "[0-9]{1,18}",
        sep in prop::sample::select(vec!["", " ", "-", "."]),
        region in prop::sample::select(vec!["US", "GB", "DE", "FR", "AU", "JP", "RU", "IT", "BR"]),
    ) {
        let spaced: String = digits
            .chars()
            .enumerate()
            .flat_map(|(i, c)| (i % 3 == 2).then_some(sep).into_iter().flat_map(str::chars).chain([c]))
            .collect();
        if let Ok(n) = normalize(&format!("{prefix}{spaced}"), region) {
            prop_assert_eq!(&normalize(n.as_str(), region).unwrap(), &n);
            prop_assert_eq!(&normalize(n.as_str(), "").unwrap(), &n);
            prop_assert!(n.as_str().len() <= 1 + 3 + 17);
            prop_assert!(!time_zones(&n).iter().any(|z| z.is_empty()));
        }
    }
}
