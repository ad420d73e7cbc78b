//! Pacing under the sandbox's rate limit, with the sandbox clock standing in for real time.

mod common;

use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use skladsync_cloudcart::{ApiKey, Client, ClientConfig, Error, Id, ProductsQuery};

use common::*;

fn limited(limit: Option<u32>) -> SandboxConfig {
    SandboxConfig {
        rate_limit_per_minute: limit,
        seed: Seed::Generated {
            products: 20,
            orders: 5,
            rng_seed: 1,
        },
        ..Default::default()
    }
}

fn statuses(sb: &Sandbox) -> Vec<u16> {
    api_log(sb).into_iter().map(|(_, _, s)| s).collect()
}

#[tokio::test]
async fn three_hundred_requests_at_fifty_per_minute_without_a_429() {
    let sb = sandbox(limited(Some(50))).await;
    let c = client(&sb);
    let products: Vec<_> = c
        .products(ProductsQuery::default())
        .try_collect()
        .await
        .unwrap();
    let started_at = sb.clock().now();
    let real = Instant::now();
    for i in 0..299 {
        let p = &products[i % products.len()];
        c.product(&p.id).await.unwrap();
    }
    let st = statuses(&sb);
    assert_eq!(st.len(), 300);
    assert_eq!(
        st.iter().filter(|s| **s == 429).count(),
        0,
        "no request over quota"
    );
    assert!(st.iter().all(|s| *s == 200));
    // 300 requests at ≤ 49 a minute need at least 6 minutes of (sandbox) time …
    let spent = (sb.clock().now() - started_at).to_std().unwrap();
    assert!(spent >= Duration::from_secs(5 * 60), "{spent:?}");
    // … and took far less real time.
    assert!(
        real.elapsed() < Duration::from_secs(60),
        "{:?}",
        real.elapsed()
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn concurrent_requests_share_the_pacing() {
    let sb = sandbox(limited(Some(50))).await;
    let c = client(&sb);
    let ids: Vec<Id> = c
        .products(ProductsQuery::default())
        .map_ok(|p| p.id)
        .try_collect()
        .await
        .unwrap();
    let results: Vec<_> = futures::stream::iter((0..120).map(|i| {
        let c = c.clone();
        let id = ids[i % ids.len()].clone();
        async move { c.product(&id).await }
    }))
    .buffer_unordered(4)
    .collect()
    .await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(statuses(&sb).iter().filter(|s| **s == 429).count(), 0);
    sb.shutdown().await;
}

#[tokio::test]
async fn respects_remaining_used_by_another_client_of_the_store() {
    let sb = sandbox(limited(Some(50))).await;
    let other = client(&sb);
    let mine = client(&sb);
    // Another program (own limiter) uses up most of the window.
    for _ in 0..45 {
        other.order_statuses().await.unwrap();
    }
    // Ours learns the remaining quota from its first answer and waits instead of hitting 429.
    for _ in 0..20 {
        mine.order_statuses().await.unwrap();
    }
    assert_eq!(statuses(&sb).iter().filter(|s| **s == 429).count(), 0);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_429_waits_retry_after_on_the_clock() {
    let sb = sandbox(limited(Some(50))).await;
    let c = client(&sb);
    sb.state().set_fault(Fault::TooManyRequests { times: 2 });
    let t0 = sb.clock().now();
    let statuses_list = c.order_statuses().await.unwrap();
    assert!(!statuses_list.is_empty());
    let waited = (sb.clock().now() - t0).to_std().unwrap();
    assert!(
        waited >= Duration::from_secs(120),
        "two Retry-After waits: {waited:?}"
    );
    assert_eq!(statuses(&sb), vec![429, 429, 200]);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_429_storm_ends_in_a_typed_error() {
    let sb = sandbox(limited(Some(50))).await;
    let mut cfg = config(&sb);
    cfg.max_rate_limit_waits = 2;
    let c = Client::new(cfg).unwrap();
    sb.state().set_fault(Fault::TooManyRequests { times: 10 });
    match c.order_statuses().await {
        Err(Error::RateLimited {
            retry_after,
            attempts,
            ..
        }) => {
            assert_eq!(attempts, 2);
            assert_eq!(retry_after, Duration::from_secs(60));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(statuses(&sb), vec![429, 429, 429]);
    sb.shutdown().await;
}

#[tokio::test]
async fn limit_zero_is_no_api_access() {
    let sb = sandbox(limited(Some(0))).await;
    let c = client(&sb);
    let err = c.order_statuses().await.unwrap_err();
    assert!(matches!(err, Error::NoApiAccess { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("the plan has no API access, or this is not the store's primary domain"),
        "{text}"
    );
    // Known to be over quota: the next call fails without a request.
    let err = c.order_statuses().await.unwrap_err();
    assert!(matches!(err, Error::NoApiAccess { .. }));
    assert_eq!(statuses(&sb), vec![429]);
    sb.shutdown().await;
}

#[tokio::test]
async fn wrong_key_is_a_401_without_the_key_in_the_error() {
    let sb = sandbox(limited(None)).await;
    let cfg = ClientConfig::new(sb.api_url(), ApiKey::new("WRONGKEYWRONGKEY").unwrap());
    assert!(!format!("{cfg:?}").contains("WRONGKEY"));
    let c = Client::new(cfg).unwrap();
    let err = c.order_statuses().await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    let shown = format!("{err} {err:?} {c:?}");
    assert!(!shown.contains("WRONGKEY"), "{shown}");
    assert_eq!(statuses(&sb), vec![401], "401 is not retried");
    sb.shutdown().await;
}
