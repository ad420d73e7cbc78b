//! The window driven as a person would, headless (egui_kittest): by the labels a user reads.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use skladsync::demo;
use skladsync::texts::{BG, Lang};
use skladsync::ui::{App, AppInit, Probe, Tab};
use skladsync_engine::correspondence::MatchStatus;
use skladsync_engine::report::{ExportProblem, Item, Note, Phase};
use skladsync_engine::settings::{CompareBy, Server, Settings, SettingsFile};
use skladsync_engine::{
    ItemProblem, Job, Journal, Level, MemorySecretStore, Reporter, RunSummary, SecretStore, Task,
    TaskRunner,
};
use skladsync_warehouse::{BlankDatabase, Connection, Warehouse};

fn harness(app: App) -> Harness<'static, App> {
    Harness::builder()
        .with_size([1280.0, 860.0])
        .build_ui_state(|ui, app: &mut App| app.show(ui), app)
}

/// Step frames until `cond` holds (background work runs on the app's runtime meanwhile).
fn wait(h: &mut Harness<'_, App>, what: &str, secs: u64, cond: impl Fn(&mut App) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        h.step();
        if cond(h.state_mut()) {
            h.step();
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A task runner that reports a little progress, one item problem, and finishes.
fn fake_runner() -> TaskRunner {
    Arc::new(|_server: Server, job: Job, r: Reporter| {
        let (task, dry_run) = (job.task, job.dry_run);
        Box::pin(async move {
            r.phase(Phase::ReadingWarehouseGoods);
            for i in 1..=10 {
                r.progress(i, 10);
            }
            r.log(
                Level::Info,
                Note::CheckCounts {
                    matched: 41,
                    mismatched: 2,
                },
            );
            let problem = ItemProblem::new(
                Item::Good {
                    id: 7,
                    name: "Чаша".into(),
                    key: None,
                },
                ExportProblem::NoKey {
                    compare_by: CompareBy::BarcodeToBarcode1,
                },
            );
            r.item(Level::Error, problem.clone());
            let _ = task;
            Ok(RunSummary {
                created: 9,
                skipped: 1,
                problems: vec![problem],
                dry_run,
                ..Default::default()
            })
        })
    })
}

fn plain_app(
    rt: &Arc<tokio::runtime::Runtime>,
    file: &SettingsFile,
    secrets: Arc<dyn SecretStore>,
) -> App {
    App::new(AppInit {
        runtime: rt.clone(),
        settings: file.clone(),
        secrets,
        secret_store: None,
        journal: None,
        runner: Some(fake_runner()),
        attach: None,
        engine: None,
        // Opened on the first server, as on the servers list: the first screen has its own
        // test.
        select: file
            .load()
            .ok()
            .and_then(|s| s.servers.first().map(|s| s.id.clone())),
        lang: Default::default(),
    })
}

fn text_input<'a>(h: &'a Harness<'_, App>, label: &'a str) -> egui_kittest::Node<'a> {
    h.get_by_role_and_label(Role::TextInput, label)
}

fn password_input<'a>(h: &'a Harness<'_, App>, label: &'a str) -> egui_kittest::Node<'a> {
    h.get_by_role_and_label(Role::PasswordInput, label)
}

fn replace_text(h: &mut Harness<'_, App>, label: &str, text: &str) {
    text_input(h, label).focus();
    h.run_steps(2);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    text_input(h, label).type_text(text);
    h.run_steps(3);
}

