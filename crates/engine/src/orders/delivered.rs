//! Orders the shop delivered by webhook, imported through the same importer as the listing: the
//! order is read again from the shop's API (the webhook's own payload has other money units and
//! leaves out totals, taxes and discounts), then handled exactly as a listed order — binding,
//! claims, the exception queue. A delivery whose update time was handled already, by a poll or
//! an earlier delivery, is passed over.

use chrono::{DateTime, Utc};

use super::import::Importer;
use super::versions::OrderVersions;
use crate::error::EngineError;
use crate::events::{Reporter, RunSummary};
use crate::journal::Journal;
use crate::report::Phase;
use crate::settings::Server;
use skladsync_cloudcart::Client;
use skladsync_warehouse::Warehouse;

/// An order the shop said is new or changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveredOrder {
    pub order_id: String,
    /// The order's update time in the delivery (`None`: it had none).
    pub updated_at: Option<DateTime<Utc>>,
}

/// Import the delivered orders, oldest change first, each exactly as the listing imports it.
pub async fn import_delivered(
    wh: &Warehouse,
    shop: &Client,
    journal: &Journal,
    server: &Server,
    reporter: &Reporter,
    delivered: &[DeliveredOrder],
) -> Result<RunSummary, EngineError> {
    let versions = OrderVersions::open(journal).await?;
    let host = super::shop_host(shop);
    let mut due = Vec::new();
    for d in delivered {
        if !versions
            .is_handled(&server.id, &host, &d.order_id, d.updated_at)
            .await?
        {
            due.push(d);
        }
    }
    if due.is_empty() {
        return Ok(RunSummary::default());
    }
    due.sort_by_key(|d| d.updated_at);
    let mut imp = Importer::new(wh, shop, journal, server, reporter, false).await?;
    reporter.phase(Phase::ImportingOrders);
    let total = due.len() as u64;
    for (i, d) in due.iter().enumerate() {
        if reporter.is_stopped() {
            return Err(EngineError::Stopped);
        }
        // Read from the shop and handled as a retry of the queue reads one order.
        super::retry_in(&mut imp, &d.order_id).await?;
        if let Some(at) = d.updated_at {
            versions.record(&server.id, &host, &d.order_id, at).await?;
        }
        reporter.progress(i as u64 + 1, total);
    }
    Ok(imp.summary)
}
