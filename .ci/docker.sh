#!/usr/bin/env bash
# A Docker engine for the local images and the docker runtime, on machines without one running:
#   .ci/docker.sh start   reuse an engine that answers, else start Debian's dockerd of our own;
#                         prints its host (unix:///.../docker.sock) on stdout
#   .ci/docker.sh host    host of the engine in use (ours if running, else the default one);
#                         exit 3 when none answers
#   .ci/docker.sh stop    stop the dockerd that `start` started (and nothing else)
# Use it as: export DOCKER_HOST="$(.ci/docker.sh start)"
# Our dockerd keeps its data root, exec root, pidfile, socket and log under
# ${NOCOBASE_PLATFORM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nocobase-platform}/docker/, so it
# never touches a system engine's /var/lib/docker and its images survive a restart.
# Env: NOCOBASE_DOCKER_START_TIMEOUT (seconds, default 60),
#      NOCOBASE_DOCKERD_ARGS (extra dockerd arguments, e.g. "--storage-driver=vfs").
set -euo pipefail
# shellcheck source=lib/pidfile.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/pidfile.sh"

cache="${NOCOBASE_PLATFORM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nocobase-platform}"
dir="$cache/docker"
# A unix socket path holds at most ~107 bytes, and containerd puts its own socket under the exec
# root; with a deep cache dir both go to a short directory under /tmp named after the cache dir.
if [ "${#dir}" -le 60 ]; then
  run_dir="$dir"
else
  run_dir="${TMPDIR:-/tmp}/nocobase-platform-docker-$(printf '%s' "$dir" | sha1sum | cut -c1-12)"
fi
sock="$run_dir/docker.sock"
exec_root="$run_dir/exec"
ours="unix://$sock"
pidfile="$dir/dockerd.pid"
# Written only by `start` after it launched dockerd: `stop` stops nothing else.
started="$dir/started-by-docker.sh"
log="$dir/dockerd.log"
default_host="${DOCKER_HOST:-unix:///var/run/docker.sock}"

say() { echo "docker.sh: $*" >&2; }
die() { say "$*"; exit 1; }

answers() { timeout 10 docker -H "$1" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# The pid of the dockerd we started, when it still runs.
our_pid() { pidfile_pid "$started"; }

# dockerd refuses to start while its pidfile names a live process, and a machine that stopped
# without `stop` leaves the file behind; once the pid is reused by anything that is not a dockerd
# on our data root, every later start fails. A dockerd that does run on our data root but lost
# its record (the record went, the daemon did not) is stopped instead.
clear_stale_pidfile() {
  [ -f "$pidfile" ] || return 0
  local pid
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "dockerd" ] \
    && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--pidfile $pidfile"; then
    say "a dockerd on our data root (pid $pid) runs with no record of this script; stopping it"
    pidfile_write "$started" "$pid"
    cmd_stop
  fi
  rm -f "$pidfile"
}

# One attempt to launch dockerd with the given extra arguments; 0 once it answers.
launch() {
  local timeout="${NOCOBASE_DOCKER_START_TIMEOUT:-60}" pid deadline
  mkdir -p "$dir/data" "$exec_root"
  : >"$log"
  # setsid: the daemon outlives this script and the shell that ran it, and gets no terminal signals.
  # shellcheck disable=SC2086 # NOCOBASE_DOCKERD_ARGS is a list of words on purpose
  setsid dockerd \
    --data-root "$dir/data" \
    --exec-root "$exec_root" \
    --pidfile "$pidfile" \
    -H "$ours" \
    "$@" ${NOCOBASE_DOCKERD_ARGS:-} >"$log" 2>&1 </dev/null &
  pid=$!
  pidfile_write "$started" "$pid"
  deadline=$((SECONDS + timeout))
  until answers "$ours"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$started"
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 20 "$log" >&2
      cmd_stop
      die "dockerd did not answer within ${timeout} s (log: $log)"
    fi
    sleep 0.5
  done
}

cmd_start() {
  if our_pid >/dev/null && answers "$ours"; then echo "$ours"; return 0; fi
  if answers "$default_host"; then
    say "using the engine that already answers at $default_host"
    echo "$default_host"
    return 0
  fi
  command -v dockerd >/dev/null || "$(dirname "${BASH_SOURCE[0]}")/services.sh" install docker.io
  command -v dockerd >/dev/null || die "dockerd not found (apt-get install -y docker.io)"
  [ "$(id -u)" -eq 0 ] || die "starting dockerd needs root"
  # A dockerd of ours that hangs without answering is replaced.
  if our_pid >/dev/null; then cmd_stop; fi
  clear_stale_pidfile
  say "starting dockerd (data root $dir/data, log $log)"
  # Docker's own NAT and port rules need a kernel with iptables (nf_tables here); where it has
  # none, containers still reach each other on a bridge and published ports still work through
  # docker-proxy, so retry without them rather than fail.
  if ! launch; then
    grep -qi 'iptables' "$log" || { tail -n 20 "$log" >&2; die "dockerd exited during start (log: $log)"; }
    say "dockerd failed to set up iptables; retrying with --iptables=false"
    cp "$log" "$log.iptables-failed"
    launch --iptables=false --ip-masq=false \
      || { tail -n 20 "$log" >&2; die "dockerd exited during start (log: $log)"; }
  fi
  say "dockerd running (pid $(our_pid)) at $ours"
  echo "$ours"
}

cmd_host() {
  if our_pid >/dev/null && answers "$ours"; then echo "$ours"; return 0; fi
  if answers "$default_host"; then echo "$default_host"; return 0; fi
  say "no Docker engine answers (run: .ci/docker.sh start)"
  exit 3
}

cmd_stop() {
  local pid
  if ! pid="$(our_pid)"; then
    rm -f "$started"
    say "nothing to stop (no dockerd started by this script runs)"
    return 0
  fi
  say "stopping dockerd (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  # dockerd stops its containers (up to 15 s each by default) and its containerd before exiting.
  for _ in $(seq 1 120); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "dockerd still runs after 60 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    # A killed dockerd leaves the containerd it started behind.
    local cpid
    cpid="$(cat "$exec_root/containerd/containerd.pid" 2>/dev/null || true)"
    if [ -n "$cpid" ] && [ "$(cat "/proc/$cpid/comm" 2>/dev/null)" = "containerd" ]; then
      kill -KILL "$cpid" 2>/dev/null || true
    fi
  fi
  rm -f "$started"
  say "stopped"
}

case "${1:-}" in
  start) cmd_start ;;
  host) cmd_host ;;
  stop) cmd_stop ;;
  *) die "usage: $0 start|host|stop" ;;
esac
