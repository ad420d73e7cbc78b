//! The writes, each run inside one transaction by [`crate::Warehouse`].

use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::model::*;
use crate::money;
use crate::partners::{PartnerDifference, find_partners_in, save_partner_in};
use crate::sql;
use crate::value::Value;
use crate::warehouse::{
    Tx, allocate_number, date_value, decimal_of, decimal_value, payment_type_from_row, server_now,
    store_row_exists,
};

/// Whether Склад Pro gives a new good a zero store row in every object: in the costing modes
/// that keep one row per good and object (`configkey23` 0 average price, 1 last purchase
/// price), not in the lot modes (2 and up), where a row is made per lot as goods arrive — as
/// Warehouse Open does it; Pro unverified.
pub(crate) fn new_good_gets_store_rows(settings: &DatabaseSettings) -> bool {
    matches!(settings.items_management, 0 | 1)
}

pub(crate) async fn save_good_in(
    tx: &mut Tx<'_>,
    settings: &DatabaseSettings,
    id: Option<i64>,
    g: &GoodData,
) -> Result<i64> {
    if g.name.trim().is_empty() {
        return Err(Error::invalid(
            format!("good `{}`", g.code),
            "the name is empty",
        ));
    }
    if tx
        .rows(sql::GOODS_GROUP_BY_ID, &[Value::Int(g.group_id)])
        .await?
        .is_empty()
    {
        return Err(Error::UnknownGoodsGroup {
            group_id: g.group_id,
        });
    }
    if tx
        .rows(sql::VAT_GROUP_BY_ID, &[Value::Int(g.vat_group_id)])
        .await?
        .is_empty()
    {
        return Err(Error::invalid(
            format!("good `{}`", g.name),
            format!("VAT group {} does not exist in Склад Pro", g.vat_group_id),
        ));
    }
    for text in [&g.code, &g.name]
        .into_iter()
        .chain(g.barcodes.iter())
        .chain(g.catalogs.iter())
    {
        if text.chars().count() > 255 {
            return Err(Error::invalid(
                format!("good `{}`", g.name),
                format!(
                    "`{}…` is longer than the 255 characters Склад Pro keeps",
                    text.chars().take(20).collect::<String>()
                ),
            ));
        }
    }
    let price = decimal_value(g.price);
    match id {
        Some(id) => {
            let n = tx
                .exec(
                    &sql::update_good(g.price_group.column()),
                    &[
                        Value::text(&g.code),
                        Value::text(&g.name),
                        Value::text(&g.barcodes[0]),
                        Value::text(&g.barcodes[1]),
                        Value::text(&g.barcodes[2]),
                        Value::text(&g.catalogs[0]),
                        Value::text(&g.catalogs[1]),
                        Value::text(&g.catalogs[2]),
                        Value::text(&g.measure),
                        price,
                        Value::Int(g.vat_group_id),
                        Value::Int(g.group_id),
                        Value::Int(id),
                    ],
                )
                .await?;
            if n == 0 {
                return Err(Error::UnknownGood { good_id: id });
            }
            Ok(id)
        }
        None => {
            let mut values = vec![
                Value::text(&g.code),
                Value::text(&g.barcodes[0]),
                Value::text(&g.barcodes[1]),
                Value::text(&g.barcodes[2]),
                Value::text(&g.catalogs[0]),
                Value::text(&g.catalogs[1]),
                Value::text(&g.catalogs[2]),
                Value::text(&g.name),
                Value::text(&g.name),
                Value::text(&g.measure),
                Value::text(&g.measure),
                Value::Float(1.0),
                Value::Float(0.0),
            ];
            for pg in PriceGroup::all() {
                values.push(if pg == g.price_group {
                    price.clone()
                } else {
                    Value::Float(0.0)
                });
            }
            values.extend([
                Value::Float(0.0),
                Value::Float(0.0),
                Value::text(""),
                Value::Int(0),
                Value::Int(0),
                Value::Int(g.vat_group_id),
                Value::Int(0),
                Value::Int(g.group_id),
                Value::Int(0),
            ]);
            let id = tx.insert("goods", sql::GOOD_INSERT_COLUMNS, values).await?;
            if !new_good_gets_store_rows(settings) {
                return Ok(id);
            }
            // One store row per object (the service object too), as Склад Pro makes them.
            let objects = tx.rows(sql::OBJECT_IDS, &[]).await?;
            for o in objects.iter().filter_map(|r| r.int(0)) {
                tx.insert(
                    "store",
                    sql::STORE_COLUMNS,
                    vec![
                        Value::Int(o),
                        Value::Int(id),
                        Value::Float(0.0),
                        Value::Float(0.0),
                        Value::text(""),
                        Value::Int(1),
                        Value::Int(1),
                    ],
                )
                .await?;
            }
            Ok(id)
        }
    }
}

