#!/usr/bin/env bash
# Benchmark: peak memory of gosetup env and gosetup uninstall when a
# startup file is large (issue 8: "Editing a 50 MB startup file should not
# take most of a gigabyte"). ~/.bashrc is SIZE_MB of shell lines; each step
# runs the real binary under /usr/bin/time -v and reports its maximum RSS:
#
#   env        writes the block (and records the prior bytes, gzipped)
#   uninstall  the file unchanged since: its exact prior bytes come back
#   uninstall* the file edited since: only the block is removed
#
#   .ci/bench/bigfile.sh [SIZE_MB] [RUNS]
#
# Prints the median peak RSS in MB of RUNS runs (default 3) and its ratio to
# the file's size. Run it on tmpfs: TMPDIR=/dev/shm .ci/bench/bigfile.sh
# (needs GNU time: apt-get install time).
set -euo pipefail
cd "$(dirname "$0")/../.."
size=${1:-50}
runs=${2:-3}
[ -x /usr/bin/time ] || { echo "needs GNU time (/usr/bin/time): apt-get install time" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -o "$work/gosetup" .
# About 80 bytes a line, as a real (if huge) startup file.
line='export SOME_VARIABLE_WITH_A_LONG_NAME="a value that is long enough to be typical" # x'
awk -v n=$((size * 1024 * 1024 / (${#line} + 1))) -v l="$line" 'BEGIN { for (i = 0; i < n; i++) print l }' > "$work/bashrc"
bytes=$(stat -c %s "$work/bashrc")
echo "startup file: $bytes bytes"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rss() { # args...: peak RSS in KB of one run of gosetup
  env -i HOME="$work/home" PATH=/usr/bin:/bin SHELL=/bin/bash \
    /usr/bin/time -f '%M' -o "$work/rss" "$work/gosetup" "$@" >/dev/null 2>"$work/err" ||
    { cat "$work/err" >&2; exit 1; }
  cat "$work/rss"
}
fresh() { rm -rf "$work/home"; mkdir -p "$work/home"; cp "$work/bashrc" "$work/home/.bashrc"; }
for ((n = 0; n < runs; n++)); do
  fresh
  e=$(rss env --yes --proxy https://goproxy.cn,direct)
  u=$(rss uninstall --yes)
  cmp -s "$work/bashrc" "$work/home/.bashrc" || { echo "uninstall did not restore the file" >&2; exit 1; }
  fresh
  rss env --yes --proxy https://goproxy.cn,direct >/dev/null
  echo '# edited since' >> "$work/home/.bashrc"
  s=$(rss uninstall --yes)
  echo "$e $u $s"
done > "$work/all"
printf '%-12s %10s %8s\n' step 'peak MB' 'x file'
col=1
for step in env uninstall 'uninstall*'; do
  kb=$(cut -d' ' -f$col "$work/all" | median)
  awk -v s="$step" -v kb="$kb" -v b="$bytes" 'BEGIN { printf "%-12s %10.0f %8.1f\n", s, kb / 1024, kb * 1024 / b }'
  col=$((col + 1))
done
