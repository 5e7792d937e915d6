# The production image: Airflow 3.3 with the project installed from the same lock file as development.
FROM apache/airflow:3.3.2-python3.11

USER root
COPY --chown=airflow:root . /opt/credit-warehouse
USER airflow
WORKDIR /opt/credit-warehouse
RUN pip install --no-cache-dir uv==0.13.9 \
 && uv export --frozen --no-dev --no-hashes --no-emit-project -o /tmp/requirements.txt \
 && pip install --no-cache-dir -r /tmp/requirements.txt \
 && pip install --no-cache-dir --no-deps -e .
ENV CREDIT_WAREHOUSE_HOME=/opt/credit-warehouse