pub(crate) async fn create_goods_group_in(
    tx: &mut Tx<'_>,
    name: &str,
    parent: Option<i64>,
) -> Result<Group> {
    if name.trim().is_empty() {
        return Err(Error::invalid("goods group", "the name is empty"));
    }
    let parent_code = match parent {
        None => String::new(),
        Some(pid) => {
            let row = tx
                .one(sql::GOODS_GROUP_BY_ID, &[Value::Int(pid)])
                .await?
                .ok_or(Error::UnknownGoodsGroup { group_id: pid })?;
            let code = row.text(1).unwrap_or_default();
            if !is_hierarchical(&code) {
                return Err(Error::invalid(
                    format!("goods group {pid}"),
                    format!(
                        "its code `{code}` is not a hierarchical code; choose another parent group"
                    ),
                ));
            }
            code
        }
    };
    let codes: Vec<String> = tx
        .rows(sql::GOODS_GROUP_CODES, &[])
        .await?
        .iter()
        .filter_map(|r| r.text(0))
        .collect();
    let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
    let code = next_group_code(&parent_code, &refs);
    if code.is_empty() {
        return Err(Error::invalid(
            format!("goods group `{name}`"),
            "no free code is left at this level (ZZZ is taken)",
        ));
    }
    let id = tx
        .insert(
            "goodsgroups",
            &["Name", "Code"],
            vec![Value::text(name), Value::Text(code.clone())],
        )
        .await?;
    Ok(Group {
        id,
        code,
        name: name.trim().to_owned(),
    })
}

struct PreparedLine {
    good_id: i64,
    quantity: Decimal,
    price: Decimal,
    vat: Decimal,
    /// The good's VAT rate, percent.
    rate: Decimal,
    purchase_price: Decimal,
    purchase_vat: Decimal,
    discount: Decimal,
}

/// Check every line's good and work out its VAT, before anything is written.
async fn prepare_lines(
    tx: &mut Tx<'_>,
    settings: &DatabaseSettings,
    lines: &[NewLine],
) -> Result<Vec<PreparedLine>> {
    if lines.is_empty() {
        return Err(Error::invalid("document", "it has no lines"));
    }
    let mut out = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        // A negative quantity is a discount line, as Склад Pro writes one.
        if l.quantity.is_zero() {
            return Err(Error::invalid(
                format!("line {} (good {})", i + 1, l.good_id),
                "the quantity is 0",
            ));
        }
        if !(Decimal::from(-99)..=Decimal::from(99)).contains(&l.discount_percent) {
            return Err(Error::invalid(
                format!("line {} (good {})", i + 1, l.good_id),
                format!("discount {}% is outside −99…99%", l.discount_percent),
            ));
        }
        let good = tx
            .one(sql::GOOD_FOR_LINE, &[Value::Int(l.good_id)])
            .await?
            .filter(|r| r.int(3).unwrap_or(0) == 0 && l.good_id > 1)
            .ok_or(Error::UnknownGood { good_id: l.good_id })?;
        let purchase_price = decimal_of(&good, 1);
        let vat_group = good.int(2).unwrap_or(1);
        let rate = tx
            .one(sql::VAT_GROUP_BY_ID, &[Value::Int(vat_group)])
            .await?
            .map(|r| decimal_of(&r, 1))
            .ok_or_else(|| {
                Error::invalid(
                    format!("good {}", l.good_id),
                    format!("its VAT group {vat_group} does not exist; set a VAT group on the good in Склад Pro"),
                )
            })?;
        out.push(PreparedLine {
            good_id: l.good_id,
            quantity: l.quantity,
            price: l.price,
            vat: money::vat_per_unit(l.price, rate, settings.prices_include_vat),
            rate,
            purchase_price,
            purchase_vat: money::vat_per_unit(purchase_price, rate, settings.prices_include_vat),
            discount: l.discount_percent,
        });
    }
    Ok(out)
}

