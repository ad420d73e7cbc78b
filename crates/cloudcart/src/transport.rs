//! Sending one request: headers, pacing, 429 waits and the retry rule.
//!
//! **Retry rule.** A request is repeated only when repeating cannot write twice:
//! * [`Retry::Safe`] — GET, DELETE (a repeat that finds 404 counts as done) and PATCH requests
//!   that set absolute values (`quantity = 5`, `status = paid`): repeated after a time-out, a
//!   broken connection, an unreadable success body, or HTTP 500/502/503/504/520, with jittered
//!   exponential back-off, up to [`crate::ClientConfig::max_retries`] times.
//! * [`Retry::Unsafe`] — POST (creates) and write-once PATCHes (`usn`): never repeated here. The
//!   resource methods first look the object up again (by SKU, name, …) and only then try again.
//! * Every request: a refused connection (nothing reached the server) and HTTP 429 (the server
//!   did not process it) are retried; 429 after waiting `Retry-After`.
//! * Never retried: 4xx other than 429 (400, 401, 402, 403, 404, 405, 415, 422 …).
//!
//! **Waits are bounded and stoppable.** A `Retry-After` is clamped to [`MAX_RETRY_AFTER`]; every
//! wait and every request in flight ends with [`Error::Stopped`] as soon as the client's stop
//! token ([`crate::ClientConfig::stop`]) is cancelled.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};
use url::Url;

use crate::clock::Clock;
use crate::error::Error;
use crate::jsonapi;
use crate::ratelimit::{RateLimiter, Slot};
use crate::{ApiKey, ClientConfig};

/// The JSON:API media type, sent as `Accept` and `Content-Type` on every request.
pub const JSON_API: &str = "application/vnd.api+json";
/// The authentication header.
pub const API_KEY_HEADER: &str = "X-CloudCart-ApiKey";

/// HTTP statuses that are retried where repeating is safe.
pub const RETRYABLE_STATUSES: [u16; 5] = [500, 502, 503, 504, 520];

/// `Retry-After` assumed when a 429 carries none (CloudCart sends 60).
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(60);

/// The longest `Retry-After` that is waited out as sent; a longer one (a misconfigured proxy, a
/// garbled header) is cut to this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(5 * 60);

/// The wait a 429 asks for: the `Retry-After` header, else the body's `retry_after`, else
/// [`DEFAULT_RETRY_AFTER`]; at most [`MAX_RETRY_AFTER`].
pub(crate) fn retry_after(headers: &HeaderMap, body: &[u8]) -> Duration {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .or_else(|| jsonapi::body_retry_after(body))
        .map_or(DEFAULT_RETRY_AFTER, Duration::from_secs)
        .min(MAX_RETRY_AFTER)
}

pub(crate) fn is_retryable_status(status: u16) -> bool {
    RETRYABLE_STATUSES.contains(&status)
}

/// Whether a request may be repeated after an ambiguous failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    Safe,
    Unsafe,
}

#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub method: Method,
    /// Relative to the API base, e.g. `variants/5`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub retry: Retry,
}

impl Request {
    pub(crate) fn get(path: impl Into<String>) -> Self {
        Request {
            method: Method::GET,
            path: path.into(),
            query: Vec::new(),
            body: None,
            retry: Retry::Safe,
        }
    }

    pub(crate) fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    pub(crate) fn with_body(
        method: Method,
        path: impl Into<String>,
        body: Vec<u8>,
        retry: Retry,
    ) -> Self {
        Request {
            method,
            path: path.into(),
            query: Vec::new(),
            body: Some(body),
            retry,
        }
    }

    pub(crate) fn delete(path: impl Into<String>) -> Self {
        Request {
            method: Method::DELETE,
            path: path.into(),
            query: Vec::new(),
            body: None,
            retry: Retry::Safe,
        }
    }

    pub(crate) fn context(&self) -> String {
        format!("{} /{}", self.method, self.path)
    }
}