#[test]
fn create_rename_fill_settings_and_they_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let rt = skladsync::runtime().unwrap();
    let file = SettingsFile::at(dir.path().join("settings.json"));
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::default());
    let mut h = harness(plain_app(&rt, &file, secrets.clone()));
    h.run_steps(3);
    h.get_by_label(BG.no_server);

    // Нов: a server, and the Редакция dialog to name it.
    h.get_by_label(BG.new).click();
    h.run_steps(3);
    replace_text(&mut h, BG.server_name, "Магазин Витоша");
    h.get_by_label(BG.ok).click();
    h.run_steps(3);
    let saved = file.load().unwrap();
    assert_eq!(saved.servers.len(), 1);
    assert_eq!(saved.servers[0].name, "Магазин Витоша");
    assert_eq!(
        saved.servers[0].server_type,
        skladsync_engine::ServerType::WarehouseProCloudCart
    );
    // Kept under the name Utility Center uses.
    let text = std::fs::read_to_string(file.path()).unwrap();
    assert!(
        text.contains("\"server_type\": \"Warehouse Pro Import Export CloudCart\""),
        "{text}"
    );

    // Редакция renames it.
    h.get_by_label(BG.edit).click();
    h.run_steps(3);
    replace_text(&mut h, BG.server_name, "Витоша");
    h.get_by_label(BG.ok).click();
    h.run_steps(3);
    assert_eq!(file.load().unwrap().servers[0].name, "Витоша");
    h.get_by_label("Витоша");

    // The connection: the shop address and the API key.
    replace_text(&mut h, BG.shop_url, "https://vitosha.cloudcart.net");
    password_input(&h, BG.api_key).focus();
    password_input(&h, BG.api_key).type_text("TOPSECRETKEY0123456789");
    h.run_steps(2);
    h.get_by_label(BG.save_key).click();
    h.run_steps(3);
    h.get_by_label_contains(BG.key_saved);

    // A setting of each task group.
    h.get_by_label(BG.tab_export).click();
    h.run_steps(3);
    h.get_by_label(BG.prices_in_eur).click();
    h.get_by_label(BG.tab_import).click();
    h.run_steps(3);
    h.get_by_role_and_label(Role::CheckBox, BG.pull_products)
        .click();
    h.run_steps(3);
    drop(h);

    // A restart: the same settings file, a new window.
    let text = std::fs::read_to_string(file.path()).unwrap();
    assert!(
        !text.contains("TOPSECRETKEY0123456789"),
        "the API key is in the settings file"
    );
    let id = file.load().unwrap().servers[0].id.clone();
    let mut h = harness(plain_app(&rt, &file, secrets.clone()));
    h.run_steps(3);
    let app = h.state();
    let s = app.server(&id).expect("the server survived");
    assert_eq!(s.name, "Витоша");
    assert_eq!(s.shop.base_url, "https://vitosha.cloudcart.net");
    assert!(s.export.prices_in_eur);
    assert!(s.import.pull_products);
    assert_eq!(
        secrets.get(&s.shop.api_key).unwrap(),
        "TOPSECRETKEY0123456789"
    );
    h.get_by_label("Витоша");

    // Изтрий, confirmed.
    h.get_by_label(BG.delete).click();
    h.run_steps(3);
    h.get_all_by_label(BG.delete).last().unwrap().click();
    h.run_steps(3);
    assert!(file.load().unwrap().servers.is_empty());
    assert!(
        secrets.get(&s_api_key(&id)).is_err(),
        "the key went with it"
    );
}

fn s_api_key(id: &str) -> skladsync_engine::settings::SecretRef {
    skladsync_engine::settings::SecretRef(format!("server/{id}/api-key"))
}

#[test]
fn start_shows_progress_problems_and_filters_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let rt = skladsync::runtime().unwrap();
    let file = SettingsFile::at(dir.path().join("settings.json"));
    let mut all = Settings::default();
    all.servers.push(Server::new(
        "x",
        "Тест",
        "http://127.0.0.1:9",
        Connection::Sqlite {
            path: dir.path().join("none.db"),
        },
    ));
    file.save(&all).unwrap();
    let mut h = harness(plain_app(
        &rt,
        &file,
        Arc::new(MemorySecretStore::default()),
    ));
    h.run_steps(2);
    h.get_by_label(BG.tab_actions).click();
    h.run_steps(2);
    h.get_by_label(&format!("{} – {}", BG.start, BG.tab_export))
        .click();
    wait(&mut h, "the fake export to finish", 20, |a| {
        a.views
            .get("x")
            .is_some_and(|v| matches!(v.last, Some((Task::Export, Ok(_)))))
    });
    h.get_by_label_contains(BG.done_ok);
    h.get_by_label("няма Баркод 1 — въведете го в Склад Pro или сменете „Сравнявай по“");
    let st = h.state().status.servers.get("x").cloned().unwrap();
    assert_eq!((st.done, st.total), (10, 10));
    assert!(
        h.query_by_label_contains("Съвпадат: 41; несъответствия: 2")
            .is_some(),
        "info lines show with the level filter at All"
    );
    h.state_mut().log_filter = Level::Error;
    h.run_steps(2);
    assert!(
        h.query_by_label_contains("Съвпадат: 41; несъответствия: 2")
            .is_none()
    );
    assert_eq!(
        h.query_all_by_label_contains("Чаша").count(),
        2,
        "the error stays in the log and in the problems table"
    );
}

