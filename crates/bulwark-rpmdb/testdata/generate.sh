#!/bin/sh
# Regenerates the rpm ground-truth files in this directory from the shared fixtures,
# using Debian bookworm's real rpm 4.18.0 (apt-get install -y rpm).
# rpm writes lock/index files next to the database, so it works on a scratch copy.
set -eu
FIX=${FIX:-$(cd "$(dirname "$0")/../../../../shared/fixtures/rpmdb" && pwd)}
OUT=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cp -r "$FIX/cbl-mariner-2.0" "$TMP/mariner"
cp -r "$FIX/libuuid" "$TMP/libuuid"
chmod -R u+w "$TMP"
QF='%{NAME}\t%{EPOCHNUM}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\t%{LICENSE}\t%{VENDOR}\t%{MODULARITYLABEL}\t%{SIZE}\n'
# Number of installed files per package, as `rpm -ql` would list them.
FQF='%{NAME}\t%{ARCH}\t[%{FILENAMES}\t]\n'

# SQLite backend (rpm's default backend on Debian).
rpm -qa --dbpath "$TMP/mariner" --qf "$QF" > "$OUT/cbl-mariner-2.0.qa.tsv"
rpm -qa --dbpath "$TMP/mariner" --qf "$FQF" | awk -F'\t' '{print $1 "\t" $2 "\t" (NF-3)}' > "$OUT/cbl-mariner-2.0.filecount.tsv"
rpm -ql --dbpath "$TMP/mariner" bash > "$OUT/cbl-mariner-2.0.bash.ql"

# BerkeleyDB backend: Debian's rpm ships the read-only `bdb_ro` backend.
rpm -qa --dbpath "$TMP/libuuid" --define '_db_backend bdb_ro' --qf "$QF" 2>/dev/null > "$OUT/libuuid.qa.tsv"
# The fixture has only the Packages file (no Name index), so `rpm -ql libuuid` cannot
# find the package by name; list the files of every package instead (there is one).
rpm -qa --dbpath "$TMP/libuuid" --define '_db_backend bdb_ro' --qf '[%{FILENAMES}\n]' 2>/dev/null > "$OUT/libuuid.ql"

# NDB: Debian's rpm has no NDB backend (`rpm --showrc`: "available backends: sqlite bdb_ro
# dummy"), so export the headers with an independent Python reader (ndb_export.py, not our
# Rust code), import them into a fresh SQLite rpmdb with rpm itself, and query that.
mkdir "$TMP/sle"
python3 "$OUT/ndb_export.py" "$FIX/sle15-bci/Packages.db" > "$TMP/sle.export"
rpmdb --dbpath "$TMP/sle" --importdb < "$TMP/sle.export"
rpm -qa --dbpath "$TMP/sle" --qf "$QF" > "$OUT/sle15-bci.qa.tsv"
rpm -qa --dbpath "$TMP/sle" --qf "$FQF" | awk -F'\t' '{print $1 "\t" $2 "\t" (NF-3)}' > "$OUT/sle15-bci.filecount.tsv"
rpm -ql --dbpath "$TMP/sle" bash > "$OUT/sle15-bci.bash.ql"
