//! [`Warehouse`]: one interface to a Склад Pro database, whatever engine it lives on.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chrono::{Local, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use crate::backend::{Backend, Session};
use crate::connection::Connection;
use crate::dialect::Dialect;
use crate::error::{DbErrorKind, Error, Result};
use crate::model::*;
use crate::money;
use crate::partners::{PartnerDifference, SavedPartner};
use crate::sql;
use crate::value::{Row, Value};

/// How many times a transaction that lost a lock conflict (deadlock victim, busy database) is
/// run again before the error is returned.
const CONFLICT_RETRIES: u32 = 20;
/// How many taken numbers the document-number search steps over before it gives up.
const NUMBER_ATTEMPTS: i64 = 1000;
/// At most this many values in one `IN (…)` (MS SQL takes 2100 parameters a statement).
const IN_CHUNK: usize = 500;

/// A connected Склад Pro database.
#[derive(Clone)]
pub struct Warehouse {
    backend: Arc<dyn Backend>,
    settings: DatabaseSettings,
}

impl std::fmt::Debug for Warehouse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Warehouse")
            .field("backend", &self.backend.name())
            .field("settings", &self.settings)
            .finish()
    }
}

/// A session with the dialect at hand: renders templates and runs them.
pub(crate) struct Tx<'a> {
    pub(crate) s: &'a mut dyn Session,
    pub(crate) d: Dialect,
}

impl Tx<'_> {
    pub(crate) async fn rows(&mut self, template: &str, params: &[Value]) -> Result<Vec<Row>> {
        Ok(self.s.query(&self.d.render(template), params).await?)
    }
    pub(crate) async fn first(
        &mut self,
        columns: &str,
        rest: &str,
        params: &[Value],
    ) -> Result<Option<Row>> {
        Ok(self
            .s
            .query(&self.d.select_first(columns, rest), params)
            .await?
            .into_iter()
            .next())
    }
    pub(crate) async fn one(&mut self, template: &str, params: &[Value]) -> Result<Option<Row>> {
        Ok(self.rows(template, params).await?.into_iter().next())
    }
    pub(crate) async fn exec(&mut self, template: &str, params: &[Value]) -> Result<u64> {
        Ok(self.s.execute(&self.d.render(template), params).await?)
    }
    /// Insert one row and return its new `ID`.
    pub(crate) async fn insert(
        &mut self,
        table: &str,
        columns: &[&str],
        values: Vec<Value>,
    ) -> Result<i64> {
        let insert = self.d.render(&sql::insert(table, columns));
        let rows = match self.d.insert_returning_id(&insert) {
            Some(batch) => self.s.query(&batch, &values).await?,
            None => {
                self.s.execute(&insert, &values).await?;
                self.s.query(self.d.last_insert_id(), &[]).await?
            }
        };
        let id = rows.first().and_then(|r| r.int(0)).ok_or_else(|| {
            Error::Database(crate::DbError::other(format!(
                "no ID came back for the new {table} row"
            )))
        })?;
        Ok(id)
    }
}

/// Runs `$body` (which uses `$tx: &mut Tx`) in one transaction, again when it loses a lock
/// conflict; rolls back on any error.
macro_rules! transaction {
    ($wh:expr, |$tx:ident| $body:expr) => {{
        let mut attempt = 0u32;
        loop {
            let mut session = $wh.backend.session().await?;
            session.begin().await?;
            let result = {
                let mut tx_value = Tx {
                    s: &mut *session,
                    d: $wh.backend.dialect(),
                };
                let $tx = &mut tx_value;
                $body.await
            };
            let result = match result {
                Ok(v) => session.commit().await.map(|()| v).map_err(Error::from),
                Err(e) => Err(e),
            };
            if result.is_err() {
                // Also after a failed COMMIT, which may leave the transaction open.
                let _ = session.rollback().await;
            }
            match result {
                Err(e) if e.is_conflict() && attempt < CONFLICT_RETRIES => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(5 * u64::from(attempt))).await;
                }
                other => break other,
            }
        }
    }};
}

