//! Dates of articles and calendar periods. Written by hand: four input forms and three periods do not need
//! a date library.

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The forms [`parse_date`] reads, as error messages name them.
pub const DATE_FORMS: &str = "2025-10-01, 20251001, 2025/10/1 or 2025年10月1日";

/// Parses `2019-10-01`, `20191001`, `2019/10/1`, `2019年10月1日` (also `2019.10.1`, and a time after the
/// date, as in `2019-10-01T08:00:00`). Returns `None` for anything else or an impossible date.
pub fn parse_date(text: &str) -> Option<Date> {
    let t = text.trim();
    let t = t.split(['T', ' ']).next().unwrap_or(t);
    let (y, m, d) = if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        (&t[0..4], &t[4..6], &t[6..8])
    } else if let Some(rest) = t.strip_suffix('日') {
        let (y, rest) = rest.split_once('年')?;
        let (m, d) = rest.split_once('月')?;
        (y, m, d)
    } else {
        let mut parts = t.split(['-', '/', '.']);
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        (y, m, d)
    };
    let all_digits =
        |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit());
    if !(all_digits(y) && y.len() == 4 && all_digits(m) && all_digits(d)) {
        return None;
    }
    let date = Date {
        year: y.parse().ok()?,
        month: m.parse().ok()?,
        day: d.parse().ok()?,
    };
    let valid = (1..=12).contains(&date.month)
        && date.day >= 1
        && date.day <= days_in_month(date.year, date.month);
    valid.then_some(date)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Month,
    Quarter,
    Year,
}

impl Period {
    /// A sortable index of the period a date falls in.
    pub fn index(self, d: Date) -> i64 {
        let y = d.year as i64;
        match self {
            Period::Month => y * 12 + d.month as i64 - 1,
            Period::Quarter => y * 4 + (d.month as i64 - 1) / 3,
            Period::Year => y,
        }
    }

    /// The index of a period's label, as [`Period::label`] writes it.
    pub fn index_of_label(self, label: &str) -> Option<i64> {
        let number = |s: &str| s.parse::<i64>().ok();
        // The year, and the month or quarter counted from 0 when it is in range.
        let part = |label: &str, separator: char, count: i64| -> Option<(i64, i64)> {
            let (y, p) = label.split_once(separator)?;
            let p = number(p)?;
            (1..=count).contains(&p).then_some((number(y)?, p - 1))
        };
        match self {
            Period::Month => part(label, '-', 12).map(|(y, m)| y * 12 + m),
            Period::Quarter => part(label, 'Q', 4).map(|(y, q)| y * 4 + q),
            Period::Year => number(label),
        }
    }

    /// The label of a period index: `2019-10`, `2019Q4`, `2019`.
    pub fn label(self, index: i64) -> String {
        match self {
            Period::Month => format!("{}-{:02}", index.div_euclid(12), index.rem_euclid(12) + 1),
            Period::Quarter => format!("{}Q{}", index.div_euclid(4), index.rem_euclid(4) + 1),
            Period::Year => index.to_string(),
        }
    }
}
