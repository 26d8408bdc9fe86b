//! Specificity, conflicts and the exact text of every load error.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::*;

const TEAMS: &str = "teams:\n  platform: {}\n  payments: {}\n  search: {}\n";

fn load_ok(rules: &str) -> Ownership {
    let text = format!("{TEAMS}rules:\n{rules}");
    parse_bytes(text.as_bytes(), "owners.yaml").unwrap_or_else(|e| panic!("{e}"))
}

fn load_err(text: &str) -> String {
    parse_bytes(text.as_bytes(), "owners.yaml")
        .unwrap_err()
        .to_string()
}

#[allow(clippy::unnecessary_wraps)] // FindingContext::layer is an Option.
fn layer(
    index: usize,
    created_by: &'static str,
    in_base: Option<bool>,
) -> Option<LayerContext<'static>> {
    Some(LayerContext {
        index,
        digest: None,
        created_by: Some(created_by),
        in_base,
    })
}

fn team(o: &Ownership, cx: &FindingContext<'_>) -> Option<(String, u32)> {
    route(o, cx).map(|r| (r.team, r.rule.line))
}

#[test]
fn kinds_rank_purl_base_created_by_registry_selector_namespace() {
    // Lines: rules start at line 6.
    let o = load_ok(
        "  - {team: search, namespace: shop}\n\
         \x20 - {team: search, labels: {app: checkout}}\n\
         \x20 - {team: platform, registry: registry.example.com/payments/**}\n\
         \x20 - {team: payments, createdBy: '*pip install*'}\n\
         \x20 - {team: platform, baseImage: debian}\n\
         \x20 - {team: search, purl: 'pkg:pypi/requests'}\n",
    );
    let labels = BTreeMap::from([("app".to_string(), "checkout".to_string())]);
    let mut cx = FindingContext {
        purl: Some("pkg:pypi/requests@2.19.0"),
        layer: layer(0, "RUN pip install requests", Some(true)),
        image: ImageContext {
            reference: Some("registry.example.com/payments/api:1"),
            base_name: Some("debian:bookworm"),
            ..ImageContext::default()
        },
        workload: WorkloadContext {
            namespace: Some("shop"),
            labels: Some(&labels),
            annotations: None,
        },
    };
    assert_eq!(team(&o, &cx), Some(("search".into(), 11)));
    cx.purl = Some("pkg:pypi/urllib3@1.23");
    assert_eq!(team(&o, &cx), Some(("platform".into(), 10)), "baseImage");
    cx.layer = layer(1, "RUN pip install urllib3", Some(false));
    assert_eq!(team(&o, &cx), Some(("payments".into(), 9)), "createdBy");
    cx.layer = layer(1, "RUN npm ci", Some(false));
    assert_eq!(team(&o, &cx), Some(("platform".into(), 8)), "registry");
    cx.image.reference = Some("registry.example.com/search/api:1");
    assert_eq!(team(&o, &cx), Some(("search".into(), 7)), "labels");
    cx.workload.labels = None;
    assert_eq!(team(&o, &cx), Some(("search".into(), 6)), "namespace");
    cx.workload.namespace = Some("other");
    assert_eq!(team(&o, &cx), None);

    // The explanation names the winner and every outranked rule.
    cx.workload.namespace = Some("shop");
    cx.layer = layer(1, "RUN pip install urllib3", Some(false));
    let r = route(&o, &cx).unwrap();
    assert_eq!(
        r.explanation,
        "layer 1 (created by \"RUN pip install urllib3\") matches createdBy \"*pip install*\" at owners.yaml:9; \
         it outranks namespace \"shop\" at owners.yaml:6 (team \"search\"; a kind that ranks lower)"
    );
    assert_eq!(
        r.rule.to_string(),
        "owners.yaml:9: createdBy \"*pip install*\""
    );
}

