//! Client-side pacing over CloudCart's sliding 60-second window.
//!
//! Rules (see the crate README):
//! * The server's limit `L` is learnt from `X-RateLimit-Limit`; before the first response
//!   [`ASSUMED_LIMIT`] (the smallest paid plan) is used.
//! * At most `L - 1` requests of ours are in any 60 s window ("effectively limit − 1 pass").
//! * `X-RateLimit-Remaining` is the server's view (it also counts other clients of the same
//!   store). After a response reporting `R` remaining, at most `R - RESERVE` further requests
//!   are sent until requests counted in that report leave the window.
//! * After a 429, nothing is sent until `Retry-After` has passed.
//! * `X-RateLimit-Reset` is not used (its meaning is unconfirmed).

use std::collections::VecDeque;
use std::time::Duration;

/// The sliding window.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Extra wait after a slot leaves the window, for clock skew and network latency.
pub const WINDOW_MARGIN: Duration = Duration::from_millis(500);
/// The limit assumed until the server tells: Starter Pack, 50 / minute.
pub const ASSUMED_LIMIT: u32 = 50;
/// Slots of the server's `Remaining` that are left unused.
pub const RESERVE: u32 = 1;

#[derive(Debug, Clone, Copy)]
struct Observation {
    at: Duration,
    remaining: u32,
    /// Our requests sent after the observation.
    sent_since: u32,
    /// Our requests counted in the observation that have since left the window.
    recovered: u32,
}

#[derive(Debug)]
pub(crate) struct RateLimiter {
    /// Send times of our requests within the window, oldest first.
    sent: VecDeque<Duration>,
    limit: Option<u32>,
    observation: Option<Observation>,
    blocked_until: Option<Duration>,
}

/// What the limiter allows now.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    /// A slot was reserved; send now.
    Go,
    /// Wait this long, then ask again.
    Wait(Duration),
    /// The plan has no API access (`X-RateLimit-Limit: 0` seen within the last window).
    NoAccess,
}

impl RateLimiter {
    pub(crate) fn new() -> Self {
        RateLimiter {
            sent: VecDeque::new(),
            limit: None,
            observation: None,
            blocked_until: None,
        }
    }

    fn prune(&mut self, now: Duration) {
        while let Some(&t) = self.sent.front() {
            if t + WINDOW > now {
                break;
            }
            self.sent.pop_front();
            if let Some(o) = self.observation.as_mut()
                && t <= o.at
            {
                o.recovered += 1;
            }
        }
        if let Some(o) = self.observation
            && o.at + WINDOW <= now
        {
            self.observation = None;
        }
    }

    /// Asks for a slot at `now`; reserves it on [`Slot::Go`].
    pub(crate) fn acquire(&mut self, now: Duration) -> Slot {
        self.prune(now);
        if let Some(until) = self.blocked_until {
            if until > now {
                return Slot::Wait(until.saturating_sub(now));
            }
            self.blocked_until = None;
        }
        if self.limit == Some(0) {
            return match self.observation {
                Some(_) => Slot::NoAccess,
                None => {
                    // The no-access report is a window old: allow one probe.
                    self.limit = None;
                    self.reserve(now)
                }
            };
        }
        let cap = self.limit.unwrap_or(ASSUMED_LIMIT).saturating_sub(1).max(1) as usize;
        if self.sent.len() >= cap {
            let oldest_blocking = self.sent[self.sent.len() - cap];
            return Slot::Wait((oldest_blocking + WINDOW + WINDOW_MARGIN).saturating_sub(now));
        }
        if let Some(o) = self.observation {
            let available = i64::from(o.remaining) + i64::from(o.recovered)
                - i64::from(o.sent_since)
                - i64::from(RESERVE);
            if available <= 0 {
                // The next of our counted requests to leave the window, or else the whole
                // window since the report (the other requests were someone else's).
                let wake = match self.sent.front() {
                    Some(&t) if t <= o.at => t + WINDOW,
                    _ => o.at + WINDOW,
                };
                return Slot::Wait((wake + WINDOW_MARGIN).saturating_sub(now));
            }
        }
        self.reserve(now)
    }

