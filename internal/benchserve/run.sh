#!/usr/bin/env bash
# Serving benchmark: feedpub serve and nginx (gzip_static, sendfile) side
# by side on loopback, on the same precompressed bytes of the bundled
# seeds, driven by wrk: nginx serves the very folder serve publishes into
# (the files and the .gz siblings serve writes in the background). Prints requests/s and p50/p99 latency for
#   gzip      the largest category feed, gzip'd
#   304       a revalidation with If-None-Match
#   filtered  a filtered request (?filter=...&limit=10; feedpub only)
# and the ratio feedpub/nginx. The machine is shared and noisy, so the
# cases run in several rounds, feedpub and nginx taking turns, and the
# summary gives the median of each. It prints figures; it never fails on
# one.
#
#   internal/benchserve/run.sh [-d SECONDS] [-r ROUNDS] [-c CONNECTIONS] [-t THREADS] [-n POSTS]
#
# -n adds POSTS generated posts (deterministic, about 1,250 characters of
# varied CJK text each, in one category "bench") to the seeds, for a full
# category feed of realistic size: with 50, about 120 KB gzip'd.
#
# Needs go, wrk and nginx (Debian: wrk, nginx-light). Every server binds
# to 127.0.0.1 on a free port and is stopped on exit.
set -euo pipefail

dur=5 rounds=3 conns=32 threads=1 gen=0
while getopts "d:r:c:t:n:" o; do
	case $o in
	d) dur=$OPTARG ;;
	r) rounds=$OPTARG ;;
	c) conns=$OPTARG ;;
	t) threads=$OPTARG ;;
	n) gen=$OPTARG ;;
	*) echo "usage: $0 [-d seconds] [-r rounds] [-c connections] [-t threads] [-n posts]" >&2; exit 2 ;;
	esac
done

root=$(cd "$(dirname "$0")/../.." && pwd)
for tool in go wrk nginx curl; do
	command -v "$tool" >/dev/null || { echo "benchserve: $tool not found; skipping the serving benchmark" >&2; exit 0; }
done

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
fp_port=$(freeport)
ng_port=$(freeport)
url="http://127.0.0.1:$fp_port/"

cd "$root"
go build -o "$work/feedpub" ./cmd/feedpub
seeds="$root/seeds"
if [ "$gen" -gt 0 ]; then
	seeds="$work/seeds"
	cp -r "$root/seeds" "$seeds"
	mkdir -p "$seeds/bench"
	python3 - "$seeds/bench" "$gen" <<'PY'
import random, sys, datetime
out, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(1)
start = datetime.datetime(2025, 3, 1, 8, 0)
for i in range(n):
    paras = []
    for _ in range(5):
        paras.append("<p>" + "".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(250)) + "。</p>")
    date = (start + datetime.timedelta(hours=i)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    with open(f"{out}/bench-{i:04d}.txt", "w", encoding="utf-8") as f:
        f.write(f"---\ntitle: 'Bench post {i}'\ncategories:\n - bench\ndate: {date}\nauthor: bench\n---\n\n" + "\n".join(paras) + "\n")
PY
fi
cat >"$work/feedpub.yaml" <<EOF
site:
  url: $url
EOF
# The same bytes for both: serve publishes into public/ (and writes the
# .gz and .br siblings in the background); nginx serves that folder.
"$work/feedpub" serve -config "$work/feedpub.yaml" -seeds "$seeds" -out "$work/public" -addr "127.0.0.1:$fp_port" 2>"$work/serve.log" &
pids+=($!)

mkdir -p "$work/nginx/logs"
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $work/nginx/body;
	proxy_temp_path $work/nginx/proxy;
	fastcgi_temp_path $work/nginx/fastcgi;
	uwsgi_temp_path $work/nginx/uwsgi;
	scgi_temp_path $work/nginx/scgi;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	types { application/rss+xml xml; application/feed+json json; text/html html; }
	server {
		listen 127.0.0.1:$ng_port;
		root $work/public;
		location ~ /\. { deny all; }
		gzip_static on;
		gzip_vary on;
		etag on;
	}
}
EOF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
pids+=($!)

for i in $(seq 1 600); do
	if curl -fs "${url}healthz" >/dev/null && curl -fs "http://127.0.0.1:$ng_port/rss.xml" >/dev/null; then break; fi
	sleep 0.1
