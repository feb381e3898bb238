"""The benchmarks' report: a Markdown table of results.tsv and the ratios the goals are about.

Usage: python3 bench/report.py RESULTS.tsv OUT.md "COLUMNS" [A:B[:GOAL] ...]
RESULTS.tsv has one row a case: name, then its figures (or FAIL). COLUMNS names the figures
("median ms,min ms"). Each A:B prints median(A) / median(B), with the goal when given.
"""
import sys

results, output, columns, *ratios = sys.argv[1:]
rows = {}
for line in open(results):
    name, *rest = line.rstrip("\n").split("\t")
    rows[name] = rest


def median(name):
    value = rows.get(name, ["FAIL"])[0]
    return None if value == "FAIL" else float(value)


headers = columns.split(",")
out = ["| case | " + " | ".join(headers) + " |", "|---" * (len(headers) + 1) + "|"]
out += [f"| {name} | {' | '.join(values)} |" for name, values in rows.items()]
out.append("")
for spec in ratios:
    a, b, *goal = spec.split(":")
    x, y = median(a), median(b)
    text = f"{x / y:.2f}x" if x and y else "n/a"
    out.append(f"{a} / {b}: {text}" + (f" (goal <= {goal[0]}x)" if goal else ""))
open(output, "w").write("\n".join(out) + "\n")
print("\n".join(out))
