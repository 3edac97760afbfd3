#!/bin/sh
# screenshots.sh: the README's wizard screenshots, from the real binary in
# tmux against the tests' loopback mirror world (TestWizardScreenshots, as
# root for the mount namespace that shows HOME as /home/user), rendered to
# small palette PNGs in docs/ by scripts/ansi2png.py (ImageMagick).
set -eu
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
GOSETUP_SCREENSHOTS=$dir go test -count=1 -timeout 5m -run '^TestWizardScreenshots$' .
for n in detect mirrors review progress done; do
	python3 scripts/ansi2png.py "$dir/$n.ansi" "docs/wizard-$n.png"
done
ls -l docs/wizard-*.png
