//! The examples people type, and every error variant.

use super::*;

fn e164(input: &str, region: &str) -> String {
    normalize(input, region)
        .unwrap_or_else(|e| panic!("{input:?} in {region}: {e}"))
        .into_string()
}

#[test]
fn reads_what_people_type() {
    assert_eq!(e164("+1 (415) 555-0134", "US"), "+14155550134");
    assert_eq!(e164("415.555.0134", "US"), "+14155550134");
    assert_eq!(e164("415.555.0134", "us"), "+14155550134");
    assert_eq!(e164("1-415-555-0134", "US"), "+14155550134");
    assert_eq!(e164("0044 20 7946 0958", "GB"), "+442079460958");
    assert_eq!(e164("0044 20 7946 0958", "US"), "+442079460958");
    assert_eq!(e164("011 44 20 7946 0958", "US"), "+442079460958");
    assert_eq!(e164("+44 (0)20 7946 0958", "US"), "+442079460958");
    assert_eq!(e164("020 7946 0958", "GB"), "+442079460958");
    assert_eq!(e164("tel:+1-415-555-0134", "DE"), "+14155550134");
    assert_eq!(e164("+1 415 555 0134 x123", "US"), "+14155550134");
    assert_eq!(e164("+1 415 555 0134 ext. 123", "US"), "+14155550134");
    assert_eq!(e164("030 1234567", "DE"), "+49301234567");
    assert_eq!(e164("8 (495) 123-45-67", "RU"), "+74951234567");
    // Italy keeps its leading zero: it has no trunk prefix.
    assert_eq!(e164("06 6982 1234", "IT"), "+390669821234");
    assert_eq!(e164("+800 1234 5678", "US"), "+80012345678");
}

#[test]
fn parts_of_a_number() {
    let n = normalize("+44 20 7946 0958", "US").unwrap();
    assert_eq!(n.country_code(), 44);
    assert_eq!(n.national_number(), "2079460958");
    assert_eq!(n.digits(), "442079460958");
    assert_eq!(n.regions()[0], "GB");
    assert_eq!(n.to_string(), "+442079460958");
    assert_eq!("+442079460958".parse::<E164>(), Ok(n));
    let n = normalize("+1 242 555 0100", "US").unwrap();
    assert_eq!((n.country_code(), n.national_number()), (1, "2425550100"));
    assert!(n.regions().contains(&"BS"));
}

#[test]
fn precise_errors() {
    use PhoneError::*;
    let err = |s: &str, r: &str| normalize(s, r).unwrap_err();
    assert_eq!(err("", "US"), Empty);
    assert_eq!(err("1-800-FLOWERS", "US"), Letters);
    assert_eq!(err("415 555 0134!", "US"), InvalidCharacter('!'));
    assert_eq!(err("415+555", "US"), MisplacedPlus);
    assert_eq!(err("4155550134", "ZZ"), UnknownRegion("ZZ".into()));
    assert_eq!(err("4155550134", ""), UnknownRegion(String::new()));
    assert_eq!(err("+999 1234 5678", "US"), InvalidCountryCode);
    assert_eq!(err("+0 123 456", "US"), InvalidCountryCode);
    assert_eq!(err("+1", "US"), TooShort { digits: 1, min: 3 });
    assert_eq!(err("555-0134", "US"), TooShort { digits: 7, min: 10 });
    assert_eq!(
        err("+1 415 555 01345", "US"),
        TooLong {
            digits: 11,
            max: 10
        }
    );
    assert_eq!(
        err("+44 20 7946 09", "US"),
        InvalidLength {
            country_code: 44,
            digits: 8,
            allowed: "7, 9-10".into()
        }
    );
    assert_eq!(
        err("+1 415 555 01345", "US").to_string(),
        "too long: 11 digits where at most 10 are possible"
    );
}

#[test]
fn zones_for_numbers() {
    let zones = |s: &str| time_zones(&normalize(s, "US").unwrap());
    assert_eq!(zones("+1 212 555 0100"), ["America/New_York"]);
    assert_eq!(zones("+1 415 555 0100"), ["America/Los_Angeles"]);
    assert_eq!(zones("+1 312 555 0100"), ["America/Chicago"]);
    assert_eq!(zones("+1 808 555 0100"), ["Pacific/Honolulu"]);
    assert_eq!(zones("+33 1 23 45 67 89"), ["Europe/Paris"]);
    assert_eq!(zones("+49 30 1234567"), ["Europe/Berlin"]);
    assert!(zones("+800 1234 5678").is_empty());
    assert!(zones("+1 208 555 0100").len() > 1, "Idaho spans zones");

    let n = normalize("+1 212 555 0100", "US").unwrap();
    let c = zone_for_number(&n, "Europe/Berlin");
    assert_eq!(
        (c.zone.as_str(), c.source),
        ("America/New_York", ZoneSource::Number)
    );
    assert!(!c.ambiguous());
    let idaho = normalize("+1 208 555 0100", "US").unwrap();
    let c = zone_for_number(&idaho, "America/Denver");
    assert_eq!(c.zone, "America/Denver");
    assert!(c.ambiguous());
    let c = zone_for_number(&idaho, "Europe/Berlin");
    assert_eq!(c.zone, time_zones(&idaho)[0]);
    let c = zone_for_number(&normalize("+800 1234 5678", "US").unwrap(), "Europe/Berlin");
    assert_eq!(
        (c.zone.as_str(), c.source),
        ("Europe/Berlin", ZoneSource::Org)
    );
    assert!(is_known_zone("Europe/Berlin") && is_known_zone("UTC"));
    assert!(!is_known_zone("Mars/Olympus") && !is_known_zone(""));
}
