// bulwarkScan: a Jenkins shared-library step that scans an image (or a directory) with Bulwark, archives the
// report, records its JUnit view, and fails the build as the CLI's exit code says.
//
//   bulwarkScan(image: "registry.example/app:${env.GIT_COMMIT}", policy: 'policy/', format: 'sarif')
//   bulwarkScan(path: '.', format: 'gitlab-ds', failOnPolicy: false)
//
// Parameters:
//   image         an image reference, `docker save` archive or OCI layout: `bulwark scan image IMAGE`
//   path          without image, the directory to scan: `bulwark scan fs PATH` (default '.')
//   policy        a policy bundle (what --policy takes); empty: no policy gate
//   format        the archived report's format (any `bulwark -f` format; default 'sarif')
//   output        its file name (default 'bulwark-report.<format>')
//   failOnPolicy  true (default): exit 1 (the policy failed) fails the build; false: marks it UNSTABLE
// Exit 2 (an error: unreadable image, no DB, a bad policy) always fails the build. Returns the exit code.
// `bulwark` must be on the agent's PATH; its DB is BULWARK_DB or the default cache path, as for the CLI, and any
// other flag can be set by its BULWARK_<FLAG> variable (withEnv).
//
// The shell the step runs is the SCRIPT below, between its marker lines, verbatim: a single-quoted Groovy
// string, so Groovy interpolates nothing in it; the step passes its parameters as BULWARK_STEP_* variables.
// The repository's tests run exactly these lines (crates/bulwark/tests/ci_jenkins.rs).

@groovy.transform.Field
static final String SCRIPT = '''#!/bin/sh
# >>> bulwark-step-shell
set +e
if [ -n "${BULWARK_STEP_IMAGE:-}" ]; then
  set -- scan image "$BULWARK_STEP_IMAGE"
else
  set -- scan fs "${BULWARK_STEP_PATH:-.}"
fi
if [ -n "${BULWARK_STEP_POLICY:-}" ]; then
  set -- "$@" --policy "$BULWARK_STEP_POLICY"
fi
rm -f bulwark-report.json
bulwark "$@" -f json -o bulwark-report.json
code=$?
if [ "$code" -gt 1 ] || [ ! -s bulwark-report.json ]; then
  echo "bulwark: the scan failed (exit $code)" >&2
  exit 2
fi
bulwark report convert -f "${BULWARK_STEP_FORMAT:-sarif}" -o "${BULWARK_STEP_OUTPUT:-bulwark-report.sarif}" bulwark-report.json || exit 2
bulwark report convert -f junit -o bulwark-junit.xml bulwark-report.json || exit 2
exit "$code"
# <<< bulwark-step-shell
'''

def call(Map args = [:]) {
    String format = args.format ?: 'sarif'
    String output = args.output ?: "bulwark-report.${format}"
    boolean failOnPolicy = args.containsKey('failOnPolicy') ? (args.failOnPolicy as boolean) : true
    int code = 0
    withEnv([
        "BULWARK_STEP_IMAGE=${args.image ?: ''}",
        "BULWARK_STEP_PATH=${args.path ?: '.'}",
        "BULWARK_STEP_POLICY=${args.policy ?: ''}",
        "BULWARK_STEP_FORMAT=${format}",
        "BULWARK_STEP_OUTPUT=${output}",
    ]) {
        code = sh(script: SCRIPT, returnStatus: true)
    }
    archiveArtifacts(artifacts: "${output},bulwark-report.json,bulwark-junit.xml", allowEmptyArchive: true)
    junit(testResults: 'bulwark-junit.xml', allowEmptyResults: true)
    if (code == 1) {
        if (failOnPolicy) {
            error('bulwark: the policy failed (exit 1); see the archived report')
        }
        unstable('bulwark: the policy failed (exit 1); failOnPolicy is false')
    } else if (code != 0) {
        error("bulwark: the scan could not be completed (exit ${code})")
    }
    return code
}