struct Header {
    kind: DocumentKind,
    number: i64,
    partner_id: i64,
    object_id: i64,
    operator_id: i64,
    user_id: i64,
    date: Value,
    note: String,
}

async fn insert_lines(
    tx: &mut Tx<'_>,
    h: &Header,
    lines: &[PreparedLine],
    now: chrono::NaiveDateTime,
) -> Result<()> {
    for l in lines {
        tx.insert(
            "operations",
            sql::OPERATION_COLUMNS,
            vec![
                Value::Int(h.kind.oper_type()),
                Value::Int(h.number),
                Value::Int(l.good_id),
                Value::Int(h.partner_id),
                Value::Int(h.object_id),
                Value::Int(h.operator_id),
                decimal_value(l.quantity),
                Value::Int(h.kind.sign()),
                decimal_value(l.purchase_price),
                decimal_value(l.price),
                decimal_value(l.purchase_vat),
                decimal_value(l.vat),
                decimal_value(l.discount),
                Value::Int(1),
                Value::Float(1.0),
                h.date.clone(),
                Value::text(""),
                Value::Int(1),
                Value::text(&h.note),
                Value::Int(0),
                Value::Int(h.user_id),
                Value::DateTime(now),
            ],
        )
        .await?;
        if h.kind.sign() != 0 {
            change_store(
                tx,
                h.object_id,
                l.good_id,
                l.quantity * Decimal::from(h.kind.sign()),
                l.purchase_price,
            )
            .await?;
        }
    }
    Ok(())
}

/// Add `delta` to the store row of (object, good), creating a missing row first.
async fn change_store(
    tx: &mut Tx<'_>,
    object_id: i64,
    good_id: i64,
    delta: Decimal,
    price: Decimal,
) -> Result<()> {
    if !store_row_exists(tx, object_id, good_id).await? {
        tx.insert(
            "store",
            sql::STORE_COLUMNS,
            vec![
                Value::Int(object_id),
                Value::Int(good_id),
                Value::Float(0.0),
                decimal_value(price),
                Value::text(""),
                Value::Int(1),
                Value::Int(1),
            ],
        )
        .await?;
    }
    tx.exec(
        sql::STORE_CHANGE,
        &[
            decimal_value(delta),
            Value::Int(object_id),
            Value::Int(good_id),
        ],
    )
    .await?;
    Ok(())
}

/// The due amount, as Склад Pro computes it: the sum of the rounded line totals with VAT.
fn total_of(settings: &DatabaseSettings, lines: &[PreparedLine]) -> Decimal {
    money::due_amount(
        lines.iter().map(|l| (l.quantity, l.price, l.rate)),
        settings.prices_include_vat,
    )
}

