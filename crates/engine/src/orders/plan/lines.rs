//! The order's lines matched with Склад Pro's goods by the compare key, the charges beside them
//! (delivery, the whole-order discount, fees) and the lines of the special goods that carry
//! those charges.

use rust_decimal::{Decimal, RoundingStrategy};
use skladsync_cloudcart::Order;
use skladsync_warehouse::Good;

use super::{Catalog, LineSource, cents};
use crate::report::{Currency, Money, OrderProblem, SpecialGood};
use crate::settings::{CompareBy, ImportSettings};

/// Shop `order-total` codes that are not fees.
const KNOWN_TOTAL_CODES: &[&str] = &[
    "subtotal",
    "sub_total",
    "discount",
    "shipping",
    "tax",
    "grand_total",
    "total",
];

/// A line of the order matched with its good; `unit` is after the line's discount, in the
/// order's currency.
#[derive(Debug, Clone)]
pub(super) struct ShopLine {
    pub good: Good,
    pub key: String,
    pub quantity: Decimal,
    pub unit: Decimal,
    pub discount_percent: Decimal,
}

/// A line of a special good (delivery, discount, fee); `amount` is its unit amount in the
/// order's currency.
#[derive(Debug, Clone)]
pub(super) struct ExtraLine {
    pub good: Good,
    pub quantity: Decimal,
    pub amount: Decimal,
    pub source: LineSource,
}

/// The special good chosen for a delivery, the discount or a fee (`fee`: its title), or
/// `None` with the reason it cannot be used.
fn special_good(
    catalog: &Catalog,
    id: Option<i64>,
    special: SpecialGood,
    fee: Option<&str>,
    reasons: &mut Vec<OrderProblem>,
) -> Option<Good> {
    let Some(id) = id else {
        reasons.push(OrderProblem::SpecialGoodNotChosen {
            special,
            fee: fee.map(str::to_owned),
        });
        return None;
    };
    match catalog.by_id.get(&id) {
        None => {
            reasons.push(OrderProblem::NoSuchSpecialGood { special, id });
            None
        }
        Some(g) if !catalog.vat_rates.contains_key(&g.vat_group_id) => {
            reasons.push(OrderProblem::SpecialGoodWithoutVatGroup {
                special,
                vat_group: g.vat_group_id,
            });
            None
        }
        Some(g) => Some(g.clone()),
    }
}

/// Each line of the order with its good by the compare key, and the sum of the lines in the
/// order's currency; each line without a usable good, quantity or price is a reason.
pub(super) fn shop_lines(
    order: &Order,
    catalog: &Catalog,
    reasons: &mut Vec<OrderProblem>,
) -> (Vec<ShopLine>, Decimal) {
    let compare_by = catalog.compare_by;
    if order.lines.is_empty() {
        reasons.push(OrderProblem::NoLines);
    }
    let order_level_discount = order
        .discounts
        .iter()
        .any(|d| d.order_product_id.is_none() && d.discount_type.as_deref() != Some("shipping"));
    let mut shop_lines: Vec<ShopLine> = Vec::new();
    let mut lines_sum = Decimal::ZERO;
    for l in &order.lines {
        let key = match compare_by {
            CompareBy::BarcodeToBarcode1 => l.barcode.clone(),
            _ => l.sku.clone(),
        }
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty());
        let name = l.name.clone().unwrap_or_default();
        let Some(key) = key else {
            reasons.push(OrderProblem::LineWithoutKey {
                compare_by,
                line: name,
            });
            continue;
        };
        let good = match catalog.by_key.get(&key).map(Vec::as_slice) {
            None | Some([]) => {
                reasons.push(OrderProblem::NoGoodWithKey {
                    compare_by,
                    key,
                    line: name,
                });
                continue;
            }
            Some([g]) => g.clone(),
            Some(gs) => {
                reasons.push(OrderProblem::KeyOnSeveralGoods {
                    compare_by,
                    key,
                    goods: gs.iter().map(|g| g.id).collect(),
                });
                continue;
            }
        };
        if !catalog.vat_rates.contains_key(&good.vat_group_id) {
            reasons.push(OrderProblem::NoSuchVatGroup {
                good: good.id,
                name: good.name.clone(),
                vat_group: good.vat_group_id,
            });
        }
        if l.quantity <= Decimal::ZERO {
            reasons.push(OrderProblem::BadQuantity {
                compare_by,
                key,
                quantity: l.quantity,
            });
            continue;
        }
        let Some(before) = l.price.or(l.order_price) else {
            reasons.push(OrderProblem::LineWithoutPrice { compare_by, key });
            continue;
        };
        let after = if order_level_discount {
            before
        } else {
            l.order_price.unwrap_or(before)
        };
        let discount = if before > Decimal::ZERO && after < before {
            ((before - after) * Decimal::ONE_HUNDRED / before)
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        } else {
            Decimal::ZERO
        };
        lines_sum += cents(l.quantity * after);
        shop_lines.push(ShopLine {
            good,
            key,
            quantity: l.quantity,
            unit: after,
            discount_percent: discount,
        });
    }
    (shop_lines, lines_sum)
}

