//! The ascii summary table, drawn as Python's `texttable` draws it for ElastAlert2: a border,
//! `=` under the centred header, `-` between left-aligned rows, every cell as text, columns
//! narrowed one character at a time in turn when the table is wider than `max_width`, and
//! cells wrapped as `textwrap.wrap` does (words, then long words cut).
//!
//! Widths count characters; texttable counts East Asian wide characters twice.

use super::options::invalid;
use crate::Result;

/// The table: `headers` over `rows` (every row as long as `headers`), at most `max_width`
/// characters wide, without a trailing newline.
pub(crate) fn draw_ascii(
    headers: &[String],
    rows: &[Vec<String>],
    max_width: usize,
) -> Result<String> {
    let widths = column_widths(headers, rows, max_width)?;
    let hline = rule_line(&widths, '-');
    let mut out = hline.clone();
    out.push_str(&draw_row(headers, &widths, true));
    out.push_str(&rule_line(&widths, '='));
    for (i, row) in rows.iter().enumerate() {
        out.push_str(&draw_row(row, &widths, false));
        if i + 1 < rows.len() {
            out.push_str(&hline);
        }
    }
    out.push_str(&hline);
    out.pop();
    Ok(out)
}

/// `+-----+-----+` (or with `=` under the header), ending in a newline.
fn rule_line(widths: &[usize], horiz: char) -> String {
    let cells: Vec<String> = widths
        .iter()
        .map(|w| horiz.to_string().repeat(*w))
        .collect();
    let sep = format!("{horiz}+{horiz}");
    format!("+{horiz}{}{horiz}+\n", cells.join(&sep))
}

/// texttable's `_compute_cols_width`.
fn column_widths(headers: &[String], rows: &[Vec<String>], max_width: usize) -> Result<Vec<usize>> {
    let mut widths: Vec<usize> = headers.iter().map(|h| cell_width(h)).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell_width(cell));
        }
    }
    let ncols = widths.len();
    let deco = 3 * ncols.saturating_sub(1) + 4;
    if widths.iter().sum::<usize>() + deco <= max_width {
        return Ok(widths);
    }
    if max_width < ncols + deco {
        return Err(invalid(
            "summary_table_fields",
            format!("{ncols} columns do not fit in a table {max_width} characters wide"),
        ));
    }
    let mut available = max_width - deco;
    let mut narrowed = vec![0; ncols];
    let mut i = 0;
    while available > 0 {
        if narrowed[i] < widths[i] {
            narrowed[i] += 1;
            available -= 1;
        }
        i = (i + 1) % ncols;
    }
    Ok(narrowed)
}

/// texttable's `_len_cell`: the widest line, tabs advancing to the next multiple of 8.
fn cell_width(cell: &str) -> usize {
    cell.split('\n')
        .map(|line| {
            let parts: Vec<&str> = line.split('\t').collect();
            let mut len = 0;
            for (i, part) in parts.iter().enumerate() {
                len += part.chars().count();
                if i + 1 < parts.len() {
                    len = (len / 8 + 1) * 8;
                }
            }
            len
        })
        .max()
        .unwrap_or(0)
}

/// One row, wrapped to the widths; header cells centred, others left-aligned.
fn draw_row(cells: &[String], widths: &[usize], header: bool) -> String {
    let wrapped: Vec<Vec<String>> = cells
        .iter()
        .zip(widths)
        .map(|(cell, w)| {
            cell.split('\n')
                .flat_map(|line| {
                    if line.trim().is_empty() {
                        vec![String::new()]
                    } else {
                        wrap(line, *w)
                    }
                })
                .collect()
        })
        .collect();
    let height = wrapped.iter().map(Vec::len).max().unwrap_or(0);
    let mut out = String::new();
    for line in 0..height {
        out.push_str("| ");
        for (i, (cell, w)) in wrapped.iter().zip(widths).enumerate() {
            let text = cell.get(line).map_or("", String::as_str);
            let fill = w.saturating_sub(text.chars().count());
            if header {
                out.push_str(&" ".repeat(fill / 2));
                out.push_str(text);
                out.push_str(&" ".repeat(fill - fill / 2));
            } else {
                out.push_str(text);
                out.push_str(&" ".repeat(fill));
            }
            if i + 1 < wrapped.len() {
                out.push_str(" | ");
            }
        }
        out.push_str(" |\n");
    }
    out
}

/// Python's `textwrap.wrap(text, width)` with its defaults: tabs expanded, whitespace made
/// spaces, lines filled greedily with words, whitespace dropped at line ends (and at line
/// starts after the first), words longer than a line cut (after a hyphen when one fits).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut chunks: Vec<String> = Vec::new();
    for c in expand_tabs(text).chars() {
        let c = if c.is_whitespace() { ' ' } else { c };
        match chunks.last_mut() {
            Some(last) if last.starts_with(' ') == (c == ' ') => last.push(c),
            _ => chunks.push(c.to_string()),
        }
    }
    chunks.reverse();
    let mut lines = Vec::new();
    while !chunks.is_empty() {
        let mut line: Vec<String> = Vec::new();
        let mut len = 0;
        if !lines.is_empty() && chunks.last().is_some_and(|c| c.trim().is_empty()) {
            chunks.pop();
        }
        while let Some(chunk) = chunks.last() {
            let n = chunk.chars().count();
            if len + n > width {
                break;
            }
            len += n;
            line.extend(chunks.pop());
        }
        if chunks.last().is_some_and(|c| c.chars().count() > width) {
            let space = if width == 0 { 1 } else { width - len };
            cut_long_word(&mut chunks, &mut line, space);
        }
        if line.last().is_some_and(|c| c.trim().is_empty()) {
            line.pop();
        }
        if !line.is_empty() {
            lines.push(line.concat());
        }
    }
    lines
}

/// textwrap's `_handle_long_word`: moves the head of the next chunk (`space` characters, or
/// up to a hyphen within them) onto the line.
fn cut_long_word(chunks: &mut Vec<String>, line: &mut Vec<String>, space: usize) {
    let Some(chunk) = chunks.pop() else { return };
    let chars: Vec<char> = chunk.chars().collect();
    let mut end = space.min(chars.len());
    if let Some(h) = chars[..end].iter().rposition(|c| *c == '-')
        && h > 0
        && chars[..h].iter().any(|c| *c != '-')
    {
        end = h + 1;
    }
    line.push(chars[..end].iter().collect());
    chunks.push(chars[end..].iter().collect());
}

/// `str.expandtabs()`: tabs to the next multiple of 8.
fn expand_tabs(text: &str) -> String {
    let mut out = String::new();
    let mut col = 0;
    for c in text.chars() {
        if c == '\t' {
            let n = 8 - col % 8;
            out.push_str(&" ".repeat(n));
            col += n;
        } else {
            out.push(c);
            col = if c == '\n' { 0 } else { col + 1 };
        }
    }
    out
}
