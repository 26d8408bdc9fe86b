#!/usr/bin/env bash
# Coverage side by side: Bulwark's passive DAST, wapiti3 (passive modules only) and the MDN HTTP Observatory,
# over the weak and the hardened nginx site of crates/bulwark/tests/fixtures/dast-sites/ (served here by our own
# nginx on free 127.0.0.1 ports). Prints one row per check (ZAP pluginId, or the peer's check where ZAP has none):
# detected or not, on the weak site / on the hardened site.
#
#   bench/install-dast-peers.sh      # once: wapiti3 into /opt/bulwark-dast-venv, the observatory into /opt/bulwark-dast-npm
#   bench/dast-coverage.sh           # BULWARK=path/to/bulwark to skip the release build
#
# wapiti3 runs with `-m passive`, its preset of the modules that only read responses: cookieflags, csp,
# http_headers, https_redirect, inconsistent_redirection, information_disclosure, stacktrace_disclosure,
# unsecure_password. Even so its crawler submits forms (POST /app/login) and requests random paths to learn the
# 404 page; Bulwark submits nothing. The observatory judges one page per run (no crawler); it runs here on
# /, /app/, /libs.html and /app/api/data. Its CLI takes a hostname only (ports 80/443); we call its scanner's
# own retrieve() with the httpPort/httpsPort/path options it already has, and trust our certificate through
# NODE_EXTRA_CA_CERTS. It needs no /etc/hosts entry: the hostname check that refuses localhost and IPs is in its
# web API (src/api), not in the scanner.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
venv=${DAST_VENV:-/opt/bulwark-dast-venv}
npmdir=${DAST_NPM:-/opt/bulwark-dast-npm}
obs=$npmdir/node_modules/@mdn/mdn-http-observatory
[ -x "$venv/bin/wapiti" ] && [ -d "$obs" ] || { echo "run bench/install-dast-peers.sh first" >&2; exit 1; }
target=${CARGO_TARGET_DIR:-$root/target}
bw=${BULWARK:-$target/release/bulwark}
[ -n "${BULWARK:-}" ] || (cd "$root" && cargo build --release -q -p bulwark)
fixtures=$root/crates/bulwark/tests/fixtures/dast-sites
# shellcheck source=bench/dast-site.sh
source "$here/dast-site.sh"
tmp=$(mktemp -d)
chmod 755 "$tmp"   # nginx workers run as nobody when we are root: they must reach the site under it
cleanup() { for k in weak hardened; do [ -d "$tmp/$k" ] && dast_site_stop "$tmp/$k"; done; if [ -n "${KEEP:-}" ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi; }
trap cleanup EXIT

"$bw" db build -q -o "$tmp/vulns.db" --osv "$fixtures/osv-npm" || echo "bulwark db build failed: 10003 cannot fire" >&2

for kind in weak hardened; do
  d=$tmp/$kind; mkdir -p "$d"
  dast_site_start nginx "$kind" "$d"
  echo "$kind: http://127.0.0.1:$DAST_HTTP/ https://127.0.0.1:$DAST_HTTPS/" >&2
  BULWARK_DB=$tmp/vulns.db "$bw" dast "http://127.0.0.1:$DAST_HTTP/" "https://127.0.0.1:$DAST_HTTPS/" \
    --ca-file "$DAST_CERT" -f zap-json -o "$d/bulwark.json" >"$d/bulwark.out" 2>&1 || echo "bulwark dast ($kind) exit $?" >&2
  "$venv/bin/wapiti" -u "https://127.0.0.1:$DAST_HTTPS/" -m passive --scope folder --flush-session \
    --store-session "$d/wapiti-session" --store-config "$d/wapiti-config" --verify-ssl 0 \
    -f json -o "$d/wapiti.json" --no-bugreport -v 0 >"$d/wapiti.out" 2>&1 || echo "wapiti ($kind) exit $?" >&2
  for path in / /app/ /libs.html /app/api/data; do
    name=$(echo "$path" | tr -c 'a-z0-9\n' '_')
    NODE_EXTRA_CA_CERTS=$DAST_CERT OBS=$obs HP=$DAST_HTTP SP=$DAST_HTTPS P=$path node --input-type=module -e '
      const { retrieve } = await import(process.env.OBS + "/src/retriever/retriever.js");
      const { ALL_TESTS } = await import(process.env.OBS + "/src/constants.js");
      const r = await retrieve("127.0.0.1", { httpPort: process.env.HP, httpsPort: process.env.SP, path: process.env.P });
      if (!r.responses.auto) { console.log(JSON.stringify({ error: "site down" })); process.exit(0); }
      const tests = {};
      for (const t of ALL_TESTS) { const x = t(r); tests[t.name] = { pass: x.pass, result: x.result }; }
      console.log(JSON.stringify({ url: r.session?.url?.href, status: r.responses.auto.status, tests }));
    ' >"$d/obs$name.json" 2>"$d/obs$name.err" || echo "observatory ($kind $path) failed" >&2
  done
  dast_site_stop "$d"
done

python3 - "$tmp" <<'PY'
import json, os, sys
tmp = sys.argv[1]

def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None

def bulwark_ids(kind):
    d = load(f"{tmp}/{kind}/bulwark.json")
    if d is None:
        return None
    return {str(a["pluginid"]) for s in d.get("site", []) for a in s.get("alerts", [])}

def wapiti(kind):
    d = load(f"{tmp}/{kind}/wapiti.json")
    if d is None:
        return None
    out = {}
    for sec in ("vulnerabilities", "anomalies", "additionals"):
        for cat, items in d.get(sec, {}).items():
            for i in items:
                out.setdefault(cat, []).append(i.get("info", ""))
    return out

def obs(kind, path):
    name = "".join(c if c.isalnum() and c.islower() or c.isdigit() else "_" for c in path)
    d = load(f"{tmp}/{kind}/obs{name}.json")
    return (d or {}).get("tests")

def w_has(cat, needle=""):
    def f(kind):
        w = wapiti(kind)
        if w is None:
            return None
        return any(needle in info for info in w.get(cat, [])) if cat in w else False
    return f

def w_other(cat, but):
    def f(kind):
        w = wapiti(kind)
        if w is None:
            return None
        return any(but not in info for info in w.get(cat, []))
    return f

def o_fail(test, path="/", results=None):
    def f(kind):
        t = obs(kind, path)
        if not t or test not in t:
            return None
        r = t[test]
        return (r["result"] in results) if results else not r["pass"]
    return f

def o_fail_except(test, ok_results):
    def f(kind):
        t = obs(kind, "/")
        if not t or test not in t:
            return None
        return not t[test]["pass"] and t[test]["result"] not in ok_results
    return f

def b(ids):
    def f(kind):
        got = bulwark_ids(kind)
        return None if got is None else any(i in got for i in ids.split(","))
    return f

NA = lambda kind: "n/a"
rows = [
    ("10020", "Anti-clickjacking (XFO / frame-ancestors)", b("10020"), w_has("Clickjacking Protection"), o_fail("xFrameOptionsTest")),
    ("10021", "X-Content-Type-Options", b("10021"), w_has("MIME Type Confusion"), o_fail("xContentTypeOptionsTest")),
    ("10035", "Strict-Transport-Security", b("10035"), w_has("HTTP Strict Transport Security (HSTS)"), o_fail("strictTransportSecurityTest")),
    ("10038", "CSP header not set", b("10038"), w_has("Content Security Policy Configuration", "not set"), o_fail("contentSecurityPolicyTest", results={"csp-not-implemented"})),
    ("10055", "CSP weaknesses", b("10055"), w_other("Content Security Policy Configuration", "is not set"), o_fail_except("contentSecurityPolicyTest", {"csp-not-implemented"})),
    ("10063", "Permissions-Policy", b("10063"), NA, NA),
    ("90004", "Site isolation (COOP/COEP/CORP)", b("90004"), NA, o_fail("crossOriginResourcePolicyTest")),
    ("10010", "Cookie HttpOnly", b("10010"), w_has("HttpOnly Flag cookie"), o_fail("cookiesTest", "/app/", {"cookies-session-without-httponly-flag"})),
    ("10011", "Cookie Secure", b("10011"), w_has("Secure Flag cookie"), o_fail("cookiesTest", "/app/", {"cookies-without-secure-flag", "cookies-session-without-secure-flag", "cookies-without-secure-flag-but-protected-by-hsts", "cookies-session-without-secure-flag-but-protected-by-hsts"})),
    ("10054", "Cookie SameSite", b("10054"), NA, o_fail("cookiesTest", "/app/", {"cookies-samesite-flag-invalid", "cookies-anticsrf-without-samesite-flag", "cookies-secure-with-httponly-sessions"})),
    ("10098", "CORS Access-Control-Allow-Origin: *", b("10098"), NA, o_fail("crossOriginResourceSharingTest", "/app/api/data")),
    ("10036", "Server header version", b("10036"), NA, NA),
    ("10037", "X-Powered-By", b("10037"), NA, NA),
    ("10056", "X-Debug-Token", b("10056"), NA, NA),
    ("10009", "In-page banner (error page)", b("10009"), NA, NA),
    ("10023", "Debug error messages", b("10023"), w_has("Stack Trace Disclosure"), NA),
    ("90022", "Application error disclosure", b("90022"), w_has("Stack Trace Disclosure"), NA),
    ("110009", "Full path disclosure (alpha in ZAP)", b("110009"), w_has("Information Disclosure - Full Path"), NA),
    ("10033", "Directory browsing (/.git/)", b("10033"), NA, NA),
    ("2", "Private IP disclosure", b("2"), NA, NA),
    ("10062", "PII (card number)", b("10062"), NA, NA),
    ("10027", "Suspicious comments", b("10027"), NA, NA),
    ("10017", "Cross-domain script inclusion", b("10017"), NA, NA),
    ("90003", "SRI missing", b("90003"), NA, o_fail("subresourceIntegrityTest", "/libs.html")),
    ("10040", "Mixed content", b("10040"), NA, NA),
    ("10108", "Reverse tabnabbing", b("10108"), NA, NA),
    ("10202", "Absence of anti-CSRF tokens", b("10202"), NA, NA),
    ("10003", "Vulnerable JS library (jQuery 1.8.3)", b("10003"), NA, NA),
    ("10015", "Cache-control directives", b("10015"), NA, NA),
    ("-", "Referrer-Policy (no ZAP rule)", NA, NA, o_fail("referrerPolicyTest")),
    ("-", "HTTP to HTTPS redirect (no passive ZAP rule)", NA, w_has("Unencrypted Channels"), o_fail("redirectionTest")),
]

def cell(f):
    out = []
    for kind in ("weak", "hardened"):
        v = f(kind)
        out.append(v if isinstance(v, str) else {True: "yes", False: "no", None: "error"}[v])
    return out[0] if out[0] == out[1] == "n/a" else f"{out[0]} / {out[1]}"

print("Detected on the weak / the hardened nginx site (n/a: the tool has no such check)")
print()
print("| ZAP id | check | Bulwark | wapiti3 3.3.2 (-m passive) | MDN HTTP Observatory 1.4.8 |")
print("|---|---|---|---|---|")
for zid, name, fb, fw, fo in rows:
    print(f"| {zid} | {name} | {cell(fb)} | {cell(fw)} | {cell(fo)} |")
for kind in ("weak", "hardened"):
    w = wapiti(kind) or {}
    print(f"\nwapiti3 categories on {kind}: " + ", ".join(f"{k} x{len(v)}" for k, v in sorted(w.items())))
    for path in ("/", "/app/", "/libs.html", "/app/api/data"):
        t = obs(kind, path) or {}
        print(f"observatory {kind} {path}: " + ", ".join(f"{v['result']}" for v in t.values()))
PY
