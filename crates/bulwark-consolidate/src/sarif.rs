//! SARIF 2.1.0 from any tool, read streaming: each run's results are converted and deduplicated one by one, so a
//! log of a million results never exists as a tree. A run whose `results` come before its `tool` (legal, rare)
//! has its results buffered until the run ends.
//!
//! Per result: the rule id (`ruleId`, `rule.id`, or the rule at `ruleIndex`); the severity from the result's or
//! rule's `security-severity` property (GitHub's bands), else the level (`error` high, `warning` medium, `note`
//! low, `none` info; absent: the rule's `defaultConfiguration.level`, else `warning` as the spec says); the first
//! location's artifact URI, region and logical location; `fingerprints` and `partialFingerprints` kept as
//! `sarifFingerprints`. Results of kind `pass` or `notApplicable` are not findings and are skipped.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Read;
use std::sync::Arc;

use bulwark_types::{Finding, FindingKind, Location, Severity};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::{ConsolidateError, InputKind, Sink, cut, severity_score};

pub(crate) enum Error {
    Json(serde_json::Error),
    Stop(ConsolidateError),
}

struct St<'a, 'b> {
    sink: &'a mut Sink<'b>,
    stop: Option<ConsolidateError>,
}

impl St<'_, '_> {
    fn fail<E: de::Error>(&mut self, e: ConsolidateError) -> E {
        self.stop = Some(e);
        E::custom("stopped")
    }

    fn invalid<E: de::Error>(&mut self, message: impl Into<String>) -> E {
        let e = ConsolidateError::Invalid {
            name: self.sink.name().to_owned(),
            kind: InputKind::Sarif,
            message: message.into(),
        };
        self.fail(e)
    }
}

pub(crate) fn read<R: Read>(r: R, sink: &mut Sink<'_>) -> Result<(), Error> {
    let mut de = serde_json::Deserializer::from_reader(r);
    let mut st = St { sink, stop: None };
    let res = LogSeed(&mut st).deserialize(&mut de);
    match res {
        Ok(()) => de.end().map_err(Error::Json),
        Err(e) => Err(match st.stop.take() {
            Some(s) => Error::Stop(s),
            None => Error::Json(e),
        }),
    }
}

struct LogSeed<'s, 'a, 'b>(&'s mut St<'a, 'b>);

impl<'de> DeserializeSeed<'de> for LogSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LogSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a SARIF log object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut runs = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "runs" => {
                    map.next_value_seed(RunsSeed(&mut *self.0))?;
                    runs = true;
                }
                "version" => {
                    let v: Value = map.next_value()?;
                    if v.as_str() != Some("2.1.0") {
                        return Err(self
                            .0
                            .invalid(format!("version {v} (this reader reads SARIF 2.1.0)")));
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if runs {
            Ok(())
        } else {
            Err(self.0.invalid("no \"runs\" array"))
        }
    }
}

struct RunsSeed<'s, 'a, 'b>(&'s mut St<'a, 'b>);

impl<'de> DeserializeSeed<'de> for RunsSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RunsSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of runs")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(RunSeed(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

struct RunSeed<'s, 'a, 'b>(&'s mut St<'a, 'b>);

impl<'de> DeserializeSeed<'de> for RunSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RunSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a run object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut ctx: Option<RunCtx> = None;
        let mut buffered: Vec<SResult> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "tool" => {
                    let tool: Tool = map.next_value()?;
                    ctx = Some(RunCtx::new(tool));
                }
                "results" => match &ctx {
                    Some(c) => map.next_value_seed(ResultsSeed {
                        st: &mut *self.0,
                        ctx: c,
                    })?,
                    None => {
                        buffered = map
                            .next_value::<Option<Vec<SResult>>>()?
                            .unwrap_or_default();
                    }
                },
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let Some(ctx) = ctx else {
            return Err(self.0.invalid("a run without \"tool\""));
        };
        for r in buffered {
            push(self.0, &ctx, r)?;
        }
        Ok(())
    }
}

struct ResultsSeed<'s, 'a, 'b, 'c> {
    st: &'s mut St<'a, 'b>,
    ctx: &'c RunCtx,
}

impl<'de> DeserializeSeed<'de> for ResultsSeed<'_, '_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ResultsSeed<'_, '_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of results or null")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(r) = seq.next_element::<SResult>()? {
            push(self.st, self.ctx, r)?;
        }
        Ok(())
    }
}

