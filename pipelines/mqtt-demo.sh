#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# mqtt-demo.sh: several pipelines publish their results to one MQTT broker
# and one consumer reads them all.  Starts a private mosquitto broker on
# 127.0.0.1 (Debian: apt install mosquitto mosquitto-clients) unless
# MNV3_BROKER names one (HOST:PORT), runs N classification pipelines
# (videotestsrc, one pattern each, source=cam1..camN) publishing to
# mnv3/cam1..mnv3/camN with mnv3metapublish, and prints what the consumer
# (mosquitto_sub -t 'mnv3/#') received: one line per message, topic first.
#
# Usage: pipelines/mqtt-demo.sh [N]      (default 2 pipelines)
# Environment: MNV3_BROKER, MNV3_NUM_BUFFERS (frames per pipeline, default
# 30), MNV3_QOS (default 1), and those of pipelines/common.sh.
set -eu
. "$(dirname "$0")/common.sh"
need_mnv3
need mnv3metapublish "build mnv3 with libmosquitto-dev installed"
command -v mosquitto_sub >/dev/null 2>&1 ||
  die "mosquitto_sub not found (Debian: apt install mosquitto-clients)"

n=${1:-2}
frames=${MNV3_NUM_BUFFERS:-30}
qos=${MNV3_QOS:-1}
tmp=$(mktemp -d)
broker_pid=""
cleanup() {
  [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

if [ -n "${MNV3_BROKER:-}" ]; then
  broker=$MNV3_BROKER
else
  bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
  [ -x "$bin" ] || die "no mosquitto broker (apt install mosquitto), or set MNV3_BROKER=HOST:PORT"
  port=${MNV3_PORT:-18830}
  printf 'listener %s 127.0.0.1\nallow_anonymous true\nuser %s\n' "$port" "$(id -un)" > "$tmp/broker.conf"
  "$bin" -c "$tmp/broker.conf" 2>"$tmp/broker.log" &
  broker_pid=$!
  broker=127.0.0.1:$port
  sleep 0.5
fi
host=${broker%:*}
port=${broker##*:}

# the consumer: every camera's messages, until all have arrived
mosquitto_sub -h "$host" -p "$port" -t 'mnv3/#' -q "$qos" -v \
  -C $((n * frames)) -W 120 > "$tmp/received" &
sub_pid=$!
sleep 0.5

patterns="smpte ball snow pinwheel gamut checkers-8 circular blink"
i=1
pids=""
for p in $patterns; do
  [ "$i" -le "$n" ] || break
  launch="videotestsrc num-buffers=$frames pattern=$p ! video/x-raw,width=320,height=240 ! $(classify) ! mnv3metaconvert source=cam$i ! mnv3metapublish method=mqtt address=$broker topic=mnv3/{source} qos=$qos ! fakesink"
  echo "+ gst-launch-1.0 -q $launch" >&2
  eval "gst-launch-1.0 -q $launch" &
  pids="$pids $!"
  i=$((i + 1))
done
for pid in $pids; do wait "$pid"; done
wait "$sub_pid" || die "the consumer did not get $((n * frames)) messages"

cut -c1-160 "$tmp/received"
echo "messages per topic:" >&2
cut -d' ' -f1 "$tmp/received" | sort | uniq -c >&2