    fn reserve(&mut self, now: Duration) -> Slot {
        self.sent.push_back(now);
        if let Some(o) = self.observation.as_mut() {
            o.sent_since += 1;
        }
        Slot::Go
    }

    /// Records the rate-limit headers of a response received at `now`.
    pub(crate) fn observe(&mut self, now: Duration, limit: Option<u32>, remaining: Option<u32>) {
        if let Some(l) = limit {
            self.limit = Some(l);
        }
        if let Some(r) = remaining {
            self.observation = Some(Observation {
                at: now,
                remaining: r,
                sent_since: 0,
                recovered: 0,
            });
        } else if limit == Some(0) {
            self.observation = Some(Observation {
                at: now,
                remaining: 0,
                sent_since: 0,
                recovered: 0,
            });
        }
    }

    /// Records a 429: nothing more is sent before `now + retry_after`.
    pub(crate) fn blocked(&mut self, now: Duration, retry_after: Duration) {
        let until = now.saturating_add(retry_after);
        self.blocked_until = Some(self.blocked_until.map_or(until, |u| u.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn caps_at_limit_minus_one_per_window() {
        let mut rl = RateLimiter::new();
        rl.observe(Duration::ZERO, Some(5), None);
        for i in 0..4 {
            assert_eq!(rl.acquire(S * i), Slot::Go, "request {i}");
        }
        // The fifth must wait for the first to leave the window.
        assert_eq!(rl.acquire(S * 4), Slot::Wait(S * 56 + WINDOW_MARGIN));
        assert_eq!(rl.acquire(S * 60 + WINDOW_MARGIN), Slot::Go);
    }

    #[test]
    fn honours_server_remaining() {
        let mut rl = RateLimiter::new();
        rl.observe(Duration::ZERO, Some(100), Some(2));
        assert_eq!(rl.acquire(S), Slot::Go);
        // 2 remaining - 1 sent - 1 reserve = 0: wait for that request to leave the window... it
        // was sent after the report, so wait a whole window from the report.
        assert_eq!(rl.acquire(S * 2), Slot::Wait(S * 58 + WINDOW_MARGIN));
        assert_eq!(rl.acquire(S * 61), Slot::Go);
    }

    #[test]
    fn server_slots_recover_when_our_counted_requests_expire() {
        let mut rl = RateLimiter::new();
        rl.observe(Duration::ZERO, Some(100), None);
        assert_eq!(rl.acquire(S), Slot::Go);
        rl.observe(S * 2, Some(100), Some(1));
        match rl.acquire(S * 3) {
            Slot::Wait(d) => assert_eq!(d, S * 58 + WINDOW_MARGIN),
            other => panic!("{other:?}"),
        }
        assert_eq!(rl.acquire(S * 61 + WINDOW_MARGIN), Slot::Go);
    }

    #[test]
    fn blocked_after_429_and_no_access() {
        let mut rl = RateLimiter::new();
        rl.blocked(Duration::ZERO, S * 60);
        assert_eq!(rl.acquire(S * 10), Slot::Wait(S * 50));
        assert_eq!(rl.acquire(S * 60), Slot::Go);
        rl.observe(S * 61, Some(0), Some(0));
        assert_eq!(rl.acquire(S * 62), Slot::NoAccess);
        // A window later one probe is allowed again.
        assert_eq!(rl.acquire(S * 122), Slot::Go);
    }

    #[test]
    fn a_huge_retry_after_does_not_overflow() {
        let mut rl = RateLimiter::new();
        rl.blocked(S * 10, Duration::MAX);
        assert_eq!(rl.acquire(S * 20), Slot::Wait(Duration::MAX - S * 20));
    }
}
