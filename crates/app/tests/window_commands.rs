//! The window as a view of the engine: driven by clicks on a fake engine handle, each click
//! sends the command it should, and what the engine sends back lands where it belongs.

use std::sync::Arc;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use skladsync::texts::{BG, Lang};
use skladsync::ui::{App, AppInit};
use skladsync_engine::settings::{Server, Settings, SettingsFile};
use skladsync_engine::{
    Command, EngineHandle, Event, FakeEngine, Level, MemorySecretStore, Refusal, Reply, RunEvent,
    RunId, ServerStatus, Status, Task, Update,
};
use skladsync_warehouse::Connection;

fn window(
    dir: &std::path::Path,
) -> (
    Harness<'static, App>,
    FakeEngine,
    Arc<tokio::runtime::Runtime>,
) {
    let rt = skladsync::runtime().unwrap();
    let mut settings = Settings::default();
    settings.servers.push(Server::new(
        "x",
        "Витоша",
        "http://127.0.0.1:9",
        Connection::Sqlite {
            path: dir.join("w.db"),
        },
    ));
    let (handle, fake) = {
        let _g = rt.enter();
        EngineHandle::fake(settings)
    };
    let app = App::new(AppInit {
        runtime: rt.clone(),
        settings: SettingsFile::at(dir.join("settings.json")),
        secrets: Arc::new(MemorySecretStore::default()),
        secret_store: None,
        journal: None,
        runner: None,
        attach: None,
        engine: Some(handle),
        select: Some("x".into()),
        lang: None,
    });
    let h = Harness::builder()
        .with_size([1280.0, 860.0])
        .build_ui_state(|ui, app: &mut App| app.show(ui), app);
    (h, fake, rt)
}

#[test]
fn each_click_sends_its_command() {
    let dir = tempfile::tempdir().unwrap();
    let (mut h, fake, _rt) = window(dir.path());
    h.run_steps(2);
    fake.take_sent();

    // Старт of „Действия“: the export by its start mode.
    h.get_by_label(BG.tab_actions).click();
    h.run_steps(2);
    h.get_by_label(&format!("{} – {}", BG.start, BG.tab_export))
        .click();
    h.run_steps(2);
    assert_eq!(
        fake.take_sent(),
        vec![Command::Start {
            server: "x".into(),
            task: Task::Export,
            dry_run: false,
            scheduled: true,
        }]
    );

    // Стоп, while the engine says the export runs.
    let mut st = Status::default();
    st.servers.insert(
        "x".into(),
        ServerStatus {
            running: Some(Task::Export),
            run: Some(RunId(5)),
            ..Default::default()
        },
    );
    fake.set_status(st);
    h.run_steps(2);
    h.get_by_label(BG.stop).click();
    h.run_steps(2);
    assert_eq!(fake.take_sent(), vec![Command::Stop { server: "x".into() }]);

    // Редакция: the new name is saved by the engine.
    h.get_by_label(BG.edit).click();
    h.run_steps(2);
    let field = h.get_by_label(BG.server_name);
    field.click();
    h.run_steps(1);
    h.get_by_label(BG.server_name).type_text(" 2");
    h.run_steps(1);
    h.get_by_label(BG.ok).click();
    h.run_steps(2);
    let sent = fake.take_sent();
    assert!(
        matches!(&sent[..], [Command::SaveServer { server }] if server.name == "Витоша 2"),
        "{sent:?}"
    );

    // Нов: a new server, saved by the engine.
    h.get_by_label(BG.new).click();
    h.run_steps(2);
    let sent = fake.take_sent();
    assert!(
        matches!(&sent[..], [Command::SaveServer { server }] if server.id != "x"),
        "{sent:?}"
    );
    h.get_by_label(BG.cancel).click();
    h.run_steps(2);
    let new_id = h.state().selected.clone().unwrap();

    // Изтрий, confirmed.
    h.get_by_label(BG.delete).click();
    h.run_steps(2);
    let confirm = h
        .query_all_by_label(BG.delete)
        .last()
        .expect("the confirmation's button");
    confirm.click();
    h.run_steps(2);
    assert_eq!(
        fake.take_sent(),
        vec![Command::DeleteServer {
            server: new_id.as_str().into()
        }]
    );
}

