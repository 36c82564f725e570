"""Shared set-up of the end-to-end tests of `netrun lsp` (pytest-lsp drives the server as
an editor does). NETRUN names the netrun binary; by default the debug build."""
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
NETRUN = os.environ.get("NETRUN", str(ROOT / ".build" / "debug" / "netrun"))

# Figures to print at the end of the run (not assertions).
figures: list[str] = []


def pytest_terminal_summary(terminalreporter):
    for line in figures:
        terminalreporter.write_line(line)
