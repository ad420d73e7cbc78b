//! The УНП (unique sale number, Наредба Н-18 Приложение 29 т. 9): `XX000000-ZZZZ-0000000` —
//! the fiscal device's individual number, the operator code, a 7-digit sequence per device.

/// Where a УНП is kept: one `ecrreceipts` row with this `ReceiptType`, the УНП in `Description`,
/// the device in `ECRID` and the sequence in `ReceiptID`. This is the least certain fact about
/// SUPTO databases (schema research §9 Q1); it lives here only.
pub const USN_RECEIPT_TYPE: i64 = 8;

fn is_device(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 8
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..].iter().all(u8::is_ascii_digit)
}

fn is_operator(s: &str) -> bool {
    s.len() == 4
        && s.bytes()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
}

/// Whether `s` is a УНП in the legal format `^[A-Z]{2}\d{6}-[0-9A-Z]{4}-\d{7}$`.
pub fn is_usn(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 3
        && is_device(parts[0])
        && is_operator(parts[1])
        && parts[2].len() == 7
        && parts[2].bytes().all(|c| c.is_ascii_digit())
}

/// The sequence number of a УНП of `device`; longer sequences are accepted when reading.
pub fn sequence_of(text: &str, device: &str) -> Option<i64> {
    let rest = text.trim().strip_prefix(device)?.strip_prefix('-')?;
    let (operator, seq) = rest.split_once('-')?;
    (is_operator(operator) && seq.len() >= 7 && seq.bytes().all(|c| c.is_ascii_digit()))
        .then(|| seq.parse().ok())
        .flatten()
}

/// Build a УНП; `None` when the device number, operator code or sequence does not fit.
pub fn format_usn(device: &str, operator: &str, sequence: i64) -> Option<String> {
    (is_device(device) && is_operator(operator) && (1..=9_999_999).contains(&sequence))
        .then(|| format!("{device}-{operator}-{sequence:07}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_and_check() {
        assert_eq!(
            format_usn("DT000600", "OP01", 1000).as_deref(),
            Some("DT000600-OP01-0001000")
        );
        assert!(is_usn("DT000600-OP01-0001000"));
        assert!(!is_usn("dt000600-OP01-0001000"));
        assert!(!is_usn("DT000600-OP1-0001000"));
        assert!(!is_usn("DT000600-OP01-001000"));
        assert_eq!(format_usn("DT00060", "OP01", 1), None);
        assert_eq!(format_usn("DT000600", "OP01", 10_000_000), None);
        assert_eq!(sequence_of("DT000600-0001-0000123", "DT000600"), Some(123));
        assert_eq!(
            sequence_of("DT000600-0001-00001234", "DT000600"),
            Some(1234)
        );
        assert_eq!(sequence_of("DY000600-0001-0000123", "DT000600"), None);
    }
}
