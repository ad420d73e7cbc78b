//! The admin API under `/__sandbox/` (no API key, never rate-limited, never
//! faulted, not in the request log).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::SandboxHandle;
use crate::server::Shared;
use crate::shop::PlaceOrder;
use crate::state::{Fault, FaultRule};

type S = State<Arc<Shared>>;

fn handle(sh: &Arc<Shared>) -> SandboxHandle {
    SandboxHandle { shared: sh.clone() }
}

fn err(status: StatusCode, msg: impl std::fmt::Display) -> Response {
    (status, Json(json!({"error": msg.to_string()}))).into_response()
}

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/", get(summary))
        .route("/export", get(export))
        .route("/orders", post(place_order))
        .route("/orders/{id}/status", post(order_status))
        .route("/orders/{id}/paid", post(order_paid))
        .route("/orders/{id}/fulfill", post(order_fulfill))
        .route("/variants/{id}", axum::routing::patch(patch_variant))
        .route("/requests", get(requests).delete(clear_requests))
        .route("/faults", get(faults).post(add_fault).delete(clear_faults))
        .route("/rate-limit", get(get_rate_limit).put(set_rate_limit))
        .route("/clock", get(get_clock))
        .route("/clock/advance", post(advance_clock))
        .route("/webhook-deliveries", get(deliveries))
        .route("/settings", put(settings))
}

async fn summary(State(sh): S) -> Json<Value> {
    let h = handle(&sh);
    let st = h.export();
    Json(json!({
        "products": st.products.values().filter(|p| p.deleted_at.is_none()).count(),
        "variants": st.variants.len(),
        "categories": st.categories.len(),
        "customers": st.customers.len(),
        "orders": st.orders.len(),
        "webhooks": st.webhooks.len(),
        "rate_limit_per_minute": h.rate_limit(),
        "clock": crate::clock::iso(&sh.clock.now()),
        "requests_logged": h.request_log().len(),
    }))
}

async fn export(State(sh): S) -> Json<Value> {
    Json(serde_json::to_value(handle(&sh).export()).unwrap_or(Value::Null))
}

async fn place_order(State(sh): S, Json(po): Json<PlaceOrder>) -> Response {
    let h = handle(&sh);
    match h.place_order(po) {
        Ok(id) => (
            StatusCode::CREATED,
            Json(json!({"id": id, "order": h.order(id)})),
        )
            .into_response(),
        Err(e) => err(StatusCode::UNPROCESSABLE_ENTITY, e),
    }
}

#[derive(Deserialize)]
struct StatusBody {
    status: String,
}

async fn order_status(State(sh): S, Path(id): Path<u64>, Json(b): Json<StatusBody>) -> Response {
    let h = handle(&sh);
    match h.set_order_status(id, &b.status) {
        Ok(()) => Json(json!({"order": h.order(id)})).into_response(),
        Err(e) => err(StatusCode::UNPROCESSABLE_ENTITY, e),
    }
}

#[derive(Deserialize)]
struct PaidBody {
    paid: bool,
}

async fn order_paid(State(sh): S, Path(id): Path<u64>, Json(b): Json<PaidBody>) -> Response {
    let h = handle(&sh);
    match h.set_order_paid(id, b.paid) {
        Ok(()) => Json(json!({"order": h.order(id)})).into_response(),
        Err(e) => err(StatusCode::UNPROCESSABLE_ENTITY, e),
    }
}

async fn order_fulfill(State(sh): S, Path(id): Path<u64>) -> Response {
    let h = handle(&sh);
    match h.set_order_fulfilled(id) {
        Ok(()) => Json(json!({"order": h.order(id)})).into_response(),
        Err(e) => err(StatusCode::UNPROCESSABLE_ENTITY, e),
    }
}

#[derive(Deserialize)]
struct VariantEdit {
    /// `null` = unlimited; absent = unchanged.
    #[serde(default, deserialize_with = "some_option")]
    quantity: Option<Option<f64>>,
    price: Option<i64>,
}

fn some_option<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<f64>>, D::Error> {
    Option::<f64>::deserialize(d).map(Some)
}

async fn patch_variant(State(sh): S, Path(id): Path<u64>, Json(b): Json<VariantEdit>) -> Response {
    let h = handle(&sh);
    if let Some(q) = b.quantity
        && let Err(e) = h.set_variant_quantity(id, q)
    {
        return err(StatusCode::NOT_FOUND, e);
    }
    if let Some(p) = b.price
        && let Err(e) = h.set_variant_price(id, p)
    {
        return err(StatusCode::NOT_FOUND, e);
    }
    Json(json!({"variant": h.variant(id)})).into_response()
}

async fn requests(State(sh): S) -> Json<Value> {
    Json(serde_json::to_value(handle(&sh).request_log()).unwrap_or(Value::Null))
}

