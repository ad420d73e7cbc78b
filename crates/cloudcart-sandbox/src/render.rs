//! Turning stored records into JSON:API resource objects.

use serde_json::{Map, Value, json};

use crate::clock::iso;
use crate::model::*;

/// The JSON:API resource types the sandbox serves. The URL segment under
/// `/api/v2/` equals the type name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Products,
    Variants,
    VariantParameters,
    VariantOptions,
    Categories,
    Customers,
    Orders,
    OrderProducts,
    OrderPayment,
    OrderDiscount,
    OrderTotal,
    OrderTax,
    OrderShipping,
    OrderShippingAddress,
    OrderBillingAddress,
    OrderModification,
    PaymentProviders,
    ShippingProviders,
    Webhooks,
}

pub const ALL_KINDS: [Kind; 19] = [
    Kind::Products,
    Kind::Variants,
    Kind::VariantParameters,
    Kind::VariantOptions,
    Kind::Categories,
    Kind::Customers,
    Kind::Orders,
    Kind::OrderProducts,
    Kind::OrderPayment,
    Kind::OrderDiscount,
    Kind::OrderTotal,
    Kind::OrderTax,
    Kind::OrderShipping,
    Kind::OrderShippingAddress,
    Kind::OrderBillingAddress,
    Kind::OrderModification,
    Kind::PaymentProviders,
    Kind::ShippingProviders,
    Kind::Webhooks,
];

impl Kind {
    pub fn type_name(self) -> &'static str {
        match self {
            Kind::Products => "products",
            Kind::Variants => "variants",
            Kind::VariantParameters => "variant-parameters",
            Kind::VariantOptions => "variant-options",
            Kind::Categories => "categories",
            Kind::Customers => "customers",
            Kind::Orders => "orders",
            Kind::OrderProducts => "order-products",
            Kind::OrderPayment => "order-payment",
            Kind::OrderDiscount => "order-discount",
            Kind::OrderTotal => "order-total",
            Kind::OrderTax => "order-tax",
            Kind::OrderShipping => "order-shipping",
            Kind::OrderShippingAddress => "order-shipping-address",
            Kind::OrderBillingAddress => "order-billing-address",
            Kind::OrderModification => "order-modification",
            Kind::PaymentProviders => "payment-providers",
            Kind::ShippingProviders => "shipping-providers",
            Kind::Webhooks => "webhooks",
        }
    }

    pub fn from_segment(s: &str) -> Option<Kind> {
        ALL_KINDS.iter().copied().find(|k| k.type_name() == s)
    }

    /// Methods the resource answers on the collection URL and the item URL.
    pub fn methods(self) -> (&'static [&'static str], &'static [&'static str]) {
        const FULL_C: &[&str] = &["GET", "POST"];
        const FULL_I: &[&str] = &["GET", "PATCH", "DELETE"];
        const RO: &[&str] = &["GET"];
        const PATCH_ONLY: &[&str] = &["GET", "PATCH"];
        match self {
            Kind::Products
            | Kind::Variants
            | Kind::VariantParameters
            | Kind::VariantOptions
            | Kind::Categories
            | Kind::Customers
            | Kind::Webhooks => (FULL_C, FULL_I),
            Kind::Orders => (RO, PATCH_ONLY),
            _ => (RO, RO),
        }
    }

    /// The sort keys the resource accepts; anything else is a 422.
    pub fn sort_allow_list(self) -> &'static [&'static str] {
        match self {
            Kind::Products => &[
                "id",
                "name",
                "date_added",
                "date_modified",
                "sort_order",
                "views",
            ],
            Kind::Variants => &["id", "quantity", "price", "weight"],
            Kind::Orders => &["id", "date_added", "updated_at", "date_archived"],
            Kind::Customers => &[
                "id",
                "first_name",
                "last_name",
                "email",
                "date_added",
                "updated_at",
                "date_banned",
            ],
            Kind::Categories => &["id", "name", "created_at", "updated_at", "order"],
            Kind::OrderProducts => &[
                "order_id",
                "quantity",
                "product_id",
                "variant_id",
                "name",
                "weight",
                "price",
                "order_price",
                "vendor_id",
                "vendor_name",
                "category_id",
                "category_name",
            ],
            Kind::Webhooks => &["id", "url", "event"],
            // Not in the research's table; id only is the cautious choice.
            Kind::VariantParameters | Kind::VariantOptions => &["id", "name", "sort"],
            _ => &[],
        }
    }

    /// Include paths the resource accepts.
    pub fn include_allow_list(self) -> &'static [&'static str] {
        match self {
            Kind::Products => &[
                "variants",
                "variant",
                "category",
                "images",
                "image",
                "vendor",
                "parameter1",
                "parameter2",
                "parameter3",
                "variants.option1",
                "variants.option2",
                "variants.option3",
            ],
            Kind::Variants => &["product", "option1", "option2", "option3"],
            Kind::VariantParameters => &["variant-options", "options"],
            Kind::VariantOptions => &["parameter"],
            Kind::Categories => &["parent"],
            Kind::Customers => &["orders"],
            Kind::Orders => &[
                "products",
                "payment",
                "discounts",
                "modifications",
                "totals",
                "taxes",
                "shipping",
                "shipping.provider",
                "shipping-address",
                "billing-address",
                "customer",
            ],
            Kind::OrderShipping => &["provider", "order"],
            Kind::OrderProducts
            | Kind::OrderPayment
            | Kind::OrderDiscount
            | Kind::OrderTotal
            | Kind::OrderTax
            | Kind::OrderShippingAddress
            | Kind::OrderBillingAddress => &["order"],
            _ => &[],
        }
    }

    /// Relationships that appear in a resource object only when included.
    pub fn include_only_relationships(self) -> &'static [&'static str] {
        match self {
            Kind::Products => &["variants"],
            Kind::Customers => &["orders"],
            _ => &[],
        }
    }

    /// Filters that switch the answer to "single-record mode": `data` is one
    /// object (or null), not an array.
    pub fn single_record_filters(self) -> &'static [&'static str] {
        match self {
            Kind::Products | Kind::Categories => &["url_handle"],
            Kind::Customers => &["email"],
            Kind::VariantParameters | Kind::VariantOptions => &["name"],
            _ => &[],
        }
    }
}

