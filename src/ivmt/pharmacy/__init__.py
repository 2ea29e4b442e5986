"""Compounding records, stock lots, bag labels with barcodes, waste and recalls."""
