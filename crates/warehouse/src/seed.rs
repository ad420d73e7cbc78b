//! Seed rows of a blank Склад Pro database, and a generator of realistic demo and test data
//! (Bulgarian names, a goods-groups tree, variants, barcodes, quantities in several objects).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::error::Result;
use crate::model::next_group_code;
use crate::value::Value;
use crate::warehouse::{BlankDatabase, Tx, Warehouse};

/// The rows every blank 3.07 database has. On an empty database, auto-increment hands out ID 1
/// to each of these service records.
pub(crate) async fn blank_rows(tx: &mut Tx<'_>, blank: &BlankDatabase) -> Result<()> {
    let t = Value::text;
    let i = |v: i64| Value::Int(v);
    tx.exec(
        "INSERT INTO `system` (`Version`, `ProductID`) VALUES (?, ?)",
        &[t(&blank.version), i(1)],
    )
    .await?;
    tx.insert(
        "goodsgroups",
        &["Name", "Code"],
        vec![t("Служебна група"), t("-1")],
    )
    .await?;
    for table in ["partnersgroups", "objectsgroups", "usersgroups"] {
        tx.insert(table, &["Code", "Name"], vec![t("-1"), t("Служебна група")])
            .await?;
    }
    tx.insert(
        "vatgroups",
        &["Code", "Name", "VATValue"],
        vec![t("1"), t("Основна ДДС група"), Value::Float(20.0)],
    )
    .await?;
    let currency_name = match blank.base_currency.as_str() {
        "BGN" => "Български лев",
        "EUR" => "Евро",
        other => other,
    };
    tx.insert(
        "currencies",
        &["Currency", "Description", "ExchangeRate", "Deleted"],
        vec![
            t(&blank.base_currency),
            t(currency_name),
            Value::Float(1.0),
            i(0),
        ],
    )
    .await?;
    tx.insert(
        "goods",
        &[
            "Code",
            "BarCode1",
            "BarCode2",
            "BarCode3",
            "Catalog1",
            "Catalog2",
            "Catalog3",
            "Name",
            "Name2",
            "Measure1",
            "Measure2",
            "Ratio",
            "Description",
            "TaxGroup",
            "IsVeryUsed",
            "GroupID",
            "Deleted",
        ],
        vec![
            t(""),
            t(""),
            t(""),
            t(""),
            t(""),
            t(""),
            t(""),
            t("Служебна стока"),
            t("Служебна стока"),
            t("бр."),
            t("бр."),
            Value::Float(1.0),
            t(""),
            i(1),
            i(1),
            i(-1),
            i(0),
        ],
    )
    .await?;
    tx.insert(
        "objects",
        &[
            "Code",
            "Name",
            "Name2",
            "PriceGroup",
            "IsVeryUsed",
            "GroupID",
            "Deleted",
        ],
        vec![
            t(""),
            t("Служебен обект"),
            t("Служебен обект"),
            i(1),
            i(1),
            i(-1),
            i(0),
        ],
    )
    .await?;
    tx.insert(
        "partners",
        &[
            "Code",
            "Company",
            "Company2",
            "PriceGroup",
            "Discount",
            "Type",
            "IsVeryUsed",
            "UserID",
            "GroupID",
            "Deleted",
        ],
        vec![
            t(""),
            t("Служебен партньор"),
            t("Служебен партньор"),
            i(1),
            Value::Float(0.0),
            i(0),
            i(-2),
            i(1),
            i(-1),
            i(0),
        ],
    )
    .await?;
    tx.insert(
        "users",
        &[
            "Code",
            "Name",
            "Name2",
            "IsVeryUsed",
            "GroupID",
            "Password",
            "UserLevel",
            "Deleted",
            "CardNumber",
        ],
        vec![
            t(""),
            t("Служебен потребител"),
            t("Служебен потребител"),
            i(1),
            i(-1),
            t("YsAB16V90Bs="),
            i(3),
            i(0),
            t(""),
        ],
    )
    .await?;
    tx.insert(
        "store",
        &[
            "ObjectID", "GoodID", "Qtty", "Price", "Lot", "LotID", "LotOrder",
        ],
        vec![
            i(1),
            i(1),
            Value::Float(0.0),
            Value::Float(0.0),
            t(""),
            i(1),
            i(1),
        ],
    )
    .await?;
    for (name, method) in [
        ("Плащане в брой", 1),
        ("Превод по сметка", 2),
        ("Дебитна/Кредитна карта", 3),
        ("Плащане чрез ваучер", 4),
    ] {
        tx.insert(
            "paymenttypes",
            &["Name", "PaymentMethod"],
            vec![t(name), i(method)],
        )
        .await?;
    }
    use crate::config::{self, flag_value};
    for (key, value) in [
        (
            config::PRICES_INCLUDE_VAT,
            flag_value(blank.prices_include_vat),
        ),
        (config::NEGATIVE_STOCK_ALLOWED, flag_value(true)),
        ("configkey23", "0"),
        (
            config::NUMBERING_PER_OBJECT,
            flag_value(blank.numbering_per_object),
        ),
    ] {
        tx.insert(
            "configuration",
            &["Key", "Value", "UserID"],
            vec![t(key), t(value), i(-1)],
        )
        .await?;
    }
    Ok(())
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub goods: usize,
    pub objects: usize,
    pub partners: usize,
    /// Add bad data: empty and duplicated barcodes, NULL names, very long texts, negative
    /// quantities.
    pub traps: bool,
    pub rng_seed: u64,
}

