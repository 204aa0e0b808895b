"""Read side of the 311 portal: database access, metrics, filters, maps and reports.

Only ``portal.cache`` and ``portal.ui`` may import streamlit; everything else is plain Python
that the pages call and the tests exercise directly.
"""
