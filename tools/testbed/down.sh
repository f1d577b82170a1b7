#!/usr/bin/env bash
# Stops the test bed's background daemons started by up.sh; data stays in the state dir
# ${GITFLEET_STATE:-$HOME/.cache/gitfleet/testbed} unless --purge is given. Idempotent.
#   usage: down.sh [etcd|apiservers|nats|postgres|git|charts|registry|controllers|kwok ...]   (default: all parts)
#          down.sh --purge                      (stop all, delete the state dir)
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

purge=0
args=()
for a in "$@"; do
  case $a in
    --purge) purge=1 ;;
    -h | --help) sed -n '2,5p' "$0"; exit 0 ;;
    *) args+=("$a") ;;
  esac
done
if [[ $purge == 1 && ${#args[@]} -gt 0 ]]; then die "--purge stops everything; give no parts with it"; fi
parse_parts "${args[@]}"
[[ -d "$STATE" ]] || exit 0
take_lock

stop_postgres() {
  local data="$STATE/postgres/data" pgbin
  [[ -s "$data/PG_VERSION" ]] || return 0
  pgbin=$(pg_bindir) || return 0
  if as_pg "$pgbin/pg_ctl" status -D "$data" >/dev/null 2>&1; then
    as_pg "$pgbin/pg_ctl" stop -D "$data" -m fast -w -t 30 -s || die "pg_ctl stop failed; see $LOGS/postgres.log"
    log "stopped postgres"
  fi
}

# Stop in reverse start order (controllers and kwok before their apiserver, apiservers before the
# etcd they use). KWOK's fake Node objects stay in the apiserver; the next kwok start adopts them.
for ((i = ${#PARTS[@]} - 1; i >= 0; i--)); do
  case ${PARTS[$i]} in
    kwok) for s in "${WORKLOAD_SPOKES[@]}"; do stop_pid "kwok-$s" 10 & done; wait ;;
    controllers)
      for s in "${WORKLOAD_SPOKES[@]}"; do
        stop_pid "kube-scheduler-$s" 15 & stop_pid "kube-controller-manager-$s" 15 &
      done
      wait ;;
    git) stop_pid git 10 ;;
    charts) stop_pid charts 10 ;;
    registry) stop_pid registry 15 ;;
    postgres) stop_postgres ;;
    nats) stop_pid nats 20 ;;
    apiservers) for s in "${SPOKES[@]}"; do stop_pid "kube-apiserver-$s" 30 & done; wait ;;
    etcd) stop_pid etcd 20 ;;
  esac
done

if [[ $purge == 1 ]]; then
  rm -rf "$STATE"
  log "deleted $STATE"
fi
