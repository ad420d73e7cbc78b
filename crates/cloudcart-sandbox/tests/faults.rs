//! Every fault switch, as a client sees it.

mod common;

use std::time::{Duration, Instant};

use cloudcart_sandbox::{Fault, FaultRule};
use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn server_error_fires_the_given_number_of_times() {
    let sb = generated(2, 0).await;
    sb.state().set_fault(Fault::ServerError {
        status: 503,
        times: 2,
    });
    let (s1, v1) = get(&sb, "/products").await;
    let (s2, _) = get(&sb, "/products").await;
    let (s3, _) = get(&sb, "/products").await;
    assert_eq!((s1, s2, s3), (503, 503, 200));
    assert_eq!(v1["errors"][0]["status"], "503");
    let log = sb.state().request_log();
    assert_eq!(log[0].fault.as_deref(), Some("server_error"));
    assert!(log[2].fault.is_none());
    assert!(sb.state().faults().is_empty(), "used-up faults disappear");
    sb.shutdown().await;
}

#[tokio::test]
async fn server_error_on_one_path_and_method_only_and_writes_nothing() {
    let sb = generated(2, 0).await;
    let v = sb.state().variants()[0].clone();
    sb.state().set_fault(
        FaultRule::from(Fault::ServerError {
            status: 500,
            times: 1,
        })
        .on_path("/api/v2/variants")
        .on_method("PATCH"),
    );
    let (s, _) = get(&sb, &format!("/variants/{}", v.id)).await;
    assert_eq!(s, 200);
    let (s, _) = get(&sb, "/products").await;
    assert_eq!(s, 200);
    let body = json!({"data": {"type": "variants", "id": v.id.to_string(), "attributes": {"quantity": 99}}});
    let (s, _) = patch(&sb, &format!("/variants/{}", v.id), body.clone()).await;
    assert_eq!(s, 500);
    assert_eq!(
        sb.state().variant(v.id).unwrap().quantity,
        v.quantity,
        "no write on 500"
    );
    let (s, _) = patch(&sb, &format!("/variants/{}", v.id), body).await;
    assert_eq!(s, 200);
    assert_eq!(sb.state().variant(v.id).unwrap().quantity, Some(99.0));
    sb.shutdown().await;
}

