//! Files accountants open: a table (the correspondence check, the problems of a run) as CSV or
//! as an Excel workbook (`.xlsx`).
//!
//! CSV is made for Excel set to Bulgarian: `;` between cells (the Bulgarian list separator),
//! a comma in decimal numbers, a UTF-8 byte-order mark (else Excel reads Cyrillic as another
//! code page) and CRLF line ends. A text cell that starts with `=`, `+`, `-`, `@`, a tab or a
//! carriage return gets a leading `'`, so that Excel shows it as text instead of running it as
//! a formula (a shop product name is anyone's input). In `.xlsx` every text is a string cell,
//! never a formula, and numbers are numbers.

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(Decimal),
    Int(i64),
    Empty,
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }
}

impl From<Option<Decimal>> for Cell {
    fn from(d: Option<Decimal>) -> Cell {
        d.map_or(Cell::Empty, Cell::Number)
    }
}

impl From<Option<i64>> for Cell {
    fn from(i: Option<i64>) -> Cell {
        i.map_or(Cell::Empty, Cell::Int)
    }
}

/// A table with a header row.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The worksheet's name in `.xlsx` (at most 31 characters).
    pub sheet: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// The file formats a table is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Csv,
    Xlsx,
}

impl TableFormat {
    /// By the file's extension (`.csv`, `.xlsx`; any case).
    pub fn of_path(path: &Path) -> Option<TableFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(TableFormat::Csv),
            "xlsx" => Some(TableFormat::Xlsx),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TableFileError {
    #[error("{}: the file must end in .csv or .xlsx", .0.display())]
    UnknownFormat(PathBuf),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot make the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot make the Excel workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// A text cell as it may safely go into CSV: a leading `'` when Excel would take it for a
/// formula.
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

fn csv_cell(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => neutralise(s).into_owned(),
        // Excel set to Bulgarian reads a decimal comma.
        Cell::Number(d) => d.normalize().to_string().replace('.', ","),
        Cell::Int(i) => i.to_string(),
        Cell::Empty => String::new(),
    }
}

/// The table as CSV bytes (see the module's notes).
pub fn csv_bytes(table: &Table) -> Result<Vec<u8>, TableFileError> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        w.write_record(table.headers.iter().map(|h| neutralise(h).into_owned()))?;
        for row in &table.rows {
            w.write_record(row.iter().map(csv_cell))?;
        }
        w.flush().map_err(csv::Error::from)?;
    }
    Ok(out)
}

/// The table as an `.xlsx` workbook of one sheet: a bold header row, frozen.
pub fn xlsx_bytes(table: &Table) -> Result<Vec<u8>, TableFileError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(&table.sheet)?;
    let bold = Format::new().set_bold();
    for (c, h) in table.headers.iter().enumerate() {
        sheet.write_string_with_format(0, col(c), h, &bold)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, cell) in row.iter().enumerate() {
            match cell {
                Cell::Text(s) => {
                    sheet.write_string(r, col(c), s)?;
                }
                Cell::Number(d) => {
                    sheet.write_number(r, col(c), skladsync_warehouse::money::to_db(*d))?;
                }
                Cell::Int(i) => {
                    // Ids and counts are far below 2^53: exact as a spreadsheet number.
                    sheet.write_number(r, col(c), *i as f64)?;
                }
                Cell::Empty => {}
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(book.save_to_buffer()?)
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// The table's file in the format of `path`'s extension.
pub fn table_bytes(table: &Table, format: TableFormat) -> Result<Vec<u8>, TableFileError> {
    match format {
        TableFormat::Csv => csv_bytes(table),
        TableFormat::Xlsx => xlsx_bytes(table),
    }
}

/// Writes the table to `path`, in the format its extension names.
pub fn write_table(table: &Table, path: &Path) -> Result<(), TableFileError> {
    let format =
        TableFormat::of_path(path).ok_or_else(|| TableFileError::UnknownFormat(path.to_owned()))?;
    let bytes = table_bytes(table, format)?;
    std::fs::write(path, bytes).map_err(|source| TableFileError::Write {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_plain_text_is_not() {
        for f in ["=1+1", "+359", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(f), format!("'{f}"));
        }
        for t in ["Тениска", "1=1", "", "'quoted"] {
            assert_eq!(neutralise(t), t);
        }
    }

    #[test]
    fn formats_by_extension() {
        assert_eq!(
            TableFormat::of_path(Path::new("a/b.CSV")),
            Some(TableFormat::Csv)
        );
        assert_eq!(
            TableFormat::of_path(Path::new("b.xlsx")),
            Some(TableFormat::Xlsx)
        );
        assert_eq!(TableFormat::of_path(Path::new("b.xls")), None);
        assert_eq!(TableFormat::of_path(Path::new("b")), None);
    }
}
