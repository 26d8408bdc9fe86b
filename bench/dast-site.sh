#!/usr/bin/env bash
# Sourced by bench/dast-coverage.sh and bench/dast.sh: start and stop the DAST fixture sites
# (crates/bulwark/tests/fixtures/dast-sites/) as our own processes on free 127.0.0.1 ports, as the test
# crates/bulwark/tests/dast_sites.rs does.
#
#   dast_site_start nginx|apache weak|hardened DIR [SITE_SRC]
#       copies SITE_SRC (default: the fixture's site/) to DIR/root (dot-git -> .git, placeholders substituted),
#       makes a self-signed certificate for 127.0.0.1, starts app.py and the server; sets DAST_HTTP, DAST_HTTPS,
#       DAST_CERT. @@TRAP_HOST@@ becomes 127.0.0.2:9 (nothing listens there: a "CDN" nobody may reach).
#   dast_site_stop DIR
# When run as root the servers' workers run as nobody: DIR and its parents must be traversable by others.
dast_fixtures=$(cd "$(dirname "${BASH_SOURCE[0]}")/../crates/bulwark/tests/fixtures/dast-sites" && pwd)

dast_free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

dast_wait_port() { # port pidfile what
  local i
  for i in $(seq 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$(cat "$2")" 2>/dev/null || { echo "$3 exited before listening on $1" >&2; return 1; }
    sleep 0.1
  done
  echo "$3 did not listen on $1" >&2; return 1
}

dast_site_start() {
  local server=$1 kind=$2 dir=$3 src=${4:-$dast_fixtures/site} user_line=""
  mkdir -p "$dir/tmp"
  DAST_HTTP=$(dast_free_port); DAST_HTTPS=$(dast_free_port); local app_port; app_port=$(dast_free_port)
  cp -r "$src" "$dir/root"
  [ -d "$dir/root/dot-git" ] && mv "$dir/root/dot-git" "$dir/root/.git"
  find "$dir/root" -type f \( -name '*.html' -o -name '*.txt' -o -name '*.xml' \) -exec \
    sed -i "s#@@ORIGIN@@#http://127.0.0.1:$DAST_HTTP#g; s#@@TRAP_HOST@@#127.0.0.2:9#g" {} +
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/key.pem" -out "$dir/cert.pem" -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -addext basicConstraints=critical,CA:FALSE 2>/dev/null
  DAST_CERT=$dir/cert.pem
  if [ "$(id -u)" = 0 ]; then
    if [ "$server" = nginx ]; then user_line="user nobody nogroup;"; else user_line=$'User nobody\nGroup nogroup'; fi
  fi
  USER_LINE=$user_line PREFIX=$dir ROOT=$dir/root HTTP_PORT=$DAST_HTTP HTTPS_PORT=$DAST_HTTPS APP_PORT=$app_port \
    CERT=$dir/cert.pem KEY=$dir/key.pem python3 - "$dast_fixtures/$server-$kind.conf" "$dir/server.conf" <<'PY'
import os, sys
s = open(sys.argv[1]).read()
for k in ("USER_LINE", "PREFIX", "ROOT", "HTTP_PORT", "HTTPS_PORT", "APP_PORT", "CERT", "KEY"):
    s = s.replace("@@" + k + "@@", os.environ[k])
open(sys.argv[2], "w").write(s)
PY
  chmod -R a+rX "$dir"
  python3 "$dast_fixtures/app.py" "$app_port" >"$dir/app.out" 2>&1 &
  echo $! >"$dir/app.pid"
  dast_wait_port "$app_port" "$dir/app.pid" app.py || return 1
  if [ "$server" = nginx ]; then
    /usr/sbin/nginx -p "$dir" -c "$dir/server.conf" -e "$dir/error.log" >"$dir/server.out" 2>&1 &
  else
    /usr/sbin/apache2 -f "$dir/server.conf" -DFOREGROUND >"$dir/server.out" 2>&1 &
  fi
  echo $! >"$dir/server.pid"
  dast_wait_port "$DAST_HTTP" "$dir/server.pid" "$server" && dast_wait_port "$DAST_HTTPS" "$dir/server.pid" "$server"
}

dast_site_stop() {
  local dir=$1 f
  for f in "$dir/server.pid" "$dir/app.pid"; do
    [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null || true
  done
  sleep 0.3
}
