#!/bin/sh
# The fuzz smoke test (TAP): each libFuzzer target of tests/fuzz runs over
# its seed corpus (every seed, so every regression case, once) and then
# FUZZ_RUNS (default 2000) mutated inputs, with a fixed seed. One check per
# target: no crash, no leak, no sanitizer report, no input over 25 s.
# New inputs go to a temporary directory, never into the source tree.
set -u
: "${top_srcdir:?run through make check or make fuzz-smoke}"
: "${top_builddir:?run through make check or make fuzz-smoke}"
runs=${FUZZ_RUNS:-2000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/certdeck-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
n=0
failed=0
for dir in "$top_srcdir"/tests/fuzz/corpus/*/; do
	name=$(basename "$dir")
	bin=$top_builddir/tests/fuzz/fuzz_$name
	n=$((n + 1))
	if [ ! -x "$bin" ]; then
		echo "not ok $n - fuzz_$name: not built"
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$tmp/$name"
	if "$bin" -runs="$runs" -seed=1 -timeout=25 -max_total_time=300 \
	    -print_final_stats=1 -artifact_prefix="$tmp/$name/" \
	    "$tmp/$name" "$dir" >"$tmp/$name.log" 2>&1; then
		stats=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$name.log")
		echo "ok $n - fuzz_$name: ${stats:-?} executions"
	else
		echo "not ok $n - fuzz_$name"
		grep -E 'ERROR|SUMMARY|==[0-9]+==|#[0-9]+' "$tmp/$name.log" | head -n 30 | sed 's/^/# /'
		for f in "$tmp/$name"/crash-* "$tmp/$name"/leak-* "$tmp/$name"/timeout-*; do
			[ -f "$f" ] && echo "# input ($f): $(od -An -c "$f" | head -n 4 | tr -s ' ')"
		done
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$n" -gt 0 ] && [ "$failed" -eq 0 ]
