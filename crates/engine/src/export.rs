//! Експорт от Склад Pro: goods, quantities and retail prices to the shop. Only what changed
//! since the last successful push is written; a dry run writes nothing and says what it would do.

use std::collections::HashMap;

use futures::TryStreamExt;
use rust_decimal::{Decimal, RoundingStrategy};
use skladsync_cloudcart::{
    Client, Id, NewProduct, NewVariant, Variant, VariantUpdate, VariantsQuery,
};
use skladsync_warehouse::{Good, Group, PriceGroup, Warehouse, money};

use crate::catalog::{ProductPlan, VariantPlan, plan_products};
use crate::currency::bgn_to_eur;
use crate::error::EngineError;
use crate::events::{ItemProblem, Level, Reporter, RunSummary};
use crate::journal::{Journal, Pushed};
use crate::report::{
    Currency, ExportNote, ExportProblem, Item, Money, Phase, Problem, SettingField, SettingIssue,
    SettingProblem, ShopFailure,
};
use crate::settings::{CompareBy, MissingGoods, PriceSource, Server, StockFormula};

/// What the shop should hold for one good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Desired {
    pub quantity: Decimal,
    pub price: Decimal,
}

/// Everything read from Склад Pro for an export.
#[derive(Debug, Clone)]
pub struct WarehouseSide {
    pub goods: Vec<Good>,
    pub desired: HashMap<i64, Desired>,
    pub groups: Vec<Group>,
    pub problems: Vec<ItemProblem>,
}

/// The objects whose quantities are summed: the object groups chosen, else the object for
/// operations.
pub async fn quantity_objects(wh: &Warehouse, server: &Server) -> Result<Vec<i64>, EngineError> {
    let export = &server.export;
    if export.object_groups.is_empty() {
        return export.object.map(|o| vec![o.get()]).ok_or_else(|| {
            EngineError::InvalidSettings(vec![SettingProblem {
                field: SettingField::ExportObject,
                issue: SettingIssue::ChooseObjectOrGroup,
            }])
        });
    }
    let objects: Vec<i64> = wh
        .locations()
        .await?
        .into_iter()
        .filter(|o| export.object_groups.iter().any(|g| *g == o.group_id))
        .map(|o| o.id)
        .collect();
    if objects.is_empty() {
        return Err(EngineError::InvalidSettings(vec![SettingProblem {
            field: SettingField::ExportObjectGroups,
            issue: SettingIssue::ObjectGroupsWithoutObjects,
        }]));
    }
    Ok(objects)
}

/// The price group the shop gets.
pub async fn price_group(wh: &Warehouse, server: &Server) -> Result<PriceGroup, EngineError> {
    Ok(match server.export.price {
        PriceSource::Retail => PriceGroup::RETAIL,
        PriceSource::Group { group } => group,
        PriceSource::ObjectPriceGroup => {
            let object = server.export.object.ok_or_else(|| {
                EngineError::InvalidSettings(vec![SettingProblem {
                    field: SettingField::ExportObject,
                    issue: SettingIssue::ObjectNeededForPriceGroup,
                }])
            })?;
            wh.locations()
                .await?
                .into_iter()
                .find(|o| o.id == object)
                .map(|o| o.price_group)
                .unwrap_or(PriceGroup::RETAIL)
        }
    })
}

/// The shop's price: with VAT, in cents, in EUR when asked and the database is in BGN.
pub fn shop_price(
    stored: Decimal,
    vat_rate: Decimal,
    prices_include_vat: bool,
    to_eur: bool,
) -> Decimal {
    let gross = if prices_include_vat {
        stored
    } else {
        stored * (Decimal::ONE_HUNDRED + vat_rate) / Decimal::ONE_HUNDRED
    };
    let gross = money::round_money(gross);
    if to_eur { bgn_to_eur(gross) } else { gross }
}