/// The save time of a row (`UserRealTime`), to the second, as Склад Pro takes it: from the
/// database server's clock where the engine has one ([`Dialect::server_now`]), else (SQLite, a
/// file on this machine) from this machine's. Read once per transaction by each write.
pub(crate) async fn server_now(tx: &mut Tx<'_>) -> Result<NaiveDateTime> {
    let server = match tx.d.server_now() {
        Some(q) => {
            tx.s.query(q, &[])
                .await?
                .first()
                .and_then(|r| r.datetime(0))
        }
        None => None,
    };
    let now = server.unwrap_or_else(|| Local::now().naive_local());
    Ok(chrono::Timelike::with_nanosecond(&now, 0).unwrap_or(now))
}

fn midnight(d: NaiveDate) -> NaiveDateTime {
    d.and_hms_opt(0, 0, 0).unwrap_or_default()
}

pub(crate) fn decimal_value(v: Decimal) -> Value {
    Value::Float(money::to_db(v))
}

pub(crate) fn decimal_of(row: &Row, i: usize) -> Decimal {
    row.float(i).and_then(money::from_db).unwrap_or_default()
}

/// A store row (`ID`, `GoodID`, `Qtty`) with a negative quantity, as a problem to report.
pub(crate) fn negative_stock_problem(r: &Row) -> DataProblem {
    DataProblem {
        table: "store",
        row_id: r.int(0).unwrap_or(0),
        field: "Qtty",
        message: format!(
            "negative quantity {} of good {}; the shop is sent 0",
            decimal_of(r, 2),
            r.int(1).unwrap_or(0)
        ),
    }
}

fn is_deleted(row: &Row, i: usize) -> bool {
    row.int(i).unwrap_or(0) != 0
}

pub(crate) fn ints(ids: &[i64]) -> Vec<Value> {
    ids.iter().map(|i| Value::Int(*i)).collect()
}

impl Warehouse {
    /// Connect and check that this is a Склад Pro database.
    pub async fn connect(connection: &Connection) -> Result<Warehouse> {
        let backend = open_backend(connection, false).await?;
        let settings = read_settings(&*backend).await?;
        Ok(Warehouse { backend, settings })
    }

    /// Create the Склад Pro tables and the seed rows of a blank 3.07 database (service records,
    /// groups, VAT group, payment types, configuration) in an empty database, then connect.
    /// `version` is what the `system` table will say, e.g. `3.07` or `3.07.100`.
    pub async fn create_blank(connection: &Connection, blank: &BlankDatabase) -> Result<Warehouse> {
        let backend = open_backend(connection, true).await?;
        let d = backend.dialect();
        let mut session = backend.session().await?;
        for stmt in crate::schema::create_statements(d) {
            session.execute(&stmt, &[]).await?;
        }
        let mut tx = Tx {
            s: &mut *session,
            d,
        };
        crate::seed::blank_rows(&mut tx, blank).await?;
        drop(session);
        let settings = read_settings(&*backend).await?;
        Ok(Warehouse { backend, settings })
    }

    pub(crate) async fn backend_session(&self) -> Result<Box<dyn Session>> {
        Ok(self.backend.session().await?)
    }

    pub fn dialect(&self) -> Dialect {
        self.backend.dialect()
    }

    pub fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    /// The database-wide settings read when connecting.
    pub fn settings(&self) -> &DatabaseSettings {
        &self.settings
    }

    async fn read<T>(
        &self,
        template: &str,
        params: &[Value],
        f: impl Fn(&Row) -> Option<T>,
    ) -> Result<Vec<T>> {
        let mut session = self.backend.session().await?;
        let mut tx = Tx {
            s: &mut *session,
            d: self.dialect(),
        };
        Ok(tx
            .rows(template, params)
            .await?
            .iter()
            .filter_map(f)
            .collect())
    }

    // ------------------------------------------------------------------ reads

    /// Run a read-only diagnostic query written as a template (identifiers in backticks,
    /// parameters as `?`), rendered for this engine. For tests and support tools: what a user
    /// would check in the database.
    pub async fn query(&self, template: &str, params: &[Value]) -> Result<Vec<Row>> {
        self.read(template, params, |r| Some(r.clone())).await
    }

