//! Every query the warehouse layer runs, as templates (see [`crate::dialect`] for the rules):
//! the fixed ones as constants listed in [`FIXED`], the ones with a variable shape as builder
//! functions. Tests render all of them for MS Access and MS SQL Server and check the text.

pub(crate) const VERSION: &str = "SELECT `Version`, `ProductID` FROM `system`";
pub(crate) const CONFIGURATION: &str = "SELECT `Key`, `Value`, `UserID` FROM `configuration`";
pub(crate) const CURRENCIES: &str =
    "SELECT `ID`, `Currency`, `Description`, `Deleted` FROM `currencies` ORDER BY `ID`";
pub(crate) const USERS: &str = "SELECT `ID`, `Code`, `Name`, `UserLevel`, `GroupID`, `Deleted` FROM `users` WHERE `ID` > 1 ORDER BY `Name`";
pub(crate) const USER_BY_ID: &str =
    "SELECT `ID`, `Code`, `Name`, `UserLevel`, `GroupID`, `Deleted` FROM `users` WHERE `ID` = ?";
pub(crate) const OBJECTS: &str = "SELECT `ID`, `Code`, `Name`, `GroupID`, `PriceGroup`, `Deleted` FROM `objects` WHERE `ID` > 1 ORDER BY `Name`";
pub(crate) const OBJECT_IDS: &str = "SELECT `ID` FROM `objects`";
pub(crate) const OBJECT_GROUPS: &str =
    "SELECT `ID`, `Code`, `Name` FROM `objectsgroups` WHERE `ID` > 1 ORDER BY `Code`";
pub(crate) const GOODS_GROUPS: &str =
    "SELECT `ID`, `Code`, `Name` FROM `goodsgroups` WHERE `ID` > 1 ORDER BY `Code`";
pub(crate) const GOODS_GROUP_CODES: &str = "SELECT `Code` FROM `goodsgroups`";
pub(crate) const GOODS_GROUP_BY_ID: &str =
    "SELECT `ID`, `Code`, `Name` FROM `goodsgroups` WHERE `ID` = ?";
pub(crate) const VAT_GROUPS: &str =
    "SELECT `ID`, `Code`, `Name`, `VATValue` FROM `vatgroups` ORDER BY `ID`";
pub(crate) const PAYMENT_TYPES: &str =
    "SELECT `ID`, `Name`, `PaymentMethod` FROM `paymenttypes` ORDER BY `ID`";
pub(crate) const PARTNER_COLUMNS: &str = "`ID`, `Code`, `Company`, `MOL`, `City`, `Address`, `Phone`, `eMail`, `TaxNo`, `Bulstat`, `Deleted`";
pub(crate) const INSERT_NEXT_ACCT: &str = "INSERT INTO `nextacct` (`NextAcct`) VALUES (?)";
pub(crate) const DELETE_NEXT_ACCT: &str = "DELETE FROM `nextacct` WHERE `NextAcct` = ?";
pub(crate) const GOOD_FOR_LINE: &str =
    "SELECT `ID`, `PriceIn`, `TaxGroup`, `Deleted` FROM `goods` WHERE `ID` = ?";
pub(crate) const PARTNER_EXISTS: &str = "SELECT `ID`, `Company` FROM `partners` WHERE `ID` = ?";
pub(crate) const OBJECT_EXISTS: &str = "SELECT `ID` FROM `objects` WHERE `ID` = ?";
pub(crate) const PAYMENT_TYPE_BY_ID: &str =
    "SELECT `ID`, `Name`, `PaymentMethod` FROM `paymenttypes` WHERE `ID` = ?";
pub(crate) const VAT_GROUP_BY_ID: &str = "SELECT `ID`, `VATValue` FROM `vatgroups` WHERE `ID` = ?";
/// With [`crate::Dialect::select_first`] and the column `ID`.
pub(crate) const STORE_ROW_REST: &str = "FROM `store` WHERE `ObjectID` = ? AND `GoodID` = ?";
pub(crate) const STORE_CHANGE: &str =
    "UPDATE `store` SET `Qtty` = `Qtty` + ? WHERE `ObjectID` = ? AND `GoodID` = ?";
