#!/usr/bin/env bash
# Benchmark: `bulwark dast` vs wapiti3 (passive modules) crawling a generated 500-page site served by nginx on
# 127.0.0.1, with ZAP's default spider budget stated for comparison.
#
#   bench/install-dast-peers.sh   # once (wapiti3 into /opt/bulwark-dast-venv)
#   bench/dast.sh                 # RUNS=3 by default; PAGES=500; BULWARK=path to skip the release build
#
# The site: PAGES pages in a 4-ary tree (page i links to 4i+1 … 4i+4, so every page is within depth 5 of the
# root) plus one link back to a lower page and a link home; one page in three has a comment, one in five a POST
# form; one page in three gets X-Frame-Options and X-Content-Type-Options from nginx, the others miss them.
# Both tools get the same bounds in spirit: Bulwark --max-pages 2000 --max-depth 20 --max-duration 10m, wapiti3
# -d 20 and no time limit, so each crawls the whole site. Pages seen are counted from nginx's access log (distinct
# GET paths answered 200 during the run), not from either tool's own report.
#
# ZAP: zap-baseline.py spiders for `-m 1` minute by default (its traditional spider, then waits for the passive
# scan queue); ZAP is not run here (no registry package), so its figure is that budget, stated, not measured.
#
# Fairness (../shared/guides/benchmarks.md): the tools run alternately, RUNS times each, medians quoted; wall time
# and peak RSS from /usr/bin/time. wapiti3 also submits forms and probes random 404 paths (its crawler does, even
# with -m passive); Bulwark does neither. Both speak HTTP/1.1 to nginx here (plain http).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
runs=${RUNS:-3}
pages=${PAGES:-500}
venv=${DAST_VENV:-/opt/bulwark-dast-venv}
[ -x "$venv/bin/wapiti" ] || { echo "run bench/install-dast-peers.sh first" >&2; exit 1; }
[ -x /usr/sbin/nginx ] || { echo "needs /usr/sbin/nginx (apt-get install nginx)" >&2; exit 1; }
target=${CARGO_TARGET_DIR:-$root/target}
bw=${BULWARK:-$target/release/bulwark}
[ -n "${BULWARK:-}" ] || (cd "$root" && cargo build --release -q -p bulwark)
tmp=$(mktemp -d)
cleanup() { [ -f "$tmp/nginx.pid" ] && kill -TERM "$(cat "$tmp/nginx.pid")" 2>/dev/null; sleep 0.3; rm -rf "$tmp"; }
trap cleanup EXIT

# The site.
python3 - "$tmp/root" "$pages" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
os.makedirs(root)
name = lambda i: "/" if i == 0 else f"/page-{i}.html"
for i in range(n):
    links = [4 * i + k for k in range(1, 5) if 4 * i + k < n]
    links.append((i * 7 + 3) % max(i, 1))  # one link back up the tree
    body = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Page {i}</title></head><body>",
            f"<h1>Page {i}</h1>", "<ul>"]
    body += [f'<li><a href="{name(j)}">Page {j}</a></li>' for j in links]
    body.append('<li><a href="/">Home</a></li></ul>')
    if i % 3 == 0:
        body.append(f"<!-- note {i}: reviewed -->")
    if i % 5 == 0:
        body.append('<form method="post" action="/submit"><input name="q"><input type="submit"></form>')
    body.append("<p>" + "Lorem ipsum dolor sit amet. " * 20 + "</p></body></html>\n")
    path = os.path.join(root, "index.html" if i == 0 else f"page-{i}.html")
    with open(path, "w") as f:
        f.write("\n".join(body))
PY
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
user_line=""; [ "$(id -u)" = 0 ] && user_line="user nobody nogroup;"
mkdir -p "$tmp/tmp"
cat >"$tmp/nginx.conf" <<CONF
$user_line
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/error.log warn;
events { worker_connections 512; }
http {
    include /etc/nginx/mime.types;
    access_log $tmp/access.log;
    client_body_temp_path $tmp/tmp/body;
    proxy_temp_path $tmp/tmp/proxy;
    fastcgi_temp_path $tmp/tmp/fastcgi;
    uwsgi_temp_path $tmp/tmp/uwsgi;
    scgi_temp_path $tmp/tmp/scgi;
    server {
        listen 127.0.0.1:$port;
        root $tmp/root;
        index index.html;
        location ~ ^/page-[0-9]*[0369]\.html\$ {
            add_header X-Frame-Options DENY;
            add_header X-Content-Type-Options nosniff;
        }
    }
}
CONF
chmod -R a+rX "$tmp"
/usr/sbin/nginx -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/error.log" >"$tmp/nginx.out" 2>&1 &
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port/"

measure() { # name cmd... -> appends "wall_s rss_kb pages" to $tmp/name.times
  local name=$1; shift
  local before; before=$(wc -l <"$tmp/access.log" 2>/dev/null || echo 0)
  /usr/bin/time -f '%e %M' -o "$tmp/t" "$@" >"$tmp/$name.out" 2>&1 || true
  local seen
  seen=$(tail -n +"$((before + 1))" "$tmp/access.log" | awk '$6 == "\"GET" && $9 == 200 {print $7}' | sort -u | wc -l)
  # GNU time writes "Command exited with non-zero status N" first when the tool exits non-zero (bulwark dast
  # exits 2 on WARN, as zap-baseline.py): the figures are its last line.
  echo "$(tail -n 1 "$tmp/t") $seen" >>"$tmp/$name.times"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "site: $pages pages at $url; runs: $runs; cores: $(nproc)"
for i in $(seq "$runs"); do
  measure bulwark "$bw" dast "$url" --max-pages 2000 --max-depth 20 --max-duration 10m -f zap-json -o "$tmp/bw.json"
  rm -rf "$tmp/ws" "$tmp/wc"
  measure wapiti "$venv/bin/wapiti" -u "$url" -m passive --scope folder --flush-session -d 20 \
    --store-session "$tmp/ws" --store-config "$tmp/wc" -f json -o "$tmp/wapiti.json" --no-bugreport -v 0
done
printf '%-22s %10s %12s %12s\n' tool "wall(s)" "maxRSS(MB)" "pages seen"
for t in bulwark wapiti; do
  w=$(cut -d' ' -f1 "$tmp/$t.times" | median); r=$(cut -d' ' -f2 "$tmp/$t.times" | median); p=$(cut -d' ' -f3 "$tmp/$t.times" | median)
  label=$t; [ "$t" = wapiti ] && label="wapiti3 3.3.2 passive"; [ "$t" = bulwark ] && label="bulwark dast"
  printf '%-22s %10s %12s %12s\n' "$label" "$w" "$((${r%.*} / 1024))" "$p"
  eval "${t}_wall=$w"
done
# shellcheck disable=SC2154
awk -v a="$wapiti_wall" -v b="$bulwark_wall" 'BEGIN { printf "ratio (wapiti3 wall / bulwark wall): %.1fx\n", a / b }'
echo "ZAP (zap-baseline.py default): the spider runs for its -m 1 minute budget (60 s) before the passive results."
echo "bulwark dast, last run's output (exit 2 = WARN, as zap-baseline.py):"; tail -3 "$tmp/bulwark.out"