/// What the order charges beside its lines, in the order's currency.
#[derive(Debug, Clone)]
pub(super) struct Charges {
    /// The whole-order discount (negative when it lowers the total).
    pub discount: Decimal,
    pub delivery: Decimal,
    /// Each fee by its title in the shop.
    pub fees: Vec<(String, Decimal)>,
}

/// The discount, delivery and fees of an order whose lines add up to `lines_sum`.
pub(super) fn charges(order: &Order, lines_sum: Decimal) -> Charges {
    let subtotal = order.price_subtotal.or_else(|| {
        order
            .totals
            .iter()
            .find(|t| t.code.as_deref() == Some("subtotal"))
            .and_then(|t| t.value)
    });
    let discount = if order.discounts.is_empty() && subtotal.is_none() {
        Decimal::ZERO
    } else {
        subtotal.map(|s| s - lines_sum).unwrap_or_default()
    };
    let delivery = order
        .shipping
        .as_ref()
        .and_then(|s| s.provider_amount)
        .or_else(|| {
            order
                .totals
                .iter()
                .find(|t| t.code.as_deref() == Some("shipping"))
                .and_then(|t| t.value)
        })
        .unwrap_or_default();
    let fees: Vec<(String, Decimal)> = order
        .totals
        .iter()
        .filter(|t| {
            let code = t.code.as_deref().unwrap_or_default();
            !KNOWN_TOTAL_CODES.contains(&code)
        })
        .filter_map(|t| {
            let v = t.value?;
            (!v.is_zero()).then(|| (t.title.clone().or(t.code.clone()).unwrap_or_default(), v))
        })
        .collect();
    Charges {
        discount,
        delivery,
        fees,
    }
}

/// The lines of the special goods that carry the charges: delivery, the whole-order discount
/// (split by VAT rate) and each fee; each charge without a usable special good is a reason.
/// `currency` is the order's (`None`: not lev or euro, and the order is refused for it).
pub(super) fn extra_lines(
    catalog: &Catalog,
    import: &ImportSettings,
    shop_lines: &[ShopLine],
    charges: &Charges,
    currency: Option<Currency>,
    reasons: &mut Vec<OrderProblem>,
) -> Vec<ExtraLine> {
    let mut extra: Vec<ExtraLine> = Vec::new();
    let goods = &import.special_goods;
    let Charges {
        discount,
        delivery,
        fees,
    } = charges;
    if !delivery.is_zero()
        && let Some(good) = special_good(
            catalog,
            goods.delivery.map(|g| g.get()),
            SpecialGood::Delivery,
            None,
            reasons,
        )
    {
        extra.push(ExtraLine {
            good,
            quantity: Decimal::ONE,
            amount: *delivery,
            source: LineSource::Delivery,
        });
    }
    if !discount.is_zero()
        && let Some(main) = special_good(
            catalog,
            goods.discount.map(|g| g.get()),
            SpecialGood::Discount,
            None,
            reasons,
        )
        // An order in another currency is refused for it; its discount is not split.
        && let Some(currency) = currency
    {
        super::discount::discount_lines(
            catalog,
            import,
            &main,
            Money::new(*discount, currency),
            shop_lines,
            &mut extra,
            reasons,
        );
    }
    for (title, v) in fees {
        if let Some(good) = special_good(
            catalog,
            goods.fee.map(|g| g.get()),
            SpecialGood::Fee,
            Some(title),
            reasons,
        ) {
            extra.push(ExtraLine {
                good,
                quantity: Decimal::ONE,
                amount: *v,
                source: LineSource::Fee {
                    title: title.clone(),
                },
            });
        }
    }
    extra
}