/// Refuse a Sale that takes a good below zero where the database forbids negative stock
/// (run after the store rows were changed, inside the same transaction).
async fn check_stock(
    tx: &mut Tx<'_>,
    settings: &DatabaseSettings,
    kind: DocumentKind,
    object_id: i64,
    lines: &[PreparedLine],
    converts_order: Option<i64>,
) -> Result<()> {
    if settings.negative_stock_allowed || kind.sign() >= 0 {
        return Ok(());
    }
    crate::stock::check_availability(
        tx,
        object_id,
        lines.iter().map(|l| (l.good_id, l.quantity)),
        converts_order,
    )
    .await
}

/// Writes the whole document; returns its number, its object, and where its partner in Склад
/// Pro differs from the data given.
pub(crate) async fn create_document_in(
    tx: &mut Tx<'_>,
    settings: &DatabaseSettings,
    doc: &NewDocument,
) -> Result<(i64, i64, Vec<PartnerDifference>)> {
    if doc.kind == DocumentKind::Sale && settings.uses_lots() {
        return Err(Error::Unsupported(
            "this Склад Pro database manages goods by lots (FIFO/LIFO/…); the sync writes Orders only here".into(),
        ));
    }
    if doc.reference.chars().count() > 255 {
        return Err(Error::invalid(
            "document reference",
            "longer than the 255 characters of the Note field",
        ));
    }
    if tx
        .rows(sql::OBJECT_EXISTS, &[Value::Int(doc.object_id)])
        .await?
        .is_empty()
        || doc.object_id <= 1
    {
        return Err(Error::UnknownObject {
            object_id: doc.object_id,
        });
    }
    let payment_type = if doc.kind == DocumentKind::Sale {
        Some(
            tx.one(sql::PAYMENT_TYPE_BY_ID, &[Value::Int(doc.payment_type_id)])
                .await?
                .as_ref()
                .and_then(payment_type_from_row)
                .ok_or(Error::UnknownPaymentType {
                    payment_type: doc.payment_type_id,
                })?,
        )
    } else {
        None
    };
    let lines = prepare_lines(tx, settings, &doc.lines).await?;

    let mut differences = Vec::new();
    let partner_id = match &doc.partner {
        PartnerChoice::Existing(id) => *id,
        PartnerChoice::Upsert { keys, data } => {
            let mut found = None;
            for key in keys {
                if let Some(p) = find_partners_in(tx, key).await?.into_iter().next() {
                    found = Some(p.id);
                    break;
                }
            }
            let saved = save_partner_in(tx, found, data, doc.user_id).await?;
            differences = saved.differences;
            saved.id
        }
    };
    // The name as Склад Pro holds it (an existing partner keeps its own).
    let partner_name = tx
        .one(sql::PARTNER_EXISTS, &[Value::Int(partner_id)])
        .await?
        .ok_or(Error::UnknownPartner { partner_id })?
        .text(1)
        .unwrap_or_default();

    if let Some(usn) = &doc.usn {
        if !crate::usn::is_usn(&usn.usn) {
            return Err(Error::invalid(
                format!("УНП `{}`", usn.usn),
                "it is not in the legal format XX000000-XXXX-0000000",
            ));
        }
        if !tx
            .rows(sql::USN_TAKEN, &[Value::text(&usn.usn)])
            .await?
            .is_empty()
        {
            return Err(Error::UsnTaken {
                usn: usn.usn.clone(),
            });
        }
    }

    let number = allocate_number(tx, settings, doc.kind, doc.object_id).await?;
    let header = Header {
        kind: doc.kind,
        number,
        partner_id,
        object_id: doc.object_id,
        operator_id: doc.user_id,
        user_id: doc.user_id,
        date: date_value(doc.date),
        note: doc.reference.clone(),
    };
    let now = server_now(tx).await?;
    insert_lines(tx, &header, &lines, now).await?;
    check_stock(
        tx,
        settings,
        doc.kind,
        doc.object_id,
        &lines,
        doc.converts_order,
    )
    .await?;
    let total = total_of(settings, &lines);

    if let Some(pt) = payment_type {
        // Every row of the document carries the due row's EndDate (its due date, the document
        // date): Склад Pro's due-date reports group a document's rows by it.
        let due_date = header.date.clone();
        let payment = |qtty: Decimal, mode: i64, date: Value, transaction: &str| {
            vec![
                Value::Int(number),
                Value::Int(doc.kind.oper_type()),
                Value::Int(partner_id),
                Value::Int(doc.object_id),
                decimal_value(qtty),
                Value::Int(mode),
                Value::Int(1),
                date,
                Value::Int(doc.user_id),
                Value::DateTime(now),
                Value::Int(pt.id),
                Value::text(transaction),
                due_date.clone(),
            ]
        };
        tx.insert(
            "payments",
            sql::PAYMENT_COLUMNS,
            payment(total, -1, header.date.clone(), ""),
        )
        .await?;
        for paid in &doc.paid {
            tx.insert(
                "payments",
                sql::PAYMENT_COLUMNS,
                payment(
                    money::round_money(paid.amount),
                    1,
                    date_value(paid.date),
                    &paid.transaction_number,
                ),
            )
            .await?;
            if pt.is_cash() {
                let desc = format!("{} № {number:010}, {partner_name}", doc.kind.label());
                tx.insert(
                    "cashbook",
                    sql::CASHBOOK_COLUMNS,
                    vec![
                        date_value(paid.date),
                        Value::text(&desc.chars().take(255).collect::<String>()),
                        // turnover type 8: income from a sale
                        Value::Int(8),
                        Value::Int(1),
                        decimal_value(money::round_money(paid.amount)),
                        Value::Int(doc.user_id),
                        Value::DateTime(now),
                        Value::Int(doc.object_id),
                    ],
                )
                .await?;
            }
        }
    }

    if let Some(usn) = &doc.usn {
        tx.insert(
            "ecrreceipts",
            sql::ECR_COLUMNS,
            vec![
                Value::Int(doc.kind.oper_type()),
                Value::Int(number),
                Value::Int(usn.sequence),
                Value::DateTime(now),
                Value::Int(crate::usn::USN_RECEIPT_TYPE),
                Value::text(&usn.device),
                Value::text(&usn.usn),
                decimal_value(total),
                Value::Int(doc.user_id),
                Value::DateTime(now),
            ],
        )
        .await?;
    }
    Ok((number, doc.object_id, differences))
}