async fn blank_server(dir: &Path, id: &str, version: &str) -> Server {
    let connection = Connection::Sqlite {
        path: dir.join(format!("{id}.db")),
    };
    Warehouse::create_blank(
        &connection,
        &BlankDatabase {
            version: version.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    Server::new(
        id,
        format!("Склад {version}"),
        "http://127.0.0.1:9",
        connection,
    )
}

#[test]
fn supto_settings_hidden_for_an_older_warehouse_and_shown_for_3_07_100() {
    let dir = tempfile::tempdir().unwrap();
    let rt = skladsync::runtime().unwrap();
    let file = SettingsFile::at(dir.path().join("settings.json"));
    let mut all = Settings::default();
    all.servers
        .push(rt.block_on(blank_server(dir.path(), "old", "3.07.060")));
    all.servers
        .push(rt.block_on(blank_server(dir.path(), "supto", "3.07.100")));
    file.save(&all).unwrap();
    let mut h = harness(plain_app(
        &rt,
        &file,
        Arc::new(MemorySecretStore::default()),
    ));
    wait(&mut h, "the older warehouse's look-up", 20, |a| {
        a.views
            .get("old")
            .is_some_and(|v| matches!(v.warehouse, Probe::Ok(_)))
    });
    h.get_by_label_contains(BG.supto_no);
    h.get_by_label(BG.tab_import).click();
    h.run_steps(3);
    h.get_by_label(BG.object);
    assert!(h.query_by_label(BG.fiscal_device).is_none());
    assert!(h.query_by_label(BG.active_user).is_none());
    h.get_by_label(BG.tab_export).click();
    h.run_steps(3);
    assert!(h.query_by_label(BG.active_user).is_none());

    h.get_by_label("Склад 3.07.100").click();
    wait(&mut h, "the SUPTO warehouse's look-up", 20, |a| {
        a.views
            .get("supto")
            .is_some_and(|v| matches!(v.warehouse, Probe::Ok(_)))
    });
    assert_eq!(h.state().tab, Tab::Export);
    h.get_by_label(BG.active_user);
    h.get_by_label(BG.tab_import).click();
    h.run_steps(3);
    h.get_by_label(BG.active_user);
    h.get_by_label(BG.fiscal_device);
    wait(&mut h, "the SUPTO warehouse's goods", 20, |a| {
        a.views
            .get("supto")
            .is_some_and(|v| matches!(v.goods, Probe::Ok(_)))
    });
    h.snapshot("import_tab_supto");
}

struct DemoFixture {
    _dir: tempfile::TempDir,
    rt: Arc<tokio::runtime::Runtime>,
    demo: demo::Demo,
    journal: Journal,
}

fn demo_fixture() -> DemoFixture {
    let dir = tempfile::tempdir().unwrap();
    let rt = skladsync::runtime().unwrap();
    let demo = rt.block_on(demo::start(dir.path(), false)).unwrap();
    let journal = rt
        .block_on(Journal::open(&dir.path().join("journal.db")))
        .unwrap();
    DemoFixture {
        _dir: dir,
        rt,
        demo,
        journal,
    }
}

fn demo_app(f: &DemoFixture) -> App {
    App::new(AppInit {
        runtime: f.rt.clone(),
        settings: f.demo.settings.clone(),
        secrets: f.demo.secrets.clone(),
        secret_store: None,
        journal: Some(f.journal.clone()),
        runner: None,
        attach: None,
        engine: None,
        select: Some(f.demo.server.id.clone()),
        lang: Default::default(),
    })
}

#[test]
fn demo_test_connection_export_to_the_end_and_the_correspondence_table() {
    let f = demo_fixture();
    let id = f.demo.server.id.clone();
    let mut h = harness(demo_app(&f));
    h.run_steps(2);

    // Test connection, both sides.
    h.get_by_label(&format!("{} – {}", BG.test_connection, BG.warehouse))
        .click();
    h.get_by_label(&format!("{} – {}", BG.test_connection, BG.shop))
        .click();
    wait(&mut h, "both connection tests", 30, |a| {
        let v = a.views.get(&id).unwrap();
        matches!(v.warehouse, Probe::Ok(_)) && matches!(v.shop, Probe::Ok(_))
    });
    h.get_by_label_contains(BG.warehouse_ok);
    h.get_by_label_contains(BG.shop_ok);

    // The pick lists come from the live warehouse.
    h.get_by_label(BG.tab_export).click();
    h.run_steps(2);
    h.get_by_role_and_label(Role::ComboBox, BG.object).click();
    h.run_steps(2);
    h.get_by_label("Склад Варна");
    h.key_press(egui::Key::Escape);
    h.run_steps(2);

    // Start an export and see it to the end.
    h.get_by_label(BG.tab_actions).click();
    h.run_steps(2);
    h.get_by_label(&format!("{} – {}", BG.start, BG.tab_export))
        .click();
    wait(&mut h, "the export to start", 30, |a| {
        a.status
            .servers
            .get(id.as_str())
            .is_some_and(|s| s.running.is_some() || s.last.is_some())
    });
    wait(&mut h, "the export to finish", 240, |a| {
        a.views.get(&id).is_some_and(|v| v.last.is_some())
    });
    let last = h.state().views[&id].last.clone().unwrap();
    assert!(
        matches!(&last, (Task::Export, Ok(_))),
        "the export failed: {last:?}"
    );
    let st = h.state().status.servers[id.as_str()].clone();
    assert!(st.total > 0 && st.done == st.total, "{st:?}");
    h.get_by_label_contains(BG.done_ok);
    wait(&mut h, "the run history", 20, |a| {
        !a.views[&id].history.is_empty()
    });

    // The correspondence check as a table, filtered.
    h.get_by_label(BG.tab_check).click();
    h.run_steps(2);
    h.get_by_label(BG.check_run).click();
    h.run_steps(2);
    assert!(
        h.state().views[&id].check.running,
        "Провери starts the check"
    );
    wait(&mut h, "the correspondence check", 60, |a| {
        let c = &a.views[&id].check;
        !c.running && (!c.rows.is_empty() || c.error.is_some())
    });
    let all = {
        let c = &mut h.state_mut().views.get_mut(&id).unwrap().check;
        assert!(c.error.is_none(), "{:?}", c.error);
        c.visible().len()
    };
    assert!(all > 0);
    let matched = h.state().views[&id].check.count(MatchStatus::Matched);
    assert!(matched > 0, "after an export the goods match");
    h.get_by_role_and_label(Role::ComboBox, BG.status).click();
    h.run_steps(2);
    h.get_by_label(&format!("{} ({matched})", BG.st_matched))
        .click();
    h.run_steps(3);
    let c = &mut h.state_mut().views.get_mut(&id).unwrap().check;
    assert_eq!(c.filter, Some(MatchStatus::Matched));
    let shown = c.visible().to_vec();
    assert_eq!(shown.len(), matched);
    assert!(
        shown
            .iter()
            .all(|&i| c.rows[i].status == MatchStatus::Matched)
    );
    let csv = c.csv(Lang::Bg);
    assert_eq!(
        csv.lines().count(),
        matched + 1,
        "the CSV holds the rows shown"
    );
    h.get_by_label_contains(&format!("{matched} {}", BG.rows));
}

#[test]
fn a_wrong_api_key_gets_a_clear_message() {
    let f = demo_fixture();
    let mut h = harness(demo_app(&f));
    h.run_steps(2);
    password_input(&h, BG.api_key).focus();
    password_input(&h, BG.api_key)
        .type_text("WRONGKEY0123456789WRONGKEY0123456789WRONGKEY0123456789WRONGKEY01");
    h.run_steps(2);
    h.get_by_label(BG.save_key).click();
    let id = f.demo.server.id.clone();
    wait(&mut h, "the shop test", 30, |a| {
        matches!(a.views[&id].shop, Probe::Failed(_))
    });
    h.get_by_label_contains(BG.err_wrong_key);
}

#[test]
fn english_is_one_click_away() {
    let dir = tempfile::tempdir().unwrap();
    let rt = skladsync::runtime().unwrap();
    let file = SettingsFile::at(dir.path().join("settings.json"));
    let mut h = harness(plain_app(
        &rt,
        &file,
        Arc::new(MemorySecretStore::default()),
    ));
    h.run_steps(2);
    h.get_by_label("Нов");
    h.get_by_label("EN").click();
    h.run_steps(2);
    h.get_by_label("New");
    assert!(h.query_by_label("Нов").is_none());
}

#[test]
fn the_language_choice_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let rt = skladsync::runtime().unwrap();
    let file = SettingsFile::at(dir.path().join("settings.json"));
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::default());
    let mut h = harness(plain_app(&rt, &file, secrets.clone()));
    h.run_steps(2);
    h.get_by_label("Нов");
    h.get_by_label("EN").click();
    h.run_steps(2);
    h.get_by_label("New");
    drop(h);
    assert!(
        !file.path().exists()
            || !std::fs::read_to_string(file.path())
                .unwrap()
                .contains("\"lang\""),
        "the language is the window's, not the engine's settings"
    );

    // A new window from the same directory opens in English…
    let mut h = harness(plain_app(&rt, &file, secrets.clone()));
    h.run_steps(2);
    assert_eq!(h.state().lang, Lang::En);
    h.get_by_label("New");
    assert!(h.query_by_label("Нов").is_none());

    // …and back to Bulgarian the same way.
    h.get_by_label("БГ").click();
    h.run_steps(2);
    drop(h);
    let mut h = harness(plain_app(&rt, &file, secrets));
    h.run_steps(2);
    h.get_by_label("Нов");
}