    /// The `system` version row (ProductID 1, Warehouse).
    pub async fn program_version(&self) -> Result<ProgramVersion> {
        let rows = self
            .read(sql::VERSION, &[], |r| Some((r.text(0)?, r.int(1))))
            .await?;
        let raw = rows
            .iter()
            .find(|(_, product)| *product == Some(1))
            .or_else(|| rows.first())
            .map(|(v, _)| v.clone())
            .ok_or_else(|| Error::NotWarehouse("the system table has no version row".into()))?;
        ProgramVersion::parse(&raw).ok_or_else(|| {
            Error::NotWarehouse(format!(
                "the system table's version `{raw}` is not a version number"
            ))
        })
    }

    /// Users who can be chosen as the active user: not deleted, without the service user. Only
    /// ID 1 is the service user: users of the default group (`GroupID` -1, where many databases
    /// keep every user) are real users.
    pub async fn users(&self) -> Result<Vec<User>> {
        self.read(sql::USERS, &[], |r| {
            let id = r.int(0)?;
            (id > SERVICE_USER_ID && !is_deleted(r, 5)).then(|| User {
                id,
                code: r.text(1).unwrap_or_default(),
                name: r.text(2).unwrap_or_default(),
                level: r.int(3).unwrap_or(0),
            })
        })
        .await
    }

    /// One user by ID, the service user and deleted users included (to name the user documents
    /// are written as).
    pub async fn user(&self, id: i64) -> Result<Option<User>> {
        Ok(self
            .read(sql::USER_BY_ID, &[Value::Int(id)], |r| {
                Some(User {
                    id: r.int(0)?,
                    code: r.text(1).unwrap_or_default(),
                    name: r.text(2).unwrap_or_default(),
                    level: r.int(3).unwrap_or(0),
                })
            })
            .await?
            .into_iter()
            .next())
    }

    /// Objects (shops, warehouses), without the service object and deleted ones.
    pub async fn locations(&self) -> Result<Vec<Location>> {
        self.read(sql::OBJECTS, &[], |r| {
            (!is_deleted(r, 5)).then(|| Location {
                id: r.int(0).unwrap_or(0),
                code: r.text(1).unwrap_or_default(),
                name: r.text(2).unwrap_or_default(),
                group_id: r.int(3).unwrap_or(1),
                price_group: r
                    .int(4)
                    .and_then(PriceGroup::from_stored)
                    .unwrap_or(PriceGroup::RETAIL),
            })
        })
        .await
    }

    pub async fn object_groups(&self) -> Result<Vec<Group>> {
        self.read(sql::OBJECT_GROUPS, &[], group_from_row).await
    }

    /// Goods groups, ordered by their hierarchical code (parents before children).
    pub async fn goods_groups(&self) -> Result<Vec<Group>> {
        self.read(sql::GOODS_GROUPS, &[], group_from_row).await
    }

    pub async fn vat_groups(&self) -> Result<Vec<VatGroup>> {
        self.read(sql::VAT_GROUPS, &[], |r| {
            Some(VatGroup {
                id: r.int(0)?,
                code: r.text(1).unwrap_or_default(),
                name: r.text(2).unwrap_or_default(),
                rate: decimal_of(r, 3),
            })
        })
        .await
    }

    pub async fn payment_types(&self) -> Result<Vec<PaymentType>> {
        self.read(sql::PAYMENT_TYPES, &[], payment_type_from_row)
            .await
    }

    pub async fn currencies(&self) -> Result<Vec<Currency>> {
        self.read(sql::CURRENCIES, &[], |r| {
            (!is_deleted(r, 3)).then(|| Currency {
                id: r.int(0).unwrap_or(0),
                code: r.text(1).unwrap_or_default(),
                name: r.text(2).unwrap_or_default(),
            })
        })
        .await
    }

