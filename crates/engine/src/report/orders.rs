//! Problems and notes of the orders part of the engine: why an order cannot be written (each
//! problem has a fix, which the app says after it), warnings about an order that was written,
//! and the lines of the import's log.
//!
//! The problems of an order in the exception queue are kept in the journal as JSON
//! (`order_queue.reasons`): a variant's name and fields are stored data, and a row an earlier
//! version wrote as text reads as [`OrderProblem::Recorded`].

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use skladsync_warehouse::DocumentKind;

use super::Money;
use crate::orders::QueueKind;
use crate::settings::CompareBy;

/// A problem with one order, found by the orders part. Amounts are in the currency they were
/// found in: the order's, or the database's for what the document holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OrderProblem {
    // ------------------------------------------------------------ the order's data
    /// The shop's data of the order cannot be read (`reason`: the decoder's own words; the
    /// beginning of the data when the listing gave it). Fix: correct the order in the shop or
    /// enter it by hand and take it out of the queue.
    Undecodable {
        reason: String,
        excerpt: Option<String>,
    },
    /// The order no longer exists in the shop. Fix: take it out of the queue.
    GoneFromShop,
    /// The order could not be read from the shop (the shop client's words); it stays in the
    /// queue and is tried again on the next run.
    NotReadFromShop { detail: String },
    /// The order id is longer than `max` characters (`start`: its first characters).
    IdTooLong { start: String, max: usize },
    /// The order has more lines than the import takes (`ImportSettings::max_lines`).
    TooManyLines { lines: usize, max: usize },
    /// A number of the order is outside the sane bounds: at most `max` in size and
    /// `max_decimals` decimal places. Fix: check the order in the shop; enter it by hand.
    OutOfBounds {
        value: OrderValue,
        number: Decimal,
        max: i64,
        max_decimals: u32,
    },
    /// The order has no lines.
    NoLines,
    /// The shop gave no total of the order.
    NoTotal,
    /// Only orders in leva or euro are imported (into a database in leva or euro).
    UnsupportedCurrency { order: String, database: String },
    /// The time zone of the import settings is unknown.
    UnknownTimeZone { name: String },

    // ------------------------------------------------------------------- lines
    /// A line (by its name) has no compare key (barcode or SKU) in the shop.
    LineWithoutKey { compare_by: CompareBy, line: String },
    /// No good has the line's compare key.
    NoGoodWithKey {
        compare_by: CompareBy,
        key: String,
        line: String,
    },
    /// Several goods have the line's compare key.
    KeyOnSeveralGoods {
        compare_by: CompareBy,
        key: String,
        goods: Vec<i64>,
    },
    /// The line's good has a VAT group that does not exist.
    NoSuchVatGroup {
        good: i64,
        name: String,
        vat_group: i64,
    },
    /// A line's quantity is zero or less.
    BadQuantity {
        compare_by: CompareBy,
        key: String,
        quantity: Decimal,
    },
    /// A line has no price.
    LineWithoutPrice { compare_by: CompareBy, key: String },

    // ------------------------------------------------------------------ totals
    /// Lines + discount + delivery + fees is not the shop's total (all in the order's
    /// currency; the app adds them up and says the difference).
    TotalsDoNotAddUp {
        lines: Money,
        discount: Money,
        delivery: Money,
        fees: Money,
        shop_total: Money,
    },
    /// The document's total (database currency) differs from the shop's total (order currency,
    /// `converted` into the database's) by more than the unit prices' rounding explains.
    ConvertedTotalMismatch {
        document: Money,
        shop_total: Money,
        converted: Money,
        difference: Money,
    },
    /// The document's total differs from the shop's by more than a rounding note.
    TotalMismatch {
        document: Money,
        shop_total: Money,
        difference: Money,
    },
    /// A warning: converted unit prices make the document differ from the converted shop total
    /// by `difference`.
    ConversionRounding {
        document: Money,
        shop_total: Money,
        converted: Money,
        difference: Money,
    },
    /// A warning: the document (rounded line by line, as Склад Pro rounds) differs from the
    /// shop's total by `difference`; a rounding note is written.
    Rounding {
        document: Money,
        shop_total: Money,
        difference: Money,
    },

    // ------------------------------------------------------- special goods, payment
    /// The order has a delivery, discount or fee (`fee`: its title in the shop), and no special
    /// good is chosen for it.
    SpecialGoodNotChosen {
        special: SpecialGood,
        fee: Option<String>,
    },
    /// The special good chosen does not exist.
    NoSuchSpecialGood { special: SpecialGood, id: i64 },
    /// The special good's VAT group does not exist.
    SpecialGoodWithoutVatGroup {
        special: SpecialGood,
        vat_group: i64,
    },
    /// A discount good of the other VAT rates (`discount_goods_other_rates`) does not exist.
    NoSuchDiscountGood { id: i64 },
    /// The whole-order discount falls partly (`amount`) on goods of a VAT `rate` for which no
    /// discount good is chosen (`good`, the discount good, has `good_rate`).
    NoDiscountGoodForRate {
        amount: Money,
        rate: Decimal,
        good: String,
        good_rate: Decimal,
    },
    /// The shop's payment method (`None`: the order has none) has no payment type in the
    /// settings.
    PaymentNotMapped { provider: Option<String> },
    /// The payment type chosen for the payment method does not exist in Склад Pro.
    NoSuchPaymentType { id: i64, provider: String },
    /// The database keeps goods by lots: only Orders are written there.
    SaleWithLots,

    // ---------------------------------------------------------------- partner
    /// A warning: the ЕИК/ЕГН fails its check digit; the partner is written without it.
    InvalidRegistration { value: String },
    /// A warning: the Bulgarian VAT number is not valid; the partner is written without it.
    InvalidVatNumber { value: String },
    /// A warning: the partner found keeps its value of a field that differs from the order's.
    PartnerDiffers {
        partner: i64,
        field: PartnerField,
        in_warehouse: String,
        in_order: String,
    },

    // ------------------------------------------------------- writing the document
    /// A Sale would take goods below zero, and the database does not allow negative stock.
    NotEnoughStock { shortages: Vec<StockShortage> },
    /// Склад Pro refused the document (the database's own words).
    DocumentRefused { detail: String },
    /// A database error stopped the order; nothing of it was written.
    DatabaseError { detail: String },

    // ------------------------------------------------------- the order's document
    /// Skipped: Склад Pro already has a document with the order's УНП, written by another
    /// program (`document` when the operation type is one the sync writes).
    AlreadyWithUsn {
        usn: String,
        oper_type: i64,
        document: Option<DocumentKind>,
        number: i64,
    },
    /// Skipped: the order was cancelled in the shop before it was imported.
    CancelledBeforeImport { status: String },
    /// The document bound to the order no longer exists (annulled?).
    DocumentGone { document: DocumentKind, number: i64 },
    /// The order was cancelled in the shop after it became a Sale.
    CancelledAfterSale { status: String, number: i64 },
    /// The order was changed in the shop after it became a Sale.
    EditedAfterSale { number: i64 },
    /// The order was cancelled in the shop; its Order document is left in Склад Pro (the fix
    /// differs when the document has a УНП).
    CancelledAfterOrder {
        status: String,
        number: i64,
        has_usn: bool,
    },
    /// The order reached a sale status, and its Order carries a УНП: the operator converts it.
    SaleStatusWithUsn {
        status: String,
        number: i64,
        usn: String,
    },
    /// The order was changed in the shop, and its Order carries a УНП.
    EditedWithUsn { number: i64 },
    /// An old-form document (`legacy_reference`, written by an earlier version without the
    /// shop's name) has this order's customer and total: it may be this order or another
    /// shop's order of the same number. Fix: change its note to `reference` (or to another
    /// shop's reference for `order`).
    AmbiguousLegacyDocument {
        document: DocumentKind,
        number: i64,
        legacy_reference: String,
        reference: String,
        order: String,
    },
    /// The order's claim is in Склад Pro, but no document carries its reference (annulled?).
    ClaimWithoutDocument { claim: String, reference: String },
    /// A document has the order's reference, but this server's journal does not bind it and
    /// it differs from the order.
    UnconfirmedDocument {
        document: DocumentKind,
        number: i64,
        reference: String,
        differences: Vec<DocumentDifference>,
    },

    // ---------------------------------------------------------------------- УНП
    /// A warning: the order carries a УНП, and the database is not SUPTO: imported without it.
    UsnIgnored { usn: String },
    /// The УНП in the register is damaged.
    UsnRegisterDamaged { usn: String },
    /// The order's УНП cannot be read.
    UsnUnreadable { usn: String },
    /// The order's УНП is registered to another order.
    UsnTaken { usn: String },
    /// The fiscal device's sequence numbers are used up.
    UsnSequenceExhausted { device: String, sequence: i64 },
    /// No free УНП was found (other writers took every number tried).
    NoFreeUsn,
    /// The document has one УНП, and the shop's order already has another.
    UsnDiffersInShop {
        document_usn: String,
        shop_usn: String,
    },
    /// A warning: the УНП could not be written to the shop (the shop client's words); it is
    /// written on the next run.
    UsnNotWritten { usn: String, detail: String },

    // -------------------------------------------------------------------- queue
    /// The order went into the exception queue, for these reasons.
    Queued {
        queue: QueueKind,
        reasons: Vec<OrderProblem>,
    },
    /// A reason an earlier version of skladsync stored in the queue, as it worded it.
    Recorded { problem: String, fix: String },
}

