//! Fitting boxed tables and free text into a terminal width.
//!
//! Widths are display columns (`unicode-width`), so CJK text and emoji count double and combining marks count
//! zero. A column either *keeps* its text (it wraps onto more lines, at `-`, `/`, `.`, spaces… before any hard
//! break) or may be *shortened* (an ellipsis replaces what does not fit). Identifiers — package names, versions,
//! advisory and rule ids — are kept; titles and paths are shortened, least useful first, and shortening a title
//! keeps the part that tells it apart from the other rows (see [`Elide::Distinct`]).

use std::fmt::Write as _;

use bulwark_types::Severity;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Display width of `s`.
pub(crate) fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

fn char_width(c: char) -> usize {
    UnicodeWidthChar::width(c).unwrap_or(0)
}

/// Control characters (newlines, tabs, escapes) would break the borders or smuggle terminal sequences: they
/// become spaces.
pub(crate) fn flatten(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// How a shortened column drops text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Elide {
    /// Keep the start: `Title that is lo…`.
    End,
    /// Keep the end (paths: the file name matters most): `…/dist-packages/x/METADATA`.
    Start,
    /// Keep what differs from the other rows of the column: the shared prefix is cut first
    /// (`Runs as …container nginx`), then the end.
    Distinct,
}

/// What a column does when the table is too wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fit {
    /// Never loses text: wraps. Columns with `late` set (identifiers) wrap only after every shortened column is
    /// gone; the others (versions) wrap once the optional columns are gone.
    Keep { late: bool },
    /// May be shortened down to `min` columns, then dropped. Lower `rank`s are dropped first; ranks of [`LAST`]
    /// and above (titles) only after versions have wrapped.
    Shorten { elide: Elide, min: usize, rank: u8 },
}

/// Rank from which a shortened column outlives the wrapping of versions (titles).
pub(crate) const LAST: u8 = 100;

#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub(crate) header: &'static str,
    pub(crate) fit: Fit,
    /// When the table is too narrow for this column, its text goes on a line of its own under each row, across
    /// the table, instead of disappearing (titles).
    pub(crate) spill: bool,
}

impl Column {
    /// An identifier: wraps only when nothing else gives.
    pub(crate) fn id(header: &'static str) -> Self {
        Self {
            header,
            fit: Fit::Keep { late: true },
            spill: false,
        }
    }

    /// Kept in full, but wraps early (versions).
    pub(crate) fn keep(header: &'static str) -> Self {
        Self {
            header,
            fit: Fit::Keep { late: false },
            spill: false,
        }
    }

    pub(crate) fn shorten(header: &'static str, elide: Elide, min: usize, rank: u8) -> Self {
        Self {
            header,
            fit: Fit::Shorten { elide, min, rank },
            spill: false,
        }
    }

    /// A title: shortened last, and moved under its row rather than dropped.
    pub(crate) fn title(header: &'static str, elide: Elide, min: usize) -> Self {
        Self {
            spill: true,
            ..Self::shorten(header, elide, min, LAST)
        }
    }

    /// Shown whole or not at all (small columns: type, layer).
    pub(crate) fn optional(header: &'static str, rank: u8) -> Self {
        Self::shorten(header, Elide::End, usize::MAX, rank)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Cell {
    pub(crate) text: String,
    /// Coloured by severity when colour is on.
    pub(crate) severity: Option<Severity>,
}

impl Cell {
    pub(crate) fn new(text: impl AsRef<str>) -> Self {
        Self {
            text: flatten(text.as_ref()),
            severity: None,
        }
    }

    pub(crate) fn severity(s: Severity) -> Self {
        Self {
            text: s.to_string(),
            severity: Some(s),
        }
    }
}

pub(crate) fn ansi(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "\x1b[1;31m",
        Severity::High => "\x1b[31m",
        Severity::Medium => "\x1b[33m",
        Severity::Low => "\x1b[34m",
        Severity::Info | Severity::Unknown => "\x1b[2m",
    }
}

/// A table: columns and rows of cells (one per column).
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub(crate) columns: Vec<Column>,
    pub(crate) rows: Vec<Vec<Cell>>,
}

/// After `c` a line may break: the text reads naturally split there (`1.2.3-4+deb12u1`, `/usr/lib/x`).
fn breaks_after(c: char) -> bool {
    matches!(
        c,
        ' ' | '-' | '/' | '.' | ',' | '_' | ':' | '~' | '+' | '@' | ';' | '='
    )
}

