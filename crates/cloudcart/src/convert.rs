//! Resource objects → model types. Every money field goes through [`MoneyUnits`].

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::Value;

use crate::decode::Obj;
use crate::error::Error;
use crate::jsonapi::{Document, Resource};
use crate::model::*;
use crate::money::MoneyUnits;

type R<T> = Result<T, Error>;

/// Included types, with the spellings seen or plausible.
pub(crate) const LINE_TYPES: &[&str] = &["order-products", "order-product"];
pub(crate) const PAYMENT_TYPES: &[&str] = &["order-payment", "order-payments"];
pub(crate) const DISCOUNT_TYPES: &[&str] = &["order-discount", "order-discounts"];
pub(crate) const TOTAL_TYPES: &[&str] = &["order-total", "order-totals"];
pub(crate) const TAX_TYPES: &[&str] = &["order-tax", "order-taxes"];
pub(crate) const SHIPPING_TYPES: &[&str] = &["order-shipping"];
pub(crate) const SHIPPING_ADDRESS_TYPES: &[&str] =
    &["order-shipping-address", "order-shipping-addresses"];
pub(crate) const BILLING_ADDRESS_TYPES: &[&str] =
    &["order-billing-address", "order-billing-addresses"];
pub(crate) const SHIPPING_PROVIDER_TYPES: &[&str] = &["shipping-providers", "shipping-provider"];
pub(crate) const VARIANT_TYPES: &[&str] = &["variants", "variant"];

/// The `include` of a full order.
pub(crate) const ORDER_INCLUDE: &str =
    "products,payment,discounts,totals,taxes,shipping.provider,shipping-address,billing-address";

fn name_of(a: &Obj<'_>, r: &Resource) -> R<String> {
    a.text("name")?
        .ok_or_else(|| Error::decode(format!("{}/{}", r.kind, r.id), "field `name` is missing"))
}

pub(crate) fn variant(r: &Resource, units: MoneyUnits) -> R<Variant> {
    let a = r.attrs();
    let product_id = match a.id("item_id")? {
        Some(id) => Some(id),
        None => r.related_id("product"),
    };
    Ok(Variant {
        id: r.id.clone(),
        product_id,
        sku: a.text("sku")?,
        barcode: a.text("barcode")?,
        price: a.money("price", units)?,
        quantity: a.decimal("quantity")?,
        delivery_price: a.money("delivery_price", units)?,
        weight: a.decimal("weight")?,
        option_ids: (1..=3)
            .map(|i| a.id(&format!("v{i}_id")))
            .collect::<R<_>>()?,
        option_names: (1..=3)
            .map(|i| a.text(&format!("v{i}")))
            .collect::<R<_>>()?,
    })
}

/// Where a product's VAT class is read from, the first present winning. Unconfirmed: the API
/// pages list no such attribute; these are the names CloudCart's own tables would give it.
pub const PRODUCT_TAX_CLASS_FIELDS: &[&str] = &["tax_class", "tax_class_id"];

pub(crate) fn product(r: &Resource, doc: &Document, units: MoneyUnits) -> R<Product> {
    let a = r.attrs();
    let mut variants = Vec::new();
    let linked: Vec<Id> = r
        .related("variants")
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    for inc in doc.included_of(VARIANT_TYPES) {
        let v = variant(inc, units)?;
        let mine = linked.contains(&inc.id) || v.product_id.as_ref() == Some(&r.id);
        if mine {
            variants.push(v);
        }
    }
    variants.sort_by(|x, y| id_order(&x.id, &y.id));
    variants.dedup_by(|x, y| x.id == y.id);
    Ok(Product {
        id: r.id.clone(),
        name: name_of(&a, r)?,
        url_handle: a.text("url_handle")?,
        active: a.flag("active")?,
        draft: a.flag("draft")?,
        tracking: a.flag("tracking")?,
        continue_selling: a.flag("continue_selling")?,
        category_id: a.id("category_id")?.or_else(|| r.related_id("category")),
        vendor_id: a.id("vendor_id")?.or_else(|| r.related_id("vendor")),
        default_variant_id: a
            .id("default_variant_id")?
            .or_else(|| r.related_id("variant")),
        price_from: a.money("price_from", units)?,
        price_to: a.money("price_to", units)?,
        parameter_ids: (1..=3)
            .map(|i| a.id(&format!("p{i}_id")))
            .collect::<R<_>>()?,
        tax_class: a.text_any(PRODUCT_TAX_CLASS_FIELDS)?,
        date_added: a.timestamp("date_added")?,
        date_modified: a.timestamp("date_modified")?,
        variants,
    })
}