impl Default for SeedOptions {
    fn default() -> Self {
        SeedOptions {
            goods: 200,
            objects: 3,
            partners: 20,
            traps: false,
            rng_seed: 7,
        }
    }
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedSummary {
    pub goods: usize,
    pub variants: usize,
    pub goods_groups: usize,
    pub objects: usize,
    pub object_groups: usize,
    pub partners: usize,
    pub users: usize,
    pub store_rows: usize,
}

const GROUP_TREE: &[(&str, &[&str])] = &[
    (
        "Облекло",
        &["Дамско облекло", "Мъжко облекло", "Детско облекло"],
    ),
    ("Обувки", &["Маратонки", "Сандали"]),
    ("Аксесоари", &["Чанти", "Колани", "Шапки"]),
    ("Козметика", &["Грижа за лицето", "Парфюми"]),
    ("Храни и напитки", &["Кафе и чай", "Сладкиши", "Вино"]),
    ("Електроника", &["Слушалки", "Зарядни и кабели"]),
    ("Дом и градина", &["Кухня", "Текстил за дома"]),
];

const NOUNS: &[&str] = &[
    "Тениска",
    "Риза",
    "Рокля",
    "Пола",
    "Дънки",
    "Яке",
    "Пуловер",
    "Суитшърт",
    "Маратонки",
    "Сандали",
    "Чанта",
    "Колан",
    "Шапка",
    "Шал",
    "Крем за лице",
    "Серум",
    "Парфюм",
    "Кафе на зърна",
    "Чай билков",
    "Шоколад",
    "Вино червено",
    "Слушалки",
    "Зарядно USB-C",
    "Кабел Lightning",
    "Тиган",
    "Чаша за кафе",
    "Кърпа за баня",
    "Възглавница",
    "Одеяло",
    "Халат",
];
const BRANDS: &[&str] = &[
    "Витоша",
    "Родопа",
    "Пирин",
    "Балкан",
    "Тракия",
    "Странджа",
    "Мусала",
    "Рила",
    "Осогово",
    "Добруджа",
    "Етър",
    "Шипка",
    "Камчия",
    "Марица",
    "Огоста",
];
const COLOURS: &[&str] = &["Червен", "Син", "Черен", "Бял", "Зелен", "Бежов"];
const SIZES: &[&str] = &["S", "M", "L", "XL"];
const TOWNS: &[&str] = &[
    "София",
    "Пловдив",
    "Варна",
    "Бургас",
    "Русе",
    "Стара Загора",
    "Плевен",
    "Велико Търново",
    "Благоевград",
    "Шумен",
];
const FIRST_NAMES: &[&str] = &[
    "Иван",
    "Мария",
    "Георги",
    "Елена",
    "Димитър",
    "Петя",
    "Николай",
    "Десислава",
    "Стоян",
    "Радост",
];
const LAST_NAMES: &[&str] = &[
    "Петров",
    "Иванова",
    "Георгиев",
    "Димитрова",
    "Николов",
    "Стоянова",
    "Христов",
    "Тодорова",
];
const COMPANY_WORDS: &[&str] = &[
    "Алфа",
    "Балкан",
    "Родопи",
    "Тракия",
    "Дунав",
    "Пирин",
    "Витоша",
    "Странджа",
    "Марица",
];
const COMPANY_FORMS: &[&str] = &["ЕООД", "ООД", "АД", "ЕТ"];

/// A valid 9-digit ЕИК from 8 digits (the Registry Agency's checksum).
pub(crate) fn eik_from(base: u32) -> String {
    let digits: Vec<u32> = format!("{:08}", base % 100_000_000)
        .bytes()
        .map(|b| u32::from(b - b'0'))
        .collect();
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| d * (i as u32 + 1))
        .sum();
    let mut check = sum % 11;
    if check == 10 {
        let sum2: u32 = digits
            .iter()
            .enumerate()
            .map(|(i, d)| d * (i as u32 + 3))
            .sum();
        check = sum2 % 11;
        if check == 10 {
            check = 0;
        }
    }
    format!("{:08}{check}", base % 100_000_000)
}

