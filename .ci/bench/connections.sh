#!/usr/bin/env bash
# Benchmark: multi-connection, multi-mirror downloads (issue 11, section 6).
# gosetup install of a real Go toolchain against a single-stream curl of the
# same file, in the same run, from local servers that cap each connection:
#
#   one capped mirror    gosetup (default connections, --connections 1) vs curl
#   two capped mirrors   gosetup (default connections)                  vs curl
#   uncapped server      gosetup (default connections) vs --connections 1 (and curl)
#   disk                 the uncapped runs again into a directory on disk
#
# "Capped" is internal/benchserve -conn-rate: every TCP connection gets at
# most RATE bytes a second (default 8 MB/s), however many a client opens,
# as mirrors that throttle each client connection do. curl fetches from one
# mirror over one connection; two mirrors serve it no faster, so the curl
# time of the one-mirror setup is the reference for both capped setups.
#
# Every method writes to tmpfs (SHM, default /dev/shm), gosetup's download
# cache included, because a slow disk would hide the download; the disk
# figure is measured separately under TMPDIR. gosetup does more than curl
# here: it verifies the SHA-256 (or the module's h1) and unpacks.
#
# The real golang.org/toolchain zip is fetched once from the module proxy in
# `go env GOPROXY` and a go/…tar.gz built from it, both cached under
# ${XDG_CACHE_HOME:-$HOME/.cache}/gosetup-bench (never in the repository).
#
# ROUNDS=N (default 3; medians are reported), RATE=bytes/s (default 8000000),
# SOURCE=archive|module (default archive: the tar.gz and the archive channel).
# Needs curl, unzip, tar and GNU time (apt-get install time).
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION=${VERSION:-go1.22.12}
PLAT=$(go env GOOS)-$(go env GOARCH)
ROUNDS=${ROUNDS:-3}
RATE=${RATE:-8000000}
SOURCE=${SOURCE:-archive}
SHM=${SHM:-/dev/shm}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/gosetup-bench
ZIP=$CACHE/v0.0.1-$VERSION.$PLAT.zip
TGZ=$CACHE/$VERSION.$PLAT.tar.gz

case $SOURCE in archive | module) ;; *) echo "bench: SOURCE must be archive or module" >&2; exit 2 ;; esac
for t in curl unzip tar; do
  command -v $t >/dev/null || { echo "bench: needs $t" >&2; exit 1; }
done
if [ ! -x /usr/bin/time ]; then
  echo "bench: needs GNU time for peak memory: apt-get install time" >&2; exit 1
fi
[ -d "$SHM" ] && [ -w "$SHM" ] || { echo "bench: $SHM is not a writable directory; set SHM to a tmpfs" >&2; exit 1; }

mkdir -p "$CACHE"
if [ ! -s "$ZIP" ]; then
  proxy=$(go env GOPROXY | tr ',|' '\n\n' | grep -m1 '^http' || true)
  [ -n "$proxy" ] || { echo "bench: go env GOPROXY names no HTTP proxy" >&2; exit 1; }
  echo "bench: fetching golang.org/toolchain@v0.0.1-$VERSION.$PLAT from $proxy"
  curl -fsSL -o "$ZIP.part" "${proxy%/}/golang.org/toolchain/@v/v0.0.1-$VERSION.$PLAT.zip"
  mv "$ZIP.part" "$ZIP"
fi
if [ ! -s "$TGZ" ]; then
  echo "bench: building $VERSION.$PLAT.tar.gz from the module zip"
  tmp=$(mktemp -d)
  unzip -q "$ZIP" -d "$tmp"
  mv "$tmp/golang.org/toolchain@v0.0.1-$VERSION.$PLAT" "$tmp/go"
  chmod -R a+x "$tmp/go/bin" "$tmp/go/pkg/tool"
  tar -C "$tmp" -czf "$TGZ.part" go
  mv "$TGZ.part" "$TGZ"
  rm -rf "$tmp"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gosetup-bench.XXXXXX")
