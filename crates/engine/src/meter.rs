//! The shop requests each server spent in the last hour, and the plan's limit the shop states
//! (`X-RateLimit-Limit`, a minute's allowance): the scarce thing the continuous mode saves.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

const HOUR: Duration = Duration::from_secs(3600);

#[derive(Default)]
struct Meter {
    answers: VecDeque<Instant>,
    limit_per_minute: Option<u32>,
}

fn meters() -> &'static Mutex<HashMap<String, Meter>> {
    static METERS: OnceLock<Mutex<HashMap<String, Meter>>> = OnceLock::new();
    METERS.get_or_init(Mutex::default)
}

/// The hook a server's shop client reports its answers to.
pub(crate) fn hook(server: &str) -> skladsync_cloudcart::AnswerHook {
    let server = server.to_owned();
    Arc::new(move |limit| {
        let now = Instant::now();
        let mut all = meters().lock().expect("meters");
        let m = all.entry(server.clone()).or_default();
        m.answers.push_back(now);
        while m.answers.front().is_some_and(|t| now - *t > HOUR) {
            m.answers.pop_front();
        }
        if limit.is_some() {
            m.limit_per_minute = limit;
        }
    })
}

/// Requests answered in the last hour, and the plan's limit a minute when the shop said it.
pub fn last_hour(server: &str) -> (u64, Option<u32>) {
    let now = Instant::now();
    let all = meters().lock().expect("meters");
    match all.get(server) {
        Some(m) => (
            m.answers.iter().filter(|t| now - **t <= HOUR).count() as u64,
            m.limit_per_minute,
        ),
        None => (0, None),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn answers_are_counted_per_server_with_the_stated_limit() {
        let h = super::hook("meter-test-a");
        h(Some(100));
        h(None);
        h(None);
        assert_eq!(super::last_hour("meter-test-a"), (3, Some(100)));
        assert_eq!(super::last_hour("meter-test-b"), (0, None));
    }
}
