//! Contract tests: the webhook payload samples described in the research decode.

use std::str::FromStr;

use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;
use skladsync_cloudcart::{Id, decode_order_webhook, decode_product_webhook};

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[test]
fn order_created_v2_payload_decodes_in_major_units() {
    let body = include_bytes!("data/webhook_order_created.json");
    let orders = decode_order_webhook(body).unwrap();
    assert_eq!(orders.len(), 1);
    let o = &orders[0];
    assert_eq!(o.id, Id::from("1003"));
    assert_eq!(o.status.as_deref(), Some("pending"));
    assert_eq!(o.currency.as_deref(), Some("USD"));
    // Webhook money is major units: order_total: 60 is 60.00, not 0.60.
    assert_eq!(o.price_total, Some(d("60")));
    assert_eq!(o.price_subtotal, Some(d("55")));
    assert_eq!(
        o.date_added,
        Some(Utc.with_ymd_and_hms(2026, 1, 14, 8, 21, 5).unwrap())
    );
    assert_eq!(o.customer_id, Some(Id::from("17")));
    assert_eq!(o.customer_email.as_deref(), Some("ivan.petrov@example.com"));
    assert_eq!(o.lines.len(), 1);
    let l = &o.lines[0];
    assert_eq!(l.sku.as_deref(), Some("SHIRT-L-WHT"));
    assert_eq!(l.variant_id, Some(Id::from("4410")));
    assert_eq!(l.quantity, d("1"));
    assert_eq!(l.price, Some(d("55")));
    let pay = o.payment.as_ref().unwrap();
    assert_eq!(pay.provider.as_deref(), Some("cod"));
    assert_eq!(pay.amount, Some(d("60")));
    assert_eq!(pay.status.as_deref(), Some("requested"));
    let ship = o.shipping.as_ref().unwrap();
    assert_eq!(ship.provider_amount, Some(d("5")));
    assert_eq!(ship.provider_type.as_deref(), Some("econt"));
    let bill = o.billing_address.as_ref().unwrap();
    assert_eq!(bill.company_vat.as_deref(), Some("BG204567890"));
    assert_eq!(
        bill.company_registration_number.as_deref(),
        Some("204567890")
    );
    assert_eq!(bill.company_person.as_deref(), Some("Ivan Petrov"));
    assert_eq!(bill.country_iso2.as_deref(), Some("BG"));
    assert_eq!(bill.post_code.as_deref(), Some("1000"));
    let shipto = o.shipping_address.as_ref().unwrap();
    assert_eq!(shipto.office_id.as_deref(), Some("1127"));
    assert_eq!(shipto.city.as_deref(), Some("Sofia"));
}

#[test]
fn product_created_legacy_payload_decodes() {
    let body = include_bytes!("data/webhook_product_created.json");
    let products = decode_product_webhook(body).unwrap();
    assert_eq!(products.len(), 1);
    let p = &products[0];
    assert_eq!(p.id, Id::from("311"));
    assert_eq!(p.name, "Linen shirt");
    assert_eq!(p.active, Some(true));
    assert_eq!(p.tracking, Some(true));
    assert_eq!(p.category_id, Some(Id::from("12")));
    // Both timestamp forms.
    assert_eq!(
        p.date_added,
        Some(Utc.with_ymd_and_hms(2026, 1, 14, 7, 0, 0).unwrap())
    );
    assert_eq!(
        p.date_modified,
        Some(Utc.with_ymd_and_hms(2026, 1, 14, 9, 5, 0).unwrap())
    );
    assert_eq!(p.variants.len(), 2);
    let v = &p.variants[0];
    assert_eq!(v.price, Some(d("1.00")));
    assert_eq!(v.quantity, None, "\"\" is no quantity");
    assert_eq!(v.sku.as_deref(), Some("SHIRT-L-WHT"));
    assert_eq!(v.option_names[0].as_deref(), Some("L"));
    assert_eq!(p.variants[1].price, Some(d("55.90")));
    assert_eq!(p.variants[1].quantity, Some(d("7")));
    assert_eq!(p.variants[1].barcode, None);
}

#[test]
fn a_single_object_body_is_accepted_and_garbage_is_a_typed_error() {
    let one = br#"{"id": "9", "name": "X", "variants": []}"#;
    assert_eq!(decode_product_webhook(one).unwrap().len(), 1);
    let err = decode_order_webhook(b"<html>").unwrap_err();
    assert!(err.to_string().contains("order webhook"), "{err}");
    let err = decode_order_webhook(br#"[{"status": "paid"}]"#).unwrap_err();
    assert!(err.to_string().contains("`id`"), "{err}");
}
