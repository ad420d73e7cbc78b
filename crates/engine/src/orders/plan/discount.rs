//! A whole-order discount in Склад Pro's shape: Warehouse Open writes a discount item as a
//! negative quantity at a positive price. An order whose goods carry several VAT rates gets one
//! such line per rate, so that Склад Pro computes the same VAT when the document is saved again.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use skladsync_warehouse::{Good, money};

use super::lines::{ExtraLine, ShopLine};
use super::{Catalog, LineSource};
use crate::orders::rounding;
use crate::report::{Money, OrderProblem};
use crate::settings::ImportSettings;

/// The whole-order discount as lines in Склад Pro's shape (a negative quantity, a positive
/// price), one for each VAT rate of the goods it applies to, each of a discount good of that
/// rate, so that the document's VAT is what Склад Pro computes when it saves it again.
/// `discount` is in the order's currency.
pub(super) fn discount_lines(
    catalog: &Catalog,
    import: &ImportSettings,
    main: &Good,
    discount: Money,
    shop_lines: &[ShopLine],
    extra: &mut Vec<ExtraLine>,
    reasons: &mut Vec<OrderProblem>,
) {
    let Money { amount, currency } = discount;
    let rate_of = |g: &Good| catalog.vat_rates.get(&g.vat_group_id).copied();
    let Some(main_rate) = rate_of(main) else {
        return;
    };
    let mut bases: BTreeMap<Decimal, Decimal> = BTreeMap::new();
    for l in shop_lines {
        if let Some(rate) = rate_of(&l.good) {
            *bases.entry(rate).or_default() += money::round_money(l.quantity * l.unit);
        }
    }
    let mut split = rounding::split_by_rate(amount, &bases);
    if split.is_empty() {
        split = vec![(main_rate, amount)];
    }
    let mut by_rate: BTreeMap<Decimal, Good> = BTreeMap::from([(main_rate, main.clone())]);
    for id in &import.discount_goods_other_rates {
        match catalog.by_id.get(&id.get()) {
            Some(g) => {
                if let Some(rate) = rate_of(g) {
                    by_rate.entry(rate).or_insert_with(|| g.clone());
                }
            }
            None => reasons.push(OrderProblem::NoSuchDiscountGood { id: id.get() }),
        }
    }
    let several = split.len() > 1;
    for (rate, share) in split {
        if share.is_zero() {
            continue;
        }
        let Some(good) = by_rate.get(&rate) else {
            reasons.push(OrderProblem::NoDiscountGoodForRate {
                amount: Money::new(share, currency),
                rate: rate.normalize(),
                good: main.name.clone(),
                good_rate: main_rate.normalize(),
            });
            continue;
        };
        let quantity = if share < Decimal::ZERO {
            -Decimal::ONE
        } else {
            Decimal::ONE
        };
        extra.push(ExtraLine {
            good: good.clone(),
            quantity,
            amount: share.abs(),
            source: LineSource::Discount {
                rate: several.then(|| rate.normalize()),
            },
        });
    }
}
