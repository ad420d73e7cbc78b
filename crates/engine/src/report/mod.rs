//! What the engine says, typed: the phase a run is in, the item a problem is about, the problem
//! itself, the notes of a run and why a run failed. The engine holds no human text: the app
//! words each of these in Bulgarian and in English (`skladsync::describe`), and formats money in
//! one place.
//!
//! Problems and notes are grouped by the part of the engine that finds them; each group lives in
//! its own file here.

mod export;
mod failure;
mod orders;
mod pull;
mod settings;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use export::{ExportNote, ExportProblem};
pub use failure::{DatabaseFailure, Failure, ShopFailure};
pub use orders::{
    DocumentDifference, OrderNote, OrderProblem, OrderValue, PartnerField, SpecialGood,
    StockShortage,
};
pub use pull::{PullNote, PullProblem};
pub use settings::{SettingField, SettingIssue, SettingProblem};

pub use crate::correspondence::MatchStatus;

/// What a run is doing now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Opening the database and the shop.
    Connecting,
    ReadingWarehouseGoods,
    ReadingShopProducts,
    ReadingShopOrders,
    ImportingOrders,
    /// Looking for orders of the last days that were never imported.
    SweepingRecentOrders,
    /// A dry run: listing what would be written to the shop.
    TryingShopWrites,
    WritingShop,
    /// A dry run: listing what would be written to Склад Pro.
    TryingWarehouseWrites,
    WritingWarehouse,
}

/// The currencies money is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Currency {
    Bgn,
    Eur,
}

/// An amount and its currency; the app formats it (two decimals always, the currency shown, a
/// decimal comma in Bulgarian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub amount: Decimal,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Money {
        Money { amount, currency }
    }
    pub fn bgn(amount: Decimal) -> Money {
        Money::new(amount, Currency::Bgn)
    }
    pub fn eur(amount: Decimal) -> Money {
        Money::new(amount, Currency::Eur)
    }
}

/// What a problem is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Item {
    /// A good of Склад Pro; `key` is the code it is compared by, when known.
    Good {
        id: i64,
        name: String,
        key: Option<String>,
    },
    /// A good the pull would make in Склад Pro.
    NewGood { name: String },
    /// A goods group of Склад Pro.
    GoodsGroup { id: i64 },
    /// A row of a Склад Pro table that could not be read.
    Row { table: String, id: i64 },
    /// A product of the shop.
    Product { id: String, name: String },
    /// A variant of a shop product.
    ProductVariant {
        product: String,
        name: String,
        variant: String,
    },
    /// A variant of the shop; `key` is its compare code.
    Variant { id: Option<String>, key: String },
    /// An order of the shop.
    Order { id: String },
    /// A pair of the correspondence check: a good, a shop variant or both.
    Pair {
        key: String,
        good: Option<i64>,
        variant: Option<String>,
    },
}

/// A problem with one item, typed by the part of the engine that found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "group", content = "problem", rename_all = "snake_case")]
pub enum Problem {
    Export(ExportProblem),
    Pull(PullProblem),
    Order(OrderProblem),
    /// A pair that does not match in the correspondence check.
    Check(MatchStatus),
    /// The shop refused or failed one item's request; the run went on.
    Shop(ShopFailure),
    /// Склад Pro refused one item's write; the run went on.
    Database(DatabaseFailure),
}

/// A line of a run's log that is not about one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "group", content = "note", rename_all = "snake_case")]
pub enum Note {
    Export(ExportNote),
    Pull(PullNote),
    Order(OrderNote),
    /// The counts of the correspondence check.
    CheckCounts {
        matched: u64,
        mismatched: u64,
    },
}

macro_rules! into_problem_and_note {
    ($($variant:ident: $problem:ty, $note:ty;)*) => {$(
        impl From<$problem> for Problem {
            fn from(p: $problem) -> Problem {
                Problem::$variant(p)
            }
        }
        impl From<$note> for Note {
            fn from(n: $note) -> Note {
                Note::$variant(n)
            }
        }
    )*};
}

into_problem_and_note! {
    Export: ExportProblem, ExportNote;
    Pull: PullProblem, PullNote;
    Order: OrderProblem, OrderNote;
}

impl From<MatchStatus> for Problem {
    fn from(s: MatchStatus) -> Problem {
        Problem::Check(s)
    }
}

impl From<ShopFailure> for Problem {
    fn from(f: ShopFailure) -> Problem {
        Problem::Shop(f)
    }
}

impl From<DatabaseFailure> for Problem {
    fn from(f: DatabaseFailure) -> Problem {
        Problem::Database(f)
    }
}
