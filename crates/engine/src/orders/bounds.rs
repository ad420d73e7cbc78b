//! Sane bounds on an order's numbers, checked before any arithmetic: an absurd order (a quantity
//! of a billion, a price with thirty decimals, ten thousand lines) is refused with the reason,
//! and every sum and product the plan then makes stays far inside what a decimal holds.

use rust_decimal::Decimal;
use skladsync_cloudcart::Order;

use crate::report::{OrderProblem, OrderValue};
use crate::settings::ImportSettings;

/// The largest quantity of one line.
pub const MAX_QUANTITY: i64 = 1_000_000;
/// The largest amount (a unit price, a total, a fee) in the order's currency.
pub const MAX_AMOUNT: i64 = 1_000_000_000;
/// At most this many decimal places in a quantity or an amount.
pub const MAX_DECIMALS: u32 = 6;
/// The longest order id taken (CloudCart's are integers).
pub const MAX_ID_CHARS: usize = 40;

fn fits(v: Decimal, max: i64) -> bool {
    v.abs() <= Decimal::from(max) && v.normalize().scale() <= MAX_DECIMALS
}

fn out_of_bounds(value: OrderValue, number: Decimal, max: i64) -> OrderProblem {
    OrderProblem::OutOfBounds {
        value,
        number,
        max,
        max_decimals: MAX_DECIMALS,
    }
}

