//! The closed vocabularies of calls (direction, transport, mode, status), stored as text.
//!
//! [`text_enum!`] declares such an enum once: its serde names, its database text
//! (`as_str`/`parse`, the same strings) and its OpenAPI schema cannot drift apart.

/// Declares a fieldless enum stored and serialized as fixed lower-case strings.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored (and serialized) text.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The value of a stored text, if it is one.
            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}
pub(crate) use text_enum;

text_enum! {
    /// Who called whom.
    Direction {
        Inbound = "inbound",
        Outbound = "outbound",
        /// A rep practicing with an AI persona or coach.
        Practice = "practice",
    }
}

text_enum! {
    /// How the call's audio (or text) travelled.
    Transport {
        Twilio = "twilio",
        Sip = "sip",
        Webrtc = "webrtc",
        Text = "text",
        /// An imported or uploaded call record.
        Upload = "upload",
    }
}

text_enum! {
    /// What the conversation engine did on the call.
    CallMode {
        Roleplay = "roleplay",
        Coach = "coach",
        Text = "text",
        Outbound = "outbound",
        Inbound = "inbound",
        /// Offline analysis of a recorded or imported call.
        Analysis = "analysis",
    }
}

text_enum! {
    /// Where the call is in its life.
    CallStatus {
        Queued = "queued",
        Ringing = "ringing",
        InProgress = "in_progress",
        Completed = "completed",
        Failed = "failed",
    }
}

impl CallStatus {
    /// Position in the life of a call; both final states share the last step.
    fn step(self) -> u8 {
        match self {
            CallStatus::Queued => 0,
            CallStatus::Ringing => 1,
            CallStatus::InProgress => 2,
            CallStatus::Completed | CallStatus::Failed => 3,
        }
    }

    /// Whether the call has ended.
    pub fn is_final(self) -> bool {
        self.step() == 3
    }

    /// Whether a call in this status may move to `next`: forward only, never out of a final
    /// status.
    pub fn can_move_to(self, next: CallStatus) -> bool {
        !self.is_final() && next.step() > self.step()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_serde_agree() {
        for s in CallStatus::ALL {
            assert_eq!(CallStatus::parse(s.as_str()), Some(*s));
            assert_eq!(
                serde_json::to_value(s).ok(),
                Some(serde_json::Value::from(s.as_str()))
            );
        }
        assert_eq!(Transport::parse("carrier-pigeon"), None);
    }

    #[test]
    fn status_moves_forward_only() {
        use CallStatus::*;
        assert!(Queued.can_move_to(Ringing));
        assert!(Queued.can_move_to(Completed));
        assert!(Ringing.can_move_to(InProgress));
        assert!(InProgress.can_move_to(Failed));
        assert!(!InProgress.can_move_to(Ringing));
        assert!(!Ringing.can_move_to(Ringing));
        assert!(!Completed.can_move_to(Failed));
        assert!(!Failed.can_move_to(Completed));
    }
}
