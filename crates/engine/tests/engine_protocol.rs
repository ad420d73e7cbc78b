//! The engine's protocol: every run event names its server and run, the engine is the only
//! writer of the settings, a damaged settings file is never overwritten, and a queue retry is a
//! run that Stop reaches.

use std::sync::Arc;
use std::time::Duration;

use skladsync_engine::report::{Failure, Note};
use skladsync_engine::settings::{Server, SettingsFile};
use skladsync_engine::*;
use skladsync_warehouse::Connection;

/// Reports progress and a log line naming its server until done or stopped.
fn runner(steps: u64, step: Duration) -> TaskRunner {
    Arc::new(move |server: Server, job: Job, r: Reporter| {
        Box::pin(async move {
            for i in 1..=steps {
                if r.is_stopped() {
                    return Err(EngineError::Stopped);
                }
                // The count names the server: 100s for Витоша, 200s for the others.
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
                r.progress(i, steps);
                tokio::time::sleep(step).await;
            }
            Ok(RunSummary {
                created: steps,
                dry_run: job.dry_run,
                ..Default::default()
            })
        })
    })
}

fn settings_with(dir: &std::path::Path, names: &[&str]) -> SettingsFile {
    let file = SettingsFile::at(dir.join("settings.json"));
    let mut all = Settings::default();
    for (i, n) in names.iter().enumerate() {
        all.servers.push(Server::new(
            format!("s{i}"),
            *n,
            "http://127.0.0.1:1",
            Connection::Sqlite {
                path: dir.join(format!("w{i}.db")),
            },
        ));
    }
    file.save(&all).unwrap();
    file
}

fn engine(file: &SettingsFile, run_task: TaskRunner) -> EngineHandle {
    EngineHandle::new(Engine::new(EngineConfig {
        settings: file.clone(),
        run_task,
        secrets: Arc::new(MemorySecretStore::default()),
        journal: None,
        waker: Box::new(|| {}),
    }))
}

