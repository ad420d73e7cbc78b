//! Claims: "this was written once already", kept in the warehouse itself under a unique key, so
//! that two writers on different machines (each with its own journal) never write the same
//! thing twice. A claim is the first write of the transaction that writes the document, so a
//! crash or a rollback leaves neither the claim nor the document; a second writer's claim fails
//! on the unique key (after waiting for the first writer's transaction, where the engine locks)
//! and it learns that the document is there.
//!
//! Where the claim lives is one choice ([`CLAIM_TABLE`]): a row in `nextacct`, the table Склад
//! Pro itself reserves document numbers in. Its `NextAcct` column is the primary key on all four
//! engines (Jet has no advisory locks, so a unique row is the portable way), no report or
//! document shows it, and no schema change is needed. Our keys start with [`CLAIM_MARK`], which
//! no number prefix of Склад Pro starts with (`S`, `OR`, `D`, `INV`, …), so a reader that
//! looks for the numbers of a series never sees them.

use crate::error::{DbErrorKind, Error, Result};
use crate::model::UsnRecord;
use crate::value::Value;
use crate::warehouse::Tx;

/// The table claims are kept in (its one column is its primary key).
pub const CLAIM_TABLE: &str = "nextacct";
/// The first character of every claim key.
pub const CLAIM_MARK: char = '@';
/// The width of `nextacct.NextAcct` (VARCHAR(50) / nvarchar(50)).
pub const CLAIM_KEY_CHARS: usize = 50;

pub(crate) const INSERT_CLAIM: &str = "INSERT INTO `nextacct` (`NextAcct`) VALUES (?)";
pub(crate) const CLAIM_EXISTS: &str = "SELECT `NextAcct` FROM `nextacct` WHERE `NextAcct` = ?";

/// A claim key: [`CLAIM_MARK`] and the caller's text when it fits the column, else the mark
/// and a 64-bit hash of the text (the same text always gives the same key).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Claim(String);

fn fnv64(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl Claim {
    pub fn new(text: &str) -> Claim {
        let key = format!("{CLAIM_MARK}{text}");
        if key.chars().count() <= CLAIM_KEY_CHARS && key.is_ascii() {
            Claim(key)
        } else {
            Claim(format!("{CLAIM_MARK}#{:016x}", fnv64(text)))
        }
    }

    /// The claim of a УНП's sequence number on its fiscal device: one document per number.
    pub fn usn_sequence(usn: &UsnRecord) -> Claim {
        Claim::new(&format!("USN:{}:{:07}", usn.device.trim(), usn.sequence))
    }

    pub fn key(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Claim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Take `claim` inside the caller's transaction; [`Error::Claimed`] when another writer holds
/// it.
pub(crate) async fn claim_in(tx: &mut Tx<'_>, claim: &Claim) -> Result<()> {
    match tx.exec(INSERT_CLAIM, &[Value::text(claim.key())]).await {
        Ok(_) => Ok(()),
        Err(Error::Database(e)) if e.kind == DbErrorKind::Duplicate => Err(Error::Claimed {
            key: claim.key().to_owned(),
        }),
        Err(e) => Err(e),
    }
}

/// Whether `claim` is held.
pub(crate) async fn is_claimed_in(tx: &mut Tx<'_>, claim: &Claim) -> Result<bool> {
    Ok(!tx
        .rows(CLAIM_EXISTS, &[Value::text(claim.key())])
        .await?
        .is_empty())
}

/// A document written under claims: the document's claim first (before any other write), then
/// the УНП sequence's, then the document itself; all in the caller's one transaction.
pub(crate) async fn create_claimed_in(
    tx: &mut Tx<'_>,
    settings: &crate::model::DatabaseSettings,
    doc: &crate::model::NewDocument,
    claim: &Claim,
) -> Result<(i64, i64, Vec<crate::PartnerDifference>)> {
    claim_in(tx, claim).await?;
    if let Some(u) = &doc.usn {
        match claim_in(tx, &Claim::usn_sequence(u)).await {
            Ok(()) => {}
            Err(Error::Claimed { .. }) => {
                return Err(Error::UsnTaken { usn: u.usn.clone() });
            }
            Err(e) => return Err(e),
        }
    }
    crate::write::create_document_in(tx, settings, doc).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dialect;

    #[test]
    fn keys_fit_the_column_and_never_look_like_a_number_series() {
        let short = Claim::new("CC:O:shop.example.bg:1001");
        assert_eq!(short.key(), "@CC:O:shop.example.bg:1001");
        let long = Claim::new(&format!("CC:O:{}:1001", "x".repeat(60)));
        assert_eq!(long.key().len(), 18);
        assert_eq!(long, Claim::new(&format!("CC:O:{}:1001", "x".repeat(60))));
        assert_ne!(long, Claim::new(&format!("CC:O:{}:1002", "x".repeat(60))));
        let cyr = Claim::new("CC:O:магазин.бг:1");
        assert!(cyr.key().is_ascii() && cyr.key().starts_with('@'));
        let u = Claim::usn_sequence(&UsnRecord {
            device: "DT000600".into(),
            sequence: 42,
            usn: "DT000600-0001-0000042".into(),
        });
        assert_eq!(u.key(), "@USN:DT000600:0000042");
        for k in [&short, &long, &cyr, &u] {
            assert!(k.key().chars().count() <= CLAIM_KEY_CHARS);
            assert!(!k.key().starts_with(|c: char| c.is_ascii_alphanumeric()));
        }
    }

    #[test]
    fn claim_sql_for_access_and_mssql() {
        assert_eq!(
            Dialect::Access.render(INSERT_CLAIM),
            "INSERT INTO [nextacct] ([NextAcct]) VALUES (?)"
        );
        assert_eq!(
            Dialect::MsSql.render(INSERT_CLAIM),
            "INSERT INTO [nextacct] ([NextAcct]) VALUES (@P1)"
        );
        assert_eq!(
            Dialect::Access.render(CLAIM_EXISTS),
            "SELECT [NextAcct] FROM [nextacct] WHERE [NextAcct] = ?"
        );
        assert_eq!(
            Dialect::MsSql.render(CLAIM_EXISTS),
            "SELECT [NextAcct] FROM [nextacct] WHERE [NextAcct] = @P1"
        );
    }
}