#[test]
fn owner_annotation_names_the_team_directly() {
    let o = load_ok("  - {team: platform, purl: 'pkg:*'}\n");
    let ann = BTreeMap::from([(OWNER_KEY.to_string(), "payments".to_string())]);
    let mut cx = FindingContext {
        purl: Some("pkg:deb/debian/openssl@3"),
        ..FindingContext::default()
    };
    cx.workload.annotations = Some(&ann);
    let r = route(&o, &cx).unwrap();
    assert_eq!(r.team, "payments");
    assert_eq!(r.rule.kind, RuleKind::OwnerAnnotation);
    assert_eq!(
        r.rule.to_string(),
        "ownerAnnotation bulwark.dev/owner=payments"
    );
    // An undefined team falls through to the rules, with a warning.
    let ann = BTreeMap::from([(OWNER_KEY.to_string(), "nobody".to_string())]);
    cx.workload.annotations = Some(&ann);
    let r = route(&o, &cx).unwrap();
    assert_eq!(r.team, "platform");
    assert_eq!(
        r.warnings,
        [
            "the workload's annotation bulwark.dev/owner names team \"nobody\", which owners.yaml does not define; routed by the rules instead"
        ]
    );
}

#[test]
fn within_a_kind_more_literals_then_fewer_wildcards() {
    let o = load_ok(
        "  - {team: platform, purl: 'pkg:deb/*'}\n\
         \x20 - {team: payments, purl: 'pkg:deb/debian/openssl*'}\n\
         \x20 - {team: search, purl: 'pkg:deb/debian/openssl'}\n",
    );
    let at = |p: &'static str| {
        team(
            &o,
            &FindingContext {
                purl: Some(p),
                ..FindingContext::default()
            },
        )
    };
    assert_eq!(
        at("pkg:deb/debian/openssl@3.0.11-1"),
        Some(("search".into(), 8))
    );
    assert_eq!(
        at("pkg:deb/debian/openssl-provider-legacy@3"),
        Some(("payments".into(), 7))
    );
    assert_eq!(
        at("pkg:deb/debian/libc6@2.36"),
        Some(("platform".into(), 6))
    );
    // Same literals: fewer wildcards wins.
    let o = load_ok(
        "  - {team: platform, namespace: 'a*b*'}\n\
         \x20 - {team: payments, namespace: 'a*b'}\n",
    );
    let ns = |n: &'static str| {
        let mut cx = FindingContext::default();
        cx.workload.namespace = Some(n);
        team(&o, &cx)
    };
    assert_eq!(ns("aXb"), Some(("payments".into(), 7)));
    assert_eq!(ns("aXbc"), Some(("platform".into(), 6)));
}

#[test]
fn base_image_digest_beats_repository_and_needs_base_layers() {
    let o = load_ok(
        "  - {team: platform, baseImage: 'docker.io/library/debian'}\n\
         \x20 - {team: search, baseImage: 'sha256:aaaa'}\n\
         \x20 - {team: payments, baseImage: 'debian:bookworm-slim'}\n",
    );
    let mut cx = FindingContext {
        layer: layer(0, "debootstrap", Some(true)),
        image: ImageContext {
            base_name: Some("debian:bookworm"),
            base_digest: Some("sha256:aaaa"),
            ..ImageContext::default()
        },
        ..FindingContext::default()
    };
    assert_eq!(team(&o, &cx), Some(("search".into(), 7)));
    cx.image.base_digest = None;
    assert_eq!(team(&o, &cx), Some(("platform".into(), 6)));
    cx.image.base_name = Some("debian:bookworm-slim@sha256:aaaa");
    assert_eq!(
        team(&o, &cx),
        Some(("search".into(), 7)),
        "digest carried by the name"
    );
    cx.image.base_name = Some("debian:bookworm-slim");
    assert_eq!(
        team(&o, &cx),
        Some(("payments".into(), 8)),
        "a tag is more literal"
    );
    cx.layer = layer(2, "pip install", Some(false));
    assert_eq!(team(&o, &cx), None, "not a base layer");
    cx.layer = layer(0, "debootstrap", None);
    assert_eq!(team(&o, &cx), None, "base layer count unknown");
}

