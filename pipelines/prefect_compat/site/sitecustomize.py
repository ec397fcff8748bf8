"""Loaded at start-up by every Python that has pipelines/prefect_compat/site on PYTHONPATH (Prefect's
server subprocess among them). It costs nothing up front: an import hook applies the shims (see
lakoo_prefect_shims.py) only if and when the modules they fix are imported."""

try:
    import lakoo_prefect_shims

    lakoo_prefect_shims.install_hook()
except Exception:  # noqa: BLE001 - never break an unrelated interpreter's start
    pass