pub(crate) const USN_TAKEN: &str = "SELECT `ID` FROM `ecrreceipts` WHERE `Description` = ?";
pub(crate) const USN_MAX_SEQUENCE: &str =
    "SELECT MAX(`ReceiptID`) FROM `ecrreceipts` WHERE `ECRID` = ? AND `ReceiptType` = 8";
pub(crate) const USN_TEXTS: &str = "SELECT `Description` FROM `ecrreceipts` WHERE `ECRID` = ?";
pub(crate) const USN_OF_DOCUMENT: &str = "SELECT `Description` FROM `ecrreceipts` WHERE `OperType` = ? AND `Acct` = ? AND `ReceiptType` = 8";
pub(crate) const USN_ROWS: &str =
    "SELECT `ID`, `ECRID`, `Description` FROM `ecrreceipts` WHERE `ReceiptType` = 8";
pub(crate) const DOCUMENTS_BY_NOTE: &str = "SELECT `OperType`, `Acct`, `ObjectID`, `PartnerID` FROM `operations` WHERE `Note` = ? AND `Acct` > 0";
pub(crate) const SET_PARTNER_CODE: &str = "UPDATE `partners` SET `Code` = ? WHERE `ID` = ?";
/// The fields an order may fill, with their print copies, in the order `partners::update_partner`
/// reads them.
pub(crate) const PARTNER_FOR_UPDATE: &str = "SELECT `Company`, `Company2`, `MOL`, `MOL2`, `City`, `City2`, `Address`, \
     `Address2`, `Phone`, `Phone2`, `eMail`, `TaxNo`, `Bulstat` FROM `partners` WHERE `ID` = ?";
/// Every partner's numbers, compared by their core when no partner has one as typed.
pub(crate) const PARTNER_NUMBERS: &str =
    "SELECT `ID`, `Bulstat`, `TaxNo`, `Deleted` FROM `partners` WHERE `ID` > 1 ORDER BY `ID`";
pub(crate) const APPLICATION_LOG: &str = "INSERT INTO `applicationlog` (`Message`, `UserID`, `UserRealTime`, `MessageSource`) VALUES (?, ?, ?, ?)";

// --------------------------------------------------------------------- change detection
// (see `crate::changes`)

/// What every poll reads from indexes: the newest and the number of `operations` rows, the
/// newest `applicationlog` and `store` rows. Each aggregate is a subquery of its own, so that
/// every engine answers it from an index (SQLite reads the whole table for `MAX` and `COUNT(*)`
/// in one SELECT).
pub(crate) const CHANGE_COUNTERS: &str = "SELECT (SELECT MAX(`ID`) FROM `operations`), \
     (SELECT COUNT(*) FROM `operations`), (SELECT MAX(`ID`) FROM `applicationlog`), \
     (SELECT MAX(`ID`) FROM `store`)";
/// One `operations` row by its key: the row a change mark remembers.
pub(crate) const OPERATION_AT: &str = "SELECT `ID`, `OperType`, `Acct`, `GoodID`, `ObjectID`, `Qtty`, `UserRealTime` FROM `operations` WHERE `ID` = ?";
/// The goods and types of the `operations` rows in a key range, with their numbers.
pub(crate) const OPERATIONS_BETWEEN: &str = "SELECT `GoodID`, `OperType`, COUNT(*) FROM `operations` WHERE `ID` > ? AND `ID` <= ? GROUP BY `GoodID`, `OperType`";
/// The goods of the `store` rows in a key range.
pub(crate) const STORE_GOODS_BETWEEN: &str =
    "SELECT DISTINCT `GoodID` FROM `store` WHERE `ID` > ? AND `ID` <= ?";
/// The goods whose keys lie in `[from, to)`.
pub(crate) const GOODS_FROM_TO: &str = "SELECT `ID` FROM `goods` WHERE `ID` >= ? AND `ID` < ?";
/// The `applicationlog` rows in a key range.
pub(crate) const LOG_BETWEEN: &str =
    "SELECT `ID`, `Message` FROM `applicationlog` WHERE `ID` > ? AND `ID` <= ? ORDER BY `ID`";
