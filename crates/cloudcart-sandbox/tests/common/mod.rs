//! Shared helpers for the sandbox's HTTP tests.
#![allow(dead_code)]

use cloudcart_sandbox::{Sandbox, SandboxConfig, Seed};
use reqwest::{Client, Method, Response};
use serde_json::Value;

pub const JSONAPI: &str = "application/vnd.api+json";

pub fn client() -> Client {
    Client::builder().no_proxy().build().expect("client")
}

pub async fn start(seed: Seed) -> Sandbox {
    Sandbox::start(SandboxConfig {
        seed,
        ..Default::default()
    })
    .await
    .expect("sandbox starts")
}

pub async fn generated(products: usize, orders: usize) -> Sandbox {
    start(Seed::Generated {
        products,
        orders,
        rng_seed: 7,
    })
    .await
}

/// A request with the right key and the JSON:API media type.
pub async fn call(sb: &Sandbox, method: Method, path: &str, body: Option<Value>) -> Response {
    let mut req = client()
        .request(method, format!("{}{}", sb.api_url(), path))
        .header("X-CloudCart-ApiKey", sb.api_key())
        .header("Accept", JSONAPI);
    if let Some(b) = body {
        req = req
            .header("Content-Type", JSONAPI)
            .body(serde_json::to_vec(&b).unwrap());
    }
    req.send().await.expect("request is answered")
}

pub async fn get(sb: &Sandbox, path: &str) -> (u16, Value) {
    json_of(call(sb, Method::GET, path, None).await).await
}

pub async fn post(sb: &Sandbox, path: &str, body: Value) -> (u16, Value) {
    json_of(call(sb, Method::POST, path, Some(body)).await).await
}

pub async fn patch(sb: &Sandbox, path: &str, body: Value) -> (u16, Value) {
    json_of(call(sb, Method::PATCH, path, Some(body)).await).await
}

pub async fn delete(sb: &Sandbox, path: &str) -> (u16, Value) {
    json_of(call(sb, Method::DELETE, path, None).await).await
}

pub async fn json_of(resp: Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    let v = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };
    (status, v)
}

/// The first error object's detail and pointer.
pub fn error_of(v: &Value) -> (String, String, String) {
    let e = &v["errors"][0];
    (
        e["status"].as_str().unwrap_or("").to_string(),
        e["detail"].as_str().unwrap_or("").to_string(),
        e["source"]["pointer"]
            .as_str()
            .or(e["source"]["parameter"].as_str())
            .unwrap_or("")
            .to_string(),
    )
}

/// Ids of a collection document's `data`.
pub fn ids(v: &Value) -> Vec<String> {
    v["data"]
        .as_array()
        .expect("data is an array")
        .iter()
        .map(|r| r["id"].as_str().expect("string id").to_string())
        .collect()
}

pub fn product_body(name: &str, category: &str) -> Value {
    serde_json::json!({"data": {"type": "products",
        "attributes": {"name": name, "tracking": "yes", "active": "yes"},
        "relationships": {"category": {"data": {"type": "categories", "id": category}}}}})
}
