//! Проверка съответствие на стоките: which goods and shop variants match by the compare key,
//! which are only on one side, which keys are duplicated, and where price or quantity differ.

use std::collections::{BTreeSet, HashMap};

use futures::TryStreamExt;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use skladsync_cloudcart::{Client, Variant, VariantsQuery};
use skladsync_warehouse::Warehouse;

use crate::catalog::keys_of;
use crate::error::EngineError;
use crate::events::Reporter;
use crate::export::read_warehouse;
use crate::report::Phase;
use crate::settings::{CompareBy, Server};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchStatus {
    /// On both sides, one to one.
    Matched,
    /// A good the shop does not have.
    OnlyInWarehouse,
    /// A shop variant no good matches.
    OnlyInShop,
    /// The key is on more than one good.
    DuplicateInWarehouse,
    /// The key is on more than one shop variant.
    DuplicateInShop,
    /// The good or the variant has no key at all.
    NoKey,
}

/// One line of the check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorrespondenceRow {
    pub status: MatchStatus,
    pub key: String,
    pub good_id: Option<i64>,
    pub good_code: String,
    pub good_name: String,
    pub shop_variant_id: Option<String>,
    pub shop_product_id: Option<String>,
    pub shop_sku: String,
    pub shop_barcode: String,
    pub warehouse_price: Option<Decimal>,
    pub shop_price: Option<Decimal>,
    pub warehouse_quantity: Option<Decimal>,
    pub shop_quantity: Option<Decimal>,
}

impl CorrespondenceRow {
    pub fn price_differs(&self) -> bool {
        matches!((self.warehouse_price, self.shop_price), (Some(a), Some(b)) if a != b)
    }
    pub fn quantity_differs(&self) -> bool {
        matches!((self.warehouse_quantity, self.shop_quantity), (Some(a), Some(b)) if a != b)
    }
}

/// The shop's variants by compare key (every variant of a key, duplicates included).
pub fn shop_variants_by_key(
    variants: &[Variant],
    compare_by: CompareBy,
) -> (HashMap<String, Vec<&Variant>>, Vec<&Variant>) {
    let mut by_key: HashMap<String, Vec<&Variant>> = HashMap::new();
    let mut no_key = Vec::new();
    for v in variants {
        let k = match compare_by {
            CompareBy::BarcodeToBarcode1 => v.barcode.as_deref(),
            CompareBy::SkuToBarcode2 | CompareBy::SkuToCode => v.sku.as_deref(),
        }
        .map(str::trim)
        .filter(|k| !k.is_empty());
        match k {
            Some(k) => by_key.entry(k.to_owned()).or_default().push(v),
            None => no_key.push(v),
        }
    }
    (by_key, no_key)
}

pub async fn check(
    wh: &Warehouse,
    shop: &Client,
    server: &Server,
    reporter: &Reporter,
) -> Result<Vec<CorrespondenceRow>, EngineError> {
    let side = read_warehouse(wh, server, reporter).await?;
    reporter.phase(Phase::ReadingShopProducts);
    let variants: Vec<Variant> = shop
        .variants(VariantsQuery::default())
        .try_collect()
        .await?;
    let (shop_by_key, shop_no_key) = shop_variants_by_key(&variants, server.compare_by);

    let mut goods_by_key: HashMap<String, Vec<usize>> = HashMap::new();
    let mut rows = Vec::new();
    for (i, g) in side.goods.iter().enumerate() {
        match keys_of(g, server.compare_by).0 {
            Some(k) => goods_by_key.entry(k).or_default().push(i),
            None => rows.push(CorrespondenceRow {
                status: MatchStatus::NoKey,
                key: String::new(),
                good_id: Some(g.id),
                good_code: g.code.clone(),
                good_name: g.name.clone(),
                shop_variant_id: None,
                shop_product_id: None,
                shop_sku: String::new(),
                shop_barcode: String::new(),
                warehouse_price: side.desired.get(&g.id).map(|d| d.price),
                shop_price: None,
                warehouse_quantity: side.desired.get(&g.id).map(|d| d.quantity),
                shop_quantity: None,
            }),
        }
    }
    let keys: BTreeSet<&String> = goods_by_key.keys().chain(shop_by_key.keys()).collect();
    let total = keys.len() as u64;
    for (n, key) in keys.into_iter().enumerate() {
        let goods = goods_by_key.get(key).map(Vec::as_slice).unwrap_or(&[]);
        let shop_vs = shop_by_key.get(key).map(Vec::as_slice).unwrap_or(&[]);
        let status = match (goods.len(), shop_vs.len()) {
            (g, _) if g > 1 => MatchStatus::DuplicateInWarehouse,
            (_, s) if s > 1 => MatchStatus::DuplicateInShop,
            (1, 1) => MatchStatus::Matched,
            (1, 0) => MatchStatus::OnlyInWarehouse,
            _ => MatchStatus::OnlyInShop,
        };
        let count = goods.len().max(shop_vs.len()).max(1);
        for i in 0..count {
            let g = goods.get(i).map(|&gi| &side.goods[gi]);
            let v = shop_vs.get(i);
            rows.push(CorrespondenceRow {
                status,
                key: key.clone(),
                good_id: g.map(|g| g.id),
                good_code: g.map(|g| g.code.clone()).unwrap_or_default(),
                good_name: g.map(|g| g.name.clone()).unwrap_or_default(),
                shop_variant_id: v.map(|v| v.id.to_string()),
                shop_product_id: v.and_then(|v| v.product_id.as_ref().map(|p| p.to_string())),
                shop_sku: v.and_then(|v| v.sku.clone()).unwrap_or_default(),
                shop_barcode: v.and_then(|v| v.barcode.clone()).unwrap_or_default(),
                warehouse_price: g.and_then(|g| side.desired.get(&g.id)).map(|d| d.price),
                shop_price: v.and_then(|v| v.price),
                warehouse_quantity: g.and_then(|g| side.desired.get(&g.id)).map(|d| d.quantity),
                shop_quantity: v.and_then(|v| v.quantity),
            });
        }
        if n % 500 == 0 {
            reporter.progress(n as u64, total);
        }
    }
    for v in shop_no_key {
        rows.push(CorrespondenceRow {
            status: MatchStatus::NoKey,
            key: String::new(),
            good_id: None,
            good_code: String::new(),
            good_name: String::new(),
            shop_variant_id: Some(v.id.to_string()),
            shop_product_id: v.product_id.as_ref().map(|p| p.to_string()),
            shop_sku: v.sku.clone().unwrap_or_default(),
            shop_barcode: v.barcode.clone().unwrap_or_default(),
            warehouse_price: None,
            shop_price: v.price,
            warehouse_quantity: None,
            shop_quantity: v.quantity,
        });
    }
    reporter.progress(total, total);
    Ok(rows)
}
