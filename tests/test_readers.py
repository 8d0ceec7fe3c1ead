from pathlib import Path

import pytest
from juesuan.extract.readers import ReadError, read_document, read_markdown, split_fused
from juesuan.settings import load_settings


@pytest.mark.parametrize(
    ("token", "parts"),
    [
        ("行政运行201", ["行政运行", "201"]),  # pymupdf fuses a name with its code
        ("603.14201", ["603.14", "201"]),  # and an amount with the next code
        ("2010601-行政运行", ["2010601", "行政运行"]),
        ("1,393.59", ["1,393.59"]),
        ("2024年度", ["2024年度"]),  # a year is not a code
        ("第二部分", ["第二部分"]),
        # pypdf's layout mode runs a cell into the next (上海域外农场, 普陀区财政局)
        ("118,853,953一、农林水支出", ["118,853,953", "一、农林水支出"]),
        ("2,106.662,106.66", ["2,106.66", "2,106.66"]),
        ("1503.52603.14", ["1503.52", "603.14"]),
        ("118,853,953118,853,953", ["118,853,953", "118,853,953"]),
        ("118,853,953500", ["118,853,953500"]),  # 953500 or 953 | 500: no figure anyone can tell
        ("1,234,567", ["1,234,567"]),
    ],
)
def test_split_fused_tokens(token, parts):
    assert split_fused(token) == parts


def test_markdown_keeps_blank_cells_at_their_index(tmp_path):
    path = tmp_path / "t.md"
    path.write_text("# 支出决算表\n\n2010399\t\t其他支出\t45.08\t\t45.08\n| a | | b |\n|---|---|---|\n", encoding="utf-8")
    doc = read_markdown(path, path.read_bytes())
    assert [line.text for line in doc.lines][0] == "支出决算表"
    row = doc.lines[1]
    assert row.positional and [(t.text, t.col) for t in row.tokens] == [
        ("2010399", 0), ("", 1), ("其他支出", 2), ("45.08", 3), ("", 4), ("45.08", 5)]
    assert [(t.text, t.col) for t in doc.lines[2].tokens] == [("a", 0), ("", 1), ("b", 2)]
    assert len(doc.lines) == 3  # the |---| separator is not a row


def test_gbk_text_is_decoded_with_a_warning(tmp_path):
    path = tmp_path / "g.txt"
    path.write_bytes("部门：某某局\n收入决算表\n".encode("gbk"))
    doc = read_document(path)
    assert doc.lines[0].text == "部门：某某局"
    assert doc.warnings and "GBK" in doc.warnings[0]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("e.txt", b"  \n", "empty file: it holds no text"),
        ("x.pdf", b"not a pdf", "corrupt PDF: the file does not start with a %PDF header"),
        ("x.xlsx", b"PK", "unsupported file type '.xlsx': expected .txt, .md or .pdf"),
        ("b.txt", b"\x81\xff\xfa\xfb\x00\x81", "not UTF-8 or GBK text: undecodable byte at offset 0"),
        # \xff\xfe is UTF-16's byte-order mark: what follows must then be UTF-16 (here a lone surrogate).
        ("u.txt", b"\xff\xfe\x41\x00\x00\xd8", "not UTF-16-LE text despite its byte-order mark: undecodable byte at offset 4"),
    ],
)
def test_unreadable_files_say_why(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ReadError) as info:
        read_document(path)
    assert str(info.value) == message


def test_settings_come_from_arguments_then_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("JUESUAN_RAW", str(tmp_path / "in"))
    monkeypatch.setenv("JUESUAN_WAREHOUSE", str(tmp_path / "w.duckdb"))
    settings = load_settings()
    assert (settings.raw_dir, settings.warehouse) == (tmp_path / "in", tmp_path / "w.duckdb")
    assert load_settings(warehouse=tmp_path / "other.duckdb").warehouse == tmp_path / "other.duckdb"
    monkeypatch.delenv("JUESUAN_RAW")
    assert load_settings().raw_dir == Path(__file__).resolve().parents[1] / "raw"
