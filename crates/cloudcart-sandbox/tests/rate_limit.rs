//! Rate-limit headers, the 429 body, recovery and the plan without API.

mod common;

use std::time::Duration;

use cloudcart_sandbox::{Sandbox, SandboxConfig, Seed};
use common::*;
use reqwest::Method;
use serde_json::json;

async fn limited(limit: Option<u32>) -> Sandbox {
    Sandbox::start(SandboxConfig {
        rate_limit_per_minute: limit,
        seed: Seed::Generated {
            products: 2,
            orders: 0,
            rng_seed: 1,
        },
        ..Default::default()
    })
    .await
    .unwrap()
}

fn header(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
}

#[tokio::test]
async fn limit_minus_one_pass_then_429_then_recovery_after_a_minute() {
    let sb = limited(Some(5)).await;
    let mut remaining = Vec::new();
    for _ in 0..4 {
        let r = call(&sb, Method::GET, "/products", None).await;
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(header(&r, "x-ratelimit-limit").as_deref(), Some("5"));
        let reset: i64 = header(&r, "x-ratelimit-reset").unwrap().parse().unwrap();
        assert!((reset - (sb.clock().now().timestamp() + 60)).abs() <= 2);
        remaining.push(header(&r, "x-ratelimit-remaining").unwrap());
    }
    assert_eq!(remaining, vec!["4", "3", "2", "1"]);
    let r = call(&sb, Method::GET, "/products", None).await;
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(header(&r, "retry-after").as_deref(), Some("60"));
    assert_eq!(header(&r, "x-ratelimit-remaining").as_deref(), Some("0"));
    assert_eq!(header(&r, "x-ratelimit-limit").as_deref(), Some("5"));
    assert!(
        header(&r, "content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "Too Many Requests");
    assert_eq!(body["retry_after"], 60);
    assert!(body["message"].as_str().unwrap().len() > 10);
    assert!(body.get("errors").is_none(), "not the JSON:API envelope");

    // 59 s later the window still holds the requests.
    sb.clock().advance(Duration::from_secs(59));
    assert_eq!(
        call(&sb, Method::GET, "/products", None)
            .await
            .status()
            .as_u16(),
        429
    );
    sb.clock().advance(Duration::from_secs(1));
    let r = call(&sb, Method::GET, "/products", None).await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(header(&r, "x-ratelimit-remaining").as_deref(), Some("4"));

    let statuses: Vec<u16> = sb.state().request_log().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![200, 200, 200, 200, 429, 429, 200]);
    sb.shutdown().await;
}

#[tokio::test]
async fn the_window_slides() {
    let sb = limited(Some(3)).await;
    assert_eq!(
        call(&sb, Method::GET, "/products", None)
            .await
            .status()
            .as_u16(),
        200
    );
    sb.clock().advance(Duration::from_secs(30));
    assert_eq!(
        call(&sb, Method::GET, "/products", None)
            .await
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        call(&sb, Method::GET, "/products", None)
            .await
            .status()
            .as_u16(),
        429
    );
    // The first request leaves the window 60 s after it was made.
    sb.clock().advance(Duration::from_secs(30));
    assert_eq!(
        call(&sb, Method::GET, "/products", None)
            .await
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        call(&sb, Method::GET, "/products", None)
            .await
            .status()
            .as_u16(),
        429
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn plan_without_api_answers_429_with_limit_zero() {
    let sb = limited(Some(0)).await;
    for path in ["/products", "/orders/1", "/webhooks"] {
        let r = call(&sb, Method::GET, path, None).await;
        assert_eq!(r.status().as_u16(), 429, "{path}");
        assert_eq!(header(&r, "x-ratelimit-limit").as_deref(), Some("0"));
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"], "Too Many Requests");
        assert!(body["message"].as_str().unwrap().contains("plan"));
    }
    // Even a request without a key.
    let r = client()
        .get(format!("{}/products", sb.api_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    sb.clock().advance(Duration::from_secs(120));
    assert_eq!(
        call(&sb, Method::GET, "/products", None)
            .await
            .status()
            .as_u16(),
        429
    );
    // Upgrading the plan.
    sb.state().set_rate_limit(Some(50));
    assert_eq!(
        call(&sb, Method::GET, "/products", None)
            .await
            .status()
            .as_u16(),
        200
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn unlimited_advertises_a_limit_no_client_reaches() {
    let sb = limited(None).await;
    for _ in 0..30 {
        let r = call(&sb, Method::GET, "/products", None).await;
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(
            r.headers()
                .get("x-ratelimit-limit")
                .unwrap()
                .to_str()
                .unwrap(),
            cloudcart_sandbox::UNLIMITED_ADVERTISED_LIMIT.to_string()
        );
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn admin_api_changes_the_limit_and_advances_the_clock() {
    let sb = limited(None).await;
    let c = client();
    let r = c
        .put(format!("{}/__sandbox/rate-limit", sb.base_url()))
        .json(&json!({"per_minute": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        call(&sb, Method::GET, "/products", None)
            .await
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        call(&sb, Method::GET, "/products", None)
            .await
            .status()
            .as_u16(),
        429
    );
    let r = c
        .post(format!("{}/__sandbox/clock/advance", sb.base_url()))
        .json(&json!({"seconds": 60}))
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["offset_seconds"], 60);
    assert_eq!(
        call(&sb, Method::GET, "/products", None)
            .await
            .status()
            .as_u16(),
        200
    );
    // The admin API itself is neither limited nor logged.
    for _ in 0..5 {
        let r = c
            .get(format!("{}/__sandbox/requests", sb.base_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
    let log: Vec<serde_json::Value> = c
        .get(format!("{}/__sandbox/requests", sb.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log.len(), 3);
    assert_eq!(log[1]["status"], 429);
    sb.shutdown().await;
}
