//! Each injected fault: retried and succeeded, or a clear typed error; never a duplicated write.

mod common;

use std::str::FromStr;
use std::time::Duration;

use cloudcart_sandbox::FaultRule;
use futures::TryStreamExt;
use rust_decimal::Decimal;
use skladsync_cloudcart::{
    Client, Error, NewProduct, NewVariant, OrderDetail, VariantUpdate, VariantsQuery,
};

use common::*;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

async fn product_id(c: &Client) -> skladsync_cloudcart::Id {
    let cat = c.get_or_create_category("Faults", None).await.unwrap();
    c.create_product(&NewProduct {
        name: "Fault target".into(),
        category_id: cat.id,
        active: true,
        tracking: true,
        description: None,
        url_handle: None,
        parameter_ids: vec![],
    })
    .await
    .unwrap()
    .id
}

fn new_variant(sku: &str) -> NewVariant {
    NewVariant {
        sku: Some(sku.into()),
        barcode: None,
        price: d("4.20"),
        quantity: Some(d("1")),
        option_ids: vec![],
    }
}

async fn variants_with_sku(c: &Client, sku: &str) -> usize {
    c.variants(VariantsQuery {
        sku: Some(sku.into()),
        ..Default::default()
    })
    .try_collect::<Vec<_>>()
    .await
    .unwrap()
    .len()
}

fn on(fault: Fault, method: &str, path: &str) -> FaultRule {
    FaultRule::from(fault).on_method(method).on_path(path)
}

// ----- reads --------------------------------------------------------------------------------

