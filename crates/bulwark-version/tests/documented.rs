//! Schemes without a reference implementation on the machine (apk, Go, NuGet, Composer) are
//! checked against examples published by their maintainers, each block citing its source.

use std::cmp::Ordering;

use bulwark_version::{Scheme, compare, golang::GoVersion, is_valid};

fn ord(op: &str) -> Ordering {
    match op {
        "<" => Ordering::Less,
        "=" => Ordering::Equal,
        ">" => Ordering::Greater,
        other => panic!("bad operator {other}"),
    }
}

/// Checks "A op B" lines (and their mirror image).
fn check_lines(scheme: Scheme, lines: &str) -> usize {
    let mut n = 0;
    for line in lines.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [a, op, b] = parts[..] else {
            panic!("bad line {line:?}");
        };
        let want = ord(op);
        assert_eq!(compare(scheme, a, b).unwrap(), want, "{scheme}: {line}");
        assert_eq!(
            compare(scheme, b, a).unwrap(),
            want.reverse(),
            "{scheme}: mirror of {line}"
        );
        n += 1;
    }
    n
}

/// A selection of apk-tools' own test vectors, `test/version.data` in
/// https://gitlab.alpinelinux.org/alpine/apk-tools (mirrored at github.com/alpinelinux/apk-tools).
const APK_TOOLS_VERSION_DATA: &str = "
2.34 > 0.1.0_alpha
0.1.0_alpha = 0.1.0_alpha
0.1.0_alpha < 0.1.3_alpha
0.1.0_alpha2 > 0.1.0_alpha
0.1.0_alpha < 2.2.39-r1
2.2.39-r1 > 1.0.4-r3
1.0.4-r3 < 1.0.4-r4
1.0.4-r4 < 1.6
1.1 > 1.1_alpha1
1.2.1 > 1.2
1.2 < 1.3_alpha
1.3_alpha < 1.3_alpha2
0.7.0 < 0.8_beta1
0.8_beta4 < 4.8-r1
3.10.18-r1 > 2.3.0b-r1
2.3.0b-r1 < 2.3.0b-r2
0.12.3 > 0.12
0.12 < 0.13_beta1
1.2.11 < 1.2.12.1
0.2.0-r1 < 3.1_p16
3.1_p16 < 3.1_p17
3.1_p17 > 1.06-r6
1.06-r6 < 006
006 > 1.0.0
1.2.2-r1 > 1.2.2
2.59 < 20050718-r1
3.9.8-r5 > 2.01.01_alpha10
0.94 < 1.0
1.0 > 0.99.3.20040818
1.39 > 1.00_beta2
1.02 < 1.03-r1
4.2.52_p2-r1 < 4.2.52_p4-r2
4.2.52_p4-r2 > 1.02.07
2.18.3-r10 > 1.05-r18
20060720 > 3.0.20060720
3.0.20060720 < 20060720
2.5.1-r8 < 2.5.1a-r1
20040401 > 2.0.0_rc3-r1
2.0.0_rc3-r1 > 1.5
3.0.0-r2 < 021109-r3
0.9.16-r1 < 3.9_pre20060124
3.9_pre20060124 > 0.01
1.1.7 < 6b-r7
0.10.0-r1 > 0.10.0
0.10.0 < 0.10.1_rc1
2.0.2 > 1.1a
1.1a < 1.3a
1.0-r1 > 0.15.1b
0.15.1b-r2 > 0.15.1b
22.7 > 2.1_pre20
2.1_pre20 < 2.1_pre26
2.10.1 > 02.08.01b
1.6d > 1.2.07.8
1.2.07.8 < 1.2.12.04
1.2.12.04 < 1.2.12.05
20061003 > 0.1_pre20060810
0.1_pre20060810 < 0.1_pre20060817
3.3.17 > 0.59s-r11
0.20070118 < 0.20070207_rc1
3.7_p1 > 1.3
4.5_p1-r1 > 4.5_p1
4.5_p1 > 0.9.8c-r1
0.9.8c-r1 < 0.9.8d
2.2.3-r2 < 013
013 < 014-r1
5.7-r3 > 5.1_p4
1.7 < 1.7b
1.8.5 < 1.8.5_p2
2.9.11_pre20051101-r3 > 2.9.11_pre20051101
1.6.8_p12-r1 > 1.6.8_p9-r2
2.25b-r6 > 1.0.4
0.9.28-r2 < 0.9.28.1
0.9.28.1 < 087-r1
104-r11 > 104-r9
1.2.5_rc2 > 0.1
20040406-r1 > 2.12r-r4
2.12r-r4 < 2.12r-r5
7.0.17 < 7.0.174
0.3.4_pre20061029 < 0.4.0
1.3-r0 < 1.3.1-r0
1.3_pre1-r1 < 1.3.2
1.0_p10-r0 > 1.0_p9-r0
0.1.0_alpha_pre2 < 0.1.0_alpha
1.0.0_pre20191002222144-r0 < 1.0.0_pre20210530193627-r0
";

