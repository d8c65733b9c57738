#!/usr/bin/env python3
"""CPU use of one process over time, to see whether it waits (dips) or works.

Usage: cpu_timeline.py PID [SECONDS] [STEP_MS]

Reads /proc/PID/stat every STEP_MS (default 20) for SECONDS (default 3) and prints one number per step: the CPUs the
process used in that step, in percent of one CPU (200 = both of 2 CPUs busy). The kernel counts in clock ticks (usually
10 ms), so single values are coarse; look for runs of low values. Run it against `--sustained relay` after its
"measuring" line; the third pass in README.md found the checkpoint stalls this way.
"""
import os
import sys
import time


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    pid = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    step = (float(sys.argv[3]) if len(sys.argv) > 3 else 20.0) / 1000
    previous, then = cpu_seconds(pid), time.monotonic()
    end = then + seconds
    samples = []
    while then < end:
        time.sleep(step)
        used, now = cpu_seconds(pid), time.monotonic()
        samples.append(round(100 * (used - previous) / (now - then)))
        previous, then = used, now
    print(" ".join(str(s) for s in samples))
    busy = sum(samples) / len(samples)
    print(f"mean {busy:.0f} % of one CPU over {len(samples)} steps; steps under 50 %: {sum(1 for s in samples if s < 50)}")


if __name__ == "__main__":
    main()
