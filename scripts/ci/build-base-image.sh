#!/usr/bin/env bash
# shellcheck disable=SC2016 # dpkg-query formats like '${Package}' are dpkg's, not the shell's
# Builds the CI base image (default mlready-ci-base:bookworm) without any image registry or PyPI:
# debootstrap a minimal Debian root with Debian's python3, numpy and scikit-learn, then
# `docker import` it. Generated Dockerfiles are pointed at it with --base-image in the tests.
#
#   scripts/ci/build-base-image.sh [--image NAME] [--mirror URL] [--force] [--refresh]
#
# Idempotent: when the image exists and was built from the same recipe (its label
# mlready.ci.base.key), nothing is done. The root file system is kept as a tarball under
# ${XDG_CACHE_HOME:-~/.cache}/mlready-ci/, keyed by the recipe (suite, architecture, packages), so
# re-creating a deleted image is an import, not a debootstrap. Runs as root (debootstrap chroots).
set -euo pipefail

# ---------------------------------------------------------------- the recipe
SUITE=bookworm
VARIANT=minbase
# Debian packages on top of minbase; debootstrap adds their Depends (not Recommends).
PACKAGES=(ca-certificates python3 python3-numpy python3-sklearn python3-venv python-is-python3)
# Bump when the steps that shape the root file system below change: it changes the cache key.
RECIPE_VERSION=1
IMAGE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
FALLBACK_MIRROR=http://deb.debian.org/debian

IMAGE=${MLREADY_CI_BASE_IMAGE:-mlready-ci-base:$SUITE}
MIRROR=${MLREADY_CI_MIRROR:-}
APT_ETC=${MLREADY_CI_APT_ETC:-/etc/apt}
CACHE_ROOT=${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/mlready-ci
DOCKER=${DOCKER:-docker}
FORCE=0
REFRESH=0
PRINT_CONFIG=0

usage() {
  cat <<EOF
Usage: $0 [options]

Builds the Docker image $IMAGE from a debootstrap'ed Debian $SUITE ($VARIANT) with:
  ${PACKAGES[*]}

Options:
  --image NAME     image name (default: \$MLREADY_CI_BASE_IMAGE or mlready-ci-base:$SUITE)
  --mirror URL     Debian mirror (default: \$MLREADY_CI_MIRROR, else the first apt source for
                   '$SUITE' in $APT_ETC/sources.list{,.d/*.list,.d/*.sources}, else $FALLBACK_MIRROR)
  --force          re-import the image even if it is up to date (from the cached root if there is one)
  --refresh        ignore the cached root file system: debootstrap again (implies --force)
  --print-config   print what would be used (image, mirror, key, cache) and exit
  -h, --help       this help

Environment: DOCKER (client, default docker), XDG_CACHE_HOME (cache: $CACHE_ROOT),
MLREADY_CI_APT_ETC (where apt's sources are read from, default /etc/apt).
EOF
}

log() { printf '[build-base-image] %s\n' "$*" >&2; }
die() { printf '[build-base-image] error: %s\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --image) [ $# -ge 2 ] || die "--image needs a value"; IMAGE=$2; shift 2 ;;
    --image=*) IMAGE=${1#--image=}; shift ;;
    --mirror) [ $# -ge 2 ] || die "--mirror needs a value"; MIRROR=$2; shift 2 ;;
    --mirror=*) MIRROR=${1#--mirror=}; shift ;;
    --force) FORCE=1; shift ;;
    --refresh) REFRESH=1; FORCE=1; shift ;;
    --print-config) PRINT_CONFIG=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
[ -n "$IMAGE" ] || die "the image name is empty"

# ---------------------------------------------------------------- the mirror apt uses
# Prints the first URI of an enabled `deb` source that offers $SUITE, from one-line *.list files
# and deb822 *.sources files, in apt's order (sources.list, then sources.list.d/ sorted).
mirror_from_apt() {
  local f uri
  local files=()
  [ -f "$APT_ETC/sources.list" ] && files+=("$APT_ETC/sources.list")
  for f in "$APT_ETC"/sources.list.d/*; do # a glob is sorted, as apt reads them
    case "$f" in *.list|*.sources) [ -f "$f" ] && files+=("$f") ;; esac
  done
  for f in ${files[@]+"${files[@]}"}; do
    case "$f" in
      *.sources) uri=$(deb822_uri "$f") ;;
      *) uri=$(one_line_uri "$f") ;;
    esac
    if [ -n "$uri" ]; then
      printf '%s\n' "$uri"
      return 0
    fi
  done
}

# deb822 (*.sources): blank-line separated stanzas; fields may continue on indented lines.
deb822_uri() {
  awk -v suite="$SUITE" '
    function flush(   ns, nu, i, s, u) {
      if (!found && types ~ /(^| )deb( |$)/ && enabled !~ /^(no|false|0)$/) {
        ns = split(suites, s, " "); nu = split(uris, u, " ")
        for (i = 1; i <= ns; i++) if (s[i] == suite && nu > 0) { print u[1]; found = 1; break }
      }
      types = ""; suites = ""; uris = ""; enabled = ""; field = ""
    }
    /^[ \t]*#/ { next }
    /^[ \t]*$/ { flush(); next }
    /^[ \t]/ {
      v = $0; gsub(/^[ \t]+|[ \t]+$/, "", v)
      if (field == "uris") uris = uris " " v; else if (field == "suites") suites = suites " " v; else if (field == "types") types = types " " v
      next
    }
    {
      c = index($0, ":"); if (c == 0) next
      field = tolower(substr($0, 1, c - 1)); value = substr($0, c + 1)
      gsub(/^[ \t]+|[ \t]+$/, "", value); gsub(/[ \t]+/, " ", value)
      if (field == "types") types = value
      else if (field == "suites") suites = value
      else if (field == "uris") uris = value
      else if (field == "enabled") enabled = tolower(value)
    }
    END { flush() }
  ' "$1"
}

# One-line format (*.list): deb [options] URI suite component...
one_line_uri() {
  awk -v suite="$SUITE" '
    { sub(/#.*/, "") }
    !found && $1 == "deb" {
      i = 2
      if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
      if ($(i + 1) == suite) { print $i; found = 1 }
    }
  ' "$1"
}

if [ -z "$MIRROR" ]; then
  MIRROR=$(mirror_from_apt || true)
  case "$MIRROR" in
    http://*|https://*|file:/*) MIRROR_SOURCE="apt sources in $APT_ETC" ;;
    *) MIRROR=$FALLBACK_MIRROR; MIRROR_SOURCE="fallback (no usable apt source for $SUITE in $APT_ETC)" ;;
  esac
