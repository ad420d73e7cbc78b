//! What happens on the shop's side: shoppers placing orders, the merchant
//! changing statuses, and the webhook events those fire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::clock::iso;
use crate::model::*;
use crate::state::{PendingDelivery, State};

/// VAT rate of generated orders (Bulgarian standard rate), in percent.
pub const VAT_RATE_PERCENT: i64 = 20;

/// One line of [`PlaceOrder`].
#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct PlaceOrderLine {
    pub variant_id: u64,
    pub quantity: f64,
}

/// A company on the billing address.
#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct Company {
    pub name: String,
    /// ЕИК / Булстат.
    pub eik: String,
    /// ДДС number, e.g. `BG123456789`; None for companies not registered for VAT.
    pub vat: Option<String>,
    /// МОЛ.
    pub person: String,
}

/// The shopper's details at checkout.
#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct Shopper {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub city: String,
    pub post_code: String,
    pub street: String,
    pub street_number: Option<String>,
    pub company: Option<Company>,
}

/// An order as a shopper would place it in the storefront.
#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct PlaceOrder {
    pub lines: Vec<PlaceOrderLine>,
    /// An existing customer; otherwise `customer` (or a default shopper) is
    /// used and a customer is created or matched by e-mail.
    pub customer_id: Option<u64>,
    pub customer: Option<Shopper>,
    /// Payment provider code; default `cod`.
    pub payment_provider: Option<String>,
    /// Default: the first shipping provider.
    pub shipping_provider_id: Option<u64>,
    /// Minor units; default 590.
    pub shipping_amount: Option<i64>,
    /// Order-level percentage discount.
    pub discount_percent: Option<u32>,
    /// Default `EUR`.
    pub currency: Option<String>,
    pub note_customer: Option<String>,
    /// Override of the creation time (default: the sandbox clock's now).
    pub date_added: Option<DateTime<Utc>>,
}

fn default_shopper() -> Shopper {
    Shopper {
        first_name: "Иван".into(),
        last_name: "Петров".into(),
        email: "ivan.petrov@example.bg".into(),
        phone: Some("+359888123456".into()),
        city: "София".into(),
        post_code: "1000".into(),
        street: "ул. Граф Игнатиев".into(),
        street_number: Some("12".into()),
        company: None,
    }
}