    /// The ids of `groups` and of every group below them.
    pub async fn goods_groups_with_descendants(&self, groups: &[i64]) -> Result<Vec<i64>> {
        let all = self.goods_groups().await?;
        let chosen: Vec<&Group> = all.iter().filter(|g| groups.contains(&g.id)).collect();
        let mut ids: BTreeSet<i64> = groups.iter().copied().collect();
        for g in &all {
            if chosen.iter().any(|c| c.contains(g)) {
                ids.insert(g.id);
            }
        }
        Ok(ids.into_iter().collect())
    }

    /// Goods of the chosen goods groups and all their sub-groups (all goods when `groups` is
    /// empty), with the price of `price_group`. Deleted goods and the service good are left
    /// out; bad data is reported in [`GoodsRead::problems`] and never stops the read.
    pub async fn goods(&self, groups: &[i64], price_group: PriceGroup) -> Result<GoodsRead> {
        let group_ids = if groups.is_empty() {
            Vec::new()
        } else {
            self.goods_groups_with_descendants(groups).await?
        };
        let mut session = self.backend.session().await?;
        let mut tx = Tx {
            s: &mut *session,
            d: self.dialect(),
        };
        let mut rows = Vec::new();
        if group_ids.is_empty() {
            rows = tx.rows(&sql::goods(price_group.column(), 0), &[]).await?;
        } else {
            for chunk in group_ids.chunks(IN_CHUNK) {
                rows.extend(
                    tx.rows(&sql::goods(price_group.column(), chunk.len()), &ints(chunk))
                        .await?,
                );
            }
        }
        Ok(crate::checks::goods_from_rows(rows))
    }

    /// Quantity on hand per good, summed over `objects`, in one query.
    pub async fn quantities(&self, objects: &[i64]) -> Result<QuantitiesRead> {
        let mut out = QuantitiesRead::default();
        if objects.is_empty() {
            return Ok(out);
        }
        let mut session = self.backend.session().await?;
        let mut tx = Tx {
            s: &mut *session,
            d: self.dialect(),
        };
        let mut any_negative = false;
        for chunk in objects.chunks(IN_CHUNK) {
            let template = tx.d.big_grouped_select(&sql::quantities(chunk.len()));
            for r in tx.rows(&template, &ints(chunk)).await? {
                let Some(good) = r.int(0) else { continue };
                *out.quantities.entry(good).or_default() += decimal_of(&r, 1);
                any_negative |= r.float(2).is_some_and(|m| m < 0.0);
            }
        }
        // The rows behind a negative stock are looked up only when there is one.
        if any_negative {
            for chunk in objects.chunks(IN_CHUNK) {
                for r in tx
                    .rows(&sql::negative_store_rows(chunk.len()), &ints(chunk))
                    .await?
                {
                    out.problems.push(negative_stock_problem(&r));
                }
            }
        }
        Ok(out)
    }

    /// Quantities held by open Orders (OperType 19) per good, summed over `objects`.
    pub async fn reserved_by_orders(&self, objects: &[i64]) -> Result<HashMap<i64, Decimal>> {
        let mut out: HashMap<i64, Decimal> = HashMap::new();
        let mut session = self.backend.session().await?;
        let mut tx = Tx {
            s: &mut *session,
            d: self.dialect(),
        };
        for chunk in objects.chunks(IN_CHUNK) {
            for r in tx
                .rows(&sql::reserved_by_orders(chunk.len()), &ints(chunk))
                .await?
            {
                if let Some(good) = r.int(0) {
                    *out.entry(good).or_default() += decimal_of(&r, 1);
                }
            }
        }
        Ok(out)
    }

    /// Partners (not deleted, not the service partner) matching the key: ЕИК/Булстат, VAT
    /// number, or e-mail (case-insensitive).
    pub async fn find_partners(&self, key: &PartnerKey) -> Result<Vec<Partner>> {
        let mut session = self.backend.session().await?;
        let mut tx = Tx {
            s: &mut *session,
            d: self.dialect(),
        };
        crate::partners::find_partners_in(&mut tx, key).await
    }

