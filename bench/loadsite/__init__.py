"""The site as deployed plus one bare view, for bench/bench_load.py's baseline."""
