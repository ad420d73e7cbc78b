//! The database password in a MySQL URL or an ODBC / ADO.NET connection string: spliced in with
//! the escaping each format needs, and taken out of what the user typed so that the settings
//! file never holds it.
//!
//! * MySQL URL: the password is percent-encoded (every byte but `A–Z a–z 0–9 - . _ ~`).
//! * ODBC: `{…}` with `}` doubled.
//! * ADO.NET (MS SQL through tiberius): `{…}`; tiberius reads a braced value up to the first
//!   `}` and knows no escape, so a password with `}` goes in double quotes (or single quotes when
//!   it also has `"`). tiberius accepts only ASCII in a connection string: a password with other
//!   letters cannot be used there and is refused with a message.

use skladsync_warehouse::Connection;

use crate::connect::PASSWORD_PLACEHOLDER;

/// Why a password cannot be put into a connection string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpliceError {
    #[error(
        "the SQL Server password has letters other than Latin ones (or other non-ASCII \
         characters), which an SQL Server connection string cannot carry: use a password of \
         Latin letters, digits and signs"
    )]
    NotAscii,
    #[error(
        "the SQL Server password contains all of }}, \" and ', so no quoting can carry it in a \
         connection string: change the password"
    )]
    Unquotable,
}

/// `connection` with every `{password}` replaced by `password`, escaped for its format.
pub fn splice_password(connection: &Connection, password: &str) -> Result<Connection, SpliceError> {
    Ok(match connection {
        Connection::Sqlite { path } => Connection::Sqlite { path: path.clone() },
        Connection::MySql { url } => Connection::MySql {
            url: url.replace(PASSWORD_PLACEHOLDER, &percent_encode(password)),
        },
        Connection::MsSql { connection_string } => Connection::MsSql {
            connection_string: connection_string
                .replace(PASSWORD_PLACEHOLDER, &ado_quote(password)?),
        },
        Connection::Odbc { connection_string } => Connection::Odbc {
            connection_string: connection_string
                .replace(PASSWORD_PLACEHOLDER, &odbc_quote(password)),
        },
    })
}

/// A password typed into the URL or connection string (anything but `{password}`): the
/// connection with `{password}` in its place, and the password. `None` when there is none.
pub fn take_typed_password(connection: &Connection) -> Option<(Connection, String)> {
    match connection {
        Connection::Sqlite { .. } => None,
        Connection::MySql { url } => {
            let (url, password) = url_take_password(url)?;
            Some((Connection::MySql { url }, password))
        }
        Connection::MsSql { connection_string } => {
            let (connection_string, password) = pairs_take_password(connection_string)?;
            Some((Connection::MsSql { connection_string }, password))
        }
        Connection::Odbc { connection_string } => {
            let (connection_string, password) = pairs_take_password(connection_string)?;
            Some((Connection::Odbc { connection_string }, password))
        }
    }
}

/// Whether an MS SQL connection string trusts any server certificate
/// (`TrustServerCertificate=true`), the option the window labels as unsafe.
pub fn mssql_trusts_any_certificate(connection_string: &str) -> bool {
    pairs(connection_string).iter().any(|p| {
        p.key.eq_ignore_ascii_case("TrustServerCertificate")
            && matches!(
                p.value(connection_string).to_ascii_lowercase().as_str(),
                "true" | "yes"
            )
    })
}

