//! Webhook delivery: array bodies, the retry schedule and auto-disable.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::server::Shared;
use crate::state::WebhookAttempt;

/// Delay before retry 1..=5, counted from the previous attempt
/// (1 attempt + 5 retries = 20 minutes in total).
pub const RETRY_DELAYS_SECS: [i64; 5] = [120, 180, 240, 300, 360];

/// Per-attempt timeout.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(5);

/// Receiver statuses that disable the webhook at once, without retries.
pub const DISABLE_AT_ONCE_STATUSES: [u16; 8] = [400, 401, 403, 404, 405, 406, 410, 411];

/// An error response whose body contains this text deletes the webhook.
pub const UNSUBSCRIBE_MARKER: &str = "please unsubscribe me";

/// How often the worker looks for due deliveries (real time).
const TICK: Duration = Duration::from_millis(20);

struct Due {
    seq: u64,
    webhook_id: u64,
    event: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    attempt: u32,
}

pub(crate) async fn worker(sh: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = shutdown.changed() => return,
        }
        let due = collect_due(&sh);
        for d in due {
            tokio::spawn(attempt(sh.clone(), d));
        }
    }
}

fn collect_due(sh: &Shared) -> Vec<Due> {
    let now = sh.clock.now();
    let mut st = sh.lock();
    let st = &mut *st;
    // Forget deliveries of deleted or disabled hooks.
    let hooks = &st.store.webhooks;
    st.queue
        .retain(|d| d.in_flight || hooks.get(&d.webhook_id).is_some_and(|w| w.active));
    let mut out = Vec::new();
    for d in st.queue.iter_mut() {
        if d.in_flight || d.due > now {
            continue;
        }
        let Some(w) = st.store.webhooks.get(&d.webhook_id) else {
            continue;
        };
        d.in_flight = true;
        out.push(Due {
            seq: d.seq,
            webhook_id: d.webhook_id,
            event: d.event.clone(),
            url: w.url.clone(),
            headers: w
                .request_headers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            body: serde_json::to_vec(&d.body).unwrap_or_default(),
            attempt: d.attempts + 1,
        });
    }
    out.sort_by_key(|d| d.seq);
    out
}

async fn attempt(sh: Arc<Shared>, d: Due) {
    let mut req = sh
        .http
        .post(&d.url)
        .timeout(DELIVERY_TIMEOUT)
        .header("content-type", "application/json")
        .header("X-CloudCart-ApiKey", sh.api_key.as_str());
    for (k, v) in &d.headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let result = req.body(d.body.clone()).send().await;
    let (status, text, error) = match result {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap_or_default();
            (Some(status), text, None)
        }
        Err(e) => (None, String::new(), Some(e.to_string())),
    };
    let now = sh.clock.now();
    let mut st = sh.lock();
    if let Some(w) = st.store.webhooks.get_mut(&d.webhook_id) {
        w.deliveries += 1;
    }
    let success = status.is_some_and(|s| (200..300).contains(&s));
    let outcome = if success {
        st.queue.retain(|q| q.seq != d.seq);
        "delivered"
    } else if status.is_some() && text.to_lowercase().contains(UNSUBSCRIBE_MARKER) {
        st.store.webhooks.remove(&d.webhook_id);
        st.queue.retain(|q| q.webhook_id != d.webhook_id);
        "deleted"
    } else if status.is_some_and(|s| DISABLE_AT_ONCE_STATUSES.contains(&s))
        || d.attempt > RETRY_DELAYS_SECS.len() as u32
    {
        if let Some(w) = st.store.webhooks.get_mut(&d.webhook_id) {
            w.active = false;
            w.updated_at = now;
        }
        st.queue.retain(|q| q.webhook_id != d.webhook_id);
        "disabled"
    } else {
        let delay = RETRY_DELAYS_SECS[(d.attempt - 1) as usize];
        if let Some(q) = st.queue.iter_mut().find(|q| q.seq == d.seq) {
            q.attempts = d.attempt;
            q.in_flight = false;
            q.due = now + chrono::Duration::seconds(delay);
        }
        "retry_scheduled"
    };
    st.attempts.push(WebhookAttempt {
        webhook_id: d.webhook_id,
        event: d.event,
        url: d.url,
        attempt: d.attempt,
        at: now,
        status,
        error,
        outcome: outcome.to_string(),
    });
}
