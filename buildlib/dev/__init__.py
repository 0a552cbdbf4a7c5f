"""What developers run: the test tools (a venv, Debian's browsers), pytest, the benchmarks."""
