"""Prefect flows: extract Postgres → DuckDB, dbt KPI marts, ranking retraining (see the analytics issue)."""
