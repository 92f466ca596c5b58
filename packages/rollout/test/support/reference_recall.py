"""Soft verification as the SERA reference computes it, written from the method's description.

Changed lines come from str.splitlines(); lines starting with `diff`, `---`, `+++` or `@@` are
headers; a `+`/`-` line counts with its sign and whitespace unless the text after the sign is blank
(str.strip()). P1 lines are matched against a list of P2 lines used as a multiset: `in` then
`list.remove` per match, the same O(n*m) method. Recall is None for an empty target.

usage:
  python3 reference_recall.py pairs.json            prints one JSON list of recalls (None -> null)
  python3 reference_recall.py pairs.json --time N   repeats the whole list N times and prints seconds
pairs.json: [[p1, p2], ...]
"""
import json
import sys
import time


def changed_lines(patch):
    lines = []
    for line in patch.splitlines():
        if line.startswith("diff") or line.startswith("---") or line.startswith("+++") or line.startswith("@@"):
            continue
        if (line.startswith("+") or line.startswith("-")) and line[1:].strip():
            lines.append(line)
    return lines


def recall(target, candidate):
    wanted = changed_lines(target)
    if not wanted:
        return None
    left = changed_lines(candidate)
    matched = 0
    for line in wanted:
        if line in left:
            matched += 1
            left.remove(line)
    return matched / len(wanted)


def main():
    with open(sys.argv[1], encoding="utf-8", newline="") as handle:
        pairs = json.load(handle)
    if len(sys.argv) > 3 and sys.argv[2] == "--time":
        rounds = int(sys.argv[3])
        started = time.perf_counter()
        for _ in range(rounds):
            for target, candidate in pairs:
                recall(target, candidate)
        print(json.dumps({"seconds": time.perf_counter() - started, "pairs": rounds * len(pairs)}))
        return
    print(json.dumps([recall(target, candidate) for target, candidate in pairs]))


main()
