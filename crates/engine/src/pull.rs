//! Изтегляне на стоки от CloudCart: the one-time pull of every shop product into Склад Pro.
//! Each variant becomes a good of its own (its parameters in the Catalog fields as
//! "Тип-Стойност", one Code for all variants of a product, so that the export puts them back
//! together); goods that already exist by the compare key get their name and barcodes updated.
//! When the pull has succeeded, "pull products" turns itself off in the saved settings.

use std::collections::HashMap;

use futures::TryStreamExt;
use rust_decimal::Decimal;
use skladsync_cloudcart::{Category, Client, Id, Product, ProductsQuery, Variant};
use skladsync_warehouse::{Good, GoodData, Group, Warehouse, money};

use crate::catalog::{MAX_PARAMETERS, keys_of};
use crate::currency::eur_to_bgn;
use crate::error::EngineError;
use crate::events::{ItemProblem, Level, Reporter, RunSummary};
use crate::report::{
    Item, Phase, Problem, PullNote, PullProblem, SettingField, SettingIssue, SettingProblem,
};
use crate::settings::{CompareBy, Server, SettingsFile, VatClassMapping};

/// The VAT group a new good gets when its product's VAT class has no group in the VAT mapping
/// ("ДДС групи"): Склад Pro's standard group. Reported for each good that gets it.
pub const STANDARD_VAT_GROUP: i64 = 1;

/// The VAT group of a pulled product: the group the VAT mapping gives its VAT class, or `None`
/// (the product has no class, or the class is not mapped).
pub fn mapped_vat_group(product: &Product, mapping: &[VatClassMapping]) -> Option<i64> {
    let class = product.tax_class.as_deref().map(str::trim)?;
    mapping
        .iter()
        .find(|m| m.shop_class.trim().eq_ignore_ascii_case(class))
        .map(|m| m.vat_group.get())
}

fn key_of_variant(v: &Variant, compare_by: CompareBy) -> Option<String> {
    match compare_by {
        CompareBy::BarcodeToBarcode1 => v.barcode.clone(),
        CompareBy::SkuToBarcode2 | CompareBy::SkuToCode => v.sku.clone(),
    }
    .map(|k| k.trim().to_owned())
    .filter(|k| !k.is_empty())
}

struct Pull<'a> {
    wh: &'a Warehouse,
    reporter: &'a Reporter,
    summary: RunSummary,
    categories: HashMap<Id, Category>,
    groups: Vec<Group>,
    /// Category → goods group.
    group_of: HashMap<Id, i64>,
    dry_run: bool,
}

impl Pull<'_> {
    fn problem(&mut self, level: Level, item: Item, message: impl Into<Problem>) {
        self.summary.report(self.reporter, level, item, message);
    }

    /// The goods group of a shop category, made along the category's parents as needed.
    async fn group_for(&mut self, category: Option<&Id>) -> Result<i64, EngineError> {
        let Some(id) = category else {
            return self.named_group("CloudCart", None).await;
        };
        if let Some(g) = self.group_of.get(id) {
            return Ok(*g);
        }
        let mut chain = Vec::new();
        let mut at = Some(id.clone());
        while let Some(c) = at.and_then(|i| self.categories.get(&i).cloned()) {
            if chain.iter().any(|x: &Category| x.id == c.id) {
                break; // a cycle in the shop's data
            }
            at = c.parent_id.clone();
            chain.push(c);
        }
        let mut parent: Option<i64> = None;
        for c in chain.iter().rev() {
            let g = match self.group_of.get(&c.id) {
                Some(g) => *g,
                None => {
                    let g = self.named_group(&c.name, parent).await?;
                    self.group_of.insert(c.id.clone(), g);
                    g
                }
            };
            parent = Some(g);
        }
        match parent {
            Some(g) => Ok(g),
            None => self.named_group("CloudCart", None).await,
        }
    }

    /// An existing group of that name under `parent`, or a new one.
    async fn named_group(&mut self, name: &str, parent: Option<i64>) -> Result<i64, EngineError> {
        let parent_code = match parent {
            Some(p) => self
                .groups
                .iter()
                .find(|g| g.id == p)
                .map(|g| g.code.clone())
                .unwrap_or_default(),
            None => String::new(),
        };
        if let Some(g) = self.groups.iter().find(|g| {
            g.name.eq_ignore_ascii_case(name.trim())
                && g.code.len() == parent_code.len() + 3
                && g.code.starts_with(&parent_code)
        }) {
            return Ok(g.id);
        }
        if self.dry_run {
            return Ok(0);
        }
        let g = self.wh.create_goods_group(name, parent).await?;
        let id = g.id;
        self.groups.push(g);
        Ok(id)
    }
}

