//! The import run: list the orders, check each whole, write each in one warehouse transaction,
//! bind it in the journal right after the commit, and reconcile from the warehouse so that a
//! crash anywhere never doubles an order.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use futures::TryStreamExt;
use skladsync_cloudcart::{Client, Id, ListedOrder, Order, OrderDetail, UndecodableOrder};
use skladsync_warehouse::{
    Document, DocumentKind, NewDocument, PaidAmount, PartnerChoice, PriceGroup, SERVICE_USER_ID,
    UsnRecord, Value, Warehouse, usn,
};

use super::listing;
use super::lock::RunLock;
use super::plan::{Catalog, Plan, is_cancelled, kind_for, plan_order, transaction_number};
use super::reference;
use super::store::{Binding, OrderStore, QueueKind};
use crate::error::EngineError;
use crate::events::{ItemProblem, Level, Reporter, RunSummary};
use crate::journal::Journal;
use crate::report::{
    Item, Money, OrderNote, OrderProblem, PartnerField, Phase, SettingField, SettingIssue,
    SettingProblem, StockShortage,
};
use crate::settings::Server;
use crate::validate::is_supto;

/// How far back each listing reaches before the watermark, so that an order written while the
/// last listing ran is not missed (orders seen twice are recognised by their binding).
pub const LISTING_OVERLAP: Duration = Duration::minutes(15);

