//! Импорт от CloudCart: shop orders and their customers into Склад Pro, each exactly once.
//!
//! * Which orders: those changed since the watermark kept in the journal (`-updated_at`, with
//!   [`LISTING_OVERLAP`]); the first run reaches back `ImportSettings::first_run_days`. The
//!   watermark never passes the time of the listing, and once a day ([`SWEEP_EVERY`], or on
//!   demand: [`sweep_orders`]) the orders added in the last `ImportSettings::sweep_days` are
//!   read again by date to catch any the watermark missed.
//! * Each order is decoded on its own: one that cannot be read goes to the queue with its id
//!   and an excerpt of its data, and the rest go on.
//! * Each order is checked whole ([`plan_order`], absurd numbers first: [`MAX_QUANTITY`],
//!   [`MAX_AMOUNT`], `ImportSettings::max_lines`) before anything is written; an order that
//!   fails goes to the exception queue with every reason and its fix ([`exception_queue`],
//!   [`retry_queued`], [`retry_all_queued`], [`dismiss_queued`]).
//! * Each accepted order is one `Warehouse::create_claimed_document` transaction: the order's
//!   claim first ([`order_claim`]), then the partner upserted from the billing data, lines by
//!   the compare key, delivery/discount/fee as special goods, the reference
//!   [`shop_reference`] (`CC:<shop host>:<order id>`) in every line's Note, paid rows keyed
//!   the same, the УНП in SUPTO mode (its sequence number claimed too).
//! * Exactly once: the warehouse itself holds a claim of every order it has a document of,
//!   written in the same transaction as the document; a second importer anywhere (another
//!   machine, another data folder) fails on the claim's unique key and takes the document that
//!   is there instead of writing one. The journal binding is committed right after the
//!   warehouse commit, and restored from the warehouse when it was lost; a document found by
//!   reference but not bound is taken only when its partner and total are the order's.
//!   Documents of earlier versions (`CC#<id>`, [`legacy_reference`]) count only when this
//!   server's journal bound them. One importer per journal runs at a time ([`RunLock`]).
//! * Order → Sale at a sale status: the Sale is written first (under [`sale_claim`]), the
//!   binding moves to it, then the Order is annulled; a crash in between leaves both, and the
//!   next run annuls the Order. A document that carries a УНП is never annulled or edited:
//!   such changes go to the queue.

mod bounds;
mod delivered;
mod ids;
mod import;
mod listing;
mod lock;
mod plan;
mod reference;
pub mod rounding;
mod store;
mod versions;

use skladsync_cloudcart::{Client, Id};
use skladsync_warehouse::Warehouse;

pub use bounds::{MAX_AMOUNT, MAX_DECIMALS, MAX_ID_CHARS, MAX_QUANTITY};
pub use delivered::{DeliveredOrder, import_delivered};
pub use ids::{
    IdKind, canonical_bg_vat, egn_birth_date, is_bg_vat, is_egn, is_eik9, is_eik13, is_lnch,
    registration_kind,
};
pub use import::{LISTING_OVERLAP, Outcome, run_import, shop_host};
pub use listing::{SWEEP_EVERY, next_watermark, sweep_orders};
pub use lock::{LOCK_WAIT, RunLock};
pub use plan::{
    CANCELLED_STATUSES, Catalog, LineSource, Plan, PlannedLine, REFERENCE_PREFIX, is_cancelled,
    kind_for, partner_of, plan_order, reference_of, transaction_number,
};
pub use reference::{legacy_reference, order_claim, sale_claim, shop_reference};
pub use store::{Binding, OrderStore, QueueKind, QueuedOrder};
pub use versions::OrderVersions;
pub(crate) use versions::stamp as version_stamp;

use crate::error::EngineError;
use crate::events::{Level, Reporter, RunSummary};
use crate::journal::Journal;
use crate::report::OrderProblem;
use crate::settings::Server;
use import::Importer;

/// The exception queue of a server, oldest first.
pub async fn exception_queue(
    journal: &Journal,
    server: &Server,
) -> Result<Vec<QueuedOrder>, EngineError> {
    Ok(OrderStore::open(journal).await?.queue(&server.id).await?)
}

/// Take an order out of the queue without importing it (the operator handled it in Склад Pro).
pub async fn dismiss_queued(
    journal: &Journal,
    shop: &str,
    order_id: &str,
) -> Result<bool, EngineError> {
    Ok(OrderStore::open(journal)
        .await?
        .dequeue(shop, order_id)
        .await?)
}

/// Forget the binding of an order whose document was annulled in Склад Pro, so that a retry
/// imports it again. Safe at any time: the warehouse itself is checked before writing.
pub async fn forget_binding(
    journal: &Journal,
    shop: &str,
    order_id: &str,
) -> Result<(), EngineError> {
    Ok(OrderStore::open(journal)
        .await?
        .delete_binding(shop, order_id)
        .await?)
}

/// Let an order be imported again after its document was annulled in Склад Pro: its binding
/// is forgotten and its claims in the warehouse released. Refused (`false`) while a document
/// with the order's reference is still there.
pub async fn release_order(
    wh: &Warehouse,
    journal: &Journal,
    shop: &str,
    order_id: &str,
) -> Result<bool, EngineError> {
    let found = reference::find(wh, shop, order_id, None).await?;
    if !found.docs.is_empty() {
        return Ok(false);
    }
    wh.release_claim(&order_claim(shop, order_id)).await?;
    wh.release_claim(&sale_claim(shop, order_id)).await?;
    forget_binding(journal, shop, order_id).await?;
    Ok(true)
}

/// Read one order again from the shop and import it (after the user fixed the cause).
pub async fn retry_queued(
    wh: &Warehouse,
    shop: &Client,
    journal: &Journal,
    server: &Server,
    order_id: &str,
    reporter: &Reporter,
    dry_run: bool,
) -> Result<RunSummary, EngineError> {
    let mut imp = Importer::new(wh, shop, journal, server, reporter, dry_run).await?;
    retry_in(&mut imp, order_id).await?;
    Ok(imp.summary)
}

/// Retry every order in the queue of a server.
pub async fn retry_all_queued(
    wh: &Warehouse,
    shop: &Client,
    journal: &Journal,
    server: &Server,
    reporter: &Reporter,
    dry_run: bool,
) -> Result<RunSummary, EngineError> {
    let mut imp = Importer::new(wh, shop, journal, server, reporter, dry_run).await?;
    let host = imp.host().to_owned();
    let queued: Vec<QueuedOrder> = imp
        .store()
        .queue(&server.id)
        .await?
        .into_iter()
        .filter(|q| q.shop == host)
        .collect();
    let total = queued.len() as u64;
    for (i, q) in queued.iter().enumerate() {
        if reporter.is_stopped() {
            return Err(EngineError::Stopped);
        }
        retry_in(&mut imp, &q.order_id).await?;
        reporter.progress(i as u64 + 1, total);
    }
    Ok(imp.summary)
}

async fn retry_in(imp: &mut Importer<'_>, order_id: &str) -> Result<(), EngineError> {
    match imp.shop_order(&Id::from(order_id)).await {
        Ok(order) => {
            imp.handle(&order).await?;
        }
        Err(skladsync_cloudcart::Error::Decode { context, reason }) => {
            imp.record_queued(
                order_id,
                QueueKind::Rejected,
                &[OrderProblem::Undecodable {
                    reason: format!("{context}: {reason}"),
                    excerpt: None,
                }],
            )
            .await?;
        }
        Err(e) if e.is_not_found() => {
            imp.note(Level::Error, order_id, OrderProblem::GoneFromShop);
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}
