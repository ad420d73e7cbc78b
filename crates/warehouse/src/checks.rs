//! Reading goods without trusting the data: every oddity becomes a [`DataProblem`] naming the
//! table, the row and the field, and the read goes on.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::model::{DataProblem, Good, GoodsRead};
use crate::money;
use crate::value::Row;

/// Longest barcode accepted; Склад Pro's columns hold 255 characters, a real barcode far fewer.
pub const MAX_BARCODE_CHARS: usize = 128;
/// Longest text Склад Pro keeps in a goods column.
pub const MAX_TEXT_CHARS: usize = 255;

const BARCODE_FIELDS: [&str; 3] = ["BarCode1", "BarCode2", "BarCode3"];
const CATALOG_FIELDS: [&str; 3] = ["Catalog1", "Catalog2", "Catalog3"];

/// Columns as `sql::goods` selects them.
pub(crate) fn goods_from_rows(rows: Vec<Row>) -> GoodsRead {
    let mut out = GoodsRead::default();
    for mut r in rows {
        let Some(id) = r.int(0) else { continue };
        if r.int(12).unwrap_or(0) != 0 {
            continue; // deleted
        }
        let mut problem = |field: &'static str, message: String| {
            out.problems.push(DataProblem {
                table: "goods",
                row_id: id,
                field,
                message,
            })
        };
        let code = r.take_text(1).unwrap_or_default();
        let mut name = r.take_text(2).unwrap_or_default();
        if name.is_empty() {
            problem(
                "Name",
                "the name is empty; give the good a name in Склад Pro".into(),
            );
        } else if name.chars().count() > MAX_TEXT_CHARS {
            problem(
                "Name",
                format!(
                    "the name is {} characters long; cut to {MAX_TEXT_CHARS}",
                    name.chars().count()
                ),
            );
            name = name.chars().take(MAX_TEXT_CHARS).collect();
        }
        let mut barcodes: [Option<String>; 3] = Default::default();
        for (i, slot) in barcodes.iter_mut().enumerate() {
            let value = r.take_text(3 + i);
            match value {
                Some(b) if b.chars().count() > MAX_BARCODE_CHARS => problem(
                    BARCODE_FIELDS[i],
                    format!(
                        "the barcode is {} characters long (at most {MAX_BARCODE_CHARS}); it is left out",
                        b.chars().count()
                    ),
                ),
                other => *slot = other,
            }
        }
        let mut catalogs: [Option<String>; 3] = Default::default();
        for (i, slot) in catalogs.iter_mut().enumerate() {
            *slot = r.take_text(6 + i).map(|c| {
                if c.chars().count() > MAX_TEXT_CHARS {
                    problem(
                        CATALOG_FIELDS[i],
                        format!("longer than {MAX_TEXT_CHARS} characters; cut"),
                    );
                    c.chars().take(MAX_TEXT_CHARS).collect()
                } else {
                    c
                }
            });
        }
        let price = match r.float(14) {
            None => Decimal::ZERO,
            Some(f) => match money::from_db(f) {
                Some(p) if p >= Decimal::ZERO => p,
                Some(p) => {
                    problem("PriceOut", format!("negative price {p}; read as 0"));
                    Decimal::ZERO
                }
                None => {
                    problem("PriceOut", "the price is not a number; read as 0".into());
                    Decimal::ZERO
                }
            },
        };
        out.goods.push(Good {
            id,
            code,
            name,
            barcodes,
            catalogs,
            measure: r.take_text(9).unwrap_or_else(|| "бр.".into()),
            vat_group_id: r.int(10).unwrap_or(1),
            group_id: r.int(11).unwrap_or(1),
            price,
            purchase_price: r.float(13).and_then(money::from_db).unwrap_or_default(),
        });
    }
    report_duplicates(&mut out);
    out
}

/// Variants share a Code on purpose (their Catalog fields say "Type-Value"); two goods with one
/// Code and no such Catalog, or with one barcode, cannot both be matched to a shop product.
fn report_duplicates(out: &mut GoodsRead) {
    let mut seen_barcode: HashMap<&str, i64> = HashMap::new();
    let mut seen_code: HashMap<&str, i64> = HashMap::new();
    let mut problems = Vec::new();
    for g in &out.goods {
        for (i, b) in g.barcodes.iter().enumerate() {
            let Some(b) = b.as_deref() else { continue };
            match seen_barcode.get(b) {
                Some(first) if *first != g.id => problems.push(DataProblem {
                    table: "goods",
                    row_id: g.id,
                    field: BARCODE_FIELDS[i],
                    message: format!("barcode {b} is also on good ID {first}"),
                }),
                Some(_) => {}
                None => {
                    seen_barcode.insert(b, g.id);
                }
            }
        }
        let is_variant = g.catalogs.iter().flatten().any(|c| c.contains('-'));
        if !g.code.is_empty() && !is_variant {
            if let Some(first) = seen_code.get(g.code.as_str()) {
                problems.push(DataProblem {
                    table: "goods",
                    row_id: g.id,
                    field: "Code",
                    message: format!("code {} is also on good ID {first}", g.code),
                });
            } else {
                seen_code.insert(&g.code, g.id);
            }
        }
    }
    out.problems.extend(problems);
}
