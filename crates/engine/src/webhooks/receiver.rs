//! The receiver of a running server: an HTTP listener that checks each delivery, keeps its
//! orders in the journal's inbox, answers at once, and tells the server's loop to import them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::inbox::Inbox;
use super::{
    API_KEY_HEADER, ReceiverState, ReceiverStatus, SECRET_HEADER, same_secret, shop_host_of,
};
use crate::journal::{Journal, JournalError};
use crate::orders::{DeliveredOrder, OrderVersions};
use crate::secrets::SecretStore;
use crate::settings::Server;

/// The answer is given within this, well inside the shop's 5 s; a journal that does not take the
/// orders in time gets 503, and the shop delivers again later.
const ANSWER_WITHIN: Duration = Duration::from_secs(3);

/// How long a receiver waits for its address while another listener (a receiver of the same
/// server just stopped) lets it go.
const BIND_WAIT: Duration = Duration::from_secs(5);

/// What the receiver needs of the engine.
pub(crate) struct Desk {
    /// The server's settings as the engine holds them now (`None`: it was deleted).
    pub settings: Box<dyn Fn() -> Option<Server> + Send + Sync>,
    pub secrets: Arc<dyn SecretStore>,
    pub journal: Journal,
    /// Orders were taken in: the server's loop runs a delivery job.
    pub arrived: Box<dyn Fn() + Send + Sync>,
    /// The receiver's status changed (`None`: it stopped).
    pub publish: Box<dyn Fn(Option<ReceiverStatus>) + Send + Sync>,
}

/// The state of one listener.
struct Counter {
    desk: Desk,
    inbox: Inbox,
    versions: OrderVersions,
    status: Mutex<ReceiverStatus>,
}

impl Counter {
    fn note(&self, f: impl FnOnce(&mut ReceiverStatus)) {
        let copy = {
            let mut st = self.status.lock().expect("receiver status");
            f(&mut st);
            st.clone()
        };
        (self.desk.publish)(Some(copy));
    }
}

fn status(address: String, state: ReceiverState) -> ReceiverStatus {
    ReceiverStatus {
        address,
        state,
        accepted: 0,
        dropped: 0,
        refused: 0,
        last_delivery: None,
    }
}

/// Listen on `bind` until `stop`: the status says whether it could. Orders an earlier receiver
/// acknowledged but did not import (a stop, a crash) are imported first.
pub(crate) async fn listen(desk: Desk, bind: String, stop: CancellationToken) {
    let listener = match bind_waiting(&bind, &stop).await {
        Ok(l) => l,
        Err(detail) => {
            (desk.publish)(Some(status(bind, ReceiverState::CannotListen { detail })));
            return;
        }
    };
    let address = listener.local_addr().map(|a| a.to_string()).unwrap_or(bind);
    let stores = async {
        Ok::<_, JournalError>((
            Inbox::open(&desk.journal).await?,
            OrderVersions::open(&desk.journal).await?,
        ))
    };
    let (inbox, versions) = match stores.await {
        Ok(s) => s,
        Err(e) => {
            let detail = e.to_string();
            (desk.publish)(Some(status(
                address,
                ReceiverState::CannotListen { detail },
            )));
            return;
        }
    };
    let counter = Arc::new(Counter {
        desk,
        inbox,
        versions,
        status: Mutex::new(status(address, ReceiverState::Listening)),
    });
    counter.note(|_| {});
    if let Some(server) = (counter.desk.settings)()
        && counter.inbox.any(&server.id).await.unwrap_or(false)
    {
        (counter.desk.arrived)();
    }
    let app = Router::new().fallback(receive).with_state(counter.clone());
    let _ = axum::serve(listener, app)
        .with_graceful_shutdown(stop.cancelled_owned())
        .await;
    (counter.desk.publish)(None);
}

async fn bind_waiting(
    bind: &str,
    stop: &CancellationToken,
) -> Result<tokio::net::TcpListener, String> {
    let addr: std::net::SocketAddr = bind.parse().map_err(|e| format!("{bind}: {e}"))?;
    let deadline = tokio::time::Instant::now() + BIND_WAIT;
    loop {
        match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => return Ok(l),
            Err(e)
                if e.kind() == std::io::ErrorKind::AddrInUse
                    && tokio::time::Instant::now() < deadline
                    && !stop.is_cancelled() =>
            {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => return Err(format!("{bind}: {e}")),
        }
    }
}

