#!/usr/bin/env bash
# Changes to a Backend.AI cluster reviewed in pull requests (see github-workflow.yml and the README).
#
#   bai-gitops.sh plan  REQUESTS_FILE OUT_DIR   plan the requests file as one plan:
#                                               OUT_DIR/plan.json (applied on merge) and OUT_DIR/plan.md
#                                               (the pull-request comment); exits as `bai-agent plan`
#                                               (0 planned, 3 refused, 4 needs clarification, ...)
#   bai-gitops.sh apply PLAN_JSON REQUESTS_FILE apply exactly the reviewed plan with the CI policy and
#                                               --yes; refused (exit 2) if the requests file is not the
#                                               one that was planned, or if the manager changed since
#                                               the review (bai-agent re-checks every entity the plan names)
#
# Needs bai-agent and jq. BAI_AGENT (command, default bai-agent), BAI_AGENT_POLICY (default ci) and
# BAI_ON_FAILURE (undo|keep, default keep: what to do with the steps that succeeded when a later one
# fails) change what it runs; the manager connection comes from BACKEND_* as usual.
set -euo pipefail

read -r -a bai <<<"${BAI_AGENT:-bai-agent}"
policy=${BAI_AGENT_POLICY:-ci}

usage() { sed -n '2,15p' "$0" >&2; exit 2; }

# The requests as bai-agent reads the file: one per line, trimmed, without blank and # lines.
requests_of() { sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' "$1" | grep -v -e '^$' -e '^#' || true; }

case ${1:-} in
plan)
  [ $# -eq 3 ] || usage
  requests=$2 out=$3
  mkdir -p "$out"
  code=0
  "${bai[@]}" --policy "$policy" plan --requests "$requests" --format markdown -o "$out/plan.json" >"$out/plan.md" || code=$?
  # the comment is written whatever the outcome: a question or refusal is what the author must see
  [ -s "$out/plan.md" ] || printf '### bai-agent plan\n\nbai-agent could not plan `%s` (exit %s): see the job log.\n' "$requests" "$code" >"$out/plan.md"
  echo "planned $requests: exit $code ($(jq -r '.outcome // "no plan"' "$out/plan.json" 2>/dev/null || echo 'no plan'))" >&2
  exit "$code"
  ;;
apply)
  [ $# -eq 3 ] || usage
  plan=$2 requests=$3
  [ -f "$plan" ] || { echo "no reviewed plan at $plan: was the pull request planned?" >&2; exit 2; }
  reviewed=$(jq -r '(.requests // [{request: .request}]) | map(.request) | join("\n")' "$plan")
  if [ "$reviewed" != "$(requests_of "$requests")" ]; then
    echo "refused: $requests is not the requests file that was planned and reviewed; plan it again" >&2
    exit 2
  fi
  code=0
  result=$("${bai[@]}" --json --policy "$policy" --yes apply "$plan" --on-failure "${BAI_ON_FAILURE:-keep}") || code=$?
  if [ "$code" -ne 0 ]; then
    echo "apply failed (exit $code): $(jq -r '.error.message // .refusal // .execution.error // .outcome' <<<"$result")" >&2
    exit "$code"
  fi
  echo "applied: run $(jq -r '.runId // "-"' <<<"$result") ($(jq -r '[.execution.results[] | select(.status == "ok")] | length' <<<"$result") calls)" >&2
  jq -r '.execution.results[] | "\(.id) \(.operationId): \(.summary)"' <<<"$result"
  ;;
*) usage ;;
esac
