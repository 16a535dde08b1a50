# shellcheck shell=bash
# Pid files that survive a machine restart must not name whatever process reuses the pid later:
# `stop` would kill it and `start` would think the service runs. Each file holds the pid and the
# process's start time (clock ticks since boot, /proc/PID/stat field 22); a pid only counts as
# ours while both match.

# The start time of a running process, or nothing.
pidfile_started_at() {
  local stat fields
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  # The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  read -r -a fields <<<"${stat##*) }"
  echo "${fields[19]}"
}

# pidfile_write FILE PID
pidfile_write() {
  echo "$2 $(pidfile_started_at "$2")" >"$1"
}

# pidfile_pid FILE: prints the pid when the process the file names still runs; else returns 1.
pidfile_pid() {
  [ -f "$1" ] || return 1
  local pid at
  read -r pid at <"$1" || [ -n "${pid:-}" ] || return 1
  [ -n "$pid" ] && [ -n "${at:-}" ] || return 1
  [ "$(pidfile_started_at "$pid")" = "$at" ] || return 1
  echo "$pid"
}
