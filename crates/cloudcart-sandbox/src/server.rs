//! The HTTP side: the per-request pipeline (faults, rate limit, auth,
//! request log) and the accept loop that can drop connections.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State as AxState};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use hyper_util::rt::TokioIo;
use rand::Rng;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tower::ServiceExt;

use crate::api::{self, ApiRequest, Ctx};
use crate::clock::SandboxClock;
use crate::error::{ApiError, Reply};
use crate::query::Query;
use crate::state::{Fault, LoggedRequest, State};

/// The API key header.
pub const API_KEY_HEADER: &str = "x-cloudcart-apikey";

/// Length of the sliding rate-limit window.
pub const RATE_WINDOW_SECS: i64 = 60;

/// `Retry-After` and `retry_after` on every 429.
pub const RETRY_AFTER_SECS: u64 = 60;

/// How many requests pass per sliding window for an advertised limit.
/// The research says "effectively limit − 1".
pub fn passes_per_window(limit: u32) -> u32 {
    limit.saturating_sub(1)
}

/// `X-RateLimit-Remaining` after a passing request: counted against the
/// advertised limit, so the last request that passes still shows 1 and the
/// next one is refused (the "limit − 1" gotcha stays visible to clients).
pub fn remaining_after(limit: u32, used_including_this: u32) -> u32 {
    limit.saturating_sub(used_including_this)
}

/// `X-RateLimit-Reset`: Unix epoch seconds of now + 60 s (its real meaning is
/// unconfirmed; clients should not schedule on it).
pub fn reset_header(now: DateTime<Utc>) -> String {
    (now.timestamp() + RATE_WINDOW_SECS).to_string()
}

pub const RATE_LIMIT_INFO: &str =
    "Upgrade your plan or add api_requests packs to raise the limit (max 800/min).";

/// Marker the accept loop uses to close a connection without a response.
#[derive(Clone)]
pub(crate) struct ConnKill(pub Arc<Notify>);

pub(crate) struct Shared {
    pub clock: SandboxClock,
    pub api_key: String,
    pub state: Mutex<State>,
    pub http: reqwest::Client,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

enum Outcome {
    Respond(Response),
    Drop,
}

/// Redacts the API key header value in logged headers.
fn logged_headers(headers: &HeaderMap, key_ok: bool) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            let name = k.as_str().to_string();
            let value = if name == API_KEY_HEADER {
                if key_ok {
                    "<redacted>".to_string()
                } else {
                    "<redacted:invalid>".to_string()
                }
            } else {
                String::from_utf8_lossy(v.as_bytes()).into_owned()
            };
            (name, value)
        })
        .collect()
}

fn body_as_value(bytes: &[u8]) -> Option<Value> {
    if bytes.is_empty() {
        return None;
    }
    Some(
        serde_json::from_slice(bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned())),
    )
}

fn too_many(limit: u32, now: DateTime<Utc>, no_api: bool, retry_after: u64) -> Reply {
    let message = if no_api {
        "Your plan does not include API access. Please upgrade your plan to use the API."
            .to_string()
    } else {
        format!(
            "You have exceeded the limit of {limit} API requests per minute. Retry after {retry_after} seconds."
        )
    };
    let mut r = Reply::json(
        429,
        json!({"error": "Too Many Requests", "message": message, "retry_after": retry_after}),
    );
    r.content_type = "application/json";
    r.with_header("X-RateLimit-Limit", limit.to_string())
        .with_header("X-RateLimit-Remaining", "0")
        .with_header("X-RateLimit-Reset", reset_header(now))
        .with_header("X-RateLimit-Info", RATE_LIMIT_INFO)
        .with_header("Retry-After", retry_after.to_string())
}

/// What an unlimited sandbox advertises: a real store always sends the rate-limit headers, so
/// the sandbox does too, with a limit no test reaches.
pub const UNLIMITED_ADVERTISED_LIMIT: u32 = 1_000_000;

/// Counts the request against the sliding window; Err = 429.
fn rate_check(st: &mut State, now: DateTime<Utc>) -> Result<Vec<(String, String)>, Reply> {
    let Some(limit) = st.rate_limit else {
        return Ok(vec![
            (
                "X-RateLimit-Limit".into(),
                UNLIMITED_ADVERTISED_LIMIT.to_string(),
            ),
            (
                "X-RateLimit-Remaining".into(),
                (UNLIMITED_ADVERTISED_LIMIT - 1).to_string(),
            ),
            ("X-RateLimit-Reset".into(), reset_header(now)),
            ("X-RateLimit-Info".into(), RATE_LIMIT_INFO.into()),
        ]);
    };
    if limit == 0 {
        return Err(too_many(0, now, true, RETRY_AFTER_SECS));
    }
    let cutoff = now - chrono::Duration::seconds(RATE_WINDOW_SECS);
    while st.window.front().is_some_and(|t| *t <= cutoff) {
        st.window.pop_front();
    }
    let used = st.window.len() as u32;
    if used >= passes_per_window(limit) {
        return Err(too_many(limit, now, false, RETRY_AFTER_SECS));
    }
    st.window.push_back(now);
    Ok(vec![
        ("X-RateLimit-Limit".into(), limit.to_string()),
        (
            "X-RateLimit-Remaining".into(),
            remaining_after(limit, used + 1).to_string(),
        ),
        ("X-RateLimit-Reset".into(), reset_header(now)),
        ("X-RateLimit-Info".into(), RATE_LIMIT_INFO.into()),
    ])
}