fn option_values(v: &Variant) -> Vec<String> {
    v.option_names
        .iter()
        .flatten()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Run the pull; `settings` is where "pull products" is turned off after success.
pub async fn run_pull(
    wh: &Warehouse,
    shop: &Client,
    server: &Server,
    settings: Option<&SettingsFile>,
    reporter: &Reporter,
    dry_run: bool,
) -> Result<RunSummary, EngineError> {
    let object = server.import.object.ok_or_else(|| {
        EngineError::InvalidSettings(vec![SettingProblem {
            field: SettingField::ImportObject,
            issue: SettingIssue::ChooseObject,
        }])
    })?;
    let price_group = wh
        .locations()
        .await?
        .into_iter()
        .find(|o| o.id == object)
        .map(|o| o.price_group)
        .ok_or_else(|| {
            EngineError::InvalidSettings(vec![SettingProblem {
                field: SettingField::ImportObject,
                issue: SettingIssue::NoSuchObject { id: object.get() },
            }])
        })?;
    reporter.phase(Phase::ReadingShopProducts);
    let products: Vec<Product> = shop
        .products(ProductsQuery {
            with_variants: true,
            ..Default::default()
        })
        .try_collect()
        .await?;
    let categories: Vec<Category> = shop.categories().try_collect().await?;
    let parameters: HashMap<Id, String> = shop
        .variant_parameters()
        .try_collect::<Vec<_>>()
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();

    reporter.phase(Phase::ReadingWarehouseGoods);
    let existing = wh.goods(&[], price_group).await?.goods;
    let mut by_key: HashMap<String, Good> = HashMap::new();
    for g in existing {
        if let Some(k) = keys_of(&g, server.compare_by).0 {
            by_key.entry(k).or_insert(g);
        }
    }
    let vat_rates: HashMap<i64, Decimal> = wh
        .vat_groups()
        .await?
        .into_iter()
        .map(|v| (v.id, v.rate))
        .collect();
    let settings_db = wh.settings().clone();
    let to_bgn =
        server.import.prices_in_eur && settings_db.base_currency.eq_ignore_ascii_case("BGN");

    let mut run = Pull {
        wh,
        reporter,
        summary: RunSummary {
            dry_run,
            ..Default::default()
        },
        categories: categories.into_iter().map(|c| (c.id.clone(), c)).collect(),
        groups: wh.goods_groups().await?,
        group_of: HashMap::new(),
        dry_run,
    };
    reporter.phase(if dry_run {
        Phase::TryingWarehouseWrites
    } else {
        Phase::WritingWarehouse
    });
    let total: u64 = products.iter().map(|p| p.variants.len() as u64).sum();
    let mut done = 0;
    for product in &products {
        if reporter.is_stopped() {
            return Err(EngineError::Stopped);
        }
        let param_names: Vec<String> = product
            .parameter_ids
            .iter()
            .flatten()
            .map(|id| {
                parameters
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| format!("Параметър {id}"))
            })
            .collect();
        let code = product
            .variants
            .iter()
            .find_map(|v| v.sku.clone().filter(|s| !s.trim().is_empty()))
            .map(|s| {
                if product.variants.len() > 1 {
                    format!("CC{}", product.id)
                } else {
                    s
                }
            })
            .unwrap_or_else(|| format!("CC{}", product.id));
        for v in &product.variants {
            done += 1;
            reporter.progress(done, total);
            let item = Item::ProductVariant {
                product: product.id.to_string(),
                name: product.name.clone(),
                variant: v.id.to_string(),
            };
            let Some(key) = key_of_variant(v, server.compare_by) else {
                run.summary.skipped += 1;
                run.problem(
                    Level::Error,
                    item,
                    PullProblem::NoKey {
                        compare_by: server.compare_by,
                    },
                );
                continue;
            };
            let values = option_values(v);
            if values.len() > MAX_PARAMETERS {
                run.summary.skipped += 1;
                run.problem(
                    Level::Error,
                    item,
                    PullProblem::TooManyParameters {
                        max: MAX_PARAMETERS,
                    },
                );
                continue;
            }
            let name = if values.is_empty() {
                product.name.clone()
            } else {
                format!("{} {}", product.name, values.join(" "))
            };
            let mut catalogs = [String::new(), String::new(), String::new()];
            for (i, value) in values.iter().enumerate() {
                let param = param_names
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| format!("Параметър {}", i + 1));
                catalogs[i] = format!("{param}-{value}");
            }
            let barcode = v.barcode.clone().unwrap_or_default();
            let sku = v.sku.clone().unwrap_or_default();
            let result = match by_key.get(&key) {
                Some(good) => {
                    // Existing goods: name and barcodes follow the shop; the rest stays.
                    let mut data = good.to_data(price_group);
                    data.name = name.clone();
                    if !barcode.is_empty() {
                        data.barcodes[0] = barcode;
                    }
                    // Баркод 2 is the user's unless it is the compare key (then it is the SKU
                    // already).
                    if !sku.is_empty() && server.compare_by == CompareBy::SkuToBarcode2 {
                        data.barcodes[1] = sku;
                    }
                    if dry_run {
                        run.summary.updated += 1;
                        reporter.item(
                            Level::Info,
                            ItemProblem::new(
                                Item::Good {
                                    id: good.id,
                                    name: good.name.clone(),
                                    key: Some(key.clone()),
                                },
                                PullProblem::WouldUpdate {
                                    name: data.name.clone(),
                                    barcodes: data.barcodes.to_vec(),
                                },
                            ),
                        );
                        continue;
                    }
                    wh.save_good(Some(good.id), &data).await.map(|_| false)
                }
                None => {
                    let mapped = mapped_vat_group(product, &server.export.vat_classes)
                        .filter(|g| vat_rates.contains_key(g));
                    let vat_group_id = mapped.unwrap_or(STANDARD_VAT_GROUP);
                    if mapped.is_none() {
                        reporter.item(
                            Level::Warning,
                            ItemProblem::new(
                                item.clone(),
                                PullProblem::VatClassUnmapped {
                                    shop_class: product.tax_class.clone(),
                                    vat_group: STANDARD_VAT_GROUP,
                                },
                            ),
                        );
                    }
                    let rate = vat_rates
                        .get(&vat_group_id)
                        .copied()
                        .unwrap_or(Decimal::from(20));
                    let gross = v.price.unwrap_or_default();
                    let gross = if to_bgn { eur_to_bgn(gross) } else { gross };
                    let price = if settings_db.prices_include_vat {
                        gross
                    } else {
                        money::round_money(
                            gross * Decimal::ONE_HUNDRED / (Decimal::ONE_HUNDRED + rate),
                        )
                    };
                    let group_id = run.group_for(product.category_id.as_ref()).await?;
                    if dry_run {
                        run.summary.created += 1;
                        reporter.item(
                            Level::Info,
                            ItemProblem::new(
                                Item::NewGood { name: name.clone() },
                                PullProblem::WouldCreate {
                                    key: key.clone(),
                                    price,
                                    catalogs: catalogs.to_vec(),
                                },
                            ),
                        );
                        continue;
                    }
                    let code = if server.compare_by == CompareBy::SkuToCode {
                        key.clone()
                    } else {
                        code.clone()
                    };
                    let data = GoodData {
                        code,
                        name: name.clone(),
                        barcodes: [barcode, sku, String::new()],
                        catalogs,
                        measure: "бр.".into(),
                        price_group,
                        price,
                        vat_group_id,
                        group_id,
                    };
                    wh.save_good(None, &data).await.map(|_| true)
                }
            };
            match result {
                Ok(true) => run.summary.created += 1,
                Ok(false) => run.summary.updated += 1,
                Err(e) => {
                    run.summary.skipped += 1;
                    run.problem(
                        Level::Error,
                        item,
                        PullProblem::Refused {
                            detail: e.to_string(),
                        },
                    );
                }
            }
        }
    }

    // Success: the setting turns itself off, so the pull is never repeated by accident.
    if !dry_run && run.summary.problems.is_empty() {
        if let Some(file) = settings {
            let mut all = file.load()?;
            if let Some(s) = all.servers.iter_mut().find(|s| s.id == server.id) {
                s.import.pull_products = false;
            }
            file.save(&all)?;
            reporter.log(Level::Info, PullNote::DoneAndTurnedOff);
        }
    } else if !dry_run {
        reporter.log(Level::Warning, PullNote::HadErrors);
    }
    Ok(run.summary)
}