#[test]
fn registry_paths_and_selectors() {
    let o = load_ok(
        "  - {team: platform, registry: 'registry.example.com/**'}\n\
         \x20 - {team: payments, registry: 'registry.example.com/payments/**'}\n\
         \x20 - {team: search, registry: 'library/*'}\n\
         \x20 - {team: platform, labels: {tier: web}}\n\
         \x20 - {team: payments, labels: {tier: web, app: 'check*'}}\n",
    );
    let reg = |r: &'static str| {
        let mut cx = FindingContext::default();
        cx.image.reference = Some(r);
        team(&o, &cx)
    };
    assert_eq!(
        reg("registry.example.com/payments/api:1@sha256:ab"),
        Some(("payments".into(), 7))
    );
    assert_eq!(
        reg("registry.example.com/search/api"),
        Some(("platform".into(), 6))
    );
    assert_eq!(
        reg("nginx:1.27"),
        Some(("search".into(), 8)),
        "docker.io/library/nginx"
    );
    assert_eq!(reg("quay.io/x/y"), None);
    let sel = |pairs: &[(&str, &str)]| {
        let m: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        let mut cx = FindingContext::default();
        cx.workload.labels = Some(&m);
        team(&o, &cx)
    };
    assert_eq!(
        sel(&[("tier", "web"), ("app", "checkout")]),
        Some(("payments".into(), 10))
    );
    assert_eq!(
        sel(&[("tier", "web"), ("app", "search")]),
        Some(("platform".into(), 9))
    );
    assert_eq!(sel(&[("app", "checkout")]), None);
}

#[test]
fn equal_specificity_ties_go_to_the_first_rule_with_a_warning() {
    let o = load_ok(
        "  - {team: platform, purl: 'pkg:pypi/req*'}\n\
         \x20 - {team: payments, purl: 'pkg:pypi/*sts'}\n",
    );
    let r = route(
        &o,
        &FindingContext {
            purl: Some("pkg:pypi/requests@2"),
            ..FindingContext::default()
        },
    )
    .unwrap();
    assert_eq!((r.team.as_str(), r.rule.line), ("platform", 6));
    assert_eq!(
        r.warnings,
        [
            "owners.yaml:6 and owners.yaml:7 match with equal specificity but name different teams (\"platform\" and \"payments\"); the first in the file wins"
        ]
    );
    // Same team: no warning.
    let o = load_ok(
        "  - {team: platform, purl: 'pkg:pypi/re*'}\n\
         \x20 - {team: platform, purl: 'pkg:pypi/*sts'}\n",
    );
    let r = route(
        &o,
        &FindingContext {
            purl: Some("pkg:pypi/requests@2"),
            ..FindingContext::default()
        },
    )
    .unwrap();
    assert!(r.warnings.is_empty());
}

#[test]
fn default_team() {
    let o = parse_bytes(
        format!("{TEAMS}defaultTeam: search\nrules: []\n").as_bytes(),
        "o.yaml",
    )
    .unwrap();
    let r = route(&o, &FindingContext::default()).unwrap();
    assert_eq!(r.team, "search");
    assert_eq!(r.rule.to_string(), "o.yaml:5: defaultTeam \"search\"");
}

#[test]
fn teams_keep_channels_opaque() {
    let o = parse_bytes(
        b"teams:\n  platform:\n    description: Base images\n    contacts: [platform@example.com]\n    escalateTo: sre\n    channels:\n      - type: slack\n        url: https://hooks.slack.example/T1\n        mention: [\"@here\"]\n  sre: {}\nrules: []\n",
        "o.yaml",
    )
    .unwrap();
    let t = o.team("platform").unwrap();
    assert_eq!(t.line, 2);
    assert_eq!(t.contacts, ["platform@example.com"]);
    assert_eq!(t.escalate_to.as_deref(), Some("sre"));
    assert_eq!(
        t.channels,
        [
            serde_json::json!({"type": "slack", "url": "https://hooks.slack.example/T1", "mention": ["@here"]})
        ]
    );
}