    /// The last УНП sequence number used on a fiscal device: the highest of Склад Pro's own
    /// type-8 receipt numbers and of the УНП texts stored for the device.
    pub async fn last_usn_sequence(&self, device: &str) -> Result<i64> {
        let mut session = self.backend.session().await?;
        let mut tx = Tx {
            s: &mut *session,
            d: self.dialect(),
        };
        last_usn_sequence_in(&mut tx, device).await
    }

    /// УНП rows found in `ecrreceipts` (type 8 with a УНП-shaped description): evidence that the
    /// database has been used in SUPTO mode.
    pub async fn usn_records_present(&self) -> Result<bool> {
        let rows = self
            .read(sql::USN_ROWS, &[], |r| {
                r.text(2).filter(|t| crate::usn::is_usn(t))
            })
            .await?;
        Ok(!rows.is_empty())
    }

    /// Documents whose lines carry `reference` in their Note.
    pub async fn find_documents_by_reference(&self, reference: &str) -> Result<Vec<Document>> {
        let mut session = self.backend.session().await?;
        let mut tx = Tx {
            s: &mut *session,
            d: self.dialect(),
        };
        let rows = tx
            .rows(sql::DOCUMENTS_BY_NOTE, &[Value::text(reference)])
            .await?;
        let mut keys = BTreeSet::new();
        for r in rows {
            if r.int(3).unwrap_or(0) == 0 {
                continue; // numbering marker row
            }
            if let (Some(kind), Some(acct)) =
                (r.int(0).and_then(DocumentKind::from_oper_type), r.int(1))
            {
                keys.insert((kind.oper_type(), acct, r.int(2).unwrap_or(0)));
            }
        }
        let mut out = Vec::new();
        for (t, acct, object) in keys {
            let kind = DocumentKind::from_oper_type(t).unwrap_or(DocumentKind::Order);
            if let Some(doc) = self.load_document(&mut tx, kind, acct, object).await? {
                out.push(doc);
            }
        }
        Ok(out)
    }

    /// One document by its type, number and object.
    pub async fn document(
        &self,
        kind: DocumentKind,
        number: i64,
        object_id: i64,
    ) -> Result<Option<Document>> {
        let mut session = self.backend.session().await?;
        let mut tx = Tx {
            s: &mut *session,
            d: self.dialect(),
        };
        self.load_document(&mut tx, kind, number, object_id).await
    }

    fn doc_params(&self, kind: DocumentKind, number: i64, object_id: i64) -> Vec<Value> {
        let mut p = vec![Value::Int(kind.oper_type()), Value::Int(number)];
        if self.settings.numbering_per_object {
            p.push(Value::Int(object_id));
        }
        p
    }

    async fn load_document(
        &self,
        tx: &mut Tx<'_>,
        kind: DocumentKind,
        number: i64,
        object_id: i64,
    ) -> Result<Option<Document>> {
        let per_object = self.settings.numbering_per_object;
        let rows = tx
            .rows(
                &sql::document_lines(per_object),
                &self.doc_params(kind, number, object_id),
            )
            .await?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let lines: Vec<DocumentLine> = rows
            .iter()
            .map(|r| DocumentLine {
                good_id: r.int(1).unwrap_or(0),
                quantity: decimal_of(r, 2),
                price: decimal_of(r, 3),
                vat: decimal_of(r, 4),
                discount_percent: decimal_of(r, 5),
            })
            .collect();
        let include = self.settings.prices_include_vat;
        let total = money::due_amount(
            lines
                .iter()
                .map(|l| (l.quantity, l.price, money::rate_of(l.price, l.vat, include))),
            include,
        );
        Ok(Some(Document {
            kind,
            number,
            object_id: first.int(7).unwrap_or(object_id),
            partner_id: first.int(6).unwrap_or(0),
            date: first.datetime(8),
            reference: first.text(9).unwrap_or_default(),
            total,
            lines,
        }))
    }

    // ----------------------------------------------------------------- writes

    /// Create a partner (print copies written from the same data, `Type` and `IsVeryUsed` as
    /// Склад Pro sets them), or fill the empty fields of partner `id`: what Склад Pro holds is
    /// never overwritten, and each field that differs comes back in
    /// [`SavedPartner::differences`] for a person to review.
    pub async fn save_partner(
        &self,
        id: Option<i64>,
        data: &PartnerData,
        user_id: i64,
    ) -> Result<SavedPartner> {
        transaction!(self, |tx| crate::partners::save_partner_in(
            tx, id, data, user_id
        ))
    }

