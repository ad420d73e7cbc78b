//! What the warehouse says the shop should hold, and what the shop holds.

use std::collections::HashMap;

use futures::TryStreamExt;
use rust_decimal::{Decimal, RoundingStrategy};
use skladsync_cloudcart::{Client, Variant, VariantsQuery};
use skladsync_warehouse::{Good, Group, PriceGroup, Warehouse, money};

use crate::currency::bgn_to_eur;
use crate::error::EngineError;
use crate::events::{ItemProblem, Reporter};
use crate::report::{
    Currency, ExportProblem, Item, Money, Phase, SettingField, SettingIssue, SettingProblem,
};
use crate::settings::{CompareBy, PriceSource, Server, StockFormula};

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

/// A good, by its compare key.
pub(super) fn key_item(good_id: i64, key: &str) -> Item {
    Item::Good {
        id: good_id,
        name: String::new(),
        key: Some(key.to_owned()),
    }
}

pub(super) fn good_item(g: &Good) -> Item {
    Item::Good {
        id: g.id,
        name: g.name.clone(),
        key: None,
    }
}

/// The currency of Склад Pro's base currency code.
pub(super) fn currency_of(code: &str) -> Currency {
    if code.eq_ignore_ascii_case("EUR") {
        Currency::Eur
    } else {
        Currency::Bgn
    }
}