#[test]
fn load_errors_name_file_and_line() {
    let cases: &[(&str, &str)] = &[
        (
            "teams:\n  platform: {}\nrules:\n  - team: platform\n    purl: 'pkg:deb/*'\n    teem: x\n",
            "owners.yaml:6: unknown key \"teem\" in a rule (expected one of: team, description, purl, baseImage, createdBy, registry, labels, annotations, namespace)",
        ),
        (
            "teams:\n  platform: {}\nrules:\n  - {team: platfrom, purl: 'pkg:deb/*'}\n",
            "owners.yaml:4: rule names team \"platfrom\", which is not defined under teams",
        ),
        (
            "teams:\n  platform: {}\n  platform: {}\n",
            "owners.yaml:3: team \"platform\" is defined twice (first at line 2)",
        ),
        (
            "teams:\n  platform: {}\nrules:\n  - {team: platform, purl: 'pkg:deb/[ab]*'}\n",
            "owners.yaml:4: bad purl pattern \"pkg:deb/[ab]*\": it has `[`: character classes and alternatives are not supported (write `\\[` for the character itself)",
        ),
        (
            "teams:\n  platform: {}\nrules:\n  - {team: platform, createdBy: 'pip***'}\n",
            "owners.yaml:4: bad createdBy pattern \"pip***\": it has `***`; use `*` or `**`",
        ),
        (
            "teams:\n  platform: {}\nrules:\n  - {team: platform, purl: 'pypi/*'}\n",
            "owners.yaml:4: bad purl pattern \"pypi/*\": a package URL starts with `pkg:`",
        ),
        (
            "teams:\n  platform: {}\nrules:\n  - {team: platform, registry: 'reg.example.com/a:1'}\n",
            "owners.yaml:4: bad registry pattern \"reg.example.com/a:1\": it names a repository path, without a tag or digest",
        ),
        (
            "teams:\n  platform: {}\nrules:\n  - {team: platform, purl: 'pkg:*', namespace: x}\n",
            "owners.yaml:4: rule has 2 matchers (purl, namespace); a rule has exactly one",
        ),
        (
            "teams:\n  platform: {}\nrules:\n  - {team: platform}\n",
            "owners.yaml:4: rule has no matcher (one of: purl, baseImage, createdBy, registry, labels, annotations, namespace)",
        ),
        (
            "teams:\n  platform: {}\nrules:\n  - {purl: 'pkg:*'}\n",
            "owners.yaml:4: rule has no `team:`",
        ),
        (
            "teams:\n  platform: {}\n  payments: {}\nrules:\n  - {team: platform, createdBy: '*pip install*'}\n  - {team: payments, createdBy: '*pip install*'}\n",
            "owners.yaml:6: rule conflicts with owners.yaml:5: both match createdBy \"*pip install*\" but name different teams (\"platform\" and \"payments\")",
        ),
        (
            "teams:\n  platform: {}\n  payments: {}\nrules:\n  - {team: platform, baseImage: debian}\n  - {team: payments, baseImage: docker.io/library/debian}\n",
            "owners.yaml:6: rule conflicts with owners.yaml:5: both match baseImage \"docker.io/library/debian\" but name different teams (\"platform\" and \"payments\")",
        ),
        (
            "teams:\n  platform: {}\nrules:\n  - team: platform\n    purl: [unclosed\n",
            "owners.yaml:6: invalid YAML: while parsing a flow sequence, expected ',' or ']'",
        ),
        (
            "teems: {}\n",
            "owners.yaml:1: unknown key \"teems\" at the top level (expected one of: teams, rules, defaultTeam)\nowners.yaml:1: no `teams:` defined",
        ),
        (
            "teams:\n  platform: {escalateTo: sre}\n",
            "owners.yaml:2: team \"platform\" escalates to \"sre\", which is not defined under teams",
        ),
        (
            "teams:\n  platform: {channels: [slack]}\n",
            "owners.yaml:2: a channel must be a mapping (its `type:` and settings), found a string",
        ),
        (
            "teams:\n  platform: {}\n  payments: {}\nrules:\n  - {team: platform, labels: {a: '1', b: x*}}\n  - {team: payments, labels: {b: x*, a: '1'}}\n",
            "owners.yaml:6: rule conflicts with owners.yaml:5: both match labels \"a=1,b=x*\" but name different teams (\"platform\" and \"payments\")",
        ),
        (
            "teams:\n  platform: {}\n  payments: {}\nrules:\n  - {team: platform, registry: 'nginx'}\n  - {team: payments, registry: 'docker.io/library/nginx'}\n",
            "owners.yaml:6: rule conflicts with owners.yaml:5: both match registry \"docker.io/library/nginx\" but name different teams (\"platform\" and \"payments\")",
        ),
        (
            "teams:\n  platform: {}\nrules:\n  - {team: platform, labels: {}}\n",
            "owners.yaml:4: labels is empty: give at least one key: value",
        ),
        (
            "teams:\n  platform: {}\nrules:\n  - {team: platform, baseImage: 'debian@sha256:ab'}\n",
            "owners.yaml:4: bad baseImage pattern \"debian@sha256:ab\": give either a digest (sha256:…) or a repository, not both",
        ),
        (
            "teams:\n  platform: {}\n  two words: {}\n",
            "owners.yaml:3: team name \"two words\" holds white space",
        ),
        (
            "teams:\n  platform: {}\nrules:\n  - {team: platform, annotations: [a]}\n",
            "owners.yaml:4: annotations must be a mapping of key: value, found a list",
        ),
        (
            "teams: {}\ndefaultTeam: x\n",
            "owners.yaml:2: defaultTeam \"x\" is not defined under teams",
        ),
        (
            "",
            "owners.yaml:1: is empty; expected a mapping with `teams:` and `rules:`",
        ),
        (
            "- a\n",
            "owners.yaml:1: expected a mapping with `teams:` and `rules:`, found a list",
        ),
        (
            "teams: {}\n---\nteams: {}\n",
            "owners.yaml:3: holds 2 YAML documents; expected one",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(&load_err(text), want, "for:\n{text}");
    }
    let deep = format!("teams: {}{}\n", "[".repeat(100), "]".repeat(100));
    assert_eq!(
        load_err(&deep),
        "owners.yaml:1: owners file nests collections more than 32 levels deep; not parsed"
    );
}

#[test]
fn alias_bombs_are_refused_with_a_line() {
    let mut y = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        writeln!(y, "a{i}: &a{i} [{refs}]").unwrap();
    }
    y.push_str("teams:\n  platform: {channels: [{type: webhook, bomb: *a8}]}\n");
    let err = load_err(&y);
    assert_eq!(
        err,
        "owners.yaml:6: invalid YAML: aliases expand to more than 300000 nodes (a YAML alias bomb?)"
    );
}

#[test]
fn repeated_rule_for_one_team_is_a_warning() {
    let o = load_ok("  - {team: platform, namespace: a}\n  - {team: platform, namespace: a}\n");
    assert_eq!(o.warnings.len(), 1);
    assert_eq!(
        o.warnings[0].to_string(),
        "owners.yaml:7: rule repeats owners.yaml:6 (namespace \"a\" for team \"platform\")"
    );
}

#[test]
fn base_image_from_labels_or_history() {
    let labels = serde_json::json!({"org.opencontainers.image.base.name": "docker.io/library/debian:bookworm", "org.opencontainers.image.base.digest": "sha256:ab"});
    assert_eq!(
        base_image_from(Some(&labels), []),
        (
            Some("docker.io/library/debian:bookworm".into()),
            Some("sha256:ab".into())
        )
    );
    assert_eq!(
        base_image_from(None, ["RUN x", "FROM debian:12 AS build"]),
        (Some("debian:12".into()), None)
    );
    assert_eq!(base_image_from(None, ["FROM scratch"]), (None, None));
}