/// Places an order. `check_stock`: refuse lines beyond stock for tracked
/// products that do not continue selling.
pub(crate) fn place_order(
    st: &mut State,
    now: DateTime<Utc>,
    po: &PlaceOrder,
    check_stock: bool,
) -> Result<u64, String> {
    if po.lines.is_empty() {
        return Err("an order needs at least one line".into());
    }
    let store = &mut st.store;
    let date = po.date_added.unwrap_or(now);
    // Validate lines first.
    for l in &po.lines {
        if l.quantity <= 0.0 {
            return Err(format!("quantity of variant {} must be > 0", l.variant_id));
        }
        let v = store
            .variants
            .get(&l.variant_id)
            .ok_or_else(|| format!("unknown variant {}", l.variant_id))?;
        let p = store
            .live_product(v.item_id)
            .ok_or_else(|| format!("variant {} has no live product", l.variant_id))?;
        if check_stock
            && p.tracking == "yes"
            && p.continue_selling != "yes"
            && let Some(q) = v.quantity
            && q < l.quantity
        {
            return Err(format!("variant {} has only {} in stock", l.variant_id, q));
        }
    }
    let payment_code = po.payment_provider.clone().unwrap_or_else(|| "cod".into());
    let provider = store
        .payment_providers
        .iter()
        .find(|p| p.provider == payment_code)
        .cloned()
        .ok_or_else(|| format!("unknown payment provider {payment_code}"))?;
    let ship = match po.shipping_provider_id {
        Some(id) => store
            .shipping_providers
            .get(&id)
            .cloned()
            .ok_or_else(|| format!("unknown shipping provider {id}"))?,
        None => store
            .shipping_providers
            .values()
            .next()
            .cloned()
            .ok_or("the store has no shipping provider")?,
    };

    // Customer.
    let (customer_id, shopper) = match po.customer_id {
        Some(cid) => {
            let c = store
                .customers
                .get(&cid)
                .ok_or_else(|| format!("unknown customer {cid}"))?;
            let mut s = po.customer.clone().unwrap_or_else(default_shopper);
            s.first_name = c.first_name.clone();
            s.last_name = c.last_name.clone();
            s.email = c.email.clone();
            (cid, s)
        }
        None => {
            let s = po.customer.clone().unwrap_or_else(default_shopper);
            let existing = store
                .customers
                .values()
                .find(|c| c.email.eq_ignore_ascii_case(&s.email))
                .map(|c| c.id);
            let cid = match existing {
                Some(id) => id,
                None => {
                    let id = store.next_id("customers");
                    store.customers.insert(
                        id,
                        Customer {
                            id,
                            email: s.email.clone(),
                            first_name: s.first_name.clone(),
                            last_name: s.last_name.clone(),
                            phone: s.phone.clone(),
                            group_id: Some(1),
                            note: None,
                            active: "yes".into(),
                            marketing: "no".into(),
                            banned: "no".into(),
                            date_added: date,
                            updated_at: date,
                        },
                    );
                    id
                }
            };
            (cid, s)
        }
    };

    let order_id = store.next_id("orders");
    let pct = i64::from(po.discount_percent.unwrap_or(0).min(100));
    let mut lines = Vec::new();
    let mut products_subtotal = 0i64;
    let mut discount_total = 0i64;
    let mut weight = 0i64;
    let mut qty_total = 0.0;
    for l in &po.lines {
        let v = store
            .variants
            .get(&l.variant_id)
            .cloned()
            .unwrap_or_default();
        let p = store.products.get(&v.item_id).cloned().unwrap_or_default();
        let cat = p
            .category_id
            .and_then(|c| store.categories.get(&c))
            .cloned();
        let order_price = v.price - v.price * pct / 100;
        let line_total = (v.price as f64 * l.quantity).round() as i64;
        let line_after = (order_price as f64 * l.quantity).round() as i64;
        products_subtotal += line_total;
        discount_total += line_total - line_after;
        weight += (v.weight.unwrap_or(0) as f64 * l.quantity).round() as i64;
        qty_total += l.quantity;
        let mut params: [Option<String>; 3] = Default::default();
        let mut values: [Option<String>; 3] = Default::default();
        for i in 0..3 {
            params[i] = p.parameter_ids[i]
                .and_then(|id| store.variant_parameters.get(&id))
                .map(|x| x.name.clone());
            values[i] = v.option_ids[i]
                .and_then(|id| store.variant_options.get(&id))
                .map(|x| x.name.clone());
        }
        let line_id = store.next_id("order-products");
        lines.push(OrderProduct {
            id: line_id,
            product_id: Some(p.id),
            variant_id: Some(v.id),
            name: p.name.clone(),
            sku: v.sku.clone(),
            barcode: v.barcode.clone(),
            quantity: l.quantity,
            weight: v.weight.unwrap_or(0),
            price: v.price,
            order_price,
            order_discount_id: None,
            order_fulfillment_id: None,
            params,
            values,
            vendor_id: None,
            vendor_name: None,
            category_id: cat.as_ref().map(|c| c.id),
            category_name: cat.map(|c| c.name),
            sale: p.sale.clone(),
            new: p.new.clone(),
            digital: p.digital.clone(),
            tracked: p.tracking.clone(),
        });
        // Stock: decrement at checkout for tracked products, clamped at 0.
        if p.tracking == "yes" {
            if let Some(var) = store.variants.get_mut(&v.id)
                && let Some(q) = var.quantity
            {
                var.quantity = Some((q - l.quantity).max(0.0));
            }
            if let Some(prod) = store.products.get_mut(&p.id) {
                prod.date_modified = date;
            }
        }
    }
    let subtotal = products_subtotal - discount_total;
    let shipping_amount = po.shipping_amount.unwrap_or(590).max(0);
    let total = subtotal + shipping_amount;
    let vat = total - (total as f64 * 100.0 / (100 + VAT_RATE_PERCENT) as f64).round() as i64;

    let mut discounts = Vec::new();
    if discount_total > 0 {
        discounts.push(OrderDiscount {
            id: store.next_id("order-discount"),
            discount_id: Some(1),
            order_product_id: None,
            name: format!("Отстъпка {pct}%"),
            code: Some(format!("PROMO{pct}")),
            discount_type: "percent".into(),
            type_value: pct * 100,
            value: discount_total,
        });
    }
    let mut totals = Vec::new();
    let mut push_total = |store: &mut StoreData, code: &str, title: &str, value: i64| {
        let id = store.next_id("order-total");
        let sort_order = totals.len() as i64 + 1;
        totals.push(OrderTotal {
            id,
            code: code.into(),
            title: title.into(),
            value,
            sort_order,
        });
    };
    push_total(store, "subtotal", "Междинна сума", products_subtotal);
    if discount_total > 0 {
        push_total(store, "discount", "Отстъпка", -discount_total);
    }
    push_total(store, "shipping", "Доставка", shipping_amount);
    push_total(store, "tax", "ДДС 20% (включен)", vat);
    push_total(store, "grand_total", "Общо", total);
    let taxes = vec![OrderTax {
        id: store.next_id("order-tax"),
        name: "ДДС 20%".into(),
        rate: VAT_RATE_PERCENT as f64,
        value: vat,
        tax_id: Some(1),
        kind: "included".into(),
    }];
    let pay_status = match provider.provider.as_str() {
        "cod" => "requested",
        "bank_transfer" => "pending",
        _ => "completed",
    };
    let status = if pay_status == "completed" {
        "paid"
    } else {
        "pending"
    };
    let address = |store: &mut StoreData, billing: bool| {
        let company = shopper.company.as_ref().filter(|_| billing);
        Address {
            id: store.next_id("order-address"),
            first_name: shopper.first_name.clone(),
            last_name: shopper.last_name.clone(),
            phone: shopper.phone.clone(),
            company_name: company.map(|c| c.name.clone()),
            company_vat: company.and_then(|c| c.vat.clone()),
            company_registration_number: company.map(|c| c.eik.clone()),
            company_person: company.map(|c| c.person.clone()),
            country_iso2: "BG".into(),
            country_name: "България".into(),
            state_name: None,
            city_name: shopper.city.clone(),
            street_name: shopper.street.clone(),
            street_number: shopper.street_number.clone(),
            post_code: shopper.post_code.clone(),
            office_id: None,
        }
    };
    let shipping_address = address(store, false);
    let billing_address = address(store, true);
    let payment = OrderPayment {
        id: store.next_id("order-payment"),
        provider: provider.provider.clone(),
        provider_name: provider.title.clone(),
        amount: total,
        status: pay_status.into(),
        provider_reference_id: (pay_status == "completed").then(|| format!("TX{order_id}")),
        date_created: date,
        date_modified: date,
    };
    let shipping = OrderShipping {
        id: store.next_id("order-shipping"),
        provider_id: Some(ship.id),
        provider_name: ship.name.clone(),
        provider_amount: shipping_amount,
        provider_insurance: 0,
        order_has_insurance: "no".into(),
        geo_zone_id: ship.geo_zone_id,
        geo_zone_name: Some("България".into()),
    };
    let order = Order {
        id: order_id,
        hash: format!("{:016x}", order_id.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        status: status.into(),
        status_fulfillment: "not_fulfilled".into(),
        currency: po.currency.clone().unwrap_or_else(|| "EUR".into()),
        customer_id: Some(customer_id),
        customer_group_id: Some(1),
        customer_first_name: shopper.first_name.clone(),
        customer_last_name: shopper.last_name.clone(),
        customer_email: shopper.email.clone(),
        customer_ip: Some("127.0.0.1".into()),
        note_customer: po.note_customer.clone(),
        note_administrator: None,
        notify_customer: "yes".into(),
        abandoned: "no".into(),
        vat_included: "yes".into(),
        email_sent: "yes".into(),
        invoice_number: None,
        invoice_date: None,
        usn: None,
        locale: "bg".into(),
        weight,
        quantity: qty_total,
        price_products_subtotal: products_subtotal,
        price_subtotal: subtotal,
        price_total: total,
        date_added: date,
        updated_at: date,
        date_archived: None,
        desired_delivery_date: None,
        products: lines,
        payment,
        shipping,
        shipping_address,
        billing_address,
        totals,
        taxes,
        discounts,
    };
    store.orders.insert(order_id, order);
    fire_order_event(st, now, "order.created", order_id);
    Ok(order_id)
}

/// The merchant changes an order's status in the admin panel.
pub(crate) fn admin_set_status(
    st: &mut State,
    now: DateTime<Utc>,
    id: u64,
    status: &str,
) -> Result<(), String> {
    if !st.store.order_statuses.iter().any(|s| s.slug == status) {
        return Err(format!("unknown order status {status}"));
    }
    let o = st
        .store
        .orders
        .get_mut(&id)
        .ok_or_else(|| format!("unknown order {id}"))?;
    o.status = status.to_string();
    if status == "paid" || status == "completed" {
        o.payment.status = "completed".into();
        o.payment.date_modified = now;
    }
    o.updated_at = now;
    fire_order_event(st, now, "order.updated", id);
    Ok(())
}

/// The payment arrives (or is reversed).
pub(crate) fn admin_set_paid(
    st: &mut State,
    now: DateTime<Utc>,
    id: u64,
    paid: bool,
) -> Result<(), String> {
    let o = st
        .store
        .orders
        .get_mut(&id)
        .ok_or_else(|| format!("unknown order {id}"))?;
    if paid {
        o.payment.status = "completed".into();
        if o.status == "pending" || o.status == "authorized" {
            o.status = "paid".into();
        }
    } else {
        o.payment.status = "pending".into();
        if o.status == "paid" {
            o.status = "pending".into();
        }
    }
    o.payment.date_modified = now;
    o.updated_at = now;
    promote_completed(o);
    fire_order_event(st, now, "order.updated", id);
    Ok(())
}

/// The order is shipped as a whole.
pub(crate) fn set_fulfilled(st: &mut State, now: DateTime<Utc>, id: u64) -> Result<(), String> {
    let o = st
        .store
        .orders
        .get_mut(&id)
        .ok_or_else(|| format!("unknown order {id}"))?;
    o.status_fulfillment = "fulfilled".into();
    o.updated_at = now;
    promote_completed(o);
    fire_order_event(st, now, "order.updated", id);
    Ok(())
}

/// Paid + fulfilled orders are promoted to `completed` (the store default).
fn promote_completed(o: &mut Order) {
    if o.status == "paid" && o.status_fulfillment == "fulfilled" {
        o.status = "completed".into();
    }
}

/// Money in MAJOR units for webhook payloads: an integer when whole
/// (`60`), else a decimal number (`55.9`).
pub fn major_units(minor: i64) -> Value {
    if minor % 100 == 0 {
        json!(minor / 100)
    } else {
        json!(minor as f64 / 100.0)
    }
}

/// Strips null members recursively (deliveries drop null fields).
fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(strip_nulls).collect()),
        x => x,
    }
}

