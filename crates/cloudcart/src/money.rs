//! Money: the one place where wire amounts become `Decimal`s and back.

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

/// How a surface of CloudCart writes money.
///
/// The research (cloudcart-api.md §16 Q1) found **integer minor units** (stotinki / cents,
/// `13900` = 139.00) in API v2 responses and writes — confirmed by a recorded products response,
/// very likely for orders too — and **major units** (`55`, `"1.00"`) in webhook payloads.
/// Every money field of this crate is a `Decimal` in **major units**; this enum converts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MoneyUnits {
    /// Integers of 1/100 of the currency (`13900` ⇒ `139.00`).
    Minor,
    /// The amount itself (`139`, `139.5`, `"139.00"`).
    Major,
}

/// The units assumed for API v2 (the default of [`crate::ClientConfig::money_units`]).
/// Unconfirmed for orders; see the crate README.
pub const API_V2_MONEY_UNITS: MoneyUnits = MoneyUnits::Minor;

/// The units of webhook payloads (`order.created`, `product.created`).
pub const WEBHOOK_MONEY_UNITS: MoneyUnits = MoneyUnits::Major;

/// Decimal places of one minor unit (BGN and EUR: 2).
pub const MINOR_UNIT_DECIMALS: u32 = 2;

impl MoneyUnits {
    /// A wire amount (already read exactly as a `Decimal`) to major units.
    pub fn to_major(self, wire: Decimal) -> Decimal {
        match self {
            MoneyUnits::Major => wire,
            MoneyUnits::Minor => {
                let mut d = wire;
                // Exact: shifting the decimal point never rounds.
                if d.set_scale(d.scale() + MINOR_UNIT_DECIMALS).is_err() {
                    d = wire / Decimal::ONE_HUNDRED;
                }
                d
            }
        }
    }

    /// Major units to what is written on the wire.
    ///
    /// Rounding rule: amounts are first rounded to [`MINOR_UNIT_DECIMALS`] places, half away from
    /// zero (`1.005` ⇒ `1.01`), as a cash register would. `Minor` then gives an integer
    /// (`12.30` ⇒ `1230`); `Major` gives the rounded decimal.
    pub fn to_wire(self, major: Decimal) -> Result<WireAmount, crate::Error> {
        let rounded = major
            .round_dp_with_strategy(MINOR_UNIT_DECIMALS, RoundingStrategy::MidpointAwayFromZero);
        match self {
            MoneyUnits::Major => Ok(WireAmount::Decimal(rounded)),
            MoneyUnits::Minor => {
                let minor = rounded
                    .checked_mul(Decimal::ONE_HUNDRED)
                    .map(|d| d.trunc())
                    .and_then(|d| i64::try_from(d).ok())
                    .ok_or_else(|| {
                        crate::Error::InvalidInput(format!("amount {major} is out of range"))
                    })?;
                Ok(WireAmount::Integer(minor))
            }
        }
    }

    /// Reads a money value of this surface from JSON: an integer, a decimal number, or a numeric
    /// string; `null` and `""` are absent.
    pub(crate) fn decode(self, v: &Value) -> Result<Option<Decimal>, String> {
        Ok(crate::decode::decimal(v)?.map(|d| self.to_major(d)))
    }
}

/// A money amount in the form that goes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireAmount {
    Integer(i64),
    Decimal(Decimal),
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn minor_units_decode_exactly() {
        let u = MoneyUnits::Minor;
        assert_eq!(u.decode(&json!(13900)).unwrap(), Some(d("139.00")));
        assert_eq!(u.decode(&json!(1)).unwrap(), Some(d("0.01")));
        assert_eq!(u.decode(&json!(-250)).unwrap(), Some(d("-2.50")));
        assert_eq!(u.decode(&json!("1999")).unwrap(), Some(d("19.99")));
        assert_eq!(u.decode(&json!(null)).unwrap(), None);
        assert_eq!(u.decode(&json!("")).unwrap(), None);
        assert_eq!(u.to_major(d("13900")).to_string(), "139.00");
    }

    #[test]
    fn major_units_decode_exactly() {
        let u = MoneyUnits::Major;
        assert_eq!(u.decode(&json!(55)).unwrap(), Some(d("55")));
        assert_eq!(u.decode(&json!("1.00")).unwrap(), Some(d("1.00")));
        // A JSON float is read from its shortest decimal text, not through binary arithmetic.
        assert_eq!(u.decode(&json!(5.9)).unwrap(), Some(d("5.9")));
        assert_eq!(u.decode(&json!(0.1)).unwrap(), Some(d("0.1")));
        assert!(u.decode(&json!("abc")).is_err());
        assert!(u.decode(&json!(true)).is_err());
    }

    #[test]
    fn wire_encoding_rounds_half_away_from_zero() {
        let u = MoneyUnits::Minor;
        assert_eq!(u.to_wire(d("12.30")).unwrap(), WireAmount::Integer(1230));
        assert_eq!(u.to_wire(d("19.99")).unwrap(), WireAmount::Integer(1999));
        assert_eq!(u.to_wire(d("1.005")).unwrap(), WireAmount::Integer(101));
        assert_eq!(u.to_wire(d("1.0049")).unwrap(), WireAmount::Integer(100));
        assert_eq!(u.to_wire(d("-1.005")).unwrap(), WireAmount::Integer(-101));
        assert_eq!(u.to_wire(d("0")).unwrap(), WireAmount::Integer(0));
        assert_eq!(
            MoneyUnits::Major.to_wire(d("1.005")).unwrap(),
            WireAmount::Decimal(d("1.01"))
        );
        assert!(u.to_wire(Decimal::MAX).is_err());
    }

    #[test]
    fn round_trip_minor() {
        for s in ["0.01", "139.00", "99999.99", "-3.10"] {
            let WireAmount::Integer(i) = MoneyUnits::Minor.to_wire(d(s)).unwrap() else {
                panic!()
            };
            assert_eq!(MoneyUnits::Minor.to_major(Decimal::from(i)), d(s));
        }
    }
}
