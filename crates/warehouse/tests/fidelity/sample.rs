//! The Warehouse Open sample store (read from ../shared/fixtures at test time, never copied),
//! loaded into SQLite or MySQL/MariaDB, with a few statements of set-up run before connecting;
//! and the column-by-column shape comparison of rows.

use skladsync_warehouse::{Connection, Row, Value};

use crate::common;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    MySql,
}

/// A loaded sample store; the MySQL database is dropped when it goes.
pub struct Sample {
    pub connection: Connection,
    _dir: Option<tempfile::TempDir>,
    mysql: Option<String>,
}

impl Drop for Sample {
    fn drop(&mut self) {
        if let Some(db) = self.mysql.take() {
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    use sqlx::Connection as _;
                    if let Ok(mut c) = sqlx::MySqlConnection::connect(&common::mysql_server()).await
                    {
                        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS `{db}`"
                        )))
                        .execute(&mut c)
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

static SQLITE_TEMPLATE: tokio::sync::OnceCell<Option<std::path::PathBuf>> =
    tokio::sync::OnceCell::const_new();

/// The sample store loaded once per test binary into a file that each test copies (the
/// script's 20 000 one-row INSERTs take minutes on a busy machine).
async fn sqlite_template() -> &'static Option<std::path::PathBuf> {
    SQLITE_TEMPLATE
        .get_or_init(|| async {
            let script =
                std::fs::read_to_string(common::fixture("SampleStore_307.sqlite.sql")?).unwrap();
            let dir = tempfile::tempdir().unwrap().keep();
            let path = dir.join("sample.db");
            use sqlx::ConnectOptions as _;
            let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true)
                .connect()
                .await
                .unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("BEGIN;\n{script}\nCOMMIT;")))
                .execute(&mut conn)
                .await
                .unwrap();
            use sqlx::Connection as _;
            conn.close().await.unwrap();
            Some(path)
        })
        .await
}

/// The sample store on `engine`, with `setup` (statements in the engine's own SQL) run on it.
/// `None` when the fixture is absent.
pub async fn load(engine: Engine, setup: &[&str]) -> Option<Sample> {
    match engine {
        Engine::Sqlite => {
            let template = sqlite_template().await.as_ref()?;
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("sample.db");
            std::fs::copy(template, &path).unwrap();
            use sqlx::ConnectOptions as _;
            let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&path)
                .connect()
                .await
                .unwrap();
            for s in setup {
                sqlx::raw_sql(sqlx::AssertSqlSafe(s.to_string()))
                    .execute(&mut conn)
                    .await
                    .unwrap();
            }
            Some(Sample {
                connection: Connection::Sqlite { path },
                _dir: Some(dir),
                mysql: None,
            })
        }
        Engine::MySql => {
            let script =
                std::fs::read_to_string(common::fixture("SampleStore_307.mysql.sql")?).unwrap();
            let server = common::mysql_server();
            let db = format!(
                "skladsync_fidelity_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            );
            use sqlx::Connection as _;
            let mut conn = sqlx::MySqlConnection::connect(&server).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS `{db}`"
            )))
            .execute(&mut conn)
            .await
            .unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(script.replace("{0}", &db)))
                .execute(&mut conn)
                .await
                .unwrap();
            for s in setup {
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("USE `{db}`; {s}")))
                    .execute(&mut conn)
                    .await
                    .unwrap();
            }
            Some(Sample {
                connection: Connection::MySql {
                    url: format!("{server}/{db}"),
                },
                _dir: None,
                mysql: Some(db),
            })
        }
    }
}

/// What a cell looks like, as far as a reader of the books can tell rows apart: NULL, the
/// empty-text conventions, text, the sign of a number, a date at midnight or a full timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Null,
    /// `''`
    EmptyText,
    /// `' '`, Склад Pro's "empty"
    SpaceText,
    Text,
    Negative,
    Zero,
    Positive,
    /// A date with the time 00:00:00.
    Date,
    /// A date and a time of day.
    DateTime,
}

fn sign(f: f64) -> Shape {
    if f < 0.0 {
        Shape::Negative
    } else if f == 0.0 {
        Shape::Zero
    } else {
        Shape::Positive
    }
}

pub fn shape(v: &Value) -> Shape {
    let of_datetime = |d: chrono::NaiveDateTime| {
        if d.time() == chrono::NaiveTime::MIN {
            Shape::Date
        } else {
            Shape::DateTime
        }
    };
    match v {
        Value::Null => Shape::Null,
        Value::Int(i) => sign(*i as f64),
        Value::Float(f) => sign(*f),
        Value::DateTime(d) => of_datetime(*d),
        Value::Text(s) if s.is_empty() => Shape::EmptyText,
        Value::Text(s) if s == " " => Shape::SpaceText,
        Value::Text(s) => match v.as_datetime().filter(|_| s.len() >= 10) {
            Some(d) => of_datetime(d),
            None => Shape::Text,
        },
    }
}

