"""A county's report template, as it arrives: read, understood, and (later) filled in its own layout.

reading   the workbook checked (core.tabular's limits; macros refused, formulas read as their values), its
          sheet's header block found: title, the 填报单位/填报人/日期 lines, multi-row merged headers, 其中
          breakdowns, the units down the side or across the top, the 合计 line, the notes below. What it
          understood is a `Layout`, plain data that is stored and that the officer corrects where it guessed
          wrong.
"""
