//! The vendors whose keys an organization may bring, and the shape each key must have.
//! Shape checks catch pasting the wrong thing (another vendor's key, a truncated key, a key
//! with a trailing newline) at save time instead of at the first call.

use serde::{Deserialize, Serialize};

/// A vendor with a bring-your-own key.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    OpenAi,
    Anthropic,
    OpenRouter,
    Deepgram,
    ElevenLabs,
}

/// Why a key does not look like a key of its vendor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ShapeError(pub String);

impl Provider {
    pub const ALL: [Provider; 5] = [
        Provider::OpenAi,
        Provider::Anthropic,
        Provider::OpenRouter,
        Provider::Deepgram,
        Provider::ElevenLabs,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::OpenAi => "openai",
            Provider::Anthropic => "anthropic",
            Provider::OpenRouter => "openrouter",
            Provider::Deepgram => "deepgram",
            Provider::ElevenLabs => "elevenlabs",
        }
    }

    pub fn parse(s: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Checks the key's shape: vendor prefix, length and alphabet.
    pub fn check_shape(self, key: &str) -> Result<(), ShapeError> {
        if key.is_empty() {
            return Err(ShapeError("the key is empty".into()));
        }
        if key.len() > 512 {
            return Err(ShapeError("the key is longer than 512 characters".into()));
        }
        if key.chars().any(|c| c.is_whitespace()) {
            return Err(ShapeError("the key contains whitespace".into()));
        }
        let token_chars = |s: &str| {
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        let hex = |s: &str| s.chars().all(|c| c.is_ascii_hexdigit());
        let ok = match self {
            // OpenRouter keys are "sk-or-v1-<64 hex>"; refuse them here so they are saved
            // under the right vendor.
            Provider::OpenAi => {
                key.starts_with("sk-")
                    && !key.starts_with("sk-or-")
                    && !key.starts_with("sk-ant-")
                    && key.len() >= 20
                    && token_chars(key)
            }
            Provider::Anthropic => {
                key.starts_with("sk-ant-") && key.len() >= 30 && token_chars(key)
            }
            Provider::OpenRouter => {
                key.starts_with("sk-or-") && key.len() >= 30 && token_chars(key)
            }
            // Deepgram API keys are 40 hexadecimal characters.
            Provider::Deepgram => key.len() == 40 && hex(key),
            // ElevenLabs: "sk_" followed by hex (current), or 32 hex characters (older keys).
            Provider::ElevenLabs => {
                key.strip_prefix("sk_")
                    .is_some_and(|r| r.len() >= 32 && hex(r))
                    || (key.len() == 32 && hex(key))
            }
        };
        if ok {
            Ok(())
        } else {
            Err(ShapeError(format!(
                "this does not look like a {} key: {}",
                self.as_str(),
                self.expected()
            )))
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Provider::OpenAi => "expected sk-... (at least 20 characters)",
            Provider::Anthropic => "expected sk-ant-...",
            Provider::OpenRouter => "expected sk-or-...",
            Provider::Deepgram => "expected 40 hexadecimal characters",
            Provider::ElevenLabs => "expected sk_<hex> or 32 hexadecimal characters",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert!(
            Provider::OpenAi
                .check_shape("sk-proj-abcdefghijklmnopqrstuvwxyz")
                .is_ok()
        );
        assert!(
            Provider::OpenAi
                .check_shape("sk-or-v1-abcdefghijklmnopqrstuvwxyz")
                .is_err()
        );
        assert!(
            Provider::OpenAi
                .check_shape("sk-abc def ghijklmnopqrstuvwxyz")
                .is_err()
        );
        assert!(
            Provider::Anthropic
                .check_shape("sk-ant-api03-abcdefghijklmnopqrstuvwxyz")
                .is_ok()
        );
        assert!(
            Provider::OpenRouter
                .check_shape("sk-or-v1-0123456789abcdef0123456789abcdef")
                .is_ok()
        );
        assert!(Provider::Deepgram.check_shape(&"a1".repeat(20)).is_ok());
        assert!(Provider::Deepgram.check_shape(&"g1".repeat(20)).is_err());
        assert!(
            Provider::ElevenLabs
                .check_shape(&format!("sk_{}", "ab".repeat(24)))
                .is_ok()
        );
        assert!(Provider::ElevenLabs.check_shape(&"0f".repeat(16)).is_ok());
        assert!(Provider::ElevenLabs.check_shape("sk_short").is_err());
        assert_eq!(Provider::parse("elevenlabs"), Some(Provider::ElevenLabs));
    }
}