/// Numeric ids in numeric order, others after, by text.
pub(crate) fn id_order(a: &Id, b: &Id) -> std::cmp::Ordering {
    match (a.as_str().parse::<u64>(), b.as_str().parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.as_str().cmp(b.as_str()),
    }
}

pub(crate) fn variant_parameter(r: &Resource) -> R<VariantParameter> {
    let a = r.attrs();
    Ok(VariantParameter {
        id: r.id.clone(),
        name: name_of(&a, r)?,
        display_type: a.text("display_type")?,
    })
}

pub(crate) fn variant_option(r: &Resource) -> R<VariantOption> {
    let a = r.attrs();
    let parameter_id = match a.id("parameter_id")? {
        Some(id) => Some(id),
        None => r
            .related_id("parameter")
            .or_else(|| r.related_id("variant-parameter")),
    };
    Ok(VariantOption {
        id: r.id.clone(),
        parameter_id,
        name: name_of(&a, r)?,
    })
}

pub(crate) fn category(r: &Resource) -> R<Category> {
    let a = r.attrs();
    let parent_id = match a.id("parent_id")? {
        Some(id) if id.as_str() != "0" => Some(id),
        Some(_) => None,
        None => r.related_id("parent"),
    };
    Ok(Category {
        id: r.id.clone(),
        name: name_of(&a, r)?,
        parent_id,
        url_handle: a.text("url_handle")?,
    })
}

pub(crate) fn customer(r: &Resource) -> R<Customer> {
    let a = r.attrs();
    Ok(Customer {
        id: r.id.clone(),
        email: a.text("email")?,
        first_name: a.text("first_name")?,
        last_name: a.text("last_name")?,
        group_id: a.id("group_id")?.or_else(|| r.related_id("group")),
        active: a.flag("active")?,
        date_added: a.timestamp("date_added")?,
        updated_at: a.timestamp("updated_at")?,
    })
}

pub(crate) fn payment_provider(r: &Resource) -> R<PaymentProvider> {
    let a = r.attrs();
    Ok(PaymentProvider {
        id: r.id.clone(),
        provider: a.text("provider")?,
        title: a.text_any(&["title", "name"])?,
        active: a.flag("active")?,
    })
}

pub(crate) fn shipping_provider(r: &Resource) -> R<ShippingProvider> {
    let a = r.attrs();
    Ok(ShippingProvider {
        id: r.id.clone(),
        name: a.text("name")?,
        provider_type: a.text("provider_type")?,
        active: a.flag("active")?,
        postal_money: a.flag("postal_money")?,
    })
}

pub(crate) fn webhook(r: &Resource) -> R<Webhook> {
    let a = r.attrs();
    let ctx = format!("webhooks/{}", r.id);
    Ok(Webhook {
        id: r.id.clone(),
        url: a
            .text("url")?
            .ok_or_else(|| Error::decode(&ctx, "field `url` is missing"))?,
        event: a
            .text("event")?
            .ok_or_else(|| Error::decode(&ctx, "field `event` is missing"))?,
        active: a.flag("active")?,
        new_version: a.flag("new_version")?,
        request_headers: headers_map(a.raw("request_headers")),
    })
}

