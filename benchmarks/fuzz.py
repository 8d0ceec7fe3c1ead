"""Fuzz extraction with mutated real documents, each under the per-document time and memory budget.

Mutates the seeds, the external final accounts and the budgets (text and PDF): truncations, byte flips, shuffled
and duplicated lines, huge and negative numbers, full-width digits, re-encodings (UTF-16, GB18030, BOM, CR, CRLF,
bare form feeds), broken, encrypted and xref-scrambled PDFs, deflate bombs, and names that are not UTF-8. Every
input goes through `extract.guarded` as the pipeline runs it, and the run reports tried / crashed (a traceback or
a dead worker) / timed out / over memory and the peak resident memory per document.

    nice -n 10 python benchmarks/fuzz.py --count 2000 --seed 1 [--timeout 120 --memory-mb 1536] [--keep DIR]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "flows"))

from juesuan.extract.guarded import GuardedExtractor, Limits  # noqa: E402

SHARED = Path(os.environ.get("JUESUAN_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
_FIGURE = re.compile(rb"\d[\d,]*\.\d{2}")


@dataclass
class Source:
    name: str
    suffix: str
    data: bytes


def corpus_sources() -> list[Source]:
    """The real documents: seeds, external final accounts (PDF and both text renderings), budgets (PDF and text)."""
    files = sorted(p for folder in ("seeds", "external", "budgets") for p in (CORPUS / folder).glob("*")
                   if p.suffix in (".txt", ".md", ".pdf") and p.stem != "README")
    if not files:
        raise SystemExit(f"no documents under {CORPUS}: set JUESUAN_SHARED to the shared/ folder")
    return [Source(p.name, ".md" if p.suffix == ".md" else p.suffix, p.read_bytes()) for p in files]


# --- mutations: each takes (bytes, rng) and returns bytes -------------------------------------------------------

def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(0, max(1, len(data)))]


def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.choice((1, 8, 64, 512))):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def shuffle_lines(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    start = rng.randrange(len(lines))
    window = lines[start: start + rng.choice((5, 50, 500))]
    rng.shuffle(window)
    return b"\n".join(lines[:start] + window + lines[start + len(window):])


def duplicate_lines(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    start = rng.randrange(len(lines))
    block = lines[start: start + rng.choice((1, 20, 200))]
    return b"\n".join(lines[:start] + block * rng.choice((2, 10)) + lines[start:])


def _replace_figures(data: bytes, rng: random.Random, make) -> bytes:
    def sub(m: re.Match) -> bytes:
        return make(m.group(0)) if rng.random() < 0.2 else m.group(0)
    return _FIGURE.sub(sub, data)


def huge_numbers(data: bytes, rng: random.Random) -> bytes:
    forms = [b"40434043404310100.00", b"40434043404310100.00%", b"9" * 30 + b".99", b"1e16", b"123456789012.34"]
    return _replace_figures(data, rng, lambda _: rng.choice(forms))


def negative_numbers(data: bytes, rng: random.Random) -> bytes:
    forms = ["-{}", "−{}", "－{}", "—{}", "({})", "（{}）", "- {}", "{}-"]
    return _replace_figures(data, rng, lambda f: rng.choice(forms).format(f.decode()).encode())


def full_width(data: bytes, rng: random.Random) -> bytes:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    return text.translate(str.maketrans("0123456789.,", "０１２３４５６７８９．，")).encode("utf-8")


def spaced_numbers(data: bytes, rng: random.Random) -> bytes:
    return _replace_figures(data, rng, lambda f: f[:1] + b" " + f[1:])


def reencode(data: bytes, rng: random.Random) -> bytes:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    how = rng.choice(("utf-16", "utf-16-be-bom", "gb18030", "utf-8-sig", "crlf", "cr", "bare-ff", "latin-1-junk"))
    if how == "utf-16":
        return text.encode("utf-16")
    if how == "utf-16-be-bom":
        return b"\xfe\xff" + text.encode("utf-16-be")
    if how == "gb18030":
        return text.encode("gb18030")
    if how == "utf-8-sig":
        return text.encode("utf-8-sig")
    if how == "crlf":
        return text.replace("\n", "\r\n").encode()
    if how == "cr":
        return text.replace("\n", "\r").encode()
    if how == "bare-ff":
        return text.replace("\n\f", "\f").encode()
    return text.encode("utf-16-le")  # no BOM: read as GB18030 or rejected, never a crash


TEXT_MUTATIONS = [truncate, flip_bytes, shuffle_lines, duplicate_lines, huge_numbers, negative_numbers, full_width,
                  spaced_numbers, reencode]


def pdf_truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(8, max(9, len(data)))]


def pdf_scramble_xref(data: bytes, rng: random.Random) -> bytes:
    """Rewrite the 10-digit offsets of the xref table (and startxref) with random ones."""
    def offset(m: re.Match) -> bytes:
        return b"%010d" % rng.randrange(0, max(1, len(data) * 2)) + m.group(2)
    data = re.sub(rb"(\d{10})( \d{5} [nf])", offset, data)
    return re.sub(rb"startxref\s+\d+", b"startxref\n%d" % rng.randrange(len(data)), data)


def pdf_encrypt(data: bytes, rng: random.Random) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=rng.choice(("", "secret")), owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF_MUTATIONS = [pdf_truncate, flip_bytes, pdf_scramble_xref, pdf_encrypt]


def deflate_bomb(inflated_mb: int = 2048) -> bytes:
    """A one-page PDF whose content stream inflates to `inflated_mb` MB (about 2 MB compressed)."""
    compressor = zlib.compressobj(9)
    chunk = b"0 0 m\n" * (2**20 // 6)
    parts = [compressor.compress(chunk) for _ in range(inflated_mb)] + [compressor.flush()]
    stream = b"".join(parts)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


# --- the harness --------------------------------------------------------------------------------------------------

def make_inputs(count: int, seed: int, folder: Path, bomb_every: int = 100):
    """`count` mutated documents written to folder one at a time, as (path, what was done)."""
    rng = random.Random(seed)
    sources = corpus_sources()
    bomb = None
    for index in range(count):
        if bomb_every and index % bomb_every == bomb_every - 1:
            bomb = bomb or deflate_bomb()
            data, suffix, what = bomb, ".pdf", "deflate bomb (2 GB inflated)"
        else:
            source = rng.choice(sources)
            mutations = PDF_MUTATIONS if source.suffix == ".pdf" else TEXT_MUTATIONS
            steps = rng.sample(mutations, rng.choice((1, 1, 2)))
            data, done = source.data, []
            for step in steps:
                try:
                    data = step(data, rng)
                    done.append(step.__name__)
                except Exception as exc:  # noqa: BLE001 - a mutation that cannot apply (pypdf on a damaged PDF)
                    done.append(f"{step.__name__} not applied ({type(exc).__name__})")
            suffix, what = source.suffix, f"{source.name}: {'+'.join(done)}"
        name = f"{index:05d}{suffix}".encode()
        if rng.random() < 0.05:
            name = b"\xff\xfe-" + name  # a file name that is not UTF-8
        path = Path(os.fsdecode(os.path.join(os.fsencode(folder), name)))
        path.write_bytes(data)
        yield path, what


def run(count: int, seed: int, limits: Limits, workers: int, keep: Path | None, log, bomb_every: int = 100) -> dict:
    """Extract every mutated input under the limits; the summary of what happened."""
    folder = Path(tempfile.mkdtemp(prefix="juesuan-fuzz-"))
    inputs = make_inputs(count, seed, folder, bomb_every)
    outcomes: Counter[str] = Counter()
    peaks: list[float] = []
    slowest: list[tuple[float, str]] = []
    failures = []
    started = time.monotonic()
    lock = threading.Lock()

    def record(path: Path, what: str, outcome) -> None:
        outcomes[outcome.status] += 1
        if outcome.peak_rss_mb is not None:
            peaks.append(outcome.peak_rss_mb)
        slowest.append((outcome.seconds, what))
        codes = sorted({p.code for p in outcome.extraction.problems if p.severity == "error"})
        entry = {"input": os.fsencode(path.name).decode("utf-8", "backslashreplace"), "what": what,
                 "status": outcome.status, "seconds": round(outcome.seconds, 3),
                 "peak_rss_mb": None if outcome.peak_rss_mb is None else round(outcome.peak_rss_mb, 1),
                 "errors": codes}
        if outcome.status != "ok":
            entry["traceback"] = outcome.traceback
            failures.append(entry)
            if keep is not None:
                keep.mkdir(parents=True, exist_ok=True)
                (keep / entry["input"]).write_bytes(path.read_bytes())
        if log is not None:
            log.write(json.dumps(entry, ensure_ascii=False) + "\n")
            log.flush()

    def work(extractor: GuardedExtractor) -> None:
        # Inputs are made as they are taken, so a long run's log shows its progress from the first document.
        while True:
            with lock:
                item = next(inputs, None)
            if item is None:
                return
            path, what = item
            outcome = extractor.run(path)
            with lock:
                record(path, what, outcome)
            path.unlink()

    with GuardedExtractor(workers, limits) as extractor:
        threads = [threading.Thread(target=work, args=(extractor,)) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    folder.rmdir()
    slowest.sort(reverse=True)
    return {
        "tried": sum(outcomes.values()), "seed": seed, "timeout_s": limits.timeout_s, "memory_mb": limits.memory_mb,
        "ok": outcomes["ok"], "crashed": outcomes["error"] + outcomes["crashed"], "timed_out": outcomes["timeout"],
        "over_memory": outcomes["memory"],
        "peak_rss_mb_max": round(max(peaks), 1) if peaks else None,
        "peak_rss_mb_median": round(statistics.median(peaks), 1) if peaks else None,
        "seconds_total": round(time.monotonic() - started, 1),
        "slowest": [(round(s, 2), w) for s, w in slowest[:5]],
        "failures": failures,
    }


def summarize(log: Path) -> dict:
    """The figures of a run (finished or still going) from its JSON-lines log."""
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    statuses = Counter(r["status"] for r in records)
    peaks = [r["peak_rss_mb"] for r in records if r["peak_rss_mb"] is not None]
    return {"tried": len(records), "ok": statuses["ok"], "crashed": statuses["error"] + statuses["crashed"],
            "timed_out": statuses["timeout"], "over_memory": statuses["memory"],
            "peak_rss_mb_max": max(peaks, default=None),
            "peak_rss_mb_median": statistics.median(peaks) if peaks else None,
            "seconds_max": max((r["seconds"] for r in records), default=None),
            "error_codes": dict(Counter(code for r in records for code in r["errors"]).most_common())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=120.0, help="per-document seconds")
    parser.add_argument("--memory-mb", type=int, default=1536, help="per-document address space, MB")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="copy inputs that did not end ok here")
    parser.add_argument("--log", type=Path, help="one JSON line per input")
    parser.add_argument("--summarize", type=Path, help="print the figures of an earlier run's --log and exit")
    args = parser.parse_args(argv)
    if args.summarize:
        print(json.dumps(summarize(args.summarize), ensure_ascii=False, indent=1))
        return 0
    log = args.log.open("w", encoding="utf-8") if args.log else None
    try:
        summary = run(args.count, args.seed, Limits(args.timeout, args.memory_mb), args.workers, args.keep, log)
    finally:
        if log is not None:
            log.close()
    failures = summary.pop("failures")
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    for record in failures:
        print(f"{record['status']:8} {record['input']}  {record['what']}  {record['seconds']} s")
        if record.get("traceback"):
            print(record["traceback"])
    return 1 if summary["crashed"] else 0


if __name__ == "__main__":
    sys.exit(main())
