//! An order that already has its document in Склад Pro: the binding restored from the
//! warehouse, a conversion interrupted earlier finished, and each change in the shop
//! (cancelled, paid, edited) acted on or put to the operator.

use skladsync_cloudcart::Order;
use skladsync_warehouse::{Document, DocumentKind};

use super::{Fail, Importer, Outcome};
use crate::events::Level;
use crate::orders::plan::{Plan, is_cancelled, kind_for, plan_order};
use crate::orders::reference;
use crate::orders::store::{Binding, QueueKind};
use crate::report::{OrderNote, OrderProblem};

impl Importer<'_> {
    /// An order that already has its document(s) in Склад Pro.
    pub(super) async fn existing(
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
    pub(super) async fn unconfirmed(
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
    pub(super) async fn remember_status(&self, mut b: Binding, order: &Order) -> Result<(), Fail> {
        if !self.dry_run {
            b.shop_status = order.status.clone();
            self.store.save_binding(&self.server.id, &b).await?;
        }
        Ok(())
    }
}
