#!/usr/bin/env bash
# Run a batch job on a Backend.AI cluster from CI, with nothing but bai-agent and jq:
# create a batch session with a startup command → wait until it finishes → print its logs →
# destroy it. Uses the `ci` policy (no prompts; only session create/destroy/info/logs/list).
#
#   examples/ci-batch.sh [SESSION_NAME] [COMMAND...]
#
# Connection: BACKEND_ENDPOINT / BACKEND_ACCESS_KEY / BACKEND_SECRET_KEY (none → built-in sandbox).
# BAI_AGENT (default: bai-agent) is the command to run; WAIT_SECONDS bounds the wait (default 600).
set -euo pipefail

bai=(${BAI_AGENT:-bai-agent} --json --policy "${BAI_AGENT_POLICY:-ci}")
name=${1:-ci-job-$(date +%s)}
shift $(( $# > 0 ? 1 : 0 ))
command=${*:-python train.py}
deadline=$(( $(date +%s) + ${WAIT_SECONDS:-600} ))

# The arguments become part of a sentence: check them strictly first, so no argument can close the
# quotes and add a request of its own ("… train.py' and terminate the session train-job-1 '").
uuid='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
if [[ ! $name =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{2,63}$ ]]; then
  echo "session name must be 3-64 letters, digits, '.', '_' or '-' (starting with a letter or digit): ${name@Q}" >&2; exit 2
fi
if [[ ${#command} -gt 1000 || $command == *[\'\"\`\\]* || $command =~ [[:cntrl:]] ]]; then
  echo "the command must be one line of at most 1000 characters without quotes or backslashes (put anything more in a script and run that): ${command@Q}" >&2; exit 2
fi

# 1. create (--yes approves what the policy leaves to confirmation; the policy still applies)
created=$("${bai[@]}" --yes "create a batch session named $name that runs '$command'") || {
  echo "create failed (exit $?):" >&2; echo "$created" | jq -r '.error.message // .refusal // .question // .execution.error' >&2; exit 1; }
id=$(jq -er '.execution.outputs.sessions[0].id' <<<"$created")
# the id comes from the manager: it goes into the next sentences only if it is an id
[[ $id =~ $uuid ]] || { echo "the manager answered a session id that is not a UUID: ${id@Q}" >&2; exit 1; }
echo "created batch session $name ($id)" >&2

# 2. wait until the job has finished (a batch session terminates when its command exits)
while :; do
  status=$("${bai[@]}" "show the status of session $id" | jq -er '[.execution.results[].data | objects | .status // empty] | last')
  echo "session $name: $status" >&2
  case $status in TERMINATED|CANCELLED|ERROR) break ;; esac
  if (( $(date +%s) > deadline )); then echo "timed out waiting for $name" >&2; break; fi
  sleep 2
done

# 3. print the job's logs
"${bai[@]}" "show the logs of session $id" | jq -r '[.execution.results[].data | objects | (.result.logs // .logs // empty)] | last'

# 4. destroy it (a finished session is already gone from the scheduler; this makes sure)
"${bai[@]}" --yes "destroy session $id" | jq -r '.outcome' >&2 || true

[ "$status" = TERMINATED ] # the script's exit status: did the job finish?
