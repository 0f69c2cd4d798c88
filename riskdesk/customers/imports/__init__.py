"""Imports of customers and trading data from CSV and Excel: read → parse rows → apply."""