pub(crate) struct Transport {
    http: reqwest::Client,
    base: Url,
    clock: Arc<dyn Clock>,
    limiter: Mutex<RateLimiter>,
    max_retries: u32,
    max_rate_limit_waits: u32,
    backoff_base: Duration,
    backoff_max: Duration,
    stop: CancellationToken,
    on_answer: Option<crate::client::AnswerHook>,
}

fn header_u32(h: &HeaderMap, name: &str) -> Option<u32> {
    h.get(name)?.to_str().ok()?.trim().parse().ok()
}

impl Transport {
    pub(crate) fn new(cfg: &ClientConfig, base: Url, key: &ApiKey) -> Result<Self, Error> {
        let mut headers = HeaderMap::new();
        let mut key_value = HeaderValue::from_str(key.expose_secret())
            .map_err(|_| Error::InvalidApiKey("the key cannot be sent as an HTTP header"))?;
        key_value.set_sensitive(true);
        headers.insert(API_KEY_HEADER, key_value);
        headers.insert(ACCEPT, HeaderValue::from_static(JSON_API));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON_API));
        let ua = HeaderValue::from_str(&cfg.user_agent)
            .map_err(|_| Error::InvalidInput("the user agent is not a valid header".into()))?;
        headers.insert(USER_AGENT, ua);
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(cfg.timeout)
            .connect_timeout(cfg.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::InvalidInput(format!("cannot build the HTTP client: {e}")))?;
        Ok(Transport {
            http,
            base,
            clock: cfg.clock.clone(),
            limiter: Mutex::new(RateLimiter::new()),
            max_retries: cfg.max_retries,
            max_rate_limit_waits: cfg.max_rate_limit_waits,
            backoff_base: cfg.backoff_base,
            backoff_max: cfg.backoff_max,
            stop: cfg.stop.clone(),
            on_answer: cfg.on_answer.clone(),
        })
    }

    pub(crate) fn base(&self) -> &Url {
        &self.base
    }

    fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut segs) = url.path_segments_mut() {
            segs.pop_if_empty();
            for s in path.split('/').filter(|s| !s.is_empty()) {
                segs.push(s);
            }
        }
        url
    }

    /// Waits until the limiter gives a slot.
    async fn acquire(&self) -> Result<(), Error> {
        loop {
            let slot = {
                let mut rl = self.limiter.lock().await;
                rl.acquire(self.clock.now())
            };
            match slot {
                Slot::Go => return Ok(()),
                Slot::NoAccess => return Err(Error::NoApiAccess { message: None }),
                Slot::Wait(d) => {
                    debug!(
                        wait_ms = d.as_millis() as u64,
                        "pacing for the CloudCart rate limit"
                    );
                    self.wait(d).await?;
                }
            }
        }
    }

    /// Waits `d` on the client's clock, or until the stop token is cancelled.
    async fn wait(&self, d: Duration) -> Result<(), Error> {
        tokio::select! {
            biased;
            () = self.stop.cancelled() => Err(Error::Stopped),
            () = self.clock.sleep(d) => Ok(()),
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .backoff_base
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.backoff_max);
        // "Equal jitter": half fixed, half random.
        let half = exp / 2;
        let jitter = rand::rng().random_range(0..=half.as_millis() as u64);
        half + Duration::from_millis(jitter)
    }

    /// Sends a request under the retry rule and returns the JSON body (`Null` when empty).
    /// Ends with [`Error::Stopped`] as soon as the stop token is cancelled, whatever it waits for.
    pub(crate) async fn send(&self, req: &Request) -> Result<Value, Error> {
        if self.stop.is_cancelled() {
            return Err(Error::Stopped);
        }
        tokio::select! {
            biased;
            () = self.stop.cancelled() => Err(Error::Stopped),
            r = self.send_with_retries(req) => r,
        }
    }

    async fn send_with_retries(&self, req: &Request) -> Result<Value, Error> {
        let method = req.method.to_string();
        let path = format!("/{}", req.path);
        let url = self.url(&req.path);
        let mut failures = 0u32;
        let mut waits_429 = 0u32;
        loop {
            self.acquire().await?;
            let mut builder = self.http.request(req.method.clone(), url.clone());
            if !req.query.is_empty() {
                builder = builder.query(&req.query);
            }
            if let Some(body) = &req.body {
                builder = builder.body(body.clone());
            }
            let outcome = match builder.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    let headers = resp.headers().clone();
                    {
                        let mut rl = self.limiter.lock().await;
                        rl.observe(
                            self.clock.now(),
                            header_u32(&headers, "x-ratelimit-limit"),
                            header_u32(&headers, "x-ratelimit-remaining"),
                        );
                    }
                    if let Some(hook) = &self.on_answer {
                        hook(header_u32(&headers, "x-ratelimit-limit"));
                    }
                    match resp.bytes().await {
                        Ok(body) => Ok((status, headers, body)),
                        Err(e) => Err(e),
                    }
                }
                Err(e) => Err(e),
            };
            let (status, headers, body) = match outcome {
                Ok(x) => x,
                Err(e) => {
                    // A refused connection never reached the server: always safe to repeat.
                    let safe = req.retry == Retry::Safe || e.is_connect();
                    let err = if e.is_timeout() {
                        Error::Timeout {
                            method: method.clone(),
                            path: path.clone(),
                        }
                    } else {
                        Error::Transport {
                            method: method.clone(),
                            path: path.clone(),
                            source: e,
                        }
                    };
                    if safe && failures < self.max_retries {
                        failures += 1;
                        let d = self.backoff(failures);
                        warn!(%err, attempt = failures, wait_ms = d.as_millis() as u64, "retrying");
                        self.wait(d).await?;
                        continue;
                    }
                    return Err(err);
                }
            };
            let code = status.as_u16();
            if status.is_success() {
                if body.iter().all(u8::is_ascii_whitespace) {
                    return Ok(Value::Null);
                }
                match serde_json::from_slice::<Value>(&body) {
                    Ok(v) => return Ok(v),
                    Err(e) => {
                        let err = Error::decode(
                            req.context(),
                            format!("HTTP {code} with a body that is not JSON ({e})"),
                        );
                        if req.retry == Retry::Safe && failures < self.max_retries {
                            failures += 1;
                            let d = self.backoff(failures);
                            warn!(%err, attempt = failures, "retrying");
                            self.wait(d).await?;
                            continue;
                        }
                        return Err(err);
                    }
                }
            }
            if status == StatusCode::TOO_MANY_REQUESTS {
                let errors = jsonapi::parse_errors(code, &body);
                let message = errors.first().and_then(|e| e.detail.clone());
                if header_u32(&headers, "x-ratelimit-limit") == Some(0) {
                    return Err(Error::NoApiAccess { message });
                }
                let retry_after = retry_after(&headers, &body);
                self.limiter
                    .lock()
                    .await
                    .blocked(self.clock.now(), retry_after);
                if waits_429 >= self.max_rate_limit_waits {
                    return Err(Error::RateLimited {
                        retry_after,
                        message,
                        attempts: waits_429,
                    });
                }
                waits_429 += 1;
                warn!(
                    retry_after_s = retry_after.as_secs(),
                    "CloudCart answered 429; waiting"
                );
                continue;
            }
            if req.method == Method::DELETE && code == 404 && failures > 0 {
                // An earlier attempt did delete it.
                return Ok(Value::Null);
            }
            let err = Error::Api {
                status: code,
                method: method.clone(),
                path: path.clone(),
                errors: jsonapi::parse_errors(code, &body),
            };
            if is_retryable_status(code) && req.retry == Retry::Safe && failures < self.max_retries
            {
                failures += 1;
                let d = self.backoff(failures);
                warn!(%err, attempt = failures, wait_ms = d.as_millis() as u64, "retrying");
                self.wait(d).await?;
                continue;
            }
            return Err(err);
        }
    }

    /// The back-off before another attempt; cut short by the stop token (the next request then
    /// ends with [`Error::Stopped`]).
    pub(crate) async fn sleep_backoff(&self, attempt: u32) {
        let d = self.backoff(attempt);
        let _ = self.wait(d).await;
    }
}