fn address_payload(a: &Address, billing: bool) -> Value {
    let mut v = json!({
        "id": a.id, "first_name": a.first_name, "last_name": a.last_name, "phone": a.phone,
        "country": a.country_iso2, "state": a.state_name, "city": a.city_name,
        "street": a.street_name, "street_number": a.street_number, "postal_code": a.post_code,
        "formatted": a.formatted(), "office_id": a.office_id,
    });
    if billing {
        v["company"] = json!(a.company_name.is_some());
        v["company_name"] = json!(a.company_name);
        v["company_registration_number"] = json!(a.company_registration_number);
        v["company_vat"] = json!(a.company_vat);
        v["company_person"] = json!(a.company_person);
    }
    v
}

/// The v2 `order.*` webhook element (money in major units).
pub fn order_payload(store: &StoreData, o: &Order) -> Value {
    let customer = o.customer_id.and_then(|c| store.customers.get(&c));
    let payment = json!({
        "id": o.payment.id, "provider_reference_id": o.payment.provider_reference_id,
        "provider_name": o.payment.provider_name, "provider": o.payment.provider,
        "amount": major_units(o.payment.amount), "status": o.payment.status,
        "created_at": iso(&o.payment.date_created), "updated_at": iso(&o.payment.date_modified),
    });
    let products: Vec<Value> = o
        .products
        .iter()
        .map(|l| {
            let line = (l.price as f64 * l.quantity).round() as i64;
            let line_after = (l.order_price as f64 * l.quantity).round() as i64;
            json!({
                "id": l.id, "product_id": l.product_id, "variant_id": l.variant_id,
                "quantity": l.quantity, "name": l.name, "sku": l.sku, "barcode": l.barcode,
                "weight": l.weight, "sale": l.sale, "digital": l.digital, "tracked": l.tracked,
                "category": {"id": l.category_id, "name": l.category_name},
                "options": [], "discounts": [], "modifications": [], "has_modifications": false,
                "unit_line_price": major_units(l.price),
                "unit_line_discount_amount": major_units(l.price - l.order_price),
                "unit_line_price_total": major_units(l.order_price),
                "line_price": major_units(line),
                "line_discount_amount": major_units(line - line_after),
                "line_price_total": major_units(line_after),
            })
        })
        .collect();
    let v = json!({
        "store_id": 1,
        "id": o.id,
        "hash": o.hash,
        "created_at": iso(&o.date_added),
        "updated_at": iso(&o.updated_at),
        "status": o.status,
        "invoice_number": o.invoice_number,
        "invoice_date": o.invoice_date.as_ref().map(iso),
        "email_sent": o.email_sent == "yes",
        "abandoned": o.abandoned == "yes",
        "note_administrator": o.note_administrator,
        "weight": o.weight,
        "order_subtotal": major_units(o.price_subtotal),
        "order_total": major_units(o.price_total),
        "currency": o.currency,
        "language": o.locale,
        "usn": o.usn,
        "customer": {
            "id": o.customer_id, "group_id": o.customer_group_id,
            "first_name": o.customer_first_name, "last_name": o.customer_last_name,
            "email": o.customer_email, "note": customer.and_then(|c| c.note.clone()),
            "custom_fields": [],
        },
        "products": products,
        "shipping": [{
            "id": o.shipping.id, "status": o.status_fulfillment,
            "provider_name": o.shipping.provider_name,
            "provider_key": o.shipping.provider_id.and_then(|id| store.shipping_providers.get(&id)).map(|p| p.provider_type.clone()),
            "provider_amount": major_units(o.shipping.provider_amount),
            "amount_with_vat": major_units(o.shipping.provider_amount),
            "provider_insurance": major_units(o.shipping.provider_insurance),
            "order_has_insurance": o.shipping.order_has_insurance == "yes",
        }],
        "shipping_address": address_payload(&o.shipping_address, false),
        "billing_address": address_payload(&o.billing_address, true),
        "payment": payment.clone(),
        "payments": [payment],
        "discounts": o.discounts.iter().map(|d| json!({
            "id": d.id, "name": d.name, "code": d.code, "type": d.discount_type,
            "amount": major_units(d.value),
        })).collect::<Vec<_>>(),
        "tax_vat": o.taxes.iter().map(|t| json!({
            "name": t.name, "rate": t.rate, "amount": major_units(t.value),
        })).collect::<Vec<_>>(),
        "fees": [],
    });
    strip_nulls(v)
}