struct OldLine {
    good_id: i64,
    quantity: Decimal,
    sign: i64,
}

async fn read_header_and_lines(
    tx: &mut Tx<'_>,
    settings: &DatabaseSettings,
    kind: DocumentKind,
    params: &[Value],
) -> Result<(Header, Vec<OldLine>)> {
    let rows = tx
        .rows(&sql::document_lines(settings.numbering_per_object), params)
        .await?;
    let number = params[1].as_i64().unwrap_or(0);
    let first = rows
        .first()
        .ok_or_else(|| Error::DocumentNotFound(format!("{} {number:010}", kind.label())))?;
    let header = Header {
        kind,
        number,
        partner_id: first.int(6).unwrap_or(1),
        object_id: first.int(7).unwrap_or(0),
        operator_id: first.int(10).unwrap_or(0),
        user_id: first.int(11).unwrap_or(0),
        date: first
            .datetime(8)
            .map(Value::DateTime)
            .unwrap_or(Value::Null),
        note: first.text(9).unwrap_or_default(),
    };
    let lines = rows
        .iter()
        .map(|r| OldLine {
            good_id: r.int(1).unwrap_or(0),
            quantity: decimal_of(r, 2),
            sign: r.int(12).unwrap_or(0),
        })
        .collect();
    Ok((header, lines))
}

async fn refuse_fiscal(tx: &mut Tx<'_>, kind: DocumentKind, number: i64) -> Result<()> {
    if kind == DocumentKind::Sale
        && !tx
            .rows(
                sql::USN_OF_DOCUMENT,
                &[Value::Int(kind.oper_type()), Value::Int(number)],
            )
            .await?
            .is_empty()
    {
        return Err(Error::Fiscal(format!("{} {number:010}", kind.label())));
    }
    Ok(())
}

