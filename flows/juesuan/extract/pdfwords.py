"""Words with positions from a PDF's pages, read with pdfium and grouped the way pdfplumber's extract_words does.

pdfplumber (on pdfminer) spends nearly all its time interpreting content streams in Python; pdfium does that in C.
Its characters are given pdfminer's geometry (x from the pen origin and advance, top/bottom from the baseline, the
font's descriptor descent and the font size, as pdfminer's LTChar), then grouped into words with pdfplumber's rules
(default x_tolerance = y_tolerance = 3, keep_blank_chars = False, use_text_flow = False):
characters are clustered into lines by `top` (sorted values chained while within y_tolerance), sorted left to right,
and a word ends at a blank character, a step back, a gap wider than x_tolerance, or a `top` further than y_tolerance.

pdfium is not thread-safe: read one PDF per process at a time (the pipeline extracts in worker processes).
"""

from __future__ import annotations

import ctypes
import itertools
from collections.abc import Iterator

X_TOLERANCE = 3.0
Y_TOLERANCE = 3.0
# pdfplumber's expand_ligatures default.
LIGATURES = {"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"}

# A word: text, x0, x1, top, bottom (points; top measured down from the top of the page's media box, as pdfplumber).
Word = tuple[str, float, float, float, float]


class PdfError(Exception):
    """pdfium could not open or read the PDF; the message says why."""


def pdfium_pages(data: bytes) -> Iterator[list[Word]]:
    """Yield each page's words, in page order, read with pdfium."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise PdfError(str(exc)) from exc
    _pdfium().forget_fonts()  # font handles are per document: a freed one's address can come back for another font
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                yield _page_words(page)
            finally:
                page.close()
    finally:
        pdf.close()


def pdfium_text(data: bytes) -> str:
    """The PDF's text as pdfium's own text layout prints it (no positions), pages joined by form feeds: a text
    rendering such as users bring from their own extractor."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise PdfError(str(exc)) from exc
    try:
        return "\n\f".join(pdf[index].get_textpage().get_text_bounded() for index in range(len(pdf)))
    finally:
        pdf.close()


