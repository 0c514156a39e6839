"""The example site as the benchmark deploys it: bench views over example_project."""