/// One delivery: checked, its orders kept, answered.
async fn receive(
    State(c): State<Arc<Counter>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, &'static str) {
    if method != Method::POST {
        return (StatusCode::METHOD_NOT_ALLOWED, "POST only");
    }
    let Some(server) = (c.desk.settings)() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "");
    };
    // The secret store may be the OS keychain: read off the async threads.
    let secrets = c.desk.secrets.clone();
    let names = (server.webhook_secret(), server.shop.api_key.clone());
    let kept = tokio::task::spawn_blocking(move || {
        let secret = secrets.get(&names.0).ok().filter(|s| !s.is_empty())?;
        let key = secrets.get(&names.1).ok().filter(|k| !k.is_empty())?;
        Some((secret, key))
    })
    .await
    .ok()
    .flatten();
    // Without its own secret and key the receiver cannot tell the shop from anyone else; the
    // shop delivers again later.
    let Some((secret, key)) = kept else {
        return (StatusCode::SERVICE_UNAVAILABLE, "");
    };
    let given = |name: &str| headers.get(name).map(|v| v.as_bytes()).unwrap_or_default();
    let genuine = same_secret(given(SECRET_HEADER), secret.as_bytes())
        & same_secret(given(API_KEY_HEADER), key.as_bytes());
    if !genuine {
        c.note(|s| s.refused += 1);
        return (StatusCode::UNAUTHORIZED, "");
    }
    let orders = delivered_orders(&body);
    let host = shop_host_of(&server.shop.base_url).unwrap_or_else(|| server.shop.base_url.clone());
    let keep = async {
        let (mut accepted, mut dropped) = (0u64, 0u64);
        for d in &orders {
            if c.versions
                .is_handled(&server.id, &host, &d.order_id, d.updated_at)
                .await?
            {
                dropped += 1;
            } else {
                c.inbox.put(&server.id, &d.order_id, d.updated_at).await?;
                accepted += 1;
            }
        }
        Ok::<_, JournalError>((accepted, dropped))
    };
    match tokio::time::timeout(ANSWER_WITHIN, keep).await {
        Ok(Ok((accepted, dropped))) => {
            let now = Utc::now();
            c.note(|s| {
                s.accepted += accepted;
                // A delivery without an order counts as dropped.
                s.dropped += if orders.is_empty() { 1 } else { dropped };
                s.last_delivery = Some(now);
            });
            if accepted > 0 {
                (c.desk.arrived)();
            }
            (StatusCode::OK, "ok")
        }
        _ => (StatusCode::SERVICE_UNAVAILABLE, ""),
    }
}

/// The orders of a delivery: decoded as the shop client decodes them, else (a payload the
/// decoder refuses) at least each element's `id` and `updated_at` — the order itself is read
/// again from the shop's API anyway.
pub(crate) fn delivered_orders(body: &[u8]) -> Vec<DeliveredOrder> {
    if let Ok(orders) = skladsync_cloudcart::decode_order_webhook(body) {
        return orders
            .into_iter()
            .map(|o| DeliveredOrder {
                order_id: o.id.to_string(),
                updated_at: o.updated_at,
            })
            .collect();
    }
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    let elements = match v {
        Value::Array(items) => items,
        Value::Object(ref m) => match m.get("data") {
            Some(Value::Array(items)) => items.clone(),
            Some(one @ Value::Object(_)) => vec![one.clone()],
            _ => vec![v.clone()],
        },
        _ => Vec::new(),
    };
    elements
        .iter()
        .filter_map(|e| {
            let id = match e.get("id")? {
                Value::String(s) if !s.trim().is_empty() => s.trim().to_owned(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            let updated_at = e
                .get("updated_at")
                .or_else(|| e.get("attributes").and_then(|a| a.get("updated_at")))
                .and_then(Value::as_str)
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|d| d.with_timezone(&Utc));
            Some(DeliveredOrder {
                order_id: id,
                updated_at,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_the_decoder_refuses_still_names_its_order() {
        let good = br#"[{"id": 1019, "updated_at": "2026-11-25T10:00:00+00:00", "products": []}]"#;
        let d = delivered_orders(good);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].order_id, "1019");
        assert!(d[0].updated_at.is_some());
        // A line without its id: the decoder refuses it, the order is still named.
        let odd = br#"[{"id": "1020", "updated_at": "2026-11-25T10:00:00Z", "products": [{"quantity": "x"}]}]"#;
        assert!(skladsync_cloudcart::decode_order_webhook(odd).is_err());
        let d = delivered_orders(odd);
        assert_eq!(d[0].order_id, "1020");
        assert!(d[0].updated_at.is_some());
        assert!(delivered_orders(b"not json").is_empty());
        assert!(delivered_orders(br#"[{"no_id": 1}]"#).is_empty());
    }
}
