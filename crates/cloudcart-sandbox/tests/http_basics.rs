//! Status codes and bodies of the transport-level rules.

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn missing_or_wrong_key_is_401_with_the_exact_body() {
    let sb = generated(3, 0).await;
    let c = client();
    let missing = c
        .get(format!("{}/products", sb.api_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 401);
    assert!(missing.headers().get("www-authenticate").is_none());
    let body: serde_json::Value = missing.json().await.unwrap();
    assert_eq!(
        body,
        json!({"errors":[{"status":"401","title":"Unauthenticated"}]})
    );
    let wrong = c
        .get(format!("{}/products", sb.api_url()))
        .header("X-CloudCart-ApiKey", "A".repeat(64))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    // The log keeps the request but not the key.
    let log = sb.state().request_log();
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|r| r.status == 401));
    let key_header = log[1]
        .headers
        .iter()
        .find(|(k, _)| k == "x-cloudcart-apikey")
        .unwrap();
    assert_eq!(key_header.1, "<redacted:invalid>");
    sb.shutdown().await;
}

#[tokio::test]
async fn right_key_is_redacted_in_the_log() {
    let sb = generated(1, 0).await;
    let (s, _) = get(&sb, "/products").await;
    assert_eq!(s, 200);
    let log = sb.state().request_log();
    let dump = serde_json::to_string(&log).unwrap();
    assert!(!dump.contains(sb.api_key()), "key leaked into the log");
    assert!(dump.contains("<redacted>"));
    sb.shutdown().await;
}

#[tokio::test]
async fn unknown_id_and_unknown_resource_are_404() {
    let sb = generated(2, 1).await;
    for path in [
        "/products/999999",
        "/variants/1",
        "/orders/5",
        "/no-such-resource",
        "/payment-providers/42",
    ] {
        let (s, v) = get(&sb, path).await;
        assert_eq!(s, 404, "{path}");
        assert_eq!(v["errors"][0]["status"], "404", "{path}");
    }
    // Payment providers are addressed by gateway code.
    let (s, v) = get(&sb, "/payment-providers/cod").await;
    assert_eq!(s, 200);
    assert_eq!(v["data"]["id"], "cod");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_body_without_the_jsonapi_media_type_is_415() {
    let sb = generated(2, 0).await;
    let resp = client()
        .post(format!("{}/categories", sb.api_url()))
        .header("X-CloudCart-ApiKey", sb.api_key())
        .header("Content-Type", "application/json")
        .body(r#"{"data":{"type":"categories","attributes":{"name":"Нова"}}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 415);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["errors"][0]["status"], "415");
    // Nothing was created.
    assert!(!sb.state().categories().iter().any(|c| c.name == "Нова"));
    // A GET with application/json and no body is fine.
    let ok = client()
        .get(format!("{}/categories", sb.api_url()))
        .header("X-CloudCart-ApiKey", sb.api_key())
        .header("Content-Type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn orders_are_read_only_except_patch() {
    let sb = generated(3, 2).await;
    let order_id = sb.state().orders()[0].id;
    let (s, v) = post(
        &sb,
        "/orders",
        json!({"data":{"type":"orders","attributes":{}}}),
    )
    .await;
    assert_eq!(s, 405);
    assert_eq!(v["errors"][0]["status"], "405");
    let resp = call(&sb, Method::DELETE, &format!("/orders/{order_id}"), None).await;
    assert_eq!(resp.status().as_u16(), 405);
    assert!(
        resp.headers()
            .get("allow")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("PATCH")
    );
    let (s, _) = post(
        &sb,
        "/payment-providers",
        json!({"data":{"type":"payment-providers","attributes":{}}}),
    )
    .await;
    assert_eq!(s, 405);
    assert_eq!(sb.state().orders().len(), 2);
    sb.shutdown().await;
}

#[tokio::test]
async fn malformed_request_json_is_400() {
    let sb = generated(1, 0).await;
    let resp = client()
        .post(format!("{}/categories", sb.api_url()))
        .header("X-CloudCart-ApiKey", sb.api_key())
        .header("Content-Type", JSONAPI)
        .body("{\"data\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    sb.shutdown().await;
}

#[tokio::test]
async fn single_documents_have_jsonapi_and_responses_the_media_type() {
    let sb = generated(2, 0).await;
    let pid = sb.state().products()[0].id;
    let resp = call(&sb, Method::GET, &format!("/products/{pid}"), None).await;
    assert_eq!(
        resp.headers().get("content-type").unwrap(),
        "application/vnd.api+json"
    );
    let (_, v) = json_of(resp).await;
    assert_eq!(v["jsonapi"]["version"], "1.0");
    assert_eq!(v["data"]["type"], "products");
    assert_eq!(v["data"]["id"], pid.to_string());
    // By default a product shows its default variant, not `variants`.
    assert!(v["data"]["relationships"]["variant"]["data"]["id"].is_string());
    assert!(v["data"]["relationships"].get("variants").is_none());
    sb.shutdown().await;
}

#[tokio::test]
async fn the_store_root_is_a_html_page() {
    let sb = generated(1, 0).await;
    let resp = client()
        .get(format!("{}/", sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        sb.state().request_log().is_empty(),
        "only /api/v2 is logged"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn order_status_helper_is_plain_json() {
    let sb = generated(1, 0).await;
    let (s, v) = get(&sb, "/order-status").await;
    assert_eq!(s, 200);
    let rows = v["data"].as_array().unwrap();
    assert!(
        rows.iter()
            .any(|r| r["slug"] == "paid" && r["id"].is_number())
    );
    assert!(v.get("meta").is_none());
    let (_, f) = get(&sb, "/order-status?filter=cancel").await;
    assert_eq!(f["data"].as_array().unwrap().len(), 1);
    sb.shutdown().await;
}
