//! Calendar dates: `YYYY-MM-DD` ↔ Unix milliseconds, and display. The arithmetic on UTC days is
//! plain code; a shop's own time zone ([`ShopZone`]: its offsets, daylight saving included) comes
//! from `jiff` and its bundled time zone database, the same in the server and in the browser, so
//! a page hydrates with the times the server wrote.

use crate::error::AppError;

/// A shop's time zone (an IANA name such as `Europe/Paris`), for showing times as the shop's
/// people read them and for reading the days they type.
#[derive(Debug, Clone)]
pub struct ShopZone {
    zone: jiff::tz::TimeZone,
}

/// Zones are alike when they have the same name (a bundled zone's rules do not change).
impl PartialEq for ShopZone {
    fn eq(&self, other: &Self) -> bool {
        self.zone.iana_name() == other.zone.iana_name()
    }
}

impl Default for ShopZone {
    fn default() -> Self {
        ShopZone::utc()
    }
}

impl ShopZone {
    pub fn utc() -> Self {
        ShopZone {
            zone: jiff::tz::TimeZone::UTC,
        }
    }

    /// The zone called `name`; UTC for a name the database does not know (shops only choose from
    /// [`crate::shops::rules::TIMEZONES`], which a test checks against the database).
    pub fn named(name: &str) -> Self {
        ShopZone {
            zone: jiff::tz::TimeZone::get(name).unwrap_or(jiff::tz::TimeZone::UTC),
        }
    }

    /// The zone's offset from UTC at the instant `ms`, in milliseconds.
    fn offset_ms(&self, ms: i64) -> i64 {
        jiff::Timestamp::from_millisecond(ms)
            .map(|instant| i64::from(self.zone.to_offset(instant).seconds()) * 1_000)
            .unwrap_or(0)
    }

    /// `YYYY-MM-DD HH:MM` of the instant `ms` on the shop's clocks.
    pub fn date_time(&self, ms: i64) -> String {
        format_date_time(ms.saturating_add(self.offset_ms(ms)))
    }

    /// Appends [`ShopZone::date_time`]'s text to `out`.
    pub fn push_date_time(&self, out: &mut String, ms: i64) {
        push_date_time(out, ms.saturating_add(self.offset_ms(ms)));
    }

    /// `YYYY-MM-DD` of the instant `ms` on the shop's calendar.
    pub fn date(&self, ms: i64) -> String {
        format_date(ms.saturating_add(self.offset_ms(ms)))
    }

    /// The first instant of the shop's calendar day that [`parse_date_ms`] read as `day_ms` (its
    /// UTC midnight): local midnight, or the first minute that exists on a day whose midnight is
    /// skipped by a clock change.
    pub fn start_of_day_ms(&self, day_ms: i64) -> i64 {
        let (year, month, day) = civil_from_ms(day_ms);
        let local = (|| {
            let date = jiff::civil::Date::new(
                i16::try_from(year).ok()?,
                i8::try_from(month).ok()?,
                i8::try_from(day).ok()?,
            )
            .ok()?;
            let start = date.to_zoned(self.zone.clone()).ok()?.start_of_day().ok()?;
            Some(start.timestamp().as_millisecond())
        })();
        local.unwrap_or(day_ms)
    }

    /// The last millisecond of that day (days of 23 and 25 hours included).
    pub fn end_of_day_ms(&self, day_ms: i64) -> i64 {
        self.start_of_day_ms(day_ms + DAY_MS) - 1
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// (year, month, day) of the UTC day containing `ms`.
pub fn civil_from_ms(ms: i64) -> (i64, i64, i64) {
    civil_from_days(ms.div_euclid(86_400_000))
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

const DAY_MS: i64 = 86_400_000;

/// The first millisecond (UTC) of a `YYYY-MM-DD` date; blank is `None`.
pub fn parse_date_ms(raw: &str, field: &str) -> Result<Option<i64>, AppError> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let invalid = || AppError::invalid(field, format!("\"{text}\" is not a date (YYYY-MM-DD)"));
    let mut parts = text.splitn(3, '-');
    let mut next = || -> Result<i64, AppError> {
        parts
            .next()
            .filter(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()))
            .and_then(|part| part.parse().ok())
            .ok_or_else(invalid)
    };
    let (year, month, day) = (next()?, next()?, next()?);
    if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) || day < 1 {
        return Err(invalid());
    }
    let days_in_month =
        days_from_civil(if month == 12 { year + 1 } else { year }, month % 12 + 1, 1)
            - days_from_civil(year, month, 1);
    if day > days_in_month {
        return Err(invalid());
    }
    Ok(Some(days_from_civil(year, month, day) * DAY_MS))
}

/// The last millisecond of the day that `parse_date_ms` starts (for inclusive "to" filters).
pub fn end_of_day_ms(start_ms: i64) -> i64 {
    start_ms + DAY_MS - 1
}

/// `YYYY-MM-DD HH:MM` in UTC (pages show a shop's times with [`ShopZone::date_time`]).
pub fn format_date_time(ms: i64) -> String {
    let mut out = String::with_capacity(16);
    push_date_time(&mut out, ms);
    out
}

/// Appends [`format_date_time`]'s text to `out` without going through `format!`: list pages
/// write a date per row, and the formatting machinery was a visible part of rendering them.
pub fn push_date_time(out: &mut String, ms: i64) {
    let minutes = ms.rem_euclid(DAY_MS) / 60_000;
    let (year, month, day) = civil_from_days(ms.div_euclid(DAY_MS));
    match u32::try_from(year) {
        Ok(year) if year <= 9999 => push_padded(out, year, 4),
        _ => {
            use std::fmt::Write;
            let _ = write!(out, "{year:04}");
        }
    }
    // Month, day, hour and minute are small and never negative.
    let two_digits = |out: &mut String, value: i64| push_padded(out, value as u32, 2);
    out.push('-');
    two_digits(out, month);
    out.push('-');
    two_digits(out, day);
    out.push(' ');
    two_digits(out, minutes / 60);
    out.push(':');
    two_digits(out, minutes % 60);
}

