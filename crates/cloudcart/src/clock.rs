//! Time as the rate limiter and the back-off see it, injectable so that tests can wait a minute in
//! no real time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::BoxFuture;

/// A monotonic clock plus a way to wait on it.
///
/// The client measures the rate-limit window with [`Clock::now`] and waits (rate-limit pauses,
/// `Retry-After`, retry back-off) only through [`Clock::sleep`]. HTTP time-outs are real time
/// (they are reqwest's).
pub trait Clock: Send + Sync {
    /// Monotonic time since an arbitrary origin fixed for the clock's lifetime.
    fn now(&self) -> Duration;
    /// Completes once `d` has passed on this clock.
    fn sleep(&self, d: Duration) -> BoxFuture<'static, ()>;
}

/// The real clock: `Instant` and `tokio::time::sleep`.
#[derive(Debug, Clone)]
pub struct SystemClock {
    origin: Instant,
}

impl SystemClock {
    pub fn new() -> Self {
        SystemClock {
            origin: Instant::now(),
        }
    }

    /// A shareable system clock, the default of [`crate::ClientConfig`].
    pub fn shared() -> Arc<dyn Clock> {
        Arc::new(SystemClock::new())
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    fn sleep(&self, d: Duration) -> BoxFuture<'static, ()> {
        tokio::time::sleep(d).boxed()
    }
}
