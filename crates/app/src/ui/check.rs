//! „Проверка съответствие на стоките“ as a table: filter by status, sort by column, search, and
//! save the rows shown as CSV. Rows are virtual: only the visible ones are laid out, so 100 000
//! rows scroll smoothly; filtering and sorting run only when they change.

use egui_extras::{Column, TableBuilder};
use skladsync_engine::correspondence::{CorrespondenceRow, MatchStatus};
use skladsync_engine::lookups::LookupError;

use crate::tables;
use crate::texts::Lang;
use skladsync_engine::table_file::{TableFormat, table_bytes};

use super::{App, Done};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortColumn {
    #[default]
    Status,
    Key,
    Code,
    Name,
    Sku,
    Barcode,
    WarehousePrice,
    ShopPrice,
    WarehouseQuantity,
    ShopQuantity,
}

pub const ALL_STATUSES: [MatchStatus; 6] = [
    MatchStatus::Matched,
    MatchStatus::OnlyInWarehouse,
    MatchStatus::OnlyInShop,
    MatchStatus::DuplicateInWarehouse,
    MatchStatus::DuplicateInShop,
    MatchStatus::NoKey,
];

#[derive(Default)]
pub struct CheckView {
    pub rows: Vec<CorrespondenceRow>,
    pub running: bool,
    pub error: Option<LookupError>,
    /// `None`: every status.
    pub filter: Option<MatchStatus>,
    pub search: String,
    pub sort: SortColumn,
    pub descending: bool,
    pub csv_note: Option<Result<String, String>>,
    visible: Vec<usize>,
    shown_for: Option<(Option<MatchStatus>, String, SortColumn, bool, usize)>,
    counts: Vec<(MatchStatus, usize)>,
}

impl CheckView {
    pub fn set_rows(&mut self, rows: Vec<CorrespondenceRow>) {
        self.counts = ALL_STATUSES
            .iter()
            .map(|s| (*s, rows.iter().filter(|r| r.status == *s).count()))
            .collect();
        self.rows = rows;
        self.error = None;
        self.shown_for = None;
    }

    /// The indices of the rows shown, filtered and sorted.
    pub fn visible(&mut self) -> &[usize] {
        let key = (
            self.filter,
            self.search.clone(),
            self.sort,
            self.descending,
            self.rows.len(),
        );
        if self.shown_for.as_ref() != Some(&key) {
            let needle = self.search.trim().to_lowercase();
            let mut v: Vec<usize> = self
                .rows
                .iter()
                .enumerate()
                .filter(|(_, r)| self.filter.is_none_or(|f| r.status == f))
                .filter(|(_, r)| {
                    needle.is_empty()
                        || [
                            &r.key,
                            &r.good_code,
                            &r.good_name,
                            &r.shop_sku,
                            &r.shop_barcode,
                        ]
                        .iter()
                        .any(|s| s.to_lowercase().contains(&needle))
                })
                .map(|(i, _)| i)
                .collect();
            let rows = &self.rows;
            let sort = self.sort;
            v.sort_by(|&a, &b| {
                let (a, b) = (&rows[a], &rows[b]);
                match sort {
                    SortColumn::Status => a.status.cmp(&b.status),
                    SortColumn::Key => a.key.cmp(&b.key),
                    SortColumn::Code => a.good_code.cmp(&b.good_code),
                    SortColumn::Name => a.good_name.cmp(&b.good_name),
                    SortColumn::Sku => a.shop_sku.cmp(&b.shop_sku),
                    SortColumn::Barcode => a.shop_barcode.cmp(&b.shop_barcode),
                    SortColumn::WarehousePrice => a.warehouse_price.cmp(&b.warehouse_price),
                    SortColumn::ShopPrice => a.shop_price.cmp(&b.shop_price),
                    SortColumn::WarehouseQuantity => {
                        a.warehouse_quantity.cmp(&b.warehouse_quantity)
                    }
                    SortColumn::ShopQuantity => a.shop_quantity.cmp(&b.shop_quantity),
                }
            });
            if self.descending {
                v.reverse();
            }
            self.visible = v;
            self.shown_for = Some(key);
        }
        &self.visible
    }

    fn shown_rows(&mut self) -> Vec<CorrespondenceRow> {
        let idx = self.visible().to_vec();
        idx.iter().map(|&i| self.rows[i].clone()).collect()
    }

    /// The rows shown, as CSV for Excel set to Bulgarian.
    pub fn csv(&mut self, lang: Lang) -> String {
        tables::correspondence_csv(lang, &self.shown_rows())
    }

