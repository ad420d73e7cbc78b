//! Decoding webhook deliveries (`order.created`/`order.updated` v2 payload, legacy
//! `product.*` payload) into the same model types. Webhook money is in **major units**
//! ([`WEBHOOK_MONEY_UNITS`]); the body is a JSON array (one element in practice).

use rust_decimal::Decimal;
use serde_json::Value;

use crate::convert::address;
use crate::decode::Obj;
use crate::error::Error;
use crate::model::*;
use crate::money::WEBHOOK_MONEY_UNITS;

type R<T> = Result<T, Error>;

fn elements(body: &[u8], what: &str) -> R<Vec<Value>> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| Error::decode(what, format!("the body is not JSON ({e})")))?;
    Ok(match v {
        Value::Array(items) => items,
        Value::Object(ref m) if m.contains_key("data") => match v.get("data") {
            Some(Value::Array(items)) => items.clone(),
            Some(one @ Value::Object(_)) => vec![one.clone()],
            _ => Vec::new(),
        },
        obj @ Value::Object(_) => vec![obj],
        other => return Err(Error::decode(what, format!("the body is {other}"))),
    })
}

fn required_id(o: &Obj<'_>, what: &str) -> R<Id> {
    o.id("id")?
        .ok_or_else(|| Error::decode(what, "field `id` is missing"))
}

/// Decodes an `order.created` / `order.updated` delivery (v2 payload).
///
/// Mapping: `order_total` → `price_total`, `order_subtotal` → `price_subtotal`, `created_at` →
/// `date_added`, `products[]` → lines (`unit_line_price` → `price`, `unit_line_price_total` →
/// `order_price`), `payment`, `shipping[0]`, both addresses. Totals, taxes and discounts of
/// the webhook have unconfirmed shapes and are left empty.
pub fn decode_order_webhook(body: &[u8]) -> R<Vec<Order>> {
    const WHAT: &str = "order webhook";
    let units = WEBHOOK_MONEY_UNITS;
    elements(body, WHAT)?
        .iter()
        .map(|v| {
            let o = Obj::of(v, WHAT);
            let customer = o.object("customer");
            let lines = o
                .array("products")
                .iter()
                .map(|p| {
                    let p = Obj::of(p, WHAT);
                    Ok(OrderLine {
                        id: required_id(&p, WHAT)?,
                        product_id: p.id("product_id")?,
                        variant_id: p.id("variant_id")?,
                        name: p.text("name")?,
                        sku: p.text("sku")?,
                        barcode: p.text("barcode")?,
                        quantity: p.decimal("quantity")?.unwrap_or(Decimal::ZERO),
                        price: p.money("unit_line_price", units)?,
                        order_price: p.money("unit_line_price_total", units)?,
                    })
                })
                .collect::<R<Vec<_>>>()?;
            let payment_obj = {
                let single = o.object("payment");
                if single.is_present() {
                    single
                } else {
                    o.array("payments")
                        .first()
                        .map(|p| Obj::of(p, WHAT))
                        .unwrap_or(single)
                }
            };
            let payment = if payment_obj.is_present() {
                Some(OrderPayment {
                    id: required_id(&payment_obj, WHAT)?,
                    provider: payment_obj.text("provider")?,
                    provider_name: payment_obj.text("provider_name")?,
                    amount: payment_obj.money("amount", units)?,
                    status: payment_obj.text("status")?,
                })
            } else {
                None
            };
            let shipping = match o.array("shipping").first() {
                Some(s) => {
                    let s = Obj::of(s, WHAT);
                    Some(OrderShipping {
                        provider_id: s.id("provider_id")?,
                        provider_name: s.text("provider_name")?,
                        provider_amount: s.money("provider_amount", units)?,
                        provider_type: s.text("provider_key")?,
                    })
                }
                None => None,
            };
            let addr = |key: &str| -> R<Option<Address>> {
                let a = o.object(key);
                if a.is_present() {
                    address(&a).map(Some)
                } else {
                    Ok(None)
                }
            };
            Ok(Order {
                id: required_id(&o, WHAT)?,
                status: o.text("status")?,
                status_fulfillment: o.text("status_fulfillment")?,
                currency: o.text("currency")?,
                price_total: o.money_any(&["order_total", "price_total"], units)?,
                price_subtotal: o.money_any(&["order_subtotal", "price_subtotal"], units)?,
                price_products_subtotal: o.money("price_products_subtotal", units)?,
                vat_included: o.flag("vat_included")?,
                customer_id: customer.id("id")?.or(o.id("customer_id")?),
                customer_email: customer.text("email")?.or(o.text("customer_email")?),
                customer_first_name: customer.text("first_name")?,
                customer_last_name: customer.text("last_name")?,
                note_customer: customer.text("note")?,
                note_administrator: o.text("note_administrator")?,
                usn: o.text("usn")?,
                invoice_number: o.text("invoice_number")?,
                invoice_date: o.timestamp("invoice_date")?,
                date_added: match o.timestamp("created_at")? {
                    Some(t) => Some(t),
                    None => o.timestamp("date_added")?,
                },
                updated_at: o.timestamp("updated_at")?,
                lines,
                payment,
                discounts: Vec::new(),
                totals: Vec::new(),
                taxes: Vec::new(),
                shipping,
                billing_address: addr("billing_address")?,
                shipping_address: addr("shipping_address")?,
            })
        })
        .collect()
}