#[tokio::test]
async fn server_errors_on_get_are_retried() {
    let sb = seeded().await;
    let c = client(&sb);
    for status in [500, 502, 503, 504, 520] {
        sb.state().clear_request_log();
        sb.state()
            .set_fault(Fault::ServerError { status, times: 2 });
        let orders: Vec<_> = c
            .orders_updated_since(
                chrono::Utc::now() - chrono::Duration::days(3650),
                OrderDetail::Summary,
            )
            .try_collect()
            .await
            .unwrap();
        assert_eq!(orders.len(), 5);
        let st: Vec<u16> = api_log(&sb).into_iter().map(|x| x.2).collect();
        assert_eq!(st, vec![status, status, 200], "status {status}");
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn persistent_server_errors_end_in_a_typed_error() {
    let sb = seeded().await;
    let c = client(&sb);
    sb.state().set_fault(Fault::ServerError {
        status: 503,
        times: 100,
    });
    let err = c.order_statuses().await.unwrap_err();
    match &err {
        Error::Api { status: 503, .. } => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(api_log(&sb).len(), 5, "1 try + 4 retries");
    sb.shutdown().await;
}

#[tokio::test]
async fn malformed_json_on_get_is_retried() {
    let sb = seeded().await;
    let c = client(&sb);
    sb.state().set_fault(Fault::MalformedJson { times: 1 });
    assert!(!c.order_statuses().await.unwrap().is_empty());
    assert_eq!(api_log(&sb).len(), 2);
    sb.shutdown().await;
}

#[tokio::test]
async fn dropped_connection_on_get_is_retried() {
    let sb = seeded().await;
    let c = client(&sb);
    sb.state().set_fault(Fault::DropConnection { times: 2 });
    assert!(!c.order_statuses().await.unwrap().is_empty());
    sb.shutdown().await;
}

#[tokio::test]
async fn latency_beyond_the_timeout_is_a_typed_timeout() {
    let sb = seeded().await;
    let mut cfg = config(&sb);
    cfg.timeout = Duration::from_millis(300);
    cfg.max_retries = 1;
    let c = Client::new(cfg).unwrap();
    sb.state().set_fault(Fault::Latency(Duration::from_secs(2)));
    let err = c.order_statuses().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.to_string().contains("in time"));
    sb.state().clear_faults();
    assert!(!c.order_statuses().await.unwrap().is_empty());
    sb.shutdown().await;
}

#[tokio::test]
async fn latency_below_the_timeout_is_just_slow() {
    let sb = seeded().await;
    let c = client(&sb);
    sb.state()
        .set_fault(Fault::Latency(Duration::from_millis(200)));
    assert!(!c.order_statuses().await.unwrap().is_empty());
    sb.shutdown().await;
}

// ----- creates: never a duplicated write ---------------------------------------------------

#[tokio::test]
async fn create_after_a_server_error_posts_again_once() {
    let sb = seeded().await;
    let c = client(&sb);
    let pid = product_id(&c).await;
    sb.state().set_fault(on(
        Fault::ServerError {
            status: 503,
            times: 1,
        },
        "POST",
        "/api/v2/variants",
    ));
    let v = c.create_variant(&pid, &new_variant("SE-1")).await.unwrap();
    assert_eq!(v.sku.as_deref(), Some("SE-1"));
    assert_eq!(
        count(&sb, "POST", "/api/v2/variants"),
        2,
        "503 (nothing written), then the create"
    );
    assert_eq!(variants_with_sku(&c, "SE-1").await, 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn create_whose_answer_was_lost_is_not_repeated() {
    let sb = seeded().await;
    let c = client(&sb);
    let pid = product_id(&c).await;
    sb.state().set_fault(on(
        Fault::DropConnectionAfterCommit { times: 1 },
        "POST",
        "/api/v2/variants",
    ));
    let v = c
        .create_variant(&pid, &new_variant("LOST-1"))
        .await
        .unwrap();
    assert_eq!(v.sku.as_deref(), Some("LOST-1"));
    assert_eq!(
        count(&sb, "POST", "/api/v2/variants"),
        1,
        "found by SKU, not posted again"
    );
    assert_eq!(variants_with_sku(&c, "LOST-1").await, 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn create_with_a_malformed_answer_is_not_repeated() {
    let sb = seeded().await;
    let c = client(&sb);
    let pid = product_id(&c).await;
    sb.state().set_fault(on(
        Fault::MalformedJson { times: 1 },
        "POST",
        "/api/v2/variants",
    ));
    let v = c.create_variant(&pid, &new_variant("MAL-1")).await.unwrap();
    assert_eq!(v.sku.as_deref(), Some("MAL-1"));
    assert_eq!(count(&sb, "POST", "/api/v2/variants"), 1);
    assert_eq!(variants_with_sku(&c, "MAL-1").await, 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn create_after_a_dropped_connection_posts_again_once() {
    let sb = seeded().await;
    let c = client(&sb);
    let pid = product_id(&c).await;
    sb.state().set_fault(on(
        Fault::DropConnection { times: 1 },
        "POST",
        "/api/v2/variants",
    ));
    let v = c
        .create_variant(&pid, &new_variant("DROP-1"))
        .await
        .unwrap();
    assert_eq!(v.sku.as_deref(), Some("DROP-1"));
    assert_eq!(variants_with_sku(&c, "DROP-1").await, 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn create_after_a_429_is_sent_again_after_waiting() {
    let sb = seeded().await;
    let c = client(&sb);
    let pid = product_id(&c).await;
    sb.state().set_fault(on(
        Fault::TooManyRequests { times: 1 },
        "POST",
        "/api/v2/variants",
    ));
    c.create_variant(&pid, &new_variant("TMR-1")).await.unwrap();
    assert_eq!(variants_with_sku(&c, "TMR-1").await, 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn half_made_simple_product_is_completed_not_duplicated() {
    let sb = seeded().await;
    let c = client(&sb);
    let cat = c.get_or_create_category("Faults", None).await.unwrap();
    let new = NewProduct {
        name: "Half made".into(),
        category_id: cat.id,
        active: true,
        tracking: true,
        description: None,
        url_handle: None,
        parameter_ids: vec![],
    };
    sb.state().set_fault(on(
        Fault::DropConnectionAfterCommit { times: 1 },
        "POST",
        "/api/v2/products",
    ));
    let p = c
        .create_simple_product(&new, &new_variant("HALF-1"))
        .await
        .unwrap();
    assert_eq!(count(&sb, "POST", "/api/v2/products"), 1);
    assert_eq!(p.variants.len(), 1);
    let back = c.product(&p.id).await.unwrap();
    assert_eq!(back.variants.len(), 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn get_or_create_under_faults_creates_exactly_one() {
    let sb = seeded().await;
    let c = client(&sb);
    sb.state().set_fault(on(
        Fault::DropConnectionAfterCommit { times: 1 },
        "POST",
        "/api/v2/variant-parameters",
    ));
    let p = c
        .get_or_create_variant_parameter("Десен", "select")
        .await
        .unwrap();
    sb.state().set_fault(on(
        Fault::DropConnectionAfterCommit { times: 1 },
        "POST",
        "/api/v2/variant-options",
    ));
    c.get_or_create_variant_option(&p.id, "Райе").await.unwrap();
    sb.state().set_fault(on(
        Fault::DropConnectionAfterCommit { times: 1 },
        "POST",
        "/api/v2/categories",
    ));
    c.get_or_create_category("Неуловима", None).await.unwrap();
    assert_eq!(count(&sb, "POST", "/api/v2/variant-parameters"), 1);
    assert_eq!(count(&sb, "POST", "/api/v2/variant-options"), 1);
    assert_eq!(count(&sb, "POST", "/api/v2/categories"), 1);
    let params: Vec<_> = c.variant_parameters().try_collect().await.unwrap();
    assert_eq!(params.iter().filter(|x| x.name == "Десен").count(), 1);
    let opts: Vec<_> = c.variant_options(Some(&p.id)).try_collect().await.unwrap();
    assert_eq!(opts.iter().filter(|o| o.name == "Райе").count(), 1);
    let cats: Vec<_> = c.categories().try_collect().await.unwrap();
    assert_eq!(cats.iter().filter(|x| x.name == "Неуловима").count(), 1);
    sb.shutdown().await;
}

// ----- updates ----------------------------------------------------------------------------

#[tokio::test]
async fn absolute_patch_is_retried_after_a_lost_answer() {
    let sb = seeded().await;
    let c = client(&sb);
    let v = c
        .variants(VariantsQuery::default())
        .try_next()
        .await
        .unwrap()
        .unwrap();
    sb.state().set_fault(on(
        Fault::DropConnectionAfterCommit { times: 1 },
        "PATCH",
        "/api/v2/variants",
    ));
    let u = c
        .update_variant(
            &v.id,
            &VariantUpdate {
                quantity: Some(d("42")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(u.quantity, Some(d("42")));
    assert_eq!(
        count(&sb, "PATCH", "/api/v2/variants"),
        2,
        "repeating quantity = 42 is harmless"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn usn_patch_with_a_lost_answer_is_not_repeated() {
    let sb = seeded().await;
    let c = client(&sb);
    let o = c
        .orders_updated_since(
            chrono::Utc::now() - chrono::Duration::days(3650),
            OrderDetail::Summary,
        )
        .try_filter(|o| futures::future::ready(o.usn.is_none()))
        .try_next()
        .await
        .unwrap()
        .unwrap();
    sb.state().set_fault(on(
        Fault::DropConnectionAfterCommit { times: 1 },
        "PATCH",
        "/api/v2/orders",
    ));
    let marked = c.set_order_usn(&o.id, "USN-LOST-1").await.unwrap();
    assert_eq!(marked.usn.as_deref(), Some("USN-LOST-1"));
    assert_eq!(count(&sb, "PATCH", "/api/v2/orders"), 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn usn_patch_after_a_server_error_is_sent_again() {
    let sb = seeded().await;
    let c = client(&sb);
    let o = c
        .orders_updated_since(
            chrono::Utc::now() - chrono::Duration::days(3650),
            OrderDetail::Summary,
        )
        .try_filter(|o| futures::future::ready(o.usn.is_none()))
        .try_next()
        .await
        .unwrap()
        .unwrap();
    sb.state().set_fault(on(
        Fault::ServerError {
            status: 502,
            times: 1,
        },
        "PATCH",
        "/api/v2/orders",
    ));
    let marked = c.set_order_usn(&o.id, "USN-502-1").await.unwrap();
    assert_eq!(marked.usn.as_deref(), Some("USN-502-1"));
    assert_eq!(count(&sb, "PATCH", "/api/v2/orders"), 2);
    sb.shutdown().await;
}

#[tokio::test]
async fn delete_whose_answer_was_lost_counts_as_done() {
    let sb = seeded().await;
    let c = client(&sb);
    let hook = c
        .create_webhook(&skladsync_cloudcart::NewWebhook {
            url: "https://relay.example.com/x".into(),
            event: "order.updated".into(),
            active: true,
            new_version: true,
            request_headers: Default::default(),
        })
        .await
        .unwrap();
    sb.state().set_fault(on(
        Fault::DropConnectionAfterCommit { times: 1 },
        "DELETE",
        "/api/v2/webhooks",
    ));
    c.delete_webhook(&hook.id).await.unwrap();
    assert!(c.webhook(&hook.id).await.unwrap_err().is_not_found());
    sb.shutdown().await;
}

#[tokio::test]
async fn webhook_create_whose_answer_was_lost_is_not_repeated() {
    let sb = seeded().await;
    let c = client(&sb);
    sb.state().set_fault(on(
        Fault::DropConnectionAfterCommit { times: 1 },
        "POST",
        "/api/v2/webhooks",
    ));
    let hook = c
        .create_webhook(&skladsync_cloudcart::NewWebhook {
            url: "https://relay.example.com/once".into(),
            event: "order.created".into(),
            active: true,
            new_version: true,
            request_headers: Default::default(),
        })
        .await
        .unwrap();
    assert_eq!(hook.url, "https://relay.example.com/once");
    assert_eq!(count(&sb, "POST", "/api/v2/webhooks"), 1);
    assert_eq!(sb.state().webhooks().len(), 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn product_create_after_a_server_error_makes_one_product() {
    let sb = seeded().await;
    let c = client(&sb);
    let cat = c.get_or_create_category("Faults", None).await.unwrap();
    let before = sb.state().products().len();
    sb.state().set_fault(on(
        Fault::ServerError {
            status: 500,
            times: 1,
        },
        "POST",
        "/api/v2/products",
    ));
    c.create_product(&NewProduct {
        name: "After 500".into(),
        category_id: cat.id,
        active: true,
        tracking: true,
        description: None,
        url_handle: None,
        parameter_ids: vec![],
    })
    .await
    .unwrap();
    assert_eq!(count(&sb, "POST", "/api/v2/products"), 2);
    assert_eq!(sb.state().products().len(), before + 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn usn_patch_with_a_malformed_answer_is_checked_not_repeated() {
    let sb = seeded().await;
    let c = client(&sb);
    let o = c
        .orders_updated_since(
            chrono::Utc::now() - chrono::Duration::days(3650),
            OrderDetail::Summary,
        )
        .try_filter(|o| futures::future::ready(o.usn.is_none()))
        .try_next()
        .await
        .unwrap()
        .unwrap();
    sb.state().set_fault(on(
        Fault::MalformedJson { times: 1 },
        "PATCH",
        "/api/v2/orders",
    ));
    let marked = c.set_order_usn(&o.id, "USN-MAL-1").await.unwrap();
    assert_eq!(marked.usn.as_deref(), Some("USN-MAL-1"));
    assert_eq!(count(&sb, "PATCH", "/api/v2/orders"), 1);
    sb.shutdown().await;
}