#[derive(PartialEq, Clone, Copy)]
enum Phase {
    /// Before anything: drops and 429 storms.
    Pre,
    /// After the rate limiter: injected 5xx.
    Server,
    /// After processing: malformed bodies, drops after commit.
    Post,
}

fn phase_of(f: &Fault) -> Option<Phase> {
    match f {
        Fault::DropConnection { .. }
        | Fault::TooManyRequests { .. }
        | Fault::TooManyRequestsRetryAfter { .. } => Some(Phase::Pre),
        Fault::ServerError { .. } => Some(Phase::Server),
        Fault::MalformedJson { .. } | Fault::DropConnectionAfterCommit { .. } => Some(Phase::Post),
        Fault::Latency(_) => None,
    }
}

/// Takes (and counts down) the first matching fault of `phase`.
fn pick_fault(st: &mut State, method: &str, path: &str, phase: Phase) -> Option<Fault> {
    let mut i = 0;
    while i < st.faults.len() {
        let f = &st.faults[i];
        let eligible = phase_of(&f.rule.fault) == Some(phase)
            && f.rule.matches(method, path)
            && f.left != Some(0);
        if eligible {
            if let Some(p) = f.rule.probability {
                let roll: f64 = st.rng.random();
                if roll >= p {
                    i += 1;
                    continue;
                }
            }
            let fault = f.rule.fault.clone();
            let f = &mut st.faults[i];
            if let Some(left) = f.left.as_mut() {
                *left -= 1;
                if *left == 0 {
                    st.faults.remove(i);
                }
            }
            return Some(fault);
        }
        i += 1;
    }
    None
}

fn latency_for(st: &State, method: &str, path: &str) -> Duration {
    st.faults
        .iter()
        .filter(|f| f.rule.matches(method, path))
        .filter_map(|f| match f.rule.fault {
            Fault::Latency(d) => Some(d),
            _ => None,
        })
        .sum()
}

fn build_response(reply: &Reply, body: Option<Vec<u8>>) -> Response {
    let mut resp = Response::new(Body::from(body.unwrap_or_default()));
    *resp.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
    let h = resp.headers_mut();
    if reply.body.is_some() {
        h.insert("content-type", HeaderValue::from_static(reply.content_type));
    }
    for (k, v) in &reply.headers {
        if let (Ok(name), Ok(val)) = (
            axum::http::HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            h.append(name, val);
        }
    }
    resp
}

/// Entry for everything outside `/__sandbox/`.
pub(crate) async fn api_entry(AxState(sh): AxState<Arc<Shared>>, req: Request) -> Response {
    let kill = req.extensions().get::<ConnKill>().cloned();
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    if !(path == "/api/v2" || path.starts_with("/api/v2/")) {
        return storefront(&path);
    }
    let bytes: Bytes = to_bytes(body, 64 * 1024 * 1024).await.unwrap_or_default();
    let method = parts.method.as_str().to_string();
    let delay = latency_for(&sh.lock(), &method, &path);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    match process(&sh, &parts, &bytes) {
        Outcome::Respond(r) => r,
        Outcome::Drop => {
            if let Some(k) = kill {
                k.0.notify_one();
            }
            std::future::pending::<Response>().await
        }
    }
}

/// Anything that is not the API: a tiny storefront page, like a real shop.
fn storefront(path: &str) -> Response {
    if path == "/" {
        let html = "<!doctype html><html lang=\"bg\"><head><meta charset=\"utf-8\"><title>CloudCart sandbox</title></head>\
                    <body><h1>Магазин (CloudCart sandbox)</h1><p>API: <code>/api/v2</code></p></body></html>";
        return ([("content-type", "text/html; charset=utf-8")], html).into_response();
    }
    (
        StatusCode::NOT_FOUND,
        [("content-type", "text/html; charset=utf-8")],
        "<!doctype html><html><body><h1>404</h1></body></html>",
    )
        .into_response()
}

