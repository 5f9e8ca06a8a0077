#!/usr/bin/env python3
"""Reads back the ledger workbook `duban report ledger --xlsx` wrote, with a
library other than the one that wrote it (openpyxl), and checks it against
`duban --format json assess show`: the four sheets by their Chinese names,
each with a frozen header row and A4 landscape print set-up fitted to the
width with the header row repeated, every unit once on the ledger and the
scores sheets, and each unit's total and rank as the assessment has them.

Usage: check_xlsx.py LEDGER.xlsx ASSESS.json OFFICE_HEADING
Exit 0 when every check holds; 1, saying which failed, otherwise.
"""
import json
import sys

import openpyxl

SHEETS = ["工作台账", "材料清单", "督办记录", "考核评分"]


def main():
    path, assess_path, office = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(assess_path, encoding="utf-8") as f:
        assess = json.load(f)
    wb = openpyxl.load_workbook(path)
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)

    check(wb.sheetnames == SHEETS, f"sheet names {wb.sheetnames} != {SHEETS}")
    for name in SHEETS:
        if name not in wb.sheetnames:
            continue
        ws = wb[name]
        check(ws.freeze_panes == "A2", f"{name}: frozen panes {ws.freeze_panes!r}, not the header row (A2)")
        check(ws.page_setup.orientation == "landscape", f"{name}: orientation {ws.page_setup.orientation}")
        check(str(ws.page_setup.paperSize) == "9", f"{name}: paper size {ws.page_setup.paperSize}, not A4 (9)")
        check(ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage,
              f"{name}: not fitted to the page")
        check(ws.page_setup.fitToWidth in (None, 1, "1"), f"{name}: fit to width {ws.page_setup.fitToWidth} (absent means 1)")
        check(str(ws.page_setup.fitToHeight) == "0", f"{name}: fit to height {ws.page_setup.fitToHeight}")
        check(ws.print_title_rows in ("1:1", "$1:$1"), f"{name}: repeated rows {ws.print_title_rows!r}")
        header = ws.oddHeader.center.text or ""
        check(office in header, f"{name}: page header {header!r} lacks the office's heading")
        check(ws.max_row >= 1 and ws.cell(1, 1).value, f"{name}: no header row")

    rows = {r["unit"]: r for r in assess["rows"]}
    ranks = {r["unit"]: r["rank"] for r in assess.get("ranking", [])}
    ledger = wb["工作台账"]
    ledger_units = [ledger.cell(r, 1).value for r in range(2, ledger.max_row + 1)]
    check(sorted(ledger_units) == sorted(rows), f"ledger sheet units {ledger_units} != {sorted(rows)}")
    check(ledger.cell(1, 2).value == "单位名称", f"ledger column B is {ledger.cell(1, 2).value!r}")

    scores = wb["考核评分"]
    heads = [c.value for c in scores[1]]
    total_col = heads.index("总分") + 1
    seen = []
    for r in range(2, scores.max_row + 1):
        unit = scores.cell(r, 2).value
        seen.append(unit)
        if unit not in rows:
            failures.append(f"scores sheet: unknown unit {unit!r}")
            continue
        want = rows[unit]["scored"]["total"]
        got = scores.cell(r, total_col).value
        check(isinstance(got, (int, float)) and abs(got - want) < 0.005,
              f"scores sheet: {unit} total {got!r}, assess show says {want}")
        check(scores.cell(r, total_col).number_format == "0.00",
              f"scores sheet: {unit} total format {scores.cell(r, total_col).number_format!r}")
        if ranks:
            check(scores.cell(r, 1).value == ranks[unit],
                  f"scores sheet: {unit} rank {scores.cell(r, 1).value!r}, published {ranks[unit]}")
    check(sorted(seen) == sorted(rows), f"scores sheet units {seen} != {sorted(rows)}")
    check(wb["材料清单"].max_row > len(rows), "materials sheet: fewer rows than units")
    check(wb["督办记录"].max_row > 1, "escalations sheet: no escalation recorded")
    due = ledger.cell(2, heads_index(ledger, "截止日期"))
    check(due.value is None or due.is_date, f"ledger: due {due.value!r} is not a date cell")

    for f in failures:
        print("FAIL:", f)
    print(f"{len(rows)} units, {len(SHEETS)} sheets: " + ("ok" if not failures else f"{len(failures)} failures"))
    return 1 if failures else 0


def heads_index(ws, title):
    for c in ws[1]:
        if c.value == title:
            return c.column
    raise SystemExit(f"no column {title!r} in {ws.title}")


if __name__ == "__main__":
    sys.exit(main())
