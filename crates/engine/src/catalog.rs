//! From Склад Pro goods to shop products: goods that share a Code and carry "Тип-Стойност" in
//! their Catalog fields become one product with variants (the Utility Center convention); every
//! other good is a product of its own. Each good gets the compare key the settings choose.

use std::collections::{BTreeMap, HashMap};

use skladsync_warehouse::Good;

use crate::events::ItemProblem;
use crate::report::{ExportProblem, Item};
use crate::settings::CompareBy;

/// The shop allows three variant parameters (option1…option3).
pub const MAX_PARAMETERS: usize = 3;

/// One shop product to be, from one good or a family of goods.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductPlan {
    pub code: String,
    pub name: String,
    pub group_id: i64,
    /// Variant parameter names in order ("Цвят", "Размер"); empty for a simple product.
    pub parameters: Vec<String>,
    pub variants: Vec<VariantPlan>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VariantPlan {
    pub good_id: i64,
    /// The value matched against the shop (barcode or SKU per [`CompareBy`]).
    pub key: String,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    /// Option values in the order of [`ProductPlan::parameters`].
    pub options: Vec<String>,
}

/// "Цвят-Червен" → ("Цвят", "Червен").
pub fn parse_catalog(text: &str) -> Option<(String, String)> {
    let (k, v) = text.split_once('-')?;
    let (k, v) = (k.trim(), v.trim());
    (!k.is_empty() && !v.is_empty()).then(|| (k.to_owned(), v.to_owned()))
}

fn describe(g: &Good) -> Item {
    Item::Good {
        id: g.id,
        name: g.name.clone(),
        key: (!g.code.is_empty()).then(|| g.code.clone()),
    }
}

/// The compare key of a good and the SKU/barcode the shop variant gets.
pub fn keys_of(
    g: &Good,
    compare_by: CompareBy,
) -> (Option<String>, Option<String>, Option<String>) {
    let b1 = g.barcodes[0].clone();
    let b2 = g.barcodes[1].clone();
    let code = (!g.code.is_empty()).then(|| g.code.clone());
    match compare_by {
        CompareBy::BarcodeToBarcode1 => (b1.clone(), b2, b1),
        CompareBy::SkuToBarcode2 => (b2.clone(), b2, b1),
        CompareBy::SkuToCode => (code.clone(), code, b1),
    }
}

/// Common leading words of the names, or the first name.
fn family_name(goods: &[&Good]) -> String {
    let first: Vec<&str> = goods[0].name.split_whitespace().collect();
    let mut n = first.len();
    for g in &goods[1..] {
        let words: Vec<&str> = g.name.split_whitespace().collect();
        n = n.min(first.iter().zip(&words).take_while(|(a, b)| a == b).count());
    }
    if n == 0 {
        goods[0].name.clone()
    } else {
        first[..n].join(" ")
    }
}

/// Group goods into products; goods that cannot be exported are reported and left out.
pub fn plan_products(
    goods: &[Good],
    compare_by: CompareBy,
) -> (Vec<ProductPlan>, Vec<ItemProblem>) {
    let mut problems = Vec::new();

    // Goods without a usable key, or with a key another good has, cannot be matched.
    let mut by_key: HashMap<String, Vec<&Good>> = HashMap::new();
    for g in goods {
        match keys_of(g, compare_by).0 {
            Some(k) => by_key.entry(k).or_default().push(g),
            None => problems.push(ItemProblem::new(
                describe(g),
                ExportProblem::NoKey { compare_by },
            )),
        }
    }
    let mut usable: Vec<&Good> = Vec::new();
    for (key, gs) in &by_key {
        if gs.len() > 1 {
            let ids: Vec<i64> = gs.iter().map(|g| g.id).collect();
            for g in gs {
                problems.push(ItemProblem::new(
                    describe(g),
                    ExportProblem::KeyNotUnique {
                        compare_by,
                        key: key.clone(),
                        goods: ids.clone(),
                    },
                ));
            }
        } else {
            usable.push(gs[0]);
        }
    }
    usable.sort_by_key(|g| g.id);

    // Families: same Code, with "Type-Value" catalogs.
    let mut families: BTreeMap<String, Vec<&Good>> = BTreeMap::new();
    let mut plans = Vec::new();
    for g in usable {
        let is_variant = g
            .catalogs
            .iter()
            .flatten()
            .any(|c| parse_catalog(c).is_some());
        if is_variant && !g.code.is_empty() {
            families.entry(g.code.clone()).or_default().push(g);
        } else {
            plans.push(single(g, compare_by));
        }
    }
    for (code, members) in families {
        if compare_by == CompareBy::SkuToCode && members.len() > 1 {
            for g in &members {
                problems.push(ItemProblem::new(
                    describe(g),
                    ExportProblem::VariantsShareCode,
                ));
            }
            continue;
        }
        let mut parameters: Vec<String> = Vec::new();
        for g in &members {
            for (k, _) in g.catalogs.iter().flatten().filter_map(|c| parse_catalog(c)) {
                if !parameters.contains(&k) {
                    parameters.push(k);
                }
            }
        }
        if parameters.len() > MAX_PARAMETERS {
            for g in &members {
                problems.push(ItemProblem::new(
                    describe(g),
                    ExportProblem::TooManyParameters {
                        parameters: parameters.clone(),
                        max: MAX_PARAMETERS,
                    },
                ));
            }
            continue;
        }
        let mut variants = Vec::new();
        let mut seen_options: HashMap<Vec<String>, i64> = HashMap::new();
        for g in &members {
            let values: HashMap<String, String> = g
                .catalogs
                .iter()
                .flatten()
                .filter_map(|c| parse_catalog(c))
                .collect();
            let missing: Vec<&String> = parameters
                .iter()
                .filter(|p| !values.contains_key(*p))
                .collect();
            if !missing.is_empty() {
                problems.push(ItemProblem::new(
                    describe(g),
                    ExportProblem::MissingParameterValues {
                        parameters: missing.iter().map(|s| s.to_string()).collect(),
                    },
                ));
                continue;
            }
            let options: Vec<String> = parameters.iter().map(|p| values[p].clone()).collect();
            if let Some(first) = seen_options.get(&options) {
                problems.push(ItemProblem::new(
                    describe(g),
                    ExportProblem::SameVariantAs {
                        options: options.clone(),
                        good: *first,
                    },
                ));
                continue;
            }
            seen_options.insert(options.clone(), g.id);
            let (key, sku, barcode) = keys_of(g, compare_by);
            variants.push(VariantPlan {
                good_id: g.id,
                key: key.unwrap_or_default(),
                sku,
                barcode,
                options,
            });
        }
        if variants.is_empty() {
            continue;
        }
        let with_variants: Vec<&Good> = members
            .iter()
            .filter(|g| variants.iter().any(|v| v.good_id == g.id))
            .copied()
            .collect();
        plans.push(ProductPlan {
            code,
            name: family_name(&with_variants),
            group_id: with_variants[0].group_id,
            parameters,
            variants,
        });
    }
    plans.sort_by_key(|p| p.variants[0].good_id);
    (plans, problems)
}

