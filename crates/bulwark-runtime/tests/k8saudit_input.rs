//! Reading audit input: the shapes the API server and Falco's plugin use (JSON lines, arrays, `EventList`), and
//! hostile input (a 100 MB event, deep nesting, invalid UTF-8, non-audit JSON) — each a counted, reported drop
//! naming the line, after which reading goes on.

use std::io::Read;
use std::sync::{Arc, Mutex};

use bulwark_runtime::event::{Event, EventSource};
use bulwark_runtime::k8saudit::{
    AuditEvent, AuditIssue, AuditSource, DEFAULT_MAX_EVENT_SIZE, IssueKind, NOT_RECOGNIZED, read,
};

const GOOD: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a1","stage":"ResponseComplete","verb":"get","stageTimestamp":"2024-05-01T10:00:00.5Z"}"#;

fn run(
    input: impl Read,
    max: usize,
) -> (
    Vec<AuditEvent>,
    Vec<AuditIssue>,
    bulwark_runtime::event::Drops,
) {
    let mut evs = Vec::new();
    let mut issues = Vec::new();
    let drops = read("in.jsonl", input, max, &mut |e| evs.push(e), &mut |i| {
        issues.push(i.clone());
    })
    .unwrap();
    (evs, issues, drops)
}

fn ids(evs: &[AuditEvent]) -> Vec<&str> {
    evs.iter().map(|e| e.audit_id().unwrap_or("-")).collect()
}

fn ev(id: &str) -> String {
    format!(r#"{{"kind":"Event","auditID":"{id}","stageTimestamp":"2024-05-01T10:00:00Z"}}"#)
}

#[test]
fn lines_arrays_and_event_lists() {
    let input = format!(
        "{GOOD}\n\n  \r\n[{}, {}]\r\n{{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":[{},{}]}}\n{}",
        ev("b1"),
        ev("b2"),
        ev("c1"),
        ev("c2"),
        // v1beta1, and the last line without a newline.
        r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1beta1","auditID":"d1","stageTimestamp":"2018-10-25T13:58:49.730588Z"}"#
    );
    let (evs, issues, drops) = run(input.as_bytes(), DEFAULT_MAX_EVENT_SIZE);
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(ids(&evs), ["a1", "b1", "b2", "c1", "c2", "d1"]);
    assert_eq!(drops.events, 6);
    assert_eq!(drops.dropped_invalid, 0);
    // 2024-05-01T10:00:00.5Z = 1714557600.5 s (date -u -d 2024-05-01T10:00:00Z +%s = 1714557600).
    assert_eq!(evs[0].time_ns(), 1_714_557_600_500_000_000);
    // An EventList whose kind comes after its items, an array holding an EventList, `items: null`.
    let input = format!(
        "{{\"items\":[{}],\"kind\":\"EventList\"}}\n[{{\"kind\":\"EventList\",\"items\":[{}]}}]\n{{\"kind\":\"EventList\",\"items\":null}}\n",
        ev("e1"),
        ev("f1")
    );
    let (evs, issues, _) = run(input.as_bytes(), DEFAULT_MAX_EVENT_SIZE);
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(ids(&evs), ["e1", "f1"]);
}

#[test]
fn non_audit_json_is_falcos_error_and_reading_goes_on() {
    // fal_01_003.json of Falco's suite is `{"kind": 0}`.
    let input = format!("{{\"kind\": 0}}\n{GOOD}\n\"text\"\n{{\"kind\":\"Pod\"}}\n[1]\n");
    let (evs, issues, drops) = run(input.as_bytes(), DEFAULT_MAX_EVENT_SIZE);
    assert_eq!(ids(&evs), ["a1"]);
    let lines: Vec<(u64, Option<u64>, IssueKind)> =
        issues.iter().map(|i| (i.line, i.item, i.kind)).collect();
    assert_eq!(
        lines,
        [
            (1, None, IssueKind::NotRecognized),
            (3, None, IssueKind::NotRecognized),
            (4, None, IssueKind::NotRecognized),
            (5, Some(0), IssueKind::NotRecognized),
        ]
    );
    assert_eq!(
        issues[0].to_string(),
        format!("in.jsonl:1: {NOT_RECOGNIZED}")
    );
    assert_eq!(NOT_RECOGNIZED, "data not recognized as a k8s audit event");
    assert_eq!(drops.dropped_invalid, 4);
    // Events without a usable stageTimestamp are dropped as the plugin drops them.
    let input = "{\"kind\":\"Event\",\"auditID\":\"x\"}\n{\"kind\":\"EventList\",\"items\":[{\"stageTimestamp\":\"yesterday\"},5]}\n";
    let (evs, issues, _) = run(input.as_bytes(), DEFAULT_MAX_EVENT_SIZE);
    assert!(evs.is_empty());
    assert_eq!(issues.len(), 3, "{issues:?}");
    assert!(
        issues[0].message.contains("stageTimestamp"),
        "{}",
        issues[0]
    );
    assert_eq!((issues[1].line, issues[1].item), (2, Some(0)));
    assert_eq!((issues[2].line, issues[2].item), (2, Some(1)));
}

