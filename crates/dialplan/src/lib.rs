//! callbridge's pure dialplan core (Layer 0: no I/O, no clock, no async).
//!
//! [`phone`] reads phone numbers as people type them ("+44 (0)20 7946 0958", "415.555.0134",
//! "tel:+1-415-555-0134;ext=12") into E.164 and says which IANA time zones a number may be in,
//! from libphonenumber's metadata compiled into compact tables (see `data/` and
//! `scripts/gen-phone-data.py`). Invariants: no input, however malformed, panics; a normalized
//! number normalizes to itself.

pub mod phone;
