#!/usr/bin/env python3
"""The guest test matrix (matrix.tsv), for the runner and the checkers.

    matrix.py plan [--kernels K] [--scenarios S] [--modes M]

prints what test.sh does, in order, one record a line:

    kernel SUITE                         prepare SUITE's initramfs
    boot SUITE MODE SCENARIO LIMIT LABEL boot one guest, check it as LABEL
    compare SUITE SCENARIO               fentry and kprobes must agree

K, S and M filter the matrix (names separated by commas or spaces); an
unknown name is an error. check.py and compare.py import load() and
label().
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MATRIX = os.path.join(HERE, "matrix.tsv")
DEFAULT_KERNEL = "sid"  # its checks are labelled by mechanism alone


class Entry:
    def __init__(self, scenario, kernels, modes, limit, agree):
        self.scenario = scenario
        self.kernels = kernels.split(",")
        self.modes = modes.split(",")
        self.limit = int(limit)
        if agree not in ("yes", "no"):
            raise ValueError(f"{scenario}: agree is yes or no, not {agree}")
        self.agree = agree == "yes"


def load(path=MATRIX):
    entries = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            fields = line.split()
            if not fields or fields[0].startswith("#"):
                continue
            if len(fields) != 5:
                raise ValueError(f"{path}:{n}: 5 fields, not {len(fields)}")
            entries.append(Entry(*fields))
    return entries


def label(suite, name):
    """The prefix of a check's name: NAME on sid, SUITE/NAME elsewhere."""
    return name if suite == DEFAULT_KERNEL else f"{suite}/{name}"


def names(arg):
    return arg.replace(",", " ").split() if arg is not None else None


def ordered(entries, attr):
    seen = []
    for e in entries:
        for v in getattr(e, attr):
            if v not in seen:
                seen.append(v)
    return seen


def plan(entries, kernels=None, scenarios=None, modes=None):
    all_k, all_m = ordered(entries, "kernels"), ordered(entries, "modes")
    all_s = [e.scenario for e in entries]
    for what, got, known in (("kernel", kernels, all_k),
                             ("scenario", scenarios, all_s),
                             ("mode", modes, all_m)):
        bad = [g for g in got or [] if g not in known]
        if bad:
            raise ValueError(f"unknown {what} {' '.join(bad)} "
                             f"(the matrix has {' '.join(known)})")
    for e in entries:
        script = os.path.join(HERE, "guest", "scen", f"{e.scenario}.sh")
        if not os.path.exists(script):
            raise ValueError(f"scenario {e.scenario}: no {script}")
    out = []
    # kernels and modes in the order the caller gave, as run.sh did
    for suite in kernels if kernels is not None else all_k:
        mine = [e for e in entries if suite in e.kernels and
                (scenarios is None or e.scenario in scenarios)]
        if not mine:
            continue
        out.append(("kernel", suite))
        sel = modes if modes is not None else all_m
        for mode in sel:
            for e in mine:
                if mode in e.modes:
                    out.append(("boot", suite, mode, e.scenario,
                                str(e.limit), label(suite, mode)))
        for e in mine:
            if e.agree and all(m in sel and m in e.modes
                               for m in ("fentry", "kprobe")):
                out.append(("compare", suite, e.scenario))
    return out


def main(argv):
    if not argv or argv[0] != "plan":
        print(__doc__, file=sys.stderr)
        return 2
    opts = {"--kernels": None, "--scenarios": None, "--modes": None}
    args = argv[1:]
    while args:
        if args[0] not in opts or len(args) < 2:
            print(f"matrix.py: bad argument {args[0]}", file=sys.stderr)
            return 2
        opts[args[0]] = names(args[1])
        args = args[2:]
    try:
        for rec in plan(load(), opts["--kernels"], opts["--scenarios"],
                        opts["--modes"]):
            print(" ".join(rec))
    except ValueError as e:
        print(f"matrix.py: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
