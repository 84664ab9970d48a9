//! Bulk orders: `SKU, quantity` lines (pasted or from a CSV file) are parsed, merged by SKU, then
//! checked and priced line by line against the shop's terms for each variant (minimum quantity,
//! pack size, stock, volume price breaks, the customer's price list). Every problem is reported
//! on the line it comes from, so the buyer can fix them all at once.

use crate::error::AppError;
use crate::products::rules::Sku;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// More lines than this are refused as a whole (with that message) before any work is done.
pub const MAX_BULK_LINES: usize = 10_000;

/// One `SKU, quantity` request after merging repeated SKUs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkLine {
    /// The line (1-based) where the SKU first appears.
    pub line: usize,
    pub sku: String,
    pub quantity: i64,
    /// Further lines with the same SKU whose quantities were added to this one.
    pub merged_lines: Vec<usize>,
}

/// A line that could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineProblem {
    pub line: usize,
    pub text: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedBulk {
    pub lines: Vec<BulkLine>,
    pub problems: Vec<LineProblem>,
}

fn unquote(field: &str) -> &str {
    let field = field.trim();
    field
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(field)
        .trim()
}

fn is_header(sku: &str, quantity: &str) -> bool {
    sku.eq_ignore_ascii_case("sku")
        && (quantity.eq_ignore_ascii_case("quantity") || quantity.eq_ignore_ascii_case("qty"))
}

/// Reads `SKU, quantity` lines (comma, semicolon or tab separated; a `sku,quantity` header, blank
/// lines and a UTF-8 BOM are skipped). Repeated SKUs are merged: their quantities are added and
/// the lines they came from are listed. Only too many lines fail the whole text.
pub fn parse_bulk_lines(text: &str) -> Result<ParsedBulk, AppError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parsed = ParsedBulk::default();
    let mut index_of: HashMap<String, usize> = HashMap::new();
    let mut counted = 0_usize;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            continue;
        }
        counted += 1;
        if counted > MAX_BULK_LINES {
            return Err(AppError::invalid(
                "lines",
                format!("at most {MAX_BULK_LINES} lines per bulk order; split the list (line {number} is over the limit)"),
            ));
        }
        let mut fields = trimmed.split([',', ';', '\t']).map(unquote);
        let sku_text = fields.next().unwrap_or("");
        let quantity_text = fields.next().unwrap_or("");
        let extra = fields.any(|field| !field.is_empty());
        if is_header(sku_text, quantity_text) {
            continue;
        }
        let problem = |message: String| LineProblem {
            line: number,
            text: trimmed.chars().take(80).collect(),
            message,
        };
        if extra {
            parsed
                .problems
                .push(problem("expected \"SKU, quantity\"".into()));
            continue;
        }
        let sku = match Sku::parse(sku_text) {
            Ok(sku) => sku,
            Err(error) => {
                parsed.problems.push(problem(error.to_string()));
                continue;
            }
        };
        let quantity = match parse_line_quantity(quantity_text) {
            Ok(quantity) => quantity,
            Err(message) => {
                parsed.problems.push(problem(message));
                continue;
            }
        };
        let key = sku.as_str().to_ascii_uppercase();
        match index_of.get(&key) {
            Some(&at) => {
                let known = &mut parsed.lines[at];
                match known.quantity.checked_add(quantity) {
                    Some(total) if total <= MAX_LINE_QUANTITY => {
                        known.quantity = total;
                        known.merged_lines.push(number);
                    }
                    _ => parsed.problems.push(problem(format!(
                        "quantity: the lines for {} add up to more than {MAX_LINE_QUANTITY}",
                        sku.as_str()
                    ))),
                }
            }
            None => {
                index_of.insert(key, parsed.lines.len());
                parsed.lines.push(BulkLine {
                    line: number,
                    sku: sku.as_str().to_string(),
                    quantity,
                    merged_lines: Vec::new(),
                });
            }
        }
    }
    if parsed.lines.is_empty() && parsed.problems.is_empty() {
        return Err(AppError::invalid(
            "lines",
            "add at least one \"SKU, quantity\" line",
        ));
    }
    Ok(parsed)
}