fn process(sh: &Shared, parts: &axum::http::request::Parts, bytes: &[u8]) -> Outcome {
    let now = sh.clock.now();
    let method = parts.method.as_str();
    let path = parts.uri.path();
    let path_q = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| path.to_string());
    let key = parts
        .headers
        .get(API_KEY_HEADER)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let key_ok = key.as_deref() == Some(sh.api_key.as_str());
    let mut st = sh.lock();
    st.next_seq += 1;
    let mut entry = LoggedRequest {
        seq: st.next_seq,
        time: now,
        method: method.to_string(),
        path: path_q,
        headers: logged_headers(&parts.headers, key_ok),
        body: body_as_value(bytes),
        status: 0,
        response_body: None,
        fault: None,
        dropped: false,
    };
    let finish = |st: &mut State, mut entry: LoggedRequest, reply: Reply, raw: Option<Vec<u8>>| {
        let body = raw.or_else(|| {
            reply
                .body
                .as_ref()
                .map(|b| serde_json::to_vec(b).unwrap_or_default())
        });
        entry.status = reply.status;
        entry.response_body = body.as_deref().and_then(body_as_value);
        st.push_log(entry);
        Outcome::Respond(build_response(&reply, body))
    };

    // 1. Faults that strike before anything else.
    match pick_fault(&mut st, method, path, Phase::Pre) {
        Some(f @ Fault::DropConnection { .. }) => {
            entry.fault = Some(f.name().into());
            entry.dropped = true;
            st.push_log(entry);
            return Outcome::Drop;
        }
        Some(f @ (Fault::TooManyRequests { .. } | Fault::TooManyRequestsRetryAfter { .. })) => {
            entry.fault = Some(f.name().into());
            let limit = st.rate_limit.unwrap_or(60);
            let retry_after = match f {
                Fault::TooManyRequestsRetryAfter {
                    retry_after_secs, ..
                } => retry_after_secs,
                _ => RETRY_AFTER_SECS,
            };
            return finish(
                &mut st,
                entry,
                too_many(limit, now, false, retry_after),
                None,
            );
        }
        _ => {}
    }
    // 2. The rate limiter.
    let rl_headers = match rate_check(&mut st, now) {
        Ok(h) => h,
        Err(reply) => return finish(&mut st, entry, reply, None),
    };
    let with_rl = |mut r: Reply| {
        r.headers.extend(rl_headers.iter().cloned());
        r
    };
    // 3. Injected server errors.
    if let Some(f @ Fault::ServerError { status, .. }) =
        pick_fault(&mut st, method, path, Phase::Server)
    {
        entry.fault = Some(f.name().into());
        let reply = with_rl(ApiError::new(status).into_reply());
        return finish(&mut st, entry, reply, None);
    }
    // 4. Authentication.
    if !key_ok {
        let reply = with_rl(ApiError::unauthenticated().into_reply());
        return finish(&mut st, entry, reply, None);
    }
    // 5. The API itself.
    let host = parts
        .headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_string();
    let ctx = Ctx {
        base: format!("http://{host}/api/v2"),
        show_links: parts
            .headers
            .get("x-show-links")
            .is_some_and(|v| v.as_bytes() == b"1"),
        now,
    };
    let content_type = parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok());
    let req = ApiRequest {
        method,
        path: path.strip_prefix("/api/v2").unwrap_or(""),
        query: Query::parse(parts.uri.query()),
        body: bytes,
        content_type,
    };
    let reply = with_rl(api::handle(&mut st, &ctx, &req));
    // 6. Faults that strike after the work is done.
    match pick_fault(&mut st, method, path, Phase::Post) {
        Some(f @ Fault::MalformedJson { .. }) => {
            entry.fault = Some(f.name().into());
            let full = reply
                .body
                .as_ref()
                .map(|b| serde_json::to_vec(b).unwrap_or_default())
                .unwrap_or_else(|| b"{\"data\":".to_vec());
            let cut = (full.len() / 2).max(1);
            let mut broken = full[..cut].to_vec();
            if serde_json::from_slice::<Value>(&broken).is_ok() {
                broken.push(b'{');
            }
            let mut reply = reply;
            if reply.body.is_none() {
                reply.body = Some(Value::Null);
                reply.status = 200;
            }
            finish(&mut st, entry, reply, Some(broken))
        }
        Some(f @ Fault::DropConnectionAfterCommit { .. }) => {
            entry.fault = Some(f.name().into());
            entry.dropped = true;
            entry.status = 0;
            entry.response_body = None;
            st.push_log(entry);
            Outcome::Drop
        }
        _ => finish(&mut st, entry, reply, None),
    }
}

/// Accepts connections until `shutdown` flips. Each connection can be
/// killed by its requests (see [`ConnKill`]).
pub(crate) async fn serve(listener: TcpListener, app: Router, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let app = app.clone();
                let mut conn_shutdown = shutdown.clone();
                tokio::spawn(async move {
                    let kill = Arc::new(Notify::new());
                    let kill_for_requests = kill.clone();
                    let svc = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                        req.extensions_mut().insert(ConnKill(kill_for_requests.clone()));
                        app.clone().oneshot(req.map(Body::new))
                    });
                    let conn = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc);
                    tokio::select! {
                        _ = conn => {}
                        _ = kill.notified() => {}
                        _ = conn_shutdown.changed() => {}
                    }
                });
            }
            _ = shutdown.changed() => break,
        }
    }
}
