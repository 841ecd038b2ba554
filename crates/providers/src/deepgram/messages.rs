//! Deepgram's server messages (protocols.md §2.1 "Server -> client", §2.2 response), parsed
//! leniently: only the fields we use are read, missing optional ones default, unknown message
//! types are kept as [`ServerMessage::Unknown`] (the docs say to treat them as non-fatal), and
//! anything that is not JSON or lacks a required field is a `Protocol` error, never a panic.

use callbridge_voice_api::{ErrorKind, ProviderError};
use serde::Deserialize;

use super::PROVIDER;

/// One text frame from the live socket, discriminated by `type`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type")]
pub(crate) enum ServerMessage {
    Results(ResultsMsg),
    SpeechStarted {
        #[serde(default)]
        timestamp: f64,
    },
    UtteranceEnd {
        #[serde(default)]
        last_word_end: f64,
    },
    Metadata {
        #[serde(default)]
        request_id: String,
    },
    Error {
        #[serde(default)]
        description: Option<String>,
        #[serde(default)]
        message: Option<String>,
        #[serde(default)]
        variant: Option<String>,
    },
    #[serde(other)]
    Unknown,
}

/// A `Results` message: one segment's transcript, interim or final.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct ResultsMsg {
    #[serde(default)]
    pub is_final: bool,
    #[serde(default)]
    pub speech_final: bool,
    #[serde(default)]
    pub from_finalize: bool,
    /// Segment start, seconds of audio since the stream began.
    pub start: f64,
    /// Segment length in seconds.
    pub duration: f64,
    pub channel: Channel,
}

impl ResultsMsg {
    /// The best alternative's transcript and confidence (empty when there is none).
    pub fn best(&self) -> (&str, f32) {
        self.channel
            .alternatives
            .first()
            .map_or(("", 0.0), |a| (a.transcript.as_str(), a.confidence))
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct Channel {
    #[serde(default)]
    pub alternatives: Vec<Alternative>,
}

/// One recognition hypothesis.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct Alternative {
    #[serde(default)]
    pub transcript: String,
    #[serde(default)]
    pub confidence: f32,
    #[serde(default)]
    pub words: Vec<WordMsg>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct WordMsg {
    pub word: String,
    #[serde(default)]
    pub start: f64,
    #[serde(default)]
    pub end: f64,
    #[serde(default)]
    pub confidence: f32,
    #[serde(default)]
    pub punctuated_word: Option<String>,
}

/// The §2.2 pre-recorded response body.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct PrerecordedResponse {
    #[serde(default)]
    pub metadata: PrerecordedMetadata,
    pub results: PrerecordedResults,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub(crate) struct PrerecordedMetadata {
    #[serde(default)]
    pub request_id: String,
    #[serde(default)]
    pub duration: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct PrerecordedResults {
    pub channels: Vec<Channel>,
    #[serde(default)]
    pub utterances: Vec<UtteranceMsg>,
}

/// One utterance of a pre-recorded result (`utterances=true`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct UtteranceMsg {
    #[serde(default)]
    pub start: f64,
    #[serde(default)]
    pub end: f64,
    #[serde(default)]
    pub confidence: f32,
    #[serde(default)]
    pub channel: u32,
    #[serde(default)]
    pub transcript: String,
    #[serde(default)]
    pub speaker: Option<u32>,
}

/// Parses one live text frame.
pub(crate) fn parse_live(text: &str) -> Result<ServerMessage, ProviderError> {
    serde_json::from_str(text).map_err(|e| malformed("message", &e))
}

/// Parses a pre-recorded response body.
pub(crate) fn parse_prerecorded(body: &[u8]) -> Result<PrerecordedResponse, ProviderError> {
    serde_json::from_slice(body).map_err(|e| malformed("response", &e))
}

fn malformed(what: &str, e: &serde_json::Error) -> ProviderError {
    ProviderError::new(
        PROVIDER,
        ErrorKind::Protocol,
        format!("malformed {what}: {e}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_results_example() {
        let m = parse_live(
            r#"{"type":"Results","channel_index":[0,1],"duration":1.98,"start":5.99,
             "is_final":true,"speech_final":true,"from_finalize":false,
             "channel":{"alternatives":[{"transcript":"another big","confidence":0.99,
               "words":[{"word":"another","start":6.08,"end":6.40,"confidence":0.99,"punctuated_word":"Another"}]}]},
             "metadata":{"request_id":"r","model_info":{"name":"n","version":"v","arch":"a"},"model_uuid":"u"}}"#,
        )
        .unwrap();
        let ServerMessage::Results(r) = m else {
            panic!("not results: {m:?}")
        };
        assert!(r.is_final && r.speech_final && !r.from_finalize);
        assert_eq!(r.best(), ("another big", 0.99));
        assert_eq!(
            r.channel.alternatives[0].words[0]
                .punctuated_word
                .as_deref(),
            Some("Another")
        );
    }

    #[test]
    fn parses_signals_and_tolerates_unknown_types() {
        assert_eq!(
            parse_live(r#"{"type":"SpeechStarted","channel":[0,1],"timestamp":9.54}"#).unwrap(),
            ServerMessage::SpeechStarted { timestamp: 9.54 }
        );
        assert_eq!(
            parse_live(r#"{"type":"UtteranceEnd","channel":[0,1],"last_word_end":2.395}"#).unwrap(),
            ServerMessage::UtteranceEnd {
                last_word_end: 2.395
            }
        );
        assert!(matches!(
            parse_live(r#"{"type":"Metadata","request_id":"x","duration":0.0,"channels":0}"#)
                .unwrap(),
            ServerMessage::Metadata { .. }
        ));
        assert_eq!(
            parse_live(r#"{"type":"SomethingNew","x":1}"#).unwrap(),
            ServerMessage::Unknown
        );
    }

    #[test]
    fn malformed_input_is_a_protocol_error() {
        for bad in [
            "{not json",
            "[]",
            r#"{"no_type":1}"#,
            r#"{"type":"Results"}"#,
            r#"{"type":"Results","start":"x","duration":1,"channel":{}}"#,
            "",
        ] {
            let e = parse_live(bad).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Protocol, "{bad}");
        }
        assert!(parse_prerecorded(br#"{"results":{}}"#).is_err());
    }
}