FAST=$(mktemp -d "$SHM/gosetup-bench.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK" "$FAST"
}
trap cleanup EXIT

go build -o "$WORK/gosetup" .
go build -o "$WORK/benchserve" ./internal/benchserve
G=$WORK/gosetup
# The help goes to a variable first: grep -q in a pipe would end early and
# make pipefail fail the test.
help=$("$G" install --help 2>&1 || true)
if grep -q -- '--connections' <<<"$help"; then
  multi=1
else
  multi=0
  echo "bench: this gosetup has no --connections: it downloads over one connection, so these are baseline figures"
fi

# serve SETUP BENCHSERVE-FLAGS...: starts a benchserve for one setup;
# its base URL lands in $WORK/SETUP/base, its catalogue in $WORK/SETUP/mirrors.json.
serve() {
  local s=$1; shift
  mkdir -p "$WORK/$s"
  "$WORK/benchserve" -tgz "$TGZ" -zip "$ZIP" -version "$VERSION" -mirrors-out "$WORK/$s/mirrors.json" "$@" \
    >"$WORK/$s/base" 2>"$WORK/$s/server.log" &
  pids+=($!)
}
serve capped1 -conn-rate "$RATE"
serve capped2 -conn-rate "$RATE" -mirrors 2
serve uncapped
# Each server hashes both files before it listens: seconds on a busy machine.
for i in 0 1 2; do
  s=$(echo capped1 capped2 uncapped | cut -d' ' -f$((i+1)))
  for _ in $(seq 1200); do
    [ -s "$WORK/$s/base" ] && break
    kill -0 "${pids[$i]}" 2>/dev/null || break
    sleep 0.1
  done
  [ -s "$WORK/$s/base" ] || { echo "bench: the $s server did not start:" >&2; cat "$WORK/$s/server.log" >&2; exit 1; }
done
url() { # SETUP: the URL of the file curl fetches
  if [ "$SOURCE" = archive ]; then
    echo "$(cat "$WORK/$1/base")/dl/$VERSION.$PLAT.tar.gz"
  else
    echo "$(cat "$WORK/$1/base")/proxy/golang.org/toolchain/@v/v0.0.1-$VERSION.$PLAT.zip"
  fi
}
file=$TGZ
[ "$SOURCE" = module ] && file=$ZIP
echo "bench: $SOURCE channel, $VERSION ($(du -m "$file" | cut -f1) MB), each capped connection at $(awk "BEGIN{print $RATE/1e6}") MB/s; $ROUNDS rounds on $(nproc) cores"

# The installs write nothing outside the bench directories: --no-modify-path
# leaves startup files alone, and HOME points into $WORK in case anything
# looks there. No GOSETUP_MIRRORS or GOSUMDB from the caller's environment.
mkdir -p "$WORK/home" "$WORK/trash"
export HOME=$WORK/home
unset GOSUMDB GOSETUP_MIRRORS GOSETUP_CACHE

