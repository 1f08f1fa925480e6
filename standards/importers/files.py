"""``read_file``: recognise a file by its content, decode it, hand it to its reader."""

import json
import os
from pathlib import Path

from . import canonical, nmpa, sports
from .build import Collector
from .records import ImportBatch, ImportFileError

#: Files larger than this are refused before they are read.
MAX_BYTES = 50 * 1024 * 1024

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and other OLE documents)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # Excel's "Unicode text" export
#: Control characters that never occur in a text export (tab, line breaks and the
#: form feed aside); a decoded "text" with many of them is binary data.
_CONTROL = {chr(c) for c in range(32)} - set("\t\n\r\x0c")


def read_file(path: str | Path, *, max_bytes: int = MAX_BYTES) -> ImportBatch:
    """Read one file of standards, whatever its shape, into an ``ImportBatch``.

    Raises ``ImportFileError`` (Chinese message) when the file as a whole cannot be
    read: missing, too large, empty, no data rows, corrupt, undecodable or of no
    known shape. Bad rows never raise: they become ``Skipped`` entries.
    """
    path = Path(path)
    data = _read_bytes(path, max_bytes)
    if not data.strip():
        raise ImportFileError("文件为空")
    if data.startswith(_ZIP):
        batch = ImportBatch(path=str(path), shape="canonical-xlsx", encoding=None)
        collector = Collector(batch)
        canonical.read_xlsx(path, collector)
        return _finish(collector)
    if data.startswith(_OLE):
        raise ImportFileError("不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV")
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        raise ImportFileError("XLSX 文件已损坏或不完整，无法读取（不是 ZIP 文件）")
    text, encoding = decode(data)
    if not text.strip():
        raise ImportFileError("文件为空")
    return _finish(_read_text(path, text, encoding, max_bytes))


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = os.stat(path).st_size
        if size > max_bytes:
            raise ImportFileError(_too_large(size, max_bytes))
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except FileNotFoundError:
        raise ImportFileError("文件不存在") from None
    except IsADirectoryError:
        raise ImportFileError("这是一个目录，不是文件") from None
    except PermissionError:
        raise ImportFileError("没有读取该文件的权限") from None
    if len(data) > max_bytes:  # grew, or not a regular file
        raise ImportFileError(_too_large(len(data), max_bytes))
    return data


def _too_large(size: int, max_bytes: int) -> str:
    return f"文件过大（{size / 1048576:.1f} MB），上限为 {max_bytes / 1048576:.1f} MB"


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was in: UTF-8 (with or without BOM), else GB18030
    (a superset of GBK and GB2312); UTF-16 only with its BOM."""
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ImportFileError("文件编码无法识别（UTF-16 内容有误）") from None
    if b"\x00" in data:
        raise ImportFileError("不是文本文件，也不是 XLSX：无法识别的二进制内容")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if sum(text.count(c) for c in _CONTROL) > max(3, len(text) // 100):
            break
        if encoding == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf"):
            encoding = "utf-8"
        return text, encoding
    raise ImportFileError(
        "无法识别的文件：不是 XLSX，也不是 UTF-8 或 GBK/GB18030 编码的文本（二进制内容？）"
    )


def _read_text(path: Path, text: str, encoding: str, max_bytes: int) -> Collector:
    def collector_for(shape: str) -> Collector:
        return Collector(ImportBatch(path=str(path), shape=shape, encoding=encoding))

    start = text.lstrip()[:1]
    if start in ("[", "{"):
        try:
            doc = json.loads(text)
        except ValueError as exc:
            if start == "{" and canonical.looks_like_jsonl(text):
                collector = collector_for("canonical-jsonl")
                canonical.read_jsonl(text, collector)
                return collector
            where = f"第 {exc.lineno} 行第 {exc.colno} 列" if hasattr(exc, "lineno") else ""
            raise ImportFileError(f"JSON 格式错误{where}（{getattr(exc, 'msg', exc)}）") from None
        if sports.is_sports(doc):
            collector = collector_for("sports")
            sports.read(doc, collector)
        elif nmpa.is_nmpa(doc):
            collector = collector_for("nmpa")
            nmpa.read(doc, collector)
        elif isinstance(doc, list) and any(canonical.is_canonical_object(o) for o in doc):
            collector = collector_for("canonical-jsonl")
            canonical.read_json_objects(doc, collector)
        elif canonical.is_canonical_object(doc):  # JSON Lines holding a single record
            collector = collector_for("canonical-jsonl")
            canonical.read_jsonl(text, collector)
        elif doc == [] or (isinstance(doc, dict) and doc.get("standards") == []):
            raise ImportFileError("文件中没有数据行")
        else:
            raise ImportFileError(
                "无法识别的 JSON 结构：应为每行一个含 number 的对象（JSON Lines）、"
                "此类对象的数组，或已知的来源格式"
            )
        return collector
    collector = collector_for("canonical-csv")
    canonical.read_csv(text, collector, max_bytes=max_bytes)
    return collector


def _finish(collector: Collector) -> ImportBatch:
    batch = collector.finish()
    if not batch.records and not batch.skipped:
        raise ImportFileError("文件中没有数据行")
    return batch
