"""Import-time shims that let Prefect 3.8's server run on the pinned FastAPI and SQLAlchemy.

See pipelines/prefect_compat/__init__.py. Each shim is applied right after its module is first
imported (an import hook), so a process that never imports them pays nothing.
"""

import importlib.abc
import sys


def shim_fastapi(module) -> None:  # noqa: ANN001
    """`Body(min_items=…, max_items=…)` (pydantic v1 keywords) → `min_length`/`max_length`."""
    original = module.Body
    if getattr(original, "_lakoo_compat", False):
        return

    def Body(*args, min_items=None, max_items=None, **kwargs):  # noqa: ANN002, ANN003, ANN202, N802
        if min_items is not None:
            kwargs.setdefault("min_length", min_items)
        if max_items is not None:
            kwargs.setdefault("max_length", max_items)
        return original(*args, **kwargs)

    Body._lakoo_compat = True  # type: ignore[attr-defined]
    Body.__doc__ = original.__doc__
    module.Body = Body
    package = sys.modules.get("fastapi")
    if package is not None and getattr(package, "Body", None) is original:  # imported before the shim
        package.Body = Body


def shim_prefect_orm(module) -> None:  # noqa: ANN001
    """The scheduler bulk-inserts flow-run dicts that carry a `state` entry (inserted separately
    afterwards). SQLAlchemy 2.1 treats that key as the `FlowRun.state` hybrid and refuses it without
    a bulk-DML hook; 2.0 ignored it. The hook below ignores it again."""
    hybrid = module.FlowRun.__dict__.get("state")
    if hybrid is not None and getattr(hybrid, "bulk_dml_setter", "missing") is None:
        hybrid.bulk_dml_setter = lambda cls, mapping, value: None


SHIMS = {"fastapi.param_functions": shim_fastapi, "prefect.server.database.orm_models": shim_prefect_orm}


class _PatchAfterImport(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):  # noqa: ANN001, ANN201
        shim = SHIMS.get(fullname)
        if shim is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                exec_module = spec.loader.exec_module

                def patched_exec(module, _exec=exec_module, _shim=shim):  # noqa: ANN001, ANN202
                    _exec(module)
                    _shim(module)

                spec.loader.exec_module = patched_exec
                return spec
        return None


def install_hook() -> None:
    """Shim the modules when they are imported; the ones already imported are shimmed now."""
    for name, shim in SHIMS.items():
        if name in sys.modules:
            shim(sys.modules[name])
    if not any(isinstance(f, _PatchAfterImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _PatchAfterImport())