/// The shop's quantity: whole units, never negative (fractional stock is rounded down).
pub fn shop_quantity(on_hand: Decimal, reserved: Decimal) -> Decimal {
    (on_hand - reserved)
        .max(Decimal::ZERO)
        .round_dp_with_strategy(0, RoundingStrategy::ToZero)
}

pub async fn read_warehouse(
    wh: &Warehouse,
    server: &Server,
    reporter: &Reporter,
) -> Result<WarehouseSide, EngineError> {
    read_warehouse_of(wh, server, reporter, None).await
}

/// The goods of the chosen groups, or only `only` (goods the shop already has from us).
pub async fn read_warehouse_of(
    wh: &Warehouse,
    server: &Server,
    reporter: &Reporter,
    only: Option<&[i64]>,
) -> Result<WarehouseSide, EngineError> {
    let export = &server.export;
    reporter.phase(Phase::ReadingWarehouseGoods);
    let objects = quantity_objects(wh, server).await?;
    let group = price_group(wh, server).await?;
    // Goods and quantities are read on two connections at once.
    let groups = crate::ids::numbers(&export.goods_groups);
    let (read, quantities) = match only {
        None => tokio::try_join!(wh.goods(&groups, group), wh.quantities(&objects))?,
        Some(ids) => tokio::try_join!(wh.goods_by_id(ids, group), wh.quantities_of(&objects, ids))?,
    };
    let problem = |p: &skladsync_warehouse::DataProblem| {
        ItemProblem::new(
            Item::Row {
                table: p.table.to_string(),
                id: p.row_id,
            },
            ExportProblem::UnreadableRow {
                field: p.field.to_string(),
                detail: p.message.to_string(),
            },
        )
    };
    let mut problems: Vec<ItemProblem> = read
        .problems
        .iter()
        .chain(&quantities.problems)
        .map(problem)
        .collect();
    let reserved = match (export.stock_formula, only) {
        (StockFormula::OnHand, _) => HashMap::new(),
        (StockFormula::OnHandMinusOrders, None) => wh.reserved_by_orders(&objects).await?,
        (StockFormula::OnHandMinusOrders, Some(ids)) => {
            wh.reserved_by_orders_of(&objects, ids).await?
        }
    };
    let rates: HashMap<i64, Decimal> = wh
        .vat_groups()
        .await?
        .into_iter()
        .map(|v| (v.id, v.rate))
        .collect();
    let settings = wh.settings();
    let to_eur = export.prices_in_eur && settings.base_currency.eq_ignore_ascii_case("BGN");
    let mut desired = HashMap::new();
    let mut goods = Vec::with_capacity(read.goods.len());
    for g in read.goods {
        let Some(rate) = rates.get(&g.vat_group_id).copied() else {
            problems.push(ItemProblem::new(
                good_item(&g),
                ExportProblem::NoSuchVatGroup {
                    vat_group: g.vat_group_id,
                },
            ));
            continue;
        };
        let on_hand = quantities
            .quantities
            .get(&g.id)
            .copied()
            .unwrap_or_default();
        let held = reserved.get(&g.id).copied().unwrap_or_default();
        if !export.vat_classes.is_empty()
            && !export
                .vat_classes
                .iter()
                .any(|m| m.vat_group == g.vat_group_id)
        {
            problems.push(ItemProblem::new(
                good_item(&g),
                ExportProblem::VatGroupWithoutShopClass {
                    vat_group: g.vat_group_id,
                },
            ));
            continue;
        }
        let price = shop_price(g.price, rate, settings.prices_include_vat, to_eur);
        if price <= Decimal::ZERO && export.export_prices {
            problems.push(ItemProblem::new(
                good_item(&g),
                ExportProblem::NoPrice {
                    price: Money::new(g.price, currency_of(&settings.base_currency)),
                    shop_price: price,
                },
            ));
            continue;
        }
        desired.insert(
            g.id,
            Desired {
                quantity: shop_quantity(on_hand, held),
                price,
            },
        );
        goods.push(g);
    }
    let groups = wh.goods_groups().await?;
    for missing in export
        .goods_groups
        .iter()
        .filter(|id| !groups.iter().any(|g| g.id == **id))
    {
        problems.push(ItemProblem::new(
            Item::GoodsGroup { id: missing.get() },
            ExportProblem::GoodsGroupGone,
        ));
    }
    Ok(WarehouseSide {
        goods,
        desired,
        groups,
        problems,
    })
}

