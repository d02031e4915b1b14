//! Fields that JSONL and CSV files hold under other names (`--field text=正文`).

use crate::error::{Error, Result};

/// Fields read from a CSV column or JSON key of another name (`--field text=正文`): exports from Chinese
/// sites name their columns 正文, 标题, 日期, and renaming them by hand in a file of millions of rows is
/// what users should not have to do.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldNames {
    /// (field, column) pairs, as given.
    pairs: Vec<(String, String)>,
}

impl FieldNames {
    /// The pairs as given, refused when a field or a column is named twice.
    pub fn new(pairs: Vec<(String, String)>) -> Result<Self> {
        for (i, (field, column)) in pairs.iter().enumerate() {
            let earlier = &pairs[..i];
            if let Some((_, other)) = earlier.iter().find(|(f, _)| f == field) {
                return Err(Error::Usage(format!(
                    "--field {field}={column}: the field `{field}` is already read from `{other}`"
                )));
            }
            if let Some((other, _)) = earlier.iter().find(|(_, c)| c == column) {
                return Err(Error::Usage(format!(
                    "--field {field}={column}: the column `{column}` is already read as `{other}`"
                )));
            }
        }
        Ok(FieldNames { pairs })
    }

    /// The field each column of a CSV header is read as, or what is wrong with the header: two columns read
    /// as one field, a column `--field` names that is not there, no text.
    pub(super) fn header<'h>(
        &'h self,
        columns: &[&'h str],
    ) -> std::result::Result<Vec<&'h str>, String> {
        if let Some(message) = self.clash(|c| columns.contains(&c), "column") {
            return Err(message);
        }
        if let Some((field, column)) = self
            .pairs
            .iter()
            .find(|(_, c)| !columns.contains(&c.as_str()))
        {
            return Err(format!(
                "--field {field}={column}: the header has no column `{column}`; its columns: {}",
                listed(columns)
            ));
        }
        let fields: Vec<&str> = columns.iter().map(|c| self.field_of(c)).collect();
        if !fields.contains(&"text") {
            return Err(self.missing_text("column", columns));
        }
        Ok(fields)
    }

    /// What is wrong with the keys of a JSON record: two read as one field, or no text. Allocates nothing
    /// unless something is (every line of a million-line file is checked).
    pub(super) fn check_keys(
        &self,
        map: &serde_json::Map<String, serde_json::Value>,
    ) -> std::result::Result<(), String> {
        if let Some(message) = self.clash(|k| map.contains_key(k), "key") {
            return Err(message);
        }
        if !map.keys().any(|k| self.field_of(k) == "text") {
            let keys: Vec<&str> = map.keys().map(String::as_str).collect();
            return Err(self.missing_text("key", &keys));
        }
        Ok(())
    }

    /// The field a column or key is read as.
    pub(super) fn field_of<'c>(&'c self, column: &'c str) -> &'c str {
        self.pairs
            .iter()
            .find(|(_, c)| c == column)
            .map_or(column, |(f, _)| f.as_str())
    }

    /// The column or key a field is read from.
    pub(super) fn column_of<'f>(&'f self, field: &'f str) -> &'f str {
        self.pairs
            .iter()
            .find(|(f, _)| f == field)
            .map_or(field, |(_, c)| c.as_str())
    }

    /// Two names of a header or record read as the same field: a column given by `--field` and one that
    /// already has the field's name (`正文` and `text`, with `--field text=正文`).
    fn clash(&self, has: impl Fn(&str) -> bool, kind: &str) -> Option<String> {
        self.pairs.iter().find_map(|(field, column)| {
            let both = has(column) && has(field);
            let unmapped = self.pairs.iter().all(|(_, c)| c != field);
            (both && unmapped).then(|| {
                format!(
                    "the {kind}s `{column}` (given by --field {field}={column}) and `{field}` would both be \
                     read as `{field}`: read `{field}` as something else too, e.g. --field {field}_2={field}"
                )
            })
        })
    }

    /// What the user can do about a record or header without the text, given the names it has.
    fn missing_text(&self, kind: &str, names: &[&str]) -> String {
        let listed = listed(names);
        match self.pairs.iter().find(|(f, _)| f == "text") {
            Some((_, column)) => format!(
                "no {kind} `{column}` (given by --field text={column}); its {kind}s: {listed}"
            ),
            None => {
                let likely = names
                    .iter()
                    .find(|n| TEXT_LIKE.contains(&n.to_lowercase().as_str()));
                let example = likely.map_or(kind.to_uppercase(), |n| n.to_string());
                format!(
                    "no {kind} `text`; its {kind}s: {listed}. Name the {kind} that holds the articles' \
                     text with --field text={example} (and title=, date=, county=, source=, id= likewise)"
                )
            }
        }
    }
}

/// Names as a message lists them: `a`, `b`.
fn listed(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Names that exports commonly give the articles' text.
const TEXT_LIKE: [&str; 8] = [
    "正文", "内容", "全文", "文本", "content", "body", "article", "fulltext",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn names(pairs: &[(&str, &str)]) -> Result<FieldNames> {
        FieldNames::new(
            pairs
                .iter()
                .map(|(f, c)| (f.to_string(), c.to_string()))
                .collect(),
        )
    }

    #[test]
    fn a_field_or_a_column_named_twice_is_refused() {
        let twice = names(&[("text", "正文"), ("text", "内容")]).unwrap_err();
        assert!(
            twice.to_string().contains("already read from `正文`"),
            "{twice}"
        );
        let twice = names(&[("text", "正文"), ("title", "正文")]).unwrap_err();
        assert!(
            twice.to_string().contains("already read as `text`"),
            "{twice}"
        );
    }

    #[test]
    fn a_header_is_read_through_the_names_given() {
        let n = names(&[("text", "正文"), ("title", "标题")]).unwrap();
        assert_eq!(
            n.header(&["编号", "标题", "正文"]).unwrap(),
            ["编号", "title", "text"]
        );
        // Swapping two names is no clash: each column is read as one field.
        let swapped = names(&[("text", "title"), ("title", "text")]).unwrap();
        assert_eq!(
            swapped.header(&["text", "title"]).unwrap(),
            ["title", "text"]
        );
        let plain = FieldNames::default();
        let e = plain.header(&["编号", "内容"]).unwrap_err();
        assert!(e.contains("--field text=内容"), "{e}");
        let e = plain.header(&["a", "b"]).unwrap_err();
        assert!(e.contains("--field text=COLUMN"), "{e}");
    }
}