#[test]
fn demo_orders_queue_fixed_then_retried_and_the_guided_pull() {
    let f = demo_fixture();
    let id = f.demo.server.id.clone();
    // A user who has not mapped the shop's payment providers yet.
    let mut all = f.demo.settings.load().unwrap();
    let mappings = std::mem::take(&mut all.servers[0].import.payment_types);
    assert!(!mappings.is_empty());
    f.demo.settings.save(&all).unwrap();
    let mut h = harness(demo_app(&f));
    h.run_steps(2);

    // Импорт от CloudCart: every order waits, none is half-written.
    h.get_by_label(BG.tab_actions).click();
    h.run_steps(2);
    h.get_by_label(&format!("{} – {}", BG.start, BG.tab_import))
        .click();
    wait(&mut h, "the order import", 120, |a| {
        matches!(a.views[&id].last, Some((Task::OrderImport, _)))
    });
    wait(&mut h, "the exception queue", 20, |a| {
        !a.views[&id].queue.is_empty()
    });
    let queued: Vec<String> = h.state().views[&id]
        .queue
        .iter()
        .map(|q| q.order_id.clone())
        .collect();
    assert_eq!(queued.len(), 5, "{queued:?}");
    let first = queued[0].clone();
    h.get_by_label(&format!("{} {first}", BG.retry));

    // The fix: the payment types, as the import settings hold them.
    let mut s = h.state().server(&id).unwrap().clone();
    s.import.payment_types = mappings;
    h.state_mut().update_server(s);

    // Опитай отново: the order goes in and leaves the queue.
    h.get_by_label(&format!("{} {first}", BG.retry)).click();
    h.run_steps(1);
    wait(&mut h, "the retry", 120, |a| {
        let v = &a.views[&id];
        !v.queue_busy && v.queue_note.is_some()
    });
    wait(&mut h, "the queue to reload", 20, |a| {
        !a.views[&id].queue.iter().any(|q| q.order_id == first)
    });
    let note = h.state().views[&id].queue_note.clone().unwrap();
    assert!(
        matches!(&note, Ok(s) if s.created == 1),
        "the retried order was written: {note:?}"
    );

    // The one-time product pull, as the guided action: preview, pull, the setting turns off.
    let mut s = h.state().server(&id).unwrap().clone();
    s.import.pull_products = true;
    h.state_mut().update_server(s);
    h.get_by_label(BG.tab_pull).click();
    h.run_steps(2);
    h.get_by_label(BG.pull_step1).click();
    wait(&mut h, "the pull preview", 120, |a| {
        !matches!(
            a.views[&id].pull,
            skladsync::ui::PullStep::Previewing | skladsync::ui::PullStep::Start
        )
    });
    assert!(
        matches!(
            h.state().views[&id].pull,
            skladsync::ui::PullStep::Previewed(_)
        ),
        "{:?}",
        h.state().views[&id].pull
    );
    h.get_by_label(BG.pull_step2).click();
    wait(&mut h, "the pull", 120, |a| {
        !matches!(
            a.views[&id].pull,
            skladsync::ui::PullStep::Pulling | skladsync::ui::PullStep::Previewed(_)
        )
    });
    // The demo shop sells the warehouse's own goods: the pull only updates them, and succeeds.
    let step = h.state().views[&id].pull.clone();
    let skladsync::ui::PullStep::Done {
        summary,
        turned_off: true,
    } = &step
    else {
        panic!("{step:?}")
    };
    assert_eq!(summary.created, 0);
    assert!(summary.updated >= 500, "{summary:?}");
    assert!(
        !f.demo.settings.load().unwrap().servers[0]
            .import
            .pull_products,
        "the setting turned itself off in the saved file"
    );
}