/// All shop variants by compare key; keys held by more than one variant are reported.
pub async fn read_shop(
    shop: &Client,
    compare_by: CompareBy,
    reporter: &Reporter,
) -> Result<
    (
        HashMap<String, Variant>,
        HashMap<String, Variant>,
        Vec<ItemProblem>,
    ),
    EngineError,
> {
    reporter.phase(Phase::ReadingShopProducts);
    let variants: Vec<Variant> = shop
        .variants(VariantsQuery::default())
        .try_collect()
        .await?;
    let by_id: HashMap<String, Variant> = variants
        .iter()
        .map(|v| (v.id.to_string(), v.clone()))
        .collect();
    let (by_key, _) = crate::correspondence::shop_variants_by_key(&variants, compare_by);
    let mut problems = Vec::new();
    let mut unique = HashMap::new();
    for (k, vs) in by_key {
        if vs.len() > 1 {
            problems.push(ItemProblem::new(
                Item::Variant {
                    id: None,
                    key: k.clone(),
                },
                ExportProblem::ShopKeyTwice {
                    compare_by,
                    variants: vs.iter().map(|v| v.id.to_string()).collect(),
                },
            ));
        } else {
            unique.insert(k, vs[0].clone());
        }
    }
    Ok((unique, by_id, problems))
}

/// What the journal keeps of a shop variant once it holds these values for the good.
fn pushed_for(
    plan: &VariantPlan,
    shop: &Variant,
    quantity: Option<Decimal>,
    price: Option<Decimal>,
) -> Pushed {
    Pushed {
        good_id: plan.good_id,
        product_id: shop
            .product_id
            .as_ref()
            .map(|i| i.to_string())
            .unwrap_or_default(),
        variant_id: shop.id.to_string(),
        key: plan.key.clone(),
        quantity,
        price,
    }
}

/// A good, by its compare key.
fn key_item(good_id: i64, key: &str) -> Item {
    Item::Good {
        id: good_id,
        name: String::new(),
        key: Some(key.to_owned()),
    }
}

fn good_item(g: &Good) -> Item {
    Item::Good {
        id: g.id,
        name: g.name.clone(),
        key: None,
    }
}

/// The currency of Склад Pro's base currency code.
fn currency_of(code: &str) -> Currency {
    if code.eq_ignore_ascii_case("EUR") {
        Currency::Eur
    } else {
        Currency::Bgn
    }
}

/// Errors that end the run: nothing more can be done with this shop.
fn is_fatal(e: &skladsync_cloudcart::Error) -> bool {
    use skladsync_cloudcart::Error as E;
    matches!(
        e,
        E::NoApiAccess { .. }
            | E::InvalidApiKey(_)
            | E::InvalidBaseUrl { .. }
            | E::Transport { .. }
            | E::Timeout { .. }
    ) || matches!(e.status(), Some(401..=403))
}

struct Run<'a> {
    server: &'a Server,
    shop: &'a Client,
    journal: &'a Journal,
    reporter: &'a Reporter,
    dry_run: bool,
    summary: RunSummary,
    categories: HashMap<i64, Id>,
    parameters: HashMap<String, Id>,
    options: HashMap<(Id, String), Id>,
    /// Read a variant from the shop right before writing it (the shop was not listed).
    reread: bool,
    /// Compare with what the shop holds, not with what the journal says it was given, and list
    /// each difference written (the nightly reconciliation).
    against_shop: bool,
}

