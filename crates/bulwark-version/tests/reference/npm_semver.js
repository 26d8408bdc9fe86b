#!/usr/bin/env node
// Reference driver for semver/npm ranges: the npm `semver` package (v7).
// The package directory comes from $BULWARK_NPM_SEMVER (default: ./node/node_modules/semver
// beside this file). Reads "cmp<TAB>A<TAB>B" lines (prints -1, 0, 1 or err from
// semver.compare) and "sat<TAB>VERSION<TAB>RANGE" lines (prints err when `new Range` throws,
// else true/false from semver.satisfies).
'use strict'
const path = require('path')
const semver = require(process.env.BULWARK_NPM_SEMVER || path.join(__dirname, 'node', 'node_modules', 'semver'))
const input = require('fs').readFileSync(0, 'utf8').split('\n')
const out = []
for (const line of input) {
  if (!line) continue
  const [kind, a, b] = line.split('\t')
  if (kind === 'cmp') {
    try {
      out.push(String(semver.compare(a, b)))
    } catch (e) {
      out.push('err')
    }
  } else {
    try {
      new semver.Range(b)
    } catch (e) {
      out.push('err')
      continue
    }
    out.push(String(semver.satisfies(a, b)))
  }
}
process.stdout.write(out.join('\n') + '\n')
