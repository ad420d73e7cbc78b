//! SUPTO: each order's УНП (unique sale number) — the one it already got, the one the shop
//! holds, or the device's next — registered before its document is written, found on the
//! documents of Склад Pro, and written to the shop once.

use skladsync_cloudcart::{Id, Order};
use skladsync_warehouse::{DocumentKind, UsnRecord, Value, usn};

use super::{Fail, Importer, is_fatal_shop};
use crate::error::EngineError;
use crate::events::Level;
use crate::orders::store::{Binding, QueueKind};
use crate::report::OrderProblem;

impl Importer<'_> {
    /// The УНП document of a УНП text, if Склад Pro has one.
    pub(super) async fn document_with_usn(&self, text: &str) -> Result<Option<(i64, i64)>, Fail> {
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

    pub(super) async fn usn_of_document(
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

    /// The order's УНП: the one it already got from us, the one the shop holds, or the next
    /// number of the device — generated once, registered before the document is written.
    pub(super) async fn usn_for(
        &self,
        order: &Order,
        shop_usn: Option<&str>,
    ) -> Result<UsnRecord, Fail> {
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
    pub(super) async fn push_usn(
        &mut self,
        order_id: &Id,
        binding: &mut Binding,
    ) -> Result<(), Fail> {
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
}
