"""The benchmark harness (bench/run.py) and the two sites it drives: bench.flex_site and bench.stock_dot."""
