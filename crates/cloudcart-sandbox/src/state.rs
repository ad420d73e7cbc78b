//! Shared mutable state and the public value types around it.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::StoreData;

/// A fault to inject into `/api/v2` responses. Counted faults fire on the next
/// `times` matching requests and then switch themselves off.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// Answer with `status` (e.g. 500, 502, 503) and a JSON:API error body,
    /// before the request is processed (nothing is written).
    ServerError { status: u16, times: u32 },
    /// Delay every matching request (until cleared).
    Latency(Duration),
    /// Process the request normally (writes happen), but send a truncated,
    /// unparseable JSON body with the real status.
    MalformedJson { times: u32 },
    /// Answer 429 with the rate-limit body and headers (a "429 storm"),
    /// before the request is processed.
    TooManyRequests { times: u32 },
    /// As [`Fault::TooManyRequests`], with this `Retry-After` (and body `retry_after`) instead of
    /// [`crate::RETRY_AFTER_SECS`]: for clients that must not wait out an absurd value.
    TooManyRequestsRetryAfter { retry_after_secs: u64, times: u32 },
    /// Close the socket without any response, before the request is processed.
    DropConnection { times: u32 },
    /// Process the request (writes happen), then close the socket without a
    /// response: the client cannot know that its write landed.
    DropConnectionAfterCommit { times: u32 },
}

impl Fault {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Fault::ServerError { .. } => "server_error",
            Fault::Latency(_) => "latency",
            Fault::MalformedJson { .. } => "malformed_json",
            Fault::TooManyRequests { .. } | Fault::TooManyRequestsRetryAfter { .. } => {
                "too_many_requests"
            }
            Fault::DropConnection { .. } => "drop_connection",
            Fault::DropConnectionAfterCommit { .. } => "drop_connection_after_commit",
        }
    }
    pub(crate) fn times(&self) -> Option<u32> {
        match self {
            Fault::ServerError { times, .. }
            | Fault::MalformedJson { times }
            | Fault::TooManyRequests { times }
            | Fault::TooManyRequestsRetryAfter { times, .. }
            | Fault::DropConnection { times }
            | Fault::DropConnectionAfterCommit { times } => Some(*times),
            Fault::Latency(_) => None,
        }
    }
}

/// A fault plus where it applies.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultRule {
    pub fault: Fault,
    /// Only requests whose path (without the query) starts with this, e.g.
    /// `/api/v2/variants`. `None` = every `/api/v2` request.
    pub path: Option<String>,
    /// Only this HTTP method (e.g. `PATCH`). `None` = any.
    pub method: Option<String>,
    /// Fire on each matching request with this probability (0.0–1.0) instead
    /// of always; counted faults still stop after `times` firings.
    pub probability: Option<f64>,
}

impl From<Fault> for FaultRule {
    fn from(fault: Fault) -> Self {
        FaultRule {
            fault,
            path: None,
            method: None,
            probability: None,
        }
    }
}

impl FaultRule {
    pub fn on_path(mut self, prefix: impl Into<String>) -> Self {
        self.path = Some(prefix.into());
        self
    }
    pub fn on_method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }
    pub fn with_probability(mut self, p: f64) -> Self {
        self.probability = Some(p);
        self
    }
    pub(crate) fn matches(&self, method: &str, path: &str) -> bool {
        self.path.as_deref().is_none_or(|p| path.starts_with(p))
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    }
}

/// One `/api/v2` request as the sandbox saw it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LoggedRequest {
    /// 1, 2, 3, … in arrival order.
    pub seq: u64,
    /// Sandbox clock time.
    pub time: DateTime<Utc>,
    pub method: String,
    /// Path with the query string, exactly as sent.
    pub path: String,
    /// Request headers; the `X-CloudCart-ApiKey` value is replaced by
    /// `<redacted>` (right key) or `<redacted:invalid>` (wrong key).
    pub headers: Vec<(String, String)>,
    /// Request body: parsed JSON, a JSON string for non-JSON bodies, or None.
    pub body: Option<Value>,
    /// Response status; 0 when the connection was dropped without a response.
    pub status: u16,
    /// Response body (a JSON string when the body was not valid JSON).
    pub response_body: Option<Value>,
    /// The injected fault that shaped this answer, if any.
    pub fault: Option<String>,
    /// The connection was closed without a response.
    pub dropped: bool,
}

/// One webhook delivery attempt.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct WebhookAttempt {
    pub webhook_id: u64,
    pub event: String,
    pub url: String,
    /// 1 = the first attempt, 2..=6 = retries.
    pub attempt: u32,
    /// Sandbox clock time of the attempt.
    pub at: DateTime<Utc>,
    /// Receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    /// Transport error (refused, timeout), if any.
    pub error: Option<String>,
    /// `delivered`, `retry_scheduled`, `disabled`, `deleted`.
    pub outcome: String,
}

/// A delivery waiting for its (next) attempt.
#[derive(Clone, Debug)]
pub(crate) struct PendingDelivery {
    pub seq: u64,
    pub webhook_id: u64,
    pub event: String,
    pub body: Value,
    /// Attempts already made.
    pub attempts: u32,
    pub due: DateTime<Utc>,
    pub in_flight: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct ActiveFault {
    pub rule: FaultRule,
    /// Firings left (None = unlimited, for latency).
    pub left: Option<u32>,
}

/// The request log keeps the newest this many requests (a long benchmark run would otherwise
/// hold every body it ever saw).
pub const REQUEST_LOG_CAPACITY: usize = 50_000;

/// Everything behind the sandbox's one mutex.
pub(crate) struct State {
    pub store: StoreData,
    pub log: Vec<LoggedRequest>,
    pub next_seq: u64,
    pub faults: Vec<ActiveFault>,
    pub rate_limit: Option<u32>,
    pub window: VecDeque<DateTime<Utc>>,
    pub queue: Vec<PendingDelivery>,
    pub next_delivery_seq: u64,
    pub attempts: Vec<WebhookAttempt>,
    /// Fire `product.created`/`product.updated` for API writes too.
    pub product_webhooks_on_api_writes: bool,
    pub rng: StdRng,
}

impl State {
    /// Log a request, forgetting the oldest beyond [`REQUEST_LOG_CAPACITY`].
    pub(crate) fn push_log(&mut self, entry: LoggedRequest) {
        if self.log.len() >= REQUEST_LOG_CAPACITY {
            let excess = self.log.len() + 1 - REQUEST_LOG_CAPACITY;
            self.log.drain(..excess.max(REQUEST_LOG_CAPACITY / 10));
        }
        self.log.push(entry);
    }
}
