//! The sandbox's clock: real time plus an offset that tests can advance.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};

/// Real wall-clock time plus an offset that only grows.
///
/// Every time the sandbox reasons about (the rate-limit window, the webhook
/// retry schedule, `date_added`/`updated_at` of new records, the request log)
/// comes from this clock, so a test can jump forward without sleeping.
#[derive(Clone, Debug, Default)]
pub struct SandboxClock {
    offset_ms: Arc<AtomicI64>,
}

impl SandboxClock {
    /// A clock that starts at real time.
    pub fn new() -> Self {
        Self::default()
    }

    /// The sandbox's "now".
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX / 4);
        self.offset_ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// How far the clock has been advanced so far.
    pub fn offset(&self) -> Duration {
        Duration::from_millis(self.offset_ms.load(Ordering::SeqCst).max(0) as u64)
    }
}

/// Formats a timestamp the way the live API does: ISO-8601 with `+00:00`.
pub fn iso(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}
