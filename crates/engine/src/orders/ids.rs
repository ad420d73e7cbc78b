//! Bulgarian identification numbers checked by their check digits (research: peers-and-domain
//! A3): ЕИК/БУЛСТАТ (9 and 13 digits), ЕГН, ЛНЧ and the Bulgarian VAT number. A bad number is a
//! warning on the order, never a reason to refuse it; it is only kept out of Bulstat/TaxNo.

use chrono::NaiveDate;

/// What a registration number turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Eik9,
    Eik13,
    Egn,
    Lnch,
}

/// Spaces, dots and hyphens removed, upper case.
pub fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '.' && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

fn digits(s: &str, len: usize) -> Option<Vec<u32>> {
    (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.bytes().map(|b| u32::from(b - b'0')).collect())
}

fn weighted(d: &[u32], w: &[u32]) -> u32 {
    d.iter().zip(w).map(|(a, b)| a * b).sum()
}

fn all_zero(d: &[u32]) -> bool {
    d.iter().all(|x| *x == 0)
}

/// A 9-digit ЕИК (legal entities). All zeros is refused although its checksum passes.
pub fn is_eik9(s: &str) -> bool {
    let Some(d) = digits(s, 9) else { return false };
    if all_zero(&d) {
        return false;
    }
    let mut r = weighted(&d[..8], &[1, 2, 3, 4, 5, 6, 7, 8]) % 11;
    if r == 10 {
        r = weighted(&d[..8], &[3, 4, 5, 6, 7, 8, 9, 10]) % 11;
        if r == 10 {
            r = 0;
        }
    }
    r == d[8]
}

/// A 13-digit ЕИК (branches): a valid 9-digit prefix and a check digit over digits 9–12.
pub fn is_eik13(s: &str) -> bool {
    let Some(d) = digits(s, 13) else { return false };
    if !is_eik9(&s[..9]) {
        return false;
    }
    let mut r = weighted(&d[8..12], &[2, 7, 3, 5]) % 11;
    if r == 10 {
        r = weighted(&d[8..12], &[4, 9, 5, 7]) % 11;
        if r == 10 {
            r = 0;
        }
    }
    r == d[12]
}

/// The birth date an ЕГН encodes (months +20 for the 1800s, +40 for the 2000s).
pub fn egn_birth_date(s: &str) -> Option<NaiveDate> {
    let d = digits(s, 10)?;
    let yy = (d[0] * 10 + d[1]) as i32;
    let mm = d[2] * 10 + d[3];
    let dd = d[4] * 10 + d[5];
    let (year, month) = match mm {
        1..=12 => (1900 + yy, mm),
        21..=32 => (1800 + yy, mm - 20),
        41..=52 => (2000 + yy, mm - 40),
        _ => return None,
    };
    NaiveDate::from_ymd_opt(year, month, dd)
}

/// An ЕГН: a real birth date and the check digit.
pub fn is_egn(s: &str) -> bool {
    let Some(d) = digits(s, 10) else { return false };
    if egn_birth_date(s).is_none() {
        return false;
    }
    let r = weighted(&d[..9], &[2, 4, 8, 5, 10, 9, 7, 3, 6]) % 11 % 10;
    r == d[9]
}

/// An ЛНЧ (personal number of a foreigner).
pub fn is_lnch(s: &str) -> bool {
    let Some(d) = digits(s, 10) else { return false };
    !all_zero(&d) && weighted(&d[..9], &[21, 19, 17, 13, 11, 9, 7, 3, 1]) % 10 == d[9]
}

fn is_other_10(s: &str) -> bool {
    let Some(d) = digits(s, 10) else { return false };
    if all_zero(&d) {
        return false;
    }
    let r = (11 - weighted(&d[..9], &[4, 3, 2, 7, 6, 5, 4, 3, 2]) % 11) % 11;
    r != 10 && r == d[9]
}

/// A Bulgarian VAT number (`BG` + 9 or 10 digits; the prefix and separators are optional).
pub fn is_bg_vat(s: &str) -> bool {
    let n = normalize(s);
    let n = n.strip_prefix("BG").unwrap_or(&n);
    match n.len() {
        9 => is_eik9(n),
        10 => is_egn(n) || is_lnch(n) || is_other_10(n),
        _ => false,
    }
}

/// The canonical spelling of a Bulgarian VAT number: `BG` and the digits.
pub fn canonical_bg_vat(s: &str) -> String {
    let n = normalize(s);
    let n = n.strip_prefix("BG").unwrap_or(&n);
    format!("BG{n}")
}

/// Which kind of registration number `s` is (ЕИК 9/13, ЕГН, ЛНЧ), after normalising; `None`
/// when no check digit fits.
pub fn registration_kind(s: &str) -> Option<IdKind> {
    let n = normalize(s);
    let n = n.strip_prefix("BG").unwrap_or(&n);
    match n.len() {
        9 if is_eik9(n) => Some(IdKind::Eik9),
        13 if is_eik13(n) => Some(IdKind::Eik13),
        10 if is_egn(n) => Some(IdKind::Egn),
        10 if is_lnch(n) => Some(IdKind::Lnch),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vectors of the research (peers-and-domain A3).
    #[test]
    fn eik() {
        for v in [
            "175074752",
            "020469788",
            "201355508",
            "201968703",
            "100000086",
            "100000550",
            "831642181",
        ] {
            assert!(is_eik9(v), "{v} is valid");
        }
        for v in [
            "175074751",
            "123456789",
            "000000000",
            "17507475",
            "17507475a",
        ] {
            assert!(!is_eik9(v), "{v} is invalid");
        }
        for v in ["1213961230342", "1750747520004", "1750747521234"] {
            assert!(is_eik13(v), "{v} is valid");
        }
        assert!(!is_eik13("1234567891234"));
    }

    #[test]
    fn egn_and_lnch() {
        for (v, born) in [
            ("8032056031", (1880, 12, 5)),
            ("7523169263", (1875, 3, 16)),
            ("7501010010", (1975, 1, 1)),
            ("0041010002", (2000, 1, 1)),
            ("0545204560", (2005, 5, 20)),
        ] {
            assert!(is_egn(v), "{v} is valid");
            assert_eq!(
                egn_birth_date(v),
                NaiveDate::from_ymd_opt(born.0, born.1, born.2)
            );
        }
        for v in ["0041010001", "8019010008", "7552A10004"] {
            assert!(!is_egn(v), "{v} is invalid");
        }
        assert!(is_lnch("7111042925"));
        assert!(!is_lnch("7111042922"));
    }

    #[test]
    fn vat_numbers() {
        for v in [
            "BG175074752",
            "BG 175 074 752",
            "bg175074752",
            "BG8032056031",
        ] {
            assert!(is_bg_vat(v), "{v} is valid");
        }
        for v in ["BG175074751", "BG000000000", "BG12345", "175074751"] {
            assert!(!is_bg_vat(v), "{v} is invalid");
        }
        assert_eq!(canonical_bg_vat("bg 175 074 752"), "BG175074752");
        assert_eq!(registration_kind("175 074 752"), Some(IdKind::Eik9));
        assert_eq!(registration_kind("1213961230342"), Some(IdKind::Eik13));
        assert_eq!(registration_kind("8032056031"), Some(IdKind::Egn));
        assert_eq!(registration_kind("7111042925"), Some(IdKind::Lnch));
        assert_eq!(registration_kind("175074751"), None);
    }
}
