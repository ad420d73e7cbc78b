//! The one place where Склад Pro's binary doubles become decimals and back.
//!
//! Prices and quantities are `DOUBLE`/`float` columns. They are read into `Decimal` rounded to
//! [`DB_DECIMALS`] places (which removes the binary noise of values like 12.3 without losing
//! anything Склад Pro itself shows), and written back from `Decimal` only here.

use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::{Decimal, RoundingStrategy};

/// Places kept when reading a double: Склад Pro shows at most 4 decimals for prices and 3 for
/// quantities; 6 keeps a margin.
pub const DB_DECIMALS: u32 = 6;

/// A double from the database as a decimal; `None` for NaN and infinities.
pub fn from_db(value: f64) -> Option<Decimal> {
    Decimal::from_f64(value).map(|d| d.round_dp(DB_DECIMALS).normalize())
}

/// A decimal as the double the database stores.
pub fn to_db(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(0.0)
}

/// Round money to cents, half away from zero (the Bulgarian legal rounding).
pub fn round_money(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// VAT contained in (or added to) one unit price at `rate` percent.
/// With VAT-inclusive prices: `price * r / (100 + r)`; otherwise `price * r / 100`.
pub fn vat_per_unit(price: Decimal, rate: Decimal, prices_include_vat: bool) -> Decimal {
    let hundred = Decimal::ONE_HUNDRED;
    let vat = if prices_include_vat {
        price * rate / (hundred + rate)
    } else {
        price * rate / hundred
    };
    vat.round_dp(DB_DECIMALS)
}

/// A line's total as Склад Pro keeps it: quantity × unit price, rounded to cents first (net in a
/// database of prices without VAT, with VAT otherwise). Warehouse Open rounds a line's total
/// before anything is summed.
pub fn line_total(quantity: Decimal, price: Decimal) -> Decimal {
    round_money(quantity * price)
}

/// A line's total with VAT: the rounded line total, with VAT added to it and rounded again
/// when prices are kept without VAT (`rate` in percent), as Warehouse Open's line "total plus
/// VAT" is computed.
pub fn line_total_with_vat(
    quantity: Decimal,
    price: Decimal,
    rate: Decimal,
    prices_include_vat: bool,
) -> Decimal {
    let total = line_total(quantity, price);
    if prices_include_vat {
        total
    } else {
        round_money(total * (Decimal::ONE_HUNDRED + rate) / Decimal::ONE_HUNDRED)
    }
}

/// A document's due amount: the sum of its rounded line totals with VAT, from lines
/// `(quantity, unit price, VAT rate in percent)`.
pub fn due_amount(
    lines: impl IntoIterator<Item = (Decimal, Decimal, Decimal)>,
    prices_include_vat: bool,
) -> Decimal {
    lines
        .into_iter()
        .map(|(q, price, rate)| line_total_with_vat(q, price, rate, prices_include_vat))
        .sum()
}

/// The VAT rate (percent, to 2 places) behind a stored unit price and its unit VAT, for lines
/// read back from the database.
pub fn rate_of(price: Decimal, vat: Decimal, prices_include_vat: bool) -> Decimal {
    let base = if prices_include_vat {
        price - vat
    } else {
        price
    };
    if base.is_zero() {
        return Decimal::ZERO;
    }
    (vat * Decimal::ONE_HUNDRED / base).round_dp(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn doubles_round_trip_without_noise() {
        assert_eq!(from_db(12.3).unwrap().to_string(), "12.3");
        assert_eq!(from_db(0.1 + 0.2).unwrap().to_string(), "0.3");
        assert_eq!(from_db(f64::NAN), None);
        assert_eq!(to_db(dec!(19.99)), 19.99);
    }

    #[test]
    fn vat_both_ways() {
        assert_eq!(vat_per_unit(dec!(12.00), dec!(20), true), dec!(2));
        assert_eq!(vat_per_unit(dec!(10.00), dec!(20), false), dec!(2));
        assert_eq!(
            due_amount([(dec!(2), dec!(12.00), dec!(20))], true),
            dec!(24.00)
        );
        // 3 × 0.335 = 1.005 → 1.01 net, × 1.2 = 1.212 → 1.21.
        assert_eq!(
            due_amount([(dec!(3), dec!(0.335), dec!(20))], false),
            dec!(1.21)
        );
        assert_eq!(rate_of(dec!(12), dec!(2), true), dec!(20));
        assert_eq!(rate_of(dec!(8.325), dec!(1.665), false), dec!(20));
        assert_eq!(rate_of(dec!(-8.325), dec!(-1.665), false), dec!(20));
        assert_eq!(rate_of(dec!(0), dec!(0), false), dec!(0));
    }

    /// Line totals are rounded before they are summed, and VAT is added to the rounded net
    /// total: 9.99 with 20 % VAT kept as a net price of 8.325 is a line of 8.33 net, 10.00 with
    /// VAT — not 9.99.
    #[test]
    fn lines_are_rounded_first() {
        assert_eq!(line_total(dec!(1), dec!(8.325)), dec!(8.33));
        assert_eq!(
            line_total_with_vat(dec!(1), dec!(8.325), dec!(20), false),
            dec!(10.00)
        );
        assert_eq!(
            line_total_with_vat(dec!(3), dec!(0.99), dec!(20), true),
            dec!(2.97)
        );
        // A discount line: a negative quantity, rounded symmetrically.
        assert_eq!(
            line_total_with_vat(dec!(-1), dec!(8.325), dec!(20), false),
            dec!(-10.00)
        );
        assert_eq!(
            due_amount(
                [
                    (dec!(1), dec!(0.005), dec!(0)),
                    (dec!(1), dec!(0.005), dec!(0))
                ],
                true
            ),
            dec!(0.02)
        );
    }

    #[test]
    fn legal_rounding_is_half_away_from_zero() {
        assert_eq!(round_money(dec!(0.125)), dec!(0.13));
        assert_eq!(round_money(dec!(-0.125)), dec!(-0.13));
    }
}
