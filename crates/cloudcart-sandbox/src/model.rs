//! The shop's records as the sandbox stores them.
//!
//! Money is always an integer in minor units (stotinki or euro cents).
//! The same structs, serialised with serde, are the `Seed::Json` format
//! (see `GET /__sandbox/export` for a full example).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A record with a numeric id.
pub trait HasId {
    fn id(&self) -> u64;
}

macro_rules! has_id {
    ($($t:ty),*) => {$(impl HasId for $t { fn id(&self) -> u64 { self.id } })*};
}

/// A catalogue node. Price, SKU, barcode and stock live on [`Variant`].
#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct Product {
    pub id: u64,
    pub name: String,
    pub url_handle: String,
    pub description: Option<String>,
    pub short_description: Option<String>,
    /// "yes"/"no" flags.
    pub active: String,
    pub draft: String,
    pub digital: String,
    pub sale: String,
    pub new: String,
    pub tracking: String,
    pub shipping: String,
    pub continue_selling: String,
    pub threshold: i64,
    pub minimum: i64,
    /// 0/1 integers (unlike the yes/no flags; seen in a recorded response).
    pub featured: i64,
    pub is_hidden: i64,
    pub sort_order: i64,
    pub views: i64,
    pub category_id: Option<u64>,
    pub vendor_id: Option<u64>,
    /// `parameter1..3`: variant-parameter ids.
    pub parameter_ids: [Option<u64>; 3],
    /// The product's VAT class name (`standard`, `reduced`, …); `None` for the shop's default.
    pub tax_class: Option<String>,
    pub price_from: i64,
    pub price_to: i64,
    pub default_variant_id: Option<u64>,
    pub date_added: DateTime<Utc>,
    pub date_modified: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Product {
    /// How many variant parameters the product uses.
    pub fn parameter_count(&self) -> usize {
        self.parameter_ids.iter().filter(|p| p.is_some()).count()
    }
}

/// The stock-keeping row.
#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct Variant {
    pub id: u64,
    /// The product id.
    pub item_id: u64,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    /// Minor units.
    pub price: i64,
    /// Minor units.
    pub delivery_price: Option<i64>,
    /// `None` = unlimited.
    pub quantity: Option<f64>,
    /// Grams.
    pub weight: Option<i64>,
    pub minimum: i64,
    /// `option1..3`: variant-option ids (all `None` = the phantom default variant).
    pub option_ids: [Option<u64>; 3],
}

