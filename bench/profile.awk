# SPDX-License-Identifier: GPL-2.0
#
# Summarise the two traces mxbench --trace dumps (N and 2N iterations of one
# figure, function-graph tracer): for each kernel function, how many times
# one iteration calls it, from the difference of the two (set-up and
# tear-down cancel out). Durations in the trace are not used: the tracer's
# own cost swamps them.
/^TRACE-BEGIN / {
	name = $2; sub(/^name=/, "", name)
	n = $3; sub(/^iters=/, "", n)
	run++
	iters[run] = n
	next
}
/^TRACE-END / { run_done = run; next }
run > run_done && /\(\)( \{|;)/ {
	f = $0
	sub(/^.*\| */, "", f)
	sub(/\(\).*$/, "", f)
	sub(/ \[[A-Za-z0-9_]+\]$/, "", f)
	count[run, f]++
	seen[f] = 1
}
END {
	if (run < 2 || iters[2] <= iters[1]) {
		print "profile: no pair of traces in the log" > "/dev/stderr"
		exit 1
	}
	d = iters[2] - iters[1]
	printf("%s: kernel function calls per iteration (traced system calls,\n", name)
	printf("difference of %d and %d iterations)\n\n", iters[2], iters[1])
	for (f in seen) {
		per = (count[2, f] - count[1, f]) / d
		total += per
		if (per >= 0.25)
			printf("%10.2f  %s\n", per, f) | "sort -rn"
	}
	close("sort -rn")
	printf("%10.2f  (all functions)\n", total)
}
