#!/bin/sh
# Regenerates the rpm ground-truth files in this directory from the shared fixtures,
# using Debian bookworm's real rpm 4.18.0 (apt-get install -y rpm).
# rpm writes lock/index files next to the database, so it works on a scratch copy.
set -eu
# db5.3_load refuses to overwrite; start from scratch.
rm -f "$(dirname "$0")"/bdb-*.Packages
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

# Multi-package BerkeleyDB files in both byte orders (the shared fixture has one package, little-endian).
# Built by Berkeley DB's own db5.3_load (apt-get install -y db5.3-util) from the 16 smallest mariner
# headers; then rpm's bdb_ro backend is the truth, as above. The big-endian one uses 512-byte pages and
# fill factor 1, which spreads 17 keys over 15 buckets and several hash split points.
M="$FIX/cbl-mariner-2.0/rpmdb.sqlite"
python3 "$OUT/make_bdb.py" "$M" 16 little | db5.3_load -c db_lorder=1234 "$OUT/bdb-le-4096.Packages"
python3 "$OUT/make_bdb.py" "$M" 16 big |
    db5.3_load -c db_lorder=4321 -c db_pagesize=512 -c h_ffactor=1 "$OUT/bdb-be-512.Packages"
for db in bdb-le-4096 bdb-be-512; do
    mkdir "$TMP/$db"
    cp "$OUT/$db.Packages" "$TMP/$db/Packages"
    rpm -qa --dbpath "$TMP/$db" --define '_db_backend bdb_ro' --qf "$QF" 2>/dev/null > "$OUT/$db.qa.tsv"
    rpm -qa --dbpath "$TMP/$db" --define '_db_backend bdb_ro' --qf "$FQF" 2>/dev/null |
        awk -F'\t' '{print $1 "\t" $2 "\t" (NF-3)}' > "$OUT/$db.filecount.tsv"
done
