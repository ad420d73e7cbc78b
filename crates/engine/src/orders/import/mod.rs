//! The import run: list the orders, check each whole, write each in one warehouse transaction,
//! bind it in the journal right after the commit, and reconcile from the warehouse so that a
//! crash anywhere never doubles an order.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use futures::TryStreamExt;
use skladsync_cloudcart::{Client, Id, ListedOrder, Order, OrderDetail, UndecodableOrder};
use skladsync_warehouse::{Document, DocumentKind, PriceGroup, SERVICE_USER_ID, Warehouse, usn};

use super::listing;
use super::lock::RunLock;
use super::plan::{Catalog, Plan, plan_order};
use super::reference;
use super::store::{Binding, OrderStore, QueueKind};
use crate::error::EngineError;
use crate::events::{ItemProblem, Level, Reporter, RunSummary};
use crate::journal::Journal;
use crate::report::{
    Item, OrderNote, OrderProblem, Phase, SettingField, SettingIssue, SettingProblem, StockShortage,
};
use crate::settings::Server;
use crate::validate::is_supto;

mod convert;
mod existing;
mod new;
mod supto;

/// How far back each listing reaches before the watermark, so that an order written while the
/// last listing ran is not missed (orders seen twice are recognised by their binding).
pub const LISTING_OVERLAP: Duration = Duration::minutes(15);

/// What happened to one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A new document.
    Created { kind: DocumentKind, number: i64 },
    /// Dry run: this document would be written.
    WouldCreate { kind: DocumentKind },
    /// The document was already in Склад Pro (found by its reference or УНП); the binding was
    /// restored from it.
    Reconciled { kind: DocumentKind, number: i64 },
    /// The Order became a Sale.
    Converted { number: i64 },
    /// An edited order's Order document got the new lines.
    Edited { number: i64 },
    /// Already imported and nothing to do.
    Unchanged,
    /// In the exception queue.
    Queued {
        kind: QueueKind,
        reasons: Vec<OrderProblem>,
    },
    /// Not imported and nothing to do (a cancelled order never imported, or a УНП another tool
    /// already wrote).
    Skipped { why: OrderProblem },
}

/// The shop's host: the first half of the binding key.
pub fn shop_host(shop: &Client) -> String {
    let url = shop.base_url();
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => url.to_string(),
    }
}

fn warehouse_reason(e: &skladsync_warehouse::Error) -> (QueueKind, OrderProblem) {
    use skladsync_warehouse::Error as E;
    match e {
        // A Sale refused because the database does not allow negative stock: each good, its
        // object, what is available there (less open Orders) and what the order needs.
        E::InsufficientStock(shortages) => (
            QueueKind::Rejected,
            OrderProblem::NotEnoughStock {
                shortages: shortages.iter().map(StockShortage::from).collect(),
            },
        ),
        // Taken by another importer or Склад Pro after the retries: the order's УНП is taken.
        E::UsnTaken { usn } => (
            QueueKind::Rejected,
            OrderProblem::UsnTaken { usn: usn.clone() },
        ),
        E::UnknownGood { .. }
        | E::UnknownPartner { .. }
        | E::UnknownObject { .. }
        | E::UnknownPaymentType { .. }
        | E::InvalidInput { .. }
        | E::Unsupported(_) => (
            QueueKind::Rejected,
            OrderProblem::DocumentRefused {
                detail: e.to_string(),
            },
        ),
        _ => (
            QueueKind::Failed,
            OrderProblem::DatabaseError {
                detail: e.to_string(),
            },
        ),
    }
}

fn is_fatal_shop(e: &skladsync_cloudcart::Error) -> bool {
    use skladsync_cloudcart::Error as E;
    matches!(
        e,
        E::NoApiAccess { .. } | E::InvalidApiKey(_) | E::InvalidBaseUrl { .. }
    ) || matches!(e.status(), Some(401..=403))
}

pub(crate) struct Importer<'a> {
    wh: &'a Warehouse,
    shop: &'a Client,
    store: OrderStore,
    server: &'a Server,
    reporter: &'a Reporter,
    dry_run: bool,
    host: String,
    supto: bool,
    catalog: Catalog,
    user_id: i64,
    object_id: i64,
    /// The zone whose day dates documents.
    zone: chrono_tz::Tz,
    /// Held while the importer lives: one importer per server and journal at a time.
    _lock: Option<RunLock>,
    pub(crate) summary: RunSummary,
}

