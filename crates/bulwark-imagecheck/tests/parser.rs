//! The parser against syntax written from the Dockerfile reference (docs.docker.com/reference/dockerfile);
//! each test names the section it follows. Expectations are written by hand from the text.

use std::time::{Duration, Instant};

use bulwark_imagecheck::dockerfile::Form;
use bulwark_imagecheck::{
    DockerfileCheckOptions, check_dockerfile, check_dockerfile_bytes, parse_dockerfile,
};
use bulwark_types::DiagnosticLevel;

/// Section "Parser directives" / "escape": with the backtick escape, `\` is a plain character (Windows paths).
#[test]
fn escape_directive() {
    let text = "# escape=`\n\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nCOPY testfile.txt c:\\\nRUN dir c:\\ `\n    && echo done\n";
    let df = parse_dockerfile(text).unwrap();
    assert_eq!(df.escape, '`');
    assert_eq!(
        df.directives,
        vec![("escape".to_string(), "`".to_string(), 1)]
    );
    assert_eq!(df.instructions.len(), 3);
    assert_eq!(df.instructions[1].words[1].value, "c:\\");
    let run = &df.instructions[2];
    assert_eq!((run.line, run.end_line), (5, 6));
    assert_eq!(run.args(), "dir c:\\     && echo done");
}

/// "Parser directives": a directive after a comment is a comment; unknown instruction keywords are errors.
#[test]
fn directive_after_comment_is_a_comment() {
    let df = parse_dockerfile("# about\n# escape=`\nFROM a:1\n").unwrap();
    assert_eq!(df.escape, '\\');
    assert!(df.directives.is_empty());
}

/// "Here-documents": RUN <<EOF, <<-EOF strips tabs, several heredocs, COPY <<EOF with a destination.
#[test]
fn heredocs() {
    let text = "FROM debian:12.8\nRUN <<EOT bash\n  set -ex\n  apt-get update\nEOT\nRUN python3 <<-\"EOF\"\n\tprint('$HOME')\n\tEOF\nCOPY <<FILE1 <<FILE2 /dest/\none\nFILE1\ntwo\nFILE2\nCMD [\"true\"]\n";
    let df = parse_dockerfile(text).unwrap();
    let k: Vec<&str> = df.instructions.iter().map(|i| i.keyword.as_str()).collect();
    assert_eq!(k, ["FROM", "RUN", "RUN", "COPY", "CMD"]);
    let r = &df.instructions[1];
    assert_eq!((r.line, r.end_line), (2, 5));
    assert_eq!(r.heredocs[0].name, "EOT");
    assert_eq!(r.heredocs[0].body.text, "  set -ex\n  apt-get update\n");
    assert_eq!(
        r.heredocs[0]
            .body
            .position(r.heredocs[0].body.text.find("apt").unwrap())
            .0,
        4
    );
    let p = &df.instructions[2];
    assert!(p.heredocs[0].strip_tabs && p.heredocs[0].quoted);
    assert_eq!(p.heredocs[0].body.text, "print('$HOME')\n");
    let c = &df.instructions[3];
    assert_eq!(c.heredocs.len(), 2);
    assert_eq!(c.heredocs[1].body.text, "two\n");
    assert_eq!((c.line, c.end_line), (9, 13));
    assert_eq!(df.instructions[4].form, Form::Exec(vec!["true".into()]));
}

