//! Line and column of every key of a scenario's text, so that each problem points at its line.

use std::collections::HashMap;

use toml::de::{DeTable, DeValue};

/// Where a problem is: a place in the file, or a `--set` override that supplied the value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Location {
    /// 1-based line and column (counted in characters) in the scenario text.
    Text {
        /// Line, from 1.
        line: usize,
        /// Column, from 1.
        column: usize,
    },
    /// The value came from `--set KEY=VALUE` (or `--vary`) on the command line.
    Override {
        /// The flag that gave it, as typed (`--set`, `--vary`).
        flag: &'static str,
        /// The override's key, as typed.
        key: String,
    },
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Text { line, column } => write!(f, "{line}:{column}"),
            Location::Override { flag, key } => write!(f, "{flag} {key}"),
        }
    }
}

/// Byte offsets of every key (and array element) of a parsed document, by dotted path
/// (`providers.azure.capacity[0].size_mw`), plus the line starts to turn offsets into lines.
#[derive(Debug, Default)]
pub struct Locations {
    offsets: HashMap<String, usize>,
    line_starts: Vec<usize>,
    text: String,
    /// Paths (same notation) whose values were set by `--set` or `--vary`, with the flag and
    /// the override's key.
    overridden: Vec<(String, &'static str, String)>,
}

impl Locations {
    /// Indexes every key of `root`, parsed from `text`.
    pub fn index(text: &str, root: &DeTable<'_>) -> Self {
        let mut offsets = HashMap::new();
        walk_table(root, "", &mut offsets);
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            offsets,
            line_starts,
            text: text.to_string(),
            overridden: Vec::new(),
        }
    }

    /// Records that `FLAG KEY` (`--set`, key dotted, indices as `.0`) supplied the value at
    /// that path.
    pub fn mark_override(&mut self, flag: &'static str, key: &str) {
        self.overridden
            .push((bracket_indices(key), flag, key.to_string()));
    }

    /// Returns the location of `field`: the override that set it or one of its parents, else
    /// the field's key in the text, else that of its nearest parent present (1:1 at worst).
    pub fn find(&self, field: &str) -> Location {
        if let Some((_, flag, key)) = self
            .overridden
            .iter()
            .rev()
            .find(|(path, ..)| within(field, path))
        {
            return Location::Override {
                flag,
                key: key.clone(),
            };
        }
        let mut path = field;
        loop {
            if let Some(&offset) = self.offsets.get(path) {
                return self.position(offset);
            }
            match parent(path) {
                Some(up) => path = up,
                None => return Location::Text { line: 1, column: 1 },
            }
        }
    }

    /// Returns the field a byte offset of the text lies in: the deepest path whose key (or list
    /// entry) starts last at or before it, as a value follows its key.
    pub fn field_at(&self, offset: usize) -> Option<&str> {
        (self.offsets.iter())
            .filter(|&(_, &start)| start <= offset)
            .max_by_key(|&(path, &start)| (start, path.len()))
            .map(|(path, _)| path.as_str())
    }

    /// Returns the field whose value holds the byte offset on its key's line (or a list entry's
    /// line): where a value the parser refused lies, so that its error can name the field. None
    /// elsewhere, as in a table header or a key.
    pub fn value_at(&self, offset: usize) -> Option<&str> {
        let field = self.field_at(offset)?;
        let before = self.text.get(self.offsets[field]..offset)?;
        let in_value = before.contains('=') || (field.ends_with(']') && before.is_empty());
        (in_value && !before.contains('\n')).then_some(field)
    }

    /// Returns the line and column of a byte offset of the text.
    pub fn position(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = self.line_starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        Location::Text { line, column }
    }
}

/// Returns true when `field` is `path` or lies under it.
pub fn within(field: &str, path: &str) -> bool {
    field == path
        || field
            .strip_prefix(path)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// Returns the path one level up (`a.b[2]` → `a.b`, `a.b` → `a`), or `None` at the top.
fn parent(path: &str) -> Option<&str> {
    let cut = path.rfind(['.', '['])?;
    Some(&path[..cut])
}

/// Rewrites `--set` notation (`capacity.0.size_mw`) into field notation (`capacity[0].size_mw`).
pub fn bracket_indices(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 2);
    for (i, part) in key.split('.').enumerate() {
        if i > 0 && !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{part}]"));
        } else {
            if i > 0 {
                out.push('.');
            }
            out.push_str(part);
        }
    }
    out
}

fn walk_table(table: &DeTable<'_>, prefix: &str, offsets: &mut HashMap<String, usize>) {
    for (key, value) in table.iter() {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        offsets.entry(path.clone()).or_insert(key.span().start);
        walk_value(value.get_ref(), &path, offsets);
    }
}

fn walk_value(value: &DeValue<'_>, path: &str, offsets: &mut HashMap<String, usize>) {
    match value {
        DeValue::Table(table) => walk_table(table, path, offsets),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let at = format!("{path}[{i}]");
                offsets.entry(at.clone()).or_insert(item.span().start);
                walk_value(item.get_ref(), &at, offsets);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locations(text: &str) -> Locations {
        let root = DeTable::parse(text).expect("valid TOML");
        Locations::index(text, root.get_ref())
    }

    #[test]
    fn keys_tables_and_array_elements_have_their_line_and_column() {
        let text = "[scenario]\nname = \"x\"\n[providers.azure]\ncapacity = [ { online = 2025-01-01, size_mw = 5 } ]\n";
        let at = locations(text);
        assert_eq!(
            at.find("scenario.name"),
            Location::Text { line: 2, column: 1 }
        );
        assert_eq!(
            at.find("providers.azure"),
            Location::Text {
                line: 3,
                column: 12
            }
        );
        assert_eq!(
            at.find("providers.azure.capacity[0]"),
            Location::Text {
                line: 4,
                column: 14
            }
        );
        assert_eq!(
            at.find("providers.azure.capacity[0].size_mw"),
            Location::Text {
                line: 4,
                column: 37
            }
        );
    }

    #[test]
    fn a_missing_field_points_at_its_nearest_parent() {
        let at = locations("[scenario]\nname = \"é\"\n");
        assert_eq!(
            at.find("scenario.start"),
            Location::Text { line: 1, column: 2 }
        );
        assert_eq!(
            at.find("market.price"),
            Location::Text { line: 1, column: 1 }
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let at = locations("a = \"éé\"\nb = 1\n");
        assert_eq!(at.position(9), Location::Text { line: 1, column: 8 });
    }

    #[test]
    fn overridden_values_point_at_the_override() {
        let mut at = locations("[providers.azure]\ncapacity = [ { size_mw = 5 } ]\n");
        at.mark_override("--set", "providers.azure.capacity.0");
        assert_eq!(
            at.find("providers.azure.capacity[0].size_mw"),
            Location::Override {
                flag: "--set",
                key: "providers.azure.capacity.0".into()
            }
        );
        assert_eq!(bracket_indices("a.0.b.12"), "a[0].b[12]");
    }
}