#[test]
fn what_the_engine_sends_lands_where_it_belongs() {
    let dir = tempfile::tempdir().unwrap();
    let (mut h, fake, _rt) = window(dir.path());
    h.run_steps(2);
    // A run event names its server: it goes to that server's log and problems.
    for event in [
        Event::Started {
            task: Task::Export,
            dry_run: false,
        },
        Event::Item {
            task: Task::Export,
            level: Level::Error,
            problem: skladsync_engine::ItemProblem::new(
                skladsync_engine::report::Item::Good {
                    id: 1019,
                    name: "Чаша".into(),
                    key: Some("380".into()),
                },
                skladsync_engine::report::ExportProblem::NotInShop,
            ),
        },
    ] {
        fake.update(Update::Run(RunEvent {
            server: "x".into(),
            run: RunId(9),
            event,
        }));
    }
    h.run_steps(2);
    assert!(
        h.state()
            .log
            .iter()
            .any(|l| l.server == "x" && l.text(Lang::Bg) == "стока 1019 „Чаша“ (380): няма я в магазина — включете „Експорт стоки от Склад Pro“, за да бъде създадена")
    );
    assert_eq!(h.state().views["x"].problems.len(), 1);

    // The settings the engine saved replace the window's.
    let mut changed = h.state().settings.clone();
    changed.servers[0].name = "Родопи".into();
    fake.update(Update::Settings { settings: changed });
    h.run_steps(2);
    assert_eq!(h.state().settings.servers[0].name, "Родопи");
    h.get_by_label("Родопи");

    // A refusal is shown where the settings' errors are.
    fake.reply(Reply::refused(Refusal::SettingsReadOnly {
        reason: "the settings file is damaged".into(),
    }));
    h.run_steps(2);
    h.get_by_label_contains("the settings file is damaged");
}

#[test]
fn activate_webhooks_is_sent_and_the_hooks_and_the_receiver_are_shown() {
    use skladsync_engine::webhooks::{
        HookChange, HookState, HookStatus, OrderEvent, ReceiverState, ReceiverStatus, WebhookState,
    };
    let dir = tempfile::tempdir().unwrap();
    let (mut h, fake, _rt) = window(dir.path());
    h.run_steps(2);
    let mut settings = h.state().settings.clone();
    let w = &mut settings.servers[0].import.webhooks;
    w.bind = Some("0.0.0.0:8765".into());
    w.public_url = Some("https://sklad.example.bg/cloudcart".into());
    fake.update(Update::Settings { settings });
    h.get_by_label(BG.tab_import).click();
    h.run_steps(3);
    // Set up, the hooks' state is asked for once.
    let sent = fake.take_sent();
    assert!(
        sent.contains(&Command::WebhookState { server: "x".into() }),
        "{sent:?}"
    );
    fake.reply(Reply::Webhooks {
        server: "x".into(),
        result: Ok(WebhookState {
            hooks: vec![],
            secret_created: false,
        }),
    });
    h.run_steps(2);
    fake.take_sent();

    let button = h.get_by_label(BG.activate_webhooks);
    button.scroll_to_me();
    h.run_steps(1);
    h.get_by_label(BG.activate_webhooks).click();
    h.run_steps(2);
    let sent = fake.take_sent();
    assert!(
        sent.contains(&Command::ActivateWebhooks { server: "x".into() }),
        "{sent:?}"
    );
    let hook = |event, change| HookState {
        event,
        status: HookStatus::Active,
        url: Some("https://sklad.example.bg/cloudcart".into()),
        current: true,
        change,
        removed: 0,
    };
    fake.reply(Reply::Webhooks {
        server: "x".into(),
        result: Ok(WebhookState {
            hooks: vec![
                hook(OrderEvent::Created, Some(HookChange::Reenabled)),
                hook(OrderEvent::Updated, None),
            ],
            secret_created: true,
        }),
    });
    let mut st = Status::default();
    st.servers.insert(
        "x".into(),
        ServerStatus {
            receiver: Some(ReceiverStatus {
                address: "0.0.0.0:8765".into(),
                state: ReceiverState::Listening,
                accepted: 2,
                dropped: 1,
                refused: 0,
                last_delivery: None,
            }),
            ..Default::default()
        },
    );
    fake.set_status(st);
    h.run_steps(2);
    h.get_by_label(
        "• order.created: активен — https://sklad.example.bg/cloudcart (включен отново)",
    );
    h.get_by_label("• order.updated: активен — https://sklad.example.bg/cloudcart");
    h.get_by_label(&format!("✔ {}", BG.secret_created));
    h.get_by_label_contains("Приемникът слуша на 0.0.0.0:8765: приети поръчки 2");
}