#[tokio::test]
async fn probability_zero_never_fires_and_one_always_fires() {
    let sb = generated(1, 0).await;
    sb.state().set_fault(
        FaultRule::from(Fault::ServerError {
            status: 502,
            times: 100,
        })
        .with_probability(0.0),
    );
    for _ in 0..10 {
        assert_eq!(get(&sb, "/products").await.0, 200);
    }
    sb.state().clear_faults();
    sb.state().set_fault(
        FaultRule::from(Fault::ServerError {
            status: 502,
            times: 3,
        })
        .with_probability(1.0),
    );
    for _ in 0..3 {
        assert_eq!(get(&sb, "/products").await.0, 502);
    }
    assert_eq!(get(&sb, "/products").await.0, 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn latency_delays_answers_until_cleared() {
    let sb = generated(1, 0).await;
    sb.state()
        .set_fault(Fault::Latency(Duration::from_millis(300)));
    let t = Instant::now();
    assert_eq!(get(&sb, "/products").await.0, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    sb.state().clear_faults();
    let t = Instant::now();
    assert_eq!(get(&sb, "/products").await.0, 200);
    assert!(t.elapsed() < Duration::from_millis(300));
    sb.shutdown().await;
}

#[tokio::test]
async fn malformed_json_keeps_the_status_and_the_write() {
    let sb = generated(2, 0).await;
    let v = sb.state().variants()[0].clone();
    sb.state().set_fault(Fault::MalformedJson { times: 1 });
    let resp = call(
        &sb,
        Method::PATCH,
        &format!("/variants/{}", v.id),
        Some(json!({"data": {"type": "variants", "id": v.id.to_string(), "attributes": {"quantity": 42}}})),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    let text = resp.text().await.unwrap();
    assert!(!text.is_empty());
    assert!(
        serde_json::from_str::<serde_json::Value>(&text).is_err(),
        "body must not parse: {text}"
    );
    assert_eq!(sb.state().variant(v.id).unwrap().quantity, Some(42.0));
    let (s, _) = get(&sb, "/products").await;
    assert_eq!(s, 200, "only once");
    assert_eq!(
        sb.state().request_log()[0].fault.as_deref(),
        Some("malformed_json")
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn too_many_requests_storm() {
    let sb = generated(1, 0).await;
    sb.state().set_fault(Fault::TooManyRequests { times: 2 });
    for _ in 0..2 {
        let r = call(&sb, Method::GET, "/products", None).await;
        assert_eq!(r.status().as_u16(), 429);
        assert_eq!(r.headers()["retry-after"], "60");
        let b: serde_json::Value = r.json().await.unwrap();
        assert_eq!(b["error"], "Too Many Requests");
        assert_eq!(b["retry_after"], 60);
    }
    assert_eq!(get(&sb, "/products").await.0, 200);
    let n429 = sb
        .state()
        .request_log()
        .iter()
        .filter(|r| r.status == 429)
        .count();
    assert_eq!(n429, 2);
    sb.shutdown().await;
}

#[tokio::test]
async fn dropped_connection_gives_no_response_and_is_logged() {
    let sb = generated(2, 0).await;
    let v = sb.state().variants()[0].clone();
    sb.state().set_fault(Fault::DropConnection { times: 2 });
    // One pooled client, as the real sync uses.
    let c = client();
    let first = c
        .get(format!("{}/products", sb.api_url()))
        .header("X-CloudCart-ApiKey", sb.api_key())
        .send()
        .await;
    assert!(first.is_err(), "the first request is dropped");
    let err = c
        .patch(format!("{}/variants/{}", sb.api_url(), v.id))
        .header("X-CloudCart-ApiKey", sb.api_key())
        .header("Content-Type", JSONAPI)
        .body(json!({"data": {"type": "variants", "id": v.id.to_string(), "attributes": {"quantity": 5}}}).to_string())
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .expect_err("the socket is closed without a response");
    assert!(!err.is_timeout(), "closed, not hung: {err}");
    assert_eq!(
        sb.state().variant(v.id).unwrap().quantity,
        v.quantity,
        "dropped before the write"
    );
    let log = sb.state().request_log();
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|r| r.dropped && r.status == 0));
    assert_eq!(log[1].method, "PATCH");
    assert_eq!(
        log[1].body.as_ref().unwrap()["data"]["attributes"]["quantity"],
        5
    );
    let again = c
        .get(format!("{}/products", sb.api_url()))
        .header("X-CloudCart-ApiKey", sb.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 200, "the same client recovers");
    sb.shutdown().await;
}

#[tokio::test]
async fn dropped_after_commit_means_the_write_landed() {
    let sb = generated(2, 0).await;
    let v = sb.state().variants()[0].clone();
    sb.state()
        .set_fault(Fault::DropConnectionAfterCommit { times: 1 });
    let res = client()
        .patch(format!("{}/variants/{}", sb.api_url(), v.id))
        .header("X-CloudCart-ApiKey", sb.api_key())
        .header("Content-Type", JSONAPI)
        .body(json!({"data": {"type": "variants", "id": v.id.to_string(), "attributes": {"quantity": 5}}}).to_string())
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    assert!(res.is_err());
    assert_eq!(sb.state().variant(v.id).unwrap().quantity, Some(5.0));
    let log = sb.state().request_log();
    assert!(log[0].dropped);
    assert_eq!(
        log[0].fault.as_deref(),
        Some("drop_connection_after_commit")
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn faults_can_be_set_through_the_admin_api() {
    let sb = generated(1, 0).await;
    let c = client();
    let r = c
        .post(format!("{}/__sandbox/faults", sb.base_url()))
        .json(
            &json!({"kind": "server_error", "status": 504, "times": 1, "path": "/api/v2/products"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let listed: serde_json::Value = c
        .get(format!("{}/__sandbox/faults", sb.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["kind"], "server_error");
    assert_eq!(listed[0]["left"], 1);
    assert_eq!(get(&sb, "/categories").await.0, 200);
    assert_eq!(get(&sb, "/products").await.0, 504);
    let r = c
        .post(format!("{}/__sandbox/faults", sb.base_url()))
        .json(&json!({"kind": "explode"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    c.post(format!("{}/__sandbox/faults", sb.base_url()))
        .json(&json!({"kind": "drop_connection", "times": 5}))
        .send()
        .await
        .unwrap();
    let r = c
        .delete(format!("{}/__sandbox/faults", sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(get(&sb, "/products").await.0, 200);
    sb.shutdown().await;
}
