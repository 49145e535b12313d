#!/usr/bin/env bash
# GitHub Classroom's grading step (see autograding.yml): lays the student's
# repository and the course out as Gradescope's autograder expects, runs
# ../gradescope/setup.sh and run_autograder, and writes the score per lab to
# the job summary. Per-test messages stay out of the log and the summary, which
# the student can read before the due date; results.json is kept as an artifact
# for the teacher.
#
#   grade.sh <student repository> <course repository> <results folder>
#
# GITHUB_STEP_SUMMARY (a file) receives the summary; without it, standard output.
set -euo pipefail
student_repo="$(cd "$1" && pwd)"
course_repo="$(cd "$2" && pwd)"
results_dir="$3"
here="$(cd "$(dirname "$0")" && pwd)"

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/submission" "$results_dir"
# Only the lab folders: the student's workflow files and git history are not graded.
for lab in "$student_repo"/labs/[0-9][0-9]-* "$student_repo"/[0-9][0-9]-*; do
  [ -d "$lab" ] && cp -R "$lab" "$root/submission/"
done

export AUTOGRADER_ROOT="$root" AUTOGRADER_SOURCE="$course_repo"
bash "$here/../gradescope/setup.sh" >&2
bash "$here/../gradescope/run_autograder" 2>/dev/null
cp "$root/results/results.json" "$results_dir/results.json"

summary="${GITHUB_STEP_SUMMARY:-/dev/stdout}"
RESULTS="$results_dir/results.json" PATH="$course_repo/node_modules/.bin:$PATH" \
  deno eval --quiet '
    const results = JSON.parse(Deno.readTextFileSync(Deno.env.get("RESULTS")));
    const labs = results.extra_data?.labs ?? [];
    const shown = (text) => String(text).replace(/[|\r\n\u0000-\u001f]/g, " ");
    const lines = ["| lab | score |", "| --- | --- |"];
    for (const lab of labs) lines.push(`| ${shown(lab.slug)} | ${lab.score}/${lab.max_score} |`);
    if (labs.length === 0) lines.push(`| (none) | ${shown(results.output ?? "")} |`);
    console.log(`## Score: ${results.score}\n\n${lines.join("\n")}`);
  ' >>"$summary"