/// How many times a new document is tried with the next УНП when another writer took the
/// sequence number meanwhile.
const USN_ATTEMPTS: u32 = 20;

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
        let user_id = import.active_user.unwrap_or(SERVICE_USER_ID);
        reporter.log(
            Level::Info,
            crate::lookups::documents_written_as(wh, import.active_user).await?,
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
            object_id,
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

    /// The УНП document of a УНП text, if Склад Pro has one.
    async fn document_with_usn(&self, text: &str) -> Result<Option<(i64, i64)>, Fail> {
        let rows = self
            .wh
            .query(
                "SELECT `OperType`, `Acct` FROM `ecrreceipts` WHERE `Description` = ? AND `ReceiptType` = ?",
                &[Value::text(text), Value::Int(usn::USN_RECEIPT_TYPE)],
            )
            .await
            .map_err(Fail::warehouse)?;
        Ok(rows
            .first()
            .map(|r| (r.int(0).unwrap_or(0), r.int(1).unwrap_or(0))))
    }

    async fn usn_of_document(
        &self,
        kind: DocumentKind,
        number: i64,
    ) -> Result<Option<String>, Fail> {
        let rows = self
            .wh
            .query(
                "SELECT `Description` FROM `ecrreceipts` WHERE `OperType` = ? AND `Acct` = ? AND `ReceiptType` = ?",
                &[
                    Value::Int(kind.oper_type()),
                    Value::Int(number),
                    Value::Int(usn::USN_RECEIPT_TYPE),
                ],
            )
            .await
            .map_err(Fail::warehouse)?;
        Ok(rows
            .first()
            .and_then(|r| r.text(0))
            .filter(|t| usn::is_usn(t)))
    }

    async fn import_new(&mut self, order: &Order) -> Result<Outcome, Fail> {
        let id = order.id.to_string();
        let shop_usn = order
            .usn
            .as_deref()
            .map(str::trim)
            .filter(|u| usn::is_usn(u))
            .map(str::to_owned);
        if let Some(u) = &shop_usn
            && let Some((t, acct)) = self.document_with_usn(u).await?
        {
            return Ok(Outcome::Skipped {
                why: OrderProblem::AlreadyWithUsn {
                    usn: u.clone(),
                    oper_type: t,
                    document: DocumentKind::from_oper_type(t),
                    number: acct,
                },
            });
        }
        if is_cancelled(order.status.as_deref()) {
            return Ok(Outcome::Skipped {
                why: OrderProblem::CancelledBeforeImport {
                    status: order.status.clone().unwrap_or_default(),
                },
            });
        }
        let plan = match plan_order(order, &self.catalog, &self.server.import) {
            Ok(p) => p,
            Err(reasons) => {
                return Ok(Outcome::Queued {
                    kind: QueueKind::Rejected,
                    reasons,
                });
            }
        };
        if shop_usn.is_some() && !self.supto {
            self.problem(
                Level::Warning,
                &id,
                OrderProblem::UsnIgnored {
                    usn: order.usn.clone().unwrap_or_default(),
                },
            );
        }
        self.warn_plan(&plan);
        if self.dry_run {
            return Ok(Outcome::WouldCreate { kind: plan.kind });
        }
        let mut attempts = 0;
        let (doc, usn_record) = loop {
            attempts += 1;
            let usn_record = if self.supto {
                Some(self.usn_for(order, shop_usn.as_deref()).await?)
            } else {
                None
            };
            let partner = PartnerChoice::Upsert {
                keys: plan.partner_keys.clone(),
                data: Box::new(plan.partner.clone()),
            };
            let new = self.new_document(&plan, partner, usn_record.clone());
            let claim = reference::order_claim(&self.host, &id);
            match self.wh.create_claimed_document(&new, &claim).await {
                Ok((doc, differences)) => {
                    // The partner kept what Склад Pro holds; each difference is for review.
                    for d in differences {
                        let problem = OrderProblem::PartnerDiffers {
                            partner: d.partner_id,
                            field: PartnerField::of_column(d.column),
                            in_warehouse: d.in_warehouse,
                            in_order: d.in_order,
                        };
                        self.problem(Level::Warning, &id, problem);
                    }
                    break (doc, usn_record);
                }
                Err(skladsync_warehouse::Error::InvalidInput { item, .. })
                    if item.starts_with("УНП") && shop_usn.is_none() && attempts < USN_ATTEMPTS =>
                {
                    // Склад Pro or another importer took this number meanwhile: ours was never
                    // used; take the next.
                    self.store.forget_usn(&self.host, &id).await?;
                }
                Err(skladsync_warehouse::Error::Claimed { .. }) => {
                    // Nothing of ours was written; the УНП we registered was not used.
                    if shop_usn.is_none() {
                        self.store.forget_usn(&self.host, &id).await?;
                    }
                    return self.claimed_elsewhere(order).await;
                }
                Err(e) => return Err(Fail::warehouse(e)),
            }
        };
        let usn_text = usn_record.map(|u| u.usn);
        let mut binding = Binding {
            shop: self.host.clone(),
            order_id: id.clone(),
            kind: doc.kind,
            number: doc.number,
            object_id: doc.object_id,
            usn_in_shop: usn_text.is_some() && usn_text == shop_usn,
            usn: usn_text,
            shop_status: order.status.clone(),
            plan_hash: plan.hash.clone(),
            note: String::new(),
        };
        self.store.save_binding(&self.server.id, &binding).await?;
        self.reporter.log(
            Level::Info,
            OrderNote::Created {
                order: id.clone(),
                document: doc.kind,
                number: doc.number,
                total: Money::new(doc.total, self.database_currency()),
            },
        );
        self.push_usn(&order.id, &mut binding).await?;
        Ok(Outcome::Created {
            kind: doc.kind,
            number: doc.number,
        })
    }

    fn new_document(
        &self,
        plan: &Plan,
        partner: PartnerChoice,
        usn_record: Option<UsnRecord>,
    ) -> NewDocument {
        let paid = if plan.kind == DocumentKind::Sale && plan.prepaid {
            vec![PaidAmount {
                // What the shop received, on the document's (Bulgarian) day.
                amount: plan.received,
                date: plan.date,
                transaction_number: transaction_number(&self.host, &plan.order_id),
            }]
        } else {
            Vec::new()
        };
        NewDocument {
            kind: plan.kind,
            object_id: self.object_id,
            user_id: self.user_id,
            partner,
            date: plan.date,
            lines: plan.lines.clone(),
            reference: reference::shop_reference(&self.host, &plan.order_id),
            payment_type_id: plan.payment_type_id,
            paid,
            usn: usn_record,
            converts_order: None,
        }
    }

    /// The order's УНП: the one it already got from us, the one the shop holds, or the next
    /// number of the device — generated once, registered before the document is written.
    async fn usn_for(&self, order: &Order, shop_usn: Option<&str>) -> Result<UsnRecord, Fail> {
        let id = order.id.to_string();
        let record = |text: &str| -> Option<UsnRecord> {
            let device = text.split('-').next()?.to_owned();
            let sequence = usn::sequence_of(text, &device)?;
            Some(UsnRecord {
                device,
                sequence,
                usn: text.to_owned(),
            })
        };
        if let Some(u) = self.store.usn_of_order(&self.host, &id).await? {
            return record(&u).ok_or_else(|| {
                Fail::Queue(
                    QueueKind::Rejected,
                    OrderProblem::UsnRegisterDamaged { usn: u.clone() },
                )
            });
        }
        if let Some(u) = shop_usn {
            let r = record(u).ok_or_else(|| {
                Fail::Queue(
                    QueueKind::Rejected,
                    OrderProblem::UsnUnreadable { usn: u.to_owned() },
                )
            })?;
            if !self
                .store
                .register_usn(&r.device, r.sequence, &r.usn, &self.host, &id)
                .await?
            {
                return Err(Fail::Queue(
                    QueueKind::Rejected,
                    OrderProblem::UsnTaken { usn: u.to_owned() },
                ));
            }
            return Ok(r);
        }
        let import = &self.server.import;
        let device = import.fiscal_device.clone().unwrap_or_default();
        let operator = import.operator_code.clone().unwrap_or_default();
        for _ in 0..100 {
            let last = self
                .wh
                .last_usn_sequence(&device)
                .await
                .map_err(Fail::warehouse)?
                .max(self.store.last_sequence(&device).await?);
            let sequence = last + 1;
            let Some(text) = usn::format_usn(&device, &operator, sequence) else {
                return Err(Fail::Queue(
                    QueueKind::Rejected,
                    OrderProblem::UsnSequenceExhausted { device, sequence },
                ));
            };
            if self
                .store
                .register_usn(&device, sequence, &text, &self.host, &id)
                .await?
            {
                return Ok(UsnRecord {
                    device,
                    sequence,
                    usn: text,
                });
            }
        }
        Err(Fail::Queue(QueueKind::Failed, OrderProblem::NoFreeUsn))
    }

    /// Write the binding's УНП to the shop's `usn` (write-once). A failure is reported and
    /// retried on the next run.
    async fn push_usn(&mut self, order_id: &Id, binding: &mut Binding) -> Result<(), Fail> {
        let Some(u) = binding.usn.clone() else {
            return Ok(());
        };
        if binding.usn_in_shop || self.dry_run {
            return Ok(());
        }
        match self.shop.set_order_usn(order_id, &u).await {
            Ok(_) => {
                binding.usn_in_shop = true;
                self.store.save_binding(&self.server.id, binding).await?;
            }
            Err(skladsync_cloudcart::Error::UsnAlreadySet { existing, .. }) => {
                binding.note = existing.clone();
                binding.usn_in_shop = true;
                self.store.save_binding(&self.server.id, binding).await?;
                self.store
                    .enqueue(
                        &self.server.id,
                        &self.host,
                        order_id.as_str(),
                        QueueKind::Operator,
                        &[OrderProblem::UsnDiffersInShop {
                            document_usn: u.clone(),
                            shop_usn: existing,
                        }],
                    )
                    .await?;
            }
            Err(e) if is_fatal_shop(&e) => return Err(Fail::Fatal(e.into())),
            Err(e) => self.problem(
                Level::Warning,
                order_id.as_str(),
                OrderProblem::UsnNotWritten {
                    usn: u.clone(),
                    detail: e.to_string(),
                },
            ),
        }
        Ok(())
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

    /// Push the УНП of every binding that has not reached the shop yet.
    pub(crate) async fn push_pending_usns(&mut self) -> Result<(), EngineError> {
        if self.dry_run {
            return Ok(());
        }
        for mut b in self.store.usn_not_in_shop(&self.host).await? {
            let id = Id::from(b.order_id.clone());
            match self.push_usn(&id, &mut b).await {
                Ok(()) => {}
                Err(Fail::Fatal(e)) => return Err(e),
                Err(Fail::Queue(..)) => {}
            }
        }
        Ok(())
    }

    /// An order that already has its document(s) in Склад Pro.
    async fn existing(
        &mut self,
        order: &Order,
        binding: Option<Binding>,
        docs: Vec<Document>,
    ) -> Result<Outcome, Fail> {
        let id = order.id.to_string();
        let sale = docs.iter().find(|d| d.kind == DocumentKind::Sale).cloned();
        let orders: Vec<Document> = docs
            .iter()
            .filter(|d| d.kind == DocumentKind::Order)
            .cloned()
            .collect();
        let mut reconciled = false;
        let doc = sale.clone().unwrap_or_else(|| orders[0].clone());
        let plan = plan_order(order, &self.catalog, &self.server.import);
        let bound = binding.as_ref().is_some_and(|b| {
            b.kind == doc.kind && b.number == doc.number && b.object_id == doc.object_id
        });
        if !bound && let Some(outcome) = self.unconfirmed(&doc, &plan).await? {
            return Ok(outcome);
        }
        // A conversion interrupted after the Sale was written: finish it.
        if let Some(s) = &sale
            && !orders.is_empty()
        {
            if self.dry_run {
                return Ok(Outcome::Unchanged);
            }
            for o in &orders {
                self.wh
                    .annul_document(DocumentKind::Order, o.number, o.object_id, self.user_id)
                    .await
                    .map_err(Fail::warehouse)?;
            }
            self.reporter.log(
                Level::Info,
                OrderNote::ConversionFinished {
                    order: id.clone(),
                    sale: s.number,
                },
            );
        }
        let mut b = match binding {
            Some(b) if bound => b,
            old => {
                reconciled = true;
                // The document's own УНП is the truth; one our register holds for the order
                // but the document does not carry was never used (another importer wrote it).
                let registered = self.store.usn_of_order(&self.host, &id).await?;
                let on_document = self.usn_of_document(doc.kind, doc.number).await?;
                if on_document.is_some() && registered.is_some() && registered != on_document {
                    self.store.forget_usn(&self.host, &id).await?;
                }
                let usn_text = on_document.or(registered);
                let usn_in_shop = usn_text.is_some() && order.usn == usn_text;
                Binding {
                    shop: self.host.clone(),
                    order_id: id.clone(),
                    kind: doc.kind,
                    number: doc.number,
                    object_id: doc.object_id,
                    usn: usn_text.or(old.as_ref().and_then(|o| o.usn.clone())),
                    usn_in_shop,
                    // Unknown after a lost binding: the current status is acted on.
                    shop_status: old.as_ref().and_then(|o| o.shop_status.clone()),
                    plan_hash: old.map(|o| o.plan_hash).unwrap_or_default(),
                    note: String::new(),
                }
            }
        };
        if reconciled && !self.dry_run {
            self.store.save_binding(&self.server.id, &b).await?;
            self.reporter.log(
                Level::Info,
                OrderNote::Reconciled {
                    order: id.clone(),
                    document: doc.kind,
                    number: doc.number,
                },
            );
        }
        self.push_usn(&order.id, &mut b).await?;

        let status_changed = b.shop_status != order.status;
        if b.plan_hash.is_empty()
            && let Ok(p) = &plan
            && !self.dry_run
        {
            b.plan_hash = p.hash.clone();
            self.store.save_binding(&self.server.id, &b).await?;
        }
        let settled = if reconciled {
            Outcome::Reconciled {
                kind: doc.kind,
                number: doc.number,
            }
        } else {
            Outcome::Unchanged
        };
        match doc.kind {
            DocumentKind::Sale => {
                if status_changed && is_cancelled(order.status.as_deref()) {
                    self.remember_status(b.clone(), order).await?;
                    return Ok(Outcome::Queued {
                        kind: QueueKind::Operator,
                        reasons: vec![OrderProblem::CancelledAfterSale {
                            status: order.status.clone().unwrap_or_default(),
                            number: doc.number,
                        }],
                    });
                }
                if let Ok(p) = &plan
                    && !b.plan_hash.is_empty()
                    && p.hash != b.plan_hash
                {
                    let mut nb = b.clone();
                    nb.plan_hash = p.hash.clone();
                    self.remember_status(nb, order).await?;
                    return Ok(Outcome::Queued {
                        kind: QueueKind::Operator,
                        reasons: vec![OrderProblem::EditedAfterSale { number: doc.number }],
                    });
                }
                if status_changed {
                    self.remember_status(b, order).await?;
                }
                Ok(settled)
            }
            DocumentKind::Order => {
                if is_cancelled(order.status.as_deref()) {
                    if !status_changed {
                        return Ok(settled);
                    }
                    self.remember_status(b.clone(), order).await?;
                    return Ok(Outcome::Queued {
                        kind: QueueKind::Operator,
                        reasons: vec![OrderProblem::CancelledAfterOrder {
                            status: order.status.clone().unwrap_or_default(),
                            number: doc.number,
                            has_usn: b.usn.is_some(),
                        }],
                    });
                }
                if kind_for(&self.server.import, order.status.as_deref()) == DocumentKind::Sale {
                    if b.usn.is_some() && !status_changed {
                        // Already in the queue for the operator.
                        return Ok(settled);
                    }
                    return self.convert(order, b, &doc, plan).await;
                }
                match plan {
                    Ok(p) if !b.plan_hash.is_empty() && p.hash != b.plan_hash => {
                        self.edit(order, b, &doc, p).await
                    }
                    _ => {
                        if status_changed {
                            self.remember_status(b, order).await?;
                        }
                        Ok(settled)
                    }
                }
            }
        }
    }

    /// A document found by the order's reference that this server's journal does not bind
    /// (a lost journal, another importer): taken only when its partner and total are the
    /// order's; otherwise the order waits for a person.
    async fn unconfirmed(
        &self,
        doc: &Document,
        plan: &Result<Plan, Vec<OrderProblem>>,
    ) -> Result<Option<Outcome>, Fail> {
        let reason = reference::unconfirmed(self.wh, doc, plan)
            .await
            .map_err(Fail::warehouse)?;
        Ok(reason.map(|r| Outcome::Queued {
            kind: QueueKind::Operator,
            reasons: vec![r],
        }))
    }

    /// Remember the shop status seen, so that a notice about it is raised once.
    async fn remember_status(&self, mut b: Binding, order: &Order) -> Result<(), Fail> {
        if !self.dry_run {
            b.shop_status = order.status.clone();
            self.store.save_binding(&self.server.id, &b).await?;
        }
        Ok(())
    }

    /// The Order becomes a Sale: the Sale is written first (with the same reference), the
    /// binding moves to it, then the Order is annulled. A crash in between leaves both, which the
    /// next run sees and finishes; the order is never without a document.
    async fn convert(
        &mut self,
        order: &Order,
        mut b: Binding,
        order_doc: &Document,
        plan: Result<Plan, Vec<OrderProblem>>,
    ) -> Result<Outcome, Fail> {
        let plan = match plan {
            Ok(p) => p,
            Err(reasons) => {
                return Ok(Outcome::Queued {
                    kind: QueueKind::Rejected,
                    reasons,
                });
            }
        };
        if b.usn.is_some() {
            self.remember_status(b.clone(), order).await?;
            return Ok(Outcome::Queued {
                kind: QueueKind::Operator,
                reasons: vec![OrderProblem::SaleStatusWithUsn {
                    status: order.status.clone().unwrap_or_default(),
                    number: order_doc.number,
                    usn: b.usn.clone().unwrap_or_default(),
                }],
            });
        }
        if self.dry_run {
            return Ok(Outcome::Converted { number: 0 });
        }
        // Склад Pro dates a Sale made from an Order by the day it becomes a Sale.
        let mut plan = plan;
        plan.date = crate::bgtime::today(self.zone);
        let mut new = self.new_document(&plan, PartnerChoice::Existing(order_doc.partner_id), None);
        // The Order's own lines do not hold stock against the Sale that replaces it.
        new.converts_order = (order_doc.object_id == new.object_id).then_some(order_doc.number);
        let claim = reference::sale_claim(&self.host, &plan.order_id);
        let sale = match self.wh.create_claimed_document(&new, &claim).await {
            // The Order's own partner: nothing of it is changed, so nothing to review.
            Ok((sale, _)) => sale,
            Err(skladsync_warehouse::Error::Claimed { .. }) => {
                // Another importer wrote the Sale (and annuls the Order); the next run binds it.
                self.reporter.log(
                    Level::Info,
                    OrderNote::ConvertedByOtherCopy {
                        order: plan.order_id.clone(),
                    },
                );
                return Ok(Outcome::Unchanged);
            }
            Err(e) => return Err(Fail::warehouse(e)),
        };
        b.kind = DocumentKind::Sale;
        b.number = sale.number;
        b.object_id = sale.object_id;
        b.shop_status = order.status.clone();
        b.plan_hash = plan.hash.clone();
        self.store.save_binding(&self.server.id, &b).await?;
        self.wh
            .annul_document(
                DocumentKind::Order,
                order_doc.number,
                order_doc.object_id,
                self.user_id,
            )
            .await
            .map_err(Fail::warehouse)?;
        self.reporter.log(
            Level::Info,
            OrderNote::Converted {
                order: plan.order_id.clone(),
                from: order_doc.number,
                to: sale.number,
            },
        );
        Ok(Outcome::Converted {
            number: sale.number,
        })
    }

    /// An edited order: its Order document gets the new lines (never a document with a УНП).
    async fn edit(
        &mut self,
        order: &Order,
        mut b: Binding,
        doc: &Document,
        plan: Plan,
    ) -> Result<Outcome, Fail> {
        if b.usn.is_some() {
            if !self.dry_run {
                b.plan_hash = plan.hash.clone();
                b.shop_status = order.status.clone();
                self.store.save_binding(&self.server.id, &b).await?;
            }
            return Ok(Outcome::Queued {
                kind: QueueKind::Operator,
                reasons: vec![OrderProblem::EditedWithUsn { number: doc.number }],
            });
        }
        if self.dry_run {
            return Ok(Outcome::Edited { number: doc.number });
        }
        self.wh
            .replace_document_lines(
                DocumentKind::Order,
                doc.number,
                doc.object_id,
                &plan.lines,
                self.user_id,
            )
            .await
            .map_err(Fail::warehouse)?;
        b.plan_hash = plan.hash.clone();
        b.shop_status = order.status.clone();
        self.store.save_binding(&self.server.id, &b).await?;
        Ok(Outcome::Edited { number: doc.number })
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