/// The largest quantity one line may ask for.
pub const MAX_LINE_QUANTITY: i64 = 1_000_000;

fn parse_line_quantity(raw: &str) -> Result<i64, String> {
    if raw.is_empty() {
        return Err("quantity: missing (write \"SKU, quantity\")".into());
    }
    match raw.parse::<i64>() {
        Ok(quantity) if quantity <= 0 => {
            Err(format!("quantity: must be at least 1, not {quantity}"))
        }
        Ok(quantity) if quantity > MAX_LINE_QUANTITY => {
            Err(format!("quantity: at most {MAX_LINE_QUANTITY}"))
        }
        Ok(quantity) => Ok(quantity),
        Err(_) => Err(format!("quantity: \"{raw}\" is not a whole number")),
    }
}

/// A volume discount: from `min_quantity` units on one line, `discount_bp` basis points off
/// (500 = 5 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceBreak {
    pub min_quantity: i64,
    pub discount_bp: i64,
}

pub fn check_price_break(min_quantity: i64, discount_bp: i64) -> Result<PriceBreak, AppError> {
    if min_quantity < 2 {
        return Err(AppError::invalid(
            "min_quantity",
            "a price break starts at 2 units or more",
        ));
    }
    if !(1..=9_999).contains(&discount_bp) {
        return Err(AppError::invalid("discount", "between 0.01 % and 99.99 %"));
    }
    Ok(PriceBreak {
        min_quantity,
        discount_bp,
    })
}

/// Parses a percentage like `5`, `12.5` or `7.25 %` into basis points.
pub fn parse_percent(raw: &str, field: &str) -> Result<i64, AppError> {
    let text = raw.trim().trim_end_matches('%').trim();
    // `12.5` and `12,5` alike (a percentage has no thousands).
    let (whole, fraction) = text.split_once(['.', ',']).unwrap_or((text, ""));
    let digits_ok = !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit());
    if !digits_ok || fraction.len() > 2 || whole.len() > 3 {
        return Err(AppError::invalid(
            field,
            "a percentage with at most two decimals, e.g. 12.5",
        ));
    }
    let whole: i64 = whole
        .parse()
        .map_err(|_| AppError::invalid(field, "not a percentage"))?;
    let fraction: i64 = format!("{fraction:0<2}").parse().unwrap_or(0);
    Ok(whole * 100 + fraction)
}

/// More price breaks than this per variant are refused as a whole.
pub const MAX_PRICE_BREAKS: usize = 20;

/// More lines than this per price list are refused as a whole, as bulk orders are.
pub const MAX_PRICE_LIST_LINES: usize = MAX_BULK_LINES;

/// `quantity: percent` lines (`10: 5`, `100: 12.5 %`) into price breaks sorted by quantity,
/// naming the line of each problem. At most [`MAX_PRICE_BREAKS`] lines; a quantity may appear
/// once; larger quantities must get larger discounts.
pub fn parse_price_breaks(text: &str) -> Result<Vec<PriceBreak>, AppError> {
    let mut breaks: Vec<PriceBreak> = Vec::new();
    let mut first_line_of: HashMap<i64, usize> = HashMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let number = index + 1;
        if breaks.len() == MAX_PRICE_BREAKS {
            return Err(AppError::invalid(
                "price_breaks",
                format!("at most {MAX_PRICE_BREAKS} price breaks per variant (line {number} is over the limit)"),
            ));
        }
        let field = format!("price_breaks (line {number})");
        let (quantity, percent) = line.split_once([':', ',']).ok_or_else(|| {
            AppError::invalid(&field, "write \"quantity: percent off\", e.g. 10: 5")
        })?;
        let quantity = crate::products::rules::parse_count(quantity.trim(), &field)?;
        let discount = parse_percent(percent, &field)?;
        let rule = check_price_break(quantity, discount)
            .map_err(|error| AppError::invalid(&field, error.to_string()))?;
        if let Some(first) = first_line_of.insert(rule.min_quantity, number) {
            return Err(AppError::invalid(
                &field,
                format!("{quantity} appears twice (first on line {first})"),
            ));
        }
        breaks.push(rule);
    }
    breaks.sort_by_key(|rule| rule.min_quantity);
    if breaks
        .windows(2)
        .any(|pair| pair[1].discount_bp <= pair[0].discount_bp)
    {
        return Err(AppError::invalid(
            "price_breaks",
            "larger quantities must get larger discounts",
        ));
    }
    Ok(breaks)
}

