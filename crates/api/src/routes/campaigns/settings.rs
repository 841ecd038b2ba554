//! Semantic checks on a campaign's settings (serde has already checked the shape), each a 422
//! naming the field by its path, e.g. `settings.calling_window.start`.

use callbridge_dialplan::phone;
use callbridge_store::campaigns::{CampaignSettings, VoicemailAction};

use crate::error::{ApiResult, AppError};
use crate::validate;

/// Validates and tidies `s` (trims texts, sorts and dedups days, writes the caller id as
/// E.164 using `region` for a national-format number).
pub fn check(mut s: CampaignSettings, region: &str) -> ApiResult<CampaignSettings> {
    let w = &mut s.calling_window;
    let start = hhmm(&w.start).ok_or_else(|| bad_time("settings.calling_window.start"))?;
    let end = hhmm(&w.end).ok_or_else(|| bad_time("settings.calling_window.end"))?;
    if start >= end {
        return Err(AppError::invalid(
            "settings.calling_window.end",
            "must be after start (windows do not cross midnight)",
        ));
    }
    w.days.sort();
    w.days.dedup();
    if w.days.is_empty() {
        return Err(AppError::invalid(
            "settings.calling_window.days",
            "name at least one day",
        ));
    }
    range("settings.max_attempts", s.max_attempts, 1..=20)?;
    range(
        "settings.retry_delay_minutes",
        s.retry_delay_minutes,
        1..=43_200,
    )?;
    range(
        "settings.pacing.calls_per_minute",
        s.pacing.calls_per_minute,
        1..=600,
    )?;
    range(
        "settings.pacing.max_concurrent",
        s.pacing.max_concurrent,
        1..=500,
    )?;
    s.caller_id = phone::normalize(&s.caller_id, region)
        .map_err(|e| AppError::invalid("settings.caller_id", e.to_string()))?
        .into_string();
    s.ai_disclosure = validate::text("settings.ai_disclosure", &s.ai_disclosure, 1000)?;
    match (s.voicemail.action, s.voicemail.message.take()) {
        (VoicemailAction::LeaveMessage, Some(m)) => {
            s.voicemail.message = Some(validate::text("settings.voicemail.message", &m, 2000)?);
        }
        (VoicemailAction::LeaveMessage, None) => {
            return Err(AppError::invalid(
                "settings.voicemail.message",
                "leave_message needs the message to leave",
            ));
        }
        (VoicemailAction::HangUp, Some(_)) => {
            return Err(AppError::invalid(
                "settings.voicemail.message",
                "only leave_message takes a message",
            ));
        }
        (VoicemailAction::HangUp, None) => {}
    }
    Ok(s)
}

fn range(field: &str, v: u32, r: std::ops::RangeInclusive<i64>) -> ApiResult<()> {
    validate::range(field, i64::from(v), r).map(|_| ())
}

fn bad_time(field: &str) -> AppError {
    AppError::invalid(
        field,
        "must be a 24-hour time \"HH:MM\" (\"24:00\" ends a day)",
    )
}

/// Minutes since midnight of "HH:MM" (00:00 to 24:00).
fn hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 || !(h.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    ((h < 24 && m < 60) || (h == 24 && m == 0)).then_some(h * 60 + m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(hhmm("09:30"), Some(570));
        assert_eq!(hhmm("24:00"), Some(1440));
        for bad in ["9:30", "24:01", "12:60", "+1:00", "ab:cd", "", "1200"] {
            assert_eq!(hhmm(bad), None, "{bad}");
        }
    }
}
