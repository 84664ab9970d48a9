//! The product CSV layout (one row per variant, product columns repeated or left blank on the
//! rows after a product's first) and the parsing of its header and rows.

use app::products::model::{ProductInput, VariantInput};

/// Every column, in export order. `sku` and `price` are required in a file; the rest optional.
pub const COLUMNS: [&str; 16] = [
    "handle",
    "title",
    "description",
    "status",
    "tags",
    "images",
    "option1_name",
    "option1_value",
    "option2_name",
    "option2_value",
    "sku",
    "price",
    "compare_at_price",
    "weight_grams",
    "barcode",
    "on_hand",
];

pub const REQUIRED: [&str; 2] = ["sku", "price"];

/// Whether a spreadsheet could read this cell as a formula (or the start of one): it begins
/// with `=`, `+`, `-`, `@`, a tab or a carriage return, or is such a cell already quoted with
/// `'` (so that quoting can be undone exactly).
fn needs_formula_quote(cell: &str) -> bool {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => true,
        Some(b'\'') => needs_formula_quote(&cell[1..]),
        _ => false,
    }
}

/// An exported cell that a spreadsheet will show as text, never run as a formula: a leading `'`
/// before a cell [`needs_formula_quote`] marks (OWASP's advice against CSV injection).
pub fn quote_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    if needs_formula_quote(cell) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// An imported cell with the `'` of [`quote_formula`] taken off again, so an export re-imports
/// unchanged. A `'` before anything else is the cell's own text and stays.
pub fn unquote_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_formula_quote(rest) => rest,
        _ => cell,
    }
}

/// Where each known column sits in the file.
#[derive(Debug, Clone)]
pub struct Header {
    positions: [Option<usize>; 16],
}

/// Reads the header row: names are trimmed and case-insensitive; unknown or repeated columns
/// and missing required ones refuse the whole file.
pub fn parse_header(fields: &[&str]) -> Result<Header, String> {
    let mut positions = [None; 16];
    for (index, raw) in fields.iter().enumerate() {
        let name = raw.trim().to_ascii_lowercase();
        let Some(column) = COLUMNS.iter().position(|known| *known == name) else {
            return Err(format!(
                "line 1: unknown column \"{}\" (the columns are: {})",
                raw.trim(),
                COLUMNS.join(", ")
            ));
        };
        if positions[column].is_some() {
            return Err(format!("line 1: the column \"{name}\" appears twice"));
        }
        positions[column] = Some(index);
    }
    for required in REQUIRED {
        let column = COLUMNS
            .iter()
            .position(|known| *known == required)
            .unwrap_or(0);
        if positions[column].is_none() {
            return Err(format!(
                "line 1: the required column \"{required}\" is missing"
            ));
        }
    }
    Ok(Header { positions })
}

impl Header {
    fn get<'a>(&self, fields: &[&'a str], column: &str) -> &'a str {
        COLUMNS
            .iter()
            .position(|known| *known == column)
            .and_then(|index| self.positions[index])
            .and_then(|position| fields.get(position).copied())
            .map(unquote_formula)
            .unwrap_or("")
    }

    /// Whether the file has this column. Absent columns leave stored values alone.
    pub fn has(&self, column: &str) -> bool {
        COLUMNS
            .iter()
            .position(|known| *known == column)
            .is_some_and(|index| self.positions[index].is_some())
    }

    pub fn width(&self) -> usize {
        self.positions.iter().flatten().count()
    }

    /// A data row as the text inputs the catalog validates (the same path as the forms).
    pub fn row(&self, fields: &[&str]) -> (ProductInput, VariantInput) {
        let get = |column: &str| self.get(fields, column).to_string();
        (
            ProductInput {
                title: get("title"),
                handle: get("handle"),
                description: get("description"),
                status: get("status"),
                tags: get("tags"),
                images: get("images"),
                option1_name: get("option1_name"),
                option2_name: get("option2_name"),
            },
            VariantInput {
                sku: get("sku"),
                option1: get("option1_value"),
                option2: get("option2_value"),
                price: get("price"),
                compare_at_price: get("compare_at_price"),
                weight_grams: get("weight_grams"),
                barcode: get("barcode"),
                on_hand: get("on_hand"),
            },
        )
    }

    /// Whether the row leaves every product column blank (a further variant of the product
    /// named on an earlier row).
    pub fn product_columns_blank(&self, fields: &[&str]) -> bool {
        [
            "title",
            "description",
            "status",
            "tags",
            "images",
            "option1_name",
            "option2_name",
        ]
        .iter()
        .all(|column| self.get(fields, column).trim().is_empty())
    }
}