/// `SKU, price` lines (comma, semicolon or tab; an optional `sku,price` header) into a price
/// list's items in minor units of `currency`, naming the line of each problem. At most
/// [`MAX_PRICE_LIST_LINES`] lines; a SKU may appear once (ignoring case).
pub fn parse_price_list_lines(text: &str, currency: &str) -> Result<Vec<(Sku, i64)>, AppError> {
    let mut items: Vec<(Sku, i64)> = Vec::new();
    let mut first_line_of: HashMap<String, usize> = HashMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.to_ascii_lowercase().replace(' ', "") == "sku,price" {
            continue;
        }
        let number = index + 1;
        if items.len() == MAX_PRICE_LIST_LINES {
            return Err(AppError::invalid(
                "lines",
                format!("at most {MAX_PRICE_LIST_LINES} lines per price list; split the list (line {number} is over the limit)"),
            ));
        }
        let field = format!("lines (line {number})");
        let (sku, price) = line
            .split_once([',', ';', '\t'])
            .ok_or_else(|| AppError::invalid(&field, "write \"SKU, price\""))?;
        let sku = Sku::parse(sku).map_err(|error| AppError::invalid(&field, error.to_string()))?;
        let price = crate::money::parse_amount(price.trim(), currency, &field)?;
        if let Some(first) = first_line_of.insert(sku.as_str().to_ascii_uppercase(), number) {
            return Err(AppError::invalid(
                &field,
                format!("{} appears twice (first on line {first})", sku.as_str()),
            ));
        }
        items.push((sku, price));
    }
    Ok(items)
}

/// What the shop sells a variant for to this customer and on what terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantTerms {
    pub variant_id: i64,
    pub sku: String,
    pub title: String,
    /// The customer's price: their price list's price if it has one, else the variant's price.
    pub base_price_minor: i64,
    pub available: i64,
    pub min_quantity: i64,
    pub pack_size: i64,
    /// Sorted by `min_quantity`.
    pub price_breaks: Vec<PriceBreak>,
}

