#!/usr/bin/env bash
# make fuzz: runs the libFuzzer target of check and build for SECONDS from
# a corpus seeded with the golden files, the examples and tests/fuzz/corpus
# (kept in build/fuzz/corpus between runs), and prints what it did.  A
# crash, a sanitizer report or a broken invariant (tests/fuzz/tool_fuzz.c)
# stops it with the input saved as build/fuzz/crash-* (replay it with
# `build/fuzz/fuzz_check FILE`; add it to tests/fuzz/corpus once fixed).
#   tests/fuzz/fuzz.sh build/fuzz/fuzz_check SECONDS
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:?usage: fuzz.sh FUZZ_CHECK SECONDS}
secs=${2:-60}
work=$(dirname "$bin")
corpus=$work/corpus
mkdir -p "$corpus"
for f in "$root"/tests/golden/check/*.infra "$root"/examples/*.infra "$here"/corpus/*; do
	[ -f "$f" ] && cp -n "$f" "$corpus/seed-$(basename "$f")"
done
log=$work/fuzz.log
# keys/ beside the corpus for nothing: the target serves file("*.pub") itself
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=32768 \
	-dict="$here/infra.dict" -artifact_prefix="$work/" -print_final_stats=1 \
	"$corpus" >"$log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
echo "fuzz: ${runs:-?} runs in $secs s (${rate:-?} per second), $(ls "$corpus" | wc -l) inputs in the corpus, ${cov:-cov: ?} edges"
if [ "$rc" != 0 ]; then
	grep -E 'ERROR|SUMMARY|tool_fuzz:|Test unit written' "$log" | head -20
	echo "fuzz: FAILED (exit $rc); the whole log is $log"
	exit 1
fi
echo "fuzz: no crash, no sanitizer report, no broken invariant"