/// Splits `s` into pieces each of which ends at a break opportunity.
fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if breaks_after(c) {
            let end = i + c.len_utf8();
            out.push(&s[start..end]);
            start = end;
        }
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// The widest piece `s` cannot be broken inside without a hard break (trailing spaces do not count).
fn longest_token(s: &str) -> usize {
    tokens(s)
        .iter()
        .map(|t| width(t.trim_end_matches(' ')))
        .max()
        .unwrap_or(0)
}

/// Wraps `s` into lines of at most `w` columns, at break opportunities where possible, hard-breaking pieces wider
/// than `w`. Nothing is lost but spaces at line ends.
pub(crate) fn wrap(s: &str, w: usize) -> Vec<String> {
    let w = w.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut lw = 0;
    for tok in tokens(s) {
        if lw + width(tok.trim_end_matches(' ')) > w {
            if !line.trim_end().is_empty() {
                lines.push(line.trim_end().to_owned());
            }
            line.clear();
            lw = 0;
        }
        let tok = if line.is_empty() {
            tok.trim_start_matches(' ')
        } else {
            tok
        };
        if lw + width(tok.trim_end_matches(' ')) <= w {
            line.push_str(tok);
            lw += width(tok);
            continue;
        }
        for c in tok.chars() {
            let cw = char_width(c);
            if lw + cw > w {
                if c == ' ' {
                    continue;
                }
                // A character wider than the whole line still goes on a line of its own.
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line).trim_end().to_owned());
                }
                lw = 0;
            }
            line.push(c);
            lw += cw;
        }
    }
    if !line.trim_end().is_empty() || lines.is_empty() {
        lines.push(line.trim_end().to_owned());
    }
    lines
}

/// The first characters of `s` that fit in `w` columns.
fn head(s: &str, w: usize) -> &str {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        used += char_width(c);
        if used > w {
            return &s[..i];
        }
    }
    s
}

/// The last characters of `s` that fit in `w` columns.
fn tail(s: &str, w: usize) -> &str {
    let mut used = 0;
    for (i, c) in s.char_indices().rev() {
        used += char_width(c);
        if used > w {
            return &s[i + c.len_utf8()..];
        }
    }
    s
}

/// Shortens `s` to at most `w` columns with `…`; `shared` is how many leading bytes of `s` it shares with another
/// row (used by [`Elide::Distinct`]).
pub(crate) fn elide(s: &str, w: usize, how: Elide, shared: usize) -> String {
    if width(s) <= w {
        return s.to_owned();
    }
    if w == 0 {
        return String::new();
    }
    match how {
        Elide::End => format!("{}…", head(s, w - 1).trim_end()),
        Elide::Start => format!("…{}", tail(s, w - 1)),
        Elide::Distinct => {
            let shared = shared.min(s.len());
            let (common, rest) = s.split_at(shared);
            if common.is_empty() {
                return elide(s, w, Elide::End, 0);
            }
            let rw = width(rest);
            if width(common) * 3 < w {
                // A short shared start (`The `, `Container `) is worth keeping: cutting it saves little.
                elide(s, w, Elide::End, 0)
            } else if rw + 1 < w {
                // The shared start up to a word, the ellipsis, then all of what differs.
                let h = head(common, w - 1 - rw);
                let h = h.rfind(' ').map_or(h, |i| &h[..=i]);
                format!("{h}…{rest}")
            } else {
                format!("…{}", elide(rest, w - 1, Elide::End, 0))
            }
        }
    }
}

/// Byte length of the common prefix of `a` and `b`, on a char boundary.
fn common_prefix(a: &str, b: &str) -> usize {
    a.char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or_else(|| a.len().min(b.len()), |((i, _), _)| i)
}

/// For each cell of a column, the longest prefix it shares with any other cell (sorted neighbours suffice), cut
/// back to the start of the word it ends in, so the differing word stays whole.
fn shared_prefixes(cells: &[&str]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..cells.len()).collect();
    order.sort_by(|&a, &b| cells[a].cmp(cells[b]));
    let mut shared = vec![0; cells.len()];
    for k in 0..order.len() {
        let me = cells[order[k]];
        let before = k
            .checked_sub(1)
            .map_or(0, |j| common_prefix(me, cells[order[j]]));
        let after = order.get(k + 1).map_or(0, |&j| common_prefix(me, cells[j]));
        let n = before.max(after);
        if n >= me.len() {
            // A duplicate: nothing differs.
            shared[order[k]] = 0;
            continue;
        }
        shared[order[k]] = me[..n].rfind(' ').map_or(0, |i| i + 1);
    }
    shared
}