#[test]
fn demo_special_goods_are_searched_and_picked_by_name() {
    let f = demo_fixture();
    let id = f.demo.server.id.clone();
    let delivery = f.demo.server.import.special_goods.delivery.unwrap();
    let mut h = harness(demo_app(&f));
    h.run_steps(2);
    h.get_by_label(BG.tab_import).click();
    wait(&mut h, "the warehouse's goods", 30, |a| {
        matches!(a.views.get(&id).unwrap().goods, Probe::Ok(_))
    });

    // The chosen goods show by name; Изчисти empties the first (Доставка).
    h.get_by_label("✔ SVC-DELIVERY — Доставка");
    h.get_all_by_label(BG.clear).next().unwrap().click();
    h.run_steps(3);
    let saved = f.demo.settings.load().unwrap();
    assert_eq!(saved.servers[0].import.special_goods.delivery, None);
    assert!(h.query_by_label("✔ SVC-DELIVERY — Доставка").is_none());

    // Search „Доставка“ and pick it from the matches.
    text_input(&h, BG.delivery).focus();
    h.run_steps(2);
    text_input(&h, BG.delivery).type_text("Доставка");
    h.run_steps(3);
    h.get_by_label("SVC-DELIVERY — Доставка").click();
    h.run_steps(3);
    let saved = f.demo.settings.load().unwrap();
    assert_eq!(
        saved.servers[0].import.special_goods.delivery,
        Some(delivery)
    );
    h.get_by_label("✔ SVC-DELIVERY — Доставка");

    // The code finds a good too, and a search without matches says so.
    replace_text(&mut h, BG.fee, "SVC-FEE");
    h.get_by_label("SVC-FEE — Такса");
    replace_text(&mut h, BG.fee, "няма-такава-стока");
    h.get_by_label(BG.goods_no_match);
}

