//! „Действия“: Start / Stop with the start modes, the progress panel, the per-item problems,
//! the log and the run history; and the one-time product pull as a guided action.

use egui_extras::{Column, TableBuilder};
use skladsync_engine::settings::StartMode;
use skladsync_engine::{Level, RunSummary, Task};

use super::{App, Done};
use crate::describe;
use crate::tables;
use crate::texts::{Lang, Texts};
use skladsync_engine::report::Failure;
use skladsync_engine::table_file::{TableFormat, table_bytes};

/// Where the guided product pull is.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum PullStep {
    #[default]
    Start,
    Previewing,
    Previewed(RunSummary),
    Pulling,
    /// The pull ended; `turned_off`: the setting is off now (success).
    Done {
        summary: RunSummary,
        turned_off: bool,
    },
    Failed(Failure),
}

impl PullStep {
    pub(super) fn finished(&mut self, summary: &RunSummary) {
        let next = match self {
            PullStep::Previewing => PullStep::Previewed(summary.clone()),
            PullStep::Pulling => PullStep::Done {
                summary: summary.clone(),
                turned_off: summary.problems.is_empty(),
            },
            _ => return,
        };
        *self = next;
    }
    pub(super) fn failed(&mut self, failure: &Failure) {
        if matches!(self, PullStep::Previewing | PullStep::Pulling) {
            *self = PullStep::Failed(failure.clone());
        }
    }
}

/// The run history as a table in the window's language.
pub fn history_table(ui: &mut egui::Ui, lang: Lang, history: &[skladsync_engine::RunRecord]) {
    let t = lang.texts();
    egui::Grid::new("history")
        .striped(true)
        .num_columns(9)
        .show(ui, |ui| {
            for h in [
                t.when,
                t.task,
                t.result,
                t.created,
                t.updated,
                t.unchanged,
                t.skipped,
                t.problems_count,
                "",
            ] {
                ui.strong(h);
            }
            ui.end_row();
            for r in history.iter().take(20) {
                ui.label(
                    r.started_at
                        .with_timezone(&chrono::Local)
                        .format("%d.%m.%Y %H:%M:%S")
                        .to_string(),
                );
                ui.label(r.task.map(|k| t.task(k)).unwrap_or("—"));
                ui.label(format!(
                    "{}{}",
                    if r.ok { "✔" } else { "✖" },
                    if r.dry_run {
                        format!(" ({})", t.trial)
                    } else {
                        String::new()
                    }
                ));
                let c = &r.counts;
                for n in [c.created, c.updated, c.unchanged, c.skipped, c.problems] {
                    ui.label(n.to_string());
                }
                ui.label(
                    r.failure
                        .as_ref()
                        .map(|f| describe::failure(lang, f))
                        .unwrap_or_default(),
                );
                ui.end_row();
            }
        });
}

fn start_mode_text(t: &Texts, m: StartMode) -> String {
    match m {
        StartMode::OnServerStart => t.start_on_server.to_owned(),
        StartMode::AtTime { hour, minute } => format!("{} {hour:02}:{minute:02}", t.start_at_time),
        StartMode::EveryMinutes { minutes } => {
            format!("{} ({minutes} {})", t.start_every, t.minutes)
        }
        StartMode::Continuous { seconds } => {
            format!("{} ({} {seconds} s)", t.start_continuous, t.poll_every)
        }
    }
}