/// The number of Order lines, from the `(OperType, Acct)` index.
pub(crate) const ORDER_LINES: &str = "SELECT COUNT(*) FROM `operations` WHERE `OperType` = 19";
/// The goods of a document as it is now (in every object).
pub(crate) const DOCUMENT_GOODS: &str =
    "SELECT DISTINCT `GoodID` FROM `operations` WHERE `OperType` = ? AND `Acct` = ?";

/// The fixed templates, for the text tests.
#[cfg(test)]
pub(crate) const FIXED: &[&str] = &[
    VERSION,
    CONFIGURATION,
    CURRENCIES,
    USERS,
    OBJECTS,
    OBJECT_IDS,
    OBJECT_GROUPS,
    GOODS_GROUPS,
    GOODS_GROUP_CODES,
    GOODS_GROUP_BY_ID,
    VAT_GROUPS,
    PAYMENT_TYPES,
    INSERT_NEXT_ACCT,
    DELETE_NEXT_ACCT,
    GOOD_FOR_LINE,
    PARTNER_EXISTS,
    OBJECT_EXISTS,
    PAYMENT_TYPE_BY_ID,
    VAT_GROUP_BY_ID,
    STORE_CHANGE,
    USN_TAKEN,
    USN_MAX_SEQUENCE,
    USN_TEXTS,
    USN_OF_DOCUMENT,
    USN_ROWS,
    DOCUMENTS_BY_NOTE,
    SET_PARTNER_CODE,
    PARTNER_FOR_UPDATE,
    PARTNER_NUMBERS,
    USER_BY_ID,
    APPLICATION_LOG,
    CHANGE_COUNTERS,
    OPERATION_AT,
    OPERATIONS_BETWEEN,
    STORE_GOODS_BETWEEN,
    GOODS_FROM_TO,
    LOG_BETWEEN,
    ORDER_LINES,
    DOCUMENT_GOODS,
];

/// `INSERT INTO t (a, b) VALUES (?, ?)` — one row.
pub(crate) fn insert(table: &str, columns: &[&str]) -> String {
    let cols: Vec<String> = columns.iter().map(|c| format!("`{c}`")).collect();
    format!(
        "INSERT INTO `{table}` ({}) VALUES ({})",
        cols.join(", "),
        crate::dialect::Dialect::params(columns.len())
    )
}

/// `UPDATE partners SET a = ?, b = ? WHERE ID = ?`: only the fields being filled.
pub(crate) fn update_partner(columns: &[&str]) -> String {
    let set: Vec<String> = columns.iter().map(|c| format!("`{c}` = ?")).collect();
    format!("UPDATE `partners` SET {} WHERE `ID` = ?", set.join(", "))
}

/// `… IN (?, ?, …)` for `n` values.
pub(crate) fn in_list(n: usize) -> String {
    format!("({})", crate::dialect::Dialect::params(n))
}

pub(crate) fn goods(price_column: &str, groups: usize) -> String {
    let mut s = format!(
        "SELECT `ID`, `Code`, `Name`, `BarCode1`, `BarCode2`, `BarCode3`, `Catalog1`, `Catalog2`, `Catalog3`, \
         `Measure1`, `TaxGroup`, `GroupID`, `Deleted`, `PriceIn`, `{price_column}` FROM `goods` WHERE `ID` > 1"
    );
    if groups > 0 {
        s.push_str(&format!(" AND `GroupID` IN {}", in_list(groups)));
    }
    s.push_str(" ORDER BY `ID`");
    s
}

pub(crate) fn quantities(objects: usize) -> String {
    format!(
        "SELECT `GoodID`, SUM(`Qtty`), MIN(`Qtty`) FROM `store` WHERE `ObjectID` IN {} GROUP BY `GoodID`",
        in_list(objects)
    )
}

pub(crate) fn negative_store_rows(objects: usize) -> String {
    format!(
        "SELECT `ID`, `GoodID`, `Qtty` FROM `store` WHERE `ObjectID` IN {} AND `Qtty` < 0",
        in_list(objects)
    )
}

