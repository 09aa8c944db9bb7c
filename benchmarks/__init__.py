"""Benchmarks of the Export API: DynamoDB requests and capacity per operation, scaling with
job and company size, cold start against a bare Powertools app, warm handler overhead and package size.

Run with `make bench`; figures are printed as one table and written as JSON under benchmarks/results/.
They are measurements, never assertions: tests only check that this code runs on tiny sizes.
"""