/// "1m 05s"
pub fn duration_text(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}h {:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

impl App {
    pub(super) fn actions_tab(&mut self, ui: &mut egui::Ui, id: &str) {
        let t = self.texts();
        let lang = self.lang;
        let Some(server) = self.server(id).cloned() else {
            return;
        };
        let st = self.status.servers.get(id).cloned().unwrap_or_default();
        let mut start = None;
        let mut stop = false;
        let mut dry = self.views.entry(id.to_owned()).or_default().dry_run;

        egui::ScrollArea::vertical().show(ui, |ui| {
            egui::Grid::new("tasks-grid").num_columns(4).show(ui, |ui| {
                for (task, enabled, mode) in [
                    (
                        Task::OrderImport,
                        server.import.enabled,
                        server.import.start,
                    ),
                    (Task::Export, server.export.enabled, server.export.start),
                ] {
                    ui.strong(t.task(task));
                    ui.label(start_mode_text(t, mode));
                    let can_start = enabled && st.running.is_none() && st.next_run.is_none();
                    if ui
                        .add_enabled(
                            can_start,
                            egui::Button::new(format!("{} – {}", t.start, t.task(task))),
                        )
                        .clicked()
                    {
                        start = Some(task);
                    }
                    ui.end_row();
                }
            });
            ui.horizontal(|ui| {
                ui.checkbox(&mut dry, t.dry_run);
                let busy = st.running.is_some() || st.next_run.is_some();
                if ui.add_enabled(busy, egui::Button::new(t.stop)).clicked() {
                    stop = true;
                }
            });

            ui.separator();
            self.progress_panel(ui, id, &st);

            ui.separator();
            ui.strong(t.problems);
            let problems = &self.views.entry(id.to_owned()).or_default().problems;
            if problems.is_empty() {
                ui.weak(t.no_problems);
            } else {
                ui.push_id("problems", |ui| {
                    TableBuilder::new(ui)
                        .striped(true)
                        .max_scroll_height(200.0)
                        .column(Column::initial(180.0).resizable(true).clip(true))
                        .column(Column::initial(260.0).resizable(true).clip(true))
                        .column(Column::remainder())
                        .header(20.0, |mut h| {
                            h.col(|ui| {
                                ui.strong(t.task);
                            });
                            h.col(|ui| {
                                ui.strong(t.item);
                            });
                            h.col(|ui| {
                                ui.strong(t.what_to_fix);
                            });
                        })
                        .body(|body| {
                            body.rows(20.0, problems.len(), |mut row| {
                                let (task, level, p) = &problems[row.index()];
                                let cell = |ui: &mut egui::Ui, text: String| {
                                    ui.add(egui::Label::new(&text).truncate())
                                        .on_hover_text(text);
                                };
                                row.col(|ui| {
                                    cell(ui, format!("{} {}", level_mark(*level), t.task(*task)));
                                });
                                row.col(|ui| cell(ui, describe::item(lang, &p.item)));
                                row.col(|ui| cell(ui, describe::problem(lang, &p.problem).line()));
                            });
                        });
                });
            }

            ui.separator();
            self.queue_panel(ui, id, st.running.is_some());

            ui.separator();
            self.log_panel(ui, id);

            ui.separator();
            let mut save_history = None;
            ui.horizontal(|ui| {
                ui.strong(t.history);
                if ui.button(t.refresh).clicked() {
                    self.load_history(id);
                }
                if ui.button(t.export_xlsx).clicked() {
                    save_history = Some(TableFormat::Xlsx);
                }
                if ui.button(t.export_csv).clicked() {
                    save_history = Some(TableFormat::Csv);
                }
                match &self.views.entry(id.to_owned()).or_default().history_note {
                    Some(Ok(p)) => {
                        ui.label(format!("✔ {}: {p}", t.csv_saved));
                    }
                    Some(Err(e)) => {
                        ui.colored_label(ui.visuals().error_fg_color, format!("✖ {e}"));
                    }
                    None => {}
                }
            });
            if let Some(format) = save_history {
                self.save_history(id, format);
            }
            let history = &self.views.entry(id.to_owned()).or_default().history;
            history_table(ui, lang, history);
        });
        self.views.entry(id.to_owned()).or_default().dry_run = dry;
        if let Some(task) = start {
            self.start(id, task, dry, !dry);
        }
        if stop {
            self.stop(id);
        }
    }

    fn progress_panel(&mut self, ui: &mut egui::Ui, id: &str, st: &skladsync_engine::ServerStatus) {
        let t = self.texts();
        match st.running {
            Some(task) => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.strong(format!("{}: {}", t.running, t.task(task)));
                });
                if let Some(phase) = st.phase {
                    ui.label(format!("{}…", describe::phase(self.lang, phase)));
                }
                let frac = if st.total > 0 {
                    st.done as f32 / st.total as f32
                } else {
                    0.0
                };
                ui.add(
                    egui::ProgressBar::new(frac)
                        .text(format!("{} / {}", st.done, st.total))
                        .show_percentage(),
                );
                if let Some(started) = st.started_at {
                    let secs = (chrono::Utc::now() - started).num_milliseconds() as f64 / 1000.0;
                    if secs > 0.0 && st.done > 0 {
                        let rate = st.done as f64 / secs;
                        let left = st.total.saturating_sub(st.done) as f64 / rate;
                        ui.label(format!(
                            "{}: {:.0}{} · {} {}",
                            t.rate,
                            rate,
                            t.per_second,
                            t.time_left,
                            duration_text(left)
                        ));
                    }
                }
            }
            None => {
                ui.label(t.idle);
            }
        }
        if let Some(at) = st.next_run {
            ui.label(format!("{}: {}", t.next_run, at.format("%d.%m.%Y %H:%M")));
        }
        let last = self.views.entry(id.to_owned()).or_default().last.clone();
        if let Some((task, r)) = last {
            match r {
                Ok(s) => {
                    ui.label(format!(
                        "{} ({}): ✔ {} — {}",
                        t.last_run,
                        t.task(task),
                        t.done_ok,
                        crate::describe::summary(t, &s)
                    ));
                }
                Err(f) => {
                    ui.colored_label(
                        ui.visuals().error_fg_color,
                        format!(
                            "{} ({}): ✖ {} — {}",
                            t.last_run,
                            t.task(task),
                            t.failed,
                            describe::failure(self.lang, &f)
                        ),
                    );
                }
            }
        }
    }

    /// The history, as the window shows it, saved as `.xlsx` or CSV.
    fn save_history(&mut self, id: &str, format: TableFormat) {
        let history = &self.views.entry(id.to_owned()).or_default().history;
        let bytes =
            table_bytes(&tables::history(self.lang, history), format).map_err(|e| e.to_string());
        let id = id.to_owned();
        self.spawn(async move {
            match super::check::save_with_dialog(bytes, format, "istoriya").await {
                Ok(Some(path)) => Done::HistorySaved(id, Ok(path)),
                Ok(None) => Done::Nothing,
                Err(e) => Done::HistorySaved(id, Err(e)),
            }
        });
    }

    fn queue_panel(&mut self, ui: &mut egui::Ui, id: &str, running: bool) {
        let t = self.texts();
        let lang = self.lang;
        let mut retry: Option<Option<String>> = None;
        let mut dismiss = None;
        let v = self.views.entry(id.to_owned()).or_default();
        ui.horizontal(|ui| {
            ui.strong(t.exceptions);
            if !v.queue.is_empty()
                && ui
                    .add_enabled(!running && !v.queue_busy, egui::Button::new(t.retry_all))
                    .clicked()
            {
                retry = Some(None);
            }
            if v.queue_busy {
                ui.spinner();
            }
            match &v.queue_note {
                Some(Ok(s)) if s != &RunSummary::default() => {
                    ui.label(format!("✔ {}", crate::describe::summary(t, s)));
                }
                Some(Err(f)) => {
                    ui.colored_label(
                        ui.visuals().error_fg_color,
                        format!("✖ {}", describe::failure(lang, f)),
                    );
                }
                _ => {}
            }
        });
        if v.queue.is_empty() {
            ui.weak(t.no_exceptions);
            return;
        }
        for q in &v.queue {
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.horizontal(|ui| {
                    ui.strong(format!("{} {}", t.order, q.order_id));
                    ui.label(format!(
                        "· {} · {}: {}",
                        t.queue_kind(q.kind),
                        t.attempts,
                        q.attempts
                    ));
                    ui.push_id(&q.order_id, |ui| {
                        if ui
                            .add_enabled(
                                !running && !v.queue_busy,
                                egui::Button::new(format!("{} {}", t.retry, q.order_id)),
                            )
                            .clicked()
                        {
                            retry = Some(Some(q.order_id.clone()));
                        }
                        if ui
                            .add_enabled(
                                !v.queue_busy,
                                egui::Button::new(format!("{} {}", t.dismiss, q.order_id)),
                            )
                            .clicked()
                        {
                            dismiss = Some((q.shop.clone(), q.order_id.clone()));
                        }
                    });
                });
                for r in &q.reasons {
                    ui.label(format!("• {}", describe::order_problem(lang, r).line()));
                }
            });
        }
        if let Some(order) = retry {
            self.retry_queued(id, order);
        }
        if let Some((shop, order)) = dismiss {
            self.dismiss_queued(id, shop, order);
        }
    }

    fn log_panel(&mut self, ui: &mut egui::Ui, id: &str) {
        let t = self.texts();
        ui.horizontal(|ui| {
            ui.strong(t.log);
            let l = ui.label(t.level);
            let text = |lv: Level| match lv {
                Level::Info => t.level_info,
                Level::Warning => t.level_warning,
                Level::Error => t.level_error,
            };
            egui::ComboBox::from_id_salt("log-level")
                .selected_text(text(self.log_filter))
                .show_ui(ui, |ui| {
                    for lv in [Level::Info, Level::Warning, Level::Error] {
                        ui.selectable_value(&mut self.log_filter, lv, text(lv));
                    }
                })
                .response
                .labelled_by(l.id);
        });
        let lines: Vec<usize> = self
            .log
            .iter()
            .enumerate()
            .filter(|(_, l)| (l.server == id || l.server.is_empty()) && l.level >= self.log_filter)
            .map(|(i, _)| i)
            .collect();
        let row_h = ui.text_style_height(&egui::TextStyle::Monospace);
        egui::ScrollArea::vertical()
            .id_salt("log")
            .max_height(220.0)
            .stick_to_bottom(true)
            .auto_shrink([false, true])
            .show_rows(ui, row_h, lines.len(), |ui, range| {
                for i in range {
                    let l = &self.log[lines[i]];
                    let text = format!(
                        "{} {} {}",
                        l.at.format("%H:%M:%S"),
                        level_mark(l.level),
                        l.text(self.lang)
                    );
                    let rich = egui::RichText::new(text).monospace();
                    let rich = match l.level {
                        Level::Error => rich.color(ui.visuals().error_fg_color),
                        Level::Warning => rich.color(ui.visuals().warn_fg_color),
                        Level::Info => rich,
                    };
                    ui.label(rich);
                }
            });
    }

    pub(super) fn pull_tab(&mut self, ui: &mut egui::Ui, id: &str) {
        let t = self.texts();
        let Some(server) = self.server(id).cloned() else {
            return;
        };
        let running = self
            .status
            .servers
            .get(id)
            .is_some_and(|s| s.running.is_some());
        ui.label(t.pull_intro);
        ui.add_space(6.0);
        ui.label(format!(
            "{}: {}",
            t.pull_products,
            if server.import.pull_products {
                "Да / Yes"
            } else {
                "Не / No"
            }
        ));
        ui.add_space(6.0);
        let step = self.views.entry(id.to_owned()).or_default().pull.clone();
        let mut action = None;
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!running, egui::Button::new(t.pull_step1))
                .clicked()
            {
                action = Some(true);
            }
            let previewed = matches!(step, PullStep::Previewed(_) | PullStep::Done { .. });
            if ui
                .add_enabled(!running && previewed, egui::Button::new(t.pull_step2))
                .clicked()
            {
                action = Some(false);
            }
        });
        match &step {
            PullStep::Start => {}
            PullStep::Previewing | PullStep::Pulling => {
                let st = self.status.servers.get(id).cloned().unwrap_or_default();
                self.progress_panel(ui, id, &st);
            }
            PullStep::Previewed(s) => {
                ui.label(format!(
                    "{}: {}",
                    t.pull_preview_result,
                    crate::describe::summary(t, s)
                ));
            }
            PullStep::Done {
                summary,
                turned_off,
            } => {
                ui.label(crate::describe::summary(t, summary));
                if *turned_off && !server.import.pull_products {
                    ui.strong(format!("✔ {}", t.pull_done));
                } else {
                    ui.colored_label(ui.visuals().warn_fg_color, t.pull_not_off);
                }
            }
            PullStep::Failed(m) => {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    format!("✖ {}", describe::failure(self.lang, m)),
                );
            }
        }
        if let Some(dry) = action {
            if !dry && !server.import.pull_products {
                // The seed's step 2: „Изтегляне на стоки от CloudCart“ ➡ Да before the pull.
                let mut s = server.clone();
                s.import.pull_products = true;
                self.update_server(s);
            }
            self.views.entry(id.to_owned()).or_default().pull = if dry {
                PullStep::Previewing
            } else {
                PullStep::Pulling
            };
            self.start(id, Task::ProductPull, dry, false);
        }
    }
}

fn level_mark(l: Level) -> &'static str {
    match l {
        Level::Info => "ℹ",
        Level::Warning => "⚠",
        Level::Error => "✖",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_steps_follow_the_results() {
        let mut p = PullStep::Previewing;
        let s = RunSummary {
            created: 3,
            dry_run: true,
            ..Default::default()
        };
        p.finished(&s);
        assert_eq!(p, PullStep::Previewed(s.clone()));
        let mut p = PullStep::Pulling;
        let mut bad = s.clone();
        bad.problems.push(skladsync_engine::ItemProblem::new(
            skladsync_engine::report::Item::GoodsGroup { id: 1 },
            skladsync_engine::report::ExportProblem::GoodsGroupGone,
        ));
        p.finished(&bad);
        assert!(matches!(
            p,
            PullStep::Done {
                turned_off: false,
                ..
            }
        ));
        let mut p = PullStep::Start;
        p.failed(&Failure::Stopped);
        assert_eq!(
            p,
            PullStep::Start,
            "a failure of another task does not move the pull"
        );
        assert_eq!(duration_text(65.0), "1m 05s");
        assert_eq!(duration_text(3725.0), "1h 02m");
    }
}
