#!/usr/bin/env bash
# run-unit.sh TEST-BINARY... - run host unit tests; print one "ok"/"not ok"
# line per test case and a final "unit: N passed, M failed" line. A binary
# that crashes (ASan, UBSan, abort, timeout) counts as one more failure.
set -u
pass=0 fail=0
for t in "$@"; do
	name=$(basename "$t")
	out=$(CMOCKA_MESSAGE_OUTPUT=TAP timeout 300 "$t" 2>&1)
	rc=$?
	p=$(grep -c '^ok ' <<<"$out")
	f=$(grep -c '^not ok ' <<<"$out")
	pass=$((pass + p))
	fail=$((fail + f))
	grep -E '^(not )?ok ' <<<"$out" | sed -E "s/^(not ok|ok) [0-9]+ - /\1 - $name: /"
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		fail=$((fail + 1))
		echo "not ok - $name: exited with status $rc"
	fi
	if [ $rc -ne 0 ] || [ "$f" -ne 0 ]; then
		echo "$out" | grep -vE '^ok ' | sed "s/^/    $name| /"
	fi
done
echo "unit: $pass passed, $fail failed"
[ $fail -eq 0 ]
