//! Paging meta, page walking, filters and the sort allow-list.

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::json;

#[tokio::test]
async fn paging_meta_is_kebab_case_and_walking_pages_sees_every_row_once() {
    let sb = generated(45, 0).await;
    let total_variants = sb.state().variants().len();
    assert!(
        total_variants > 100,
        "need several pages, got {total_variants}"
    );
    let (s, first) = get(&sb, "/variants?page[size]=40").await;
    assert_eq!(s, 200);
    let page = &first["meta"]["page"];
    assert_eq!(page["current-page"], 1);
    assert_eq!(page["per-page"], 40);
    assert_eq!(page["from"], 1);
    assert_eq!(page["to"], 40);
    assert_eq!(page["total"], total_variants);
    let last = page["last-page"].as_u64().unwrap();
    assert_eq!(last, (total_variants as u64).div_ceil(40));
    assert!(
        first.get("jsonapi").is_none(),
        "collections carry no jsonapi member"
    );
    assert!(
        first["links"]["next"]
            .as_str()
            .unwrap()
            .contains("page%5Bnumber%5D=2")
    );

    let mut seen = BTreeSet::new();
    for n in 1..=last {
        // reqwest-style encoding of the brackets must work too.
        let (_, doc) = get(
            &sb,
            &format!("/variants?page%5Bnumber%5D={n}&page%5Bsize%5D=40"),
        )
        .await;
        for id in ids(&doc) {
            assert!(seen.insert(id), "row seen twice");
        }
    }
    assert_eq!(seen.len(), total_variants);

    let (s, past) = get(
        &sb,
        &format!("/variants?page[size]=40&page[number]={}", last + 1),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(past["data"].as_array().unwrap().len(), 0);
    assert!(past["meta"]["page"]["from"].is_null());
    assert!(past["meta"]["page"]["to"].is_null());
    sb.shutdown().await;
}

#[tokio::test]
async fn page_size_defaults_to_20_and_is_capped_at_100() {
    let sb = generated(30, 0).await;
    let (_, d) = get(&sb, "/products").await;
    assert_eq!(d["meta"]["page"]["per-page"], 20);
    assert_eq!(d["data"].as_array().unwrap().len(), 20);
    let (s, _) = get(&sb, "/products?page[size]=100").await;
    assert_eq!(s, 200);
    for bad in ["101", "0", "abc"] {
        let (s, v) = get(&sb, &format!("/products?page[size]={bad}")).await;
        assert_eq!(s, 422, "page[size]={bad}");
        assert_eq!(error_of(&v).2, "page[size]");
    }
    let (s, _) = get(&sb, "/products?page[number]=0").await;
    assert_eq!(s, 422);
    sb.shutdown().await;
}

#[tokio::test]
async fn variant_filters_by_sku_barcode_and_item_id() {
    let sb = generated(20, 0).await;
    let h = sb.state();
    let v = h
        .variants()
        .into_iter()
        .find(|v| v.sku.is_some() && v.barcode.is_some())
        .unwrap();
    let sku = v.sku.clone().unwrap();
    let (_, d) = get(&sb, &format!("/variants?filter[sku]={sku}")).await;
    assert_eq!(ids(&d), vec![v.id.to_string()]);
    assert_eq!(d["data"][0]["attributes"]["sku"], sku);
    let (_, d) = get(
        &sb,
        &format!("/variants?filter[barcode]={}", v.barcode.unwrap()),
    )
    .await;
    assert_eq!(ids(&d), vec![v.id.to_string()]);
    let (_, d) = get(
        &sb,
        &format!("/variants?filter[item_id]={}&page[size]=100", v.item_id),
    )
    .await;
    let expected: Vec<String> = h
        .variants()
        .iter()
        .filter(|x| x.item_id == v.item_id)
        .map(|x| x.id.to_string())
        .collect();
    assert_eq!(ids(&d), expected);
    assert_eq!(d["meta"]["page"]["total"], expected.len());
    // `product_id` is not a column of variants.
    let (s, e) = get(&sb, &format!("/variants?filter[product_id]={}", v.item_id)).await;
    assert_eq!(s, 422);
    assert_eq!(error_of(&e).2, "filter[product_id]");
    let (_, none) = get(&sb, "/variants?filter[sku]=NO-SUCH-SKU").await;
    assert_eq!(none["data"].as_array().unwrap().len(), 0);
    assert_eq!(none["meta"]["page"]["total"], 0);
    sb.shutdown().await;
}

#[tokio::test]
async fn product_sku_filter_returns_the_parent_product_with_variants() {
    let sb = generated(10, 0).await;
    let v = sb
        .state()
        .variants()
        .into_iter()
        .find(|v| v.sku.is_some())
        .unwrap();
    let (_, d) = get(
        &sb,
        &format!("/products?filter[sku]={}&include=variants", v.sku.unwrap()),
    )
    .await;
    assert_eq!(ids(&d), vec![v.item_id.to_string()]);
    let included: Vec<&serde_json::Value> = d["included"].as_array().unwrap().iter().collect();
    assert!(included.iter().all(|r| r["type"] == "variants"));
    assert!(
        included
            .iter()
            .any(|r| r["id"] == v.id.to_string().as_str())
    );
    assert!(d["data"][0]["relationships"]["variants"]["data"].is_array());
    sb.shutdown().await;
}

#[tokio::test]
async fn categories_filter_by_parent_and_name_and_include_parent() {
    let sb = generated(5, 0).await;
    let cats = sb.state().categories();
    let parent = cats.iter().find(|c| c.name == "Облекло").unwrap();
    let (_, d) = get(&sb, &format!("/categories?filter[parent_id]={}", parent.id)).await;
    let names: Vec<&str> = d["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["attributes"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Мъжки дрехи", "Дамски дрехи", "Аксесоари"]);
    let (_, d) = get(&sb, "/categories?filter[name]=Аксесоари&include=parent").await;
    assert_eq!(
        d["data"].as_array().unwrap().len(),
        1,
        "filter[name] on categories is a list"
    );
    assert_eq!(d["included"][0]["id"], parent.id.to_string());
    assert_eq!(
        d["data"][0]["relationships"]["parent"]["data"]["id"],
        parent.id.to_string()
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn variant_parameter_name_filter_is_single_record_mode() {
    let sb = generated(5, 0).await;
    let (_, d) = get(&sb, "/variant-parameters?filter[name]=Цвят").await;
    assert!(
        d["data"].is_object(),
        "single-record mode returns an object"
    );
    assert_eq!(d["data"]["attributes"]["name"], "Цвят");
    let pid = d["data"]["id"].as_str().unwrap().to_string();
    let (_, o) = get(
        &sb,
        &format!("/variant-options?filter[parameter_id]={pid}&filter[name]=Червен"),
    )
    .await;
    assert_eq!(o["data"]["attributes"]["name"], "Червен");
    assert_eq!(o["data"]["relationships"]["parameter"]["data"]["id"], pid);
    let (s, none) = get(&sb, "/variant-parameters?filter[name]=Няма").await;
    assert_eq!(s, 200);
    assert!(none["data"].is_null());
    sb.shutdown().await;
}

#[tokio::test]
async fn order_sub_resources_filter_by_order_id() {
    let sb = generated(10, 6).await;
    let o = sb.state().orders()[2].clone();
    let (_, d) = get(&sb, &format!("/order-products?filter[order_id]={}", o.id)).await;
    let want: Vec<String> = o.products.iter().map(|l| l.id.to_string()).collect();
    assert_eq!(ids(&d), want);
    assert!(
        d["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["attributes"]["order_id"] == o.id)
    );
    let (_, t) = get(&sb, &format!("/order-total?filter[order_id]={}", o.id)).await;
    let codes: Vec<&str> = t["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["attributes"]["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"grand_total"));
    sb.shutdown().await;
}

#[tokio::test]
async fn orders_filter_by_date_window_and_status() {
    let sb = generated(10, 30).await;
    let orders = sb.state().orders();
    let mid = orders[15].date_added;
    let day = mid.format("%Y-%m-%d").to_string();
    let (_, d) = get(
        &sb,
        &format!("/orders?filter[start_date]={day}&page[size]=100"),
    )
    .await;
    let want: Vec<String> = orders
        .iter()
        .filter(|o| o.date_added.format("%Y-%m-%d").to_string() >= day)
        .map(|o| o.id.to_string())
        .collect();
    assert_eq!(ids(&d), want);
    let (_, d) = get(
        &sb,
        &format!("/orders?filter[end_date]={day}&page[size]=100"),
    )
    .await;
    let want: Vec<String> = orders
        .iter()
        .filter(|o| o.date_added.format("%Y-%m-%d").to_string() <= day)
        .map(|o| o.id.to_string())
        .collect();
    assert_eq!(ids(&d), want);
    let (_, d) = get(
        &sb,
        &format!("/orders?filter[date_added]={day}&page[size]=100"),
    )
    .await;
    assert!(ids(&d).contains(&orders[15].id.to_string()));
    let (s, _) = get(&sb, "/orders?filter[start_date]=yesterday").await;
    assert_eq!(s, 422);
    let (_, d) = get(&sb, "/orders?filter[status]=completed&page[size]=100").await;
    let n = orders.iter().filter(|o| o.status == "completed").count();
    assert!(n > 0);
    assert_eq!(d["meta"]["page"]["total"], n);
    sb.shutdown().await;
}

#[tokio::test]
async fn sort_allow_list_and_descending_updated_at() {
    let sb = generated(5, 20).await;
    let (s, d) = get(&sb, "/orders?sort=-updated_at&page[size]=100").await;
    assert_eq!(s, 200);
    let times: Vec<String> = d["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["attributes"]["updated_at"].as_str().unwrap().to_string())
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(times, sorted);
    assert!(times[0].ends_with("+00:00"));
    for bad in [
        "/orders?sort=price_total",
        "/variants?sort=date_added",
        "/products?sort=-sku",
    ] {
        let (s, v) = get(&sb, bad).await;
        assert_eq!(s, 422, "{bad}");
        assert_eq!(error_of(&v).2, "sort");
    }
    let (_, d) = get(&sb, "/variants?sort=-price,id&page[size]=100").await;
    let prices: Vec<i64> = d["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["attributes"]["price"].as_i64().unwrap())
        .collect();
    assert!(prices.windows(2).all(|w| w[0] >= w[1]));
    sb.shutdown().await;
}

#[tokio::test]
async fn unknown_include_is_rejected() {
    let sb = generated(2, 1).await;
    let (s, v) = get(&sb, "/products?include=reviews").await;
    assert_eq!(s, 422);
    assert_eq!(error_of(&v).2, "include");
    let (s, _) = get(&sb, "/orders?include=shipping.provider.zone").await;
    assert_eq!(s, 400, "orders answer 400 for an unknown include");
    sb.shutdown().await;
}

#[tokio::test]
async fn full_order_with_every_include() {
    let sb = generated(10, 0).await;
    let h = sb.state();
    let v = h
        .variants()
        .into_iter()
        .find(|v| v.quantity.unwrap_or(0.0) >= 2.0)
        .unwrap();
    let id = h
        .place_order(cloudcart_sandbox::PlaceOrder {
            lines: vec![cloudcart_sandbox::PlaceOrderLine {
                variant_id: v.id,
                quantity: 2.0,
            }],
            customer: Some(cloudcart_sandbox::Shopper {
                first_name: "Мария".into(),
                last_name: "Петрова".into(),
                email: "maria@example.bg".into(),
                city: "Варна".into(),
                post_code: "9000".into(),
                street: "ул. „Шипка“".into(),
                company: Some(cloudcart_sandbox::Company {
                    name: "Балкан Стил ООД".into(),
                    eik: "131468980".into(),
                    vat: Some("BG131468980".into()),
                    person: "Мария Петрова".into(),
                }),
                ..Default::default()
            }),
            payment_provider: Some("bank_transfer".into()),
            shipping_amount: Some(590),
            discount_percent: Some(10),
            ..Default::default()
        })
        .unwrap();
    let (s, d) = get(
        &sb,
        &format!(
            "/orders/{id}?include=products,payment,discounts,modifications,totals,taxes,shipping.provider,shipping-address,billing-address"
        ),
    )
    .await;
    assert_eq!(s, 200);
    let a = &d["data"]["attributes"];
    let line = v.price * 2;
    let after = (v.price - v.price * 10 / 100) * 2;
    assert_eq!(a["price_products_subtotal"], line);
    assert_eq!(a["price_subtotal"], after);
    assert_eq!(a["price_total"], after + 590);
    assert_eq!(a["usn"], serde_json::Value::Null);
    assert_eq!(a["status"], "pending");
    let inc = d["included"].as_array().unwrap();
    let of = |t: &str| inc.iter().filter(|r| r["type"] == t).collect::<Vec<_>>();
    assert_eq!(of("order-products").len(), 1);
    assert_eq!(of("order-products")[0]["attributes"]["variant_id"], v.id);
    assert_eq!(of("order-products")[0]["attributes"]["price"], v.price);
    assert_eq!(
        of("order-payment")[0]["attributes"]["provider"],
        "bank_transfer"
    );
    assert_eq!(of("order-payment")[0]["attributes"]["amount"], after + 590);
    assert_eq!(of("order-discount").len(), 1);
    assert_eq!(of("order-tax")[0]["attributes"]["name"], "ДДС 20%");
    assert_eq!(
        of("order-shipping")[0]["attributes"]["provider_amount"],
        590
    );
    assert_eq!(of("shipping-providers").len(), 1);
    let billing = &of("order-billing-address")[0]["attributes"];
    assert_eq!(billing["company_registration_number"], "131468980");
    assert_eq!(billing["company_vat"], "BG131468980");
    assert_eq!(billing["company_person"], "Мария Петрова");
    assert_eq!(
        of("order-shipping-address")[0]["attributes"]["city_name"],
        "Варна"
    );
    assert!(
        of("order-shipping-address")[0]["attributes"]
            .get("company_vat")
            .is_none()
    );
    let totals = of("order-total");
    let grand = totals
        .iter()
        .find(|t| t["attributes"]["code"] == "grand_total")
        .unwrap();
    assert_eq!(grand["attributes"]["value"], after + 590);
    // Related-resource URL.
    let (_, rel) = get(&sb, &format!("/orders/{id}/products")).await;
    assert_eq!(rel["data"][0]["type"], "order-products");
    let (_, link) = get(&sb, &format!("/orders/{id}/relationships/payment")).await;
    assert_eq!(link["data"]["type"], "order-payment");
    sb.shutdown().await;
}

#[tokio::test]
async fn generated_shop_is_realistic() {
    let sb = generated(40, 20).await;
    let h = sb.state();
    let products = h.products();
    assert_eq!(products.len(), 40);
    assert!(
        products
            .iter()
            .any(|p| p.parameter_ids.iter().flatten().count() == 2)
    );
    assert!(
        products
            .iter()
            .any(|p| p.parameter_ids.iter().all(|x| x.is_none()))
    );
    for p in &products {
        let vs: Vec<_> = h
            .variants()
            .into_iter()
            .filter(|v| v.item_id == p.id)
            .collect();
        assert!(!vs.is_empty(), "every generated product has a variant");
        let cheapest = vs.iter().min_by_key(|v| (v.price, v.id)).unwrap();
        assert_eq!(p.default_variant_id, Some(cheapest.id));
    }
    for v in h.variants() {
        if let Some(b) = &v.barcode {
            assert_eq!(b.len(), 13);
            let check = cloudcart_sandbox_ean_check(&b[..12]);
            assert_eq!(b.chars().last().unwrap().to_digit(10).unwrap(), check);
        }
    }
    let orders = h.orders();
    assert_eq!(orders.len(), 20);
    assert!(
        orders
            .iter()
            .any(|o| o.billing_address.company_registration_number.is_some())
    );
    let providers: BTreeSet<String> = orders.iter().map(|o| o.payment.provider.clone()).collect();
    assert!(providers.len() >= 2);
    // Same seed, same shop.
    let again = generated(40, 20).await;
    assert_eq!(again.state().export().products.len(), 40);
    assert_eq!(again.state().variants(), h.variants());
    again.shutdown().await;
    sb.shutdown().await;
}

fn cloudcart_sandbox_ean_check(d12: &str) -> u32 {
    let sum: u32 = d12
        .chars()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).unwrap() * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    (10 - sum % 10) % 10
}

#[tokio::test]
async fn json_seed_round_trips_through_export() {
    let sb = generated(6, 3).await;
    let exported = serde_json::to_value(sb.state().export()).unwrap();
    let copy = start(cloudcart_sandbox::Seed::Json(exported)).await;
    assert_eq!(copy.state().products(), sb.state().products());
    assert_eq!(copy.state().orders(), sb.state().orders());
    // New ids do not collide with seeded ones.
    let cat = copy.state().categories()[0].id.to_string();
    let (s, p) = post(&copy, "/products", product_body("Нов продукт", &cat)).await;
    assert_eq!(s, 201);
    let new_id: u64 = p["data"]["id"].as_str().unwrap().parse().unwrap();
    assert!(sb.state().products().iter().all(|x| x.id < new_id));
    let minimal = json!({"categories": [{"id": 7, "name": "Само"}]});
    let tiny = start(cloudcart_sandbox::Seed::Json(minimal)).await;
    assert_eq!(tiny.state().categories()[0].name, "Само");
    assert!(!tiny.state().export().payment_providers.is_empty());
    tiny.shutdown().await;
    copy.shutdown().await;
    sb.shutdown().await;
}

#[tokio::test]
async fn customers_email_filter_is_single_record_mode() {
    let sb = generated(5, 6).await;
    let c = sb.state().customers()[0].clone();
    let (s, d) = get(
        &sb,
        &format!("/customers?filter[email]={}", c.email.to_uppercase()),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(d["data"]["id"], c.id.to_string());
    assert_eq!(d["data"]["attributes"]["first_name"], c.first_name);
    let orders = sb
        .state()
        .orders()
        .into_iter()
        .filter(|o| o.customer_id == Some(c.id))
        .count();
    assert_eq!(d["data"]["attributes"]["orders_total"], orders);
    let (_, none) = get(&sb, "/customers?filter[email]=nobody@example.bg").await;
    assert!(none["data"].is_null());
    sb.shutdown().await;
}