def page_count(data: bytes) -> int:
    """How many pages pdfium finds in the PDF."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise PdfError(str(exc)) from exc
    try:
        return len(pdf)
    finally:
        pdf.close()


def pdfplumber_pages(data: bytes) -> Iterator[list[Word]]:
    """Yield each page's words read by pdfplumber's extract_words (the reference the pdfium reader reproduces)."""
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            words = page.extract_words(keep_blank_chars=False, use_text_flow=False)
            yield [(w["text"], w["x0"], w["x1"], w["top"], w["bottom"]) for w in words]
            page.close()


def _page_words(page) -> list[Word]:
    chars = _page_chars(page)
    words: list[Word] = []
    # pdfplumber groups consecutive characters by uprightness before clustering lines.
    for _, run in itertools.groupby(chars, key=lambda c: c[5]):
        words.extend(_words_of(list(run)))
    return words


class _Pdfium:
    """The pdfium functions called per character, declared on plain pointers (casting pypdfium2's typed handles
    costs more than the calls), and the fonts' descents."""

    def __init__(self) -> None:
        from pypdfium2_raw import FS_MATRIX, FS_RECTF
        from pypdfium2_raw.bindings import _libs

        vp, i = ctypes.c_void_p, ctypes.c_int
        pd, pf = ctypes.POINTER(ctypes.c_double), ctypes.POINTER(ctypes.c_float)
        self.FS_MATRIX, self.FS_RECTF = FS_MATRIX, FS_RECTF
        declare = {
            "FPDFText_CountChars": (i, [vp]),
            "FPDFText_GetText": (i, [vp, i, i, ctypes.POINTER(ctypes.c_ushort)]),
            "FPDFText_IsGenerated": (i, [vp, i]),
            "FPDFText_GetLooseCharBox": (i, [vp, i, ctypes.POINTER(FS_RECTF)]),
            "FPDFText_GetTextObject": (vp, [vp, i]),
            "FPDFText_GetCharOrigin": (i, [vp, i, pd, pd]),
            "FPDFText_GetMatrix": (i, [vp, i, ctypes.POINTER(FS_MATRIX)]),
            "FPDFPage_CountObjects": (i, [vp]),
            "FPDFPage_GetObject": (vp, [vp, i]),
            "FPDFPageObj_GetType": (i, [vp]),
            "FPDFPageObj_GetMatrix": (i, [vp, ctypes.POINTER(FS_MATRIX)]),
            "FPDFTextObj_GetFont": (vp, [vp]),
            "FPDFTextObj_GetFontSize": (i, [vp, pf]),
            "FPDFFont_GetDescent": (i, [vp, ctypes.c_float, pf]),
        }
        lib = _libs["pdfium"]
        for name, (restype, argtypes) in declare.items():
            function = lib[name]  # a new function object: pypdfium2's own declarations stay as they are
            function.restype, function.argtypes = restype, argtypes
            setattr(self, name, function)
        self._descents: dict[int, float] = {}

    def forget_fonts(self) -> None:
        self._descents.clear()

    def descent(self, obj: int) -> float:
        """The descent per unit of font size of a text object's font: negative, as pdfminer forces it."""
        font = self.FPDFTextObj_GetFont(obj) or 0
        value = self._descents.get(font)
        if value is None:
            out = ctypes.c_float()
            ok = font and self.FPDFFont_GetDescent(font, 1.0, ctypes.byref(out))
            value = self._descents[font] = -abs(out.value) if ok else 0.0
        return value

    def font_size(self, obj: int) -> float:
        size = ctypes.c_float()
        return size.value if obj and self.FPDFTextObj_GetFontSize(obj, ctypes.byref(size)) else 0.0

    def object_geometry(self, obj: int) -> tuple | None:
        """A page-level text object's (x, baseline, d, size, descent, upright), or None where its characters do not
        share one baseline (rotated or skewed text): those are measured one by one."""
        m = self.FS_MATRIX()
        if not self.FPDFPageObj_GetMatrix(obj, ctypes.byref(m)) or m.b != 0 or m.c != 0 or m.d == 0:
            return None
        return m.e, m.f, m.d, self.font_size(obj), self.descent(obj), m.a * m.d > 0

    def char_geometry(self, raw: int, i: int, obj: int) -> tuple:
        """One character's (x, baseline, d, size, descent, upright), from its own matrix and origin."""
        m = self.FS_MATRIX()
        self.FPDFText_GetMatrix(raw, i, ctypes.byref(m))
        x, y = ctypes.c_double(), ctypes.c_double()
        self.FPDFText_GetCharOrigin(raw, i, ctypes.byref(x), ctypes.byref(y))
        descent = self.descent(obj) if obj else 0.0
        return x.value, y.value, m.d, self.font_size(obj), descent, m.a * m.d > 0 and m.b * m.c <= 0


_PDFIUM: list[_Pdfium] = []


def _pdfium() -> _Pdfium:
    if not _PDFIUM:
        _PDFIUM.append(_Pdfium())
    return _PDFIUM[0]


