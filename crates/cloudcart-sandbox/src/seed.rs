//! A deterministic generator of a realistic Bulgarian shop.

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::model::*;
use crate::shop::{self, Company, PlaceOrder, PlaceOrderLine, Shopper};
use crate::state::State;
use crate::writes::slugify;

/// EAN-13 check digit for 12 digits.
pub fn ean13_check(digits12: &str) -> u32 {
    let sum: u32 = digits12
        .chars()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d } else { d * 3 })
        .sum();
    (10 - sum % 10) % 10
}

/// A valid Bulgarian EAN-13 (prefix 380).
pub fn ean13(seq: u64) -> String {
    let body = format!("3800{:08}", seq % 100_000_000);
    format!("{body}{}", ean13_check(&body))
}

/// Check digit of a 9-digit ЕИК (Булстат) from its first 8 digits.
pub fn eik_check(d8: &[u32; 8]) -> u32 {
    let s1: u32 = d8.iter().enumerate().map(|(i, d)| d * (i as u32 + 1)).sum();
    let r = s1 % 11;
    if r != 10 {
        return r;
    }
    let s2: u32 = d8.iter().enumerate().map(|(i, d)| d * (i as u32 + 3)).sum();
    let r2 = s2 % 11;
    if r2 == 10 { 0 } else { r2 }
}

