#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder's image, with the
# course (this repository, hidden tests and solutions included) unpacked in
# /autograder/source. It installs what grading needs and fills Deno's cache, since
# the sandboxes run with --cached-only and no network.
#
# AUTOGRADER_ROOT (default /autograder) and AUTOGRADER_SOURCE (default
# $AUTOGRADER_ROOT/source) move it elsewhere, for a local test. Whatever is
# already installed is kept, so running it twice costs little.
set -euo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
source_dir="${AUTOGRADER_SOURCE:-$root/source}"

apt_install() {
  if [ "$(id -u)" = 0 ]; then
    { apt-get update -qq && apt-get install -y -qq "$@" >/dev/null; } || return 1
  else
    return 1
  fi
}

if ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm || { echo "setup: npm is missing and could not be installed" >&2; exit 1; }
fi
# The grader's mount namespace; without it grading still works, with a warning.
if ! command -v bwrap >/dev/null 2>&1; then
  apt_install bubblewrap || echo "setup: warning: no bubblewrap; sandboxes get no mount namespace"
fi

# pgrep and pkill: lab 06's hidden tests signal the confined Bun copy of a student's program with them.
if ! command -v pkill >/dev/null 2>&1; then
  apt_install procps || echo "setup: warning: no procps; lab 06's Bun copy runs unconfined"
fi

cd "$source_dir"
# A course whose node_modules already holds the runtimes is set up: a second `npm install` would
# prune them (they are not in package.json) while something may be running them.
if [ ! -x node_modules/.bin/deno ]; then
  npm install --no-audit --no-fund --silent
  npm install --no-audit --no-fund --silent --no-save deno@2.9.6 bun@1.4.5
fi
export PATH="$source_dir/node_modules/.bin:$PATH"
# Every npm package deno.json names (a sandbox with --cached-only needs them all, even those it
# never imports), then every module a sandbox loads: the primitives, the labs' tests and the
# grader's preload.
deno install --quiet
deno cache labs/primitives/mod.ts labs/*/*_test.ts grader/sandbox_preload.ts grader/main.ts
echo "setup: ready ($(deno --version | head -n 1))"
