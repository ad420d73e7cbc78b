//! Random order JSON through decoding and planning: nulls, huge and negative numbers, numbers as
//! strings, Unicode, fields of the wrong type, missing fields, consistent orders too. Nothing
//! may panic; each order either plans with its totals to the cent or is refused with a reason.
//!
//! As an ordinary test it is a short smoke (`SMOKE_CASES` pages). `cargo xtask fuzz --minutes N`
//! runs it for N minutes (`SKLADSYNC_FUZZ_SECONDS`); `SKLADSYNC_FUZZ_SEED` repeats a run.

use skladsync_engine::ids::*;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use skladsync_cloudcart::{ListedOrder, MoneyUnits, decode_orders_page};
use skladsync_engine::orders::rounding::ROUNDING_TOLERANCE;
use skladsync_engine::orders::{Catalog, plan_order};
use skladsync_engine::report::OrderProblem;
use skladsync_engine::settings::{CompareBy, ImportSettings, PaymentTypeMapping, SpecialGoods};
use skladsync_warehouse::{DatabaseSettings, Good, PaymentType, money};

const SMOKE_CASES: u64 = 2000;

/// xorshift64*: small, fast, and repeatable from a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn good(id: i64, barcode: Option<&str>, vat: i64) -> Good {
    Good {
        id,
        code: format!("G{id}"),
        name: format!("Стока {id}"),
        barcodes: [barcode.map(str::to_owned), None, None],
        catalogs: [None, None, None],
        measure: "бр.".into(),
        vat_group_id: vat,
        group_id: 2,
        price: Decimal::ZERO,
        purchase_price: Decimal::ZERO,
    }
}

fn catalog(prices_include_vat: bool, base_currency: &str) -> Catalog {
    let mut goods: Vec<Good> = (0..8)
        .map(|i| good(10 + i, Some(&format!("B{i}")), if i == 7 { 2 } else { 1 }))
        .collect();
    // A barcode two goods share, and the special goods.
    goods.push(good(30, Some("B0"), 1));
    goods.push(good(20, None, 1));
    goods.push(good(21, None, 1));
    goods.push(good(22, None, 1));
    Catalog::new(
        goods,
        HashMap::from([(1, Decimal::new(20, 0)), (2, Decimal::new(9, 0))]),
        vec![
            PaymentType {
                id: 1,
                name: "В брой".into(),
                method: 1,
            },
            PaymentType {
                id: 3,
                name: "Карта".into(),
                method: 3,
            },
        ],
        DatabaseSettings {
            prices_include_vat,
            negative_stock_allowed: true,
            items_management: 0,
            numbering_per_object: false,
            base_currency: base_currency.into(),
        },
        CompareBy::BarcodeToBarcode1,
    )
}

fn settings(rng: &mut Rng) -> ImportSettings {
    ImportSettings {
        payment_types: vec![
            PaymentTypeMapping {
                provider: "cod".into(),
                payment_type: PaymentTypeId(1),
            },
            PaymentTypeMapping {
                provider: "borica".into(),
                payment_type: PaymentTypeId(3),
            },
        ],
        special_goods: SpecialGoods {
            delivery: Some(GoodId(20)),
            discount: rng.chance(90).then_some(GoodId(21)),
            fee: Some(GoodId(22)),
        },
        sale_statuses: vec!["paid".into()],
        max_lines: if rng.chance(10) { 3 } else { 500 },
        ..Default::default()
    }
}

/// A value of the wrong kind, an absurd number, Unicode: what a broken shop might send.
fn odd_value(rng: &mut Rng) -> Value {
    match rng.below(22) {
        0 => Value::Null,
        1 => json!(""),
        2 => json!(-1),
        3 => json!(u64::MAX),
        4 => json!(i64::MIN),
        5 => json!(1e300),
        6 => json!(-0.000_000_1),
        7 => json!("79228162514264337593543950335"),
        8 => json!("-79228162514264337593543950336"),
        9 => json!("1e40"),
        10 => json!("0.0000000000000000000000000001"),
        11 => json!("NaN"),
        12 => json!("я"),
        13 => json!("💥\u{0}\u{202e}ЕООД"),
        14 => json!(true),
        15 => json!([1, 2]),
        16 => json!({"value": 1}),
        17 => json!(12.345_678_9),
        18 => json!("12,50"),
        19 => json!(" 7 "),
        20 => json!(999_999_999_999_u64),
        _ => json!(rng.below(100_000) as i64 - 50_000),
    }
}

