//! The window's first screen and two servers at once, driven headless (egui_kittest) by the
//! labels a user reads.

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use skladsync::texts::{BG, EN, Lang};
use skladsync::ui::{App, AppInit, LogEntry, Tab};
use skladsync_engine::report::{DatabaseFailure, Failure, Note};
use skladsync_engine::settings::{Server, Settings, SettingsFile};
use skladsync_engine::{
    Job, Journal, Level, MemorySecretStore, Reporter, RunSummary, Task, TaskRunner,
};
use skladsync_warehouse::Connection;

fn harness(app: App) -> Harness<'static, App> {
    Harness::builder()
        .with_size([1280.0, 860.0])
        .build_ui_state(|ui, app: &mut App| app.show(ui), app)
}

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

/// Logs lines naming its server, with a pause between them so that two runs interleave.
fn naming_runner() -> TaskRunner {
    Arc::new(|server: Server, job: Job, r: Reporter| {
        Box::pin(async move {
            for i in 1..=8 {
                // The count names the server: 100s for Витоша, 200s for Родопи.
                let base = if server.name == "Витоша" {
                    100
                } else {
                    200
                };
                r.log(
                    Level::Info,
                    Note::CheckCounts {
                        matched: i,
                        mismatched: base + i,
                    },
                );
                r.progress(i, 8);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            Ok(RunSummary {
                created: 8,
                dry_run: job.dry_run,
                ..Default::default()
            })
        })
    })
}

fn two_servers(dir: &std::path::Path) -> SettingsFile {
    let file = SettingsFile::at(dir.join("settings.json"));
    let mut all = Settings::default();
    for (id, name) in [("a", "Витоша"), ("b", "Родопи")] {
        all.servers.push(Server::new(
            id,
            name,
            "http://127.0.0.1:9",
            Connection::Sqlite {
                path: dir.join(format!("{id}.db")),
            },
        ));
    }
    file.save(&all).unwrap();
    file
}

fn app(
    rt: &Arc<tokio::runtime::Runtime>,
    file: &SettingsFile,
    journal: Option<Journal>,
    lang: Option<Lang>,
) -> App {
    App::new(AppInit {
        runtime: rt.clone(),
        settings: file.clone(),
        secrets: Arc::new(MemorySecretStore::default()),
        secret_store: None,
        journal,
        runner: Some(naming_runner()),
        attach: None,
        engine: None,
        select: None,
        lang,
    })
}

#[test]
fn two_servers_running_the_same_task_keep_their_own_log_lines() {
    let dir = tempfile::tempdir().unwrap();
    let rt = skladsync::runtime().unwrap();
    let file = two_servers(dir.path());
    let mut h = harness(app(&rt, &file, None, None));
    h.run_steps(2);
    h.state_mut().start("a", Task::Export, false, false);
    h.state_mut().start("b", Task::Export, false, false);
    wait(&mut h, "both exports to finish", 20, |a| {
        ["a", "b"].iter().all(|id| {
            a.views
                .get(*id)
                .is_some_and(|v| matches!(v.last, Some((Task::Export, Ok(_)))))
        })
    });
    for (id, base) in [("a", 100), ("b", 200)] {
        let lines: Vec<_> = h
            .state()
            .log
            .iter()
            .filter(|l| l.server == id)
            .filter_map(|l| match l.entry {
                LogEntry::Note(Note::CheckCounts {
                    matched,
                    mismatched,
                }) => Some((matched, mismatched)),
                _ => None,
            })
            .collect();
        assert_eq!(lines.len(), 8, "{id}: {lines:?}");
        assert!(
            lines.iter().all(|(i, m)| *m == base + *i),
            "{id} got another server's lines: {lines:?}"
        );
    }
}

#[test]
fn the_first_screen_answers_is_it_working() {
    let dir = tempfile::tempdir().unwrap();
    let rt = skladsync::runtime().unwrap();
    let file = two_servers(dir.path());
    let journal = rt
        .block_on(Journal::open(&dir.path().join("journal.db")))
        .unwrap();
    // What the journal holds from earlier runs (at a fixed time, for the snapshots).
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-30T08:30:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    rt.block_on(journal.record_run(
        "a",
        Task::OrderImport,
        at,
        &Ok(RunSummary {
            created: 4,
            ..Default::default()
        }),
    ))
    .unwrap();
    rt.block_on(journal.record_run(
        "b",
        Task::Export,
        at,
        &Err(Failure::Database {
            failure: DatabaseFailure::Unreachable {
                detail: "connection refused".into(),
            },
        }),
    ))
    .unwrap();

    let mut h = harness(app(&rt, &file, Some(journal.clone()), Some(Lang::En)));
    wait(&mut h, "the history of both servers", 20, |a| {
        ["a", "b"]
            .iter()
            .all(|id| a.views.get(*id).is_some_and(|v| !v.history.is_empty()))
    });
    assert!(h.state().home, "the window opens on the first screen");
    h.get_by_label(EN.overview_title);
    // Each server is a link of the first screen (and a line of the servers list).
    h.get_by_role_and_label(Role::Link, "Витоша");
    h.get_by_role_and_label(Role::Link, "Родопи");
    h.get_by_label_contains(&format!("{}: ✔", EN.tab_import));
    h.get_by_label_contains(&format!("{} 4", EN.created));
    h.get_by_label_contains("✖");
    h.get_by_label_contains("the Warehouse Pro database cannot be reached (connection refused)");
    assert!(h.query_all_by_label(EN.idle).count() >= 2);
    h.snapshot("first_screen_en");
    // The same in Bulgarian (before any run of this window: no clock on the picture).
    h.state_mut().lang = Lang::Bg;
    h.run_steps(2);
    h.get_by_label(BG.overview_title);
    h.snapshot("first_screen_bg");
    h.state_mut().lang = Lang::En;
    h.run_steps(2);

    // A run shows in the first screen while it runs, and the server opens from it.
    h.state_mut().start("a", Task::Export, false, false);
    wait(&mut h, "the export of Витоша to finish", 20, |a| {
        a.views
            .get("a")
            .is_some_and(|v| matches!(v.last, Some((Task::Export, Ok(_)))))
    });
    h.get_by_role_and_label(Role::Link, "Витоша").click();
    h.run_steps(3);
    assert!(!h.state().home);
    assert_eq!(h.state().selected.as_deref(), Some("a"));
    assert_eq!(h.state().tab, Tab::Actions);
    // Back to the first screen, in Bulgarian.
    h.state_mut().lang = Lang::Bg;
    h.run_steps(2);
    h.get_by_label(BG.overview).click();
    h.run_steps(3);
    assert!(h.state().home);
    h.get_by_label(BG.overview_title);
    // After a clean run the server is in step, and the change it sent is shown.
    h.get_by_label_contains(BG.in_step_since);
    h.get_by_label_contains(&format!("{}: ", BG.last_push));
}

/// The demo opens on the first screen; after an import and an export it shows their counts and
/// the orders left for a person. The snapshot is the README's picture of the first screen.
#[test]
fn the_demo_opens_on_the_first_screen() {
    let dir = tempfile::tempdir().unwrap();
    let rt = skladsync::runtime().unwrap();
    let demo = rt
        .block_on(skladsync::demo::start(dir.path(), false))
        .unwrap();
    let journal = rt
        .block_on(Journal::open(&dir.path().join("journal.db")))
        .unwrap();
    let app = App::new(AppInit {
        runtime: rt.clone(),
        settings: demo.settings.clone(),
        secrets: demo.secrets.clone(),
        secret_store: None,
        journal: Some(journal),
        runner: None,
        attach: None,
        engine: None,
        select: None,
        lang: Some(Lang::En),
    });
    let mut h = harness(app);
    h.run_steps(2);
    assert!(h.state().home);
    let id = demo.server.id.clone();
    for task in [Task::OrderImport, Task::Export] {
        h.state_mut().start(&id, task, false, false);
        wait(&mut h, "the demo's run", 120, |a| {
            a.views
                .get(&id)
                .is_some_and(|v| matches!(&v.last, Some((t, _)) if *t == task))
        });
    }
    wait(&mut h, "the history of both runs", 20, |a| {
        a.views.get(&id).is_some_and(|v| v.history.len() >= 2)
    });
    h.get_by_label_contains(&format!("{}: ✔", EN.tab_import));
    h.get_by_label_contains(&format!("{}: ✔", EN.tab_export));
    h.run_steps(3);
    // The README's picture (times of day differ from run to run: written, not compared).
    if std::env::var_os("SKLADSYNC_WRITE_SCREENSHOTS").is_some() {
        let image = h.render().unwrap();
        image
            .save(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../assets/first_screen.png"
            ))
            .unwrap();
    }
    rt.block_on(demo.sandbox.shutdown());
}