/// A reference to a resource.
pub type Ref = (Kind, String);

/// A relationship's linkage.
#[derive(Debug, Clone)]
pub enum Rel {
    One(Option<Ref>),
    Many(Vec<Ref>),
}

impl Rel {
    pub fn refs(&self) -> Vec<Ref> {
        match self {
            Rel::One(o) => o.iter().cloned().collect(),
            Rel::Many(v) => v.clone(),
        }
    }
    pub fn linkage(&self) -> Value {
        let one = |r: &Ref| json!({"type": r.0.type_name(), "id": r.1});
        match self {
            Rel::One(None) => Value::Null,
            Rel::One(Some(r)) => one(r),
            Rel::Many(v) => Value::Array(v.iter().map(one).collect()),
        }
    }
}

/// Money stays an integer of minor units everywhere in `/api/v2`.
fn money(v: i64) -> Value {
    json!(v)
}

/// How a decimal(20,3) quantity is written: an integer when whole, else a
/// number with up to 3 decimals; `null` = unlimited.
pub fn quantity_json(q: Option<f64>) -> Value {
    match q {
        None => Value::Null,
        Some(q) if q.fract() == 0.0 && q.abs() < 9e15 => json!(q as i64),
        Some(q) => json!((q * 1000.0).round() / 1000.0),
    }
}

fn opt_time(t: &Option<chrono::DateTime<chrono::Utc>>) -> Value {
    t.as_ref().map(|t| json!(iso(t))).unwrap_or(Value::Null)
}

