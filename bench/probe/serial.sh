#!/bin/sh
# The raw commands a person would run to learn the same facts, one after another.
docker info >/dev/null 2>&1
lscpu >/dev/null 2>&1
free -b >/dev/null 2>&1
df -P >/dev/null 2>&1
ip -j addr >/dev/null 2>&1
cat /proc/meminfo >/dev/null 2>&1
if command -v nvidia-smi >/dev/null 2>&1; then nvidia-smi -q -x >/dev/null 2>&1; fi
exit 0
