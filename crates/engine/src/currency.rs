//! Bulgarian lev ⇄ euro at the irrevocable rate, with the legal price rounding (to the cent on
//! the third decimal, half away from zero — the same for storno amounts, sign kept).

use rust_decimal::{Decimal, RoundingStrategy};

use crate::report::Currency;

/// 1 EUR = 1.95583 BGN, never shortened.
pub const BGN_PER_EUR: Decimal = Decimal::from_parts(195_583, 0, 0, false, 5);

fn cents(v: Decimal) -> Decimal {
    v.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// A BGN price in EUR (the price rule, not the salary rule).
pub fn bgn_to_eur(bgn: Decimal) -> Decimal {
    cents(bgn / BGN_PER_EUR)
}

/// A EUR price in BGN (for display and for BGN databases receiving EUR orders).
pub fn eur_to_bgn(eur: Decimal) -> Decimal {
    cents(eur * BGN_PER_EUR)
}

/// The currency of an ISO code (`BGN`, `eur`, …); `None` for any other than lev and euro.
pub fn currency_of(code: &str) -> Option<Currency> {
    match code.trim().to_ascii_uppercase().as_str() {
        "BGN" => Some(Currency::Bgn),
        "EUR" => Some(Currency::Eur),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    /// The test table of the research (peers-and-domain A1).
    #[test]
    fn euro_table() {
        for (bgn, eur) in [
            (dec!(1.70), dec!(0.87)),
            (dec!(65.00), dec!(33.23)),
            (dec!(100.00), dec!(51.13)),
            (dec!(2000.00), dec!(1022.58)),
            (dec!(0.01), dec!(0.01)),
            (dec!(0.02), dec!(0.01)),
            (dec!(0.03), dec!(0.02)),
            (dec!(0.05), dec!(0.03)),
            (dec!(1.95), dec!(1.00)),
            (dec!(1.96), dec!(1.00)),
            (dec!(2.93), dec!(1.50)),
            (dec!(2.94), dec!(1.50)),
            (dec!(9.99), dec!(5.11)),
            (dec!(19.99), dec!(10.22)),
            (dec!(99.99), dec!(51.12)),
        ] {
            assert_eq!(bgn_to_eur(bgn), eur, "{bgn} лв");
        }
        assert_eq!(
            bgn_to_eur(dec!(-65.00)),
            dec!(-33.23),
            "storno keeps the sign"
        );
        assert_eq!(eur_to_bgn(dec!(33.23)), dec!(64.99));
        assert_eq!(eur_to_bgn(dec!(10.23)), dec!(20.01));
        assert_eq!(eur_to_bgn(dec!(51.13)), dec!(100.00));
        assert_eq!(BGN_PER_EUR.to_string(), "1.95583");
    }
}
