#!/usr/bin/env bash
# Checks the WebSocket layer against the Autobahn test suite: every case except the
# permessage-deflate ones (12.x, 13.x), played against the server's /echo route.
#
# The cases are replayed by kosoku (PyPI), a Python 3 runner that drives Autobahn's own case
# files; the original runner, autobahntestsuite, needs Python 2.
#
#   websocket/autobahn/run.sh            # from the workspace root; needs python3 and cargo
#
# Reports (HTML and JSON per case) go to websocket/autobahn/reports/. Exit status 0 means
# every case passed.
set -euo pipefail
cd "$(dirname "$0")/../.."

crate_dir=websocket/autobahn
venv=${AUTOBAHN_VENV:-${TMPDIR:-/tmp}/websocket-autobahn-venv}
reports=$crate_dir/reports
target_dir=${CARGO_TARGET_DIR:-target}

if [[ ! -x $venv/bin/kosoku ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet kosoku==0.1.0
fi

cargo build --quiet -p websocket --bin websocket-server
server_out=$(mktemp)
"$target_dir/debug/websocket-server" --addr 127.0.0.1:0 >"$server_out" 2>/dev/null &
server_pid=$!
trap 'kill -TERM "$server_pid" 2>/dev/null || true; rm -f "$server_out"' EXIT

addr=
for _ in $(seq 1 50); do
  addr=$(sed -n 's/^listening on //p' "$server_out")
  [[ -n $addr ]] && break
  sleep 0.1
done
[[ -n $addr ]] || { echo "the server did not start" >&2; exit 1; }

rm -rf "$reports"
status=0
"$venv/bin/kosoku" "ws://$addr/echo" --exclude '12.*' --exclude '13.*' --parallelism 4 \
  --outdir "$reports" || status=$?

# One line per verdict, e.g. "OK 296": the summary the README quotes.
"$venv/bin/python" - "$reports/index.json" <<'PY'
import collections, json, sys
cases = next(iter(json.load(open(sys.argv[1])).values()))
verdicts = collections.Counter(case["behavior"] for case in cases.values())
print(f"{len(cases)} cases:", ", ".join(f"{v} {n}" for v, n in sorted(verdicts.items())))
for case_id, case in sorted(cases.items()):
    if case["behavior"] != "OK":
        print(f"  {case_id}: {case['behavior']} (close code {case.get('remoteCloseCode')})")
PY
exit "$status"
