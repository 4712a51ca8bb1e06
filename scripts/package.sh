#!/usr/bin/env bash
# Packs `nightshift-<version>-linux-<arch>.tar.gz`: the `nightshift` binary with the Swift runtime
# and Foundation linked in (it runs where no Swift toolchain is installed), the example config for
# systemd (deploy/systemd/nightshift.yml),
# the systemd unit and the license. Prints the archive's path.
#
#   scripts/package.sh                   the release build, into ./dist
#   scripts/package.sh --output DIR      somewhere else
#   scripts/package.sh --debug           the debug build: what the test command packs and runs,
#                                        since a release build takes too long for every test run
set -euo pipefail
cd "$(dirname "$0")/.."
configuration=release
output=dist
while [ $# -gt 0 ]; do
  case $1 in
    --debug) configuration=debug ;;
    --output) output=${2:?--output needs a folder}; shift ;;
    *) echo "usage: scripts/package.sh [--debug] [--output DIR]" >&2; exit 2 ;;
  esac
  shift
done

# A build folder of its own: the static build compiles the program's main module differently,
# and sharing `.build` left the next ordinary build unable to link.
scratch=.build/package
swift build -c "$configuration" --scratch-path "$scratch" --product nightshift --static-swift-stdlib >&2
binary="$(swift build -c "$configuration" --scratch-path "$scratch" --show-bin-path)/nightshift"
version=$("$binary" --version)
name="nightshift-$version-linux-$(uname -m)"

stage=$(mktemp -d /tmp/nightshift-package.XXXXXX)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name" "$output"
cp "$binary" "$stage/$name/nightshift"
# Debug symbols stay in a debug package; a release one ships without them (about a third the size).
[ "$configuration" = release ] && strip "$stage/$name/nightshift"
cp deploy/systemd/nightshift.yml "$stage/$name/nightshift.example.yml"
cp deploy/systemd/nightshift.service LICENSE "$stage/$name/"
tar -C "$stage" -czf "$output/$name.tar.gz" "$name"
echo "$(cd "$output" && pwd)/$name.tar.gz"
