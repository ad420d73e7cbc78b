//! Shared helpers: a sandbox per test and a client whose clock is the sandbox's clock.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::FutureExt;
use futures::future::BoxFuture;

#[allow(unused_imports)]
pub use cloudcart_sandbox::{Fault, Sandbox, SandboxConfig, Seed};
use skladsync_cloudcart::{ApiKey, Client, ClientConfig, Clock};

/// The client's clock glued to the sandbox's: `sleep` advances the sandbox clock and returns at
/// once, so a minute of rate-limit waiting takes no real time.
pub struct SandboxTime {
    clock: cloudcart_sandbox::SandboxClock,
    origin: DateTime<Utc>,
}

impl SandboxTime {
    pub fn new(clock: cloudcart_sandbox::SandboxClock) -> Self {
        let origin = clock.now();
        SandboxTime { clock, origin }
    }
}

impl Clock for SandboxTime {
    fn now(&self) -> Duration {
        (self.clock.now() - self.origin)
            .to_std()
            .unwrap_or_default()
    }

    fn sleep(&self, d: Duration) -> BoxFuture<'static, ()> {
        self.clock.advance(d);
        tokio::task::yield_now().boxed()
    }
}

pub async fn sandbox(cfg: SandboxConfig) -> Sandbox {
    Sandbox::start(cfg).await.expect("sandbox starts")
}

/// A sandbox with generated data and no rate limit.
pub async fn seeded() -> Sandbox {
    sandbox(SandboxConfig {
        rate_limit_per_minute: None,
        seed: Seed::Generated {
            products: 20,
            orders: 5,
            rng_seed: 1,
        },
        ..Default::default()
    })
    .await
}

pub fn config(sb: &Sandbox) -> ClientConfig {
    let mut cfg = ClientConfig::new(sb.base_url(), ApiKey::new(sb.api_key()).unwrap());
    cfg.clock = Arc::new(SandboxTime::new(sb.clock()));
    cfg.timeout = Duration::from_secs(10);
    cfg
}

pub fn client(sb: &Sandbox) -> Client {
    Client::new(config(sb)).expect("client builds")
}

/// `/api/v2` requests of the sandbox's log as (method, path, status).
pub fn api_log(sb: &Sandbox) -> Vec<(String, String, u16)> {
    sb.state()
        .request_log()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/v2"))
        .map(|r| (r.method.clone(), r.path.clone(), r.status))
        .collect()
}

pub fn count(sb: &Sandbox, method: &str, path_prefix: &str) -> usize {
    api_log(sb)
        .iter()
        .filter(|(m, p, _)| m == method && p.starts_with(path_prefix))
        .count()
}