/// The special goods of the import settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpecialGood {
    /// „Доставка“.
    Delivery,
    /// „Търговска отстъпка“.
    Discount,
    /// „Такса“.
    Fee,
}

/// A number of an order checked against the bounds; lines are counted from 1, `label` is the
/// line's SKU, barcode or name (its first 40 characters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "field", rename_all = "snake_case")]
pub enum OrderValue {
    LineQuantity {
        line: usize,
        label: String,
    },
    LinePrice {
        line: usize,
        label: String,
    },
    /// The line's price in the order (after a discount).
    LineOrderPrice {
        line: usize,
        label: String,
    },
    Total,
    Subtotal,
    ProductsSubtotal,
    Delivery,
    Payment,
    /// A row of the order's totals, by its code.
    TotalRow {
        code: String,
    },
    Discount {
        name: String,
    },
    /// The value of a discount's type (a percentage or an amount).
    DiscountTypeValue {
        name: String,
    },
    Tax {
        name: String,
    },
    TaxRate {
        name: String,
    },
}

/// A field of a partner, as Склад Pro's partner card has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerField {
    Company,
    Mol,
    City,
    Address,
    Phone,
    Email,
    VatNumber,
    Eik,
    /// Another column of `partners`.
    Other(String),
}

impl PartnerField {
    /// The field of a `partners` column.
    pub fn of_column(column: &str) -> PartnerField {
        match column {
            "Company" => PartnerField::Company,
            "MOL" => PartnerField::Mol,
            "City" => PartnerField::City,
            "Address" => PartnerField::Address,
            "Phone" => PartnerField::Phone,
            "eMail" => PartnerField::Email,
            "TaxNo" => PartnerField::VatNumber,
            "Bulstat" => PartnerField::Eik,
            other => PartnerField::Other(other.to_owned()),
        }
    }
}

