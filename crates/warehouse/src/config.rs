//! Склад Pro's boolean configuration keys (`configuration.Key` = `configkeyNN`), read in one
//! place: only `-1` is true, and a key the database does not hold takes Склад Pro's default.
//!
//! The defaults are the ones Warehouse Open declares for the same keys (its configuration
//! holder: `configkey12` "-1", `configkey20` "0", `configkey48` "0", `configkey1` "0").

/// `configkey20`: selling prices include VAT.
pub const PRICES_INCLUDE_VAT: &str = "configkey20";
/// `configkey12`: negative availability is allowed.
pub const NEGATIVE_STOCK_ALLOWED: &str = "configkey12";
/// `configkey48`: document numbers per object.
pub const NUMBERING_PER_OBJECT: &str = "configkey48";
/// `configkey1`: automatic production.
pub const AUTO_PRODUCTION: &str = "configkey1";

/// What a boolean key means when the database does not hold it.
pub const FLAG_DEFAULTS: &[(&str, bool)] = &[
    (PRICES_INCLUDE_VAT, false),
    (NEGATIVE_STOCK_ALLOWED, true),
    (NUMBERING_PER_OBJECT, false),
    (AUTO_PRODUCTION, false),
];

/// The value Склад Pro writes for true.
pub const TRUE_VALUE: &str = "-1";

/// A boolean key from its stored value (`None` when the database lacks the key): true only for
/// `-1`; a missing key takes its default from [`FLAG_DEFAULTS`] (false for a key not listed).
pub fn config_flag(key: &str, stored: Option<&str>) -> bool {
    match stored {
        Some(v) => v.trim() == TRUE_VALUE,
        None => FLAG_DEFAULTS
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .is_some_and(|(_, d)| *d),
    }
}

/// How a flag is stored.
pub fn flag_value(on: bool) -> &'static str {
    if on { TRUE_VALUE } else { "0" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_minus_one_is_true() {
        assert!(config_flag(PRICES_INCLUDE_VAT, Some("-1")));
        assert!(config_flag(PRICES_INCLUDE_VAT, Some(" -1 ")));
        for v in ["0", "1", "true", "True", "", "yes"] {
            assert!(!config_flag(PRICES_INCLUDE_VAT, Some(v)), "{v}");
            assert!(!config_flag(NEGATIVE_STOCK_ALLOWED, Some(v)), "{v}");
        }
    }

    #[test]
    fn a_missing_key_takes_the_default() {
        // Prices without VAT, negative stock allowed, numbering for the whole database.
        assert!(!config_flag(PRICES_INCLUDE_VAT, None));
        assert!(config_flag(NEGATIVE_STOCK_ALLOWED, None));
        assert!(!config_flag(NUMBERING_PER_OBJECT, None));
        assert!(!config_flag(AUTO_PRODUCTION, None));
        assert!(!config_flag("configkey999", None));
        assert_eq!(flag_value(true), "-1");
        assert_eq!(flag_value(false), "0");
    }
}
