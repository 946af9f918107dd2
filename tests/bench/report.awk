# The summary of rest_info_vs_nginx.sh. Input: one line per measured run of key=value fields:
# target (nginx, cached or uncached), round, cpu_centis (the server's CPU time), idle_pct (of
# all CPUs during the run), and wrk's figures from bench_headers.lua (requests, duration_us,
# p50_us, p99_us, max_us, socket_errors, timeouts, non2xx). -v rounds=N.
# Exits 1 when any response was not 2xx or a target measured nothing.
BEGIN {
  printf "%-10s %5s %10s %8s %8s %8s %7s %7s %7s %10s %5s\n", "target", "round", "req/s",
         "p50 ms", "p99 ms", "max ms", "sockerr", "non2xx", "srv cpu", "req/cpu-s", "idle"
}
{
  delete v
  for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
  t = v["target"]
  rps = v["duration_us"] > 0 ? v["requests"] * 1e6 / v["duration_us"] : 0
  per_cpu = v["cpu_centis"] > 0 ? v["requests"] * 100 / v["cpu_centis"] : 0
  printf "%-10s %5d %10d %8.2f %8.2f %8.2f %7d %7d %6.1fs %10d %4d%%\n", t, v["round"], rps,
         v["p50_us"] / 1000, v["p99_us"] / 1000, v["max_us"] / 1000,
         v["socket_errors"] + v["timeouts"], v["non2xx"], v["cpu_centis"] / 100, per_cpu,
         v["idle_pct"]
  sum[t] += rps; by_round[t, v["round"]] = rps; cpu_sum[t] += per_cpu; bad += v["non2xx"]
  if (v["p99_us"] > p99[t]) p99[t] = v["p99_us"]
}
END {
  n = sum["nginx"] / rounds; c = sum["cached"] / rounds; u = sum["uncached"] / rounds
  if (n <= 0 || c <= 0 || u <= 0) {
    print "\nsome runs measured nothing: the figures above are not valid"
    exit 1
  }
  printf "\nmean req/s: nginx %.0f, mt5bridge cached %.0f, mt5bridge uncached %.0f\n", n, c, u
  per = ""
  for (r = 1; r <= rounds; r++)
    per = per sprintf(" %.2f", by_round["cached", r] / by_round["nginx", r])
  printf "cached / nginx req/s   = %.2f  (target >= 0.50: %s; per round:%s)\n", c / n,
         (c / n >= 0.5) ? "met" : "MISSED", per
  printf "cached p99 (worst)     = %.2f ms  (target <= 5 ms: %s)\n", p99["cached"] / 1000,
         (p99["cached"] <= 5000) ? "met" : "MISSED"
  printf "uncached / nginx req/s = %.3f  (uncached p99 worst %.2f ms)\n", u / n,
         p99["uncached"] / 1000
  if (cpu_sum["nginx"] > 0)
    printf "per server CPU-second: cached / nginx = %.2f, uncached / nginx = %.3f\n",
           cpu_sum["cached"] / cpu_sum["nginx"], cpu_sum["uncached"] / cpu_sum["nginx"]
  if (bad > 0) {
    printf "\n%d responses were not 2xx: the figures above are not valid (see the host logs)\n", bad
    exit 1
  }
}
