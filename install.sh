#!/bin/sh
# install.sh: fetch a verified gosetup binary for this machine and run it.
#
#   curl -fsSL https://github.com/gosetup/gosetup/releases/latest/download/install.sh | sh
#   curl -fsSL .../install.sh | sh -s -- install --yes      # unattended (CI, Docker)
#   sh install.sh -- install 1.22 --proxy auto --yes        # from a saved copy
#
# Everything after "--" goes to gosetup unchanged; with no arguments gosetup
# starts its wizard, which needs a terminal. The binary is unpacked into a
# temporary directory that is removed when this script ends, however it
# ends: nothing stays behind but what gosetup itself installs.
#
# Environment:
#   GOSETUP_DOWNLOAD_URL  base URL of the releases (default: GitHub's). A mirror
#                         serves BASE/download/vX.Y.Z/{checksums.txt,ARCHIVE}
#                         and BASE/latest/download/checksums.txt (the newest
#                         release); the README's "Hosting the releases" has
#                         the layout.
#   GOSETUP_VERSION       a release to fetch, e.g. 1.2.3 (default: the newest).
#
# POSIX sh: runs under dash, bash, busybox ash, zsh's sh mode, and macOS's
# and FreeBSD's /bin/sh. Checked with shellcheck.

set -u

default_url=https://github.com/gosetup/gosetup/releases
base=${GOSETUP_DOWNLOAD_URL:-$default_url}
base=${base%/}
want_version=${GOSETUP_VERSION:-latest}
want_version=${want_version#v}

say() { printf 'gosetup-install: %s\n' "$*" >&2; }
die() {
	printf 'gosetup-install: error: %s\n' "$*" >&2
	exit 1
}

# The temporary directory, removed on every way out. A signal becomes an
# exit with the shell's usual status, which runs the EXIT trap.
tmp=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	if [ -n "$tmp" ]; then
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

[ "${1-}" = "--" ] && shift

# --- what will gosetup be asked to do, and can it ask? ---------------------

has_yes=false
dry_run=false
for arg in "$@"; do
	case $arg in
	-y | -yes | --yes | -yes=true | --yes=true) has_yes=true ;;
	-dry-run | --dry-run | -dry-run=true | --dry-run=true) dry_run=true ;;
	esac
done

# Under "curl ... | sh" stdin is the script itself, not the keyboard; the
# terminal is still reachable as /dev/tty, which is where gosetup asks.
tty_in=
if [ -t 0 ]; then
	tty_in=stdin
elif (: </dev/tty) 2>/dev/null; then
	tty_in=/dev/tty
fi

# Commands that ask before changing anything: the wizard (no arguments),
# install, uninstall and repair. Refuse them before downloading anything when there
# is nobody to ask; every other command runs as given.
asks=false
case ${1-} in
'') asks=true ;;
install | uninstall | repair) [ "$dry_run" = false ] && asks=true ;;
esac
if [ "$asks" = true ] && [ "$has_yes" = false ] && [ -z "$tty_in" ]; then
	if [ $# -eq 0 ]; then
		what="the gosetup wizard needs a terminal"
	else
		what="gosetup $1 asks before it changes anything"
	fi
	die "$what, and there is none here (stdin is not a terminal and /dev/tty cannot be opened), and --yes was not given.
  For an unattended install run:  curl -fsSL URL/install.sh | sh -s -- install --yes
  or, from a saved copy:          sh install.sh -- install --yes"
fi

# --- platform ---------------------------------------------------------------

os=$(uname -s 2>/dev/null) || os=unknown
case $os in
Linux) os=linux ;;
Darwin) os=darwin ;;
FreeBSD) os=freebsd ;;
MINGW* | MSYS* | CYGWIN* | Windows_NT)
	die "this is Windows ($os): run install.ps1 in PowerShell instead:
  irm https://github.com/gosetup/gosetup/releases/latest/download/install.ps1 | iex"
	;;
*)
	die "unsupported operating system '$os': gosetup releases exist for Linux, macOS, Windows and FreeBSD.
  Elsewhere, with Go installed, build it from source: go install github.com/gosetup/gosetup@latest"
	;;
esac