/// "Environment replacement" and "Scope": ARG before FROM is global (FROM only, or after `ARG name` in a stage);
/// ENV overrides ARG; a stage FROM another stage inherits its ENV but not its ARGs.
#[test]
fn substitution_and_scoping() {
    let text = r#"ARG VERSION=1.2
ARG UNUSED=x
FROM busybox:$VERSION AS one
ARG VERSION
ARG LOCAL=l
ENV FOO=/bar GREETING="hello world"
WORKDIR ${FOO}/${VERSION}
ENV VERSION=env
LABEL v=$VERSION u=${UNUSED:-none} g="$GREETING" s=${FOO:+set} e=\$FOO
FROM one
USER ${LOCAL:-nolocal}:${FOO}
"#;
    let df = parse_dockerfile(text).unwrap();
    assert_eq!(df.stages[0].base, "busybox:1.2");
    assert_eq!(df.stages[0].name.as_deref(), Some("one"));
    assert_eq!(df.instructions[6].words[0].value, "/bar/1.2");
    let label = &df.instructions[8];
    let vals: Vec<(&str, &str)> = label
        .pairs
        .iter()
        .map(|p| (p.key.as_str(), p.value.as_deref().unwrap()))
        .collect();
    assert_eq!(
        vals,
        [
            ("v", "env"),
            ("u", "none"),
            ("g", "hello world"),
            ("s", "set"),
            ("e", "$FOO")
        ]
    );
    assert_eq!(df.stages[1].parent, Some(0));
    assert_eq!(df.instructions[10].words[0].value, "nolocal:/bar");
}

/// "Line continuation" with comment lines and an empty line inside (the reference example of `RUN echo hello \`).
#[test]
fn continuation_with_comments() {
    let text = "FROM a:1\nRUN echo hello \\\n# comment\nworld\nRUN echo a \\\n\n  b\n";
    let df = parse_dockerfile(text).unwrap();
    assert_eq!(df.instructions[1].args(), "echo hello world");
    assert_eq!(df.instructions[1].end_line, 4);
    assert_eq!(df.instructions[2].args(), "echo a   b");
    assert_eq!(df.warnings.len(), 1); // empty continuation line
}

/// Parse errors, which are warnings for the file: a Dockerfile that does not parse must not make the whole
/// scan untrustworthy (exit 2).
fn errors(text: &str) -> Vec<(u32, String)> {
    let (_, d) = check_dockerfile("Dockerfile", text, &DockerfileCheckOptions::default());
    assert!(
        d.iter().all(|d| d.level == DiagnosticLevel::Warning),
        "{d:?}"
    );
    d.into_iter()
        .filter(|d| d.message.starts_with("cannot parse Dockerfile"))
        .map(|d| (d.location.line.unwrap(), d.message))
        .collect()
}

#[test]
fn malformed_input_gives_diagnostics_with_lines() {
    let e = errors("FROM a:1\nRUN <<EOF\necho hi\n");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].0, 2); // the line that opens the heredoc
    assert!(e[0].1.contains("unterminated heredoc"));
    let e = errors("FROM a:1\nFROBNICATE x\nRUN true\n");
    assert_eq!(
        e,
        vec![(
            2,
            "cannot parse Dockerfile: unknown instruction: FROBNICATE".to_string()
        )]
    );
    let (_, d) = check_dockerfile(
        "Dockerfile",
        "FROM a:1\nRUN echo \\",
        &DockerfileCheckOptions::default(),
    );
    assert!(
        d.iter()
            .any(|d| d.location.line == Some(2) && d.message.contains("continuation"))
    );
    assert!(parse_dockerfile("RUN x\n").is_err());
    assert_eq!(
        parse_dockerfile("FROM a\n# escape=x\nFROM\n")
            .unwrap_err()
            .line,
        3
    );
}

#[test]
fn invalid_utf8_is_reported_with_its_line() {
    let (f, d) = check_dockerfile_bytes(
        "Dockerfile",
        b"FROM a:1\nRUN echo \xff\xfe\n",
        &DockerfileCheckOptions::default(),
    );
    assert_eq!(d[0].location.line, Some(2));
    assert!(d[0].message.contains("UTF-8"));
    assert!(f.iter().any(|f| f.id == "BW-DF-0001"));
}

