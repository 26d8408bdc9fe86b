#!/usr/bin/env bash
# Ruby fixtures: installed gemspecs from Debian bookworm's ruby-* packages (rubygems-integration layout),
# and truth from RubyGems itself (Gem::Specification.load).
#   apt-get install -y ruby ruby-net-telnet ruby-webrick ruby-xmlrpc rake
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/specifications"
cp /usr/share/rubygems-integration/all/specifications/{net-telnet-0.2.0,webrick-1.8.1,xmlrpc-0.3.2,rake-13.0.6}.gemspec "$here/specifications/"
ruby -e 'Dir[ARGV[0] + "/*.gemspec"].sort.each { |f| s = Gem::Specification.load(f); puts [File.basename(f), s.name, s.version.to_s, s.licenses.join(",")].join("\t") }' \
  "$here/specifications" > "$here/gemspec.truth.tsv"

# Gemfile.lock from Debian's bundler (apt-get install ruby-bundler; 2.3.27), offline: `bundle lock --local`
# resolves from the gems Debian installed. Truth: `bundle list`.
mkdir -p "$here/bundle"
printf 'source "https://rubygems.org"\ngem "rake", "13.0.6"\ngem "webrick", "1.8.1"\ngroup :development do\n  gem "net-telnet"\nend\n' > "$here/bundle/Gemfile"
(cd "$here/bundle" && rm -f Gemfile.lock && bundle lock --local >/dev/null && bundle list > bundle-list.truth.txt)
