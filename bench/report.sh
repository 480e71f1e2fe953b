#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# report.sh LOG OUTDIR NAME: turn mxbench's machine-readable lines (INFO,
# RESULT, RATIO, SKIP, FAIL, END; other lines are ignored) into
#   OUTDIR/NAME.txt   a plain-text table of figures and ratios
#   OUTDIR/NAME.csv   the same, one row per figure or ratio
#   OUTDIR/NAME.png   a bar chart of the ratios (gnuplot; skipped if absent)
#
# Exit status: 0 if the run ended (an END line) with no FAIL line, else 1.

set -uo pipefail
export LC_ALL=C

[ $# -eq 3 ] || { echo "usage: $0 LOG OUTDIR NAME" >&2; exit 2; }
LOG=$1
OUT=$2
NAME=$3
[ -r "$LOG" ] || { echo "report: $LOG not found" >&2; exit 1; }
mkdir -p "$OUT"
TXT="$OUT/$NAME.txt"
CSV="$OUT/$NAME.csv"
PNG="$OUT/$NAME.png"
DAT="$OUT/$NAME.ratios.dat"

# Lines as the VM delivers them may carry CRs; keep only ours.
CLEAN=$(mktemp)
trap 'rm -f "$CLEAN"' EXIT
tr -d '\r' <"$LOG" | grep -E '^(INFO|RESULT|RATIO|SKIP|FAIL|END)( |$)' >"$CLEAN"

# ---- the table and the CSV -------------------------------------------------
awk -v txt="$TXT" -v csv="$CSV" -v dat="$DAT" '
function kv(line,    i, n, f, p) {
	delete F
	n = split(line, f, " ")
	for (i = 2; i <= n; i++) {
		p = index(f[i], "=")
		if (p)
			F[substr(f[i], 1, p - 1)] = substr(f[i], p + 1)
	}
}
function fmt(v) {
	if (v == "" || v == "-")
		return "-"
	v += 0
	if (v >= 1e6 || (v < 0.01 && v > 0))
		return sprintf("%.3g", v)
	if (v >= 100)
		return sprintf("%.0f", v)
	return sprintf("%.3g", v)
}
BEGIN {
	print "kind,group,name,value,unit,min,max,reps,iters,num,den,better,target,met" >csv
}
/^INFO / {
	sub(/^INFO /, "")
	info = info "  " $0 "\n"
	if (match($0, /label=[^ ]+/))
		label = substr($0, RSTART + 6, RLENGTH - 6)
	next
}
/^RESULT / {
	kv($0)
	nr++
	rg[nr] = F["group"]; rn[nr] = F["name"]; rv[nr] = F["value"]
	ru[nr] = F["unit"]; rlo[nr] = F["min"]; rhi[nr] = F["max"]
	rreps[nr] = F["reps"]; rit[nr] = F["iters"]
	printf "result,%s,%s,%s,%s,%s,%s,%s,%s,,,,,\n", F["group"], F["name"],
	       F["value"], F["unit"], F["min"], F["max"], F["reps"], F["iters"] >csv
	next
}
/^RATIO / {
	kv($0)
	nq++
	qg[nq] = F["group"]; qn[nq] = F["name"]; qv[nq] = F["value"]
	qlo[nq] = F["min"]; qhi[nq] = F["max"]; qb[nq] = F["better"]
	qt[nq] = F["target"]; qm[nq] = F["met"]
	printf "ratio,%s,%s,%s,x,%s,%s,,,%s,%s,%s,%s,%s\n", F["group"], F["name"],
	       F["value"], F["min"], F["max"], F["num"], F["den"], F["better"],
	       F["target"], F["met"] >csv
	next
}
/^SKIP / { kv($0); skips = skips sprintf("  SKIP  %s: %s\n", F["name"], F["reason"]); next }
/^FAIL / { kv($0); fails = fails sprintf("  FAIL  %s: %s\n", F["name"], F["reason"]); nfail++; next }
/^END / { ended = 1 }
END {
	printf "mxbench report (%s)\n%s\n", label, info >txt
	printf "Figures: median of the repetitions, with min and max; ns = nanoseconds\n" >txt
	printf "per operation (under ICOUNT=1: guest instructions), MB/s and msg/s are rates.\n\n" >txt
	printf "%-12s %-36s %12s %-6s %12s %12s %s\n", "group", "figure", "median",
	       "unit", "min", "max", "reps x iters" >txt
	for (i = 1; i <= nr; i++)
		printf "%-12s %-36s %12s %-6s %12s %12s %s x %s\n", rg[i], rn[i],
		       fmt(rv[i]), ru[i], fmt(rlo[i]), fmt(rhi[i]), rreps[i], rit[i] >txt
	printf "\nRatios: this project / the alternative, measured in the same run;\n" >txt
	printf "min and max are over the per-repetition ratios.\n\n" >txt
	printf "%-12s %-40s %9s %19s %-7s %-8s %s\n", "group", "ratio", "value",
	       "min..max", "better", "target", "met" >txt
	for (i = 1; i <= nq; i++) {
		printf "%-12s %-40s %9s %19s %-7s %-8s %s\n", qg[i], qn[i], fmt(qv[i]),
		       fmt(qlo[i]) ".." fmt(qhi[i]), qb[i], qt[i], qm[i] >txt
		# the chart: dimensionless ratios only (not the bytes figure)
		if (qn[i] !~ /^memory\.idle_pair\.msgpipe$/)
			printf "%d \"%s\" %s %s\n", nq_chart++, qn[i], qv[i],
			       qm[i] == "yes" ? 1 : qm[i] == "no" ? 2 : 0 >dat
	}
	ntarget = 0
	for (i = 1; i <= nq; i++)
		if (qt[i] != "-") {
			ntarget++
			if (qm[i] == "yes") nmet++
		}
	printf "\nTargets: %d of %d met.\n", nmet, ntarget >txt
	for (i = 1; i <= nq; i++)
		if (qt[i] != "-")
			printf "  %-7s %-40s %s (target %s)\n",
			       qm[i] == "yes" ? "met" : "MISSED", qn[i], fmt(qv[i]), qt[i] >txt
	if (skips != "")
		printf "\nSkipped:\n%s", skips >txt
	if (fails != "")
		printf "\nFailures:\n%s", fails >txt
	if (!ended)
		printf "\nThe run did not finish (no END line).\n" >txt
	close(dat)
	exit (nfail || !ended) ? 1 : 0
}' "$CLEAN"
rc=$?
[ -e "$DAT" ] || : >"$DAT"

# ---- the chart ------------------------------------------------------------------
if ! command -v gnuplot >/dev/null; then
	echo "report: gnuplot not installed (apt-get install gnuplot-nox): no $PNG" >&2
elif [ -s "$DAT" ]; then
	n=$(wc -l <"$DAT")
	label=$(sed -n 's/^INFO label=\([^ ]*\).*/\1/p' "$CLEAN" | head -n1)
	gnuplot <<EOF || echo "report: gnuplot failed" >&2
set terminal pngcairo size $((400 + 28 * n)),720 font "sans,9" noenhanced
set output "$PNG"
set title "mxbench ratios, message pipes / alternative ($label)\ngreen: target met, red: target missed, grey: no target; lower is better for times, higher for rates"
set logscale y 10
set yrange [0.01:*]
set ylabel "ratio (log scale)"
set style fill solid 0.8 border -1
set boxwidth 0.7
set xtics rotate by 60 right nomirror
set grid ytics
set key off
set xrange [-1:$n]
set arrow from -1,1 to $n,1 nohead lw 1.5 lc rgb "black"
set palette defined (0 "#999999", 1 "#2ca02c", 2 "#d62728")
set cbrange [0:2]
unset colorbox
plot "$DAT" using 1:3:4:xtic(2) with boxes lc palette
EOF
fi
rm -f "$DAT"
echo "report: $TXT, $CSV$( [ -s "$PNG" ] && echo ", $PNG")"
exit $rc
