#!/bin/sh
# Runs a program as the Kubernetes Deployment's pod would: a root file system that is read-only,
# holding the system's programs and libraries, the program under /opt/nightshift and nothing of
# the build machine's (the Swift toolchain included); the config mounted read-only where the
# Deployment mounts its ConfigMap; an empty writable folder for each emptyDir volume; and an
# unprivileged user. Needs root (it makes a mount namespace of its own; the host sees nothing).
#
#   pod.sh UID GID PACKAGE_DIR CONFIG_DIR CONFIG_MOUNT "EMPTYDIR_MOUNTS" PROGRAM ARGS...
#
# EMPTYDIR_MOUNTS is a space-separated list of paths (empty for none).
set -eu
uid=$1 gid=$2 package=$3 config=$4 config_mount=$5 empty_dirs=$6
shift 6
exec unshare --mount --propagation private /bin/sh -s "$uid" "$gid" "$package" "$config" "$config_mount" "$empty_dirs" "$@" <<'POD'
set -eu
uid=$1 gid=$2 package=$3 config=$4 config_mount=$5 empty_dirs=$6
shift 6
# Beside the package, in the test's folder, which the test removes.
root=$(dirname "$package")/pod-root
mkdir -p "$root"
mount -t tmpfs pod-root "$root"
# The image's system: Debian's programs and libraries (merged /usr), read-only.
mkdir -p "$root/usr" "$root/etc" "$root/dev" "$root/proc" "$root/tmp" "$root/opt/nightshift" "$root/var/lib/nightshift"
for link in bin sbin lib lib64; do [ -L "/$link" ] && ln -s "usr/$link" "$root/$link"; done
mount --bind /usr "$root/usr"
mount -o remount,bind,ro "$root/usr"
# /etc as the image has it (certificates, zones, users), with the ConfigMap's folder inside it.
cp -a /etc/. "$root/etc/" 2>/dev/null || true
rm -rf "$root$config_mount"
mkdir -p "$root$config_mount"
mount --bind "$config" "$root$config_mount"
mount -o remount,bind,ro "$root$config_mount"
mount --rbind /dev "$root/dev"
mount -t proc proc "$root/proc"
mount --bind "$package" "$root/opt/nightshift"
mount -o remount,bind,ro "$root/opt/nightshift"
for dir in $empty_dirs; do
  mkdir -p "$root$dir"
  mount -t tmpfs -o mode=1777 empty-dir "$root$dir"
done
# readOnlyRootFilesystem: true
mount -o remount,ro "$root"
# A pod's environment is the Deployment's: no TMPDIR of the machine the test runs on.
unset TMPDIR
cd "$root"
exec chroot "$root" /usr/bin/setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs \
  /bin/sh -c 'cd /var/lib/nightshift && exec "$@"' pod "$@"
POD