    /// Create a good (with a zero store row in every object where the costing mode keeps one,
    /// as Склад Pro does), or update good `id`. Only the price of `data.price_group` is
    /// written; an update leaves the print name `Name2` as the user keeps it.
    pub async fn save_good(&self, id: Option<i64>, data: &GoodData) -> Result<i64> {
        transaction!(self, |tx| crate::write::save_good_in(
            tx,
            &self.settings,
            id,
            data
        ))
    }

    /// Create a goods group under `parent` (top level when `None`) with the next free code.
    pub async fn create_goods_group(&self, name: &str, parent: Option<i64>) -> Result<Group> {
        transaction!(self, |tx| crate::write::create_goods_group_in(
            tx, name, parent
        ))
    }

    /// Write a whole document in one transaction: partner, lines, store, payments, cash book,
    /// УНП; its number allocated safely against Склад Pro and other writers.
    pub async fn create_document(&self, doc: &NewDocument) -> Result<Document> {
        Ok(self.create_document_reviewed(doc).await?.0)
    }

    /// [`Warehouse::create_document`] under a claim (see [`crate::Claim`]): the claim is the
    /// first write of the document's transaction, then the claim of its УНП's sequence number.
    /// [`Error::Claimed`] when another writer holds the claim: nothing was written. With the
    /// fields where the document's partner in Склад Pro differs from the data given.
    pub async fn create_claimed_document(
        &self,
        doc: &NewDocument,
        claim: &crate::Claim,
    ) -> Result<(Document, Vec<PartnerDifference>)> {
        let (number, object_id, differences) =
            transaction!(self, |tx| crate::claim::create_claimed_in(
                tx,
                &self.settings,
                doc,
                claim
            ))?;
        let document = self
            .document(doc.kind, number, object_id)
            .await?
            .ok_or_else(|| Error::DocumentNotFound(format!("{} {number:010}", doc.kind.label())))?;
        Ok((document, differences))
    }

    /// Whether a claim is held (its document was written by some writer).
    pub async fn is_claimed(&self, claim: &crate::Claim) -> Result<bool> {
        let mut session = self.backend.session().await?;
        let mut tx = Tx {
            s: &mut *session,
            d: self.dialect(),
        };
        crate::claim::is_claimed_in(&mut tx, claim).await
    }

    /// Give up a claim, so that its document may be written again (after the document was
    /// annulled and the operator wants it back). `false` when it was not held.
    pub async fn release_claim(&self, claim: &crate::Claim) -> Result<bool> {
        let n = transaction!(self, |tx| tx
            .exec(sql::DELETE_NEXT_ACCT, &[Value::text(claim.key())]))?;
        Ok(n > 0)
    }

    /// One partner (not the service partner) by its ID, deleted or not.
    pub async fn partner(&self, id: i64) -> Result<Option<Partner>> {
        let rows = self
            .read(&sql::partner_by("`ID`"), &[Value::Int(id)], |r| {
                Some(Partner {
                    id: r.int(0)?,
                    code: r.text(1).unwrap_or_default(),
                    data: PartnerData {
                        company: r.text(2).unwrap_or_default(),
                        mol: r.text(3).unwrap_or_default(),
                        city: r.text(4).unwrap_or_default(),
                        address: r.text(5).unwrap_or_default(),
                        phone: r.text(6).unwrap_or_default(),
                        email: r.text(7).unwrap_or_default(),
                        vat_number: r.text(8).unwrap_or_default(),
                        eik: r.text(9).unwrap_or_default(),
                    },
                })
            })
            .await?;
        Ok(rows.into_iter().next())
    }