/// Decodes a `product.created` / `product.updated` delivery (legacy payload: strings,
/// "yes"/"no" flags, prices like `"1.00"`).
pub fn decode_product_webhook(body: &[u8]) -> R<Vec<Product>> {
    const WHAT: &str = "product webhook";
    let units = WEBHOOK_MONEY_UNITS;
    elements(body, WHAT)?
        .iter()
        .map(|v| {
            let o = Obj::of(v, WHAT);
            let id = required_id(&o, WHAT)?;
            let variants = o
                .array("variants")
                .iter()
                .map(|x| {
                    let x = Obj::of(x, WHAT);
                    Ok(Variant {
                        id: required_id(&x, WHAT)?,
                        product_id: x.id("item_id")?.or_else(|| Some(id.clone())),
                        sku: x.text("sku")?,
                        barcode: x.text("barcode")?,
                        price: x.money("price", units)?,
                        quantity: x.decimal("quantity")?,
                        delivery_price: x.money("delivery_price", units)?,
                        weight: x.decimal("weight")?,
                        option_ids: (1..=3)
                            .map(|i| x.id(&format!("v{i}_id")))
                            .collect::<R<_>>()?,
                        option_names: (1..=3)
                            .map(|i| x.text(&format!("v{i}")))
                            .collect::<R<_>>()?,
                    })
                })
                .collect::<R<Vec<_>>>()?;
            let category = o.object("category");
            Ok(Product {
                id,
                name: o
                    .text("name")?
                    .ok_or_else(|| Error::decode(WHAT, "field `name` is missing"))?,
                url_handle: o.text("url_handle")?,
                active: o.flag("active")?,
                draft: o.flag("draft")?,
                tracking: o.flag("tracking")?,
                continue_selling: o.flag("continue_selling")?,
                category_id: category.id("id")?.or(o.id("category_id")?),
                vendor_id: o.id("vendor_id")?,
                default_variant_id: o.id("default_variant_id")?,
                price_from: o.money("price_from", units)?,
                price_to: o.money("price_to", units)?,
                parameter_ids: (1..=3)
                    .map(|i| o.id(&format!("p{i}_id")))
                    .collect::<R<_>>()?,
                tax_class: o.text_any(crate::convert::PRODUCT_TAX_CLASS_FIELDS)?,
                date_added: o.timestamp("date_added")?,
                date_modified: o.timestamp("date_modified")?,
                variants,
            })
        })
        .collect()
}
