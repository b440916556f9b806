#!/usr/bin/env bash
# A guided tour of what perfloop does today: it builds the binary, drives one optimization run
# through the checkpointed runtime in a throw-away project, the way a coding agent does (a NO_GO
# pause, its waiver, DONE), then profiles a slow command in an example git repository and executes
# four hypotheses on it, ending with the result branch.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x dist/perfloop ]] || node_modules/.bin/bun scripts/build.ts >/dev/null
bin="$PWD/dist/perfloop"
project=$(mktemp -d "${TMPDIR:-/tmp}/perfloop-tour-XXXXXX")
rt() { "$bin" runtime "$@" --project-root "$project" --slug tour >/dev/null; }
if [[ -t 1 && -z ${NO_COLOR:-} ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }

cat >"$project/manifest.json" <<'JSON'
{ "target": "npm run build", "observed_metric": { "type": "wall_time", "value": 6300, "unit": "ms" },
  "target_metric": { "value": 3000, "unit": "ms" }, "cycle_config": { "max_cycles": 3, "plateau_threshold": 5 } }
JSON
say "start a run in $project"
"$bin" runtime start --project-root "$project" --slug tour --manifest-file "$project/manifest.json" | head -3
rt checkpoint --phase PHASE_0_PREFLIGHT --payload '{"test_command":"npm test"}'
rt advance --to PHASE_1_PARSE_INPUT
rt checkpoint --phase PHASE_1_PARSE_INPUT
rt advance --to PHASE_2_PROFILE
rt record-worker-result --worker ln-811 --payload '{"baseline":{"wall_time_ms":6300},"wrong_tool_indicators":[]}'
rt checkpoint --phase PHASE_2_PROFILE
rt advance --to PHASE_3_WRONG_TOOL_GATE
rt checkpoint --phase PHASE_3_WRONG_TOOL_GATE --payload '{"gate_verdict":"PROCEED"}'
rt advance --to PHASE_4_RESEARCH
rt checkpoint --phase PHASE_4_RESEARCH --payload '{"hypotheses_count":2}'
rt advance --to PHASE_5_SET_TARGET
rt checkpoint --phase PHASE_5_SET_TARGET
rt advance --to PHASE_6_WRITE_CONTEXT
rt checkpoint --phase PHASE_6_WRITE_CONTEXT --payload '{"context_file":".hex-skills/optimization/tour/context.md"}'
rt advance --to PHASE_7_VALIDATE_PLAN
rt checkpoint --phase PHASE_7_VALIDATE_PLAN --payload '{"validation_verdict":"NO_GO"}'
say "the validator said NO_GO: the run pauses with a decision to make"
"$bin" status --project-root "$project"
say "a guard refuses to execute while paused"
"$bin" runtime advance --to PHASE_8_EXECUTE --project-root "$project" --slug tour | grep '"error"' | head -1 || true
rt checkpoint --phase PHASE_7_VALIDATE_PLAN --payload '{"validation_verdict":"WAIVED"}'
say "waived: the run carries on"
"$bin" status --project-root "$project"
rt advance --to PHASE_8_EXECUTE
rt checkpoint --phase PHASE_8_EXECUTE --payload '{"execution_result":{"target_met":true}}'
rt advance --to PHASE_9_CYCLE_BOUNDARY
rt record-cycle --payload '{"cycle":1,"status":"completed","stop_reason":"TARGET_MET","final_result":"TARGET_MET","improvement_pct":52.4}'
rt checkpoint --phase PHASE_9_CYCLE_BOUNDARY --payload '{"stop_reason":"TARGET_MET","final_result":"TARGET_MET"}'
rt advance --to PHASE_10_AGGREGATE
rt checkpoint --phase PHASE_10_AGGREGATE
rt advance --to PHASE_11_REPORT
rt checkpoint --phase PHASE_11_REPORT --payload '{"report_ready":true,"final_result":"TARGET_MET"}'
rt complete
say "done: the run's files (history.jsonl replays everything)"
find "$project/.hex-skills" -type f | sed "s|$project/||" | sort
"$bin" status --project-root "$project"

# The main job on a real repository: a slow function, four hypotheses (one real fix, one that
# breaks the tests, one that changes nothing, one that makes it slower).
repo=$(mktemp -d "${TMPDIR:-/tmp}/perfloop-example-XXXXXX")
cp -r tests/fixtures/slow-sum/. "$repo"
git -C "$repo" init -q
git -C "$repo" add -A
git -C "$repo" -c user.name=tour -c user.email=tour@example.invalid commit -qm "a slow sum"
say "profile a slow command in an example repository ($repo)"
(cd "$repo" && "$bin" profile "node bench.js" --test "node test.js" --runs 10)
say "execute four hypotheses: keep only what passes the tests and is measurably faster"
(cd "$repo" && "$bin" execute "node bench.js" --hypotheses hypotheses.json --test "node test.js" --max-runs 15 --slug sum)
say "your branch is untouched; the result is a branch of its own"
git -C "$repo" status --short --branch
git -C "$repo" log --oneline -1 perfloop/sum
echo
echo "The projects are kept at $project and $repo; remove them with: rm -rf $project $repo"
