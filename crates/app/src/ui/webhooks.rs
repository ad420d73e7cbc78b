//! „Webhooks за поръчки“ in the import tab: where the receiver listens, the address the shop
//! calls, the secret (kept by the engine in the secret store), „Активирай webhooks“ and the
//! hooks' state in the shop.

use skladsync_engine::Command;
use skladsync_engine::settings::Server;

use super::widgets::opt_text_row;
use super::{App, ServerView};
use crate::describe;

impl ServerView {
    /// Whether the hooks' state is worth asking the shop for: webhooks are set up, and it was
    /// not asked yet.
    fn webhooks_unknown(&self, server: &Server) -> bool {
        let w = &server.import.webhooks;
        self.webhooks.is_none()
            && !self.webhooks_busy
            && (w.bind().is_some() || w.public_url().is_some())
    }
}

impl App {
    /// „Активирай webhooks“: the engine registers (or re-enables) the shop's hooks and answers
    /// with their state.
    pub fn activate_webhooks(&mut self, id: &str) {
        self.view(id).webhooks_busy = true;
        self.engine
            .send(Command::ActivateWebhooks { server: id.into() });
    }

    /// The hooks' state as the shop has them, changing nothing.
    pub fn load_webhooks(&mut self, id: &str) {
        self.view(id).webhooks_busy = true;
        self.engine
            .send(Command::WebhookState { server: id.into() });
    }

    /// The section of the import tab; `s` is the server being edited (saved by the tab).
    pub(super) fn webhooks_section(&mut self, ui: &mut egui::Ui, id: &str, s: &mut Server) {
        let t = self.texts();
        let lang = self.lang;
        if self.view(id).webhooks_unknown(s) {
            self.load_webhooks(id);
        }
        ui.add_space(8.0);
        ui.strong(t.webhooks);
        ui.weak(t.webhooks_hint);
        let secret_name = s.webhook_secret();
        let w = &mut s.import.webhooks;
        let mut save_secret = None;
        egui::Grid::new("webhooks-grid")
            .num_columns(2)
            .show(ui, |ui| {
                opt_text_row(ui, t.webhook_bind, &mut w.bind);
                opt_text_row(ui, t.webhook_public_url, &mut w.public_url);
                let l = ui.label(t.webhook_secret);
                ui.horizontal(|ui| {
                    let v = self.view(id);
                    ui.add(
                        egui::TextEdit::singleline(&mut v.webhook_secret_input)
                            .password(true)
                            .hint_text(t.webhook_secret_hint)
                            .desired_width(280.0),
                    )
                    .labelled_by(l.id);
                    if ui.button(t.save_secret).clicked() {
                        v.webhook_secret_note = None;
                        save_secret = Some(v.webhook_secret_input.trim().to_owned());
                    }
                });
                ui.end_row();
            });
        if let Some(secret) = save_secret {
            // The engine keeps it; its answer clears the field.
            self.engine.send(Command::SetSecret {
                name: secret_name,
                secret,
            });
        }
        let v = self.view(id);
        match &v.webhook_secret_note {
            Some(Ok(())) => {
                ui.label(format!("✔ {}", t.secret_saved));
            }
            Some(Err(e)) => {
                ui.colored_label(ui.visuals().error_fg_color, format!("✖ {e}"));
            }
            None => {}
        }
        let busy = v.webhooks_busy;
        let mut activate = false;
        let mut refresh = false;
        ui.horizontal(|ui| {
            activate = ui
                .add_enabled(!busy, egui::Button::new(t.activate_webhooks))
                .clicked();
            refresh = ui
                .add_enabled(
                    !busy,
                    egui::Button::new(format!("{} – {}", t.refresh, t.webhooks)),
                )
                .clicked();
            if busy {
                ui.spinner();
            }
        });
        let receiver = self
            .status
            .servers
            .get(id)
            .and_then(|st| st.receiver.clone());
        match &receiver {
            Some(r) => {
                ui.label(describe::receiver(lang, r));
            }
            None if s.import.webhooks.bind().is_some() => {
                ui.weak(t.receiver_stopped);
            }
            None => {}
        }
        match &self.view(id).webhooks {
            Some(Ok(state)) => {
                ui.label(format!("{}:", t.webhooks_in_shop));
                if state.secret_created {
                    ui.label(format!("✔ {}", t.secret_created));
                }
                for h in &state.hooks {
                    ui.label(format!("• {}", describe::hook(lang, h)));
                }
            }
            Some(Err(e)) => {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    format!("✖ {}", describe::webhook_error(lang, e)),
                );
            }
            None => {}
        }
        if activate {
            self.activate_webhooks(id);
        } else if refresh {
            self.load_webhooks(id);
        }
    }
}
