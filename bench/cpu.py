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
machine. Prints a results.tsv row per case: name, net ms, busy ms, wall ms.
"""
import os
import shlex
import sys
import time

SETTLE = 0.3  # seconds: long enough for an unmount and a sync of the upper filesystem


def busy_seconds():
    # cpu user nice system idle iowait irq softirq steal ...: all but idle and iowait.
    fields = [int(value) for value in open("/proc/stat").readline().split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def run(directory, argv, null):
    os.chdir(directory)
    pid = os.posix_spawnp(argv[0], argv, os.environ,
                         file_actions=[(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)])
    return os.waitpid(pid, 0)[1]


runs = int(sys.argv[1])
null = os.open(os.devnull, os.O_RDWR)
launcher = None
for spec in sys.argv[2:]:
    name, directory, command = spec.split("=", 2)
    argv = shlex.split(command)
    if any(run(directory, argv, null) != 0 for _ in range(3)):
        print(f"{name}\tFAIL")
        continue
    time.sleep(SETTLE)
    busy_before, started = busy_seconds(), time.perf_counter()
    failed = any([run(directory, argv, null) != 0 for _ in range(runs)])
    wall = time.perf_counter() - started
    time.sleep(SETTLE)
    busy = (busy_seconds() - busy_before) / runs * 1000
    if failed:
        print(f"{name}\tFAIL")
        continue
    launcher = busy if launcher is None else launcher
    print(f"{name}\t{busy - launcher:.2f}\t{busy:.2f}\t{wall / runs * 1000:.2f}")
