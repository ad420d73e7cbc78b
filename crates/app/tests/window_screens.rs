//! A snapshot of every screen of the window, in Bulgarian and in English (egui_kittest on
//! lavapipe): the first screen and each tab of a server. Nothing in them depends on the clock.

use std::sync::Arc;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use skladsync::texts::{BG, EN, Lang, Texts};
use skladsync::ui::{App, AppInit};
use skladsync_engine::lookups::LookupError;
use skladsync_engine::settings::{Server, Settings, SettingsFile};
use skladsync_engine::{Command, EngineHandle, FakeEngine, MemorySecretStore, Reply};
use skladsync_warehouse::Connection;

fn window(lang: Lang) -> (Harness<'static, App>, FakeEngine) {
    let rt = skladsync::runtime().unwrap();
    let mut settings = Settings::default();
    for (id, name) in [("a", "Витоша"), ("b", "Родопи")] {
        settings.servers.push(Server::new(
            id,
            name,
            "https://vitosha.cloudcart.net",
            // Fixed paths: the screens show them.
            Connection::Sqlite {
                path: format!("/srv/sklad/{id}.db").into(),
            },
        ));
    }
    // A fake engine: the screens as they are before anything was tested or run.
    let (handle, fake) = {
        let _g = rt.enter();
        EngineHandle::fake(settings)
    };
    let app = App::new(AppInit {
        runtime: rt,
        settings: SettingsFile::at("/srv/skladsync/settings.json"),
        secrets: Arc::new(MemorySecretStore::default()),
        secret_store: None,
        journal: None,
        runner: None,
        attach: None,
        engine: Some(handle),
        select: None,
        lang: Some(lang),
    });
    let h = Harness::builder()
        .with_size([1280.0, 860.0])
        .build_ui_state(|ui, app: &mut App| app.show(ui), app);
    (h, fake)
}

/// The engine's answers to the look-ups the window asked for: the database cannot be reached,
/// no API key is stored yet (as on a new server).
fn answer(fake: &FakeEngine) {
    for c in fake.take_sent() {
        match c {
            Command::TestWarehouse { server, probe } => fake.reply(Reply::Warehouse {
                server,
                probe,
                result: Err(LookupError::DatabaseUnreachable(
                    "the file /srv/sklad/a.db does not exist".into(),
                )),
            }),
            Command::TestShop { server, probe } => fake.reply(Reply::Shop {
                server,
                probe,
                result: Err(LookupError::MissingSecret("server/a/api-key".into())),
            }),
            _ => {}
        }
    }
}

fn every_screen(lang: Lang, t: &Texts, suffix: &str) {
    let (mut h, fake) = window(lang);
    h.run_steps(3);
    h.get_by_label(t.overview_title);
    h.snapshot(format!("screen_first_{suffix}"));

    // The server opens from the first screen.
    h.get_by_role_and_label(Role::Link, "Витоша").click();
    h.run_steps(2);
    answer(&fake);
    h.run_steps(3);
    for (label, name) in [
        (t.tab_connection, "connection"),
        (t.tab_import, "import"),
        (t.tab_export, "export"),
        (t.tab_actions, "actions"),
        (t.tab_check, "check"),
        (t.tab_pull, "pull"),
    ] {
        h.query_all_by_label(label)
            .next()
            .unwrap_or_else(|| panic!("no tab {label}"))
            .click();
        h.run_steps(3);
        h.snapshot(format!("screen_{name}_{suffix}"));
    }
}

#[test]
fn every_screen_in_bulgarian() {
    every_screen(Lang::Bg, &BG, "bg");
}

#[test]
fn every_screen_in_english() {
    every_screen(Lang::En, &EN, "en");
}
