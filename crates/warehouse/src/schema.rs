//! The Склад Pro tables the sync reads and writes, as one description from which the DDL of
//! every engine is generated (for the demo database and the tests), and the seed rows a blank
//! 3.07 database has (ID 1 service records everywhere).
//!
//! This is our reconstruction from the published facts (Warehouse Open's 3.07 scripts, a
//! scaffold of a real MS SQL database); it is not a copy of any Microinvest script.

use crate::dialect::Dialect;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Col {
    /// Auto-increment integer primary key `ID`.
    Id,
    Int,
    /// `smallint` on MS SQL, an integer elsewhere.
    SmallInt,
    Double,
    Text(u16),
    /// A timestamp (`datetime` on MS SQL).
    DateTime,
    /// A calendar date column (`smalldatetime` on MS SQL).
    Date,
}

pub(crate) struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Col)],
    /// A text primary key (the `system` and `nextacct` tables have no `ID`).
    pub text_key: Option<&'static str>,
    pub indexes: &'static [&'static [&'static str]],
}

use Col::*;

const GROUP_COLUMNS: &[(&str, Col)] = &[("ID", Id), ("Code", Text(255)), ("Name", Text(255))];

pub(crate) const TABLES: &[Table] = &[
    Table {
        name: "system",
        columns: &[
            ("Version", Text(20)),
            ("ProductID", SmallInt),
            ("LastBackup", Date),
        ],
        text_key: Some("Version"),
        indexes: &[],
    },
    Table {
        name: "configuration",
        columns: &[
            ("ID", Id),
            ("Key", Text(50)),
            ("Value", Text(50)),
            ("UserID", Int),
        ],
        text_key: None,
        indexes: &[&["Key"]],
    },
    Table {
        name: "goodsgroups",
        columns: &[("ID", Id), ("Name", Text(255)), ("Code", Text(255))],
        text_key: None,
        indexes: &[&["Code"]],
    },
    Table {
        name: "partnersgroups",
        columns: GROUP_COLUMNS,
        text_key: None,
        indexes: &[&["Code"]],
    },
    Table {
        name: "objectsgroups",
        columns: GROUP_COLUMNS,
        text_key: None,
        indexes: &[&["Code"]],
    },
    Table {
        name: "usersgroups",
        columns: GROUP_COLUMNS,
        text_key: None,
        indexes: &[&["Code"]],
    },
    Table {
        name: "vatgroups",
        columns: &[
            ("ID", Id),
            ("Code", Text(255)),
            ("Name", Text(255)),
            ("VATValue", Double),
        ],
        text_key: None,
        indexes: &[],
    },
    Table {
        name: "currencies",
        columns: &[
            ("ID", Id),
            ("Currency", Text(3)),
            ("Description", Text(255)),
            ("ExchangeRate", Double),
            ("Deleted", Int),
        ],
        text_key: None,
        indexes: &[],
    },
    Table {
        name: "goods",
        columns: &[
            ("ID", Id),
            ("Code", Text(255)),
            ("BarCode1", Text(255)),
            ("BarCode2", Text(255)),
            ("BarCode3", Text(255)),
            ("Catalog1", Text(255)),
            ("Catalog2", Text(255)),
            ("Catalog3", Text(255)),
            ("Name", Text(255)),
            ("Name2", Text(255)),
            ("Measure1", Text(255)),
            ("Measure2", Text(255)),
            ("Ratio", Double),
            ("PriceIn", Double),
            ("PriceOut1", Double),
            ("PriceOut2", Double),
            ("PriceOut3", Double),
            ("PriceOut4", Double),
            ("PriceOut5", Double),
            ("PriceOut6", Double),
            ("PriceOut7", Double),
            ("PriceOut8", Double),
            ("PriceOut9", Double),
            ("PriceOut10", Double),
            ("MinQtty", Double),
            ("NormalQtty", Double),
            ("Description", Text(255)),
            ("Type", Int),
            ("IsRecipe", Int),
            ("TaxGroup", Int),
            ("IsVeryUsed", Int),
            ("GroupID", Int),
            ("Deleted", Int),
        ],
        text_key: None,
        indexes: &[
            &["Code"],
            &["BarCode1"],
            &["BarCode2"],
            &["BarCode3"],
            &["Catalog1"],
            &["GroupID"],
        ],
    },
    Table {
        name: "objects",
        columns: &[
            ("ID", Id),
            ("Code", Text(255)),
            ("Name", Text(255)),
            ("Name2", Text(255)),
            ("PriceGroup", Int),
            ("IsVeryUsed", Int),
            ("GroupID", Int),
            ("Deleted", Int),
        ],
        text_key: None,
        indexes: &[&["GroupID"]],
    },
    Table {
        name: "partners",
        columns: &[
            ("ID", Id),
            ("Code", Text(255)),
            ("Company", Text(255)),
            ("Company2", Text(255)),
            ("MOL", Text(255)),
            ("MOL2", Text(255)),
            ("City", Text(255)),
            ("City2", Text(255)),
            ("Address", Text(255)),
            ("Address2", Text(255)),
            ("Phone", Text(255)),
            ("Phone2", Text(255)),
            ("Fax", Text(255)),
            ("eMail", Text(255)),
            ("TaxNo", Text(255)),
            ("Bulstat", Text(255)),
            ("BankName", Text(255)),
            ("BankCode", Text(255)),
            ("BankAcct", Text(255)),
            ("BankVATName", Text(255)),
            ("BankVATCode", Text(255)),
            ("BankVATAcct", Text(255)),
            ("PriceGroup", Int),
            ("Discount", Double),
            ("Type", SmallInt),
            ("IsVeryUsed", SmallInt),
            ("UserID", Int),
            ("GroupID", Int),
            ("UserRealTime", DateTime),
            ("Deleted", Int),
            ("CardNumber", Text(255)),
            ("Note1", Text(255)),
            ("Note2", Text(255)),
            ("PaymentDays", Int),
        ],
        text_key: None,
        indexes: &[&["Bulstat"], &["TaxNo"], &["eMail"]],
    },
    Table {
        name: "users",
        columns: &[
            ("ID", Id),
            ("Code", Text(255)),
            ("Name", Text(255)),
            ("Name2", Text(255)),
            ("IsVeryUsed", Int),
            ("GroupID", Int),
            ("Password", Text(50)),
            ("UserLevel", Int),
            ("Deleted", Int),
            ("CardNumber", Text(255)),
        ],
        text_key: None,
        indexes: &[],
    },
    Table {
        name: "store",
        columns: &[
            ("ID", Id),
            ("ObjectID", Int),
            ("GoodID", Int),
            ("Qtty", Double),
            ("Price", Double),
            ("Lot", Text(250)),
            ("LotID", Int),
            ("LotOrder", Int),
        ],
        text_key: None,
        indexes: &[&["ObjectID", "GoodID"], &["GoodID"]],
    },
    Table {
        name: "operations",
        columns: &[
            ("ID", Id),
            ("OperType", Int),
            ("Acct", Int),
            ("GoodID", Int),
            ("PartnerID", Int),
            ("ObjectID", Int),
            ("OperatorID", Int),
            ("Qtty", Double),
            ("Sign", Int),
            ("PriceIn", Double),
            ("PriceOut", Double),
            ("VATIn", Double),
            ("VATOut", Double),
            ("Discount", Double),
            ("CurrencyID", Int),
            ("CurrencyRate", Double),
            ("Date", Date),
            ("Lot", Text(50)),
            ("LotID", Int),
            ("Note", Text(255)),
            ("SrcDocID", Int),
            ("UserID", Int),
            ("UserRealTime", DateTime),
        ],
        text_key: None,
        indexes: &[
            &["OperType", "Acct"],
            &["OperType", "ObjectID", "Acct"],
            &["GoodID"],
            &["Note"],
        ],
    },
    Table {
        name: "payments",
        columns: &[
            ("ID", Id),
            ("Acct", Int),
            ("OperType", Int),
            ("PartnerID", Int),
            ("ObjectID", Int),
            ("Qtty", Double),
            ("Mode", Int),
            ("Sign", Int),
            ("Date", Date),
            ("UserID", Int),
            ("UserRealTime", DateTime),
            ("Type", Int),
            ("TransactionNumber", Text(255)),
            ("EndDate", Date),
        ],
        text_key: None,
        indexes: &[&["Acct", "OperType", "Mode"]],
    },
    Table {
        name: "paymenttypes",
        columns: &[("ID", Id), ("Name", Text(255)), ("PaymentMethod", Int)],
        text_key: None,
        indexes: &[],
    },
    Table {
        name: "nextacct",
        columns: &[("NextAcct", Text(50))],
        text_key: Some("NextAcct"),
        indexes: &[],
    },
    Table {
        name: "cashbook",
        columns: &[
            ("ID", Id),
            ("Date", Date),
            ("Desc", Text(255)),
            ("OperType", Int),
            ("Sign", Int),
            ("Profit", Double),
            ("UserID", Int),
            ("UserRealtime", DateTime),
            ("ObjectID", Int),
        ],
        text_key: None,
        indexes: &[],
    },
    Table {
        name: "ecrreceipts",
        columns: &[
            ("ID", Id),
            ("OperType", Int),
            ("Acct", Int),
            ("ReceiptID", Int),
            ("ReceiptDate", DateTime),
            ("ReceiptType", Int),
            ("ECRID", Text(255)),
            ("Description", Text(255)),
            ("Total", Double),
            ("UserID", Int),
            ("UserRealTime", DateTime),
        ],
        text_key: None,
        indexes: &[&["OperType", "Acct"], &["ECRID"]],
    },
    Table {
        name: "applicationlog",
        columns: &[
            ("ID", Id),
            ("Message", Text(255)),
            ("UserID", Int),
            ("UserRealTime", DateTime),
            ("MessageSource", Text(50)),
        ],
        text_key: None,
        indexes: &[],
    },
];

