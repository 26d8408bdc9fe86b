//! Maven versions, ordered like `org.apache.maven.artifact.versioning.ComparableVersion`
//! (Maven 3.8): the version is split into a tree of lists at `.` and `-` and at every
//! digit/letter switch; numbers compare numerically; qualifiers order
//! `alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp`, then any
//! other qualifier alphabetically; trailing zeros and release qualifiers are ignored.
//! Every non-empty string is a Maven version.

use std::cmp::Ordering;

use crate::util::{cmp_digits, is_zero};
use crate::{Scheme, VersionError};

#[derive(Debug, Clone)]
enum Item {
    /// A number (digits, leading zeros stripped).
    Int(Box<str>),
    /// A qualifier after alias resolution.
    Str(Box<str>),
    List(Vec<Item>),
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

/// `comparableQualifier`: the index of a known qualifier, or `"7-" + q`, compared as strings.
fn qualifier_key(q: &str) -> (u8, &str) {
    match QUALIFIERS.iter().position(|k| *k == q) {
        Some(i) => (i as u8, ""),
        None => (7, q),
    }
}

/// Java's `String.compareTo` on the comparable keys.
fn cmp_qualifiers(a: &str, b: &str) -> Ordering {
    let (ka, sa) = qualifier_key(a);
    let (kb, sb) = qualifier_key(b);
    ka.cmp(&kb).then_with(|| cmp_utf16(sa, sb))
}

fn cmp_utf16(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Int(d) => d.is_empty(),
            Item::Str(s) => s.is_empty(),
            Item::List(l) => l.is_empty(),
        }
    }

    /// `Item.compareTo(null)`.
    fn cmp_null(&self) -> Ordering {
        match self {
            Item::Int(d) => {
                if d.is_empty() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            Item::Str(s) => cmp_qualifiers(s, ""),
            Item::List(l) => l
                .iter()
                .map(Item::cmp_null)
                .find(|o| *o != Ordering::Equal)
                .unwrap_or(Ordering::Equal),
        }
    }

    fn cmp_item(&self, other: &Item) -> Ordering {
        match (self, other) {
            (Item::Int(a), Item::Int(b)) => cmp_digits(a.as_bytes(), b.as_bytes()),
            (Item::Int(_), _) | (Item::List(_), Item::Str(_)) => Ordering::Greater,
            (Item::Str(_), Item::Int(_) | Item::List(_)) | (Item::List(_), Item::Int(_)) => {
                Ordering::Less
            }
            (Item::Str(a), Item::Str(b)) => cmp_qualifiers(a, b),
            (Item::List(a), Item::List(b)) => cmp_lists(a, b),
        }
    }
}

