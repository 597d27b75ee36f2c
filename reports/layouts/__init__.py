"""A county's report template, from its arrival to the day's report in its own layout.

opening     the file made safe: the upload limits, macros refused, an .xls read by calamine, formulas as values
reading     each sheet's report table found: title, field lines, a merged multi-line header with its 其中 parts,
            units down the side or across, the 合计 line, the ruled lines to fill, the notes (a `Layout`)
proposing   what each indicator should count: a catalog figure, an indicator built from its words (or from
            lists on the page), or a manual column; with the reason, and the active form that reports it already
versions    the chosen proposals as a form version's columns (each with its place in the sheet), and a computed
            report as the sheet's filling
filling     the day's report written into a copy of the template
services    upload, correction, choices, the form made from a sheet, the day's workbook; every write audited
selectors   templates in the user's scope, the forms a template may version, the day's workbook's access
forms, schemas   the pages' forms and the API's shapes
"""