/// `request_headers` as an object map, or (tolerated) an array of `{name, value}`.
fn headers_map(v: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                if let Ok(Some(t)) = crate::decode::text(v) {
                    out.insert(k.clone(), t);
                }
            }
        }
        Value::Array(items) => {
            for i in items {
                if let (Some(k), Some(v)) = (
                    i.get("name").and_then(Value::as_str),
                    i.get("value").and_then(Value::as_str),
                ) {
                    out.insert(k.to_owned(), v.to_owned());
                }
            }
        }
        _ => {}
    }
    out
}

pub(crate) fn address(a: &Obj<'_>) -> R<Address> {
    Ok(Address {
        first_name: a.text("first_name")?,
        last_name: a.text("last_name")?,
        phone: a.text("phone")?,
        company_name: a.text("company_name")?,
        company_vat: a.text("company_vat")?,
        company_registration_number: a.text("company_registration_number")?,
        company_person: a.text("company_person")?,
        country_iso2: a.text_any(&["country_iso2", "country"])?,
        country_name: a.text("country_name")?,
        state: a.text_any(&["state_name", "state"])?,
        city: a.text_any(&["city_name", "city"])?,
        street: a.text_any(&["street_name", "street"])?,
        street_number: a.text("street_number")?,
        post_code: a.text_any(&["post_code", "postal_code"])?,
        office_id: a.text("office_id")?,
        formatted: a.text("formatted")?,
    })
}

fn order_line(r: &Resource, units: MoneyUnits) -> R<OrderLine> {
    let a = r.attrs();
    Ok(OrderLine {
        id: r.id.clone(),
        product_id: a.id("product_id")?,
        variant_id: a.id("variant_id")?,
        name: a.text("name")?,
        sku: a.text("sku")?,
        barcode: a.text("barcode")?,
        quantity: a.decimal("quantity")?.unwrap_or(Decimal::ZERO),
        price: a.money("price", units)?,
        order_price: a.money("order_price", units)?,
    })
}

/// Whether an included resource belongs to this order: linked from one of its relationships, or
/// carrying its `order_id`, or (for a single-order document) carrying no order reference at all.
fn belongs(order: &Resource, inc: &Resource, single: bool) -> bool {
    let linked = order.relationships.keys().any(|rel| {
        order
            .related(rel)
            .iter()
            .any(|(k, id)| *k == inc.kind && *id == inc.id)
    });
    if linked {
        return true;
    }
    match inc.attrs().id("order_id") {
        Ok(Some(oid)) => oid == order.id,
        _ => single && !order_has_linkage_of(order, &inc.kind),
    }
}

fn order_has_linkage_of(order: &Resource, kind: &str) -> bool {
    order
        .relationships
        .keys()
        .any(|rel| order.related(rel).iter().any(|(k, _)| k == kind))
}

