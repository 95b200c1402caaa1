#!/usr/bin/env python3
"""Seeds for fuzz_replay from real recordings (record/format.h): each
recording as is (mode 0) and as its head and raw frames (mode 1, which the
harness wraps in a valid chunk).
    tests/fuzz/seed-replay.py OUTDIR RECORDING..."""
import os
import struct
import sys
import zlib


def frames_of(data):
    json_len = struct.unpack_from("<I", data, 12)[0]
    head = data[16:16 + json_len]
    at, raw = 16 + json_len, b""
    while at + 16 <= len(data):
        _, stored, _, _ = struct.unpack_from("<4I", data, at)
        raw += zlib.decompress(data[at + 16:at + 16 + stored], -15)
        at += 16 + stored
    return head, raw


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for path in sys.argv[2:]:
        data = open(path, "rb").read()
        name = os.path.basename(path).replace(".zrec", "")
        head, raw = frames_of(data)
        open(f"{out}/{name}-file", "wb").write(b"\0" + data)
        open(f"{out}/{name}-frames", "wb").write(b"\1" + head + b"\0" + raw)


if __name__ == "__main__":
    main()
