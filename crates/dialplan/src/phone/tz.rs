//! Which IANA time zones a number may ring in: libphonenumber's prefix -> zones map, folded
//! to NANP area codes and to country code + two digits elsewhere (a folded prefix answers the
//! union of the zones under it). Lookup is by the longest matching prefix.

use super::E164;
use super::data::tables;

/// The IANA zones `number` may be in, sorted by name; empty when the data has none (e.g.
/// non-geographic +800 numbers).
pub fn time_zones(number: &E164) -> &'static [&'static str] {
    let t = tables();
    let digits = number.digits();
    (1..=digits.len().min(t.longest_tz_prefix))
        .rev()
        .find_map(|n| t.time_zones.get(&digits[..n]))
        .map_or(&[], Vec::as_slice)
}

/// Whether `name` is an IANA time zone name ("Europe/Berlin", "UTC").
pub fn is_known_zone(name: &str) -> bool {
    tables().zones.contains(name)
}

/// Where a lead's zone came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneSource {
    /// Derived from the number.
    Number,
    /// The number says nothing: the organization's zone.
    Org,
}

/// The zone picked for a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneChoice {
    pub zone: String,
    pub source: ZoneSource,
    /// Every zone the number may be in; more than one means the pick is a guess.
    pub candidates: &'static [&'static str],
}

impl ZoneChoice {
    /// Whether the number spans several zones (the caller should say which was picked).
    pub fn ambiguous(&self) -> bool {
        self.candidates.len() > 1
    }
}

/// The zone to call `number` in: its only zone; among several, `org_zone` if it is one of
/// them (a team mostly calls its own region), else the first; with none, `org_zone`.
pub fn zone_for_number(number: &E164, org_zone: &str) -> ZoneChoice {
    let candidates = time_zones(number);
    let (zone, source) = match candidates {
        [] => (org_zone, ZoneSource::Org),
        [only] => (*only, ZoneSource::Number),
        several => (
            several
                .iter()
                .find(|z| **z == org_zone)
                .copied()
                .unwrap_or(several[0]),
            ZoneSource::Number,
        ),
    };
    ZoneChoice {
        zone: zone.to_owned(),
        source,
        candidates,
    }
}
