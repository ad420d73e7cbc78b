//! The resources the sync needs, as plain data. Money is `Decimal` in major units (converted by
//! [`crate::MoneyUnits`]); timestamps are UTC; optional fields are `None` when the API omits them.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// A resource id. CloudCart sends ids as JSON strings (numbers are accepted too); payment
/// providers use their gateway code (`cod`) as id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(String);

impl Id {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Id {
    fn from(s: &str) -> Self {
        Id(s.to_owned())
    }
}

impl From<String> for Id {
    fn from(s: String) -> Self {
        Id(s)
    }
}

impl From<u64> for Id {
    fn from(n: u64) -> Self {
        Id(n.to_string())
    }
}

impl From<&Id> for Id {
    fn from(id: &Id) -> Self {
        id.clone()
    }
}

/// A product: the catalogue node. Price, SKU and stock live on its [`Variant`]s.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub id: Id,
    pub name: String,
    pub url_handle: Option<String>,
    pub active: Option<bool>,
    pub draft: Option<bool>,
    /// Stock tracking on (`tracking: yes`).
    pub tracking: Option<bool>,
    pub continue_selling: Option<bool>,
    pub category_id: Option<Id>,
    pub vendor_id: Option<Id>,
    pub default_variant_id: Option<Id>,
    pub price_from: Option<Decimal>,
    pub price_to: Option<Decimal>,
    /// Ids of the variant parameters `parameter1..3` (from `p1_id..p3_id`).
    pub parameter_ids: Vec<Option<Id>>,
    /// The product's VAT (tax) class, as the shop names it (e.g. `standard`, `reduced`); read
    /// from the first of [`crate::PRODUCT_TAX_CLASS_FIELDS`] present.
    pub tax_class: Option<String>,
    pub date_added: Option<DateTime<Utc>>,
    pub date_modified: Option<DateTime<Utc>>,
    /// Filled when the request included variants.
    pub variants: Vec<Variant>,
}

/// The stock-keeping row: SKU, barcode, price, quantity.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub id: Id,
    /// The product (`item_id`).
    pub product_id: Option<Id>,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub price: Option<Decimal>,
    /// `None` means unlimited.
    pub quantity: Option<Decimal>,
    pub delivery_price: Option<Decimal>,
    pub weight: Option<Decimal>,
    /// Option ids `v1_id..v3_id` (all `None` for a simple product's default variant).
    pub option_ids: Vec<Option<Id>>,
    /// Option labels `v1..v3`.
    pub option_names: Vec<Option<String>>,
}

/// A variant dimension such as "Size".
#[derive(Debug, Clone, PartialEq)]
pub struct VariantParameter {
    pub id: Id,
    pub name: String,
    pub display_type: Option<String>,
}

/// A value of a variant parameter such as "M".
#[derive(Debug, Clone, PartialEq)]
pub struct VariantOption {
    pub id: Id,
    pub parameter_id: Option<Id>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub id: Id,
    pub name: String,
    pub parent_id: Option<Id>,
    pub url_handle: Option<String>,
}

/// An order. The detail collections are empty unless the order was read with its details
/// ([`crate::Client::order`] or [`crate::OrdersQuery::with_details`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub id: Id,
    /// A code (`pending`, `paid`, …) or a custom status slug.
    pub status: Option<String>,
    pub status_fulfillment: Option<String>,
    pub currency: Option<String>,
    pub price_total: Option<Decimal>,
    pub price_subtotal: Option<Decimal>,
    pub price_products_subtotal: Option<Decimal>,
    pub vat_included: Option<bool>,
    pub customer_id: Option<Id>,
    pub customer_email: Option<String>,
    pub customer_first_name: Option<String>,
    pub customer_last_name: Option<String>,
    pub note_customer: Option<String>,
    pub note_administrator: Option<String>,
    /// The external reference (УНП in SUPTO mode); write-once.
    pub usn: Option<String>,
    pub invoice_number: Option<String>,
    pub invoice_date: Option<DateTime<Utc>>,
    pub date_added: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub lines: Vec<OrderLine>,
    pub payment: Option<OrderPayment>,
    pub discounts: Vec<OrderDiscount>,
    pub totals: Vec<OrderTotal>,
    pub taxes: Vec<OrderTax>,
    pub shipping: Option<OrderShipping>,
    pub billing_address: Option<Address>,
    pub shipping_address: Option<Address>,
}