pub fn product_attrs(st: &StoreData, p: &Product) -> Map<String, Value> {
    let mut m = Map::new();
    let pname = |i: usize| {
        p.parameter_ids[i]
            .and_then(|id| st.variant_parameters.get(&id))
            .map(|vp| json!(vp.name))
            .unwrap_or(Value::Null)
    };
    m.insert("name".into(), json!(p.name));
    m.insert("url_handle".into(), json!(p.url_handle));
    m.insert("description".into(), json!(p.description));
    m.insert("short_description".into(), json!(p.short_description));
    for (k, v) in [
        ("active", &p.active),
        ("draft", &p.draft),
        ("digital", &p.digital),
        ("sale", &p.sale),
        ("new", &p.new),
        ("tracking", &p.tracking),
        ("shipping", &p.shipping),
        ("continue_selling", &p.continue_selling),
    ] {
        m.insert(k.into(), json!(v));
    }
    m.insert("threshold".into(), json!(p.threshold));
    m.insert("minimum".into(), json!(p.minimum));
    m.insert("featured".into(), json!(p.featured));
    m.insert("is_hidden".into(), json!(p.is_hidden));
    m.insert("sort_order".into(), json!(p.sort_order));
    m.insert("views".into(), json!(p.views));
    m.insert("category_id".into(), json!(p.category_id));
    m.insert("vendor_id".into(), json!(p.vendor_id));
    m.insert("image_id".into(), Value::Null);
    for i in 0..3 {
        m.insert(format!("p{}", i + 1), pname(i));
        m.insert(format!("p{}_id", i + 1), json!(p.parameter_ids[i]));
    }
    m.insert("price_from".into(), money(p.price_from));
    m.insert("price_to".into(), money(p.price_to));
    m.insert("tax_class".into(), json!(p.tax_class));
    m.insert("price_type".into(), json!("variant"));
    m.insert("individual_price".into(), json!(0));
    m.insert("price_percent".into(), Value::Null);
    m.insert("default_variant_id".into(), json!(p.default_variant_id));
    m.insert(
        "product_type".into(),
        json!(if p.digital == "yes" {
            "digital"
        } else {
            "simple"
        }),
    );
    m.insert("status_id".into(), Value::Null);
    m.insert("out_of_stock_id".into(), Value::Null);
    m.insert("date_added".into(), json!(iso(&p.date_added)));
    m.insert("date_modified".into(), json!(iso(&p.date_modified)));
    m.insert("deleted_at".into(), opt_time(&p.deleted_at));
    m
}

pub fn variant_attrs(st: &StoreData, v: &Variant) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("item_id".into(), json!(v.item_id));
    m.insert("sku".into(), json!(v.sku));
    m.insert("barcode".into(), json!(v.barcode));
    m.insert("price".into(), money(v.price));
    m.insert("delivery_price".into(), json!(v.delivery_price));
    m.insert("quantity".into(), quantity_json(v.quantity));
    m.insert("weight".into(), json!(v.weight));
    m.insert("minimum".into(), json!(v.minimum));
    for i in 0..3 {
        let name = v.option_ids[i]
            .and_then(|id| st.variant_options.get(&id))
            .map(|o| json!(o.name))
            .unwrap_or(Value::Null);
        m.insert(format!("v{}", i + 1), name);
        m.insert(format!("v{}_id", i + 1), json!(v.option_ids[i]));
    }
    m.insert("unit_id".into(), Value::Null);
    m.insert("unit_value".into(), Value::Null);
    m
}

fn parameter_attrs(p: &VariantParameter) -> Map<String, Value> {
    let v = json!({
        "name": p.name, "display_type": p.display_type, "sort": p.sort,
        "visible": p.visible, "in_listing": p.in_listing, "show_label": p.show_label,
    });
    v.as_object().cloned().unwrap_or_default()
}

fn option_attrs(o: &VariantOption) -> Map<String, Value> {
    let v = json!({
        "name": o.name, "parameter_id": o.parameter_id, "sort": o.sort,
        "color": o.color, "visible": o.visible, "image": null,
    });
    v.as_object().cloned().unwrap_or_default()
}

fn category_attrs(c: &Category) -> Map<String, Value> {
    let v = json!({
        "name": c.name, "parent_id": c.parent_id, "url_handle": c.url_handle,
        "description": c.description, "order": c.order,
        "created_at": iso(&c.created_at), "updated_at": iso(&c.updated_at),
    });
    v.as_object().cloned().unwrap_or_default()
}

