//! A new order: checked, its partner upserted, its document written under the order's claim
//! (with the next УНП when another writer took it), and bound in the journal.

use skladsync_cloudcart::Order;
use skladsync_warehouse::{DocumentKind, NewDocument, PaidAmount, PartnerChoice, UsnRecord, usn};

use super::{Fail, Importer, Outcome};
use crate::events::Level;
use crate::orders::plan::{LineSource, Plan, is_cancelled, plan_order, transaction_number};
use crate::orders::reference;
use crate::orders::store::{Binding, QueueKind};
use crate::report::{Money, OrderNote, OrderProblem, PartnerField};

/// How many times a new document is tried with the next УНП when another writer took the
/// sequence number meanwhile.
const USN_ATTEMPTS: u32 = 20;

impl Importer<'_> {
    /// A new order: checked whole, then written once, with its УНП in SUPTO.
    pub(super) async fn import_new(&mut self, order: &Order) -> Result<Outcome, Fail> {
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
                Err(skladsync_warehouse::Error::UsnTaken { .. })
                    if shop_usn.is_none() && attempts < USN_ATTEMPTS =>
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
        // The shop took the order's goods from its own stock at checkout: what the export last
        // gave it of them no longer holds. The next export sets their quantities from the
        // warehouse, even when other changes of the same goods cancel this document out.
        let goods: Vec<i64> = plan
            .planned
            .iter()
            .filter(|l| matches!(l.source, LineSource::Goods { .. }))
            .map(|l| l.good_id)
            .collect();
        self.store
            .journal()
            .forget_pushed_quantities(&self.server.id, &goods)
            .await?;
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

    pub(super) fn new_document(
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
}
