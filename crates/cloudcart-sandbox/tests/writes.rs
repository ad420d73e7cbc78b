//! Write rules: products, variants, parameters, money, orders and usn.

mod common;

use common::*;
use serde_json::{Value, json};

async fn new_product(sb: &cloudcart_sandbox::Sandbox, params: &[&str]) -> String {
    let cat = sb.state().categories()[0].id.to_string();
    let mut body = product_body("Тестов продукт", &cat);
    for (i, p) in params.iter().enumerate() {
        body["data"]["relationships"][format!("parameter{}", i + 1)] =
            json!({"data": {"type": "variant-parameters", "id": p}});
    }
    let (s, v) = post(sb, "/products", body).await;
    assert_eq!(s, 201, "{v}");
    v["data"]["id"].as_str().unwrap().to_string()
}

fn variant_body(product: &str, options: &[(usize, &str)], attrs: Value) -> Value {
    let mut rels = json!({"product": {"data": {"type": "products", "id": product}}});
    for (slot, id) in options {
        rels[format!("option{slot}")] = json!({"data": {"type": "variant-options", "id": id}});
    }
    json!({"data": {"type": "variants", "attributes": attrs, "relationships": rels}})
}

fn option_id(sb: &cloudcart_sandbox::Sandbox, name: &str) -> String {
    sb.state()
        .variant_options()
        .iter()
        .find(|o| o.name == name)
        .unwrap()
        .id
        .to_string()
}

fn param_id(sb: &cloudcart_sandbox::Sandbox, name: &str) -> String {
    sb.state()
        .variant_parameters()
        .iter()
        .find(|o| o.name == name)
        .unwrap()
        .id
        .to_string()
}