fn customer_attrs(st: &StoreData, c: &Customer) -> Map<String, Value> {
    let orders: Vec<&Order> = st
        .orders
        .values()
        .filter(|o| o.customer_id == Some(c.id))
        .collect();
    let completed: Vec<&&Order> = orders
        .iter()
        .filter(|o| o.status == "completed" || o.status == "paid")
        .collect();
    let v = json!({
        "email": c.email, "first_name": c.first_name, "last_name": c.last_name,
        "alternative_phone": c.phone, "group_id": c.group_id, "note": c.note,
        "active": c.active, "marketing": c.marketing, "banned": c.banned,
        "income": completed.iter().map(|o| o.price_total).sum::<i64>(),
        "completed_orders": completed.len(),
        "orders_total": orders.len(),
        "orders_total_price": orders.iter().map(|o| o.price_total).sum::<i64>(),
        "last_order_date": orders.iter().map(|o| o.date_added).max().map(|t| iso(&t)),
        "date_added": iso(&c.date_added), "updated_at": iso(&c.updated_at),
        "date_banned": null,
    });
    v.as_object().cloned().unwrap_or_default()
}

fn order_attrs(o: &Order) -> Map<String, Value> {
    let v = json!({
        "status": o.status,
        "status_fulfillment": o.status_fulfillment,
        "currency": o.currency,
        "customer_id": o.customer_id,
        "customer_group_id": o.customer_group_id,
        "customer_first_name": o.customer_first_name,
        "customer_last_name": o.customer_last_name,
        "customer_email": o.customer_email,
        "customer_ip": o.customer_ip,
        "note_customer": o.note_customer,
        "note_administrator": o.note_administrator,
        "notify_customer": o.notify_customer,
        "abandoned": o.abandoned,
        "vat_included": o.vat_included,
        "email_sent": o.email_sent,
        "invoice_number": o.invoice_number,
        "invoice_date": opt_time(&o.invoice_date),
        "usn": o.usn,
        "locale": o.locale,
        "weight": o.weight,
        "quantity": quantity_json(Some(o.quantity)),
        "price_products_subtotal": money(o.price_products_subtotal),
        "price_subtotal": money(o.price_subtotal),
        "price_total": money(o.price_total),
        "date_added": iso(&o.date_added),
        "updated_at": iso(&o.updated_at),
        "date_archived": opt_time(&o.date_archived),
        "desired_delivery_date": o.desired_delivery_date,
    });
    v.as_object().cloned().unwrap_or_default()
}

fn order_product_attrs(order_id: u64, l: &OrderProduct) -> Map<String, Value> {
    let mut v = json!({
        "order_id": order_id, "product_id": l.product_id, "variant_id": l.variant_id,
        "name": l.name, "sku": l.sku, "barcode": l.barcode,
        "quantity": quantity_json(Some(l.quantity)), "weight": l.weight,
        "price": money(l.price), "order_price": money(l.order_price),
        "order_discount_id": l.order_discount_id, "order_fulfillment_id": l.order_fulfillment_id,
        "vendor_id": l.vendor_id, "vendor_name": l.vendor_name,
        "category_id": l.category_id, "category_name": l.category_name,
        "sale": l.sale, "new": l.new, "digital": l.digital, "tracked": l.tracked,
    });
    for i in 0..3 {
        v[format!("p{}", i + 1)] = json!(l.params[i]);
        v[format!("v{}", i + 1)] = json!(l.values[i]);
    }
    v.as_object().cloned().unwrap_or_default()
}

