//! Waits are bounded and stoppable: an absurd `Retry-After` is cut to five minutes, and the stop
//! token ends a `Retry-After` wait, a retry's back-off and a slow listing within a second — over
//! real HTTP against the sandbox shop.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use futures::future::BoxFuture;
use skladsync_cloudcart::{Client, Clock, Error, Id, MAX_RETRY_AFTER, ProductsQuery, SystemClock};
use tokio_util::sync::CancellationToken;

use common::*;

/// The sandbox clock, remembering every wait the client asked for.
struct Recording {
    inner: SandboxTime,
    waits: Arc<Mutex<Vec<Duration>>>,
}

impl Clock for Recording {
    fn now(&self) -> Duration {
        self.inner.now()
    }
    fn sleep(&self, d: Duration) -> BoxFuture<'static, ()> {
        self.waits.lock().unwrap().push(d);
        self.inner.sleep(d)
    }
}

#[tokio::test]
async fn a_retry_after_of_an_hour_is_waited_out_as_five_minutes() {
    let sb = seeded().await;
    sb.state().set_fault(Fault::TooManyRequestsRetryAfter {
        retry_after_secs: 3600,
        times: 1,
    });
    let waits = Arc::new(Mutex::new(Vec::new()));
    let mut cfg = config(&sb);
    cfg.clock = Arc::new(Recording {
        inner: SandboxTime::new(sb.clock()),
        waits: waits.clone(),
    });
    let c = Client::new(cfg).unwrap();
    let started = sb.clock().now();
    let products: Vec<_> = c
        .products(ProductsQuery::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(products.len(), 20);
    let statuses: Vec<u16> = api_log(&sb).into_iter().map(|(_, _, s)| s).collect();
    assert_eq!(statuses, [429, 200], "one 429, then the listing");
    assert_eq!(MAX_RETRY_AFTER, Duration::from_secs(300));
    // One long wait of five minutes (less the moments the client itself took), then at most
    // slivers while the clocks line up; nothing near an hour.
    let waits = waits.lock().unwrap().clone();
    let longest = waits.iter().max().copied().unwrap_or_default();
    assert!(
        longest <= MAX_RETRY_AFTER && longest > MAX_RETRY_AFTER - Duration::from_secs(1),
        "{longest:?}"
    );
    let total: Duration = waits.iter().sum();
    assert!(
        total <= MAX_RETRY_AFTER + Duration::from_secs(1),
        "{total:?}"
    );
    let spent = (sb.clock().now() - started).to_std().unwrap();
    assert!(
        spent >= MAX_RETRY_AFTER && spent < Duration::from_secs(301),
        "{spent:?}"
    );
    sb.shutdown().await;
}

/// A client on real time whose stop token is cancelled 300 ms after the call starts; returns
/// the call's result and how long it took after the cancel.
async fn stop_after_300ms<T>(
    sb: &Sandbox,
    tweak: impl FnOnce(&mut skladsync_cloudcart::ClientConfig),
    call: impl FnOnce(Client) -> BoxFuture<'static, Result<T, Error>>,
) -> (Result<T, Error>, Duration) {
    let stop = CancellationToken::new();
    let mut cfg = config(sb);
    cfg.clock = SystemClock::shared();
    cfg.timeout = Duration::from_secs(60);
    cfg.stop = stop.clone();
    tweak(&mut cfg);
    let c = Client::new(cfg).unwrap();
    let cancelled_at = Arc::new(Mutex::new(None::<Instant>));
    let at = cancelled_at.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        *at.lock().unwrap() = Some(Instant::now());
        stop.cancel();
    });
    let result = tokio::time::timeout(Duration::from_secs(30), call(c))
        .await
        .expect("the call ended");
    let after = cancelled_at
        .lock()
        .unwrap()
        .expect("the call outlived the stop")
        .elapsed();
    (result, after)
}

#[tokio::test]
async fn stop_ends_a_retry_after_wait_within_a_second() {
    let sb = seeded().await;
    sb.state().set_fault(Fault::TooManyRequests { times: 5 });
    let (result, after) = stop_after_300ms(
        &sb,
        |_| {},
        |c| {
            Box::pin(async move {
                c.products(ProductsQuery::default())
                    .try_collect::<Vec<_>>()
                    .await
            })
        },
    )
    .await;
    assert!(matches!(result, Err(Error::Stopped)), "{result:?}");
    assert!(after < Duration::from_secs(1), "{after:?}");
    // One 429 arrived; nothing was sent during the 60 s wait.
    assert_eq!(api_log(&sb).len(), 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn stop_ends_a_retry_back_off_within_a_second() {
    let sb = seeded().await;
    sb.state().set_fault(Fault::ServerError {
        status: 503,
        times: 5,
    });
    let id = sb.state().products()[0].id;
    let (result, after) = stop_after_300ms(
        &sb,
        |cfg| {
            cfg.backoff_base = Duration::from_secs(20);
            cfg.backoff_max = Duration::from_secs(60);
        },
        move |c| Box::pin(async move { c.product(&Id::from(id)).await }),
    )
    .await;
    assert!(matches!(result, Err(Error::Stopped)), "{result:?}");
    assert!(after < Duration::from_secs(1), "{after:?}");
    assert_eq!(api_log(&sb).len(), 1, "no retry after the stop");
    sb.shutdown().await;
}

#[tokio::test]
async fn stop_ends_a_slow_listing_within_a_second_and_sends_nothing_more() {
    let sb = seeded().await;
    sb.state()
        .set_fault(Fault::Latency(Duration::from_secs(20)));
    let (result, after) = stop_after_300ms(
        &sb,
        |_| {},
        |c| {
            Box::pin(async move {
                c.products(ProductsQuery::default())
                    .try_collect::<Vec<_>>()
                    .await
            })
        },
    )
    .await;
    assert!(matches!(result, Err(Error::Stopped)), "{result:?}");
    assert!(after < Duration::from_secs(1), "{after:?}");
    sb.state().clear_faults();
    // A stopped client sends nothing more.
    let before = api_log(&sb).len();
    let again = tokio::time::timeout(Duration::from_secs(5), async {
        let stop = CancellationToken::new();
        stop.cancel();
        let mut cfg = config(&sb);
        cfg.stop = stop;
        Client::new(cfg)
            .unwrap()
            .products(ProductsQuery::default())
            .try_collect::<Vec<_>>()
            .await
    })
    .await
    .unwrap();
    assert!(matches!(again, Err(Error::Stopped)), "{again:?}");
    assert_eq!(api_log(&sb).len(), before);
    sb.shutdown().await;
}
