#!/usr/bin/env bash
# Benchmark: gosetup install of a real Go toolchain from a local HTTP server,
# against the usual shell recipes, in the same run, several rounds, medians.
#
#   archive channel  vs  curl URL | tar -xz
#   archive channel  vs  curl -o + sha256sum -c + tar -xzf   (three-step)
#   module channel   vs  curl -o + unzip
#
# The real golang.org/toolchain zip is fetched once from the module proxy
# in `go env GOPROXY` and cached, with a go/…tar.gz built from it, under
# ${XDG_CACHE_HOME:-$HOME/.cache}/gosetup-bench (never in the repository).
# internal/benchserve serves both on 127.0.0.1 with a release index that
# carries the archive's SHA-256 and a local checksum database that records
# the zip's h1, so gosetup verifies exactly as it does against the real ones.
#
# Needs curl, unzip, sha256sum, tar and GNU time (apt-get install time).
# ROUNDS=N sets the number of rounds (default 5).
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION=${VERSION:-go1.22.12}
GOOS_=$(go env GOOS) GOARCH_=$(go env GOARCH)
PLAT=$GOOS_-$GOARCH_
ROUNDS=${ROUNDS:-5}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/gosetup-bench
ZIP=$CACHE/v0.0.1-$VERSION.$PLAT.zip
TGZ=$CACHE/$VERSION.$PLAT.tar.gz

for t in curl unzip sha256sum tar; do
  command -v $t >/dev/null || { echo "bench: needs $t" >&2; exit 1; }
done
if [ ! -x /usr/bin/time ]; then
  echo "bench: needs GNU time for peak memory: apt-get install time" >&2; exit 1
fi

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
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

go build -o "$WORK/gosetup" .
go build -o "$WORK/benchserve" ./internal/benchserve
"$WORK/benchserve" -tgz "$TGZ" -zip "$ZIP" -version "$VERSION" -mirrors-out "$WORK/mirrors.json" >"$WORK/base" 2>"$WORK/server.log" &
server_pid=$!
for _ in $(seq 100); do [ -s "$WORK/base" ] && break; sleep 0.1; done
BASE=$(cat "$WORK/base")
[ -n "$BASE" ] || { cat "$WORK/server.log" >&2; exit 1; }
ARCHIVE_URL=$BASE/dl/$VERSION.$PLAT.tar.gz
ZIP_URL=$BASE/proxy/golang.org/toolchain/@v/v0.0.1-$VERSION.$PLAT.zip
SHA=$(sha256sum "$TGZ" | cut -d' ' -f1)
echo "bench: serving $VERSION ($(du -m "$TGZ" | cut -f1) MB tar.gz, $(du -m "$ZIP" | cut -f1) MB zip) at $BASE; $ROUNDS rounds on $(nproc) cores"

export GOSETUP_CACHE=$WORK/cache GOSUMDB= GOSETUP_MIRRORS=
# The installs write nothing outside $WORK: --no-modify-path leaves startup
# files alone, and HOME points into $WORK in case anything looks there.
mkdir -p "$WORK/home"
export HOME=$WORK/home
unset GOSUMDB GOSETUP_MIRRORS

# measure NAME CMD...: runs CMD under GNU time, appends "seconds maxrss_kb"
# to $WORK/NAME. Earlier output is moved aside, not deleted: ext4 skips
# recently deleted inodes when it allocates new ones, so deleting 10,000
# files just before a run slows that run's file creation several-fold.
n=0
measure() {
  local name=$1; shift
  n=$((n+1))
  [ -d "$WORK/out" ] && mv "$WORK/out" "$WORK/trash/$n"
  mkdir -p "$WORK/out"
  sync
  if ! /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >"$WORK/cmd.log" 2>&1; then
    echo "bench: $name failed:" >&2; cat "$WORK/cmd.log" >&2; exit 1
  fi
  cat "$WORK/time" >>"$WORK/$name"
}

mkdir -p "$WORK/trash"
G="$WORK/gosetup"
for r in $(seq "$ROUNDS"); do
  measure gosetup-archive "$G" install "$VERSION" --source archive --dir "$WORK/out/go" --mirrors "$WORK/mirrors.json" --yes --no-modify-path
  [ -x "$WORK/out/go/bin/go" ] || { echo "bench: gosetup left no bin/go" >&2; exit 1; }
  measure curl-tar sh -c "curl -fsS '$ARCHIVE_URL' | tar -xz -C '$WORK/out'"
  measure three-step sh -c "curl -fsS -o '$WORK/out/a.tgz' '$ARCHIVE_URL' && echo '$SHA  $WORK/out/a.tgz' | sha256sum -c --quiet && tar -xzf '$WORK/out/a.tgz' -C '$WORK/out'"
  measure gosetup-module "$G" install "$VERSION" --source module --dir "$WORK/out/go" --mirrors "$WORK/mirrors.json" --yes --no-modify-path
  measure curl-unzip sh -c "curl -fsS -o '$WORK/out/m.zip' '$ZIP_URL' && unzip -q '$WORK/out/m.zip' -d '$WORK/out'"
  echo "bench: round $r done"
done

median() { # FILE COLUMN
  cut -d' ' -f"$2" "$1" | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'
}
minmax() { cut -d' ' -f1 "$1" | sort -g | awk 'NR==1{lo=$1} {hi=$1} END {printf "%.2f-%.2f", lo, hi}'; }
printf "\n%-16s %9s %12s %12s   (%d rounds)\n" method median range "peak RSS MB" "$ROUNDS"
for m in gosetup-archive curl-tar three-step gosetup-module curl-unzip; do
  printf "%-16s %9.2f %12s %12.1f\n" "$m" "$(median "$WORK/$m" 1)" "$(minmax "$WORK/$m")" "$(awk "BEGIN{print $(median "$WORK/$m" 2)/1024}")"
done
ga=$(median "$WORK/gosetup-archive" 1) ct=$(median "$WORK/curl-tar" 1) ts=$(median "$WORK/three-step" 1)
gm=$(median "$WORK/gosetup-module" 1) cu=$(median "$WORK/curl-unzip" 1)
ratio() { awk "BEGIN{printf \"%.2f\", $1/$2}"; }
echo
echo "archive vs curl | tar -xz:        $(ratio "$ga" "$ct")x  (target <= 0.9x)"
echo "archive vs curl -o + sha256sum + tar -xzf:  $(ratio "$ga" "$ts")x  (target <= 0.75x)"
echo "module  vs curl -o + unzip:       $(ratio "$gm" "$cu")x  (target <= 0.7x)"
rss=$(cat "$WORK/gosetup-archive" "$WORK/gosetup-module" | cut -d' ' -f2 | sort -g | tail -1)
echo "gosetup peak RSS (max over runs): $(awk "BEGIN{printf \"%.1f\", $rss/1024}") MB  (target <= 64 MB)"
