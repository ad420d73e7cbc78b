//! Orders, customers, providers, statuses and webhooks against the sandbox.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use cloudcart_sandbox::{PlaceOrder, PlaceOrderLine};
use futures::TryStreamExt;
use rust_decimal::Decimal;
use skladsync_cloudcart::{Error, Id, NewWebhook, OrderDetail, WebhookUpdate};

use common::*;

#[tokio::test]
async fn orders_by_date_added_window_and_full_detail() {
    let sb = seeded().await;
    let c = client(&sb);
    let now = sb.clock().now();
    let from = now - chrono::Duration::days(3650);
    let to = now + chrono::Duration::days(1);
    let summaries: Vec<_> = c
        .orders_added_between(from, to, OrderDetail::Summary)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(summaries.len(), 5);
    for w in summaries.windows(2) {
        assert!(w[0].date_added <= w[1].date_added, "oldest first");
    }
    assert!(summaries.iter().all(|o| o.lines.is_empty()));

    let full: Vec<_> = c
        .orders_added_between(from, to, OrderDetail::Full)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(full.len(), 5);
    for o in &full {
        assert!(!o.lines.is_empty(), "order {} has lines", o.id);
    }

    let id = &summaries[0].id;
    let o = c.order(id).await.unwrap();
    assert!(!o.lines.is_empty());
    let line = &o.lines[0];
    assert!(line.quantity > Decimal::ZERO);
    assert!(line.price.is_some());
    assert!(line.sku.is_some() || line.barcode.is_some());
    assert!(o.price_total.is_some());
    assert!(o.currency.is_some());
    assert!(o.payment.is_some(), "payment included");
    assert!(!o.totals.is_empty(), "totals included");
    assert!(o.shipping.is_some(), "shipping included");
    assert!(o.billing_address.is_some());
    assert!(o.shipping_address.is_some());
    assert!(o.date_added.is_some() && o.updated_at.is_some());
    // Totals add up in major units: the grand total equals price_total.
    if let Some(grand) = o
        .totals
        .iter()
        .find(|t| t.code.as_deref() == Some("grand_total"))
    {
        assert_eq!(grand.value, o.price_total);
    }
    // Listing with details gives the same order as the single read.
    let same = full.iter().find(|x| x.id == o.id).unwrap();
    assert_eq!(same.lines, o.lines);
    assert_eq!(same.payment, o.payment);

    // An empty window.
    let none: Vec<_> = c
        .orders_added_between(
            from,
            from + chrono::Duration::seconds(1),
            OrderDetail::Summary,
        )
        .try_collect()
        .await
        .unwrap();
    assert!(none.is_empty());
    sb.shutdown().await;
}

