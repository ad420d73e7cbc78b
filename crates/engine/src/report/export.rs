//! Problems and notes of the export (and of its planning of products and variants).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Money;
use crate::settings::CompareBy;

/// A problem with one good, group or shop variant, found by the export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExportProblem {
    /// The good has no value in the field it is compared by.
    NoKey { compare_by: CompareBy },
    /// Other goods have the same compare key.
    KeyNotUnique {
        compare_by: CompareBy,
        key: String,
        goods: Vec<i64>,
    },
    /// Variants share a Code, and the shop is compared by SKU ↔ Code.
    VariantsShareCode,
    /// The family has more parameters than the shop takes.
    TooManyParameters { parameters: Vec<String>, max: usize },
    /// The good has no "Type-Value" in its Catalog fields for these parameters.
    MissingParameterValues { parameters: Vec<String> },
    /// Another good is the same variant (same option values).
    SameVariantAs { options: Vec<String>, good: i64 },
    /// A row of Склад Pro could not be read.
    UnreadableRow { field: String, detail: String },
    /// The good's VAT group does not exist.
    NoSuchVatGroup { vat_group: i64 },
    /// The good's VAT group has no shop VAT class in the settings' VAT mapping.
    VatGroupWithoutShopClass { vat_group: i64 },
    /// The good's price gives a shop price of zero or less.
    NoPrice { price: Money, shop_price: Decimal },
    /// A goods group of the settings no longer exists; the other groups are sent.
    GoodsGroupGone,
    /// The shop has this compare key on more than one variant.
    ShopKeyTwice {
        compare_by: CompareBy,
        variants: Vec<String>,
    },
    /// The variant was deleted in the shop; the next export makes it again.
    VariantDeletedInShop,
    /// The good is not in the shop, and "Export goods" is off.
    NotInShop,
    /// The shop's product has no variants.
    ProductWithoutVariants,
    /// A dry run: the variant would get these values (old → new).
    WouldUpdate {
        quantity: Option<(Option<Decimal>, Decimal)>,
        price: Option<(Option<Decimal>, Decimal)>,
    },
    /// The nightly reconciliation found the shop holding something else (shop → warehouse) and
    /// wrote the warehouse's value.
    Reconciled {
        quantity: Option<(Option<Decimal>, Decimal)>,
        price: Option<(Option<Decimal>, Decimal)>,
    },
    /// A dry run: the variant's quantity would be set to zero (the good left the chosen groups).
    WouldZero,
    /// A dry run: the variant would get the good's new compare key.
    WouldRekey { key: String },
    /// A dry run: the variant would be made, in a new product or in an existing one.
    WouldCreate {
        in_existing_product: bool,
        compare_by: CompareBy,
        key: String,
        price: Decimal,
        quantity: Decimal,
    },
}

/// A line of the export's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExportNote {
    /// The journal knows every variant: only the changes are sent.
    OnlyChanges,
    /// Not one good was matched with the shop: check "Compare by" and the goods groups.
    NothingMatched,
}