/// Column widths (0 = column dropped) that fit `total` display columns.
///
/// Layouts are tried from the most complete down, and the first that fits wins: every column with nothing
/// wrapped; then without the optional columns, least useful first; then with versions wrapped at break
/// opportunities; then without the titles (they move under their rows when they can); then with identifiers
/// wrapped; then with anything hard-broken. Shortened columns start at their minimum; room left over goes back to
/// them, one column each in turn, most useful first.
fn fit_widths(table: &Table, total: usize) -> Vec<usize> {
    let n = table.columns.len();
    let measure = |f: &dyn Fn(&str) -> usize| -> Vec<usize> {
        (0..n)
            .map(|i| {
                table
                    .rows
                    .iter()
                    .map(|r| f(&r[i].text))
                    .chain(std::iter::once(f(table.columns[i].header)))
                    .max()
                    .unwrap_or(0)
                    .max(1)
            })
            .collect()
    };
    let natural = measure(&width);
    let token = measure(&longest_token);
    let mut shorten: Vec<(u8, usize, usize)> = table
        .columns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match c.fit {
            Fit::Shorten { min, rank, .. } => Some((rank, i, min.min(natural[i]))),
            Fit::Keep { .. } => None,
        })
        .collect();
    shorten.sort_unstable();
    let keep = |late: bool| -> Vec<usize> {
        (0..n)
            .filter(|&i| table.columns[i].fit == Fit::Keep { late })
            .collect()
    };
    let (versions, ids) = (keep(false), keep(true));
    // Borders: `│ ` before each cell, ` ` after it, and the closing `│`.
    let over = |w: &[usize]| {
        let shown = w.iter().filter(|&&x| x > 0).count();
        (w.iter().sum::<usize>() + 1 + 3 * shown).saturating_sub(total)
    };
    let attempt = |dropped: &[usize], wrap: u8| -> Option<Vec<usize>> {
        let mut w = natural.clone();
        for &i in dropped {
            w[i] = 0;
        }
        // Shortened columns start from their minimum and get the room back below, evenly.
        for &(_, i, min) in &shorten {
            if w[i] > 0 {
                w[i] = min;
            }
        }
        if wrap >= 1 {
            narrow_widest(&mut w, &versions, &token, &over);
        }
        if wrap >= 2 {
            narrow_widest(&mut w, &ids, &token, &over);
        }
        if wrap >= 3 {
            let all: Vec<usize> = (0..n).filter(|&i| w[i] > 0).collect();
            narrow_widest(&mut w, &all, &vec![1; n], &over);
        }
        if over(&w) > 0 {
            return None;
        }
        // Room left over: one column at a time to each shortened column still short of its natural width, so
        // that a long title does not take it all from the paths.
        let shown = w.iter().filter(|&&x| x > 0).count();
        let mut room = total.saturating_sub(w.iter().sum::<usize>() + 1 + 3 * shown);
        while room > 0 {
            let before = room;
            for &(_, i, _) in shorten.iter().rev() {
                if room > 0 && w[i] > 0 && w[i] < natural[i] {
                    w[i] += 1;
                    room -= 1;
                }
            }
            if room == before {
                break;
            }
        }
        Some(w)
    };
    // From the most complete layout down: every column, whole; fewer optional columns; versions wrapped; titles
    // moved under their rows; identifiers wrapped; anything hard-broken.
    let mut dropped: Vec<usize> = Vec::new();
    if let Some(w) = attempt(&dropped, 0) {
        return w;
    }
    for &(rank, i, _) in &shorten {
        if rank >= LAST {
            break;
        }
        dropped.push(i);
        if let Some(w) = attempt(&dropped, 0) {
            return w;
        }
    }
    if let Some(w) = attempt(&dropped, 1) {
        return w;
    }
    for &(rank, i, _) in &shorten {
        if rank >= LAST {
            dropped.push(i);
        }
    }
    (1..=3)
        .find_map(|wrap| attempt(&dropped, wrap))
        .unwrap_or_else(|| {
            // Not even one column per cell fits: the narrowest layout, over the limit.
            let mut w = vec![1; n];
            for &i in &dropped {
                w[i] = 0;
            }
            w
        })
}

