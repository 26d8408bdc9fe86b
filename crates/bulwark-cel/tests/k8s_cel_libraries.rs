//! The Kubernetes CEL libraries, tested with the examples of the Kubernetes documentation:
//! - kubernetes.io "Common Expression Language in Kubernetes"
//!   (`content/en/docs/reference/using-api/cel.md` in kubernetes/website): the example rules, the
//!   list, regex, URL and quantity library tables;
//! - the godoc of `k8s.io/apiserver/pkg/cel/library` (ip.go, cidr.go, format.go, semverlib.go) for
//!   the IP, CIDR, format and semver libraries, whose examples are given there as
//!   `expression // result`;
//! - cel-go's optional types documentation for `?.`, `[?…]`, `orValue`, `hasValue`.
//!
//! Each expected value is the one the documentation states.

use bulwark_cel::cel::Value;
use bulwark_cel::{Expression, Limits, Meter, Scope, to_cel};
use serde_json::json;

fn eval_with(
    src: &str,
    vars: &[(&str, serde_json::Value)],
) -> Result<Value, bulwark_cel::EvalError> {
    let mut scope = Scope::new();
    for (n, v) in vars {
        scope.bind(n, to_cel(v));
    }
    Expression::compile(src)
        .unwrap_or_else(|e| panic!("{src}: {e}"))
        .eval(&scope, &mut Meter::new(Limits::default()))
}

#[track_caller]
fn is(src: &str, want: impl Into<Value>) {
    let got = eval_with(src, &[]).unwrap_or_else(|e| panic!("{src}: {e}"));
    assert_eq!(got, want.into(), "{src}");
}

#[track_caller]
fn is_true(src: &str) {
    is(src, true);
}

#[track_caller]
fn is_error(src: &str) {
    assert!(eval_with(src, &[]).is_err(), "{src} should be an error");
}

#[test]
fn example_rules_of_the_cel_page() {
    let self_ = json!({
        "minReplicas": 1, "replicas": 3, "maxReplicas": 5,
        "stateCounts": {"Available": 2},
        "list1": [], "list2": [1],
        "envars": [{"name": "MY_ENV", "value": "abc"}, {"name": "OTHER", "value": "1 2"}],
        "health": "ok: all good",
        "widgets": [{"key": "x", "foo": 3}],
        "metadata": {"name": "singleton"},
        "set1": [1, 2], "set2": [3, 4],
        "names": ["a", "b"], "details": {"a": "x", "b": "y"},
    });
    for rule in [
        "self.minReplicas <= self.replicas && self.replicas <= self.maxReplicas",
        "'Available' in self.stateCounts",
        "(self.list1.size() == 0) != (self.list2.size() == 0)",
        "self.envars.filter(e, e.name == 'MY_ENV').all(e, e.value.matches('^[a-zA-Z]*$'))",
        "self.health.startsWith('ok')",
        "self.widgets.exists(w, w.key == 'x' && w.foo < 10)",
        "self.metadata.name == 'singleton'",
        "self.set1.all(e, !(e in self.set2))",
        "self.names.size() == self.details.size() && self.names.all(n, n in self.details)",
        "self.details.all(key, key.matches('^[a-zA-Z]*$'))",
        "self.details.all(key, self.details[key].matches('^[a-zA-Z]*$'))",
    ] {
        assert_eq!(
            eval_with(rule, &[("self", self_.clone())]).unwrap(),
            Value::Bool(true),
            "{rule}"
        );
    }
    // `has()` on a dynamically typed object, from the "Type checking" section.
    let object = json!({"metadata": {"name": "x"}});
    let request = json!({"name": "special"});
    assert_eq!(
        eval_with(
            "has(object.namex) ? object.namex == 'special' : request.name == 'special'",
            &[("object", object), ("request", request)]
        )
        .unwrap(),
        Value::Bool(true)
    );
}

#[test]
fn list_library() {
    let vars = [
        ("names", json!(["alpha", "beta", "gamma"])),
        ("items", json!([{"weight": 0.25}, {"weight": 0.75}])),
        ("lowPriorities", json!([{"priority": 1}, {"priority": 3}])),
        ("highPriorities", json!([{"priority": 5}, {"priority": 9}])),
    ];
    for (src, want) in [
        ("names.isSorted()", true),
        ("items.map(x, x.weight).sum() == 1.0", true),
        (
            "lowPriorities.map(x, x.priority).max() < highPriorities.map(x, x.priority).min()",
            true,
        ),
        ("names.indexOf('beta') == 1", true),
        ("names.lastIndexOf('gamma') == 2", true),
        ("['b', 'a'].isSorted()", false),
    ] {
        assert_eq!(eval_with(src, &vars).unwrap(), Value::Bool(want), "{src}");
    }
}

#[test]
fn regex_library() {
    is("\"abc 123\".find('[0-9]+')", "123");
    is_true("\"1, 2, 3, 4\".findAll('[0-9]+').map(x, int(x)).sum() < 100");
}

#[test]
fn url_library() {
    is("url('https://example.com:80/').getHost()", "example.com:80");
    is(
        "url('https://example.com/path with spaces/').getEscapedPath()",
        "/path%20with%20spaces/",
    );
    is("url('https://example.com:80/').getScheme()", "https");
    is(
        "url('https://example.com:80/').getHostname()",
        "example.com",
    );
    is("url('https://example.com:80/').getPort()", "80");
    is_true("isURL('https://example.com/')");
    is("isURL('example.com')", false);
    is_error("url('example.com')");
}

