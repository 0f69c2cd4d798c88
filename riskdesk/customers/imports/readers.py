"""Turn uploaded bytes (CSV in any common Chinese encoding, or .xlsx) into a header + rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass

from riskdesk.customers.imports.errors import ImportErrorCode, ImportFileError

Cell = str | int | float | dt.date | dt.datetime | None
# Tried in order for CSV without an explicit encoding. GB18030 is a superset of GBK and GB2312,
# which is what Excel on Chinese Windows saves "CSV" as.
_CANDIDATE_ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass
class RawTable:
    headers: list[str]
    rows: list[list[Cell]]
    encoding: str = ""


def _decode(content: bytes, encoding: str | None) -> tuple[str, str]:
    candidates = (encoding,) if encoding else _CANDIDATE_ENCODINGS
    if not encoding and content.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)
    for name in candidates:
        try:
            return content.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    raise ImportFileError(
        ImportErrorCode.ENCODING,
        "无法识别文件编码，请另存为 UTF-8 CSV 或用 --encoding 指定（如 GBK） / "
        "Cannot decode the file; save it as UTF-8 CSV or name the encoding (e.g. --encoding GBK).",
    )


def read_csv(content: bytes, encoding: str | None = None) -> RawTable:
    text, used = _decode(content, encoding)
    if "\x00" in text:
        raise ImportFileError(
            ImportErrorCode.UNREADABLE,
            "文件含有二进制内容，不是 CSV / The file is binary, not CSV.",
        )
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        reader = csv.reader(io.StringIO(text), dialect)
        rows = [row for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise ImportFileError(
            ImportErrorCode.UNREADABLE, f"CSV 格式错误 / malformed CSV: {exc}"
        ) from exc
    if not rows:
        raise ImportFileError(ImportErrorCode.EMPTY, "文件为空 / The file is empty.")
    return RawTable(headers=[h.strip() for h in rows[0]], rows=list(rows[1:]), encoding=used)


def read_xlsx(content: bytes) -> RawTable:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise ImportFileError(
            ImportErrorCode.UNREADABLE,
            f"无法读取 Excel 文件 / Cannot read the Excel file: {exc}",
        ) from exc
    sheet = workbook.worksheets[0]
    rows = [
        list(row)
        for row in sheet.iter_rows(values_only=True)
        if any(cell is not None and str(cell).strip() for cell in row)
    ]
    workbook.close()
    if not rows:
        raise ImportFileError(ImportErrorCode.EMPTY, "文件为空 / The file is empty.")
    headers = [str(h).strip() if h is not None else "" for h in rows[0]]
    return RawTable(headers=headers, rows=rows[1:], encoding="xlsx")


def read_table(
    content: bytes, filename: str, *, encoding: str | None = None, max_bytes: int
) -> RawTable:
    if max_bytes and len(content) > max_bytes:
        raise ImportFileError(
            ImportErrorCode.FILE_TOO_LARGE,
            f"文件过大（上限 {max_bytes // (1024 * 1024)} MB） / "
            f"File too large (limit {max_bytes // (1024 * 1024)} MB).",
        )
    if filename.lower().endswith((".xlsx", ".xlsm")) or content.startswith(b"PK\x03\x04"):
        return read_xlsx(content)
    if filename.lower().endswith(".xls"):
        raise ImportFileError(
            ImportErrorCode.UNREADABLE,
            "不支持旧版 .xls，请另存为 .xlsx 或 CSV / Legacy .xls is not supported; "
            "save as .xlsx or CSV.",
        )
    return read_csv(content, encoding)
