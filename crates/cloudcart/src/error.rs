//! The one error type of the client.

use std::fmt;
use std::time::Duration;

use crate::model::Id;

/// One entry of a JSON:API `errors[]` array (or the single message of a 429 body).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiErrorDetail {
    /// The entry's own `status` (a string in CloudCart's envelope).
    pub status: Option<String>,
    pub title: Option<String>,
    pub detail: Option<String>,
    /// `source.pointer`, e.g. `/data/attributes/usn`.
    pub pointer: Option<String>,
    /// `source.parameter`, for query-parameter errors.
    pub parameter: Option<String>,
}

impl fmt::Display for ApiErrorDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self
            .detail
            .as_deref()
            .or(self.title.as_deref())
            .unwrap_or("(no detail)");
        f.write_str(text)?;
        if let Some(p) = self.pointer.as_deref().or(self.parameter.as_deref()) {
            write!(f, " [{p}]")?;
        }
        Ok(())
    }
}

fn join_details(errors: &[ApiErrorDetail]) -> String {
    if errors.is_empty() {
        return "no error detail in the response".to_owned();
    }
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

fn opt_message(m: &Option<String>) -> String {
    m.as_deref().map(|m| format!(" ({m})")).unwrap_or_default()
}

/// Everything that can go wrong talking to CloudCart. No variant carries the API key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The pasted store address cannot be used.
    #[error("the store address {input:?} cannot be used: {reason}")]
    InvalidBaseUrl { input: String, reason: String },

    /// The API key is empty or malformed. (The key itself is never echoed.)
    #[error("the API key cannot be used: {0}")]
    InvalidApiKey(&'static str),

    /// A value given to the client cannot be sent (e.g. a price too large for minor units).
    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// CloudCart sent `X-RateLimit-Limit: 0`.
    #[error(
        "the plan has no API access, or this is not the store's primary domain \
         (CloudCart answered with X-RateLimit-Limit: 0); use exactly the API address shown under \
         Settings → API Keys{}",
        opt_message(message)
    )]
    NoApiAccess { message: Option<String> },

    /// Still 429 after waiting `Retry-After` the configured number of times.
    #[error(
        "CloudCart's rate limit was still exceeded after {attempts} waits (last Retry-After: {}s){}",
        retry_after.as_secs(),
        opt_message(message)
    )]
    RateLimited {
        retry_after: Duration,
        message: Option<String>,
        attempts: u32,
    },

    /// A non-success HTTP status with the API's own explanation.
    #[error(
        "CloudCart answered HTTP {status} to {method} {path}: {}",
        join_details(errors)
    )]
    Api {
        status: u16,
        method: String,
        path: String,
        errors: Vec<ApiErrorDetail>,
    },

    /// No answer within the configured time-out (after the retries that were safe).
    #[error("CloudCart did not answer {method} {path} in time")]
    Timeout { method: String, path: String },

    /// The connection failed or broke (after the retries that were safe).
    #[error("could not talk to CloudCart ({method} {path}): {source}")]
    Transport {
        method: String,
        path: String,
        #[source]
        source: reqwest::Error,
    },

    /// A response (or a webhook payload) that does not have the expected shape.
    #[error("unexpected data from CloudCart ({context}): {reason}")]
    Decode { context: String, reason: String },

    /// `usn` is write-once and the order already carries a different one.
    #[error("order {order_id} already has the USN {existing:?}; it can be set only once")]
    UsnAlreadySet { order_id: Id, existing: String },

    /// The client's stop token was cancelled ([`crate::ClientConfig::stop`]) while a request was
    /// waiting, being sent or being retried. A write in flight may or may not have landed, as
    /// after a time-out.
    #[error("stopped before CloudCart answered")]
    Stopped,
}

impl Error {
    /// The HTTP status, when the error came from a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            Error::RateLimited { .. } | Error::NoApiAccess { .. } => Some(429),
            _ => None,
        }
    }

    /// `true` for HTTP 404.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// The API's own error entries (empty unless [`Error::Api`]).
    pub fn details(&self) -> &[ApiErrorDetail] {
        match self {
            Error::Api { errors, .. } => errors,
            _ => &[],
        }
    }

    /// Whether a write may or may not have happened: a time-out, a broken connection, a
    /// retryable 5xx, or a success status with an unreadable body.
    pub(crate) fn is_ambiguous(&self) -> bool {
        match self {
            Error::Timeout { .. } | Error::Transport { .. } => true,
            Error::Api { status, .. } => crate::transport::is_retryable_status(*status),
            // A write answered with a success status whose body could not be read.
            Error::Decode { context, .. } => {
                context.starts_with("POST ") || context.starts_with("PATCH ")
            }
            _ => false,
        }
    }

    pub(crate) fn decode(context: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Decode {
            context: context.into(),
            reason: reason.into(),
        }
    }
}
