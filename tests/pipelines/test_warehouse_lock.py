"""One writer of the working warehouse at a time, across processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

from pipelines.warehouse import WarehouseBusy, warehouse_path, writer_lock
from tests.pipelines.conftest import warehouse_settings

HOLD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from commerce.core.settings import Settings
    from pipelines.warehouse import writer_lock
    settings = Settings(warehouse_path=Path(sys.argv[1]), _env_file=None)
    with writer_lock(settings):
        print("held", flush=True)
        time.sleep(30)
""")


def test_a_second_writer_waits_then_gives_up_naming_the_holder(settings, tmp_path):
    wh = warehouse_settings(settings, tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(warehouse_path(wh))], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        waited: list[str] = []
        started = time.monotonic()
        with pytest.raises(WarehouseBusy) as busy, writer_lock(wh, wait_s=0.5, on_wait=waited.append):
            pass
        assert time.monotonic() - started >= 0.5
        assert waited == [str(holder.pid)] and str(holder.pid) in busy.value.detail
    finally:
        holder.kill()
        holder.wait()
    with writer_lock(wh, wait_s=5), writer_lock(wh, wait_s=0):  # free again, and re-entrant in a process
        pass
