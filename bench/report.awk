# SPDX-License-Identifier: MIT
# bench/report.awk: the comparison table of bench/run.sh. Input: the peer
# harness's run*.tsv files (columns: scenario tcp1_gbps tcp4_gbps udp_kpps
# udp_loss tcp1_cpu tcp1_busy tcp4_cpu tcp4_busy udp_cpu udp_busy mtu vnet);
# -v rssfile=<pid hwm_kB rss_kB lines> -v runs=N.

function med(key, n,   i, j, t, a) {
	for (i = 1; i <= n; i++)
		a[i] = v[key, i]
	for (i = 2; i <= n; i++) {
		t = a[i]
		for (j = i - 1; j >= 1 && a[j] > t; j--)
			a[j + 1] = a[j]
		a[j + 1] = t
	}
	lo = a[1]; hi = a[n]
	return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function add(sc, c, x) { v[sc SUBSEP c, ++cnt[sc, c]] = x }
function cell(sc, c, f,   n, m) {
	n = cnt[sc, c]
	if (n == 0)
		return "FAIL"
	m = med(sc SUBSEP c, n)
	M[sc, c] = m
	if (n == 1)
		return sprintf(f, m)
	return sprintf(f " [" f "-" f "]", m, lo, hi)
}
FNR == 1 { next }
{
	sc = $1
	if (!(sc in seen)) { seen[sc] = 1; order[++ns] = sc }
	for (c = 2; c <= 11; c++)
		if ($c ~ /^[0-9.]+$/)
			add(sc, c, $c + 0)
	# daemon CPU (100 = one core, both ends) per Gbit/s and per 100 kpps
	if ($2 ~ /^[0-9.]+$/ && $6 ~ /^[0-9.]+$/ && $2 > 0 && $6 > 0) add(sc, 21, $6 / $2)
	if ($3 ~ /^[0-9.]+$/ && $8 ~ /^[0-9.]+$/ && $3 > 0 && $8 > 0) add(sc, 22, $8 / $3)
	if ($4 ~ /^[0-9.]+$/ && $10 ~ /^[0-9.]+$/ && $4 > 0 && $10 > 0) add(sc, 23, 100 * $10 / $4)
	vnet[sc] = $13
}
END {
	printf "%-12s | %-19s | %-19s | %-16s | %-15s | %-15s | %-15s | %s\n", "scenario", "TCP 1 Gbit/s",
	       "TCP 4 Gbit/s", "UDP 64B kpps", "CPU%/Gbit 1st", "CPU%/Gbit 4st", "CPU%/100kpps", "vnet_hdr"
	for (i = 1; i <= ns; i++) {
		sc = order[i]
		printf "%-12s | %-19s | %-19s | %-16s | %-15s | %-15s | %-15s | %s\n", sc, cell(sc, 2, "%.2f"),
		       cell(sc, 3, "%.2f"), cell(sc, 4, "%.0f"), cnt[sc, 21] ? cell(sc, 21, "%.0f") : "-",
		       cnt[sc, 22] ? cell(sc, 22, "%.0f") : "-", cnt[sc, 23] ? cell(sc, 23, "%.0f") : "-", vnet[sc]
	}
	printf "(median [min-max] of %d runs; CPU%% = both tunnel daemons, 100 = one core)\n", runs

	if ("tapwire" in seen) {
		print ""
		print "tapwire-wg's ratio to each (medians; target in brackets):"
		tgt["wg-go", 2] = 6; tgt["wg-go", 3] = 6; tgt["wg-go", 4] = 3.5
		tgt["fastd-null", 2] = 3; tgt["fastd-null", 3] = 3
		printf "%-12s | %-14s | %-14s | %-14s\n", "peer", "TCP 1 stream", "TCP 4 streams", "UDP 64B pps"
		for (i = 1; i <= ns; i++) {
			sc = order[i]
			if (sc == "tapwire")
				continue
			line = sprintf("%-12s", sc)
			for (c = 2; c <= 4; c++) {
				r = "-"
				if (M[sc, c] > 0 && M["tapwire", c] > 0) {
					r = sprintf("%.2fx", M["tapwire", c] / M[sc, c])
					if ((sc, c) in tgt)
						r = r sprintf(" (%s %s)", M["tapwire", c] / M[sc, c] >= tgt[sc, c] ? ">=" : "<",
							      tgt[sc, c])
				}
				line = line sprintf(" | %-14s", r)
			}
			print line
		}
		hwm = 0; rss = 0
		while ((getline l < rssfile) > 0) {
			split(l, f, " ")
			if (f[2] > hwm) hwm = f[2]
			if (f[3] > rss) rss = f[3]
			pids[f[1]] = 1
		}
		np = 0
		for (p in pids) np++
		if (np)
			printf "\ntapwire-wg peak RSS (VmHWM, one peer, %d daemons sampled): %.1f MiB (max VmRSS seen %.1f MiB; target <= 32)\n",
			       np, hwm / 1024, rss / 1024
		else
			print "\ntapwire-wg peak RSS: not sampled"
	}
}
