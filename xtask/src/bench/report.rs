//! Markdown the bench prints and writes: one table shape and one unit for every section.

/// A markdown table: the first column left-aligned (names), the rest right-aligned (figures).
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let alignment: Vec<&str> = (0..header.len()).map(|i| if i == 0 { "---" } else { "--:" }).collect();
    let mut lines = vec![row_line(header), row_line(&alignment)];
    lines.extend(rows.iter().map(|row| row_line(row)));
    lines.join("\n") + "\n"
}

fn row_line<S: AsRef<str>>(cells: &[S]) -> String {
    let cells: Vec<&str> = cells.iter().map(AsRef::as_ref).collect();
    format!("| {} |", cells.join(" | "))
}

/// Bytes as KB of 1,000 bytes, the unit the comparison bar is quoted in.
pub fn kb(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1000.0)
}

/// A signed change in percent of `base`, e.g. "+12.5 %".
pub fn percent_change(value: u64, base: u64) -> String {
    format!("{:+.1} %", (value as f64 - base as f64) * 100.0 / base as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_names_left_and_figures_right() {
        let text = table(&["asset", "gzip KB"], &[vec!["wasm".into(), kb(71_950)]]);
        assert_eq!(text, "| asset | gzip KB |\n| --- | --: |\n| wasm | 72.0 |\n");
    }

    #[test]
    fn changes_are_signed_percentages() {
        assert_eq!(percent_change(110, 100), "+10.0 %");
        assert_eq!(percent_change(90, 100), "-10.0 %");
        assert_eq!(percent_change(100, 100), "+0.0 %");
    }
}