pub(crate) fn order(r: &Resource, doc: &Document, units: MoneyUnits) -> R<Order> {
    let a = r.attrs();
    let single = doc.data.len() == 1;
    let mine = |kinds: &'static [&'static str]| -> Vec<&Resource> {
        doc.included_of(kinds)
            .filter(|i| belongs(r, i, single))
            .collect()
    };
    let mut lines = mine(LINE_TYPES)
        .into_iter()
        .map(|i| order_line(i, units))
        .collect::<R<Vec<_>>>()?;
    lines.sort_by(|x, y| id_order(&x.id, &y.id));
    let payment = mine(PAYMENT_TYPES)
        .into_iter()
        .next()
        .map(|p| {
            let a = p.attrs();
            R::Ok(OrderPayment {
                id: p.id.clone(),
                provider: a.text("provider")?,
                provider_name: a.text("provider_name")?,
                amount: a.money("amount", units)?,
                status: a.text("status")?,
            })
        })
        .transpose()?;
    let discounts = mine(DISCOUNT_TYPES)
        .into_iter()
        .map(|d| {
            let a = d.attrs();
            Ok(OrderDiscount {
                id: d.id.clone(),
                order_product_id: a.id("order_product_id")?,
                name: a.text("name")?,
                code: a.text("code")?,
                discount_type: a.text("discount_type")?,
                type_value: a.decimal("type_value")?,
                value: a.money("value", units)?,
            })
        })
        .collect::<R<Vec<_>>>()?;
    let mut totals = mine(TOTAL_TYPES)
        .into_iter()
        .map(|t| {
            let a = t.attrs();
            Ok(OrderTotal {
                code: a.text("code")?,
                title: a.text("title")?,
                value: a.money("value", units)?,
                sort_order: a.int("sort_order")?,
            })
        })
        .collect::<R<Vec<_>>>()?;
    totals.sort_by_key(|t| t.sort_order.unwrap_or(i64::MAX));
    let taxes = mine(TAX_TYPES)
        .into_iter()
        .map(|t| {
            let a = t.attrs();
            Ok(OrderTax {
                name: a.text("name")?,
                rate: a.decimal("rate")?,
                value: a.money("value", units)?,
                tax_type: a.text("type")?,
            })
        })
        .collect::<R<Vec<_>>>()?;
    let shipping = mine(SHIPPING_TYPES)
        .into_iter()
        .next()
        .map(|s| {
            let a = s.attrs();
            let provider_id = a.id("provider_id")?.or_else(|| s.related_id("provider"));
            let provider_type = provider_id.as_ref().and_then(|pid| {
                doc.included_of(SHIPPING_PROVIDER_TYPES)
                    .find(|p| p.id == *pid)
                    .and_then(|p| p.attrs().text("provider_type").ok().flatten())
            });
            R::Ok(OrderShipping {
                provider_id,
                provider_name: a.text("provider_name")?,
                provider_amount: a.money("provider_amount", units)?,
                provider_type,
            })
        })
        .transpose()?;
    let billing_address = mine(BILLING_ADDRESS_TYPES)
        .into_iter()
        .next()
        .map(|b| address(&b.attrs()))
        .transpose()?;
    let shipping_address = mine(SHIPPING_ADDRESS_TYPES)
        .into_iter()
        .next()
        .map(|b| address(&b.attrs()))
        .transpose()?;
    Ok(Order {
        id: r.id.clone(),
        status: a.text("status")?,
        status_fulfillment: a.text("status_fulfillment")?,
        currency: a.text("currency")?,
        price_total: a.money("price_total", units)?,
        price_subtotal: a.money("price_subtotal", units)?,
        price_products_subtotal: a.money("price_products_subtotal", units)?,
        vat_included: a.flag("vat_included")?,
        customer_id: a.id("customer_id")?,
        customer_email: a.text("customer_email")?,
        customer_first_name: a.text("customer_first_name")?,
        customer_last_name: a.text("customer_last_name")?,
        note_customer: a.text("note_customer")?,
        note_administrator: a.text("note_administrator")?,
        usn: a.text("usn")?,
        invoice_number: a.text("invoice_number")?,
        invoice_date: a.timestamp("invoice_date")?,
        date_added: a.timestamp("date_added")?,
        updated_at: a.timestamp("updated_at")?,
        lines,
        payment,
        discounts,
        totals,
        taxes,
        shipping,
        billing_address,
        shipping_address,
    })
}

/// `GET /order-status` is not JSON:API: `{data:[{id,name,slug,status_type}]}` (an `attributes`
/// wrapper is tolerated too).
pub(crate) fn order_statuses(v: &Value, context: &str) -> R<Vec<OrderStatus>> {
    let items: Vec<&Value> = match v.get("data").unwrap_or(v) {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        one @ Value::Object(_) => vec![one],
        other => return Err(Error::decode(context, format!("`data` is {other}"))),
    };
    items
        .into_iter()
        .map(|item| {
            let top = Obj::of(item, context);
            let attrs = top.object("attributes");
            let a = if attrs.is_present() { attrs } else { top };
            let id = top
                .id("id")?
                .ok_or_else(|| Error::decode(context, "an order status has no id"))?;
            Ok(OrderStatus {
                id,
                name: a.text("name")?,
                slug: a.text("slug")?,
                status_type: a.text("status_type")?,
            })
        })
        .collect()
}