# measure NAME ROOT CMD...: runs CMD under GNU time with ROOT/out fresh and
# GOSETUP_CACHE in it (an empty download cache, on the same file system as
# the install), appends "seconds maxrss_kb" to $WORK/NAME. On tmpfs the old
# output is deleted; on disk it is moved aside, because ext4 slows inode
# allocation for a while after mass deletions and that would slow the run.
n=0
measure() {
  local name=$1 root=$2; shift 2
  n=$((n+1))
  if [ "$root" = "$FAST" ]; then rm -rf "$root/out"; elif [ -d "$root/out" ]; then mv "$root/out" "$WORK/trash/$n"; fi
  mkdir -p "$root/out"
  sync
  if ! GOSETUP_CACHE=$root/out/cache /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >"$WORK/cmd.log" 2>&1; then
    echo "bench: $name failed:" >&2; cat "$WORK/cmd.log" >&2; exit 1
  fi
  cat "$WORK/time" >>"$WORK/$name"
}
disk() { [ "$1" = "$FAST" ] || echo " (disk)"; }
# gosetup ROOT SETUP [FLAGS...]: one install, checked.
gosetup() {
  local root=$1 s=$2; shift 2
  # The module channel is checked against the server's own checksum
  # database, whose key is in its catalogue.
  local sumdb
  sumdb=$(sed -n 's/.*"key": "\(.*\)".*/\1/p' "$WORK/$s/mirrors.json")
  measure "$s-gosetup${*:+ }$*$(disk "$root")" "$root" env GOSUMDB="$sumdb" "$G" install "$VERSION" --source "$SOURCE" \
    --dir "$root/out/go" --mirrors "$WORK/$s/mirrors.json" --yes --no-modify-path "$@"
  [ -x "$root/out/go/bin/go" ] || { echo "bench: gosetup left no bin/go" >&2; exit 1; }
}
curl1() { measure "$2-curl$(disk "$1")" "$1" curl -fsS -o "$1/out/file" "$(url "$2")"; }

mkdir -p "$WORK/disk"
for r in $(seq "$ROUNDS"); do
  curl1 "$FAST" capped1
  gosetup "$FAST" capped1
  [ $multi = 1 ] && gosetup "$FAST" capped1 --connections 1
  gosetup "$FAST" capped2
  curl1 "$FAST" uncapped
  gosetup "$FAST" uncapped
  [ $multi = 1 ] && gosetup "$FAST" uncapped --connections 1
  curl1 "$WORK/disk" uncapped
  gosetup "$WORK/disk" uncapped
  echo "bench: round $r done"
done

median() { # FILE COLUMN
  cut -d' ' -f"$2" "$1" | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'
}
minmax() { cut -d' ' -f1 "$1" | sort -g | awk 'NR==1{lo=$1} {hi=$1} END {printf "%.2f-%.2f", lo, hi}'; }
ratio() { awk "BEGIN{printf \"%.2f\", $1/$2}"; }
printf "\n%-40s %8s %12s %12s\n" "setup / method ($ROUNDS rounds)" median range "peak RSS MB"
for f in "$WORK"/capped1-* "$WORK"/capped2-* "$WORK"/uncapped-*; do
  [ -f "$f" ] || continue
  m=${f#"$WORK"/}
  printf "%-40s %8.2f %12s %12.1f\n" "$m" "$(median "$f" 1)" "$(minmax "$f")" "$(awk "BEGIN{print $(median "$f" 2)/1024}")"
done
curl_capped=$(median "$WORK/capped1-curl" 1)
echo
echo "one capped mirror, gosetup vs curl:   $(ratio "$(median "$WORK/capped1-gosetup" 1)" "$curl_capped")x  (target <= 0.33x)"
echo "two capped mirrors, gosetup vs curl:  $(ratio "$(median "$WORK/capped2-gosetup" 1)" "$curl_capped")x  (target <= 0.2x)"
if [ $multi = 1 ]; then
  echo "uncapped, default vs --connections 1: $(ratio "$(median "$WORK/uncapped-gosetup" 1)" "$(median "$WORK/uncapped-gosetup --connections 1" 1)")x  (target <= 1x)"
fi
echo "uncapped, gosetup vs curl:            $(ratio "$(median "$WORK/uncapped-gosetup" 1)" "$(median "$WORK/uncapped-curl" 1)")x  (curl only downloads)"
echo "disk (uncapped), gosetup vs curl:     $(ratio "$(median "$WORK/uncapped-gosetup (disk)" 1)" "$(median "$WORK/uncapped-curl (disk)" 1)")x"
rss=$(cat "$WORK"/*-gosetup* | cut -d' ' -f2 | sort -g | tail -1)
echo "gosetup peak RSS (max over runs):     $(awk "BEGIN{printf \"%.1f\", $rss/1024}") MB  (target <= 64 MB)"
