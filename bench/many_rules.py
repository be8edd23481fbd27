#!/usr/bin/env python3
"""Writes a ruleset directory with one big dimension, to time validation.

The default ruleset (config/rules) plus big.yaml, a first-match dimension of
N rules of one shape (points has no range, so no rule is out of range):

  eq            points == i
  disjoint      points >= i and points < i+1
  cascade       points < i+1        (each range contains the last: valid)
  cascade_down  points < N-i        (each rule inside the one before:
                                     N-1 'can never match' errors by design)
  text          points == i/3 and tier == "a"/"b"/"c"   (three tables)
  grid          points == a and age == b, a sqrt(N) x sqrt(N) grid

A rule file may have at most 1 MiB (LoadOptions::max_file_bytes): eq and
the cascades fit 17,000 rules, disjoint, text and grid 15,000.

Usage: bench/many_rules.py SHAPE N OUT_DIR
       build/client/clientele rules validate OUT_DIR
"""
import math
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def condition(shape, i, n):
    if shape == "eq":
        return f"points == {i}"
    if shape == "disjoint":
        return f"points >= {i} and points < {i + 1}"
    if shape == "cascade":
        return f"points < {i + 1}"
    if shape == "cascade_down":
        return f"points < {n - i}"
    if shape == "text":
        return f"points == {i // 3} and tier == \"{'abc'[i % 3]}\""
    if shape == "grid":
        side = math.isqrt(n - 1) + 1
        a, b = divmod(i, side)
        return f"points == {a} and age == {b}"
    raise SystemExit(f"unknown shape {shape!r}")


def rule_id(i):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        i, d = divmod(i, 36)
        text = digits[d] + text
        if i == 0:
            return "r" + text


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    shape, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if os.path.exists(out):
        shutil.rmtree(out)
    shutil.copytree(os.path.join(HERE, "..", "config", "rules"), out)
    with open(os.path.join(out, "big.yaml"), "w", encoding="utf-8") as f:
        f.write("kind: segmentation\ndimensions:\n- id: big\n  default: other\n  rules:\n")
        for i in range(n):
            f.write(f"  - {{id: {rule_id(i)}, when: '{condition(shape, i, n)}', segment: s}}\n")


if __name__ == "__main__":
    main()
