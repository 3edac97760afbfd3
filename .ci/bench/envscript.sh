#!/usr/bin/env bash
# Benchmark: how long a new shell takes to source gosetup's env script with
# a PATH of about 100 KB (Nix stores, some CI images), for each sh-family
# shell, with the script's directories absent from PATH (a first shell) and
# present in the middle of it (every nested shell).
#
#   .ci/bench/envscript.sh [RUNS] [BASELINE_SCRIPT]
#
# The script measured is testdata/envwriter/scripts/env.golden, the pinned
# output of envwriter.ShScript. BASELINE_SCRIPT (optional) is measured the
# same way in the same run, e.g. the script before the linear rewrite:
#   git show 81b3f0b:testdata/envwriter/scripts/env.golden > /dev/shm/old.env
# A baseline run that exceeds 30 s is killed and reported as >30000 ms.
# Prints the median wall time in ms of RUNS fresh shells (default 11), and
# the same for `SHELL -c true` with that PATH (the shell's own start).
# Run it on tmpfs: TMPDIR=/dev/shm .ci/bench/envscript.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-11}
baseline=${2:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp testdata/envwriter/scripts/env.golden "$work/new.env"
[ -n "$baseline" ] && cp "$baseline" "$work/old.env"
# The golden script's directories.
d0=/usr/local/go/bin d1=/home/u/go/bin
long=
i=0
while [ ${#long} -lt 100000 ]; do
  long+="/nix/store/$(printf '%032d' $i)-pkg-$i/bin:"
  i=$((i+1))
done
long=${long%:}
half=${long:0:50000}; half=${half%:*}
absent="$long:/usr/bin:/bin"
present="$half:$d0:${long:${#half}+1}:$d1:/usr/bin:/bin"
echo "PATH: ${#absent} bytes, $i entries"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timeit() { # shell script path
  local sh=$1 script=$2 path=$3 t0 t1 n
  for ((n = 0; n < runs; n++)); do
    t0=$(date +%s%N)
    if ! timeout 30 env -i HOME="$work" PATH="$path" $sh -c ". '$script'" >/dev/null 2>&1; then
      echo 30000; continue
    fi
    t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000000 ))
  done | median
}
printf '%-12s %8s %10s %10s %10s %10s\n' shell start new-absent new-present old-absent old-present
for sh in bash dash zsh ksh "busybox sh"; do
  command -v "${sh%% *}" >/dev/null || continue
  start=$(for ((n = 0; n < runs; n++)); do t0=$(date +%s%N); env -i HOME="$work" PATH="$absent" $sh -c true; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); done | median)
  na=$(timeit "$sh" "$work/new.env" "$absent")
  np=$(timeit "$sh" "$work/new.env" "$present")
  oa=- op=-
  if [ -n "$baseline" ]; then
    oa=$(timeit "$sh" "$work/old.env" "$absent")
    op=$(runs=3 timeit "$sh" "$work/old.env" "$present")
  fi
  printf '%-12s %8s %10s %10s %10s %10s\n' "$sh" "$start" "$na" "$np" "$oa" "$op"
done