/// Takes one column at a time off the widest of `cols` (not below `floor`) until `over` is 0 or nothing moves.
fn narrow_widest(
    w: &mut [usize],
    cols: &[usize],
    floor: &[usize],
    over: &dyn Fn(&[usize]) -> usize,
) {
    while over(w) > 0 {
        let Some(&i) = cols
            .iter()
            .filter(|&&i| w[i] > floor[i])
            .max_by_key(|&&i| (w[i], std::cmp::Reverse(i)))
        else {
            return;
        };
        w[i] -= 1;
    }
}

fn pad(s: &str, w: usize) -> String {
    let mut out = s.to_owned();
    out.extend(std::iter::repeat_n(' ', w.saturating_sub(width(s))));
    out
}

/// Draws `table` in at most `total` display columns (when at all possible: every kept column needs one).
pub(crate) fn draw(out: &mut String, table: &Table, total: usize, color: bool) {
    let mut widths = fit_widths(table, total);
    let shown: Vec<usize> = (0..widths.len()).filter(|&i| widths[i] > 0).collect();
    let spilled = (0..widths.len()).any(|i| widths[i] == 0 && table.columns[i].spill);
    if spilled && let Some(&last) = shown.last() {
        // Lines moved under their rows get the whole width: the slack goes to wrapped columns first, then to the
        // last column.
        let used = shown.iter().map(|&i| widths[i]).sum::<usize>() + 1 + 3 * shown.len();
        let mut room = total.saturating_sub(used);
        let natural = |i: usize| {
            table
                .rows
                .iter()
                .map(|r| width(&r[i].text))
                .max()
                .unwrap_or(0)
        };
        for &i in &shown {
            let grow = room.min(natural(i).saturating_sub(widths[i]));
            widths[i] += grow;
            room -= grow;
        }
        widths[last] += room;
    }
    let widths = widths;
    let shared: Vec<Vec<usize>> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| match c.fit {
            Fit::Shorten {
                elide: Elide::Distinct,
                ..
            } => {
                let texts: Vec<&str> = table.rows.iter().map(|r| r[i].text.as_str()).collect();
                shared_prefixes(&texts)
            }
            _ => Vec::new(),
        })
        .collect();
    let lines_of = |i: usize, text: &str, row: Option<usize>| -> Vec<String> {
        match table.columns[i].fit {
            Fit::Keep { .. } => wrap(text, widths[i]),
            Fit::Shorten { elide: how, .. } => {
                let s = row.and_then(|r| shared[i].get(r).copied()).unwrap_or(0);
                wrap(&elide(text, widths[i], how, s), widths[i])
                    .into_iter()
                    .take(1)
                    .collect()
            }
        }
    };
    let rule = |l: &str, m: &str, r: &str| {
        let parts: Vec<String> = shown.iter().map(|&i| "─".repeat(widths[i] + 2)).collect();
        format!("{l}{}{r}\n", parts.join(m))
    };
    let emit = |out: &mut String, cells: Vec<(Vec<String>, Option<Severity>)>| {
        let height = cells.iter().map(|c| c.0.len()).max().unwrap_or(1);
        for k in 0..height {
            out.push('│');
            for (j, (lines, sev)) in cells.iter().enumerate() {
                let w = widths[shown[j]];
                let text = pad(lines.get(k).map_or("", String::as_str), w);
                match sev {
                    Some(s) if color && k < lines.len() => {
                        let _ = write!(out, " {}{text}\x1b[0m │", ansi(*s));
                    }
                    _ => {
                        let _ = write!(out, " {text} │");
                    }
                }
            }
            out.push('\n');
        }
    };
    let spill: Vec<usize> = (0..widths.len())
        .filter(|&i| widths[i] == 0 && table.columns[i].spill)
        .collect();
    let inner = shown.iter().map(|&i| widths[i]).sum::<usize>() + 3 * shown.len().saturating_sub(1);
    out.push_str(&rule("┌", "┬", "┐"));
    let header: Vec<(Vec<String>, Option<Severity>)> = shown
        .iter()
        .map(|&i| (lines_of(i, table.columns[i].header, None), None))
        .collect();
    emit(out, header);
    out.push_str(&rule("├", "┼", "┤"));
    for (r, row) in table.rows.iter().enumerate() {
        let cells = shown
            .iter()
            .map(|&i| (lines_of(i, &row[i].text, Some(r)), row[i].severity))
            .collect();
        emit(out, cells);
        for &i in &spill {
            let how = match table.columns[i].fit {
                Fit::Shorten { elide: how, .. } => how,
                Fit::Keep { .. } => Elide::End,
            };
            let text = &row[i].text;
            if text.is_empty() || inner < 3 {
                continue;
            }
            let s = shared[i].get(r).copied().unwrap_or(0);
            let line = elide(text, inner - 2, how, s);
            let _ = writeln!(out, "│   {} │", pad(&line, inner - 2));
        }
    }
    out.push_str(&rule("└", "┴", "┘"));
}

