#!/bin/sh
# share/deps.sh - install the Debian 12 packages sam needs.
#
#   share/deps.sh            install what is missing to build and run
#                            (as root, or through sudo)
#   share/deps.sh --test     also what the tests need (make check)
#   share/deps.sh --bench    also what bench/ compares against
#   share/deps.sh --check    exit 1 and name what is missing; install nothing
#   share/deps.sh --list     print the package names
set -eu

# To build: compiler, make, pkg-config and the libraries.
BUILD="gcc clang make pkg-config libc6-dev libgsl-dev libcsv-dev libcurl4-openssl-dev libcjson-dev
libmicrohttpd-dev"
# To run: jq turns the tools' NDJSON into reports.
RUN="jq ca-certificates"
# To test: bats with its helpers, the man page linter, shellcheck, bc
# (exact reference values), python3 for the loopback HTTP server, curl,
# nginx to serve the site with share/nginx/sam.conf, chromium to render
# it (Debian starts nginx's own service when it installs it: see the end),
# libFuzzer for the fuzz harnesses (clang only recommends it), and
# Prometheus, its node_exporter and Alertmanager (promtool checks the
# rules; the tests start their own on loopback), systemd-analyze for
# the unit's hardening; GNU parallel to shard by ticker (SAM_JOBS), and
# sshd, ssh and rsync for its shards on other hosts (sshd on loopback,
# rsync for --basefile); bash-completion and zsh to ask the completions;
# build-essential, debhelper and lintian to build the Debian package
# (debian/control's Build-Depends are in BUILD and here) and check it.
TEST="bats bats-assert bats-support mandoc shellcheck bc python3 curl nginx chromium
libclang-rt-14-dev prometheus prometheus-node-exporter prometheus-alertmanager systemd
parallel openssh-server openssh-client rsync bash-completion zsh build-essential debhelper lintian"
# To benchmark: the tools people use instead, and the JSON libraries
# measured against the one sam uses; node and npm for DuckDB's package
# (bench/README.md: Debian's npm, unless nodejs brings its own), GNU
# parallel for all cores.
BENCH="python3-pandas time hyperfine libjansson-dev curl nodejs parallel"

mode=install
packages="$BUILD $RUN"
for arg in "$@"; do
	case $arg in
	--check) mode=check ;;
	--list) mode=list ;;
	--test) packages="$packages $TEST" ;;
	--bench) packages="$packages $BENCH" ;;
	*) echo "usage: share/deps.sh [--check | --list] [--test] [--bench]" >&2; exit 2 ;;
	esac
done

if [ "$mode" = list ]; then
	printf '%s\n' $packages
	exit 0
fi

missing=
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$mode" = check ]; then
	echo "sam: missing Debian packages:$missing" >&2
	exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
	sudo=
elif command -v sudo >/dev/null 2>&1; then
	sudo=sudo
else
	echo "sam: missing Debian packages:$missing" >&2
	echo "sam: as root, run: apt-get install$missing" >&2
	exit 1
fi
echo "sam: installing$missing" >&2
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086 # one word per package
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing

# The servers the tests need start a service of their own when Debian
# installs them, listening beyond loopback (sshd on port 22, nginx on
# 80, Prometheus on 9090 ...).  The tests start their own on loopback;
# the ones this script just installed are stopped and not started at
# boot.  A server that was installed before is left as it was.
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
	for p in $missing; do
		case $p in
		openssh-server) unit=ssh ;;
		nginx | prometheus | prometheus-node-exporter | prometheus-alertmanager) unit=$p ;;
		*) continue ;;
		esac
		$sudo systemctl disable --now "$unit.service" >/dev/null 2>&1 || true
		case $unit in ssh) $sudo systemctl disable --now ssh.socket >/dev/null 2>&1 || true ;; esac
	done
fi
