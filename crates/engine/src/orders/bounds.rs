//! Sane bounds on an order's numbers, checked before any arithmetic: an absurd order (a quantity
//! of a billion, a price with thirty decimals, ten thousand lines) is refused with the reason,
//! and every sum and product the plan then makes stays far inside what a decimal holds.

use rust_decimal::Decimal;
use skladsync_cloudcart::Order;

use super::store::Reason;
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

/// Every bound the order breaks, each with its fix; `Ok` when it is within all.
pub fn check(order: &Order, import: &ImportSettings) -> Result<(), Vec<Reason>> {
    let mut reasons = Vec::new();
    let id = order.id.as_str();
    if id.chars().count() > MAX_ID_CHARS {
        reasons.push(Reason::new(
            format!(
                "номерът на поръчката е по-дълъг от {MAX_ID_CHARS} знака („{}…“)",
                id.chars().take(20).collect::<String>()
            ),
            "въведете поръчката ръчно в Склад Pro",
        ));
    }
    let max_lines = import.max_lines as usize;
    if order.lines.len() > max_lines {
        reasons.push(Reason::new(
            format!(
                "поръчката има {} реда, а най-много се внасят {max_lines}",
                order.lines.len()
            ),
            "въведете поръчката ръчно в Склад Pro или увеличете границата (max_lines) в настройките за импорт",
        ));
        // The lines are not looked at one by one: there may be very many.
        return Err(reasons);
    }
    let amount_fix = "проверете поръчката в магазина; ако е вярна, въведете я ръчно в Склад Pro";
    for (i, l) in order.lines.iter().enumerate() {
        let what = l
            .sku
            .as_deref()
            .or(l.barcode.as_deref())
            .or(l.name.as_deref())
            .unwrap_or_default();
        let what = format!(
            "ред {} ({})",
            i + 1,
            what.chars().take(40).collect::<String>()
        );
        if !fits(l.quantity, MAX_QUANTITY) {
            reasons.push(Reason::new(
                format!(
                    "{what}: количество {} е извън границите (до {MAX_QUANTITY}, до {MAX_DECIMALS} знака след запетаята)",
                    l.quantity
                ),
                amount_fix,
            ));
        }
        for (name, v) in [("цена", l.price), ("цена в поръчката", l.order_price)]
        {
            if let Some(v) = v
                && !fits(v, MAX_AMOUNT)
            {
                reasons.push(Reason::new(
                    format!("{what}: {name} {v} е извън границите (до {MAX_AMOUNT}, до {MAX_DECIMALS} знака след запетаята)"),
                    amount_fix,
                ));
            }
        }
    }
    let mut amounts: Vec<(String, Option<Decimal>)> = vec![
        ("обща сума".into(), order.price_total),
        ("междинна сума".into(), order.price_subtotal),
        ("сума на продуктите".into(), order.price_products_subtotal),
        (
            "доставка".into(),
            order.shipping.as_ref().and_then(|s| s.provider_amount),
        ),
        (
            "плащане".into(),
            order.payment.as_ref().and_then(|p| p.amount),
        ),
    ];
    for t in &order.totals {
        amounts.push((
            format!("сума „{}“", t.code.as_deref().unwrap_or_default()),
            t.value,
        ));
    }
    for d in &order.discounts {
        let name = d.name.as_deref().unwrap_or_default();
        amounts.push((format!("отстъпка „{name}“"), d.value));
        amounts.push((
            format!("отстъпка „{name}“ (стойност на вида)"),
            d.type_value,
        ));
    }
    for t in &order.taxes {
        let name = t.name.as_deref().unwrap_or_default();
        amounts.push((format!("данък „{name}“"), t.value));
        amounts.push((format!("данък „{name}“ (ставка)"), t.rate));
    }
    for (name, v) in amounts {
        if let Some(v) = v
            && !fits(v, MAX_AMOUNT)
        {
            reasons.push(Reason::new(
                format!("{name} {v} е извън границите (до {MAX_AMOUNT}, до {MAX_DECIMALS} знака след запетаята)"),
                amount_fix,
            ));
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
        assert!(r[0].problem.contains("количество"), "{r:?}");
        let r = check(
            &order(vec![line(dec!(1), dec!(0.0000000000000000000001))]),
            &s,
        )
        .unwrap_err();
        assert_eq!(r.len(), 2, "{r:?}");
        let many = vec![line(dec!(1), dec!(1)); 501];
        let r = check(&order(many.clone()), &s).unwrap_err();
        assert!(r[0].problem.contains("501"), "{r:?}");
        let wide = ImportSettings {
            max_lines: 600,
            ..Default::default()
        };
        assert!(check(&order(many), &wide).is_ok());
        let mut o = order(vec![line(dec!(1), dec!(1))]);
        o.price_total = Some(Decimal::MAX);
        assert!(check(&o, &s).is_err());
    }
}