fn column_type(dialect: Dialect, col: Col) -> String {
    match (dialect, col) {
        (Dialect::MySql, Id) => "INTEGER NOT NULL AUTO_INCREMENT".into(),
        (Dialect::Sqlite, Id) => "INTEGER PRIMARY KEY AUTOINCREMENT".into(),
        (Dialect::MsSql, Id) => "INT IDENTITY(1,1) NOT NULL".into(),
        (Dialect::Access, Id) => "COUNTER".into(),
        (Dialect::MsSql, SmallInt) => "SMALLINT NULL".into(),
        (Dialect::Access, Int | SmallInt) => "LONG".into(),
        (_, Int | SmallInt) => "INTEGER NULL".into(),
        (Dialect::MsSql, Double) => "FLOAT NULL".into(),
        (_, Double) => "DOUBLE NULL".into(),
        (Dialect::MsSql, Text(n)) => format!("NVARCHAR({n}) NULL"),
        (Dialect::Access, Text(n)) => format!("TEXT({n})"),
        (_, Text(n)) => format!("VARCHAR({n}) NULL"),
        (Dialect::MsSql, DateTime) => "DATETIME NULL".into(),
        (Dialect::MsSql, Date) => "SMALLDATETIME NULL".into(),
        (_, DateTime | Date) => "DATETIME NULL".into(),
    }
}