#[test]
fn hostile_input_is_bounded() {
    let t = Instant::now();
    // A huge single line.
    let big = format!("FROM a:1\nRUN {}\n", "curl x | sh && ".repeat(200_000));
    let (f, _) = check_dockerfile("Dockerfile", &big, &DockerfileCheckOptions::default());
    assert!(f.iter().filter(|f| f.id == "BW-DF-0008").count() > 1000);
    // Exponential ENV growth is cut.
    let mut grow = String::from("FROM a:1\nENV A=xx\n");
    for _ in 0..64 {
        grow.push_str("ENV A=$A$A\n");
    }
    let (_, d) = check_dockerfile("Dockerfile", &grow, &DockerfileCheckOptions::default());
    assert!(d.iter().any(|d| d.message.contains("after substitution")));
    // Deep nesting.
    let deep = format!(
        "FROM a:1\nENV A={}x{}\n",
        "${B:-".repeat(10_000),
        "}".repeat(10_000)
    );
    let (_, d) = check_dockerfile("Dockerfile", &deep, &DockerfileCheckOptions::default());
    assert!(d.iter().any(|d| d.message.contains("nested")));
    // Thousands of heredocs and continuations.
    let many = format!("FROM a:1\n{}", "RUN <<A <<B\nA\n".repeat(5_000));
    let _ = check_dockerfile("Dockerfile", &many, &DockerfileCheckOptions::default());
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
}

/// A realistic multi-stage file: findings and their exact continuation lines, written by hand.
#[test]
fn realistic_multistage() {
    let text = "\
# syntax=docker/dockerfile:1
ARG PY=3.12
FROM python:${PY}-slim AS build
RUN apt-get update && apt-get install -y \\
      build-essential \\
    && pip install --no-cache-dir poetry==1.8.3
COPY --from=build /x /y
FROM build AS final
EXPOSE 8000
USER 10001
HEALTHCHECK CMD python -c 'print(1)'
";
    let (f, d) = check_dockerfile("Dockerfile", text, &DockerfileCheckOptions::default());
    assert!(d.iter().all(|d| d.level != DiagnosticLevel::Error), "{d:?}");
    let mut got: Vec<(&str, u32)> = f
        .iter()
        .map(|f| (f.id.as_ref(), f.location.line.unwrap()))
        .collect();
    got.sort_unstable();
    assert_eq!(
        got,
        [
            ("BW-DF-0007", 4), // apt-get install without --no-install-recommends: the `install` word is on line 4
            ("BW-DF-0009", 5), // build-essential unpinned, on its continuation line
            ("BW-DF-0011", 3), // python:3.12-slim has no digest
        ]
    );
    let unpinned = f.iter().find(|f| f.id == "BW-DF-0009").unwrap();
    assert_eq!(unpinned.properties["instructionLine"], 4);
    assert_eq!(unpinned.location.column, Some(7));
}

/// The fuzz target's invariants over deterministic mutations of every case Dockerfile: no panic, every line in
/// range, and the strict parser fails exactly when the lenient one reported errors.
#[test]
fn mutation_smoke() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
    let mut inputs = Vec::new();
    for d in std::fs::read_dir(root).unwrap() {
        let cases = d.unwrap().path().join("cases");
        for f in std::fs::read_dir(cases).into_iter().flatten() {
            let p = f.unwrap().path();
            if p.extension().is_some_and(|e| e == "Dockerfile") {
                inputs.push(std::fs::read(p).unwrap());
            }
        }
    }
    let inserts: [&[u8]; 8] = [
        b"\\\n",
        b"<<EOF ",
        b"${",
        b"\"",
        b"\n",
        b"# escape=`\n",
        b"}",
        b"\xff",
    ];
    for input in &inputs {
        for cut in (0..input.len()).step_by(7) {
            for ins in inserts {
                let mut m = input[..cut].to_vec();
                m.extend_from_slice(ins);
                m.extend_from_slice(&input[cut..]);
                let lines = m.split(|&b| b == b'\n').count() as u32;
                let (f, d) =
                    check_dockerfile_bytes("Dockerfile", &m, &DockerfileCheckOptions::default());
                for l in f
                    .iter()
                    .map(|f| &f.location)
                    .chain(d.iter().map(|d| &d.location))
                {
                    if let Some(line) = l.line {
                        assert!(
                            line >= 1 && line <= lines,
                            "line {line} of {lines}: {:?}",
                            String::from_utf8_lossy(&m)
                        );
                    }
                }
                if let Ok(t) = std::str::from_utf8(&m) {
                    let errors = d
                        .iter()
                        .any(|d| d.message.starts_with("cannot parse Dockerfile"));
                    assert_eq!(parse_dockerfile(t).is_err(), errors, "{t:?}");
                }
            }
        }
    }
}
