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


def parse_case(spec):
    """NAME=DIR=COMMAND: the name, the directory and the command's arguments."""
    name, directory, command = spec.split("=", 2)
    return name, directory, shlex.split(command)


def run(directory, argv, null):
    """Runs argv in directory with stdout and stderr on null; returns its wait status."""
    os.chdir(directory)
    pid = os.posix_spawnp(argv[0], argv, os.environ,
                         file_actions=[(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)])
    return os.waitpid(pid, 0)[1]


def main():
    rounds = int(sys.argv[1])
    cases = [parse_case(spec) for spec in sys.argv[2:]]
    times = {name: [] for name, _, _ in cases}
    failed = set()
    null = os.open(os.devnull, os.O_RDWR)
    for round_number in range(rounds + 3):
        for name, directory, argv in cases:
            start = time.perf_counter_ns()
            status = run(directory, argv, null)
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


if __name__ == "__main__":
    main()
