//! The command line and the files and settings it must not spoil: the real `skladsync` binary
//! against a seeded SQLite Склад Pro database and the sandbox shop over HTTP.

use calamine::{Data, Reader, Xlsx, open_workbook};
use cloudcart_sandbox::{Sandbox, SandboxConfig};
#[path = "support/cli.rs"]
mod cli_support;
use cli_support::skladsync;
use skladsync_warehouse::{BlankDatabase, Connection, SeedOptions, Warehouse};

#[test]
fn a_damaged_or_newer_settings_file_stops_the_command_line_and_stays_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("settings.json");
    let s = settings.display().to_string();
    for (text, says) in [
        ("{\"servers\": [", "damaged"),
        (r#"{"schema_version": 9, "servers": []}"#, "newer"),
    ] {
        std::fs::write(&settings, text).unwrap();
        let (code, _, err) = skladsync(dir.path(), &["servers", "--settings", &s], &[]);
        assert_ne!(code, 0);
        assert!(err.contains(says), "{err}");
        let (code, _, err) = skladsync(
            dir.path(),
            &[
                "server",
                "add",
                "--settings",
                &s,
                "--name",
                "Нов",
                "--shop-url",
                "https://shop.cloudcart.net",
                "--sqlite",
                "x.db",
            ],
            &[],
        );
        assert_ne!(code, 0);
        assert!(err.contains(says), "{err}");
        assert_eq!(std::fs::read_to_string(&settings).unwrap(), text);
    }
}

#[test]
fn a_password_typed_into_the_connection_is_not_saved() {
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("settings.json");
    let s = settings.display().to_string();
    let (code, id, err) = skladsync(
        dir.path(),
        &[
            "server",
            "add",
            "--settings",
            &s,
            "--name",
            "MySQL",
            "--shop-url",
            "https://shop.cloudcart.net",
            "--mysql",
            "mysql://root:Tajna%3B123@db.local:3306/warehouse",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&settings).unwrap();
    assert!(!text.contains("Tajna"), "{text}");
    assert!(
        text.contains("mysql://root:{password}@db.local:3306/warehouse"),
        "{text}"
    );
    assert!(text.contains("db-password"), "{text}");
    let var = format!(
        "SKLADSYNC_SECRET_SERVER_{}_DB_PASSWORD",
        id.trim().to_uppercase()
    );
    assert!(err.contains(&var), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_writes_the_table_as_xlsx_and_a_run_its_problems() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("wh.db");
    let wh = Warehouse::create_blank(
        &Connection::Sqlite { path: db.clone() },
        &BlankDatabase::default(),
    )
    .await
    .unwrap();
    wh.seed(&SeedOptions {
        goods: 8,
        objects: 1,
        partners: 1,
        ..Default::default()
    })
    .await
    .unwrap();
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let settings = dir.path().join("settings.json");
    let s = settings.display().to_string();
    let (code, id, err) = skladsync(
        dir.path(),
        &[
            "server",
            "add",
            "--settings",
            &s,
            "--name",
            "Файлове",
            "--shop-url",
            &sandbox.base_url(),
            "--sqlite",
            &db.display().to_string(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let var = format!(
        "SKLADSYNC_SECRET_SERVER_{}_API_KEY",
        id.trim().to_uppercase()
    );
    let env = [(var, sandbox.api_key().to_owned())];
    let mut text: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    text["servers"][0]["export"]["object"] = serde_json::json!(wh.locations().await.unwrap()[0].id);
    std::fs::write(&settings, text.to_string()).unwrap();

    // `--xlsx` (an alias of `--out`) writes the correspondence table as a workbook.
    let xlsx = dir.path().join("таблица.xlsx");
    let (code, out, err) = skladsync(
        dir.path(),
        &[
            "run",
            "check",
            "--server",
            "Файлове",
            "--settings",
            &s,
            "--xlsx",
            &xlsx.display().to_string(),
        ],
        &env,
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let mut book: Xlsx<_> = open_workbook(&xlsx).unwrap();
    let range = book.worksheet_range("Съответствие").unwrap();
    let rows: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
    assert_eq!(rows[0][0], Data::String("Статус".into()));
    let goods = wh
        .goods(&[], skladsync_warehouse::PriceGroup::RETAIL)
        .await
        .unwrap()
        .goods;
    assert!(rows.len() > goods.len(), "{} rows", rows.len());
    assert!(
        goods
            .iter()
            .all(|g| rows.iter().any(|r| r[4] == Data::String(g.name.clone())))
    );

    // The wrong extension is refused before anything runs.
    sandbox.state().clear_request_log();
    let (code, _, err) = skladsync(
        dir.path(),
        &[
            "run",
            "export",
            "--server",
            "Файлове",
            "--settings",
            &s,
            "--out",
            "x.txt",
        ],
        &env,
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(".csv or .xlsx"), "{err}");
    assert!(sandbox.state().request_log().is_empty());

    // A dry-run export writes its problems (none here: just the header) as CSV with `;`.
    let csv = dir.path().join("problems.csv");
    let (code, out, err) = skladsync(
        dir.path(),
        &[
            "run",
            "export",
            "--server",
            "Файлове",
            "--settings",
            &s,
            "--dry-run",
            "--csv",
            &csv.display().to_string(),
        ],
        &env,
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let bytes = std::fs::read(&csv).unwrap();
    assert_eq!(
        bytes,
        "\u{feff}Обект;Проблем;Какво да се направи\r\n".as_bytes()
    );
    // In English when asked (`--lang en` or SKLADSYNC_LANG=en).
    let (code, out, err) = skladsync(
        dir.path(),
        &[
            "run",
            "export",
            "--server",
            "Файлове",
            "--settings",
            &s,
            "--dry-run",
            "--lang",
            "en",
            "--csv",
            &csv.display().to_string(),
        ],
        &env,
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.starts_with("✔ created "), "{out}");
    let bytes = std::fs::read(&csv).unwrap();
    assert_eq!(bytes, "\u{feff}Item;Problem;What to do\r\n".as_bytes());

    // The history of those runs, as an Excel file in English.
    let xlsx = dir.path().join("history.xlsx");
    let (code, out, err) = skladsync(
        dir.path(),
        &[
            "history",
            "--server",
            "Файлове",
            "--settings",
            &s,
            "--lang",
            "en",
            "--out",
            &xlsx.display().to_string(),
        ],
        &env,
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let mut book: Xlsx<_> = open_workbook(&xlsx).unwrap();
    let rows: Vec<Vec<Data>> = book
        .worksheet_range("History")
        .unwrap()
        .rows()
        .map(<[Data]>::to_vec)
        .collect();
    assert_eq!(rows[0][0], Data::String("Started".into()));
    assert!(rows.len() >= 3, "{rows:?}");
    assert_eq!(rows[1][2], Data::String("Export from Warehouse Pro".into()));
    assert_eq!(rows[1][3], Data::String("dry run".into()));
    assert!(matches!(rows[1][5], Data::Float(_)), "counts are numbers");
    sandbox.shutdown().await;
}