#[test]
fn apk_tools_test_vectors() {
    let n = check_lines(Scheme::Apk, APK_TOOLS_VERSION_DATA);
    assert!(n > 80);
    // version.data also compares invalid versions ("1.0bc", "23_foo"), which apk-tools
    // orders as far as its tokenizer gets; here they are an error, never a guess.
    for invalid in [
        "1.0bc",
        "23_foo",
        "1.0-x",
        "1.0_beta-rc",
        "1.0 ",
        "",
        "A1.0",
    ] {
        assert!(!is_valid(Scheme::Apk, invalid), "{invalid:?}");
    }
    // Alpine secdb's "0" fixed version (package never vulnerable) is a valid apk version.
    assert_eq!(
        compare(Scheme::Apk, "0", "0.0.1-r0").unwrap(),
        Ordering::Less
    );
}

/// The Go Modules Reference (https://go.dev/ref/mod#versions and #pseudo-versions) and the
/// `golang.org/x/mod/semver` documentation: prereleases sort before the release, a
/// pseudo-version sorts between its base and the next release, build metadata
/// (`+incompatible`) is ignored, `vX` and `vX.Y` are shorthands.
const GO_MODULE_REFERENCE: &str = "
v1.2.3-pre < v1.2.3
v0.0.0-20191109021931-daa7c04131f5 < v0.0.1
v1.2.3 < v1.2.4-0.20191109021931-daa7c04131f5
v1.2.4-0.20191109021931-daa7c04131f5 < v1.2.4
v1.2.4-0.20191109021931-daa7c04131f5 < v1.2.4-0.20200101000000-aaaaaaaaaaaa
v1.2.3-pre < v1.2.3-pre.0.20191109021931-daa7c04131f5
v1.2.3-pre.0.20191109021931-daa7c04131f5 < v1.2.3
v2.0.0+incompatible = v2.0.0
v1 = v1.0.0
v1.2 = v1.2.0
v1.0.0-alpha < v1.0.0-alpha.1
v1.0.0-alpha.1 < v1.0.0-alpha.beta
v1.0.0-alpha.beta < v1.0.0-beta
v1.0.0-beta < v1.0.0-beta.2
v1.0.0-beta.2 < v1.0.0-beta.11
v1.0.0-beta.11 < v1.0.0-rc.1
v1.0.0-rc.1 < v1.0.0
v1.2.3-456 < v1.2.3-456.789
v1.2.3-456.789 < v1.2.3-456-789
v1.2.3-456-789 < v1.2.3-456a
v1.2.3-456a < v1.2.3-pre
v1.2.3-pre+meta = v1.2.3-pre
v1.2.3+meta-pre.sha.256a = v1.2.3
1.20.3 = v1.20.3
v10.0.0 > v9.99.99
";