/// [`negative_store_rows`] of `goods` goods only.
pub(crate) fn negative_store_rows_of(objects: usize, goods: usize) -> String {
    format!(
        "SELECT `ID`, `GoodID`, `Qtty` FROM `store` WHERE `ObjectID` IN {} AND `GoodID` IN {} AND `Qtty` < 0",
        in_list(objects),
        in_list(goods)
    )
}

/// Quantities in open Orders (OperType 19) per good; drafts (Acct ≤ 0) and numbering marker rows
/// (PartnerID 0) are not orders.
pub(crate) fn reserved_by_orders(objects: usize) -> String {
    format!(
        "SELECT `GoodID`, SUM(`Qtty`) FROM `operations` WHERE `OperType` = 19 AND `Acct` > 0 AND `PartnerID` <> 0 \
         AND `ObjectID` IN {} GROUP BY `GoodID`",
        in_list(objects)
    )
}

/// Partners whose `lhs` (a column, or an expression over one) equals the parameter.
pub(crate) fn partner_by(lhs: &str) -> String {
    format!("SELECT {PARTNER_COLUMNS} FROM `partners` WHERE {lhs} = ? AND `ID` > 1 ORDER BY `ID`")
}

/// Highest document number of a series (of types), optionally within one object.
pub(crate) fn max_acct(table: &str, types: usize, per_object: bool) -> String {
    let mut s = format!(
        "SELECT MAX(`Acct`) FROM `{table}` WHERE `OperType` IN {}",
        in_list(types)
    );
    if per_object {
        s.push_str(" AND `ObjectID` = ?");
    }
    s
}

fn document_filter(per_object: bool) -> &'static str {
    if per_object {
        "`OperType` = ? AND `Acct` = ? AND `ObjectID` = ?"
    } else {
        "`OperType` = ? AND `Acct` = ?"
    }
}

pub(crate) fn document_lines(per_object: bool) -> String {
    format!(
        "SELECT `ID`, `GoodID`, `Qtty`, `PriceOut`, `VATOut`, `Discount`, `PartnerID`, `ObjectID`, `Date`, `Note`, \
         `OperatorID`, `UserID`, `Sign` FROM `operations` WHERE {} AND `PartnerID` <> 0 ORDER BY `ID`",
        document_filter(per_object)
    )
}

pub(crate) fn delete_document_lines(per_object: bool) -> String {
    format!(
        "DELETE FROM `operations` WHERE {} AND `PartnerID` <> 0",
        document_filter(per_object)
    )
}

pub(crate) fn delete_document_payments(per_object: bool) -> String {
    format!(
        "DELETE FROM `payments` WHERE {}",
        document_filter(per_object)
    )
}

pub(crate) fn update_due_payment(per_object: bool) -> String {
    format!(
        "UPDATE `payments` SET `Qtty` = ? WHERE {} AND `Mode` = -1",
        document_filter(per_object)
    )
}

pub(crate) fn update_good(price_column: &str) -> String {
    format!(
        "UPDATE `goods` SET `Code` = ?, `Name` = ?, `BarCode1` = ?, `BarCode2` = ?, `BarCode3` = ?, \
         `Catalog1` = ?, `Catalog2` = ?, `Catalog3` = ?, `Measure1` = ?, `{price_column}` = ?, `TaxGroup` = ?, \
         `GroupID` = ? WHERE `ID` = ?"
    )
}

/// One pass over the goods: their number, the newest, and the sum of each watched column.
pub(crate) fn goods_mark(columns: &[&str]) -> String {
    format!("SELECT COUNT(*), MAX(`ID`), {} FROM `goods`", sums(columns))
}

fn sums(columns: &[&str]) -> String {
    let s: Vec<String> = columns.iter().map(|c| format!("SUM(`{c}`)")).collect();
    s.join(", ")
}

/// The watched columns' sums per block of goods; `block` is the block of `ID` as
/// [`crate::Dialect::int_div`] writes it.
pub(crate) fn price_blocks(block: &str, columns: &[&str]) -> String {
    format!(
        "SELECT {block}, COUNT(*), {} FROM `goods` GROUP BY {block}",
        sums(columns)
    )
}

