# Shell functions the benchmark scripts share; sourced from the repository's root. TARGETS (an array) names the
# targets a run measures.

# The targets in the order of round $1: a row of a balanced Latin square (0, 1, n-1, 2, n-2, ... shifted by the
# round), so that over as many rounds as targets each takes every place once and follows every other target once.
# In a fixed order a target's place, or the target before it, may weigh on its figures: the TTFT p50 at 1,000
# streams fell with the place in two runs (nginx, HAProxy, Sluice at 28, 18 and 16 ms; in the order direct, Sluice,
# nginx, HAProxy at 24, 16 and 8 ms), though not in three others. Varied, such a bias falls on every target alike.
targets_of_round() {
  local n=${#TARGETS[@]} i step
  local turn=$(( ($1 - 1) % n ))
  for (( i = 0; i < n; i++ )); do
    # Odd places step forward, even ones back from n (the first place's n is 0 modulo n).
    if (( i % 2 == 1 )); then step=$(( (i + 1) / 2 )); else step=$(( n - i / 2 )); fi
    echo "${TARGETS[(step + turn) % n]}"
  done
}

wait_for() {  # port
  for _ in $(seq 1 200); do
    curl -s -o /dev/null "http://127.0.0.1:$1/health" && return 0
    sleep 0.05
  done
  echo "nothing answers on port $1" >&2
  return 1
}
