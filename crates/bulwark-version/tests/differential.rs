//! Differential tests: every scheme that has a real implementation on the machine is checked
//! against it on 10,000+ generated, mutated and real-world pairs. A missing tool fails the test
//! with the command that installs it. See the crate README for the install commands.

mod common;

use std::fmt::Write as _;
use std::process::Command;
use std::time::Instant;

use bulwark_version::{Scheme, compare, semver};
use common::{Rng, check, command_works, pairs, real_versions, reference_dir, require, run, sign};

/// Pairs per scheme; `BULWARK_DIFF_PAIRS` raises it for a longer local hunt.
fn pair_count() -> usize {
    std::env::var("BULWARK_DIFF_PAIRS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000)
}

/// A fixed seed per scheme, varied by `BULWARK_DIFF_SEED` to explore other inputs.
fn rng(base: u64) -> Rng {
    let extra: u64 = std::env::var("BULWARK_DIFF_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Rng::new(base ^ extra.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

fn ours(scheme: Scheme, pairs: &[(String, String)]) -> Vec<String> {
    pairs
        .iter()
        .map(|(a, b)| sign(&compare(scheme, a, b)))
        .collect()
}

fn tab_lines(pairs: &[(String, String)]) -> String {
    pairs.iter().fold(String::new(), |mut s, (a, b)| {
        let _ = writeln!(s, "{a}\t{b}");
        s
    })
}

fn labels(pairs: &[(String, String)]) -> Vec<String> {
    pairs.iter().map(|(a, b)| format!("{a} vs {b}")).collect()
}

fn segment(r: &mut Rng, letters: &[&str]) -> String {
    if r.chance(60) {
        r.digits()
    } else {
        r.pick(letters).to_owned()
    }
}

// ---------------------------------------------------------------- dpkg

fn gen_dpkg(r: &mut Rng) -> String {
    const LETTERS: &[&str] = &[
        "a", "b", "rc", "beta", "dfsg", "deb", "ubuntu", "Z", "git", "+", "~", "~~", ".",
    ];
    const SEPS: &[&str] = &[".", ".", "+", "~", "", "-", ":", "~"];
    let mut s = String::new();
    if r.chance(20) {
        s += r.pick(&[
            "0:", "1:", "2:", "10:", "01:", "007:", "3:", "+1:", "-0:", "a:",
        ]);
    }
    s += &r.digits();
    for _ in 0..r.below(5) {
        s += r.pick(SEPS);
        s += &segment(r, LETTERS);
    }
    if r.chance(60) {
        s += "-";
        s += &segment(
            r,
            &[
                "1", "0", "1ubuntu1", "deb12u1", "1+b2", "0.1~exp1", "a", "~bpo11+1",
            ],
        );
        for _ in 0..r.below(3) {
            s += r.pick(&[".", "+", "~", "", "-"]);
            s += &segment(r, LETTERS);
        }
    }
    if r.chance(2) {
        s = format!(" {s}");
    }
    if r.chance(2) {
        s += r.pick(&[" ", " x", "-", ":"]);
    }
    s
}

/// dpkg runs once per pair, so the pairs go to two drivers at once.
#[test]
fn dpkg_matches_dpkg_compare_versions() {
    require(
        command_works("dpkg", &["--version"]),
        "dpkg",
        "apt-get install -y dpkg",
    );
    let mut rng = rng(0xD9C6);
    let real = real_versions(include_str!("data/real-dpkg.txt"));
    let alphabet: &[&str] = &[
        "0", "1", "9", "a", "Z", ".", "+", "-", "~", ":", "~~", " ", "%", "é", "00", "-1",
    ];
    let pairs = pairs(&mut rng, pair_count(), &real, alphabet, &mut gen_dpkg);
    assert_eq!(pairs.len(), pair_count());
    let ours = ours(Scheme::Dpkg, &pairs);
    let start = Instant::now();
    let claims: Vec<String> = pairs
        .iter()
        .zip(&ours)
        .map(|((a, b), o)| {
            let claim = match o.as_str() {
                "-1" => "lt",
                "0" => "eq",
                "1" => "gt",
                _ => "err",
            };
            format!("{a}\t{b}\t{claim}\n")
        })
        .collect();
    let half = claims.len() / 2;
    let chunks = [claims[..half].concat(), claims[half..].concat()];
    let handles: Vec<_> = chunks
        .into_iter()
        .map(|input| {
            std::thread::spawn(move || {
                let mut cmd = Command::new("sh");
                cmd.arg(reference_dir().join("dpkg.sh"));
                run(cmd, input, "apt-get install -y dpkg")
            })
        })
        .collect();
    let theirs: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("dpkg driver thread"))
        .collect();
    eprintln!("dpkg: reference took {:?}", start.elapsed());
    check(
        "dpkg",
        "dpkg --compare-versions",
        &labels(&pairs),
        &ours,
        &theirs,
    );
}

// ---------------------------------------------------------------- rpm

fn gen_rpm(r: &mut Rng) -> String {
    const LETTERS: &[&str] = &[
        "a",
        "b",
        "rc",
        "el",
        "fc",
        "git",
        "svn",
        "module_el",
        "Z",
        "pre",
        "p",
    ];
    const SEPS: &[&str] = &[".", ".", "_", "+", "~", "^", "", "~~", "^^", "%", "é"];
    let mut s = String::new();
    if r.chance(20) {
        s += r.pick(&["0:", "1:", "2:", "10:", "01:", ":", "00:"]);
    }
    s += &segment(r, LETTERS);
    for _ in 0..r.below(5) {
        s += r.pick(SEPS);
        s += &segment(r, LETTERS);
    }
    if r.chance(65) {
        s += "-";
        s += &segment(
            r,
            &[
                "1",
                "0",
                "2",
                "1.el8",
                "0.rc1",
                "3.fc39",
                "1.module_el8.5.0+150+5f0dbea0",
            ],
        );
        for _ in 0..r.below(3) {
            s += r.pick(SEPS);
            s += &segment(r, LETTERS);
        }
    }
    s
}

#[test]
fn rpm_matches_rpm_label_compare() {
    let python = std::env::var("BULWARK_RPM_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into());
    require(
        command_works(&python, &["-c", "import rpm; rpm.ver"]),
        "python3-rpm (Debian's, for /usr/bin/python3)",
        "apt-get install -y python3-rpm",
    );
    let mut rng = rng(0x0D1A);
    let real = real_versions(include_str!("data/real-rpm.txt"));
    let alphabet: &[&str] = &[
        "0", "1", "9", "a", "Z", ".", "_", "+", "-", "~", "^", ":", "00", "é", "%",
    ];
    let pairs = pairs(&mut rng, pair_count(), &real, alphabet, &mut gen_rpm);
    assert_eq!(pairs.len(), pair_count());
    let start = Instant::now();
    let mut cmd = Command::new(&python);
    cmd.arg(reference_dir().join("rpm_label_compare.py"));
    let theirs = run(cmd, tab_lines(&pairs), "apt-get install -y python3-rpm");
    eprintln!("rpm: reference took {:?}", start.elapsed());
    check(
        "rpm",
        "rpm.labelCompare",
        &labels(&pairs),
        &ours(Scheme::Rpm, &pairs),
        &theirs,
    );
}

// ---------------------------------------------------------------- PEP 440

fn gen_pep440(r: &mut Rng) -> String {
    const SEP: &[&str] = &["", "", ".", "-", "_"];
    let mut s = String::new();
    if r.chance(5) {
        s += r.pick(&["v", "V", " ", "\u{a0}"]);
    }
    if r.chance(10) {
        s += &r.digits();
        s += "!";
    }
    s += &r.digits();
    for _ in 0..r.below(4) {
        s += ".";
        s += &r.digits();
    }
    if r.chance(30) {
        s += r.pick(SEP);
        s += r.pick(&[
            "a", "b", "c", "rc", "alpha", "beta", "pre", "preview", "RC", "A", "Beta",
        ]);
        s += r.pick(SEP);
        if r.chance(70) {
            s += &r.digits();
        }
    }
    if r.chance(20) {
        if r.chance(30) {
            s += "-";
            s += &r.digits();
        } else {
            s += r.pick(SEP);
            s += r.pick(&["post", "rev", "r", "POST"]);
            s += r.pick(SEP);
            if r.chance(70) {
                s += &r.digits();
            }
        }
    }
    if r.chance(20) {
        s += r.pick(SEP);
        s += r.pick(&["dev", "DEV"]);
        s += r.pick(SEP);
        if r.chance(70) {
            s += &r.digits();
        }
    }
    if r.chance(15) {
        s += "+";
        s += &segment(r, &["ubuntu", "abc", "cpu", "cu118", "A", "z"]);
        for _ in 0..r.below(3) {
            s += r.pick(&[".", "-", "_"]);
            s += &segment(r, &["ubuntu", "abc", "cpu", "1a", "B"]);
        }
    }
    if r.chance(3) {
        s += r.pick(&[" ", "\n", "\t"]);
    }
    s
}

#[test]
fn pep440_matches_packaging() {
    let python = std::env::var("BULWARK_PYTHON").unwrap_or_else(|_| "python3".into());
    require(
        command_works(&python, &["-c", "import packaging.version"]),
        "PyPI packaging",
        "python3 -m pip install packaging==26.3",
    );
    let mut rng = rng(0x440);
    let real = real_versions(include_str!("data/real-pep440.txt"));
    let alphabet: &[&str] = &[
        "0", "1", "9", ".", "-", "_", "!", "+", "v", "a", "b", "c", "rc", "post", "dev", "r", "x",
        " ", "00", "1!", "..", "\u{a0}", "\u{2003}", "\u{1c}", "\u{85}", "\u{661}", "V", "\u{17f}",
    ];
    let pairs = pairs(&mut rng, pair_count(), &real, alphabet, &mut gen_pep440);
    assert_eq!(pairs.len(), pair_count());
    let start = Instant::now();
    let mut cmd = Command::new(&python);
    cmd.arg(reference_dir().join("pep440.py"));
    let theirs = run(
        cmd,
        tab_lines(&pairs),
        "python3 -m pip install packaging==26.3",
    );
    eprintln!("pep440: reference took {:?}", start.elapsed());
    check(
        "pep440",
        "packaging.version",
        &labels(&pairs),
        &ours(Scheme::Pep440, &pairs),
        &theirs,
    );
}

// ---------------------------------------------------------------- semver / npm

fn gen_semver(r: &mut Rng) -> String {
    let num = |r: &mut Rng| {
        r.pick(&[
            "0",
            "1",
            "2",
            "3",
            "10",
            "01",
            "9007199254740991",
            "9007199254740992",
        ])
        .to_owned()
    };
    let mut s = String::new();
    if r.chance(5) {
        s += r.pick(&["v", "=", " ", "V"]);
    }
    s += &num(r);
    s += ".";
    s += &num(r);
    s += ".";
    s += &num(r);
    if r.chance(45) {
        s += "-";
        let ids = [
            "alpha",
            "beta",
            "rc",
            "0",
            "1",
            "2",
            "11",
            "01",
            "x-y",
            "a1",
            "-",
            "Alpha",
            "9007199254740993",
        ];
        s += r.pick(&ids);
        for _ in 0..r.below(3) {
            s += ".";
            s += r.pick(&ids);
        }
    }
    if r.chance(15) {
        s += r.pick(&["+build.1", "+001", "+a-b", "+", "+x.", "+exp.sha.5114f85"]);
    }
    s
}

fn gen_partial(r: &mut Rng) -> String {
    let part = |r: &mut Rng| {
        if r.chance(2) {
            return r
                .pick(&["9007199254740991", "99999999999999999999", "01"])
                .to_owned();
        }
        r.pick(&["0", "1", "2", "3", "x", "*", "X", "0", "1"])
            .to_owned()
    };
    let mut s = part(r);
    if r.chance(80) {
        s += ".";
        s += &part(r);
        if r.chance(75) {
            s += ".";
            s += &part(r);
            if r.chance(25) {
                s += r.pick(&["-alpha", "-beta.2", "-0", "-rc.1", "-1"]);
            }
        }
    }
    if r.chance(5) {
        s = format!("{}{s}", r.pick(&["v", "=", "v=", "=v"]));
    }
    s
}

fn gen_range(r: &mut Rng) -> String {
    let mut sets = Vec::new();
    for _ in 0..=r.below(3).saturating_sub(1) {
        let mut comps = Vec::new();
        let n = if r.chance(50) { 1 } else { 2 };
        for _ in 0..n {
            let c = match r.below(8) {
                0 => format!("^{}", gen_partial(r)),
                1 => format!("~{}", gen_partial(r)),
                2 => format!("{} - {}", gen_partial(r), gen_partial(r)),
                3 => "*".to_owned(),
                4 => gen_partial(r),
                _ => {
                    let op = r.pick(&["<", "<=", ">", ">=", "=", "", "~>"]);
                    let sp = if r.chance(20) { " " } else { "" };
                    format!("{op}{sp}{}", gen_partial(r))
                }
            };
            comps.push(c);
        }
        sets.push(comps.join(" "));
    }
    let sep = if r.chance(80) { " || " } else { "||" };
    sets.join(sep)
}

fn gen_near_version(r: &mut Rng) -> String {
    let n = |r: &mut Rng| r.pick(&["0", "1", "2", "3", "0", "1"]).to_owned();
    let mut s = format!("{}.{}.{}", n(r), n(r), n(r));
    if r.chance(35) {
        s += r.pick(&[
            "-alpha",
            "-beta.2",
            "-0",
            "-rc.1",
            "-1",
            "-beta",
            "-alpha.10",
        ]);
    }
    s
}

#[test]
fn semver_matches_npm_semver() {
    let dir = std::env::var("BULWARK_NPM_SEMVER").unwrap_or_else(|_| {
        reference_dir()
            .join("node/node_modules/semver")
            .display()
            .to_string()
    });
    let install = "npm install --prefix crates/bulwark-version/tests/reference/node semver@7.8.6";
    require(
        command_works("node", &["--version"]),
        "node",
        "apt-get install -y nodejs",
    );
    require(
        std::path::Path::new(&dir).join("package.json").exists(),
        &format!("npm semver package at {dir} (or set BULWARK_NPM_SEMVER)"),
        install,
    );
    let mut rng = rng(0x5E4);
    let real = real_versions(include_str!("data/real-semver.txt"));
    let alphabet: &[&str] = &[
        "0", "1", "9", ".", "-", "+", "v", "x", "a", " ", "01", "-0", ".0", "\u{feff}", "\u{a0}",
        "\u{85}", "\u{2028}",
    ];
    let cmp_pairs = pairs(&mut rng, pair_count(), &real, alphabet, &mut gen_semver);
    assert_eq!(cmp_pairs.len(), pair_count());
    let mut sat: Vec<(String, String)> = Vec::with_capacity(pair_count());
    while sat.len() < pair_count() {
        let range = gen_range(&mut rng);
        let range = if rng.chance(10) {
            common::mutate(
                &mut rng,
                &range,
                &["^", "~", "<", ">=", " ", "||", "x", "-", "1", ".", "*"],
            )
        } else {
            range
        };
        let version = if rng.chance(85) {
            gen_near_version(&mut rng)
        } else {
            gen_semver(&mut rng)
        };
        if range.contains(['\t', '\n']) || version.contains(['\t', '\n']) {
            continue;
        }
        sat.push((version, range));
    }
    let mut input = String::new();
    for (a, b) in &cmp_pairs {
        let _ = writeln!(input, "cmp\t{a}\t{b}");
    }
    for (v, r) in &sat {
        let _ = writeln!(input, "sat\t{v}\t{r}");
    }
    let mut ours = ours(Scheme::Semver, &cmp_pairs);
    ours.extend(sat.iter().map(|(v, r)| match semver::Range::parse(r) {
        Err(_) => "err".to_owned(),
        Ok(range) => range.satisfies_str(v).to_string(),
    }));
    let mut inputs = labels(&cmp_pairs);
    inputs.extend(sat.iter().map(|(v, r)| format!("{v} satisfies {r}")));
    let start = Instant::now();
    let mut cmd = Command::new("node");
    cmd.arg(reference_dir().join("npm_semver.js"))
        .env("BULWARK_NPM_SEMVER", &dir);
    let theirs = run(cmd, input, install);
    eprintln!("semver: reference took {:?}", start.elapsed());
    check("semver", "npm semver", &inputs, &ours, &theirs);
}

// ---------------------------------------------------------------- Maven

fn gen_maven(r: &mut Rng) -> String {
    const QUALIFIERS: &[&str] = &[
        "alpha",
        "beta",
        "milestone",
        "rc",
        "cr",
        "snapshot",
        "SNAPSHOT",
        "ga",
        "final",
        "Final",
        "release",
        "RELEASE",
        "sp",
        "a",
        "b",
        "m",
        "foo",
        "jre",
        "android",
        "M",
        "",
        "pom",
        "Alpha",
    ];
    let mut s = r.digits();
    for _ in 0..r.below(5) {
        s += r.pick(&[".", ".", "-", "", "-", "..", "--", "_"]);
        s += &segment(r, QUALIFIERS);
    }
    s
}

#[test]
fn maven_matches_comparable_version() {
    let jar = std::env::var("BULWARK_MAVEN_ARTIFACT_JAR").unwrap_or_else(|_| {
        [
            "/usr/share/java/maven3-artifact.jar",
            "/usr/share/maven/lib/maven-artifact-3.x.jar",
        ]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or("/usr/share/java/maven3-artifact.jar")
        .to_owned()
    });
    let install = "apt-get install -y maven default-jdk-headless";
    require(command_works("java", &["-version"]), "java", install);
    // Source-launch mode compiles the driver in memory: it needs the JDK, not only a JRE.
    require(
        command_works("javac", &["-version"]),
        "javac (a JDK)",
        install,
    );
    require(
        std::path::Path::new(&jar).exists(),
        &format!("maven-artifact jar {jar}"),
        install,
    );
    let mut rng = rng(0x3A7E);
    let mut real = real_versions(include_str!("data/real-maven.txt"));
    real.extend([
        "1.0.0.RELEASE",
        "5.3.20.RELEASE",
        "3.0.0-M5",
        "2.0.0.Final",
        "1.4.0.CR1",
        "31.1-jre",
        "31.1-android",
        "2.13.4.2",
        "1.0-beta-2",
        "4.0.0-alpha-1",
        "1.2.3-SNAPSHOT",
        "2.0.0.RC1",
        "1.0.0-rc.1",
        "9.4.51.v20230217",
        "1.7.36",
        "2.17.1",
        "3.12.0",
        "1.15",
        "1.0-SNAPSHOT",
        "1.1.0.Beta2",
        "6.0.0.Alpha3",
        "1.10.19",
    ]);
    real.sort_unstable();
    let alphabet: &[&str] = &[
        "0", "1", "9", ".", "-", "a", "b", "m", "sp", "rc", "ga", "snapshot", "x", "00", "1-", "É",
        "İ", "Σ", "ß", "GA", "CR",
    ];
    let pairs = pairs(&mut rng, pair_count(), &real, alphabet, &mut gen_maven);
    assert_eq!(pairs.len(), pair_count());
    let start = Instant::now();
    let mut cmd = Command::new("java");
    cmd.arg("-cp")
        .arg(&jar)
        .arg(reference_dir().join("MavenCompare.java"));
    let theirs = run(cmd, tab_lines(&pairs), install);
    eprintln!("maven: reference took {:?}", start.elapsed());
    check(
        "maven",
        "ComparableVersion",
        &labels(&pairs),
        &ours(Scheme::Maven, &pairs),
        &theirs,
    );
}

// ---------------------------------------------------------------- RubyGems

fn gen_gem(r: &mut Rng) -> String {
    const LETTERS: &[&str] = &["a", "b", "pre", "rc", "alpha", "beta", "Z", "dev"];
    let mut s = String::new();
    if r.chance(3) {
        s += r.pick(&[" ", "\t", "\n"]);
    }
    s += &r.digits();
    for _ in 0..r.below(5) {
        s += r.pick(&[".", ".", ".", "-", ""]);
        s += &segment(r, LETTERS);
    }
    if r.chance(3) {
        s += r.pick(&[" ", "-", ".", "  "]);
    }
    s
}

#[test]
fn rubygems_matches_gem_version() {
    let install = "apt-get install -y ruby";
    require(command_works("ruby", &["--version"]), "ruby", install);
    let mut rng = rng(0x9E3);
    let mut real = real_versions(include_str!("data/real-rubygems.txt"));
    real.extend([
        "7.0.4.3",
        "6.1.7.3",
        "1.13.10",
        "2.0.0.pre.rc1",
        "3.0.0.beta1",
        "1.0.0.rc1",
        "0.9.0.alpha.1",
        "5.0.0-beta.2",
        "1.15.5-x86_64-linux",
        "2.7.10",
        "3.2.2",
        "1.0",
        "1",
        "0.0.1.pre",
    ]);
    real.sort_unstable();
    let alphabet: &[&str] = &[
        "0", "1", "9", ".", "-", "a", "pre", "Z", " ", "00", ".0", "-1", "\u{a0}", "\0", "\u{b}",
    ];
    let pairs = pairs(&mut rng, pair_count(), &real, alphabet, &mut gen_gem);
    assert_eq!(pairs.len(), pair_count());
    let start = Instant::now();
    let mut cmd = Command::new("ruby");
    cmd.arg(reference_dir().join("gem.rb"));
    let theirs = run(cmd, tab_lines(&pairs), install);
    eprintln!("rubygems: reference took {:?}", start.elapsed());
    check(
        "rubygems",
        "Gem::Version",
        &labels(&pairs),
        &ours(Scheme::Rubygems, &pairs),
        &theirs,
    );
}
