//! The tables accountants open (the correspondence check, a run's problems, the history), in
//! the chosen language; written as CSV or `.xlsx` by `skladsync_engine::table_file`.

use skladsync_engine::correspondence::CorrespondenceRow;
use skladsync_engine::table_file::{Cell, Table, csv_bytes};
use skladsync_engine::{ItemProblem, RunRecord};

use crate::describe::{failure, item, problem};
use crate::texts::Lang;

fn words(lang: Lang, pairs: &[(&str, &str)]) -> Vec<String> {
    pairs
        .iter()
        .map(|(bg, en)| match lang {
            Lang::Bg => (*bg).to_owned(),
            Lang::En => (*en).to_owned(),
        })
        .collect()
}

fn word(lang: Lang, bg: &str, en: &str) -> String {
    match lang {
        Lang::Bg => bg.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// The correspondence check: one row per pair, numbers as numbers.
pub fn correspondence(lang: Lang, rows: &[CorrespondenceRow]) -> Table {
    let t = lang.texts();
    Table {
        sheet: word(lang, "Съответствие", "Correspondence"),
        headers: words(
            lang,
            &[
                ("Статус", "Status"),
                ("Код за сравнение", "Compare key"),
                ("ID стока", "Good ID"),
                ("Код", "Code"),
                ("Име", "Name"),
                ("ID разновидност", "Variant ID"),
                ("ID продукт", "Product ID"),
                ("SKU", "SKU"),
                ("Баркод", "Barcode"),
                ("Цена Склад Pro", "Warehouse Pro price"),
                ("Цена магазин", "Shop price"),
                ("Количество Склад Pro", "Warehouse Pro quantity"),
                ("Количество магазин", "Shop quantity"),
            ],
        ),
        rows: rows
            .iter()
            .map(|r| {
                let text = |s: &str| Cell::from(s);
                vec![
                    text(t.match_status(r.status)),
                    text(&r.key),
                    Cell::from(r.good_id),
                    text(&r.good_code),
                    text(&r.good_name),
                    text(r.shop_variant_id.as_deref().unwrap_or_default()),
                    text(r.shop_product_id.as_deref().unwrap_or_default()),
                    text(&r.shop_sku),
                    text(&r.shop_barcode),
                    Cell::from(r.warehouse_price),
                    Cell::from(r.shop_price),
                    Cell::from(r.warehouse_quantity),
                    Cell::from(r.shop_quantity),
                ]
            })
            .collect(),
    }
}

/// The correspondence check as CSV for Excel set to Bulgarian.
pub fn correspondence_csv(lang: Lang, rows: &[CorrespondenceRow]) -> String {
    let bytes = csv_bytes(&correspondence(lang, rows)).expect("CSV into memory");
    String::from_utf8(bytes).expect("CSV of UTF-8 text is UTF-8")
}

/// The problems of a run: item, problem, what to do.
pub fn problems(lang: Lang, problems: &[ItemProblem]) -> Table {
    Table {
        sheet: word(lang, "Проблеми", "Problems"),
        headers: words(
            lang,
            &[
                ("Обект", "Item"),
                ("Проблем", "Problem"),
                ("Какво да се направи", "What to do"),
            ],
        ),
        rows: problems
            .iter()
            .map(|p| {
                let w = problem(lang, &p.problem);
                vec![
                    Cell::from(item(lang, &p.item)),
                    Cell::from(w.what),
                    w.fix.map(Cell::from).unwrap_or(Cell::Empty),
                ]
            })
            .collect(),
    }
}

/// The history of runs: one row per run, counts as numbers, times in the computer's zone.
pub fn history(lang: Lang, runs: &[RunRecord]) -> Table {
    let t = lang.texts();
    let count = |n: u64| Cell::Int(i64::try_from(n).unwrap_or(i64::MAX));
    Table {
        sheet: word(lang, "История", "History"),
        headers: words(
            lang,
            &[
                ("Начало", "Started"),
                ("Край", "Finished"),
                ("Задача", "Task"),
                ("Проба", "Dry run"),
                ("Резултат", "Result"),
                ("Създадени", "Created"),
                ("Обновени", "Updated"),
                ("Без промяна", "Unchanged"),
                ("Нулирани", "Zeroed"),
                ("Пропуснати", "Skipped"),
                ("Проблеми", "Problems"),
                ("Причина", "Reason"),
            ],
        ),
        rows: runs
            .iter()
            .map(|r| {
                let at = |d: chrono::DateTime<chrono::Utc>| {
                    Cell::from(
                        d.with_timezone(&chrono::Local)
                            .format("%Y-%m-%d %H:%M:%S")
                            .to_string(),
                    )
                };
                vec![
                    at(r.started_at),
                    at(r.finished_at),
                    Cell::from(r.task.map(|k| t.task(k)).unwrap_or("—")),
                    Cell::from(if r.dry_run { t.trial } else { "" }),
                    Cell::from(if r.ok { t.done_ok } else { t.failed }),
                    count(r.counts.created),
                    count(r.counts.updated),
                    count(r.counts.unchanged),
                    count(r.counts.deactivated),
                    count(r.counts.skipped),
                    count(r.counts.problems),
                    r.failure
                        .as_ref()
                        .map(|f| Cell::from(failure(lang, f)))
                        .unwrap_or(Cell::Empty),
                ]
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use skladsync_engine::report::{ExportProblem, Item};

    #[test]
    fn a_problem_row_says_what_and_what_to_do_in_the_chosen_language() {
        let p = [ItemProblem::new(
            Item::GoodsGroup { id: 4 },
            ExportProblem::GoodsGroupGone,
        )];
        let bg = problems(Lang::Bg, &p);
        assert_eq!(bg.headers[0], "Обект");
        assert_eq!(bg.rows[0][0], Cell::from("група стоки 4"));
        let en = problems(Lang::En, &p);
        assert_eq!(en.rows[0][0], Cell::from("goods group 4"));
        assert!(matches!(&en.rows[0][2], Cell::Text(t) if t.contains("Goods groups")));
    }
}
