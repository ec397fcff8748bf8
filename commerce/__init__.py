"""LAKOO's transactional core: one sub-package per bounded context, plus `core` for shared plumbing."""
