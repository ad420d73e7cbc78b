//! The admin HTTP API as a shopper/merchant would use it, and the binary.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn shopper_and_merchant_through_the_admin_api() {
    let sb = generated(10, 0).await;
    let c = client();
    let admin = sb.admin_url();
    let v = sb
        .state()
        .variants()
        .into_iter()
        .find(|v| v.quantity.unwrap_or(0.0) >= 2.0)
        .unwrap();
    let r = c
        .post(format!("{admin}/orders"))
        .json(&json!({
            "lines": [{"variant_id": v.id, "quantity": 2}],
            "payment_provider": "cod",
            "customer": {"first_name": "Иван", "last_name": "Иванов", "email": "ivan@example.bg",
                "city": "Русе", "post_code": "7000", "street": "ул. „Александровска“",
                "company": {"name": "Дунав Агро АД", "eik": "117025390", "vat": "BG117025390", "person": "Иван Иванов"}}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let placed: Value = r.json().await.unwrap();
    let id = placed["id"].as_u64().unwrap();

    // The client sees it over the API.
    let (_, list) = get(&sb, "/orders?sort=-date_added").await;
    assert_eq!(ids(&list), vec![id.to_string()]);
    let (_, billing) = get(&sb, &format!("/orders/{id}/billing-address")).await;
    assert_eq!(billing["data"]["attributes"]["company_vat"], "BG117025390");
    assert_eq!(
        billing["data"]["attributes"]["company_registration_number"],
        "117025390"
    );
    let (_, pay) = get(&sb, &format!("/orders/{id}/payment")).await;
    assert_eq!(pay["data"]["attributes"]["status"], "requested");

    let r = c
        .post(format!("{admin}/orders/{id}/paid"))
        .json(&json!({"paid": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let (_, o) = get(&sb, &format!("/orders/{id}")).await;
    assert_eq!(o["data"]["attributes"]["status"], "paid");
    c.post(format!("{admin}/orders/{id}/fulfill"))
        .send()
        .await
        .unwrap();
    let (_, o) = get(&sb, &format!("/orders/{id}")).await;
    assert_eq!(o["data"]["attributes"]["status"], "completed");
    assert_eq!(o["data"]["attributes"]["status_fulfillment"], "fulfilled");
    let r = c
        .post(format!("{admin}/orders/{id}/status"))
        .json(&json!({"status": "no-such-status"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);

    // Merchant edits stock; the client sees it.
    c.patch(format!("{admin}/variants/{}", v.id))
        .json(&json!({"quantity": null}))
        .send()
        .await
        .unwrap();
    let (_, var) = get(&sb, &format!("/variants/{}", v.id)).await;
    assert!(var["data"]["attributes"]["quantity"].is_null());

    // An unknown variant is refused.
    let r = c
        .post(format!("{admin}/orders"))
        .json(&json!({"lines": [{"variant_id": 999999, "quantity": 1}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);

    let exported: Value = c
        .get(format!("{admin}/export"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(exported["orders"].as_array().unwrap().len(), 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn show_links_header_adds_self_links() {
    let sb = generated(2, 0).await;
    let r = client()
        .get(format!("{}/products", sb.api_url()))
        .header("X-CloudCart-ApiKey", sb.api_key())
        .header("X-Show-Links", "1")
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    let link = v["data"][0]["links"]["self"].as_str().unwrap();
    assert!(link.starts_with(&sb.api_url()) && link.contains("/products/"));
    let (_, plain) = get(&sb, "/products").await;
    assert!(plain["data"][0].get("links").is_none());
    sb.shutdown().await;
}

#[tokio::test]
async fn the_binary_prints_the_url_and_key_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cloudcart-sandbox"))
        .args([
            "--port",
            "0",
            "--products",
            "5",
            "--orders",
            "2",
            "--rate-limit",
            "30",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut url = None;
    let mut key = None;
    for _ in 0..8 {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(u) = line.trim().strip_prefix("API URL:") {
            url = Some(u.trim().to_string());
        }
        if let Some(k) = line.trim().strip_prefix("API key:") {
            key = Some(k.trim().to_string());
        }
        if url.is_some() && key.is_some() {
            break;
        }
    }
    let (url, key) = (url.expect("URL printed"), key.expect("key printed"));
    assert_eq!(key, cloudcart_sandbox::DEFAULT_API_KEY);
    assert!(url.starts_with("http://127.0.0.1:") && url.ends_with("/api/v2"));
    let r = client()
        .get(format!("{url}/products"))
        .header("X-CloudCart-ApiKey", &key)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let limit = r
        .headers()
        .get("x-ratelimit-limit")
        .map(|v| v.to_str().unwrap().to_string());
    let body: Value = r.json().await.unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, 200);
    assert_eq!(limit.as_deref(), Some("30"));
    assert_eq!(body["meta"]["page"]["total"], 5);
}
