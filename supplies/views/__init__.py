"""Supplies pages, one module a subject: the overview, locations, stock cards and vouchers (ledger), donations,
requests (needs), the catalogue, the auditor's page and the transparency list (audit). Each view parses,
authorizes, calls one service or selector, renders."""
