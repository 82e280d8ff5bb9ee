"""The Python `hpack` package as a peer for Courier's HPACK stories test (tests/hpack_stories.rs).

    python hpack_stories.py decode DIR       decode every story in DIR (*.json or *.json.gz) with
                                             hpack.Decoder, the context shared across a story, and
                                             compare with the story's headers
    python hpack_stories.py encode SRC DST   encode the headers of every story in SRC with
                                             hpack.Encoder and write stories with `wire` to DST

Both print `N stories, M cases, K mismatches`; `decode` exits 1 when K > 0.
"""

import gzip
import json
import os
import sys

import hpack


def stories(directory):
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if name.endswith(".json.gz"):
            with gzip.open(path, "rt", encoding="utf-8") as f:
                yield name, json.load(f)
        elif name.endswith(".json"):
            with open(path, encoding="utf-8") as f:
                yield name, json.load(f)


def header_list(case):
    return [(k.encode(), v.encode()) for h in case["headers"] for k, v in h.items()]


def decode(directory):
    n_stories = n_cases = mismatches = 0
    for name, story in stories(directory):
        n_stories += 1
        decoder = hpack.Decoder(max_header_list_size=1 << 30)
        for seqno, case in enumerate(story["cases"]):
            n_cases += 1
            if "header_table_size" in case:
                decoder.header_table_size = case["header_table_size"]
            try:
                got = [(bytes(n), bytes(v)) for n, v in decoder.decode(bytes.fromhex(case["wire"]), raw=True)]
            except Exception as e:  # any decoding failure is a mismatch
                print(f"{name} case {case.get('seqno', seqno)}: {type(e).__name__}: {e}", file=sys.stderr)
                mismatches += 1
                continue
            if got != header_list(case):
                print(f"{name} case {case.get('seqno', seqno)}: headers differ", file=sys.stderr)
                mismatches += 1
    print(f"{n_stories} stories, {n_cases} cases, {mismatches} mismatches")
    return 1 if mismatches or not n_stories else 0


def encode(src, dst):
    os.makedirs(dst, exist_ok=True)
    n_stories = n_cases = 0
    for name, story in stories(src):
        n_stories += 1
        encoder = hpack.Encoder()
        cases = []
        for seqno, case in enumerate(story["cases"]):
            n_cases += 1
            wire = encoder.encode(header_list(case), huffman=True)
            cases.append({"seqno": seqno, "wire": wire.hex(), "headers": case["headers"]})
        out = {"description": f"Encoded by Python hpack {hpack.__version__}", "cases": cases}
        with open(os.path.join(dst, name.removesuffix(".gz")), "w", encoding="utf-8") as f:
            json.dump(out, f)
    print(f"{n_stories} stories, {n_cases} cases, 0 mismatches")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "decode":
        sys.exit(decode(sys.argv[2]))
    if len(sys.argv) == 4 and sys.argv[1] == "encode":
        sys.exit(encode(sys.argv[2], sys.argv[3]))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