/// A valid 9-digit ЕИК.
pub fn eik(rng: &mut StdRng) -> String {
    let mut d = [0u32; 8];
    d[0] = rng.random_range(1..=2);
    for x in d.iter_mut().skip(1) {
        *x = rng.random_range(0..=9);
    }
    let c = eik_check(&d);
    d.iter()
        .chain(std::iter::once(&c))
        .map(|x| char::from_digit(*x, 10).unwrap_or('0'))
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum Dims {
    None,
    Color,
    Size,
    ColorSize,
}

struct Template {
    base: &'static str,
    category: &'static str,
    sku: &'static str,
    /// Price range in whole euros.
    price: (i64, i64),
    dims: Dims,
    grams: i64,
}

const fn t(
    base: &'static str,
    category: &'static str,
    sku: &'static str,
    price: (i64, i64),
    dims: Dims,
    grams: i64,
) -> Template {
    Template {
        base,
        category,
        sku,
        price,
        dims,
        grams,
    }
}

const TEMPLATES: &[Template] = &[
    t(
        "Тениска памучна",
        "Мъжки дрехи",
        "TSH",
        (12, 29),
        Dims::ColorSize,
        180,
    ),
    t(
        "Суитшърт с качулка",
        "Мъжки дрехи",
        "SWT",
        (29, 59),
        Dims::Size,
        450,
    ),
    t(
        "Дънки прави",
        "Мъжки дрехи",
        "JNS",
        (35, 79),
        Dims::Size,
        600,
    ),
    t(
        "Рокля лятна",
        "Дамски дрехи",
        "DRS",
        (39, 99),
        Dims::ColorSize,
        300,
    ),
    t(
        "Блуза с бродерия",
        "Дамски дрехи",
        "BLZ",
        (25, 55),
        Dims::Size,
        200,
    ),
    t("Шал вълнен", "Аксесоари", "SHL", (15, 35), Dims::Color, 150),
    t(
        "Шапка плетена",
        "Аксесоари",
        "HAT",
        (9, 19),
        Dims::Color,
        100,
    ),
    t(
        "Чаша керамична 350 мл",
        "Дом и кухня",
        "MUG",
        (6, 15),
        Dims::Color,
        350,
    ),
    t(
        "Тиган с незалепващо покритие 28 см",
        "Дом и кухня",
        "PAN",
        (25, 69),
        Dims::None,
        1200,
    ),
    t(
        "Комплект спално бельо",
        "Дом и кухня",
        "BED",
        (39, 119),
        Dims::Color,
        1500,
    ),
    t(
        "Свещ ароматна",
        "Дом и кухня",
        "CND",
        (7, 19),
        Dims::None,
        250,
    ),
    t(
        "Мед акациев 500 г",
        "Храни и напитки",
        "HNY",
        (8, 16),
        Dims::None,
        560,
    ),
    t(
        "Лютеница домашна 260 г",
        "Храни и напитки",
        "LUT",
        (3, 7),
        Dims::None,
        400,
    ),
    t(
        "Кафе мляно 250 г",
        "Храни и напитки",
        "COF",
        (5, 12),
        Dims::None,
        260,
    ),
    t(
        "Чай планински 50 г",
        "Храни и напитки",
        "TEA",
        (3, 8),
        Dims::None,
        60,
    ),
    t(
        "Вино Мавруд 750 мл",
        "Храни и напитки",
        "WIN",
        (12, 39),
        Dims::None,
        1300,
    ),
    t(
        "Крем за ръце с розово масло 75 мл",
        "Козметика",
        "CRM",
        (6, 14),
        Dims::None,
        90,
    ),
    t(
        "Сапун ръчно изработен",
        "Козметика",
        "SOP",
        (4, 9),
        Dims::None,
        110,
    ),
    t(
        "Шампоан с билки 250 мл",
        "Козметика",
        "SHP",
        (7, 15),
        Dims::None,
        280,
    ),
    t(
        "Пъзел 1000 части",
        "Играчки",
        "PZL",
        (14, 29),
        Dims::None,
        700,
    ),
    t(
        "Дървен конструктор",
        "Играчки",
        "WTY",
        (19, 49),
        Dims::None,
        900,
    ),
    t("Плюшено мече", "Играчки", "TED", (12, 35), Dims::Color, 300),
    t(
        "USB кабел Type-C 1 м",
        "Електроника",
        "USB",
        (5, 15),
        Dims::Color,
        40,
    ),
    t(
        "Зарядно устройство 20W",
        "Електроника",
        "CHG",
        (12, 29),
        Dims::None,
        80,
    ),
    t(
        "Слушалки безжични",
        "Електроника",
        "EAR",
        (29, 129),
        Dims::Color,
        60,
    ),
    t(
        "Външна батерия 10000 mAh",
        "Електроника",
        "PWB",
        (19, 49),
        Dims::Color,
        220,
    ),
];

/// (category, parent).
const CATEGORIES: &[(&str, Option<&str>)] = &[
    ("Облекло", None),
    ("Мъжки дрехи", Some("Облекло")),
    ("Дамски дрехи", Some("Облекло")),
    ("Аксесоари", Some("Облекло")),
    ("Дом и кухня", None),
    ("Храни и напитки", None),
    ("Козметика", None),
    ("Играчки", None),
    ("Електроника", None),
];

const MODIFIERS: &[&str] = &[
    "„Родопи“",
    "„Пирин“",
    "„Витоша“",
    "„Странджа“",
    "„Балкан“",
    "„Рила“",
    "„Тракия“",
    "„Добруджа“",
    "класик",
    "премиум",
    "еко",
];

const COLORS: &[(&str, &str, &str)] = &[
    ("Черен", "000000", "BLK"),
    ("Бял", "FFFFFF", "WHT"),
    ("Червен", "C0392B", "RED"),
    ("Син", "2E86C1", "BLU"),
    ("Зелен", "27AE60", "GRN"),
];
const SIZES: &[&str] = &["XS", "S", "M", "L", "XL"];

const MALE: &[(&str, &str)] = &[
    ("Иван", "Петров"),
    ("Георги", "Иванов"),
    ("Димитър", "Георгиев"),
    ("Николай", "Димитров"),
    ("Стефан", "Николов"),
    ("Христо", "Стоянов"),
    ("Петър", "Тодоров"),
    ("Александър", "Колев"),
];
const FEMALE: &[(&str, &str)] = &[
    ("Мария", "Петрова"),
    ("Елена", "Иванова"),
    ("Десислава", "Георгиева"),
    ("Йорданка", "Димитрова"),
    ("Радостина", "Николова"),
    ("Цветелина", "Стоянова"),
    ("Виктория", "Тодорова"),
    ("Гергана", "Колева"),
];
const CITIES: &[(&str, &str)] = &[
    ("София", "1000"),
    ("Пловдив", "4000"),
    ("Варна", "9000"),
    ("Бургас", "8000"),
    ("Русе", "7000"),
    ("Стара Загора", "6000"),
    ("Плевен", "5800"),
    ("Велико Търново", "5000"),
    ("Благоевград", "2700"),
    ("Шумен", "9700"),
];
const STREETS: &[&str] = &[
    "ул. „Витоша“",
    "бул. „България“",
    "ул. „Шипка“",
    "ул. „Г. С. Раковски“",
    "бул. „Христо Ботев“",
    "ул. „Иван Вазов“",
];
const COMPANIES: &[&str] = &[
    "Тракия Трейд ЕООД",
    "Балкан Стил ООД",
    "Рила Консулт ЕООД",
    "Дунав Агро АД",
    "Черноморие Дистрибуция ООД",
    "Пирин Софт ЕООД",
];

fn price(rng: &mut StdRng, (lo, hi): (i64, i64)) -> i64 {
    let major = rng.random_range(lo..=hi);
    let cents = [0, 50, 90, 99][rng.random_range(0..4)];
    (major * 100 + cents).max(100) - if cents == 0 { 1 } else { 0 }
}

fn pick<'a, T>(rng: &mut StdRng, xs: &'a [T]) -> &'a T {
    &xs[rng.random_range(0..xs.len())]
}