    /// The rows shown, as a file of `format`, in the window's language.
    pub fn file(&mut self, lang: Lang, format: TableFormat) -> Result<Vec<u8>, String> {
        table_bytes(&tables::correspondence(lang, &self.shown_rows()), format)
            .map_err(|e| e.to_string())
    }

    /// How many rows have this status (counted once, when the rows arrive).
    pub fn count(&self, status: MatchStatus) -> usize {
        self.counts
            .iter()
            .find(|(s, _)| *s == status)
            .map_or(0, |(_, n)| *n)
    }
}

fn dec(d: Option<rust_decimal::Decimal>) -> String {
    d.map(|d| d.normalize().to_string()).unwrap_or_default()
}

impl App {
    pub(super) fn check_tab(&mut self, ui: &mut egui::Ui, id: &str) {
        let t = self.texts();
        let mut run = false;
        let mut save: Option<TableFormat> = None;
        'table: {
            let v = self.views.entry(id.to_owned()).or_default();
            let c = &mut v.check;
            ui.label(t.check_hint);
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(!c.running, egui::Button::new(t.check_run))
                    .clicked()
                {
                    run = true;
                }
                if c.running {
                    ui.spinner();
                }
                if let Some(e) = &c.error {
                    ui.colored_label(
                        ui.visuals().error_fg_color,
                        format!("✖ {}", t.lookup_error(e)),
                    );
                }
            });
            if c.rows.is_empty() {
                break 'table;
            }
            ui.horizontal_wrapped(|ui| {
                let l = ui.label(t.status);
                let text = |f: Option<MatchStatus>| match f {
                    None => format!("{} ({})", t.all, c.rows.len()),
                    Some(s) => format!("{} ({})", t.match_status(s), c.count(s)),
                };
                let mut filter = c.filter;
                egui::ComboBox::from_id_salt("check-filter")
                    .selected_text(text(filter))
                    .width(240.0)
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut filter, None, text(None));
                        for s in ALL_STATUSES {
                            ui.selectable_value(&mut filter, Some(s), text(Some(s)));
                        }
                    })
                    .response
                    .labelled_by(l.id);
                c.filter = filter;
                let l = ui.label(t.search);
                ui.add(egui::TextEdit::singleline(&mut c.search).desired_width(180.0))
                    .labelled_by(l.id);
                if ui.button(t.export_csv).clicked() {
                    save = Some(TableFormat::Csv);
                }
                if ui.button(t.export_xlsx).clicked() {
                    save = Some(TableFormat::Xlsx);
                }
                let n = c.visible().len();
                ui.label(format!("{n} {}", t.rows));
                match &c.csv_note {
                    Some(Ok(p)) => {
                        ui.label(format!("✔ {}: {p}", t.csv_saved));
                    }
                    Some(Err(e)) if !e.is_empty() => {
                        ui.colored_label(ui.visuals().error_fg_color, format!("✖ {e}"));
                    }
                    _ => {}
                }
            });

            let columns: [(SortColumn, &str); 10] = [
                (SortColumn::Status, t.status),
                (SortColumn::Key, t.key),
                (SortColumn::Code, t.code),
                (SortColumn::Name, t.good),
                (SortColumn::Sku, t.sku),
                (SortColumn::Barcode, t.barcode),
                (SortColumn::WarehousePrice, t.wh_price),
                (SortColumn::ShopPrice, t.shop_price),
                (SortColumn::WarehouseQuantity, t.wh_qty),
                (SortColumn::ShopQuantity, t.shop_qty),
            ];
            let mut clicked = None;
            c.visible();
            let visible = std::mem::take(&mut c.visible);
            let rows = &c.rows;
            let warn = ui.visuals().warn_fg_color;
            TableBuilder::new(ui)
                .id_salt("check-table")
                .striped(true)
                .resizable(true)
                .column(Column::initial(150.0).clip(true))
                .column(Column::initial(120.0).clip(true))
                .column(Column::initial(80.0).clip(true))
                .column(Column::initial(200.0).clip(true))
                .columns(Column::initial(100.0).clip(true), 2)
                .columns(Column::initial(90.0).clip(true), 4)
                .header(22.0, |mut h| {
                    for (col, label) in columns {
                        h.col(|ui| {
                            let arrow = if c.sort == col {
                                if c.descending { " ⏷" } else { " ⏶" }
                            } else {
                                ""
                            };
                            if ui.button(format!("{label}{arrow}")).clicked() {
                                clicked = Some(col);
                            }
                        });
                    }
                })
                .body(|body| {
                    body.rows(18.0, visible.len(), |mut row| {
                        let r = &rows[visible[row.index()]];
                        row.col(|ui| {
                            ui.label(t.match_status(r.status));
                        });
                        row.col(|ui| {
                            ui.label(&r.key);
                        });
                        row.col(|ui| {
                            ui.label(&r.good_code);
                        });
                        row.col(|ui| {
                            ui.label(&r.good_name);
                        });
                        row.col(|ui| {
                            ui.label(&r.shop_sku);
                        });
                        row.col(|ui| {
                            ui.label(&r.shop_barcode);
                        });
                        let price_warn = r.price_differs();
                        let qty_warn = r.quantity_differs();
                        for (value, differs) in [
                            (r.warehouse_price, price_warn),
                            (r.shop_price, price_warn),
                            (r.warehouse_quantity, qty_warn),
                            (r.shop_quantity, qty_warn),
                        ] {
                            row.col(|ui| {
                                let text = egui::RichText::new(dec(value));
                                ui.label(if differs { text.color(warn) } else { text });
                            });
                        }
                    });
                });
            c.visible = visible;
            if let Some(col) = clicked {
                if c.sort == col {
                    c.descending = !c.descending;
                } else {
                    c.sort = col;
                    c.descending = false;
                }
            }
        }
        if run {
            self.run_check(id);
        }
        if let Some(format) = save {
            let lang = self.lang;
            let bytes = self
                .views
                .entry(id.to_owned())
                .or_default()
                .check
                .file(lang, format);
            self.spawn(async move {
                match save_with_dialog(bytes, format, "sabotvetstvie").await {
                    Ok(Some(path)) => Done::CsvSaved(Ok(path)),
                    Ok(None) => Done::Nothing,
                    Err(e) => Done::CsvSaved(Err(e)),
                }
            });
        }
    }
}

