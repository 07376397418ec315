#!/usr/bin/env bash
# Prints the path of a step-ca binary (the server, not the `step` CLI), building one when
# none is available. Resolution order:
#   1. $STEP_CA_BIN, when set and executable;
#   2. a `step-ca` on PATH;
#   3. a cached build at ${XDG_CACHE_HOME:-$HOME/.cache}/fedtrust/step-ca/<sha256 of main.go>/step-ca,
#      compiled in GOPATH mode from Debian's step-ca sources (golang-github-smallstep-certificates-dev),
#      which are installed with apt-get when missing.
# Only the path goes to stdout; progress goes to stderr. Safe to run concurrently: builds
# are serialised by a lock and published with an atomic rename, so a cached call is instant.
# The cache path is predictable, so a cached binary is run only when nobody else could have
# put it there: the cache folders and the binary are ours and writable by no one else, and
# every folder above the cache root is ours or root's (others may write only with the sticky bit).
set -euo pipefail

if [ -n "${STEP_CA_BIN:-}" ]; then
  if [ -x "$STEP_CA_BIN" ] && [ -f "$STEP_CA_BIN" ]; then
    printf '%s\n' "$STEP_CA_BIN"
    exit 0
  fi
  echo "provision-step-ca: STEP_CA_BIN=$STEP_CA_BIN is not an executable file" >&2
  exit 1
fi

if on_path="$(command -v step-ca 2>/dev/null)"; then
  printf '%s\n' "$on_path"
  exit 0
fi

# The whole server is step-ca's own `start` command; wrapping it in a ten-line main lets us
# build from the Debian sources without the upstream module graph.
main_go='package main

import (
	"os"

	"github.com/smallstep/certificates/commands"
	"github.com/urfave/cli"
)

func main() {
	app := cli.NewApp()
	app.Name = "step-ca"
	app.Usage = "fedtrust build of the step-ca server"
	app.Action = commands.AppCommand.Action
	app.Flags = commands.AppCommand.Flags
	if err := app.Run(os.Args); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
}
'

hash="$(printf '%s' "$main_go" | sha256sum | cut -c1-16)"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}"
cache_dir="$cache_root/fedtrust/step-ca/$hash"
binary="$cache_dir/step-ca"
uid="$(id -u)"

refuse() {
  echo "provision-step-ca: $1; refusing the cache $cache_root/fedtrust (fix or remove it, or set STEP_CA_BIN)" >&2
  exit 1
}

# Ours, not a symbolic link, writable by no one else.
check_private() {
  local owner mode
  if [ -L "$1" ]; then refuse "$1 is a symbolic link"; fi
  read -r owner mode <<<"$(stat -c '%u %a' -- "$1")"
  if [ "$owner" != "$uid" ]; then refuse "$1 belongs to uid $owner"; fi
  if ((8#$mode & 8#022)); then refuse "$1 is writable by other users"; fi
}

# From the cache root up to /: ours or root's, and writable by others only with the sticky bit.
check_ancestors() {
  local path owner mode
  path="$(realpath -- "$1")"
  while :; do
    read -r owner mode <<<"$(stat -c '%u %a' -- "$path")"
    if [ "$owner" != "$uid" ] && [ "$owner" != 0 ]; then refuse "$path belongs to uid $owner"; fi
    if ((8#$mode & 8#022)) && ! ((8#$mode & 8#1000)); then refuse "$path is writable by other users"; fi
    if [ "$path" = / ]; then break; fi
    path="$(dirname -- "$path")"
  done
}

check_cache() {
  local path
  check_ancestors "$cache_root"
  for path in "$cache_root/fedtrust" "$cache_root/fedtrust/step-ca" "$cache_dir"; do
    if [ -e "$path" ] || [ -L "$path" ]; then check_private "$path"; fi
  done
  if [ -e "$binary" ] || [ -L "$binary" ]; then check_private "$binary"; fi
}

umask 077
mkdir -p "$cache_root"
check_cache
if [ -f "$binary" ] && [ -x "$binary" ]; then
  printf '%s\n' "$binary"
  exit 0
fi

mkdir -p "$cache_dir"
check_cache
exec 9>"$cache_dir/.lock"
flock 9
# Another process may have finished the build while we waited for the lock.
check_cache
if [ -f "$binary" ] && [ -x "$binary" ]; then
  printf '%s\n' "$binary"
  exit 0
fi

gocode=/usr/share/gocode
sources="$gocode/src/github.com/smallstep/certificates/commands"
if ! command -v go >/dev/null 2>&1 || [ ! -d "$sources" ]; then
  echo "provision-step-ca: installing golang-go and golang-github-smallstep-certificates-dev" >&2
  sudo=''
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo='sudo'
    else
      echo "provision-step-ca: need root (or sudo) to apt-get install the step-ca sources; or set STEP_CA_BIN" >&2
      exit 1
    fi
  fi
  $sudo apt-get update >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends \
    golang-go golang-github-smallstep-certificates-dev >&2
fi

work="$(mktemp -d "$cache_dir/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/gopath/src/fedtrust-step-ca"
printf '%s' "$main_go" >"$work/gopath/src/fedtrust-step-ca/main.go"

echo "provision-step-ca: building step-ca into $cache_dir (about a minute, once)" >&2
(
  cd "$work/gopath/src/fedtrust-step-ca"
  GO111MODULE=off GOFLAGS='' GOPATH="$work/gopath:$gocode" \
    GOCACHE="${GOCACHE:-$cache_root/fedtrust/go-build}" \
    go build -trimpath -o "$work/step-ca" . >&2
)
mv -f "$work/step-ca" "$binary"
printf '%s\n' "$binary"
