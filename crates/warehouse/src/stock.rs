//! Склад Pro's rule on negative availability (`configkey12`): when the database does not allow
//! it, a Sale may not take a good below zero in its object, open Orders there counted as taken.
//!
//! Warehouse Open checks this in the same statement that takes the goods from the store (the
//! store row must keep `Qtty − Σ Order quantities ≥ sold quantity`). Here the check runs inside
//! the document's transaction right after the store rows were changed, while those rows are
//! locked by the change, so that no other writer can take the same goods between the check and
//! the commit; a shortage fails the whole transaction and nothing is written.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::error::{Error, Result, Shortage};
use crate::value::Value;
use crate::warehouse::{Tx, decimal_of};

/// The quantity of a good in an object (after this document's change).
pub(crate) const STORE_QUANTITY: &str =
    "SELECT SUM(`Qtty`) FROM `store` WHERE `ObjectID` = ? AND `GoodID` = ?";
/// What open Orders (OperType 19) in the object hold of a good, without the Order numbered by
/// the last parameter (the one being turned into this Sale; 0 when none). Drafts (Acct ≤ 0) and
/// numbering marker rows (PartnerID 0) are not orders, as in
/// [`crate::sql::reserved_by_orders`].
pub(crate) const RESERVED_BY_OTHER_ORDERS: &str = "SELECT SUM(`Qtty`) FROM `operations` WHERE `OperType` = 19 AND `Acct` > 0 \
     AND `PartnerID` <> 0 AND `ObjectID` = ? AND `GoodID` = ? AND `Acct` <> ?";
pub(crate) const GOOD_NAME_AND_TYPE: &str = "SELECT `Name`, `Type` FROM `goods` WHERE `ID` = ?";
pub(crate) const OBJECT_NAME: &str = "SELECT `Name` FROM `objects` WHERE `ID` = ?";

/// `goods.Type` flag of a non-inventory good (a service): its availability is unlimited, as
/// Warehouse Open counts it (`ItemType.NonInventory`). Whether Pro uses the same flag is
/// unconfirmed.
pub const NON_INVENTORY_FLAG: i64 = 8;

/// Check, after the store rows of `object_id` were changed by `lines` (good, quantity taken),
/// that no good of the document went below what open Orders hold there. Goods given back
/// (a discount line's negative quantity) are not checked. Every shortage is reported at once.
pub(crate) async fn check_availability(
    tx: &mut Tx<'_>,
    object_id: i64,
    lines: impl IntoIterator<Item = (i64, Decimal)>,
    converts_order: Option<i64>,
) -> Result<()> {
    let mut needed: BTreeMap<i64, Decimal> = BTreeMap::new();
    for (good, q) in lines {
        *needed.entry(good).or_default() += q;
    }
    let mut shortages = Vec::new();
    for (good_id, needed) in needed.into_iter().filter(|(_, q)| *q > Decimal::ZERO) {
        let good = tx.one(GOOD_NAME_AND_TYPE, &[Value::Int(good_id)]).await?;
        let good_name = good.as_ref().and_then(|r| r.text(0)).unwrap_or_default();
        let kind = good.as_ref().and_then(|r| r.int(1)).unwrap_or(0);
        if kind & NON_INVENTORY_FLAG != 0 {
            continue;
        }
        let left = tx
            .one(
                STORE_QUANTITY,
                &[Value::Int(object_id), Value::Int(good_id)],
            )
            .await?
            .map(|r| decimal_of(&r, 0))
            .unwrap_or_default();
        let reserved = tx
            .one(
                RESERVED_BY_OTHER_ORDERS,
                &[
                    Value::Int(object_id),
                    Value::Int(good_id),
                    Value::Int(converts_order.unwrap_or(0)),
                ],
            )
            .await?
            .map(|r| decimal_of(&r, 0))
            .unwrap_or_default();
        if left - reserved < Decimal::ZERO {
            shortages.push(Shortage {
                good_id,
                good_name,
                object_id,
                object_name: String::new(),
                available: left + needed - reserved,
                needed,
            });
        }
    }
    if shortages.is_empty() {
        return Ok(());
    }
    let object_name = tx
        .one(OBJECT_NAME, &[Value::Int(object_id)])
        .await?
        .and_then(|r| r.text(0))
        .unwrap_or_default();
    for s in &mut shortages {
        s.object_name = object_name.clone();
    }
    Err(Error::InsufficientStock(shortages))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Dialect;

    #[test]
    fn the_queries_read_as_expected_in_access_and_ms_sql() {
        assert_eq!(
            Dialect::Access.render(STORE_QUANTITY),
            "SELECT SUM([Qtty]) FROM [store] WHERE [ObjectID] = ? AND [GoodID] = ?"
        );
        assert_eq!(
            Dialect::MsSql.render(STORE_QUANTITY),
            "SELECT SUM([Qtty]) FROM [store] WHERE [ObjectID] = @P1 AND [GoodID] = @P2"
        );
        assert_eq!(
            Dialect::Access.render(RESERVED_BY_OTHER_ORDERS),
            "SELECT SUM([Qtty]) FROM [operations] WHERE [OperType] = 19 AND [Acct] > 0 \
             AND [PartnerID] <> 0 AND [ObjectID] = ? AND [GoodID] = ? AND [Acct] <> ?"
        );
        assert_eq!(
            Dialect::MsSql.render(RESERVED_BY_OTHER_ORDERS),
            "SELECT SUM([Qtty]) FROM [operations] WHERE [OperType] = 19 AND [Acct] > 0 \
             AND [PartnerID] <> 0 AND [ObjectID] = @P1 AND [GoodID] = @P2 AND [Acct] <> @P3"
        );
        assert_eq!(
            Dialect::Access.render(GOOD_NAME_AND_TYPE),
            "SELECT [Name], [Type] FROM [goods] WHERE [ID] = ?"
        );
        assert_eq!(
            Dialect::MsSql.render(GOOD_NAME_AND_TYPE),
            "SELECT [Name], [Type] FROM [goods] WHERE [ID] = @P1"
        );
        assert_eq!(
            Dialect::Access.render(OBJECT_NAME),
            "SELECT [Name] FROM [objects] WHERE [ID] = ?"
        );
        assert_eq!(
            Dialect::MsSql.render(OBJECT_NAME),
            "SELECT [Name] FROM [objects] WHERE [ID] = @P1"
        );
    }
}