/// The unit price for `quantity` units and the break that applied (rounded half up to the
/// minor unit).
pub fn unit_price(base_minor: i64, quantity: i64, breaks: &[PriceBreak]) -> (i64, i64) {
    let discount_bp = breaks
        .iter()
        .filter(|rule| quantity >= rule.min_quantity)
        .map(|rule| rule.discount_bp)
        .max()
        .unwrap_or(0);
    let off = (i128::from(base_minor) * i128::from(discount_bp) + 5_000) / 10_000;
    (base_minor - off as i64, discount_bp)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    pub line: usize,
    pub merged_lines: Vec<usize>,
    pub sku: String,
    pub title: String,
    pub variant_id: Option<i64>,
    pub quantity: i64,
    pub base_price_minor: i64,
    pub unit_price_minor: i64,
    pub discount_bp: i64,
    pub line_total_minor: i64,
    /// Why the line cannot be ordered as it is; empty when it can.
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkCheck {
    pub lines: Vec<PricedLine>,
    /// Lines that could not be read at all.
    pub unreadable: Vec<LineProblem>,
    pub subtotal_minor: i64,
}

impl BulkCheck {
    pub fn is_orderable(&self) -> bool {
        self.unreadable.is_empty()
            && !self.lines.is_empty()
            && self.lines.iter().all(|line| line.problems.is_empty())
    }

    pub fn problem_count(&self) -> usize {
        self.unreadable.len()
            + self
                .lines
                .iter()
                .filter(|line| !line.problems.is_empty())
                .count()
    }
}

/// Checks and prices every parsed line. `terms` holds what the shop has for the SKUs asked
/// for, keyed by upper-case SKU; a missing key is an unknown SKU.
pub fn check_bulk(parsed: ParsedBulk, terms: &HashMap<String, VariantTerms>) -> BulkCheck {
    let mut check = BulkCheck {
        lines: Vec::with_capacity(parsed.lines.len()),
        unreadable: parsed.problems,
        subtotal_minor: 0,
    };
    for requested in parsed.lines {
        let mut priced = PricedLine {
            line: requested.line,
            merged_lines: requested.merged_lines,
            sku: requested.sku,
            title: String::new(),
            variant_id: None,
            quantity: requested.quantity,
            base_price_minor: 0,
            unit_price_minor: 0,
            discount_bp: 0,
            line_total_minor: 0,
            problems: Vec::new(),
        };
        match terms.get(&priced.sku.to_ascii_uppercase()) {
            None => priced.problems.push(format!("unknown SKU {}", priced.sku)),
            Some(variant) => {
                priced.sku.clone_from(&variant.sku);
                priced.title.clone_from(&variant.title);
                priced.variant_id = Some(variant.variant_id);
                let quantity = priced.quantity;
                if quantity < variant.min_quantity {
                    priced.problems.push(format!(
                        "below the minimum order quantity of {}",
                        variant.min_quantity
                    ));
                }
                if variant.pack_size > 1 && quantity % variant.pack_size != 0 {
                    let lower = quantity / variant.pack_size * variant.pack_size;
                    let upper = lower + variant.pack_size;
                    let suggestion = if lower > 0 {
                        format!("order {lower} or {upper}")
                    } else {
                        format!("order {upper}")
                    };
                    priced.problems.push(format!(
                        "sold in packs of {}: {suggestion}",
                        variant.pack_size
                    ));
                }
                if quantity > variant.available {
                    priced.problems.push(if variant.available > 0 {
                        format!("only {} in stock", variant.available)
                    } else {
                        "out of stock".into()
                    });
                }
                let (unit, discount_bp) =
                    unit_price(variant.base_price_minor, quantity, &variant.price_breaks);
                priced.base_price_minor = variant.base_price_minor;
                priced.unit_price_minor = unit;
                priced.discount_bp = discount_bp;
                match unit.checked_mul(quantity) {
                    Some(total) => {
                        priced.line_total_minor = total;
                        check.subtotal_minor = check.subtotal_minor.saturating_add(total);
                    }
                    None => priced.problems.push("the line total is too large".into()),
                }
            }
        }
        check.lines.push(priced);
    }
    check
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(
        sku: &str,
        price: i64,
        available: i64,
        min: i64,
        pack: i64,
        breaks: Vec<PriceBreak>,
    ) -> (String, VariantTerms) {
        (
            sku.to_ascii_uppercase(),
            VariantTerms {
                variant_id: price,
                sku: sku.into(),
                title: format!("Item {sku}"),
                base_price_minor: price,
                available,
                min_quantity: min,
                pack_size: pack,
                price_breaks: breaks,
            },
        )
    }

    #[test]
    fn lines_are_read_with_their_numbers_and_repeated_skus_are_merged() {
        let text = "\u{feff}sku,quantity\nA-1, 5\n\nB-2;3\n\"A-1\",\"7\"\nC-3\t0\nD-4,x\nnot a line at all, 1, 2\nE-5\n";
        let parsed = parse_bulk_lines(text).expect("parsed");
        assert_eq!(parsed.lines.len(), 2);
        assert_eq!(
            parsed.lines[0],
            BulkLine {
                line: 2,
                sku: "A-1".into(),
                quantity: 12,
                merged_lines: vec![5]
            }
        );
        assert_eq!(parsed.lines[1].line, 4);
        let problems: Vec<(usize, &str)> = parsed
            .problems
            .iter()
            .map(|p| (p.line, p.message.as_str()))
            .collect();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert_eq!(problems[0].0, 6);
        assert!(problems[0].1.contains("at least 1"));
        assert_eq!(problems[1].0, 7);
        assert!(problems[1].1.contains("\"x\" is not a whole number"));
        assert_eq!(problems[2].0, 8);
        assert_eq!(problems[3].0, 9);
        assert!(problems[3].1.contains("missing"));
    }

    #[test]
    fn price_breaks_are_read_per_line_and_must_grow() {
        let breaks = parse_price_breaks("100: 12\n10: 5 %\n\n").expect("valid");
        assert_eq!(
            breaks,
            vec![
                PriceBreak {
                    min_quantity: 10,
                    discount_bp: 500
                },
                PriceBreak {
                    min_quantity: 100,
                    discount_bp: 1_200
                }
            ]
        );
        let error = parse_price_breaks("10: 5\nten: 3").expect_err("bad line");
        assert!(error.to_string().contains("line 2"), "{error}");
        assert!(parse_price_breaks("10: 5\n100: 4").is_err());
        assert_eq!(parse_price_breaks(""), Ok(vec![]));
    }

    #[test]
    fn a_repeated_price_break_quantity_names_both_lines() {
        let error = parse_price_breaks("10: 5\n20: 6\n\n10: 7").expect_err("twice");
        assert_eq!(
            error,
            AppError::invalid(
                "price_breaks (line 4)",
                "10 appears twice (first on line 1)"
            )
        );
    }

    #[test]
    fn more_price_breaks_than_the_cap_are_refused_naming_the_field_and_the_cap() {
        let at_cap: String = (0..MAX_PRICE_BREAKS)
            .map(|i| format!("{}: {}\n", 2 + i, 1 + i))
            .collect();
        assert_eq!(
            parse_price_breaks(&at_cap).map(|b| b.len()),
            Ok(MAX_PRICE_BREAKS)
        );
        let over = format!("{at_cap}500: 50\n");
        let error = parse_price_breaks(&over).expect_err("over the cap");
        assert!(
            matches!(&error, AppError::Invalid { field, message } if field == "price_breaks" && message.contains("at most 20 price breaks") && message.contains("line 21")),
            "{error:?}"
        );
    }

    #[test]
    fn price_list_lines_are_read_with_a_header_and_any_separator() {
        let items =
            parse_price_list_lines("sku, price\nBOLT-10, 0.90\nnut-5;0.45\n\nWASHER\t1", "EUR")
                .expect("valid");
        let read: Vec<(&str, i64)> = items
            .iter()
            .map(|(sku, price)| (sku.as_str(), *price))
            .collect();
        assert_eq!(read, vec![("BOLT-10", 90), ("nut-5", 45), ("WASHER", 100)]);
        let error = parse_price_list_lines("BOLT-10\n", "EUR").expect_err("no price");
        assert!(error.to_string().contains("line 1"), "{error}");
    }

    #[test]
    fn a_repeated_price_list_sku_names_its_line_ignoring_case() {
        let error =
            parse_price_list_lines("BOLT-10, 1\nNUT-5, 2\nbolt-10, 3", "EUR").expect_err("twice");
        assert_eq!(
            error,
            AppError::invalid("lines (line 3)", "bolt-10 appears twice (first on line 1)")
        );
    }

    #[test]
    fn a_price_list_over_the_cap_is_refused_naming_the_field_and_the_cap() {
        let at_cap: String = (0..MAX_PRICE_LIST_LINES)
            .map(|i| format!("S{i}, 1\n"))
            .collect();
        assert_eq!(
            parse_price_list_lines(&at_cap, "EUR").map(|items| items.len()),
            Ok(MAX_PRICE_LIST_LINES)
        );
        let error = parse_price_list_lines(&format!("sku,price\n{at_cap}EXTRA, 1\n"), "EUR")
            .expect_err("over the cap");
        assert!(
            matches!(&error, AppError::Invalid { field, message } if field == "lines" && message.contains("at most 10000 lines per price list") && message.contains("line 10002")),
            "{error:?}"
        );
    }

    #[test]
    fn too_many_lines_or_none_are_refused_as_a_whole() {
        let text: String = (0..=MAX_BULK_LINES).map(|i| format!("S{i},1\n")).collect();
        let error = parse_bulk_lines(&text).expect_err("too many");
        assert!(error.to_string().contains("at most 10000 lines"), "{error}");
        assert!(parse_bulk_lines("\n  \nsku,quantity\n").is_err());
    }

    #[test]
    fn price_breaks_take_the_best_discount_reached_and_round_half_up() {
        let breaks = vec![
            PriceBreak {
                min_quantity: 10,
                discount_bp: 500,
            },
            PriceBreak {
                min_quantity: 100,
                discount_bp: 1_200,
            },
        ];
        assert_eq!(unit_price(1_000, 9, &breaks), (1_000, 0));
        assert_eq!(unit_price(1_000, 10, &breaks), (950, 500));
        assert_eq!(unit_price(1_000, 100, &breaks), (880, 1_200));
        // 5 % of 999 = 49.95 → 50 off.
        assert_eq!(unit_price(999, 10, &breaks), (949, 500));
        assert_eq!(parse_percent("12.5 %", "discount"), Ok(1_250));
        assert_eq!(parse_percent("5", "discount"), Ok(500));
        assert_eq!(
            parse_percent("12,5 %", "discount"),
            Ok(1_250),
            "a decimal comma"
        );
        assert!(parse_percent("1,2,5", "discount").is_err());
        assert!(parse_percent("5.555", "discount").is_err());
        assert!(parse_percent("-5", "discount").is_err());
        assert!(check_price_break(1, 500).is_err());
        assert!(check_price_break(10, 10_000).is_err());
    }

    #[test]
    fn each_line_names_every_problem_it_has() {
        let known: HashMap<String, VariantTerms> = [
            terms(
                "BOLT",
                100,
                1_000,
                10,
                10,
                vec![PriceBreak {
                    min_quantity: 100,
                    discount_bp: 1_000,
                }],
            ),
            terms("NUT", 50, 5, 1, 1, vec![]),
        ]
        .into_iter()
        .collect();
        let parsed =
            parse_bulk_lines("bolt,120\nNUT,6\nWASHER,1\nBOLT-X,1\nBOLT,5\n").expect("parsed");
        let check = check_bulk(parsed, &known);
        assert!(!check.is_orderable());
        let bolt = &check.lines[0];
        assert_eq!(bolt.quantity, 125);
        assert_eq!(bolt.merged_lines, vec![5]);
        assert_eq!(bolt.sku, "BOLT");
        assert_eq!(
            bolt.problems,
            vec!["sold in packs of 10: order 120 or 130".to_string()]
        );
        assert_eq!((bolt.unit_price_minor, bolt.line_total_minor), (90, 11_250));
        assert_eq!(check.lines[1].problems, vec!["only 5 in stock".to_string()]);
        assert_eq!(
            check.lines[2].problems,
            vec!["unknown SKU WASHER".to_string()]
        );
        assert_eq!(check.problem_count(), 4);

        let fixed = check_bulk(parse_bulk_lines("BOLT,10\nNUT,5").expect("parsed"), &known);
        assert!(fixed.is_orderable());
        assert_eq!(fixed.subtotal_minor, 10 * 100 + 5 * 50);
        let small = check_bulk(parse_bulk_lines("BOLT,5").expect("parsed"), &known);
        assert_eq!(
            small.lines[0].problems,
            vec![
                "below the minimum order quantity of 10".to_string(),
                "sold in packs of 10: order 10".to_string()
            ]
        );
    }
}