async fn undo_store(tx: &mut Tx<'_>, object_id: i64, old: &[OldLine]) -> Result<()> {
    for l in old.iter().filter(|l| l.sign != 0) {
        change_store(
            tx,
            object_id,
            l.good_id,
            -l.quantity * Decimal::from(l.sign),
            Decimal::ZERO,
        )
        .await?;
    }
    Ok(())
}

pub(crate) async fn replace_lines_in(
    tx: &mut Tx<'_>,
    settings: &DatabaseSettings,
    kind: DocumentKind,
    params: &[Value],
    lines: &[NewLine],
    user_id: i64,
) -> Result<()> {
    let (header, old) = read_header_and_lines(tx, settings, kind, params).await?;
    refuse_fiscal(tx, kind, header.number).await?;
    let new = prepare_lines(tx, settings, lines).await?;
    undo_store(tx, header.object_id, &old).await?;
    tx.exec(
        &sql::delete_document_lines(settings.numbering_per_object),
        params,
    )
    .await?;
    let now = server_now(tx).await?;
    insert_lines(tx, &header, &new, now).await?;
    check_stock(tx, settings, kind, header.object_id, &new, None).await?;
    if kind == DocumentKind::Sale {
        let mut p = vec![decimal_value(total_of(settings, &new))];
        p.extend_from_slice(params);
        tx.exec(&sql::update_due_payment(settings.numbering_per_object), &p)
            .await?;
    }
    log_document(tx, LogAction::Edit, &header, user_id, now).await
}

/// What the application log records of a document.
#[derive(Clone, Copy)]
enum LogAction {
    Edit,
    Annul,
}

/// One `applicationlog` row in Склад Pro's words: "Редакция на поръчка №0000000012 от
/// 01.02.2025", "Анулиране на продажба №…".
async fn log_document(
    tx: &mut Tx<'_>,
    action: LogAction,
    header: &Header,
    user_id: i64,
    now: chrono::NaiveDateTime,
) -> Result<()> {
    let date = header
        .date
        .as_datetime()
        .map(|d| d.format("%d.%m.%Y").to_string())
        .unwrap_or_default();
    let what = match header.kind {
        DocumentKind::Sale => "продажба",
        DocumentKind::Order => "поръчка",
    };
    let verb = match action {
        LogAction::Edit => "Редакция",
        LogAction::Annul => "Анулиране",
    };
    tx.exec(
        sql::APPLICATION_LOG,
        &[
            Value::text(&format!(
                "{verb} на {what} №{:010} от {date}",
                header.number
            )),
            Value::Int(user_id),
            Value::DateTime(now),
            Value::text(LOG_SOURCE),
        ],
    )
    .await?;
    Ok(())
}

/// `applicationlog.MessageSource` of the rows this program writes (Склад Pro writes its own
/// product name there).
const LOG_SOURCE: &str = "skladsync";

pub(crate) async fn annul_in(
    tx: &mut Tx<'_>,
    settings: &DatabaseSettings,
    kind: DocumentKind,
    params: &[Value],
    user_id: i64,
) -> Result<()> {
    let (header, old) = read_header_and_lines(tx, settings, kind, params).await?;
    refuse_fiscal(tx, kind, header.number).await?;
    undo_store(tx, header.object_id, &old).await?;
    tx.exec(
        &sql::delete_document_lines(settings.numbering_per_object),
        params,
    )
    .await?;
    tx.exec(
        &sql::delete_document_payments(settings.numbering_per_object),
        params,
    )
    .await?;
    tx.exec(
        sql::DELETE_NEXT_ACCT,
        &[Value::Text(format!("{}{}", kind.prefix(), header.number))],
    )
    .await?;
    let now = server_now(tx).await?;
    log_document(tx, LogAction::Annul, &header, user_id, now).await
}
