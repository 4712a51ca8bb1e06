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

# In the ordinary build folder: the static build compiles most modules as the ordinary one does,
# so it takes a minute after `swift build` rather than a whole build of its own. It compiles a few
# (the program's, and those that link Foundation's parts) for static linking, and their objects
# would leave the next ordinary build unable to link: once the binary is copied, they are
# removed, and that build compiles them again.
swift build -c "$configuration" --product nightshift --static-swift-stdlib >&2
bin_path=$(swift build -c "$configuration" --show-bin-path)
binary="$bin_path/nightshift"
version=$("$binary" --version)
name="nightshift-$version-linux-$(uname -m)"

stage=$(mktemp -d /tmp/nightshift-package.XXXXXX)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name" "$output"
cp "$binary" "$stage/$name/nightshift"
# Objects and the link-library lists made from them; names may hold spaces ("Block Function.swift.o").
grep -rlZ --include='*.o' --include='*.autolink' -e '-l_FoundationCShims' -e '-l_FoundationCollections' \
  -e '-lCoreFoundation' "$bin_path" | xargs -0 -r rm -f
rm -f "$binary"
# Debug symbols stay in a debug package; a release one ships without them (about a third the size).
[ "$configuration" = release ] && strip "$stage/$name/nightshift"
cp deploy/systemd/nightshift.yml "$stage/$name/nightshift.example.yml"
cp deploy/systemd/nightshift.service LICENSE "$stage/$name/"
tar -C "$stage" -czf "$output/$name.tar.gz" "$name"
echo "$(cd "$output" && pwd)/$name.tar.gz"