impl<'a> Importer<'a> {
    pub(crate) async fn new(
        wh: &'a Warehouse,
        shop: &'a Client,
        journal: &Journal,
        server: &'a Server,
        reporter: &'a Reporter,
        dry_run: bool,
    ) -> Result<Importer<'a>, EngineError> {
        let import = &server.import;
        let object_id = import.object.ok_or_else(|| {
            EngineError::InvalidSettings(vec![SettingProblem {
                field: SettingField::ImportObject,
                issue: SettingIssue::ChooseObject,
            }])
        })?;
        let zone = import.time_zone.zone().map_err(|e| {
            EngineError::InvalidSettings(vec![SettingProblem {
                field: SettingField::ImportTimeZone,
                issue: SettingIssue::UnknownTimeZone { name: e.name },
            }])
        })?;
        let supto = is_supto(wh, server).await?;
        if supto {
            let op_ok = import
                .operator_code
                .as_deref()
                .is_some_and(|o| usn::format_usn("XX000000", o, 1).is_some());
            let dev_ok = import
                .fiscal_device
                .as_deref()
                .is_some_and(|d| usn::format_usn(d, "0000", 1).is_some());
            let mut bad = Vec::new();
            if !dev_ok {
                bad.push(SettingProblem {
                    field: SettingField::ImportFiscalDevice,
                    issue: SettingIssue::RequiredInSupto,
                });
            }
            if !op_ok {
                bad.push(SettingProblem {
                    field: SettingField::ImportOperatorCode,
                    issue: SettingIssue::OperatorCodeRequiredInSupto,
                });
            }
            if !bad.is_empty() {
                return Err(EngineError::InvalidSettings(bad));
            }
        }
        let lock = if dry_run {
            None
        } else {
            Some(RunLock::acquire(journal, &server.id, reporter).await?)
        };
        let user_id = import.active_user.map_or(SERVICE_USER_ID, |u| u.get());
        reporter.log(
            Level::Info,
            crate::lookups::documents_written_as(wh, import.active_user.map(|u| u.get())).await?,
        );
        reporter.phase(Phase::ReadingWarehouseGoods);
        let goods = wh.goods(&[], PriceGroup::RETAIL).await?.goods;
        let vat_rates: HashMap<_, _> = wh
            .vat_groups()
            .await?
            .into_iter()
            .map(|v| (v.id, v.rate))
            .collect();
        let payment_types = wh.payment_types().await?;
        let catalog = Catalog::new(
            goods,
            vat_rates,
            payment_types,
            wh.settings().clone(),
            server.compare_by,
        );
        Ok(Importer {
            wh,
            shop,
            store: OrderStore::open(journal).await?,
            server,
            reporter,
            dry_run,
            host: shop_host(shop),
            supto,
            catalog,
            user_id,
            object_id: object_id.get(),
            zone,
            _lock: lock,
            summary: RunSummary {
                dry_run,
                ..Default::default()
            },
        })
    }

    pub(crate) fn store(&self) -> &OrderStore {
        &self.store
    }

    pub(crate) fn is_dry_run(&self) -> bool {
        self.dry_run
    }

    pub(crate) fn host(&self) -> &str {
        &self.host
    }

    pub(crate) fn server(&self) -> &Server {
        self.server
    }

    pub(crate) async fn shop_order(&self, id: &Id) -> Result<Order, skladsync_cloudcart::Error> {
        self.shop.order(id).await
    }

    /// A problem with an order that is skipped.
    pub(crate) fn note(&mut self, level: Level, order_id: &str, problem: OrderProblem) {
        self.summary.skipped += 1;
        self.problem(level, order_id, problem);
    }

    fn problem(&mut self, level: Level, order_id: &str, problem: OrderProblem) {
        let p = ItemProblem::new(
            Item::Order {
                id: order_id.to_owned(),
            },
            problem,
        );
        self.reporter.item(level, p.clone());
        self.summary.problems.push(p);
    }

    /// The database's currency (the plan refuses any other than lev and euro).
    fn database_currency(&self) -> crate::report::Currency {
        crate::currency::currency_of(&self.catalog.db.base_currency)
            .unwrap_or(crate::report::Currency::Bgn)
    }

    /// Handle one order (read with its details) and count the outcome.
    pub(crate) async fn handle(&mut self, order: &Order) -> Result<Outcome, EngineError> {
        let id = order.id.to_string();
        let result = self.process(order).await;
        let outcome = match result {
            Ok(o) => o,
            Err(Fail::Fatal(e)) => return Err(e),
            Err(Fail::Queue(kind, reason)) => Outcome::Queued {
                kind,
                reasons: vec![reason],
            },
        };
        match &outcome {
            Outcome::Queued { kind, reasons } => {
                self.record_queued(&id, *kind, reasons).await?;
            }
            other => {
                if !self.dry_run {
                    if matches!(other, Outcome::Unchanged) {
                        self.store.dequeue_resolved(&self.host, &id).await?;
                    } else {
                        self.store.dequeue(&self.host, &id).await?;
                    }
                }
                match other {
                    Outcome::Created { .. } | Outcome::WouldCreate { .. } => {
                        self.summary.created += 1
                    }
                    Outcome::Converted { .. } | Outcome::Edited { .. } => self.summary.updated += 1,
                    Outcome::Reconciled { .. } | Outcome::Unchanged => self.summary.unchanged += 1,
                    Outcome::Skipped { why } => {
                        self.summary.skipped += 1;
                        let why = why.clone();
                        self.problem(Level::Info, &id, why);
                    }
                    Outcome::Queued { .. } => {}
                }
            }
        }
        Ok(outcome)
    }

    /// Put an order in the queue (not in a dry run) and report it.
    pub(crate) async fn record_queued(
        &mut self,
        id: &str,
        kind: QueueKind,
        reasons: &[OrderProblem],
    ) -> Result<(), EngineError> {
        if !self.dry_run {
            self.store
                .enqueue(&self.server.id, &self.host, id, kind, reasons)
                .await?;
        }
        self.summary.skipped += 1;
        let level = if kind == QueueKind::Operator {
            Level::Warning
        } else {
            Level::Error
        };
        let problem = OrderProblem::Queued {
            queue: kind,
            reasons: reasons.to_vec(),
        };
        self.problem(level, id, problem);
        Ok(())
    }

    /// An order of the listing that could not be decoded: into the queue with its id and an
    /// excerpt of its data; the other orders go on.
    pub(crate) async fn undecodable(&mut self, u: &UndecodableOrder) -> Result<(), EngineError> {
        let id = u.key().to_string();
        let reasons = [OrderProblem::Undecodable {
            reason: u.reason.to_string(),
            excerpt: Some(u.excerpt.to_string()),
        }];
        self.record_queued(&id, QueueKind::Rejected, &reasons).await
    }

    fn warn_plan(&mut self, plan: &Plan) {
        for w in &plan.warnings {
            self.problem(Level::Warning, &plan.order_id, w.clone());
        }
    }

    async fn process(&mut self, order: &Order) -> Result<Outcome, Fail> {
        let id = order.id.to_string();
        let binding = self.binding_of(&id).await?;
        let found = reference::find(
            self.wh,
            &self.host,
            &id,
            binding.as_ref().map(|b| (b.kind, b.number, b.object_id)),
        )
        .await
        .map_err(Fail::warehouse)?;
        let docs = found.docs;

        if docs.is_empty() {
            if let Some(b) = &binding {
                return Ok(Outcome::Queued {
                    kind: QueueKind::Operator,
                    reasons: vec![OrderProblem::DocumentGone {
                        document: b.kind,
                        number: b.number,
                    }],
                });
            }
            if let Some(outcome) = self.ambiguous_legacy(order, &found.unbound_legacy).await? {
                return Ok(outcome);
            }
            return self.import_new(order).await;
        }
        self.existing(order, binding, docs).await
    }

    /// This server's binding of an order (a binding another server made is not this
    /// database's).
    async fn binding_of(&self, id: &str) -> Result<Option<Binding>, Fail> {
        let Some(b) = self.store.binding(&self.host, id).await? else {
            return Ok(None);
        };
        let server = self.store.binding_server(&self.host, id).await?;
        Ok((server.as_deref() == Some(self.server.id.as_str())).then_some(b))
    }

    /// An old-form document (`CC#<id>`) that nothing ties to this shop, with this order's
    /// partner and total: it may be this order written by an earlier version (then importing
    /// would double it) or another shop's order of the same number. A person decides.
    async fn ambiguous_legacy(
        &self,
        order: &Order,
        legacy: &[Document],
    ) -> Result<Option<Outcome>, Fail> {
        if legacy.is_empty() {
            return Ok(None);
        }
        // An order that fails its checks is queued with its reasons by the import anyway.
        let Ok(plan) = plan_order(order, &self.catalog, &self.server.import) else {
            return Ok(None);
        };
        let reason =
            reference::ambiguous_legacy(self.wh, &self.host, &order.id.to_string(), legacy, &plan)
                .await
                .map_err(Fail::warehouse)?;
        Ok(reason.map(|r| Outcome::Queued {
            kind: QueueKind::Operator,
            reasons: vec![r],
        }))
    }

    /// Another importer (another copy of the program, here or on another machine) holds the
    /// order's claim: its document is taken, never a second one written.
    async fn claimed_elsewhere(&mut self, order: &Order) -> Result<Outcome, Fail> {
        let id = order.id.to_string();
        let found = reference::find(self.wh, &self.host, &id, None)
            .await
            .map_err(Fail::warehouse)?;
        if found.docs.is_empty() {
            return Ok(Outcome::Queued {
                kind: QueueKind::Operator,
                reasons: vec![reference::claim_without_document(&self.host, &id)],
            });
        }
        self.reporter.log(
            Level::Info,
            OrderNote::TakenFromOtherCopy { order: id.clone() },
        );
        self.existing(order, None, found.docs).await
    }

    /// Orders a database or shop error stopped last time are tried again at the start of every
    /// run (the ones that failed their checks wait for the user's retry).
    pub(crate) async fn retry_failed(&mut self) -> Result<(), EngineError> {
        let failed: Vec<String> = self
            .store
            .queue(&self.server.id)
            .await?
            .into_iter()
            .filter(|q| q.kind == QueueKind::Failed && q.shop == self.host)
            .map(|q| q.order_id)
            .collect();
        for id in failed {
            match self.shop.order(&Id::from(id.clone())).await {
                Ok(order) => {
                    self.handle(&order).await?;
                }
                Err(e) if is_fatal_shop(&e) => return Err(e.into()),
                Err(e) => self.problem(
                    Level::Warning,
                    &id,
                    OrderProblem::NotReadFromShop {
                        detail: e.to_string(),
                    },
                ),
            }
        }
        Ok(())
    }
}

