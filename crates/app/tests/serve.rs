//! `skladsync serve` as a process: a client attaches through the control endpoint, starts an
//! export and sees its progress; a second `serve` on the same settings refuses, naming the
//! running one; SIGTERM mid-run ends the process cleanly within 5 s, with every good the
//! journal says was pushed really in the shop as pushed.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cloudcart_sandbox::{Sandbox, SandboxConfig};
use futures::StreamExt as _;
use skladsync_engine::control::{self, Claim, RemoteEngine};
use skladsync_engine::settings::SettingsFile;
use skladsync_engine::{Command as EngineCommand, EnvSecretStore, Event, Journal, Reply, Task};
use skladsync_warehouse::{BlankDatabase, Connection, SeedOptions, Warehouse};

fn skladsync(data: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_skladsync"));
    cmd.args(["--data-dir", &data.display().to_string()]);
    cmd
}

/// SIGTERM ends the process within 5 s, with exit code 0.
fn sigterm_ends_it_cleanly(child: &mut Child, stderr: &std::path::Path) {
    let asked = Instant::now();
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if asked.elapsed() > Duration::from_secs(5) {
            let _ = child.kill();
            panic!(
                "serve did not stop within 5 s:\n{}",
                std::fs::read_to_string(stderr).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let log = std::fs::read_to_string(stderr).unwrap_or_default();
    assert_eq!(status.code(), Some(0), "{log}");
}

fn attach(file: &SettingsFile, child: &mut Child) -> RemoteEngine {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(Claim::Running(remote)) = control::claim(file) {
            return remote;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("serve ended early: {status}");
        }
        assert!(Instant::now() < deadline, "serve never listened");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_runs_attaches_refuses_a_second_copy_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let db = dir.path().join("wh.db");
    let wh = Warehouse::create_blank(
        &Connection::Sqlite { path: db.clone() },
        &BlankDatabase::default(),
    )
    .await
    .unwrap();
    wh.seed(&SeedOptions {
        goods: 300,
        objects: 1,
        partners: 2,
        ..Default::default()
    })
    .await
    .unwrap();
    // A shop that takes 60 requests a minute: the export of 300 goods pushes a first burst and
    // then waits for the shop's next minute — long enough to be stopped in the middle, and the
    // stop must reach it while it waits.
    let sandbox = Sandbox::start(SandboxConfig {
        rate_limit_per_minute: Some(60),
        ..Default::default()
    })
    .await
    .unwrap();

    let settings_path = dir.path().join("settings.json");
    let file = SettingsFile::at(&settings_path);
    let mut server = skladsync_engine::Server::new(
        "shop1",
        "Магазин",
        sandbox.base_url(),
        Connection::Sqlite { path: db.clone() },
    );
    server.export.object = Some(wh.locations().await.unwrap()[0].id.into());
    // Nothing starts by itself: the client starts the export.
    server.export.enabled = false;
    server.import.enabled = false;
    let mut all = skladsync_engine::Settings::default();
    all.servers.push(server.clone());
    file.save(&all).unwrap();
    let key_var = EnvSecretStore::variable(&server.shop.api_key);

    let mut child = skladsync(&data)
        .args(["serve", "--settings", &settings_path.display().to_string()])
        .env(&key_var, sandbox.api_key())
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::File::create(dir.path().join("serve.err")).unwrap(),
        ))
        .spawn()
        .unwrap();
    let remote = attach(&file, &mut child);

    // A second serve on the same settings refuses at once, naming the running one.
    let second = skladsync(&data)
        .args(["serve", "--settings", &settings_path.display().to_string()])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(3), "{said}");
    assert!(said.contains(&remote.info().pid.to_string()), "{said}");

    let mut updates = Box::pin(remote.updates().await.unwrap());
    // The window's engine handle attaches to the same engine.
    let window = skladsync_engine::EngineHandle::attach(remote.clone(), Box::new(|| {}));
    assert!(window.is_attached());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !window.is_following() {
        assert!(
            Instant::now() < deadline,
            "the window never received the updates"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (seen, read_only) = window.settings();
    assert_eq!(read_only, None);
    assert_eq!(seen.servers[0].name, "Магазин");
    let reply = remote
        .execute(&EngineCommand::Start {
            server: "shop1".into(),
            task: Task::Export,
            dry_run: false,
            scheduled: false,
        })
        .await
        .unwrap();
    let Reply::Started { run, .. } = reply else {
        panic!("{reply:?}");
    };
    let mut progress = 0;
    while progress < 5 {
        let u = tokio::time::timeout(Duration::from_secs(60), updates.next())
            .await
            .expect("progress arrives")
            .expect("the engine goes on")
            .unwrap();
        if let skladsync_engine::Update::Run(e) = u {
            assert_eq!(e.server.as_str(), "shop1");
            assert_eq!(e.run, run);
            match e.event {
                Event::Progress { done, .. } if done > 0 => progress += 1,
                Event::Finished { .. } | Event::Failed { .. } => {
                    panic!("the export ended before it could be stopped: {:?}", e.event)
                }
                _ => {}
            }
        }
    }
    let st = remote.status().await.unwrap();
    assert_eq!(st.servers["shop1"].running, Some(Task::Export));
    // The window's handle sees the same run.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut saw_progress = false;
    loop {
        saw_progress |= window
            .drain_events()
            .iter()
            .any(|e| e.run == run && matches!(e.event, Event::Progress { .. }));
        if saw_progress && window.status().servers.get("shop1").and_then(|s| s.run) == Some(run) {
            break;
        }
        assert!(Instant::now() < deadline, "the window saw no progress");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Commands of the attached window are carried out in the order sent.
    for i in 1..=20 {
        window.send(EngineCommand::RenameServer {
            server: "shop1".into(),
            name: format!("Магазин {i}"),
        });
    }
    let mut replies = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while replies.len() < 20 {
        replies.extend(window.drain_replies());
        assert!(Instant::now() < deadline, "replies: {replies:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(replies.iter().all(|r| *r == Reply::Done), "{replies:?}");
    let Reply::Settings { settings: held } =
        remote.execute(&EngineCommand::Settings).await.unwrap()
    else {
        panic!("no settings");
    };
    assert_eq!(held.servers[0].name, "Магазин 20");

    // SIGTERM in the middle of the export.
    sigterm_ends_it_cleanly(&mut child, &dir.path().join("serve.err"));
    assert!(
        !control::info_path(&file).exists(),
        "the address file is gone"
    );
    assert!(matches!(control::claim(&file).unwrap(), Claim::Owner(_)));
    assert!(
        std::fs::read_dir(data.join("logs"))
            .unwrap()
            .filter_map(Result::ok)
            .any(|f| f.file_name().to_string_lossy().starts_with("skladsync")),
        "a daily log file is written"
    );

    // Nothing half-written: the run stopped before its end, and every good the journal records
    // as pushed is in the shop with the quantity and price recorded.
    let journal = Journal::open(&data.join("journal.db")).await.unwrap();
    let pushed = journal.pushed("shop1").await.unwrap();
    let variants = sandbox.state().variants();
    assert!(!pushed.is_empty(), "some goods were pushed before the stop");
    assert!(
        pushed.len() < 300,
        "the export was stopped before its end ({} pushed)",
        pushed.len()
    );
    for p in pushed.values() {
        let v = variants
            .iter()
            .find(|v| v.id.to_string() == p.variant_id)
            .unwrap_or_else(|| panic!("good {} is recorded but not in the shop", p.good_id));
        if let Some(q) = p.quantity {
            assert_eq!(
                v.quantity.map(|x| x.to_string()),
                Some(q.normalize().to_string()),
                "good {}",
                p.good_id
            );
        }
    }
    let history = journal.runs("shop1", 5).await.unwrap();
    assert_eq!(history.len(), 1, "the stopped run is in the history");
    assert!(!history[0].ok);
    sandbox.shutdown().await;
}

/// Every `.desktop` file under a folder.
fn desktop_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "desktop") {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn start_with_the_computer_registers_serve_at_login() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let settings = dir.path().join("my settings.json");
    let run = |args: &[&str]| {
        let out = skladsync(&dir.path().join("data"))
            .arg("autostart")
            .args(args)
            .args(["--settings", &settings.display().to_string()])
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(run(&[]).contains("does not start"));
    assert!(run(&["on"]).contains("starts with the computer"));
    let files = desktop_files(&home);
    assert_eq!(files.len(), 1, "{files:?}");
    let entry = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        entry.contains(&format!("serve --settings \"{}\"", settings.display())),
        "the settings path with a space is one argument: {entry}"
    );
    assert!(run(&["off"]).contains("does not start"));
    assert!(desktop_files(&home).is_empty());
}

/// `skladsync serve --demo` as a process: a client attaches, slows the demo's shop to 60
/// requests a minute, starts an export of every good whose quantity moved, sees its progress,
/// and SIGTERM ends the process within 5 s with the stopped run in the history and the journal
/// holding, for each good, either what it had or its new quantity — never anything between.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_the_demo_stops_cleanly_on_sigterm_mid_export() {
    use sqlx::Connection as _;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut child = skladsync(&data)
        .args(["serve", "--demo"])
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::File::create(dir.path().join("serve.err")).unwrap(),
        ))
        .spawn()
        .unwrap();
    let file = SettingsFile::at(data.join("demo").join("settings.json"));
    let remote = attach(&file, &mut child);
    // A second serve on the demo's settings refuses at once, naming the running one.
    let second = skladsync(&data)
        .args(["serve", "--settings", &file.path().display().to_string()])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(3), "{said}");
    assert!(said.contains(&remote.info().pid.to_string()), "{said}");
    // The window's engine handle attaches to the same engine.
    let window = skladsync_engine::EngineHandle::attach(remote.clone(), Box::new(|| {}));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !window.is_following() {
        assert!(
            Instant::now() < deadline,
            "the window never received the updates"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let Reply::Settings { settings } = remote.execute(&EngineCommand::Settings).await.unwrap()
    else {
        panic!("no settings");
    };
    let demo = &settings.servers[0];
    assert_eq!(demo.id, skladsync::demo::DEMO_SERVER_ID);

    // What the demo's first export left in the journal, then every quantity moves by one.
    let journal = Journal::open(&data.join("journal.db")).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while remote.status().await.unwrap().servers[demo.id.as_str()]
        .running
        .is_some()
    {
        assert!(
            Instant::now() < deadline,
            "the demo's first runs never ended"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let before = journal.pushed(&demo.id).await.unwrap();
    assert!(before.len() > 100, "{}", before.len());
    let db = data.join("demo").join("demo-warehouse.db");
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    sqlx::query("UPDATE store SET Qtty = Qtty + 1")
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
    // The demo's shop takes 60 requests a minute from now on.
    let admin = format!("{}/__sandbox/rate-limit", demo.shop.base_url);
    let r = reqwest::Client::new()
        .put(&admin)
        .json(&serde_json::json!({ "per_minute": 60 }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());

    let mut updates = Box::pin(remote.updates().await.unwrap());
    // The demo's enabled tasks run once at the start: the export is started when they are done.
    let deadline = Instant::now() + Duration::from_secs(60);
    let run = loop {
        assert!(Instant::now() < deadline, "the demo never became idle");
        let reply = remote
            .execute(&EngineCommand::Start {
                server: demo.id.as_str().into(),
                task: Task::Export,
                dry_run: false,
                scheduled: false,
            })
            .await
            .unwrap();
        match reply {
            Reply::Started { run, .. } => break run,
            Reply::Refused {
                refusal: skladsync_engine::Refusal::AlreadyRunning { .. },
            } => tokio::time::sleep(Duration::from_millis(100)).await,
            other => panic!("{other:?}"),
        }
    };
    let mut progress = 0;
    while progress < 5 {
        let u = tokio::time::timeout(Duration::from_secs(60), updates.next())
            .await
            .expect("progress arrives")
            .expect("the engine goes on")
            .unwrap();
        if let skladsync_engine::Update::Run(e) = u {
            assert_eq!(e.run, run);
            match e.event {
                Event::Progress { done, .. } if done > 0 => progress += 1,
                Event::Finished { .. } | Event::Failed { .. } => {
                    panic!("the export ended before it could be stopped: {:?}", e.event)
                }
                _ => {}
            }
        }
    }

    // The window's handle sees the same run's progress.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !window
        .drain_events()
        .iter()
        .any(|e| e.run == run && matches!(e.event, Event::Progress { .. }))
    {
        assert!(Instant::now() < deadline, "the window saw no progress");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sigterm_ends_it_cleanly(&mut child, &dir.path().join("serve.err"));

    // The run stopped between goods: some were pushed with their new quantity, the others
    // still hold what they had; none holds anything else.
    let after = journal.pushed(&demo.id).await.unwrap();
    assert_eq!(after.len(), before.len());
    let moved = after
        .values()
        .filter(|p| p.quantity != before[&p.good_id].quantity)
        .count();
    assert!(moved > 0, "some goods were pushed before the stop");
    assert!(
        moved < before.len(),
        "the export was stopped before its end"
    );
    for p in after.values() {
        let old = before[&p.good_id].quantity;
        // One more in each store row the good has (the demo has four objects).
        let moved_whole = |n: rust_decimal::Decimal, o: rust_decimal::Decimal| {
            n > o && (n - o).fract().is_zero() && n - o <= rust_decimal::Decimal::from(4)
        };
        assert!(
            p.quantity == old || p.quantity.zip(old).is_some_and(|(n, o)| moved_whole(n, o)),
            "good {}: {:?} → {:?}",
            p.good_id,
            old,
            p.quantity
        );
    }
    let history = journal.runs(&demo.id, 5).await.unwrap();
    assert_eq!(history[0].task, Some(Task::Export));
    assert_eq!(
        history[0].failure,
        Some(skladsync_engine::report::Failure::Stopped)
    );
}