    /// [`Warehouse::create_document`], with the fields where the document's partner in Склад
    /// Pro differs from the data given (the partner keeps its own; see
    /// [`Warehouse::save_partner`]).
    pub async fn create_document_reviewed(
        &self,
        doc: &NewDocument,
    ) -> Result<(Document, Vec<PartnerDifference>)> {
        let (number, object_id, differences) =
            transaction!(self, |tx| crate::write::create_document_in(
                tx,
                &self.settings,
                doc
            ))?;
        let document = self
            .document(doc.kind, number, object_id)
            .await?
            .ok_or_else(|| Error::DocumentNotFound(format!("{} {number:010}", doc.kind.label())))?;
        Ok((document, differences))
    }

    /// Replace all lines of an existing document (store and the due payment follow), logged as
    /// Склад Pro logs an edit, by `user_id`.
    pub async fn replace_document_lines(
        &self,
        kind: DocumentKind,
        number: i64,
        object_id: i64,
        lines: &[NewLine],
        user_id: i64,
    ) -> Result<Document> {
        let params = self.doc_params(kind, number, object_id);
        transaction!(self, |tx| crate::write::replace_lines_in(
            tx,
            &self.settings,
            kind,
            &params,
            lines,
            user_id
        ))?;
        self.document(kind, number, object_id)
            .await?
            .ok_or_else(|| Error::DocumentNotFound(format!("{} {number:010}", kind.label())))
    }

    /// Annul a document as Склад Pro does: its lines and payments are removed, the store gets
    /// the goods back, its number is released, and the application log records it. A Sale that
    /// carries a УНП is refused.
    pub async fn annul_document(
        &self,
        kind: DocumentKind,
        number: i64,
        object_id: i64,
        user_id: i64,
    ) -> Result<()> {
        let params = self.doc_params(kind, number, object_id);
        transaction!(self, |tx| crate::write::annul_in(
            tx,
            &self.settings,
            kind,
            &params,
            user_id
        ))
    }
}

fn group_from_row(r: &Row) -> Option<Group> {
    Some(Group {
        id: r.int(0)?,
        code: r.text(1).unwrap_or_default(),
        name: r.text(2).unwrap_or_default(),
    })
}

pub(crate) fn payment_type_from_row(r: &Row) -> Option<PaymentType> {
    Some(PaymentType {
        id: r.int(0)?,
        name: r.text(1).unwrap_or_default(),
        method: r.int(2).unwrap_or(0),
    })
}

pub(crate) async fn last_usn_sequence_in(tx: &mut Tx<'_>, device: &str) -> Result<i64> {
    let device = device.trim();
    let mut last = tx
        .one(sql::USN_MAX_SEQUENCE, &[Value::text(device)])
        .await?
        .and_then(|r| r.int(0))
        .unwrap_or(0);
    for r in tx.rows(sql::USN_TEXTS, &[Value::text(device)]).await? {
        if let Some(seq) = r
            .text(0)
            .as_deref()
            .and_then(|t| crate::usn::sequence_of(t, device))
        {
            last = last.max(seq);
        }
    }
    Ok(last)
}

/// Allocate the next document number of `kind` inside the caller's transaction: one above the
/// highest number in `operations` and `payments` of the series (per object when the database
/// numbers per object), reserved in `nextacct` — stepping over numbers another writer (Склад
/// Pro or a second sync) has reserved.
pub(crate) async fn allocate_number(
    tx: &mut Tx<'_>,
    settings: &DatabaseSettings,
    kind: DocumentKind,
    object_id: i64,
) -> Result<i64> {
    let per_object = settings.numbering_per_object;
    let mut params = ints(kind.series());
    if per_object {
        params.push(Value::Int(object_id));
    }
    let mut last = 0;
    for table in ["operations", "payments"] {
        let t = sql::max_acct(table, kind.series().len(), per_object);
        if let Some(v) = tx.one(&t, &params).await?.and_then(|r| r.int(0)) {
            last = last.max(v);
        }
    }
    let mut next = last + 1;
    for _ in 0..NUMBER_ATTEMPTS {
        let key = format!("{}{next}", kind.prefix());
        match tx.exec(sql::INSERT_NEXT_ACCT, &[Value::Text(key)]).await {
            Ok(_) => return Ok(next),
            Err(Error::Database(e)) if e.kind == DbErrorKind::Duplicate => next += 1,
            Err(e) => return Err(e),
        }
    }
    Err(Error::NumberingExhausted(kind.label().into()))
}