async fn clear_requests(State(sh): S) -> StatusCode {
    handle(&sh).clear_request_log();
    StatusCode::NO_CONTENT
}

/// JSON form of a fault rule:
/// `{"kind":"server_error","status":503,"times":2,"path":"/api/v2/variants","method":"PATCH","probability":0.5}`;
/// kinds: server_error, latency (`ms`), malformed_json, too_many_requests (`retry_after`),
/// drop_connection, drop_connection_after_commit.
#[derive(Deserialize)]
struct FaultSpec {
    kind: String,
    status: Option<u16>,
    times: Option<u32>,
    ms: Option<u64>,
    retry_after: Option<u64>,
    path: Option<String>,
    method: Option<String>,
    probability: Option<f64>,
}

impl FaultSpec {
    fn into_rule(self) -> Result<FaultRule, String> {
        let times = self.times.unwrap_or(1);
        let fault = match self.kind.as_str() {
            "server_error" => Fault::ServerError {
                status: self.status.unwrap_or(500),
                times,
            },
            "latency" => Fault::Latency(Duration::from_millis(self.ms.unwrap_or(1000))),
            "malformed_json" => Fault::MalformedJson { times },
            "too_many_requests" => match self.retry_after {
                Some(retry_after_secs) => Fault::TooManyRequestsRetryAfter {
                    retry_after_secs,
                    times,
                },
                None => Fault::TooManyRequests { times },
            },
            "drop_connection" => Fault::DropConnection { times },
            "drop_connection_after_commit" => Fault::DropConnectionAfterCommit { times },
            other => return Err(format!("unknown fault kind {other}")),
        };
        if let Some(p) = self.probability
            && !(0.0..=1.0).contains(&p)
        {
            return Err("probability must be between 0 and 1".into());
        }
        Ok(FaultRule {
            fault,
            path: self.path,
            method: self.method,
            probability: self.probability,
        })
    }
}

fn fault_json(rule: &FaultRule, left: Option<u32>) -> Value {
    let mut v = json!({
        "kind": rule.fault.name(), "left": left, "path": rule.path,
        "method": rule.method, "probability": rule.probability,
    });
    match &rule.fault {
        Fault::ServerError { status, .. } => v["status"] = json!(status),
        Fault::Latency(d) => v["ms"] = json!(d.as_millis() as u64),
        _ => {}
    }
    v
}

async fn faults(State(sh): S) -> Json<Value> {
    let list: Vec<Value> = handle(&sh)
        .faults()
        .iter()
        .map(|(r, l)| fault_json(r, *l))
        .collect();
    Json(Value::Array(list))
}

async fn add_fault(State(sh): S, Json(spec): Json<FaultSpec>) -> Response {
    match spec.into_rule() {
        Ok(rule) => {
            let v = fault_json(&rule, rule.fault.times());
            handle(&sh).set_fault(rule);
            (StatusCode::CREATED, Json(v)).into_response()
        }
        Err(e) => err(StatusCode::UNPROCESSABLE_ENTITY, e),
    }
}

async fn clear_faults(State(sh): S) -> StatusCode {
    handle(&sh).clear_faults();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct RateLimitBody {
    per_minute: Option<u32>,
}

async fn get_rate_limit(State(sh): S) -> Json<Value> {
    Json(json!({"per_minute": handle(&sh).rate_limit()}))
}

async fn set_rate_limit(State(sh): S, Json(b): Json<RateLimitBody>) -> Json<Value> {
    handle(&sh).set_rate_limit(b.per_minute);
    Json(json!({"per_minute": b.per_minute}))
}

async fn get_clock(State(sh): S) -> Json<Value> {
    Json(json!({
        "now": crate::clock::iso(&sh.clock.now()),
        "offset_seconds": sh.clock.offset().as_secs(),
    }))
}

#[derive(Deserialize)]
struct AdvanceBody {
    seconds: u64,
}

async fn advance_clock(State(sh): S, Json(b): Json<AdvanceBody>) -> Json<Value> {
    sh.clock.advance(Duration::from_secs(b.seconds));
    get_clock(State(sh)).await
}

async fn deliveries(State(sh): S) -> Json<Value> {
    let h = handle(&sh);
    Json(json!({
        "attempts": h.webhook_attempts(),
        "pending": h.pending_webhook_deliveries(),
    }))
}

#[derive(Deserialize)]
struct Settings {
    product_webhooks_on_api_writes: Option<bool>,
}

async fn settings(State(sh): S, Json(b): Json<Settings>) -> Json<Value> {
    if let Some(on) = b.product_webhooks_on_api_writes {
        handle(&sh).set_product_webhooks_on_api_writes(on);
    }
    Json(json!({"ok": true}))
}
