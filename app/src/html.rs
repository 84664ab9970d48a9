//! Escaped HTML for long, read-only table bodies.
//!
//! A Leptos element costs several allocations on the server (its opening tag, its class string,
//! an owned copy of every attribute), which for the 50-row orders list was half the time of the
//! whole page. Rows that carry no reactivity are written here as one string instead and placed
//! with `inner_html`: hydration leaves such an element's content alone, links inside it are still
//! handled by the router, and form inputs inside it still submit with their form.
//!
//! Every value goes through [`HtmlBuf::text`] or [`HtmlBuf::attr`], which escape it; only the
//! markup written with [`HtmlBuf::raw`] (string literals in the calling code) is not escaped.

use crate::dates::ShopZone;
use crate::money::{currency_exponent, push_integer, AmountStyle};

#[derive(Debug, Default)]
pub struct HtmlBuf {
    html: String,
}

impl HtmlBuf {
    pub fn with_capacity(capacity: usize) -> Self {
        HtmlBuf {
            html: String::with_capacity(capacity),
        }
    }

    /// Markup from the calling code, written as is. Never pass data through here.
    pub fn raw(&mut self, markup: &'static str) -> &mut Self {
        self.html.push_str(markup);
        self
    }

    /// Text content, escaped.
    pub fn text(&mut self, text: &str) -> &mut Self {
        escape_into(&mut self.html, text);
        self
    }

    /// A number as text (nothing to escape), written digit by digit rather than through
    /// `format!`.
    pub fn int(&mut self, value: i64) -> &mut Self {
        push_integer(&mut self.html, value);
        self
    }

    /// A date and time on the shop's clocks, as [`ShopZone::date_time`] writes it.
    pub fn date_time(&mut self, ms: i64, zone: &ShopZone) -> &mut Self {
        zone.push_date_time(&mut self.html, ms);
        self
    }

    /// An amount of money as [`AmountStyle::money`] writes it (the currency code escaped).
    pub fn money(&mut self, minor: i64, currency: &str, style: AmountStyle) -> &mut Self {
        escape_into(&mut self.html, currency);
        self.html.push(' ');
        style.push_amount(&mut self.html, minor, currency_exponent(currency));
        self
    }

    /// ` name="value"` with the value escaped; `name` comes from the calling code.
    pub fn attr(&mut self, name: &'static str, value: &str) -> &mut Self {
        self.html.push(' ');
        self.html.push_str(name);
        self.html.push_str("=\"");
        escape_into(&mut self.html, value);
        self.html.push('"');
        self
    }

    pub fn into_string(self) -> String {
        self.html
    }
}

/// Escapes the five characters that can end a text node or a quoted attribute value.
pub fn escape_into(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(position) = rest.find(['&', '<', '>', '"', '\'']) {
        out.push_str(&rest[..position]);
        out.push_str(match rest.as_bytes()[position] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        });
        rest = &rest[position + 1..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::format_money;

    #[test]
    fn text_and_attribute_values_are_escaped() {
        let mut html = HtmlBuf::default();
        html.raw("<td")
            .attr("title", "\"><script>alert('x')</script>")
            .raw(">")
            .text("Tom & Jerry <b>")
            .raw("</td>");
        assert_eq!(
            html.into_string(),
            "<td title=\"&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\">Tom &amp; Jerry &lt;b&gt;</td>"
        );
    }

    #[test]
    fn text_without_special_characters_is_unchanged() {
        let mut out = String::new();
        escape_into(&mut out, "Zoë Müller-Łukasz 12");
        assert_eq!(out, "Zoë Müller-Łukasz 12");
        let mut html = HtmlBuf::default();
        html.int(-42).text("");
        assert_eq!(html.into_string(), "-42");
    }

    #[test]
    fn numbers_and_dates_are_written_as_format_writes_them() {
        for value in [0, 7, -7, 10, 1_001, -1_234_567, i64::MAX, i64::MIN] {
            let mut html = HtmlBuf::default();
            html.int(value);
            assert_eq!(html.into_string(), value.to_string());
        }
        let zone = ShopZone::named("Asia/Kolkata");
        let mut html = HtmlBuf::default();
        html.date_time(1_795_334_005_779, &zone);
        assert_eq!(html.into_string(), zone.date_time(1_795_334_005_779));
    }

    #[test]
    fn money_is_written_as_the_shops_style_writes_it() {
        for (minor, currency) in [
            (123_456, "EUR"),
            (-5, "USD"),
            (1_234_567, "JPY"),
            (0, "GBP"),
        ] {
            for style in AmountStyle::ALL {
                let mut html = HtmlBuf::default();
                html.money(minor, currency, style);
                assert_eq!(html.into_string(), style.money(minor, currency));
            }
            let mut html = HtmlBuf::default();
            html.money(minor, currency, AmountStyle::Point);
            assert_eq!(html.into_string(), format_money(minor, currency));
        }
        let mut html = HtmlBuf::default();
        html.money(100, "<b>", AmountStyle::Point);
        assert_eq!(html.into_string(), "&lt;b&gt; 1.00");
    }
}
