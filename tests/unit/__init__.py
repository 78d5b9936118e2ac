"""Fast tests: in-process, no audio, browser, servers or subprocesses."""
