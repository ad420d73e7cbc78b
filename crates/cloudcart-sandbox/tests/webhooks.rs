//! Webhook registration and delivery to a local receiver.

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use cloudcart_sandbox::{PlaceOrder, PlaceOrderLine, Sandbox};
use common::*;
use serde_json::{Value, json};

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
    /// Statuses (and bodies) to answer with, in order; then 200.
    script: Arc<Mutex<VecDeque<(u16, &'static str)>>>,
}

impl Receiver {
    async fn start(script: Vec<(u16, &'static str)>) -> (Receiver, String) {
        let r = Receiver {
            script: Arc::new(Mutex::new(script.into())),
            ..Default::default()
        };
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(r.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (r, url)
    }
    fn count(&self) -> usize {
        self.got.lock().unwrap().len()
    }
    fn nth(&self, i: usize) -> (HeaderMap, Value) {
        self.got.lock().unwrap()[i].clone()
    }
}

async fn receive(
    State(r): State<Receiver>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, &'static str) {
    let v: Value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    r.got.lock().unwrap().push((headers, v));
    let (status, text) = r.script.lock().unwrap().pop_front().unwrap_or((200, "ok"));
    (StatusCode::from_u16(status).unwrap(), text)
}

async fn wait_for(what: &str, cond: impl FnMut() -> bool) {
    wait_for_within(what, Duration::from_secs(5), cond).await
}

async fn wait_for_within(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    for _ in 0..limit.as_millis() / 20 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn register(sb: &Sandbox, url: &str, event: &str) -> String {
    let (s, v) = post(
        sb,
        "/webhooks",
        json!({"data": {"type": "webhooks", "attributes": {
        "url": url, "event": event, "active": true, "new_version": 1,
        "request_headers": {"X-Skladsync-Secret": "s3cret"}}}}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    v["data"]["id"].as_str().unwrap().to_string()
}

fn one_line(sb: &Sandbox) -> PlaceOrder {
    let v = sb
        .state()
        .variants()
        .into_iter()
        .find(|v| v.quantity.unwrap_or(0.0) >= 5.0)
        .expect("a variant in stock");
    PlaceOrder {
        lines: vec![PlaceOrderLine {
            variant_id: v.id,
            quantity: 1.0,
        }],
        shipping_amount: Some(590),
        ..Default::default()
    }
}

#[tokio::test]
async fn registration_crud_and_validation() {
    let sb = generated(1, 0).await;
    let id = register(&sb, "http://127.0.0.1:9/hook", "order.created").await;
    let (_, v) = get(&sb, &format!("/webhooks/{id}")).await;
    let a = &v["data"]["attributes"];
    assert_eq!(a["event"], "order.created");
    assert_eq!(a["active"], 1);
    assert_eq!(a["request_headers"]["X-Skladsync-Secret"], "s3cret");
    // Headers are replaced as a whole.
    let (s, v) = patch(
        &sb,
        &format!("/webhooks/{id}"),
        json!({"data": {"type": "webhooks", "id": id,
        "attributes": {"request_headers": {"X-Other": "1"}, "active": "no"}}}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        v["data"]["attributes"]["request_headers"],
        json!({"X-Other": "1"})
    );
    assert_eq!(v["data"]["attributes"]["active"], 0);
    let (_, l) = get(
        &sb,
        "/webhooks?filter[active]=0&filter[event]=order.created",
    )
    .await;
    assert_eq!(ids(&l), vec![id.clone()]);
    let (s, e) = post(
        &sb,
        "/webhooks",
        json!({"data": {"type": "webhooks", "attributes": {
        "url": "http://127.0.0.1:9/x", "event": "order.created",
        "request_headers": [{"name": "X-A", "value": "1"}]}}}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(error_of(&e).2, "/data/attributes/request_headers");
    let (s, e) = post(
        &sb,
        "/webhooks",
        json!({"data": {"type": "webhooks", "attributes": {
        "url": "http://127.0.0.1:9/x", "event": "order.deleted"}}}),
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        e["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("List of valid events:")
    );
    assert!(e["errors"][0].get("title").is_none());
    let (s, _) = post(
        &sb,
        "/webhooks",
        json!({"data": {"type": "webhooks", "attributes": {
        "url": "ftp://example.bg/x", "event": "order.created"}}}),
    )
    .await;
    assert_eq!(s, 422);
    let (s, _) = delete(&sb, &format!("/webhooks/{id}")).await;
    assert_eq!(s, 204);
    assert_eq!(get(&sb, &format!("/webhooks/{id}")).await.0, 404);
    sb.shutdown().await;
}

#[tokio::test]
async fn order_created_is_delivered_as_an_array_with_headers_in_major_units() {
    let sb = generated(10, 0).await;
    let (rx, url) = Receiver::start(vec![]).await;
    register(&sb, &url, "order.created").await;
    let id = sb.state().place_order(one_line(&sb)).unwrap();
    wait_for("delivery", || rx.count() == 1).await;
    let (headers, body) = rx.nth(0);
    assert_eq!(headers["x-cloudcart-apikey"], sb.api_key());
    assert_eq!(headers["x-skladsync-secret"], "s3cret");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let arr = body.as_array().expect("body is an array");
    assert_eq!(arr.len(), 1);
    let o = &arr[0];
    let stored = sb.state().order(id).unwrap();
    assert_eq!(o["id"], id);
    assert_eq!(o["status"], "pending");
    let total = o["order_total"].as_f64().unwrap();
    assert!(
        (total - stored.price_total as f64 / 100.0).abs() < 1e-9,
        "major units"
    );
    assert_eq!(o["shipping"][0]["provider_amount"], 5.9);
    assert_eq!(o["payment"]["provider"], "cod");
    assert!(o["customer"]["email"].is_string());
    assert!(o.get("usn").is_none(), "null fields are stripped");
    wait_for("attempt recorded", || {
        !sb.state().webhook_attempts().is_empty()
    })
    .await;
    let attempts = sb.state().webhook_attempts();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].outcome, "delivered");
    sb.shutdown().await;
}

#[tokio::test]
async fn api_order_patch_fires_order_updated() {
    let sb = generated(10, 0).await;
    let (rx, url) = Receiver::start(vec![]).await;
    register(&sb, &url, "order.updated").await;
    let id = sb.state().place_order(one_line(&sb)).unwrap().to_string();
    let (s, _) = patch(
        &sb,
        &format!("/orders/{id}"),
        json!({"data": {"type": "orders", "id": id,
        "attributes": {"usn": "DT000600-OP01-0000042"}}}),
    )
    .await;
    assert_eq!(s, 200);
    wait_for("order.updated", || rx.count() == 1).await;
    assert_eq!(rx.nth(0).1[0]["usn"], "DT000600-OP01-0000042");
    sb.shutdown().await;
}

#[tokio::test]
async fn failures_follow_the_retry_schedule_then_disable_the_hook() {
    let sb = generated(10, 0).await;
    let (rx, url) = Receiver::start(vec![(500, "boom"); 10]).await;
    let hook = register(&sb, &url, "order.created").await;
    sb.state().place_order(one_line(&sb)).unwrap();
    wait_for("first attempt", || rx.count() == 1).await;
    let clock = sb.clock();
    // 1 attempt + 5 retries, 20 minutes in total.
    let schedule: [u64; 5] = [120, 180, 240, 300, 360];
    for (n, delay) in schedule.iter().enumerate() {
        // The retry is scheduled from when the sandbox saw the answer.
        wait_for("attempt recorded", || {
            sb.state().webhook_attempts().len() == n + 1
        })
        .await;
        // One second early: nothing happens.
        clock.advance(Duration::from_secs(*delay - 1));
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert_eq!(rx.count(), n + 1, "retry {} came early", n + 1);
        clock.advance(Duration::from_secs(1));
        // The sandbox clock also runs in real time, so this checks the
        // schedule to within about two seconds.
        wait_for_within("retry", Duration::from_secs(2), || rx.count() == n + 2).await;
    }
    wait_for("disable", || {
        sb.state()
            .webhooks()
            .iter()
            .any(|w| w.id.to_string() == hook && !w.active)
    })
    .await;
    assert_eq!(rx.count(), 6, "1 attempt + 5 retries");
    let outcomes: Vec<String> = sb
        .state()
        .webhook_attempts()
        .iter()
        .map(|a| a.outcome.clone())
        .collect();
    assert_eq!(outcomes.last().unwrap(), "disabled");
    assert_eq!(
        outcomes.iter().filter(|o| *o == "retry_scheduled").count(),
        5
    );
    // A disabled hook receives nothing more.
    clock.advance(Duration::from_secs(3600));
    sb.state().place_order(one_line(&sb)).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(rx.count(), 6);
    let (_, v) = get(&sb, &format!("/webhooks/{hook}")).await;
    assert_eq!(v["data"]["attributes"]["active"], 0);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_retry_that_succeeds_ends_the_schedule() {
    let sb = generated(10, 0).await;
    let (rx, url) = Receiver::start(vec![(503, "busy")]).await;
    register(&sb, &url, "order.created").await;
    sb.state().place_order(one_line(&sb)).unwrap();
    wait_for("first attempt", || sb.state().webhook_attempts().len() == 1).await;
    sb.clock().advance(Duration::from_secs(120));
    wait_for("retry", || rx.count() == 2).await;
    assert_eq!(rx.nth(0).1, rx.nth(1).1, "the retry carries the same body");
    wait_for("delivered", || sb.state().pending_webhook_deliveries() == 0).await;
    sb.clock().advance(Duration::from_secs(3600));
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(rx.count(), 2);
    assert!(sb.state().webhooks()[0].active);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_404_disables_at_once_and_unsubscribe_deletes() {
    let sb = generated(10, 0).await;
    let (rx, url) = Receiver::start(vec![(404, "gone"), (500, "please unsubscribe me")]).await;
    let first = register(&sb, &url, "order.created").await;
    sb.state().place_order(one_line(&sb)).unwrap();
    wait_for("disable", || !sb.state().webhooks()[0].active).await;
    assert_eq!(rx.count(), 1);
    assert_eq!(sb.state().webhook_attempts()[0].outcome, "disabled");
    delete(&sb, &format!("/webhooks/{first}")).await;
    register(&sb, &url, "order.created").await;
    sb.state().place_order(one_line(&sb)).unwrap();
    wait_for("delete", || sb.state().webhooks().is_empty()).await;
    assert_eq!(rx.count(), 2);
    sb.shutdown().await;
}

#[tokio::test]
async fn unreachable_receiver_is_retried() {
    let sb = generated(10, 0).await;
    // Bind and drop to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    register(
        &sb,
        &format!("http://127.0.0.1:{port}/hook"),
        "order.created",
    )
    .await;
    sb.state().place_order(one_line(&sb)).unwrap();
    wait_for("attempt", || !sb.state().webhook_attempts().is_empty()).await;
    let a = &sb.state().webhook_attempts()[0];
    assert!(a.status.is_none() && a.error.is_some());
    assert_eq!(a.outcome, "retry_scheduled");
    assert!(sb.state().webhooks()[0].active);
    sb.shutdown().await;
}

#[tokio::test]
async fn product_delete_fires_but_api_product_writes_do_not() {
    let sb = generated(4, 0).await;
    let (rx, url) = Receiver::start(vec![]).await;
    register(&sb, &url, "product.updated").await;
    register(&sb, &url, "product.deleted").await;
    let v = sb.state().variants()[0].clone();
    let (s, _) = patch(
        &sb,
        &format!("/variants/{}", v.id),
        json!({"data": {"type": "variants",
        "id": v.id.to_string(), "attributes": {"quantity": 3}}}),
    )
    .await;
    assert_eq!(s, 200);
    delete(&sb, &format!("/products/{}", v.item_id)).await;
    wait_for("product.deleted", || rx.count() == 1).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(rx.count(), 1);
    let p = &rx.nth(0).1[0];
    assert_eq!(p["id"], v.item_id.to_string());
    let price = p["variants"][0]["price"].as_str().unwrap();
    assert!(
        price.contains('.'),
        "legacy product payload has \"x.yy\" prices: {price}"
    );
    // The switch for the opposite behaviour.
    sb.state().set_product_webhooks_on_api_writes(true);
    let other = sb.state().variants()[0].clone();
    patch(
        &sb,
        &format!("/variants/{}", other.id),
        json!({"data": {"type": "variants",
        "id": other.id.to_string(), "attributes": {"quantity": 4}}}),
    )
    .await;
    wait_for("product.updated", || rx.count() == 2).await;
    sb.shutdown().await;
}

#[tokio::test]
async fn two_hooks_on_one_order_event_are_delayed_a_minute() {
    let sb = generated(10, 0).await;
    let (rx, url) = Receiver::start(vec![]).await;
    register(&sb, &url, "order.created").await;
    register(&sb, &url, "order.created").await;
    sb.state().place_order(one_line(&sb)).unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(rx.count(), 0);
    sb.clock().advance(Duration::from_secs(60));
    wait_for("both deliveries", || rx.count() == 2).await;
    sb.shutdown().await;
}