/// The MS SQL connection string with `TrustServerCertificate` set (`trust`) or removed.
pub fn set_mssql_trust_any_certificate(connection_string: &str, trust: bool) -> String {
    let mut kept: Vec<&str> = pairs(connection_string)
        .iter()
        .filter(|p| !p.key.eq_ignore_ascii_case("TrustServerCertificate"))
        .map(|p| &connection_string[p.start..p.end])
        .filter(|s| !s.trim().is_empty())
        .collect();
    if trust {
        kept.push("TrustServerCertificate=true");
    }
    kept.join(";")
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn odbc_quote(password: &str) -> String {
    format!("{{{}}}", password.replace('}', "}}"))
}

fn ado_quote(password: &str) -> Result<String, SpliceError> {
    if !password.is_ascii() {
        return Err(SpliceError::NotAscii);
    }
    if !password.contains('}') {
        Ok(format!("{{{password}}}"))
    } else if !password.contains('"') {
        Ok(format!("\"{password}\""))
    } else if !password.contains('\'') {
        Ok(format!("'{password}'"))
    } else {
        Err(SpliceError::Unquotable)
    }
}

/// `scheme://user:password@host…` → the URL with `{password}` and the decoded password.
fn url_take_password(url: &str) -> Option<(String, String)> {
    let authority_start = url.find("://")? + 3;
    let rest = &url[authority_start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let at = rest[..authority_len].rfind('@')?;
    let userinfo = &rest[..at];
    let colon = userinfo.find(':')?;
    let raw = &userinfo[colon + 1..];
    if raw.is_empty() || raw == PASSWORD_PLACEHOLDER {
        return None;
    }
    let start = authority_start + colon + 1;
    let end = authority_start + at;
    let replaced = format!("{}{PASSWORD_PLACEHOLDER}{}", &url[..start], &url[end..]);
    Some((replaced, percent_decode(raw)))
}

/// One `key=value` of a connection string, as byte ranges.
struct Pair {
    start: usize,
    end: usize,
    key: String,
    value_start: usize,
}

impl Pair {
    /// The value without its quoting.
    fn value(&self, s: &str) -> String {
        unquote(s[self.value_start..self.end].trim())
    }
}

fn unquote(v: &str) -> String {
    if let Some(inner) = v.strip_prefix('{').and_then(|v| v.strip_suffix('}')) {
        inner.replace("}}", "}")
    } else if let Some(inner) = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        inner.replace("\"\"", "\"")
    } else if let Some(inner) = v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        inner.replace("''", "'")
    } else {
        v.to_owned()
    }
}

/// The pairs of a connection string; `;` inside `{…}`, `"…"` or `'…'` values does not split.
fn pairs(s: &str) -> Vec<Pair> {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i <= bytes.len() {
        let start = i;
        // The key runs to '=' or ';'.
        while i < bytes.len() && bytes[i] != b'=' && bytes[i] != b';' {
            i += 1;
        }
        let key = s[start..i].trim().to_owned();
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            let value_start = i;
            while i < bytes.len() && bytes[i] == b' ' {
                i += 1;
            }
            match bytes.get(i) {
                Some(&q @ (b'{' | b'"' | b'\'')) => {
                    let close = if q == b'{' { b'}' } else { q };
                    i += 1;
                    while i < bytes.len() {
                        if bytes[i] == close {
                            // A doubled closing character is an escaped one.
                            if bytes.get(i + 1) == Some(&close) {
                                i += 2;
                                continue;
                            }
                            i += 1;
                            break;
                        }
                        i += 1;
                    }
                    while i < bytes.len() && bytes[i] != b';' {
                        i += 1;
                    }
                }
                _ => {
                    while i < bytes.len() && bytes[i] != b';' {
                        i += 1;
                    }
                }
            }
            out.push(Pair {
                start,
                end: i,
                key,
                value_start,
            });
        } else {
            out.push(Pair {
                start,
                end: i,
                key,
                value_start: i,
            });
        }
        i += 1;
    }
    out
}