/// The legacy product webhook element: values as strings, prices as
/// `"x.yy"` major-unit strings.
pub fn product_payload(store: &StoreData, p: &Product) -> Value {
    let cat = p.category_id.and_then(|c| store.categories.get(&c));
    let variants: Vec<Value> = store
        .variants_of(p.id)
        .iter()
        .map(|v| {
            let mut o = json!({
                "id": v.id.to_string(), "sku": v.sku, "barcode": v.barcode,
                "price": format!("{:.2}", v.price as f64 / 100.0),
                "quantity": v.quantity.map(|q| q.to_string()).unwrap_or_default(),
                "weight": v.weight.map(|w| w.to_string()),
                "delivery_price": v.delivery_price.map(|d| format!("{:.2}", d as f64 / 100.0)),
                "images": [],
            });
            for i in 0..3 {
                o[format!("p{}", i + 1)] = json!(
                    p.parameter_ids[i]
                        .and_then(|id| store.variant_parameters.get(&id))
                        .map(|x| x.name.clone())
                );
                o[format!("v{}", i + 1)] = json!(
                    v.option_ids[i]
                        .and_then(|id| store.variant_options.get(&id))
                        .map(|x| x.name.clone())
                );
            }
            o
        })
        .collect();
    strip_nulls(json!({
        "id": p.id.to_string(), "url": format!("/product/{}", p.url_handle), "name": p.name,
        "description": p.description, "tracking": p.tracking, "shipping": p.shipping,
        "digital": p.digital, "new": p.new, "active": p.active,
        "date_added": iso(&p.date_added), "date_modified": iso(&p.date_modified),
        "brand": null, "tags": [], "images": [], "publicFiles": [],
        "category": cat.map(|c| json!({"id": c.id.to_string(), "url": format!("/category/{}", c.url_handle), "name": c.name, "parent_id": c.parent_id.map(|x| x.to_string())})),
        "variants": variants,
    }))
}

