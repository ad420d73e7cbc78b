//! Импорт от CloudCart: shop orders and their customers into Склад Pro, each exactly once.
//!
//! * Which orders: those changed since the watermark kept in the journal (`-updated_at`, with
//!   [`LISTING_OVERLAP`]); the first run reaches back `ImportSettings::first_run_days`.
//! * Each order is checked whole ([`plan_order`]) before anything is written; an order that
//!   fails goes to the exception queue with every reason and its fix ([`exception_queue`],
//!   [`retry_queued`], [`retry_all_queued`], [`dismiss_queued`]).
//! * Each accepted order is one `Warehouse::create_document` transaction: partner upserted from
//!   the billing data, lines by the compare key, delivery/discount/fee as special goods, the
//!   reference [`REFERENCE_PREFIX`]`<order id>` in every line's Note, paid rows keyed
//!   `CC:<shop>:<order id>`, the УНП in SUPTO mode.
//! * Exactly once: before writing, the journal binding **and** the warehouse (the Note
//!   reference, and a УНП the shop order already carries) are checked; the binding is committed
//!   right after the warehouse commit, and restored from the warehouse when it was lost. One
//!   importer per server runs at a time ([`RunLock`], an OS file lock next to the journal that
//!   dies with its process); a second copy waits, then finds the orders imported.
//! * Order → Sale at a sale status: the Sale is written first, the binding moves to it, then the
//!   Order is annulled; a crash in between leaves both, and the next run annuls the Order. A
//!   document that carries a УНП is never annulled or edited: such changes go to the queue.

mod discount;
mod ids;
mod import;
mod lock;
mod plan;
pub mod rounding;
mod store;

use skladsync_cloudcart::{Client, Id};
use skladsync_warehouse::Warehouse;

pub use ids::{
    IdKind, canonical_bg_vat, egn_birth_date, is_bg_vat, is_egn, is_eik9, is_eik13, is_lnch,
    registration_kind,
};
pub use import::{LISTING_OVERLAP, Outcome, run_import, shop_host};
pub use lock::{LOCK_WAIT, RunLock};
pub use plan::{
    CANCELLED_STATUSES, Catalog, Plan, PlannedLine, REFERENCE_PREFIX, is_cancelled, kind_for,
    partner_of, plan_order, reference_of, transaction_number,
};
pub use store::{Binding, OrderStore, QueueKind, QueuedOrder, Reason};

use crate::error::EngineError;
use crate::events::{Level, Reporter, RunSummary};
use crate::journal::Journal;
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
        Err(e) if e.is_not_found() => {
            imp.note(
                Level::Error,
                order_id,
                "поръчката вече не съществува в магазина; махнете я от опашката".into(),
            );
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}
