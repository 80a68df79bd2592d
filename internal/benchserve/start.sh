#!/usr/bin/env bash
# Start-up benchmark of feedpub serve, for each folder size N given:
#   cold      serve on an empty output folder: seconds to the first answer
#             of /rss.xml, to its first gzip'd answer, and write-to-served
#             (a new post written each second during the first minute after
#             the first answer, until /rss.xml shows it: p50, p90, max);
#             peak RSS and CPU (user+sys) of the whole run; with -a, the
#             run lasts until the pager has written every page (the log's
#             "pages written") and serve is idle (the packer done too), so
#             that its peak RSS covers them
#   restart   serve again on what the cold run published and its state:
#             seconds to the first answer, the first rebuild (the check of
#             the folder), peak RSS
# It prints figures; it never fails on one. Wall times are noisy on a
# shared machine: compare CPU, and repeat.
#
#   internal/benchserve/start.sh [-n 10000,100000] [-w SECONDS] [-d DIR] [-a]
#
# Posts are generated once (feedpub gen) under DIR (default
# /tmp/feedpub-bench/serve) and kept for the next run.
set -euo pipefail

sizes=10000,100000 writes=60 dir=/tmp/feedpub-bench/serve all=
while getopts "n:w:d:a" o; do
	case $o in
	n) sizes=$OPTARG ;;
	w) writes=$OPTARG ;;
	d) dir=$OPTARG ;;
	a) all=1 ;;
	*) echo "usage: $0 [-n sizes] [-w seconds] [-d dir] [-a]" >&2; exit 2 ;;
	esac
done
root=$(cd "$(dirname "$0")/../.." && pwd)
for tool in go curl python3; do
	command -v "$tool" >/dev/null || { echo "benchserve: $tool not found; skipping" >&2; exit 0; }
done
[ -x /usr/bin/time ] || { echo "benchserve: /usr/bin/time (GNU time) not found; skipping" >&2; exit 0; }
mkdir -p "$dir"
bin="$dir/feedpub"
(cd "$root" && go build -o "$bin" ./cmd/feedpub)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	wait 2>/dev/null || true
	rm -rf "$dir"/trash-*
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"

# serve_start LOG: starts serve under GNU time; sets pid.
serve_start() {
	/usr/bin/time -v "$bin" serve -seeds "$seeds" -out "$out" -addr "127.0.0.1:$port" 2>"$1" &
	pid=$!
	t0=$(date +%s.%N)
}
serve_stop() {
	kill -INT "$(pgrep -P "$pid")" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=
}
since() { python3 -c "import sys; print(f'{float(sys.argv[1]) - float(sys.argv[2]):.2f}')" "$(date +%s.%N)" "$t0"; }
wait_first() {
	until curl -fs -o /dev/null "$url/rss.xml"; do sleep 0.02; done
	since
}
wait_gzip() {
	until curl -fsI -H 'Accept-Encoding: gzip' "$url/rss.xml" | grep -qi '^content-encoding: gzip'; do sleep 0.1; done
	since
}
# idle PID: waits until the process PID has used under 50 ms of CPU in 5 s.
idle() {
	local was now
	was=$(awk '{print $14 + $15}' "/proc/$1/stat")
	while sleep 5; do
		now=$(awk '{print $14 + $15}' "/proc/$1/stat")
		[ $((now - was)) -lt $(($(getconf CLK_TCK) / 20)) ] && return
		was=$now
	done
}
figures() { # LOG: peak RSS and CPU of a stopped run
	awk -F': ' '/Maximum resident/{rss=$2} /User time/{u=$2} /System time/{s=$2} END{printf "peak RSS %d MB, CPU %.1f s (user %.1f + sys %.1f)\n", rss/1024, u+s, u, s}' "$1"
}

for n in ${sizes//,/ }; do
	seeds="$dir/seeds-$n" out="$dir/out-$n"
	rm -f "$seeds"/live-*.md
	[ -d "$seeds" ] || "$bin" gen -n "$n" -out "$seeds" -quiet
	# The last run's output is moved aside, and removed only at the end: on
	# this ext4 (no journal), files made within ~30 s of a mass deletion
	# pay a scan of the deleted inodes (recently_deleted), which made a
	# first answer right after `rm -rf` of 100,000 pages 2-3 times slower.
	[ -d "$out" ] && mv "$out" "$dir/trash-$n-$$"
	echo "== $n posts, cold (empty output folder)"
	serve_start "$dir/cold-$n.log"
	echo "first answer $(wait_first) s"
	wait_gzip >"$dir/gz-$n" &
	gzpid=$!
	python3 - "$seeds" "$url" "$writes" <<'PY'
import sys, time, datetime, urllib.request, statistics
seeds, url, secs = sys.argv[1], sys.argv[2], int(sys.argv[3])
lat, end, k = [], time.time() + secs, 0
while time.time() < end:
    k += 1
    title = f"live post {k} {time.time_ns()}"
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S +0000")
    t0 = time.time()
    with open(f"{seeds}/live-{k}.md", "w") as f:
        f.write(f"---\ntitle: {title}\ndate: {date}\ncategories: [live]\n---\n<p>{title}</p>\n")
    while time.time() - t0 < 60:
        try:
            if title.encode() in urllib.request.urlopen(url + "/rss.xml", timeout=5).read():
                break
        except Exception:
            pass
        time.sleep(0.01)
    lat.append(time.time() - t0)
    time.sleep(max(0, 1 - (time.time() - t0)))
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print(f"write-to-served over the first {secs} s: {len(lat)} posts, p50 {1000*statistics.median(lat):.0f} ms, p90 {1000*q(0.9):.0f} ms, max {1000*lat[-1]:.0f} ms")
PY
	wait "$gzpid"
	echo "first gzip'd answer $(cat "$dir/gz-$n") s"
	if [ -n "$all" ]; then
		until grep -q 'msg="pages written"' "$dir/cold-$n.log"; do sleep 0.5; done
		echo "pager done at $(since) s: $(grep -m1 'msg="pages written"' "$dir/cold-$n.log" | grep -o 'files=.*')"
		idle "$(pgrep -P "$pid")"
		echo "idle at $(since) s"
	fi
	serve_stop
	figures "$dir/cold-$n.log"
	echo "== $n posts, restart (the cold run's folder and state)"
	serve_start "$dir/restart-$n.log"
	echo "first answer $(wait_first) s"
	until grep -q 'msg=rebuilt' "$dir/restart-$n.log"; do sleep 0.1; done
	grep -m1 'msg=rebuilt' "$dir/restart-$n.log" | grep -o 'written=[0-9]* .*duration=[^ ]*'
	sleep 5
	serve_stop
	figures "$dir/restart-$n.log"
	rm -f "$seeds"/live-*.md
done
