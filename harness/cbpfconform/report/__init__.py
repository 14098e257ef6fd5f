"""report: renderers of a finished results.json (results.py has its
schema): summary_md (summary.md and the terminal table), index_html (one
self-contained page) and clusters (the peer divergences by cause, a section
of both). They read the document only; `cbpf corpus render` re-runs them.
"""