#[tokio::test]
async fn orders_updated_since_stops_at_the_watermark() {
    let sb = seeded().await;
    let c = client(&sb);
    sb.clock().advance(Duration::from_secs(3600));
    let watermark = sb.clock().now();
    sb.clock().advance(Duration::from_secs(5));
    let all: Vec<_> = c
        .orders_added_between(
            watermark - chrono::Duration::days(3650),
            watermark,
            OrderDetail::Summary,
        )
        .try_collect()
        .await
        .unwrap();
    let target = all
        .iter()
        .find(|o| o.status.as_deref() != Some("cancelled"))
        .unwrap();
    let target_id = target.id.clone();
    let changed = c.set_order_status(&target_id, "paid").await.unwrap();
    // Paid + fulfilled orders are promoted to completed by the shop.
    assert!(
        matches!(changed.status.as_deref(), Some("paid" | "completed")),
        "{changed:?}"
    );
    assert!(changed.updated_at.unwrap() >= watermark);

    let since: Vec<_> = c
        .orders_updated_since(watermark, OrderDetail::Summary)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(since.len(), 1, "{since:?}");
    assert_eq!(since[0].id, target_id);
    let everything: Vec<_> = c
        .orders_updated_since(
            watermark - chrono::Duration::days(3650),
            OrderDetail::Summary,
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(everything.len(), 5);
    for w in everything.windows(2) {
        assert!(w[0].updated_at >= w[1].updated_at, "newest first");
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn status_is_set_and_refused_transitions_are_typed() {
    let sb = seeded().await;
    let c = client(&sb);
    // A fresh storefront order: pending, not fulfilled.
    let variant = sb
        .state()
        .variants()
        .into_iter()
        .find(|v| v.quantity.is_none_or(|q| q >= 1.0))
        .unwrap();
    let new_id = sb
        .state()
        .place_order(PlaceOrder {
            lines: vec![PlaceOrderLine {
                variant_id: variant.id,
                quantity: 1.0,
            }],
            ..Default::default()
        })
        .unwrap();
    let o = c.order(&Id::from(new_id)).await.unwrap();
    assert_eq!(o.status.as_deref(), Some("pending"));
    assert_eq!(o.lines.len(), 1);
    assert_eq!(o.lines[0].variant_id, Some(Id::from(variant.id)));
    let paid = c.set_order_status(&o.id, "paid").await.unwrap();
    assert_eq!(paid.status.as_deref(), Some("paid"));
    // Idempotent: setting it again is fine.
    let paid = c.set_order_status(&o.id, "paid").await.unwrap();
    assert_eq!(paid.status.as_deref(), Some("paid"));
    // Cancelling a paid order is refused by the API's gate.
    let before = api_log(&sb).len();
    let err = c.set_order_status(&o.id, "cancelled").await.unwrap_err();
    assert_eq!(err.status(), Some(422), "{err}");
    assert_eq!(api_log(&sb).len(), before + 1, "a 422 is not retried");
    sb.shutdown().await;
}

#[tokio::test]
async fn usn_is_written_once() {
    let sb = seeded().await;
    let c = client(&sb);
    let orders: Vec<_> = c
        .orders_updated_since(
            Utc::now() - chrono::Duration::days(3650),
            OrderDetail::Summary,
        )
        .try_collect()
        .await
        .unwrap();
    let o = orders
        .iter()
        .find(|o| o.usn.is_none())
        .expect("an order without usn");
    let marked = c
        .set_order_usn(&o.id, "DT000001-0001-0000001")
        .await
        .unwrap();
    assert_eq!(marked.usn.as_deref(), Some("DT000001-0001-0000001"));
    // The same value again is a success (the API's 422 is judged by reading the order).
    let again = c
        .set_order_usn(&o.id, "DT000001-0001-0000001")
        .await
        .unwrap();
    assert_eq!(again.usn.as_deref(), Some("DT000001-0001-0000001"));
    // Another value is a typed error naming the existing one.
    match c.set_order_usn(&o.id, "DT000001-0001-0000002").await {
        Err(Error::UsnAlreadySet { existing, .. }) => assert_eq!(existing, "DT000001-0001-0000001"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        c.order(&o.id).await.unwrap().usn.as_deref(),
        Some("DT000001-0001-0000001")
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn customers_list_get_and_find_by_email() {
    let sb = seeded().await;
    let c = client(&sb);
    let all: Vec<_> = c.customers().try_collect().await.unwrap();
    assert!(!all.is_empty());
    let first = &all[0];
    let one = c.customer(&first.id).await.unwrap();
    assert_eq!(&one, first);
    let email = first.email.clone().unwrap();
    let found = c.find_customer_by_email(&email).await.unwrap().unwrap();
    assert_eq!(found.id, first.id);
    assert_eq!(
        c.find_customer_by_email("nobody@example.invalid")
            .await
            .unwrap(),
        None
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn providers_and_statuses() {
    let sb = seeded().await;
    let c = client(&sb);
    let pay: Vec<_> = c.payment_providers().try_collect().await.unwrap();
    assert!(pay.iter().any(|p| p.id.as_str() == "cod"), "{pay:?}");
    let ship: Vec<_> = c.shipping_providers().try_collect().await.unwrap();
    assert!(!ship.is_empty());
    assert!(ship.iter().all(|s| s.id.as_str().parse::<u64>().is_ok()));
    assert!(ship.iter().any(|s| s.provider_type.is_some()));
    let statuses = c.order_statuses().await.unwrap();
    for code in ["pending", "paid", "completed", "cancelled"] {
        assert!(
            statuses.iter().any(|s| s.slug.as_deref() == Some(code)),
            "{code} in {statuses:?}"
        );
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn webhooks_crud() {
    let sb = seeded().await;
    let c = client(&sb);
    let mut headers = BTreeMap::new();
    headers.insert("X-Skladsync-Secret".to_owned(), "s3cr3t".to_owned());
    let hook = c
        .create_webhook(&NewWebhook {
            url: "https://relay.example.com/hook".into(),
            event: "order.created".into(),
            active: true,
            new_version: true,
            request_headers: headers.clone(),
        })
        .await
        .unwrap();
    assert_eq!(hook.event, "order.created");
    assert_eq!(hook.active, Some(true));
    assert_eq!(hook.new_version, Some(true));
    assert_eq!(hook.request_headers, headers);

    let listed: Vec<_> = c.webhooks().try_collect().await.unwrap();
    assert!(listed.iter().any(|w| w.id == hook.id));
    assert_eq!(c.webhook(&hook.id).await.unwrap(), hook);

    let off = c
        .update_webhook(
            &hook.id,
            &WebhookUpdate {
                active: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(off.active, Some(false));
    assert_eq!(off.url, hook.url);

    let bad = c
        .create_webhook(&NewWebhook {
            url: "https://relay.example.com/hook".into(),
            event: "order.exploded".into(),
            active: true,
            new_version: true,
            request_headers: BTreeMap::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(bad.status(), Some(422), "{bad}");

    c.delete_webhook(&hook.id).await.unwrap();
    assert!(c.webhook(&hook.id).await.unwrap_err().is_not_found());
    sb.shutdown().await;
}

#[tokio::test]
async fn full_order_matches_the_shop_in_major_units() {
    use cloudcart_sandbox::{Company, Shopper};
    let sb = seeded().await;
    let c = client(&sb);
    let vs: Vec<_> = sb
        .state()
        .variants()
        .into_iter()
        .filter(|v| v.quantity.is_none_or(|q| q >= 2.0))
        .take(2)
        .collect();
    let new_id = sb
        .state()
        .place_order(PlaceOrder {
            lines: vs
                .iter()
                .map(|v| PlaceOrderLine {
                    variant_id: v.id,
                    quantity: 2.0,
                })
                .collect(),
            customer: Some(Shopper {
                first_name: "Мария".into(),
                last_name: "Иванова".into(),
                email: "maria@example.bg".into(),
                city: "Пловдив".into(),
                post_code: "4000".into(),
                street: "ул. Главна".into(),
                company: Some(Company {
                    name: "Мария ЕООД".into(),
                    eik: "123456789".into(),
                    vat: Some("BG123456789".into()),
                    person: "Мария Иванова".into(),
                }),
                ..Default::default()
            }),
            discount_percent: Some(10),
            ..Default::default()
        })
        .unwrap();
    let shop = sb.state().order(new_id).unwrap();
    let o = c.order(&Id::from(new_id)).await.unwrap();
    let major = |minor: i64| Decimal::new(minor, 2);
    assert_eq!(o.price_total, Some(major(shop.price_total)));
    assert_eq!(o.price_subtotal, Some(major(shop.price_subtotal)));
    assert_eq!(
        o.price_products_subtotal,
        Some(major(shop.price_products_subtotal))
    );
    assert_eq!(o.currency.as_deref(), Some(shop.currency.as_str()));
    assert_eq!(o.lines.len(), shop.products.len());
    for (mine, theirs) in o.lines.iter().zip(&shop.products) {
        assert_eq!(mine.price, Some(major(theirs.price)));
        assert_eq!(mine.order_price, Some(major(theirs.order_price)));
        assert_eq!(mine.quantity, Decimal::from(2));
        assert_eq!(mine.sku, theirs.sku);
    }
    assert_eq!(o.totals.len(), shop.totals.len());
    assert_eq!(o.taxes.len(), shop.taxes.len());
    assert_eq!(o.taxes[0].value, Some(major(shop.taxes[0].value)));
    assert_eq!(o.discounts.len(), shop.discounts.len());
    assert!(!o.discounts.is_empty());
    assert_eq!(o.discounts[0].value, Some(major(shop.discounts[0].value)));
    let pay = o.payment.unwrap();
    assert_eq!(pay.amount, Some(major(shop.payment.amount)));
    assert_eq!(
        pay.provider.as_deref(),
        Some(shop.payment.provider.as_str())
    );
    let ship = o.shipping.unwrap();
    assert_eq!(
        ship.provider_amount,
        Some(major(shop.shipping.provider_amount))
    );
    assert!(ship.provider_type.is_some(), "shipping.provider included");
    let bill = o.billing_address.unwrap();
    assert_eq!(bill.company_name.as_deref(), Some("Мария ЕООД"));
    assert_eq!(bill.company_vat.as_deref(), Some("BG123456789"));
    assert_eq!(
        bill.company_registration_number.as_deref(),
        Some("123456789")
    );
    assert_eq!(bill.company_person.as_deref(), Some("Мария Иванова"));
    assert_eq!(bill.city.as_deref(), Some("Пловдив"));
    assert!(o.shipping_address.is_some());
    assert_eq!(o.customer_email.as_deref(), Some("maria@example.bg"));
    sb.shutdown().await;
}