#[test]
fn quantity_library() {
    is("quantity(\"500000G\").isInteger()", true);
    is("quantity(\"50k\").asInteger()", 50_000i64);
    is_true("quantity(\"9999999999999999999999999999999999999G\").asApproximateFloat() > 9.0e45");
    is_true("quantity(\"50k\").add(quantity(\"20k\")) == quantity(\"70k\")");
    is_true("quantity(\"50k\").sub(20000) == quantity(\"30k\")");
    is_true("quantity(\"50k\").add(20).sub(quantity(\"100k\")).sub(-50000) == quantity(\"20\")");
    is("quantity(\"200M\").compareTo(quantity(\"0.2G\"))", 0i64);
    is(
        "quantity(\"150Mi\").isGreaterThan(quantity(\"100Mi\"))",
        true,
    );
    is("quantity(\"50M\").isLessThan(quantity(\"100M\"))", true);
    is("isQuantity('1.5G')", true);
    is("isQuantity('1.5Gb')", false);
    is("quantity('-1').sign()", -1i64);
}

#[test]
fn ip_and_cidr_libraries() {
    // k8s.io/apiserver/pkg/cel/library/ip.go and cidr.go godoc examples.
    is("isIP('127.0.0.1')", true);
    is("isIP('1.2.3.4/24')", false);
    is("ip('127.0.0.1').family()", 4i64);
    is("ip('::1').family()", 6i64);
    is("ip('127.0.0.1').isLoopback()", true);
    is("ip('0.0.0.0').isUnspecified()", true);
    is("ip('127.0.0.1').isUnspecified()", false);
    is("ip.isCanonical('2001:db8::abcd')", true);
    is("ip.isCanonical('2001:DB8::ABCD')", false);
    is("cidr('192.168.0.0/24').containsIP(ip('192.168.0.1'))", true);
    is("cidr('192.168.0.0/24').containsIP('192.168.1.1')", false);
    is(
        "cidr('192.168.0.0/16').containsCIDR(cidr('192.168.10.0/24'))",
        true,
    );
    is("cidr('192.168.0.0/24').prefixLength()", 24i64);
    is_true("cidr('192.168.0.1/24').masked() == cidr('192.168.0.0/24')");
    is_true("cidr('192.168.0.0/24').ip() == ip('192.168.0.0')");
    is("isCIDR('192.168.0.0/24')", true);
    is("isCIDR('192.168.0.0')", false);
}

#[test]
fn format_and_semver_libraries() {
    // k8s.io/apiserver/pkg/cel/library/format.go: validate() gives optional.none() when valid,
    // else a list of error messages.
    is(
        "format.dns1123Label().validate('my-label-name').hasValue()",
        false,
    );
    is(
        "format.dns1123Label().validate('MY_LABEL').hasValue()",
        true,
    );
    // semverlib.go.
    is("isSemver('1.0.0')", true);
    is("isSemver('v1.0')", false);
    is("semver('1.0.0').isLessThan(semver('1.1.0'))", true);
    is("semver('1.2.3').major()", 1i64);
    is("semver('2.0.0').compareTo(semver('1.0.0'))", 1i64);
    // cel-go ext.Strings (the extended strings library of the CEL page).
    is("'hello %s'.format(['world'])", "hello world");
    is("['a', 'b', 'c'].join(', ')", "a, b, c");
    is("'a,b'.split(',')[1]", "b");
    is("'TacoCat'.lowerAscii()", "tacocat");
    is("'  x '.trim()", "x");
    is("'hello'.substring(1, 3)", "el");
    is("'hello'.charAt(1)", "e");
    is("'hello'.indexOf('l')", 2i64);
    is("'aXbXc'.replace('X', '-')", "a-b-c");
}

#[test]
fn optional_types() {
    let object = json!({"spec": {"a": {"b": 1}, "list": [1, 2]}});
    let vars = [("object", object)];
    for (src, want) in [
        ("object.spec.?a.?b.orValue(0) == 1", true),
        ("object.spec.?x.?b.orValue(0) == 0", true),
        ("object.?spec.?a.b.orValue(0) == 1", true),
        ("object.spec.?x.b.orValue(7) == 7", true),
        ("object.spec.?a.hasValue()", true),
        ("object.spec.?x.hasValue()", false),
        ("object.spec.list[?5].orValue(9) == 9", true),
        ("object.spec.list[?0].value() == 1", true),
        ("object.spec[?'a'].hasValue()", true),
        ("optional.none().orValue(3) == 3", true),
        ("optional.of(2).value() == 2", true),
    ] {
        assert_eq!(
            eval_with(src, &vars).unwrap_or_else(|e| panic!("{src}: {e}")),
            Value::Bool(want),
            "{src}"
        );
    }
}

/// `dyn(x)` is the identity (the CEL language definition: "dyn … the value as is, typed dyn"), used by the
/// gatekeeper library to mix types in one map literal.
#[test]
fn dyn_is_the_identity() {
    is("dyn(1)", 1);
    is_true(r#"dyn("a") == "a""#);
    is_true(r#"[dyn(1), dyn("x")].size() == 2"#);
    is_true(r#"{"k": dyn("pod securityContext")}.k == "pod securityContext""#);
}