/// Why one order stopped: into the queue, or the end of the run.
pub(crate) enum Fail {
    Queue(QueueKind, OrderProblem),
    Fatal(EngineError),
}

impl Fail {
    fn warehouse(e: skladsync_warehouse::Error) -> Fail {
        let (k, r) = warehouse_reason(&e);
        Fail::Queue(k, r)
    }
}

impl From<crate::journal::JournalError> for Fail {
    fn from(e: crate::journal::JournalError) -> Fail {
        Fail::Fatal(e.into())
    }
}

/// Import the orders new or changed since the last run (or since `since`).
pub async fn run_import(
    wh: &Warehouse,
    shop: &Client,
    journal: &Journal,
    server: &Server,
    reporter: &Reporter,
    dry_run: bool,
    since: Option<DateTime<Utc>>,
) -> Result<RunSummary, EngineError> {
    let mut imp = Importer::new(wh, shop, journal, server, reporter, dry_run).await?;
    imp.push_pending_usns().await?;
    imp.retry_failed().await?;
    let watermark = imp.store().watermark(&server.id, imp.host()).await?;
    let from = since
        .or(watermark.map(|w| w - LISTING_OVERLAP))
        .unwrap_or_else(|| Utc::now() - Duration::days(i64::from(server.import.first_run_days)));
    reporter.phase(Phase::ReadingShopOrders);
    // Taken before the listing: an order changed while it runs is listed again next time.
    let now = Utc::now();
    let listed: Vec<ListedOrder> = shop
        .orders_updated_since_each(from, OrderDetail::Full)
        .try_collect()
        .await?;
    let next = listing::next_watermark(&listed, watermark, now);
    let items = listing::in_order(listed);
    reporter.phase(Phase::ImportingOrders);
    let seen = listing::ids(&items);
    listing::handle_all(&mut imp, &items, reporter, false, &seen).await?;
    if !dry_run && let Some(n) = next {
        imp.store().set_watermark(&server.id, imp.host(), n).await?;
    }
    if since.is_none() && listing::sweep_due(&imp, server, watermark.is_none()).await? {
        listing::sweep_in(
            &mut imp,
            shop,
            server,
            reporter,
            server.import.sweep_days,
            dry_run,
            &seen,
        )
        .await?;
    }
    let s = &imp.summary;
    reporter.log(
        Level::Info,
        OrderNote::Counts {
            created: s.created,
            updated: s.updated,
            unchanged: s.unchanged,
            skipped: s.skipped,
        },
    );
    Ok(imp.summary)
}