def _page_chars(page) -> list[tuple]:
    """The page's characters in drawing order, (text, x0, x1, top, bottom, upright), blanks included."""
    f = _pdfium()
    left, _, _, height = page.get_mediabox()  # pdfplumber: x from the media box's left edge, top from its top edge
    page_handle = ctypes.cast(page.raw, ctypes.c_void_p).value
    # Text objects drawn on the page itself, in drawing order, with what their characters share.
    objects: dict[int, tuple | None] = {}
    for j in range(f.FPDFPage_CountObjects(page_handle)):
        obj = f.FPDFPage_GetObject(page_handle, j)
        if f.FPDFPageObj_GetType(obj) == 1:  # FPDF_PAGEOBJ_TEXT
            objects[obj] = f.object_geometry(obj)
    by_object: dict[int, list[tuple]] = {}
    textpage = page.get_textpage()
    try:
        raw = ctypes.cast(textpage.raw, ctypes.c_void_p).value
        count = f.FPDFText_CountChars(raw)
        text = _page_text(f, raw, 0, count)
        if len(text) != count:  # characters beyond the BMP: read one by one
            text = [_page_text(f, raw, i, 1) for i in range(count)]
        box = f.FS_RECTF()
        box_ref = ctypes.byref(box)
        get_object, get_box, is_generated = f.FPDFText_GetTextObject, f.FPDFText_GetLooseCharBox, f.FPDFText_IsGenerated
        for i in range(count):
            char = text[i]
            if not char or char == "\x00" or (char.isspace() and is_generated(raw, i)):
                continue  # pdfium's own spaces and line breaks between text runs: pdfminer has none
            obj = get_object(raw, i) or 0
            geometry = objects.get(obj) or f.char_geometry(raw, i, obj)
            get_box(raw, i, box_ref)
            _, baseline, d, size, descent, upright = geometry
            y_a = baseline + d * descent * size
            y_b = y_a + d * size
            top, bottom = (height - y_b, height - y_a) if y_b >= y_a else (height - y_a, height - y_b)
            chars = by_object.get(obj)
            if chars is None:
                chars = by_object[obj] = []
            chars.append((char, box.left - left, box.right - left, top, bottom, upright))
    finally:
        textpage.close()
    ordered: list[tuple] = []
    for obj, geometry in objects.items():
        drawn = by_object.pop(obj, None)
        if drawn is not None:
            ordered.extend(drawn)
        elif geometry is not None:
            # A text object drawing only spaces: pdfium leaves it out of its text, pdfminer keeps it, and it ends words.
            x, baseline, d, size, descent, upright = geometry
            y_a = baseline + d * descent * size
            y_b = y_a + d * size
            top, bottom = (height - y_b, height - y_a) if y_b >= y_a else (height - y_a, height - y_b)
            ordered.append((" ", x - left, x - left, top, bottom, upright))
    for rest in by_object.values():  # text inside form XObjects, after the page's own, in pdfium's order
        ordered.extend(rest)
    return ordered


def _page_text(f: _Pdfium, raw: int, start: int, count: int) -> str:
    """pdfium's characters start..start+count as one str."""
    if count <= 0:
        return ""
    buffer = (ctypes.c_ushort * (count * 2 + 1))()
    written = f.FPDFText_GetText(raw, start, count, buffer)
    return bytes(buffer)[: max(written - 1, 0) * 2].decode("utf-16-le", errors="replace")


def _words_of(chars: list[tuple]) -> list[Word]:
    """pdfplumber's WordExtractor for one run of characters of the same uprightness (left to right, top down)."""
    # Lines: cluster the distinct tops, chaining sorted values within the tolerance (pdfplumber's cluster_list);
    # within a line, characters keep their drawing order until sorted (stably) by x0.
    cluster_of: dict[float, int] = {}
    cluster, last = 0, None
    for value in sorted({c[3] for c in chars}):
        if last is not None and value > last + Y_TOLERANCE:
            cluster += 1
        cluster_of[value] = cluster
        last = value
    lines: dict[int, list[tuple]] = {}
    for char in chars:
        key = cluster_of[char[3]]
        line = lines.get(key)
        if line is None:
            lines[key] = [char]
        else:
            line.append(char)
    words: list[Word] = []
    append = words.append
    for key in sorted(lines):
        parts: list[str] = []
        x0 = x1 = top = bottom = prev_x0 = prev_x1 = prev_top = 0.0
        for text, c_x0, c_x1, c_top, c_bottom, _ in sorted(lines[key], key=_X0):
            if text.isspace():
                if parts:
                    append(("".join(parts), x0, x1, top, bottom))
                    parts = []
                continue
            if parts and (c_x0 < prev_x0 or c_x0 > prev_x1 + X_TOLERANCE or abs(c_top - prev_top) > Y_TOLERANCE):
                append(("".join(parts), x0, x1, top, bottom))
                parts = []
            if parts:
                x1, top, bottom = max(x1, c_x1), min(top, c_top), max(bottom, c_bottom)
            else:
                x0, x1, top, bottom = c_x0, c_x1, c_top, c_bottom  # sorted by x0: the first has the word's x0
            parts.append(LIGATURES.get(text, text))
            prev_x0, prev_x1, prev_top = c_x0, c_x1, c_top
        if parts:
            append(("".join(parts), x0, x1, top, bottom))
    return words


def _X0(char: tuple) -> float:
    return char[1]
