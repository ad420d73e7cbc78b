//! Problems and notes of the one-time product pull.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::settings::CompareBy;

/// A problem with one shop variant or good, found by the pull.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PullProblem {
    /// The variant has no value in the field goods are compared by.
    NoKey { compare_by: CompareBy },
    /// The variant has more parameters than Склад Pro's three Catalog fields.
    TooManyParameters { max: usize },
    /// The product's VAT class has no VAT group in the VAT mapping: the good gets the
    /// standard group.
    VatClassUnmapped {
        shop_class: Option<String>,
        vat_group: i64,
    },
    /// Склад Pro refused the good.
    Refused { detail: String },
    /// A dry run: the good would get this name and these barcodes.
    WouldUpdate { name: String, barcodes: Vec<String> },
    /// A dry run: the good would be made.
    WouldCreate {
        key: String,
        price: Decimal,
        catalogs: Vec<String>,
    },
}

/// A line of the pull's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PullNote {
    /// The pull ended clean, and its setting was turned off.
    DoneAndTurnedOff,
    /// The pull had errors: fix them and run it again (existing goods are only updated).
    HadErrors,
}