/// The last `width` decimal digits of `value`, zero-padded.
fn push_padded(out: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        out.push(char::from(b'0' + (value / 10_u32.pow(place) % 10) as u8));
    }
}

/// `YYYY-MM-DD` in UTC (pages show a shop's days with [`ShopZone::date`]).
pub fn format_date(ms: i64) -> String {
    let (year, month, day) = civil_from_days(ms.div_euclid(DAY_MS));
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_milliseconds() {
        assert_eq!(parse_date_ms("1970-01-01", "from"), Ok(Some(0)));
        let ms = parse_date_ms("2024-02-29", "from")
            .expect("valid")
            .expect("present");
        assert_eq!(format_date(ms), "2024-02-29");
        assert_eq!(
            format_date_time(ms + 13 * 3_600_000 + 5 * 60_000),
            "2024-02-29 13:05"
        );
        assert_eq!(format_date(end_of_day_ms(ms)), "2024-02-29");
        assert_eq!(parse_date_ms("", "from"), Ok(None));
    }

    #[test]
    fn date_times_are_written_as_format_writes_them() {
        let reference = |ms: i64| {
            let minutes = ms.rem_euclid(DAY_MS) / 60_000;
            let (year, month, day) = civil_from_days(ms.div_euclid(DAY_MS));
            format!(
                "{year:04}-{month:02}-{day:02} {:02}:{:02}",
                minutes / 60,
                minutes % 60
            )
        };
        // Around the epoch, a leap day, the year 10000, and years before 1000 and before 0.
        let mut samples = vec![
            0,
            -1,
            59_999,
            60_000,
            1_795_334_005_779,
            253_402_300_799_999,
            253_402_300_800_000,
            -62_135_596_800_000,
            -62_135_596_800_001,
            -30_000_000_000_000,
            -70_000_000_000_000,
        ];
        samples.extend((0..2_000).map(|step| -80_000_000_000_000 + step * 170_000_000_007));
        for ms in samples {
            let mut out = String::from("x");
            push_date_time(&mut out, ms);
            assert_eq!(out, format!("x{}", reference(ms)), "{ms} ms");
            assert_eq!(format_date_time(ms), reference(ms), "{ms} ms");
        }
    }

    #[test]
    fn a_shops_times_and_days_follow_its_zone_through_daylight_saving() {
        let paris = ShopZone::named("Europe/Paris");
        // 2024-07-01 12:00 UTC is 14:00 in Paris (summer time), 2024-01-15 12:00 UTC is 13:00.
        let summer = parse_date_ms("2024-07-01", "d").unwrap().unwrap() + 12 * 3_600_000;
        let winter = parse_date_ms("2024-01-15", "d").unwrap().unwrap() + 12 * 3_600_000;
        assert_eq!(paris.date_time(summer), "2024-07-01 14:00");
        assert_eq!(paris.date_time(winter), "2024-01-15 13:00");
        let mut out = String::from(">");
        paris.push_date_time(&mut out, summer);
        assert_eq!(out, ">2024-07-01 14:00");
        // 23:30 UTC on 31 December is already the new year in Paris and in Tokyo, not in New York.
        let new_year_eve =
            parse_date_ms("2024-12-31", "d").unwrap().unwrap() + 23 * 3_600_000 + 30 * 60_000;
        assert_eq!(paris.date(new_year_eve), "2025-01-01");
        assert_eq!(
            ShopZone::named("Asia/Tokyo").date(new_year_eve),
            "2025-01-01"
        );
        assert_eq!(
            ShopZone::named("America/New_York").date(new_year_eve),
            "2024-12-31"
        );
        assert_eq!(ShopZone::utc().date(new_year_eve), "2024-12-31");

        // Days of 23 and 25 hours: Paris springs forward on 2024-03-31, falls back on 2024-10-27.
        let hours = |day: &str| {
            let day = parse_date_ms(day, "d").unwrap().unwrap();
            (paris.end_of_day_ms(day) + 1 - paris.start_of_day_ms(day)) / 3_600_000
        };
        assert_eq!(hours("2024-03-31"), 23);
        assert_eq!(hours("2024-10-27"), 25);
        assert_eq!(hours("2024-06-01"), 24);
        let june = parse_date_ms("2024-06-01", "d").unwrap().unwrap();
        assert_eq!(
            paris.start_of_day_ms(june),
            june - 2 * 3_600_000,
            "local midnight is 22:00 UTC"
        );
        assert_eq!(ShopZone::utc().start_of_day_ms(june), june);
        // An unknown name is UTC rather than an error.
        assert_eq!(
            ShopZone::named("Mars/Olympus").date_time(summer),
            "2024-07-01 12:00"
        );
    }

    #[test]
    fn every_time_zone_a_shop_can_choose_is_in_the_database() {
        for name in crate::shops::rules::TIMEZONES {
            assert!(jiff::tz::TimeZone::get(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn impossible_dates_are_refused_naming_the_field() {
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-1",
            "yesterday",
            "2024-04-31",
        ] {
            let error = parse_date_ms(bad, "to").expect_err(bad);
            assert!(error.to_string().starts_with("to:"), "{error}");
        }
    }
}
