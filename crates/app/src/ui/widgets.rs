//! Small form widgets: one labelled row of a settings grid each, every input named for screen
//! readers (and for the tests, which find widgets by their labels).

use skladsync_engine::lookups::GoodChoice;
use skladsync_engine::settings::StartMode;

use crate::texts::Texts;

/// A text field row.
pub fn text_row(ui: &mut egui::Ui, label: &str, value: &mut String) -> egui::Response {
    let l = ui.label(label);
    let r = ui
        .add(egui::TextEdit::singleline(value).desired_width(360.0))
        .labelled_by(l.id);
    ui.end_row();
    r
}

/// An optional text field row (empty = none).
pub fn opt_text_row(ui: &mut egui::Ui, label: &str, value: &mut Option<String>) {
    let mut s = value.clone().unwrap_or_default();
    if text_row(ui, label, &mut s).changed() {
        let s = s.trim().to_owned();
        *value = (!s.is_empty()).then_some(s);
    }
}

/// A yes/no row.
/// A labelled row choosing one of a few values, each shown by `text`.
pub fn choice_row<'t, T: Copy + PartialEq>(
    ui: &mut egui::Ui,
    label: &str,
    salt: &str,
    value: &mut T,
    options: &[T],
    text: impl Fn(T) -> &'t str,
) {
    let l = ui.label(label);
    egui::ComboBox::from_id_salt(salt)
        .selected_text(text(*value))
        .show_ui(ui, |ui| {
            for o in options {
                ui.selectable_value(value, *o, text(*o));
            }
        })
        .response
        .labelled_by(l.id);
    ui.end_row();
}

pub fn check_row(ui: &mut egui::Ui, label: &str, value: &mut bool) {
    ui.label("");
    ui.checkbox(value, label);
    ui.end_row();
}

/// Choose one of `items` (id, name); `None` items: the list is not loaded, show the id.
fn pick_one_raw(
    ui: &mut egui::Ui,
    t: &Texts,
    label: &str,
    value: &mut Option<i64>,
    items: Option<&[(i64, String)]>,
) {
    let l = ui.label(label);
    match items {
        Some(items) => {
            let current = value
                .and_then(|v| items.iter().find(|(id, _)| *id == v))
                .map(|(_, n)| n.clone())
                .or_else(|| value.map(|v| format!("#{v}")))
                .unwrap_or_else(|| t.none.to_owned());
            egui::ComboBox::from_id_salt(label)
                .selected_text(current)
                .width(360.0)
                .show_ui(ui, |ui| {
                    ui.selectable_value(value, None, t.none);
                    for (id, name) in items {
                        ui.selectable_value(value, Some(*id), name);
                    }
                })
                .response
                .labelled_by(l.id);
        }
        None => {
            ui.horizontal(|ui| {
                ui.label(
                    value
                        .map(|v| format!("#{v}"))
                        .unwrap_or_else(|| t.none.into()),
                );
                ui.weak(t.pick_hint);
            });
        }
    }
    ui.end_row();
}

/// Choose any of `items`; empty = all / none as `empty_text` says.
fn pick_many_raw(
    ui: &mut egui::Ui,
    t: &Texts,
    label: &str,
    value: &mut Vec<i64>,
    items: Option<&[(i64, String)]>,
    empty_text: &str,
) {
    let l = ui.label(label);
    let summary = if value.is_empty() {
        empty_text.to_owned()
    } else {
        let names: Vec<String> = value
            .iter()
            .map(|v| {
                items
                    .and_then(|i| i.iter().find(|(id, _)| id == v))
                    .map(|(_, n)| n.clone())
                    .unwrap_or_else(|| format!("#{v}"))
            })
            .collect();
        if names.len() > 3 {
            format!("{} {}", names.len(), t.selected_n)
        } else {
            names.join(", ")
        }
    };
    match items {
        Some(items) => {
            egui::ComboBox::from_id_salt(label)
                .selected_text(summary)
                .width(360.0)
                .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside)
                .show_ui(ui, |ui| {
                    egui::ScrollArea::vertical()
                        .max_height(300.0)
                        .show(ui, |ui| {
                            for (id, name) in items {
                                let mut on = value.contains(id);
                                if ui.checkbox(&mut on, name).changed() {
                                    if on {
                                        value.push(*id);
                                    } else {
                                        value.retain(|v| v != id);
                                    }
                                }
                            }
                        });
                })
                .response
                .labelled_by(l.id);
        }
        None => {
            ui.horizontal(|ui| {
                ui.label(summary);
                ui.weak(t.pick_hint);
            });
        }
    }
    ui.end_row();
}