/// The CSV column a validation error's field belongs to.
pub fn column_of_field(field: &str) -> &str {
    match field {
        "option1" => "option1_value",
        "option2" => "option2_value",
        other => other,
    }
}

/// What a file starts with, refused before any row is read.
pub fn check_encoding_prefix(prefix: &[u8]) -> Result<usize, String> {
    if prefix.starts_with(&[0xFF, 0xFE]) || prefix.starts_with(&[0xFE, 0xFF]) {
        return Err("the file is UTF-16; save it as CSV UTF-8 and upload it again".into());
    }
    // A UTF-8 byte order mark (as spreadsheet programs write it) is skipped.
    if prefix.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Ok(3);
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_case_insensitive_and_may_come_in_any_order() {
        let header = parse_header(&["Price", " SKU ", "title"]).expect("valid");
        let (product, variant) = header.row(&["12.50", "TEE-M", "Tee"]);
        assert_eq!(variant.sku, "TEE-M");
        assert_eq!(variant.price, "12.50");
        assert_eq!(product.title, "Tee");
        assert_eq!(header.width(), 3);
    }

    #[test]
    fn unknown_repeated_and_missing_columns_refuse_the_file_at_line_1() {
        let unknown = parse_header(&["sku", "price", "colour"]).expect_err("unknown");
        assert!(
            unknown.starts_with("line 1: unknown column \"colour\""),
            "{unknown}"
        );
        assert!(parse_header(&["sku", "price", "SKU"])
            .expect_err("twice")
            .contains("twice"));
        assert!(parse_header(&["sku", "title"])
            .expect_err("no price")
            .contains("\"price\" is missing"));
    }

    #[test]
    fn missing_trailing_fields_read_as_blank() {
        let header = parse_header(&COLUMNS).expect("valid");
        let (product, variant) = header.row(&["tee", "Tee"]);
        assert_eq!(product.handle, "tee");
        assert_eq!(variant.sku, "");
        assert!(!header.product_columns_blank(&["tee", "Tee"]));
        assert!(header.product_columns_blank(&["tee", ""]));
    }

    #[test]
    fn utf16_files_are_refused_and_a_utf8_bom_is_skipped() {
        assert!(check_encoding_prefix(&[0xFF, 0xFE, b's', 0])
            .expect_err("utf-16")
            .contains("UTF-16"));
        assert_eq!(check_encoding_prefix(&[0xEF, 0xBB, 0xBF, b's']), Ok(3));
        assert_eq!(check_encoding_prefix(b"sku,price"), Ok(0));
    }

    #[test]
    fn cells_a_spreadsheet_would_run_as_formulas_are_quoted_on_export() {
        for cell in [
            "=HYPERLINK(\"http://evil.example\")",
            "+1",
            "-2",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(quote_formula(cell), format!("'{cell}"), "{cell:?}");
        }
        for cell in ["Tee", "", "12.50", "a=b", " =x", "'quoted", "it's"] {
            assert_eq!(quote_formula(cell), cell, "{cell:?}");
        }
        // A cell that already looks quoted is quoted once more, so unquoting gives it back.
        assert_eq!(quote_formula("'=x"), "''=x");
    }

    #[test]
    fn the_import_takes_the_formula_quote_off_again() {
        assert_eq!(unquote_formula("'=SUM(A1)"), "=SUM(A1)");
        assert_eq!(unquote_formula("'-2"), "-2");
        assert_eq!(unquote_formula("'\tx"), "\tx");
        assert_eq!(unquote_formula("''=x"), "'=x");
        for cell in ["'quoted", "it's", "'", "Tee", ""] {
            assert_eq!(unquote_formula(cell), cell, "{cell:?}");
        }
        for cell in [
            "=x", "'=x", "''=x", "+", "-", "@", "\t", "\r", "'", "''", "'a", "plain", "", "-5 %",
        ] {
            assert_eq!(
                unquote_formula(&quote_formula(cell)),
                cell,
                "round trip of {cell:?}"
            );
        }
    }

    #[test]
    fn a_quoted_cell_reads_back_through_the_header() {
        let header = parse_header(&["sku", "price", "title"]).expect("valid");
        let (product, variant) = header.row(&["TEE-M", "12.50", "'=HYPERLINK(1)"]);
        assert_eq!(product.title, "=HYPERLINK(1)");
        assert_eq!(variant.sku, "TEE-M");
    }

    #[test]
    fn validation_fields_map_back_to_column_names() {
        assert_eq!(column_of_field("option1"), "option1_value");
        assert_eq!(column_of_field("price"), "price");
    }
}
