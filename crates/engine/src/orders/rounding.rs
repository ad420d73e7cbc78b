//! How a shop order's amounts become Склад Pro lines that add up as Склад Pro adds them: each
//! line's total rounded to cents first (net, then with VAT, in a database of prices without
//! VAT), the due amount the sum of those (see [`skladsync_warehouse::money::due_amount`]); and
//! a whole-order discount split over the VAT rates of the goods it applies to.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use skladsync_warehouse::money;

/// The largest difference between the document's due amount and the shop's total that per-line
/// rounding can explain: the order is written and the difference reported as a rounding note.
/// A larger one sends the order to the queue.
pub const ROUNDING_TOLERANCE: Decimal = Decimal::from_parts(2, 0, 0, false, 2);

/// The unit price without VAT for a line of `quantity` at the unit price `gross` with VAT, at
/// `rate` percent: the one whose rounded line total with VAT is the shop's line total
/// (`quantity × gross` in cents) when such a price exists, the nearest to `gross` without VAT
/// otherwise. Kept to [`money::DB_DECIMALS`] places, as the database keeps prices.
pub fn net_price(gross: Decimal, quantity: Decimal, rate: Decimal) -> Decimal {
    let hundred = Decimal::ONE_HUNDRED;
    let plain = (gross * hundred / (hundred + rate)).round_dp(money::DB_DECIMALS);
    let target = money::round_money(quantity * gross);
    let fits = |p: Decimal| money::line_total_with_vat(quantity, p, rate, false) == target;
    if quantity.is_zero() || fits(plain) {
        return plain;
    }
    // The net line totals whose total with VAT is the target, nearest first; a unit price that
    // gives that net total exactly.
    let net = money::round_money(target * hundred / (hundred + rate));
    let cent = Decimal::new(1, 2);
    for n in [net, net - cent, net + cent] {
        let p = (n / quantity).round_dp(money::DB_DECIMALS);
        if money::line_total(quantity, p) == n && fits(p) {
            return p;
        }
    }
    plain
}

/// A whole-order `amount` (negative for a discount) split over VAT rates in proportion to the
/// amounts `bases` the goods of each rate come to; each share in cents, the last rate taking
/// what rounding leaves so that the shares add up to `amount`. Rates with no base get nothing.
pub fn split_by_rate(
    amount: Decimal,
    bases: &BTreeMap<Decimal, Decimal>,
) -> Vec<(Decimal, Decimal)> {
    let total: Decimal = bases.values().sum();
    let rates: Vec<(Decimal, Decimal)> = bases
        .iter()
        .filter(|(_, b)| !b.is_zero())
        .map(|(r, b)| (*r, *b))
        .collect();
    if total.is_zero() || rates.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(rates.len());
    let mut left = amount;
    for (i, (rate, base)) in rates.iter().enumerate() {
        let share = if i + 1 == rates.len() {
            left
        } else {
            money::round_money(amount * base / total)
        };
        left -= share;
        out.push((*rate, share));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn line_with_vat(q: Decimal, gross: Decimal, rate: Decimal) -> Decimal {
        money::line_total_with_vat(q, net_price(gross, q, rate), rate, false)
    }

    /// 9.99 with 20 % VAT cannot be a line of one unit in a database of prices without VAT: a
    /// net line of 8.32 is 9.98 with VAT, 8.33 is 10.00. The plain net price (8.325) is kept and
    /// the cent is a rounding note.
    #[test]
    fn nine_ninety_nine_without_vat() {
        assert_eq!(net_price(dec!(9.99), dec!(1), dec!(20)), dec!(8.325));
        assert_eq!(line_with_vat(dec!(1), dec!(9.99), dec!(20)), dec!(10.00));
        let diff = line_with_vat(dec!(1), dec!(9.99), dec!(20)) - dec!(9.99);
        assert!(diff.abs() <= ROUNDING_TOLERANCE);
    }

    /// 3 × 0.99: in a database of prices with VAT the line is 2.97; without VAT no net line
    /// gives 2.97 (2.47 → 2.96, 2.48 → 2.98).
    #[test]
    fn three_times_ninety_nine() {
        assert_eq!(
            money::line_total_with_vat(dec!(3), dec!(0.99), dec!(20), true),
            dec!(2.97)
        );
        assert_eq!(net_price(dec!(0.99), dec!(3), dec!(20)), dec!(0.825));
        assert_eq!(line_with_vat(dec!(3), dec!(0.99), dec!(20)), dec!(2.98));
    }

    /// Lines whose shop total a net price can reproduce are reproduced to the cent.
    #[test]
    fn a_fitting_net_price_is_found() {
        for (q, gross) in [
            (dec!(7), dec!(1.00)),
            (dec!(100), dec!(19.99)),
            (dec!(3), dec!(12.00)),
            (dec!(2), dec!(12.50)),
            (dec!(-1), dec!(2.50)),
        ] {
            assert_eq!(
                line_with_vat(q, gross, dec!(20)),
                money::round_money(q * gross),
                "{q} × {gross}"
            );
        }
        assert_eq!(line_with_vat(dec!(11), dec!(0.35), dec!(20)), dec!(3.85));
        assert_eq!(line_with_vat(dec!(2), dec!(0.25), dec!(9)), dec!(0.50));
    }

    /// The price chosen is never further from the shop's line than the plain net price, and
    /// never more than a cent away.
    #[test]
    fn the_search_never_makes_it_worse() {
        for q in [dec!(1), dec!(2), dec!(3), dec!(5), dec!(0.5), dec!(-1)] {
            for gross in [
                dec!(0.99),
                dec!(1.15),
                dec!(9.99),
                dec!(15.05),
                dec!(123.45),
            ] {
                for rate in [dec!(20), dec!(9), dec!(0)] {
                    let plain = (gross * dec!(100) / (dec!(100) + rate)).round_dp(6);
                    let target = money::round_money(q * gross);
                    let chosen = line_with_vat(q, gross, rate);
                    let before = money::line_total_with_vat(q, plain, rate, false);
                    assert!(
                        (chosen - target).abs() <= (before - target).abs(),
                        "{q} × {gross} at {rate}"
                    );
                    assert!(
                        (chosen - target).abs() <= dec!(0.01),
                        "{q} × {gross} at {rate}"
                    );
                }
            }
        }
    }

    /// A 10 % discount on 25.00 of goods at 20 % and 10.90 at 9 %: −2.50 and −1.09.
    #[test]
    fn a_discount_is_split_by_rate() {
        let bases = BTreeMap::from([(dec!(20), dec!(25.00)), (dec!(9), dec!(10.90))]);
        let split = split_by_rate(dec!(-3.59), &bases);
        assert_eq!(split, vec![(dec!(9), dec!(-1.09)), (dec!(20), dec!(-2.50))]);
        // Shares always add up to the amount.
        let bases = BTreeMap::from([
            (dec!(0), dec!(1.00)),
            (dec!(9), dec!(1.00)),
            (dec!(20), dec!(1.00)),
        ]);
        let split = split_by_rate(dec!(-1.00), &bases);
        assert_eq!(split.iter().map(|(_, s)| *s).sum::<Decimal>(), dec!(-1.00));
        assert_eq!(split[0].1, dec!(-0.33));
        // One rate: the whole amount.
        let one = BTreeMap::from([(dec!(20), dec!(7.00))]);
        assert_eq!(
            split_by_rate(dec!(-0.70), &one),
            vec![(dec!(20), dec!(-0.70))]
        );
        assert!(split_by_rate(dec!(-1), &BTreeMap::new()).is_empty());
    }
}
