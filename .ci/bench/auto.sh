#!/usr/bin/env bash
# Benchmark: what --source auto's rate sample costs. One real Go toolchain
# (fetched once and cached as .ci/bench/install.sh does) is served by
# internal/benchserve on 127.0.0.1; each round installs it with --source
# archive, --source module and --source auto, and records the wall time
# and the bytes the server wrote (GET /bench/served before and after).
# Auto's cost is its time and bytes beyond the channel it chose; the
# figure against --source archive is printed too. Medians over ROUNDS
# (default 3). Run with TMPDIR=/dev/shm to keep the disk out of it.
set -euo pipefail
[ -n "${EPOCHREALTIME:-}" ] || { echo "bench: needs bash 5 (EPOCHREALTIME)" >&2; exit 1; }
cd "$(dirname "$0")/../.."

VERSION=${VERSION:-go1.22.12}
PLAT=$(go env GOOS)-$(go env GOARCH)
ROUNDS=${ROUNDS:-3}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/gosetup-bench
ZIP=$CACHE/v0.0.1-$VERSION.$PLAT.zip
TGZ=$CACHE/$VERSION.$PLAT.tar.gz
if [ ! -s "$ZIP" ] || [ ! -s "$TGZ" ]; then
  echo "bench: $ZIP or $TGZ missing: run .ci/bench/install.sh once to fetch them" >&2
  exit 1
fi
command -v curl >/dev/null || { echo "bench: needs curl" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gosetup-auto.XXXXXX")
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
go build -o "$WORK/gosetup" .
go build -o "$WORK/benchserve" ./internal/benchserve
"$WORK/benchserve" -tgz "$TGZ" -zip "$ZIP" -version "$VERSION" -mirrors-out "$WORK/mirrors.json" ${BENCH_FLAGS:-} >"$WORK/base" 2>"$WORK/server.log" &
server_pid=$!
for _ in $(seq 100); do [ -s "$WORK/base" ] && break; sleep 0.1; done
BASE=$(cat "$WORK/base")
[ -n "$BASE" ] || { cat "$WORK/server.log" >&2; exit 1; }
echo "bench: serving $VERSION at $BASE; $ROUNDS rounds on $(nproc) cores, work in ${TMPDIR:-/tmp}"
export GOSETUP_CACHE=$WORK/cache HOME=$WORK/home
mkdir -p "$HOME" "$WORK/trash"
unset GOSETUP_MIRRORS
# The module channel checks the zip against benchserve's own database.
GOSUMDB=$(sed -n 's/.*"key": "\(.*\)".*/\1/p' "$WORK/mirrors.json")
export GOSUMDB

n=0
run() { # NAME SOURCE: appends "seconds bytes" to $WORK/NAME
  local name=$1 src=$2
  n=$((n+1))
  # On tmpfs the last tree is deleted (kept, ten trees would crowd the
  # memory); on disk it is moved aside, as ext4 slows inode allocation for
  # a while after mass deletions.
  if [ -d "$WORK/out" ]; then
    if [ "$(stat -f -c %T "$WORK")" = tmpfs ]; then rm -rf "$WORK/out"; else mv "$WORK/out" "$WORK/trash/$n"; fi
  fi
  mkdir -p "$WORK/out"
  sync
  local b0 b1 t0 t1
  b0=$(curl -fsS "$BASE/bench/served")
  t0=$(date +%s.%N)
  # Each progress line is stamped as it arrives: the time from "choosing
  # the fastest source" to the download's start is the source choice.
  if ! "$WORK/gosetup" install "$VERSION" --source "$src" --dir "$WORK/out/go" --mirrors "$WORK/mirrors.json" --yes --no-modify-path 2>&1 |
    while IFS= read -r l; do echo "$EPOCHREALTIME $l"; done >"$WORK/cmd.log"; then
    echo "bench: $name failed:" >&2; cat "$WORK/cmd.log" >&2; exit 1
  fi
  t1=$(date +%s.%N)
  b1=$(curl -fsS "$BASE/bench/served")
  local choose
  choose=$(awk '/gosetup: choosing the fastest source/ && !c {c=$1} /gosetup: downloading .* via / && !d {d=$1} END {printf "%.3f", d-c}' "$WORK/cmd.log")
  echo "$(awk "BEGIN{print $t1-$t0}") $((b1-b0)) $choose" >>"$WORK/$name"
  sed -i 's/^[0-9.]* //' "$WORK/cmd.log"
  if [ "$src" = auto ]; then
    grep -E '^gosetup: (archive|module zip) from ' "$WORK/cmd.log" | sed 's/^gosetup: //' >>"$WORK/why" || echo "(no reason printed)" >>"$WORK/why"
    grep -oE 'from (archive|module) ' "$WORK/cmd.log" | tail -1 | cut -d' ' -f2 >>"$WORK/chose"
  fi
}
# The order rotates each round, so no source always runs after another.
order=(archive module auto)
for r in $(seq "$ROUNDS"); do
  for i in 0 1 2; do
    src=${order[$(( (i + r) % 3 ))]}
    run "$src" "$src"
  done
  echo "bench: round $r done"
done

median() { # FILE COLUMN
  cut -d' ' -f"$2" "$1" | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'
}
printf "\n%-8s %9s %12s %11s   (%d rounds)\n" source seconds "MB served" "choice ms" "$ROUNDS"
for m in archive module auto; do
  printf "%-8s %9.2f %12.2f %11.0f\n" "$m" "$(median "$WORK/$m" 1)" "$(awk "BEGIN{print $(median "$WORK/$m" 2)/1e6}")" "$(awk "BEGIN{print $(median "$WORK/$m" 3)*1000}")"
done
chose=$(sort "$WORK/chose" | uniq -c | sort -rn | awk 'NR==1{print $2}')
echo
echo "auto chose: $(sort "$WORK/chose" | uniq -c | tr '\n' ' ')"
echo "auto said:  $(head -1 "$WORK/why")"
ta=$(median "$WORK/auto" 1) ba=$(median "$WORK/auto" 2)
tc=$(median "$WORK/$chose" 1) bc=$(median "$WORK/$chose" 2)
tr_=$(median "$WORK/archive" 1) br=$(median "$WORK/archive" 2)
echo "source choice, auto vs --source archive:    $(awk "BEGIN{printf \"%+.0f ms\", ($(median "$WORK/auto" 3)-$(median "$WORK/archive" 3))*1000}")"
echo "auto vs --source $chose (the sample's cost): $(awk "BEGIN{printf \"%+.2f s, %+.2f MB\", $ta-$tc, ($ba-$bc)/1e6}")"
echo "auto vs --source archive:                  $(awk "BEGIN{printf \"%+.2f s (%.2fx), %+.2f MB\", $ta-$tr_, $ta/$tr_, ($ba-$br)/1e6}")"
