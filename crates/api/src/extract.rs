//! Request extractors that turn every malformed input into a precise [`AppError`]:
//! - [`ApiJson`]: wrong Content-Type -> 415, over the body limit -> 413, unparseable -> 400,
//!   a field of the wrong type or missing -> 422 naming the field's path (`steps[2].prompt`).
//! - [`ApiQuery`]: a bad query parameter -> 422 naming it.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// A JSON request body.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

/// Reads the whole body, mapping the body-limit rejection to 413.
pub async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, AppError> {
    let limit = crate::state::body_limit_of(&req);
    Bytes::from_request(req, state).await.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(inner) if inner.body_text().contains("length limit") => {
            AppError::too_large(limit)
        }
        other => AppError::bad_request(format!("cannot read the request body: {other}")),
    })
}

/// The media type of the request without parameters, lower-cased.
pub fn media_type(parts_headers: &axum::http::HeaderMap) -> String {
    parts_headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let mt = media_type(req.headers());
        if mt != "application/json" && !mt.ends_with("+json") {
            return Err(AppError::unsupported_media_type("application/json"));
        }
        let bytes = body_bytes(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Deserializes `bytes`, naming the failing field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                AppError::bad_request(format!("malformed JSON: {inner}"))
            }
            _ => {
                // serde names a missing field in the message, not the path.
                let field = if path == "." {
                    missing_field(&inner.to_string()).unwrap_or_else(|| "body".to_owned())
                } else {
                    path
                };
                AppError::invalid(&field, strip_position(&inner.to_string()))
            }
        }
    })
}

fn missing_field(msg: &str) -> Option<String> {
    let rest = msg.strip_prefix("missing field `")?;
    Some(rest.split('`').next()?.to_owned())
}

/// serde_json appends " at line 1 column 17"; the field path says more to an API user.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

/// Query parameters.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded_deserializer(q);
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                let msg = e.into_inner().to_string();
                let field = if path == "." {
                    missing_field(&msg).unwrap_or_else(|| "query".to_owned())
                } else {
                    path
                };
                AppError::invalid(&field, msg)
            })
    }
}

fn serde_urlencoded_deserializer(q: &str) -> serde_urlencoded::Deserializer<'_> {
    serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Step {
        prompt: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        steps: Vec<Step>,
    }

    #[test]
    fn errors_name_the_field() {
        let e = parse_json::<Body>(br#"{"name":"a","steps":[{"prompt":"x"},{"prompt":3}]}"#)
            .unwrap_err();
        assert_eq!(e.status, 422);
        assert_eq!(e.details["errors"][0]["field"], "steps[1].prompt");
        let e = parse_json::<Body>(br#"{"steps":[]}"#).unwrap_err();
        assert_eq!(e.details["errors"][0]["field"], "name");
        let e = parse_json::<Body>(br#"{"name":"a","steps":[],"x":1}"#).unwrap_err();
        assert_eq!(e.status, 422);
        let e = parse_json::<Body>(br#"{"name":"#).unwrap_err();
        assert_eq!(e.status, 400);
    }
}
