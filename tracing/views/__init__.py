"""Tracing pages, one module a subject: cases and their places (cases), contacts (contacts), follow-up
(follow_up), tasks, the communities where cases stayed (places), transmission chains (chains), contact list
imports (imports). Each view parses, authorizes, calls one service or selector, renders."""