done
chmod -R a+rX "$work/public"
# Until the siblings are written, neither server sends the feed gzip'd.
for i in $(seq 1 600); do
	if ls "$work"/public/categories/*/rss.xml.gz >/dev/null 2>&1 && [ -z "$(find "$work/public" -name '*.xml' -newer "$work/feedpub.yaml" ! -path '*/.*' -exec sh -c '[ -e "$1.gz" ] || echo "$1"' _ {} \; | head -1)" ]; then break; fi
	sleep 0.2
done
chmod -R a+rX "$work/public"

# The largest category feed, by its gzip'd size.
feed=$(cd "$work/public" && ls -S categories/*/rss.xml.gz | head -1)
feed=${feed%.gz}
path="/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$feed")"
size=$(stat -c %s "$work/public/$feed.gz")
if ! cmp -s <(curl -fs -H 'Accept-Encoding: gzip' "http://127.0.0.1:$fp_port$path") "$work/public/$feed.gz"; then
	echo "benchserve: feedpub's answer and the folder's $feed.gz differ; comparing anyway" >&2
fi

etag() { curl -fsI -H 'Accept-Encoding: gzip' "$1" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}'; }
fp_etag=$(etag "http://127.0.0.1:$fp_port$path")
ng_etag=$(etag "http://127.0.0.1:$ng_port$path")
filter="?filter=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("数据|AI|data"))')&limit=10"

# run NAME URL [HEADER...]: wrk, then one line of figures; the line is
# also kept for the summary.
run() {
	local name=$1 u=$2
	shift 2
	local args=()
	for h in "$@"; do args+=(-H "$h"); done
	local out
	out=$(wrk -t"$threads" -c"$conns" -d"${dur}s" --latency "${args[@]}" "$u")
	local rps p50 p99 errs
	rps=$(awk '/^Requests\/sec/{print $2}' <<<"$out")
	p50=$(awk '$1=="50%"{print $2}' <<<"$out")
	p99=$(awk '$1=="99%"{print $2}' <<<"$out")
	errs=$(awk '/Non-2xx or 3xx/{print $5}' <<<"$out")
	printf '%-6s %-10s %-8s %12s %10s %10s%s\n' "$round" "$name" "$server" "$rps" "$p50" "$p99" "${errs:+  non-2xx/3xx: $errs}"
	echo "$name $server $rps $p50 $p99" >>"$work/results"
}

echo "feed: $path ($size bytes gzip'd); wrk -t$threads -c$conns -d${dur}s x $rounds rounds; $(nproc) cores; $(go version | awk '{print $3}'), $(nginx -v 2>&1 | awk -F/ '{print "nginx " $2}')"
printf '%-6s %-10s %-8s %12s %10s %10s\n' round case server requests/s p50 p99
for round in $(seq 1 "$rounds"); do
	for name in gzip 304; do
		for server in feedpub nginx; do
			port=$fp_port tag=$fp_etag
			[ $server = nginx ] && port=$ng_port tag=$ng_etag
			hdrs=("Accept-Encoding: gzip")
			[ $name = 304 ] && hdrs+=("If-None-Match: $tag")
			run $name "http://127.0.0.1:$port$path" "${hdrs[@]}"
		done
	done
	server=feedpub
	run filtered "http://127.0.0.1:$fp_port$path$filter" "Accept-Encoding: gzip"
done

# Summary: the median run (by requests/s) of each case and server.
echo
echo "median of $rounds rounds:"
printf '%-10s %-8s %12s %10s %10s\n' case server requests/s p50 p99
for key in "gzip feedpub" "gzip nginx" "304 feedpub" "304 nginx" "filtered feedpub"; do
	grep "^$key " "$work/results" | sort -k3,3g | awk -v n="$rounds" 'NR==int((n+1)/2){printf "%-10s %-8s %12s %10s %10s\n", $1, $2, $3, $4, $5}'
done | tee "$work/summary"
med() { awk -v c="$1" -v s="$2" '$1==c && $2==s{print $3}' "$work/summary"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a/b; else print "n/a" }'; }
echo "feedpub/nginx requests/s: gzip $(ratio "$(med gzip feedpub)" "$(med gzip nginx)")x (target 0.8x), 304 $(ratio "$(med 304 feedpub)" "$(med 304 nginx)")x"