#[test]
fn demo_vat_classes_are_mapped_to_warehouse_vat_groups() {
    let f = demo_fixture();
    let id = f.demo.server.id.clone();
    let mut h = harness(demo_app(&f));
    h.run_steps(2);
    wait(&mut h, "the warehouse's pick lists", 30, |a| {
        matches!(a.views.get(&id).unwrap().warehouse, Probe::Ok(_))
    });
    let groups = match &h.state().views.get(&id).unwrap().warehouse {
        Probe::Ok(w) => w.vat_groups.clone(),
        _ => unreachable!(),
    };
    assert!(groups.len() >= 2, "the demo has VAT groups to choose from");
    let second = &groups[1];
    let second_text = format!("{} ({}%)", second.name, second.rate);

    h.get_by_label(BG.tab_export).click();
    h.run_steps(2);
    let before = f.demo.settings.load().unwrap().servers[0]
        .export
        .vat_classes
        .len();
    h.get_by_label(BG.add_vat_class).click();
    h.run_steps(3);
    let row = before + 1;
    let class_label = format!("{} {row}", BG.shop_class);
    let group_label = format!("{} {row}", BG.vat_group);
    text_input(&h, &class_label).focus();
    h.run_steps(2);
    text_input(&h, &class_label).type_text("reduced");
    h.run_steps(3);
    h.get_by_role_and_label(Role::ComboBox, &group_label)
        .click();
    h.run_steps(2);
    h.get_by_label(&second_text).click();
    h.run_steps(3);

    let saved = f.demo.settings.load().unwrap();
    let m = saved.servers[0].export.vat_classes.last().unwrap();
    assert_eq!(m.shop_class, "reduced");
    assert_eq!(m.vat_group, second.id);

    // Премахни takes the row away.
    h.get_all_by_label(BG.remove).last().unwrap().click();
    h.run_steps(3);
    let saved = f.demo.settings.load().unwrap();
    assert_eq!(saved.servers[0].export.vat_classes.len(), before);
}