/// One line of an order (`order-products`).
#[derive(Debug, Clone, PartialEq)]
pub struct OrderLine {
    pub id: Id,
    pub product_id: Option<Id>,
    pub variant_id: Option<Id>,
    pub name: Option<String>,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub quantity: Decimal,
    /// Unit price before discounts.
    pub price: Option<Decimal>,
    /// Unit price after order-level discounts.
    pub order_price: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderPayment {
    pub id: Id,
    /// Gateway code, e.g. `cod`.
    pub provider: Option<String>,
    pub provider_name: Option<String>,
    pub amount: Option<Decimal>,
    /// Payment status (`requested`, `completed`, …).
    pub status: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderDiscount {
    pub id: Id,
    /// `None` for an order-level discount.
    pub order_product_id: Option<Id>,
    pub name: Option<String>,
    pub code: Option<String>,
    /// `flat`, `percent`, `shipping`, `fixed`.
    pub discount_type: Option<String>,
    /// As sent (a percentage or an amount, depending on `discount_type`); not converted.
    pub type_value: Option<Decimal>,
    /// The discount's amount on this order, when the API sends it (`value`).
    pub value: Option<Decimal>,
}

/// One row of the order's totals (`subtotal`, `shipping`, `discount`, `tax`, `grand_total`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct OrderTotal {
    pub code: Option<String>,
    pub title: Option<String>,
    pub value: Option<Decimal>,
    pub sort_order: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderTax {
    pub name: Option<String>,
    /// Percent, e.g. `20.00`.
    pub rate: Option<Decimal>,
    pub value: Option<Decimal>,
    /// `included` / `additional`.
    pub tax_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderShipping {
    pub provider_id: Option<Id>,
    pub provider_name: Option<String>,
    pub provider_amount: Option<Decimal>,
    /// From the included shipping provider, when present (`econt`, `speedy`, …).
    pub provider_type: Option<String>,
}

/// A billing or shipping address. The API and webhook spellings (`city_name`/`city`, …) are
/// both read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Address {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub company_name: Option<String>,
    /// ДДС number.
    pub company_vat: Option<String>,
    /// ЕИК / Булстат.
    pub company_registration_number: Option<String>,
    /// МОЛ.
    pub company_person: Option<String>,
    pub country_iso2: Option<String>,
    pub country_name: Option<String>,
    pub state: Option<String>,
    pub city: Option<String>,
    pub street: Option<String>,
    pub street_number: Option<String>,
    pub post_code: Option<String>,
    /// Courier office (Econt/Speedy office delivery).
    pub office_id: Option<String>,
    pub formatted: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: Id,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub group_id: Option<Id>,
    pub active: Option<bool>,
    pub date_added: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PaymentProvider {
    /// The gateway code, e.g. `cod`.
    pub id: Id,
    pub provider: Option<String>,
    pub title: Option<String>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ShippingProvider {
    pub id: Id,
    pub name: Option<String>,
    /// `econt`, `speedy`, `boxnow`, `dpd-bulgaria`, …
    pub provider_type: Option<String>,
    pub active: Option<bool>,
    /// Cash on delivery supported.
    pub postal_money: Option<bool>,
}

/// An order status from `GET /order-status` (built-in and custom).
#[derive(Debug, Clone, PartialEq)]
pub struct OrderStatus {
    pub id: Id,
    pub name: Option<String>,
    pub slug: Option<String>,
    pub status_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub id: Id,
    pub url: String,
    /// One event per webhook row, e.g. `order.created`.
    pub event: String,
    pub active: Option<bool>,
    /// `true` selects the v2 payload of `order.*`.
    pub new_version: Option<bool>,
    /// Custom headers sent with each delivery.
    pub request_headers: BTreeMap<String, String>,
}
