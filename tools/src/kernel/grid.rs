//! A table as aligned plain text that is also a Markdown table: the same
//! output reads in a terminal, in a cover letter and, kept in
//! `results/tables.md`, on a forge. Cells may hold spaces (a time with its
//! range), so columns are separated by `|`, never by whitespace alone.
//! The page draws the same grid as HTML (`html_table`).

use super::cells::Cell;

/// Rows under a header; the first `left` columns are aligned left (names),
/// the others right (figures).
#[derive(Debug, Clone)]
pub struct Grid {
    header: Vec<String>,
    rows: Vec<Vec<Cell>>,
    left: usize,
}

impl Grid {
    /// An empty table with these column names.
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>, left: usize) -> Grid {
        Grid {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
            left,
        }
    }

    /// Adds a row; missing cells are left empty, extra ones dropped, so a
    /// row can never shift the columns after it.
    pub fn row(&mut self, mut cells: Vec<Cell>) {
        cells.resize(self.header.len(), Cell::Text(String::new()));
        self.rows.push(cells);
    }

    /// Whether no row was added.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The column names.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The rows, each as long as the header.
    pub fn rows(&self) -> &[Vec<Cell>] {
        &self.rows
    }

    /// Whether column `i` holds names (aligned left) rather than figures.
    pub fn is_name(&self, i: usize) -> bool {
        i < self.left
    }

    /// The header, its rule (with Markdown's alignment marks) and the rows.
    pub fn render(&self) -> String {
        let text: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| r.iter().map(Cell::text).collect())
            .collect();
        let width = |i: usize| {
            text.iter()
                .map(|r| r[i].chars().count())
                .chain([self.header[i].chars().count(), 3])
                .max()
                .unwrap_or(3)
        };
        let widths: Vec<usize> = (0..self.header.len()).map(width).collect();
        let line = |cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, (c, w))| match self.is_name(i) {
                    true => format!("{c:<w$}"),
                    false => format!("{c:>w$}"),
                })
                .collect();
            format!("| {} |\n", padded.join(" | "))
        };
        let mut out = line(&self.header);
        let rule: Vec<String> = widths
            .iter()
            .enumerate()
            .map(|(i, w)| match self.is_name(i) {
                true => format!(":{}", "-".repeat(w + 1)),
                false => format!("{}:", "-".repeat(w + 1)),
            })
            .collect();
        out.push_str(&format!("|{}|\n", rule.join("|")));
        for r in &text {
            out.push_str(&line(r));
        }
        out
    }
}

/// A table under its title.
#[derive(Debug, Clone)]
pub struct Section {
    /// What the table shows, as one sentence ending in `:`.
    pub title: String,
    /// The table.
    pub grid: Grid,
}

impl Section {
    /// A titled table.
    pub fn new(title: &str, grid: Grid) -> Section {
        Section {
            title: title.into(),
            grid,
        }
    }

    /// The title, a blank line, the table (Markdown would read a title
    /// line touching the table as part of it).
    pub fn render(&self) -> String {
        format!("\n{}\n\n{}", self.title, self.grid.render())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_and_form_a_markdown_table() {
        let mut g = Grid::new(["arch", "time"], 1);
        g.row(vec!["um".into(), "1.0 (0.9-1.2) ms".into()]);
        g.row(vec!["arm64".into()]);
        assert_eq!(
            g.render(),
            "| arch  |             time |\n\
             |:------|-----------------:|\n\
             | um    | 1.0 (0.9-1.2) ms |\n\
             | arm64 |                  |\n"
        );
    }
}