#[test]
fn go_module_reference_examples() {
    assert!(check_lines(Scheme::Go, GO_MODULE_REFERENCE) > 20);
    // Invalid per x/mod/semver: shorthands cannot carry a prerelease or build, no leading
    // zeros, no fourth part.
    for invalid in [
        "",
        "v",
        "bad",
        "v1-pre",
        "v1.2-pre",
        "v1+meta",
        "v01.2.3",
        "v1.02.3",
        "v1.2.03",
        "v1.2.3.4",
        "v1.2.3-01",
        "v1.2.3-",
        "v1.2.3+",
        "v1.2.3-a..b",
        "V1.2.3",
    ] {
        assert!(!is_valid(Scheme::Go, invalid), "{invalid:?}");
    }
    let pseudo = GoVersion::parse("v0.0.0-20191109021931-daa7c04131f5").unwrap();
    assert!(pseudo.is_pseudo());
    assert!(!GoVersion::parse("v1.2.3-pre").unwrap().is_pseudo());
    assert_eq!(
        GoVersion::parse("v2.0.0+incompatible").unwrap().build(),
        Some("incompatible")
    );
}

/// NuGet docs, "Package versioning" (https://learn.microsoft.com/nuget/concepts/package-versioning):
/// pre-release sort order (alphabetical labels, numeric labels numerically in SemVer 2.0),
/// case-insensitive labels, normalisation (leading zeros, fourth part, metadata ignored).
const NUGET_DOCS: &str = "
1.0.1-alpha < 1.0.1-beta
1.0.1-beta < 1.0.1-rc
1.0.1-rc < 1.0.1
1.0.1-build.23 < 1.0.1-rc.1
1.0.1-alpha.1 < 1.0.1-alpha.2
1.0.1-alpha.2 < 1.0.1-alpha.10
1.0.1-Alpha = 1.0.1-alpha
1.0.1-RC.1 = 1.0.1-rc.1
1.00 = 1.0
1.01.1 = 1.1.1
1.00.0.1 = 1.0.0.1
1.0.0.0 = 1.0.0
1.0.01.0 = 1.0.1
1.0.7+r3456 = 1.0.7
1.0 = 1.0.0
1 = 1.0.0.0
1.0.0.1 > 1.0.0
1.0.0.1-beta < 1.0.0.1
2.0.0-1 < 2.0.0-a
";

#[test]
fn nuget_docs_examples() {
    assert!(check_lines(Scheme::Nuget, NUGET_DOCS) > 15);
    for invalid in [
        "",
        "a",
        "1.",
        ".1",
        "1.2.3.4.5",
        "1.0.0-",
        "1.0.0-a..b",
        "1.0.0+",
        "1.0.0-beta_1",
        "-1.0",
    ] {
        assert!(!is_valid(Scheme::Nuget, invalid), "{invalid:?}");
    }
}

/// PHP manual, `version_compare` (https://www.php.net/manual/en/function.version-compare.php):
/// "replaces _, - and + with a dot . ... inserts dots . before and after any non number so that
/// for example '4.3.2RC1' becomes '4.3.2.RC.1' ... any string not found in this list < dev <
/// alpha = a < beta = b < RC = rc < # < pl = p", plus the manual's own examples; a leading `v`
/// is dropped as Composer's version parser does.
const PHP_VERSION_COMPARE_DOCS: &str = "
5.2 < 5.3
5.3.0-dev < 5.3.0
4.3.2RC1 = 4.3.2.RC.1
4.3.2RC1 = 4.3.2-rc-1
4.3.2RC1 < 4.3.2
1.0.0-foo < 1.0.0-dev
1.0.0-dev < 1.0.0-alpha
1.0.0-alpha = 1.0.0-a
1.0.0-alpha < 1.0.0-beta
1.0.0-beta = 1.0.0-b
1.0.0-beta < 1.0.0-RC
1.0.0-RC = 1.0.0-rc
1.0.0-rc < 1.0.0
1.0.0 < 1.0.0-pl
1.0.0-pl = 1.0.0-p
1.0.0-p1 > 1.0.0-p0
1.0.0alpha2 > 1.0.0alpha1
1.0.0alpha10 > 1.0.0alpha9
1.0 < 1.0.0
1.0.0 < 1.0.1
1.10 > 1.9
v1.2.3 = 1.2.3
1.2.3_4 = 1.2.3.4
1.2.3+4 = 1.2.3.4
";

#[test]
fn php_version_compare_docs_examples() {
    assert!(check_lines(Scheme::Composer, PHP_VERSION_COMPARE_DOCS) > 20);
    assert!(!is_valid(Scheme::Composer, ""));
}
