//! `skladsync server show|set`: every setting by its key, saved through the engine (the running
//! service's when there is one) and checked against the live Склад Pro database.

use std::process::Command;

use skladsync_engine::settings::SettingsFile;
use skladsync_warehouse::{BlankDatabase, Connection, SeedOptions, Warehouse};

fn skladsync(data: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_skladsync"))
        .args(["--data-dir", &data.display().to_string()])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_is_set_up_from_the_command_line_and_checked_against_the_database() {
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
        goods: 5,
        objects: 2,
        partners: 1,
        ..Default::default()
    })
    .await
    .unwrap();
    let object = wh.locations().await.unwrap()[1].id;
    let settings = dir.path().join("settings.json");
    let s = settings.display().to_string();
    let (code, _, err) = skladsync(
        &data,
        &[
            "server",
            "add",
            "--settings",
            &s,
            "--name",
            "Магазин",
            "--shop-url",
            "https://shop.example",
            "--sqlite",
            &db.display().to_string(),
        ],
    );
    assert_eq!(code, 0, "{err}");

    // Every setting is listed by its key.
    let (code, shown, err) = skladsync(&data, &["server", "show", "Магазин", "--settings", &s]);
    assert_eq!(code, 0, "{err}");
    for key in [
        "name = ",
        "shop.base_url = ",
        "export.object = null",
        "import.start.mode = ",
        "import.sale_statuses = ",
        "compare_by = ",
    ] {
        assert!(shown.contains(key), "{key} missing in:\n{shown}");
    }

    // An object that is not in the database: saved, and the problem named (exit code 2).
    let (code, out, err) = skladsync(
        &data,
        &[
            "server",
            "set",
            "Магазин",
            "export.object",
            "9999",
            "--settings",
            &s,
        ],
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains("Обект за операции"), "{out}");
    let file = SettingsFile::at(&settings);
    assert_eq!(
        file.load().unwrap().servers[0].export.object,
        Some(skladsync_engine::ObjectId(9999))
    );

    // A real object: ready (exit code 0).
    let (code, out, err) = skladsync(
        &data,
        &[
            "server",
            "set",
            "Магазин",
            "export.object",
            &object.to_string(),
            "--settings",
            &s,
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        file.load().unwrap().servers[0].export.object,
        Some(object.into())
    );

    // A value of the wrong kind and an unknown key change nothing (exit code 1).
    let before = std::fs::read_to_string(&settings).unwrap();
    let (code, _, err) = skladsync(
        &data,
        &[
            "server",
            "set",
            "Магазин",
            "export.object",
            "склад",
            "--settings",
            &s,
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("export.object"), "{err}");
    let (code, _, err) = skladsync(
        &data,
        &[
            "server",
            "set",
            "Магазин",
            "export.objekt",
            "1",
            "--settings",
            &s,
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("no setting"), "{err}");
    assert_eq!(std::fs::read_to_string(&settings).unwrap(), before);

    // The webhook settings are checked on their own; activation needs the public address.
    let set = |key: &str, value: &str| {
        skladsync(
            &data,
            &["server", "set", "Магазин", key, value, "--settings", &s],
        )
    };
    let (code, out, err) = set("import.webhooks.bind", "0.0.0.0");
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        out.contains("Импорт от CloudCart › Адрес за слушане")
            && out.contains("„0.0.0.0“ не е адрес за слушане"),
        "{out}"
    );
    let (code, out, err) = set("import.webhooks.public_url", "ftp://sklad.example.bg");
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains("не е адрес, започващ с https://"), "{out}");
    assert_eq!(set("import.webhooks.public_url", "null").0, 2);
    let (code, out, err) = skladsync(
        &data,
        &[
            "webhooks",
            "--server",
            "Магазин",
            "--activate",
            "--settings",
            &s,
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("Публичен адрес, който магазинът вика: задължително е"),
        "{out}"
    );
    assert_eq!(set("import.webhooks.bind", "null").0, 2);
    let saved = &file.load().unwrap().servers[0].import.webhooks;
    assert_eq!(
        (saved.bind.as_deref(), saved.public_url.as_deref()),
        (None, None)
    );

    // While `serve` runs, the change goes through its engine: the service knows it at once.
    let mut child = Command::new(env!("CARGO_BIN_EXE_skladsync"))
        .args(["--data-dir", &data.display().to_string()])
        .args(["serve", "--settings", &s])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let remote = loop {
        if let Ok(skladsync_engine::control::Claim::Running(r)) =
            skladsync_engine::control::claim(&file)
        {
            break r;
        }
        assert!(child.try_wait().unwrap().is_none(), "serve ended early");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let (code, out, err) = skladsync(
        &data,
        &[
            "server",
            "set",
            "Магазин",
            "name",
            "Магазин 2",
            "--settings",
            &s,
        ],
    );
    // A change outside the task groups checks both: the import has no object yet.
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains("Импорт от CloudCart"), "{out}");
    let reply = remote
        .execute(&skladsync_engine::Command::Settings)
        .await
        .unwrap();
    let skladsync_engine::Reply::Settings { settings: held } = reply else {
        panic!("{reply:?}");
    };
    assert_eq!(held.servers[0].name, "Магазин 2");
    assert_eq!(file.load().unwrap().servers[0].name, "Магазин 2");
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}