pub fn category_payload(c: &Category) -> Value {
    strip_nulls(json!({
        "id": c.id.to_string(), "name": c.name, "url_handle": c.url_handle,
        "parent_id": c.parent_id.map(|x| x.to_string()),
        "created_at": iso(&c.created_at), "updated_at": iso(&c.updated_at),
    }))
}

/// When more than one active hook listens to the same order event, the
/// platform queues their deliveries with this delay.
pub const MULTIPLE_ORDER_HOOKS_DELAY_SECS: i64 = 60;

/// Queues one delivery per active webhook registered for `event`.
/// The body is always a JSON array with one element.
pub(crate) fn fire(st: &mut State, now: DateTime<Utc>, event: &str, element: Value) {
    let hooks: Vec<u64> = st
        .store
        .webhooks
        .values()
        .filter(|w| w.active && w.event == event)
        .map(|w| w.id)
        .collect();
    let delay = if event.starts_with("order.") && hooks.len() > 1 {
        chrono::Duration::seconds(MULTIPLE_ORDER_HOOKS_DELAY_SECS)
    } else {
        chrono::Duration::zero()
    };
    for id in hooks {
        let seq = st.next_delivery_seq;
        st.next_delivery_seq += 1;
        st.queue.push(PendingDelivery {
            seq,
            webhook_id: id,
            event: event.to_string(),
            body: Value::Array(vec![element.clone()]),
            attempts: 0,
            due: now + delay,
            in_flight: false,
        });
    }
}

pub(crate) fn fire_order_event(st: &mut State, now: DateTime<Utc>, event: &str, id: u64) {
    let Some(o) = st.store.orders.get(&id) else {
        return;
    };
    let payload = order_payload(&st.store, o);
    fire(st, now, event, payload);
}
