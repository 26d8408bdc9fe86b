#!/usr/bin/env ruby
# Reference driver for RubyGems: Gem::Version from Debian's ruby.
# Reads "A<TAB>B" lines and prints -1, 0, 1, or err when either is malformed.
require 'rubygems'

out = []
$stdin.each_line do |line|
  a, b = line.chomp("\n").split("\t", 2)
  begin
    out << (Gem::Version.new(a) <=> Gem::Version.new(b)).to_s
  rescue ArgumentError
    out << 'err'
  end
end
$stdout.write(out.join("\n") + "\n")
