# shellcheck shell=sh
# Helpers for guest scenarios: start zdevmon, wait until it is attached,
# snapshot it while a workload holds its mappings, stop it.
OUT=$1
ZFLAGS="-q -i 1"
[ "$ZDEV_MODE" = kprobe ] && ZFLAGS="$ZFLAGS --force-kprobes"
HTTP=127.0.0.1:9464
# test_hmm's device-coherent devices (hmm_dmirror2, 3) over the 512 MiB the
# guest reserves at 4 GiB (boot.sh): the whole upstream suite runs
# shellcheck disable=SC2034 # for scen/hmm.sh
TEST_HMM_COHERENT="spm_addr_dev0=0x100000000 spm_addr_dev1=0x110000000"

# zdev_start NAME: zdevmon writing $OUT/NAME.ndjson; waits for "start".
zdev_start() {
	zjson=$OUT/$1.ndjson
	rm -f "$zjson"
	# recorded too: check.py replays it on the host to the same NDJSON
	# shellcheck disable=SC2086 # ZFLAGS: several options
	zdevmon $ZFLAGS --json "$zjson" --record "$OUT/$1.zrec" \
		2>"$OUT/$1.stderr" &
	zpid=$!
	zdev_wait_start "$zjson" "$OUT/$1.stderr" || return 1
	zdev_caps "$1"
}

# zdev_wait_start NDJSON STDERR: until zdevmon ($zpid) wrote its start.
zdev_wait_start() {
	i=0
	until grep -q '"kind":"start"' "$1" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 600 ] || ! kill -0 "$zpid" 2>/dev/null; then
			echo "zdevmon did not start:"; cat "$2"
			return 1
		fi
		sleep 0.1
	done
}

# zdev_caps NAME: identity and capabilities of every thread of zdevmon,
# a "task TID COMM" line before each.
zdev_caps() {
	case " $ZFLAGS " in *" --listen "*) echo "listen 1" ;; esac >"$OUT/$1.caps"
	for t in /proc/"$zpid"/task/*; do
		echo "task ${t##*/} $(cat "$t/comm")"
		grep -E '^(Cap|NoNewPrivs|Uid|Gid)' "$t/status"
	done >>"$OUT/$1.caps"
}

# zdev_snapshot: one snapshot now (SIGUSR1), waits until it is written.
zdev_snapshot() {
	n=$(grep -c '"trigger":"signal"' "$zjson")
	kill -USR1 "$zpid"
	until [ "$(grep -c '"trigger":"signal"' "$zjson")" -gt "$n" ]; do
		sleep 0.1
	done
}

# uptime in centiseconds
cs() { tr -d . </proc/uptime | cut -d' ' -f1; }

# bad_request LABEL: stdin to the endpoint; "LABEL CS FIRST-LINE": how
# long until it answered or closed (10 s at most), and its status line.
bad_request() {
	t0=$(cs)
	line=$(timeout 10 nc 127.0.0.1 9464 | head -1 | tr -d '\r')
	echo "$1 $(($(cs) - t0)) ${line:-closed}"
}

# zdev_bad_requests NAME: what zdevmon's HTTP endpoint answers to a bad
# method, a malformed request line and a 64 KiB header, and how fast.
zdev_bad_requests() {
	{
		printf 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc' |
			bad_request post
		printf 'BOGUS\r\n\r\n' | bad_request bogus
		{ printf 'GET /metrics HTTP/1.1\r\nX: '
		  head -c 65536 /dev/zero | tr '\0' a
		  printf '\r\n\r\n'; } | bad_request huge
	} >"$OUT/$1.bad-requests" 2>&1
}

# zdev_http_dump NAME: a fresh snapshot (SIGUSR1 publishes it), then what
# the endpoint serves, into $OUT/NAME.{metrics,api.json,healthz}.
zdev_http_dump() {
	zdev_snapshot
	wget -q -O "$OUT/$1.metrics" "http://$HTTP/metrics"
	wget -q -O "$OUT/$1.api.json" "http://$HTTP/api/v1/snapshot"
	wget -q -O "$OUT/$1.healthz" "http://$HTTP/healthz"
}

zdev_stop() {
	kill -INT "$zpid"
	wait "$zpid"
	echo "zdevmon exit $?" >>"$OUT/$(basename "$zjson" .ndjson).stderr"
}

# proc_state PID: its state letter (T: stopped), nothing once it is gone
proc_state() { cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null; }

# stopped PID: has it stopped itself (SIGSTOP)?
stopped() { [ "$(proc_state "$1")" = T ]; }

# hold_run TRUTH CMD...: run a workload that stops itself (SIGSTOP) while
# its mappings are live; snapshot zdevmon each time, and let it go on.
hold_run() {
	truthf=$1; shift
	ZDEV_HOLD=1 "$@" >"$truthf" &
	wpid=$!
	while :; do
		st=$(proc_state $wpid)
		[ -z "$st" ] && break
		[ "$st" = T ] && zdev_snapshot && kill -CONT $wpid
		sleep 0.05
	done
	wait $wpid
}