else
  MIRROR_SOURCE="--mirror / MLREADY_CI_MIRROR"
fi
MIRROR=${MIRROR%/}

# An HTTP proxy apt is configured with applies to debootstrap's wget too.
if [ -z "${http_proxy:-}" ] && command -v apt-config >/dev/null 2>&1; then
  APT_PROXY=$(apt-config dump Acquire::http::Proxy 2>/dev/null | sed -n 's/^Acquire::http::Proxy "\(.*\)";$/\1/p' | head -n1)
  case "$APT_PROXY" in http://*|https://*) export http_proxy=$APT_PROXY ;; esac
fi

# ---------------------------------------------------------------- the cache key
ARCH=$(dpkg --print-architecture 2>/dev/null || uname -m)
case "$ARCH" in x86_64) ARCH=amd64 ;; aarch64) ARCH=arm64 ;; esac
SORTED_PACKAGES=$(printf '%s\n' "${PACKAGES[@]}" | sort -u | paste -sd, -)
KEY=$(printf 'recipe=%s suite=%s variant=%s arch=%s packages=%s\n' "$RECIPE_VERSION" "$SUITE" "$VARIANT" "$ARCH" "$SORTED_PACKAGES" | sha256sum | cut -c1-16)
TARBALL=$CACHE_ROOT/rootfs-$SUITE-$ARCH-$KEY.tar

if [ "$PRINT_CONFIG" = 1 ]; then
  printf 'image=%s\nsuite=%s\nvariant=%s\narch=%s\nmirror=%s\nmirror_source=%s\npackages=%s\nkey=%s\ncache=%s\n' \
    "$IMAGE" "$SUITE" "$VARIANT" "$ARCH" "$MIRROR" "$MIRROR_SOURCE" "$SORTED_PACKAGES" "$KEY" "$TARBALL"
  exit 0
fi

# ---------------------------------------------------------------- preconditions
command -v "$DOCKER" >/dev/null 2>&1 || die "docker client '$DOCKER' not found (set DOCKER=...)"
"$DOCKER" version --format '{{.Server.Version}}' >/dev/null 2>&1 ||
  die "cannot reach the Docker engine with '$DOCKER' (is dockerd running? DOCKER_HOST=${DOCKER_HOST:-unset})"

image_key() { "$DOCKER" image inspect --format '{{ index .Config.Labels "mlready.ci.base.key" }}' "$IMAGE" 2>/dev/null || true; }

up_to_date() {
  local have
  have=$(image_key)
  [ "$have" = "$KEY" ]
}

if [ "$FORCE" = 0 ] && up_to_date; then
  log "$IMAGE is up to date (recipe key $KEY); nothing to do (--force to re-import)"
  exit 0
fi

