# Shared by up.sh and down.sh: where the test bed lives, its fixed ports, and small helpers for
# background daemons (pid files under $STATE/run, logs under $STATE/logs). Sourced, not run.
# shellcheck shell=bash disable=SC2034 source-path=SCRIPTDIR

TESTBED_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$TESTBED_DIR/versions.env"
CACHE="${GITFLEET_CACHE:-$HOME/.cache/gitfleet}"
BIN="$CACHE/bin"
STATE="${GITFLEET_STATE:-$HOME/.cache/gitfleet/testbed}"
RUN="$STATE/run"
LOGS="$STATE/logs"
PKI="$STATE/pki"
KUBECONFIGS="$STATE/kubeconfigs"

ALL_PARTS=(etcd apiservers nats postgres git charts registry controllers kwok)
SPOKES=(spoke1 spoke2 spoke3 spoke4 spoke5)
declare -A SPOKE_PORT=([spoke1]=16443 [spoke2]=16444 [spoke3]=16445 [spoke4]=16446 [spoke5]=16447)
# Spokes that also run kube-controller-manager, kube-scheduler and KWOK (fake nodes/kubelets), so
# that Deployments there really roll out (or fail to): every spoke (issue #11). Each needs its own
# ports: spokeN has KWOK on 1724N, kube-controller-manager on 1725N and kube-scheduler on 1726N,
# except spoke3, which keeps the ports it had when it was the only such spoke (a running test bed
# started by an older up.sh is still found healthy).
WORKLOAD_SPOKES=("${SPOKES[@]}")
declare -A KCM_PORT=([spoke1]=17251 [spoke2]=17252 [spoke3]=17257 [spoke4]=17254 [spoke5]=17255)
declare -A SCHED_PORT=([spoke1]=17261 [spoke2]=17262 [spoke3]=17259 [spoke4]=17264 [spoke5]=17265)
declare -A KWOK_PORT=([spoke1]=17241 [spoke2]=17242 [spoke3]=17247 [spoke4]=17244 [spoke5]=17245)
KWOK_NODES=(kwok-node-0 kwok-node-1)
ETCD_PORT=12379
ETCD_PEER_PORT=12380
NATS_PORT=14222
NATS_MONITOR_PORT=18222
PG_PORT=15432
GIT_PORT=18080
CHART_PORT=18081
REGISTRY_PORT=15000

log() { printf '[testbed] %s\n' "$*" >&2; }
die() { printf '[testbed] ERROR: %s\n' "$*" >&2; exit 1; }

# parse_parts ARGS...: sets PARTS to the named parts (default all), in start order.
parse_parts() {
  local p ok
  PARTS=()
  if [[ $# -eq 0 ]]; then PARTS=("${ALL_PARTS[@]}"); return; fi
  for p in "$@"; do
    ok=0
    for q in "${ALL_PARTS[@]}"; do [[ "$p" == "$q" ]] && ok=1; done
    [[ $ok == 1 ]] || die "unknown part '$p' (parts: ${ALL_PARTS[*]})"
  done
  for q in "${ALL_PARTS[@]}"; do
    for p in "$@"; do [[ "$p" == "$q" ]] && { PARTS+=("$q"); break; }; done
  done
  return 0
}

wants() { local p; for p in "${PARTS[@]}"; do [[ "$p" == "$1" ]] && return 0; done; return 1; }

# alive PID: the process exists and is not a zombie waiting to be reaped by init.
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ "${stat:0:1}" != Z ]]
}

# pid_of NAME: prints the pid recorded for NAME if that process is alive and is still the
# binary we started (guards against pid reuse after a reboot); returns 1 otherwise.
pid_of() {
  local name=$1 f="$RUN/$1.pid" pid exe cmd
  [[ -s "$f" ]] || return 1
  pid=$(<"$f")
  [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  [[ -s "$RUN/$name.exe" ]] || return 1
  exe=$(<"$RUN/$name.exe")
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ "$cmd" == *"$exe"* ]] || return 1
  echo "$pid"
}

# daemon NAME LOG CMD...: starts CMD in its own session, detached from the caller's shell, with
# stdout/stderr appended to LOG, and records its pid in $RUN/NAME.pid.
daemon() {
  local name=$1 logf=$2; shift 2
  mkdir -p "$RUN" "$LOGS"
  rm -f "$RUN/$name.pid"
  printf '%s\n' "$1" >"$RUN/$name.exe"
  printf '\n==== %s: starting %s\n' "$(date -Is)" "$*" >>"$logf"
  # The inner shell writes its own pid and then execs the program, so the pid is the program's.
  # shellcheck disable=SC2016
  # fds 3-9 are closed so the daemon holds no lock of its caller: fd 9 (take_lock's), or the one a
  # `flock FILE cmd` wrapper around up.sh opened (fd 3), which would otherwise stay held for as
  # long as the daemon runs.
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$RUN/$name.pid" "$@" </dev/null >>"$logf" 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
  local i
  for i in $(seq 50); do [[ -s "$RUN/$name.pid" ]] && break; sleep 0.02; done
}

# stop_pid NAME [TIMEOUT]: SIGTERM the recorded process, SIGKILL after TIMEOUT seconds.
stop_pid() {
  local name=$1 timeout=${2:-20} pid i
  if pid=$(pid_of "$name"); then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < timeout * 20; i++)); do alive "$pid" || break; sleep 0.05; done
    if alive "$pid"; then
      log "$name (pid $pid) did not stop in ${timeout}s; killing"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    fi
    log "stopped $name (pid $pid)"
  fi
  rm -f "$RUN/$name.pid" "$RUN/$name.exe"
}

# port_busy PORT: true if something accepts TCP connections on 127.0.0.1:PORT.
port_busy() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# ensure_port_free PORT WHAT: fail clearly if a foreign process holds PORT.
ensure_port_free() {
  if port_busy "$1"; then
    local who=""
    command -v ss >/dev/null && who=$(ss -Hltnp "sport = :$1" 2>/dev/null | head -1)
    die "port 127.0.0.1:$1 (for $2) is taken by something that is not this test bed${who:+: $who}"
  fi
}

# wait_for WHAT LOG TIMEOUT NAME CMD...: retries CMD until it succeeds; fails pointing at LOG on
# timeout or, unless NAME is "-", as soon as the daemon recorded as NAME has exited.
wait_for() {
  local what=$1 logf=$2 timeout=$3 name=$4; shift 4
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [[ "$name" != - ]] && ! pid_of "$name" >/dev/null; then
      tail -n 15 "$logf" >&2 2>/dev/null || true
      die "$what exited while starting; see $logf"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 15 "$logf" >&2 2>/dev/null || true
      die "$what not ready after ${timeout}s; see $logf"
    fi
    sleep 0.2
  done
}

# take_lock: serialises concurrent up.sh/down.sh runs (tests may start in parallel).
take_lock() {
  mkdir -p "$STATE"
  exec 9>"$STATE/.lock"
  flock -w 600 9 || die "another up.sh/down.sh holds $STATE/.lock"
}

pg_bindir() {
  local d
  d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -1)
  [[ -n "$d" && -x "$d/initdb" ]] && echo "$d"
}

# as_pg CMD...: runs CMD as the postgres OS user when we are root (PostgreSQL refuses root).
as_pg() {
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
