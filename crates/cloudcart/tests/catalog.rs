//! Products, variants, variant parameters/options and categories against the sandbox.

mod common;

use std::str::FromStr;

use futures::TryStreamExt;
use rust_decimal::Decimal;
use skladsync_cloudcart::{
    Error, Id, NewProduct, NewVariant, ProductUpdate, ProductsQuery, VariantUpdate, VariantsQuery,
};

use common::*;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

async fn some_category(c: &skladsync_cloudcart::Client) -> Id {
    c.get_or_create_category("Test goods", None)
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn lists_every_product_page_by_page_with_headers() {
    let sb = sandbox(SandboxConfig {
        rate_limit_per_minute: None,
        seed: Seed::Generated {
            products: 230,
            orders: 0,
            rng_seed: 7,
        },
        ..Default::default()
    })
    .await;
    let c = client(&sb);
    let all: Vec<_> = c
        .products(ProductsQuery::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 230);
    let mut ids: Vec<_> = all.iter().map(|p| p.id.clone()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 230);
    let log = sb.state().request_log();
    let pages: Vec<_> = log
        .iter()
        .filter(|r| r.path.starts_with("/api/v2/products"))
        .collect();
    assert_eq!(pages.len(), 3, "230 products in pages of 100");
    for r in &pages {
        assert!(
            r.path.contains("page%5Bsize%5D=100") || r.path.contains("page[size]=100"),
            "{}",
            r.path
        );
        let header = |name: &str| {
            r.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        assert_eq!(
            header("accept").as_deref(),
            Some("application/vnd.api+json")
        );
        assert_eq!(
            header("content-type").as_deref(),
            Some("application/vnd.api+json")
        );
        assert_eq!(header("x-cloudcart-apikey").as_deref(), Some("<redacted>"));
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn products_with_variants_and_filters() {
    let sb = seeded().await;
    let c = client(&sb);
    let with_variants: Vec<_> = c
        .products(ProductsQuery {
            with_variants: true,
            ..Default::default()
        })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(with_variants.len(), 20);
    let p = with_variants
        .iter()
        .find(|p| !p.variants.is_empty())
        .expect("a product with variants");
    let v = &p.variants[0];
    assert_eq!(v.product_id.as_ref(), Some(&p.id));
    let sku = v.sku.clone().expect("generated variants have a SKU");

    let by_sku: Vec<_> = c
        .products(ProductsQuery {
            sku: Some(sku.clone()),
            ..Default::default()
        })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(by_sku.len(), 1);
    assert_eq!(by_sku[0].id, p.id);

    let one = c.product(&p.id).await.unwrap();
    assert_eq!(one.name, p.name);
    assert!(one.variants.iter().any(|x| x.id == v.id));
    assert!(one.date_added.is_some());

    let missing = c.product(&Id::from("987654")).await.unwrap_err();
    assert!(missing.is_not_found(), "{missing}");
    sb.shutdown().await;
}

#[tokio::test]
async fn variants_list_filter_get_and_update() {
    let sb = seeded().await;
    let c = client(&sb);
    let all: Vec<_> = c
        .variants(VariantsQuery::default())
        .try_collect()
        .await
        .unwrap();
    assert!(!all.is_empty());
    let v = all
        .iter()
        .find(|v| v.sku.is_some() && v.barcode.is_some())
        .expect("sku+barcode");

    let by_sku: Vec<_> = c
        .variants(VariantsQuery {
            sku: v.sku.clone(),
            ..Default::default()
        })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(by_sku.len(), 1);
    assert_eq!(by_sku[0].id, v.id);
    let by_barcode: Vec<_> = c
        .variants(VariantsQuery {
            barcode: v.barcode.clone(),
            ..Default::default()
        })
        .try_collect()
        .await
        .unwrap();
    assert!(by_barcode.iter().any(|x| x.id == v.id));
    let of_product: Vec<_> = c
        .variants(VariantsQuery {
            product_id: v.product_id.clone(),
            ..Default::default()
        })
        .try_collect()
        .await
        .unwrap();
    assert!(of_product.iter().all(|x| x.product_id == v.product_id));
    assert!(of_product.iter().any(|x| x.id == v.id));

    let updated = c
        .update_variant(
            &v.id,
            &VariantUpdate {
                quantity: Some(d("12.5")),
                price: Some(d("19.99")),
                sku: Some("NEW-SKU-1".into()),
                barcode: Some("3800000000017".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.quantity, Some(d("12.5")));
    assert_eq!(updated.price, Some(d("19.99")));
    assert_eq!(updated.sku.as_deref(), Some("NEW-SKU-1"));
    assert_eq!(updated.barcode.as_deref(), Some("3800000000017"));

    // The price went on the wire as integer minor units, the quantity as a plain number.
    let log = sb.state().request_log();
    let patch = log.iter().rev().find(|r| r.method == "PATCH").unwrap();
    let body = patch.body.as_ref().unwrap();
    assert_eq!(body["data"]["id"], serde_json::json!(v.id.as_str()));
    assert_eq!(body["data"]["attributes"]["price"], serde_json::json!(1999));
    assert_eq!(
        body["data"]["attributes"]["quantity"],
        serde_json::json!(12.5)
    );

    let again = c.variant(&v.id).await.unwrap();
    assert_eq!(again, updated);
    sb.shutdown().await;
}

#[tokio::test]
async fn creates_a_simple_product_with_its_variant() {
    let sb = seeded().await;
    let c = client(&sb);
    let cat = some_category(&c).await;
    let p = c
        .create_simple_product(
            &NewProduct {
                name: "Чаша керамична".into(),
                category_id: cat.clone(),
                active: true,
                tracking: true,
                description: None,
                url_handle: None,
                parameter_ids: vec![],
            },
            &NewVariant {
                sku: Some("CUP-001".into()),
                barcode: Some("3800000000024".into()),
                price: d("7.90"),
                quantity: Some(d("3")),
                option_ids: vec![],
            },
        )
        .await
        .unwrap();
    assert_eq!(p.variants.len(), 1);
    assert_eq!(p.variants[0].price, Some(d("7.90")));
    assert_eq!(p.category_id.as_ref(), Some(&cat));
    let back = c.product(&p.id).await.unwrap();
    assert_eq!(back.tracking, Some(true));
    assert_eq!(back.variants.len(), 1);
    assert_eq!(back.variants[0].sku.as_deref(), Some("CUP-001"));
    assert_eq!(back.price_from, Some(d("7.90")));

    let renamed = c
        .update_product(
            &p.id,
            &ProductUpdate {
                name: Some("Чаша".into()),
                active: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.name, "Чаша");
    assert_eq!(renamed.active, Some(false));
    sb.shutdown().await;
}

#[tokio::test]
async fn multi_variant_product_with_parameters_and_options() {
    let sb = seeded().await;
    let c = client(&sb);
    let size = c
        .get_or_create_variant_parameter("Размер", "select")
        .await
        .unwrap();
    let again = c
        .get_or_create_variant_parameter("Размер", "select")
        .await
        .unwrap();
    assert_eq!(size.id, again.id);
    let m = c.get_or_create_variant_option(&size.id, "M").await.unwrap();
    let l = c.get_or_create_variant_option(&size.id, "L").await.unwrap();
    let m2 = c.get_or_create_variant_option(&size.id, "m").await.unwrap();
    assert_eq!(m.id, m2.id, "option names are case-insensitive");
    assert_ne!(m.id, l.id);
    assert_eq!(m.parameter_id.as_ref(), Some(&size.id));

    let params: Vec<_> = c.variant_parameters().try_collect().await.unwrap();
    assert_eq!(params.iter().filter(|p| p.name == "Размер").count(), 1);
    let opts: Vec<_> = c
        .variant_options(Some(&size.id))
        .try_collect()
        .await
        .unwrap();
    assert!(
        opts.iter()
            .all(|o| o.parameter_id.as_ref() == Some(&size.id))
    );
    assert_eq!(
        opts.iter()
            .filter(|o| o.name.eq_ignore_ascii_case("m"))
            .count(),
        1
    );
    assert!(opts.iter().any(|o| o.id == l.id));
    sb.shutdown().await;
}

#[tokio::test]
async fn categories_get_or_create_by_name_and_parent() {
    let sb = seeded().await;
    let c = client(&sb);
    let root = c.get_or_create_category("Облекло", None).await.unwrap();
    let shirts = c
        .get_or_create_category("Ризи", Some(&root.id))
        .await
        .unwrap();
    assert_eq!(shirts.parent_id.as_ref(), Some(&root.id));
    // Same name at the top level is another category.
    let top_shirts = c.get_or_create_category("Ризи", None).await.unwrap();
    assert_ne!(top_shirts.id, shirts.id);
    assert_eq!(top_shirts.parent_id, None);
    // Asking again creates nothing.
    let before = count(&sb, "POST", "/api/v2/categories");
    let again = c
        .get_or_create_category("Ризи", Some(&root.id))
        .await
        .unwrap();
    assert_eq!(again.id, shirts.id);
    assert_eq!(count(&sb, "POST", "/api/v2/categories"), before);
    let fetched = c.category(&shirts.id).await.unwrap();
    assert_eq!(fetched.name, "Ризи");
    let all: Vec<_> = c.categories().try_collect().await.unwrap();
    assert!(all.iter().any(|x| x.id == root.id));
    sb.shutdown().await;
}

#[tokio::test]
async fn validation_errors_carry_the_api_detail_and_are_not_retried() {
    let sb = seeded().await;
    let c = client(&sb);
    let p = c
        .create_product(&NewProduct {
            name: "With size".into(),
            category_id: some_category(&c).await,
            active: true,
            tracking: true,
            description: None,
            url_handle: None,
            parameter_ids: vec![],
        })
        .await
        .unwrap();
    let size = c
        .get_or_create_variant_parameter("Size", "select")
        .await
        .unwrap();
    let _ = size;
    // A variant with one option for a product with no parameters: 422.
    let opt = c
        .get_or_create_variant_option(&size.id, "XL")
        .await
        .unwrap();
    let before = count(&sb, "POST", "/api/v2/variants");
    let err = c
        .create_variant(
            &p.id,
            &NewVariant {
                sku: Some("X-1".into()),
                price: d("1"),
                option_ids: vec![opt.id],
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    match &err {
        Error::Api {
            status: 422,
            errors,
            ..
        } => {
            assert!(!errors.is_empty());
            assert!(errors[0].detail.is_some(), "{errors:?}");
        }
        other => panic!("expected 422, got {other:?}"),
    }
    assert_eq!(
        count(&sb, "POST", "/api/v2/variants"),
        before + 1,
        "422 is not retried"
    );
    sb.shutdown().await;
}