/// The store's rows and quantities per block of goods (`block`: the block of `GoodID`), all of
/// them or those of one range of goods (`GoodID >= ? AND GoodID < ?`, from the `GoodID` index).
/// The quantities weighted by the good's key tell two goods of a block apart.
pub(crate) fn stock_blocks(block: &str, ranged: bool) -> String {
    let mut s =
        format!("SELECT {block}, COUNT(*), SUM(`Qtty`), SUM(`Qtty` * `GoodID`) FROM `store`");
    if ranged {
        s.push_str(" WHERE `GoodID` >= ? AND `GoodID` < ?");
    }
    s.push_str(&format!(" GROUP BY {block}"));
    s
}

/// Goods by their keys (`n` of them), with the price of one column.
pub(crate) fn goods_by_ids(price_column: &str, n: usize) -> String {
    format!(
        "SELECT `ID`, `Code`, `Name`, `BarCode1`, `BarCode2`, `BarCode3`, `Catalog1`, `Catalog2`, `Catalog3`, \
         `Measure1`, `TaxGroup`, `GroupID`, `Deleted`, `PriceIn`, `{price_column}` FROM `goods` WHERE `ID` IN {} \
         AND `ID` > 1 ORDER BY `ID`",
        in_list(n)
    )
}

/// [`quantities`] of `goods` goods only.
pub(crate) fn quantities_of(objects: usize, goods: usize) -> String {
    format!(
        "SELECT `GoodID`, SUM(`Qtty`), MIN(`Qtty`) FROM `store` WHERE `ObjectID` IN {} AND `GoodID` IN {} GROUP BY `GoodID`",
        in_list(objects),
        in_list(goods)
    )
}

/// [`reserved_by_orders`] of `goods` goods only.
pub(crate) fn reserved_by_orders_of(objects: usize, goods: usize) -> String {
    format!(
        "SELECT `GoodID`, SUM(`Qtty`) FROM `operations` WHERE `OperType` = 19 AND `Acct` > 0 AND `PartnerID` <> 0 \
         AND `ObjectID` IN {} AND `GoodID` IN {} GROUP BY `GoodID`",
        in_list(objects),
        in_list(goods)
    )
}

