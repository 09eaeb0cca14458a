//! How the release commands print (Helm's `pkg/cli/output` and the `gosuri/uitable` table
//! it uses): the `-o table|json|yaml` formats, Go's JSON encoder, sigs.k8s.io/yaml, the
//! padded table, and Go's formatting of the record times.

use std::fmt;

use gotime::{GoTime, Location};
use gotmpl::Value;

use crate::release::Time;

/// An `-o/--output` format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// `table` (the default): human-readable.
    #[default]
    Table,
    /// `json`.
    Json,
    /// `yaml`.
    Yaml,
}

/// A format name Helm does not know (`invalid format type`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid format type")]
pub struct InvalidFormat;

impl OutputFormat {
    /// Reads `table`, `json` or `yaml` (exactly; Helm's `ParseFormat`).
    pub fn parse(s: &str) -> Result<OutputFormat, InvalidFormat> {
        match s {
            "table" => Ok(OutputFormat::Table),
            "json" => Ok(OutputFormat::Json),
            "yaml" => Ok(OutputFormat::Yaml),
            _ => Err(InvalidFormat),
        }
    }

    /// The name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutputFormat::Table => "table",
            OutputFormat::Json => "json",
            OutputFormat::Yaml => "yaml",
        }
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a value could not be printed (`unable to write JSON output`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// Go's JSON encoder refused the value (a non-finite float).
    #[error("unable to write JSON output: {0}")]
    Json(String),
    /// The YAML writer refused the value.
    #[error("unable to write YAML output: {0}")]
    Yaml(String),
}

/// Go's `json.NewEncoder(out).Encode(v)`: compact, HTML characters escaped, a newline
/// after.
pub fn encode_json(v: &Value) -> Result<String, EncodeError> {
    let mut s = goyaml::to_json(v).map_err(|e| EncodeError::Json(e.to_string()))?;
    s.push('\n');
    Ok(s)
}

/// sigs.k8s.io/yaml `Marshal` of a value.
pub fn encode_yaml(v: &Value) -> Result<String, EncodeError> {
    goyaml::marshal(v).map_err(|e| EncodeError::Yaml(e.to_string()))
}

/// sigs.k8s.io/yaml `Marshal` of a Go struct whose JSON form (`encoding/json`'s text) is
/// `json`: the fields become a map, so they come out sorted by name.
pub fn json_text_to_yaml(json: &str) -> Result<String, EncodeError> {
    let v = goyaml::from_json(json).map_err(EncodeError::Yaml)?;
    encode_yaml(&v)
}

/// Go's `layout` for `time.ANSIC` (`Mon Jan _2 15:04:05 2006`).
pub const ANSIC: &str = "Mon Jan _2 15:04:05 2006";
/// Go's `time.RFC3339`.
pub const RFC3339: &str = "2006-01-02T15:04:05Z07:00";

/// A record time as Go holds it after reading the record: `Z` gives UTC, an offset that
/// the local zone has at that instant gives the local zone (with its abbreviation), any
/// other offset a zone without a name.
pub fn go_time(t: &Time) -> GoTime {
    let loc = if t.offset() == 0 {
        Location::Utc
    } else if Location::Local.lookup(t.unix()).0 == t.offset() {
        Location::Local
    } else {
        Location::Fixed(String::new(), t.offset())
    };
    GoTime {
        unix: t.unix(),
        nsec: t.subsec_nanos(),
        loc,
        mono: None,
    }
}

/// Go's `t.Format(layout)` of a record time.
pub fn format_time(t: &Time, layout: &str) -> String {
    go_time(t).format(layout)
}

/// Go's `t.String()` of a record time (`2026-11-25 17:08:48.546075874 +0000 UTC`).
pub fn time_string(t: &Time) -> String {
    go_time(t).go_string()
}

/// A table as `gosuri/uitable` prints it with Helm's settings: every cell padded with
/// spaces to its column's width (the last column too), cells separated by a tab, rows by
/// newlines; a cell holding newlines spreads over several lines.
#[derive(Clone, Debug, Default)]
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table.
    pub fn new() -> Table {
        Table::default()
    }

    /// Appends a row.
    pub fn add_row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    /// The table text followed by a newline (Helm's `EncodeTable`); an empty table is
    /// just the newline.
    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = Vec::new();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if widths.len() <= i {
                    widths.push(0);
                }
                let w = cell.split('\n').map(width).max().unwrap_or(0);
                widths[i] = widths[i].max(w);
            }
        }
        let mut lines = Vec::new();
        for row in &self.rows {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(i, c)| resize(c, widths[i]))
                .collect();
            let count = cells
                .iter()
                .map(|c| c.split('\n').count())
                .max()
                .unwrap_or(0);
            for x in 0..count {
                let line: Vec<String> = cells
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let part = c.split('\n').nth(x).unwrap_or("");
                        resize(part, widths[i])
                    })
                    .collect();
                lines.push(line.join("\t"));
            }
        }
        let mut out = lines.join("\n");
        out.push('\n');
        out
    }
}

/// The display width of a string (go-runewidth, not East Asian): control characters,
/// newlines included, count 0.
fn width(s: &str) -> usize {
    s.chars().map(rune_width).sum()
}

fn rune_width(c: char) -> usize {
    unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)
}

/// uitable's `Resize`: pads to `n` columns, or cuts to fit and ends with `...`. A cell of
/// width 0 (an empty column) is left alone.
fn resize(s: &str, n: usize) -> String {
    if n == 0 {
        return s.to_owned();
    }
    let w = width(s);
    if w == n {
        return s.to_owned();
    }
    if w < n {
        let mut out = s.to_owned();
        out.extend(std::iter::repeat_n(' ', n - w));
        return out;
    }
    let limit = n as i64 - 3;
    let mut out = String::new();
    let mut acc = 0i64;
    for c in s.chars() {
        out.push(c);
        let rw = rune_width(c) as i64;
        if acc + rw >= limit {
            break;
        }
        acc += rw;
    }
    out.push_str("...");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_pads_every_column() {
        let mut t = Table::new();
        t.add_row(["NAME", "REVISION"]);
        t.add_row(["a-long-name", "1"]);
        assert_eq!(t.render(), "NAME       \tREVISION\na-long-name\t1       \n");
        assert_eq!(Table::new().render(), "\n");
    }

    #[test]
    fn multi_line_cells_spread_over_lines() {
        let mut t = Table::new();
        t.add_row(["A", "DESC"]);
        t.add_row(["1", "ab\ncd"]);
        assert_eq!(t.render(), "A\tDESC\n1\tab  \n \tcd  \n");
    }

    #[test]
    fn formats() {
        assert_eq!(OutputFormat::parse("json"), Ok(OutputFormat::Json));
        assert_eq!(OutputFormat::parse("JSON"), Err(InvalidFormat));
        let t = Time::parse_rfc3339("2026-11-25T17:08:48.546075874Z").unwrap_or_default();
        assert_eq!(format_time(&t, ANSIC), "Wed Nov 25 17:08:48 2026");
        assert_eq!(time_string(&t), "2026-11-25 17:08:48.546075874 +0000 UTC");
        assert_eq!(format_time(&Time::ZERO, ANSIC), "Mon Jan  1 00:00:00 0001");
    }
}