/// Change some members of an object: an odd value, or remove it.
fn mutate(rng: &mut Rng, m: &mut Map<String, Value>, percent: u64) {
    let keys: Vec<String> = m.keys().cloned().collect();
    for k in keys {
        if rng.chance(percent) {
            if rng.chance(25) {
                m.remove(&k);
            } else {
                m.insert(k, odd_value(rng));
            }
        }
    }
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

/// One listing page of 1–4 orders with their included resources. About a third are left
/// consistent (they should plan), the rest mutated.
fn page(rng: &mut Rng, units: MoneyUnits) -> Value {
    let mut data = Vec::new();
    let mut included = Vec::new();
    let money = |cents: i64| match units {
        MoneyUnits::Minor => json!(cents),
        MoneyUnits::Major => json!(format!("{}", Decimal::new(cents, 2))),
    };
    let mut next_id = 1u64;
    for _ in 0..1 + rng.below(4) {
        let oid = 1000 + rng.below(50);
        let level = match rng.below(3) {
            0 => 0,
            1 => 5,
            _ => 30,
        };
        // A clean order (no mutation, known goods and payment): it should plan.
        let clean = level == 0;
        let mut subtotal = 0i64;
        let mut lines = Vec::new();
        let count = if clean {
            1 + rng.below(4)
        } else {
            rng.below(5)
        };
        for _ in 0..count {
            let q = 1 + rng.below(4) as i64;
            let price = rng.below(20_000) as i64;
            subtotal += q * price;
            let mut a = obj(json!({
                "order_id": oid,
                "name": rng.pick(&["Чаша", "Тениска „Лято“", "Ψ ω", "x"]),
                "barcode": format!("B{}", if clean { 1 + rng.below(7) } else { rng.below(9) }),
                "sku": null,
                "quantity": q,
                "price": money(price),
                "order_price": money(price),
            }));
            mutate(rng, &mut a, level);
            next_id += 1;
            lines.push(json!({"type": "order-products", "id": next_id, "attributes": a}));
        }
        let shipping = rng.pick(&[0i64, 0, 590, 1200]).to_owned();
        let fee = if rng.chance(20) { 150 } else { 0 };
        let discount = if rng.chance(20) { -(subtotal / 10) } else { 0 };
        let total = subtotal + shipping + fee + discount;
        let mut totals = vec![("subtotal", subtotal), ("shipping", shipping)];
        if fee != 0 {
            totals.push(("cod_fee", fee));
        }
        if discount != 0 {
            totals.push(("discount", discount));
        }
        for (i, (code, v)) in totals.into_iter().enumerate() {
            let mut a = obj(json!({
                "order_id": oid, "code": code, "title": code, "value": money(v), "sort_order": i,
            }));
            mutate(rng, &mut a, level / 2);
            next_id += 1;
            included.push(json!({"type": "order-total", "id": next_id, "attributes": a}));
        }
        if discount != 0 {
            next_id += 1;
            included.push(
                json!({"type": "order-discount", "id": next_id, "attributes": {
                    "order_id": oid, "name": "Промо", "discount_type": "percent",
                    "type_value": 10, "value": money(discount),
                }}),
            );
        }
        let mut pay = obj(json!({
            "order_id": oid,
            "provider": if clean { *rng.pick(&["cod", "borica"]) } else { *rng.pick(&["cod", "borica", "paypal", ""]) },
            "amount": money(total),
            "status": rng.pick(&["completed", "pending", "ünknöwn"]),
        }));
        mutate(rng, &mut pay, level / 2);
        next_id += 1;
        included.push(json!({"type": "order-payment", "id": next_id, "attributes": pay}));
        let mut ship = obj(
            json!({"order_id": oid, "provider_name": "Еконт", "provider_amount": money(shipping)}),
        );
        mutate(rng, &mut ship, level / 2);
        next_id += 1;
        included.push(json!({"type": "order-shipping", "id": next_id, "attributes": ship}));
        let mut bill = obj(json!({
            "order_id": oid,
            "first_name": "Иван", "last_name": "Петров",
            "company_name": rng.pick(&["", "Фирма ЕООД", "ACME Ltd"]),
            "company_vat": rng.pick(&["", "BG175074752", "BG123", "DE123456789"]),
            "company_registration_number": rng.pick(&["", "175074752", "1", "8001010000"]),
            "city_name": "София", "street_name": "ул. Шипка", "post_code": "1000",
        }));
        mutate(rng, &mut bill, level / 2);
        next_id += 1;
        included.push(json!({"type": "order-billing-address", "id": next_id, "attributes": bill}));
        included.extend(lines);
        let mut a = obj(json!({
            "status": rng.pick(&["pending", "paid", "cancelled", "Платена"]),
            "currency": if clean { *rng.pick(&["EUR", "BGN", "eur"]) } else { *rng.pick(&["EUR", "EUR", "BGN", "USD", "eur"]) },
            "vat_included": if clean { "yes" } else { *rng.pick(&["yes", "yes", "no"]) },
            "customer_email": rng.pick(&["a@example.bg", "", "ИМЕ@пример.бг"]),
            "customer_first_name": "Иван",
            "price_total": money(total),
            "price_subtotal": money(subtotal),
            "date_added": rng.pick(&["2026-11-30T10:00:00+00:00", "0000-00-00 00:00:00", "2099-12-31 23:59:59"]),
            "updated_at": "2026-11-30T10:00:00+00:00",
            "usn": null,
        }));
        mutate(rng, &mut a, level);
        let id: Value = if !clean && rng.chance(3) {
            odd_value(rng)
        } else {
            json!(oid)
        };
        data.push(json!({"type": "orders", "id": id, "attributes": a}));
    }
    if rng.chance(3) {
        data.push(odd_value(rng));
    }
    json!({"data": data, "included": included, "meta": {"page": {"last-page": 1}}})
}

#[derive(Default, Debug)]
struct Tally {
    pages: u64,
    orders: u64,
    planned: u64,
    refused: u64,
    undecodable: u64,
}

fn one_page(rng: &mut Rng, tally: &mut Tally) -> Result<(), String> {
    let units = if rng.chance(80) {
        MoneyUnits::Minor
    } else {
        MoneyUnits::Major
    };
    let body = page(rng, units);
    let text = body.to_string();
    let items = catch_unwind(AssertUnwindSafe(|| decode_orders_page(&body, units)))
        .map_err(|_| format!("decoding panicked on {text}"))?
        .map_err(|e| format!("the page itself was refused ({e}) on {text}"))?;
    tally.pages += 1;
    for item in items {
        tally.orders += 1;
        let order = match item {
            ListedOrder::Order(o) => o,
            ListedOrder::Undecodable(u) => {
                if u.reason.trim().is_empty() {
                    return Err(format!("an undecodable order without a reason: {text}"));
                }
                tally.undecodable += 1;
                continue;
            }
        };
        let include_vat = rng.chance(70);
        let base = if rng.chance(80) { "EUR" } else { "BGN" };
        let cat = catalog(include_vat, base);
        let import = settings(rng);
        let planned = catch_unwind(AssertUnwindSafe(|| plan_order(&order, &cat, &import)))
            .map_err(|_| format!("planning panicked on {order:?}\nfrom {text}"))?;
        match planned {
            Ok(plan) => {
                tally.planned += 1;
                if plan.lines.is_empty() {
                    return Err(format!("a plan without lines: {order:?}"));
                }
                let shop_total = order.price_total.unwrap_or_default();
                let same = plan.currency == plan.database_currency;
                // What the shop received is the paid amount to the cent; the due amount
                // differs from it only by a rounding note within the tolerance, and says so.
                let diff = plan.document_total - money::round_money(shop_total);
                let noted = plan.warnings.iter().any(|w| {
                    matches!(w, OrderProblem::Rounding { difference, .. } if difference.amount == diff)
                });
                if same
                    && (plan.received != money::round_money(shop_total)
                        || diff.abs() > ROUNDING_TOLERANCE
                        || (!diff.is_zero() && !noted))
                {
                    return Err(format!(
                        "planned {} (received {}) for a shop total of {shop_total}: {order:?}",
                        plan.document_total, plan.received
                    ));
                }
                if plan.document_total.round_dp(2) != plan.document_total {
                    return Err(format!(
                        "a document total not in cents: {}",
                        plan.document_total
                    ));
                }
            }
            Err(reasons) => {
                tally.refused += 1;
                // Every reason is one the plan gives (never a worded one of the queue's past).
                if reasons.is_empty()
                    || reasons
                        .iter()
                        .any(|r| matches!(r, OrderProblem::Recorded { .. }))
                {
                    return Err(format!("refused without a reason: {order:?}"));
                }
            }
        }
    }
    Ok(())
}

#[test]
fn random_orders_never_panic_and_each_plans_to_the_cent_or_is_refused_with_a_reason() {
    let seconds: Option<u64> = std::env::var("SKLADSYNC_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok());
    let seed: u64 = std::env::var("SKLADSYNC_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            if seconds.is_some() {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(1)
                    | 1
            } else {
                0x5eed_1234_abcd_0001
            }
        });
    let mut rng = Rng(seed);
    let mut tally = Tally::default();
    let started = Instant::now();
    let mut failures = Vec::new();
    // The panic message of a caught panic is printed by the hook; keep the output short.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    loop {
        let done = match seconds {
            Some(s) => started.elapsed() >= Duration::from_secs(s),
            None => tally.pages >= SMOKE_CASES,
        };
        if done || failures.len() >= 5 {
            break;
        }
        if let Err(e) = one_page(&mut rng, &mut tally) {
            failures.push(e);
        }
    }
    std::panic::set_hook(hook);
    eprintln!(
        "order fuzz: seed {seed}, {:.0} s, {} pages, {} orders: {} planned, {} refused with reasons, {} undecodable",
        started.elapsed().as_secs_f64(),
        tally.pages,
        tally.orders,
        tally.planned,
        tally.refused,
        tally.undecodable
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(tally.planned > 0 && tally.refused > 0 && tally.undecodable > 0);
}