/// A good a Sale would take below zero in its object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockShortage {
    pub good: i64,
    pub good_name: String,
    pub object: i64,
    pub object_name: String,
    /// What the object has, less what open Orders there hold.
    pub available: Decimal,
    /// What the document takes.
    pub needed: Decimal,
}

impl From<&skladsync_warehouse::Shortage> for StockShortage {
    fn from(s: &skladsync_warehouse::Shortage) -> StockShortage {
        StockShortage {
            good: s.good_id,
            good_name: s.good_name.clone(),
            object: s.object_id,
            object_name: s.object_name.clone(),
            available: s.available.normalize(),
            needed: s.needed.normalize(),
        }
    }
}

/// How a document found by the order's reference differs from the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DocumentDifference {
    /// The totals differ (both in the database's currency).
    Total { document: Money, order: Money },
    /// The document's partner (`name` when it exists) is not the order's customer.
    Partner {
        partner: i64,
        name: Option<String>,
        customer: String,
    },
    /// The order fails its checks, so it cannot be compared with the document.
    OrderRefused { problems: Vec<OrderProblem> },
}

/// A line of the log of the orders part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OrderNote {
    /// Documents are written as this user of Склад Pro (`name` when the user exists);
    /// `chosen` is false when no active user is chosen and the service user writes them.
    WrittenAs {
        user: i64,
        name: Option<String>,
        chosen: bool,
    },
    /// Another copy of the program imports orders for this server: waiting for it.
    WaitingForOtherCopy,
    /// A new document for the order.
    Created {
        order: String,
        document: DocumentKind,
        number: i64,
        total: Money,
    },
    /// The order's document was already in Склад Pro; its binding was restored.
    Reconciled {
        order: String,
        document: DocumentKind,
        number: i64,
    },
    /// Another copy of the program imported the order just now; its document is taken.
    TakenFromOtherCopy { order: String },
    /// Another copy of the program made the order a Sale.
    ConvertedByOtherCopy { order: String },
    /// The Order became a Sale.
    Converted { order: String, from: i64, to: i64 },
    /// A conversion interrupted earlier was finished: the Order left beside the Sale was
    /// annulled.
    ConversionFinished { order: String, sale: i64 },
    /// The sweep of the last `days` days found `found` orders never imported (now imported).
    SweepFound { days: u32, found: u64 },
    /// The counts of an import run.
    Counts {
        created: u64,
        updated: u64,
        unchanged: u64,
        skipped: u64,
    },
}
