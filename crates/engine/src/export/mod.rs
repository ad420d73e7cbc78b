//! Експорт от Склад Pro: goods, quantities and retail prices to the shop. Only what changed
//! since the last successful push is written; a dry run writes nothing and says what it would do.
//!
//! `read`: what the warehouse says the shop should hold; `write`: the writes to the shop, one
//! good at a time; here: the runs (all goods, some goods, the nightly reconciliation).

mod read;
mod write;

use read::key_item;
pub use read::{
    Desired, WarehouseSide, price_group, quantity_objects, read_shop, read_warehouse,
    read_warehouse_of, shop_price, shop_quantity,
};
use write::Run;

use std::collections::HashMap;

use rust_decimal::Decimal;
use skladsync_cloudcart::{Client, Id, Variant, VariantUpdate};
use skladsync_warehouse::Warehouse;

use crate::catalog::{VariantPlan, plan_products};
use crate::error::EngineError;
use crate::events::{ItemProblem, Level, Reporter, RunSummary};
use crate::journal::{Journal, Pushed};
use crate::report::{ExportNote, ExportProblem, Item, Phase};
use crate::settings::{MissingGoods, Server};

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
