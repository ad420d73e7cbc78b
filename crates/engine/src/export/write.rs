//! The writes to the shop, one good at a time.

use std::collections::HashMap;

use rust_decimal::Decimal;
use skladsync_cloudcart::{Client, Id, NewProduct, NewVariant, Variant, VariantUpdate};
use skladsync_warehouse::Group;

use crate::catalog::{ProductPlan, VariantPlan};
use crate::error::EngineError;
use crate::events::{ItemProblem, Level, Reporter, RunSummary};
use crate::journal::{Journal, Pushed};
use crate::report::{ExportProblem, Item, Problem, ShopFailure};
use crate::settings::Server;

use super::read::{Desired, WarehouseSide, key_item};

/// What the journal keeps of a shop variant once it holds these values for the good.
pub(super) fn pushed_for(
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

pub(super) struct Run<'a> {
    pub(super) server: &'a Server,
    pub(super) shop: &'a Client,
    pub(super) journal: &'a Journal,
    pub(super) reporter: &'a Reporter,
    pub(super) dry_run: bool,
    pub(super) summary: RunSummary,
    pub(super) categories: HashMap<i64, Id>,
    pub(super) parameters: HashMap<String, Id>,
    pub(super) options: HashMap<(Id, String), Id>,
    /// Read a variant from the shop right before writing it (the shop was not listed).
    pub(super) reread: bool,
    /// Compare with what the shop holds, not with what the journal says it was given, and list
    /// each difference written (the nightly reconciliation).
    pub(super) against_shop: bool,
}

impl Run<'_> {
    pub(super) fn problem(&mut self, level: Level, item: Item, problem: impl Into<Problem>) {
        self.summary.report(self.reporter, level, item, problem);
    }

    /// A shop error on one item: reported, or the end of the run when the shop is unusable.
    pub(super) fn shop_failed(
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

    pub(super) async fn update(
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
    pub(super) async fn rekey(
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
    pub(super) async fn category(
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

    pub(super) async fn create(
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

    pub(super) async fn create_in_shop(
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