/// `…;Password=secret;…` (or `PWD=`) → the string with `{password}` and the unquoted password.
fn pairs_take_password(s: &str) -> Option<(String, String)> {
    let p = pairs(s)
        .into_iter()
        .find(|p| p.key.eq_ignore_ascii_case("password") || p.key.eq_ignore_ascii_case("pwd"))?;
    let raw = s[p.value_start..p.end].trim();
    if raw.is_empty() || raw == PASSWORD_PLACEHOLDER {
        return None;
    }
    let password = unquote(raw);
    let replaced = format!(
        "{}{PASSWORD_PLACEHOLDER}{}",
        &s[..p.value_start],
        &s[p.end..]
    );
    Some((replaced, password))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_percent_encoded_both_ways() {
        let c = Connection::MySql {
            url: "mysql://root:{password}@127.0.0.1:3306/wh".into(),
        };
        let Connection::MySql { url } = splice_password(&c, "p@ss:w/rd%Ю").unwrap() else {
            unreachable!()
        };
        assert_eq!(
            url,
            "mysql://root:p%40ss%3Aw%2Frd%25%D0%AE@127.0.0.1:3306/wh"
        );
        let (back, pw) = take_typed_password(&Connection::MySql { url }).unwrap();
        assert_eq!(back, c);
        assert_eq!(pw, "p@ss:w/rd%Ю");
        assert_eq!(take_typed_password(&c), None);
        let none = Connection::MySql {
            url: "mysql://root@127.0.0.1:3306/wh".into(),
        };
        assert_eq!(take_typed_password(&none), None);
    }

    #[test]
    fn odbc_and_ado_values_are_quoted() {
        let odbc = Connection::Odbc {
            connection_string: "DSN=Warehouse;PWD={password};".into(),
        };
        assert_eq!(
            splice_password(&odbc, "a;b}c").unwrap(),
            Connection::Odbc {
                connection_string: "DSN=Warehouse;PWD={a;b}}c};".into()
            }
        );
        let ado = |s: &str| Connection::MsSql {
            connection_string: s.into(),
        };
        let tmpl = ado("server=tcp:h,1433;user=sa;password={password};database=W");
        assert_eq!(
            splice_password(&tmpl, "x;y=z").unwrap(),
            ado("server=tcp:h,1433;user=sa;password={x;y=z};database=W")
        );
        assert_eq!(
            splice_password(&tmpl, "a}b").unwrap(),
            ado("server=tcp:h,1433;user=sa;password=\"a}b\";database=W")
        );
        assert_eq!(splice_password(&tmpl, "парола"), Err(SpliceError::NotAscii));
        assert_eq!(splice_password(&tmpl, "}\"'"), Err(SpliceError::Unquotable));
    }

    #[test]
    fn a_typed_password_is_taken_out() {
        let (c, pw) = take_typed_password(&Connection::MsSql {
            connection_string: "server=tcp:h,1433;User=sa;Password={se;cr}}et};Database=W".into(),
        })
        .unwrap();
        assert_eq!(pw, "se;cr}et");
        assert_eq!(
            c,
            Connection::MsSql {
                connection_string: "server=tcp:h,1433;User=sa;Password={password};Database=W"
                    .into()
            }
        );
        let (c, pw) = take_typed_password(&Connection::Odbc {
            connection_string: "DSN=W; pwd = abc ;UID=x".into(),
        })
        .unwrap();
        assert_eq!(pw, "abc");
        assert_eq!(
            c,
            Connection::Odbc {
                connection_string: "DSN=W; pwd ={password};UID=x".into()
            }
        );
        assert_eq!(
            take_typed_password(&Connection::Odbc {
                connection_string: "Driver={Microsoft Access Driver (*.mdb)};DBQ=C:\\a;b.mdb"
                    .into()
            }),
            None
        );
    }

    #[test]
    fn the_certificate_trust_is_explicit() {
        let s = "server=tcp:h,1433;user=sa;password={password}";
        assert!(!mssql_trusts_any_certificate(s));
        let t = set_mssql_trust_any_certificate(s, true);
        assert_eq!(t, format!("{s};TrustServerCertificate=true"));
        assert!(mssql_trusts_any_certificate(&t));
        assert!(mssql_trusts_any_certificate(
            "TrustServerCertificate = Yes;server=h"
        ));
        assert_eq!(set_mssql_trust_any_certificate(&t, false), s);
    }
}