/// A valid EAN-13 from 12 digits.
pub(crate) fn ean13_from(base: u64) -> String {
    let s = format!("{:012}", base % 1_000_000_000_000);
    let sum: u32 = s
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{s}{}", (10 - sum % 10) % 10)
}

/// Rows for one table, written in batches (several rows an INSERT where the engine allows).
struct Batch {
    table: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Value>>,
}

impl Batch {
    fn new(table: &'static str, columns: &'static [&'static str]) -> Self {
        Batch {
            table,
            columns,
            rows: Vec::new(),
        }
    }
    async fn push(&mut self, tx: &mut Tx<'_>, row: Vec<Value>) -> Result<()> {
        self.rows.push(row);
        if self.rows.len() >= 400 {
            self.flush(tx).await?;
        }
        Ok(())
    }
    async fn flush(&mut self, tx: &mut Tx<'_>) -> Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let one = crate::sql::insert(self.table, self.columns);
        if tx.d.multi_row_insert() {
            let values = format!("({})", crate::dialect::Dialect::params(self.columns.len()));
            let mut sql = one;
            for _ in 1..self.rows.len() {
                sql.push_str(", ");
                sql.push_str(&values);
            }
            let params: Vec<Value> = self.rows.drain(..).flatten().collect();
            tx.exec(&sql, &params).await?;
        } else {
            for row in std::mem::take(&mut self.rows) {
                tx.exec(&one, &row).await?;
            }
        }
        Ok(())
    }
}

const GOODS_COLUMNS: &[&str] = &[
    "Code",
    "BarCode1",
    "BarCode2",
    "BarCode3",
    "Catalog1",
    "Catalog2",
    "Catalog3",
    "Name",
    "Name2",
    "Measure1",
    "Measure2",
    "Ratio",
    "PriceIn",
    "PriceOut1",
    "PriceOut2",
    "PriceOut3",
    "MinQtty",
    "NormalQtty",
    "Description",
    "Type",
    "IsRecipe",
    "TaxGroup",
    "IsVeryUsed",
    "GroupID",
    "Deleted",
];

fn money(rng: &mut StdRng, lo: u32, hi: u32) -> f64 {
    f64::from(rng.random_range(lo * 100..hi * 100)) / 100.0
}

impl Warehouse {
    /// Fill a blank database (see [`Warehouse::create_blank`]) with realistic data.
    pub async fn seed(&self, o: &SeedOptions) -> Result<SeedSummary> {
        let mut rng = StdRng::seed_from_u64(o.rng_seed);
        let mut summary = SeedSummary::default();
        let mut session = self.backend_session().await?;
        let mut tx_value = Tx {
            s: &mut *session,
            d: self.dialect(),
        };
        let tx = &mut tx_value;
        tx.s.begin().await?;
        let t = Value::text;
        let i = |v: i64| Value::Int(v);

        tx.insert(
            "vatgroups",
            &["Code", "Name", "VATValue"],
            vec![t("2"), t("Намалена ставка 9%"), Value::Float(9.0)],
        )
        .await?;
        tx.insert(
            "vatgroups",
            &["Code", "Name", "VATValue"],
            vec![t("3"), t("Нулева ставка"), Value::Float(0.0)],
        )
        .await?;
        tx.insert(
            "paymenttypes",
            &["Name", "PaymentMethod"],
            vec![t("Наложен платеж"), i(1)],
        )
        .await?;

        // Users (the service user is ID 1 already).
        let ug = tx
            .insert(
                "usersgroups",
                &["Code", "Name"],
                vec![t("AAA"), t("Собственици")],
            )
            .await?;
        for (code, name, level) in [
            ("1", "Иван Петров", 3),
            ("2", "Мария Георгиева", 2),
            ("3", "Онлайн магазин", 1),
        ] {
            tx.insert(
                "users",
                &[
                    "Code",
                    "Name",
                    "Name2",
                    "IsVeryUsed",
                    "GroupID",
                    "Password",
                    "UserLevel",
                    "Deleted",
                    "CardNumber",
                ],
                vec![
                    t(code),
                    t(name),
                    t(name),
                    i(0),
                    i(ug),
                    t("YsAB16V90Bs="),
                    i(level),
                    i(0),
                    t(""),
                ],
            )
            .await?;
            summary.users += 1;
        }

        // Objects in two object groups.
        let shops = tx
            .insert(
                "objectsgroups",
                &["Code", "Name"],
                vec![t("AAA"), t("Магазини")],
            )
            .await?;
        let stores = tx
            .insert(
                "objectsgroups",
                &["Code", "Name"],
                vec![t("AAB"), t("Складове")],
            )
            .await?;
        summary.object_groups = 2;
        let mut objects = Vec::new();
        for n in 0..o.objects.max(1) {
            let town = TOWNS[n % TOWNS.len()];
            let (name, group) = if n % 3 == 2 {
                (format!("Склад {town}"), stores)
            } else {
                (format!("Магазин {town}"), shops)
            };
            let name = if n >= TOWNS.len() {
                format!("{name} {}", n / TOWNS.len() + 1)
            } else {
                name
            };
            let id = tx
                .insert(
                    "objects",
                    &[
                        "Code",
                        "Name",
                        "Name2",
                        "PriceGroup",
                        "IsVeryUsed",
                        "GroupID",
                        "Deleted",
                    ],
                    vec![
                        t(&(n + 1).to_string()),
                        t(&name),
                        t(&name),
                        i(1),
                        i(0),
                        i(group),
                        i(0),
                    ],
                )
                .await?;
            objects.push(id);
        }
        summary.objects = objects.len();

        // Goods groups: a two-level tree.
        let mut leaf_groups = Vec::new();
        let mut codes: Vec<String> = vec!["-1".into()];
        for (top, children) in GROUP_TREE {
            let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
            let code = next_group_code("", &refs);
            let top_id = tx
                .insert("goodsgroups", &["Name", "Code"], vec![t(top), t(&code)])
                .await?;
            codes.push(code.clone());
            leaf_groups.push(top_id);
            for child in *children {
                let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
                let child_code = next_group_code(&code, &refs);
                let id = tx
                    .insert(
                        "goodsgroups",
                        &["Name", "Code"],
                        vec![t(child), t(&child_code)],
                    )
                    .await?;
                codes.push(child_code);
                leaf_groups.push(id);
            }
        }
        summary.goods_groups = codes.len() - 1;

        // Goods: every fifth product comes in variants (same Code, Catalog "Type-Value").
        let mut goods = Batch::new("goods", GOODS_COLUMNS);
        let mut written = 0usize;
        let mut product = 0usize;
        while written < o.goods {
            product += 1;
            let noun = NOUNS[rng.random_range(0..NOUNS.len())];
            let brand = BRANDS[rng.random_range(0..BRANDS.len())];
            let base_name = format!("{noun} {brand} {}", 100 + product % 900);
            let code = format!("{:06}", product);
            let group = leaf_groups[rng.random_range(0..leaf_groups.len())];
            let retail = money(&mut rng, 2, 300);
            let vat_group = if noun.starts_with("Кафе")
                || noun.starts_with("Чай")
                || noun.starts_with("Шоколад")
            {
                2
            } else {
                1
            };
            let variants: Vec<(String, String)> = if product.is_multiple_of(5) {
                let mut v = Vec::new();
                for c in COLOURS.iter().take(rng.random_range(2..4)) {
                    for s in SIZES.iter().take(2) {
                        v.push((format!("Цвят-{c}"), format!("Размер-{s}")));
                    }
                }
                v
            } else {
                vec![(String::new(), String::new())]
            };
            for (k, (cat1, cat2)) in variants.iter().enumerate() {
                if written >= o.goods {
                    break;
                }
                written += 1;
                if !cat1.is_empty() {
                    summary.variants += 1;
                }
                let name = if cat1.is_empty() {
                    base_name.clone()
                } else {
                    format!(
                        "{base_name} {} {}",
                        cat1.split('-').nth(1).unwrap_or(""),
                        cat2.split('-').nth(1).unwrap_or("")
                    )
                };
                let barcode = ean13_from(380_000_000_000 + (product * 10 + k) as u64);
                let sku = format!("SKU-{code}-{k}");
                goods
                    .push(
                        tx,
                        vec![
                            t(&code),
                            t(&barcode),
                            t(&sku),
                            t(""),
                            t(cat1),
                            t(cat2),
                            t(""),
                            t(&name),
                            t(&name),
                            t("бр."),
                            t("бр."),
                            Value::Float(1.0),
                            Value::Float((retail * 0.55 * 100.0).round() / 100.0),
                            Value::Float((retail * 0.8 * 100.0).round() / 100.0),
                            Value::Float(retail),
                            Value::Float((retail * 0.9 * 100.0).round() / 100.0),
                            Value::Float(0.0),
                            Value::Float(0.0),
                            t(""),
                            i(0),
                            i(0),
                            i(vat_group),
                            i(0),
                            i(group),
                            i(0),
                        ],
                    )
                    .await?;
            }
        }
        goods.flush(tx).await?;
        summary.goods = written;

        // Goods ids are 2..=written+1 on a blank database.
        let first_good = 2i64;
        let last_good = written as i64 + 1;
        let mut store = Batch::new("store", crate::sql::STORE_COLUMNS);
        for &obj in &objects {
            for g in first_good..=last_good {
                let q = if rng.random_range(0..10) == 0 {
                    0
                } else {
                    rng.random_range(1..60)
                };
                store
                    .push(
                        tx,
                        vec![
                            i(obj),
                            i(g),
                            Value::Float(f64::from(q)),
                            Value::Float(0.0),
                            t(""),
                            i(1),
                            i(1),
                        ],
                    )
                    .await?;
                summary.store_rows += 1;
            }
        }
        store.flush(tx).await?;

        // Partners: companies with valid ЕИК/VAT numbers and private persons with e-mails.
        let pg = tx
            .insert(
                "partnersgroups",
                &["Code", "Name"],
                vec![t("AAA"), t("Клиенти онлайн")],
            )
            .await?;
        for n in 0..o.partners {
            let town = TOWNS[rng.random_range(0..TOWNS.len())];
            let person = format!(
                "{} {}",
                FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())],
                LAST_NAMES[rng.random_range(0..LAST_NAMES.len())]
            );
            let (company, eik, vat, email) = if n % 2 == 0 {
                let eik = eik_from(20_000_000 + n as u32 * 7919);
                let company = format!(
                    "{} {}",
                    COMPANY_WORDS[rng.random_range(0..COMPANY_WORDS.len())],
                    COMPANY_FORMS[rng.random_range(0..COMPANY_FORMS.len())]
                );
                (
                    company,
                    eik.clone(),
                    format!("BG{eik}"),
                    format!("office{n}@firma{n}.bg"),
                )
            } else {
                (
                    person.clone(),
                    String::new(),
                    String::new(),
                    format!("client{n}@example.bg"),
                )
            };
            let id = tx
                .insert(
                    "partners",
                    &[
                        "Code",
                        "Company",
                        "Company2",
                        "MOL",
                        "MOL2",
                        "City",
                        "City2",
                        "Address",
                        "Address2",
                        "Phone",
                        "Phone2",
                        "eMail",
                        "TaxNo",
                        "Bulstat",
                        "PriceGroup",
                        "Discount",
                        "Type",
                        "IsVeryUsed",
                        "UserID",
                        "GroupID",
                        "Deleted",
                    ],
                    vec![
                        t(""),
                        t(&company),
                        t(&company),
                        t(&person),
                        t(&person),
                        t(town),
                        t(town),
                        t(&format!("ул. Витоша {}", n + 1)),
                        t(&format!("ул. Витоша {}", n + 1)),
                        t(&format!("+35988{:07}", n)),
                        t(&format!("+35988{:07}", n)),
                        t(&email),
                        t(&vat),
                        t(&eik),
                        i(1),
                        Value::Float(0.0),
                        i(2),
                        i(0),
                        i(2),
                        i(pg),
                        i(0),
                    ],
                )
                .await?;
            tx.exec(
                crate::sql::SET_PARTNER_CODE,
                &[Value::Text(id.to_string()), i(id)],
            )
            .await?;
            summary.partners += 1;
        }

