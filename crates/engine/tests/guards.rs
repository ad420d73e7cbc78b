//! Issue 11, points 4–6, end to end: Stop ends a run that waits for the shop within a second;
//! settings never hold a typed password and a damaged file is never overwritten; a password
//! with URL-special characters reaches MariaDB intact; Cyrillic goods-group codes export; the
//! journal opens in any folder; the first import cannot reach back forever. A Склад Pro
//! database (SQLite, MariaDB) and the sandbox shop over real HTTP.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cloudcart_sandbox::{Fault, Sandbox, SandboxConfig};
use skladsync_engine::settings::{SecretRef, Server, SettingsFile};
use skladsync_engine::*;
use skladsync_warehouse::*;

struct Fixture {
    dir: tempfile::TempDir,
    db: std::path::PathBuf,
    wh: Warehouse,
    sandbox: Sandbox,
    server: Server,
    file: SettingsFile,
    secrets: Arc<MemorySecretStore>,
}

async fn fixture(goods: usize) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("wh.db");
    let connection = Connection::Sqlite { path: db.clone() };
    let wh = Warehouse::create_blank(&connection, &BlankDatabase::default())
        .await
        .unwrap();
    wh.seed(&SeedOptions {
        goods,
        objects: 2,
        partners: 2,
        ..Default::default()
    })
    .await
    .unwrap();
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let mut server = Server::new("g1", "Тест", sandbox.base_url(), connection);
    let objects = wh.locations().await.unwrap();
    server.export.object = Some(objects[0].id.into());
    server.import.object = Some(objects[0].id.into());
    let secrets = Arc::new(MemorySecretStore::default());
    secrets
        .set(&server.shop.api_key, sandbox.api_key())
        .unwrap();
    let file = SettingsFile::at(dir.path().join("settings.json"));
    file.save(&Settings {
        servers: vec![server.clone()],
        ..Default::default()
    })
    .unwrap();
    Fixture {
        dir,
        db,
        wh,
        sandbox,
        server,
        file,
        secrets,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_ends_a_run_waiting_out_a_long_retry_after_within_a_second() {
    let f = fixture(5).await;
    let journal = Journal::open(&f.dir.path().join("journal.db"))
        .await
        .unwrap();
    // The shop asks for an hour's pause (cut to five minutes) on every request.
    f.sandbox
        .state()
        .set_fault(Fault::TooManyRequestsRetryAfter {
            retry_after_secs: 3600,
            times: 100,
        });
    let secrets: Arc<dyn SecretStore> = f.secrets.clone();
    let handle = EngineHandle::new(Engine::new(EngineConfig {
        settings: f.file.clone(),
        run_task: default_task_runner(secrets.clone(), journal.clone()),
        secrets,
        journal: Some(journal.clone()),
        waker: Box::new(|| {}),
    }));
    handle.send(Command::Start {
        server: f.server.id.as_str().into(),
        task: Task::Export,
        dry_run: false,
        scheduled: false,
    });
    // Wait until the run is waiting on the 429.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !f
        .sandbox
        .state()
        .request_log()
        .iter()
        .any(|r| r.status == 429)
    {
        assert!(Instant::now() < deadline, "no request reached the shop");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stopped_at = Instant::now();
    handle.send(Command::Stop {
        server: f.server.id.as_str().into(),
    });
    let mut events = Vec::new();
    let message = loop {
        events.extend(handle.drain_events().into_iter().map(|e| e.event));
        if let Some(m) = events.iter().find_map(|e| match e {
            Event::Failed { failure, .. } => Some(failure.clone()),
            _ => None,
        }) {
            break m;
        }
        assert!(
            stopped_at.elapsed() < Duration::from_secs(5),
            "the run did not end: {events:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let took = stopped_at.elapsed();
    assert!(took < Duration::from_secs(1), "Stop took {took:?}");
    assert_eq!(message, skladsync_engine::report::Failure::Stopped);
    assert!(
        !events.iter().any(|e| matches!(e, Event::Finished { .. })),
        "{events:?}"
    );
    // Nothing was written to the shop.
    assert!(
        f.sandbox
            .state()
            .request_log()
            .iter()
            .all(|r| r.method == "GET"),
    );
}

#[tokio::test]
async fn a_typed_password_goes_to_the_secret_store_never_to_the_settings_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = SettingsFile::at(dir.path().join("settings.json"));
    let secrets = MemorySecretStore::default();
    let mut server = Server::new(
        "p1",
        "Магазин",
        "https://shop.cloudcart.net",
        Connection::MsSql {
            connection_string: "server=tcp:db,1433;user=sa;Password={se;cr}}et};database=W".into(),
        },
    );
    let all = |s: &Server| Settings {
        servers: vec![s.clone()],
        ..Default::default()
    };
    // Saved as typed: refused, nothing written.
    let e = file.save(&all(&server)).unwrap_err();
    assert!(
        matches!(e, SettingsError::PasswordInConnection { ref server } if server == "Магазин"),
        "{e}"
    );
    assert!(!file.path().exists());
    // Moved first: saved, and the file does not hold it.
    assert!(move_typed_password(&mut server, &secrets).unwrap());
    assert_eq!(
        server.warehouse.password,
        Some(SecretRef("server/p1/db-password".into()))
    );
    assert_eq!(
        secrets
            .get(&SecretRef("server/p1/db-password".into()))
            .unwrap(),
        "se;cr}et"
    );
    file.save(&all(&server)).unwrap();
    let text = std::fs::read_to_string(file.path()).unwrap();
    assert!(!text.contains("se;cr") && !text.contains("cr}"), "{text}");
    assert!(text.contains("Password={password}"), "{text}");
    // At run time it is spliced back, quoted for an ADO.NET string.
    assert_eq!(
        warehouse_connection(&server, &secrets).unwrap(),
        Connection::MsSql {
            connection_string: "server=tcp:db,1433;user=sa;Password=\"se;cr}et\";database=W".into()
        }
    );
}

#[tokio::test]
async fn a_damaged_or_newer_settings_file_is_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let file = SettingsFile::at(dir.path().join("settings.json"));
    let server = Server::new(
        "a",
        "A",
        "https://shop.cloudcart.net",
        Connection::Sqlite {
            path: "x.db".into(),
        },
    );
    let settings = Settings {
        servers: vec![server],
        ..Default::default()
    };
    for text in [
        r#"{"schema_version": 7, "servers": []}"#,
        "{\"servers\": [",
        "",
    ] {
        std::fs::write(file.path(), text).unwrap();
        let loaded = file.load().unwrap_err();
        assert!(loaded.is_unusable_file(), "{loaded}");
        let saved = file.save(&settings).unwrap_err();
        assert!(matches!(saved, SettingsError::NotOverwritten(_)), "{saved}");
        assert!(saved.to_string().contains("Nothing is saved"), "{saved}");
        assert_eq!(std::fs::read_to_string(file.path()).unwrap(), text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cyrillic_goods_group_codes_export_as_nested_categories() {
    use sqlx::Connection as _;
    let f = fixture(12).await;
    // Every Latin capital of the group codes becomes a Cyrillic one (2 bytes in UTF-8).
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", f.db.display()))
        .await
        .unwrap();
    let groups: Vec<(i64, String)> = sqlx::query_as("SELECT ID, Code FROM goodsgroups")
        .fetch_all(&mut c)
        .await
        .unwrap();
    for (id, code) in &groups {
        let cyr: String = code
            .chars()
            .map(|ch| match ch {
                'A'..='Z' => char::from_u32(u32::from('А') + (ch as u32 - 'A' as u32)).unwrap(),
                other => other,
            })
            .collect();
        sqlx::query("UPDATE goodsgroups SET Code = ? WHERE ID = ?")
            .bind(cyr)
            .bind(id)
            .execute(&mut c)
            .await
            .unwrap();
    }
    c.close().await.unwrap();
    let wh_groups = f.wh.goods_groups().await.unwrap();
    assert!(
        wh_groups
            .iter()
            .any(|g| g.code.chars().count() == 6 && !g.code.is_ascii())
    );

    let journal = Journal::open(&f.dir.path().join("journal.db"))
        .await
        .unwrap();
    let shop = shop_client(&f.server, &*f.secrets).unwrap();
    let summary = export::run_export(
        &f.wh,
        &shop,
        &journal,
        &f.server,
        &Reporter::silent(Task::Export),
        false,
    )
    .await
    .unwrap();
    assert!(summary.created > 0, "{summary:?}");
    // A sub-group's category sits under its parent group's category.
    let cats = f.sandbox.state().categories();
    let child = wh_groups
        .iter()
        .find(|g| g.code.chars().count() == 6)
        .unwrap();
    let parent = wh_groups
        .iter()
        .find(|g| Some(g.code.as_str()) == child.parent_code())
        .unwrap();
    if let Some(shop_child) = cats.iter().find(|c| c.name == child.name) {
        let shop_parent = cats.iter().find(|c| c.name == parent.name).unwrap();
        assert_eq!(shop_child.parent_id, Some(shop_parent.id));
    }
    assert!(
        cats.iter().any(|c| c.parent_id.is_some()
            && cats
                .iter()
                .any(|p| Some(p.id) == c.parent_id && p.parent_id.is_none())),
        "{cats:?}"
    );
}

#[tokio::test]
async fn the_journal_opens_in_a_folder_named_with_url_characters() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a?b", "50%20off", "#1", "x%3Fy#z?w=1"] {
        let path = dir.path().join(name).join("journal.db");
        let journal = Journal::open(&path).await.unwrap();
        journal
            .record_run(
                "s",
                Task::Export,
                chrono::Utc::now(),
                &Ok(RunSummary::default()),
            )
            .await
            .unwrap();
        assert!(path.exists(), "{}", path.display());
        assert_eq!(journal.runs("s", 5).await.unwrap().len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_import_reaching_back_forever_is_refused_not_a_panic() {
    let f = fixture(3).await;
    let mut server = f.server.clone();
    server.import.first_run_days = u32::MAX;
    let journal = Journal::open(&f.dir.path().join("journal.db"))
        .await
        .unwrap();
    let e = run_task(
        &server,
        Task::OrderImport,
        false,
        &Reporter::silent(Task::OrderImport),
        &*f.secrets,
        &journal,
        &f.file,
    )
    .await
    .unwrap_err();
    let too_many = skladsync_engine::report::SettingProblem {
        field: skladsync_engine::report::SettingField::ImportFirstRunDays,
        issue: skladsync_engine::report::SettingIssue::TooManyDays {
            days: u32::MAX,
            max: 366,
        },
    };
    assert!(
        matches!(&e, EngineError::InvalidSettings(p) if p.contains(&too_many)),
        "{e:?}"
    );
    assert!(f.sandbox.state().request_log().is_empty());
}

async fn fresh_mysql(name: &str) -> (String, String) {
    use sqlx::Connection as _;
    let url = std::env::var("SKLADSYNC_TEST_MYSQL_URL").expect("SKLADSYNC_TEST_MYSQL_URL");
    let server = match url.rfind('/') {
        Some(i) if i > "mysql://".len() => url[..i].to_owned(),
        _ => url,
    };
    let db = format!("skladsync_guards_{name}_{}", std::process::id());
    let mut c = sqlx::MySqlConnection::connect(&server).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS `{db}`; CREATE DATABASE `{db}` CHARACTER SET utf8mb4"
    )))
    .execute(&mut c)
    .await
    .unwrap();
    (server, db)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(skladsync_mysql), ignore = "SKLADSYNC_TEST_MYSQL_URL is not set")]
async fn a_password_with_url_characters_reaches_mariadb_intact() {
    use sqlx::Connection as _;
    let (admin, db) = fresh_mysql("pw").await;
    Warehouse::create_blank(
        &Connection::MySql {
            url: format!("{admin}/{db}"),
        },
        &BlankDatabase::default(),
    )
    .await
    .unwrap();
    let user = format!("skg{}", std::process::id());
    let password = "p@ss:w/rd%?#{}";
    let mut c = sqlx::MySqlConnection::connect(&admin).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP USER IF EXISTS '{user}'@'%'; CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'; \
         GRANT ALL ON `{db}`.* TO '{user}'@'%'"
    )))
    .execute(&mut c)
    .await
    .unwrap();
    let host = admin.rsplit('@').next().unwrap();
    // The user types the password into the URL; it is moved out and spliced back at run time.
    let mut server = Server::new(
        "m",
        "M",
        "https://shop.cloudcart.net",
        Connection::MySql {
            url: format!("mysql://{user}:p%40ss%3Aw%2Frd%25%3F%23%7B%7D@{host}/{db}"),
        },
    );
    let secrets = MemorySecretStore::default();
    assert!(move_typed_password(&mut server, &secrets).unwrap());
    assert_eq!(
        server.warehouse.connection,
        Connection::MySql {
            url: format!("mysql://{user}:{{password}}@{host}/{db}")
        }
    );
    assert_eq!(
        secrets
            .get(server.warehouse.password.as_ref().unwrap())
            .unwrap(),
        password
    );
    let wh = open_warehouse(&server, &secrets).await.unwrap();
    wh.locations().await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP USER IF EXISTS '{user}'@'%'; DROP DATABASE `{db}`"
    )))
    .execute(&mut c)
    .await
    .unwrap();
}
