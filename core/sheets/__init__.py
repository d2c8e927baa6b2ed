"""Spreadsheet plumbing that knows no app: reading .xlsx and CSV files and their cells, and writing sheets."""