        if o.traps && written >= 6 {
            let long = if tx.d == crate::dialect::Dialect::MySql {
                255
            } else {
                300
            };
            let long_text = "9".repeat(long);
            // An empty barcode, a barcode that another good has, a NULL name, very long texts,
            // a duplicate code, a negative quantity.
            tx.exec(
                "UPDATE `goods` SET `BarCode1` = ? WHERE `ID` = ?",
                &[t(""), i(2)],
            )
            .await?;
            tx.exec(
                "UPDATE `goods` SET `BarCode1` = ? WHERE `ID` = ?",
                &[Value::Text(ean13_from(380_000_000_000 + 20)), i(4)],
            )
            .await?;
            tx.exec(
                "UPDATE `goods` SET `Name` = ? WHERE `ID` = ?",
                &[Value::Null, i(5)],
            )
            .await?;
            tx.exec(
                "UPDATE `goods` SET `BarCode2` = ? WHERE `ID` = ?",
                &[Value::Text(long_text.clone()), i(6)],
            )
            .await?;
            tx.exec(
                "UPDATE `goods` SET `Name` = ? WHERE `ID` = ?",
                &[Value::Text("Я".repeat(long)), i(7)],
            )
            .await?;
            tx.exec(
                "UPDATE `goods` SET `Code` = ? WHERE `ID` = ?",
                &[t("000001"), i(3)],
            )
            .await?;
            tx.exec(
                "UPDATE `store` SET `Qtty` = ? WHERE `GoodID` = ? AND `ObjectID` = ?",
                &[Value::Float(-3.0), i(3), i(objects[0])],
            )
            .await?;
        }
        tx.s.commit().await?;
        Ok(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_identifiers_are_valid() {
        // 8·1+3·2+1·3+4·4+3·5+4·6+3·7+2·8 = 109 ≡ 10 (mod 11), so the second weights 3…10 give
        // 165 ≡ 0: the check digit is 0.
        assert_eq!(eik_from(83143432), "831434320");
        // 1·1+2·2+…+8·8 = 204 ≡ 6.
        assert_eq!(eik_from(12345678), "123456786");
        assert_eq!(ean13_from(400638133393), "4006381333931");
    }
}