fn single(g: &Good, compare_by: CompareBy) -> ProductPlan {
    let (key, sku, barcode) = keys_of(g, compare_by);
    ProductPlan {
        code: g.code.clone(),
        name: g.name.clone(),
        group_id: g.group_id,
        parameters: Vec::new(),
        variants: vec![VariantPlan {
            good_id: g.id,
            key: key.unwrap_or_default(),
            sku,
            barcode,
            options: Vec::new(),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn good(id: i64, code: &str, name: &str, b1: &str, b2: &str, cats: [&str; 3]) -> Good {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        Good {
            id,
            code: code.into(),
            name: name.into(),
            barcodes: [opt(b1), opt(b2), None],
            catalogs: cats.map(opt),
            measure: "бр.".into(),
            vat_group_id: 1,
            group_id: 5,
            price: Decimal::ONE,
            purchase_price: Decimal::ZERO,
        }
    }

    #[test]
    fn variants_become_one_product() {
        let goods = vec![
            good(
                2,
                "100",
                "Тениска Витоша Червен M",
                "111",
                "S1",
                ["Цвят-Червен", "Размер-M", ""],
            ),
            good(
                3,
                "100",
                "Тениска Витоша Син M",
                "112",
                "S2",
                ["Цвят-Син", "Размер-M", ""],
            ),
            good(4, "200", "Чаша", "113", "S3", ["", "", ""]),
        ];
        let (plans, problems) = plan_products(&goods, CompareBy::BarcodeToBarcode1);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(plans.len(), 2);
        let shirt = &plans[0];
        assert_eq!(shirt.name, "Тениска Витоша");
        assert_eq!(shirt.parameters, ["Цвят", "Размер"]);
        assert_eq!(shirt.variants[1].options, ["Син", "M"]);
        assert_eq!(shirt.variants[1].key, "112");
        assert_eq!(shirt.variants[1].sku.as_deref(), Some("S2"));
        assert_eq!(plans[1].parameters.len(), 0);
    }

    #[test]
    fn unusable_goods_are_reported() {
        let goods = vec![
            good(2, "1", "Без баркод", "", "S1", ["", "", ""]),
            good(3, "2", "Двойник А", "999", "S2", ["", "", ""]),
            good(4, "3", "Двойник Б", "999", "S3", ["", "", ""]),
            good(5, "4", "Риза Червен", "5", "S4", ["Цвят-Червен", "", ""]),
            good(6, "4", "Риза", "6", "S5", ["Размер-M", "", ""]),
        ];
        let (plans, problems) = plan_products(&goods, CompareBy::BarcodeToBarcode1);
        let about = |id: i64| {
            problems
                .iter()
                .filter(|p| matches!(p.item, Item::Good { id: g, .. } if g == id))
                .count()
        };
        assert_eq!((about(2), about(3), about(4)), (1, 1, 1));
        // Good 6 lacks a colour and good 5 a size: both reported, nothing exported for code 4.
        assert_eq!((about(5), about(6)), (1, 1));
        assert!(plans.is_empty());
        // SKU ↔ Code: variants sharing a code cannot be told apart.
        let v = vec![
            good(7, "9", "A", "1", "", ["Цвят-Червен", "", ""]),
            good(8, "9", "B", "2", "", ["Цвят-Син", "", ""]),
        ];
        let (plans, problems) = plan_products(&v, CompareBy::SkuToCode);
        assert!(plans.is_empty());
        assert_eq!(problems.len(), 2);
        assert_eq!(
            parse_catalog("Цвят - Тъмно-син"),
            Some(("Цвят".into(), "Тъмно-син".into()))
        );
    }
}