fn cmp_lists(left: &[Item], right: &[Item]) -> Ordering {
    for i in 0..left.len().max(right.len()) {
        let ord = match (left.get(i), right.get(i)) {
            (Some(l), Some(r)) => l.cmp_item(r),
            (Some(l), None) => l.cmp_null(),
            (None, Some(r)) => r.cmp_null().reverse(),
            (None, None) => Ordering::Equal,
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

fn parse_item(is_digit: bool, buf: &str) -> Item {
    if is_digit {
        Item::Int(buf.trim_start_matches('0').into())
    } else {
        string_item(buf, false)
    }
}

fn string_item(value: &str, followed_by_digit: bool) -> Item {
    let value = if followed_by_digit && value.chars().count() == 1 {
        match value {
            "a" => "alpha",
            "b" => "beta",
            "m" => "milestone",
            v => v,
        }
    } else {
        value
    };
    let value = match value {
        "ga" | "final" | "release" => "",
        "cr" => "rc",
        v => v,
    };
    Item::Str(value.into())
}

fn normalize(list: &mut Vec<Item>) {
    for item in list.iter_mut() {
        if let Item::List(inner) = item {
            normalize(inner);
        }
    }
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        if list[i].is_null() {
            list.remove(i);
        } else if !matches!(list[i], Item::List(_)) {
            break;
        }
    }
}

/// A parsed Maven version.
#[derive(Debug, Clone)]
pub struct MavenVersion {
    raw: Box<str>,
    items: Vec<Item>,
}

impl MavenVersion {
    /// Parses a version like `new ComparableVersion(input)`.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        if input.is_empty() {
            return Err(VersionError::invalid(
                Scheme::Maven,
                input,
                "version string is empty",
            ));
        }
        let version = input.to_lowercase();
        // The lists under construction, outermost first; `path` holds each open list's items.
        let mut path: Vec<Vec<Item>> = vec![Vec::new()];
        let mut is_digit = false;
        let mut start = 0;
        let close_all = |path: &mut Vec<Vec<Item>>| {
            while path.len() > 1 {
                let inner = path.pop().unwrap_or_default();
                if let Some(parent) = path.last_mut() {
                    parent.push(Item::List(inner));
                }
            }
        };
        let push = |path: &mut Vec<Vec<Item>>, item: Item| {
            if let Some(top) = path.last_mut() {
                top.push(item);
            }
        };
        for (i, c) in version.char_indices() {
            match c {
                '.' | '-' => {
                    if i == start {
                        push(&mut path, Item::Int("".into()));
                    } else {
                        push(&mut path, parse_item(is_digit, &version[start..i]));
                    }
                    start = i + 1;
                    if c == '-' {
                        path.push(Vec::new());
                    }
                }
                c if c.is_ascii_digit() => {
                    if !is_digit && i > start {
                        // A qualifier directly before a number opens its own list unless it
                        // is the first item of the current one (Maven 3.8).
                        if path.last().is_some_and(|top| !top.is_empty()) {
                            path.push(Vec::new());
                        }
                        push(&mut path, string_item(&version[start..i], true));
                        start = i;
                        path.push(Vec::new());
                    }
                    is_digit = true;
                }
                _ => {
                    if is_digit && i > start {
                        push(&mut path, parse_item(true, &version[start..i]));
                        start = i;
                        path.push(Vec::new());
                    }
                    is_digit = false;
                }
            }
        }
        if version.len() > start {
            if !is_digit && path.last().is_some_and(|top| !top.is_empty()) {
                path.push(Vec::new());
            }
            push(&mut path, parse_item(is_digit, &version[start..]));
        }
        close_all(&mut path);
        let mut items = path.pop().unwrap_or_default();
        normalize(&mut items);
        Ok(MavenVersion {
            raw: input.into(),
            items,
        })
    }

    /// The canonical form, as `ComparableVersion.getCanonical()` prints it.
    #[must_use]
    pub fn canonical(&self) -> String {
        fn render(items: &[Item], out: &mut String) {
            for (i, item) in items.iter().enumerate() {
                match item {
                    Item::List(inner) => {
                        if i > 0 {
                            out.push('-');
                        }
                        render(inner, out);
                    }
                    Item::Int(d) => {
                        if i > 0 {
                            out.push('.');
                        }
                        out.push_str(if is_zero(d.as_bytes()) { "0" } else { d });
                    }
                    Item::Str(s) => {
                        if i > 0 {
                            out.push('.');
                        }
                        out.push_str(s);
                    }
                }
            }
        }
        let mut out = String::new();
        render(&self.items, &mut out);
        out
    }

    /// The version as given.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_lists(&self.items, &other.items)
    }
}

impl PartialOrd for MavenVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for MavenVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for MavenVersion {}

#[cfg(test)]
mod tests {
    use super::*;

    // From maven-artifact's ComparableVersionTest (VERSIONS_QUALIFIER).
    #[test]
    fn qualifier_order() {
        let order = [
            "1-alpha2snapshot",
            "1-alpha2",
            "1-alpha-123",
            "1-beta-2",
            "1-beta123",
            "1-m2",
            "1-m11",
            "1-rc",
            "1-cr2",
            "1-rc123",
            "1-SNAPSHOT",
            "1",
            "1-sp",
            "1-sp2",
            "1-sp123",
            "1-abc",
            "1-def",
            "1-pom-1",
            "1-1-snapshot",
            "1-1",
            "1-2",
            "1-123",
        ];
        for w in order.windows(2) {
            let a = MavenVersion::parse(w[0]).unwrap();
            let b = MavenVersion::parse(w[1]).unwrap();
            assert_eq!(a.cmp(&b), Ordering::Less, "{} < {}", w[0], w[1]);
        }
        let eq = |a, b| {
            assert_eq!(
                MavenVersion::parse(a)
                    .unwrap()
                    .cmp(&MavenVersion::parse(b).unwrap()),
                Ordering::Equal,
                "{a} = {b}"
            );
        };
        eq("1", "1.0.0");
        eq("1-ga", "1");
        eq("1.0.final", "1");
        eq("1a1", "1-alpha-1");
    }
}