pub(crate) const OPERATION_COLUMNS: &[&str] = &[
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

pub(crate) const PAYMENT_COLUMNS: &[&str] = &[
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

pub(crate) const CASHBOOK_COLUMNS: &[&str] = &[
    "Date",
    "Desc",
    "OperType",
    "Sign",
    "Profit",
    "UserID",
    "UserRealtime",
    "ObjectID",
];

pub(crate) const ECR_COLUMNS: &[&str] = &[
    "OperType",
    "Acct",
    "ReceiptID",
    "ReceiptDate",
    "ReceiptType",
    "ECRID",
    "Description",
    "Total",
    "UserID",
    "UserRealTime",
];

pub(crate) const STORE_COLUMNS: &[&str] = &[
    "ObjectID", "GoodID", "Qtty", "Price", "Lot", "LotID", "LotOrder",
];

pub(crate) const PARTNER_INSERT_COLUMNS: &[&str] = &[
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

pub(crate) const GOOD_INSERT_COLUMNS: &[&str] = &[
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

/// Every template with a variable shape, built at a representative size, for the text tests.
#[cfg(test)]
pub(crate) fn built_for_tests() -> Vec<String> {
    use crate::dialect::Dialect;
    vec![
        insert("operations", OPERATION_COLUMNS),
        insert("payments", PAYMENT_COLUMNS),
        insert("cashbook", CASHBOOK_COLUMNS),
        insert("ecrreceipts", ECR_COLUMNS),
        insert("store", STORE_COLUMNS),
        insert("partners", PARTNER_INSERT_COLUMNS),
        insert("goods", GOOD_INSERT_COLUMNS),
        goods("PriceOut2", 3),
        goods("PriceOut2", 0),
        quantities(2),
        negative_store_rows(2),
        reserved_by_orders(2),
        partner_by("`Bulstat`"),
        partner_by(&Dialect::Access.lower("`eMail`")),
        max_acct("operations", 2, false),
        max_acct("payments", 1, true),
        document_lines(false),
        document_lines(true),
        delete_document_lines(true),
        delete_document_payments(false),
        update_due_payment(true),
        update_good("PriceOut2"),
        update_partner(&["Company", "Company2", "Bulstat"]),
        update_partner(&["eMail"]),
        goods_mark(crate::changes::WATCHED_GOOD_COLUMNS),
        price_blocks(
            &Dialect::Access.int_div("`ID`", 1024),
            crate::changes::WATCHED_GOOD_COLUMNS,
        ),
        stock_blocks(&Dialect::MsSql.int_div("`GoodID`", 1024), false),
        stock_blocks(&Dialect::Access.int_div("`GoodID`", 64), true),
        goods_by_ids("PriceOut2", 3),
        quantities_of(2, 3),
        negative_store_rows_of(2, 3),
        reserved_by_orders_of(2, 3),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Dialect;

    fn all_templates() -> Vec<String> {
        let mut all: Vec<String> = FIXED.iter().map(|s| s.to_string()).collect();
        all.push(format!("SELECT TOP 1 `ID` {STORE_ROW_REST}"));
        all.extend(built_for_tests());
        all
    }

    /// What MS Access (Jet/ACE through ODBC) rejects or misreads, checked on every query.
    #[test]
    fn every_query_is_valid_access_sql() {
        for t in all_templates() {
            let sql = Dialect::Access.render(&t);
            let upper = sql.to_uppercase();
            for banned in [
                " LIMIT ",
                " CASE ",
                "COALESCE(",
                " LIKE ",
                " JOIN ",
                "IFNULL(",
                "NOW()",
                "GETDATE()",
            ] {
                assert!(!upper.contains(banned), "{banned} in Access SQL: {sql}");
            }
            assert!(
                !sql.contains('`') && !sql.contains('"'),
                "non-bracket quoting: {sql}"
            );
            assert!(
                !(upper.starts_with("INSERT") && upper.contains("), (")),
                "multi-row INSERT: {sql}"
            );
            assert_eq!(
                sql.matches('[').count(),
                sql.matches(']').count(),
                "unbalanced: {sql}"
            );
            // Dates are parameters: no quoted literal that looks like a date.
            assert!(
                !sql.contains("'20") && !sql.contains("#20"),
                "date literal: {sql}"
            );
        }
    }

    #[test]
    fn every_query_is_valid_mssql_sql() {
        for t in all_templates() {
            let sql = Dialect::MsSql.render(&t);
            let upper = sql.to_uppercase();
            assert!(!upper.contains(" LIMIT "), "{sql}");
            assert!(!sql.contains('?'), "unnumbered parameter: {sql}");
            let expected = t.matches('?').count();
            for n in 1..=expected {
                assert!(sql.contains(&format!("@P{n}")), "missing @P{n}: {sql}");
            }
            assert!(!sql.contains(&format!("@P{}", expected + 1)), "{sql}");
        }
    }

    /// Every query of change detection, as MS Access (Jet) and MS SQL Server receive it.
    #[test]
    fn change_queries_read_as_expected() {
        let both = |t: &str, access: &str, mssql: &str| {
            assert_eq!(Dialect::Access.render(t), access);
            assert_eq!(Dialect::MsSql.render(t), mssql);
        };
        both(
            CHANGE_COUNTERS,
            "SELECT (SELECT MAX([ID]) FROM [operations]), (SELECT COUNT(*) FROM [operations]), \
             (SELECT MAX([ID]) FROM [applicationlog]), (SELECT MAX([ID]) FROM [store])",
            "SELECT (SELECT MAX([ID]) FROM [operations]), (SELECT COUNT(*) FROM [operations]), \
             (SELECT MAX([ID]) FROM [applicationlog]), (SELECT MAX([ID]) FROM [store])",
        );
        both(
            OPERATION_AT,
            "SELECT [ID], [OperType], [Acct], [GoodID], [ObjectID], [Qtty], [UserRealTime] FROM [operations] WHERE [ID] = ?",
            "SELECT [ID], [OperType], [Acct], [GoodID], [ObjectID], [Qtty], [UserRealTime] FROM [operations] WHERE [ID] = @P1",
        );
        both(
            OPERATIONS_BETWEEN,
            "SELECT [GoodID], [OperType], COUNT(*) FROM [operations] WHERE [ID] > ? AND [ID] <= ? GROUP BY [GoodID], [OperType]",
            "SELECT [GoodID], [OperType], COUNT(*) FROM [operations] WHERE [ID] > @P1 AND [ID] <= @P2 GROUP BY [GoodID], [OperType]",
        );
        both(
            STORE_GOODS_BETWEEN,
            "SELECT DISTINCT [GoodID] FROM [store] WHERE [ID] > ? AND [ID] <= ?",
            "SELECT DISTINCT [GoodID] FROM [store] WHERE [ID] > @P1 AND [ID] <= @P2",
        );
        both(
            GOODS_FROM_TO,
            "SELECT [ID] FROM [goods] WHERE [ID] >= ? AND [ID] < ?",
            "SELECT [ID] FROM [goods] WHERE [ID] >= @P1 AND [ID] < @P2",
        );
        both(
            LOG_BETWEEN,
            "SELECT [ID], [Message] FROM [applicationlog] WHERE [ID] > ? AND [ID] <= ? ORDER BY [ID]",
            "SELECT [ID], [Message] FROM [applicationlog] WHERE [ID] > @P1 AND [ID] <= @P2 ORDER BY [ID]",
        );
        both(
            ORDER_LINES,
            "SELECT COUNT(*) FROM [operations] WHERE [OperType] = 19",
            "SELECT COUNT(*) FROM [operations] WHERE [OperType] = 19",
        );
        both(
            DOCUMENT_GOODS,
            "SELECT DISTINCT [GoodID] FROM [operations] WHERE [OperType] = ? AND [Acct] = ?",
            "SELECT DISTINCT [GoodID] FROM [operations] WHERE [OperType] = @P1 AND [Acct] = @P2",
        );
        let sums = "SUM([PriceOut1]), SUM([PriceOut2]), SUM([PriceOut3]), SUM([PriceOut4]), \
                    SUM([PriceOut5]), SUM([PriceOut6]), SUM([PriceOut7]), SUM([PriceOut8]), \
                    SUM([PriceOut9]), SUM([PriceOut10]), SUM([TaxGroup]), SUM([Deleted])";
        let watched = crate::changes::WATCHED_GOOD_COLUMNS;
        let goods = format!("SELECT COUNT(*), MAX([ID]), {sums} FROM [goods]");
        both(&goods_mark(watched), &goods, &goods);
        for (d, block) in [
            (Dialect::Access, "[ID] \\ 1024"),
            (Dialect::MsSql, "[ID] / 1024"),
        ] {
            assert_eq!(
                d.render(&price_blocks(&d.int_div("`ID`", 1024), watched)),
                format!("SELECT {block}, COUNT(*), {sums} FROM [goods] GROUP BY {block}")
            );
        }
        assert_eq!(
            Dialect::Access.render(&stock_blocks(
                &Dialect::Access.int_div("`GoodID`", 64),
                false
            )),
            "SELECT [GoodID] \\ 64, COUNT(*), SUM([Qtty]), SUM([Qtty] * [GoodID]) FROM [store] GROUP BY [GoodID] \\ 64"
        );
        assert_eq!(
            Dialect::MsSql.render(&stock_blocks(&Dialect::MsSql.int_div("`GoodID`", 64), true)),
            "SELECT [GoodID] / 64, COUNT(*), SUM([Qtty]), SUM([Qtty] * [GoodID]) FROM [store] \
             WHERE [GoodID] >= @P1 AND [GoodID] < @P2 GROUP BY [GoodID] / 64"
        );
        assert_eq!(
            Dialect::MySql.render(&stock_blocks(&Dialect::MySql.int_div("`GoodID`", 64), true)),
            "SELECT `GoodID` DIV 64, COUNT(*), SUM(`Qtty`), SUM(`Qtty` * `GoodID`) FROM `store` \
             WHERE `GoodID` >= ? AND `GoodID` < ? GROUP BY `GoodID` DIV 64"
        );
    }

    /// The reads of chosen goods, as MS Access (Jet) and MS SQL Server receive them.
    #[test]
    fn chosen_goods_queries_read_as_expected() {
        let both = |t: &str, access: &str, mssql: &str| {
            assert_eq!(Dialect::Access.render(t), access);
            assert_eq!(Dialect::MsSql.render(t), mssql);
        };
        let columns = "[ID], [Code], [Name], [BarCode1], [BarCode2], [BarCode3], [Catalog1], [Catalog2], [Catalog3], \
                       [Measure1], [TaxGroup], [GroupID], [Deleted], [PriceIn], [PriceOut2]";
        both(
            &goods_by_ids("PriceOut2", 2),
            &format!(
                "SELECT {columns} FROM [goods] WHERE [ID] IN (?, ?) AND [ID] > 1 ORDER BY [ID]"
            ),
            &format!(
                "SELECT {columns} FROM [goods] WHERE [ID] IN (@P1, @P2) AND [ID] > 1 ORDER BY [ID]"
            ),
        );
        both(
            &quantities_of(1, 2),
            "SELECT [GoodID], SUM([Qtty]), MIN([Qtty]) FROM [store] WHERE [ObjectID] IN (?) AND [GoodID] IN (?, ?) GROUP BY [GoodID]",
            "SELECT [GoodID], SUM([Qtty]), MIN([Qtty]) FROM [store] WHERE [ObjectID] IN (@P1) AND [GoodID] IN (@P2, @P3) GROUP BY [GoodID]",
        );
        both(
            &negative_store_rows_of(1, 2),
            "SELECT [ID], [GoodID], [Qtty] FROM [store] WHERE [ObjectID] IN (?) AND [GoodID] IN (?, ?) AND [Qtty] < 0",
            "SELECT [ID], [GoodID], [Qtty] FROM [store] WHERE [ObjectID] IN (@P1) AND [GoodID] IN (@P2, @P3) AND [Qtty] < 0",
        );
        both(
            &reserved_by_orders_of(1, 2),
            "SELECT [GoodID], SUM([Qtty]) FROM [operations] WHERE [OperType] = 19 AND [Acct] > 0 AND [PartnerID] <> 0 \
             AND [ObjectID] IN (?) AND [GoodID] IN (?, ?) GROUP BY [GoodID]",
            "SELECT [GoodID], SUM([Qtty]) FROM [operations] WHERE [OperType] = 19 AND [Acct] > 0 AND [PartnerID] <> 0 \
             AND [ObjectID] IN (@P1) AND [GoodID] IN (@P2, @P3) GROUP BY [GoodID]",
        );
        // The longest list an Access statement gets stays far below its ~64 000 characters.
        let widest = Dialect::Access.render(&quantities_of(
            crate::GOODS_PER_QUERY,
            crate::GOODS_PER_QUERY,
        ));
        assert!(widest.len() < 4_000, "{}", widest.len());
    }

    #[test]
    fn key_queries_read_as_expected() {
        assert_eq!(
            Dialect::Access.render(&quantities(2)),
            "SELECT [GoodID], SUM([Qtty]), MIN([Qtty]) FROM [store] WHERE [ObjectID] IN (?, ?) GROUP BY [GoodID]"
        );
        assert_eq!(
            Dialect::MsSql.render(&max_acct("operations", 2, true)),
            "SELECT MAX([Acct]) FROM [operations] WHERE [OperType] IN (@P1, @P2) AND [ObjectID] = @P3"
        );
        assert_eq!(
            Dialect::Access.render(INSERT_NEXT_ACCT),
            "INSERT INTO [nextacct] ([NextAcct]) VALUES (?)"
        );
        assert_eq!(
            Dialect::Access
                .select_first("`ID`", "FROM `store` WHERE `ObjectID` = ? AND `GoodID` = ?"),
            "SELECT TOP 1 [ID] FROM [store] WHERE [ObjectID] = ? AND [GoodID] = ?"
        );
    }
}
