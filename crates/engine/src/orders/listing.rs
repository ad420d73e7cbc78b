//! The orders a run looks at: the listing by change time from the watermark, and the sweep by
//! date over the last days that catches anything the watermark missed. Each order is decoded
//! and handled on its own: one that cannot be read goes to the queue and the rest go on.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use futures::TryStreamExt;
use skladsync_cloudcart::{Client, Id, ListedOrder, OrderDetail};
use skladsync_warehouse::Warehouse;

use super::import::Importer;
use crate::error::EngineError;
use crate::events::{Level, Reporter, RunSummary};
use crate::journal::Journal;
use crate::report::{OrderNote, Phase};
use crate::settings::Server;

/// How often the sweep runs by itself (on demand: [`sweep_orders`]).
pub const SWEEP_EVERY: Duration = Duration::hours(24);

/// The watermark a listing may set: its newest change time, but never past `now` (an order
/// dated in the future must not hide the ones after it).
pub fn next_watermark(
    listed: &[ListedOrder],
    old: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let newest = listed.iter().filter_map(|o| o.updated_at()).max()?.min(now);
    old.is_none_or(|w| newest > w).then_some(newest)
}

/// The ids (or stand-in keys) of listed orders.
pub(crate) fn ids(items: &[ListedOrder]) -> HashSet<Id> {
    items
        .iter()
        .map(|o| match o {
            ListedOrder::Order(o) => o.id.clone(),
            ListedOrder::Undecodable(u) => u.key().clone(),
        })
        .collect()
}

/// De-duplicate by id and sort oldest change first.
pub(crate) fn in_order(listed: Vec<ListedOrder>) -> Vec<ListedOrder> {
    let mut seen = HashSet::new();
    let mut items: Vec<ListedOrder> = listed
        .into_iter()
        .filter(|o| {
            seen.insert(match o {
                ListedOrder::Order(o) => o.id.clone(),
                ListedOrder::Undecodable(u) => u.key().clone(),
            })
        })
        .collect();
    let key = |o: &ListedOrder| match o {
        ListedOrder::Order(o) => o.id.clone(),
        ListedOrder::Undecodable(u) => u.key().clone(),
    };
    items.sort_by(|a, b| {
        a.updated_at()
            .cmp(&b.updated_at())
            .then(key(a).cmp(&key(b)))
    });
    items
}

/// Handle each listed order; with `only_new`, the ones bound or queued already, or in `seen`
/// (handled earlier in this run), are passed over (the sweep looks for missed orders, not
/// changes).
pub(crate) async fn handle_all(
    imp: &mut Importer<'_>,
    items: &[ListedOrder],
    reporter: &Reporter,
    only_new: bool,
    seen: &HashSet<Id>,
) -> Result<(), EngineError> {
    let total = items.len() as u64;
    // The versions handled: a webhook delivery of one of them, or of an older one, is passed
    // over (kept once at the end; lost only with a failed run, which costs a delivery a look).
    let mut handled = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if reporter.is_stopped() {
            return Err(EngineError::Stopped);
        }
        let id = match item {
            ListedOrder::Order(o) => o.id.to_string(),
            ListedOrder::Undecodable(u) => u.key().to_string(),
        };
        let known = only_new
            && (seen.contains(&Id::from(id.as_str()))
                || imp.store().binding(imp.host(), &id).await?.is_some()
                || imp.store().is_queued(imp.host(), &id).await?);
        if !known {
            match item {
                ListedOrder::Order(o) => {
                    imp.handle(o).await?;
                    if let Some(at) = o.updated_at {
                        handled.push((id.clone(), at));
                    }
                }
                ListedOrder::Undecodable(u) => imp.undecodable(u).await?,
            }
        }
        reporter.progress(i as u64 + 1, total);
    }
    if !imp.is_dry_run() && !handled.is_empty() {
        super::versions::OrderVersions::open(imp.store().journal())
            .await?
            .record_all(&imp.server().id, imp.host(), &handled)
            .await?;
    }
    Ok(())
}

/// Read the orders added in the last `days` again and import any never seen.
pub(crate) async fn sweep_in(
    imp: &mut Importer<'_>,
    shop: &Client,
    server: &Server,
    reporter: &Reporter,
    days: u32,
    dry_run: bool,
    seen: &HashSet<Id>,
) -> Result<(), EngineError> {
    let now = Utc::now();
    reporter.phase(Phase::SweepingRecentOrders);
    let listed: Vec<ListedOrder> = shop
        .orders_added_between_each(
            now - Duration::days(i64::from(days.max(1))),
            now + Duration::days(1),
            OrderDetail::Full,
        )
        .try_collect()
        .await?;
    let items = in_order(listed);
    let before = imp.summary.created;
    handle_all(imp, &items, reporter, true, seen).await?;
    let found = imp.summary.created - before;
    if found > 0 {
        reporter.log(Level::Warning, OrderNote::SweepFound { days, found });
    }
    if !dry_run {
        imp.store()
            .set_last_sweep(&server.id, imp.host(), now)
            .await?;
    }
    Ok(())
}

/// Whether the daily sweep is due (never on the first run, which reads back far enough).
pub(crate) async fn sweep_due(
    imp: &Importer<'_>,
    server: &Server,
    first_run: bool,
) -> Result<bool, EngineError> {
    let last = imp.store().last_sweep(&server.id, imp.host()).await?;
    if first_run && last.is_none() {
        if !imp.is_dry_run() {
            imp.store()
                .set_last_sweep(&server.id, imp.host(), Utc::now())
                .await?;
        }
        return Ok(false);
    }
    Ok(last.is_none_or(|t| Utc::now() - t >= SWEEP_EVERY))
}

/// On demand: read the orders added in the last `days` (the setting when `None`) again and
/// import any that were missed.
pub async fn sweep_orders(
    wh: &Warehouse,
    shop: &Client,
    journal: &Journal,
    server: &Server,
    reporter: &Reporter,
    dry_run: bool,
    days: Option<u32>,
) -> Result<RunSummary, EngineError> {
    let mut imp = Importer::new(wh, shop, journal, server, reporter, dry_run).await?;
    let days = days.unwrap_or(server.import.sweep_days);
    sweep_in(
        &mut imp,
        shop,
        server,
        reporter,
        days,
        dry_run,
        &HashSet::new(),
    )
    .await?;
    Ok(imp.summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use skladsync_cloudcart::{API_V2_MONEY_UNITS, decode_orders_page};

    #[test]
    fn the_watermark_never_passes_now() {
        let now = Utc::now();
        let page = serde_json::json!({"data": [
            {"type": "orders", "id": "1", "attributes": {"updated_at": (now - Duration::hours(1)).to_rfc3339()}},
            {"type": "orders", "id": "2", "attributes": {"updated_at": "2099-01-01T00:00:00+00:00"}},
        ]});
        let items = decode_orders_page(&page, API_V2_MONEY_UNITS).unwrap();
        assert_eq!(next_watermark(&items, None, now), Some(now));
        assert_eq!(next_watermark(&items, Some(now), now), None);
        let past = &items[..1];
        assert_eq!(
            next_watermark(past, None, now),
            Some(now - Duration::hours(1))
        );
    }
}
