#!/usr/bin/env bash
# Java fixtures: small jars copied from Debian bookworm packages, and a war and an ear that nest them.
#   apt-get install -y libslf4j-java libgeronimo-interceptor-3.0-spec-java libatinject-jsr330-api-java \
#     libaopalliance-java zip unzip
# Truth (truth.tsv: archive path, then group:artifact and version) is read with unzip from each jar's
# META-INF/maven/*/*/pom.properties, or, for jars without one, from META-INF/MANIFEST.MF (Bundle-SymbolicName,
# Bundle-Version) or the file name (aopalliance-1.0.jar has neither).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
for j in jul-to-slf4j.jar geronimo-interceptor-3.0-spec.jar atinject-jsr330-api-1.0.jar aopalliance-1.0.jar; do
  cp "/usr/share/java/$j" .
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/war/WEB-INF/lib" "$tmp/ear"
cp jul-to-slf4j.jar aopalliance-1.0.jar "$tmp/war/WEB-INF/lib/"
(cd "$tmp/war" && zip -qr -X "$tmp/ear/app.war" .)
cp geronimo-interceptor-3.0-spec.jar "$tmp/ear/"
rm -f app.ear && (cd "$tmp/ear" && zip -qr -X "$here/app.ear" .)
pom() { # archive-path jar-file
  unzip -p "$2" 'META-INF/maven/*/pom.properties' 2>/dev/null | awk -F= -v f="$1" '
    /^groupId=/{g=$2} /^artifactId=/{a=$2} /^version=/{v=$2} END{if(a!="")print f"\t"g":"a"\t"v}'
}
{
  pom jul-to-slf4j.jar jul-to-slf4j.jar
  pom geronimo-interceptor-3.0-spec.jar geronimo-interceptor-3.0-spec.jar
  unzip -p atinject-jsr330-api-1.0.jar META-INF/MANIFEST.MF | tr -d '\r' | awk -F': ' -v f=atinject-jsr330-api-1.0.jar '
    /^Bundle-SymbolicName/{n=$2} /^Bundle-Version/{v=$2} END{print f"\t"n"\t"v}'
  printf 'aopalliance-1.0.jar\taopalliance\t1.0\n'
  unzip -o -q app.ear -d "$tmp/x" && unzip -o -q "$tmp/x/app.war" -d "$tmp/y"
  pom 'app.ear!/app.war!/WEB-INF/lib/jul-to-slf4j.jar' "$tmp/y/WEB-INF/lib/jul-to-slf4j.jar"
  printf 'app.ear!/app.war!/WEB-INF/lib/aopalliance-1.0.jar\taopalliance\t1.0\n'
  pom 'app.ear!/geronimo-interceptor-3.0-spec.jar' "$tmp/x/geronimo-interceptor-3.0-spec.jar"
} | LC_ALL=C sort > truth.tsv
zipinfo -1 app.ear > app.ear.zipinfo.txt