machine=$(uname -m 2>/dev/null) || machine=unknown
case $machine in
x86_64 | amd64) arch=amd64 ;;
aarch64 | arm64) arch=arm64 ;;
i386 | i486 | i586 | i686 | i86pc | x86) arch=386 ;;
# One ARMv6 build serves every 32-bit ARM from v6 up (and arm64 kernels
# running a 32-bit system, which report armv8l).
armv6* | armv7* | armv8l | arm) arch=armv6 ;;
*)
	die "unsupported processor '$machine' on $os: gosetup releases exist for amd64, arm64, 386 and ARMv6+ (32-bit arm).
  Elsewhere, with Go installed, build it from source: go install github.com/gosetup/gosetup@latest"
	;;
esac

# A 64-bit kernel can run a 32-bit system (Raspberry Pi OS, old x86 distros);
# gosetup installs a Go toolchain for its own architecture, and that should
# match the system's C libraries (for cgo), so pick the 32-bit build there.
if [ "$os" = linux ] && [ "$(getconf LONG_BIT 2>/dev/null)" = 32 ]; then
	case $arch in
	amd64) arch=386 ;;
	arm64) arch=armv6 ;;
	esac
fi
# Under Rosetta 2 an Apple silicon Mac reports x86_64; the native build is
# what the user wants (and what gosetup then installs Go for).
if [ "$os" = darwin ] && [ "$arch" = amd64 ] && [ "$(sysctl -n hw.optional.arm64 2>/dev/null)" = 1 ]; then
	arch=arm64
fi

# Linux libc. gosetup is built with CGO_ENABLED=0, a static binary with no
# libc dependency, so one linux archive runs on glibc (Debian, Fedora) and
# musl (Alpine) alike and the choice of archive does not depend on it. It is
# still reported: the Go toolchain gosetup installs is the same for both, but
# cgo on musl needs the distribution's C compiler (apk add build-base), and a
# bug report should say which libc the machine has.
libc=
if [ "$os" = linux ]; then
	libc=unknown
	for f in /lib/ld-musl-* /usr/lib/ld-musl-*; do
		[ -e "$f" ] && libc=musl && break
	done
	if [ "$libc" = unknown ]; then
		ldd_out=$(ldd --version 2>&1) || :
		case $ldd_out in
		*musl*) libc=musl ;;
		*GLIBC* | *"GNU libc"* | *"GNU C Library"*) libc=glibc ;;
		esac
	fi
fi

# --- tools ------------------------------------------------------------------

if command -v curl >/dev/null 2>&1; then
	downloader=curl
elif command -v wget >/dev/null 2>&1; then
	downloader=wget
else
	die "neither curl nor wget is installed, and one is needed to download gosetup.
  Install one (apt-get install curl, apk add curl, dnf install curl, pkg install curl) and run this again."
fi

# fetch URL FILE downloads URL (following redirects) into FILE.
fetch() {
	case $downloader in
	curl) curl --fail --location --silent --show-error --retry 2 --connect-timeout 20 --output "$2" "$1" ;;
	wget) wget -q -O "$2" "$1" ;;
	esac
}

sha256_of() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$1" | awk '{print $1}'
	elif command -v shasum >/dev/null 2>&1; then
		shasum -a 256 "$1" | awk '{print $1}'
	elif command -v sha256 >/dev/null 2>&1; then
		sha256 -q "$1"
	elif command -v openssl >/dev/null 2>&1; then
		openssl dgst -sha256 "$1" | awk '{print $NF}'
	else
		return 2
	fi
}

# is_html FILE: does FILE look like a web page (a login page, a proxy's
# error page, a mirror's index) rather than what was asked for?
is_html() {
	dd if="$1" bs=512 count=1 2>/dev/null | grep -qiE '<(!doctype|html|head|body|title)'
}

html_hint="GOSETUP_DOWNLOAD_URL ($base) must be the release directory itself (BASE/download/vX.Y.Z/ holds the files), not a web page; a proxy or captive portal may also be answering in its place"

# --- download and verify ----------------------------------------------------

umask 077
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gosetup-install.XXXXXX" 2>/dev/null) || {
	tmp=${TMPDIR:-/tmp}/gosetup-install.$$
	mkdir "$tmp" || {
		tmp=
		die "cannot create a temporary directory in ${TMPDIR:-/tmp}: set TMPDIR to a writable directory"
	}
}

