#!/bin/sh
# In an image build nothing runs an init system: maintainer scripts must not start services
# (an entry point starts the one service of a container).
exit 101