/// Отложен старт.
/// `poll_seconds`: the continuous mode's interval when it is chosen (5 s for the export, a minute
/// for the import).
pub fn start_mode_row(
    ui: &mut egui::Ui,
    t: &Texts,
    salt: &str,
    mode: &mut StartMode,
    poll_seconds: u32,
) {
    let l = ui.label(t.start_mode);
    ui.horizontal(|ui| {
        let text = match mode {
            StartMode::OnServerStart => t.start_on_server,
            StartMode::AtTime { .. } => t.start_at_time,
            StartMode::EveryMinutes { .. } => t.start_every,
            StartMode::Continuous { .. } => t.start_continuous,
        };
        egui::ComboBox::from_id_salt((salt, "start"))
            .selected_text(text)
            .show_ui(ui, |ui| {
                let on_start = matches!(mode, StartMode::OnServerStart);
                if ui.selectable_label(on_start, t.start_on_server).clicked() {
                    *mode = StartMode::OnServerStart;
                }
                let at = matches!(mode, StartMode::AtTime { .. });
                if ui.selectable_label(at, t.start_at_time).clicked() && !at {
                    *mode = StartMode::AtTime { hour: 6, minute: 0 };
                }
                let every = matches!(mode, StartMode::EveryMinutes { .. });
                if ui.selectable_label(every, t.start_every).clicked() && !every {
                    *mode = StartMode::EveryMinutes { minutes: 15 };
                }
                let continuous = matches!(mode, StartMode::Continuous { .. });
                if ui
                    .selectable_label(continuous, t.start_continuous)
                    .on_hover_text(t.start_continuous_hint)
                    .clicked()
                    && !continuous
                {
                    *mode = StartMode::Continuous {
                        seconds: poll_seconds,
                    };
                }
            })
            .response
            .labelled_by(l.id);
        match mode {
            StartMode::OnServerStart => {}
            StartMode::AtTime { hour, minute } => {
                let h = ui.label(t.hour);
                ui.add(egui::DragValue::new(hour).range(0..=23))
                    .labelled_by(h.id);
                let m = ui.label(t.minute);
                ui.add(egui::DragValue::new(minute).range(0..=59))
                    .labelled_by(m.id);
            }
            StartMode::EveryMinutes { minutes } => {
                let m = ui.label(t.minutes);
                ui.add(egui::DragValue::new(minutes).range(1..=24 * 60))
                    .labelled_by(m.id);
            }
            StartMode::Continuous { seconds } => {
                let m = ui.label(t.poll_every_seconds);
                ui.add(egui::DragValue::new(seconds).range(1..=3600))
                    .labelled_by(m.id);
            }
        }
    });
    ui.end_row();
}

/// An optional id typed as a number (0 = none).
fn opt_id_row_raw(ui: &mut egui::Ui, label: &str, value: &mut Option<i64>) {
    let l = ui.label(label);
    let mut n = value.unwrap_or(0);
    if ui
        .add(egui::DragValue::new(&mut n).range(0..=i64::MAX))
        .labelled_by(l.id)
        .changed()
    {
        *value = (n > 0).then_some(n);
    }
    ui.end_row();
}

/// How many matches a goods picker lists at most.
pub const GOODS_SHOWN: usize = 50;

/// The goods whose code, name or a barcode contains `query` (any case), at most `limit` of
/// them, and whether more matched.
pub fn filter_goods<'a>(
    goods: &'a [GoodChoice],
    query: &str,
    limit: usize,
) -> (Vec<&'a GoodChoice>, bool) {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return (Vec::new(), false);
    }
    let mut hits = goods.iter().filter(|g| {
        g.code.to_lowercase().contains(&q)
            || g.name.to_lowercase().contains(&q)
            || g.barcodes.iter().any(|b| b.to_lowercase().contains(&q))
    });
    let shown: Vec<_> = hits.by_ref().take(limit).collect();
    let more = hits.next().is_some();
    (shown, more)
}

/// A good as a picker lists it: its code and name.
pub fn good_text(g: &GoodChoice) -> String {
    if g.code.is_empty() {
        g.name.clone()
    } else {
        format!("{} — {}", g.code, g.name)
    }
}