if [ "$want_version" = latest ]; then
	sums_url=$base/latest/download/checksums.txt
else
	sums_url=$base/download/v$want_version/checksums.txt
fi
fetch "$sums_url" "$tmp/checksums.txt" ||
	die "could not download $sums_url (see the message above): check the network, GOSETUP_DOWNLOAD_URL and GOSETUP_VERSION"
if is_html "$tmp/checksums.txt"; then
	die "$sums_url is an HTML page, not a checksums file: $html_hint"
fi

# The checksum line for this platform's archive names the release's version:
#   <64 hex digits>  gosetup_1.2.3_linux_amd64.tar.gz
suffix=_${os}_${arch}.tar.gz
lines=$(awk -v suffix="$suffix" -v want="$want_version" '
	NF == 2 && length($1) == 64 && $1 !~ /[^0-9a-fA-F]/ {
		name = $2
		sub(/^\*/, "", name)
		if (substr(name, 1, 8) != "gosetup_") next
		if (length(name) <= length(suffix) + 8) next
		if (substr(name, length(name) - length(suffix) + 1) != suffix) next
		v = substr(name, 9, length(name) - length(suffix) - 8)
		if (v !~ /^[0-9A-Za-z.+-]+$/) next
		if (want != "latest" && v != want) next
		print tolower($1), name, v
	}' "$tmp/checksums.txt")
count=$(printf '%s' "$lines" | grep -c . || :)
if [ "$count" -eq 0 ]; then
	die "$sums_url lists no gosetup archive for $os/$arch (gosetup_VERSION$suffix): this release has no build for this platform, or the mirror's copy is incomplete or damaged; nothing was installed"
elif [ "$count" -gt 1 ]; then
	die "$sums_url lists more than one gosetup archive for $os/$arch; the mirror's copy is damaged; nothing was installed"
fi
want_sum=${lines%% *}
rest=${lines#* }
name=${rest%% *}
version=${rest#* }

platform="$os/$arch"
[ -n "$libc" ] && platform="$platform, $libc libc (gosetup is static: the same archive serves every libc)"
say "gosetup $version for $platform from $base"

archive_url=$base/download/v$version/$name
fetch "$archive_url" "$tmp/$name" ||
	die "could not download $archive_url (see the message above): check the network and GOSETUP_DOWNLOAD_URL; nothing was installed"

got_sum=$(sha256_of "$tmp/$name") ||
	die "no SHA-256 tool found (sha256sum, shasum, sha256 or openssl) to verify the download: install coreutils or openssl; nothing was installed"
got_sum=$(printf '%s' "$got_sum" | tr 'A-F' 'a-f')
if [ "$got_sum" != "$want_sum" ]; then
	if is_html "$tmp/$name"; then
		die "$archive_url is an HTML page, not a gosetup archive: $html_hint; nothing was installed"
	fi
	die "checksum mismatch for $name: checksums.txt says $want_sum, the download is $got_sum.
  The file was corrupted or tampered with on the way; nothing was installed. Run this again, or use another mirror (GOSETUP_DOWNLOAD_URL)."
fi

if ! { mkdir "$tmp/bin" && (cd "$tmp/bin" && tar -xzf "../$name" gosetup); }; then
	die "could not unpack gosetup from $name (verified, so the release itself is broken): report it at https://github.com/gosetup/gosetup/issues"
fi
chmod 755 "$tmp/bin/gosetup"

# A temp directory mounted noexec, or a build the kernel cannot run, fails
# here with a message instead of half-way through gosetup's work.
if ! "$tmp/bin/gosetup" version >/dev/null 2>&1; then
	die "the downloaded gosetup does not run here (is ${TMPDIR:-/tmp} mounted noexec? set TMPDIR to a directory that allows running programs, e.g. TMPDIR=\$HOME/tmp)"
fi

# --- run --------------------------------------------------------------------

# Not exec: this shell stays to remove the temporary directory afterwards.
# gosetup's own exit status (0, 1, 2, 130) becomes the script's.
if [ "$tty_in" = /dev/tty ] && [ "$has_yes" = false ]; then
	"$tmp/bin/gosetup" "$@" </dev/tty
else
	"$tmp/bin/gosetup" "$@"
fi
status=$?
exit "$status"