/// Ask where to save a table's file and write it there: the path, or `None` when the dialog
/// was cancelled.
pub(super) async fn save_with_dialog(
    bytes: Result<Vec<u8>, String>,
    format: TableFormat,
    stem: &str,
) -> Result<Option<std::path::PathBuf>, String> {
    let bytes = bytes?;
    let (filter, ext) = match format {
        TableFormat::Csv => ("CSV", "csv"),
        TableFormat::Xlsx => ("Excel", "xlsx"),
    };
    let file = rfd::AsyncFileDialog::new()
        .add_filter(filter, &[ext])
        .set_file_name(format!("{stem}.{ext}"))
        .save_file()
        .await;
    match file {
        Some(f) => {
            let path = f.path().to_owned();
            std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
            Ok(Some(path))
        }
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn row(status: MatchStatus, key: &str, name: &str, price: i64) -> CorrespondenceRow {
        CorrespondenceRow {
            status,
            key: key.into(),
            good_id: Some(1),
            good_code: String::new(),
            good_name: name.into(),
            shop_variant_id: None,
            shop_product_id: None,
            shop_sku: String::new(),
            shop_barcode: String::new(),
            warehouse_price: Some(Decimal::from(price)),
            shop_price: None,
            warehouse_quantity: None,
            shop_quantity: None,
        }
    }

    #[test]
    fn filter_search_and_sort() {
        let mut c = CheckView::default();
        c.set_rows(vec![
            row(MatchStatus::OnlyInWarehouse, "380002", "Чаша", 5),
            row(MatchStatus::Matched, "380001", "Тениска", 20),
            row(MatchStatus::OnlyInWarehouse, "380003", "Шапка", 9),
        ]);
        assert_eq!(c.visible(), &[1, 0, 2], "by status, stable");
        c.filter = Some(MatchStatus::OnlyInWarehouse);
        assert_eq!(c.visible(), &[0, 2]);
        c.search = "шап".into();
        assert_eq!(c.visible(), &[2], "search ignores case");
        c.search.clear();
        c.sort = SortColumn::WarehousePrice;
        c.descending = true;
        assert_eq!(c.visible(), &[2, 0]);
        assert_eq!(
            c.csv(Lang::Bg).lines().count(),
            3,
            "header and the rows shown"
        );
        assert_eq!(c.count(MatchStatus::OnlyInWarehouse), 2);
        // The .xlsx of the rows shown: a workbook (a zip) with the shown names in it.
        let xlsx = c.file(Lang::Bg, TableFormat::Xlsx).unwrap();
        assert!(xlsx.starts_with(b"PK"), "a zip container");
        let csv = String::from_utf8(c.file(Lang::Bg, TableFormat::Csv).unwrap()).unwrap();
        assert!(csv.contains("Шапка") && csv.contains("Чаша") && !csv.contains("Тениска"));
        assert!(csv.lines().next().unwrap().contains(';'), "{csv}");
    }
}
