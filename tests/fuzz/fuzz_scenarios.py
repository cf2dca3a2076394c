# A copy of ../shared/tools/fuzz_scenarios.py (the project's scenario fuzzer; `ruff check --fix`
# applied), so that CI, which runs from a clean clone without ../shared, can use its mutators and
# hostile files in-process (test_fuzz_loader.py). The full run stays a script:
# `python ../shared/tools/fuzz_scenarios.py .venv/bin/socialcredit fuzz-out 3200`.
#!/usr/bin/env python3
"""Mutation fuzzer for socialcredit scenario files.

    python fuzz_scenarios.py SOCIALCREDIT_BIN OUTDIR N [--seed S] [--run-sample K]
                             [--jobs J] [--timeout T] [--mem-gib G] [--no-heavy]

Takes the presets (`BIN presets --show NAME`), writes N mutated YAML files to OUTDIR/cases
(random structural and textual mutations plus a fixed set of hostile files: billion laughs,
50 MB files, deep nesting, binary junk, python tags, extend paths), runs `BIN validate FILE`
on each (timeout T s, address space capped at G GiB, J in parallel; the heavy fixed files one
at a time) and `BIN run FILE --people 2000 --days 5` on K of the files validate accepts (one at
a time), then `BIN verify` on each finished run. Writes OUTDIR/results.jsonl (one line per
command) and OUTDIR/summary.json, and prints a summary.

Counted per command: exit code, Python traceback printed, timeout (> T s), killed by a signal,
an error message that does not name the file, or names no key path where the mutation had one,
and (runs) a file validate accepted that then fails at run time.

Needs only Python 3.9+ and PyYAML (the system python3 has it; the project's .venv/bin/python too).
Nothing here is specific to one version of socialcredit beyond the preset names it reads.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

WIDE = {"COLUMNS": "100000", "NO_COLOR": "1", "TERM": "dumb"}
TRACEBACK = "Traceback (most recent call last)"

# --------------------------------------------------------------------------- helpers


def key_path(path) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def walk(node, path=()):
    """Every (path, value) in a parsed document, containers included."""
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, (*path, i))


def get_at(doc, path):
    for p in path:
        doc = doc[p]
    return doc


def set_at(doc, path, value):
    get_at(doc, path[:-1])[path[-1]] = value


def del_at(doc, path):
    parent = get_at(doc, path[:-1])
    del parent[path[-1]]


class Dumper(yaml.SafeDumper):
    pass


def _big_int(dumper, value):
    return dumper.represent_scalar("tag:yaml.org,2002:int", str(value))


Dumper.add_representer(int, _big_int)


def dump(doc) -> str:
    return yaml.dump(doc, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=10**9)


# --------------------------------------------------------------------------- value pools

BAD_NUMBERS = [
    -1, -0.0001, 0, float("nan"), float("inf"), float("-inf"), 1e308, -1e308, 2**64, 2**63,
    2**63 - 1, -(2**63), 10**100, 1.5, 0.5, 32767, 32768, -32769, 65536, 1e-320, 5e-324,
    1e20, 2**31, -(2**31) - 1, 99999999999, True,
]
WRONG_TYPES = [
    "abc", "", " ", [], {}, True, False, None, 1, 1.5, [1, 2], {"x": 1}, "1e3", "0x10",
    "NaN", "inf", ["a"], [[]], {"name": 1},
]
WEIRD_STRINGS = [
    "ñame", "名前", "имя", "a" * 49, "a" * 10_000, "a" * 1_000_000, "", " ", "\u202eabc",
    "a\u0000b", "a\tb", "a\nb", "-lead", "1abc", "Upper", "a b", "a/b", "../../x", "😀",
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "a" * 48, "x" * 200_000,
    "\ud800", "\ufffd", "CON", "null", "~", "true",
]
UNKNOWN_NAMES = ["no-such-thing", "zz", "finance2", "Cities", "dishonest-debtor", "a" * 48]
EXTEND_TARGETS = [
    "../../etc/passwd", "/etc/passwd", "/etc/shadow", "/etc/hostname", "/dev/zero",
    "/dev/urandom", "/proc/self/environ", "/proc/self/status", "/proc/self/cmdline",
    "/nonexistent/x.yaml", ".", "..", "", "~/.bashrc", "http://127.0.0.1:9/x.yaml",
    "china-national-score-201", "us-credit-scor", "SELF", "./SELF", "../cases/SELF",
    "DUP/../SELF", 123, ["china-national-score-2018"], {"a": 1}, None, True,
    "china-national-score-2018", "driving-demerit-points", "us-credit-score",
]
REF_KEYS = {"observes", "behaviour", "recorded_by", "list", "tiers", "extend"}

PY_TAGS = [
    '!!python/object/apply:os.system ["touch {marker}"]',
    "!!python/object/apply:subprocess.check_output [[touch, {marker}]]",
    "!!python/name:os.system",
    "!!python/object/new:os.system [touch {marker}]",
    "!!python/module:os",
    '!!python/object:__main__.X {{a: 1}}',
    "!!python/tuple [1, 2]",
    "!!python/unicode abc",
    "!!binary aGVsbG8=",
    "!!set {{a, b}}",
    "!!timestamp 2001-12-14",
    "!!float .nan",
    "!!float .inf",
    "!!int 0x7fffffffffffffffffff",
    "!!str 123",
    "!!omap [a: 1, b: 2]",
    "!!pairs [a: 1, a: 2]",
    "!custom 1",
    "!<tag:example.com,2000:x> 1",
]


# --------------------------------------------------------------------------- mutators
# Each returns (content: str | bytes, info: dict) where info has kind, path (key path string or
# None for file-level mutations) and detail.


def paths_where(doc, pred):
    return [p for p, v in walk(doc) if p and pred(p, v)]


def m_delete_key(rng, doc, ctx):
    cands = paths_where(doc, lambda p, v: isinstance(p[-1], str))
    p = rng.choice(cands)
    del_at(doc, p)
    return dump(doc), {"kind": "delete_key", "path": key_path(p), "detail": ""}


def m_wrong_type(rng, doc, ctx):
    cands = paths_where(doc, lambda p, v: True)
    p = rng.choice(cands)
    value = copy.deepcopy(rng.choice(WRONG_TYPES))
    set_at(doc, p, value)
    return dump(doc), {"kind": "wrong_type", "path": key_path(p), "detail": repr(value)}


def m_bad_number(rng, doc, ctx):
    cands = paths_where(
        doc, lambda p, v: isinstance(v, int | float) and not isinstance(v, bool)
    )
    p = rng.choice(cands)
    value = rng.choice(BAD_NUMBERS)
    set_at(doc, p, value)
    return dump(doc), {"kind": "bad_number", "path": key_path(p), "detail": repr(value)}


def m_empty_list(rng, doc, ctx):
    cands = paths_where(doc, lambda p, v: isinstance(v, list))
    p = rng.choice(cands)
    set_at(doc, p, [])
    return dump(doc), {"kind": "empty_list", "path": key_path(p), "detail": ""}


def m_duplicate_item(rng, doc, ctx):
    cands = paths_where(
        doc, lambda p, v: isinstance(v, list) and v and isinstance(v[0], dict)
    )
    p = rng.choice(cands)
    items = get_at(doc, p)
    item = copy.deepcopy(rng.choice(items))
    items.insert(rng.randrange(len(items) + 1), item)
    return dump(doc), {"kind": "duplicate_item", "path": key_path(p), "detail": str(item)[:80]}


def m_unknown_reference(rng, doc, ctx):
    def is_ref(p, v):
        if not isinstance(v, str):
            return False
        named = [x for x in p if isinstance(x, str)]
        return bool(named) and (named[-1] in REF_KEYS or named[-1] == "name")

    cands = paths_where(doc, is_ref)
    # per-group / per-region mapping keys are references too
    dict_keys = paths_where(
        doc,
        lambda p, v: isinstance(v, dict) and p[-1] in ("rate", "coverage", "false_match",
                                                       "misattribution", "bookkeeping"),
    )
    if dict_keys and rng.random() < 0.3:
        p = rng.choice(dict_keys)
        d = get_at(doc, p)
        k = rng.choice(list(d))
        d[rng.choice(UNKNOWN_NAMES)] = d.pop(k)
        return dump(doc), {"kind": "unknown_reference", "path": key_path(p), "detail": f"key {k}"}
    p = rng.choice(cands)
    value = rng.choice(UNKNOWN_NAMES)
    set_at(doc, p, value)
    return dump(doc), {"kind": "unknown_reference", "path": key_path(p), "detail": value}


def m_weird_string(rng, doc, ctx):
    cands = paths_where(doc, lambda p, v: isinstance(v, str))
    p = rng.choice(cands)
    value = rng.choice(WEIRD_STRINGS)
    set_at(doc, p, value)
    return dump(doc), {"kind": "weird_string", "path": key_path(p), "detail": repr(value[:40])}


def m_unknown_key(rng, doc, ctx):
    cands = [()] + paths_where(doc, lambda p, v: isinstance(v, dict))
    p = rng.choice(cands)
    d = get_at(doc, p)
    key = rng.choice(["colour", "nmae", "Name", "rate ", "", "1", "x" * 300, "名前"])
    if d and rng.random() < 0.5:
        k = str(rng.choice(list(d)))
        key = k[:-1] if len(k) > 1 else k + "x"
    if key in d:
        key += "_"
    d[key] = 1
    return dump(doc), {"kind": "unknown_key", "path": key_path((*p, key)), "detail": key[:40]}


def m_extend(rng, doc, ctx):
    target = rng.choice(EXTEND_TARGETS)
    name = ctx["file"].name
    if isinstance(target, str):
        target = target.replace("SELF", name).replace("DUP", ctx["file"].parent.name)
    patch = {"name": "patched", "extend": target}
    if rng.random() < 0.5:
        patch = {"extend": target, **{k: v for k, v in doc.items() if k != "extend"}}
    return dump(patch), {"kind": "extend", "path": "extend", "detail": repr(target)}


def m_deep_nesting(rng, doc, ctx):
    cands = paths_where(doc, lambda p, v: True)
    p = rng.choice(cands)
    depth = rng.choice([10, 100, 500, 1000, 5000, 50_000])
    marker = "@@DEEP@@"
    set_at(doc, p, marker)
    brackets = rng.choice([("[", "]"), ("{a: ", "}")])
    nested = brackets[0] * depth + "1" + brackets[1] * depth
    text = dump(doc).replace(f"'{marker}'", nested, 1).replace(marker, nested, 1)
    return text, {"kind": "deep_nesting", "path": key_path(p), "detail": f"depth {depth}"}


def m_huge_list(rng, doc, ctx):
    cands = paths_where(doc, lambda p, v: isinstance(v, list) and v)
    p = rng.choice(cands)
    items = get_at(doc, p)
    n = rng.choice([65, 100, 1000, 20_000])
    out = []
    for i in range(n):
        item = copy.deepcopy(items[i % len(items)])
        if isinstance(item, dict) and "name" in item and rng.random() < 0.7:
            item["name"] = f"{str(item['name'])[:30]}-{i}"
        out.append(item)
    set_at(doc, p, out)
    return dump(doc), {"kind": "huge_list", "path": key_path(p), "detail": f"{n} items"}


def m_semantic(rng, doc, ctx):
    """Values of the right type that break a cross-field rule."""
    choice = rng.randrange(7)
    if choice == 0:  # shares that do not add up
        g = doc["population"]["groups"]
        g[0]["share"] = round(g[0]["share"] * rng.choice([0.5, 1.000001, 1.00000001, 2]), 12)
        return dump(doc), {"kind": "semantic", "path": "population.groups[0].share",
                           "detail": "shares sum"}
    if choice == 1:  # score bounds crossed
        s = doc["regime"]["score"]
        s["min"], s["max"] = s["max"], s["min"]
        return dump(doc), {"kind": "semantic", "path": "regime.score", "detail": "min>max"}
    if choice == 2:  # tiers reordered
        t = doc["regime"]["tiers"]
        rng.shuffle(t)
        return dump(doc), {"kind": "semantic", "path": "regime.tiers", "detail": "shuffled"}
    if choice == 3:  # rates per year instead of per day
        b = rng.choice(doc["behaviours"])
        b["rate"] = 0.9 if not isinstance(b["rate"], dict) else {k: 0.9 for k in b["rate"]}
        i = doc["behaviours"].index(b)
        return dump(doc), {"kind": "semantic", "path": f"behaviours[{i}].rate", "detail": "0.9"}
    if choice == 4:  # huge listing duration plus many days
        doc.setdefault("run", {})["days"] = 20000
        return dump(doc), {"kind": "semantic", "path": "run.days", "detail": "20000"}
    if choice == 5:  # remove a behaviour others refer to
        i = rng.randrange(len(doc["behaviours"]))
        del doc["behaviours"][i]
        return dump(doc), {"kind": "semantic", "path": f"behaviours[{i}]", "detail": "removed"}
    # consequence with both tiers and list / neither
    c = rng.choice(doc.get("consequences") or [{}])
    c.pop("tiers", None)
    c.pop("list", None)
    return dump(doc), {"kind": "semantic", "path": "consequences", "detail": "no carrier"}


def m_text(rng, doc, ctx):
    """Textual damage to an otherwise valid file."""
    text = dump(doc)
    lines = text.splitlines(keepends=True)
    op = rng.randrange(16)
    if op == 0:
        i = rng.randrange(len(lines))
        del lines[i]
        return "".join(lines), {"kind": "text", "path": None, "detail": f"delete line {i + 1}"}
    if op == 1:
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
        return "".join(lines), {"kind": "text", "path": None, "detail": f"duplicate line {i + 1}"}
    if op == 2:
        i = rng.randrange(len(lines))
        lines[i] = "\t" + lines[i]
        return "".join(lines), {"kind": "text", "path": None, "detail": f"tab at line {i + 1}"}
    if op == 3:
        cut = rng.randrange(len(text))
        return text[:cut], {"kind": "text", "path": None, "detail": f"truncate at {cut}"}
    if op == 4:
        data = bytearray(text.encode())
        for _ in range(rng.randint(1, 5)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        return bytes(data), {"kind": "text", "path": None, "detail": "bit flips"}
    if op == 5:
        data = bytearray(text.encode())
        at = rng.randrange(len(data))
        data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        return bytes(data), {"kind": "text", "path": None, "detail": "random bytes"}
    if op == 6:
        return text.replace("\n", "\r\n"), {"kind": "text", "path": None, "detail": "CRLF"}
    if op == 7:
        return "\ufeff" + text, {"kind": "text", "path": None, "detail": "BOM"}
    if op == 8:
        return text.encode("utf-16"), {"kind": "text", "path": None, "detail": "UTF-16"}
    if op == 9:
        tag = rng.choice(PY_TAGS).format(marker=ctx["marker"])
        cands = [i for i, line in enumerate(lines) if re.match(r"^\s*[\w-]+: \S", line)]
        i = rng.choice(cands)
        head = lines[i].split(": ", 1)[0]
        lines[i] = f"{head}: {tag}\n"
        return "".join(lines), {"kind": "yaml_tag", "path": None, "detail": tag}
    if op == 10:  # unhashable / complex / non-string keys
        key = rng.choice(["? [a, b]\n: 1\n", "? {a: 1}\n: 1\n", "1: x\n", "null: x\n",
                          "true: x\n", "? !!binary aGk=\n: 1\n", "[a]: 1\n", "{a: 1}: 2\n",
                          "1.5: x\n", "2001-01-01: x\n"])
        return key + text, {"kind": "odd_key", "path": None, "detail": key.strip()}
    if op == 11:
        return text + "---\n" + text, {"kind": "text", "path": None, "detail": "two documents"}
    if op == 12:
        anchor = ("base: &b\n  x: 1\nother:\n  <<: *b\n  <<: *b\n" if rng.random() < 0.5
                  else "name: &n a\nx: *n\n")
        return anchor + text, {"kind": "anchor", "path": None, "detail": anchor.strip()[:60]}
    if op == 13:
        return rng.choice(["", "# only a comment\n", "42\n", "- a\n- b\n", "'x'\n", "~\n",
                           "{}\n", "[]\n", "name: only\n"]), {
            "kind": "text", "path": None, "detail": "tiny document"}
    if op == 14:  # indentation shift
        i = rng.randrange(len(lines))
        lines[i] = "   " + lines[i]
        return "".join(lines), {"kind": "text", "path": None, "detail": f"indent line {i + 1}"}
    # merge keys pulling a preset section into another
    return text.replace("regime:", "regime: &r", 1) + "response: *r\n", {
        "kind": "anchor", "path": "response", "detail": "alias of regime as response"}


MUTATORS = [
    (m_delete_key, 12), (m_wrong_type, 14), (m_bad_number, 16), (m_empty_list, 5),
    (m_duplicate_item, 6), (m_unknown_reference, 9), (m_weird_string, 8), (m_unknown_key, 6),
    (m_extend, 5), (m_deep_nesting, 3), (m_huge_list, 3), (m_semantic, 6), (m_text, 14),
]


# --------------------------------------------------------------------------- fixed hostile files


def laughs(levels=10, width=10):
    """A flow sequence whose last item expands to width**levels strings through aliases."""
    parts = ["&a0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        parts.append(f"&a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "[" + ", ".join(parts) + "]"


def fixed_cases(presets: dict[str, str], ctx_marker: str, heavy: bool):
    """(name, content, info, heavy) for the hand-made hostile files."""
    base_text = next(iter(presets.values()))
    doc = yaml.safe_load(base_text)
    out = []

    def add(name, content, kind, detail, path=None, is_heavy=False):
        out.append((name, content, {"kind": kind, "path": path, "detail": detail}, is_heavy))

    def with_marker(setter):
        d = copy.deepcopy(doc)
        setter(d, "@@MARK@@")
        return dump(d)

    # billion laughs (10^10 strings once expanded) in fields of different types
    spots = {
        "description": ("description", lambda d, m: d.__setitem__("description", m)),
        "groups": ("population.groups", lambda d, m: d["population"].__setitem__("groups", m)),
        "extra": ("lol", lambda d, m: d.__setitem__("lol", m)),
        "rate": ("behaviours[0].rate", lambda d, m: d["behaviours"][0].__setitem__("rate", m)),
        "related": ("regime.related_domains",
                    lambda d, m: d["regime"].__setitem__("related_domains", m)),
        "name": ("name", lambda d, m: d.__setitem__("name", m)),
        "tier": ("regime.tiers[0].name",
                 lambda d, m: d["regime"]["tiers"][0].__setitem__("name", m)),
    }
    for where, (path, setter) in spots.items():
        text = with_marker(setter).replace("'@@MARK@@'", laughs()).replace("@@MARK@@", laughs())
        add(f"laughs-{where}", text, "billion_laughs", f"10^10 strings via aliases in {path}",
            path)
    # 50 MB files (text built directly: PyYAML's emitter is slow on 50 MB)
    if heavy:
        mb50 = 50 * 2**20
        add("huge-50mb-description",
            with_marker(lambda d, m: d.__setitem__("description", m)).replace(
                "@@MARK@@", "x" * mb50), "huge_file", "50 MB scalar", "description", True)
        pairs = "[" + ", ".join(["[finance, credit]"] * (mb50 // 19)) + "]"
        add("huge-50mb-list",
            with_marker(lambda d, m: d["regime"].__setitem__("related_domains", m)).replace(
                "'@@MARK@@'", pairs), "huge_file", "50 MB list of pairs",
            "regime.related_domains", True)
        add("huge-50mb-comment", base_text + ("#" + "x" * 1000 + "\n") * 52_000,
            "huge_file", "50 MB of comments", None, True)
        keys = "{" + ", ".join(f"k{i}: {i}" for i in range(2_000_000)) + "}"
        add("huge-2M-keys",
            with_marker(lambda d, m: d.__setitem__("lol", m)).replace("'@@MARK@@'", keys),
            "huge_file", "2,000,000 unknown keys (28 MB)", "lol", True)
    # deep nesting, textual
    for depth in (1000, 100_000):
        add(f"deep-list-{depth}", "name: x\ndescription: " + "[" * depth + "]" * depth + "\n",
            "deep_nesting", f"depth {depth}", "description")
        add(f"deep-map-{depth}", "name: x\ndescription: " + "{a: " * depth + "1" + "}" * depth
            + "\n", "deep_nesting", f"depth {depth}", "description")
    # binary junk
    rnd = random.Random(7)
    add("junk-1mb", bytes(rnd.randrange(256) for _ in range(1 << 20)), "binary_junk", "1 MiB")
    add("junk-nul", b"name: x\x00\x00\x00\n", "binary_junk", "NUL bytes")
    add("junk-latin1", "name: caf\xe9\n".encode("latin-1"), "binary_junk", "not UTF-8")
    add("junk-elf", Path("/bin/sh").resolve().read_bytes()[:65536], "binary_junk", "ELF head")
    add("junk-surrogate-name",
        with_marker(lambda d, m: d.__setitem__("name", m)).replace("'@@MARK@@'", '"\\ud800"'),
        "binary_junk", "escaped lone surrogate in name", "name")
    add("junk-surrogate-description",
        with_marker(lambda d, m: d.__setitem__("description", m)).replace(
            "'@@MARK@@'", '"\\ud800"'), "binary_junk", "escaped lone surrogate in description",
        "description")
    # python tags, whole document
    for i, tag in enumerate(PY_TAGS[:6]):
        add(f"pytag-doc-{i}", tag.format(marker=ctx_marker) + "\n", "yaml_tag", tag)
    # extend: cycles through paths that are not normalised, odd targets
    add("cycle-dotdot", "extend: ../cases/cycle-dotdot.yaml\nname: x\n", "extend_cycle",
        "itself through ../cases/", "extend")
    add("cycle-dot", "extend: ./cycle-dot.yaml\nname: x\n", "extend_cycle",
        "itself through ./", "extend")
    add("cycle-abs", "extend: CASES_ABS/cycle-abs.yaml\nname: x\n", "extend_cycle",
        "itself through an absolute path", "extend")
    add("cycle-pair-a", "extend: ../cases/cycle-pair-b.yaml\nname: x\n", "extend_cycle",
        "a -> b -> a through ../cases/", "extend")
    add("cycle-pair-b", "extend: ../cases/cycle-pair-a.yaml\nname: x\n", "extend_cycle",
        "b -> a -> b through ../cases/", "extend")
    add("extend-huge", "extend: huge-50mb-description.yaml\nname: x\n", "extend",
        "extends the 50 MB file", "extend", heavy)
    add("extend-dir", "extend: /etc\nname: x\n", "extend", "a folder", "extend")
    add("extend-fifo", "extend: fifo.yaml\nname: x\n", "extend", "a named pipe", "extend")
    add("extend-secret", "extend: secret.yaml\nname: x\n", "extend",
        "a mapping file with secret values (does the message echo them?)", "extend")
    add("extend-passwd", "extend: ../../../../../../../etc/passwd\nname: x\n", "extend",
        "/etc/passwd by a relative path", "extend")
    add("extend-shadow", "extend: /etc/shadow\nname: x\n", "extend", "/etc/shadow", "extend")
    return out


# --------------------------------------------------------------------------- running


def limits(mem_gib):
    def apply():
        os.setsid()
        cap = int(mem_gib * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    return apply


def run_cmd(cmd, timeout, mem_gib, cwd):
    start = time.monotonic()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd,
        env={**os.environ, **WIDE}, preexec_fn=limits(mem_gib),
    )
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
    text_err = err.decode("utf-8", "replace")
    text_out = out.decode("utf-8", "replace")
    lines = [ln for ln in (text_err + "\n" + text_out).strip().splitlines() if ln.strip()]
    frames = [ln.strip() for ln in lines if ln.strip().startswith("File ")]
    return {
        "cmd": cmd, "rc": proc.returncode, "timed_out": timed_out,
        "seconds": round(time.monotonic() - start, 3),
        "stdout": text_out[-4000:],
        "stderr": (text_err[:3000] + "\n[...]\n" + text_err[-5000:]) if len(text_err) > 8000
        else text_err,
        "stderr_bytes": len(err),
        "traceback": TRACEBACK in text_err or TRACEBACK in text_out
        or bool(re.search(r"^\w*(Error|Exception)\b.*", text_err, re.M) and frames),
        "last_line": lines[-1][:300] if lines else "",
        "last_frame": frames[-1][:300] if frames else "",
    }


def signature(res):
    """A short, stable description of a failure."""
    if res["timed_out"]:
        return "timeout"
    if res["traceback"]:
        last = re.sub(r"'(\.\./cases/)+", "'../cases/...", res["last_line"])[:120]
        where = re.sub(r", in .*", "", res["last_frame"])
        where = re.sub(r'.*/site-packages/|.*/src/|File "', "", where)
        return f"traceback: {re.sub(r'[0-9]{3,}', 'N', last)} @ {where}"
    if res["rc"] is not None and res["rc"] < 0:
        return f"signal {-res['rc']}"
    return f"rc {res['rc']}"


def check_message(res, label, info):
    """For a deliberate error: does the message name the file, and a key path?"""
    err = res["stderr"]
    first = err.strip().splitlines()[0] if err.strip() else ""
    has_file = label in err or Path(label).name in err
    rest = err.split(f"{label}: ", 1)[1] if f"{label}: " in err else ""
    has_path = bool(re.match(r"^(--?[\w-]+|[A-Za-z_][\w\-\[\]\.\*]*(\[[^\]]*\])*): ", rest))
    has_path = has_path or bool(re.search(r"at line \d+, column \d+", err))
    return {"has_file": has_file, "has_path": has_path, "first_line": first[:300]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bin")
    ap.add_argument("outdir", type=Path)
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--run-sample", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--mem-gib", type=float, default=6.0)
    ap.add_argument("--no-heavy", action="store_true", help="skip the 50 MB files")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    out = args.outdir.resolve()
    cases = out / "cases"
    if cases.exists():
        shutil.rmtree(cases)
    cases.mkdir(parents=True)
    runs = out / "runs"
    if runs.exists():
        shutil.rmtree(runs)
    runs.mkdir()
    work = out / "cwd"  # every command runs here; anything written here is a stray write
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    marker_dir = out / "markers"
    marker_dir.mkdir(exist_ok=True)
    for old in marker_dir.iterdir():
        old.unlink()

    # presets, as the README says to get them (wide, so rich does not wrap the YAML)
    listing = subprocess.run([args.bin, "presets"], capture_output=True, text=True,
                             env={**os.environ, **WIDE}).stdout
    names = re.findall(r"^\s*([a-z][a-z0-9_-]+-[a-z0-9_-]+)\s", listing, re.M)
    presets = {}
    roundtrip = {}
    for name in names:
        wide = subprocess.run([args.bin, "presets", "--show", name], capture_output=True,
                              text=True, env={**os.environ, **WIDE}).stdout
        presets[name] = wide
        narrow = subprocess.run([args.bin, "presets", "--show", name], capture_output=True,
                                text=True, env={k: v for k, v in os.environ.items()
                                                if k != "COLUMNS"}).stdout
        p = out / f"preset-as-piped-{name}.yaml"
        p.write_text(narrow, encoding="utf-8")
        roundtrip[name] = run_cmd([args.bin, "validate", str(p)], args.timeout, args.mem_gib,
                                  work)["rc"]
    print(f"presets: {', '.join(presets)}; `presets --show NAME > f.yaml` then validate "
          f"(no COLUMNS): rc {roundtrip}")

    # auxiliary files some extend: cases point at
    (cases / "secret.yaml").write_text("api_token: hunter2-SECRET-VALUE\npassword: s3cr3t\n")
    fifo = cases / "fifo.yaml"
    if not fifo.exists():
        os.mkfifo(fifo)

    jobs = []  # (path, info, heavy)
    marker = str(marker_dir / "PWNED")
    for name, content, info, heavy in fixed_cases(presets, marker, not args.no_heavy):
        path = cases / f"{name}.yaml"
        if isinstance(content, str):
            content = content.replace("CASES_ABS", str(cases))
            path.write_text(content, encoding="utf-8", errors="surrogatepass")
        else:
            path.write_bytes(content)
        jobs.append((path, info, heavy))
    base_docs = {n: yaml.safe_load(t) for n, t in presets.items()}
    weights = [w for _, w in MUTATORS]
    i = 0
    while len(jobs) < args.n:
        preset = rng.choice(list(base_docs))
        doc = copy.deepcopy(base_docs[preset])
        path = cases / f"{i:05d}.yaml"
        i += 1
        ctx = {"file": path, "marker": f"{marker}-{i}"}
        infos = []
        try:
            content = None
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                fn = rng.choices([m for m, _ in MUTATORS], weights)[0]
                content, info = fn(rng, doc, ctx)
                infos.append(info)
                if fn in (m_text, m_extend, m_deep_nesting):
                    break  # the document no longer round-trips through the dict
        except (IndexError, KeyError, TypeError, ValueError):
            continue  # that mutation did not apply to this document; draw again
        info = dict(infos[-1])
        info["all"] = [f"{x['kind']}:{x['path']}:{x['detail']}" for x in infos]
        info["preset"] = preset
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", errors="surrogatepass")
        jobs.append((path, info, False))

    started = time.time()
    results = []

    def do_validate(job):
        path, info, heavy = job
        label = os.path.relpath(path, work)
        res = run_cmd([args.bin, "validate", label], args.timeout, args.mem_gib, work)
        res.update(file=str(path), info=info, heavy=heavy, label=label, step="validate")
        return res

    light = [j for j in jobs if not j[2]]
    heavy_jobs = [j for j in jobs if j[2]]
    with ThreadPoolExecutor(args.jobs) as pool:
        for k, res in enumerate(pool.map(do_validate, light), 1):
            results.append(res)
            if k % 250 == 0:
                print(f"  validated {k}/{len(light)} ({time.time() - started:.0f} s)", flush=True)
    for job in heavy_jobs:
        results.append(do_validate(job))
        print(f"  heavy {job[0].name}: {signature(results[-1])} "
              f"{results[-1]['seconds']} s", flush=True)

    passed = [r for r in results if r["rc"] == 0 and not r["timed_out"]]
    sample = rng.sample(passed, min(args.run_sample, len(passed)))
    for k, v in enumerate(sample, 1):
        folder = runs / f"{Path(v['file']).stem}"
        res = run_cmd([args.bin, "run", v["label"], "--people", "2000", "--days", "5",
                       "--quiet", "--out", os.path.relpath(folder, work)],
                      max(args.timeout, 120), max(args.mem_gib, 8), work)
        res.update(file=v["file"], info=v["info"], label=v["label"], step="run")
        results.append(res)
        if res["rc"] == 0:
            ver = run_cmd([args.bin, "verify", str(folder)], args.timeout, args.mem_gib, work)
            ver.update(file=v["file"], info=v["info"], label=v["label"], step="verify")
            results.append(ver)
        if k % 25 == 0:
            print(f"  ran {k}/{len(sample)} ({time.time() - started:.0f} s)", flush=True)

    # ---------------------------------------------------------------- tally
    with (out / "results.jsonl").open("w") as f:
        for r in results:
            f.write(json.dumps(r, default=str) + "\n")
    summary = {"cases": len(jobs), "preset_show_piped_validate_rc": roundtrip}
    for step in ("validate", "run", "verify"):
        rs = [r for r in results if r["step"] == step]
        sigs = Counter()
        examples = {}
        tb = timeouts = signals = slow = 0
        no_file = no_path = 0
        no_file_ex, no_path_ex = [], []
        big_msgs = []
        for r in rs:
            text = r["stderr"] + r["stdout"]
            sig = signature(r)
            if r["rc"] != 0 or r["timed_out"] or r["traceback"]:
                sigs[sig] += 1
                examples.setdefault(sig, (r["label"], r["info"].get("all") or
                                          r["info"]["detail"], text[-600:]))
            tb += r["traceback"]
            timeouts += r["timed_out"]
            signals += (r["rc"] or 0) < 0 and not r["timed_out"]
            slow += r["seconds"] > 30
            if r["stderr_bytes"] > 100_000:
                big_msgs.append((r["label"], r["stderr_bytes"]))
            if step == "validate" and r["rc"] == 2 and not r["traceback"]:
                m = check_message(r, r["label"], r["info"])
                if not m["has_file"]:
                    no_file += 1
                    no_file_ex.append((r["label"], m["first_line"]))
                elif r["info"].get("path") and not m["has_path"]:
                    no_path += 1
                    no_path_ex.append((r["label"], r["info"]["path"], m["first_line"]))
        summary[step] = {
            "commands": len(rs),
            "exit_codes": dict(Counter(str(r["rc"]) for r in rs)),
            "tracebacks": tb,
            "timeouts": timeouts,
            "killed_by_signal": signals,
            "slower_than_30s": slow,
            "stderr_over_100kB": big_msgs[:20],
            "stderr_over_100kB_count": len(big_msgs),
            "errors_without_file_name": no_file,
            "errors_without_key_path_where_mutation_had_one": no_path,
            "examples_without_file": no_file_ex[:10],
            "examples_without_path": no_path_ex[:25],
            "failure_signatures": dict(sigs.most_common()),
            "failure_examples": {k: list(v) for k, v in examples.items()},
        }
    by_kind = defaultdict(Counter)
    for r in results:
        if r["step"] == "validate":
            by_kind[r["info"]["kind"]][signature(r) if r["rc"] != 0 else "valid"] += 1
    summary["validate_by_mutation"] = {k: dict(v) for k, v in sorted(by_kind.items())}
    accepted = [(r["label"], r["info"].get("all") or r["info"]["detail"]) for r in results
                if r["step"] == "validate" and r["rc"] == 0
                and r["info"]["kind"] in ("bad_number", "wrong_type", "weird_string")]
    summary["accepted_odd_values"] = accepted
    summary["code_execution_markers"] = sorted(p.name for p in marker_dir.iterdir())
    summary["stray_files_in_cwd"] = sorted(str(p.relative_to(work)) for p in work.rglob("*"))
    summary["seconds"] = round(time.time() - started, 1)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    for step in ("validate", "run", "verify"):
        s = summary[step]
        print(f"{step}: {s['commands']} commands, exit codes {s['exit_codes']}, tracebacks "
              f"{s['tracebacks']}, timeouts {s['timeouts']}, signals {s['killed_by_signal']}, "
              f"no file name {s['errors_without_file_name']}, no key path "
              f"{s['errors_without_key_path_where_mutation_had_one']}")
        for sig, n in s["failure_signatures"].items():
            if sig != "rc 2":
                print(f"    {n:5d}  {sig}")
    print(f"code execution markers: {summary['code_execution_markers']}; stray files: "
          f"{summary['stray_files_in_cwd'][:5]}")
    print(f"details: {out / 'summary.json'}, {out / 'results.jsonl'}")


if __name__ == "__main__":
    main()