impl Run<'_> {
    fn problem(&mut self, level: Level, item: Item, problem: impl Into<Problem>) {
        self.summary.report(self.reporter, level, item, problem);
    }

    /// A shop error on one item: reported, or the end of the run when the shop is unusable.
    fn shop_failed(
        &mut self,
        item: Item,
        e: skladsync_cloudcart::Error,
    ) -> Result<(), EngineError> {
        if is_fatal(&e) {
            return Err(e.into());
        }
        self.summary.skipped += 1;
        self.problem(Level::Error, item, ShopFailure::from(&e));
        Ok(())
    }

    async fn update(
        &mut self,
        plan: &VariantPlan,
        shop: &Variant,
        want: Desired,
        last: Option<&Pushed>,
    ) -> Result<(), EngineError> {
        let export = &self.server.export;
        // The reference is what we last pushed (the shop's own decrements from sales are left
        // alone until the order comes in), else what the shop holds now; the reconciliation
        // compares with what the shop holds.
        let known = last.filter(|p| p.variant_id == shop.id.to_string() && !self.against_shop);
        let ref_qty = known.and_then(|p| p.quantity).or(shop.quantity);
        let ref_price = known.and_then(|p| p.price).or(shop.price);
        let mut update = VariantUpdate::default();
        if export.export_quantities && ref_qty != Some(want.quantity) {
            update.quantity = Some(want.quantity);
        }
        if export.export_prices && ref_price != Some(want.price) {
            update.price = Some(want.price);
        }
        let pushed = pushed_for(
            plan,
            shop,
            if export.export_quantities {
                Some(want.quantity)
            } else {
                known.and_then(|p| p.quantity)
            },
            if export.export_prices {
                Some(want.price)
            } else {
                known.and_then(|p| p.price)
            },
        );
        if update.quantity.is_none() && update.price.is_none() {
            self.summary.unchanged += 1;
            if known.is_none() && !self.dry_run {
                self.journal.record_push(&self.server.id, &pushed).await?;
            }
            return Ok(());
        }
        if self.dry_run {
            self.summary.updated += 1;
            self.reporter.item(
                Level::Info,
                ItemProblem::new(
                    Item::Variant {
                        id: Some(shop.id.to_string()),
                        key: plan.key.clone(),
                    },
                    ExportProblem::WouldUpdate {
                        quantity: update.quantity.map(|q| (ref_qty, q)),
                        price: update.price.map(|p| (ref_price, p)),
                    },
                ),
            );
            return Ok(());
        }
        if self.reread {
            match self.shop.variant(&shop.id).await {
                Ok(_) => {}
                Err(e) if e.is_not_found() => {
                    // Deleted in the shop: forgotten here, made again by the next (full) run.
                    self.journal
                        .forget_push(&self.server.id, plan.good_id)
                        .await?;
                    self.summary.skipped += 1;
                    self.problem(
                        Level::Warning,
                        key_item(plan.good_id, &plan.key),
                        ExportProblem::VariantDeletedInShop,
                    );
                    return Ok(());
                }
                Err(e) => {
                    return self.shop_failed(key_item(plan.good_id, &plan.key), e);
                }
            }
        }
        match self.shop.update_variant(&shop.id, &update).await {
            Ok(_) => {
                self.summary.updated += 1;
                self.journal.record_push(&self.server.id, &pushed).await?;
                if self.against_shop {
                    self.problem(
                        Level::Info,
                        key_item(plan.good_id, &plan.key),
                        ExportProblem::Reconciled {
                            quantity: update.quantity.map(|q| (shop.quantity, q)),
                            price: update.price.map(|p| (shop.price, p)),
                        },
                    );
                }
            }
            Err(e) if e.is_not_found() => {
                // Deleted in the shop: forgotten here, made again by the next full run.
                self.journal
                    .forget_push(&self.server.id, plan.good_id)
                    .await?;
                self.summary.skipped += 1;
                self.problem(
                    Level::Warning,
                    key_item(plan.good_id, &plan.key),
                    ExportProblem::VariantDeletedInShop,
                );
            }
            Err(e) => self.shop_failed(key_item(plan.good_id, &plan.key), e)?,
        }
        Ok(())
    }

    /// Give a shop variant the good's new compare key (and its quantity and price).
    async fn rekey(
        &mut self,
        plan: &VariantPlan,
        shop: &Variant,
        want: Desired,
    ) -> Result<(), EngineError> {
        let export = &self.server.export;
        let update = VariantUpdate {
            quantity: export.export_quantities.then_some(want.quantity),
            price: export.export_prices.then_some(want.price),
            sku: plan.sku.clone(),
            barcode: plan.barcode.clone(),
        };
        if self.dry_run {
            self.summary.updated += 1;
            self.reporter.item(
                Level::Info,
                ItemProblem::new(
                    Item::Variant {
                        id: Some(shop.id.to_string()),
                        key: plan.key.clone(),
                    },
                    ExportProblem::WouldRekey {
                        key: plan.key.clone(),
                    },
                ),
            );
            return Ok(());
        }
        match self.shop.update_variant(&shop.id, &update).await {
            Ok(_) => {
                self.summary.updated += 1;
                let pushed = pushed_for(plan, shop, update.quantity, update.price);
                self.journal.record_push(&self.server.id, &pushed).await?;
            }
            Err(e) => self.shop_failed(key_item(plan.good_id, &plan.key), e)?,
        }
        Ok(())
    }

    /// The shop category for a goods group, made along its parents as needed.
    async fn category(
        &mut self,
        group_id: i64,
        groups: &[Group],
    ) -> Result<Id, skladsync_cloudcart::Error> {
        if let Some(id) = self.categories.get(&group_id) {
            return Ok(id.clone());
        }
        let fallback = Group {
            id: group_id,
            code: String::new(),
            name: "Склад Pro".into(),
        };
        let group = groups
            .iter()
            .find(|g| g.id == group_id)
            .unwrap_or(&fallback);
        // (id, name) pairs, owned: references held across the awaits below would keep the
        // future from being `Send` for the runner.
        let mut chain: Vec<(i64, String)> = Vec::new();
        let mut code = Some(group.code.as_str()).filter(|c| c.chars().count() >= 3);
        while let Some(c) = code {
            if let Some(g) = groups.iter().find(|g| g.code == c) {
                chain.push((g.id, g.name.clone()));
            }
            code = skladsync_warehouse::parent_group_code(c).filter(|p| p.chars().count() >= 3);
        }
        if chain.is_empty() {
            chain.push((group.id, group.name.clone()));
        }
        let mut parent: Option<Id> = None;
        for (id, name) in chain.into_iter().rev() {
            let category = match self.categories.get(&id) {
                Some(c) => c.clone(),
                None => {
                    let c = self
                        .shop
                        .get_or_create_category(&name, parent.as_ref())
                        .await?;
                    self.categories.insert(id, c.id.clone());
                    c.id
                }
            };
            parent = Some(category);
        }
        Ok(parent.expect("a category"))
    }

    async fn create(
        &mut self,
        plan: &ProductPlan,
        missing: &[VariantPlan],
        existing_product: Option<Id>,
        side: &WarehouseSide,
    ) -> Result<(), EngineError> {
        if self.dry_run {
            self.summary.created += missing.len() as u64;
            for v in missing {
                let want = side.desired[&v.good_id];
                self.reporter.item(
                    Level::Info,
                    ItemProblem::new(
                        Item::Good {
                            id: v.good_id,
                            name: format!("{} {}", plan.name, v.options.join(" / "))
                                .trim()
                                .to_owned(),
                            key: Some(v.key.clone()),
                        },
                        ExportProblem::WouldCreate {
                            in_existing_product: existing_product.is_some(),
                            compare_by: self.server.compare_by,
                            key: v.key.clone(),
                            price: want.price,
                            quantity: want.quantity,
                        },
                    ),
                );
            }
            return Ok(());
        }
        let item = Item::Product {
            id: String::new(),
            name: plan.name.clone(),
        };
        let result = self
            .create_in_shop(plan, missing, existing_product, side)
            .await;
        match result {
            Ok(created) => {
                for (variant, pushed) in created {
                    let _ = variant;
                    self.summary.created += 1;
                    self.journal.record_push(&self.server.id, &pushed).await?;
                }
                Ok(())
            }
            Err(e) => self.shop_failed(item, e),
        }
    }

    async fn create_in_shop(
        &mut self,
        plan: &ProductPlan,
        missing: &[VariantPlan],
        existing_product: Option<Id>,
        side: &WarehouseSide,
    ) -> Result<Vec<(Variant, Pushed)>, skladsync_cloudcart::Error> {
        let mut parameter_ids = Vec::new();
        let mut option_ids: Vec<Vec<Id>> = vec![Vec::new(); missing.len()];
        // Parameters and options are looked up (or made) once a run, not once a product.
        for (i, name) in plan.parameters.iter().enumerate() {
            let parameter = match self.parameters.get(name) {
                Some(id) => id.clone(),
                None => {
                    let p = self
                        .shop
                        .get_or_create_variant_parameter(name, "select")
                        .await?;
                    self.parameters.insert(name.clone(), p.id.clone());
                    p.id
                }
            };
            for (vi, v) in missing.iter().enumerate() {
                let key = (parameter.clone(), v.options[i].clone());
                let option = match self.options.get(&key) {
                    Some(id) => id.clone(),
                    None => {
                        let o = self
                            .shop
                            .get_or_create_variant_option(&parameter, &v.options[i])
                            .await?;
                        self.options.insert(key, o.id.clone());
                        o.id
                    }
                };
                option_ids[vi].push(option);
            }
            parameter_ids.push(parameter);
        }
        let product_id = match existing_product {
            Some(id) => id,
            None => {
                let category_id = self.category(plan.group_id, &side.groups).await?;
                let product = self
                    .shop
                    .create_product(&NewProduct {
                        name: plan.name.clone(),
                        category_id,
                        active: true,
                        tracking: true,
                        description: None,
                        url_handle: None,
                        parameter_ids,
                    })
                    .await?;
                product.id
            }
        };
        let mut out = Vec::new();
        for (vi, v) in missing.iter().enumerate() {
            let want = side.desired[&v.good_id];
            let variant = self
                .shop
                .create_variant(
                    &product_id,
                    &NewVariant {
                        sku: v.sku.clone(),
                        barcode: v.barcode.clone(),
                        price: want.price,
                        quantity: Some(if self.server.export.export_quantities {
                            want.quantity
                        } else {
                            Decimal::ZERO
                        }),
                        option_ids: option_ids[vi].clone(),
                    },
                )
                .await?;
            let pushed = Pushed {
                good_id: v.good_id,
                product_id: product_id.to_string(),
                variant_id: variant.id.to_string(),
                key: v.key.clone(),
                quantity: Some(if self.server.export.export_quantities {
                    want.quantity
                } else {
                    Decimal::ZERO
                }),
                price: Some(want.price),
            };
            out.push((variant, pushed));
        }
        Ok(out)
    }
}

