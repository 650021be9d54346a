#!/bin/sh
# The container image's entry point (the Dockerfile's ENTRYPOINT, behind tini): the first argument
# names the deployable; `exec` hands the PID to Node so SIGTERM from ECS (forwarded by tini)
# reaches the service's own graceful shutdown.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
service="${1:-}"
[ $# -gt 0 ] && shift
case "$service" in
  command-api | query-api | stream-consumer | integration-publisher) exec node "$here/dist/$service/main.js" "$@" ;;
  parked-records | rebuild) exec node "$here/dist/cli/$service/main.js" "$@" ;;
  *)
    echo "usage: <command-api | query-api | stream-consumer | integration-publisher | parked-records | rebuild> [args...]" >&2
    exit 64
    ;;
esac
