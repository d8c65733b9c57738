#!/usr/bin/env python3
"""CPU time per message by library (or kernel call), relay against direct, from two `perf script` dumps.

Usage: perf_by_library.py RELAY.txt RELAY_MSG_PER_S DIRECT.txt DIRECT_MSG_PER_S SAMPLE_HZ SECONDS

Each dump is `perf script -F comm,ip,sym,dso` of `perf record -F SAMPLE_HZ -g -p <pid> -- sleep SECONDS` taken during
`--sustained relay` or `--sustained direct` (run with DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 so JIT-compiled
frames carry their assembly). A sample is charged to the library of its leaf frame; kernel samples to the system call
found in their stack. Microseconds per message = samples / SAMPLE_HZ / (messages in the window) * 1e6.
"""
import collections
import re
import sys

ASSEMBLY = re.compile(r"\[([A-Za-z0-9_.]+)\]")
DSO = re.compile(r"\(([^)]*)\)$")
SYSCALLS = ["__send", "__libc_recv", "epoll_wait", "pwrite", "pread", "fsync", "fdatasync", "futex", "sched_yield"]


def stacks(path):
    current = None
    with open(path, encoding="utf-8", errors="replace") as dump:
        for line in dump:
            if not line.strip():
                if current:
                    yield current
                current = None
            elif not line[0].isspace():
                current = []
            elif current is not None:
                current.append(line.strip())
    if current:
        yield current


def library(stack):
    leaf = stack[0]
    if "[kernel.kallsyms]" in leaf:
        text = "\n".join(stack)
        return next((f"kernel: {call}" for call in SYSCALLS if call in text), "kernel: other")
    symbol = leaf.split(" ", 1)[1] if " " in leaf else leaf
    if "/tmp/perf-" in leaf:
        match = ASSEMBLY.search(symbol)
        return match.group(1) if match else "JIT stubs"
    match = DSO.search(leaf)
    return match.group(1).rsplit("/", 1)[-1] if match else "?"


def per_message(path, rate, hz, seconds):
    counts = collections.Counter(library(s) for s in stacks(path))
    messages = rate * seconds
    table = {name: n / hz / messages * 1e6 for name, n in counts.items()}
    table["TOTAL"] = sum(counts.values()) / hz / messages * 1e6
    return table


def main():
    relay_path, relay_rate, direct_path, direct_rate, hz, seconds = sys.argv[1:7]
    hz, seconds = float(hz), float(seconds)
    relay = per_message(relay_path, float(relay_rate), hz, seconds)
    direct = per_message(direct_path, float(direct_rate), hz, seconds)
    names = sorted(set(relay) | set(direct), key=lambda n: -(relay.get(n, 0) - direct.get(n, 0)))
    print("| library or call | relay µs/msg | direct µs/msg | relay - direct |")
    print("|---|---:|---:|---:|")
    for name in names[: int(sys.argv[7]) if len(sys.argv) > 7 else 30]:
        r, d = relay.get(name, 0.0), direct.get(name, 0.0)
        print(f"| {name} | {r:.1f} | {d:.1f} | {r - d:.1f} |")


if __name__ == "__main__":
    main()