fn address_attrs(order_id: u64, a: &Address, billing: bool) -> Map<String, Value> {
    let mut v = json!({
        "order_id": order_id, "first_name": a.first_name, "last_name": a.last_name,
        "phone": a.phone, "country_iso2": a.country_iso2, "country_name": a.country_name,
        "state_name": a.state_name, "state_iso2": null, "city_name": a.city_name,
        "street_name": a.street_name, "street_number": a.street_number,
        "post_code": a.post_code, "formatted": a.formatted(),
    });
    if billing {
        v["company_name"] = json!(a.company_name);
        v["company_vat"] = json!(a.company_vat);
        v["company_registration_number"] = json!(a.company_registration_number);
        v["company_person"] = json!(a.company_person);
    } else {
        v["office_id"] = json!(a.office_id);
    }
    v.as_object().cloned().unwrap_or_default()
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn order_sub_rows(kind: Kind, o: &Order) -> Vec<(u64, Map<String, Value>)> {
    let oid = o.id;
    match kind {
        Kind::OrderProducts => o
            .products
            .iter()
            .map(|l| (l.id, order_product_attrs(oid, l)))
            .collect(),
        Kind::OrderPayment => {
            let p = &o.payment;
            vec![(
                p.id,
                obj(json!({
                    "order_id": oid, "provider": p.provider, "provider_name": p.provider_name,
                    "amount": money(p.amount), "status": p.status, "payment_status": p.status,
                    "provider_reference_id": p.provider_reference_id,
                    "down_payment": null, "allow_capture_authorization": "no",
                    "provider_data": null,
                    "date_created": iso(&p.date_created), "date_modified": iso(&p.date_modified),
                })),
            )]
        }
        Kind::OrderShipping => {
            let s = &o.shipping;
            vec![(
                s.id,
                obj(json!({
                    "order_id": oid, "provider_id": s.provider_id, "provider_name": s.provider_name,
                    "provider_amount": money(s.provider_amount),
                    "provider_amount_formatted": format!("{:.2} {}", s.provider_amount as f64 / 100.0, o.currency),
                    "provider_insurance": s.provider_insurance,
                    "order_has_insurance": s.order_has_insurance, "order_insurance": 0,
                    "geo_zone_id": s.geo_zone_id, "geo_zone_name": s.geo_zone_name,
                })),
            )]
        }
        Kind::OrderShippingAddress => vec![(
            o.shipping_address.id,
            address_attrs(oid, &o.shipping_address, false),
        )],
        Kind::OrderBillingAddress => vec![(
            o.billing_address.id,
            address_attrs(oid, &o.billing_address, true),
        )],
        Kind::OrderTotal => o
            .totals
            .iter()
            .map(|t| {
                (
                    t.id,
                    obj(json!({
                        "order_id": oid, "code": t.code, "title": t.title,
                        "value": money(t.value), "sort_order": t.sort_order,
                    })),
                )
            })
            .collect(),
        Kind::OrderTax => o
            .taxes
            .iter()
            .map(|t| {
                (
                    t.id,
                    obj(json!({
                        "order_id": oid, "name": t.name, "rate": format!("{:.2}", t.rate),
                        "value": money(t.value), "tax_id": t.tax_id, "class_id": null, "type": t.kind,
                    })),
                )
            })
            .collect(),
        Kind::OrderDiscount => o
            .discounts
            .iter()
            .map(|d| {
                (
                    d.id,
                    obj(json!({
                        "order_id": oid, "discount_id": d.discount_id,
                        "order_product_id": d.order_product_id, "parent_id": null,
                        "name": d.name, "code": d.code, "discount_type": d.discount_type,
                        "type_value": d.type_value, "value": money(d.value),
                        "order_over": null, "apply_regular_price": "no",
                    })),
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn webhook_attrs(w: &Webhook) -> Map<String, Value> {
    obj(json!({
        "url": w.url, "event": w.event, "active": if w.active { 1 } else { 0 },
        "new_version": w.new_version, "request_headers": w.request_headers,
        "api_key_id": w.api_key_id, "deliveries": w.deliveries,
        "created_at": iso(&w.created_at), "updated_at": iso(&w.updated_at),
    }))
}

fn payment_provider_attrs(p: &PaymentProvider) -> Map<String, Value> {
    obj(json!({
        "provider": p.provider, "title": p.title, "active": p.active,
        "image_url": p.image_url,
        "created_at": iso(&p.created_at), "updated_at": iso(&p.updated_at),
    }))
}

fn shipping_provider_attrs(s: &ShippingProvider) -> Map<String, Value> {
    obj(json!({
        "name": s.name, "description": s.description, "active": s.active,
        "provider_type": s.provider_type, "geo_zone_id": s.geo_zone_id,
        "insurance": s.insurance, "postal_money": s.postal_money, "external_id": s.external_id,
    }))
}

/// One rendered resource: its id and attributes.
pub type RenderedRow = (String, Map<String, Value>);

/// One page of the big kinds (products, variants) in natural id order, rendering only the rows
/// on the page: (total, rows). `None` for the other kinds, which are small.
pub fn page_of_rows(
    st: &StoreData,
    kind: Kind,
    skip: usize,
    take: usize,
) -> Option<(u64, Vec<RenderedRow>)> {
    match kind {
        Kind::Products => {
            let live = || st.products.values().filter(|p| p.deleted_at.is_none());
            let rows = live()
                .skip(skip)
                .take(take)
                .map(|p| (p.id.to_string(), product_attrs(st, p)))
                .collect();
            Some((live().count() as u64, rows))
        }
        Kind::Variants => {
            let live = || {
                st.variants
                    .values()
                    .filter(|v| st.live_product(v.item_id).is_some())
            };
            let rows = live()
                .skip(skip)
                .take(take)
                .map(|v| (v.id.to_string(), variant_attrs(st, v)))
                .collect();
            Some((live().count() as u64, rows))
        }
        _ => None,
    }
}

/// Every row of `kind` as (id, attributes), in natural id order, with the test overrides
/// ([`StoreData::attribute_overrides`]) applied.
pub fn all_rows(st: &StoreData, kind: Kind) -> Vec<(String, Map<String, Value>)> {
    let mut rows = rendered_rows(st, kind);
    if !st.attribute_overrides.is_empty() {
        for (id, attrs) in &mut rows {
            apply_overrides(st, kind, id, attrs);
        }
    }
    rows
}

fn apply_overrides(st: &StoreData, kind: Kind, id: &str, attrs: &mut Map<String, Value>) {
    if let Some(o) = st
        .attribute_overrides
        .get(&format!("{}/{id}", kind.type_name()))
    {
        for (k, v) in o {
            attrs.insert(k.clone(), v.clone());
        }
    }
}

fn rendered_rows(st: &StoreData, kind: Kind) -> Vec<(String, Map<String, Value>)> {
    let s = |id: u64| id.to_string();
    match kind {
        Kind::Products => st
            .products
            .values()
            .filter(|p| p.deleted_at.is_none())
            .map(|p| (s(p.id), product_attrs(st, p)))
            .collect(),
        Kind::Variants => st
            .variants
            .values()
            .filter(|v| st.live_product(v.item_id).is_some())
            .map(|v| (s(v.id), variant_attrs(st, v)))
            .collect(),
        Kind::VariantParameters => st
            .variant_parameters
            .values()
            .map(|p| (s(p.id), parameter_attrs(p)))
            .collect(),
        Kind::VariantOptions => st
            .variant_options
            .values()
            .map(|o| (s(o.id), option_attrs(o)))
            .collect(),
        Kind::Categories => st
            .categories
            .values()
            .map(|c| (s(c.id), category_attrs(c)))
            .collect(),
        Kind::Customers => st
            .customers
            .values()
            .map(|c| (s(c.id), customer_attrs(st, c)))
            .collect(),
        Kind::Orders => st
            .orders
            .values()
            .map(|o| (s(o.id), order_attrs(o)))
            .collect(),
        Kind::PaymentProviders => st
            .payment_providers
            .iter()
            .map(|p| (p.provider.clone(), payment_provider_attrs(p)))
            .collect(),
        Kind::ShippingProviders => st
            .shipping_providers
            .values()
            .map(|p| (s(p.id), shipping_provider_attrs(p)))
            .collect(),
        Kind::Webhooks => st
            .webhooks
            .values()
            .map(|w| (s(w.id), webhook_attrs(w)))
            .collect(),
        Kind::OrderModification => Vec::new(),
        sub => {
            let mut rows: Vec<(u64, Map<String, Value>)> = st
                .orders
                .values()
                .flat_map(|o| order_sub_rows(sub, o))
                .collect();
            rows.sort_by_key(|(id, _)| *id);
            rows.into_iter().map(|(id, m)| (s(id), m)).collect()
        }
    }
}

/// One row by id, with the test overrides applied.
pub fn one_row(st: &StoreData, kind: Kind, id: &str) -> Option<Map<String, Value>> {
    let mut attrs = rendered_row(st, kind, id)?;
    apply_overrides(st, kind, id, &mut attrs);
    Some(attrs)
}

fn rendered_row(st: &StoreData, kind: Kind, id: &str) -> Option<Map<String, Value>> {
    if kind == Kind::PaymentProviders {
        return st
            .payment_providers
            .iter()
            .find(|p| p.provider == id)
            .map(payment_provider_attrs);
    }
    let n: u64 = id.parse().ok()?;
    if id != n.to_string() {
        return None;
    }
    match kind {
        Kind::Products => st.live_product(n).map(|p| product_attrs(st, p)),
        Kind::Variants => st
            .variants
            .get(&n)
            .filter(|v| st.live_product(v.item_id).is_some())
            .map(|v| variant_attrs(st, v)),
        Kind::VariantParameters => st.variant_parameters.get(&n).map(parameter_attrs),
        Kind::VariantOptions => st.variant_options.get(&n).map(option_attrs),
        Kind::Categories => st.categories.get(&n).map(category_attrs),
        Kind::Customers => st.customers.get(&n).map(|c| customer_attrs(st, c)),
        Kind::Orders => st.orders.get(&n).map(order_attrs),
        Kind::ShippingProviders => st.shipping_providers.get(&n).map(shipping_provider_attrs),
        Kind::Webhooks => st.webhooks.get(&n).map(webhook_attrs),
        Kind::OrderModification | Kind::PaymentProviders => None,
        sub => order_of_sub(st, sub, n).and_then(|o| {
            order_sub_rows(sub, o)
                .into_iter()
                .find(|(rid, _)| *rid == n)
                .map(|(_, m)| m)
        }),
    }
}

fn one(kind: Kind, id: Option<u64>) -> Rel {
    Rel::One(id.map(|i| (kind, i.to_string())))
}

fn many(kind: Kind, ids: impl IntoIterator<Item = u64>) -> Rel {
    Rel::Many(ids.into_iter().map(|i| (kind, i.to_string())).collect())
}

/// Whether order `o` holds the sub-resource `kind`/`id` (without rendering).
fn order_holds(kind: Kind, o: &Order, id: u64) -> bool {
    match kind {
        Kind::OrderProducts => o.products.iter().any(|l| l.id == id),
        Kind::OrderPayment => o.payment.id == id,
        Kind::OrderShipping => o.shipping.id == id,
        Kind::OrderShippingAddress => o.shipping_address.id == id,
        Kind::OrderBillingAddress => o.billing_address.id == id,
        Kind::OrderTotal => o.totals.iter().any(|t| t.id == id),
        Kind::OrderTax => o.taxes.iter().any(|t| t.id == id),
        Kind::OrderDiscount => o.discounts.iter().any(|d| d.id == id),
        _ => false,
    }
}

fn order_of_sub(st: &StoreData, kind: Kind, id: u64) -> Option<&Order> {
    st.orders.values().find(|o| order_holds(kind, o, id))
}

/// All relationships of one resource, by name.
pub fn relationships(st: &StoreData, kind: Kind, id: &str) -> Vec<(&'static str, Rel)> {
    let Ok(n) = id.parse::<u64>() else {
        return Vec::new();
    };
    match kind {
        Kind::Products => {
            let Some(p) = st.products.get(&n) else {
                return Vec::new();
            };
            let mut v = vec![
                ("category", one(Kind::Categories, p.category_id)),
                ("vendor", Rel::One(None)),
                ("variant", one(Kind::Variants, p.default_variant_id)),
                ("images", Rel::Many(Vec::new())),
                ("image", Rel::One(None)),
                (
                    "variants",
                    many(Kind::Variants, st.variants_of(n).iter().map(|v| v.id)),
                ),
            ];
            for (i, name) in ["parameter1", "parameter2", "parameter3"]
                .into_iter()
                .enumerate()
            {
                v.push((name, one(Kind::VariantParameters, p.parameter_ids[i])));
            }
            v
        }
        Kind::Variants => {
            let Some(var) = st.variants.get(&n) else {
                return Vec::new();
            };
            let mut v = vec![("product", one(Kind::Products, Some(var.item_id)))];
            for (i, name) in ["option1", "option2", "option3"].into_iter().enumerate() {
                v.push((name, one(Kind::VariantOptions, var.option_ids[i])));
            }
            v
        }
        Kind::VariantParameters => {
            let opts = many(
                Kind::VariantOptions,
                st.variant_options
                    .values()
                    .filter(|o| o.parameter_id == n)
                    .map(|o| o.id),
            );
            vec![("variant-options", opts.clone()), ("options", opts)]
        }
        Kind::VariantOptions => vec![(
            "parameter",
            one(
                Kind::VariantParameters,
                st.variant_options.get(&n).map(|o| o.parameter_id),
            ),
        )],
        Kind::Categories => vec![(
            "parent",
            one(
                Kind::Categories,
                st.categories.get(&n).and_then(|c| c.parent_id),
            ),
        )],
        Kind::Customers => vec![(
            "orders",
            many(
                Kind::Orders,
                st.orders
                    .values()
                    .filter(|o| o.customer_id == Some(n))
                    .map(|o| o.id),
            ),
        )],
        Kind::Orders => {
            let Some(o) = st.orders.get(&n) else {
                return Vec::new();
            };
            vec![
                (
                    "products",
                    many(Kind::OrderProducts, o.products.iter().map(|l| l.id)),
                ),
                ("payment", one(Kind::OrderPayment, Some(o.payment.id))),
                (
                    "discounts",
                    many(Kind::OrderDiscount, o.discounts.iter().map(|d| d.id)),
                ),
                ("modifications", Rel::Many(Vec::new())),
                (
                    "totals",
                    many(Kind::OrderTotal, o.totals.iter().map(|t| t.id)),
                ),
                ("taxes", many(Kind::OrderTax, o.taxes.iter().map(|t| t.id))),
                ("shipping", one(Kind::OrderShipping, Some(o.shipping.id))),
                (
                    "shipping-address",
                    one(Kind::OrderShippingAddress, Some(o.shipping_address.id)),
                ),
                (
                    "billing-address",
                    one(Kind::OrderBillingAddress, Some(o.billing_address.id)),
                ),
                ("customer", one(Kind::Customers, o.customer_id)),
            ]
        }
        Kind::OrderShipping => {
            let o = order_of_sub(st, kind, n);
            vec![
                (
                    "provider",
                    one(
                        Kind::ShippingProviders,
                        o.and_then(|o| o.shipping.provider_id),
                    ),
                ),
                ("order", one(Kind::Orders, o.map(|o| o.id))),
            ]
        }
        Kind::OrderProducts
        | Kind::OrderPayment
        | Kind::OrderDiscount
        | Kind::OrderTotal
        | Kind::OrderTax
        | Kind::OrderShippingAddress
        | Kind::OrderBillingAddress => {
            let o = order_of_sub(st, kind, n);
            vec![("order", one(Kind::Orders, o.map(|o| o.id)))]
        }
        _ => Vec::new(),
    }
}

/// A full resource object. `included_rels` names include-only relationships
/// to show anyway (because the request included them).
pub fn resource_object(
    st: &StoreData,
    kind: Kind,
    id: &str,
    attrs: Map<String, Value>,
    included_rels: &[String],
    self_link: Option<&str>,
) -> Value {
    let mut rels = Map::new();
    for (name, rel) in relationships(st, kind, id) {
        let hidden = kind.include_only_relationships().contains(&name)
            && !included_rels.iter().any(|r| r == name);
        if hidden {
            continue;
        }
        rels.insert(name.to_string(), json!({ "data": rel.linkage() }));
    }
    let mut o = json!({
        "type": kind.type_name(),
        "id": id,
        "attributes": attrs,
    });
    if !rels.is_empty() {
        o["relationships"] = Value::Object(rels);
    }
    if let Some(base) = self_link {
        o["links"] = json!({ "self": format!("{base}/{}/{id}", kind.type_name()) });
    }
    o
}