/// Shop variants as the journal remembers them, by compare key.
fn from_journal(pushed: &HashMap<i64, Pushed>) -> HashMap<String, Variant> {
    pushed
        .values()
        .map(|p| {
            (
                p.key.clone(),
                Variant {
                    id: Id::from(p.variant_id.clone()),
                    product_id: (!p.product_id.is_empty()).then(|| Id::from(p.product_id.clone())),
                    sku: None,
                    barcode: None,
                    price: p.price,
                    quantity: p.quantity,
                    delivery_price: None,
                    weight: None,
                    option_ids: Vec::new(),
                    option_names: Vec::new(),
                },
            )
        })
        .collect()
}

/// Run the export for one server.
pub async fn run_export(
    wh: &Warehouse,
    shop: &Client,
    journal: &Journal,
    server: &Server,
    reporter: &Reporter,
    dry_run: bool,
) -> Result<RunSummary, EngineError> {
    export_goods(wh, shop, journal, server, reporter, dry_run, None).await
}

/// The nightly reconciliation: the shop is listed whole and every variant's quantity and price
/// compared with the warehouse (not with what the journal says the shop was given); each
/// difference is written and listed.
pub async fn reconcile(
    wh: &Warehouse,
    shop: &Client,
    journal: &Journal,
    server: &Server,
    reporter: &Reporter,
) -> Result<RunSummary, EngineError> {
    run_export_as(wh, shop, journal, server, reporter, false, None, true).await
}

