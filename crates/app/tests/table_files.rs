//! Files accountants open: the correspondence table of a real check (a Склад Pro SQLite database
//! and the sandbox shop over HTTP) and the problems of a run, written as CSV and as .xlsx and
//! read back cell by cell — CSV with the csv crate as Excel set to Bulgarian reads it (`;`,
//! decimal comma, BOM), .xlsx with calamine.

use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use cloudcart_sandbox::{Sandbox, SandboxConfig};
use rust_decimal::Decimal;
use skladsync::tables;
use skladsync::texts::Lang;
use skladsync_engine::correspondence::{CorrespondenceRow, check};
use skladsync_engine::report::{ExportProblem, Item, Money};
use skladsync_engine::settings::Server;
use skladsync_engine::table_file::{TableFileError, write_table};
use skladsync_engine::*;
use skladsync_warehouse::*;

const FORMULAS: [&str; 4] = [
    "=HYPERLINK(\"http://evil.example\";\"Цена\")",
    "+359 888 123",
    "-2+3",
    "@SUM(A1:A9)",
];

/// Goods whose names start like formulas, checked against an empty shop.
async fn checked_rows(dir: &Path) -> Vec<CorrespondenceRow> {
    use sqlx::Connection as _;
    let db = dir.join("wh.db");
    let connection = Connection::Sqlite { path: db.clone() };
    let wh = Warehouse::create_blank(&connection, &BlankDatabase::default())
        .await
        .unwrap();
    wh.seed(&SeedOptions {
        goods: 6,
        objects: 1,
        partners: 1,
        ..Default::default()
    })
    .await
    .unwrap();
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let goods = wh.goods(&[], PriceGroup::RETAIL).await.unwrap().goods;
    for (good, name) in goods.iter().zip(FORMULAS) {
        let id = good.id;
        sqlx::query("UPDATE goods SET Name = ? WHERE ID = ?")
            .bind(name)
            .bind(id)
            .execute(&mut c)
            .await
            .unwrap();
    }
    c.close().await.unwrap();
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let mut server = Server::new("f1", "Файлове", sandbox.base_url(), connection);
    server.export.object = Some(wh.locations().await.unwrap()[0].id.into());
    let secrets = MemorySecretStore::default();
    secrets
        .set(&server.shop.api_key, sandbox.api_key())
        .unwrap();
    let shop = shop_client(&server, &secrets).unwrap();
    let rows = check(&wh, &shop, &server, &Reporter::silent(Task::Correspondence))
        .await
        .unwrap();
    sandbox.shutdown().await;
    rows
}

fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).unwrap();
    let body = bytes
        .strip_prefix("\u{feff}".as_bytes())
        .expect("a UTF-8 byte-order mark for Excel");
    assert!(body.windows(2).any(|w| w == b"\r\n"), "CRLF line ends");
    csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .from_reader(body)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn read_xlsx(path: &Path, sheet: &str) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = open_workbook(path).unwrap();
    let range = book.worksheet_range(sheet).unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_correspondence_table_opens_in_columns_as_csv_and_as_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    let rows = checked_rows(dir.path()).await;
    assert!(rows.len() >= 6, "{}", rows.len());
    let t = tables::correspondence(Lang::Bg, &rows);

    // CSV: `;`-separated columns, the header, formulas shown as text, decimal commas.
    let csv_path = dir.path().join("съответствие.csv");
    write_table(&t, &csv_path).unwrap();
    let records = read_csv(&csv_path);
    assert_eq!(records.len(), rows.len() + 1);
    assert_eq!(records[0][0], "Статус");
    assert_eq!(records[0][4], "Име");
    assert_eq!(records[0][9], "Цена Склад Pro");
    assert!(records.iter().all(|r| r.len() == 13));
    for f in FORMULAS {
        let r = records
            .iter()
            .find(|r| r[4].ends_with(f))
            .unwrap_or_else(|| panic!("no row for {f}"));
        assert_eq!(r[4], format!("'{f}"), "neutralised");
    }
    assert!(
        rows.iter()
            .any(|r| r.warehouse_price.is_some_and(|p| !p.fract().is_zero()))
    );
    for (row, record) in rows.iter().zip(&records[1..]) {
        assert_eq!(
            record[2],
            row.good_id.map(|i| i.to_string()).unwrap_or_default()
        );
        let price = row
            .warehouse_price
            .map(|p| p.normalize().to_string().replace('.', ","));
        assert_eq!(record[9], price.unwrap_or_default());
        assert!(!record[9].contains('.'), "{}", record[9]);
    }

    // .xlsx: one sheet, text as text (never a formula), numbers as numbers.
    let xlsx_path = dir.path().join("съответствие.xlsx");
    write_table(&t, &xlsx_path).unwrap();
    let cells = read_xlsx(&xlsx_path, "Съответствие");
    assert_eq!(cells.len(), rows.len() + 1);
    assert_eq!(cells[0][0], Data::String("Статус".into()));
    for f in FORMULAS {
        assert!(
            cells.iter().any(|r| r[4] == Data::String(f.into())),
            "{f} as plain text"
        );
    }
    for (row, cell_row) in rows.iter().zip(&cells[1..]) {
        assert_eq!(
            cell_row[2],
            Data::Float(row.good_id.unwrap() as f64),
            "the good's id is a number"
        );
        match (&cell_row[9], row.warehouse_price) {
            (Data::Float(v), Some(price)) => {
                assert_eq!(
                    Decimal::try_from(*v).unwrap().normalize(),
                    price.normalize()
                )
            }
            (Data::Empty, None) => {}
            other => panic!("price cell {other:?}"),
        }
        assert_eq!(cell_row[1], Data::String(row.key.clone()));
    }

    // Any other extension is refused, and nothing is written.
    let e = write_table(&t, &dir.path().join("x.xls")).unwrap_err();
    assert!(matches!(e, TableFileError::UnknownFormat(_)), "{e}");
    assert!(!dir.path().join("x.xls").exists());
}

#[test]
fn the_problems_of_a_run_open_as_csv_and_as_xlsx_in_the_chosen_language() {
    let dir = tempfile::tempdir().unwrap();
    let problems = vec![
        ItemProblem::new(
            Item::Good {
                id: 7,
                name: "=1+1".into(),
                key: Some("3800000000017".into()),
            },
            ExportProblem::NoPrice {
                price: Money::bgn(Decimal::new(-150, 2)),
                shop_price: Decimal::new(-150, 2),
            },
        ),
        ItemProblem::new(
            Item::NewGood {
                name: "=cmd|' /C calc'!A0".into(),
            },
            ExportProblem::VariantDeletedInShop,
        ),
    ];
    let t = tables::problems(Lang::Bg, &problems);
    let csv_path = dir.path().join("p.csv");
    write_table(&t, &csv_path).unwrap();
    let records = read_csv(&csv_path);
    assert_eq!(
        records,
        vec![
            vec![
                "Обект".to_owned(),
                "Проблем".to_owned(),
                "Какво да се направи".to_owned()
            ],
            vec![
                "стока 7 „=1+1“ (3800000000017)".to_owned(),
                "цената -1,50 лв. става -1,5 в магазина".to_owned(),
                "въведете цена в Склад Pro".to_owned()
            ],
            vec![
                "нова стока „=cmd|' /C calc'!A0“".to_owned(),
                "разновидността е изтрита в магазина; ще бъде създадена отново при следващия експорт"
                    .to_owned(),
                String::new()
            ],
        ]
    );
    // In English, as .xlsx: text stays text.
    let t = tables::problems(Lang::En, &problems);
    let xlsx_path = dir.path().join("p.XLSX");
    write_table(&t, &xlsx_path).unwrap();
    let cells = read_xlsx(&xlsx_path, "Problems");
    assert_eq!(cells.len(), 3);
    assert_eq!(cells[0][2], Data::String("What to do".into()));
    assert_eq!(
        cells[1][1],
        Data::String("the price -1.50 BGN becomes -1.5 in the shop".into())
    );
    assert_eq!(
        cells[1][2],
        Data::String("enter a price in Warehouse Pro".into())
    );
}