#[tokio::test]
async fn product_post_creates_no_variant_and_ignores_variant_attributes() {
    let sb = generated(2, 0).await;
    let cat = sb.state().categories()[0].id.to_string();
    let mut body = product_body("Мед липов 400 г", &cat);
    body["data"]["attributes"]["sku"] = json!("HNY-1");
    body["data"]["attributes"]["price"] = json!(1299);
    body["data"]["attributes"]["quantity"] = json!(5);
    let resp = call(&sb, reqwest::Method::POST, "/products", Some(body)).await;
    assert_eq!(resp.status().as_u16(), 201);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    let (_, v) = json_of(resp).await;
    let id = v["data"]["id"].as_str().unwrap();
    assert_eq!(location, format!("{}/products/{id}", sb.api_url()));
    assert_eq!(v["data"]["attributes"]["price_from"], 0);
    assert!(v["data"]["attributes"]["default_variant_id"].is_null());
    assert!(v["data"]["attributes"].get("sku").is_none());
    let (_, vs) = get(&sb, &format!("/variants?filter[item_id]={id}")).await;
    assert_eq!(vs["meta"]["page"]["total"], 0);
    // Required fields.
    let (s, e) = post(
        &sb,
        "/products",
        json!({"data": {"type": "products", "attributes": {"name": "Без категория"}}}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(error_of(&e).2, "/data/relationships/category");
    let (s, e) = post(
        &sb,
        "/products",
        json!({"data": {"type": "products", "attributes": {},
        "relationships": {"category": {"data": {"type": "categories", "id": cat}}}}}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(error_of(&e).2, "/data/attributes/name");
    assert_eq!(e["errors"][0]["title"], "Unprocessable Entity");
    sb.shutdown().await;
}

#[tokio::test]
async fn simple_product_gets_one_default_variant_and_no_second() {
    let sb = generated(1, 0).await;
    let pid = new_product(&sb, &[]).await;
    let (s, v) = post(
        &sb,
        "/variants",
        variant_body(
            &pid,
            &[],
            json!({"sku": "S-1", "barcode": "3800000000017", "price": 1999, "quantity": 5}),
        ),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let vid = v["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        v["data"]["attributes"]["item_id"],
        pid.parse::<u64>().unwrap()
    );
    assert!(v["data"]["attributes"]["v1_id"].is_null());
    let (_, p) = get(&sb, &format!("/products/{pid}")).await;
    assert_eq!(
        p["data"]["attributes"]["default_variant_id"],
        vid.parse::<u64>().unwrap()
    );
    assert_eq!(p["data"]["attributes"]["price_from"], 1999);
    assert_eq!(p["data"]["relationships"]["variant"]["data"]["id"], vid);
    let (s, e) = post(
        &sb,
        "/variants",
        variant_body(&pid, &[], json!({"sku": "S-2", "price": 100})),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(error_of(&e).2, "/data/relationships/product");
    // An option on a product without parameters is the count rule.
    let red = option_id(&sb, "Червен");
    let (s, e) = post(
        &sb,
        "/variants",
        variant_body(&pid, &[(1, &red)], json!({"price": 100})),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(
        error_of(&e).1,
        "You are trying to save variant with 1 options, but your product requires 0"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn multi_variant_option_rules() {
    let sb = generated(1, 0).await;
    let color = param_id(&sb, "Цвят");
    let size = param_id(&sb, "Размер");
    let pid = new_product(&sb, &[&color, &size]).await;
    let (red, m, l) = (
        option_id(&sb, "Червен"),
        option_id(&sb, "M"),
        option_id(&sb, "L"),
    );
    let (s, e) = post(
        &sb,
        "/variants",
        variant_body(&pid, &[(1, &red)], json!({"price": 2500})),
    )
    .await;
    assert_eq!(s, 422);
    let (_, detail, pointer) = error_of(&e);
    assert_eq!(
        detail,
        "You are trying to save variant with 1 options, but your product requires 2"
    );
    assert_eq!(pointer, "/data/relationships");
    // Options in the wrong slots.
    let (s, e) = post(
        &sb,
        "/variants",
        variant_body(&pid, &[(1, &m), (2, &red)], json!({"price": 2500})),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(error_of(&e).2, "/data/relationships/option1");
    let (s, v) = post(
        &sb,
        "/variants",
        variant_body(
            &pid,
            &[(1, &red), (2, &m)],
            json!({"price": 2500, "sku": "R-M"}),
        ),
    )
    .await;
    assert_eq!(s, 201);
    assert_eq!(v["data"]["attributes"]["v1"], "Червен");
    assert_eq!(v["data"]["attributes"]["v2"], "M");
    let (s, _) = post(
        &sb,
        "/variants",
        variant_body(&pid, &[(1, &red), (2, &m)], json!({"price": 2500})),
    )
    .await;
    assert_eq!(s, 422, "same combination twice");
    let (s, cheaper) = post(
        &sb,
        "/variants",
        variant_body(&pid, &[(1, &red), (2, &l)], json!({"price": 2400})),
    )
    .await;
    assert_eq!(s, 201);
    let (_, p) = get(&sb, &format!("/products/{pid}?include=variants")).await;
    assert_eq!(p["data"]["attributes"]["p1"], "Цвят");
    assert_eq!(p["data"]["attributes"]["price_from"], 2400);
    assert_eq!(p["data"]["attributes"]["price_to"], 2500);
    assert_eq!(
        p["data"]["relationships"]["variant"]["data"]["id"],
        cheaper["data"]["id"]
    );
    assert_eq!(p["included"].as_array().unwrap().len(), 2);
    // Changing a parameter deletes every variant.
    let (s, _) = patch(
        &sb,
        &format!("/products/{pid}"),
        json!({"data": {"type": "products", "id": pid,
        "relationships": {"parameter2": {"data": null}}}}),
    )
    .await;
    assert_eq!(s, 200);
    let (_, vs) = get(&sb, &format!("/variants?filter[item_id]={pid}")).await;
    assert_eq!(vs["meta"]["page"]["total"], 0);
    sb.shutdown().await;
}

#[tokio::test]
async fn money_must_be_integer_minor_units() {
    let sb = generated(3, 0).await;
    let v = sb.state().variants()[0].clone();
    let path = format!("/variants/{}", v.id);
    for bad in [
        json!(19.99),
        json!("19.99"),
        json!("1999"),
        json!(-5),
        json!(1999.0),
    ] {
        let (s, e) = patch(&sb, &path, json!({"data": {"type": "variants", "id": v.id.to_string(), "attributes": {"price": bad}}})).await;
        assert_eq!(s, 422, "price {bad}");
        assert_eq!(error_of(&e).2, "/data/attributes/price");
    }
    assert_eq!(
        sb.state().variant(v.id).unwrap().price,
        v.price,
        "nothing changed"
    );
    let (s, e) = patch(&sb, &path, json!({"data": {"type": "variants", "id": v.id.to_string(), "attributes": {"delivery_price": 2.5}}})).await;
    assert_eq!(s, 422);
    assert_eq!(error_of(&e).2, "/data/attributes/delivery_price");
    let (s, ok) = patch(&sb, &path, json!({"data": {"type": "variants", "id": v.id.to_string(),
        "attributes": {"price": 1899, "quantity": 7, "sku": "NEW-SKU", "barcode": "3800000000024"}}})).await;
    assert_eq!(s, 200);
    assert_eq!(ok["data"]["attributes"]["price"], 1899);
    assert_eq!(ok["data"]["attributes"]["quantity"], 7);
    let after = sb.state().variant(v.id).unwrap();
    assert_eq!(
        (after.price, after.quantity, after.sku.as_deref()),
        (1899, Some(7.0), Some("NEW-SKU"))
    );
    let (s, e) = patch(&sb, &path, json!({"data": {"type": "variants", "id": v.id.to_string(), "attributes": {"quantity": "7"}}})).await;
    assert_eq!(s, 422);
    assert_eq!(error_of(&e).2, "/data/attributes/quantity");
    let (s, ok) = patch(&sb, &path, json!({"data": {"type": "variants", "id": v.id.to_string(), "attributes": {"quantity": 2.5}}})).await;
    assert_eq!(s, 200);
    assert_eq!(ok["data"]["attributes"]["quantity"], 2.5);
    sb.shutdown().await;
}

#[tokio::test]
async fn patch_must_repeat_the_id_as_a_string() {
    let sb = generated(2, 0).await;
    let v = sb.state().variants()[0].clone();
    let path = format!("/variants/{}", v.id);
    let (s, e) = patch(
        &sb,
        &path,
        json!({"data": {"type": "variants", "attributes": {"quantity": 1}}}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(error_of(&e).2, "/data/id");
    let (s, _) = patch(
        &sb,
        &path,
        json!({"data": {"type": "variants", "id": v.id, "attributes": {"quantity": 1}}}),
    )
    .await;
    assert_eq!(s, 422, "numeric id");
    let (s, _) = patch(
        &sb,
        &path,
        json!({"data": {"type": "variants", "id": "1", "attributes": {"quantity": 1}}}),
    )
    .await;
    assert_eq!(s, 409);
    let (s, _) = patch(&sb, &path, json!({"data": {"type": "products", "id": v.id.to_string(), "attributes": {"quantity": 1}}})).await;
    assert_eq!(s, 409);
    assert_eq!(sb.state().variant(v.id).unwrap().quantity, v.quantity);
    sb.shutdown().await;
}

#[tokio::test]
async fn parameters_and_options_get_or_create() {
    let sb = start(cloudcart_sandbox::Seed::Empty).await;
    let (s, p) = post(&sb, "/variant-parameters", json!({"data": {"type": "variant-parameters", "attributes": {"name": "Материя", "display_type": "select"}}})).await;
    assert_eq!(s, 201);
    let pid = p["data"]["id"].as_str().unwrap().to_string();
    let (s, e) = post(&sb, "/variant-parameters", json!({"data": {"type": "variant-parameters", "attributes": {"name": "материя", "display_type": "select"}}})).await;
    assert_eq!(s, 422, "names are unique store-wide");
    assert_eq!(error_of(&e).2, "/data/attributes/name");
    let (s, _) = post(&sb, "/variant-parameters", json!({"data": {"type": "variant-parameters", "attributes": {"name": "Вкус", "display_type": "dropdown"}}})).await;
    assert_eq!(s, 422);
    let opt = |name: &str| {
        json!({"data": {"type": "variant-options", "attributes": {"name": name},
        "relationships": {"parameter": {"data": {"type": "variant-parameters", "id": pid}}}}})
    };
    let (s, o) = post(&sb, "/variant-options", opt("Памук")).await;
    assert_eq!(s, 201);
    assert_eq!(o["data"]["relationships"]["parameter"]["data"]["id"], pid);
    let (s, _) = post(&sb, "/variant-options", opt("ПАМУК")).await;
    assert_eq!(s, 422);
    let (_, inc) = get(
        &sb,
        &format!("/variant-parameters/{pid}?include=variant-options"),
    )
    .await;
    assert_eq!(inc["included"][0]["attributes"]["name"], "Памук");
    let (s, _) = post(
        &sb,
        "/variant-options",
        json!({"data": {"type": "variant-options", "attributes": {"name": "Лен"}}}),
    )
    .await;
    assert_eq!(s, 422, "parameter relationship is required");
    sb.shutdown().await;
}

#[tokio::test]
async fn delete_guards_and_soft_delete() {
    let sb = generated(3, 0).await;
    let p = sb.state().products()[0].clone();
    let cat = p.category_id.unwrap();
    let (s, e) = delete(&sb, &format!("/categories/{cat}")).await;
    assert_eq!(s, 422);
    assert_eq!(e["errors"][0]["detail"], "Not Deletable");
    let (s, _) = delete(&sb, &format!("/products/{}", p.id)).await;
    assert_eq!(s, 204);
    let (s, _) = get(&sb, &format!("/products/{}", p.id)).await;
    assert_eq!(s, 404, "soft-deleted products are 404, never 410");
    let (_, vs) = get(&sb, &format!("/variants?filter[item_id]={}", p.id)).await;
    assert_eq!(vs["meta"]["page"]["total"], 0);
    sb.shutdown().await;
}

#[tokio::test]
async fn usn_is_write_once_and_unique() {
    let sb = generated(5, 3).await;
    let orders: Vec<_> = sb
        .state()
        .orders()
        .into_iter()
        .filter(|o| o.usn.is_none())
        .collect();
    let (a, b) = (orders[0].id.to_string(), orders[1].id.to_string());
    let body = |id: &str, usn: &str| json!({"data": {"type": "orders", "id": id, "attributes": {"usn": usn}}});
    let (s, v) = patch(
        &sb,
        &format!("/orders/{a}"),
        body(&a, "DT000600-OP01-0000001"),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v["data"]["attributes"]["usn"], "DT000600-OP01-0000001");
    // The same value again is harmless.
    let (s, _) = patch(
        &sb,
        &format!("/orders/{a}"),
        body(&a, "DT000600-OP01-0000001"),
    )
    .await;
    assert_eq!(s, 200);
    let (s, e) = patch(
        &sb,
        &format!("/orders/{a}"),
        body(&a, "DT000600-OP01-0000002"),
    )
    .await;
    assert_eq!(s, 422);
    let (_, detail, pointer) = error_of(&e);
    assert_eq!(detail, "You can set USN only once");
    assert_eq!(pointer, "/data/attributes/usn");
    let (s, e) = patch(
        &sb,
        &format!("/orders/{b}"),
        body(&b, "DT000600-OP01-0000001"),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(error_of(&e).1, "The usn has already been taken.");
    assert_eq!(
        sb.state().order(a.parse().unwrap()).unwrap().usn.as_deref(),
        Some("DT000600-OP01-0000001")
    );
    assert_eq!(sb.state().order(b.parse().unwrap()).unwrap().usn, None);
    sb.shutdown().await;
}

#[tokio::test]
async fn order_patch_allows_only_listed_fields_and_status_gates() {
    let sb = generated(5, 0).await;
    let h = sb.state();
    let v = h
        .variants()
        .into_iter()
        .find(|v| v.quantity.unwrap_or(0.0) >= 1.0)
        .unwrap();
    let id = h
        .place_order(cloudcart_sandbox::PlaceOrder {
            lines: vec![cloudcart_sandbox::PlaceOrderLine {
                variant_id: v.id,
                quantity: 1.0,
            }],
            ..Default::default()
        })
        .unwrap()
        .to_string();
    let path = format!("/orders/{id}");
    let attrs = |a: Value| json!({"data": {"type": "orders", "id": id, "attributes": a}});
    for field in ["status_fulfillment", "status_id", "price_total"] {
        let (s, e) = patch(&sb, &path, attrs(json!({field: "x"}))).await;
        assert_eq!(s, 422, "{field}");
        assert_eq!(error_of(&e).2, format!("/data/attributes/{field}"));
    }
    let (s, _) = patch(&sb, &path, attrs(json!({"status": "chargebacked"}))).await;
    assert_eq!(s, 422, "gateway-only status");
    let (s, _) = patch(&sb, &path, attrs(json!({"status": "completed"}))).await;
    assert_eq!(s, 422, "completed needs paid + fulfilled");
    let (s, ok) = patch(
        &sb,
        &path,
        attrs(json!({"status": "paid", "note_administrator": "платено по банка"})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(ok["data"]["attributes"]["status"], "paid");
    let (s, _) = patch(&sb, &path, attrs(json!({"status": "cancelled"}))).await;
    assert_eq!(s, 422, "a paid order cannot be cancelled");
    let (s, f) = patch(&sb, &format!("{path}/fulfill"), json!(null)).await;
    assert_eq!(s, 200, "{f}");
    assert_eq!(
        f["data"]["attributes"]["status"], "completed",
        "paid + fulfilled is promoted"
    );
    let (s, _) = patch(
        &sb,
        &path,
        attrs(json!({"status": "order-awaiting-confirmation"})),
    )
    .await;
    assert_eq!(s, 200, "custom statuses by slug");
    sb.shutdown().await;
}

#[tokio::test]
async fn placing_an_order_decrements_stock_and_refuses_overselling() {
    let sb = generated(8, 0).await;
    let h = sb.state();
    let v = h
        .variants()
        .into_iter()
        .find(|v| {
            let p = h.product(v.item_id).unwrap();
            p.tracking == "yes" && p.continue_selling == "no" && v.quantity.unwrap_or(0.0) >= 3.0
        })
        .unwrap();
    let q = v.quantity.unwrap();
    let line = |n: f64| cloudcart_sandbox::PlaceOrder {
        lines: vec![cloudcart_sandbox::PlaceOrderLine {
            variant_id: v.id,
            quantity: n,
        }],
        ..Default::default()
    };
    h.place_order(line(2.0)).unwrap();
    let (_, after) = get(&sb, &format!("/variants/{}", v.id)).await;
    assert_eq!(
        after["data"]["attributes"]["quantity"].as_f64().unwrap(),
        q - 2.0
    );
    assert!(h.place_order(line(q)).is_err());
    sb.shutdown().await;
}
