# One image for every process (API, worker, migrations); the command picks the role.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PREFECT_SERVER_ANALYTICS_ENABLED=false
WORKDIR /app
RUN pip install --no-cache-dir uv
COPY requirements.lock pyproject.toml README.md ./
RUN uv pip sync --system requirements.lock
COPY commerce ./commerce
COPY serving ./serving
COPY pipelines ./pipelines
COPY dbt ./dbt
COPY ranking ./ranking
RUN uv pip install --system --no-deps . && useradd --create-home lakoo
USER lakoo
EXPOSE 8000
CMD ["lakoo", "serve", "--host", "0.0.0.0", "--port", "8000"]