mkdir -p "$CACHE_ROOT"
# One build at a time per cache (CI jobs or test workers that start together).
exec 9>"$CACHE_ROOT/.lock"
if command -v flock >/dev/null 2>&1; then
  if ! flock -n 9; then
    log "another build holds $CACHE_ROOT/.lock; waiting"
    flock -w 1800 9 || die "gave up waiting for $CACHE_ROOT/.lock"
    if [ "$FORCE" = 0 ] && up_to_date; then
      log "$IMAGE was built meanwhile (recipe key $KEY); nothing to do"
      exit 0
    fi
  fi
fi

started=$(date +%s)

# ---------------------------------------------------------------- debootstrap (when not cached)
WORK=""
cleanup() {
  local rc=$?
  if [ -n "$WORK" ] && [ -d "$WORK" ]; then
    # debootstrap mounts proc/sys inside the target; never rm -rf through a mount.
    local m
    awk -v root="$WORK/" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r | while IFS= read -r m; do
      umount -l "$m" 2>/dev/null || true
    done
    if awk -v root="$WORK/" 'index($2, root) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
      log "warning: something is still mounted under $WORK; leaving it in place"
    else
      rm -rf --one-file-system "$WORK"
    fi
  fi
  rm -f "$TARBALL.tmp.$$"
  return $rc
}
CHILD=""
# bash runs traps only between foreground commands: debootstrap runs in the background and is
# waited for, so that a signal stops it (and cleans up) at once.
# debootstrap runs in its own session (setsid), so its whole process group (wget, dpkg in the chroot) is stopped.
on_signal() {
  log "interrupted; stopping and cleaning up"
  if [ -n "$CHILD" ]; then
    kill -TERM -- "-$CHILD" 2>/dev/null || kill -TERM "$CHILD" 2>/dev/null || true
    wait "$CHILD" 2>/dev/null || true
    local i
    for i in $(seq 1 50); do
      kill -0 -- "-$CHILD" 2>/dev/null || break
      sleep 0.1
    done
  fi
  exit "$1"
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

if [ "$REFRESH" = 1 ] || [ ! -s "$TARBALL" ]; then
  [ "$(id -u)" = 0 ] || die "debootstrap needs root (it chroots); run as root or with sudo"
  DEBOOTSTRAP=$(command -v debootstrap 2>/dev/null || echo /usr/sbin/debootstrap)
  [ -x "$DEBOOTSTRAP" ] || die "debootstrap is not installed (apt-get install -y debootstrap)"
  [ -e "/usr/share/debootstrap/scripts/$SUITE" ] || die "this debootstrap does not know '$SUITE' (upgrade debootstrap)"
  KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
  keyring_args=()
  if [ -f "$KEYRING" ]; then
    keyring_args=(--keyring="$KEYRING")
  else
    log "warning: $KEYRING is missing; the Release file is not verified (apt-get install debian-archive-keyring)"
    keyring_args=(--no-check-gpg)
  fi

  WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/mlready-ci-rootfs.XXXXXX")
  ROOT=$WORK/root
  LOG=$CACHE_ROOT/debootstrap.log
  log "debootstrap $SUITE ($VARIANT, $ARCH) from $MIRROR [$MIRROR_SOURCE]; log: $LOG"
  setsid "$DEBOOTSTRAP" --variant="$VARIANT" --arch="$ARCH" --components=main \
    --include="$(IFS=,; echo "${PACKAGES[*]}")" "${keyring_args[@]}" \
    "$SUITE" "$ROOT" "$MIRROR" >"$LOG" 2>&1 &
  CHILD=$!
  if ! wait "$CHILD"; then
    tail -n 25 "$LOG" >&2
    [ -f "$ROOT/debootstrap/debootstrap.log" ] && { log "from $ROOT/debootstrap/debootstrap.log:"; tail -n 25 "$ROOT/debootstrap/debootstrap.log" >&2; }
    die "debootstrap of $SUITE from $MIRROR failed (full log: $LOG)"
  fi
  CHILD=""

  # Debian's python3-scipy Depends on python3-pythran, a build-time Python-to-C++ compiler that
  # scipy never imports at run time; it drags in g++, boost and the Python headers (~500 MB of the
  # ~850 MB). Replace it with an empty package versioned just below the real one (versioned
  # Depends/Breaks on pythran stay satisfied; installing the real one still works), then let apt
  # remove what nothing else needs. dpkg's database stays consistent.
  pythran_version=$(chroot "$ROOT" dpkg-query -W -f='${Version}' python3-pythran 2>/dev/null || true)
  [ -n "$pythran_version" ] || die "expected python3-pythran in the new root (python3-scipy's dependency); has Debian changed it?"
  mkdir -p "$ROOT/tmp/pythran-stub/DEBIAN"
  cat >"$ROOT/tmp/pythran-stub/DEBIAN/control" <<CONTROL
Package: python3-pythran
Version: ${pythran_version}~mlready1
Architecture: all
Section: python
Priority: optional
Maintainer: mlready CI <ci@mlready.invalid>
Description: empty stand-in for pythran (mlready CI base image)
 scipy depends on pythran only to be built; this image never compiles scipy.
 Installing the real python3-pythran replaces this package.
CONTROL
  chroot "$ROOT" dpkg-deb --build /tmp/pythran-stub /tmp/pythran-stub.deb >/dev/null
  chroot "$ROOT" dpkg --install /tmp/pythran-stub.deb >>"$LOG" 2>&1 || { tail -n 20 "$LOG" >&2; die "installing the pythran stub failed"; }
  rm -rf "$ROOT/tmp/pythran-stub" "$ROOT/tmp/pythran-stub.deb"
  # Everything outside the base system and the requested packages becomes "automatically installed".
  mapfile -t auto < <(chroot "$ROOT" dpkg-query -W -f='${Package} ${Priority} ${Essential}\n' |
    awk -v keep=" ${PACKAGES[*]} " '$2 != "required" && $2 != "important" && $3 != "yes" && index(keep, " " $1 " ") == 0 { print $1 }')
  [ ${#auto[@]} -eq 0 ] || chroot "$ROOT" apt-mark auto "${auto[@]}" >/dev/null
  if ! chroot "$ROOT" apt-get -y -q -o APT::AutoRemove::RecommendsImportant=false -o APT::AutoRemove::SuggestsImportant=false \
      autoremove --purge >>"$LOG" 2>&1; then
    tail -n 20 "$LOG" >&2
    die "apt-get autoremove in the new root failed (log: $LOG)"
  fi

  # Smaller and reproducible-ish: no package lists, caches, logs, docs (copyright files stay), or
  # the build host's name and resolver (Docker provides both at run time).
  chroot "$ROOT" /usr/bin/apt-get clean
  rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/*.bin "$ROOT"/var/cache/debconf/*-old \
         "$ROOT"/var/lib/dpkg/*-old "$ROOT"/usr/share/man/* "$ROOT"/usr/share/info/* "$ROOT"/debootstrap
  find "$ROOT"/var/log -type f -delete
  find "$ROOT"/usr/share/doc -mindepth 1 ! -type d ! -name copyright -delete
  find "$ROOT"/usr/share/doc -mindepth 1 -type d -empty -delete
  : >"$ROOT/etc/resolv.conf"
  echo localhost >"$ROOT/etc/hostname"
  # What went in, for humans and tests: /etc/mlready-ci-base.
  {
    printf 'key=%s\nsuite=%s\nvariant=%s\narch=%s\nmirror=%s\npackages=%s\n' "$KEY" "$SUITE" "$VARIANT" "$ARCH" "$MIRROR" "$SORTED_PACKAGES"
    chroot "$ROOT" dpkg-query -W -f='${Package}=${Version}\n' "${PACKAGES[@]}" python3.11 python3-scipy python3-joblib 2>/dev/null || true
  } >"$ROOT/etc/mlready-ci-base"

  # Cache the root (device nodes, proc and sys are Docker's business at run time).
  tar -C "$ROOT" --numeric-owner --one-file-system --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
    -cf "$TARBALL.tmp.$$" .
  mv -f "$TARBALL.tmp.$$" "$TARBALL"
  # Older recipes' tarballs are dead weight.
  find "$CACHE_ROOT" -maxdepth 1 -name "rootfs-*.tar" ! -name "$(basename "$TARBALL")" -delete
  rm -rf --one-file-system "$WORK"
  WORK=""
  log "cached the root file system: $TARBALL ($(du -h "$TARBALL" | cut -f1))"
else
  log "using the cached root file system $TARBALL"
fi

# ---------------------------------------------------------------- import
old_id=$("$DOCKER" image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
log "docker import -> $IMAGE"
new_id=$("$DOCKER" import \
  --change "ENV PATH=$IMAGE_PATH" \
  --change 'ENV LANG=C.UTF-8' \
  --change "LABEL mlready.ci.base.key=$KEY" \
  --change "LABEL mlready.ci.base.suite=$SUITE" \
  --change "LABEL mlready.ci.base.packages=$SORTED_PACKAGES" \
  --change 'CMD ["python3"]' \
  --message "mlready CI base: debootstrap $SUITE $VARIANT + $SORTED_PACKAGES" \
  - "$IMAGE" <"$TARBALL") || die "docker import of $TARBALL failed"
# The image it replaced, if nothing else uses it (best effort; a container may still hold it).
if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
  "$DOCKER" image rm "$old_id" >/dev/null 2>&1 || true
fi
"$DOCKER" run --rm --network none "$IMAGE" python -c 'import sklearn, numpy' ||
  die "$IMAGE was imported but 'python -c \"import sklearn, numpy\"' fails in it"
log "built $IMAGE (${new_id#sha256:}) in $(($(date +%s) - started)) s"
