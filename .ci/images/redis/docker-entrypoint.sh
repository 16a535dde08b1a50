#!/bin/sh
# Entry point of nocobase-platform-local/redis: `docker run IMAGE --opt value` passes options to
# redis-server (as with the official image); any other command runs as given. The server is
# exec'd, so it is PID 1 and shuts down on the engine's SIGTERM.
set -eu
if [ "$#" -eq 0 ]; then set -- redis-server /etc/redis/container.conf; fi
case "$1" in
  -*) set -- redis-server /etc/redis/container.conf "$@" ;;
esac
exec "$@"
