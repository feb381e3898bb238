"""CPU time per run of each command: every process and kernel thread the run keeps busy.

Usage: python3 bench/cpu.py RUNS NAME=DIR=COMMAND ...
Wall time shows what a user waits for, but not what a command costs the machine: work on
the other core, and work after the command returned (den's env is unmounted, and its
writable layer synced, by a process that outlives `den run`). On a machine whose cores
take turns, that work is what the next command waits for. So this runs each case RUNS
times back to back, after 3 warm-up runs, and reads the machine's busy time from
/proc/stat around them and around a pause that lets the last run's teardown finish.
The first case is the launcher alone (the command line every case starts with, running
/bin/true): the "net" column is a case's figure minus its. Run on an otherwise idle
machine, with enough runs: /proc/stat counts in 10 ms ticks (200 runs: 0.05 ms a run).
Prints a results.tsv row per case: name, net ms, busy ms, wall ms.
"""
import os
import sys
import time

from roundrobin import parse_case, run

SETTLE = 0.3  # seconds: long enough for an unmount and a sync of the upper filesystem


def busy_seconds():
    # cpu user nice system idle iowait irq softirq steal ...: all but idle and iowait.
    fields = [int(value) for value in open("/proc/stat").readline().split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


runs = int(sys.argv[1])
null = os.open(os.devnull, os.O_RDWR)
launcher = None
for spec in sys.argv[2:]:
    name, directory, argv = parse_case(spec)
    if any(run(directory, argv, null) != 0 for _ in range(3)):
        failed = True
    else:
        time.sleep(SETTLE)
        busy_before, started = busy_seconds(), time.perf_counter()
        failed = any(run(directory, argv, null) != 0 for _ in range(runs))
        wall = time.perf_counter() - started
        time.sleep(SETTLE)
        busy = (busy_seconds() - busy_before) / runs * 1000
    if failed and launcher is None:
        sys.exit(f"the launcher ({name}) failed: every other figure would be off")
    if failed:
        print(f"{name}\tFAIL")
        continue
    launcher = busy if launcher is None else launcher
    print(f"{name}\t{busy - launcher:.2f}\t{busy:.2f}\t{wall / runs * 1000:.2f}")