/// Every bound the order breaks; `Ok` when it is within all.
pub fn check(order: &Order, import: &ImportSettings) -> Result<(), Vec<OrderProblem>> {
    let mut reasons = Vec::new();
    let id = order.id.as_str();
    if id.chars().count() > MAX_ID_CHARS {
        reasons.push(OrderProblem::IdTooLong {
            start: id.chars().take(20).collect(),
            max: MAX_ID_CHARS,
        });
    }
    let max_lines = import.max_lines as usize;
    if order.lines.len() > max_lines {
        reasons.push(OrderProblem::TooManyLines {
            lines: order.lines.len(),
            max: max_lines,
        });
        // The lines are not looked at one by one: there may be very many.
        return Err(reasons);
    }
    for (i, l) in order.lines.iter().enumerate() {
        let label: String = l
            .sku
            .as_deref()
            .or(l.barcode.as_deref())
            .or(l.name.as_deref())
            .unwrap_or_default()
            .chars()
            .take(40)
            .collect();
        let line = i + 1;
        if !fits(l.quantity, MAX_QUANTITY) {
            reasons.push(out_of_bounds(
                OrderValue::LineQuantity {
                    line,
                    label: label.clone(),
                },
                l.quantity,
                MAX_QUANTITY,
            ));
        }
        let prices = [
            (
                OrderValue::LinePrice {
                    line,
                    label: label.clone(),
                },
                l.price,
            ),
            (OrderValue::LineOrderPrice { line, label }, l.order_price),
        ];
        for (value, v) in prices {
            if let Some(v) = v
                && !fits(v, MAX_AMOUNT)
            {
                reasons.push(out_of_bounds(value, v, MAX_AMOUNT));
            }
        }
    }
    let mut amounts: Vec<(OrderValue, Option<Decimal>)> = vec![
        (OrderValue::Total, order.price_total),
        (OrderValue::Subtotal, order.price_subtotal),
        (OrderValue::ProductsSubtotal, order.price_products_subtotal),
        (
            OrderValue::Delivery,
            order.shipping.as_ref().and_then(|s| s.provider_amount),
        ),
        (
            OrderValue::Payment,
            order.payment.as_ref().and_then(|p| p.amount),
        ),
    ];
    for t in &order.totals {
        let code = t.code.clone().unwrap_or_default();
        amounts.push((OrderValue::TotalRow { code }, t.value));
    }
    for d in &order.discounts {
        let name = d.name.clone().unwrap_or_default();
        amounts.push((OrderValue::Discount { name: name.clone() }, d.value));
        amounts.push((OrderValue::DiscountTypeValue { name }, d.type_value));
    }
    for t in &order.taxes {
        let name = t.name.clone().unwrap_or_default();
        amounts.push((OrderValue::Tax { name: name.clone() }, t.value));
        amounts.push((OrderValue::TaxRate { name }, t.rate));
    }
    for (value, v) in amounts {
        if let Some(v) = v
            && !fits(v, MAX_AMOUNT)
        {
            reasons.push(out_of_bounds(value, v, MAX_AMOUNT));
        }
    }
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(reasons)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use skladsync_cloudcart::{Id, OrderLine};

    fn line(q: Decimal, p: Decimal) -> OrderLine {
        OrderLine {
            id: Id::from("1"),
            product_id: None,
            variant_id: None,
            name: Some("ред".into()),
            sku: Some("A-1".into()),
            barcode: None,
            quantity: q,
            price: Some(p),
            order_price: Some(p),
        }
    }

    fn order(lines: Vec<OrderLine>) -> Order {
        Order {
            id: Id::from("1001"),
            status: None,
            status_fulfillment: None,
            currency: None,
            price_total: Some(dec!(10)),
            price_subtotal: None,
            price_products_subtotal: None,
            vat_included: None,
            customer_id: None,
            customer_email: None,
            customer_first_name: None,
            customer_last_name: None,
            note_customer: None,
            note_administrator: None,
            usn: None,
            invoice_number: None,
            invoice_date: None,
            date_added: None,
            updated_at: None,
            lines,
            payment: None,
            discounts: vec![],
            totals: vec![],
            taxes: vec![],
            shipping: None,
            billing_address: None,
            shipping_address: None,
        }
    }

    #[test]
    fn absurd_numbers_and_too_many_lines_are_refused_with_the_reason() {
        let s = ImportSettings::default();
        assert!(check(&order(vec![line(dec!(2), dec!(9.99))]), &s).is_ok());
        let r = check(&order(vec![line(dec!(1000000000), dec!(1))]), &s).unwrap_err();
        assert_eq!(
            r,
            vec![OrderProblem::OutOfBounds {
                value: OrderValue::LineQuantity {
                    line: 1,
                    label: "A-1".into()
                },
                number: dec!(1000000000),
                max: MAX_QUANTITY,
                max_decimals: MAX_DECIMALS,
            }]
        );
        let tiny = dec!(0.0000000000000000000001);
        let r = check(&order(vec![line(dec!(1), tiny)]), &s).unwrap_err();
        let values: Vec<(&OrderValue, Decimal)> = r
            .iter()
            .map(|p| match p {
                OrderProblem::OutOfBounds { value, number, .. } => (value, *number),
                other => panic!("{other:?}"),
            })
            .collect();
        let label = || "A-1".to_owned();
        assert_eq!(
            values,
            vec![
                (
                    &OrderValue::LinePrice {
                        line: 1,
                        label: label()
                    },
                    tiny
                ),
                (
                    &OrderValue::LineOrderPrice {
                        line: 1,
                        label: label()
                    },
                    tiny
                ),
            ]
        );
        let many = vec![line(dec!(1), dec!(1)); 501];
        let r = check(&order(many.clone()), &s).unwrap_err();
        assert_eq!(
            r,
            vec![OrderProblem::TooManyLines {
                lines: 501,
                max: 500
            }]
        );
        let wide = ImportSettings {
            max_lines: 600,
            ..Default::default()
        };
        assert!(check(&order(many), &wide).is_ok());
        let mut o = order(vec![line(dec!(1), dec!(1))]);
        o.price_total = Some(Decimal::MAX);
        assert!(matches!(
            &check(&o, &s).unwrap_err()[..],
            [OrderProblem::OutOfBounds {
                value: OrderValue::Total,
                ..
            }]
        ));
    }
}