pub(crate) async fn store_row_exists(
    tx: &mut Tx<'_>,
    object_id: i64,
    good_id: i64,
) -> Result<bool> {
    Ok(tx
        .first(
            "`ID`",
            sql::STORE_ROW_REST,
            &[Value::Int(object_id), Value::Int(good_id)],
        )
        .await?
        .is_some())
}

pub(crate) fn date_value(d: NaiveDate) -> Value {
    Value::DateTime(midnight(d))
}

async fn open_backend(connection: &Connection, create: bool) -> Result<Arc<dyn Backend>> {
    let backend_name = connection.backend_name();
    let connect_error = |e: crate::DbError| Error::Connect {
        backend: backend_name,
        message: e.message,
    };
    let backend: Arc<dyn Backend> = match connection {
        Connection::Sqlite { path } => {
            if !create && !path.exists() {
                return Err(Error::Connect {
                    backend: backend_name,
                    message: format!("the file {} does not exist", path.display()),
                });
            }
            Arc::new(
                crate::backend::sqlite::SqliteBackend::open(path, create)
                    .await
                    .map_err(connect_error)?,
            )
        }
        Connection::MySql { url } => Arc::new(
            crate::backend::mysql::MySqlBackend::open(url)
                .await
                .map_err(connect_error)?,
        ),
        Connection::MsSql { connection_string } => Arc::new(
            crate::backend::mssql::MsSqlBackend::open(connection_string)
                .await
                .map_err(connect_error)?,
        ),
        Connection::Odbc { connection_string } => Arc::new(
            crate::backend::odbc::OdbcBackend::open(connection_string)
                .await
                .map_err(connect_error)?,
        ),
    };
    Ok(backend)
}

async fn read_settings(backend: &dyn Backend) -> Result<DatabaseSettings> {
    let mut session = backend.session().await?;
    let mut tx = Tx {
        s: &mut *session,
        d: backend.dialect(),
    };
    // A database without the system table is not a Склад Pro database.
    tx.rows(sql::VERSION, &[]).await.map_err(|e| match e {
        Error::Database(db) => {
            Error::NotWarehouse(format!("the `system` table cannot be read ({db})"))
        }
        other => other,
    })?;
    let config = tx.rows(sql::CONFIGURATION, &[]).await?;
    // Global settings have UserID -1; fall back to any row with the key.
    let value = |key: &str| -> Option<String> {
        let matching = || config.iter().filter(|r| r.text(0).as_deref() == Some(key));
        matching()
            .find(|r| r.int(2) == Some(-1))
            .or_else(|| matching().next())
            .and_then(|r| r.text(1))
    };
    let flag = |key: &str| crate::config::config_flag(key, value(key).as_deref());
    let currencies = tx.rows(sql::CURRENCIES, &[]).await?;
    let base_currency = currencies
        .iter()
        .find(|r| r.int(0) == Some(1))
        .and_then(|r| r.text(1))
        .unwrap_or_else(|| "BGN".into());
    Ok(DatabaseSettings {
        prices_include_vat: flag(crate::config::PRICES_INCLUDE_VAT),
        negative_stock_allowed: flag(crate::config::NEGATIVE_STOCK_ALLOWED),
        items_management: value("configkey23")
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0),
        numbering_per_object: flag(crate::config::NUMBERING_PER_OBJECT),
        base_currency,
    })
}

/// What a blank database is created with.
#[derive(Debug, Clone)]
pub struct BlankDatabase {
    /// The `system.Version` value, e.g. `3.07`.
    pub version: String,
    /// Currency of ID 1.
    pub base_currency: String,
    pub prices_include_vat: bool,
    pub numbering_per_object: bool,
}

impl Default for BlankDatabase {
    fn default() -> Self {
        BlankDatabase {
            version: "3.07".into(),
            base_currency: "EUR".into(),
            prices_include_vat: true,
            numbering_per_object: false,
        }
    }
}