/// Wraps prose at spaces; a word wider than a line is wrapped on its own (at `/`, `-`…).
fn wrap_words(s: &str, w: usize) -> Vec<String> {
    let w = w.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in s.split(' ').filter(|x| !x.is_empty()) {
        let ww = width(word);
        if !line.is_empty() && width(&line) + 1 + ww <= w {
            line.push(' ');
            line.push_str(word);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if ww <= w {
            line.push_str(word);
        } else {
            let mut parts = wrap(word, w);
            line = parts.pop().unwrap_or_default();
            lines.extend(parts);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Writes `text` wrapped to `total` columns, continuation lines indented by `indent` spaces.
pub(crate) fn paragraph(out: &mut String, text: &str, total: usize, indent: usize) {
    let text = flatten(text);
    let lead = width(&text) - width(text.trim_start());
    let first = wrap_words(text.trim_start(), total.saturating_sub(lead).max(1));
    let mut rest = String::new();
    for (k, line) in first.iter().enumerate() {
        if k == 0 {
            let _ = writeln!(out, "{}{line}", " ".repeat(lead));
        } else {
            rest.push_str(line);
            rest.push(' ');
        }
    }
    if rest.is_empty() {
        return;
    }
    let pad = lead + indent;
    for line in wrap_words(rest.trim_end(), total.saturating_sub(pad).max(1)) {
        let _ = writeln!(out, "{}{line}", " ".repeat(pad));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(cols: Vec<Column>, rows: &[&[&str]]) -> Table {
        Table {
            columns: cols,
            rows: rows
                .iter()
                .map(|r| r.iter().map(Cell::new).collect())
                .collect(),
        }
    }

    fn max_line(s: &str) -> usize {
        s.lines().map(width).max().unwrap_or(0)
    }

    #[test]
    fn wrap_prefers_natural_breaks_and_loses_nothing() {
        assert_eq!(wrap("1:2.36-9+deb12u7", 8), ["1:2.36-", "9+", "deb12u7"]);
        assert_eq!(wrap("hello world again", 11), ["hello world", "again"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 5), [""]);
        assert_eq!(wrap("日本", 1), ["日", "本"]);
        // Double-width characters are never split across the limit.
        assert_eq!(wrap("日本語テキスト", 5), ["日本", "語テ", "キス", "ト"]);
        let s = "CVE-2024-12345 in /usr/lib/python3/dist-packages";
        for w in 1..s.len() {
            let lines = wrap(s, w);
            assert!(lines.iter().all(|l| width(l) <= w), "{w}: {lines:?}");
            assert_eq!(lines.concat().replace(' ', ""), s.replace(' ', ""), "{w}");
        }
    }

    #[test]
    fn elide_keeps_what_differs() {
        assert_eq!(elide("abcdefghij", 5, Elide::End, 0), "abcd…");
        assert_eq!(
            elide("/var/lib/dpkg/status", 9, Elide::Start, 0),
            "…g/status"
        );
        let s = "Container runs as root: container nginx-controller";
        let shared = "Container runs as root: container ".len();
        let e = elide(s, 24, Elide::Distinct, shared);
        assert!(e.ends_with("nginx-controller"), "{e}");
        assert_eq!(width(&e), 24);
        assert_eq!(elide("short", 10, Elide::Distinct, 3), "short");
    }

    #[test]
    fn shared_prefixes_stop_at_words() {
        let cells = ["Runs as root: web", "Runs as root: worker", "Other thing"];
        assert_eq!(
            shared_prefixes(&cells),
            ["Runs as root: ".len(), "Runs as root: ".len(), 0]
        );
    }

    #[test]
    fn tables_fit_and_keep_identifiers() {
        let t = table(
            vec![
                Column::id("Package"),
                Column::id("Vulnerability"),
                Column::keep("Installed"),
                Column::shorten("Path", Elide::Start, 6, 1),
                Column::shorten("Title", Elide::Distinct, 12, LAST),
            ],
            &[
                &[
                    "libsystemd0",
                    "CVE-2023-50387",
                    "252.30-1~deb12u2",
                    "/var/lib/dpkg/status",
                    "KeyTrap - Extreme CPU consumption in DNSSEC validator",
                ],
                &[
                    "python3.11-minimal",
                    "GHSA-jfmj-5v4g-7637",
                    "3.11.2-6+deb12u6",
                    "/var/lib/dpkg/status",
                    "a title",
                ],
            ],
        );
        for total in [200, 120, 80, 60, 50] {
            let mut out = String::new();
            draw(&mut out, &t, total, false);
            assert!(max_line(&out) <= total, "{total}:\n{out}");
            let lines: Vec<&str> = out.lines().collect();
            assert!(lines.iter().all(|l| width(l) == width(lines[0])), "{out}");
            if total >= 80 {
                for id in [
                    "CVE-2023-50387",
                    "GHSA-jfmj-5v4g-7637",
                    "python3.11-minimal",
                ] {
                    assert!(out.contains(id), "{total}: {id}\n{out}");
                }
            }
        }
        let mut wide = String::new();
        draw(&mut wide, &t, 200, false);
        assert!(wide.contains("KeyTrap - Extreme CPU consumption in DNSSEC validator"));
    }

    #[test]
    fn optional_columns_go_before_versions_wrap() {
        let t = table(
            vec![
                Column::id("Package"),
                Column::keep("Fixed"),
                Column::optional("Type", 3),
                Column::title("Title", Elide::End, 12),
            ],
            &[&["busybox", "1.33.1-r6", "apk", "CVE-2021-42378 in busybox"]],
        );
        // Borders take 1 + 3 per column. With the title at its minimum: 7+9+4+12 + 13 = 45 columns; without
        // Type, 38; with the version wrapped after `-`, 36.
        let mut out = String::new();
        draw(&mut out, &t, 44, false);
        assert_eq!(out.lines().count(), 5, "one line per row:\n{out}");
        assert!(out.contains("1.33.1-r6") && !out.contains("Type"), "{out}");
        // Narrower: the version wraps before the title leaves its column.
        let mut out = String::new();
        draw(&mut out, &t, 37, false);
        assert!(
            out.contains("│ Title") && out.contains("│ 1.33.1- "),
            "{out}"
        );
        // Narrower still: the title moves under its row, whole.
        let mut out = String::new();
        draw(&mut out, &t, 32, false);
        assert!(out.contains("│   CVE-2021-42378 in busybox  │"), "{out}");
        for w in [44, 37, 32] {
            let mut out = String::new();
            draw(&mut out, &t, w, false);
            assert!(out.lines().all(|l| width(l) <= w), "{out}");
        }
    }

    #[test]
    fn colour_only_when_asked() {
        let t = Table {
            columns: vec![Column::id("Package"), Column::keep("Severity")],
            rows: vec![
                vec![Cell::new("libstdc++6"), Cell::severity(Severity::High)],
                vec![Cell::new("a"), Cell::severity(Severity::Low)],
            ],
        };
        let mut plain = String::new();
        draw(&mut plain, &t, 80, false);
        assert!(!plain.contains('\x1b'));
        let mut coloured = String::new();
        draw(&mut coloured, &t, 80, true);
        assert!(coloured.contains("\x1b[31mHIGH    \x1b[0m"), "{coloured}");
    }

    #[test]
    fn paragraphs_wrap_with_indent() {
        let mut out = String::new();
        paragraph(&mut out, "  warning: a b c d e f g h i j k l", 10, 2);
        assert!(max_line(&out) <= 10, "{out}");
        assert!(out.lines().skip(1).all(|l| l.starts_with("    ")), "{out}");
        assert_eq!(
            out.split_whitespace().collect::<Vec<_>>().join(" "),
            "warning: a b c d e f g h i j k l"
        );
    }
}