/// The `CREATE TABLE` and `CREATE INDEX` statements of one engine, in order.
pub(crate) fn create_statements(dialect: Dialect) -> Vec<String> {
    let mut out = Vec::new();
    for t in TABLES {
        let mut cols: Vec<String> = t
            .columns
            .iter()
            .map(|(name, col)| {
                let ty = column_type(dialect, *col);
                let not_null = if t.text_key == Some(*name) && dialect != Dialect::Access {
                    ty.replace(" NULL", " NOT NULL")
                } else {
                    ty
                };
                format!("`{name}` {not_null}")
            })
            .collect();
        let has_id = t.columns.iter().any(|(_, c)| *c == Id);
        match (t.text_key, dialect) {
            (Some(k), _) => cols.push(format!("PRIMARY KEY (`{k}`)")),
            (None, Dialect::Sqlite) => {}
            (None, Dialect::Access) if has_id => {
                cols.push("CONSTRAINT `PK` PRIMARY KEY (`ID`)".into())
            }
            (None, _) if has_id => cols.push("PRIMARY KEY (`ID`)".into()),
            _ => {}
        }
        let suffix = if dialect == Dialect::MySql {
            " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
        } else {
            ""
        };
        out.push(dialect.render(&format!(
            "CREATE TABLE `{}` ({}){suffix}",
            t.name,
            cols.join(", ")
        )));
        for (i, idx) in t.indexes.iter().enumerate() {
            let cols: Vec<String> = idx.iter().map(|c| format!("`{c}`")).collect();
            out.push(dialect.render(&format!(
                "CREATE INDEX `{}_{}_idx{i}` ON `{}` ({})",
                t.name,
                idx.join("_"),
                t.name,
                cols.join(", ")
            )));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_ddl_uses_jet_types_and_brackets() {
        let ddl = create_statements(Dialect::Access);
        let goods = ddl
            .iter()
            .find(|s| s.starts_with("CREATE TABLE [goods]"))
            .unwrap();
        assert!(goods.contains("[ID] COUNTER"), "{goods}");
        assert!(goods.contains("[Name] TEXT(255)"), "{goods}");
        assert!(goods.contains("[PriceOut2] DOUBLE"), "{goods}");
        assert!(!goods.contains('`') && !goods.contains('"'));
    }

    #[test]
    fn mssql_ddl_uses_the_scaffold_types() {
        let ddl = create_statements(Dialect::MsSql);
        let ops = ddl
            .iter()
            .find(|s| s.starts_with("CREATE TABLE [operations]"))
            .unwrap();
        assert!(ops.contains("[Date] SMALLDATETIME NULL"), "{ops}");
        assert!(ops.contains("[UserRealTime] DATETIME NULL"), "{ops}");
        assert!(ops.contains("[Note] NVARCHAR(255) NULL"), "{ops}");
        let next = ddl
            .iter()
            .find(|s| s.starts_with("CREATE TABLE [nextacct]"))
            .unwrap();
        assert!(next.contains("[NextAcct] NVARCHAR(50) NOT NULL"), "{next}");
    }
}
