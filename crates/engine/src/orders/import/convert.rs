//! Changes written to an order's existing document: an Order becomes a Sale (the Sale first,
//! then the Order annulled), an edited Order gets the new lines; a document with a УНП is
//! never changed.

use skladsync_cloudcart::Order;
use skladsync_warehouse::{Document, DocumentKind, PartnerChoice};

use super::{Fail, Importer, Outcome};
use crate::events::Level;
use crate::orders::plan::Plan;
use crate::orders::reference;
use crate::orders::store::{Binding, QueueKind};
use crate::report::{OrderNote, OrderProblem};

impl Importer<'_> {
    /// The Order becomes a Sale: the Sale is written first (with the same reference), the
    /// binding moves to it, then the Order is annulled. A crash in between leaves both, which the
    /// next run sees and finishes; the order is never without a document.
    pub(super) async fn convert(
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
    pub(super) async fn edit(
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