/// One row of `table` by ID, the columns in the order given.
pub async fn row(
    wh: &skladsync_warehouse::Warehouse,
    table: &str,
    columns: &[&str],
    id: i64,
) -> Row {
    let cols: Vec<String> = columns.iter().map(|c| format!("`{c}`")).collect();
    wh.query(
        &format!("SELECT {} FROM `{table}` WHERE `ID` = ?", cols.join(", ")),
        &[Value::Int(id)],
    )
    .await
    .unwrap()
    .into_iter()
    .next()
    .unwrap_or_else(|| panic!("{table} row {id} is missing"))
}

/// Asserts that our row has, column by column, the shape of the row Склад Pro wrote; `skip`
/// names the columns that differ on purpose, each with why. The message names every column
/// that differs.
pub fn assert_same_shape(
    what: &str,
    columns: &[&str],
    pro: &Row,
    ours: &Row,
    skip: &[(&str, &str)],
) {
    let mut differ = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        if skip.iter().any(|(s, _)| s == c) {
            continue;
        }
        let (a, b) = (shape(&pro.0[i]), shape(&ours.0[i]));
        if a != b {
            differ.push(format!(
                "{what}.{c}: Склад Pro wrote {a:?} ({:?}), skladsync wrote {b:?} ({:?})",
                pro.0[i], ours.0[i]
            ));
        }
    }
    assert!(differ.is_empty(), "\n{}", differ.join("\n"));
}

pub const OPERATIONS: &[&str] = &[
    "OperType",
    "Acct",
    "GoodID",
    "PartnerID",
    "ObjectID",
    "OperatorID",
    "Qtty",
    "Sign",
    "PriceIn",
    "PriceOut",
    "VATIn",
    "VATOut",
    "Discount",
    "CurrencyID",
    "CurrencyRate",
    "Date",
    "Lot",
    "LotID",
    "Note",
    "SrcDocID",
    "UserID",
    "UserRealTime",
];

pub const PAYMENTS: &[&str] = &[
    "Acct",
    "OperType",
    "PartnerID",
    "ObjectID",
    "Qtty",
    "Mode",
    "Sign",
    "Date",
    "UserID",
    "UserRealTime",
    "Type",
    "TransactionNumber",
    "EndDate",
];

pub const CASHBOOK: &[&str] = &[
    "Date",
    "Desc",
    "OperType",
    "Sign",
    "Profit",
    "UserID",
    "UserRealtime",
    "ObjectID",
];

pub const PARTNERS: &[&str] = &[
    "Code",
    "Company",
    "Company2",
    "MOL",
    "MOL2",
    "City",
    "City2",
    "Address",
    "Address2",
    "Phone",
    "Phone2",
    "Fax",
    "eMail",
    "TaxNo",
    "Bulstat",
    "BankName",
    "BankCode",
    "BankAcct",
    "BankVATName",
    "BankVATCode",
    "BankVATAcct",
    "PriceGroup",
    "Discount",
    "Type",
    "IsVeryUsed",
    "UserID",
    "GroupID",
    "UserRealTime",
    "Deleted",
    "CardNumber",
    "Note1",
    "Note2",
    "PaymentDays",
];

pub const GOODS: &[&str] = &[
    "Code",
    "BarCode1",
    "BarCode2",
    "BarCode3",
    "Catalog1",
    "Catalog2",
    "Catalog3",
    "Name",
    "Name2",
    "Measure1",
    "Measure2",
    "Ratio",
    "PriceIn",
    "PriceOut1",
    "PriceOut2",
    "PriceOut3",
    "PriceOut4",
    "PriceOut5",
    "PriceOut6",
    "PriceOut7",
    "PriceOut8",
    "PriceOut9",
    "PriceOut10",
    "MinQtty",
    "NormalQtty",
    "Description",
    "Type",
    "IsRecipe",
    "TaxGroup",
    "IsVeryUsed",
    "GroupID",
    "Deleted",
];

pub const STORE: &[&str] = &[
    "ObjectID", "GoodID", "Qtty", "Price", "Lot", "LotID", "LotOrder",
];

pub const APPLICATION_LOG: &[&str] = &["Message", "UserID", "UserRealTime", "MessageSource"];