#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct VariantParameter {
    pub id: u64,
    pub name: String,
    pub display_type: String,
    pub sort: i64,
    pub visible: i64,
    pub in_listing: i64,
    pub show_label: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct VariantOption {
    pub id: u64,
    pub parameter_id: u64,
    pub name: String,
    pub sort: i64,
    pub color: Option<String>,
    pub visible: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct Category {
    pub id: u64,
    pub name: String,
    pub parent_id: Option<u64>,
    pub url_handle: String,
    pub description: Option<String>,
    pub order: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct Customer {
    pub id: u64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub group_id: Option<u64>,
    pub note: Option<String>,
    pub active: String,
    pub marketing: String,
    pub banned: String,
    pub date_added: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `payment-providers`: the id is the gateway code.
#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct PaymentProvider {
    pub provider: String,
    pub title: String,
    pub active: String,
    pub image_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct ShippingProvider {
    pub id: u64,
    pub name: String,
    pub description: Option<String>,
    pub active: String,
    pub provider_type: String,
    pub geo_zone_id: Option<u64>,
    pub insurance: String,
    pub postal_money: String,
    pub external_id: Option<String>,
}

/// One row of the non-JSON:API `GET /order-status` helper.
#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct OrderStatusDef {
    pub id: u64,
    pub name: String,
    pub slug: String,
    /// "positive" / "negative" / "custom".
    pub status_type: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct Webhook {
    pub id: u64,
    pub url: String,
    pub event: String,
    pub active: bool,
    pub new_version: u8,
    pub request_headers: BTreeMap<String, String>,
    pub api_key_id: u64,
    /// Delivery attempts made so far.
    pub deliveries: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct OrderProduct {
    pub id: u64,
    pub product_id: Option<u64>,
    pub variant_id: Option<u64>,
    pub name: String,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub quantity: f64,
    pub weight: i64,
    /// Unit price before discounts, minor units.
    pub price: i64,
    /// Unit price after order-level discounts, minor units.
    pub order_price: i64,
    pub order_discount_id: Option<u64>,
    pub order_fulfillment_id: Option<u64>,
    /// Parameter names (`p1..p3`) and option values (`v1..v3`).
    pub params: [Option<String>; 3],
    pub values: [Option<String>; 3],
    pub vendor_id: Option<u64>,
    pub vendor_name: Option<String>,
    pub category_id: Option<u64>,
    pub category_name: Option<String>,
    pub sale: String,
    pub new: String,
    pub digital: String,
    pub tracked: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct OrderPayment {
    pub id: u64,
    /// Gateway code, e.g. `cod`.
    pub provider: String,
    pub provider_name: String,
    /// Minor units.
    pub amount: i64,
    /// One of the 13 payment statuses (`requested`, `completed`, …).
    pub status: String,
    pub provider_reference_id: Option<String>,
    pub date_created: DateTime<Utc>,
    pub date_modified: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct OrderShipping {
    pub id: u64,
    pub provider_id: Option<u64>,
    pub provider_name: String,
    /// Minor units.
    pub provider_amount: i64,
    pub provider_insurance: i64,
    pub order_has_insurance: String,
    pub geo_zone_id: Option<u64>,
    pub geo_zone_name: Option<String>,
}

/// A billing or shipping address. The company fields are only rendered on
/// the billing address.
#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct Address {
    pub id: u64,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub company_name: Option<String>,
    /// VAT (ДДС) number, e.g. `BG123456789`.
    pub company_vat: Option<String>,
    /// ЕИК / Булстат.
    pub company_registration_number: Option<String>,
    /// МОЛ.
    pub company_person: Option<String>,
    pub country_iso2: String,
    pub country_name: String,
    pub state_name: Option<String>,
    pub city_name: String,
    pub street_name: String,
    pub street_number: Option<String>,
    pub post_code: String,
    pub office_id: Option<String>,
}

impl Address {
    pub fn formatted(&self) -> String {
        format!(
            "{} {}, {} {}, {}",
            self.street_name,
            self.street_number.clone().unwrap_or_default(),
            self.post_code,
            self.city_name,
            self.country_name
        )
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct OrderTotal {
    pub id: u64,
    /// `subtotal`, `discount`, `shipping`, `tax`, `grand_total`.
    pub code: String,
    pub title: String,
    /// Minor units.
    pub value: i64,
    pub sort_order: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct OrderTax {
    pub id: u64,
    pub name: String,
    pub rate: f64,
    /// Minor units.
    pub value: i64,
    pub tax_id: Option<u64>,
    /// `included` / `additional`.
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct OrderDiscount {
    pub id: u64,
    pub discount_id: Option<u64>,
    /// `None` = an order-level discount.
    pub order_product_id: Option<u64>,
    pub name: String,
    pub code: Option<String>,
    /// `flat` / `percent` / `shipping` / `fixed`.
    pub discount_type: String,
    /// Minor units for flat discounts, percent × 100 for percent discounts.
    pub type_value: i64,
    /// The discount amount on this order, minor units.
    pub value: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct Order {
    pub id: u64,
    pub hash: String,
    pub status: String,
    pub status_fulfillment: String,
    pub currency: String,
    pub customer_id: Option<u64>,
    pub customer_group_id: Option<u64>,
    pub customer_first_name: String,
    pub customer_last_name: String,
    pub customer_email: String,
    pub customer_ip: Option<String>,
    pub note_customer: Option<String>,
    pub note_administrator: Option<String>,
    pub notify_customer: String,
    pub abandoned: String,
    pub vat_included: String,
    pub email_sent: String,
    pub invoice_number: Option<String>,
    pub invoice_date: Option<DateTime<Utc>>,
    /// Write-once (УНП in our use).
    pub usn: Option<String>,
    pub locale: String,
    pub weight: i64,
    pub quantity: f64,
    pub price_products_subtotal: i64,
    pub price_subtotal: i64,
    pub price_total: i64,
    pub date_added: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub date_archived: Option<DateTime<Utc>>,
    pub desired_delivery_date: Option<String>,
    pub products: Vec<OrderProduct>,
    pub payment: OrderPayment,
    pub shipping: OrderShipping,
    pub shipping_address: Address,
    pub billing_address: Address,
    pub totals: Vec<OrderTotal>,
    pub taxes: Vec<OrderTax>,
    pub discounts: Vec<OrderDiscount>,
}

has_id!(
    Product,
    Variant,
    VariantParameter,
    VariantOption,
    Category,
    Customer,
    ShippingProvider,
    OrderStatusDef,
    Webhook,
    Order
);

/// Serialises a `BTreeMap<u64, T>` as a JSON array of records.
mod as_vec {
    use super::HasId;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer, T: Serialize>(
        map: &BTreeMap<u64, T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.values())
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de> + HasId>(
        d: D,
    ) -> Result<BTreeMap<u64, T>, D::Error> {
        let v: Vec<T> = Vec::deserialize(d)?;
        Ok(v.into_iter().map(|r| (r.id(), r)).collect())
    }
}

/// Everything the shop holds. This is also the `Seed::Json` format.
#[derive(Clone, Debug, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct StoreData {
    #[serde(with = "as_vec")]
    pub products: BTreeMap<u64, Product>,
    #[serde(with = "as_vec")]
    pub variants: BTreeMap<u64, Variant>,
    /// Product id → its variants' ids, kept by [`StoreData::insert_variant`],
    /// [`StoreData::remove_variant`], [`StoreData::remove_variants_of`] and rebuilt by
    /// [`StoreData::reindex`]; a product's variants are then found without scanning them all.
    #[serde(skip)]
    variants_by_product: BTreeMap<u64, std::collections::BTreeSet<u64>>,
    #[serde(with = "as_vec")]
    pub variant_parameters: BTreeMap<u64, VariantParameter>,
    #[serde(with = "as_vec")]
    pub variant_options: BTreeMap<u64, VariantOption>,
    #[serde(with = "as_vec")]
    pub categories: BTreeMap<u64, Category>,
    #[serde(with = "as_vec")]
    pub customers: BTreeMap<u64, Customer>,
    #[serde(with = "as_vec")]
    pub orders: BTreeMap<u64, Order>,
    pub payment_providers: Vec<PaymentProvider>,
    #[serde(with = "as_vec")]
    pub shipping_providers: BTreeMap<u64, ShippingProvider>,
    pub order_statuses: Vec<OrderStatusDef>,
    #[serde(with = "as_vec")]
    pub webhooks: BTreeMap<u64, Webhook>,
    /// Next id per counter name; filled in from the data when missing.
    pub counters: BTreeMap<String, u64>,
    /// Attributes served over the rendered ones, by `type/id` (`orders/1001`,
    /// `order-products/7001`): a test makes one resource odd on purpose (a field of a strange
    /// type, an absurd number) without changing the shop's own records.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub attribute_overrides: BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
}

/// First id handed out per counter. Different ranges per kind make a client
/// that confuses product ids with variant ids fail loudly.
pub(crate) fn counter_base(name: &str) -> u64 {
    match name {
        "products" => 101,
        "variants" => 5001,
        "variant-parameters" => 1,
        "variant-options" => 11,
        "categories" => 1,
        "customers" => 301,
        "orders" => 1001,
        "order-products" => 20001,
        "order-payment" => 30001,
        "order-shipping" => 40001,
        "order-address" => 50001,
        "order-total" => 60001,
        "order-tax" => 70001,
        "order-discount" => 80001,
        "webhooks" => 1,
        _ => 1,
    }
}

impl StoreData {
    /// Hands out the next id of `counter`.
    pub fn next_id(&mut self, counter: &str) -> u64 {
        let entry = self
            .counters
            .entry(counter.to_string())
            .or_insert_with(|| counter_base(counter));
        let id = *entry;
        *entry += 1;
        id
    }

    /// Makes every counter larger than every id already present.
    pub fn fix_counters(&mut self) {
        fn bump(c: &mut BTreeMap<String, u64>, name: &str, max: Option<u64>) {
            let base = counter_base(name);
            let want = max.map(|m| m + 1).unwrap_or(base).max(base);
            let e = c.entry(name.to_string()).or_insert(want);
            if *e < want {
                *e = want;
            }
        }
        let c = &mut self.counters;
        bump(c, "products", self.products.keys().max().copied());
        bump(c, "variants", self.variants.keys().max().copied());
        bump(
            c,
            "variant-parameters",
            self.variant_parameters.keys().max().copied(),
        );
        bump(
            c,
            "variant-options",
            self.variant_options.keys().max().copied(),
        );
        bump(c, "categories", self.categories.keys().max().copied());
        bump(c, "customers", self.customers.keys().max().copied());
        bump(c, "orders", self.orders.keys().max().copied());
        bump(c, "webhooks", self.webhooks.keys().max().copied());
        let orders: Vec<&Order> = self.orders.values().collect();
        bump(
            c,
            "order-products",
            orders
                .iter()
                .flat_map(|o| o.products.iter().map(|p| p.id))
                .max(),
        );
        bump(
            c,
            "order-payment",
            orders.iter().map(|o| o.payment.id).max(),
        );
        bump(
            c,
            "order-shipping",
            orders.iter().map(|o| o.shipping.id).max(),
        );
        bump(
            c,
            "order-address",
            orders
                .iter()
                .flat_map(|o| [o.shipping_address.id, o.billing_address.id])
                .max(),
        );
        bump(
            c,
            "order-total",
            orders
                .iter()
                .flat_map(|o| o.totals.iter().map(|t| t.id))
                .max(),
        );
        bump(
            c,
            "order-tax",
            orders
                .iter()
                .flat_map(|o| o.taxes.iter().map(|t| t.id))
                .max(),
        );
        bump(
            c,
            "order-discount",
            orders
                .iter()
                .flat_map(|o| o.discounts.iter().map(|t| t.id))
                .max(),
        );
    }

    /// Live (not soft-deleted) product.
    pub fn live_product(&self, id: u64) -> Option<&Product> {
        self.products.get(&id).filter(|p| p.deleted_at.is_none())
    }

    /// Variants of a product, by id.
    pub fn variants_of(&self, product_id: u64) -> Vec<&Variant> {
        self.variants_by_product
            .get(&product_id)
            .map(|ids| ids.iter().filter_map(|id| self.variants.get(id)).collect())
            .unwrap_or_default()
    }

    /// Store a variant (new or changed), keeping the product index.
    pub fn insert_variant(&mut self, v: Variant) {
        if let Some(old) = self.variants.get(&v.id)
            && old.item_id != v.item_id
            && let Some(ids) = self.variants_by_product.get_mut(&old.item_id)
        {
            ids.remove(&v.id);
        }
        self.variants_by_product
            .entry(v.item_id)
            .or_default()
            .insert(v.id);
        self.variants.insert(v.id, v);
    }

    /// Remove a variant, keeping the product index.
    pub fn remove_variant(&mut self, id: u64) -> Option<Variant> {
        let v = self.variants.remove(&id)?;
        if let Some(ids) = self.variants_by_product.get_mut(&v.item_id) {
            ids.remove(&id);
        }
        Some(v)
    }

    /// Remove every variant of a product.
    pub fn remove_variants_of(&mut self, product_id: u64) {
        for id in self
            .variants_by_product
            .remove(&product_id)
            .unwrap_or_default()
        {
            self.variants.remove(&id);
        }
    }

    /// Rebuild the product index from the variants (after seeding or loading).
    pub fn reindex(&mut self) {
        self.variants_by_product.clear();
        for v in self.variants.values() {
            self.variants_by_product
                .entry(v.item_id)
                .or_default()
                .insert(v.id);
        }
    }

    /// Recomputes a product's `default_variant_id` (the cheapest variant),
    /// `price_from` and `price_to` after a variant write, and bumps
    /// `date_modified`.
    pub fn recompute_product(&mut self, product_id: u64, now: DateTime<Utc>) {
        let vs: Vec<(u64, i64)> = self
            .variants_of(product_id)
            .iter()
            .map(|v| (v.id, v.price))
            .collect();
        if let Some(p) = self.products.get_mut(&product_id) {
            p.default_variant_id = vs
                .iter()
                .min_by_key(|(id, price)| (*price, *id))
                .map(|(id, _)| *id);
            p.price_from = vs.iter().map(|(_, pr)| *pr).min().unwrap_or(0);
            p.price_to = vs.iter().map(|(_, pr)| *pr).max().unwrap_or(0);
            p.date_modified = now;
        }
    }

    /// The built-in order statuses: the 11 canonical codes plus one custom
    /// status, as `GET /order-status` lists them.
    pub fn default_order_statuses() -> Vec<OrderStatusDef> {
        let rows: [(&str, &str, &str); 12] = [
            ("pending", "Очаква обработка", "positive"),
            ("authorized", "Оторизирана", "positive"),
            ("paid", "Платена", "positive"),
            ("completed", "Завършена", "positive"),
            ("voided", "Анулирана", "negative"),
            ("timeouted", "Изтекла", "negative"),
            ("cancelled", "Отказана", "negative"),
            ("failed", "Неуспешна", "negative"),
            ("refunded", "Възстановена", "negative"),
            ("chargebacked", "Оспорено плащане", "negative"),
            ("disputed", "Спор", "negative"),
            (
                "order-awaiting-confirmation",
                "Очаква потвърждение",
                "custom",
            ),
        ];
        rows.iter()
            .enumerate()
            .map(|(i, (slug, name, ty))| OrderStatusDef {
                id: i as u64 + 1,
                name: name.to_string(),
                slug: slug.to_string(),
                status_type: ty.to_string(),
            })
            .collect()
    }

    /// Fills in the reference lists a store always has (order statuses,
    /// payment and shipping providers) when the seed has none.
    pub fn ensure_reference_data(&mut self, now: DateTime<Utc>) {
        if self.order_statuses.is_empty() {
            self.order_statuses = Self::default_order_statuses();
        }
        if self.payment_providers.is_empty() {
            let rows = [
                ("cod", "Наложен платеж", "yes"),
                ("bank_transfer", "Банков превод", "yes"),
                ("borica", "Плащане с карта (BORICA)", "yes"),
                ("paypal", "PayPal", "no"),
            ];
            self.payment_providers = rows
                .iter()
                .map(|(code, title, active)| PaymentProvider {
                    provider: code.to_string(),
                    title: title.to_string(),
                    active: active.to_string(),
                    image_url: None,
                    created_at: now - chrono::Duration::days(400),
                    updated_at: now - chrono::Duration::days(30),
                })
                .collect();
        }
        if self.shipping_providers.is_empty() {
            let rows = [
                (1, "Еконт", "econt", "yes"),
                (2, "Спиди", "speedy", "yes"),
                (3, "BOX NOW", "boxnow", "yes"),
                (4, "Вземане от магазина", "custom", "yes"),
            ];
            for (id, name, ty, postal) in rows {
                self.shipping_providers.insert(
                    id,
                    ShippingProvider {
                        id,
                        name: name.to_string(),
                        description: None,
                        active: "yes".into(),
                        provider_type: ty.into(),
                        geo_zone_id: Some(1),
                        insurance: "no".into(),
                        postal_money: postal.into(),
                        external_id: None,
                    },
                );
            }
        }
    }
}