#[test]
fn the_fal_01_003_trace_through_the_source() {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(
        "../../../shared/fixtures/upstream/falco-k8saudit/trace_files/k8s_audit/fal_01_003.json",
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let mut src = AuditSource::new(
        "fal_01_003.json",
        Box::new(std::fs::File::open(path).unwrap()),
    )
    .on_issue(Box::new(move |i| s2.lock().unwrap().push(i.to_string())));
    let mut n = 0;
    let drops = src.run(&mut |_e: &dyn Event| n += 1).unwrap();
    assert_eq!(n, 0);
    assert_eq!(drops.dropped_invalid, 1);
    assert_eq!(
        *seen.lock().unwrap(),
        [format!("fal_01_003.json:1: {NOT_RECOGNIZED}")]
    );
}

/// Generates `prefix`, then `n` bytes of `a`, then `suffix`, without holding them in memory.
struct Generated {
    parts: Vec<(Vec<u8>, usize)>,
}

impl Read for Generated {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while let Some((bytes, pos)) = self.parts.first_mut() {
            if *pos < bytes.len() {
                let n = (bytes.len() - *pos).min(out.len());
                out[..n].copy_from_slice(&bytes[*pos..*pos + n]);
                *pos += n;
                return Ok(n);
            }
            self.parts.remove(0);
        }
        Ok(0)
    }
}

#[test]
fn a_100_mb_event_is_refused_naming_its_line_and_the_next_line_is_read() {
    let pad = 100 * 1024 * 1024;
    let mut parts = vec![(
        format!("{GOOD}\n{{\"kind\":\"Event\",\"auditID\":\"big\",\"stageTimestamp\":\"2024-05-01T10:00:00Z\",\"pad\":\"").into_bytes(),
        0,
    )];
    // 100 MiB of padding in 1 MiB chunks.
    for _ in 0..100 {
        parts.push((vec![b'a'; pad / 100], 0));
    }
    parts.push((format!("\"}}\n{}\n", ev("after")).into_bytes(), 0));
    let (evs, issues, drops) = run(Generated { parts }, DEFAULT_MAX_EVENT_SIZE);
    assert_eq!(ids(&evs), ["a1", "after"]);
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].line, 2);
    assert_eq!(issues[0].kind, IssueKind::TooLarge);
    assert!(
        issues[0]
            .to_string()
            .starts_with("in.jsonl:2: event larger than the maximum event size (16777216 bytes)")
    );
    assert_eq!(drops.dropped_invalid, 1);
    assert_eq!(drops.events, 2);
}

#[test]
fn the_size_cap_is_per_event_in_lists_and_configurable() {
    // Items of ~300 bytes under a 1000-byte cap pass although the line is longer; an item over the cap ends the
    // line (its position is named) and the next line is read.
    let big = format!(
        r#"{{"kind":"Event","auditID":"big","stageTimestamp":"2024-05-01T10:00:00Z","pad":"{}"}}"#,
        "x".repeat(2000)
    );
    let line1 = format!(
        "{{\"kind\":\"EventList\",\"items\":[{}]}}",
        (0..20)
            .map(|i| ev(&format!("i{i}")))
            .collect::<Vec<_>>()
            .join(",")
    );
    let line2 = format!(
        "{{\"kind\":\"EventList\",\"items\":[{},{big},{}]}}",
        ev("j0"),
        ev("j2")
    );
    let input = format!("{line1}\n{line2}\n{}\n", ev("k"));
    assert!(line1.len() > 1000);
    let (evs, issues, drops) = run(input.as_bytes(), 1000);
    assert_eq!(evs.len(), 22, "{:?}", ids(&evs));
    assert_eq!(ids(&evs)[20..], ["j0", "k"]);
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(
        (issues[0].line, issues[0].item, issues[0].kind),
        (2, Some(1), IssueKind::TooLarge)
    );
    assert_eq!(drops.dropped_invalid, 1);
    // The source's builder sets the cap.
    let mut src = AuditSource::new(
        "x",
        Box::new(std::io::Cursor::new(
            format!("{big}\n{GOOD}\n").into_bytes(),
        )),
    )
    .max_event_size(1000)
    .on_issue(Box::new(|_| {}));
    let mut n = 0;
    let drops = src.run(&mut |_e: &dyn Event| n += 1).unwrap();
    assert_eq!((n, drops.dropped_invalid), (1, 1));
}

#[test]
fn deep_nesting_invalid_utf8_and_broken_json() {
    let deep_arr = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_obj = format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    let deep_in_event = format!(
        "{{\"kind\":\"Event\",\"auditID\":\"n\",\"stageTimestamp\":\"2024-05-01T10:00:00Z\",\"x\":{}1{}}}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let mut input = Vec::new();
    for l in [
        deep_arr.as_bytes(),
        deep_obj.as_bytes(),
        deep_in_event.as_bytes(),
    ] {
        input.extend_from_slice(l);
        input.push(b'\n');
    }
    // Invalid UTF-8 inside a string, then truncated JSON, then trailing garbage, then a good event.
    input.extend_from_slice(b"{\"kind\":\"Event\",\"auditID\":\"\xff\xfe\",\"stageTimestamp\":\"2024-05-01T10:00:00Z\"}\n");
    input.extend_from_slice(b"{\"kind\":\"Event\",\n");
    input.extend_from_slice(format!("{GOOD} trailing\n{GOOD}\n").as_bytes());
    let (evs, issues, drops) = run(&input[..], DEFAULT_MAX_EVENT_SIZE);
    assert_eq!(ids(&evs), ["a1"]);
    let got: Vec<(u64, IssueKind)> = issues.iter().map(|i| (i.line, i.kind)).collect();
    assert_eq!(
        got,
        (1..=6)
            .map(|l| (l, IssueKind::InvalidJson))
            .collect::<Vec<_>>(),
        "{issues:#?}"
    );
    assert!(
        issues[0].message.contains("recursion limit"),
        "{}",
        issues[0]
    );
    assert!(issues[4].message.contains("on one line"), "{}", issues[4]);
    assert!(
        issues[5].message.contains("trailing characters"),
        "{}",
        issues[5]
    );
    assert_eq!(drops.dropped_invalid, 6);
    assert_eq!(
        issues[3].message,
        "invalid JSON: invalid unicode code point at column 28"
    );
}
