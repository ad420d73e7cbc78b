//! Reads of chosen goods — their data and price, their quantities, what Orders hold of them —
//! for checking the goods [`crate::Changes`] names. Batched, so that every `IN (…)` list stays
//! within what each engine takes (MS Access: statements of about 64 000 characters; MS SQL:
//! 2 100 parameters).

use std::collections::{BTreeSet, HashMap};

use rust_decimal::Decimal;

use crate::error::Result;
use crate::model::{GoodsRead, PriceGroup, QuantitiesRead};
use crate::sql;
use crate::warehouse::{Tx, Warehouse, decimal_of, ints, negative_stock_problem};

/// At most this many goods in one `IN (…)` list, and at most this many objects beside them.
pub const GOODS_PER_QUERY: usize = 250;

/// The keys once each, ascending.
fn distinct(ids: &[i64]) -> Vec<i64> {
    ids.iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// `objects` and `goods` in chunks, with the parameters of one query.
fn batches(objects: &[i64], goods: &[i64]) -> Vec<(usize, usize, Vec<crate::Value>)> {
    let goods = distinct(goods);
    let mut out = Vec::new();
    for o in objects.chunks(GOODS_PER_QUERY) {
        for g in goods.chunks(GOODS_PER_QUERY) {
            let mut params = ints(o);
            params.extend(ints(g));
            out.push((o.len(), g.len(), params));
        }
    }
    out
}

impl Warehouse {
    /// The goods with these keys, with the price of `price_group`, read as
    /// [`Warehouse::goods`] reads them: a deleted good, the service good or a key with no good
    /// is not in the answer.
    pub async fn goods_by_id(&self, ids: &[i64], price_group: PriceGroup) -> Result<GoodsRead> {
        let mut session = self.backend_session().await?;
        let mut tx = Tx {
            s: &mut *session,
            d: self.dialect(),
        };
        let mut rows = Vec::new();
        for chunk in distinct(ids).chunks(GOODS_PER_QUERY) {
            rows.extend(
                tx.rows(
                    &sql::goods_by_ids(price_group.column(), chunk.len()),
                    &ints(chunk),
                )
                .await?,
            );
        }
        Ok(crate::checks::goods_from_rows(rows))
    }

    /// [`Warehouse::quantities`] of these goods only: the quantity on hand of each, summed over
    /// `objects` (a good without store rows there is not in the answer).
    pub async fn quantities_of(&self, objects: &[i64], goods: &[i64]) -> Result<QuantitiesRead> {
        let mut out = QuantitiesRead::default();
        let mut session = self.backend_session().await?;
        let mut tx = Tx {
            s: &mut *session,
            d: self.dialect(),
        };
        let mut any_negative = false;
        for (n_objects, n_goods, params) in batches(objects, goods) {
            for r in tx
                .rows(&sql::quantities_of(n_objects, n_goods), &params)
                .await?
            {
                let Some(good) = r.int(0) else { continue };
                *out.quantities.entry(good).or_default() += decimal_of(&r, 1);
                any_negative |= r.float(2).is_some_and(|m| m < 0.0);
            }
        }
        if any_negative {
            for (n_objects, n_goods, params) in batches(objects, goods) {
                for r in tx
                    .rows(&sql::negative_store_rows_of(n_objects, n_goods), &params)
                    .await?
                {
                    out.problems.push(negative_stock_problem(&r));
                }
            }
        }
        Ok(out)
    }

    /// [`Warehouse::reserved_by_orders`] of these goods only.
    pub async fn reserved_by_orders_of(
        &self,
        objects: &[i64],
        goods: &[i64],
    ) -> Result<HashMap<i64, Decimal>> {
        let mut out: HashMap<i64, Decimal> = HashMap::new();
        let mut session = self.backend_session().await?;
        let mut tx = Tx {
            s: &mut *session,
            d: self.dialect(),
        };
        for (n_objects, n_goods, params) in batches(objects, goods) {
            for r in tx
                .rows(&sql::reserved_by_orders_of(n_objects, n_goods), &params)
                .await?
            {
                if let Some(good) = r.int(0) {
                    *out.entry(good).or_default() += decimal_of(&r, 1);
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_cut_into_batches_of_at_most_250() {
        let goods: Vec<i64> = (1..=600).chain(1..=10).collect();
        let b = batches(&[2, 3], &goods);
        assert_eq!(
            b.iter()
                .map(|(o, g, p)| (*o, *g, p.len()))
                .collect::<Vec<_>>(),
            [(2, 250, 252), (2, 250, 252), (2, 100, 102)]
        );
        assert!(batches(&[], &goods).is_empty());
        assert!(batches(&[2], &[]).is_empty());
    }
}
