"""Times commands in turn, one run of each per round, and prints a results.tsv row per case.

Usage: python3 bench/roundrobin.py ROUNDS NAME=DIR=COMMAND ...
Hyperfine runs one case at a time, so a drift of the machine between cases shows up as a
difference between them; in turn, every case sees the same drift. COMMAND is split as a
shell would split it (no expansion) and run in DIR with stdout and stderr discarded; the
first 3 rounds warm up and are not counted.
"""
import os
import shlex
import statistics
import sys
import time

rounds = int(sys.argv[1])
cases = []
for spec in sys.argv[2:]:
    name, directory, command = spec.split("=", 2)
    cases.append((name, directory, shlex.split(command)))
times = {name: [] for name, _, _ in cases}
failed = set()
null = os.open(os.devnull, os.O_RDWR)
for round_number in range(rounds + 3):
    for name, directory, argv in cases:
        os.chdir(directory)
        start = time.perf_counter_ns()
        pid = os.posix_spawnp(argv[0], argv, os.environ,
                             file_actions=[(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)])
        _, status = os.waitpid(pid, 0)
        elapsed = (time.perf_counter_ns() - start) / 1e6
        if status != 0:
            failed.add(name)
        elif round_number >= 3:
            times[name].append(elapsed)
for name, _, _ in cases:
    values = times[name]
    if name in failed or not values:
        print(f"{name}\tFAIL")
    else:
        print(f"{name}\t{statistics.median(values):.2f}\t{min(values):.2f}")
