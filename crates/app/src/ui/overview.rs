//! The first screen: per server, what runs now, the last run of each task group with its
//! counts, the next scheduled run, the orders waiting for a person and the problems to fix —
//! the answer to "is it working?".

use skladsync_engine::{RunRecord, Task};

use super::{App, Tab};
use crate::describe;
use crate::texts::{Lang, Texts};

/// The task groups the first screen reports on, in Utility Center's order.
pub const OVERVIEW_TASKS: [Task; 2] = [Task::OrderImport, Task::Export];

/// The newest run of a task in a history (newest first).
pub fn last_run(history: &[RunRecord], task: Task) -> Option<&RunRecord> {
    history.iter().find(|r| r.task == Some(task))
}

fn run_text(lang: Lang, r: &RunRecord) -> String {
    let t = lang.texts();
    let when = r
        .started_at
        .with_timezone(&chrono::Local)
        .format("%d.%m %H:%M");
    match &r.failure {
        Some(f) => format!("✖ {when}: {}", describe::failure(lang, f)),
        None => {
            let c = &r.counts;
            format!(
                "✔ {when}: {} {}, {} {}, {} {}, {} {}, {} {}{}",
                t.created,
                c.created,
                t.updated,
                c.updated,
                t.unchanged,
                c.unchanged,
                t.skipped,
                c.skipped,
                t.problems_count,
                c.problems,
                if r.dry_run {
                    format!(" ({})", t.trial)
                } else {
                    String::new()
                }
            )
        }
    }
}

/// "In step since …" and the last change sent, with how long it took.
fn in_step_lines(ui: &mut egui::Ui, t: &Texts, st: &skladsync_engine::ServerStatus) {
    if let Some(since) = st.in_step_since {
        let at = since.with_timezone(&chrono::Local).format("%d.%m %H:%M");
        ui.label(format!("✔ {} {at}", t.in_step_since));
    }
    if let Some(p) = &st.last_push {
        let at = p.at.with_timezone(&chrono::Local).format("%H:%M:%S");
        ui.label(format!(
            "{}: {at} ({}, {} {}, {:.1} s)",
            t.last_push,
            t.task(p.task),
            p.written,
            t.written,
            p.took_ms as f64 / 1000.0
        ));
    }
    if st.requests_last_hour > 0 {
        let of = st
            .limit_per_minute
            .map(|l| format!(" / {}", u64::from(l) * 60))
            .unwrap_or_default();
        ui.label(format!(
            "{}: {}{of}",
            t.requests_this_hour, st.requests_last_hour
        ));
    }
}

impl App {
    /// Load what the first screen shows for every server.
    pub(super) fn load_overview(&mut self) {
        let ids: Vec<String> = self.settings.servers.iter().map(|s| s.id.clone()).collect();
        for id in ids {
            self.load_history(&id);
            self.load_queue(&id);
        }
    }

    pub(super) fn overview(&mut self, ui: &mut egui::Ui) {
        let t = self.texts();
        ui.heading(t.overview_title);
        ui.add_space(6.0);
        let mut open: Option<(String, Tab)> = None;
        egui::ScrollArea::both().show(ui, |ui| {
            egui::Grid::new("overview")
                .striped(true)
                .num_columns(6)
                .spacing([16.0, 8.0])
                .show(ui, |ui| {
                    for h in [
                        t.overview_server,
                        t.overview_now,
                        t.overview_last,
                        t.next_run,
                        t.overview_waiting,
                        t.overview_problems,
                    ] {
                        ui.strong(h);
                    }
                    ui.end_row();
                    for s in &self.settings.servers {
                        let st = self
                            .status
                            .servers
                            .get(s.id.as_str())
                            .cloned()
                            .unwrap_or_default();
                        let view = self.views.get(&s.id);
                        if ui.link(&s.name).clicked() {
                            open = Some((s.id.clone(), Tab::Actions));
                        }
                        match st.running {
                            Some(task) => {
                                let progress = if st.total > 0 {
                                    format!(" {}/{}", st.done, st.total)
                                } else {
                                    String::new()
                                };
                                let phase = st
                                    .phase
                                    .map(|p| describe::phase(self.lang, p))
                                    .unwrap_or_default();
                                ui.label(format!("▶ {}: {phase}{progress}", t.task(task)))
                            }
                            None => {
                                ui.vertical(|ui| {
                                    ui.label(t.idle);
                                    in_step_lines(ui, t, &st);
                                })
                                .response
                            }
                        };
                        ui.vertical(|ui| {
                            for task in OVERVIEW_TASKS {
                                let enabled = match task {
                                    Task::Export => s.export.enabled,
                                    _ => s.import.enabled,
                                };
                                if !enabled {
                                    continue;
                                }
                                let text = view
                                    .and_then(|v| last_run(&v.history, task))
                                    .map(|r| run_text(self.lang, r))
                                    .unwrap_or_else(|| t.never_run.to_owned());
                                ui.add(
                                    egui::Label::new(format!("{}: {text}", t.task(task))).extend(),
                                );
                            }
                        });
                        match (st.scheduled, st.next_run) {
                            (Some(task), Some(at)) => {
                                ui.label(format!("{}: {}", t.task(task), at.format("%d.%m %H:%M")))
                            }
                            _ => ui.label("—"),
                        };
                        let waiting = view.map_or(0, |v| v.queue.len());
                        if waiting > 0 {
                            if ui
                                .button(format!("{waiting} — {}", t.overview_open))
                                .clicked()
                            {
                                open = Some((s.id.clone(), Tab::Actions));
                            }
                        } else {
                            ui.label("0");
                        }
                        let problems = view.map_or(0, |v| v.problems.len());
                        if problems > 0 {
                            if ui
                                .button(format!("{problems} — {}", t.overview_open))
                                .clicked()
                            {
                                open = Some((s.id.clone(), Tab::Actions));
                            }
                        } else {
                            ui.label("0");
                        }
                        ui.end_row();
                    }
                });
        });
        if let Some((id, tab)) = open {
            self.home = false;
            self.select(&id);
            self.tab = tab;
        }
    }
}