/// The export of every good of the chosen groups, or of `only` these goods — goods the shop
/// already has from us, whose quantity or price may have changed (the continuous mode's poll).
pub(crate) async fn export_goods(
    wh: &Warehouse,
    shop: &Client,
    journal: &Journal,
    server: &Server,
    reporter: &Reporter,
    dry_run: bool,
    only: Option<&[i64]>,
) -> Result<RunSummary, EngineError> {
    run_export_as(wh, shop, journal, server, reporter, dry_run, only, false).await
}

#[allow(clippy::too_many_arguments)]
async fn run_export_as(
    wh: &Warehouse,
    shop: &Client,
    journal: &Journal,
    server: &Server,
    reporter: &Reporter,
    dry_run: bool,
    only: Option<&[i64]>,
    against_shop: bool,
) -> Result<RunSummary, EngineError> {
    let side = read_warehouse_of(wh, server, reporter, only).await?;
    let mut run = Run {
        server,
        shop,
        journal,
        reporter,
        dry_run,
        summary: RunSummary {
            dry_run,
            ..Default::default()
        },
        categories: HashMap::new(),
        parameters: HashMap::new(),
        options: HashMap::new(),
        reread: false,
        against_shop,
    };
    for p in side.problems.clone() {
        run.problem(Level::Warning, p.item, p.problem);
    }
    let (plans, plan_problems) = plan_products(&side.goods, server.compare_by);
    for p in plan_problems {
        run.summary.skipped += 1;
        run.problem(Level::Error, p.item, p.problem);
    }
    let pushed = journal.pushed(&server.id).await?;
    // When the journal knows the shop variant of every good, only the goods that changed are
    // touched (each re-read right before it is written); otherwise the shop is listed whole.
    let incremental = !against_shop
        && plans
            .iter()
            .flat_map(|p| &p.variants)
            .all(|v| pushed.get(&v.good_id).is_some_and(|p| p.key == v.key));
    // A run of some goods (the continuous mode's poll) writes each at once: one request per
    // good; a variant deleted in the shop answers 404 and is forgotten then.
    run.reread = incremental && only.is_none();
    let (shop_by_key, shop_by_id) = if incremental {
        reporter.log(Level::Info, ExportNote::OnlyChanges);
        (from_journal(&pushed), HashMap::new())
    } else {
        let (by_key, by_id, shop_problems) = read_shop(shop, server.compare_by, reporter).await?;
        for p in shop_problems {
            run.problem(Level::Error, p.item, p.problem);
        }
        (by_key, by_id)
    };

    reporter.phase(if dry_run {
        Phase::TryingShopWrites
    } else {
        Phase::WritingShop
    });
    let total: u64 = plans.iter().map(|p| p.variants.len() as u64).sum();
    let mut done = 0u64;
    let mut in_scope = std::collections::HashSet::new();
    for plan in &plans {
        let mut missing: Vec<VariantPlan> = Vec::new();
        let mut product_in_shop: Option<Id> = None;
        if reporter.is_stopped() {
            return Err(EngineError::Stopped);
        }
        for v in &plan.variants {
            in_scope.insert(v.good_id);
            let want = side.desired[&v.good_id];
            match shop_by_key.get(&v.key) {
                Some(shop_variant) => {
                    if product_in_shop.is_none() {
                        product_in_shop = shop_variant.product_id.clone();
                    }
                    run.update(v, shop_variant, want, pushed.get(&v.good_id))
                        .await?;
                }
                None => {
                    // The good's key changed in Склад Pro: the variant made for it is given the
                    // new key, not made a second time.
                    let earlier = pushed
                        .get(&v.good_id)
                        .and_then(|p| shop_by_id.get(&p.variant_id));
                    match earlier {
                        Some(shop_variant) => {
                            if product_in_shop.is_none() {
                                product_in_shop = shop_variant.product_id.clone();
                            }
                            run.rekey(v, shop_variant, want).await?;
                        }
                        None => missing.push(v.clone()),
                    }
                }
            }
            done += 1;
            reporter.progress(done, total);
        }
        if missing.is_empty() {
            continue;
        }
        if !server.export.export_goods {
            for v in missing {
                run.summary.skipped += 1;
                run.problem(
                    Level::Warning,
                    key_item(v.good_id, &v.key),
                    ExportProblem::NotInShop,
                );
            }
            continue;
        }
        if product_in_shop.is_some() && !plan.parameters.is_empty() {
            // New variants of a product the shop has: the product's parameters are kept.
            run.create(plan, &missing, product_in_shop, &side).await?;
        } else if product_in_shop.is_some() {
            for v in missing {
                run.summary.skipped += 1;
                run.problem(
                    Level::Error,
                    key_item(v.good_id, &v.key),
                    ExportProblem::ProductWithoutVariants,
                );
            }
        } else {
            run.create(plan, &missing, None, &side).await?;
        }
    }

    // Goods the shop got from us that left the chosen groups or were deleted (a full run only:
    // a run of some goods does not see the others).
    if server.export.missing_goods == MissingGoods::Deactivate && only.is_none() {
        for p in pushed.values().filter(|p| !in_scope.contains(&p.good_id)) {
            let shop_variant = if incremental {
                if p.quantity == Some(Decimal::ZERO) {
                    continue;
                }
                match shop.variant(&Id::from(p.variant_id.clone())).await {
                    Ok(v) => v,
                    Err(e) if e.is_not_found() => continue,
                    Err(e) => {
                        run.shop_failed(key_item(p.good_id, &p.key), e)?;
                        continue;
                    }
                }
            } else {
                match shop_by_id.get(&p.variant_id) {
                    Some(v) => v.clone(),
                    None => continue,
                }
            };
            if shop_variant.quantity == Some(Decimal::ZERO) {
                continue;
            }
            if dry_run {
                run.summary.deactivated += 1;
                reporter.item(
                    Level::Info,
                    ItemProblem::new(
                        Item::Variant {
                            id: Some(shop_variant.id.to_string()),
                            key: p.key.clone(),
                        },
                        ExportProblem::WouldZero,
                    ),
                );
                continue;
            }
            let update = VariantUpdate {
                quantity: Some(Decimal::ZERO),
                ..Default::default()
            };
            match shop.update_variant(&shop_variant.id, &update).await {
                Ok(_) => {
                    run.summary.deactivated += 1;
                    journal
                        .record_push(
                            &server.id,
                            &Pushed {
                                quantity: Some(Decimal::ZERO),
                                ..p.clone()
                            },
                        )
                        .await?;
                }
                Err(e) => run.shop_failed(key_item(p.good_id, &p.key), e)?,
            }
        }
    }

    if run.summary.written() == 0 && run.summary.unchanged == 0 {
        run.reporter.log(Level::Warning, ExportNote::NothingMatched);
    }
    Ok(run.summary)
}
