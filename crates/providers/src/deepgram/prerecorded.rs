//! [`DeepgramPrerecorded`]: transcription of a whole file (uploads, recordings), protocols.md
//! §2.2: `POST /v1/listen?<params>` with the raw audio as the body and its `Content-Type`;
//! the answer is `results.channels[0].alternatives[0]` (transcript, confidence, words) and,
//! with `utterances=true`, `results.utterances`. Retryable failures (429, 5xx, network) are
//! retried per `retry`, honouring Retry-After.

use std::time::Duration;

use bytes::Bytes;
use callbridge_voice_api::{ErrorKind, ProviderError};

use super::messages::{Alternative, PrerecordedResponse, parse_prerecorded};
use super::{AudioEncoding, DeepgramConfig, PROVIDER, flag, secs};
use crate::http::{client, status_error, transport_error};

/// Per-request options.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TranscribeOptions {
    /// BCP 47 language; the config's when `None`.
    pub language: Option<String>,
    /// Words to boost (`keyterm` on nova-3, `keywords` otherwise).
    pub keywords: Vec<String>,
    /// Ask for `utterances`.
    pub utterances: bool,
    /// For headerless audio (`audio/mulaw`, raw PCM): its encoding and rate. `None` for
    /// containers (WAV, MP3, ...), which describe themselves.
    pub raw: Option<AudioEncoding>,
}

/// A recognized word.
#[derive(Debug, Clone, PartialEq)]
pub struct TranscriptWord {
    pub word: String,
    /// With punctuation and capitals when smart formatting is on; else the plain word.
    pub punctuated: String,
    pub start: Duration,
    pub end: Duration,
    pub confidence: f32,
}

/// One utterance (`utterances=true`).
#[derive(Debug, Clone, PartialEq)]
pub struct TranscriptUtterance {
    pub start: Duration,
    pub end: Duration,
    pub text: String,
    pub confidence: f32,
    pub channel: u32,
    pub speaker: Option<u32>,
}

/// A file's transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    pub request_id: String,
    /// Length of the audio.
    pub duration: Duration,
    pub text: String,
    pub confidence: f32,
    pub words: Vec<TranscriptWord>,
    pub utterances: Vec<TranscriptUtterance>,
}

/// The pre-recorded client.
#[derive(Debug, Clone)]
pub struct DeepgramPrerecorded {
    cfg: DeepgramConfig,
    http: reqwest::Client,
}

impl DeepgramPrerecorded {
    pub fn new(cfg: DeepgramConfig) -> Result<Self, ProviderError> {
        cfg.validate()?;
        cfg.listen_url(false)?;
        let http = client(cfg.timeouts)?;
        Ok(DeepgramPrerecorded { cfg, http })
    }

    /// Transcribes `audio` (a whole file of `content_type`, e.g. `audio/wav`).
    pub async fn transcribe(
        &self,
        audio: &[u8],
        content_type: &str,
        opts: &TranscribeOptions,
    ) -> Result<Transcript, ProviderError> {
        let mut url = self.cfg.listen_url(false)?;
        url.query_pairs_mut().extend_pairs(self.query(opts));
        let body = Bytes::copy_from_slice(audio);
        let policy = self.cfg.retry;
        let mut attempt = 1;
        loop {
            match self.once(url.clone(), body.clone(), content_type).await {
                Err(e) if e.retryable && attempt < policy.attempts => {
                    let d = policy.delay(attempt, &e);
                    tracing::debug!(error = %e, attempt, "deepgram pre-recorded retry");
                    tokio::time::sleep(d).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn query(&self, opts: &TranscribeOptions) -> Vec<(&'static str, String)> {
        let c = &self.cfg;
        let language = opts.language.clone().unwrap_or_else(|| c.language.clone());
        let mut q = vec![("model", c.model.clone()), ("language", language)];
        if let Some(enc) = opts.raw {
            q.push(("encoding", enc.wire_name().to_owned()));
            q.push(("sample_rate", enc.sample_rate().hz().to_string()));
        }
        q.push(("smart_format", flag(c.smart_format)));
        q.push(("punctuate", flag(c.punctuate)));
        if opts.utterances {
            q.push(("utterances", flag(true)));
        }
        for k in &opts.keywords {
            q.push((c.keyword_param(), k.clone()));
        }
        q
    }

    async fn once(
        &self,
        url: reqwest::Url,
        body: Bytes,
        content_type: &str,
    ) -> Result<Transcript, ProviderError> {
        let resp = self
            .http
            .post(url)
            .header(reqwest::header::AUTHORIZATION, self.cfg.auth_header())
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .map_err(|e| transport_error(PROVIDER, &e))?;
        if !resp.status().is_success() {
            return Err(status_error(PROVIDER, resp).await);
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| transport_error(PROVIDER, &e))?;
        to_transcript(parse_prerecorded(&bytes)?)
    }
}

fn to_transcript(r: PrerecordedResponse) -> Result<Transcript, ProviderError> {
    let alt: &Alternative = r
        .results
        .channels
        .first()
        .and_then(|c| c.alternatives.first())
        .ok_or_else(|| ProviderError::new(PROVIDER, ErrorKind::Protocol, "no alternatives"))?;
    let words = alt
        .words
        .iter()
        .map(|w| TranscriptWord {
            word: w.word.clone(),
            punctuated: w.punctuated_word.clone().unwrap_or_else(|| w.word.clone()),
            start: secs(w.start),
            end: secs(w.end),
            confidence: w.confidence,
        })
        .collect();
    let utterances = r
        .results
        .utterances
        .iter()
        .map(|u| TranscriptUtterance {
            start: secs(u.start),
            end: secs(u.end),
            text: u.transcript.clone(),
            confidence: u.confidence,
            channel: u.channel,
            speaker: u.speaker,
        })
        .collect();
    Ok(Transcript {
        request_id: r.metadata.request_id,
        duration: secs(r.metadata.duration),
        text: alt.transcript.clone(),
        confidence: alt.confidence,
        words,
        utterances,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_the_documented_response() {
        let body = br#"{"metadata":{"transaction_key":"deprecated","request_id":"r1","sha256":"s",
            "created":"c","duration":5.07,"channels":1,"models":["m"],"model_info":{"u":{"name":"n","version":"v","arch":"a"}}},
            "results":{"channels":[{"alternatives":[{"transcript":"hello world","confidence":0.98,
            "words":[{"word":"hello","start":0.08,"end":0.40,"confidence":0.99,"punctuated_word":"Hello,"},
                     {"word":"world","start":0.5,"end":0.9,"confidence":0.97}]}]}],
            "utterances":[{"start":0.08,"end":0.9,"confidence":0.98,"channel":0,"transcript":"Hello, world","speaker":0}]}}"#;
        let t = to_transcript(parse_prerecorded(body).unwrap()).unwrap();
        assert_eq!(t.request_id, "r1");
        assert_eq!(t.duration, Duration::from_millis(5070));
        assert_eq!(t.text, "hello world");
        assert_eq!(t.words[0].punctuated, "Hello,");
        assert_eq!(t.words[1].punctuated, "world");
        assert_eq!(t.words[0].end, Duration::from_millis(400));
        assert_eq!(t.utterances[0].speaker, Some(0));
    }

    #[test]
    fn no_alternatives_is_a_protocol_error() {
        let r = parse_prerecorded(br#"{"results":{"channels":[]}}"#).unwrap();
        assert_eq!(to_transcript(r).unwrap_err().kind, ErrorKind::Protocol);
    }
}
