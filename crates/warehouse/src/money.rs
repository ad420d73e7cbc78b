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

/// A document's total with VAT from its lines `(quantity, unit price, unit VAT)`, in cents.
pub fn document_total(
    lines: impl IntoIterator<Item = (Decimal, Decimal, Decimal)>,
    prices_include_vat: bool,
) -> Decimal {
    let sum: Decimal = lines
        .into_iter()
        .map(|(q, price, vat)| {
            if prices_include_vat {
                q * price
            } else {
                q * (price + vat)
            }
        })
        .sum();
    round_money(sum)
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
            document_total([(dec!(2), dec!(12.00), dec!(2))], true),
            dec!(24.00)
        );
        assert_eq!(
            document_total([(dec!(3), dec!(0.335), dec!(0.067))], false),
            dec!(1.21)
        );
    }

    #[test]
    fn legal_rounding_is_half_away_from_zero() {
        assert_eq!(round_money(dec!(0.125)), dec!(0.13));
        assert_eq!(round_money(dec!(-0.125)), dec!(-0.13));
    }
}