/// Choose one good of the warehouse by searching its code, name or barcode; `None` goods: the
/// list is not loaded, the good's number is typed.
fn good_picker_row_raw(
    ui: &mut egui::Ui,
    t: &Texts,
    label: &str,
    value: &mut Option<i64>,
    query: &mut String,
    goods: Option<&[GoodChoice]>,
) {
    let Some(goods) = goods else {
        opt_id_row_raw(ui, label, value);
        return;
    };
    let l = ui.label(label);
    ui.vertical(|ui| {
        ui.horizontal(|ui| match *value {
            None => {
                ui.weak(t.none);
            }
            Some(id) => {
                match goods.iter().find(|g| g.id == id) {
                    Some(g) => ui.strong(format!("✔ {}", good_text(g))),
                    None => ui.colored_label(
                        ui.visuals().warn_fg_color,
                        format!("#{id} ({})", t.goods_not_found),
                    ),
                };
                if ui.small_button(t.clear).clicked() {
                    *value = None;
                }
            }
        });
        ui.add(
            egui::TextEdit::singleline(query)
                .hint_text(t.goods_search_hint)
                .desired_width(360.0),
        )
        .labelled_by(l.id);
        if query.trim().is_empty() {
            return;
        }
        let (hits, more) = filter_goods(goods, query, GOODS_SHOWN);
        if hits.is_empty() {
            ui.weak(t.goods_no_match);
            return;
        }
        let mut picked = None;
        egui::ScrollArea::vertical()
            .id_salt(("goods", label))
            .max_height(220.0)
            .show(ui, |ui| {
                for g in &hits {
                    if ui
                        .selectable_label(*value == Some(g.id), good_text(g))
                        .clicked()
                    {
                        picked = Some(g.id);
                    }
                }
            });
        if more {
            ui.weak(t.goods_more);
        }
        if let Some(id) = picked {
            *value = Some(id);
            query.clear();
        }
    });
    ui.end_row();
}

/// An id of the settings ([`skladsync_engine::ids`]) as the pickers see it: a number.
pub trait IdOf: Copy + From<i64> + Into<i64> {}
impl<T: Copy + From<i64> + Into<i64>> IdOf for T {}

/// Choose one of `items` (id, name); `None` items: the list is not loaded, show the id.
pub fn pick_one<I: IdOf>(
    ui: &mut egui::Ui,
    t: &Texts,
    label: &str,
    value: &mut Option<I>,
    items: Option<&[(i64, String)]>,
) {
    let mut raw = value.map(Into::into);
    pick_one_raw(ui, t, label, &mut raw, items);
    *value = raw.map(I::from);
}

/// Choose any of `items`; empty = all / none as `empty_text` says.
pub fn pick_many<I: IdOf>(
    ui: &mut egui::Ui,
    t: &Texts,
    label: &str,
    value: &mut Vec<I>,
    items: Option<&[(i64, String)]>,
    empty_text: &str,
) {
    let mut raw: Vec<i64> = value.iter().map(|&i| i.into()).collect();
    pick_many_raw(ui, t, label, &mut raw, items, empty_text);
    *value = raw.into_iter().map(I::from).collect();
}

/// Choose one good of the warehouse by searching its code, name or barcode; `None` goods: the
/// list is not loaded, the good's number is typed.
pub fn good_picker_row<I: IdOf>(
    ui: &mut egui::Ui,
    t: &Texts,
    label: &str,
    value: &mut Option<I>,
    query: &mut String,
    goods: Option<&[GoodChoice]>,
) {
    let mut raw = value.map(Into::into);
    good_picker_row_raw(ui, t, label, &mut raw, query, goods);
    *value = raw.map(I::from);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good(id: i64, code: &str, name: &str, barcode: &str) -> GoodChoice {
        GoodChoice {
            id,
            code: code.into(),
            name: name.into(),
            barcodes: vec![barcode.into()],
        }
    }

    #[test]
    fn goods_filter_by_code_name_or_barcode_and_stop_at_the_limit() {
        let goods: Vec<_> = (2..200)
            .map(|i| {
                good(
                    i,
                    &format!("G{i}"),
                    &format!("Чаша {i}"),
                    &format!("380{i}"),
                )
            })
            .chain([good(500, "SVC-DELIVERY", "Доставка", "SVC-DELIVERY")])
            .collect();
        let (hits, more) = filter_goods(&goods, "доставка", GOODS_SHOWN);
        assert_eq!(hits.iter().map(|g| g.id).collect::<Vec<_>>(), [500]);
        assert!(!more);
        assert_eq!(filter_goods(&goods, "svc-del", 50).0[0].id, 500);
        assert_eq!(filter_goods(&goods, "38017", 50).0[0].id, 17);
        let (hits, more) = filter_goods(&goods, "ЧАША", GOODS_SHOWN);
        assert_eq!(hits.len(), GOODS_SHOWN);
        assert!(more);
        assert!(filter_goods(&goods, "  ", 50).0.is_empty());
    }
}