async fn until_idle(h: &EngineHandle, events: &mut Vec<RunEvent>) {
    for _ in 0..400 {
        events.extend(h.drain_events());
        let st = h.status();
        if !h.engine().unwrap().busy() && st.servers.values().all(|s| s.running.is_none()) {
            events.extend(h.drain_events());
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the engine did not become idle");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_running_the_same_task_keep_their_events_apart() {
    let dir = tempfile::tempdir().unwrap();
    let file = settings_with(dir.path(), &["Витоша", "Родопи"]);
    let h = engine(&file, runner(10, Duration::from_millis(5)));
    for id in ["s0", "s1"] {
        h.send(Command::Start {
            server: id.into(),
            task: Task::Export,
            dry_run: false,
            scheduled: false,
        });
    }
    let replies = h.drain_replies();
    let runs: Vec<RunId> = replies
        .iter()
        .map(|r| match r {
            Reply::Started { run, .. } => *run,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_ne!(runs[0], runs[1]);
    let mut events = Vec::new();
    until_idle(&h, &mut events).await;
    for (id, base, run) in [("s0", 100, runs[0]), ("s1", 200, runs[1])] {
        let mine: Vec<_> = events.iter().filter(|e| e.server.as_str() == id).collect();
        assert!(mine.iter().all(|e| e.run == run), "one run per server");
        let logs: Vec<_> = mine
            .iter()
            .filter_map(|e| match &e.event {
                Event::Log {
                    note:
                        Note::CheckCounts {
                            matched,
                            mismatched,
                        },
                    ..
                } => Some((*matched, *mismatched)),
                _ => None,
            })
            .collect();
        assert_eq!(logs.len(), 10, "{id}: {logs:?}");
        assert!(logs.iter().all(|(i, m)| *m == base + *i), "{id}: {logs:?}");
        assert!(mine.iter().any(|e| matches!(
            &e.event,
            Event::Finished { summary, .. } if summary.created == 10
        )));
    }
    // A second start while running is refused, naming what runs.
    h.send(Command::Start {
        server: "s0".into(),
        task: Task::Export,
        dry_run: false,
        scheduled: false,
    });
    h.send(Command::Start {
        server: "s0".into(),
        task: Task::OrderImport,
        dry_run: false,
        scheduled: false,
    });
    let replies = h.drain_replies();
    assert!(matches!(replies[0], Reply::Started { .. }));
    assert!(
        matches!(
            &replies[1],
            Reply::Refused {
                refusal: Refusal::AlreadyRunning { .. }
            }
        ),
        "{replies:?}"
    );
    until_idle(&h, &mut events).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_writes_the_settings_and_never_over_a_damaged_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = settings_with(dir.path(), &["Витоша"]);
    let h = engine(&file, runner(1, Duration::ZERO));
    h.send(Command::RenameServer {
        server: "s0".into(),
        name: "  Витоша 2 ".into(),
    });
    assert_eq!(h.drain_replies(), vec![Reply::Done]);
    assert_eq!(file.load().unwrap().servers[0].name, "Витоша 2");
    let published: Vec<_> = h
        .drain_updates()
        .into_iter()
        .filter_map(|u| match u {
            Update::Settings { settings } => Some(settings),
            _ => None,
        })
        .collect();
    assert_eq!(published.len(), 1, "the change is published");
    assert_eq!(published[0].servers[0].name, "Витоша 2");
    h.send(Command::DeleteServer {
        server: "s0".into(),
    });
    assert_eq!(h.drain_replies(), vec![Reply::Done]);
    assert!(file.load().unwrap().servers.is_empty());

    // A damaged file: the engine runs on nothing and writes nothing.
    std::fs::write(file.path(), "{not json").unwrap();
    let h = engine(&file, runner(1, Duration::ZERO));
    assert!(h.engine().unwrap().read_only().is_some());
    h.send(Command::SaveServer {
        server: Box::new(Server::new(
            "n",
            "Нов",
            "",
            Connection::Sqlite {
                path: "x.db".into(),
            },
        )),
    });
    let replies = h.drain_replies();
    assert!(
        matches!(
            &replies[0],
            Reply::Refused {
                refusal: Refusal::SettingsReadOnly { .. }
            }
        ),
        "{replies:?}"
    );
    assert_eq!(std::fs::read_to_string(file.path()).unwrap(), "{not json");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_retry_is_a_run_that_stop_reaches() {
    let dir = tempfile::tempdir().unwrap();
    let file = settings_with(dir.path(), &["Витоша"]);
    let h = engine(&file, runner(10_000, Duration::from_millis(10)));
    h.send(Command::QueueRetry {
        server: "s0".into(),
        order: Some("1019".into()),
    });
    assert!(matches!(h.drain_replies()[0], Reply::Started { .. }));
    for _ in 0..100 {
        if h.status().servers.get("s0").and_then(|s| s.running) == Some(Task::QueueRetry) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        h.status().servers["s0"].running,
        Some(Task::QueueRetry),
        "the status shows the retry"
    );
    let asked = std::time::Instant::now();
    h.send(Command::Stop {
        server: "s0".into(),
    });
    let mut events = Vec::new();
    until_idle(&h, &mut events).await;
    assert!(
        asked.elapsed() < Duration::from_secs(1),
        "{:?}",
        asked.elapsed()
    );
    assert!(events.iter().any(|e| matches!(
        &e.event,
        Event::Failed {
            task: Task::QueueRetry,
            failure: Failure::Stopped
        }
    )));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn look_ups_are_commands_whose_answers_name_their_server_and_probe() {
    let dir = tempfile::tempdir().unwrap();
    let file = settings_with(dir.path(), &["Витоша"]);
    let h = engine(&file, runner(1, Duration::ZERO));
    h.send(Command::TestWarehouse {
        server: "s0".into(),
        probe: 7,
    });
    h.send(Command::TestShop {
        server: "s0".into(),
        probe: 3,
    });
    let mut replies = Vec::new();
    for _ in 0..200 {
        replies.extend(h.drain_replies());
        if replies.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for r in &replies {
        // The answers travel as JSON to an attached window.
        let text = serde_json::to_string(r).unwrap();
        assert_eq!(&serde_json::from_str::<Reply>(&text).unwrap(), r);
        match r {
            Reply::Warehouse {
                server,
                probe,
                result,
            } => {
                assert_eq!((server.as_str(), *probe), ("s0", 7));
                assert!(
                    matches!(
                        result,
                        Err(lookups::LookupError::DatabaseUnreachable(_)
                            | lookups::LookupError::NotWarehouse(_))
                    ),
                    "{result:?}"
                );
            }
            Reply::Shop {
                server,
                probe,
                result,
            } => {
                assert_eq!((server.as_str(), *probe), ("s0", 3));
                assert!(
                    matches!(result, Err(lookups::LookupError::MissingSecret(_))),
                    "{result:?}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(replies.len(), 2);
    // A server that does not exist is refused.
    h.send(Command::Check {
        server: "nope".into(),
    });
    for _ in 0..100 {
        if let Some(r) = h.drain_replies().pop() {
            assert!(matches!(
                r,
                Reply::Refused {
                    refusal: Refusal::NoServer { .. }
                }
            ));
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no answer");
}

/// Both task groups of a server on their schedule: both run — the order import first, so that
/// the export sends stock after the orders took theirs — one at a time, and a job asked for
/// while the server only waits runs at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_task_groups_run_in_turn_import_first() {
    let dir = tempfile::tempdir().unwrap();
    let file = settings_with(dir.path(), &["Витоша"]);
    let mut all = file.load().unwrap();
    let s = &mut all.servers[0];
    s.import.enabled = true;
    s.export.enabled = true;
    s.import.start = skladsync_engine::settings::StartMode::EveryMinutes { minutes: 60 };
    s.export.start = skladsync_engine::settings::StartMode::OnServerStart;
    file.save(&all).unwrap();
    let h = engine(&file, runner(3, Duration::from_millis(5)));
    // The import waits an hour; the export runs now.
    let reply = ask(&h, Command::StartEnabled).await;
    let Reply::StartedMany { runs } = reply else {
        panic!("{reply:?}");
    };
    assert_eq!(
        runs.iter().map(|(_, t, _)| *t).collect::<Vec<_>>(),
        [Task::OrderImport, Task::Export, Task::Reconcile],
        "both groups and the export's nightly reconciliation are on the schedule"
    );
    let mut events = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !events.iter().any(|e: &RunEvent| {
        matches!(
            e.event,
            Event::Finished {
                task: Task::Export,
                ..
            }
        )
    }) {
        events.extend(h.drain_events());
        assert!(std::time::Instant::now() < deadline, "{events:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Waiting for the import's hour, the server takes a job asked for now.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while h.status().servers["s0"].scheduled != Some(Task::OrderImport) {
        assert!(std::time::Instant::now() < deadline, "{:?}", h.status());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let reply = ask(
        &h,
        Command::Start {
            server: "s0".into(),
            task: Task::Correspondence,
            dry_run: false,
            scheduled: false,
        },
    )
    .await;
    assert!(matches!(reply, Reply::Started { .. }), "{reply:?}");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !events.iter().any(|e: &RunEvent| {
        matches!(
            e.event,
            Event::Finished {
                task: Task::Correspondence,
                ..
            }
        )
    }) {
        events.extend(h.drain_events());
        assert!(std::time::Instant::now() < deadline, "{events:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Still on the schedule for the import.
    assert_eq!(h.status().servers["s0"].scheduled, Some(Task::OrderImport));
    h.send(Command::StopAll);
}

/// Send a command and wait for the engine's answer.
async fn ask(h: &EngineHandle, command: Command) -> Reply {
    h.send(command);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(r) = h.drain_replies().into_iter().next() {
            return r;
        }
        assert!(std::time::Instant::now() < deadline, "no reply");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