/// Fills `st` with `products` products (with variants) and `orders` orders.
pub(crate) fn generate(
    st: &mut State,
    products: usize,
    orders: usize,
    rng_seed: u64,
    now: DateTime<Utc>,
) {
    let mut rng = StdRng::seed_from_u64(rng_seed);
    let epoch = now - Duration::days(120);
    let store = &mut st.store;

    // Categories.
    let mut cat_ids = std::collections::BTreeMap::new();
    for (name, parent) in CATEGORIES {
        let id = store.next_id("categories");
        let parent_id = parent.and_then(|p| cat_ids.get(p).copied());
        store.categories.insert(
            id,
            Category {
                id,
                name: name.to_string(),
                parent_id,
                url_handle: slugify(name),
                description: None,
                order: id as i64,
                created_at: epoch,
                updated_at: epoch,
            },
        );
        cat_ids.insert(*name, id);
    }

    // Parameters and options.
    let color_param = store.next_id("variant-parameters");
    store.variant_parameters.insert(
        color_param,
        VariantParameter {
            id: color_param,
            name: "Цвят".into(),
            display_type: "color".into(),
            sort: 1,
            visible: 1,
            in_listing: 1,
            show_label: 1,
        },
    );
    let size_param = store.next_id("variant-parameters");
    store.variant_parameters.insert(
        size_param,
        VariantParameter {
            id: size_param,
            name: "Размер".into(),
            display_type: "select".into(),
            sort: 2,
            visible: 1,
            in_listing: 1,
            show_label: 1,
        },
    );
    let mut color_opts = Vec::new();
    for (i, (name, hex, code)) in COLORS.iter().enumerate() {
        let id = store.next_id("variant-options");
        store.variant_options.insert(
            id,
            VariantOption {
                id,
                parameter_id: color_param,
                name: name.to_string(),
                sort: i as i64,
                color: Some(hex.to_string()),
                visible: 1,
            },
        );
        color_opts.push((id, *code));
    }
    let mut size_opts = Vec::new();
    for (i, name) in SIZES.iter().enumerate() {
        let id = store.next_id("variant-options");
        store.variant_options.insert(
            id,
            VariantOption {
                id,
                parameter_id: size_param,
                name: name.to_string(),
                sort: i as i64,
                color: None,
                visible: 1,
            },
        );
        size_opts.push((id, *name));
    }

    // Products and variants.
    let mut barcode_seq = 1000u64;
    let mut names = std::collections::BTreeSet::new();
    for n in 0..products {
        let tpl = &TEMPLATES[n % TEMPLATES.len()];
        let mut name = format!("{} {}", tpl.base, pick(&mut rng, MODIFIERS));
        let mut k = 2;
        while names.contains(&name) {
            name = format!("{} {} {k}", tpl.base, MODIFIERS[n % MODIFIERS.len()]);
            k += 1;
        }
        names.insert(name.clone());
        let id = store.next_id("products");
        let added = epoch + Duration::minutes(rng.random_range(0..60 * 24 * 30));
        let params = match tpl.dims {
            Dims::None => [None, None, None],
            Dims::Color => [Some(color_param), None, None],
            Dims::Size => [Some(size_param), None, None],
            Dims::ColorSize => [Some(color_param), Some(size_param), None],
        };
        let tracking = if rng.random_range(0..20) == 0 {
            "no"
        } else {
            "yes"
        };
        store.products.insert(
            id,
            Product {
                id,
                name: name.clone(),
                url_handle: format!("{}-{id}", slugify(&name)),
                description: Some(format!("<p>{name} — качествен продукт от България.</p>")),
                short_description: None,
                active: if rng.random_range(0..25) == 0 {
                    "no"
                } else {
                    "yes"
                }
                .into(),
                draft: "no".into(),
                digital: "no".into(),
                sale: if rng.random_range(0..8) == 0 {
                    "yes"
                } else {
                    "no"
                }
                .into(),
                new: "no".into(),
                tracking: tracking.into(),
                shipping: "yes".into(),
                continue_selling: if rng.random_range(0..10) == 0 {
                    "yes"
                } else {
                    "no"
                }
                .into(),
                threshold: 5,
                minimum: 1,
                featured: i64::from(rng.random_range(0..10) == 0),
                is_hidden: 0,
                sort_order: 0,
                views: rng.random_range(0..5000),
                category_id: cat_ids.get(tpl.category).copied(),
                vendor_id: None,
                parameter_ids: params,
                tax_class: None,
                price_from: 0,
                price_to: 0,
                default_variant_id: None,
                date_added: added,
                date_modified: added + Duration::days(rng.random_range(0..60)),
                deleted_at: None,
            },
        );
        let base_price = price(&mut rng, tpl.price);
        let combos: Vec<([Option<u64>; 3], String)> = match tpl.dims {
            Dims::None => vec![([None, None, None], String::new())],
            Dims::Color => {
                let k = rng.random_range(2..=4);
                color_opts
                    .iter()
                    .take(k)
                    .map(|(o, c)| ([Some(*o), None, None], format!("-{c}")))
                    .collect()
            }
            Dims::Size => size_opts
                .iter()
                .skip(1)
                .take(rng.random_range(3..=4))
                .map(|(o, s)| ([Some(*o), None, None], format!("-{s}")))
                .collect(),
            Dims::ColorSize => {
                let mut v = Vec::new();
                for (co, cc) in color_opts.iter().take(2) {
                    for (so, ss) in size_opts.iter().skip(1).take(3) {
                        v.push(([Some(*co), Some(*so), None], format!("-{cc}-{ss}")));
                    }
                }
                v
            }
        };
        for (opts, suffix) in combos {
            let vid = store.next_id("variants");
            barcode_seq += 1;
            let bump = if suffix.ends_with("XL") { 300 } else { 0 };
            let quantity = match rng.random_range(0..50) {
                0 => None,
                1..=5 => Some(0.0),
                _ => Some(rng.random_range(1..120) as f64),
            };
            store.insert_variant(Variant {
                id: vid,
                item_id: id,
                sku: if rng.random_range(0..30) == 0 {
                    None
                } else {
                    Some(format!("{}-{id:05}{suffix}", tpl.sku))
                },
                barcode: if rng.random_range(0..10) == 0 {
                    None
                } else {
                    Some(ean13(barcode_seq))
                },
                price: base_price + bump,
                delivery_price: None,
                quantity,
                weight: Some(tpl.grams),
                minimum: 1,
                option_ids: opts,
            });
        }
        let modified = store.products[&id].date_modified;
        store.recompute_product(id, modified);
    }

    // Orders, oldest first.
    let variant_ids: Vec<u64> = store.variants.keys().copied().collect();
    if variant_ids.is_empty() {
        return;
    }
    let mut order_times: Vec<DateTime<Utc>> = (0..orders)
        .map(|_| now - Duration::minutes(rng.random_range(30..60 * 24 * 90)))
        .collect();
    order_times.sort();
    let mut people: Vec<Shopper> = Vec::new();
    let people_count = (orders / 2).max(3);
    for i in 0..people_count {
        let (first, last) = if i % 2 == 0 {
            *pick(&mut rng, MALE)
        } else {
            *pick(&mut rng, FEMALE)
        };
        let (city, post) = *pick(&mut rng, CITIES);
        let company = (rng.random_range(0..10) < 3).then(|| {
            let e = eik(&mut rng);
            Company {
                name: pick(&mut rng, COMPANIES).to_string(),
                vat: (rng.random_range(0..5) != 0).then(|| format!("BG{e}")),
                eik: e,
                person: format!("{first} {last}"),
            }
        });
        people.push(Shopper {
            first_name: first.into(),
            last_name: last.into(),
            email: format!("{}.{}{}@example.bg", slugify(first), slugify(last), i + 1),
            phone: Some(format!(
                "+3598{}{:07}",
                rng.random_range(7..=9),
                rng.random_range(0..10_000_000)
            )),
            city: city.into(),
            post_code: post.into(),
            street: pick(&mut rng, STREETS).to_string(),
            street_number: Some(rng.random_range(1..120).to_string()),
            company,
        });
    }
    for (i, when) in order_times.into_iter().enumerate() {
        let lines: Vec<PlaceOrderLine> = (0..rng.random_range(1..=4))
            .map(|_| PlaceOrderLine {
                variant_id: *pick(&mut rng, &variant_ids),
                quantity: rng.random_range(1..=3) as f64,
            })
            .collect();
        let payment = match rng.random_range(0..10) {
            0..=4 => "cod",
            5..=6 => "bank_transfer",
            _ => "borica",
        };
        let ship: u64 = rng.random_range(1..=4);
        let po = PlaceOrder {
            lines,
            customer_id: None,
            customer: Some(pick(&mut rng, &people).clone()),
            payment_provider: Some(payment.into()),
            shipping_provider_id: Some(ship),
            shipping_amount: Some(if ship == 4 {
                0
            } else {
                [490, 590, 690][rng.random_range(0..3)]
            }),
            discount_percent: (rng.random_range(0..10) == 0).then_some(10),
            currency: Some(
                if when
                    < DateTime::parse_from_rfc3339("2026-01-01T00:00:00+00:00")
                        .map(|t| t.with_timezone(&Utc))
                        .unwrap_or(now)
                {
                    "BGN"
                } else {
                    "EUR"
                }
                .into(),
            ),
            note_customer: (rng.random_range(0..6) == 0)
                .then(|| "Моля, обадете се преди доставка.".into()),
            date_added: Some(when),
        };
        let Ok(id) = shop::place_order(st, when, &po, false) else {
            continue;
        };
        // Age the order: older orders progressed further.
        let age_days = (now - when).num_days();
        let roll = rng.random_range(0..100);
        let o = st.store.orders.get_mut(&id).expect("just placed");
        let changed = when + Duration::hours(rng.random_range(1..72));
        let changed = if changed > now { now } else { changed };
        if age_days > 7 {
            match roll {
                0..=64 => {
                    o.status = "completed".into();
                    o.status_fulfillment = "fulfilled".into();
                    o.payment.status = "completed".into();
                }
                65..=79 => {
                    o.status = "paid".into();
                    o.payment.status = "completed".into();
                }
                80..=89 => o.status = "cancelled".into(),
                _ => {}
            }
            o.updated_at = changed;
        } else if roll < 30 {
            o.status = "paid".into();
            o.payment.status = "completed".into();
            o.updated_at = changed;
        }
        // A few orders were already exported by another tool (УНП in usn).
        if i % 20 == 7 && o.status == "completed" {
            o.usn = Some(format!("DT000600-OP01-{:07}", 1000 + i));
        }
    }
    // Seeding fires no webhooks.
    st.queue.clear();
}
