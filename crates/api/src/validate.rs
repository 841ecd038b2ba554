//! Semantic checks on request fields, each failing with a 422 that names the field.

use crate::error::{ApiResult, AppError};

/// A trimmed, non-empty text of at most `max` characters.
pub fn text(field: &str, value: &str, max: usize) -> ApiResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(AppError::invalid(field, "must not be empty"));
    }
    if v.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(AppError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(v.to_owned())
}

/// An email address: one `@`, a non-empty local part and a dotted domain.
pub fn email(field: &str, value: &str) -> ApiResult<String> {
    let v = text(field, value, 254)?;
    let ok = match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !v.chars().any(char::is_whitespace)
                && (domain.contains('.') || domain == "localhost")
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }
        None => false,
    };
    if ok {
        Ok(v.to_ascii_lowercase())
    } else {
        Err(AppError::invalid(
            field,
            "must be an email address like name@example.com",
        ))
    }
}

/// An integer within `range`.
pub fn range(field: &str, value: i64, range: std::ops::RangeInclusive<i64>) -> ApiResult<i64> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(AppError::invalid(
            field,
            format!("must be between {} and {}", range.start(), range.end()),
        ))
    }
}

/// A path id of the expected kind; anything else is simply "not found" (no oracle about ids).
pub fn path_id(prefix: &str, value: &str, what: &str) -> ApiResult<()> {
    if callbridge_store::id::is_valid(prefix, value) {
        Ok(())
    } else {
        Err(AppError::not_found(what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks() {
        assert_eq!(text("name", "  a  ", 5).unwrap(), "a");
        assert!(text("name", "   ", 5).is_err());
        assert!(text("name", "abcdef", 5).is_err());
        assert!(text("name", "a\u{0}b", 5).is_err());
        assert_eq!(
            email("email", "Pat@Example.COM").unwrap(),
            "pat@example.com"
        );
        for bad in [
            "pat", "pat@", "@x.io", "a@b@c.io", "a b@c.io", "a@.io", "a@io.",
        ] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
        assert!(range("n", 5, 1..=4).is_err());
    }
}
