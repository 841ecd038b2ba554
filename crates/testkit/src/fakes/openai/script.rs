//! What a fake chat server answers: [`ChatReply`]s, handed out one per request (the n-th
//! request takes the n-th reply, the last one repeats). Vendor-neutral: the OpenAI and
//! Anthropic fakes each render the same script in their own wire format.

use std::time::Duration;

/// One scripted tool call.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptedCall {
    pub id: String,
    pub name: String,
    /// The arguments as JSON text (sent verbatim, so invalid JSON can be scripted too).
    pub arguments: String,
    /// Byte lengths of the argument pieces, used in turn; uneven sizes split keys, values
    /// and escapes across events (pieces end on a character boundary).
    pub fragments: Vec<usize>,
}

/// How a streamed reply ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Finish reason, usage, then OpenAI's `[DONE]` or Anthropic's `message_stop`.
    Complete,
    /// The connection is dropped after the content: no finish, no terminator.
    Cut,
    /// A data frame that is not valid JSON follows the content, then the normal ending.
    Malformed,
    /// The vendor's mid-stream error event follows the content (OpenAI
    /// `data: {"error":{...}}` server_error, Anthropic `event: error` overloaded_error), then
    /// the body ends.
    StreamError,
}

/// A streamed (200) reply.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamReply {
    /// Text pieces, one per content event.
    pub text: Vec<String>,
    /// Tool calls after the text.
    pub calls: Vec<ScriptedCall>,
    /// Pause before each content event (text piece or argument fragment), on the tokio clock.
    pub per_token: Duration,
    pub ending: Ending,
    /// Ends for the token limit (`length` / `max_tokens`) instead of a natural stop.
    pub truncated: bool,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
}

/// The answer to one request.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatReply {
    Stream(StreamReply),
    /// An error status with the vendor's documented JSON error body (and Retry-After seconds
    /// when given).
    Status {
        status: u16,
        retry_after: Option<u64>,
    },
}

impl ChatReply {
    /// Text streamed in these pieces, 1 ms apart; 12 prompt tokens, one completion token per
    /// piece.
    pub fn text<S: AsRef<str>>(pieces: &[S]) -> Self {
        let text: Vec<String> = pieces.iter().map(|p| p.as_ref().to_owned()).collect();
        ChatReply::Stream(StreamReply {
            completion_tokens: u32::try_from(text.len()).unwrap_or(u32::MAX),
            text,
            calls: Vec::new(),
            per_token: Duration::from_millis(1),
            ending: Ending::Complete,
            truncated: false,
            prompt_tokens: 12,
        })
    }

    /// One tool call whose `arguments` JSON is sent in pieces of `fragments` bytes.
    pub fn tool_call(id: &str, name: &str, arguments: &str, fragments: &[usize]) -> Self {
        Self::text::<&str>(&[]).and_call(id, name, arguments, fragments)
    }

    /// An error status.
    pub fn status(status: u16, retry_after: Option<u64>) -> Self {
        ChatReply::Status {
            status,
            retry_after,
        }
    }

    /// Adds a tool call after the text and earlier calls.
    pub fn and_call(self, id: &str, name: &str, arguments: &str, fragments: &[usize]) -> Self {
        self.map(|s| {
            s.calls.push(ScriptedCall {
                id: id.to_owned(),
                name: name.to_owned(),
                arguments: arguments.to_owned(),
                fragments: fragments.to_vec(),
            });
            s.completion_tokens += 1;
        })
    }

    /// The pause before each content event.
    pub fn per_token(self, d: Duration) -> Self {
        self.map(|s| s.per_token = d)
    }

    /// Drops the connection after the content.
    pub fn cut(self) -> Self {
        self.map(|s| s.ending = Ending::Cut)
    }

    /// Sends a malformed data frame after the content.
    pub fn malformed(self) -> Self {
        self.map(|s| s.ending = Ending::Malformed)
    }

    /// Sends the vendor's mid-stream error event after the content.
    pub fn stream_error(self) -> Self {
        self.map(|s| s.ending = Ending::StreamError)
    }

    /// Ends for the token limit.
    pub fn truncated(self) -> Self {
        self.map(|s| s.truncated = true)
    }

    /// Reports these token counts.
    pub fn usage(self, prompt: u32, completion: u32) -> Self {
        self.map(|s| {
            s.prompt_tokens = prompt;
            s.completion_tokens = completion;
        })
    }

    fn map(mut self, f: impl FnOnce(&mut StreamReply)) -> Self {
        if let ChatReply::Stream(s) = &mut self {
            f(s);
        }
        self
    }
}

impl ScriptedCall {
    /// The argument text cut into the scripted piece sizes, on character boundaries.
    pub fn pieces(&self) -> Vec<&str> {
        let mut out = Vec::new();
        let mut rest = self.arguments.as_str();
        let mut i = 0;
        while !rest.is_empty() {
            let want = self
                .fragments
                .get(i % self.fragments.len().max(1))
                .copied()
                .unwrap_or(rest.len())
                .max(1);
            let mut at = want.min(rest.len());
            while !rest.is_char_boundary(at) {
                at += 1;
            }
            let (head, tail) = rest.split_at(at);
            out.push(head);
            rest = tail;
            i += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_follow_sizes_on_char_boundaries() {
        let c = ScriptedCall {
            id: "c".into(),
            name: "f".into(),
            arguments: r#"{"to":"é+1"}"#.into(),
            fragments: vec![3, 5, 1],
        };
        let p = c.pieces();
        assert_eq!(p.concat(), c.arguments);
        assert_eq!(p[0], r#"{"t"#);
        assert!(p.iter().all(|s| !s.is_empty()));
        let none = ScriptedCall {
            fragments: vec![],
            ..c.clone()
        };
        assert_eq!(none.pieces(), vec![c.arguments.as_str()]);
    }
}