fn push<E: de::Error>(st: &mut St<'_, '_>, ctx: &RunCtx, r: SResult) -> Result<(), E> {
    let Some(f) = ctx.finding(r) else {
        return Ok(());
    };
    match st.sink.push(&ctx.tool, f) {
        Ok(()) => Ok(()),
        Err(e) => Err(st.fail(e)),
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Tool {
    #[serde(default)]
    driver: Driver,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Driver {
    #[serde(default)]
    name: String,
    #[serde(default)]
    rules: Option<Vec<Rule>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Rule {
    #[serde(default)]
    id: String,
    name: Option<String>,
    short_description: Option<Msg>,
    default_configuration: Option<Cfg>,
    properties: Option<Props>,
    help_uri: Option<String>,
}

#[derive(Deserialize, Default)]
struct Msg {
    text: Option<String>,
}

#[derive(Deserialize, Default)]
struct Cfg {
    level: Option<String>,
}

#[derive(Deserialize, Default)]
struct Props {
    #[serde(rename = "security-severity")]
    security_severity: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RuleRef {
    id: Option<String>,
    index: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct SResult {
    rule_id: Option<String>,
    rule_index: Option<i64>,
    rule: Option<RuleRef>,
    kind: Option<String>,
    level: Option<String>,
    message: Option<Msg>,
    locations: Option<Vec<SLocation>>,
    partial_fingerprints: Option<BTreeMap<String, Value>>,
    fingerprints: Option<BTreeMap<String, Value>>,
    properties: Option<Props>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct SLocation {
    physical_location: Option<Physical>,
    logical_locations: Option<Vec<Logical>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Physical {
    artifact_location: Option<Artifact>,
    region: Option<Region>,
}

#[derive(Deserialize, Default)]
struct Artifact {
    uri: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: Option<i64>,
    start_column: Option<i64>,
    end_line: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Logical {
    fully_qualified_name: Option<String>,
    name: Option<String>,
}

struct RunCtx {
    tool: String,
    rules: Vec<Rule>,
    by_id: HashMap<String, usize>,
}

fn score(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|s: &f64| (0.0..=10.0).contains(s))
}

fn level_severity(level: &str) -> Severity {
    match level {
        "error" => Severity::High,
        "note" => Severity::Low,
        "none" => Severity::Info,
        _ => Severity::Medium,
    }
}

fn line(v: Option<i64>) -> Option<u32> {
    v.filter(|&l| l >= 1).and_then(|l| u32::try_from(l).ok())
}

/// Advisory ids that make a SARIF result a vulnerability (Trivy, Grype and osv-scanner write them as rule ids).
fn is_advisory(id: &str) -> bool {
    ["CVE-", "GHSA-", "GO-", "PYSEC-", "RUSTSEC-", "OSV-"]
        .iter()
        .any(|p| id.starts_with(p))
}

impl RunCtx {
    fn new(tool: Tool) -> Self {
        let rules = tool.driver.rules.unwrap_or_default();
        let mut by_id = HashMap::new();
        for (i, r) in rules.iter().enumerate() {
            by_id.entry(r.id.clone()).or_insert(i);
        }
        let name = tool.driver.name.trim();
        Self {
            tool: if name.is_empty() {
                "unnamed SARIF tool".into()
            } else {
                cut(name, 200)
            },
            rules,
            by_id,
        }
    }

    fn finding(&self, r: SResult) -> Option<Finding> {
        if matches!(r.kind.as_deref(), Some("pass" | "notApplicable")) {
            return None;
        }
        let rule_ref = r.rule.unwrap_or_default();
        let index = r
            .rule_index
            .or(rule_ref.index)
            .and_then(|i| usize::try_from(i).ok())
            .filter(|&i| i < self.rules.len());
        let id = r
            .rule_id
            .or(rule_ref.id)
            .or_else(|| index.map(|i| self.rules[i].id.clone()))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "unknown-rule".into());
        let rule = index
            .or_else(|| self.by_id.get(&id).copied())
            .map(|i| &self.rules[i]);
        let severity = score(
            r.properties
                .as_ref()
                .and_then(|p| p.security_severity.as_ref()),
        )
        .or_else(|| score(rule?.properties.as_ref()?.security_severity.as_ref()))
        .map_or_else(
            || {
                let level = r
                    .level
                    .as_deref()
                    .or_else(|| rule?.default_configuration.as_ref()?.level.as_deref())
                    .unwrap_or("warning");
                level_severity(level)
            },
            severity_score,
        );
        let title = rule
            .and_then(|r| r.short_description.as_ref()?.text.clone())
            .or_else(|| rule?.name.clone())
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| id.clone());
        let message = r
            .message
            .and_then(|m| m.text)
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| title.clone());
        let mut location = Location::default();
        if let Some(loc) = r.locations.unwrap_or_default().into_iter().next() {
            if let Some(p) = loc.physical_location {
                if let Some(uri) = p.artifact_location.and_then(|a| a.uri) {
                    location.path = Some(Arc::from(cut(&uri, 4096)));
                }
                if let Some(reg) = p.region {
                    location.line = line(reg.start_line);
                    location.column = line(reg.start_column);
                    location.end_line = line(reg.end_line);
                }
            }
            if let Some(l) = loc.logical_locations.unwrap_or_default().into_iter().next()
                && let Some(n) = l.fully_qualified_name.or(l.name)
            {
                location.resource = Some(Arc::from(cut(&n, 4096)));
            }
        }
        let mut fps: serde_json::Map<String, Value> = serde_json::Map::new();
        for (k, v) in r
            .fingerprints
            .unwrap_or_default()
            .into_iter()
            .chain(r.partial_fingerprints.unwrap_or_default())
        {
            if fps.len() < 32 {
                fps.insert(cut(&k, 200), v);
            }
        }
        let mut properties = BTreeMap::new();
        if !fps.is_empty() {
            properties.insert("sarifFingerprints".into(), Value::Object(fps));
        }
        Some(Finding {
            kind: if is_advisory(&id) {
                FindingKind::Vulnerability
            } else {
                FindingKind::Misconfiguration
            },
            name: rule
                .and_then(|r| r.name.clone())
                .map(|n| cut(&n, 200).into()),
            severity,
            title: cut(&title, 1000).into(),
            message: Arc::from(cut(&message, 64 << 10)),
            location,
            evidence: None,
            references: rule
                .and_then(|r| r.help_uri.clone())
                .map(|u| vec![cut(&u, 2048)])
                .unwrap_or_default(),
            properties,
            shared_properties: None,
            id: cut(&id, 512).into(),
        })
    }
}
