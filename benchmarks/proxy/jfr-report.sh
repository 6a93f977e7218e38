#!/usr/bin/env bash
# Reports shared by profile-keel.sh (HTTP/1.1 under wrk) and grpc-cpu.sh (gRPC under GrpcLoad):
# what a JFR recording and a `perf record` of keel-proxy say about where its CPU goes.
# Sourced after lib.sh; needs WORK (a scratch directory).

# jfr_report JFR REQUESTS : hot methods, native samples, allocation (sites, bytes per request on
# the keel-io threads), JIT and GC activity of a recording (settings=profile), on stdout.
jfr_report() {
  local jfr_file=$1 REQS=$2
  jfr print --events jdk.ExecutionSample "$jfr_file" >"$WORK/samples.txt"
  # stacks: one per event, frames innermost first; keep only the method name (class.method)
  awk '
    function name(l) { sub(/^[ \t]+/, "", l); sub(/\(.*$/, "", l); return l }
    /stackTrace = \[/ { inst = 1; n = 0; next }
    inst && /^[ \t]*\]/ { inst = 0
      total++; self[F[1]]++
      delete seen; for (i = 1; i <= n; i++) if (!(F[i] in seen)) { seen[F[i]] = 1; incl[F[i]]++ }
      # first frame (innermost) that belongs to keel itself
      for (i = 1; i <= n; i++) if (F[i] ~ /^dev\.keel\./) { kself[F[i]]++; break }
      next }
    inst && /line:/ { F[++n] = name($0) }
    inst && /\.\.\.$/ { next }
    END {
      printf "JFR execution samples (Java code on CPU): %d\n\n", total
      print "Top 25 methods by self samples (innermost frame):"
      for (m in self) printf "%7.2f%%  %s\n", self[m] * 100 / total, m | "sort -rn | head -25"
      close("sort -rn | head -25")
      print "\nTop 25 dev.keel / io.netty methods by inclusive samples (on the stack):"
      for (m in incl) if (m ~ /^(dev\.keel|io\.netty)\./) printf "%7.2f%%  %s\n", incl[m] * 100 / total, m | "sort -rn | head -25"
      close("sort -rn | head -25")
      print "\nInnermost keel frame of each sample (what keel code leads to the hot path):"
      for (m in kself) printf "%7.2f%%  %s\n", kself[m] * 100 / total, m | "sort -rn | head -15"
      close("sort -rn | head -15")
    }' "$WORK/samples.txt"
  echo
  echo "Native method samples (threads in JNI/syscalls, top frame):"
  jfr print --events jdk.NativeMethodSample "$jfr_file" | awk '
    /stackTrace = \[/ { getline; sub(/^[ \t]+/, ""); sub(/\(.*$/, ""); c[$0]++; t++ }
    END { for (m in c) printf "%7.2f%%  %s\n", c[m] * 100 / t, m | "sort -rn | head -8" }'
  echo
  echo "Allocation (jdk.ObjectAllocationSample, by sampled weight), top 15 classes:"
  jfr print --events jdk.ObjectAllocationSample "$jfr_file" | awk '
    /objectClass = / { cls = $3 }
    /weight = / { w = $3; u = $4; m = (u ~ /^kB/) ? 1024 : (u ~ /^MB/) ? 1048576 : (u ~ /^GB/) ? 1073741824 : 1; gsub(/,/, "", w); W[cls] += w * m; T += w * m }
    END { for (c in W) printf "%7.2f%%  %10.1f MB  %s\n", W[c] * 100 / T, W[c] / 1048576, c | "sort -rn | head -15"; close("sort -rn | head -15"); printf "sampled weight %.1f MB (weights apportion bytes between samples: shares are rough)\n", T / 1048576 }'
  echo
  echo "Allocation per request on the event-loop thread(s) (jdk.ThreadAllocationStatistics, first and last value):"
  jfr print --events jdk.ThreadAllocationStatistics "$jfr_file" | awk -v reqs="$REQS" '
    /allocated = / { v = $3; u = $4; gsub(/,/, "", v); b = v * ((u ~ /^kB/) ? 1024 : (u ~ /^MB/) ? 1048576 : (u ~ /^GB/) ? 1073741824 : 1) }
    /thread = "keel-io/ { if (!($0 in first)) first[$0] = b; last[$0] = b }
    END { for (t in first) d += last[t] - first[t]; if (reqs > 0) printf "%.0f bytes/request (%d requests; the JFR values are rounded to 2 digits)\n", d / reqs, reqs }'
  echo
  echo "Where the top allocated classes are allocated (innermost dev.keel frame, else innermost frame):"
  jfr print --events jdk.ObjectAllocationSample "$jfr_file" | awk '
    function name(l) { sub(/^[ \t]+/, "", l); sub(/\(.*$/, "", l); return l }
    /^jdk.ObjectAllocationSample/ { cls = ""; w = 0; site = ""; first = "" }
    /objectClass = / { cls = $3 }
    /weight = / { w = $3; u = $4; gsub(/,/, "", w); w *= (u ~ /^kB/) ? 1024 : (u ~ /^MB/) ? 1048576 : (u ~ /^GB/) ? 1073741824 : 1 }
    /stackTrace = \[/ { inst = 1; next }
    inst && /line:/ { f = name($0); if (first == "") first = f; if (site == "" && f ~ /^dev\.keel\./) site = f }
    inst && /^[ \t]*\]/ { inst = 0; k = cls " <- " (site != "" ? site : first); W[k] += w; T += w }
    END { for (k in W) printf "%7.2f%%  %s\n", W[k] * 100 / T, k | "sort -rn | head -12" }'
  echo
  echo "JIT compilations during the recording (jdk.Compilation):"
  jfr print --events jdk.Compilation "$jfr_file" | awk '
    /duration = / { v = $3; u = $4; ms = (u ~ /^ms/) ? v : (u ~ /^s/) ? v * 1000 : (u ~ /^us/) ? v / 1000 : v / 1e6; s += ms; n++ }
    END { printf "%d compilations, %.0f ms of compiler time\n", n, s }'
  echo
  echo "GC (jdk.GarbageCollection):"
  jfr print --events jdk.GarbageCollection "$jfr_file" | awk '
    /sumOfPauses = / { v = $3; u = $4; ms = (u ~ /^ms/) ? v : (u ~ /^s/) ? v * 1000 : (u ~ /^us/) ? v / 1000 : v / 1e6; s += ms; n++; if (ms > mx) mx = ms }
    END { printf "%d collections, %.1f ms of pauses in total, longest %.2f ms\n", n, s, mx }'
}

# perf_report PERF_DATA OUT : writes perf-threads/dso/user/kernel .txt into OUT from a
# `perf record -g` of the JVM (with a perf map of the JIT code), and prints their summary.
perf_report() {
  local data=$1 OUT=$2 IO_COMM
  perf report -i "$data" --stdio --no-children --sort dso,sym --percent-limit 0.7 2>/dev/null \
    | grep -v '^$' | grep -E '^ +[0-9.]+%' | head -40 >"$OUT/perf-report.txt" || true
  perf report -i "$data" --stdio --no-children --sort dso 2>/dev/null | grep -E '^ +[0-9.]+%' | head -12 >"$OUT/perf-dso.txt" || true
  perf report -i "$data" --stdio --no-children --sort comm 2>/dev/null | grep -E '^ +[0-9.]+%' | head -12 >"$OUT/perf-threads.txt" || true
  # the busiest thread (the event loop with 1 worker) gets its own symbol lists
  IO_COMM=$(awk 'NR == 1 { print $2 }' "$OUT/perf-threads.txt")
  perf report -i "$data" --stdio --no-children --comms "$IO_COMM" --sort sym 2>/dev/null | grep -E '^ +[0-9.]+%' | grep -v '\[k\]' | head -30 >"$OUT/perf-user.txt" || true
  perf report -i "$data" --stdio --no-children --comms "$IO_COMM" --sort sym 2>/dev/null | grep -E '^ +[0-9.]+%' | grep '\[k\]' | head -20 >"$OUT/perf-kernel.txt" || true
  # inclusive: the share of samples with the symbol anywhere on the stack (children, self)
  perf report -i "$data" --stdio --children -g none --comms "$IO_COMM" --sort sym 2>/dev/null | grep -E '^ +[0-9.]+%' \
    | grep -v '\[k\]' | head -60 >"$OUT/perf-inclusive.txt" || true
  perf report -i "$data" --stdio --no-children --comms "$IO_COMM" --sort dso 2>/dev/null | grep -E '^ +[0-9.]+%' | head -8 >"$OUT/perf-io-dso.txt" || true
  echo; echo "perf (cpu-clock, whole JVM process, kernel + JNI + JIT code) by thread:"; cat "$OUT/perf-threads.txt"
  echo; echo "whole process by DSO:"; cat "$OUT/perf-dso.txt"
  echo; echo "thread $IO_COMM by DSO (% of all samples):"; cat "$OUT/perf-io-dso.txt"
  echo; echo "thread $IO_COMM, top user-space symbols (JIT-compiled Java, libjvm, libc):"; cat "$OUT/perf-user.txt"
  echo; echo "thread $IO_COMM, top kernel symbols:"; cat "$OUT/perf-kernel.txt"
  echo; echo "thread $IO_COMM, user-space symbols by inclusive share (children %, self %):"; cat "$OUT/perf-inclusive.txt"
}
